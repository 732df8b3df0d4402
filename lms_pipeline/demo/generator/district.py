"""The district: one school, one extract root and one writer per LMS, and what they add up to."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from lms_pipeline.demo.generator.flavours import FLAVOURS
from lms_pipeline.demo.generator.lives import Calendar
from lms_pipeline.demo.generator.mess import Mess
from lms_pipeline.demo.generator.model import LMS_NAMES, District
from lms_pipeline.demo.generator.school import School, Size
from lms_pipeline.demo.generator.writer import Writer


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
    size = Size(
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
    calendar = Calendar(first_day)
    district = District(root, seed, messy, [calendar.date(d) for d in range(days)])
    for name in lms:
        mess = Mess(seed, name, messy)
        school = School(name, size, calendar, random.Random(f"{seed}:{name}"), mess)
        writer = Writer(name, root / name, calendar, mess, days)
        for day in range(days):
            for resource, folder, records in school.extract(day):
                writer.write(resource, folder, day, records)
        _add_school(district, name, school, writer)
    return district


def _add_school(district: District, lms: str, school: School, writer: Writer) -> None:
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
