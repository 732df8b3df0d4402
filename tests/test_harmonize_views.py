"""The reference's exception views (contract 9.6), with the same names and columns."""

from datetime import datetime

from harmonize_data import classroom, lms_section, lms_submission, lms_user, rows, section, set_column, student
from sqlalchemy import text

from lms_pipeline.harmonization.catalog import CANVAS, GOOGLE
from lms_pipeline.harmonization.procedures import harmonize_lms

REFERENCE_COLUMNS = {
    "exceptions_lmssection": ["lmssectionidentifier", "sourcesystemidentifier", "sourcesystem", "sissectionidentifier"],
    "exceptions_lmsuser": [
        "lmsuseridentifier",
        "sourcesystemidentifier",
        "sourcesystem",
        "sisuseridentifier",
        "localuseridentifier",
        "userrole",
    ],
}
ASSIGNMENT_COLUMNS = [
    "assignmentidentifier",
    "sourcesystemidentifier",
    "sourcesystem",
    "lmssectionidentifier",
    "title",
    "assignmentcategory",
    "assignmentdescription",
    "startdatetime",
    "enddatetime",
    "duedatetime",
    "maxpoints",
    "sourcecreatedate",
    "sourcelastmodifieddate",
    "createdate",
    "lastmodifieddate",
    "deletedat",
]
SUBMISSION_COLUMNS = [
    "assignmentsubmissionidentifier",
    "sourcesystemidentifier",
    "sourcesystem",
    "assignmentidentifier",
    "lmsuseridentifier",
    "submissionstatus",
    "submissiondatetime",
    "earnedpoints",
    "grade",
    "sourcecreatedate",
    "sourcelastmodifieddate",
    "createdate",
    "lastmodifieddate",
    "deletedat",
]


def view_columns(conn, view):
    return list(
        conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'lmsx' AND table_name = :view "
                "ORDER BY ordinal_position"
            ),
            {"view": view},
        ).scalars()
    )


def listed(engine, view, key):
    with engine.connect() as conn:
        return [row[key] for row in rows(conn, f"SELECT {key} FROM lmsx.{view} ORDER BY {key}")]


def test_views_have_the_reference_names_and_columns(shared_ods_engine):
    with shared_ods_engine.connect() as conn:
        for view, columns in REFERENCE_COLUMNS.items():
            assert view_columns(conn, view) == columns
        for view in ("missing_assignment_category_descriptors", "assignments_exceptions"):
            assert view_columns(conn, view) == ASSIGNMENT_COLUMNS
        for view in ("missing_assignment_submission_status_descriptors", "assignment_submissions_exceptions"):
            assert view_columns(conn, view) == SUBMISSION_COLUMNS


