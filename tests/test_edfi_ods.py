"""The ODS of the demo and the tests (lms_pipeline.demo.ods): the real Ed-Fi ODS 5.2 schema with the LMSX
extension's foreign keys and change tracking, seeded as a SIS seeds it; and harmonization, run against it, firing
its triggers and meeting its foreign keys."""

from datetime import date

import pytest
from harmonize_data import classroom, lms_submission, rows, set_column
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from lms_pipeline.demo.ods import DESCRIPTORS, RealOdsError, apply_edfi_ods, seed_sis
from lms_pipeline.harmonization.catalog import CANVAS
from lms_pipeline.harmonization.procedures import harmonize_lms
from lms_pipeline.store.connections import make_engine

SECTION = {
    "section_identifier": "SEC-1",
    "school_id": 255901001,
    "school_year": 2022,
    "session_name": "2021-2022 Fall Semester",
    "local_course_code": "ALG-1",
}


def count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


class TestTheSchema:
    def test_it_is_the_real_ods_with_the_lmsx_change_tracking(self, shared_ods_engine):
        tables = count(
            shared_ods_engine,
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema IN ('edfi', 'lmsx') AND table_type = 'BASE TABLE'",
        )
        triggers = count(
            shared_ods_engine,
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = 'lmsx'::regnamespace AND NOT t.tgisinternal",
        )
        foreign_keys = count(
            shared_ods_engine,
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'lmsx'::regnamespace",
        )
        assert (tables, triggers, foreign_keys) == (544, 8, 12)

    def test_applying_it_again_changes_nothing(self, shared_ods_engine):
        before = count(shared_ods_engine, "SELECT count(*) FROM edfi.descriptor")
        apply_edfi_ods(shared_ods_engine)
        shipped = sum(len(code_values) for _, _, code_values in DESCRIPTORS)
        assert count(shared_ods_engine, "SELECT count(*) FROM edfi.descriptor") == before == shipped == 46

    def test_schoology_placeholder_statuses_are_registered(self, shared_ods_engine):
        with shared_ods_engine.connect() as conn:
            registered = rows(
                conn,
                (
                    "SELECT d.codevalue FROM edfi.descriptor d "
                    "JOIN lmsx.submissionstatusdescriptor s ON s.submissionstatusdescriptorid = d.descriptorid "
                    "WHERE d.namespace = 'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Schoology' "
                    "AND d.codevalue IN ('missing', 'Upcoming') ORDER BY d.codevalue"
                ),
            )
        assert registered == [{"codevalue": "Upcoming"}, {"codevalue": "missing"}]

    def test_it_refuses_a_database_with_another_edfi_schema(self, db):
        engine = make_engine(db)
        with engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA edfi"))
        with pytest.raises(RealOdsError, match="never applied to a real Ed-Fi ODS"):
            apply_edfi_ods(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT to_regclass('edfi.student')")).scalar() is None
        engine.dispose()


class TestSeeding:
    def test_a_section_comes_with_its_school_session_and_course_offering(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            seed_sis(conn, sections=[SECTION, {**SECTION, "section_identifier": "SEC-2"}])
            made = rows(
                conn,
                (
                    "SELECT eo.nameofinstitution, eo.discriminator, se.begindate, se.enddate, term.codevalue AS term, "
                    "c.coursetitle, co.coursecode, count(s.id) AS sections "
                    "FROM edfi.section s "
                    "JOIN edfi.courseoffering co USING (localcoursecode, schoolid, schoolyear, sessionname) "
                    "JOIN edfi.course c ON c.coursecode = co.coursecode "
                    " AND c.educationorganizationid = co.educationorganizationid "
                    "JOIN edfi.session se USING (schoolid, schoolyear, sessionname) "
                    "JOIN edfi.descriptor term ON term.descriptorid = se.termdescriptorid "
                    "JOIN edfi.schoolyeartype USING (schoolyear) "
                    "JOIN edfi.school sc USING (schoolid) "
                    "JOIN edfi.educationorganization eo ON eo.educationorganizationid = sc.schoolid "
                    "GROUP BY 1, 2, 3, 4, 5, 6, 7"
                ),
            )
        assert made == [
            {
                "nameofinstitution": "School 255901001",
                "discriminator": "edfi.School",
                "begindate": date(2021, 8, 1),
                "enddate": date(2022, 6, 30),
                "term": "Year Round",
                "coursetitle": "ALG-1",
                "coursecode": "ALG-1",
                "sections": 2,
            }
        ]

    def test_a_student_comes_with_an_education_organization_association_for_each_emails_school(self, shared_ods_engine):
        student = {
            "student_unique_id": "604822",
            "first_name": "Ann",
            "last_name": "Smith",
            "birth_date": date(2008, 5, 1),
        }
        with shared_ods_engine.begin() as conn:
            seed_sis(
                conn,
                students=[student],
                sections=[SECTION],
                emails=[
                    {"student_unique_id": "604822", "school_id": 255901001, "email": "ann@x.org"},
                    {"student_unique_id": "604822", "school_id": 255901001, "email": "ann2@x.org"},
                ],
                enrolments=[{**SECTION, "student_unique_id": "604822", "begin_date": "2021-08-23"}],
            )
            made = rows(
                conn,
                (
                    "SELECT st.firstname, sex.codevalue AS sex, mailtype.codevalue AS mailtype, "
                    "count(DISTINCT e.electronicmailaddress) AS emails, count(DISTINCT ssa.id) AS enrolments "
                    "FROM edfi.student st "
                    "JOIN edfi.studenteducationorganizationassociation seoa USING (studentusi) "
                    "JOIN edfi.descriptor sex ON sex.descriptorid = seoa.sexdescriptorid "
                    "JOIN edfi.studenteducationorganizationassociationelectronicmail e "
                    " USING (educationorganizationid, studentusi) "
                    "JOIN edfi.descriptor mailtype ON mailtype.descriptorid = e.electronicmailtypedescriptorid "
                    "JOIN edfi.studentsectionassociation ssa USING (studentusi) "
                    "GROUP BY 1, 2, 3"
                ),
            )
        assert made == [
            {"firstname": "Ann", "sex": "Not Selected", "mailtype": "Organization", "emails": 2, "enrolments": 1}
        ]

    def test_an_email_of_a_student_the_sis_does_not_have_is_an_error(self, shared_ods_engine):
        with pytest.raises(IntegrityError, match="studentusi"), shared_ods_engine.begin() as conn:
            seed_sis(conn, emails=[{"student_unique_id": "NOBODY", "school_id": 1, "email": "x@x.org"}])


class TestHarmonizationMeetsTheRealSchema:
    def test_a_changed_assignment_takes_a_new_change_version_and_an_unchanged_one_keeps_it(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, CANVAS)

        def change_version():
            return count(shared_ods_engine, "SELECT changeversion FROM lmsx.assignment")

        harmonize_lms(shared_ods_engine, "canvas")
        first = change_version()
        harmonize_lms(shared_ods_engine, "canvas")
        unchanged = change_version()
        with shared_ods_engine.begin() as conn:
            set_column(conn, "lms.assignment", "title", "Renamed", "assignmentidentifier", room.lms_assignment_id)
        harmonize_lms(shared_ods_engine, "canvas")
        assert unchanged == first < change_version()

    def test_removed_assignments_and_submissions_are_tracked_as_deletes(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, CANVAS)
            lms_submission(conn, CANVAS, "sub1", room.lms_assignment_id, room.lms_user_id)
        harmonize_lms(shared_ods_engine, "canvas")
        with shared_ods_engine.connect() as conn:
            written = rows(
                conn,
                "SELECT a.id AS assignment, s.id AS submission FROM lmsx.assignment a "
                "JOIN lmsx.assignmentsubmission s USING (assignmentidentifier, namespace)",
            )
        with shared_ods_engine.begin() as conn:
            set_column(
                conn, "lms.assignment", "deletedat", date(2021, 9, 2), "assignmentidentifier", room.lms_assignment_id
            )
        result = harmonize_lms(shared_ods_engine, "canvas")
        with shared_ods_engine.connect() as conn:
            tracked = rows(
                conn,
                "SELECT a.id AS assignment, s.id AS submission "
                "FROM tracked_deletes_lmsx.assignment a, tracked_deletes_lmsx.assignmentsubmission s",
            )
        assert (result.assignments_deleted, result.submissions_deleted) == (1, 1)
        assert tracked == written and len(tracked) == 1

    def test_an_assignment_of_a_section_the_ods_does_not_have_is_refused(self, shared_ods_engine):
        with pytest.raises(IntegrityError, match="fk_153cda_section"), shared_ods_engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO lmsx.assignment (assignmentidentifier, namespace, lmssourcesystemdescriptorid, "
                    "title, assignmentcategorydescriptorid, sectionidentifier, localcoursecode, sessionname, "
                    "schoolyear, schoolid) "
                    "SELECT 'A1', 'uri://instructure.com/canvas', source.descriptorid, 'Title', "
                    "category.descriptorid, 'NO-SUCH-SECTION', 'C', 'Fall', 2022, 1 "
                    "FROM lms.lmsx_descriptor source, lms.lmsx_descriptor category "
                    "WHERE source.kind = 'LMSSourceSystem' AND source.codevalue = 'Canvas' "
                    "AND category.kind = 'AssignmentCategory' AND category.codevalue = 'Assignment' LIMIT 1"
                )
            )
