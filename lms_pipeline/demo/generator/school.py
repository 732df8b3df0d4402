"""The simulation of the school one LMS serves: who is in it, its sections, enrolments, assignments, submissions,
attendance and activity, the SIS roster with its deliberate mismatches, and what each extract day writes."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from lms_pipeline.demo.generator.flavours import (
    ATTENDANCE_STATUSES,
    COURSES,
    FIRST_NAMES,
    FLAVOURS,
    LAST_NAMES,
    SCHOOL_YEAR,
    SECTIONS_PER_TEACHER,
    SESSION_NAME,
    TOPICS,
)
from lms_pipeline.demo.generator.lives import Calendar, Life
from lms_pipeline.demo.generator.mess import Mess
from lms_pipeline.demo.generator.model import (
    GRADES,
    LMS_NAMES,
    SECTION_RENAMED,
    SHARED_EMAIL,
    STUDENT_MISSING_FROM_SIS,
    TEACHER_WITH_STUDENT_IDENTITY,
    Enrolment,
    Mismatch,
    SisSection,
    Student,
)
from lms_pipeline.demo.generator.records import (
    FATES,
    Assignment,
    Association,
    Event,
    Grade,
    Record,
    Section,
    Submission,
    User,
    present,
)

_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Size:
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


class School:
    """The users, sections and coursework of the school one LMS serves, with its SIS roster and mismatches."""

    def __init__(self, lms: str, size: Size, calendar: Calendar, rng: random.Random, mess: Mess):
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
            self._student(i, Life(self._created(), gone)) for i in range(enrollable, enrollable + unenrolled)
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

    def _life(self, kind: str, absent: frozenset[int] = frozenset()) -> Life:
        """The life of the next record of a kind: if it is among the few, gone on the `absent` days, or changing."""
        churns, changes = self._draws[kind]
        gone = absent if churns() else frozenset()
        return Life(self._created(), gone, self._change_day() if changes() else None)

    # people

    def _email(self, first: str, last: str) -> str:
        local = f"{first}.{last}"
        self._emails[local] += 1
        return f"{local}{self._emails[local] - 1 or ''}@{self.flavour.email_domain}"

    def _person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def _student(self, i: int, life: Life) -> User:
        first, last = self._person()
        email = self._email(first, last)
        sid = str((6 + LMS_NAMES.index(self.lms)) * 1_000_000 + i)  # distinct across the district's schools
        birth = date(2006, 9, 1) + timedelta(days=self.rng.randrange(3 * 365))
        student = Student(sid, first, last, birth, email, self.flavour.school_id)
        sis, local = self._user_ids(sid, f"{first.lower()}.{last.lower()}{i}")
        return User(self._id(), life, self.flavour.student_role, local, sis, first, last, email, student)

    def _staff(self) -> list[User]:
        """One teacher for every few sections, and one of each of the LMS's other staff roles."""
        teachers = -(-self.size.sections // SECTIONS_PER_TEACHER)
        roles = [self.flavour.staff_roles[0]] * teachers + list(self.flavour.staff_roles[1:])
        staff = []
        for i, role in enumerate(roles):
            first, last = self._person()
            sis, local = self._user_ids(
                f"E{self.flavour.school_id % 1000:03d}{i:04d}", f"{first.lower()}.{last.lower()}.s{i}"
            )
            life = Life(self._created())
            staff.append(User(self._id(), life, role, local, sis, first, last, self._email(first, last)))
        return staff

    def _user_ids(self, sis: str, local: str) -> tuple[str, str]:
        """SISUserIdentifier and LocalUserIdentifier, where the LMS writes them."""
        return (sis, local) if self.flavour.user_ids else ("", "")

    def teachers(self) -> list[User]:
        return [u for u in self.staff if u.role == self.flavour.staff_roles[0]]

    # sections and what hangs under them

    def _section(self, i: int) -> Section:
        code, title = COURSES[i % len(COURSES)]
        period = i // len(COURSES) + 1
        changed = i == 0 and self.size.days > 1  # one section gets a new description
        life = Life(self._created(), changes_on=self._change_day() if changed else None)
        sis_id = f"{self.flavour.school_id}-{code}-{period:03d}"
        return Section(
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
                section.associations.append(Association(self._id(), life, user, section, True, joined))
            teacher = teachers[j // SECTIONS_PER_TEACHER]
            section.associations.append(Association(self._id(), Life(self._created()), teacher, section, False, begin))

    def _coursework(self, section: Section) -> None:
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
                Grade(f"{a.ssi}-current", Life(self._created()), a, self.rng.choice("ABBBCCD")) for a in enrolled
            ]

    def _some(self, records: list, n: int) -> list:
        return self.rng.sample(records, min(n, len(records)))

    def _assignment(self, section: Section, k: int, life: Life) -> Assignment:
        ssi = self._id()
        category, submission_type = self.rng.choice(self.flavour.assignment_kinds)
        topic = TOPICS[(int(ssi) + k) % len(TOPICS)]
        start = datetime.combine(self.calendar.term_start() + timedelta(days=4 * k), time(8))
        upper = self.mess.happens("upper-case-assignment-folder", ssi, 0.05)
        assignment = Assignment(
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
            fate, score = self._weighted(FATES), self.rng.uniform(0.55, 1.0)
            assignment.submissions.append(Submission(sub_ssi, sub_life, assignment, user, fate, score, self.flavour))
        return assignment

    def _weighted(self, choices: tuple[tuple[str, int], ...]) -> str:
        values, weights = zip(*choices, strict=False)
        return self.rng.choices(values, weights)[0]

    def _yesterday(self, day: int) -> date:
        """Extracts run in the morning and carry the previous day's events."""
        return self.calendar.date(day) - timedelta(days=1)

    def _moment(self, day: int, seconds: int) -> datetime:
        return datetime.combine(self._yesterday(day), time(7)) + timedelta(seconds=self.rng.randrange(seconds))

    def _attendance(self, section: Section, user: User, day: int) -> Event:
        when = self._yesterday(day)
        values = {
            "LMSSectionSourceSystemIdentifier": section.ssi,
            "LMSUserSourceSystemIdentifier": user.ssi,
            "EventDate": when,
            "AttendanceStatus": self.rng.choice(ATTENDANCE_STATUSES),
        }
        return Event(f"{section.ssi}-{user.ssi}-{when}", Life(self.calendar.modified(day)), day, values)

    def _activity(self, section: Section, user: User, day: int) -> Event:
        values = {
            "LMSSectionSourceSystemIdentifier": section.ssi,
            "LMSUserSourceSystemIdentifier": user.ssi,
            "ActivityType": "Discussion",
            "ActivityDateTime": self._moment(day, 10 * 3600),
            "ActivityStatus": "Published",
            "ParentSourceSystemIdentifier": self.rng.choice(section.assignments).ssi if section.assignments else None,
            "ActivityTimeInMinutes": self.rng.randrange(1, 60),
        }
        return Event(self._id(), Life(self.calendar.modified(day)), day, values)

    def _sign_ins(self, day: int) -> list[Event]:
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
            events.append(Event(ssi, Life(self.calendar.modified(day)), day, values))
        return events

    # the SIS roster and its deliberate mismatches

    def _mismatch(self) -> None:
        missing, impersonated, first_sharer, second_sharer = self.rng.sample(self.enrollable, 4)
        by = "SIS id" if self.flavour.user_ids else "e-mail"
        self.missing_student = _student_of(missing)
        self._note(
            STUDENT_MISSING_FROM_SIS,
            missing.ssi,
            f"student {_student_of(missing).student_unique_id} (matched by {by}) is not in the SIS roster",
        )

        teacher = self.teachers()[0]
        if self.flavour.user_ids:
            teacher.sis_id = impersonated.sis_id
        else:
            teacher.email = impersonated.email
        self._note(
            TEACHER_WITH_STUDENT_IDENTITY,
            teacher.ssi,
            f"a teacher carries student {_student_of(impersonated).student_unique_id}'s {by}: "
            "staff must never be matched to a student",
        )

        shared = _student_of(first_sharer).email
        second_sharer.student = replace(_student_of(second_sharer), email=shared)
        self._note(
            SHARED_EMAIL,
            first_sharer.ssi,
            f"SIS students {_student_of(first_sharer).student_unique_id} and {second_sharer.student.student_unique_id} "
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
        in_sis = [_student_of(u) for u in self.enrollable + self.unenrolled if u.student is not self.missing_student]
        sections = [
            SisSection(self.renamed.get(s.sis_id, s.sis_id), self.flavour.school_id, SCHOOL_YEAR, SESSION_NAME, s.code)
            for s in self.sections
        ]
        last_day = self.size.days - 1
        enrolments = [
            Enrolment(
                _student_of(a.user).student_unique_id,
                self.renamed.get(s.sis_id, s.sis_id),
                a.begin,
                self._yesterday(a.life.changes_on)
                if a.life.changes_on is not None and a.life.changed(last_day)
                else None,
            )
            for s in self.sections
            for a in s.associations
            if a.is_student and a.user.student is not self.missing_student
        ]
        return in_sis, sections, enrolments

    # one day's extract

    def extract(self, day: int) -> Iterator[tuple[str, tuple[str, ...], Sequence[Record]]]:
        """(resource, folder, records) for every file of one extract day, in the extractor's order."""
        size = self.size
        yield "users", ("users",), present(self.users, day)
        yield "sections", ("sections",), present(self.sections, day)
        for s in self.sections:
            here = f"section={s.ssi}"
            yield "section-associations", (here, "section-associations"), present(s.associations, day)
            assignments = present(s.assignments, day)
            yield "assignments", (here, "assignments"), assignments
            for a in assignments:
                yield "submissions", (here, a.folder, "submissions"), present(a.submissions, day)
            if size.attendance_per_section:
                yield "attendance-events", (here, "attendance-events"), [e for e in s.attendance if e.day <= day]
            if size.section_activities_per_section:
                yield "section-activities", (here, "section-activities"), [e for e in s.activities if e.day <= day]
            if size.grades:
                yield GRADES, (here, GRADES), s.grades
        if size.system_activities_per_day:
            folder = ("system-activities", f"date={self._yesterday(day)}")
            yield "system-activities", folder, [e for e in self.sign_ins if e.day == day]


def _student_of(user: User) -> Student:
    """The SIS record of a student user: _student gives every enrollable and unenrolled user one."""
    assert user.student is not None, f"user {user.ssi} is no student"
    return user.student
