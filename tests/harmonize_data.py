"""Rows for the harmonization tests: Ed-Fi ODS records, added as a SIS adds them (lms_pipeline.demo.ods), and
LMS data store records.

Each helper adds one record with bound values and returns what a test needs to refer to it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine, text

from lms_pipeline.demo.ods import add_descriptors, seed_sis
from lms_pipeline.harmonization.catalog import CANVAS, GOOGLE, SCHOOLOGY, Lms
from lms_pipeline.harmonization.procedures import LmsHarmonization, harmonize_lms

ALL_LMS = (CANVAS, GOOGLE, SCHOOLOGY)

# A submission status each LMS's shipped descriptors have.
STATUS = {"Canvas": "on-time", "Google": "TURNED_IN", "Schoology": "on-time"}


def harmonize_each(engine: Engine, lms_names: list[str]) -> dict[str, LmsHarmonization]:
    """Harmonize the LMSs one after the other, each in its own transaction, as the harmonization flow runs them
    (harmonize_lms, once per LMS); the first that fails raises."""
    return {name: harmonize_lms(engine, name) for name in lms_names}


@dataclass(frozen=True)
class Student:
    usi: int
    id: uuid.UUID
    unique_id: str


@dataclass(frozen=True)
class Section:
    id: uuid.UUID
    identifier: str
    school_id: int
    school_year: int
    local_course_code: str
    session_name: str


def student(conn: Connection, unique_id: str) -> Student:
    seed_sis(
        conn,
        students=[
            {"student_unique_id": unique_id, "first_name": "First", "last_name": "Last", "birth_date": "2010-01-01"}
        ],
    )
    usi, id_ = conn.execute(
        text("SELECT studentusi, id FROM edfi.student WHERE studentuniqueid = :unique_id"), {"unique_id": unique_id}
    ).one()
    return Student(usi, id_, unique_id)


def email(conn: Connection, who: Student, address: str, school_id: int = 1) -> None:
    seed_sis(conn, emails=[{"student_unique_id": who.unique_id, "school_id": school_id, "email": address}])


def section(
    conn: Connection,
    identifier: str,
    school_id: int = 149,
    school_year: int = 2021,
    local_course_code: str = "Local course code test",
    session_name: str = "session name test",
) -> Section:
    key = {
        "local_course_code": local_course_code,
        "school_id": school_id,
        "school_year": school_year,
        "section_identifier": identifier,
        "session_name": session_name,
    }
    seed_sis(conn, sections=[key])
    id_ = conn.execute(
        text(
            "SELECT id FROM edfi.section WHERE localcoursecode = :local_course_code AND schoolid = :school_id "
            "AND schoolyear = :school_year AND sectionidentifier = :section_identifier "
            "AND sessionname = :session_name"
        ),
        key,
    ).scalar_one()
    return Section(id_, identifier, school_id, school_year, local_course_code, session_name)


def enrol(conn: Connection, who: Student, where: Section, end_date: date | None = None) -> None:
    seed_sis(
        conn,
        enrolments=[
            {
                "student_unique_id": who.unique_id,
                "section_identifier": where.identifier,
                "school_id": where.school_id,
                "school_year": where.school_year,
                "session_name": where.session_name,
                "local_course_code": where.local_course_code,
                "begin_date": "2020-08-01",
                "end_date": end_date,
            }
        ],
    )


def descriptor(conn: Connection, namespace: str, code_value: str, registered_in: str | None) -> int:
    """An edfi.Descriptor row, registered in lmsx.<registered_in> (e.g. 'lmssourcesystemdescriptor') if given."""
    if registered_in:
        return add_descriptors(conn, f"lmsx.{registered_in}", namespace, [code_value])[0]
    return conn.execute(
        text(
            "INSERT INTO edfi.descriptor (namespace, codevalue, shortdescription) "
            "VALUES (:namespace, :code, :code) RETURNING descriptorid"
        ),
        {"namespace": namespace, "code": code_value},
    ).scalar_one()


def descriptor_id(conn: Connection, namespace: str, code_value: str) -> int:
    return conn.execute(
        text("SELECT descriptorid FROM edfi.descriptor WHERE namespace = :namespace AND codevalue = :code"),
        {"namespace": namespace, "code": code_value},
    ).scalar_one()


def lms_user(
    conn: Connection,
    lms: Lms | str,
    source_id: str,
    sis_id: str | None = None,
    email_address: str = "nobody@example.org",
    role: str = "student",
    deleted: bool = False,
    edfi_student_id: uuid.UUID | None = None,
) -> int:
    return conn.execute(
        text(
            "INSERT INTO lms.lmsuser (sourcesystemidentifier, sourcesystem, userrole, sisuseridentifier, name, "
            "emailaddress, deletedat, edfistudentid) "
            "VALUES (:source_id, :source_system, :role, :sis_id, 'Name', :email, :deleted_at, :edfi_student_id) "
            "RETURNING lmsuseridentifier"
        ),
        {
            "source_id": source_id,
            "source_system": _source_system(lms),
            "role": role,
            "sis_id": sis_id,
            "email": email_address,
            "deleted_at": _deleted_at(deleted),
            "edfi_student_id": edfi_student_id,
        },
    ).scalar_one()


def lms_section(
    conn: Connection,
    lms: Lms | str,
    source_id: str,
    sis_id: str | None = None,
    deleted: bool = False,
    edfi_section_id: uuid.UUID | None = None,
) -> int:
    return conn.execute(
        text(
            "INSERT INTO lms.lmssection (sourcesystemidentifier, sourcesystem, sissectionidentifier, title, "
            "deletedat, edfisectionid) "
            "VALUES (:source_id, :source_system, :sis_id, 'Title', :deleted_at, :edfi_section_id) "
            "RETURNING lmssectionidentifier"
        ),
        {
            "source_id": source_id,
            "source_system": _source_system(lms),
            "sis_id": sis_id,
            "deleted_at": _deleted_at(deleted),
            "edfi_section_id": edfi_section_id,
        },
    ).scalar_one()


def lms_assignment(
    conn: Connection,
    lms: Lms | str,
    source_id: str,
    lms_section_id: int,
    category: str = "Assignment",
    title: str = "An assignment",
    due: datetime | None = None,
    deleted: bool = False,
) -> int:
    return conn.execute(
        text(
            "INSERT INTO lms.assignment (sourcesystemidentifier, sourcesystem, lmssectionidentifier, title, "
            "assignmentcategory, duedatetime, deletedat) "
            "VALUES (:source_id, :source_system, :section, :title, :category, :due, :deleted_at) "
            "RETURNING assignmentidentifier"
        ),
        {
            "source_id": source_id,
            "source_system": _source_system(lms),
            "section": lms_section_id,
            "title": title,
            "category": category,
            "due": due,
            "deleted_at": _deleted_at(deleted),
        },
    ).scalar_one()


def lms_submission(
    conn: Connection,
    lms: Lms | str,
    source_id: str,
    lms_assignment_id: int,
    lms_user_id: int,
    status: str | None = None,
    grade: str | None = None,
    deleted: bool = False,
) -> int:
    source_system = _source_system(lms)
    return conn.execute(
        text(
            "INSERT INTO lms.assignmentsubmission (sourcesystemidentifier, sourcesystem, assignmentidentifier, "
            "lmsuseridentifier, submissionstatus, grade, deletedat) "
            "VALUES (:source_id, :source_system, :assignment, :user_id, :status, :grade, :deleted_at) "
            "RETURNING assignmentsubmissionidentifier"
        ),
        {
            "source_id": source_id,
            "source_system": source_system,
            "assignment": lms_assignment_id,
            "user_id": lms_user_id,
            "status": status or STATUS.get(source_system),
            "grade": grade,
            "deleted_at": _deleted_at(deleted),
        },
    ).scalar_one()


@dataclass(frozen=True)
class Classroom:
    """One LMS section linked to an ODS section, with a student linked to an ODS student and one assignment."""

    lms: Lms
    section: Section
    student: Student
    lms_section_id: int
    lms_user_id: int
    lms_assignment_id: int


def classroom(conn: Connection, lms: Lms, suffix: str = "1", due: datetime | None = None) -> Classroom:
    """The reference tests' setup: mappings forced, so that only assignments and submissions are exercised."""
    ods_section = section(conn, f"SEC-{lms.name}-{suffix}")
    ods_student = student(conn, f"STU-{lms.name}-{suffix}")
    section_id = lms_section(conn, lms, f"sec{suffix}", edfi_section_id=ods_section.id)
    user_id = lms_user(conn, lms, f"user{suffix}", edfi_student_id=ods_student.id)
    assignment_id = lms_assignment(conn, lms, f"asg{suffix}", section_id, due=due)
    return Classroom(lms, ods_section, ods_student, section_id, user_id, assignment_id)


def set_column(conn: Connection, table: str, column: str, value, key_column: str, key) -> None:
    """UPDATE one row of an lms/edfi table; table and column names come from the test code, never from data."""
    conn.execute(text(f"UPDATE {table} SET {column} = :value WHERE {key_column} = :key"), {"value": value, "key": key})


def rows(conn: Connection, sql: str, **params) -> list[dict]:
    return [dict(row) for row in conn.execute(text(sql), params).mappings()]


def _source_system(lms: Lms | str) -> str:
    return lms.source_system if isinstance(lms, Lms) else lms


def _deleted_at(deleted: bool) -> datetime | None:
    return datetime(2021, 9, 1) if deleted else None
