"""Harmonization with the Ed-Fi ODS, one LMS at a time, and the exception reports.

The matching and copying is done by the SQL procedures of sql/<engine>/harmonizer, which keep the reference's
names and parameters so that a district's replacement of one still fits. These functions call them, one
transaction per LMS, and read back what they did; the reports are the lmsx exception views written as CSV.
The queries name objects as SQL Server spells them, which PostgreSQL folds to its lower-case names, so that they
also resolve in a SQL Server database with a case-sensitive collation; how the procedures are called and how their
tallies are read is each engine's own (EngineSql).
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from lms_pipeline.reporting.spreadsheet import safe_cell
from lms_pipeline.store.engine import dialect_of
from lms_pipeline.wording import plural, there_are

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
LMS_BY_NAME = {lms.name: lms for lms in (CANVAS, GOOGLE, SCHOOLOGY)}  # the names: harmonization.LMS_NAMES


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


# What the procedures tally (lms.harmonizer_tally).
CHANGE_COUNTERS = (
    "assignments_inserted",
    "assignments_updated",
    "assignments_deleted",
    "submissions_inserted",
    "submissions_updated",
    "submissions_deleted",
)

STATE_COUNTS = text(
    """
    SELECT
        (SELECT count(*) FROM lms.LMSUser u
         JOIN lms.harmonizer_student_role r ON r.UserRole = u.UserRole
         JOIN edfi.Student s ON s.Id = u.EdFiStudentId
         WHERE u.SourceSystem = :sourcesystem AND u.DeletedAt IS NULL) AS users_matched,
        (SELECT count(*) FROM lmsx.exceptions_LMSUser WHERE SourceSystem = :sourcesystem) AS users_unmatched,
        (SELECT count(DISTINCT LMSUserIdentifier) FROM lmsx.ambiguous_lmsuser_matches
         WHERE SourceSystem = :sourcesystem) AS users_ambiguous,
        (SELECT count(*) FROM lms.LMSSection ls
         JOIN edfi.Section es ON es.Id = ls.EdFiSectionId
         WHERE ls.SourceSystem = :sourcesystem AND ls.DeletedAt IS NULL) AS sections_matched,
        (SELECT count(*) FROM lmsx.exceptions_LMSSection WHERE SourceSystem = :sourcesystem) AS sections_unmatched,
        (SELECT count(DISTINCT LMSSectionIdentifier) FROM lmsx.ambiguous_lmssection_matches
         WHERE SourceSystem = :sourcesystem) AS sections_ambiguous,
        (SELECT count(*) FROM lmsx.assignments_exceptions WHERE SourceSystem = :sourcesystem) AS assignments_unmatched,
        (SELECT count(*) FROM lmsx.assignment_submissions_exceptions
         WHERE SourceSystem = :sourcesystem) AS submissions_unmatched
    """
)

# The parameters of the assignment and submission procedures, as the reference names them on SQL Server.
LMS_PARAMETERS = ("SourceSystem", "Namespace")


class EngineSql:
    """How one engine calls the harmonizer's procedures and reads back what they tallied."""

    def call(self, procedure: str, parameters: tuple[str, ...]) -> TextClause:
        """The procedure called with its parameters by name, each bound as :<its name in lower case>."""
        raise NotImplementedError

    def clear_tallies(self, conn: Connection) -> None:
        """Before the procedures: each counter starts unset, so that a procedure that tallies nothing (a district's
        replacement) leaves it unknown."""

    def before_procedures(self, conn: Connection) -> None:
        """Before the procedures, for the rest of the transaction."""

    def before_reads(self, conn: Connection) -> None:
        """Before the count and report queries of a transaction."""

    def change_counts(self, conn: Connection) -> dict[str, int | None]:
        raise NotImplementedError


class PostgresSql(EngineSql):
    # The tallies are transaction-local settings (lms_harmonizer.<counter>): each transaction starts without them.
    CHANGE_COUNTS = text(
        "SELECT counter, current_setting('lms_harmonizer.' || counter, true) FROM unnest(:counters) AS counter"
    ).bindparams(bindparam("counters", type_=ARRAY(Text)))

    def call(self, procedure: str, parameters: tuple[str, ...]) -> TextClause:
        arguments = ", ".join(f"_{p.lower()} => :{p.lower()}" for p in parameters)
        return text(f"CALL {procedure}({arguments})")

    def before_procedures(self, conn: Connection) -> None:
        """Only hash and merge joins, as the assignment and submission procedures set for themselves. The user and
        section procedures first look for links to ODS records that are gone, among the links the previous run
        wrote: until autovacuum analyzes lms.lmsuser, its statistics say there are none, and a nested loop chosen on
        that estimate scans edfi.Student once per linked user. An ODS without a unique index on edfi.Student.Id
        (the LMS-Toolkit's ODS 5.2 core DDL has none) made that quadratic: benchmarks/bench_harmonize.py's re-run,
        50,000 users, took 276 s instead of 13. District replacements of the procedures plan the same way."""
        conn.execute(text("SET LOCAL enable_nestloop = off"))

    def before_reads(self, conn: Connection) -> None:
        """For the rest of the transaction. The matching views join on expressions, which inflates the estimates
        past the JIT thresholds: compiling the count and report queries then takes seconds, longer than running
        them."""
        conn.execute(text("SET LOCAL jit = off"))

    def change_counts(self, conn: Connection) -> dict[str, int | None]:
        values = dict(conn.execute(self.CHANGE_COUNTS, {"counters": list(CHANGE_COUNTERS)}).all())
        return {counter: int(values[counter]) if values.get(counter) else None for counter in CHANGE_COUNTERS}


