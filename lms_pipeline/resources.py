"""The catalog of LMS resources: where their files live, their columns, their parents and their delete scope.

Everything that validates, stages, merges or soft-deletes a resource is driven by this one table, so the rules
of the reference data store (loader contract, sections 2, 3, 5 and 6) are written down exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    TEXT = "text"
    INT = "int"
    DATETIME = "datetime"
    DATE = "date"


class Scope(str, Enum):
    """Which live rows a file speaks for, and so which rows it soft-deletes when they are missing from it."""

    SOURCE_SYSTEM = "source-system"  # every row of the file's SourceSystem (users, sections)
    SECTION = "section"  # the rows of the file's section folder
    ASSIGNMENT = "assignment"  # the rows of the file's assignment folder
    INCREMENTAL = "incremental"  # files only add rows: nothing is soft-deleted (system activities)


# The live table whose row a section or assignment folder names.
SCOPE_TABLES = {Scope.SECTION: "LMSSection", Scope.ASSIGNMENT: "Assignment"}


def synthetic_key(table: str) -> str:
    """The identity column of a live table, and the foreign key that names it in a child table."""
    return table + "Identifier"


@dataclass(frozen=True)
class Column:
    name: str  # as the extractors write it in the CSV header
    kind: Kind = Kind.TEXT
    length: int | None = None
    required: bool = False  # NOT NULL in the data store
    identifier: bool = False  # a key rows are matched on: it may hold no invisible character (validation.py)

    @property
    def db(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Parent:
    """A foreign key given in the CSV as the parent's SourceSystemIdentifier."""

    csv_column: str  # e.g. LMSSectionSourceSystemIdentifier
    table: str  # live parent table, e.g. LMSSection
    id_column: str  # synthetic key copied into the child, e.g. LMSSectionIdentifier
    label: str  # for messages: "section"
    required: bool = True


@dataclass(frozen=True)
class Resource:
    name: str  # ResourceName in the journal and folder name
    table: str  # live table (PascalCase; PostgreSQL folds to lower case)
    columns: tuple[Column, ...]
    scope: Scope
    parents: tuple[Parent, ...] = ()
    # Attendance rows also link the user's enrolment in the section.
    links_enrolment: bool = False
    # The CSV column that must equal the folder's section or assignment id.
    scope_column: str | None = None
    # The live tables between a row and the section or assignment of its scope, each named by its synthetic key in
    # the one before: a grade reaches its section through its enrolment. Empty where the row names it itself.
    scope_via: tuple[str, ...] = ()
    truncated: frozenset[str] = field(default_factory=frozenset)  # columns cut to length, not rejected

    @property
    def key(self) -> str:
        return synthetic_key(self.table)

    @property
    def scope_through(self) -> Parent | None:
        """The parent a row reaches its scope through, where the row names no section or assignment itself."""
        return next((p for p in self.parents if self.scope_via and p.table == self.scope_via[0]), None)

    @property
    def scope_path(self) -> tuple[str, ...]:
        """The live tables from a row to the section or assignment its file's folder names, that one last."""
        return self.scope_via + (SCOPE_TABLES[self.scope],)

    @property
    def staging_table(self) -> str:
        return "stg_" + self.table

    @property
    def live_columns(self) -> tuple[Column, ...]:
        """The CSV columns stored as they are in the live table (parents become synthetic ids)."""
        parent_columns = {p.csv_column for p in self.parents}
        return tuple(c for c in self.columns if c.name not in parent_columns and c.name != "SubmissionType")

    @property
    def staged_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.name != "SubmissionType")

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


NATURAL_KEY = ("SourceSystemIdentifier", "SourceSystem")

_KEY = (
    Column("SourceSystemIdentifier", length=255, required=True, identifier=True),
    Column("SourceSystem", length=255, required=True, identifier=True),
)
_DATES = (
    Column("SourceCreateDate", Kind.DATETIME),
    Column("SourceLastModifiedDate", Kind.DATETIME),
    Column("CreateDate", Kind.DATETIME, required=True),
    Column("LastModifiedDate", Kind.DATETIME, required=True),
)

_SECTION = Parent("LMSSectionSourceSystemIdentifier", "LMSSection", "LMSSectionIdentifier", "section")
_USER = Parent("LMSUserSourceSystemIdentifier", "LMSUser", "LMSUserIdentifier", "user")
_ASSIGNMENT = Parent("AssignmentSourceSystemIdentifier", "Assignment", "AssignmentIdentifier", "assignment")


def _fk(parent: Parent) -> Column:
    return Column(parent.csv_column, length=255, required=parent.required, identifier=True)


USERS = Resource(
    "users",
    "LMSUser",
    _KEY
    + (
        Column("UserRole", length=60, required=True),
        Column("LocalUserIdentifier", length=255, identifier=True),
        Column("SISUserIdentifier", length=255, identifier=True),
        Column("Name", length=255, required=True),
        Column("EmailAddress", length=255, required=True),
    )
    + _DATES,
    Scope.SOURCE_SYSTEM,
)

