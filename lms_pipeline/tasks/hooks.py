"""What the parent flow tells people: failures and crashes as they happen, warnings at the end of a run."""

from __future__ import annotations

from dataclasses import dataclass

from prefect.runtime import deployment
from prefect.settings import PREFECT_UI_URL

from lms_pipeline.loading.summary import StagingSummary, live_summary
from lms_pipeline.reporting.terminal import format_table
from lms_pipeline.tasks.notifications import send_quietly
from lms_pipeline.wording import plural


@dataclass
class RunProgress:
    phase: str = "starting"
    load_run_id: int | None = None


_RUNS: dict[str, RunProgress] = {}


def track(flow_run_id: str | None) -> RunProgress:
    return _RUNS.setdefault(str(flow_run_id), RunProgress())


def run_link(flow_run_id) -> str:
    base = PREFECT_UI_URL.value()
    return f"{base.rstrip('/')}/runs/flow-run/{flow_run_id}" if base else f"flow run {flow_run_id}"


def report_failure(flow, flow_run, state) -> None:
    """on_failure and on_crashed hook: deployment, run and link, phase, cause, and the counts so far."""
    parameters = flow_run.parameters or {}
    progress = _RUNS.get(str(flow_run.id), RunProgress())
    counts = live_summary(progress.load_run_id) if progress.load_run_id else StagingSummary()
    body = "\n".join(
        [
            f"Deployment: {deployment.name or '(none: started from the command line)'}",
            f"Flow run: {flow_run.name} ({run_link(flow_run.id)})",
            f"State: {state.name}",
            f"Phase: {progress.phase}",
            f"Cause: {state.message}",
            "",
            "Counts so far:",
            format_table(counts.table()) if counts.resources else "(no batch was loaded)",
        ]
    )
    if parameters.get("notify_on", "warning") != "never":
        send_quietly(
            parameters.get("notification_block"),
            f"lms-pipeline {flow_run.name} {state.name}",
            body,
            parameters.get("notify_email_to"),
        )


def notify_warnings(
    block: str | None, email_to: list[str] | None, warnings: list[str], summary: StagingSummary
) -> None:
    if not warnings:
        return
    from prefect.runtime import flow_run

    body = "\n".join(
        [
            f"Deployment: {deployment.name or '(none: started from the command line)'}",
            f"Flow run: {flow_run.get_name()} ({run_link(flow_run.get_id())})",
            "",
            "Warnings:",
            *(f"- {w}" for w in warnings),
            "",
            format_table(summary.table()) if summary.resources else "",
        ]
    )
    send_quietly(block, f"lms-pipeline {flow_run.get_name()}: {plural(len(warnings), 'warning')}", body, email_to)
