"""The Prefect API of a command run without PREFECT_API_URL: a local server started on first use and reused after,
enough time for a slow start, and one line with the fix when there is none.

Each test runs the real command in a subprocess with a HOME and PREFECT_HOME of its own, and a real Prefect server
on a free port. A slow start is a real one: a sitecustomize module on PYTHONPATH delays the server's process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from cli_flags import database_flags

from lms_pipeline.tasks.prefect_api import connect, is_healthy

SLOW_START = """
import os, sys, time
if sys.argv[1:3] == ["server", "start"] or "prefect.server.api.server:create_app" in sys.argv:
    time.sleep(float(os.environ["TEST_SERVER_DELAY"]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def home(tmp_path):
    """A user with no Prefect configuration, whose local server (if any) is stopped at the end."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "LMS_PREFECT_SERVER")}
    env.update(
        HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "home" / ".prefect"), LMS_PREFECT_PORT=str(free_port())
    )
    (tmp_path / "home").mkdir()
    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "sitecustomize.py").write_text(SLOW_START)
    yield env
    pid_file = tmp_path / "home" / ".prefect" / "server.pid"
    if pid_file.exists():
        os.killpg(int(pid_file.read_text()), signal.SIGTERM)


def slowed(env: dict, tmp_path, seconds: float) -> dict:
    return {**env, "PYTHONPATH": str(tmp_path / "slow"), "TEST_SERVER_DELAY": str(seconds)}


def lms(env: dict, *argv: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lms_pipeline.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=env["HOME"],
    )


def migrate(db) -> list[str]:
    return [
        "migrate",
        *database_flags(db, ""),
    ]


def test_the_first_command_starts_a_local_server_and_the_next_reuses_it(home, db):
    first = lms(home, *migrate(db))
    assert first.returncode == 0, first.stderr
    assert "Starting a local Prefect server" in first.stderr and "prefect server stop" in first.stderr
    api = f"http://127.0.0.1:{home['LMS_PREFECT_PORT']}/api"
    assert is_healthy(api)
    second = lms(home, *migrate(db))
    assert second.returncode == 0, second.stderr
    assert "Starting" not in second.stderr
    stop = subprocess.run(
        [sys.executable, "-m", "prefect", "server", "stop"], env=home, capture_output=True, text=True, timeout=120
    )
    assert stop.returncode == 0, stop.stderr
    deadline = time.monotonic() + 30
    while is_healthy(api) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not is_healthy(api), "`prefect server stop` did not find the server lms-pipeline started"


@pytest.mark.services  # the demo's own embedded PostgreSQL and local Prefect server
def test_the_demo_passes_its_first_run_when_the_server_is_slow_to_start(home, tmp_path):
    """Prefect gives its temporary server 20 s; this one takes more than that before it even begins to start."""
    result = lms(slowed(home, tmp_path, 25), "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Prefect server ready" in result.stderr
    assert "deletions held" in result.stdout and "1 row quarantined:" in result.stdout
    assert f"http://127.0.0.1:{home['LMS_PREFECT_PORT']}/runs" in result.stdout


def test_a_server_that_never_answers_is_one_line_with_the_fix(home, tmp_path, db):
    env = {**slowed(home, tmp_path, 120), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "3"}
    result = lms(env, *migrate(db), timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("lms-pipeline: the local Prefect server did not answer within 3 s")
    assert "prefect server start" in lines[-1] and "PREFECT_API_URL=" in lines[-1]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "home" / ".prefect" / "server.pid").exists(), "the server that never answered is left"


def test_prefects_temporary_server_that_does_not_start_in_time_is_one_line_too(home, db):
    env = {**home, "LMS_PREFECT_SERVER": "temporary", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "1"}
    result = lms(env, *migrate(db), timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("lms-pipeline: Prefect's temporary server did not start within 1 s"), result.stderr
    assert "Traceback" not in result.stderr


def test_a_command_retries_a_servers_500_as_prefect_retries_a_503(monkeypatch):
    """A server under a burst of writes answers 500 now and then; a command's flow retries it, with the backoff of
    Prefect's client, instead of failing a run whose data has loaded over its report."""
    from prefect.settings import PREFECT_CLIENT_RETRY_EXTRA_CODES, temporary_settings

    monkeypatch.delenv("PREFECT_CLIENT_RETRY_EXTRA_CODES", raising=False)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # configured: the context starts no server
    with temporary_settings(updates={PREFECT_CLIENT_RETRY_EXTRA_CODES: set()}):
        with connect():
            assert PREFECT_CLIENT_RETRY_EXTRA_CODES.value() == {500}
        assert PREFECT_CLIENT_RETRY_EXTRA_CODES.value() == set()
