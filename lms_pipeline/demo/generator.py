"""A seeded, deterministic generator of the extract trees that LMS extractors write, for a small district.

Each LMS serves one school of the district and gets an extract root of its own (`<root>/canvas`,
`<root>/schoology`, `<root>/google`): a root holds one LMS only (loader contract 2.4). Every extract day writes a
new timestamped file into every folder, a full snapshot, except system activities, which carry only that day's
new rows. Between days a few users, assignments and submissions disappear, come back and change, as in a real LMS.

With `messy=True` the files also carry the irregularities of real extracts (loader contract 3.1), each at a low
rate and each at least once: files without a BOM or without a final line break, mixed date formats in one column,
a time in a date-only column, grades with a trailing space, descriptions with quoted commas, quotes and line
breaks, empty optional values, empty (`\\n`) and header-only files, and the upper-case `Assignment=` folder. With
`messy=False` every file is regular, for benchmarks and exact-count tests.

The district's SIS roster (students, sections, enrolments) comes along for a demo ODS. It matches the LMS data
except for a few deliberate mismatches, listed in `District.mismatches`.

The output is a pure function of the arguments: the same seed writes the same bytes.
"""

from __future__ import annotations

import csv
import io
import random
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from lms_pipeline.resources import BY_NAME, LOAD_ORDER, Scope

LMS_NAMES = ("canvas", "schoology", "google")
GRADES = "grades"
RESOURCE_NAMES = tuple(r.name for r in LOAD_ORDER) + (GRADES,)

# Mismatch kinds, one of each per LMS.
STUDENT_MISSING_FROM_SIS = "student-missing-from-sis"
SECTION_RENAMED = "section-renamed"
SHARED_EMAIL = "shared-email"
TEACHER_WITH_STUDENT_IDENTITY = "teacher-with-student-identity"

# Shapes of a written file.
ROWS, HEADER_ONLY, EMPTY = "rows", "header-only", "empty"


# ---------------------------------------------------------------------------------------------------------------
# What the generator returns


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
    live: int  # natural keys live after loading every day by issue 2's rules (see _Tally); grades: 0, never loaded


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


# ---------------------------------------------------------------------------------------------------------------
# What each LMS's extractor writes differently


@dataclass(frozen=True)
class Flavour:
    source_system: str
    school_id: int
    first_id: int  # identifiers are numbered from here; each LMS has its own range and length
    email_domain: str
    user_ids: bool  # Google writes no SISUserIdentifier and no LocalUserIdentifier: its users match by e-mail
    student_role: str
    staff_roles: tuple[str, ...]  # the first is the teachers'
    section_status: str
    terms: str  # the Term value of every section
    assignment_kinds: tuple[tuple[str, str], ...]  # (AssignmentCategory, SubmissionType) pairs
    statuses: dict[str, str]  # fate of a submission -> SubmissionStatus
    letter_grades: bool
    submission_id: str  # format of a submission's SourceSystemIdentifier


