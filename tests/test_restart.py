"""PostgreSQL restarted, or stopped for too long, in the middle of a run.

A private cluster of this test's own (the Debian PostgreSQL binaries, `initdb` and `pg_ctl` run as the postgres
user, on a free port, in a temporary folder) is restarted under a real `lms-pipeline load`: the shared server on
127.0.0.1:5432 is never touched. Retries exist only in the Prefect flow, so the runs go through the command line.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import pytest
from cli_flags import database_flags
from sinks import WebhookSink
from sqlalchemy import create_engine, text

from lms_pipeline.demo.generator import generate_district
from lms_pipeline.resources import LOAD_ORDER
from lms_pipeline.store.settings import DatabaseSettings

pytestmark = pytest.mark.prefect

BIN = Path("/usr/lib/postgresql/15/bin")
WORKER = Path(__file__).resolve().parent / "load_worker.py"
TABLES = tuple(resource.table.lower() for resource in LOAD_ORDER)  # every live table, parents first


class PrivateServer:
    """A PostgreSQL cluster owned by this test: started, restarted and stopped at will."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lms-restart-"))
        self.data, self.log = self.folder / "data", self.folder / "server.log"
        as_root = os.geteuid() == 0
        # runuser lives in /usr/sbin, which a minimal PATH (cron's, env -i) may leave out
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        self.prefix = [runuser, "-u", "postgres", "--"] if as_root else []
        if as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [*self.prefix, str(BIN / program), *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, f"{program}: {result.stdout}{result.stderr}"

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def settings(self, dbname: str = "postgres") -> DatabaseSettings:
        return DatabaseSettings(server="127.0.0.1", port=self.port, dbname=dbname, username="postgres")

    def create_database(self, name: str) -> DatabaseSettings:
        engine = create_engine(self.settings().url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        return self.settings(name)

    def remove(self) -> None:
        with suppress(AssertionError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def server():
    made = PrivateServer()
    made.start()
    yield made
    made.remove()


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("district")
    generate_district(
        root,
        users=240,
        sections=12,
        students_per_section=20,
        assignments_per_section=4,
        days=3,
        lms=("canvas",),
        messy=True,
        seed=11,
    )
    return root / "canvas"


def url(settings: DatabaseSettings) -> str:
    return settings.url().render_as_string(hide_password=False)


def content(settings: DatabaseSettings) -> dict:
    engine = create_engine(settings.url())
    try:
        with engine.connect() as conn:
            found = {
                t: sorted(conn.execute(text(f"SELECT sourcesystemidentifier, deletedat IS NULL FROM lms.{t}")))
                for t in TABLES
            }
            found["journal"] = sorted(conn.execute(text("SELECT relativepath, outcome FROM lms.processedfiles")))
    finally:
        engine.dispose()
    return found


def scalar(settings: DatabaseSettings, sql: str):
    engine = create_engine(settings.url())
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    except Exception:  # noqa: BLE001 - the schema may not exist yet, or the server be restarting
        return None
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def clean(server, tree):
    """What a load without faults leaves, for comparison."""
    settings = server.create_database("clean")
    from lms_pipeline.store.connections import make_engine
    from lms_pipeline.store.migrations import apply_migrations, builtin_scripts

    engine = make_engine(settings)
    apply_migrations(engine, builtin_scripts("postgresql", harmonizer=False))
    engine.dispose()
    result = subprocess.run(
        [sys.executable, str(WORKER), url(settings), str(tree)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return content(settings)


def start_cli(
    settings: DatabaseSettings, root: Path, prefect_api, retries: int, delay: float, *extra: str
) -> subprocess.Popen:
    from prefect.settings import PREFECT_API_URL

    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api or PREFECT_API_URL.value(),
        "LMS_DB_RETRIES": str(retries),
        "LMS_DB_RETRY_DELAY_SECONDS": str(delay),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lms_pipeline.cli",
            "load",
            "-c",
            str(root),
            *database_flags(settings, "unused"),
            "--stale-after-hours",
            "1000000",
            "--allow-mass-delete",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_for_first_batch(settings: DatabaseSettings, process: subprocess.Popen, timeout: float = 120) -> float:
    """Until the run has committed its first batch; the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if (scalar(settings, "SELECT count(*) FROM lms.processedfiles") or 0) > 0:
            return time.monotonic() - started
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError("the load committed no batch in time")


async def _retried_tasks(flow_run_id: str) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterParentFlowRunId

    async with get_client() as client:
        children = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id]))
        )
        ids = [flow_run_id] + [c.id for c in children]
        tasks = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
    return [t.name for t in tasks if t.run_count > 1]


def test_a_restart_mid_run_is_carried_through_by_retries(server, tree, clean, prefect_api):
    import asyncio

    settings = server.create_database("restarted")
    process = start_cli(settings, tree, prefect_api, retries=6, delay=1)
    waited = wait_for_first_batch(settings, process)
    server.stop("fast")  # every session is cut off, the batch in flight among them
    time.sleep(3)  # down long enough for the next database step to fail and retry
    server.start()
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    assert content(settings) == clean
    [run] = [scalar(settings, "SELECT flowrunid || ' ' || outcome FROM lms.loadrun")]
    flow_run_id, outcome = run.split()
    assert outcome == "succeeded"
    retried = asyncio.run(_retried_tasks(flow_run_id))
    assert retried, f"no task was retried: the restart (after {waited:.1f} s) hit no database step"


@pytest.fixture
def webhook(prefect_api):
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    sink = WebhookSink()
    CustomWebhookNotificationBlock(
        name="lms-restart", url=sink.url, method="POST", json_data={"subject": "{{subject}}", "body": "{{body}}"}
    ).save("lms-restart-alerts", overwrite=True)
    yield sink
    sink.close()


def test_a_server_down_longer_than_the_retries_fails_clearly_and_the_next_run_completes(
    server, tree, clean, prefect_api, webhook
):
    settings = server.create_database("stopped")
    process = start_cli(
        settings, tree, prefect_api, 2, 0.5, "--notification-block", "custom-webhook/lms-restart-alerts"
    )
    wait_for_first_batch(settings, process)
    server.stop("fast")
    try:
        _, err = process.communicate(timeout=300)  # retries of about 0.5 s and 1 s: it gives up while down
    finally:
        server.start()
    assert process.returncode == 1
    assert "Connection refused" in err or "could not connect" in err or "terminating connection" in err
    [notification] = webhook.messages
    assert "Failed" in notification["subject"] and "Phase: staging" in notification["body"]
    failure = err

    again = start_cli(settings, tree, prefect_api, 4, 1)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert content(settings) == clean
    outcomes = scalar(settings, "SELECT string_agg(outcome, ',' ORDER BY loadrunid) FROM lms.loadrun")
    assert outcomes.endswith("succeeded")
    # the message names the phase and the file, as for any staging failure
    assert any(line.startswith("lms-pipeline: Failed: staging failed: staging ") for line in failure.splitlines()), (
        failure
    )
