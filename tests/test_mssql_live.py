"""The sample tree through the whole pipeline on a live SQL Server, beside the same run on PostgreSQL.

Set LMS_TEST_MSSQL_URL to a SQLAlchemy URL of a SQL Server whose login may create databases, for example
mssql+pyodbc://sa:<password>@localhost:1433/master?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes&TrustServerCertificate=yes
The test makes a scratch database there, loads the sample tree twice with the pipeline flow, as on PostgreSQL,
checks the counts and drops the database. Without the variable the SQL Server case reports itself as skipped:
nothing in this project has run against SQL Server until someone runs it.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import func, select

from lms_pipeline.flows.pipeline import lms_pipeline
from lms_pipeline.resources import LOAD_ORDER
from lms_pipeline.settings import DatabaseSettings
from lms_pipeline.tasks.database import dialect_of, make_engine
from lms_pipeline.tasks.tables import StoreTables

MSSQL_URL = os.environ.get("LMS_TEST_MSSQL_URL")

# Rows of the starter-kit sample, as its CSV files hold them; two runs, the second finding nothing new.
SAMPLE_COUNTS = {
    "users": 49, "sections": 6, "section-associations": 196, "assignments": 24, "submissions": 901,
    "attendance-events": 0, "section-activities": 0, "system-activities": 0, "submission-types": 24,
    "processed-files": 34, "quarantine": 0, "load-runs": 2,
}


@pytest.fixture
def mssql_scratch_db():
    if not MSSQL_URL:
        pytest.skip("set LMS_TEST_MSSQL_URL to run against a live SQL Server")
    server = DatabaseSettings.from_url(MSSQL_URL)
    admin = make_engine(server, isolation_level="AUTOCOMMIT")  # CREATE DATABASE cannot run in a transaction
    name = f"lmstest_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE [{name}]")
    yield server.with_database(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
        conn.exec_driver_sql(f"DROP DATABASE [{name}]")
    admin.dispose()


@pytest.fixture(params=["postgresql", "mssql"])
def scratch_db(request) -> DatabaseSettings:
    return request.getfixturevalue("empty_db" if request.param == "postgresql" else "mssql_scratch_db")


def row_counts(settings: DatabaseSettings) -> dict[str, int]:
    engine = make_engine(settings)
    tables = StoreTables(dialect_of(engine))
    counted = {r.name: tables.live(r) for r in LOAD_ORDER} | {
        "submission-types": tables.submission_types, "processed-files": tables.processed_files,
        "quarantine": tables.quarantine, "load-runs": tables.load_run,
    }
    try:
        with engine.connect() as conn:
            return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                    for name, table in counted.items()}
    finally:
        engine.dispose()


@pytest.mark.prefect
def test_the_sample_tree_loads_alike_on_both_engines(scratch_db, prefect_api, fixture_tree):
    root = str(fixture_tree("starter-kit-sample"))
    first = lms_pipeline(csv_paths=[root], database=scratch_db)
    again = lms_pipeline(csv_paths=[root], database=scratch_db)
    assert (first.outcome, again.outcome) == ("succeeded", "succeeded")
    assert (first.staging.total("inserted"), again.staging.total("inserted")) == (1176, 0)
    assert row_counts(scratch_db) == SAMPLE_COUNTS
