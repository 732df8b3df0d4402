"""Set up the Prefect workspace that PREFECT_API_URL points at (a server or Prefect Cloud) for the deployments in
prefect.yaml: the database and notification blocks, the work pools, and the automations that report what a run
cannot report itself: that it died, did not start, did not end, or did not happen. Running it again changes only
what differs, and says so.

Also the deploy-time step of prefect.yaml that fills in the settings Prefect's `{{ $ENV }}` templating cannot
default.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lms_pipeline.store.settings import DatabaseSettings

STORE_BLOCK = "lms-data-store"
ALERTS_BLOCK = "lms-alerts"
PROCESS_POOL = "lms-process-pool"
DOCKER_POOL = "lms-docker-pool"
FLOW_NAME = "lms-pipeline"
DEFAULT_TIMEZONE = "America/Chicago"
DEFAULT_EXTRACTS_DIR = "/extracts"

# The automations: each reports what the flow's own hooks cannot, because the run that would report it never ran
# its code (killed, never started, still stuck). Each message carries a link when the server sets PREFECT_UI_URL.
FAILED, LATE, OVERRUNNING, SILENT = (
    "lms-pipeline-failed-or-crashed",
    "lms-pipeline-late",
    "lms-pipeline-overrunning",
    "lms-pipeline-silent",
)
RUN_LINES = """\
Deployment: {{ deployment.name or '(none: started from the command line)' }}
Flow run: {{ flow_run.name }} ({{ flow_run|ui_url }})
State: {{ flow_run.state.name }}"""
FINAL_STATES = ("Completed", "Warned", "Failed", "Crashed", "Cancelled")  # Warned: a completed run with warnings


@dataclass(frozen=True)
class AlertBounds:
    expect_run_every_hours: float = 26.0  # a nightly run, and two hours' grace
    run_bound_hours: float = 4.0


def deploy_settings() -> dict[str, str]:
    """A prefect.yaml build step: LMS_TIMEZONE and LMS_EXTRACTS_DIR with their defaults, and the folder
    `prefect deploy` runs in, which a process worker on this machine runs the flow from."""
    timezone = os.environ.get("LMS_TIMEZONE") or DEFAULT_TIMEZONE
    try:  # a misspelt zone fails the deploy, not the nightly schedule
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"LMS_TIMEZONE={timezone!r} is not a time zone name such as America/Chicago") from error
    return {
        "timezone": timezone,
        "extracts": os.environ.get("LMS_EXTRACTS_DIR") or DEFAULT_EXTRACTS_DIR,
        "project_dir": os.getcwd(),
    }


@dataclass
class Outcome:
    thing: str
    result: str  # created, updated, unchanged, or skipped: why

    @property
    def changed(self) -> bool:
        return self.result in ("created", "updated")


def run_setup(database: DatabaseSettings, webhook_url: str | None, bounds: AlertBounds) -> int:
    """`lms-pipeline setup`: exit code 0 when the workspace is ready, 1 when there is no workspace to set up."""
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    if not api:  # Prefect would set up a throw-away ephemeral server instead
        print(
            "lms-pipeline setup: PREFECT_API_URL is not set: point it at your Prefect server "
            "(e.g. http://127.0.0.1:4200/api) or run `prefect cloud login`",
            file=sys.stderr,
        )
        return 1
    print(f"Prefect workspace: {api}")
    outcomes = setup(database, webhook_url, bounds)
    for outcome in outcomes:
        print(f"  {outcome.thing}: {outcome.result}")
    if not any(o.changed for o in outcomes):
        print("Nothing changed: the workspace was already set up.")
    return 0


def setup(
    database: DatabaseSettings, webhook_url: str | None = None, bounds: AlertBounds = AlertBounds()
) -> list[Outcome]:
    """Create or update everything the deployments rely on, in the workspace of the current Prefect settings."""
    from prefect.client.orchestration import get_client

    outcomes = [Outcome(f"block sqlalchemy-connector/{STORE_BLOCK}", save_block(store_block(database), STORE_BLOCK))]
    if webhook_url:
        outcomes.append(
            Outcome(f"block custom-webhook/{ALERTS_BLOCK}", save_block(alerts_block(webhook_url), ALERTS_BLOCK))
        )
    with get_client(sync_client=True) as client:
        outcomes.append(Outcome(f"work pool {PROCESS_POOL}", ensure_work_pool(client, PROCESS_POOL, "process")))
        outcomes.append(Outcome(f"work pool {DOCKER_POOL}", ensure_work_pool(client, DOCKER_POOL, "docker")))
        outcomes += ensure_automations(client, bounds)
    return outcomes


def store_block(database: DatabaseSettings):
    """A SqlAlchemyConnector holding the same URL the flow would build from `database`; the password is secret."""
    from prefect_sqlalchemy import ConnectionComponents, SqlAlchemyConnector

    url = database.url()
    return SqlAlchemyConnector(
        connection_info=ConnectionComponents(
            driver=url.drivername,
            username=url.username,
            password=url.password,
            host=url.host,
            port=url.port,
            database=url.database,
            query=dict(url.query) or None,
        )
    )


def alerts_block(webhook_url: str):
    """The URL is a secret of the block, put in its place when a message is sent: webhook URLs carry their token
    (Slack's and Teams' in the path), and a block's plain fields show in the UI and the API."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    return CustomWebhookNotificationBlock(
        name=ALERTS_BLOCK,
        url="{{webhook_url}}",
        secrets={"webhook_url": webhook_url},
        method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}", "text": "{{subject}}\n\n{{body}}"},
    )


