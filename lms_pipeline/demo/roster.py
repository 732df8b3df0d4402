"""Seed the demo ODS with the generated district's SIS roster: students, e-mails, sections, enrolments."""

from __future__ import annotations

from sqlalchemy import Engine, text

from lms_pipeline.demo.generator import District

STUDENT = text("INSERT INTO edfi.student (studentuniqueid, firstname, lastsurname, birthdate) "
               "VALUES (:student_unique_id, :first_name, :last_name, :birth_date)")
EMAIL = text("INSERT INTO edfi.studenteducationorganizationassociationelectronicmail "
             "(educationorganizationid, electronicmailaddress, electronicmailtypedescriptorid, studentusi) "
             "SELECT :school_id, :email, 1, studentusi FROM edfi.student WHERE studentuniqueid = :student_unique_id")
SECTION = text("INSERT INTO edfi.section (localcoursecode, schoolid, schoolyear, sectionidentifier, sessionname) "
               "VALUES (:local_course_code, :school_id, :school_year, :section_identifier, :session_name)")
ENROLMENT = text(
    "INSERT INTO edfi.studentsectionassociation (begindate, localcoursecode, schoolid, schoolyear, "
    "sectionidentifier, sessionname, studentusi, enddate) "
    "SELECT :begin_date, s.localcoursecode, s.schoolid, s.schoolyear, s.sectionidentifier, s.sessionname, "
    "st.studentusi, :end_date FROM edfi.section s, edfi.student st "
    "WHERE s.sectionidentifier = :section_identifier AND st.studentuniqueid = :student_unique_id"
)


def seed_roster(engine: Engine, district: District) -> bool:
    """Insert the roster once; False when the ODS already has students (a second demo run)."""
    with engine.begin() as conn:
        if conn.execute(text("SELECT EXISTS (SELECT 1 FROM edfi.student)")).scalar():
            return False
        conn.execute(STUDENT, [vars(s) for s in district.students])
        conn.execute(EMAIL, [vars(s) for s in district.students])
        conn.execute(SECTION, [vars(s) for s in district.sections])
        conn.execute(ENROLMENT, [vars(e) for e in district.enrolments])
    return True
