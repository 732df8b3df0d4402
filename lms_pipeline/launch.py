"""Run the `lms-pipeline` flow from a terminal: its warnings gathered, its summary printed, its exit code."""

from __future__ import annotations

import sys

from lms_pipeline.console import gathered_warnings
from lms_pipeline.reporting.terminal import print_summary

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
