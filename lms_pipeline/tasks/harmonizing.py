"""Harmonization with the Ed-Fi ODS, one LMS at a time, and the exception reports.

The matching and copying is done by the SQL procedures of sql/postgresql/harmonizer, which keep the reference's
names and parameters so that a district's replacement of one still fits. These functions call them, one
transaction per LMS, and read back what they did; the reports are the lmsx exception views written as CSV.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lms:
    """One LMS as harmonization knows it."""

    name: str  # as the command line and the flows name it
    label: str  # for log messages, as the reference writes them
    source_system: str  # SourceSystem in the lms tables
    namespace: str  # Namespace of the lmsx rows
    procedure_suffix: str  # of the reference's user and section procedures

    @property
    def user_procedure(self) -> str:
        return f"lms.harmonize_lmsuser_{self.procedure_suffix}"

    @property
    def section_procedure(self) -> str:
        return f"lms.harmonize_lmssection_{self.procedure_suffix}"


CANVAS = Lms("canvas", "Canvas", "Canvas", "uri://instructure.com/canvas", "canvas")
GOOGLE = Lms("google", "Google Classroom", "Google", "uri://google.com/classroom", "google_classroom")
SCHOOLOGY = Lms("schoology", "Schoology", "Schoology", "uri://schoology.com", "schoology")
LMS_BY_NAME = {lms.name: lms for lms in (CANVAS, GOOGLE, SCHOOLOGY)}


@dataclass(frozen=True)
class LmsHarmonization:
    """What harmonizing one LMS left and did.

    Users and sections are counted as they stand after the run: matched = live (student-role) rows linked to an
    existing ODS record; unmatched = the rest, as the exception views list them; ambiguous = those of the
    unmatched that have several candidates. Assignments and submissions count the lmsx rows this run inserted,
    updated and deleted (None when the procedures did not report it, e.g. a district's own replacement), and
    unmatched = live LMS rows the exception views list.
    """

    users_matched: int
    users_unmatched: int
    users_ambiguous: int
    sections_matched: int
    sections_unmatched: int
    sections_ambiguous: int
    assignments_inserted: int | None
    assignments_updated: int | None
    assignments_deleted: int | None
    assignments_unmatched: int
    submissions_inserted: int | None
    submissions_updated: int | None
    submissions_deleted: int | None
    submissions_unmatched: int


# What the procedures tally (lms.harmonizer_tally), read back from the transaction's settings.
CHANGE_COUNTERS = (
    "assignments_inserted", "assignments_updated", "assignments_deleted",
    "submissions_inserted", "submissions_updated", "submissions_deleted",
)

STATE_COUNTS = text(
    """
    SELECT
        (SELECT count(*) FROM lms.lmsuser u
         JOIN lms.harmonizer_student_role r ON r.userrole = u.userrole
         JOIN edfi.student s ON s.id = u.edfistudentid
         WHERE u.sourcesystem = :sourcesystem AND u.deletedat IS NULL) AS users_matched,
        (SELECT count(*) FROM lmsx.exceptions_lmsuser WHERE sourcesystem = :sourcesystem) AS users_unmatched,
        (SELECT count(DISTINCT lmsuseridentifier) FROM lmsx.ambiguous_lmsuser_matches
         WHERE sourcesystem = :sourcesystem) AS users_ambiguous,
        (SELECT count(*) FROM lms.lmssection ls
         JOIN edfi.section es ON es.id = ls.edfisectionid
         WHERE ls.sourcesystem = :sourcesystem AND ls.deletedat IS NULL) AS sections_matched,
        (SELECT count(*) FROM lmsx.exceptions_lmssection WHERE sourcesystem = :sourcesystem) AS sections_unmatched,
        (SELECT count(DISTINCT lmssectionidentifier) FROM lmsx.ambiguous_lmssection_matches
         WHERE sourcesystem = :sourcesystem) AS sections_ambiguous,
        (SELECT count(*) FROM lmsx.assignments_exceptions WHERE sourcesystem = :sourcesystem) AS assignments_unmatched,
        (SELECT count(*) FROM lmsx.assignment_submissions_exceptions
         WHERE sourcesystem = :sourcesystem) AS submissions_unmatched
    """
)

CHANGE_COUNTS = text(
    "SELECT counter, current_setting('lms_harmonizer.' || counter, true) FROM unnest(:counters) AS counter"
).bindparams(bindparam("counters", type_=ARRAY(Text)))


def as_lms(lms: Lms | str) -> Lms:
    """The LMS itself, or the one of that name (canvas, google, schoology)."""
    if isinstance(lms, Lms):
        return lms
    try:
        return LMS_BY_NAME[lms]
    except KeyError:
        raise ValueError(f"unknown LMS {lms!r}; expected one of {', '.join(LMS_BY_NAME)}") from None


def harmonize_lms(engine: Engine, lms: Lms | str) -> LmsHarmonization:
    """Run one LMS's user, section, assignment and submission procedures in one transaction."""
    lms = as_lms(lms)
    with engine.begin() as conn:
        _call_procedures(conn, lms)
        _without_jit(conn)
        state = conn.execute(STATE_COUNTS, {"sourcesystem": lms.source_system}).mappings().one()
        changes = _change_counts(conn)
    return LmsHarmonization(**state, **changes)


def harmonize_all(engine: Engine, lms_list: Iterable[Lms | str]) -> dict[str, LmsHarmonization | Exception]:
    """Harmonize each LMS in its own transaction. One that fails is rolled back, logged and returned as its
    exception, and the others still run: the caller decides what the run's outcome is."""
    results: dict[str, LmsHarmonization | Exception] = {}
    for lms in map(as_lms, lms_list):
        try:
            results[lms.name] = harmonize_lms(engine, lms)
        except Exception as error:  # noqa: BLE001 - whatever fails in one LMS is reported, never stops the others
            log.error("Harmonizing %s failed: %s", lms.label, error)
            results[lms.name] = error
    return results


def _call_procedures(conn: Connection, lms: Lms) -> None:
    log.info("Harmonizing %s LMS Users.", lms.label)
    conn.execute(text(f"CALL {lms.user_procedure}()"))
    log.info("Harmonizing %s LMS Sections.", lms.label)
    conn.execute(text(f"CALL {lms.section_procedure}()"))
    lms_values = {"sourcesystem": lms.source_system, "namespace": lms.namespace}
    log.info("Harmonizing %s LMS Assignments.", lms.label)
    conn.execute(
        text("CALL lms.harmonize_assignment(_sourcesystem => :sourcesystem, _namespace => :namespace)"), lms_values
    )
    log.info("Harmonizing %s LMS Assignment Submissions.", lms.label)
    conn.execute(
        text("CALL lms.harmonize_assignment_submissions(_sourcesystem => :sourcesystem, _namespace => :namespace)"),
        lms_values,
    )


def _without_jit(conn: Connection) -> None:
    """For the rest of the transaction. The matching views join on expressions, which inflates the estimates past
    the JIT thresholds: compiling the count and report queries then takes seconds, longer than running them."""
    conn.execute(text("SET LOCAL jit = off"))


def _change_counts(conn: Connection) -> dict[str, int | None]:
    rows = conn.execute(CHANGE_COUNTS, {"counters": list(CHANGE_COUNTERS)}).all()
    return {counter: int(value) if value else None for counter, value in rows}


# Exception reports ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPart:
    count: str  # the ExceptionCounts field its rows are counted in
    sql: str


@dataclass(frozen=True)
class Report:
    folder: str  # <directory>/<folder>/<YYYY-MM-DD-HH-MM-SS>.csv
    log_message: str
    parts: tuple[ReportPart, ...]  # the file's rows are theirs, in order


# The reference's three reports first, in its order, then the new ones.
REPORTS = (
    Report(
        "sections",
        "Writing the Sections exception report",
        (ReportPart("sections", "SELECT * FROM lmsx.exceptions_lmssection ORDER BY lmssectionidentifier"),),
    ),
    Report(
        "users",
        "Writing the Users exception report",
        (ReportPart("users", "SELECT * FROM lmsx.exceptions_lmsuser ORDER BY lmsuseridentifier"),),
    ),
    Report(
        "descriptors",
        "Writing the Assignment Category and Submission Status missing descriptors report",
        (
            # Live rows only, and no NULL status: each row is a descriptor whose creation lets rows harmonize.
            ReportPart(
                "category_descriptors",
                "SELECT DISTINCT assignmentcategory AS missingvalue, 'assignmentcategorydescriptor' AS descriptor, "
                "lms.lmsx_descriptor_namespace('AssignmentCategory', sourcesystem) AS namespace "
                "FROM lmsx.missing_assignment_category_descriptors WHERE deletedat IS NULL "
                "ORDER BY namespace, missingvalue",
            ),
            ReportPart(
                "status_descriptors",
                "SELECT DISTINCT submissionstatus AS missingvalue, 'submissionstatusdescriptor' AS descriptor, "
                "lms.lmsx_descriptor_namespace('SubmissionStatus', sourcesystem) AS namespace "
                "FROM lmsx.missing_assignment_submission_status_descriptors "
                "WHERE deletedat IS NULL AND submissionstatus IS NOT NULL "
                "ORDER BY namespace, missingvalue",
            ),
        ),
    ),
    Report(
        "ambiguous-users",
        "Writing the ambiguous user matches report",
        (
            ReportPart(
                "ambiguous_users",
                "SELECT * FROM lmsx.ambiguous_lmsuser_matches ORDER BY lmsuseridentifier, studentuniqueid",
            ),
        ),
    ),
    Report(
        "ambiguous-sections",
        "Writing the ambiguous section matches report",
        (
            ReportPart(
                "ambiguous_sections",
                "SELECT * FROM lmsx.ambiguous_lmssection_matches "
                "ORDER BY lmssectionidentifier, schoolid, schoolyear, sessionname, localcoursecode",
            ),
        ),
    ),
    Report(
        "duplicate-descriptors",
        "Writing the duplicate descriptors report",
        (
            ReportPart(
                "duplicate_descriptors",
                "SELECT * FROM lmsx.duplicate_descriptors ORDER BY kind, codevalue, descriptorid",
            ),
        ),
    ),
    Report(
        "assignments",
        "Writing the Assignments exception report",
        (ReportPart("assignments", "SELECT * FROM lmsx.assignments_exceptions ORDER BY assignmentidentifier"),),
    ),
    Report(
        "submissions",
        "Writing the Assignment Submissions exception report",
        (
            ReportPart(
                "submissions",
                "SELECT * FROM lmsx.assignment_submissions_exceptions ORDER BY assignmentsubmissionidentifier",
            ),
        ),
    ),
)


@dataclass(frozen=True)
class ExceptionCounts:
    """Rows of each exception report (the descriptors report is the category rows, then the status rows)."""

    sections: int = 0
    users: int = 0
    assignments: int = 0
    submissions: int = 0
    category_descriptors: int = 0
    status_descriptors: int = 0
    ambiguous_users: int = 0
    ambiguous_sections: int = 0
    duplicate_descriptors: int = 0


@dataclass(frozen=True)
class ReportFile:
    path: Path
    columns: list[str]
    rows: list[dict]


@dataclass(frozen=True)
class ExceptionReports:
    files: dict[str, ReportFile]  # by report folder: sections, users, descriptors, ...
    counts: ExceptionCounts


def write_exception_reports(engine: Engine, directory: Path | str, now: datetime | None = None) -> ExceptionReports:
    """Write every exception report as <directory>/<report>/<YYYY-MM-DD-HH-MM-SS>.csv (local time), header
    included even when empty, all read from one snapshot so that the files agree with each other."""
    stamp = (now or datetime.now()).strftime("%Y-%m-%d-%H-%M-%S")
    files: dict[str, ReportFile] = {}
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            _without_jit(conn)
            for report in REPORTS:
                log.info(report.log_message)
                columns, rows, part_counts = _read_report(conn, report)
                path = Path(directory) / report.folder / f"{stamp}.csv"
                _write_csv(path, columns, rows)
                files[report.folder] = ReportFile(path, columns, rows)
                counts.update(part_counts)
    return ExceptionReports(files, ExceptionCounts(**counts))


def _read_report(conn: Connection, report: Report) -> tuple[list[str], list[dict], dict[str, int]]:
    """The report's columns, its rows (part after part) and how many rows each part gave."""
    columns: list[str] = []
    rows: list[dict] = []
    counts: dict[str, int] = {}
    for part in report.parts:
        result = conn.execute(text(part.sql))
        columns = list(result.keys())
        part_rows = [dict(row) for row in result.mappings()]
        counts[part.count] = len(part_rows)
        rows += part_rows
    return columns, rows, counts


def exception_counts(engine: Engine) -> ExceptionCounts:
    """The rows each report would have, without writing them: for the summary of a run without a report folder."""
    with engine.connect() as conn:
        _without_jit(conn)
        return ExceptionCounts(
            **{
                part.count: conn.execute(text(f"SELECT count(*) FROM ({part.sql}) AS report")).scalar_one()
                for report in REPORTS
                for part in report.parts
            }
        )


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@dataclass(frozen=True)
class SummaryLine:
    level: int  # a logging level: WARNING when there is something to fix, else DEBUG
    message: str


def summary_lines(counts: ExceptionCounts) -> list[SummaryLine]:
    """The reference's three summary messages, then one for ambiguous matches and one for duplicate descriptors
    when there are any. Every count is a number of rows of a report."""
    lines = [
        _line(
            counts.sections or counts.users,
            f"There are {counts.sections} unmatched sections and {counts.users} unmatched users in the database.",
            "There are no unmatched sections or users in the database.",
        ),
        _line(
            counts.assignments or counts.submissions,
            f"There are {counts.assignments} unmatched Assignments and {counts.submissions} unmatched Submissions",
            "There are no unmatched Assignments or Assignment submissions in the database.",
        ),
        _line(
            counts.category_descriptors or counts.status_descriptors,
            f"There are {counts.category_descriptors} missing descriptors for Assignment Category and "
            f"{counts.status_descriptors} missing descriptors for Submission Status",
            "There are no missing descriptors for Assignment Category or Submission Status in the database.",
        ),
    ]
    if counts.ambiguous_users or counts.ambiguous_sections:
        lines.append(SummaryLine(
            logging.WARNING,
            f"There are {counts.ambiguous_users} candidate students of ambiguous users and "
            f"{counts.ambiguous_sections} candidate sections of ambiguous sections; those were left unlinked.",
        ))
    if counts.duplicate_descriptors:
        lines.append(SummaryLine(
            logging.WARNING,
            f"There are {counts.duplicate_descriptors} duplicate descriptors; the lowest DescriptorId of each is used.",
        ))
    return lines


def _line(warn: int, warning: str, all_clear: str) -> SummaryLine:
    return SummaryLine(logging.WARNING, warning) if warn else SummaryLine(logging.DEBUG, all_clear)