FLAVOURS = {
    "canvas": Flavour(
        source_system="Canvas",
        school_id=255901001,
        first_id=100_033_951,
        email_domain="canvas.gps.example.org",
        user_ids=True,
        student_role="student",
        staff_roles=("teacher", "principal", "ta"),
        section_status="",
        terms="255901001_2021-2022_Fall,255901001_2021-2022_Spring",
        assignment_kinds=(
            ("Assignment", "['online_upload']"),
            ("Assignment", "['online_text_entry', 'online_upload']"),
            ("Assignment", "['online_quiz']"),
            ("Assignment", "['discussion_topic']"),
        ),
        statuses={"on-time": "graded", "late": "late", "missing": "missing", "pending": "on-time"},
        letter_grades=True,
        submission_id="{n}",
    ),
    "schoology": Flavour(
        source_system="Schoology",
        school_id=255901044,
        first_id=2_385_758_954,
        email_domain="schoology.gps.example.org",
        user_ids=True,
        student_role="Student",
        staff_roles=("Teacher", "School Admin"),
        section_status="Active",
        terms="2021-2022 Fall Semester",
        assignment_kinds=(("Assignment", ""), ("Assessment", ""), ("Discussion", "")),
        statuses={"on-time": "on-time", "late": "late", "missing": "missing", "pending": "draft"},
        letter_grades=False,
        submission_id="{section}#{assignment}#{user}",
    ),
    "google": Flavour(
        source_system="Google",
        school_id=255901107,
        first_id=104_857_600_017_342_001,
        email_domain="classroom.gps.example.org",
        user_ids=False,
        student_role="Student",
        staff_roles=("Teacher",),
        section_status="ACTIVE",
        terms="",
        assignment_kinds=(
            ("ASSIGNMENT", "ASSIGNMENT"),
            ("SHORT_ANSWER_QUESTION", "SHORT_ANSWER_QUESTION"),
            ("MULTIPLE_CHOICE_QUESTION", "MULTIPLE_CHOICE_QUESTION"),
        ),
        statuses={"on-time": "RETURNED", "late": "LATE", "missing": "MISSING", "pending": "TURNED_IN"},
        letter_grades=False,
        submission_id="Cg4I{n}",
    ),
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Lisa Fannie Robert Kyle Mary Peter Larry Ana Omar Grace Hiro Noah Emma Liam Olivia Mateo Sofia Aiden Zoe Ethan "
    "Maya Lucas Chloe Owen Ava Elijah Mia Jayden Nora Caleb Leah Isaac Ruby Diego Hannah Felix Iris Jonah Talia Wes"
)
LAST_NAMES = _words(
    "Woods Medina McKee Hughes Archer Nash Mahoney Garcia Nguyen Patel Kim Okafor Rossi Silva Novak Jensen Cohen "
    "Dubois Tanaka Murphy Schmidt Haddad Ivanova Lopez Brennan Costa Fischer Moreau Park Quinn Reyes Stone Varga"
)
COURSES = (
    ("ALG1", "Algebra I"),
    ("ENG9", "English/Language Arts I (9th grade)"),
    ("BIO", "Biology"),
    ("WHIS", "World History"),
    ("CHEM", "Chemistry"),
    ("SPA1", "Spanish I"),
    ("ART", "Studio Art"),
    ("PHYS", "Physics"),
)
TOPICS = _words(
    "Foundations Equations Inequalities Functions Exponents Cells Genetics Ecosystems Empires Revolutions "
    "Reactions Bonding Vocabulary Essays Poetry Motion Energy Waves Portraits Perspective"
)
ATTENDANCE_STATUSES = ("Excused", "Unexcused", "Tardy")
SCHOOL_YEAR = 2022
SESSION_NAME = "2021-2022 Fall Semester"
SECTIONS_PER_TEACHER = 5
_EPOCH = datetime(1970, 1, 1)

# ---------------------------------------------------------------------------------------------------------------
# Time


@dataclass(frozen=True)
class _Calendar:
    first_day: date

    def date(self, day: int) -> date:
        return self.first_day + timedelta(days=day)

    def modified(self, day: int) -> datetime:
        """When a change the extract of `day` carries was made in the LMS: during the night before the run."""
        return datetime.combine(self.date(day), time(2, 15))

    def run(self, day: int, resource: str) -> datetime:
        """When the extractor wrote a resource's files: one run a morning, resources a few seconds apart."""
        return datetime.combine(self.date(day), time(6)) + timedelta(seconds=7 * RESOURCE_NAMES.index(resource))

    def term_start(self) -> date:
        return self.first_day - timedelta(days=21)


@dataclass(frozen=True)
class _Life:
    """When a record is missing from the extracts and when its values change."""

    created: datetime
    absent: frozenset[int] = frozenset()  # extract days whose files leave it out
    changes_on: int | None = None  # the extract day from which its values differ

    def present(self, day: int) -> bool:
        return day not in self.absent

    def changed(self, day: int) -> bool:
        return self.changes_on is not None and day >= self.changes_on

    def last_modified(self, day: int, calendar: _Calendar) -> datetime:
        """The LMS stamps a change and a return alike, and the extractor copies the stamp."""
        stamps = [self.created]
        if self.changed(day):
            stamps.append(calendar.modified(self.changes_on))
        stamps += [calendar.modified(d) for d in range(1, day + 1) if d - 1 in self.absent and d not in self.absent]
        return max(stamps)


# ---------------------------------------------------------------------------------------------------------------
# Messiness


class _Mess:
    """The irregularities of real extracts, each at a low rate, and each at least once when it can occur.

    A choice is a pure function of (seed, kind, key), so a record looks the same in every day's file: a value
    that changed format overnight would read as a changed value. The first keys asked about for a kind get each
    of its variants once, so that even a tiny district shows them all.
    """

    def __init__(self, seed: int, lms: str, enabled: bool):
        self.salt = f"{seed}|{lms}|"
        self.enabled = enabled
        self.first: dict[str, list[str]] = defaultdict(list)  # kind -> the keys that got its variants first

    def happens(self, kind: str, key: str, rate: float) -> bool:
        return self.variant(kind, key, rate, 1) is not None

    def variant(self, kind: str, key: str, rate: float, count: int) -> int | None:
        """Which of `count` variants a key gets, for about `rate` of the keys; None for the others."""
        if not self.enabled:
            return None
        first = self.first[kind]
        if key in first:
            return first.index(key)
        if len(first) < count:
            first.append(key)
            return len(first) - 1
        share = zlib.crc32(f"{self.salt}{kind}|{key}".encode()) / 2**32
        return int(share / rate * count) if share < rate else None


