"""Security: hostile file and folder names never reach SQL text, symlinks out of the root are not followed, and
neither the database password nor a webhook secret appears anywhere a run leaves something behind."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import psycopg2.extensions
import pytest
from cli_flags import database_flags
from extracts import assignment, enrolment, section, submission, user, write
from records import leaks, prefect_records
from sqlalchemy import event, text

from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.loading.batch import MassDeletePolicy
from lms_pipeline.loading.journal import pending_files
from lms_pipeline.loading.stage import stage_all
from lms_pipeline.options import ALL_PHASES, Notifications, RunOptions, Thresholds
from lms_pipeline.store.connections import make_engine
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.settings import DatabaseSettings
from lms_pipeline.store.tables import StoreTables

LMS_TABLES = (
    "lmsuser",
    "lmssection",
    "lmsuserlmssectionassociation",
    "assignment",
    "assignmentsubmission",
    "processedfiles",
    "quarantine",
    "migrationjournal",
    "loadrun",
    "datastore",
)


# --- (1) nothing from a file or folder name reaches SQL text -----------------------------------------------------


class RecordingCursor(psycopg2.extensions.cursor):
    """Every SQL text the driver is handed, its parameters, and COPY data: also what bypasses SQLAlchemy's events
    (COPY and migration scripts run on raw cursors)."""

    calls: ClassVar[list[tuple[str, str, object]]] = []

    def execute(self, query, vars=None):
        self.calls.append(("execute", _text(query), vars))
        return super().execute(query, vars)

    def executemany(self, query, vars_list):
        self.calls.append(("executemany", _text(query), vars_list))
        return super().executemany(query, vars_list)

    def copy_expert(self, sql, file, size=8192):
        data = "".join(iter(lambda: file.read(size), ""))  # the loader's reader renders as it is read, once
        self.calls.append(("copy", _text(sql), data))
        return super().copy_expert(sql, io.StringIO(data), size)


def _text(query) -> str:
    return query.decode() if isinstance(query, bytes) else str(query)


def _values(parameters) -> list[str]:
    """Every scalar inside a parameter structure, as text."""
    if parameters is None:
        return []
    if isinstance(parameters, dict):
        return [v for value in parameters.values() for v in _values(value)]
    if isinstance(parameters, (list, tuple)):
        return [v for value in parameters for v in _values(value)]
    return [str(parameters)]


INJECTIONS = [
    "'; DROP TABLE lms.lmsuser; --",
    "Robert'); --",
    'x"; DROP TABLE lms.lmssection; --',
    "$(touch pwned)",
    "`touch pwned-too`",
    "S1; touch pwned-three #",
]


def hostile_tree(root: Path, tmp: Path) -> list[str]:
    """Users, sections (and so section folders), assignments (assignment folders), enrolments and submissions
    whose identifiers and names are injection attempts; the values that must arrive verbatim."""
    values = INJECTIONS + [f"$(touch {tmp}/pwned-by-value)", f"`touch {tmp}/pwned-by-backticks`"]
    write(root, "users", [user(v, Name=v, EmailAddress=v, SISUserIdentifier=v) for v in values])
    write(root, "sections", [section(v, Title=v, SectionDescription=v) for v in INJECTIONS])
    for index, v in enumerate(INJECTIONS):  # folder names cannot hold '/', so the folder values have none
        write(root, "section-associations", [enrolment(f"E{index}", v, v)], section=v)
        write(root, "assignments", [assignment(v, v, Title=v, AssignmentDescription=v)], section=v)
        write(root, "submissions", [submission(f"B{index}", v, v, Grade="A';--")], section=v, assignment=v)
    return values


def test_injection_attempts_travel_only_as_data_and_are_stored_verbatim(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a shell would create ./pwned
    root = tmp_path / "root"
    values = hostile_tree(root, tmp_path)
    engine = make_engine(db)
    statements: list[tuple[str, object]] = []
    RecordingCursor.calls = []

    @event.listens_for(engine, "connect")
    def record_raw_cursors(dbapi_connection, record):
        dbapi_connection.cursor_factory = RecordingCursor

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    try:
        manifest = walk_tree(root)
        tables = StoreTables(dialect_of(engine))
        summary = stage_all(engine, [pending_files(engine, tables, manifest, False)], None, MassDeletePolicy())
        assert summary.rejected_files == [] and summary.total("quarantined") == 0
        with engine.connect() as conn:
            stored = {
                t: set(conn.execute(text(f"SELECT sourcesystemidentifier FROM lms.{t}")).scalars())
                for t in ("lmsuser", "lmssection", "assignment")
            }
            names = set(conn.execute(text("SELECT name FROM lms.lmsuser")).scalars())
            paths = set(conn.execute(text("SELECT relativepath FROM lms.processedfiles")).scalars())
            submissions = conn.execute(text("SELECT count(*) FROM lms.assignmentsubmission WHERE grade = 'A'';--'"))
            submission_count = submissions.scalar()
            present = [
                t for t in LMS_TABLES if conn.execute(text("SELECT to_regclass(:t)"), {"t": f"lms.{t}"}).scalar()
            ]
    finally:
        engine.dispose()

    # stored verbatim, every table still there, nothing executed by a shell
    assert stored == {"lmsuser": set(values), "lmssection": set(INJECTIONS), "assignment": set(INJECTIONS)}
    assert names == set(values)
    assert {f"section={v}/assignment={v}/submissions/2021-09-01-06-00-00.csv" for v in INJECTIONS} <= paths
    assert submission_count == len(INJECTIONS)
    assert present == list(LMS_TABLES)
    assert not any(p.name.startswith("pwned") for p in tmp_path.iterdir())
    assert not Path.home().joinpath("pwned").exists()

    # the SQL texts: none holds an injected value; the values did travel, as parameters or COPY data
    sql_texts = [s for s, _ in statements] + [sql for _, sql, _ in RecordingCursor.calls]
    data = [v for _, p in statements for v in _values(p)]
    data += [v for kind, _, p in RecordingCursor.calls if kind != "copy" for v in _values(p)]
    data += [p for kind, _, p in RecordingCursor.calls if kind == "copy"]
    assert len(sql_texts) > 50 and any(c[0] == "copy" for c in RecordingCursor.calls)
    for value in values:
        leaked = [s for s in sql_texts if value in s]
        assert leaked == [], f"{value!r} reached SQL text: {leaked[:2]}"
        assert any(value in d for d in data), f"{value!r} never travelled as data: the recording missed it"


# --- (2) symbolic links that leave the root ----------------------------------------------------------------------


def test_symlinks_out_of_the_root_are_not_followed_and_links_inside_are(tmp_path, load_tree, query):
    root, outside = tmp_path / "root", tmp_path / "outside"
    write(outside, "users", [user("OUTSIDE-FILE")])  # outside/users/2021-09-01-06-00-00.csv
    write(outside, "assignments", [assignment("OUTSIDE-FOLDER", "S1")], section="S1")
    write(root, "sections", [section("S1"), section("S2")])
    write(root, "users", [user("U1")])
    (root / "users" / "2021-09-02-06-00-00.csv").symlink_to(outside / "users" / "2021-09-01-06-00-00.csv")
    (root / "section=S1").symlink_to(outside / "section=S1", target_is_directory=True)
    write(root / "archive", "assignments", [assignment("INSIDE", "S2")], section="S2")
    (root / "section=S2").symlink_to(root / "archive" / "section=S2", target_is_directory=True)

    manifest = walk_tree(root)
    notices = {(n.relpath, n.kind) for n in manifest.notices}
    assert {("users/2021-09-02-06-00-00.csv", "outside-root"), ("section=S1", "outside-root")} <= notices
    assert all(f.path.startswith(str(root.resolve())) for f in manifest.files)
    load_tree(root)
    assert query("SELECT sourcesystemidentifier FROM lms.lmsuser") == [("U1",)]
    assert query("SELECT sourcesystemidentifier FROM lms.assignment") == [("INSIDE",)]
    assert query("SELECT relativepath FROM lms.processedfiles WHERE relativepath LIKE 'section=%'") == [
        ("section=S2/assignments/2021-09-01-06-00-00.csv",)
    ]


# --- (3) secrets -------------------------------------------------------------------------------------------------


class RecordingWebhook:
    """An HTTP endpoint on 127.0.0.1 that records each request's path, headers and body and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[dict] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.requests.append({"path": self.path, "headers": dict(self.headers), "body": body.decode()})
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def webhook_block(sink: RecordingWebhook, secret: str) -> str:
    """A custom-webhook block whose URL query and Authorization header carry the secret (as block secrets)."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    name = f"lms-secret-{uuid.uuid4().hex[:8]}"
    CustomWebhookNotificationBlock(
        name=name,
        url=sink.base + "?token={{token}}",
        method="POST",
        headers={"Authorization": "Bearer {{token}}"},
        json_data={"subject": "{{subject}}", "body": "{{body}}"},
        secrets={"token": secret},
    ).save(name, overwrite=True)
    return f"custom-webhook/{name}"


def assert_sent_with_secret(sink: RecordingWebhook, secret: str) -> None:
    """The secret was really used (so a search that finds nothing means something)."""
    assert sink.requests, "no notification was sent"
    request = sink.requests[0]
    assert request["path"].endswith(f"?token={secret}")
    assert request["headers"]["Authorization"] == f"Bearer {secret}"


def database_text(engine, schemas=("lms",)) -> dict[str, str]:
    """Every row of every table of the schemas, as text."""
    found = {}
    with engine.connect() as conn:
        names = (
            conn.execute(
                text(
                    "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables "
                    "WHERE table_schema = ANY(:s) AND table_type = 'BASE TABLE'"
                ),
                {"s": list(schemas)},
            )
            .scalars()
            .all()
        )
        for name in names:
            rows = conn.execute(text(f"SELECT x::text FROM {name} x")).scalars().all()
            found[f"table {name}"] = "\n".join(rows)
    assert found.get("table lms.loadrun"), "no load run was recorded"
    return found


def folder_text(folder: Path | str | None, label: str) -> dict[str, bytes]:
    found = {}
    if folder and Path(folder).exists():
        for path in Path(folder).rglob("*"):
            if path.is_file() and not path.is_symlink():
                found[f"{label}: {path}"] = path.read_bytes()
    return found


def results_folder() -> str:
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH

    return str(PREFECT_RESULTS_LOCAL_STORAGE_PATH.value())


def canvas_tree(root: Path) -> None:
    """A small Canvas extract with a rejected file (a warning, so a notification) and an unexpected file (a notice
    logged at DEBUG)."""
    write(root, "users", [user("CU1", "Canvas"), user("CU2", "Canvas", Name="")])
    write(root, "sections", [section("CS1", "Canvas")])
    write(root, "assignments", [assignment("CA1", "CS1", "Canvas")], section="CS1")
    (root / "sections" / "2021-09-02-06-00-00.csv").write_bytes(b"SourceSystemIdentifier\nbad\xff\n")
    (root / "readme.txt").write_text("not an extract")


def password_and_secret() -> tuple[str, str]:
    # URL-special characters: the password must be escaped in a URL, never pasted into one
    return f"pw-{uuid.uuid4().hex}@:/%?#&", f"hook-{uuid.uuid4().hex}"


@pytest.mark.prefect
def test_the_command_line_at_debug_leaves_no_password_and_no_webhook_secret(db, tmp_path, prefect_api, engine):
    """`lms-pipeline load -l DEBUG` with a password and a webhook whose delivery fails (HTTP 500), so that the
    failure path reports too."""
    from prefect.settings import PREFECT_API_URL

    password, secret = password_and_secret()
    sink = RecordingWebhook(status=500)
    block = webhook_block(sink, secret)
    root, scratch = tmp_path / "canvas", tmp_path / "tmp"
    canvas_tree(root)
    scratch.mkdir()
    env = {**os.environ, "PREFECT_API_URL": prefect_api or PREFECT_API_URL.value(), "TMPDIR": str(scratch)}
    env.pop("PREFECT_LOGGING_LEVEL", None)  # conftest sets WARNING for the test process; -l DEBUG must decide
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "lms_pipeline.cli",
                "load",
                "-c",
                str(root),
                *database_flags(db, password),
                "-l",
                "DEBUG",
                "--notification-block",
                block,
                "--stale-after-hours",
                "24",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=tmp_path,
            check=False,
        )
    finally:
        sink.close()
    assert result.returncode == 3, result.stderr  # warned: the tree is older than 24 hours
    assert_sent_with_secret(sink, secret)
    with engine.connect() as conn:
        [flow_run_id] = conn.execute(text("SELECT flowrunid FROM lms.loadrun")).scalars().all()
    records = prefect_records(flow_run_id)
    assert int(records.pop("_debug_logs")) > 0, "DEBUG logs did not reach the API"
    places = {
        "stdout": result.stdout,
        "stderr": result.stderr,
        **records,
        **database_text(engine),
        **folder_text(results_folder(), "result storage"),
    }
    assert list(scratch.iterdir()) == [], "the run left its manifests in the temporary folder"
    assert leaks(places, [password, secret]) == []


@pytest.mark.prefect
def test_a_flow_run_with_harmonization_leaves_no_password_and_no_webhook_secret(ods_db, tmp_path, prefect_api, capfd):
    """The flow (as a deployment runs it) with every phase, exception reports, a work_dir and a delivered
    webhook notification; every record of it searched."""
    from lms_pipeline.flows.pipeline import lms_pipeline

    password, secret = password_and_secret()
    sink = RecordingWebhook(status=200)
    block = webhook_block(sink, secret)
    root, reports, work = tmp_path / "canvas", tmp_path / "reports", tmp_path / "work"
    canvas_tree(root)
    settings = ods_db.model_copy(update={"username": ods_db.username or "postgres"}).with_password(password)
    records = logging.getLogger()
    captured: list[str] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = lambda record: captured.append(f"{record.name}: {record.getMessage()} {record.exc_text or ''}")
    prefect_logger = logging.getLogger("prefect")
    level = prefect_logger.level
    records.addHandler(handler)
    prefect_logger.setLevel(logging.DEBUG)  # what -l DEBUG does
    try:
        state = lms_pipeline(
            csv_paths=[str(root)],
            database=settings,
            options=RunOptions(
                phases=list(ALL_PHASES), lms=["canvas"], exceptions_report_directory=str(reports), work_dir=str(work)
            ),
            thresholds=Thresholds(stale_after_hours=24),
            notifications=Notifications(block=block),
            return_state=True,
        )
    finally:
        prefect_logger.setLevel(level)
        records.removeHandler(handler)
        sink.close()
    assert state.is_completed(), state.message
    assert_sent_with_secret(sink, secret)
    out, err = capfd.readouterr()
    found = prefect_records(state.state_details.flow_run_id)
    found.pop("_debug_logs")
    engine = make_engine(ods_db)
    try:
        places = {
            "stdout": out,
            "stderr": err,
            "log records in the process": "\n".join(captured),
            **found,
            **database_text(engine, ("lms", "lmsx")),
            **folder_text(reports, "exception reports"),
            **folder_text(work, "work_dir (manifests)"),
            **folder_text(results_folder(), "result storage"),
        }
    finally:
        engine.dispose()
    assert any(label.startswith("exception reports") for label in places), "no exception report was written"
    assert leaks(places, [password, secret]) == []


@pytest.mark.prefect
def test_a_failed_run_and_its_notification_leave_no_password_and_no_webhook_secret(db, tmp_path, prefect_api, capfd):
    """The database refuses the connection (a closed port): the failure message, the failure notification and the
    logs name the cause, never the password; the webhook answers 500, and its error names no secret either."""
    from lms_pipeline.flows.pipeline import lms_pipeline

    password, secret = password_and_secret()
    sink = RecordingWebhook(status=500)
    block = webhook_block(sink, secret)
    root = tmp_path / "canvas"
    canvas_tree(root)
    settings = db.model_copy(update={"server": "127.0.0.1", "port": 1, "username": "postgres"}).with_password(password)
    captured: list[str] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = lambda record: captured.append(f"{record.name}: {record.getMessage()} {record.exc_text or ''}")
    logging.getLogger().addHandler(handler)
    try:
        state = lms_pipeline(
            csv_paths=[str(root)],
            database=settings,
            options=RunOptions(work_dir=str(tmp_path / "work")),
            thresholds=Thresholds(stale_after_hours=None),
            notifications=Notifications(block=block),
            return_state=True,
        )
    finally:
        logging.getLogger().removeHandler(handler)
        sink.close()
    assert state.is_failed()
    assert "Connection refused" in state.message
    assert_sent_with_secret(sink, secret)
    assert "Connection refused" in sink.requests[0]["body"]
    out, err = capfd.readouterr()
    found = prefect_records(state.state_details.flow_run_id, artifacts_expected=False)
    found.pop("_debug_logs")
    places = {
        "stdout": out,
        "stderr": err,
        "log records in the process": "\n".join(captured),
        "state message": state.message,
        "notification body": sink.requests[0]["body"],
        **found,
        **folder_text(tmp_path / "work", "work_dir (manifests)"),
    }
    assert leaks(places, [password, secret]) == []


def test_the_flow_parameters_have_no_place_for_a_password():
    """Prefect stores a run's parameters as given and shows them: the schema has no password field, and refuses
    one (the server checks a deployment run's parameters against it before it stores them)."""
    from prefect.utilities.callables import parameter_schema
    from pydantic import ValidationError

    from lms_pipeline.flows.pipeline import lms_pipeline

    schema = parameter_schema(lms_pipeline).model_dump(by_alias=True)
    database = schema["definitions"]["DatabaseSettings"]
    assert "password" not in database["properties"] and database["additionalProperties"] is False
    assert not [name for name in schema["properties"] if "password" in name or "secret" in name]
    with pytest.raises(ValidationError, match="password"):
        DatabaseSettings.model_validate({"dbname": "lms", "username": "u", "password": "typed-in-the-ui"})
    typed = DatabaseSettings(dbname="lms", username="u").with_password("typed-at-the-terminal")
    assert "typed-at-the-terminal" not in typed.model_dump_json() + repr(typed) + str(typed.model_dump())


@pytest.mark.prefect
def test_a_run_finds_the_password_given_in_a_secret_block_or_in_the_workers_environment(prefect_api, monkeypatch):
    from prefect.blocks.system import Secret

    from lms_pipeline.flows.pipeline import read_secret_block
    from lms_pipeline.store.settings import PASSWORD_VARIABLE

    block = f"lms-password-{uuid.uuid4().hex[:8]}"
    Secret(value="from-the-block").save(block)
    monkeypatch.setenv(PASSWORD_VARIABLE, "from-the-environment")

    def found(typed: str | None = None, **settings) -> str | None:
        given = DatabaseSettings(dbname="lms", username="loader", **settings).with_password(typed)
        password = given.with_secrets(read_secret_block).password
        return password.get_secret_value() if password else None

    assert found("typed") == "typed"
    assert found(password_secret_block=block) == "from-the-block"
    assert found() == "from-the-environment"
    assert found(engine="mssql", use_integrated_security=True) is None
    monkeypatch.delenv(PASSWORD_VARIABLE)
    assert found() is None


@pytest.mark.prefect
def test_the_password_given_at_the_terminal_reaches_the_subflows_and_no_stored_parameter(prefect_api):
    """The CLI's password travels inside the settings object, in the process, from the flow into its subflows and
    their tasks; Prefect stores each run's parameters without it."""
    from prefect import flow, task
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    @task
    def password_in_task(settings: DatabaseSettings) -> str:
        return settings.password.get_secret_value()

    @flow
    def subflow(settings: DatabaseSettings) -> tuple[str, str]:
        return password_in_task(settings), flow_run.get_id()

    @flow
    def parent(settings: DatabaseSettings):
        return subflow(settings.with_database("other")), flow_run.get_id()

    (seen, child_id), parent_id = parent(DatabaseSettings(dbname="lms", username="u").with_password("pw-terminal"))
    assert seen == "pw-terminal"
    with get_client(sync_client=True) as client:
        stored = [client.read_flow_run(run_id).parameters for run_id in (parent_id, child_id)]
    assert stored[1]["settings"]["dbname"] == "other"
    assert "pw-terminal" not in json.dumps(stored)


# --- (4) TLS: sslmode reaches libpq -----------------------------------------------------------------------------


def test_sslmode_from_the_command_line_reaches_libpq(server_settings, monkeypatch):
    """`--sslmode` (or DB_SSLMODE) is passed through DatabaseSettings to libpq, which enforces it: against a server
    without TLS, `require` refuses to connect; against one with TLS, the session is encrypted."""
    from sqlalchemy.exc import OperationalError

    from lms_pipeline.cli import parse_args
    from lms_pipeline.commands import database_settings

    s = server_settings
    base = [
        "migrate",
        *database_flags(s, "unused"),
    ]
    monkeypatch.delenv("DB_SSLMODE", raising=False)
    assert database_settings(parse_args(base)).sslmode is None
    monkeypatch.setenv("DB_SSLMODE", "verify-full")
    assert database_settings(parse_args(base)).url().query["sslmode"] == "verify-full"
    monkeypatch.delenv("DB_SSLMODE")

    def session_uses_tls(sslmode: str) -> bool:
        engine = make_engine(database_settings(parse_args(base + ["--sslmode", sslmode])))
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar()
        finally:
            engine.dispose()

    assert session_uses_tls("disable") is False
    engine = make_engine(s)
    with engine.connect() as conn:
        server_tls = conn.execute(text("SHOW ssl")).scalar() == "on"
    engine.dispose()
    if s.server.startswith("/"):  # libpq never uses TLS on a Unix socket, whatever sslmode says
        assert session_uses_tls("require") is False
    elif server_tls:
        assert session_uses_tls("require") is True
    else:
        with pytest.raises(OperationalError, match="server does not support SSL, but SSL was required"):
            session_uses_tls("require")
