"""What each subcommand does once its arguments are parsed: run the flow, print the outcome."""

from __future__ import annotations

import argparse
import sys

from lms_pipeline.cli import database_settings
from lms_pipeline.console import gathered_warnings
from lms_pipeline.report import print_summary


def run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from lms_pipeline.demo.run import run_demo

        return run_demo(args)
    if args.command == "setup":
        from lms_pipeline.workspace import AlertBounds, run_setup

        return run_setup(database_settings(args), args.webhook_url,
                         AlertBounds(expect_run_every_hours=args.expect_run_every, run_bound_hours=args.run_bound))
    from lms_pipeline.flows.pipeline import ALL_LMS, ALL_PHASES, LOAD_PHASES, Phase

    phases = {
        "load": LOAD_PHASES,
        "validate": [Phase.DISCOVERY, Phase.MIGRATIONS, Phase.VALIDATION],
        "migrate": [Phase.MIGRATIONS],
        "harmonize": [Phase.MIGRATIONS, Phase.HARMONIZATION],
        "run": ALL_PHASES,
    }[args.command]
    return run_pipeline(
        csv_paths=getattr(args, "csvpath", []),
        database=database_settings(args),
        phases=phases,
        allow_mass_delete=getattr(args, "allow_mass_delete", False),
        lms=getattr(args, "lms", None) or ALL_LMS,
        exceptions_report_directory=getattr(args, "exceptions_report_directory", None),
        notification_block=getattr(args, "notification_block", None),
        notify_email_to=getattr(args, "notify_email_to", None),
        stale_after_hours=getattr(args, "stale_after_hours", 36.0),
        lock_wait_seconds=args.lock_wait,
        statement_timeout_minutes=args.statement_timeout,
    )


EXIT_WARNED = 3  # the run completed, with warnings a person must see (README: exit codes)


def run_pipeline(**parameters) -> int:
    """Run the `lms-pipeline` flow, print its summary and what its runs warned of; the exit code: 0 success,
    1 failure, 3 completed with warnings (2, bad arguments, is argparse's)."""
    from lms_pipeline.flows.pipeline import WARNED, lms_pipeline

    with gathered_warnings() as warnings:
        state = lms_pipeline(**parameters, return_state=True)
    if not state.is_completed():
        print(*warnings, sep="\n", file=sys.stderr)
        cause = (state.message or "").removeprefix("Flow run encountered an exception: ").removeprefix("PhaseFailed: ")
        print(f"lms-pipeline: {state.name}: {cause}", file=sys.stderr)
        return 1
    print_summary(state.result(), warnings)
    return EXIT_WARNED if state.name == WARNED else 0
