"""Least privilege, on a real server: the scripts of lms_pipeline/sql/postgresql/roles/ make a migration role that
owns the lms schema and a runtime role that loads and harmonizes but cannot change the schema.

Roles are cluster-wide: each test session makes its own, with random names, and drops them at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg2.errors
import pytest
from extracts import assignment, enrolment, section, submission, user, write
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.loading.batch import STATISTICS_ROWS, MassDeletePolicy
from lms_pipeline.loading.journal import pending_files
from lms_pipeline.loading.stage import stage_all
from lms_pipeline.store.connections import make_engine
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.migrations import apply_migrations, builtin_scripts
from lms_pipeline.store.settings import DatabaseSettings
from lms_pipeline.store.tables import StoreTables

ROLES = Path(__file__).resolve().parent.parent / "lms_pipeline" / "sql" / "postgresql" / "roles"
PSQL = shutil.which("psql") or "/usr/bin/psql"


class Roles:
    def __init__(self, databases, server: DatabaseSettings):
        suffix = uuid.uuid4().hex[:8]
        self.databases, self.server = databases, server
        self.migration, self.runtime = f"lms_migration_{suffix}", f"lms_runtime_{suffix}"
        self.made: list[str] = []

    def psql(self, script: str, settings: DatabaseSettings, user: str) -> str:
        """Run one of the role scripts with psql, as the documentation says, with the roles as psql variables."""
        command = [
            PSQL,
            "-X",
            "-q",
            "-h",
            settings.server,
            "-p",
            str(settings.effective_port),
            "-U",
            user,
            "-d",
            settings.dbname,
            "-v",
            f"migration_role={self.migration}",
            "-v",
            f"runtime_role={self.runtime}",
            "-f",
            str(ROLES / script),
        ]
        env = {**os.environ, "PGPASSWORD": settings.password.get_secret_value() if settings.password else ""}
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        return result.stderr

    def as_role(self, settings: DatabaseSettings, role: str) -> DatabaseSettings:
        return settings.model_copy(update={"username": role}).with_password(None)

    def database(self) -> DatabaseSettings:
        """A new empty database, with the roles' database privileges granted (script 02) by the admin."""
        settings = self.databases.create()
        self.made.append(settings.dbname)
        return settings

    @property
    def admin(self) -> str:
        return self.server.username or "postgres"

    def drop(self) -> None:
        with self.databases.admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            for role in (self.runtime, self.migration):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


@pytest.fixture(scope="module")
def roles(databases, server_settings):
    made = Roles(databases, server_settings)
    made.psql("01_create_roles.sql", server_settings, made.admin)
    yield made
    made.drop()


@pytest.fixture(scope="module")
def store(roles):
    """A data store migrated by the migration role, the runtime role granted its rights (scripts 02 and 03)."""
    settings = roles.database()
    roles.psql("02_grant_database.sql", settings, roles.admin)
    migration = make_engine(roles.as_role(settings, roles.migration))
    apply_migrations(migration, builtin_scripts("postgresql", harmonizer=False))
    migration.dispose()
    roles.psql("03_grant_runtime.sql", roles.as_role(settings, roles.migration), roles.migration)
    return settings


def load(engine, root):
    tables = StoreTables(dialect_of(engine))
    manifest = pending_files(engine, tables, walk_tree(root), False)
    return stage_all(engine, [manifest], None, MassDeletePolicy())


def test_the_migration_role_owns_every_lms_object(roles, store):
    engine = make_engine(store)
    try:
        with engine.connect() as conn:
            owners = (
                conn.execute(
                    text(
                        "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n "
                        "ON n.oid = c.relnamespace WHERE n.nspname = 'lms'"
                    )
                )
                .scalars()
                .all()
            )
            schema_owner = conn.execute(
                text("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'lms'")
            ).scalar()
    finally:
        engine.dispose()
    assert owners == [roles.migration] and schema_owner == roles.migration