class TestExceptionsLmsSection:
    def test_empty(self, shared_ods_engine):
        assert listed(shared_ods_engine, "exceptions_lmssection", "sourcesystemidentifier") == []

    def test_unmatched_sections_are_listed(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            lms_section(conn, CANVAS, "s1", sis_id="X1")
            lms_section(conn, GOOGLE, "s2", sis_id="X2")
        harmonize_lms(shared_ods_engine, CANVAS)
        assert listed(shared_ods_engine, "exceptions_lmssection", "sourcesystemidentifier") == ["s1", "s2"]

    def test_matched_deleted_and_unmatched(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            section(conn, "SEC-1")
            lms_section(conn, CANVAS, "matched", sis_id="SEC-1")
            lms_section(conn, CANVAS, "deleted", sis_id="X1", deleted=True)
            lms_section(conn, CANVAS, "unmatched", sis_id="X2")
        harmonize_lms(shared_ods_engine, CANVAS)
        assert listed(shared_ods_engine, "exceptions_lmssection", "sourcesystemidentifier") == ["unmatched"]


class TestExceptionsLmsUser:
    def test_empty(self, shared_ods_engine):
        assert listed(shared_ods_engine, "exceptions_lmsuser", "sourcesystemidentifier") == []

    def test_unmatched_users_are_listed(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            lms_user(conn, CANVAS, "u1", sis_id="X1")
            lms_user(conn, CANVAS, "u2", sis_id="X2")
        harmonize_lms(shared_ods_engine, CANVAS)
        assert listed(shared_ods_engine, "exceptions_lmsuser", "sourcesystemidentifier") == ["u1", "u2"]

    def test_matched_deleted_staff_and_unmatched(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            student(conn, "604822")
            lms_user(conn, CANVAS, "matched", sis_id="604822")
            lms_user(conn, CANVAS, "deleted", sis_id="X1", deleted=True)
            lms_user(conn, CANVAS, "teacher", sis_id="X2", role="teacher")
            lms_user(conn, CANVAS, "unmatched", sis_id="X3")
        harmonize_lms(shared_ods_engine, CANVAS)
        assert listed(shared_ods_engine, "exceptions_lmsuser", "sourcesystemidentifier") == ["unmatched"]


class TestAssignmentsExceptions:
    def test_empty(self, shared_ods_engine):
        assert listed(shared_ods_engine, "assignments_exceptions", "sourcesystemidentifier") == []

    def test_harmonized_assignment_is_not_listed_until_its_lmsx_row_is_gone(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            classroom(conn, CANVAS)
        harmonize_lms(shared_ods_engine, CANVAS)
        assert listed(shared_ods_engine, "assignments_exceptions", "sourcesystemidentifier") == []
        with shared_ods_engine.begin() as conn:
            conn.execute(text("DELETE FROM lmsx.assignment"))
        assert listed(shared_ods_engine, "assignments_exceptions", "sourcesystemidentifier") == ["asg1"]

    def test_deleted_assignment_is_not_listed(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, CANVAS)
        harmonize_lms(shared_ods_engine, CANVAS)
        with shared_ods_engine.begin() as conn:
            set_column(
                conn,
                "lms.assignment",
                "deletedat",
                datetime(2021, 9, 2),
                "assignmentidentifier",
                room.lms_assignment_id,
            )
        harmonize_lms(shared_ods_engine, CANVAS)
        assert listed(shared_ods_engine, "assignments_exceptions", "sourcesystemidentifier") == []


class TestAssignmentSubmissionsExceptions:
    """The reference's tests of this view asserted nothing."""

    def test_empty(self, shared_ods_engine):
        assert listed(shared_ods_engine, "assignment_submissions_exceptions", "sourcesystemidentifier") == []

    def test_harmonized_submission_is_not_listed_until_its_lmsx_row_is_gone(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, CANVAS)
            lms_submission(conn, CANVAS, "sub1", room.lms_assignment_id, room.lms_user_id)
        harmonize_lms(shared_ods_engine, CANVAS)
        assert listed(shared_ods_engine, "assignment_submissions_exceptions", "sourcesystemidentifier") == []
        with shared_ods_engine.begin() as conn:
            conn.execute(text("DELETE FROM lmsx.assignmentsubmission"))
        assert listed(shared_ods_engine, "assignment_submissions_exceptions", "sourcesystemidentifier") == ["sub1"]


def test_missing_descriptor_views_list_unknown_values_including_a_null_status(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
        set_column(conn, "lms.assignment", "assignmentcategory", "Quiz", "assignmentidentifier", room.lms_assignment_id)
        lms_submission(conn, CANVAS, "known", room.lms_assignment_id, room.lms_user_id)
        lms_submission(conn, CANVAS, "unknown", room.lms_assignment_id, room.lms_user_id, status="bogus")
        null = lms_submission(conn, CANVAS, "null", room.lms_assignment_id, room.lms_user_id)
        set_column(conn, "lms.assignmentsubmission", "submissionstatus", None, "assignmentsubmissionidentifier", null)
    assert listed(shared_ods_engine, "missing_assignment_category_descriptors", "assignmentcategory") == ["Quiz"]
    assert listed(shared_ods_engine, "missing_assignment_submission_status_descriptors", "sourcesystemidentifier") == [
        "null",
        "unknown",
    ]
