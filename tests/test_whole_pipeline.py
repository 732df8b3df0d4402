"""The whole pipeline on the reference's starter kit: load, then harmonize into lmsx."""

import csv
import glob

from sqlalchemy import text

from lms_pipeline.demo.ods import add_descriptors, seed_sis
from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.harmonization.procedures import harmonize_lms
from lms_pipeline.loading.batch import MassDeletePolicy
from lms_pipeline.loading.journal import pending_files
from lms_pipeline.loading.stage import stage_all
from lms_pipeline.store.connections import make_engine
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.tables import StoreTables

STATUS_NAMESPACE = "uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Canvas"


def rows(root, pattern):
    return [r for f in sorted(glob.glob(str(root / pattern))) for r in csv.DictReader(open(f, encoding="utf-8-sig"))]


def seed_starter_kit(conn, root) -> None:
    """The SIS side of the starter kit: its students and sections, and its extractor's status spellings."""
    seed_sis(
        conn,
        students=[
            {
                "student_unique_id": user["SISUserIdentifier"],
                "first_name": "F",
                "last_name": "L",
                "birth_date": "2008-01-01",
            }
            for user in rows(root, "users/*.csv")
            if user["UserRole"] == "student"
        ],
        sections=[
            {
                "section_identifier": section["SISSectionIdentifier"],
                "school_id": 255901001,
                "school_year": 2022,
                "session_name": "Fall",
                "local_course_code": f"C{number}",
            }
            for number, section in enumerate(rows(root, "sections/*.csv"))
        ],
    )
    add_descriptors(conn, "lmsx.submissionstatusdescriptor", STATUS_NAMESPACE, ("Graded", "Late", "Missing"))


def test_the_starter_kit_loads_and_harmonizes_into_lmsx(ods_db, fixture_tree):
    root = fixture_tree("starter-kit-sample")
    engine = make_engine(ods_db)
    with engine.begin() as conn:
        seed_starter_kit(conn, root)
    manifest = pending_files(engine, StoreTables(dialect_of(engine)), walk_tree(root), False)
    stage_all(engine, [manifest], None, MassDeletePolicy())
    result = harmonize_lms(engine, "canvas")
    with engine.connect() as conn:
        assignments = conn.execute(
            text(
                "SELECT assignmentidentifier, namespace, sectionidentifier, localcoursecode, schoolid, schoolyear, "
                "sessionname FROM lmsx.assignment ORDER BY 1"
            )
        ).all()
        submissions = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT studentusi) FROM lmsx.assignmentsubmission "
                "WHERE namespace = 'uri://instructure.com/canvas'"
            )
        ).one()
        first_submission = rows(root, "section=*/assignment=*/submissions/*.csv")[0]
        sample = conn.execute(
            text(
                "SELECT s.assignmentsubmissionidentifier, s.assignmentidentifier, st.studentuniqueid, d.codevalue "
                "FROM lmsx.assignmentsubmission s JOIN edfi.student st USING (studentusi) "
                "JOIN edfi.descriptor d ON d.descriptorid = s.submissionstatusdescriptorid "
                "WHERE s.assignmentsubmissionidentifier = :id"
            ),
            {"id": first_submission["SourceSystemIdentifier"]},
        ).one()
    engine.dispose()
    lms_assignments = rows(root, "section=*/assignments/*.csv")
    assert len(assignments) == len(lms_assignments) == 24
    first = next(a for a in lms_assignments if a["SourceSystemIdentifier"] == assignments[0][0])
    section_sis = {s["SourceSystemIdentifier"]: s["SISSectionIdentifier"] for s in rows(root, "sections/*.csv")}
    assert assignments[0][1:3] == (
        "uri://instructure.com/canvas",
        section_sis[first["LMSSectionSourceSystemIdentifier"]],
    )
    assert assignments[0][4:] == (255901001, 2022, "Fall")
    assert submissions[0] == 901
    user_sis = {u["SourceSystemIdentifier"]: u["SISUserIdentifier"] for u in rows(root, "users/*.csv")}
    assert sample == (
        first_submission["SourceSystemIdentifier"],
        first_submission["AssignmentSourceSystemIdentifier"],
        user_sis[first_submission["LMSUserSourceSystemIdentifier"]],
        first_submission["SubmissionStatus"],
    )
    assert result.users_matched == 49 and result.sections_matched == 6
    assert result.assignments_inserted == 24 and result.submissions_inserted == 901