class SqlServerSql(EngineSql):
    # The tallies are session context values (lms_harmonizer.<counter>), which outlive a transaction and come back
    # with a pooled connection: they are cleared before the procedures run.
    CLEAR_TALLIES = text(
        "; ".join(
            f"EXEC sys.sp_set_session_context @key = N'lms_harmonizer.{counter}', @value = NULL"
            for counter in CHANGE_COUNTERS
        )
    )
    CHANGE_COUNTS = text(
        "SELECT "
        + ", ".join(
            f"CAST(SESSION_CONTEXT(N'lms_harmonizer.{counter}') AS BIGINT) AS {counter}" for counter in CHANGE_COUNTERS
        )
    )

    def call(self, procedure: str, parameters: tuple[str, ...]) -> TextClause:
        arguments = ", ".join(f"@{p} = :{p.lower()}" for p in parameters)
        return text(f"EXEC {procedure} {arguments}".rstrip())

    def clear_tallies(self, conn: Connection) -> None:
        conn.execute(self.CLEAR_TALLIES)

    def change_counts(self, conn: Connection) -> dict[str, int | None]:
        counts = conn.execute(self.CHANGE_COUNTS).mappings().one()
        return {counter: None if counts[counter] is None else int(counts[counter]) for counter in CHANGE_COUNTERS}


ENGINE_SQL = {"postgresql": PostgresSql(), "mssql": SqlServerSql()}


def engine_sql(engine: Engine) -> EngineSql:
    return ENGINE_SQL[dialect_of(engine).name]


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
    sql = engine_sql(engine)
    with engine.begin() as conn:
        sql.clear_tallies(conn)
        sql.before_procedures(conn)
        _call_procedures(conn, sql, lms)
        sql.before_reads(conn)
        state = conn.execute(STATE_COUNTS, {"sourcesystem": lms.source_system}).mappings().one()
        changes = sql.change_counts(conn)
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


def _call_procedures(conn: Connection, sql: EngineSql, lms: Lms) -> None:
    lms_values = {"sourcesystem": lms.source_system, "namespace": lms.namespace}
    for what, procedure, parameters in (
        ("Users", lms.user_procedure, ()),
        ("Sections", lms.section_procedure, ()),
        ("Assignments", "lms.harmonize_assignment", LMS_PARAMETERS),
        ("Assignment Submissions", "lms.harmonize_assignment_submissions", LMS_PARAMETERS),
    ):
        log.info("Harmonizing %s LMS %s.", lms.label, what)
        conn.execute(sql.call(procedure, parameters), lms_values if parameters else None)


# Exception reports ---------------------------------------------------------------------------------------------


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
    rows: list[dict]
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
    sql = engine_sql(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            sql.before_reads(conn)
            for report in REPORTS:
                log.info(report.log_message)
                columns, rows, part_counts = _read_report(conn, report)
                files[report.folder] = _write_report(Path(directory) / report.folder / f"{stamp}.csv", columns, rows)
                counts.update(part_counts)
    return ExceptionReports(files, ExceptionCounts(**counts))


def _read_report(conn: Connection, report: Report) -> tuple[list[str], list[dict], dict[str, int]]:
    """The report's columns, its rows (part after part) and how many rows each part gave. Column names are in lower
    case, as PostgreSQL gives them, so that a report has the same header on either engine."""
    columns: list[str] = []
    rows: list[dict] = []
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
        engine_sql(engine).before_reads(conn)
        return ExceptionCounts(
            **{
                part.count: conn.execute(text(f"SELECT count(*) FROM ({part.sql}) AS report")).scalar_one()
                for report in REPORTS
                for part in report.parts
            }
        )


def _write_report(path: Path, columns: list[str], rows: list[dict]) -> ReportFile:
    """Write the report to `path`, unless the newest file of its folder holds the same bytes: a night without
    changes adds no file, and that file stays the current one."""
    data = _csv_bytes(columns, rows)
    newest = _newest_report(path.parent)
    if newest is not None and newest.read_bytes() == data:
        return ReportFile(newest, columns, rows, written=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return ReportFile(path, columns, rows, written=True)


def _csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    """The report as CSV with rows ending in LF, each cell safe to open in a spreadsheet (spreadsheet.safe_cell).

    The writer is told CRLF, so that it quotes a value holding a lone CR: Python before 3.13 quotes only the
    characters of the line terminator, and a bare CR splits the row for every reader, the rest of the value
    becoming a cell of its own (a formula, if it starts with `=`). Each row's CRLF is then made LF."""
    lines = _Lines()
    writer = csv.DictWriter(lines, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({column: safe_cell(value) for column, value in row.items()} for row in rows)
    return "".join(line.removesuffix("\r\n") + "\n" for line in lines).encode("utf-8")


class _Lines(list):
    """A file for the csv writer, which writes each row with one call: the rows, one string each."""

    write = list.append


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
