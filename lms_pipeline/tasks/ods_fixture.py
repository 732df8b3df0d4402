"""A minimal Ed-Fi ODS for the demo and the tests: the edfi and lmsx tables harmonization uses, and the LMSX
descriptors. It is a fixture, never to be applied to a real ODS, so it refuses to touch a database whose edfi
schema it did not create itself.

The scripts are idempotent and are not journaled as migrations: they stand in for the ODS, which lms-pipeline
does not own.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from lms_pipeline.tasks.dialects import SQL_ROOT
from lms_pipeline.tasks.migrations import scripts_in

FIXTURE_FOLDER = SQL_ROOT / "postgresql" / "ods_fixture"
FIXTURE_MARK = "lms-pipeline ODS fixture"  # the start of the comment the fixture puts on its schemas


class RealOdsError(RuntimeError):
    """The database already has an edfi schema that is not the fixture's: it may be a real ODS."""


def apply_ods_fixture(engine: Engine) -> None:
    """Create the fixture ODS (tables and LMSX descriptors) in the engine's database, in one transaction."""
    with engine.begin() as conn:
        _refuse_real_ods(conn)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            for script in scripts_in(FIXTURE_FOLDER):
                cursor.execute(script.sql)
        finally:
            cursor.close()


def _refuse_real_ods(conn: Connection) -> None:
    comment = conn.execute(
        text(
            "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'edfi'"
        )
    ).first()
    if comment is not None and not (comment[0] or "").startswith(FIXTURE_MARK):
        raise RealOdsError(
            "this database already has an edfi schema that the ODS fixture did not create; "
            "the fixture is for demos and tests and is never applied to a real Ed-Fi ODS"
        )
