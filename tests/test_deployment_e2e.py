"""The deployment path end to end, as an operator runs it: a real `prefect server start`, `lms-pipeline setup`,
`prefect deploy --all`, a process worker, and `prefect deployment run ... --watch` over a fixture tree into a
real PostgreSQL database.

Everything runs in subprocesses pointed at this test's own server and PREFECT_HOME, whatever PREFECT_API_URL the
surrounding session uses (.ci/run exports one for the flow tests).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from cli_flags import database_flags
from records import leaks, read_records
from sinks import WebhookSink

REPO = Path(__file__).resolve().parents[1]
RUN_TIMEOUT = 240  # seconds for one `prefect deployment run --watch`; a run takes 15-40 s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prefect:
    """This test's Prefect installation: its server, its environment, and the CLI against it."""

    def __init__(self, home: Path):
        self.home = home
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.env = {
            key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "LMS_", "DB_"))
        }  # the session's server, settings, flags
        self.env.update(
            {
                "PREFECT_HOME": str(home / "prefect-home"),
                "PREFECT_API_URL": self.api_url,
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_UI_ENABLED": "false",  # the server starts faster without copying its UI files
                "DO_NOT_TRACK": "1",
                "PREFECT_LOGGING_LEVEL": "INFO",
                # The worker passes this on to its flow runs: the task cache of this test, and no other.
                "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "results"),
                "PREFECT_WORKER_QUERY_SECONDS": "1",
                # The server: links in automation messages; a run not started 5 s after its time is Late (default 15).
                "PREFECT_UI_URL": f"http://127.0.0.1:{self.port}",
                "PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": "5",
            }
        )
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """A long-running command in its own process group, its output in <name>.log."""
        log = self.home / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                args, cwd=REPO, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append((process, log))
        return process

    def stop(self, process: subprocess.Popen) -> None:
        """SIGINT to the group, once more if it lingers (a worker may ignore the first one), then kill."""
        for sig, wait in ((signal.SIGINT, 15), (signal.SIGINT, 10), (signal.SIGKILL, 5)):
            if process.poll() is not None:
                break
            os.killpg(process.pid, sig)
            try:
                process.wait(wait)
            except subprocess.TimeoutExpired:
                continue

    def wait_healthy(self, server: subprocess.Popen, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert server.poll() is None, f"the Prefect server exited:\n{self.logs()}"
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        pytest.fail(f"the Prefect server was not healthy within {timeout} s:\n{self.logs()}")

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            args, cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name} (last lines)\n{log.read_text(errors='replace')[-3000:]}" for _, log in self.processes
        )


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def deployment_run(deployment: str, name: str | None, watch: bool = True, **params) -> list[str]:
    """`prefect deployment run` as an operator types it: each parameter as -p name=<JSON>; without a name, the
    run names itself."""
    flags = [flag for key, value in params.items() for flag in ("-p", f"{key}={json.dumps(value)}")]
    flags += ["--flow-run-name", name] if name else []
    flags += ["--watch", "--watch-timeout", str(RUN_TIMEOUT)] if watch else []
    return cli("prefect", "deployment", "run", f"lms-pipeline/{deployment}", *flags)


@pytest.fixture
def prefect(tmp_path):
    stack = Prefect(tmp_path)
    yield stack
    for process, _ in reversed(stack.processes):  # the worker before the server: it hangs once the server is gone
        stack.stop(process)


# The shortest bounds Prefect takes (10 s for a proactive trigger): a run still going, or no run completed, for 11 s.
ALERT_FLAGS = ["--run-bound", "0.003", "--expect-run-every", "0.003"]
BOUND = "0.18 minutes"
AUTOMATIONS = ("failed-or-crashed", "late", "overrunning", "silent")


