"""Harmonization with the Ed-Fi ODS, one LMS at a time.

The matching and copying is done by the SQL procedures of sql/<engine>/harmonizer, which keep the reference's
names and parameters so that a district's replacement of one still fits. harmonize_lms calls them, one
transaction per LMS, and reads back what they did. The queries name objects as SQL Server spells them, which
PostgreSQL folds to its lower-case names, so that they also resolve in a SQL Server database with a case-sensitive
collation; how the procedures are called and how their tallies are read is each engine's own (its EngineDialect).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TypedDict, cast

from sqlalchemy import Connection, Engine, text

from lms_pipeline.harmonization.catalog import Lms, as_lms
from lms_pipeline.store.engines import EngineDialect, dialect_of

log = logging.getLogger(__name__)


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


class _Changes(TypedDict):
    """change_counts(CHANGE_COUNTERS): each counter's tally, None where the procedures did not report it."""

    assignments_inserted: int | None
    assignments_updated: int | None
    assignments_deleted: int | None
    submissions_inserted: int | None
    submissions_updated: int | None
    submissions_deleted: int | None


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


def harmonize_lms(engine: Engine, lms: Lms | str) -> LmsHarmonization:
    """Run one LMS's user, section, assignment and submission procedures in one transaction."""
    lms = as_lms(lms)
    dialect = dialect_of(engine)
    with engine.begin() as conn:
        dialect.clear_tallies(conn, CHANGE_COUNTERS)
        dialect.before_procedures(conn)
        _call_procedures(conn, dialect, lms)
        dialect.before_reads(conn)
        state = conn.execute(STATE_COUNTS, {"sourcesystem": lms.source_system}).mappings().one()
        changes = cast(_Changes, dialect.change_counts(conn, CHANGE_COUNTERS))
    return LmsHarmonization(**state, **changes)


def _call_procedures(conn: Connection, dialect: EngineDialect, lms: Lms) -> None:
    lms_values = {"sourcesystem": lms.source_system, "namespace": lms.namespace}
    for what, procedure, parameters in (
        ("Users", lms.user_procedure, ()),
        ("Sections", lms.section_procedure, ()),
        ("Assignments", "lms.harmonize_assignment", LMS_PARAMETERS),
        ("Assignment Submissions", "lms.harmonize_assignment_submissions", LMS_PARAMETERS),
    ):
        log.info("Harmonizing %s LMS %s.", lms.label, what)
        conn.execute(dialect.call(procedure, parameters), lms_values if parameters else None)
