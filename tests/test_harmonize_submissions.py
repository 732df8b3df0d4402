"""Submission harmonization (contract 9.5) and its improvements: change detection by value, deletes from
soft-deleted or vanished submissions, re-linked students, and Schoology placeholders that use Schoology data
only, change only with their status and go when the student no longer qualifies."""

from datetime import date, datetime, timedelta

import pytest
from harmonize_data import (
    ALL_LMS,
    classroom,
    enrol,
    harmonize_each,
    lms_section,
    lms_submission,
    lms_user,
    rows,
    section,
    set_column,
    student,
)
from sqlalchemy import text

from lms_pipeline.harmonization.catalog import CANVAS, GOOGLE, SCHOOLOGY
from lms_pipeline.harmonization.procedures import harmonize_lms

LMSX_SUBMISSIONS = (
    "SELECT s.assignmentsubmissionidentifier, s.namespace, s.studentusi, s.assignmentidentifier, s.grade, "
    "d.codevalue AS status, s.lastmodifieddate "
    "FROM lmsx.assignmentsubmission s JOIN edfi.descriptor d ON d.descriptorid = s.submissionstatusdescriptorid "
    "ORDER BY s.namespace, s.assignmentsubmissionidentifier, s.studentusi"
)
PAST_DUE = datetime.now() - timedelta(days=365)
NEXT_WEEK = datetime.now() + timedelta(days=7)


def lmsx_submissions(engine) -> list[dict]:
    with engine.connect() as conn:
        return rows(conn, LMSX_SUBMISSIONS)


def identifiers_and(column: str, engine) -> list[tuple]:
    return [(row["assignmentsubmissionidentifier"], row[column]) for row in lmsx_submissions(engine)]


def identifiers(engine) -> list[str]:
    return [row["assignmentsubmissionidentifier"] for row in lmsx_submissions(engine)]


def test_empty_tables_run_with_the_reference_call_syntax(shared_ods_engine):
    with shared_ods_engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for lms in ALL_LMS:
            conn.execute(
                text(
                    "call lms.harmonize_assignment_submissions("
                    "_namespace => :namespace, _sourcesystem => :sourcesystem)"
                ),
                {"namespace": lms.namespace, "sourcesystem": lms.source_system},
            )
    assert lmsx_submissions(shared_ods_engine) == []


