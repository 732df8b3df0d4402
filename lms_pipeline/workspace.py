"""Set up the Prefect workspace that PREFECT_API_URL points at (a server or Prefect Cloud) for the deployments in
prefect.yaml: the database and notification blocks, the work pools, and an automation for the runs that die
before their own failure hook can send anything. Running it again changes only what differs, and says so.

Also the deploy-time step of prefect.yaml that fills in the settings Prefect's `{{ $ENV }}` templating cannot
default.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lms_pipeline.settings import DatabaseSettings

STORE_BLOCK = "lms-data-store"
ALERTS_BLOCK = "lms-alerts"
PROCESS_POOL = "lms-process-pool"
DOCKER_POOL = "lms-docker-pool"
AUTOMATION = "lms-pipeline-failed-or-crashed"
FLOW_NAME = "lms-pipeline"
DEFAULT_TIMEZONE = "America/Chicago"
DEFAULT_EXTRACTS_DIR = "/extracts"

AUTOMATION_SUBJECT = "lms-pipeline {{ flow_run.name }} {{ flow_run.state.name }} (automation)"
AUTOMATION_BODY = """\
Deployment: {{ deployment.name or '(none: started from the command line)' }}
Flow run: {{ flow_run.name }} ({{ flow_run|ui_url }})
State: {{ flow_run.state.name }}
Cause: {{ flow_run.state.message }}

Sent by the Prefect automation lms-pipeline-failed-or-crashed, which also covers runs that died before the \
flow's own failure message could be sent (a killed container, a worker that lost its machine)."""


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


def run_setup(database: DatabaseSettings, webhook_url: str | None) -> int:
    """`lms-pipeline setup`: exit code 0 when the workspace is ready, 1 when there is no workspace to set up."""
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    if not api:  # Prefect would set up a throw-away ephemeral server instead
        print("lms-pipeline setup: PREFECT_API_URL is not set: point it at your Prefect server "
              "(e.g. http://127.0.0.1:4200/api) or run `prefect cloud login`", file=sys.stderr)
        return 1
    print(f"Prefect workspace: {api}")
    outcomes = setup(database, webhook_url)
    for outcome in outcomes:
        print(f"  {outcome.thing}: {outcome.result}")
    if not any(o.changed for o in outcomes):
        print("Nothing changed: the workspace was already set up.")
    return 0


def setup(database: DatabaseSettings, webhook_url: str | None = None) -> list[Outcome]:
    """Create or update everything the deployments rely on, in the workspace of the current Prefect settings."""
    from prefect.client.orchestration import get_client

    outcomes = [Outcome(f"block sqlalchemy-connector/{STORE_BLOCK}", save_block(store_block(database), STORE_BLOCK))]
    if webhook_url:
        outcomes.append(Outcome(f"block custom-webhook/{ALERTS_BLOCK}",
                                save_block(alerts_block(webhook_url), ALERTS_BLOCK)))
    with get_client(sync_client=True) as client:
        outcomes.append(Outcome(f"work pool {PROCESS_POOL}", ensure_work_pool(client, PROCESS_POOL, "process")))
        outcomes.append(Outcome(f"work pool {DOCKER_POOL}", ensure_work_pool(client, DOCKER_POOL, "docker")))
        outcomes.append(Outcome(f"automation {AUTOMATION}", ensure_automation(client)))
    return outcomes


def store_block(database: DatabaseSettings):
    """A SqlAlchemyConnector holding the same URL the flow would build from `database`; the password is secret."""
    from prefect_sqlalchemy import ConnectionComponents, SqlAlchemyConnector

    url = database.url()
    return SqlAlchemyConnector(connection_info=ConnectionComponents(
        driver=url.drivername, username=url.username, password=url.password, host=url.host, port=url.port,
        database=url.database, query=dict(url.query) or None,
    ))


def alerts_block(webhook_url: str):
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    return CustomWebhookNotificationBlock(
        name=ALERTS_BLOCK, url=webhook_url, method="POST",
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


def ensure_automation(client) -> str:
    """One automation of that name, sending through the alerts block: created, brought up to date, or left."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    try:
        block = CustomWebhookNotificationBlock.load(ALERTS_BLOCK)
    except ValueError:
        return f"skipped: no custom-webhook/{ALERTS_BLOCK} block yet (give --webhook-url)"
    wanted = failure_automation(block._block_document_id)
    found = [a for a in client.read_automations_by_name(AUTOMATION) if a.name == AUTOMATION]
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


def failure_automation(block_document_id):
    """Every Failed or Crashed run of the lms-pipeline flow (not its subflows) sends a message."""
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    return AutomationCore(
        name=AUTOMATION,
        description="Reports failed and crashed lms-pipeline runs, including those that die before the flow's "
                    "own failure hook can run.",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.name": FLOW_NAME},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[SendNotification(block_document_id=block_document_id, subject=AUTOMATION_SUBJECT,
                                  body=AUTOMATION_BODY)],
    )


def _automation_data(automation) -> dict:
    """What defines the automation; the trigger's own id is new on every build, and sets have no order."""
    data = automation.model_dump(mode="json", include={"name", "description", "enabled", "trigger", "actions"})
    data["trigger"].pop("id", None)
    data["trigger"]["expect"] = sorted(data["trigger"]["expect"])
    return data
