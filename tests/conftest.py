"""Test fixtures: a real PostgreSQL and a real Prefect API.

PostgreSQL comes from LMS_TEST_DATABASE_URL (CI: the server on 127.0.0.1:5432) or, where that is unset, from a
private embedded server (pgserver). Each test gets a database of its own, cloned from a migrated template.
Prefect uses PREFECT_API_URL when .ci/run started a server, else a test harness for the session.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from functools import partial

_TMP = tempfile.mkdtemp(prefix="lms-pipeline-tests-")
# Prefect reads its settings at import: set them before anything imports it.
os.environ.setdefault("PREFECT_HOME", os.path.join(_TMP, "prefect-home"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW"] = "ignore"
os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"] = os.path.join(_TMP, "results")
# A command run by a test never leaves a local Prefect server behind; the tests of that server say otherwise.
os.environ["LMS_PREFECT_SERVER"] = "temporary"
# A flow a test calls without the prefect_api fixture starts Prefect's ephemeral server, in 20 s by default: not
# always enough on a busy 2-core machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
# Flows that tests call directly retry what a command retries (the module imports no Prefect).
from lms_pipeline.tasks.prefect_api import RETRIED_STATUS_CODES  # noqa: E402

os.environ.setdefault("PREFECT_CLIENT_RETRY_EXTRA_CODES", ",".join(map(str, sorted(RETRIED_STATUS_CODES))))

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from lms_pipeline.store.settings import DatabaseSettings  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "lms-toolkit")  # Apache-2.0 sample data: see NOTICE


def pytest_configure(config):
    config.addinivalue_line("markers", "prefect: needs a Prefect API (server or test harness)")
    config.addinivalue_line("markers", "unit: needs no PostgreSQL and no Prefect (marked by conftest)")
    config.addinivalue_line("markers", "services: needs PostgreSQL or Prefect though no fixture of its says so")


# Every database fixture rests on server_settings, every flow fixture on prefect_api: a test that reaches neither
# (and is not marked as needing them) is a unit test.
SERVICE_FIXTURES = {"server_settings", "prefect_api"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "prefect_api" in fixtures:
            item.add_marker(pytest.mark.prefect)
        if not fixtures & SERVICE_FIXTURES and not any(
            item.get_closest_marker(name) for name in ("prefect", "services")
        ):
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def server_settings() -> DatabaseSettings:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if url:
        yield DatabaseSettings.from_url(url)
        return
    import pgserver

    server = pgserver.get_server(os.path.join(_TMP, "pgdata"), cleanup_mode="stop")
    yield DatabaseSettings.from_url(server.get_uri())
    server.cleanup()


class Databases:
    """Creates and drops the per-test databases on the test server."""

    def __init__(self, settings: DatabaseSettings):
        self.settings = settings
        self.admin = create_engine(settings.with_database("postgres").url(), isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self, template: str | None = None) -> DatabaseSettings:
        name = f"lmstest_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}{clause}"))
        self.created.append(name)
        return self.settings.with_database(name)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(server_settings):
    dbs = Databases(server_settings)
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def migrated_template(databases) -> str:
    from lms_pipeline.store.connections import make_engine
    from lms_pipeline.store.migrations import apply_migrations, builtin_scripts

    settings = databases.create()
    engine = make_engine(settings)
    apply_migrations(engine, builtin_scripts("postgresql", harmonizer=False))
    engine.dispose()
    return settings.dbname


@pytest.fixture
def empty_db(databases) -> DatabaseSettings:
    return databases.create()


@pytest.fixture
def db(databases, migrated_template) -> DatabaseSettings:
    """A migrated LMS data store of this test's own."""
    return databases.create(template=migrated_template)


@pytest.fixture
def engine(db):
    from lms_pipeline.store.connections import make_engine

    eng = make_engine(db)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def prefect_api():
    """A Prefect API for flow tests: the server .ci/run started, or a harness for this session, whose address
    the commands that tests run in a subprocess inherit."""
    import prefect.flow_engine as flow_engine

    # Each flow run waits ~1 s on its heartbeat thread; tests do not need heartbeats.
    flow_engine.BaseFlowRunEngine.heartbeat_seconds = property(lambda self: None)
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()
        yield os.environ["PREFECT_API_URL"]
        del os.environ["PREFECT_API_URL"]


@pytest.fixture
def fixture_tree(tmp_path):
    """A writable copy of one of the reference's sample extract trees."""
    import shutil

    def copy(name: str):
        target = tmp_path / name
        shutil.copytree(os.path.join(FIXTURES, name), target)
        return target

    return copy


