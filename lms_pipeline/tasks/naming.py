"""Names and log lines a person can read in the Prefect UI: runs named for what they are, one line per batch."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from prefect.context import FlowRunContext
from prefect.runtime import deployment, task_run

from lms_pipeline.loading.journal import root_of

GENERATED_NAME = re.compile(r"[a-z]+-[a-z]+")  # Prefect's own run names: two random words, as 'lush-moose'
SUCCESS_LINES = ("Finished in state Completed()", "Finished in state Cached(")


def pipeline_run_name() -> str:
    """The parent run's name: its deployment ('cli' from the command line) and the day it was due, as
    nightly-2026-12-04. A name a person gave the run (prefect deployment run --flow-run-name) is kept."""
    context = FlowRunContext.get()
    assert context is not None and context.flow_run is not None, "called by Prefect in the flow run it names"
    run = context.flow_run
    if run.deployment_id and not run.auto_scheduled and not GENERATED_NAME.fullmatch(run.name):
        return run.name
    due = (run.expected_start_time or datetime.now(UTC)).astimezone()
    return f"{deployment.name or 'cli'}-{due:%Y-%m-%d}"


def batch_run_name(step: str):
    """A batch task run's name: the step, the resource and the extract roots, as validate-users-canvas."""

    def name() -> str:
        parameters = task_run.parameters
        files = parameters.get("files") or [parameters["file"]]
        files = files.unquote() if hasattr(files, "unquote") else files  # passed in quote(), not to be walked
        roots = sorted({_root_name(f) for f in files})
        return f"{step}-{parameters['resource'].name}-{'+'.join(roots)}"

    return name


def _root_name(file) -> str:
    root = root_of(file.path, file.relpath) or file.path
    return root.rstrip("/").rsplit("/", 1)[-1]


class QuietSuccess(logging.Filter):
    """Drops a task run's bare 'Finished in state Completed()': the flow logs one line per batch that says what
    the batch did. Failures, retries and everything else still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(SUCCESS_LINES)


_QUIET = QuietSuccess()


def quiet_task_successes() -> None:
    logging.getLogger("prefect.task_runs").addFilter(_QUIET)  # once: a logger holds a filter only once