_DATETIME_STYLES: tuple[Callable[[datetime], str], ...] = (
    lambda v: v.strftime("%Y-%m-%d %H:%M"),  # no seconds
    lambda v: v.strftime("%Y-%m-%d  %H:%M:%S"),  # two spaces
    lambda v: " " + v.isoformat(" "),  # a leading space
    lambda v: f"{v.month}/{v.day}/{v.year} {v.hour}:{v.minute:02d}",  # US
)
_BLANKABLE = frozenset({"LocalUserIdentifier", "SectionDescription", "AssignmentDescription", "ActivityTimeInMinutes"})
_DESCRIPTIONS = frozenset({"AssignmentDescription"})
_DESCRIPTION_TAIL = ', then answer:\n1. What changed?\n2. Why does "it" matter, in one line?'


# ---------------------------------------------------------------------------------------------------------------
# The records of one LMS


@dataclass
class _Record:
    ssi: str  # SourceSystemIdentifier
    life: _Life

    def fields(self, day: int) -> dict:
        """The resource's columns other than the natural key and the four dates."""
        raise NotImplementedError


@dataclass
class _User(_Record):
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
class _Section(_Record):
    sis_id: str
    code: str
    title: str
    description: str
    term: str
    status: str
    associations: list[_Association] = field(default_factory=list)
    assignments: list[_Assignment] = field(default_factory=list)
    attendance: list[_Event] = field(default_factory=list)
    activities: list[_Event] = field(default_factory=list)
    grades: list[_Grade] = field(default_factory=list)

    def fields(self, day):
        return {
            "SISSectionIdentifier": self.sis_id,
            "Title": self.title,
            "SectionDescription": self.description + (" (honors)" if self.life.changed(day) else ""),
            "Term": self.term,
            "LMSSectionStatus": self.status,
        }


@dataclass
class _Association(_Record):
    user: _User
    section: _Section
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
class _Assignment(_Record):
    section: _Section
    folder: str  # assignment=<id>, or now and then Assignment=<id>
    title: str
    category: str
    submission_type: str
    description: str
    start: datetime
    due: datetime
    max_points: int
    submissions: list[_Submission] = field(default_factory=list)

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
_FATES = (("on-time", 70), ("late", 14), ("missing", 10), ("pending", 6))
_LATER_FATE = {"on-time": "on-time", "late": "late", "missing": "late", "pending": "on-time"}
_SUBMITTED = {"on-time": -timedelta(hours=5), "late": timedelta(days=1, hours=3), "pending": -timedelta(hours=1)}


@dataclass
class _Submission(_Record):
    assignment: _Assignment
    user: _User
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
class _Event(_Record):
    """An attendance event, a section activity or a system activity: written once, never changed."""

    day: int  # the first extract that carries it
    values: dict

    def fields(self, day):
        return self.values


@dataclass
class _Grade(_Record):
    association: _Association
    letter: str

    def fields(self, day):
        return {
            "Grade": self.letter,
            "GradeType": "Current",
            "LMSUserLMSSectionAssociationSourceSystemIdentifier": self.association.ssi,
        }


def _present(records, day: int) -> list:
    return [r for r in records if r.life.present(day)]


# ---------------------------------------------------------------------------------------------------------------
# Building one LMS's school


@dataclass(frozen=True)
class _Size:
    users: int
    sections: int
    students_per_section: int
    assignments_per_section: int
    attendance_per_section: int
    section_activities_per_section: int
    system_activities_per_day: int
    grades: bool
    days: int
    churn: float
    change: float


def _few(total: int, rate: float, days: int) -> int:
    """How many records of a kind churn or change: a share of them, at least one, and none in a one-day extract."""
    return 0 if days < 2 or rate <= 0 or total == 0 else min(total, max(1, round(total * rate)))


class _Draw:
    """Which records of one kind are among the few, drawn up front over all of them."""

    def __init__(self, rng: random.Random, total: int, rate: float, days: int):
        self.picked = set(rng.sample(range(total), _few(total, rate, days)))
        self.drawn = 0

    def __call__(self) -> bool:
        self.drawn += 1
        return self.drawn - 1 in self.picked


