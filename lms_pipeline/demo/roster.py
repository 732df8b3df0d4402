"""Seed the demo ODS with the generated district's SIS roster: students, e-mails, sections, enrolments."""

from __future__ import annotations

from sqlalchemy import Engine, text

from lms_pipeline.demo.generator import District
from lms_pipeline.demo.ods import seed_sis


def seed_roster(engine: Engine, district: District) -> bool:
    """Insert the roster once; False when the ODS already has students (a second demo run)."""
    sections = {section.section_identifier: section for section in district.sections}
    with engine.begin() as conn:
        if conn.execute(text("SELECT EXISTS (SELECT 1 FROM edfi.student)")).scalar():
            return False
        # A generated student carries its school and e-mail, so it is also the record of that e-mail.
        students = [vars(student) for student in district.students]
        seed_sis(
            conn,
            students=students,
            emails=students,
            sections=[vars(s) for s in sections.values()],
            enrolments=[{**vars(sections[e.section_identifier]), **vars(e)} for e in district.enrolments],
        )
    return True