SECTIONS = Resource(
    "sections",
    "LMSSection",
    _KEY
    + (
        Column("SISSectionIdentifier", length=255, identifier=True),
        Column("Title", length=255, required=True),
        Column("SectionDescription", length=1024),
        Column("Term", length=60),
        Column("LMSSectionStatus", length=60),
    )
    + _DATES,
    Scope.SOURCE_SYSTEM,
)

SECTION_ASSOCIATIONS = Resource(
    "section-associations",
    "LMSUserLMSSectionAssociation",
    _KEY + (_fk(_SECTION), _fk(_USER), Column("EnrollmentStatus", length=60, required=True)) + _DATES,
    Scope.SECTION,
    parents=(_SECTION, _USER),
    scope_column=_SECTION.csv_column,
)

ASSIGNMENTS = Resource(
    "assignments",
    "Assignment",
    _KEY
    + (
        _fk(_SECTION),
        Column("Title", length=255, required=True),
        Column("AssignmentCategory", length=60, required=True),
        Column("AssignmentDescription", length=1024),
        Column("StartDateTime", Kind.DATETIME),
        Column("EndDateTime", Kind.DATETIME),
        Column("DueDateTime", Kind.DATETIME),
        Column("SubmissionType"),
        Column("MaxPoints", Kind.INT),
    )
    + _DATES,
    Scope.SECTION,
    parents=(_SECTION,),
    scope_column=_SECTION.csv_column,
    truncated=frozenset({"AssignmentDescription"}),
)

SUBMISSIONS = Resource(
    "submissions",
    "AssignmentSubmission",
    _KEY
    + (
        _fk(_ASSIGNMENT),
        _fk(_USER),
        Column("SubmissionStatus", length=255),
        Column("SubmissionDateTime", Kind.DATETIME),
        Column("EarnedPoints", Kind.INT),
        Column("Grade", length=20),
    )
    + _DATES,
    Scope.ASSIGNMENT,
    parents=(_ASSIGNMENT, _USER),
    scope_column=_ASSIGNMENT.csv_column,
)

_ENROLMENT = Parent(
    "LMSUserLMSSectionAssociationSourceSystemIdentifier",
    SECTION_ASSOCIATIONS.table,
    SECTION_ASSOCIATIONS.key,
    "enrolment",
)

# A grades file names no section in its rows: its folder's section is the one of each grade's enrolment.
GRADES = Resource(
    "grades",
    "LMSGrade",
    _KEY + (Column("Grade", length=20, required=True), Column("GradeType", length=60), _fk(_ENROLMENT)) + _DATES,
    Scope.SECTION,
    parents=(_ENROLMENT,),
    scope_via=(SECTION_ASSOCIATIONS.table,),
)

_OPTIONAL_SECTION = Parent(
    "LMSSectionSourceSystemIdentifier", "LMSSection", "LMSSectionIdentifier", "section", required=False
)

ATTENDANCE_EVENTS = Resource(
    "attendance-events",
    "LMSUserAttendanceEvent",
    _KEY
    + (
        _fk(_OPTIONAL_SECTION),
        _fk(_USER),
        Column("EventDate", Kind.DATE, required=True),
        Column("AttendanceStatus", length=60, required=True),
    )
    + _DATES,
    Scope.SECTION,
    parents=(_USER, _OPTIONAL_SECTION),
    links_enrolment=True,
    scope_column=_SECTION.csv_column,
)

_ACTIVITY = (
    Column("ActivityType", length=60, required=True),
    Column("ActivityDateTime", Kind.DATETIME, required=True),
    Column("ActivityStatus", length=60, required=True),
    Column("ParentSourceSystemIdentifier", length=255, identifier=True),
    Column("ActivityTimeInMinutes", Kind.INT),
)

SECTION_ACTIVITIES = Resource(
    "section-activities",
    "LMSSectionActivity",
    _KEY + (_fk(_USER), _fk(_SECTION)) + _ACTIVITY + _DATES,
    Scope.SECTION,
    parents=(_USER, _SECTION),
    scope_column=_SECTION.csv_column,
)

SYSTEM_ACTIVITIES = Resource(
    "system-activities",
    "LMSSystemActivity",
    _KEY + (_fk(_USER),) + _ACTIVITY + _DATES,
    Scope.INCREMENTAL,
    parents=(_USER,),
)

# The order in which resources load: every parent before its children (loader contract, section 1).
LOAD_ORDER: tuple[Resource, ...] = (
    USERS,
    SECTIONS,
    SECTION_ASSOCIATIONS,
    GRADES,
    ASSIGNMENTS,
    SUBMISSIONS,
    ATTENDANCE_EVENTS,
    SECTION_ACTIVITIES,
    SYSTEM_ACTIVITIES,
)

BY_NAME = {r.name: r for r in LOAD_ORDER}

# Submission types are staged beside assignments; their natural key is the assignment's.
SUBMISSION_TYPE_TABLE = "AssignmentSubmissionType"
SUBMISSION_TYPE_LENGTH = 60
