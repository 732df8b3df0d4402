"""What the parent flow tells people: failures and crashes as they happen, warnings at the end of a run."""

from __future__ import annotations

from prefect.runtime import deployment
from prefect.settings import PREFECT_UI_URL
from pydantic import ValidationError

from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.options import Notifications, NotifyOn
from lms_pipeline.reporting.terminal import format_table
from lms_pipeline.run_state import RunState
from lms_pipeline.tasks.notifications import send_quietly
from lms_pipeline.wording import plural


def run_link(flow_run_id) -> str:
    base = PREFECT_UI_URL.value()
    return f"{base.rstrip('/')}/runs/flow-run/{flow_run_id}" if base else f"flow run {flow_run_id}"


def report_failure(flow, flow_run, state) -> None:
    """on_failure and on_crashed hook: deployment, run and link, phase, cause, and the counts so far, which the
    run's state carries on the error that ended it."""
    notifications = _notifications(flow_run.parameters or {})
    if notifications.when is NotifyOn.NEVER:
        return
    run = RunState.carried_by(_error_of(state))
    counts = run.summary if run is not None and run.load_run_id is not None else None
    body = "\n".join(
        [
            f"Deployment: {deployment.name or '(none: started from the command line)'}",
            f"Flow run: {flow_run.name} ({run_link(flow_run.id)})",
            f"State: {state.name}",
            f"Phase: {run.phase if run is not None else 'starting'}",
            f"Cause: {state.message}",
            "",
            "Counts so far:",
            format_table(counts.table()) if counts and counts.resources else "(no batch was loaded)",
        ]
    )
    send_quietly(notifications.block, f"lms-pipeline {flow_run.name} {state.name}", body, notifications.email_to)


def _notifications(parameters: dict) -> Notifications:
    """The run's notification settings; the defaults when the parameters themselves were what failed."""
    try:
        return Notifications.model_validate(parameters.get("notifications") or {})
    except ValidationError:
        return Notifications()


def _error_of(state) -> object:
    try:
        return state.result(raise_on_failure=False)
    except Exception:  # a hook must not fail: without the error, the message says the rest
        return None


def notify_warnings(notifications: Notifications, warnings: list[str], summary: StagingSummary) -> None:
    if not warnings or notifications.when is not NotifyOn.WARNING:
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
    subject = f"lms-pipeline {flow_run.get_name()}: {plural(len(warnings), 'warning')}"
    send_quietly(notifications.block, subject, body, notifications.email_to)
