"""An Ed-Fi ODS for the demo, the tests and the benchmark, seeded the way a SIS fills one. Never for a district's
ODS: it is made only in a database without an edfi schema, which it marks, and it refuses any other.

PostgreSQL gets the real schema: the Ed-Fi ODS 5.2 core tables and the LMSX extension with its foreign keys and
change tracking, from `sql/postgresql/edfi_ods_5_2/` (the LMS-Toolkit's Apache-2.0 DDL, unchanged: see its
NOTICE.md), then the descriptors that the seeding and harmonization use. The DDL lives in the package because the
demo runs from an installed copy. It gives its schemas to the role postgres, as the ODS's own scripts do, so the
server needs that role (pgserver's and the test server's superuser).

SQL Server gets the hand-written stand-in of `sql/mssql/ods_fixture/` (the edfi and lmsx tables harmonization uses,
and the LMSX descriptors): there is no T-SQL DDL of the real ODS to copy, and no SQL Server here to run one on.
`seed_sis` is PostgreSQL only. Which an engine gets is its EngineDialect's (`ods_ddl_folders`), as is how the
edfi schema's mark is read and written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection, Engine, text

from lms_pipeline.errors import TerminalError
from lms_pipeline.store.engines import EngineDialect, dialect_of
from lms_pipeline.store.migrations import Script, run_script, scripts_in

ODS_MARK = "lms-pipeline ODS fixture"  # the start of the description put on the edfi schema it made

# The description the edfi schema gets, where each engine's ods_description_query reads it.
EDFI_MARK = f"{ODS_MARK}: the Ed-Fi ODS 5.2 schema for demos and tests only"

EDFI_NAMESPACE = "uri://ed-fi.org/"
LMSX_NAMESPACE = "uri://ed-fi.org/edfilms/"
# (the table that registers the kind, namespace, code values): what an ODS's descriptor load gives the seeding
# below (e-mail type, sex, term) and harmonization (the LMSX descriptors as the extension ships them).
DESCRIPTORS = (
    (
        "edfi.electronicmailtypedescriptor",
        EDFI_NAMESPACE + "ElectronicMailTypeDescriptor",
        ("Home/Personal", "Organization", "Other", "Work"),
    ),
    ("edfi.sexdescriptor", EDFI_NAMESPACE + "SexDescriptor", ("Female", "Male", "Not Selected")),
    ("edfi.termdescriptor", EDFI_NAMESPACE + "TermDescriptor", ("Fall Semester", "Spring Semester", "Year Round")),
    ("lmsx.lmssourcesystemdescriptor", LMSX_NAMESPACE + "LMSSourceSystem", ("Canvas", "Google", "Schoology")),
    ("lmsx.assignmentcategorydescriptor", LMSX_NAMESPACE + "AssignmentCategoryDescriptor/Canvas", ("Assignment",)),
    (
        "lmsx.assignmentcategorydescriptor",
        LMSX_NAMESPACE + "AssignmentCategoryDescriptor/Google",
        ("Assignment", "COURSE_WORK_TYPE_UNSPECIFIED", "MULTIPLE_CHOICE_QUESTION", "SHORT_ANSWER_QUESTION"),
    ),
    (
        "lmsx.assignmentcategorydescriptor",
        LMSX_NAMESPACE + "AssignmentCategoryDescriptor/Schoology",
        ("Assignment", "Assessment", "Discussion"),
    ),
    (
        "lmsx.submissionstatusdescriptor",
        LMSX_NAMESPACE + "SubmissionStatusDescriptor/Canvas",
        ("graded", "late", "missing", "on-time", "Upcoming"),
    ),
    (
        "lmsx.submissionstatusdescriptor",
        LMSX_NAMESPACE + "SubmissionStatusDescriptor/Schoology",
        ("draft", "late", "missing", "on-time", "Upcoming"),
    ),
    (
        "lmsx.submissionstatusdescriptor",
        LMSX_NAMESPACE + "SubmissionStatusDescriptor/Google",
        (
            "CREATED",
            "LATE",
            "MISSING",
            "NEW",
            "RECLAIMED_BY_STUDENT",
            "RETURNED",
            "SUBMISSION_STATE_UNSPECIFIED",
            "TURNED_IN",
        ),
    ),
    (
        "lmsx.submissiontypedescriptor",
        LMSX_NAMESPACE + "SubmissionTypeDescriptor/Canvas",
        (
            "basic_lti_launch",
            "discussion_topic",
            "media_recording",
            "online_quiz",
            "online_text_entry",
            "online_upload",
            "online_url",
        ),
    ),
)


class RealOdsError(TerminalError):
    """The database already has an edfi schema this module did not make: it may be a real ODS."""


def apply_edfi_ods(engine: Engine) -> None:
    """Make the ODS in the engine's database, in one transaction; nothing to do when it is there already."""
    dialect = dialect_of(engine)
    with engine.begin() as conn:
        if _ods_made_here(conn, dialect):
            return
        if not dialect.ods_ddl_folders:  # the engine's stand-in, which marks itself and holds its descriptors
            for script in scripts_in(dialect.script_folder / "ods_fixture"):
                run_script(conn, dialect, script)
            return
        for script in ods_ddl(dialect):
            run_script(conn, dialect, script)
        dialect.mark_ods(conn, EDFI_MARK)
        for table, namespace, code_values in DESCRIPTORS:
            add_descriptors(conn, table, namespace, code_values)