def test_the_runtime_role_loads_updates_and_soft_deletes(roles, store, tmp_path):
    from lms_pipeline.loading.runs import finish_run, start_run

    engine = make_engine(roles.as_role(store, roles.runtime))
    tables = StoreTables(dialect_of(engine))
    root = tmp_path / "extract"
    many = [user(f"U{i:04}") for i in range(STATISTICS_ROWS + 200)]  # past the statistics refresh threshold
    write(root, "users", many, "2021-09-01-06-00-00")
    write(root, "sections", [section("S1")])
    write(root, "section-associations", [enrolment("E1", "S1", "U0001")], section="S1")
    write(
        root,
        "assignments",
        [assignment("A1", "S1"), assignment("A2", "S1"), assignment("A3", "S1", Title="")],
        section="S1",
    )
    write(root, "submissions", [submission("B1", "A1", "U0001")], section="S1", assignment="A1")
    try:
        run_id = start_run(engine, tables, None, "roles", [str(root)])
        first = load(engine, root)
        finish_run(engine, tables, run_id, "succeeded", first, 5, None)
        write(root, "assignments", [assignment("A1", "S1", Title="changed")], "2021-09-02-06-00-00", section="S1")
        second = load(engine, root)
        with engine.connect() as conn:
            live = conn.execute(
                text("SELECT sourcesystemidentifier, title, deletedat IS NULL FROM lms.assignment ORDER BY 1")
            ).all()
            users = conn.execute(text("SELECT count(*) FROM lms.lmsuser")).scalar()
            runs = conn.execute(text("SELECT outcome FROM lms.loadrun")).scalars().all()
            quarantined = conn.execute(text("SELECT linenumber, columnname FROM lms.quarantine")).all()
    finally:
        engine.dispose()
    assert first.total("inserted") == len(many) + 1 + 1 + 2 + 1 and first.rejected_files == []
    assert (second.total("updated"), second.total("deleted")) == (1, 1)
    assert live == [("A1", "changed", True), ("A2", "Assignment A2", False)]
    assert users == len(many) and runs == ["succeeded"] and quarantined == [(4, "Title")]


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE lms.intruder (x INT)",
        "CREATE VIEW lms.intruder AS SELECT 1 AS x",
        "CREATE FUNCTION lms.intruder() RETURNS INT LANGUAGE sql AS 'SELECT 1'",
        "CREATE INDEX intruder ON lms.lmsuser (name)",
        "ALTER TABLE lms.lmsuser ADD COLUMN intruder INT",
        "ALTER TABLE lms.lmsuser ALTER COLUMN name TYPE TEXT",
        "ALTER TABLE lms.assignment DROP CONSTRAINT fk_assignment_section",
        "COMMENT ON TABLE lms.lmsuser IS 'intruder'",
        "DROP TABLE lms.stg_lmsuser",
        "DROP TABLE lms.migrationjournal",
        "DROP SCHEMA lms CASCADE",
        "CREATE SCHEMA intruder",
        "CREATE TABLE public.intruder (x INT)",
    ],
)
def test_the_runtime_role_cannot_change_the_schema(roles, store, statement):
    engine = make_engine(roles.as_role(store, roles.runtime))
    try:
        with pytest.raises(ProgrammingError) as error, engine.begin() as conn:
            conn.execute(text(statement))
        assert isinstance(error.value.orig, psycopg2.errors.InsufficientPrivilege), error.value
        with engine.connect() as conn:
            still = conn.execute(
                text(
                    "SELECT to_regclass('lms.lmsuser') IS NOT NULL AND to_regclass('lms.stg_lmsuser') IS NOT NULL "
                    "AND to_regclass('lms.migrationjournal') IS NOT NULL AND to_regclass('lms.intruder') IS NULL "
                    "AND to_regnamespace('intruder') IS NULL"
                )
            ).scalar()
            columns = conn.execute(
                text(
                    "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'lms' "
                    "AND column_name = 'intruder'"
                )
            ).scalar()
    finally:
        engine.dispose()
    assert still and columns == 0


