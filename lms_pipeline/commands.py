"""What each subcommand does once its arguments are parsed: run the flow, print the outcome."""

from __future__ import annotations

import argparse
import logging
import sys

from lms_pipeline.cli import database_settings
from lms_pipeline.report import print_summary


def run(args: argparse.Namespace) -> int:
    quiet_task_chatter(getattr(args, "log_level", "INFO"))
    if args.command == "demo":
        from lms_pipeline.demo.run import run_demo

        return run_demo()
    if args.command == "setup":
        from lms_pipeline.workspace import run_setup

        return run_setup(database_settings(args), args.webhook_url)
    from lms_pipeline.flows.pipeline import ALL_PHASES, LOAD_PHASES, Phase, lms_pipeline

    phases = {
        "load": LOAD_PHASES,
        "validate": [Phase.DISCOVERY, Phase.MIGRATIONS, Phase.VALIDATION],
        "migrate": [Phase.MIGRATIONS],
        "harmonize": [Phase.MIGRATIONS, Phase.HARMONIZATION],
        "run": ALL_PHASES,
    }[args.command]
    state = lms_pipeline(
        csv_paths=getattr(args, "csvpath", []),
        database=database_settings(args),
        phases=phases,
        allow_mass_delete=getattr(args, "allow_mass_delete", False),
        lms=getattr(args, "lms", None) or ["canvas", "google", "schoology"],
        exceptions_report_directory=getattr(args, "exceptions_report_directory", None),
        notification_block=getattr(args, "notification_block", None),
        notify_email_to=getattr(args, "notify_email_to", None),
        stale_after_hours=getattr(args, "stale_after_hours", 36.0),
        lock_wait_seconds=args.lock_wait,
        return_state=True,
    )
    return finish(state)


def quiet_task_chatter(level: str) -> None:
    """Every task run logs its state at INFO; on a terminal only DEBUG wants that."""
    if level != "DEBUG":
        logging.getLogger("prefect.task_runs").setLevel(logging.WARNING)


def finish(state) -> int:
    """Exit code 0 when the flow completed, 1 with its failure message otherwise."""
    if not state.is_completed():
        cause = (state.message or "").removeprefix("Flow run encountered an exception: ").removeprefix("PhaseFailed: ")
        print(f"lms-pipeline: {state.name}: {cause}", file=sys.stderr)
        return 1
    result = state.result()
    if result.files_found or result.staging.resources or result.harmonization:
        print_summary(result)
    return 0