def ods_ddl(dialect: EngineDialect) -> list[Script]:
    """The real ODS's scripts for the engine, in the order they apply."""
    return [
        Script(path.stem, path, path.read_text(encoding="utf-8-sig"))
        for folder in dialect.ods_ddl_folders
        for path in sorted((dialect.script_folder / folder).glob("*.sql"))
    ]


def add_descriptors(conn: Connection, table: str, namespace: str, code_values: Iterable[str]) -> Sequence[int]:
    """Descriptors as the ODS stores them: an edfi.Descriptor row each, registered in the table of their kind.
    Returns their DescriptorIds."""
    # The table name comes from this module's constants or a test's code, never from data.
    return (
        conn.execute(
            text(
                f"WITH added AS (INSERT INTO edfi.descriptor (namespace, codevalue, shortdescription) "
                f"SELECT :namespace, code, code FROM unnest(CAST(:codes AS TEXT[])) code RETURNING descriptorid) "
                f"INSERT INTO {table} SELECT descriptorid FROM added RETURNING *"
            ),
            {"namespace": namespace, "codes": list(code_values)},
        )
        .scalars()
        .all()
    )


def _ods_made_here(conn: Connection, dialect: EngineDialect) -> bool:
    description = conn.execute(text(dialect.ods_description_query)).first()
    if description is None:
        return False
    if not (description[0] or "").startswith(ODS_MARK):
        raise RealOdsError(
            "this database already has an edfi schema that lms-pipeline did not make; "
            "its ODS is for demos and tests and is never applied to a real Ed-Fi ODS"
        )
    return True


# --- the SIS's records -------------------------------------------------------------------------------------------

# What a SIS knows, one temporary table per kind of record; seed_sis fills them from mappings with these keys, or a
# caller fills them with SQL (the benchmark: thousands of rows from generate_series) and runs SEED_SIS itself.
# Several calls in one transaction each start afresh. No '%' here or below: the benchmark sends both with
# psycopg2 parameters.
SIS_TABLES = """
DROP TABLE IF EXISTS pg_temp.sis_student, pg_temp.sis_email, pg_temp.sis_section, pg_temp.sis_enrolment;
CREATE TEMP TABLE sis_student (
    student_unique_id VARCHAR(32) NOT NULL,
    first_name VARCHAR(75) NOT NULL,
    last_name VARCHAR(75) NOT NULL,
    birth_date DATE NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE sis_email (
    student_unique_id VARCHAR(32) NOT NULL,
    school_id INT NOT NULL,
    email VARCHAR(128) NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE sis_section (
    section_identifier VARCHAR(255) NOT NULL,
    school_id INT NOT NULL,
    school_year SMALLINT NOT NULL,
    session_name VARCHAR(60) NOT NULL,
    local_course_code VARCHAR(60) NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE sis_enrolment (
    student_unique_id VARCHAR(32) NOT NULL,
    section_identifier VARCHAR(255) NOT NULL,
    school_id INT NOT NULL,
    school_year SMALLINT NOT NULL,
    session_name VARCHAR(60) NOT NULL,
    local_course_code VARCHAR(60) NOT NULL,
    begin_date DATE NOT NULL,
    end_date DATE NULL
) ON COMMIT DROP;
"""