def test_an_operator_sets_up_deploys_and_runs_the_pipeline(prefect, databases, fixture_tree):
    server = prefect.start(
        "server", *cli("prefect", "server", "start", "--host", "127.0.0.1", "--port", str(prefect.port))
    )
    store = databases.create()
    # Trust authentication ignores a password, so a unique one can prove where the password does not go.
    password = store.password.get_secret_value() if store.password else f"e2e-{uuid.uuid4().hex}"
    root = fixture_tree("starter-kit-sample")
    sink = WebhookSink()
    webhook_url = f"{sink.url}/T{uuid.uuid4().hex}"  # a token in the path, as Slack's and Teams' URLs carry
    try:
        prefect.wait_healthy(server)

        setup = prefect.run(
            *cli(
                "lms_pipeline.cli",
                "setup",
                *database_flags(store, password),
                "--webhook-url",
                webhook_url,
                *ALERT_FLAGS,
            )
        )
        assert setup.returncode == 0, setup.stdout + setup.stderr
        for automation in AUTOMATIONS:
            assert f"automation lms-pipeline-{automation}: created" in setup.stdout
        again = prefect.run(
            *cli(
                "lms_pipeline.cli",
                "setup",
                *database_flags(store, password),
                "--webhook-url",
                webhook_url,
                *ALERT_FLAGS,
            )
        )
        assert "Nothing changed" in again.stdout, again.stdout + again.stderr

        deploy = prefect.run(*cli("prefect", "deploy", "--all", "--no-prompt"))
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        refused = prefect.run(
            *deployment_run(
                "adhoc",
                "e2e-password-parameter",
                watch=False,
                csv_paths=[str(root)],
                database={"dbname": store.dbname, "password": password},
            )
        )
        assert refused.returncode != 0 and "password" in refused.stdout + refused.stderr
        worker = prefect.start(
            "worker", *cli("prefect", "worker", "start", "--pool", "lms-process-pool", "--name", "e2e")
        )

        # A check of the extracts, and meanwhile a run of the canvas deployment whose root does not exist.
        failing = prefect.start(
            "failing-run", *deployment_run("canvas", "e2e-missing-root", csv_paths=[str(root.parent / "no-such-root")])
        )
        checked = prefect.run(
            *deployment_run(
                "adhoc",
                "e2e-validate",
                csv_paths=[str(root)],
                options={"phases": ["discovery", "migrations", "validation"]},
            ),
            timeout=RUN_TIMEOUT + 60,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr + prefect.logs()
        assert failing.wait(RUN_TIMEOUT + 60) == 1, prefect.logs()  # --watch exits 1 on a Failed run

        loaded = prefect.run(*deployment_run("adhoc", "e2e-load", csv_paths=[str(root)]), timeout=RUN_TIMEOUT + 60)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr + prefect.logs()

        assert count_rows(store, "lms.lmsuser") == 49
        assert count_rows(store, "lms.assignmentsubmission") == 901

        # A run held up (here by another run's lock, as by a hung statement) is reported while it still runs.
        # It is started without a name: it names itself after its deployment and day.
        held_name = f"adhoc-{datetime.now().astimezone():%Y-%m-%d}"
        with run_lock_held(store):
            held = prefect.start("held-run", *deployment_run("adhoc", None, csv_paths=[str(root)]))
            wait_for_message(sink, f"lms-pipeline {held_name} still running after {BOUND}", prefect)
        assert held.wait(RUN_TIMEOUT) == 0, prefect.logs()

        # The worker stops: the next run is not started, and someone is told; then that no run completes.
        prefect.stop(worker)
        started = prefect.run(*deployment_run("adhoc", "e2e-late", watch=False, csv_paths=[str(root)]))
        assert started.returncode == 0, started.stdout + started.stderr
        late = wait_for_message(sink, "lms-pipeline e2e-late did not start (Late)", prefect)
        assert "No worker started it" in late["body"] and "/runs/flow-run/" in late["body"]
        silent = wait_for_message(sink, f"lms-pipeline no run completed in {BOUND}", prefect)
        assert "the nightly load has not happened" in silent["body"]

        server_view = asyncio.run(read_server(prefect.api_url))
        check_runs_and_artifacts(server_view)
        assert held_name in server_view, sorted(server_view)
        check_nightly_schedule(prefect.api_url)
        check_failure_messages(sink, server_view["e2e-missing-root"])
        check_no_secret_anywhere(
            prefect.api_url,
            server_view,
            ["e2e-load", "e2e-missing-root", held_name],
            [password, webhook_url.rsplit("/", 1)[1]],
        )
    finally:
        sink.close()


@contextmanager
def run_lock_held(settings):
    """The database's run lock, held as another run would hold it."""
    from lms_pipeline.store.connections import make_engine, run_lock

    engine = make_engine(settings)
    try:
        with run_lock(engine):
            yield
    finally:
        engine.dispose()


def wait_for_message(sink: WebhookSink, subject: str, prefect: Prefect, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(sink.messages):
            if message.get("subject") == subject:
                return message
        time.sleep(1)
    pytest.fail(
        f"no message {subject!r} within {timeout} s: {[m.get('subject') for m in sink.messages]}\n{prefect.logs()}"
    )


def count_rows(settings, table: str) -> int:
    from sqlalchemy import text

    from lms_pipeline.store.connections import make_engine

    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    finally:
        engine.dispose()


async def read_server(api_url: str) -> dict:
    """Every flow run by name, with its subflow runs, task runs and artifacts, read through the Prefect client."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
    )
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        async with get_client() as client:
            runs = {}
            for run in await client.read_flow_runs(limit=200):
                if run.parent_task_run_id is not None:
                    continue
                children = await client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id]))
                )
                ids = [run.id] + [child.id for child in children]
                runs[run.name] = {
                    "run": run,
                    "children": children,
                    "tasks": await client.read_task_runs(
                        task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=ids))
                    ),
                    "artifacts": await client.read_artifacts(
                        artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids))
                    ),
                }
            return runs


def check_runs_and_artifacts(runs: dict) -> None:
    validated, loaded = runs["e2e-validate"], runs["e2e-load"]
    assert validated["run"].state.name == "Completed"
    # Completed, named apart in the UI: the fixture's extracts are years old.
    assert loaded["run"].state.type.value == "COMPLETED" and loaded["run"].state.name == "Warned"
    assert "older than" in loaded["run"].state.message
    assert runs["e2e-missing-root"]["run"].state.name == "Failed"
    assert "discovery failed: NoReadableRoot" in runs["e2e-missing-root"]["run"].state.message

    artifacts = {a.key: a for a in loaded["artifacts"]}
    assert '"resource": "submissions"' in artifacts["lms-load-summary"].data
    assert '"inserted": 901' in artifacts["lms-load-summary"].data
    assert artifacts["lms-data-quality"].data.startswith("# Data quality")
    assert artifacts["lms-staging-progress"].data == 100.0
    assert "lms-load-summary" in {a.key for a in validated["artifacts"]}

    # The load reuses the validation the check run cached: no batch is validated twice.
    validations = [t.state.name for t in loaded["tasks"] if t.name.startswith("validate-")]
    assert validations and set(validations) == {"Cached"}, validations


def check_no_secret_anywhere(api_url: str, runs: dict, searched: list[str], secrets: list[str]) -> None:
    """The deployments name the connector block; no run (nor its subflow runs, task runs, logs, artifacts and
    events) holds the password or the webhook's token, and neither does the alerts block's plain data."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    assert runs["e2e-load"]["run"].parameters["database_block"] == "lms-data-store"
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        places = {}
        for name in searched:
            records = asyncio.run(read_records(runs[name]["run"].id, artifacts_expected=name == "e2e-load"))
            places.update({f"{name}: {where}": text for where, text in records.items()})
        # The block document as the API shows it (not Block.load, whose event would tie this process's events
        # client to a server that the test stops).
        with get_client(sync_client=True) as client:
            alerts = client.read_block_document_by_name("lms-alerts", "custom-webhook", include_secrets=False)
    places["alerts block (as the API shows it)"] = alerts.model_dump_json()
    assert alerts.data["url"] == "{{webhook_url}}"
    assert leaks(places, secrets) == []


def check_nightly_schedule(api_url: str, timeout: float = 150) -> None:
    """The scheduler service creates the nightly runs some seconds after the deployment appears: at 02:00 in the
    default time zone, as Prefect's own cron schedule counts it (on a daylight-saving change day too)."""
    from prefect.server.schemas.schedules import CronSchedule

    deadline = time.monotonic() + timeout
    while not (starts := asyncio.run(scheduled_starts(api_url, "nightly"))) and time.monotonic() < deadline:
        time.sleep(2)
    assert starts, f"no scheduled nightly run within {timeout} s"
    starts.sort()
    expected = asyncio.run(
        CronSchedule(cron="0 2 * * *", timezone="America/Chicago").get_dates(n=len(starts), start=starts[0])
    )
    assert starts == expected


async def scheduled_starts(api_url: str, deployment: str) -> list[datetime]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateName,
    )
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        async with get_client() as client:
            runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Scheduled"]))
                ),
            )
            return [run.expected_start_time for run in runs]


def check_failure_messages(sink: WebhookSink, failed: dict, timeout: float = 120) -> None:
    """The flow's failure hook reports the run; the server's automation reports it too, a little later."""
    run = failed["run"]
    hook = [m for m in sink.messages if m["subject"] == f"lms-pipeline {run.name} Failed"]
    assert len(hook) == 1, sink.messages
    body = hook[0]["body"]
    assert "Deployment: canvas" in body and "Phase: discovery" in body and "no extract root can be read" in body
    assert f"/runs/flow-run/{run.id}" in body

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not _automation_messages(sink, run.name):
        time.sleep(1)
    automation = _automation_messages(sink, run.name)
    assert automation, f"the automation's message did not arrive within {timeout} s: {sink.messages}"
    assert "Deployment: canvas" in automation[0]["body"] and "no extract root can be read" in automation[0]["body"]


def _automation_messages(sink: WebhookSink, run_name: str) -> list[dict]:
    return [m for m in sink.messages if m["subject"] == f"lms-pipeline {run_name} Failed (automation)"]