@pytest.fixture
def load_tree(engine, tmp_path_factory):
    """Load extract roots with the plain functions under the staging subflow (no Prefect needed)."""
    from lms_pipeline.discovery.walk import walk_tree
    from lms_pipeline.loading.batch import MassDeletePolicy
    from lms_pipeline.loading.journal import pending_files
    from lms_pipeline.loading.stage import stage_all
    from lms_pipeline.options import BatchLimits
    from lms_pipeline.store.engines import dialect_of
    from lms_pipeline.store.tables import StoreTables

    def load(
        *roots,
        allow_mass_delete: bool = False,
        limits: BatchLimits = BatchLimits(),
        for_copy: bool = False,
        archive=None,
    ):
        """for_copy: each batch rendered as COPY's text, as the staging subflow's validation does on PostgreSQL.
        archive: a RawArchive that keeps the loaded files."""
        tables = StoreTables(dialect_of(engine))
        manifests = [pending_files(engine, tables, walk_tree(r), allow_mass_delete) for r in roots]
        policy = MassDeletePolicy(allow=allow_mass_delete)
        folder = tmp_path_factory.mktemp("copy-text")
        rendered = {"submit": partial(_validated_for_copy, folder)} if for_copy else {}
        return stage_all(engine, manifests, None, policy, limits=limits, archive=archive, **rendered)

    return load


def _validated_for_copy(folder, resource, files):
    from concurrent.futures import Future

    from lms_pipeline.validation.rows import prepare_batch

    future = Future()
    future.set_result(prepare_batch(resource, files).for_copy(str(folder / f"{resource.name}-{files[0].sha256}.csv")))
    return future


@pytest.fixture
def query(engine):
    def run(sql: str, **params):
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()

    return run


@pytest.fixture(scope="session")
def ods_template(databases, migrated_template) -> str:
    """The Ed-Fi ODS 5.2 schema with its LMSX extension (lms_pipeline.demo.ods), the LMS data store inside it
    and the harmonizer's scripts applied."""
    from lms_pipeline.demo.ods import apply_edfi_ods
    from lms_pipeline.store.connections import make_engine
    from lms_pipeline.store.migrations import apply_migrations, builtin_scripts

    settings = databases.create(template=migrated_template)
    engine = make_engine(settings)
    apply_edfi_ods(engine)
    apply_migrations(engine, builtin_scripts("postgresql", harmonizer=True))
    engine.dispose()
    return settings.dbname


@pytest.fixture
def ods_db(databases, ods_template) -> DatabaseSettings:
    """An ODS database of this test's own (see ods_template)."""
    return databases.create(template=ods_template)


@pytest.fixture
def ods_engine(ods_db):
    from lms_pipeline.store.connections import make_engine

    eng = make_engine(ods_db)
    yield eng
    eng.dispose()


class DataSnapshot:
    """The rows of every table of some schemas, and their sequences, kept in a schema of the same database so that
    a test can put them back in milliseconds: cloning a database per test costs its whole size in writes."""

    STORE = "test_snapshot"

    def __init__(self, engine, schemas: list[str]):
        with engine.begin() as conn:
            tables = _tables_parents_first(conn, schemas)
            conn.execute(text(f"CREATE SCHEMA {self.STORE}"))
            copies = []
            for table in tables:
                if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar():
                    copy = f"{self.STORE}.{table.replace('.', '__')}"
                    conn.execute(text(f"CREATE TABLE {copy} AS TABLE {table}"))
                    copies.append((table, copy))
            sequences = conn.execute(
                text(
                    "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
                    "WHERE schemaname = ANY(:schemas)"
                ),
                {"schemas": schemas},
            ).all()
        # Identifiers from the catalog, never data: children emptied first, parents refilled first.
        # As a replica: the change-tracking triggers stay quiet (a restore is no deletion) and foreign keys go
        # unchecked (the rows were consistent when copied).
        self.restore_sql = ";\n".join(
            ["SET LOCAL session_replication_role = replica"]
            + [f"DELETE FROM {table}" for table in reversed(tables)]
            + [f"INSERT INTO {table} OVERRIDING SYSTEM VALUE SELECT * FROM {copy}" for table, copy in copies]
            + [
                f"SELECT setval('{name}', {last})" if last is not None else f"ALTER SEQUENCE {name} RESTART"
                for name, last in sequences
            ]
        )

    def restore(self, engine) -> None:
        with engine.begin() as conn:
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute(self.restore_sql)
            cursor.close()


def _tables_parents_first(conn, schemas: list[str]) -> list[str]:
    from graphlib import TopologicalSorter

    tables = (
        conn.execute(
            text(
                "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables "
                "WHERE table_schema = ANY(:schemas) AND table_type = 'BASE TABLE' ORDER BY 1"
            ),
            {"schemas": schemas},
        )
        .scalars()
        .all()
    )
    references = conn.execute(
        text(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid <> confrelid"
        ),
    ).all()
    graph = {table: set() for table in tables}
    for child, parent in references:
        if child in graph and parent in graph:
            graph[child].add(parent)
    return list(TopologicalSorter(graph).static_order())


@pytest.fixture(scope="session")
def _shared_ods(databases, ods_template):
    from lms_pipeline.store.connections import make_engine

    engine = make_engine(databases.create(template=ods_template))
    yield engine, DataSnapshot(engine, ["lms", "edfi", "lmsx", "tracked_deletes_lmsx", "changes"])
    engine.dispose()


@pytest.fixture
def shared_ods_engine(_shared_ods):
    """An ODS database (see ods_template) shared by the session, its rows (lms, edfi, lmsx and lmsx's change
    tracking) and sequences put back as they were before each test. A test that changes schema objects (procedures,
    views, tables) takes ods_engine instead."""
    engine, snapshot = _shared_ods
    snapshot.restore(engine)
    return engine
