"""The exception reports: the lmsx exception views, written as CSV, counted, and summed up in a run's messages.

The queries name objects as SQL Server spells them, which PostgreSQL folds to its lower-case names."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from lms_pipeline.reporting.spreadsheet import csv_bytes
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.wording import plural, there_are

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportPart:
    count: str  # the ExceptionCounts field its rows are counted in
    sql: str
    order_by: str  # apart: SQL Server allows no ORDER BY in the subquery that counts the rows

    @property
    def ordered_sql(self) -> str:
        return f"{self.sql} ORDER BY {self.order_by}"


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
        (ReportPart("sections", "SELECT * FROM lmsx.exceptions_LMSSection", "LMSSectionIdentifier"),),
    ),
    Report(
        "users",
        "Writing the Users exception report",
        (ReportPart("users", "SELECT * FROM lmsx.exceptions_LMSUser", "LMSUserIdentifier"),),
    ),
    Report(
        "descriptors",
        "Writing the Assignment Category and Submission Status missing descriptors report",
        (
            # Live rows only, and no NULL status: each row is a descriptor whose creation lets rows harmonize.
            ReportPart(
                "category_descriptors",
                "SELECT DISTINCT AssignmentCategory AS missingvalue, 'assignmentcategorydescriptor' AS descriptor, "
                "lms.lmsx_descriptor_namespace('AssignmentCategory', SourceSystem) AS namespace "
                "FROM lmsx.missing_assignment_category_descriptors WHERE DeletedAt IS NULL",
                "namespace, missingvalue",
            ),
            ReportPart(
                "status_descriptors",
                "SELECT DISTINCT SubmissionStatus AS missingvalue, 'submissionstatusdescriptor' AS descriptor, "
                "lms.lmsx_descriptor_namespace('SubmissionStatus', SourceSystem) AS namespace "
                "FROM lmsx.missing_assignment_submission_status_descriptors "
                "WHERE DeletedAt IS NULL AND SubmissionStatus IS NOT NULL",
                "namespace, missingvalue",
            ),
        ),
    ),
    Report(
        "ambiguous-users",
        "Writing the ambiguous user matches report",
        (
            ReportPart(
                "ambiguous_users", "SELECT * FROM lmsx.ambiguous_lmsuser_matches", "LMSUserIdentifier, StudentUniqueId"
            ),
        ),
    ),
    Report(
        "ambiguous-sections",
        "Writing the ambiguous section matches report",
        (
            ReportPart(
                "ambiguous_sections",
                "SELECT * FROM lmsx.ambiguous_lmssection_matches",
                "LMSSectionIdentifier, SchoolId, SchoolYear, SessionName, LocalCourseCode",
            ),
        ),
    ),
    Report(
        "duplicate-descriptors",
        "Writing the duplicate descriptors report",
        (
            ReportPart(
                "duplicate_descriptors", "SELECT * FROM lmsx.duplicate_descriptors", "Kind, CodeValue, DescriptorId"
            ),
        ),
    ),
    Report(
        "assignments",
        "Writing the Assignments exception report",
        (ReportPart("assignments", "SELECT * FROM lmsx.assignments_exceptions", "AssignmentIdentifier"),),
    ),
    Report(
        "submissions",
        "Writing the Assignment Submissions exception report",
        (
            ReportPart(
                "submissions",
                "SELECT * FROM lmsx.assignment_submissions_exceptions",
                "AssignmentSubmissionIdentifier",
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
    path: Path  # the file that holds the report: this run's, or the newest earlier one when its rows are the same
    columns: list[str]
    rows: list[dict[str, Any]]
    written: bool  # by this run; else `path` is the earlier file, unchanged since


@dataclass(frozen=True)
class ExceptionReports:
    files: dict[str, ReportFile]  # by report folder: sections, users, descriptors, ...
    counts: ExceptionCounts


def write_exception_reports(engine: Engine, directory: Path | str, now: datetime | None = None) -> ExceptionReports:
    """Write every exception report as <directory>/<report>/<YYYY-MM-DD-HH-MM-SS>.csv (local time), header
    included even when empty, all read from one snapshot so that the files agree with each other. A report whose
    rows are those of the newest file of its folder is not written again: that file stays the current one."""
    stamp = (now or datetime.now()).strftime("%Y-%m-%d-%H-%M-%S")
    files: dict[str, ReportFile] = {}
    counts: dict[str, int] = {}
    dialect = dialect_of(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            dialect.before_reads(conn)
            for report in REPORTS:
                log.info(report.log_message)
                columns, rows, part_counts = _read_report(conn, report)
                files[report.folder] = _write_report(Path(directory) / report.folder / f"{stamp}.csv", columns, rows)
                counts.update(part_counts)
    return ExceptionReports(files, ExceptionCounts(**counts))


def _read_report(conn: Connection, report: Report) -> tuple[list[str], list[dict[str, Any]], dict[str, int]]:
    """The report's columns, its rows (part after part) and how many rows each part gave. Column names are in lower
    case, as PostgreSQL gives them, so that a report has the same header on either engine."""
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for part in report.parts:
        result = conn.execute(text(part.ordered_sql))
        columns = list(map(str.lower, result.keys()))
        part_rows = [dict(zip(columns, row, strict=True)) for row in result]
        counts[part.count] = len(part_rows)
        rows += part_rows
    return columns, rows, counts


def exception_counts(engine: Engine) -> ExceptionCounts:
    """The rows each report would have, without writing them: for the summary of a run without a report folder."""
    with engine.connect() as conn:
        dialect_of(engine).before_reads(conn)
        return ExceptionCounts(
            **{
                part.count: conn.execute(text(f"SELECT count(*) FROM ({part.sql}) AS report")).scalar_one()
                for report in REPORTS
                for part in report.parts
            }
        )


def _write_report(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> ReportFile:
    """Write the report to `path`, unless the newest file of its folder holds the same bytes: a night without
    changes adds no file, and that file stays the current one."""
    data = csv_bytes(columns, rows)
    newest = _newest_report(path.parent)
    if newest is not None and newest.read_bytes() == data:
        return ReportFile(newest, columns, rows, written=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return ReportFile(path, columns, rows, written=True)


REPORT_NAME = re.compile(r"\d{4}(-\d{2}){5}\.csv")  # YYYY-MM-DD-HH-MM-SS.csv: by name is by time


def _newest_report(folder: Path) -> Path | None:
    """The report file with the latest timestamp in its name; other files of the folder are not reports."""
    if not folder.is_dir():
        return None
    return max((p for p in folder.iterdir() if REPORT_NAME.fullmatch(p.name)), key=lambda p: p.name, default=None)


@dataclass(frozen=True)
class SummaryLine:
    level: int  # a logging level: WARNING when there is something to fix, else DEBUG
    message: str


def summary_lines(counts: ExceptionCounts) -> list[SummaryLine]:
    """The reference's three summary messages (with nouns that agree with their counts), then one for ambiguous
    matches and one for duplicate descriptors when there are any. Every count is a number of rows of a report."""
    lines = [
        _line(
            counts.sections or counts.users,
            f"{there_are(counts.sections, 'unmatched section')} and {plural(counts.users, 'unmatched user')} "
            "in the database.",
            "There are no unmatched sections or users in the database.",
        ),
        _line(
            counts.assignments or counts.submissions,
            f"{there_are(counts.assignments, 'unmatched Assignment')} and "
            f"{plural(counts.submissions, 'unmatched Submission')}",
            "There are no unmatched Assignments or Assignment submissions in the database.",
        ),
        _line(
            counts.category_descriptors or counts.status_descriptors,
            f"{there_are(counts.category_descriptors, 'missing descriptor')} for Assignment Category and "
            f"{plural(counts.status_descriptors, 'missing descriptor')} for Submission Status",
            "There are no missing descriptors for Assignment Category or Submission Status in the database.",
        ),
    ]
    if counts.ambiguous_users or counts.ambiguous_sections:
        # The ambiguous reports have a row per candidate: an LMS user matching two students is two rows.
        lines.append(
            SummaryLine(
                logging.WARNING,
                "LMS users and sections that match more than one SIS record were left unlinked: "
                f"{plural(counts.ambiguous_users, 'candidate SIS student')} in lmsx.ambiguous_lmsuser_matches, "
                f"{plural(counts.ambiguous_sections, 'candidate SIS section')} in lmsx.ambiguous_lmssection_matches.",
            )
        )
    if counts.duplicate_descriptors:
        lines.append(
            SummaryLine(
                logging.WARNING,
                f"{there_are(counts.duplicate_descriptors, 'duplicate descriptor')} (lmsx.duplicate_descriptors); for "
                "each value, the one with the lowest DescriptorId is used.",
            )
        )
    return lines


def _line(warn: int, warning: str, all_clear: str) -> SummaryLine:
    return SummaryLine(logging.WARNING, warning) if warn else SummaryLine(logging.DEBUG, all_clear)
