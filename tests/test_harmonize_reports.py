"""Exception reports and the summary (contract 6.3, 6.4 and 9.1): the reference's three CSVs with their folders,
names and headers, the descriptor namespace as matching needs it, the new reports, and counts equal to rows."""

import csv
import logging
from datetime import datetime, timedelta

from harmonize_data import (
    classroom,
    descriptor,
    email,
    harmonize_each,
    lms_section,
    lms_submission,
    lms_user,
    section,
    set_column,
    student,
)
from sqlalchemy import text

from lms_pipeline.harmonization.catalog import CANVAS, GOOGLE, SCHOOLOGY
from lms_pipeline.harmonization.reports import ExceptionCounts, exception_counts, summary_lines, write_exception_reports

RUN_TIME = datetime(2021, 9, 1, 6, 5, 4)
REFERENCE_HEADERS = {
    "sections": "lmssectionidentifier,sourcesystemidentifier,sourcesystem,sissectionidentifier",
    "users": "lmsuseridentifier,sourcesystemidentifier,sourcesystem,sisuseridentifier,localuseridentifier,userrole",
    "descriptors": "missingvalue,descriptor,namespace",
}


def read_csv(path):
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def exceptions_of_every_kind(engine):
    """One row for each report."""
    with engine.begin() as conn:
        lms_section(conn, CANVAS, "lonely-section", sis_id="NO-MATCH")
        lms_user(conn, CANVAS, "lonely-user", sis_id="NO-MATCH")
        twins = student(conn, "T1"), student(conn, "T2")
        for twin in twins:
            email(conn, twin, "twins@example.org")
        lms_user(conn, GOOGLE, "twin", email_address="twins@example.org")
        section(conn, "REPEATED", school_id=1)
        section(conn, "REPEATED", school_id=2)
        lms_section(conn, SCHOOLOGY, "repeated", sis_id="REPEATED")
        room = classroom(conn, CANVAS)
        set_column(conn, "lms.assignment", "assignmentcategory", "Quiz", "assignmentidentifier", room.lms_assignment_id)
        lms_submission(conn, CANVAS, "sub1", room.lms_assignment_id, room.lms_user_id, status="bogus")
    harmonize_each(engine, ["canvas", "google", "schoology"])


def test_empty_database_writes_header_only_files_in_the_reference_folders(shared_ods_engine, tmp_path):
    target = tmp_path / "not-there-yet"
    reports = write_exception_reports(shared_ods_engine, target, now=RUN_TIME)
    for folder, header in REFERENCE_HEADERS.items():
        [path] = (target / folder).iterdir()
        assert path.name == "2021-09-01-06-05-04.csv"
        assert path.read_text(encoding="utf-8") == header + "\n"
        assert reports.files[folder].path == path and reports.files[folder].written
    assert reports.counts == ExceptionCounts()
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [
            "sections",
            "users",
            "descriptors",
            "ambiguous-users",
            "ambiguous-sections",
            "duplicate-descriptors",
            "assignments",
            "submissions",
        ]
    )


def report_files(directory):
    return {folder.name: sorted(p.name for p in folder.iterdir()) for folder in directory.iterdir()}


def test_a_report_whose_rows_did_not_change_is_not_written_again(shared_ods_engine, tmp_path):
    first = write_exception_reports(shared_ods_engine, tmp_path, now=RUN_TIME)
    (tmp_path / "users" / "notes.csv").write_text("not a report\n", encoding="utf-8")  # not taken for one
    again = write_exception_reports(shared_ods_engine, tmp_path, now=RUN_TIME + timedelta(days=1))
    files = report_files(tmp_path)
    assert files.pop("users") == ["2021-09-01-06-05-04.csv", "notes.csv"]
    assert set(map(tuple, files.values())) == {("2021-09-01-06-05-04.csv",)}
    for folder, report in again.files.items():
        assert report.path == first.files[folder].path and not report.written


def test_a_changed_report_is_written_beside_the_older_ones(shared_ods_engine, tmp_path):
    write_exception_reports(shared_ods_engine, tmp_path, now=RUN_TIME)
    with shared_ods_engine.begin() as conn:
        lms_user(conn, CANVAS, "lonely-user", sis_id="NO-MATCH")
    changed = write_exception_reports(shared_ods_engine, tmp_path, now=RUN_TIME + timedelta(days=1))
    assert changed.files["users"].written
    assert changed.files["users"].path == tmp_path / "users" / "2021-09-02-06-05-04.csv"
    assert [row["sourcesystemidentifier"] for row in read_csv(changed.files["users"].path)] == ["lonely-user"]
    assert not changed.files["sections"].written
    with shared_ods_engine.begin() as conn:  # back to the rows of the first file: the newest file is what counts
        conn.execute(text("UPDATE lms.lmsuser SET deletedat = now()"))
    back = write_exception_reports(shared_ods_engine, tmp_path, now=RUN_TIME + timedelta(days=2))
    assert back.files["users"].written
    assert report_files(tmp_path)["users"] == [
        "2021-09-01-06-05-04.csv",
        "2021-09-02-06-05-04.csv",
        "2021-09-03-06-05-04.csv",
    ]
    assert report_files(tmp_path)["sections"] == ["2021-09-01-06-05-04.csv"]


