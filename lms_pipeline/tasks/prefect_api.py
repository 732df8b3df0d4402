"""The Prefect API a terminal command runs its flow against.

A configured API (PREFECT_API_URL in the environment or the active Prefect profile) always wins. Without one,
Prefect starts a temporary server inside every command: 8 to 13 s each time, up to 40 s on a busy machine, and
past its start-up timeout (20 s) the command dies with a traceback. So the first command starts a local server in
the background instead (`prefect server start`, its PID where `prefect server stop` looks for it), says so, and
later commands reuse it in well under a second; its UI then shows every run.

LMS_PREFECT_SERVER=temporary keeps Prefect's per-command server (a container that runs one command and exits),
with a start-up timeout long enough for a loaded machine. LMS_PREFECT_PORT picks the local server's port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from lms_pipeline.errors import TerminalError

STARTUP_TIMEOUT = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"  # Prefect's knob, used for both kinds
DEFAULT_STARTUP_SECONDS = 180  # a cold start on 2 busy cores took 40 s; Prefect's own default is 20
DEFAULT_PORT = 4200  # Prefect's: a server the user started with a bare `prefect server start` is found too
THE_FIX = (
    "Start one with `prefect server start`, set PREFECT_API_URL=http://127.0.0.1:4200/api, and run the command again."
)


class PrefectUnavailable(TerminalError):
    """No Prefect API could be had; the message is one line that says how to get one. Terminal: the command has
    already waited for a server to start; what is left is for a person to do."""


@dataclass(frozen=True)
class LocalServer:
    port: int
    home: Path  # PREFECT_HOME: the server's database, its PID file and our log of it

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def pid_file(self) -> Path:
        return self.home / "server.pid"  # prefect.cli._server_utils.SERVER_PID_FILE_NAME

    @property
    def log_file(self) -> Path:
        return self.home / "lms-pipeline-server.log"


def connect(say=print) -> AbstractContextManager:
    """The Prefect settings a command runs its flow in: its API, no heartbeat, and a server's 500 retried.

    Without a configured API it has a local server: one that answers, or one started now, whose start goes on
    while the command imports its modules (2 to 3 s); entering the context waits for it (4 s, 15 s the very first
    time, when the server creates its database). A run from a terminal sends no heartbeat unless
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY asks for one: the command's exit code speaks for it, and stopping the
    heartbeat thread, which sleeps in 1 s steps, cost up to a second of every command."""
    os.environ.setdefault(STARTUP_TIMEOUT, str(DEFAULT_STARTUP_SECONDS))  # read when prefect is imported: now
    updates: dict[str, object] = {}
    if "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" not in os.environ:
        updates["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] = None
    if "PREFECT_CLIENT_RETRY_EXTRA_CODES" not in os.environ:
        updates["PREFECT_CLIENT_RETRY_EXTRA_CODES"] = RETRIED_STATUS_CODES
    if _configured_api_url() or os.environ.get("LMS_PREFECT_SERVER", "local") == "temporary":
        return _settings(updates)
    server = LocalServer(int(os.environ.get("LMS_PREFECT_PORT") or DEFAULT_PORT), _prefect_home())
    startup = None if is_healthy(server.api_url) else Startup(server, float(os.environ[STARTUP_TIMEOUT]), say)
    os.environ["PREFECT_API_URL"] = server.api_url  # for the processes a run starts
    return _settings({**updates, "PREFECT_API_URL": server.api_url}, startup)


# Prefect's client retries 429, 502 and 503 with backoff; a server under a burst of writes also answers 500 now
# and then (once in three CI runs, on creating the summary artifact of a run whose data had loaded, which failed
# the run). A nightly run retries that too rather than fail over its report.
RETRIED_STATUS_CODES = {500}


@contextmanager
def _settings(updates: dict, startup: Startup | None = None):
    """Prefect read its settings when it was imported, so these go into its settings context, as its test harness
    does."""
    import prefect.settings
    from prefect.settings import temporary_settings

    if startup:
        startup.wait()
    with temporary_settings(updates={getattr(prefect.settings, name): value for name, value in updates.items()}):
        yield


def _configured_api_url() -> str | None:
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    from prefect.settings import get_current_settings  # reads the active profile too

    return get_current_settings().api.url


def _prefect_home() -> Path:
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home)


def is_healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


class Startup:
    """A local server starting in a session of its own (Ctrl-C on this command must not stop it)."""

    def __init__(self, server: LocalServer, timeout: float, say):
        say(
            f"Starting a local Prefect server at http://127.0.0.1:{server.port} (none was running; it keeps running "
            "for later commands, its UI shows every run, and `prefect server stop` ends it) ...",
            file=sys.stderr,
        )
        self.server, self.timeout, self.say = server, timeout, say
        self.began = time.monotonic()
        server.home.mkdir(parents=True, exist_ok=True)
        with open(server.log_file, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(server.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
            )

    def wait(self) -> None:
        """Until the server answers. A second command starting at the same moment loses the port and waits for the
        winner, whose PID is the one `prefect server stop` finds."""
        while time.monotonic() - self.began < self.timeout:
            if is_healthy(self.server.api_url):
                if self.process.poll() is None:
                    self.server.pid_file.write_text(str(self.process.pid))
                self.say(f"Prefect server ready in {time.monotonic() - self.began:.0f} s.", file=sys.stderr)
                return
            time.sleep(0.25)
        _stop(self.process)
        raise PrefectUnavailable(
            f"the local Prefect server did not answer within {self.timeout:.0f} s (its log: {self.server.log_file}). "
            + THE_FIX
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def unavailable_message(error: BaseException) -> str | None:
    """The one line for a temporary server that did not start in time, or None for any other error."""
    if "ephemeral Prefect API server" not in str(error):
        return None
    return f"Prefect's temporary server did not start within {os.environ.get(STARTUP_TIMEOUT)} s. " + THE_FIX
