"""A minimal Ed-Fi ODS for the demo and the tests: the edfi and lmsx tables harmonization uses, and the LMSX
descriptors. It is a fixture, never to be applied to a real ODS, so it refuses to touch a database whose edfi
schema it did not create itself.

The scripts (sql/<engine>/ods_fixture) are idempotent and are not journaled as migrations: they stand in for the
ODS, which lms-pipeline does not own.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from lms_pipeline.tasks.database import dialect_of
from lms_pipeline.tasks.migrations import run_script, scripts_in

FIXTURE_MARK = "lms-pipeline ODS fixture"  # the start of the description the fixture puts on its schemas

# The edfi schema's description, in a row that exists when the schema does: PostgreSQL's comment, SQL Server's
# MS_Description extended property.
EDFI_DESCRIPTION = {
    "postgresql": "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'edfi'",
    "mssql": (
        "SELECT CAST(p.value AS NVARCHAR(4000)) FROM sys.schemas s LEFT JOIN sys.extended_properties p "
        "ON p.class = 3 AND p.major_id = s.schema_id AND p.name = N'MS_Description' WHERE s.name = N'edfi'"
    ),
}


class RealOdsError(RuntimeError):
    """The database already has an edfi schema that is not the fixture's: it may be a real ODS."""


def apply_ods_fixture(engine: Engine) -> None:
    """Create the fixture ODS (tables and LMSX descriptors) in the engine's database, in one transaction."""
    dialect = dialect_of(engine)
    with engine.begin() as conn:
        _refuse_real_ods(conn, dialect.name)
        for script in scripts_in(dialect.script_folder / "ods_fixture"):
            run_script(conn, dialect, script)


def _refuse_real_ods(conn: Connection, engine_name: str) -> None:
    description = conn.execute(text(EDFI_DESCRIPTION[engine_name])).first()
    if description is not None and not (description[0] or "").startswith(FIXTURE_MARK):
        raise RealOdsError(
            "this database already has an edfi schema that the ODS fixture did not create; "
            "the fixture is for demos and tests and is never applied to a real Ed-Fi ODS"
        )
