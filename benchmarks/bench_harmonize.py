"""Harmonization of a district-sized load, against the floor of one INSERT ... SELECT of the same submissions.

    python benchmarks/bench_harmonize.py [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

Builds, in a fresh database of its own, the Ed-Fi ODS 5.2 schema with the LMSX extension's foreign keys and change
tracking (lms_pipeline.demo.ods) and a Canvas data store of 50,000 users, 2,000 sections, 20,000 assignments
and 600,000 submissions (set-based, in SQL), with matching SIS records seeded as a SIS seeds them, then times in the
same run: harmonizing Canvas (one transaction: users, sections, assignments, submissions), a second harmonization
with nothing changed, and the floor: INSERT INTO a scratch table SELECT * FROM lms.assignmentsubmission. A second
baseline, the write floor, inserts the rows harmonization wrote into lmsx.assignmentsubmission again, with one
INSERT ... SELECT into that same table (its keys, defaults and foreign-key checks), and rolls it back.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import uuid

from sqlalchemy import create_engine, text

from lms_pipeline.demo.ods import SEED_SIS, SIS_TABLES, apply_edfi_ods
from lms_pipeline.harmonization.procedures import harmonize_lms
from lms_pipeline.store.connections import make_engine
from lms_pipeline.store.migrations import apply_migrations, builtin_scripts
from lms_pipeline.store.settings import DatabaseSettings

SIZES = {"users": 50_000, "sections": 2_000, "assignments_per_section": 10, "submissions_per_assignment": 30}

# The SIS's students and sections go through edfi_ods's tables and statements, filled here in SQL.
POPULATE = (
    SIS_TABLES
    + """
INSERT INTO sis_student (student_unique_id, first_name, last_name, birth_date)
SELECT 'S' || i, 'First' || i, 'Last' || i, DATE '2008-01-01' FROM generate_series(1, %(users)s) i;
INSERT INTO sis_section (section_identifier, school_id, school_year, session_name, local_course_code)
SELECT 'SEC' || i, 255901001, 2022, 'Fall', 'C' || i FROM generate_series(1, %(sections)s) i;
"""
    + SEED_SIS
    + """
INSERT INTO lms.lmsuser (sourcesystemidentifier, sourcesystem, userrole, sisuseridentifier, name, emailaddress,
                         createdate, lastmodifieddate)
SELECT 'U' || i, 'Canvas', 'student', 'S' || i, 'User ' || i, 'u' || i || '@x.org', now(), now()
FROM generate_series(1, %(users)s) i;
INSERT INTO lms.lmssection (sourcesystemidentifier, sourcesystem, sissectionidentifier, title, createdate,
                            lastmodifieddate)
SELECT 'L' || i, 'Canvas', 'SEC' || i, 'Section ' || i, now(), now() FROM generate_series(1, %(sections)s) i;
INSERT INTO lms.assignment (sourcesystemidentifier, sourcesystem, lmssectionidentifier, title, assignmentcategory,
                            duedatetime, maxpoints, createdate, lastmodifieddate)
SELECT 'A' || s.lmssectionidentifier || '-' || a, 'Canvas', s.lmssectionidentifier, 'Assignment ' || a,
       'Assignment', now() + interval '7 days', 100, now(), now()
FROM lms.lmssection s, generate_series(1, %(assignments_per_section)s) a;
INSERT INTO lms.assignmentsubmission (sourcesystemidentifier, sourcesystem, assignmentidentifier, lmsuseridentifier,
                                      submissionstatus, earnedpoints, grade, createdate, lastmodifieddate)
SELECT 'B' || a.assignmentidentifier || '-' || k, 'Canvas', a.assignmentidentifier,
       1 + ((a.lmssectionidentifier * 30 + k) %% %(users)s), 'graded', 90, 'A', now(), now()
FROM lms.assignment a, generate_series(1, %(submissions_per_assignment)s) k;
ANALYZE;
"""
)


def timed(label: str, action) -> float:
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    print(f"{label:<40} {seconds:8.2f} s")
    return seconds


# The columns harmonization gives a new lmsx.assignmentsubmission row; the table's defaults give the rest (its
# CreateDate, LastModifiedDate and ChangeVersion, from changes.ChangeVersionSequence).
NEW_ROW = (
    "assignmentsubmissionidentifier, namespace, studentusi, assignmentidentifier, submissionstatusdescriptorid, "
    "submissiondatetime, earnedpoints, grade"
)


def write_floors(engine) -> tuple[float, float]:
    """The same rows written into the ODS table itself, with its keys and foreign-key checks, by one INSERT ...
    SELECT, then rolled back: what writing them costs at the least, before any matching. Twice: copied whole (the
    ids and change versions harmonization drew, as the floor was first measured), and as new rows, which draw
    their id and change version as harmonization's must."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE written AS SELECT * FROM lmsx.assignmentsubmission"))
    copied = _rolled_back(engine, "write floor: the same rows copied", "SELECT * FROM written")
    new = _rolled_back(
        engine,
        "write floor: the same rows, new",
        f"({NEW_ROW}, id) SELECT {NEW_ROW}, gen_random_uuid() FROM written",
    )
    return copied, new


def _rolled_back(engine, label: str, insert: str) -> float:
    with engine.connect() as conn, conn.begin() as transaction:
        conn.execute(text("TRUNCATE lmsx.assignmentsubmission CASCADE"))
        seconds = timed(label, lambda: conn.execute(text(f"INSERT INTO lmsx.assignmentsubmission {insert}")))
        transaction.rollback()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    server = DatabaseSettings.from_url(args.database_url)
    name = f"bench_harmonize_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine = make_engine(server.with_database(name))
    try:
        apply_edfi_ods(engine)
        apply_migrations(engine, builtin_scripts("postgresql", harmonizer=True))
        with engine.begin() as conn:
            conn.connection.dbapi_connection.cursor().execute(POPULATE, SIZES)
        with engine.connect() as conn:
            submissions = conn.execute(text("SELECT count(*) FROM lms.assignmentsubmission")).scalar()
        print(f"{submissions} submissions; {platform.node()}, PostgreSQL on {server.server}")
        first = timed("harmonize Canvas (first run)", lambda: harmonize_lms(engine, "canvas"))
        again = timed("harmonize Canvas again (nothing changed)", lambda: harmonize_lms(engine, "canvas"))

        def floor() -> None:
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE scratch AS SELECT * FROM lms.assignmentsubmission WITH NO DATA"))
                conn.execute(text("INSERT INTO scratch SELECT * FROM lms.assignmentsubmission"))

        base = timed("floor: INSERT ... SELECT of the submissions", floor)
        with engine.connect() as conn:
            written = conn.execute(text("SELECT count(*) FROM lmsx.assignmentsubmission")).scalar()
        copied, write = write_floors(engine)
        print(
            json.dumps(
                {
                    "submissions": submissions,
                    "lmsx_submissions": written,
                    "harmonize_seconds": round(first, 2),
                    "rerun_seconds": round(again, 2),
                    "floor_seconds": round(base, 2),
                    "ratio": round(first / base, 2),
                    "target": "<= 3",
                    "copied_write_floor_seconds": round(copied, 2),
                    "ratio_to_copied_write_floor": round(first / copied, 2),
                    "write_floor_seconds": round(write, 2),
                    "ratio_to_write_floor": round(first / write, 2),
                    "write_target": "<= 1.2",
                }
            )
        )
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