def test_files_hold_the_view_rows_and_counts_equal_rows(shared_ods_engine, tmp_path):
    exceptions_of_every_kind(shared_ods_engine)
    reports = write_exception_reports(shared_ods_engine, tmp_path, now=RUN_TIME)
    written = {folder: read_csv(report.path) for folder, report in reports.files.items()}
    assert [row["sourcesystemidentifier"] for row in written["sections"]] == ["lonely-section", "repeated"]
    assert [(row["sourcesystemidentifier"], row["userrole"]) for row in written["users"]] == [
        ("lonely-user", "student"),
        ("twin", "student"),
    ]
    assert written["users"] == [
        {k: "" if v is None else str(v) for k, v in row.items()} for row in reports.files["users"].rows
    ]
    assert [row["studentuniqueid"] for row in written["ambiguous-users"]] == ["T1", "T2"]
    assert [row["schoolid"] for row in written["ambiguous-sections"]] == ["1", "2"]
    assert [row["title"] for row in written["assignments"]] == ["An assignment"]
    assert [row["sourcesystemidentifier"] for row in written["submissions"]] == ["sub1"]
    assert (
        reports.counts
        == exception_counts(shared_ods_engine)
        == ExceptionCounts(
            sections=2,
            users=2,
            assignments=1,
            submissions=1,
            category_descriptors=1,
            status_descriptors=1,
            ambiguous_users=2,
            ambiguous_sections=2,
            duplicate_descriptors=0,
        )
    )


def test_descriptors_report_is_categories_then_statuses_with_namespaces_that_match(shared_ods_engine, tmp_path):
    exceptions_of_every_kind(shared_ods_engine)
    reports = write_exception_reports(shared_ods_engine, tmp_path, now=RUN_TIME)
    assert read_csv(reports.files["descriptors"].path) == [
        {
            "missingvalue": "Quiz",
            "descriptor": "assignmentcategorydescriptor",
            "namespace": "uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Canvas",
        },
        {
            "missingvalue": "bogus",
            "descriptor": "submissionstatusdescriptor",
            "namespace": "uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Canvas",
        },
    ]


def test_descriptors_created_from_the_report_let_the_rows_harmonize(shared_ods_engine, tmp_path):
    """The reference's report spelled the namespace in lower case, which never matched on PostgreSQL."""
    exceptions_of_every_kind(shared_ods_engine)
    reports = write_exception_reports(shared_ods_engine, tmp_path, now=RUN_TIME)
    with shared_ods_engine.begin() as conn:
        for row in read_csv(reports.files["descriptors"].path):
            # The report's descriptor name is also the lmsx table that registers such a descriptor.
            descriptor(conn, row["namespace"], row["missingvalue"], registered_in=row["descriptor"])
    harmonize_each(shared_ods_engine, ["canvas"])
    counts = exception_counts(shared_ods_engine)
    assert (counts.category_descriptors, counts.status_descriptors, counts.assignments, counts.submissions) == (
        0,
        0,
        0,
        0,
    )


def test_null_and_deleted_values_need_no_descriptor(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
        null = lms_submission(conn, CANVAS, "null", room.lms_assignment_id, room.lms_user_id)
        set_column(conn, "lms.assignmentsubmission", "submissionstatus", None, "assignmentsubmissionidentifier", null)
        lms_submission(conn, CANVAS, "gone", room.lms_assignment_id, room.lms_user_id, status="bogus", deleted=True)
    counts = exception_counts(shared_ods_engine)
    assert (counts.status_descriptors, counts.submissions) == (0, 1)


def test_summary_with_nothing_to_report_is_three_debug_lines():
    lines = summary_lines(ExceptionCounts())
    assert [line.level for line in lines] == [logging.DEBUG] * 3
    assert [line.message for line in lines] == [
        "There are no unmatched sections or users in the database.",
        "There are no unmatched Assignments or Assignment submissions in the database.",
        "There are no missing descriptors for Assignment Category or Submission Status in the database.",
    ]


def test_summary_messages_carry_the_counts_with_nouns_that_agree():
    assert summary_lines(ExceptionCounts(sections=1))[0].message == (
        "There is 1 unmatched section and 0 unmatched users in the database."
    )
    assert summary_lines(ExceptionCounts(sections=2, users=1))[0].message == (
        "There are 2 unmatched sections and 1 unmatched user in the database."
    )
    assert summary_lines(ExceptionCounts(assignments=1, submissions=3))[1].message == (
        "There is 1 unmatched Assignment and 3 unmatched Submissions"
    )
    assert summary_lines(ExceptionCounts(submissions=1))[1].message == (
        "There are 0 unmatched Assignments and 1 unmatched Submission"
    )
    assert summary_lines(ExceptionCounts(category_descriptors=1))[2].message == (
        "There is 1 missing descriptor for Assignment Category and 0 missing descriptors for Submission Status"
    )
    assert summary_lines(ExceptionCounts(category_descriptors=2, status_descriptors=1))[2].message == (
        "There are 2 missing descriptors for Assignment Category and 1 missing descriptor for Submission Status"
    )
    assert [line.level for line in summary_lines(ExceptionCounts(sections=1, status_descriptors=2))] == [
        logging.WARNING,
        logging.DEBUG,
        logging.WARNING,
    ]


def test_summary_adds_lines_for_ambiguous_matches_and_duplicate_descriptors():
    """The ambiguous counts are candidate rows: the twin of exceptions_of_every_kind is one user and two rows."""
    ambiguous = (
        "LMS users and sections that match more than one SIS record were left unlinked: "
        "2 candidate SIS students in lmsx.ambiguous_lmsuser_matches, "
        "0 candidate SIS sections in lmsx.ambiguous_lmssection_matches."
    )
    assert [(line.level, line.message) for line in summary_lines(ExceptionCounts(ambiguous_users=2))[3:]] == [
        (logging.WARNING, ambiguous)
    ]
    assert [line.message for line in summary_lines(ExceptionCounts(duplicate_descriptors=2))[3:]] == [
        "There are 2 duplicate descriptors (lmsx.duplicate_descriptors); for each value, the one with the lowest "
        "DescriptorId is used.",
    ]
