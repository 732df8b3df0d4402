"""The sample tree through the whole pipeline on a live SQL Server, beside the same run on PostgreSQL.

Set LMS_TEST_MSSQL_URL to a SQLAlchemy URL of a SQL Server whose login may create databases, for example
mssql+pyodbc://sa:<password>@localhost:1433/master?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes&TrustServerCertificate=yes
Each test makes a scratch database there and drops it at the end. One loads the sample tree twice with the
pipeline flow and checks the counts; the other makes the test ODS (edfi_ods) with the sample's students and
sections, then runs the flow with harmonization (migrations with the harmonizer, the load, every LMS harmonized, the
exception reports written) and checks what it linked, wrote and reported. Without the variable the SQL Server
cases report themselves as skipped: nothing in this project has run against SQL Server until someone runs them.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from extracts import NOT_STALE
from sqlalchemy import func, select, text
from test_whole_pipeline import STATUS_NAMESPACE, rows

from lms_pipeline.demo.ods import apply_edfi_ods
from lms_pipeline.flows.pipeline import lms_pipeline
from lms_pipeline.options import ALL_PHASES, RunOptions
from lms_pipeline.resources import LOAD_ORDER
from lms_pipeline.store.connections import make_engine
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.settings import DatabaseSettings
from lms_pipeline.store.tables import StoreTables

MSSQL_URL = os.environ.get("LMS_TEST_MSSQL_URL")

# Rows of the starter-kit sample, as its CSV files hold them; two runs, the second finding nothing new.
SAMPLE_COUNTS = {
    "users": 49,
    "sections": 6,
    "section-associations": 196,
    "grades": 0,  # the starter kit has no grades files
    "assignments": 24,
    "submissions": 901,
    "attendance-events": 0,
    "section-activities": 0,
    "system-activities": 0,
    "submission-types": 24,
    "processed-files": 34,
    "quarantine": 0,
    "load-runs": 2,
}


@pytest.fixture
def mssql_scratch_db():
    if not MSSQL_URL:
        pytest.skip(
            "needs LMS_TEST_MSSQL_URL, the mssql+pyodbc:// URL of a live SQL Server whose login may create databases"
        )
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
        "submission-types": tables.submission_types,
        "processed-files": tables.processed_files,
        "quarantine": tables.quarantine,
        "load-runs": tables.load_run,
    }
    try:
        with engine.connect() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in counted.items()
            }
    finally:
        engine.dispose()


@pytest.mark.prefect
def test_the_sample_tree_loads_alike_on_both_engines(scratch_db, prefect_api, fixture_tree):
    root = str(fixture_tree("starter-kit-sample"))
    first = lms_pipeline(csv_paths=[root], database=scratch_db, thresholds=NOT_STALE)  # the sample is years old
    again = lms_pipeline(csv_paths=[root], database=scratch_db, thresholds=NOT_STALE)
    assert (first.outcome, again.outcome) == ("succeeded", "succeeded")
    assert (first.staging.total("inserted"), again.staging.total("inserted")) == (1176, 0)
    assert row_counts(scratch_db) == SAMPLE_COUNTS


def seed_ods(settings: DatabaseSettings, root) -> None:
    """The test ODS (PostgreSQL: the real ODS 5.2 schema; SQL Server: the T-SQL fixture), with the starter kit's
    students and sections and its extractor's status spellings, in SQL both engines take (a status already there in
    another case is the same descriptor to SQL Server)."""
    engine = make_engine(settings)
    try:
        apply_edfi_ods(engine)
        with engine.begin() as conn:
            for user in rows(root, "users/*.csv"):
                if user["UserRole"] == "student":
                    conn.execute(
                        text(
                            "INSERT INTO edfi.Student (StudentUniqueId, FirstName, LastSurname, BirthDate) "
                            "VALUES (:id, 'F', 'L', :born)"
                        ),
                        {"id": user["SISUserIdentifier"], "born": dt.date(2008, 1, 1)},
                    )
            for number, section in enumerate(rows(root, "sections/*.csv")):
                conn.execute(
                    text(
                        "INSERT INTO edfi.Section (LocalCourseCode, SchoolId, SchoolYear, SectionIdentifier, "
                        "SessionName) VALUES (:course, 255901001, 2022, :id, 'Fall')"
                    ),
                    {"course": f"C{number}", "id": section["SISSectionIdentifier"]},
                )
            for status in ("Graded", "Late", "Missing"):
                values = {"n": STATUS_NAMESPACE, "c": status}
                conn.execute(
                    text(
                        "INSERT INTO edfi.Descriptor (Namespace, CodeValue, ShortDescription) "
                        "SELECT :n, :c, :c WHERE NOT EXISTS (SELECT 1 FROM edfi.Descriptor "
                        "WHERE Namespace = :n AND CodeValue = :c)"
                    ),
                    values,
                )
                conn.execute(
                    text(
                        "INSERT INTO lmsx.SubmissionStatusDescriptor (SubmissionStatusDescriptorId) "
                        "SELECT d.DescriptorId FROM edfi.Descriptor d WHERE d.Namespace = :n "
                        "AND d.CodeValue = :c AND NOT EXISTS (SELECT 1 FROM lmsx.SubmissionStatusDescriptor "
                        "x WHERE x.SubmissionStatusDescriptorId = d.DescriptorId)"
                    ),
                    values,
                )
    finally:
        engine.dispose()


@pytest.mark.prefect
def test_the_sample_tree_harmonizes_alike_on_both_engines(scratch_db, prefect_api, fixture_tree, tmp_path):
    root = fixture_tree("starter-kit-sample")
    seed_ods(scratch_db, root)
    reports = tmp_path / "reports"
    result = lms_pipeline(
        csv_paths=[str(root)],
        database=scratch_db,
        options=RunOptions(phases=list(ALL_PHASES), exceptions_report_directory=str(reports)),
        thresholds=NOT_STALE,
    )
    canvas = result.harmonization["canvas"]
    assert result.outcome == "succeeded" and set(result.harmonization) == {"canvas", "google", "schoology"}
    assert (canvas["users_matched"], canvas["users_unmatched"], canvas["sections_matched"]) == (49, 0, 6)
    assert (canvas["assignments_inserted"], canvas["submissions_inserted"], canvas["submissions_unmatched"]) == (
        24,
        901,
        0,
    )
    headers = {
        folder.name: next(folder.iterdir()).read_text(encoding="utf-8").splitlines()[0] for folder in reports.iterdir()
    }
    assert headers["sections"] == "lmssectionidentifier,sourcesystemidentifier,sourcesystem,sissectionidentifier"
    assert headers["users"] == (
        "lmsuseridentifier,sourcesystemidentifier,sourcesystem,sisuseridentifier,localuseridentifier,userrole"
    )
    assert headers["descriptors"] == "missingvalue,descriptor,namespace"