class _School:
    """The users, sections and coursework of the school one LMS serves, with its SIS roster and mismatches."""

    def __init__(self, lms: str, size: _Size, calendar: _Calendar, rng: random.Random, mess: _Mess):
        self.lms, self.size, self.calendar, self.rng, self.mess = lms, size, calendar, rng, mess
        self.flavour = FLAVOURS[lms]
        self._next_id = self.flavour.first_id
        self._emails: dict[str, int] = defaultdict(int)
        self.mismatches: list[Mismatch] = []
        self.staff = self._staff()
        unenrolled = _few(size.users, size.churn, size.days)
        enrollable = size.users - len(self.staff) - unenrolled
        if enrollable < max(size.students_per_section, 4):
            raise ValueError(
                f"{size.users} users are too few for {size.sections} sections of {size.students_per_section}"
            )
        assignments = size.sections * size.assignments_per_section
        self._draws = {  # kind -> (churns, changes)
            kind: (_Draw(rng, total, size.churn, size.days), _Draw(rng, total, size.change, size.days))
            for kind, total in (
                ("users", enrollable),
                ("enrolments", size.sections * size.students_per_section),
                ("assignments", assignments),
                ("submissions", assignments * size.students_per_section),
            )
        }
        self.enrollable = [self._student(i, self._life("users")) for i in range(enrollable)]
        # Accounts of students not placed in a class yet are the users that come and go: no enrolment,
        # submission or activity ever loses its user.
        gone = self._odd_days(last_too=True)
        self.unenrolled = [
            self._student(i, _Life(self._created(), gone)) for i in range(enrollable, enrollable + unenrolled)
        ]
        self.users = self.enrollable + self.staff + self.unenrolled
        self.sections = [self._section(i) for i in range(size.sections)]
        self._enrol()
        for section in self.sections:
            self._coursework(section)
        self.sign_ins = [e for day in range(size.days) for e in self._sign_ins(day)]
        self._mismatch()

    # identifiers, shares and lives

    def _id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def _change_day(self) -> int:
        return self.rng.randint(1, self.size.days - 1)

    def _created(self) -> datetime:
        start = datetime.combine(self.calendar.term_start() - timedelta(days=10), time(8))
        return start + timedelta(seconds=self.rng.randrange(7 * 24 * 3600))

    def _odd_days(self, *, last_too: bool) -> frozenset[int]:
        """The days a churning record is gone: every odd day, each followed by its return."""
        return frozenset(range(1, self.size.days if last_too else self.size.days - 1, 2))

    def _life(self, kind: str, absent: frozenset[int] = frozenset()) -> _Life:
        """The life of the next record of a kind: if it is among the few, gone on the `absent` days, or changing."""
        churns, changes = self._draws[kind]
        gone = absent if churns() else frozenset()
        return _Life(self._created(), gone, self._change_day() if changes() else None)

    # people

    def _email(self, first: str, last: str) -> str:
        local = f"{first}.{last}"
        self._emails[local] += 1
        return f"{local}{self._emails[local] - 1 or ''}@{self.flavour.email_domain}"

    def _person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def _student(self, i: int, life: _Life) -> _User:
        first, last = self._person()
        email = self._email(first, last)
        sid = str((6 + LMS_NAMES.index(self.lms)) * 1_000_000 + i)  # distinct across the district's schools
        birth = date(2006, 9, 1) + timedelta(days=self.rng.randrange(3 * 365))
        student = Student(sid, first, last, birth, email, self.flavour.school_id)
        sis, local = self._user_ids(sid, f"{first.lower()}.{last.lower()}{i}")
        return _User(self._id(), life, self.flavour.student_role, local, sis, first, last, email, student)

    def _staff(self) -> list[_User]:
        """One teacher for every few sections, and one of each of the LMS's other staff roles."""
        teachers = -(-self.size.sections // SECTIONS_PER_TEACHER)
        roles = [self.flavour.staff_roles[0]] * teachers + list(self.flavour.staff_roles[1:])
        staff = []
        for i, role in enumerate(roles):
            first, last = self._person()
            sis, local = self._user_ids(
                f"E{self.flavour.school_id % 1000:03d}{i:04d}", f"{first.lower()}.{last.lower()}.s{i}"
            )
            life = _Life(self._created())
            staff.append(_User(self._id(), life, role, local, sis, first, last, self._email(first, last)))
        return staff

    def _user_ids(self, sis: str, local: str) -> tuple[str, str]:
        """SISUserIdentifier and LocalUserIdentifier, where the LMS writes them."""
        return (sis, local) if self.flavour.user_ids else ("", "")

    def teachers(self) -> list[_User]:
        return [u for u in self.staff if u.role == self.flavour.staff_roles[0]]

    # sections and what hangs under them

    def _section(self, i: int) -> _Section:
        code, title = COURSES[i % len(COURSES)]
        period = i // len(COURSES) + 1
        changed = i == 0 and self.size.days > 1  # one section gets a new description
        life = _Life(self._created(), changes_on=self._change_day() if changed else None)
        sis_id = f"{self.flavour.school_id}-{code}-{period:03d}"
        return _Section(
            self._id(), life, sis_id, code, f"{code}-{period}", title, self.flavour.terms, self.flavour.section_status
        )

    def _enrol(self) -> None:
        """Section j takes the next students_per_section students round the list, and one teacher.

        Enrolments change (a student withdraws) but never disappear, so attendance always finds its enrolment.
        """
        per, begin, teachers = self.size.students_per_section, self.calendar.term_start(), self.teachers()
        for j, section in enumerate(self.sections):
            users = [self.enrollable[(j * per + k) % len(self.enrollable)] for k in range(per)]
            for user in users:
                life = self._life("enrolments")
                joined = begin + timedelta(days=14) if self.rng.random() < 0.05 else begin
                section.associations.append(_Association(self._id(), life, user, section, True, joined))
            teacher = teachers[j // SECTIONS_PER_TEACHER]
            section.associations.append(
                _Association(self._id(), _Life(self._created()), teacher, section, False, begin)
            )

    def _coursework(self, section: _Section) -> None:
        size = self.size
        # An assignment missing from the newest assignments file hides its submissions from the reference loader
        # (contract B6): assignments come back before the last day, so every loader sees the same files.
        absent = self._odd_days(last_too=False)
        for k in range(size.assignments_per_section):
            section.assignments.append(self._assignment(section, k, self._life("assignments", absent)))
        enrolled = [a for a in section.associations if a.is_student]
        quiet = self.mess.happens("quiet-first-day", section.ssi, 0.1)  # no attendance or activity on day 0
        for day in range(1 if quiet else 0, size.days):
            for a in self._some(enrolled, size.attendance_per_section):
                section.attendance.append(self._attendance(section, a.user, day))
            for a in self._some(enrolled, size.section_activities_per_section):
                section.activities.append(self._activity(section, a.user, day))
        if size.grades:
            section.grades = [
                _Grade(f"{a.ssi}-current", _Life(self._created()), a, self.rng.choice("ABBBCCD")) for a in enrolled
            ]

    def _some(self, records: list, n: int) -> list:
        return self.rng.sample(records, min(n, len(records)))

    def _assignment(self, section: _Section, k: int, life: _Life) -> _Assignment:
        ssi = self._id()
        category, submission_type = self.rng.choice(self.flavour.assignment_kinds)
        topic = TOPICS[(int(ssi) + k) % len(TOPICS)]
        start = datetime.combine(self.calendar.term_start() + timedelta(days=4 * k), time(8))
        upper = self.mess.happens("upper-case-assignment-folder", ssi, 0.05)
        assignment = _Assignment(
            ssi,
            life,
            section,
            ("Assignment=" if upper else "assignment=") + ssi,
            f"{section.code} {topic} {k + 1}",
            category,
            submission_type,
            f"Complete the unit on {topic.lower()} and post your work as the homework.",
            start,
            datetime.combine(start.date() + timedelta(days=5), time(23, 59)),
            self.rng.choice((10, 20, 50, 100)),
        )
        students = [a.user for a in section.associations if a.is_student]
        gone = self._odd_days(last_too=True)
        for user in students:
            sub_life = self._life("submissions", gone)
            sub_ssi = self.flavour.submission_id.format(
                n=self._id(), section=section.ssi, assignment=ssi, user=user.ssi
            )
            fate, score = self._weighted(_FATES), self.rng.uniform(0.55, 1.0)
            assignment.submissions.append(_Submission(sub_ssi, sub_life, assignment, user, fate, score, self.flavour))
        return assignment

    def _weighted(self, choices: tuple[tuple[str, int], ...]) -> str:
        values, weights = zip(*choices, strict=False)
        return self.rng.choices(values, weights)[0]

    def _yesterday(self, day: int) -> date:
        """Extracts run in the morning and carry the previous day's events."""
        return self.calendar.date(day) - timedelta(days=1)

    def _moment(self, day: int, seconds: int) -> datetime:
        return datetime.combine(self._yesterday(day), time(7)) + timedelta(seconds=self.rng.randrange(seconds))

    def _attendance(self, section: _Section, user: _User, day: int) -> _Event:
        when = self._yesterday(day)
        values = {
            "LMSSectionSourceSystemIdentifier": section.ssi,
            "LMSUserSourceSystemIdentifier": user.ssi,
            "EventDate": when,
            "AttendanceStatus": self.rng.choice(ATTENDANCE_STATUSES),
        }
        return _Event(f"{section.ssi}-{user.ssi}-{when}", _Life(self.calendar.modified(day)), day, values)

    def _activity(self, section: _Section, user: _User, day: int) -> _Event:
        values = {
            "LMSSectionSourceSystemIdentifier": section.ssi,
            "LMSUserSourceSystemIdentifier": user.ssi,
            "ActivityType": "Discussion",
            "ActivityDateTime": self._moment(day, 10 * 3600),
            "ActivityStatus": "Published",
            "ParentSourceSystemIdentifier": self.rng.choice(section.assignments).ssi if section.assignments else None,
            "ActivityTimeInMinutes": self.rng.randrange(1, 60),
        }
        return _Event(self._id(), _Life(self.calendar.modified(day)), day, values)

    def _sign_ins(self, day: int) -> list[_Event]:
        """The previous day's sign-ins: new rows only, as the usage extractors write them."""
        events = []
        for user in self._some(self.enrollable + self.staff, self.size.system_activities_per_day):
            when = self._moment(day, 12 * 3600)
            values = {
                "LMSUserSourceSystemIdentifier": user.ssi,
                "ActivityType": "sign-in",
                "ActivityDateTime": when,
                "ActivityStatus": "active",
            }
            ssi = f"in#{user.ssi}#{(when - _EPOCH).total_seconds():.3f}"  # naive: no machine time zone involved
            events.append(_Event(ssi, _Life(self.calendar.modified(day)), day, values))
        return events

    # the SIS roster and its deliberate mismatches

    def _mismatch(self) -> None:
        missing, impersonated, first_sharer, second_sharer = self.rng.sample(self.enrollable, 4)
        by = "SIS id" if self.flavour.user_ids else "e-mail"
        self.missing_student = missing.student
        self._note(
            STUDENT_MISSING_FROM_SIS,
            missing.ssi,
            f"student {missing.student.student_unique_id} (matched by {by}) is not in the SIS roster",
        )

        teacher = self.teachers()[0]
        if self.flavour.user_ids:
            teacher.sis_id = impersonated.sis_id
        else:
            teacher.email = impersonated.email
        self._note(
            TEACHER_WITH_STUDENT_IDENTITY,
            teacher.ssi,
            f"a teacher carries student {impersonated.student.student_unique_id}'s {by}: "
            "staff must never be matched to a student",
        )

        shared = first_sharer.student.email
        second_sharer.student = replace(second_sharer.student, email=shared)
        self._note(
            SHARED_EMAIL,
            first_sharer.ssi,
            f"SIS students {first_sharer.student.student_unique_id} and {second_sharer.student.student_unique_id} "
            f"share {shared}: matching this user by e-mail is ambiguous, and the second student's own LMS e-mail "
            "is in no SIS record",
        )

        section = self.rng.choice(self.sections)
        self.renamed = {section.sis_id: section.sis_id + "R"}
        self._note(
            SECTION_RENAMED, section.ssi, f"the LMS section says {section.sis_id}; the SIS renamed it {section.sis_id}R"
        )

    def _note(self, kind: str, record: str, detail: str) -> None:
        self.mismatches.append(Mismatch(self.lms, kind, record, detail))

    def roster(self) -> tuple[list[Student], list[SisSection], list[Enrolment]]:
        in_sis = [u.student for u in self.enrollable + self.unenrolled if u.student is not self.missing_student]
        sections = [
            SisSection(self.renamed.get(s.sis_id, s.sis_id), self.flavour.school_id, SCHOOL_YEAR, SESSION_NAME, s.code)
            for s in self.sections
        ]
        last_day = self.size.days - 1
        enrolments = [
            Enrolment(
                a.user.student.student_unique_id,
                self.renamed.get(s.sis_id, s.sis_id),
                a.begin,
                self._yesterday(a.life.changes_on) if a.life.changed(last_day) else None,
            )
            for s in self.sections
            for a in s.associations
            if a.is_student and a.user.student is not self.missing_student
        ]
        return in_sis, sections, enrolments

    # one day's extract

    def extract(self, day: int) -> Iterator[tuple[str, tuple[str, ...], list[_Record]]]:
        """(resource, folder, records) for every file of one extract day, in the extractor's order."""
        size = self.size
        yield "users", ("users",), _present(self.users, day)
        yield "sections", ("sections",), _present(self.sections, day)
        for s in self.sections:
            here = f"section={s.ssi}"
            yield "section-associations", (here, "section-associations"), _present(s.associations, day)
            assignments = _present(s.assignments, day)
            yield "assignments", (here, "assignments"), assignments
            for a in assignments:
                yield "submissions", (here, a.folder, "submissions"), _present(a.submissions, day)
            if size.attendance_per_section:
                yield "attendance-events", (here, "attendance-events"), [e for e in s.attendance if e.day <= day]
            if size.section_activities_per_section:
                yield "section-activities", (here, "section-activities"), [e for e in s.activities if e.day <= day]
            if size.grades:
                yield GRADES, (here, GRADES), s.grades
        if size.system_activities_per_day:
            folder = ("system-activities", f"date={self._yesterday(day)}")
            yield "system-activities", folder, [e for e in self.sign_ins if e.day == day]


# ---------------------------------------------------------------------------------------------------------------
# Writing files


_GRADE_COLUMNS = (
    "SourceSystemIdentifier",
    "SourceSystem",
    "Grade",
    "GradeType",
    "LMSUserLMSSectionAssociationSourceSystemIdentifier",
    "CreateDate",
    "LastModifiedDate",
    "SourceCreateDate",
    "SourceLastModifiedDate",
)


def header(resource: str) -> tuple[str, ...]:
    """The columns an extractor writes for a resource, in its order."""
    return _GRADE_COLUMNS if resource == GRADES else tuple(c.name for c in BY_NAME[resource].columns)


class _Tally:
    """Counts what a loader finds, by the loading rules of issue 2.

    A file of 4 bytes or less is skipped. Snapshot files speak for their folder: after a full load the live rows
    are those of each folder's newest file, except that a header-only users or sections file deletes nothing.
    System-activity files are incremental: all their rows stay live.
    """

    def __init__(self, days: int):
        self.days = days
        self.per_day: dict[str, list[int]] = defaultdict(lambda: [0] * days)
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.newest: dict[tuple[str, str], set[str]] = {}

    def record(self, resource: str, folder: str, day: int, keys: set[str], shape: str) -> None:
        self.per_day[resource][day] += len(keys)
        self.seen[resource] |= keys
        if shape == EMPTY or resource == GRADES:
            return
        scope = BY_NAME[resource].scope
        if shape == HEADER_ONLY and scope is Scope.SOURCE_SYSTEM:
            return
        self.newest[(resource, folder if scope is not Scope.INCREMENTAL else f"{folder}#{day}")] = keys

    def counts(self) -> dict[str, ResourceCount]:
        live: dict[str, int] = defaultdict(int)
        for (resource, _), keys in self.newest.items():
            live[resource] += len(keys)
        return {
            resource: ResourceCount(tuple(per_day), len(self.seen[resource]), live[resource])
            for resource, per_day in self.per_day.items()
        }


class _Writer:
    """Writes one LMS's files in the extractors' format: UTF-8 with a BOM, `"` quoting, LF line ends."""

    def __init__(self, lms: str, root: Path, calendar: _Calendar, mess: _Mess, days: int):
        self.lms, self.root, self.calendar, self.mess = lms, root, calendar, mess
        self.source_system = FLAVOURS[lms].source_system
        self.tally = _Tally(days)
        self.files: list[WrittenFile] = []
        self._folders: set[Path] = set()
        self._empty_files = 0

    def write(self, resource: str, folder: tuple[str, ...], day: int, records: list[_Record]) -> None:
        directory = self.root.joinpath(*folder)
        if directory not in self._folders:
            directory.mkdir(parents=True, exist_ok=True)
            self._folders.add(directory)
        path = directory / (self.calendar.run(day, resource).strftime("%Y-%m-%d-%H-%M-%S") + ".csv")
        shape = ROWS if records else self._empty_shape()
        file_key = f"{'/'.join(folder)}@{day}"
        text = "\n" if shape == EMPTY else self._csv(resource, day, records)
        if shape != EMPTY and not self.mess.happens("no-bom", file_key, 0.1):
            text = "\ufeff" + text
        if shape == ROWS and self.mess.happens("no-final-line-break", file_key, 0.03):
            text = text[:-1]
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        self.files.append(WrittenFile(self.lms, resource, path, day, len(records), shape))
        self.tally.record(resource, "/".join(folder), day, {r.ssi for r in records}, shape)

    def _empty_shape(self) -> str:
        """pandas writes a frame without rows as a header, and one without columns as a lone line break."""
        if not self.mess.enabled:
            return HEADER_ONLY
        self._empty_files += 1
        return EMPTY if self._empty_files % 2 else HEADER_ONLY

    def _csv(self, resource: str, day: int, records: list[_Record]) -> str:
        columns = header(resource)
        cell = self._messy_cell if self.mess.enabled else _plain_cell
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            row = {
                "SourceSystemIdentifier": record.ssi,
                "SourceSystem": self.source_system,
                **record.fields(day),
                "CreateDate": record.life.created,
                "LastModifiedDate": record.life.last_modified(day, self.calendar),
            }
            writer.writerow([cell(record.ssi, c, row.get(c)) for c in columns])
        return buffer.getvalue()

    def _messy_cell(self, key: str, column: str, value) -> str:
        """A value as real extracts write it now and then; otherwise as regular extracts do."""
        happens = self.mess.happens
        if isinstance(value, datetime):
            style = self.mess.variant("datetime-style", f"{key}|{column}", 0.04, len(_DATETIME_STYLES))
            if style is not None:
                return _DATETIME_STYLES[style](value)
        elif isinstance(value, date):
            if happens("time-in-date", key, 0.1):
                return f"{value.isoformat()} 00:00:00"
        elif column in _BLANKABLE and value is not None and happens("blank-optional", f"{key}|{column}", 0.03):
            return ""
        elif column == "Grade" and value is not None and happens("grade-trailing-space", key, 0.05):
            return value + " "
        elif column in _DESCRIPTIONS and happens("multi-line-description", key, 0.05):
            return value + _DESCRIPTION_TAIL
        return _plain_cell(key, column, value)


def _plain_cell(key: str, column: str, value) -> str:
    """A value as regular extracts write it; datetimes carry no microseconds, so isoformat gives HH:MM:SS."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------------------------
# The district


def generate_district(
    root: Path | str,
    *,
    users: int = 150,
    sections: int = 6,
    students_per_section: int = 24,
    assignments_per_section: int = 4,
    attendance_per_section: int = 2,
    section_activities_per_section: int = 2,
    system_activities_per_day: int = 20,
    grades: bool = True,
    days: int = 3,
    lms: tuple[str, ...] = LMS_NAMES,
    seed: int = 1,
    messy: bool = True,
    churn: float = 0.01,
    change: float = 0.03,
    first_day: date = date(2021, 9, 13),
) -> District:
    """Write one extract root per LMS under `root` and return what was written and what a load should give.

    Sizes are per LMS: `users` counts students and staff (one teacher for every five sections, plus the LMS's
    other staff roles). A count of 0 writes no folder for that resource. `churn` and `change` are the shares of
    users, assignments and submissions that disappear on odd days (and come back) and that change values.
    """
    unknown = set(lms) - set(FLAVOURS)
    if unknown:
        raise ValueError(f"unknown LMS {sorted(unknown)}; choose from {LMS_NAMES}")
    root = Path(root)
    size = _Size(
        users=users,
        sections=sections,
        students_per_section=students_per_section,
        assignments_per_section=assignments_per_section,
        attendance_per_section=attendance_per_section,
        section_activities_per_section=section_activities_per_section,
        system_activities_per_day=system_activities_per_day,
        grades=grades,
        days=days,
        churn=churn,
        change=change,
    )
    calendar = _Calendar(first_day)
    district = District(root, seed, messy, [calendar.date(d) for d in range(days)])
    for name in lms:
        mess = _Mess(seed, name, messy)
        school = _School(name, size, calendar, random.Random(f"{seed}:{name}"), mess)
        writer = _Writer(name, root / name, calendar, mess, days)
        for day in range(days):
            for resource, folder, records in school.extract(day):
                writer.write(resource, folder, day, records)
        _add_school(district, name, school, writer)
    return district


def _add_school(district: District, lms: str, school: _School, writer: _Writer) -> None:
    students, sections, enrolments = school.roster()
    district.roots[lms] = writer.root
    district.source_systems[lms] = school.flavour.source_system
    district.student_roles[lms] = school.flavour.student_role
    district.students += students
    district.sections += sections
    district.enrolments += enrolments
    district.mismatches += school.mismatches
    district.expected[lms] = writer.tally.counts()
    district.files += writer.files