# The ODS rows a SIS's records make, parents first: a school for each school of an e-mail or a section (an
# EducationOrganization and its School row), the school year, session, course and course offering a section belongs
# to, then sections, students, each student's association with the school of an e-mail and the e-mail itself, and
# section enrolments. Parents already there are kept; a student or section already there is an error, as is an
# e-mail or enrolment of an unknown student (its StudentUSI is NULL). The roster names a session only, so it spans
# the school year (Year Round). Ids and times come from the ODS's defaults; only EducationOrganization has a
# Discriminator to set, as the API sets it for a School. Left out, as harmonization never reads them and no NOT NULL
# column needs them: student-school associations, a school's grade levels and categories.
SEED_SIS = """
WITH school AS (SELECT school_id FROM sis_email UNION SELECT school_id FROM sis_section),
education_organization AS (
    INSERT INTO edfi.educationorganization (educationorganizationid, nameofinstitution, discriminator)
    SELECT school_id, 'School ' || school_id, 'edfi.School' FROM school
    ON CONFLICT DO NOTHING
)
INSERT INTO edfi.school (schoolid) SELECT school_id FROM school ON CONFLICT DO NOTHING;

INSERT INTO edfi.schoolyeartype (schoolyear, schoolyeardescription, currentschoolyear)
SELECT DISTINCT school_year, (school_year - 1) || '-' || school_year, false FROM sis_section
ON CONFLICT DO NOTHING;
INSERT INTO edfi.session (schoolid, schoolyear, sessionname, begindate, enddate, termdescriptorid,
                          totalinstructionaldays)
SELECT DISTINCT school_id, school_year, session_name, make_date(school_year - 1, 8, 1), make_date(school_year, 6, 30),
       (SELECT descriptorid FROM edfi.descriptor
        WHERE namespace = 'uri://ed-fi.org/TermDescriptor' AND codevalue = 'Year Round'),
       180
FROM sis_section
ON CONFLICT DO NOTHING;
INSERT INTO edfi.course (coursecode, educationorganizationid, coursetitle, numberofparts)
SELECT DISTINCT local_course_code, school_id, local_course_code, 1 FROM sis_section
ON CONFLICT DO NOTHING;
INSERT INTO edfi.courseoffering (localcoursecode, schoolid, schoolyear, sessionname, coursecode,
                                 educationorganizationid)
SELECT DISTINCT local_course_code, school_id, school_year, session_name, local_course_code, school_id
FROM sis_section
ON CONFLICT DO NOTHING;
INSERT INTO edfi.section (localcoursecode, schoolid, schoolyear, sectionidentifier, sessionname)
SELECT local_course_code, school_id, school_year, section_identifier, session_name FROM sis_section;

INSERT INTO edfi.student (studentuniqueid, firstname, lastsurname, birthdate)
SELECT student_unique_id, first_name, last_name, birth_date FROM sis_student;
INSERT INTO edfi.studenteducationorganizationassociation (educationorganizationid, studentusi, sexdescriptorid)
SELECT DISTINCT e.school_id, (SELECT studentusi FROM edfi.student WHERE studentuniqueid = e.student_unique_id),
       (SELECT descriptorid FROM edfi.descriptor
        WHERE namespace = 'uri://ed-fi.org/SexDescriptor' AND codevalue = 'Not Selected')
FROM sis_email e
ON CONFLICT DO NOTHING;
INSERT INTO edfi.studenteducationorganizationassociationelectronicmail (educationorganizationid,
    electronicmailaddress, electronicmailtypedescriptorid, studentusi)
SELECT e.school_id, e.email,
       (SELECT descriptorid FROM edfi.descriptor
        WHERE namespace = 'uri://ed-fi.org/ElectronicMailTypeDescriptor' AND codevalue = 'Organization'),
       (SELECT studentusi FROM edfi.student WHERE studentuniqueid = e.student_unique_id)
FROM sis_email e;
INSERT INTO edfi.studentsectionassociation (begindate, localcoursecode, schoolid, schoolyear, sectionidentifier,
                                            sessionname, studentusi, enddate)
SELECT e.begin_date, e.local_course_code, e.school_id, e.school_year, e.section_identifier, e.session_name,
       (SELECT studentusi FROM edfi.student WHERE studentuniqueid = e.student_unique_id), e.end_date
FROM sis_enrolment e;
"""

SIS_RECORDS = ("sis_student", "sis_email", "sis_section", "sis_enrolment")


def seed_sis(
    conn: Connection,
    students: Iterable[Mapping] = (),
    emails: Iterable[Mapping] = (),
    sections: Iterable[Mapping] = (),
    enrolments: Iterable[Mapping] = (),
) -> None:
    """Add a SIS's records to the ODS, in the caller's transaction. Each record is a mapping keyed by the columns
    of its SIS_TABLES table (other keys are ignored); dates may be dates or ISO strings."""
    conn.exec_driver_sql(SIS_TABLES)
    for table, records in zip(SIS_RECORDS, (students, emails, sections, enrolments), strict=True):
        rows = [dict(record) for record in records]
        if rows:
            conn.execute(
                text(
                    f"INSERT INTO pg_temp.{table} "
                    f"SELECT * FROM json_populate_recordset(CAST(NULL AS pg_temp.{table}), CAST(:rows AS JSON))"
                ),
                {"rows": json.dumps(rows, default=str)},
            )
    conn.exec_driver_sql(SEED_SIS)
