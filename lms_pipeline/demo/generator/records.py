"""The records of one LMS: users, sections, enrolments, assignments, submissions, events and grades, each with the
columns it writes on an extract day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from lms_pipeline.demo.generator.flavours import Flavour
from lms_pipeline.demo.generator.lives import Life
from lms_pipeline.demo.generator.model import Student


@dataclass
class Record:
    ssi: str  # SourceSystemIdentifier
    life: Life

    def fields(self, day: int) -> dict:
        """The resource's columns other than the natural key and the four dates."""
        raise NotImplementedError


@dataclass
class User(Record):
    role: str
    local_id: str
    sis_id: str
    first: str
    last: str
    email: str
    student: Student | None = None  # the SIS record this LMS user stands for

    def fields(self, day):
        # A changed user gained a middle initial, as after a correction in the SIS feed.
        name = f"{self.first} {self.last[0]}. {self.last}" if self.life.changed(day) else f"{self.first} {self.last}"
        return {
            "UserRole": self.role,
            "LocalUserIdentifier": self.local_id,
            "SISUserIdentifier": self.sis_id,
            "Name": name,
            "EmailAddress": self.email,
        }


@dataclass
class Section(Record):
    sis_id: str
    code: str
    title: str
    description: str
    term: str
    status: str
    associations: list[Association] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    attendance: list[Event] = field(default_factory=list)
    activities: list[Event] = field(default_factory=list)
    grades: list[Grade] = field(default_factory=list)

    def fields(self, day):
        return {
            "SISSectionIdentifier": self.sis_id,
            "Title": self.title,
            "SectionDescription": self.description + (" (honors)" if self.life.changed(day) else ""),
            "Term": self.term,
            "LMSSectionStatus": self.status,
        }


@dataclass
class Association(Record):
    user: User
    section: Section
    is_student: bool
    begin: date

    def fields(self, day):
        # A changed enrolment is a student who withdrew.
        return {
            "LMSUserSourceSystemIdentifier": self.user.ssi,
            "LMSSectionSourceSystemIdentifier": self.section.ssi,
            "EnrollmentStatus": "Inactive" if self.life.changed(day) else "Active",
        }


@dataclass
class Assignment(Record):
    section: Section
    folder: str  # assignment=<id>, or now and then Assignment=<id>
    title: str
    category: str
    submission_type: str
    description: str
    start: datetime
    due: datetime
    max_points: int
    submissions: list[Submission] = field(default_factory=list)

    def fields(self, day):
        # A changed assignment had its due date pushed back and its points rescaled.
        due = self.due + timedelta(days=2) if self.life.changed(day) else self.due
        return {
            "LMSSectionSourceSystemIdentifier": self.section.ssi,
            "Title": self.title,
            "AssignmentCategory": self.category,
            "AssignmentDescription": self.description,
            "StartDateTime": self.start,
            "EndDateTime": due,
            "DueDateTime": due,
            "SubmissionType": self.submission_type,
            "MaxPoints": self.max_points * 2 if self.life.changed(day) else self.max_points,
        }


# How a submission ends up, and how it moves on when it changes: the missing work comes in late, the pending is graded.
FATES = (("on-time", 70), ("late", 14), ("missing", 10), ("pending", 6))
_LATER_FATE = {"on-time": "on-time", "late": "late", "missing": "late", "pending": "on-time"}
_SUBMITTED = {"on-time": -timedelta(hours=5), "late": timedelta(days=1, hours=3), "pending": -timedelta(hours=1)}


@dataclass
class Submission(Record):
    assignment: Assignment
    user: User
    fate: str
    score: float  # share of the points earned, when graded
    flavour: Flavour

    def fields(self, day):
        fate = _LATER_FATE[self.fate] if self.life.changed(day) else self.fate
        max_points = self.assignment.max_points
        points = {"pending": None, "missing": 0}.get(fate, round(max_points * self.score))
        return {
            "AssignmentSourceSystemIdentifier": self.assignment.ssi,
            "LMSUserSourceSystemIdentifier": self.user.ssi,
            "SubmissionStatus": self.flavour.statuses[fate],
            "SubmissionDateTime": self.assignment.due + _SUBMITTED[fate] if fate in _SUBMITTED else None,
            "EarnedPoints": points,
            "Grade": None if points is None else _grade(points / max_points, self.flavour),
        }


def _grade(share: float, flavour: Flavour) -> str:
    if not flavour.letter_grades:
        return str(round(share * 100))
    letters = ((0.93, "A"), (0.9, "A-"), (0.87, "B+"), (0.83, "B"), (0.8, "B-"), (0.77, "C+"), (0.7, "C"), (0.6, "D"))
    return next((letter for floor, letter in letters if share >= floor), "F")


@dataclass
class Event(Record):
    """An attendance event, a section activity or a system activity: written once, never changed."""

    day: int  # the first extract that carries it
    values: dict

    def fields(self, day):
        return self.values


@dataclass
class Grade(Record):
    association: Association
    letter: str

    def fields(self, day):
        return {
            "Grade": self.letter,
            "GradeType": "Current",
            "LMSUserLMSSectionAssociationSourceSystemIdentifier": self.association.ssi,
        }


def present(records, day: int) -> list:
    return [r for r in records if r.life.present(day)]