def save_block(block, name: str) -> str:
    try:
        existing = type(block).load(name)
    except ValueError:  # no block of that name
        existing = None
    if existing is not None and _block_data(existing) == _block_data(block):
        return "unchanged"
    block.save(name, overwrite=True)
    return "updated" if existing is not None else "created"


def _block_data(block) -> dict:
    """The block's values with its secrets; not the document id and name a loaded block carries."""
    data = block.model_dump(mode="json", context={"include_secrets": True})
    return {key: value for key, value in data.items() if not key.startswith("_")}


def ensure_work_pool(client, name: str, pool_type: str) -> str:
    """Creates the pool with its worker type's default job template; an existing pool is left as it is, since
    its template may hold a site's own settings."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    try:
        pool = client.read_work_pool(name)
    except ObjectNotFound:
        template = _default_job_template(pool_type)
        if template is None:
            return "skipped: install prefect-docker (pip install 'lms-pipeline[docker]') for a docker pool"
        client.create_work_pool(WorkPoolCreate(name=name, type=pool_type, base_job_template=template))
        return "created"
    return "unchanged" if pool.type == pool_type else f"unchanged, but it is a {pool.type} pool, not {pool_type}"


def _default_job_template(pool_type: str) -> dict | None:
    if pool_type == "process":
        from prefect.workers.process import ProcessWorker

        return ProcessWorker.get_default_base_job_template()
    try:
        from prefect_docker.worker import DockerWorker
    except ImportError:
        return None
    return DockerWorker.get_default_base_job_template()


def ensure_automations(client, bounds: AlertBounds) -> list[Outcome]:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    try:
        block = CustomWebhookNotificationBlock.load(ALERTS_BLOCK)
    except ValueError:
        skipped = f"skipped: no custom-webhook/{ALERTS_BLOCK} block yet (give --webhook-url)"
        return [Outcome(f"automation {name}", skipped) for name in (FAILED, LATE, OVERRUNNING, SILENT)]
    return [
        Outcome(f"automation {wanted.name}", ensure_automation(client, wanted))
        # load() is an async_dispatch, typed "the block or a coroutine"; called synchronously it is the block.
        for wanted in automations(block._block_document_id, bounds)  # type: ignore[union-attr]
    ]


def ensure_automation(client, wanted) -> str:
    """One automation of that name: created, brought up to date, or left as it is."""
    found = [a for a in client.read_automations_by_name(wanted.name) if a.name == wanted.name]
    if not found:
        client.create_automation(wanted)
        return "created"
    first, *duplicates = found
    for duplicate in duplicates:
        client.delete_automation(duplicate.id)
    if not duplicates and _automation_data(first) == _automation_data(wanted):
        return "unchanged"
    client.update_automation(first.id, wanted)
    return "updated"


def automations(block_document_id, bounds: AlertBounds) -> list:
    """What is reported, of the lms-pipeline flow's runs (not its subflows'): a run that failed or crashed; a run
    that did not start on time (no worker polls its pool, or the pool is paused: the server marks it Late); a run
    still going after the bound; and no completed run for a day and more, which covers what makes no run at all
    (a paused schedule, a stopped scheduler, a deleted deployment)."""
    from datetime import timedelta

    from prefect.events.schemas.automations import Posture

    run_bound, silence = timedelta(hours=bounds.run_bound_hours), timedelta(hours=bounds.expect_run_every_hours)
    return [
        _automation(
            block_document_id,
            FAILED,
            "Reports failed and crashed runs, including those that die before "
            "the flow's own failure hook can run (a killed container, a worker that lost its machine).",
            "{{ flow_run.name }} {{ flow_run.state.name }} (automation)",
            RUN_LINES + "\nCause: {{ flow_run.state.message }}",
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            posture=Posture.Reactive,
        ),
        _automation(
            block_document_id,
            LATE,
            "Reports a run that did not start at its scheduled time: no worker is "
            "polling the work pool, or the pool or its queue is paused.",
            "{{ flow_run.name }} did not start (Late)",
            RUN_LINES + "\nScheduled for: {{ flow_run.expected_start_time }}\n\nNo worker started it: check "
            "that a worker runs (prefect worker start --pool ...) and that the work pool is not paused.",
            expect={"prefect.flow-run.Late"},
            posture=Posture.Reactive,
        ),
        _automation(
            block_document_id,
            OVERRUNNING,
            f"Reports a run still going {_hours(run_bound)} after it "
            "started: a hung statement or mount, or a night far larger than usual.",
            f"{{{{ flow_run.name }}}} still running after {_hours(run_bound)}",
            RUN_LINES + f"\n\nThe run started {_hours(run_bound)} ago and has not finished. Its log in the UI "
            "shows the phase it is in.",
            after={"prefect.flow-run.Running"},
            expect={f"prefect.flow-run.{s}" for s in FINAL_STATES},
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            within=run_bound,
        ),
        _automation(
            block_document_id,
            SILENT,
            f"Reports that no run has completed for {_hours(silence)}.",
            f"no run completed in {_hours(silence)}",
            f"No lms-pipeline run has completed in the last {_hours(silence)}: the nightly load has not "
            "happened. Check the deployment's schedule, the work pool and its worker, and the Prefect "
            "server's scheduler.",
            expect={"prefect.flow-run.Completed", "prefect.flow-run.Warned"},
            posture=Posture.Proactive,
            within=silence,
        ),
    ]


def _automation(block_document_id, name: str, description: str, subject: str, body: str, **trigger):
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger

    return AutomationCore(
        name=name,
        description=description,
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.name": FLOW_NAME},
            threshold=1,
            **trigger,
        ),
        actions=[
            SendNotification(
                block_document_id=block_document_id,
                subject=f"lms-pipeline {subject}",
                body=f"{body}\n\nSent by the Prefect automation {name}.",
            )
        ],
    )


def _hours(span) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} hours" if hours >= 1 else f"{span.total_seconds() / 60:g} minutes"


def _automation_data(automation) -> dict:
    """What defines the automation; the trigger's own id is new on every build, and sets have no order."""
    data = automation.model_dump(mode="json", include={"name", "description", "enabled", "trigger", "actions"})
    data["trigger"].pop("id", None)
    for key in ("expect", "after", "for_each"):
        data["trigger"][key] = sorted(data["trigger"][key])
    return data