def test_the_migrations_phase_with_nothing_left_to_apply_runs_as_the_runtime_role(roles, store):
    """`lms-pipeline load` always runs the migrations phase: once migrated, it must pass as the runtime role."""
    engine = make_engine(roles.as_role(store, roles.runtime))
    try:
        report = apply_migrations(engine, builtin_scripts("postgresql", harmonizer=False))
    finally:
        engine.dispose()
    assert report.applied == [] and len(report.already) == len(builtin_scripts("postgresql", harmonizer=False))


def test_the_runtime_role_harmonizes_in_an_ods(roles, tmp_path):
    """In an Ed-Fi ODS: the migration role adds the harmonizer; the runtime role loads, calls the procedures and
    writes the exception reports. The procedures insert, update and delete lmsx rows, so the runtime role also
    takes change versions and writes tracked deletes, through the LMSX extension's change-tracking triggers."""
    from lms_pipeline.demo.ods import apply_edfi_ods, seed_sis
    from lms_pipeline.harmonization.procedures import harmonize_lms
    from lms_pipeline.harmonization.reports import write_exception_reports

    settings = roles.database()
    admin = make_engine(settings)
    apply_edfi_ods(admin)  # the ODS, owned by its administrator
    with admin.begin() as conn:
        seed_sis(
            conn,
            students=[{"student_unique_id": "SCU1", "first_name": "A", "last_name": "B", "birth_date": "2008-01-01"}],
            sections=[
                {
                    "section_identifier": "SISCS1",
                    "school_id": 1,
                    "school_year": 2022,
                    "session_name": "Fall",
                    "local_course_code": "C1",
                }
            ],
        )
    roles.psql("02_grant_database.sql", settings, roles.admin)
    migration = make_engine(roles.as_role(settings, roles.migration))
    apply_migrations(migration, builtin_scripts("postgresql", harmonizer=True))
    migration.dispose()
    roles.psql("03_grant_runtime.sql", roles.as_role(settings, roles.migration), roles.migration)

    root = tmp_path / "canvas"
    write(root, "users", [user("CU1", "Canvas"), user("CU2", "Canvas")])
    write(root, "sections", [section("CS1", "Canvas")])
    write(root, "assignments", [assignment("CA1", "CS1", "Canvas")], section="CS1")
    write(
        root,
        "submissions",
        [submission("CB1", "CA1", "CU1", "Canvas", SubmissionStatus="graded")],
        section="CS1",
        assignment="CA1",
    )
    runtime = make_engine(roles.as_role(settings, roles.runtime))
    try:
        assert load(runtime, root).rejected_files == []
        first = harmonize_lms(runtime, "canvas")
        with admin.begin() as conn:  # what later extracts would say: the assignment renamed, then deleted
            conn.execute(text("UPDATE lms.assignment SET title = 'Renamed'"))
        renamed = harmonize_lms(runtime, "canvas")
        with admin.begin() as conn:
            conn.execute(text("UPDATE lms.assignment SET deletedat = now()"))
        removed = harmonize_lms(runtime, "canvas")
        reports = write_exception_reports(runtime, tmp_path / "reports")
        with admin.connect() as conn:
            tracked = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM tracked_deletes_lmsx.assignment) + "
                    "(SELECT count(*) FROM tracked_deletes_lmsx.assignmentsubmission)"
                )
            ).scalar()
    finally:
        runtime.dispose()
        admin.dispose()
    assert (first.users_unmatched, first.assignments_inserted, first.submissions_inserted) == (1, 1, 1)
    assert renamed.assignments_updated == 1
    assert (removed.assignments_deleted, removed.submissions_deleted, tracked) == (1, 1, 2)
    assert reports.files and all(report.path.exists() for report in reports.files.values())
