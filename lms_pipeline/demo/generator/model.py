"""What the generator returns: the district it wrote, its files, the counts a load should give, the SIS roster."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

LMS_NAMES = ("canvas", "schoology", "google")
GRADES = "grades"
# The resources in the order the extractors write an extract day's files, 7 s apart (lives.Calendar.run): written
# out, not taken from the catalog's load order, so that the files keep their names when that order changes.
RESOURCE_NAMES = (
    "users",
    "sections",
    "section-associations",
    "assignments",
    "submissions",
    "attendance-events",
    "section-activities",
    "system-activities",
    GRADES,
)

# Mismatch kinds, one of each per LMS.
STUDENT_MISSING_FROM_SIS = "student-missing-from-sis"
SECTION_RENAMED = "section-renamed"
SHARED_EMAIL = "shared-email"
TEACHER_WITH_STUDENT_IDENTITY = "teacher-with-student-identity"

# Shapes of a written file.
ROWS, HEADER_ONLY, EMPTY = "rows", "header-only", "empty"


@dataclass(frozen=True)
class Student:
    student_unique_id: str
    first_name: str
    last_name: str
    birth_date: date
    email: str
    school_id: int


@dataclass(frozen=True)
class SisSection:
    section_identifier: str
    school_id: int
    school_year: int
    session_name: str
    local_course_code: str


@dataclass(frozen=True)
class Enrolment:
    student_unique_id: str
    section_identifier: str
    begin_date: date
    end_date: date | None = None


@dataclass(frozen=True)
class Mismatch:
    """A deliberate difference between the LMS data and the SIS roster, and what a harmonizer should make of it."""

    lms: str
    kind: str
    lms_record: str  # SourceSystemIdentifier of the LMS user or section concerned
    detail: str


@dataclass(frozen=True)
class WrittenFile:
    lms: str
    resource: str
    path: Path
    day: int
    rows: int
    shape: str  # ROWS, HEADER_ONLY, or EMPTY: a lone line break, as pandas writes a frame without columns


@dataclass(frozen=True)
class ResourceCount:
    per_day: tuple[int, ...]  # data rows written on each extract day
    distinct: int  # natural keys written over all days: live plus soft-deleted rows after a full load
    live: int  # natural keys live after loading every day by issue 2's rules (see counts.Tally)


@dataclass
class District:
    root: Path
    seed: int
    messy: bool
    extract_dates: list[date]
    roots: dict[str, Path] = field(default_factory=dict)  # lms -> its extract root
    source_systems: dict[str, str] = field(default_factory=dict)  # lms -> SourceSystem value
    student_roles: dict[str, str] = field(default_factory=dict)  # lms -> the UserRole of its students
    students: list[Student] = field(default_factory=list)
    sections: list[SisSection] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    expected: dict[str, dict[str, ResourceCount]] = field(default_factory=dict)  # lms -> resource -> counts
    files: list[WrittenFile] = field(default_factory=list)