@pytest.mark.parametrize("lms", ALL_LMS, ids=lambda lms: lms.name)
class TestPerLms:
    def test_insert_copies_the_submission(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
            lms_submission(conn, lms, "sub1", room.lms_assignment_id, room.lms_user_id, grade="90")
        result = harmonize_lms(shared_ods_engine, lms)
        assert [
            {
                k: row[k]
                for k in ("assignmentsubmissionidentifier", "namespace", "studentusi", "assignmentidentifier", "grade")
            }
            for row in lmsx_submissions(shared_ods_engine)
        ] == [
            {
                "assignmentsubmissionidentifier": "sub1",
                "namespace": lms.namespace,
                "studentusi": room.student.usi,
                "assignmentidentifier": "asg1",
                "grade": "90",
            }
        ]
        assert (result.submissions_inserted, result.submissions_unmatched) == (1, 0)

    def test_changed_grade_is_updated_whatever_the_lms_last_modified_date(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
            sub = lms_submission(conn, lms, "sub1", room.lms_assignment_id, room.lms_user_id, grade="70")
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.begin() as conn:
            set_column(conn, "lms.assignmentsubmission", "grade", "85", "assignmentsubmissionidentifier", sub)
            set_column(
                conn,
                "lms.assignmentsubmission",
                "lastmodifieddate",
                datetime(2000, 1, 1),
                "assignmentsubmissionidentifier",
                sub,
            )
        result = harmonize_lms(shared_ods_engine, lms)
        assert [row["grade"] for row in lmsx_submissions(shared_ods_engine)] == ["85"]
        assert (result.submissions_inserted, result.submissions_updated) == (0, 1)

    def test_unchanged_submission_is_not_rewritten(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
            lms_submission(conn, lms, "sub1", room.lms_assignment_id, room.lms_user_id)
        harmonize_lms(shared_ods_engine, lms)
        before = lmsx_submissions(shared_ods_engine)
        result = harmonize_lms(shared_ods_engine, lms)
        assert lmsx_submissions(shared_ods_engine) == before
        assert result.submissions_updated == 0

    def test_submission_deleted_before_the_first_run_is_not_copied(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
            lms_submission(conn, lms, "sub1", room.lms_assignment_id, room.lms_user_id, deleted=True)
        harmonize_lms(shared_ods_engine, lms)
        assert lmsx_submissions(shared_ods_engine) == []

    def test_submission_soft_deleted_later_is_deleted(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
            sub = lms_submission(conn, lms, "sub1", room.lms_assignment_id, room.lms_user_id)
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.begin() as conn:
            set_column(
                conn,
                "lms.assignmentsubmission",
                "deletedat",
                datetime(2021, 9, 2),
                "assignmentsubmissionidentifier",
                sub,
            )
        result = harmonize_lms(shared_ods_engine, lms)
        assert lmsx_submissions(shared_ods_engine) == []
        assert result.submissions_deleted == 1

    def test_deleted_assignment_takes_its_submissions(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
            lms_submission(conn, lms, "sub1", room.lms_assignment_id, room.lms_user_id)
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.begin() as conn:
            set_column(
                conn,
                "lms.assignment",
                "deletedat",
                datetime(2021, 9, 2),
                "assignmentidentifier",
                room.lms_assignment_id,
            )
        harmonize_lms(shared_ods_engine, lms)
        assert lmsx_submissions(shared_ods_engine) == []
        with shared_ods_engine.connect() as conn:
            assert rows(conn, "SELECT * FROM lmsx.assignment_submissions_exceptions") == []

    @pytest.mark.parametrize(
        "due, status", [(PAST_DUE, "missing"), (None, "Upcoming")], ids=["past-due", "no-due-date"]
    )
    def test_enrolled_student_without_a_submission_gets_a_placeholder_in_schoology_only(
        self, shared_ods_engine, lms, due, status
    ):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms, due=due)
            enrol(conn, room.student, room.section)
        harmonize_lms(shared_ods_engine, lms)
        expected = [("sec1#asg1#user1", status)] if lms is SCHOOLOGY else []
        assert identifiers_and("status", shared_ods_engine) == expected


def test_submission_of_unknown_source_system_is_never_copied(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
        sub = lms_submission(conn, CANVAS, "sub1", room.lms_assignment_id, room.lms_user_id)
        set_column(conn, "lms.assignmentsubmission", "sourcesystem", "Unknown", "assignmentsubmissionidentifier", sub)
    harmonize_each(shared_ods_engine, ["canvas", "google", "schoology"])
    assert lmsx_submissions(shared_ods_engine) == []


def test_submission_gone_from_the_lms_tables_is_deleted(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, GOOGLE)
        sub = lms_submission(conn, GOOGLE, "sub1", room.lms_assignment_id, room.lms_user_id)
    harmonize_lms(shared_ods_engine, GOOGLE)
    with shared_ods_engine.begin() as conn:
        conn.execute(
            text("DELETE FROM lms.assignmentsubmission WHERE assignmentsubmissionidentifier = :id"), {"id": sub}
        )
    result = harmonize_lms(shared_ods_engine, GOOGLE)
    assert lmsx_submissions(shared_ods_engine) == []
    assert result.submissions_deleted == 1


def test_user_linked_to_another_student_moves_the_submission(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
        lms_submission(conn, CANVAS, "sub1", room.lms_assignment_id, room.lms_user_id)
    harmonize_lms(shared_ods_engine, CANVAS)
    with shared_ods_engine.begin() as conn:
        other = student(conn, "CORRECTED")
        set_column(conn, "lms.lmsuser", "edfistudentid", other.id, "lmsuseridentifier", room.lms_user_id)
    result = harmonize_lms(shared_ods_engine, CANVAS)
    assert [row["studentusi"] for row in lmsx_submissions(shared_ods_engine)] == [other.usi]
    assert (result.submissions_deleted, result.submissions_inserted) == (1, 1)


def test_live_submission_that_stops_qualifying_keeps_its_row(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
        sub = lms_submission(conn, CANVAS, "sub1", room.lms_assignment_id, room.lms_user_id)
    harmonize_lms(shared_ods_engine, CANVAS)
    with shared_ods_engine.begin() as conn:
        set_column(
            conn, "lms.assignmentsubmission", "submissionstatus", "not-a-status", "assignmentsubmissionidentifier", sub
        )
    harmonize_lms(shared_ods_engine, CANVAS)
    assert [row["status"] for row in lmsx_submissions(shared_ods_engine)] == ["on-time"]


def test_same_identifier_in_two_lms_never_collides(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        for lms in (CANVAS, GOOGLE):
            room = classroom(conn, lms)
            lms_submission(conn, lms, "sub1", room.lms_assignment_id, room.lms_user_id)
    harmonize_each(shared_ods_engine, ["canvas", "google"])
    assert identifiers_and("namespace", shared_ods_engine) == [
        ("sub1", "uri://google.com/classroom"),
        ("sub1", "uri://instructure.com/canvas"),
    ]


class TestSchoologyPlaceholders:
    def test_only_schoology_users_and_sections_get_placeholders(self, shared_ods_engine):
        """The reference also made one for the student's Canvas account and Canvas section (sec#asg#c1)."""
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, SCHOOLOGY, due=PAST_DUE)
            enrol(conn, room.student, room.section)
            lms_user(conn, CANVAS, "c1", edfi_student_id=room.student.id)
            lms_section(conn, CANVAS, "csec1", edfi_section_id=room.section.id)
        harmonize_each(shared_ods_engine, ["canvas", "google", "schoology"])
        assert identifiers(shared_ods_engine) == ["sec1#asg1#user1"]

    def test_placeholder_is_rewritten_only_when_its_status_changes(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, SCHOOLOGY, due=NEXT_WEEK)
            enrol(conn, room.student, room.section)
        harmonize_lms(shared_ods_engine, SCHOOLOGY)
        first = lmsx_submissions(shared_ods_engine)
        again = harmonize_lms(shared_ods_engine, SCHOOLOGY)
        assert lmsx_submissions(shared_ods_engine) == first
        assert again.submissions_updated == 0
        with shared_ods_engine.begin() as conn:
            set_column(conn, "lms.assignment", "duedatetime", PAST_DUE, "assignmentidentifier", room.lms_assignment_id)
        overdue = harmonize_lms(shared_ods_engine, SCHOOLOGY)
        assert identifiers_and("status", shared_ods_engine) == [("sec1#asg1#user1", "missing")]
        assert overdue.submissions_updated == 1

    @pytest.mark.parametrize("change", ["unenrolled", "left-before-due-date", "user-deleted", "user-unlinked"])
    def test_placeholder_is_removed_when_the_student_no_longer_qualifies(self, shared_ods_engine, change):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, SCHOOLOGY, due=PAST_DUE)
            enrol(conn, room.student, room.section)
        harmonize_lms(shared_ods_engine, SCHOOLOGY)
        assert len(lmsx_submissions(shared_ods_engine)) == 1
        with shared_ods_engine.begin() as conn:
            if change == "unenrolled":
                conn.execute(
                    text("DELETE FROM edfi.studentsectionassociation WHERE studentusi = :usi"),
                    {"usi": room.student.usi},
                )
            elif change == "left-before-due-date":
                set_column(
                    conn,
                    "edfi.studentsectionassociation",
                    "enddate",
                    (PAST_DUE - timedelta(days=1)).date(),
                    "studentusi",
                    room.student.usi,
                )
            elif change == "user-deleted":
                set_column(
                    conn, "lms.lmsuser", "deletedat", datetime(2021, 9, 2), "lmsuseridentifier", room.lms_user_id
                )
            else:
                set_column(conn, "lms.lmsuser", "edfistudentid", None, "lmsuseridentifier", room.lms_user_id)
                set_column(conn, "lms.lmsuser", "sisuseridentifier", "NO-MATCH", "lmsuseridentifier", room.lms_user_id)
        result = harmonize_lms(shared_ods_engine, SCHOOLOGY)
        assert lmsx_submissions(shared_ods_engine) == []
        assert result.submissions_deleted == 1

    def test_real_submission_replaces_its_placeholder_in_place(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, SCHOOLOGY, due=PAST_DUE)
            enrol(conn, room.student, room.section)
        harmonize_lms(shared_ods_engine, SCHOOLOGY)
        with shared_ods_engine.begin() as conn:
            lms_submission(
                conn, SCHOOLOGY, "sec1#asg1#user1", room.lms_assignment_id, room.lms_user_id, status="late", grade="60"
            )
        result = harmonize_lms(shared_ods_engine, SCHOOLOGY)
        assert [
            (row["assignmentsubmissionidentifier"], row["status"], row["grade"])
            for row in lmsx_submissions(shared_ods_engine)
        ] == [("sec1#asg1#user1", "late", "60")]
        assert (result.submissions_inserted, result.submissions_updated, result.submissions_deleted) == (0, 1, 0)

    def test_deleted_real_submission_leaves_no_placeholder(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, SCHOOLOGY, due=PAST_DUE)
            enrol(conn, room.student, room.section)
            lms_submission(conn, SCHOOLOGY, "sec1#asg1#user1", room.lms_assignment_id, room.lms_user_id, deleted=True)
        harmonize_lms(shared_ods_engine, SCHOOLOGY)
        assert lmsx_submissions(shared_ods_engine) == []

    def test_enrolment_ending_after_the_due_date_still_qualifies(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, SCHOOLOGY, due=PAST_DUE)
            enrol(conn, room.student, room.section, end_date=date.today())
        harmonize_lms(shared_ods_engine, SCHOOLOGY)
        assert [row["status"] for row in lmsx_submissions(shared_ods_engine)] == ["missing"]

    def test_student_enrolled_in_another_section_with_the_same_identifier_gets_none(self, shared_ods_engine):
        """Enrolment is matched on the whole section key, not the SectionIdentifier alone."""
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, SCHOOLOGY, due=PAST_DUE)
            elsewhere = section(conn, room.section.identifier, school_id=999)
            enrol(conn, room.student, elsewhere)
        harmonize_lms(shared_ods_engine, SCHOOLOGY)
        assert lmsx_submissions(shared_ods_engine) == []


def test_placeholder_never_takes_an_identifier_a_submission_already_has(shared_ods_engine):
    """Odd extract data: another user's real submission carries the identifier a placeholder would get."""
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, SCHOOLOGY, due=PAST_DUE)
        enrol(conn, room.student, room.section)
        other = lms_user(conn, SCHOOLOGY, "user2", edfi_student_id=student(conn, "OTHER").id)
        lms_submission(conn, SCHOOLOGY, "sec1#asg1#user1", room.lms_assignment_id, other, status="late")
    harmonize_lms(shared_ods_engine, SCHOOLOGY)
    assert identifiers_and("status", shared_ods_engine) == [("sec1#asg1#user1", "late")]
