"""User harmonization (contract 9.2) and its improvements: Google by e-mail within Google only, whitespace and
e-mail case ignored, student roles only, ambiguity reported, stale links re-matched."""

import pytest
from harmonize_data import email, harmonize_each, lms_user, rows, student
from sqlalchemy import text

from lms_pipeline.harmonization.catalog import CANVAS, GOOGLE, SCHOOLOGY
from lms_pipeline.harmonization.procedures import harmonize_lms

SIS_LMS = (CANVAS, SCHOOLOGY)


def linked_student(conn, lms_user_id):
    return conn.execute(
        text("SELECT edfistudentid FROM lms.lmsuser WHERE lmsuseridentifier = :id"), {"id": lms_user_id}
    ).scalar_one()


def test_empty_lms_and_ods_tables_harmonize_to_nothing(shared_ods_engine):
    results = harmonize_each(shared_ods_engine, ["canvas", "google", "schoology"])
    assert set(results) == {"canvas", "google", "schoology"}
    for result in results.values():
        assert result.users_matched == result.users_unmatched == result.users_ambiguous == 0
        assert result.assignments_inserted == result.submissions_inserted == 0


@pytest.mark.parametrize("lms", SIS_LMS, ids=lambda lms: lms.name)
class TestSisIdentifierMatching:
    def test_no_matching_student_leaves_both_unlinked(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            student(conn, "604822")
            users = [lms_user(conn, lms, "u1", sis_id="111"), lms_user(conn, lms, "u2", sis_id="222")]
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert [linked_student(conn, u) for u in users] == [None, None]

    def test_matching_sis_identifier_links_the_student(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            ods = student(conn, "604822")
            user = lms_user(conn, lms, "u1", sis_id="604822")
        result = harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) == ods.id
        assert (result.users_matched, result.users_unmatched) == (1, 0)

    def test_soft_deleted_user_is_not_linked(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            student(conn, "604822")
            user = lms_user(conn, lms, "u1", sis_id="604822", deleted=True)
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) is None

    def test_only_the_matching_user_is_linked(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            ods = student(conn, "604822")
            matching = lms_user(conn, lms, "u1", sis_id="604822")
            other = lms_user(conn, lms, "u2", sis_id="999999")
        result = harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert (linked_student(conn, matching), linked_student(conn, other)) == (ods.id, None)
        assert (result.users_matched, result.users_unmatched) == (1, 1)

    def test_surrounding_spaces_are_ignored_on_both_sides(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            ods = student(conn, " 604822")
            user = lms_user(conn, lms, "u1", sis_id="604822  ")
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) == ods.id

    def test_case_of_a_sis_identifier_still_counts(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            student(conn, "S2")
            user = lms_user(conn, lms, "u1", sis_id="s2")
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) is None

    def test_users_are_not_matched_by_email(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            email(conn, student(conn, "604822"), "ann@example.org")
            user = lms_user(conn, lms, "u1", sis_id="nope", email_address="ann@example.org")
        harmonize_each(shared_ods_engine, ["canvas", "google", "schoology"])
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) is None


class TestGoogleEmailMatching:
    def test_no_matching_address_leaves_users_unlinked(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            email(conn, student(conn, "604822"), "ann@example.org")
            users = [
                lms_user(conn, GOOGLE, "g1", email_address="bob@example.org"),
                lms_user(conn, GOOGLE, "g2", email_address="cid@example.org"),
            ]
        harmonize_lms(shared_ods_engine, GOOGLE)
        with shared_ods_engine.connect() as conn:
            assert [linked_student(conn, u) for u in users] == [None, None]

    def test_matching_address_links_the_student(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            ods = student(conn, "604822")
            email(conn, ods, "ann@example.org")
            user = lms_user(conn, GOOGLE, "g1", sis_id="", email_address="ann@example.org", role="Student")
        harmonize_lms(shared_ods_engine, GOOGLE)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) == ods.id

    def test_soft_deleted_user_is_not_linked(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            email(conn, student(conn, "604822"), "ann@example.org")
            user = lms_user(conn, GOOGLE, "g1", email_address="ann@example.org", deleted=True)
        harmonize_lms(shared_ods_engine, GOOGLE)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) is None

    def test_any_one_of_a_students_addresses_matches(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            ods = student(conn, "604822")
            for address in ("a@example.org", "ann@example.org", "c@example.org"):
                email(conn, ods, address)
            email(conn, ods, "ann@example.org", school_id=2)  # same address, another school
            user = lms_user(conn, GOOGLE, "g1", email_address="ann@example.org")
        result = harmonize_lms(shared_ods_engine, GOOGLE)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) == ods.id
        assert result.users_ambiguous == 0

    def test_only_the_matching_user_is_linked(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            ods = student(conn, "604822")
            email(conn, ods, "ann@example.org")
            matching = lms_user(conn, GOOGLE, "g1", email_address="ann@example.org")
            other = lms_user(conn, GOOGLE, "g2", email_address="zed@example.org")
        harmonize_lms(shared_ods_engine, GOOGLE)
        with shared_ods_engine.connect() as conn:
            assert (linked_student(conn, matching), linked_student(conn, other)) == (ods.id, None)

    def test_case_and_surrounding_spaces_are_ignored(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            ods = student(conn, "604822")
            email(conn, ods, "Ann.Smith@Example.org ")
            user = lms_user(conn, GOOGLE, "g1", email_address="  ann.smith@example.ORG")
        harmonize_lms(shared_ods_engine, GOOGLE)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) == ods.id

    def test_only_google_users_are_matched_by_email(self, shared_ods_engine):
        """The reference's SQL Server matcher mapped any LMS's user by e-mail, before its SIS-id matchers ran."""
        with shared_ods_engine.begin() as conn:
            by_email = student(conn, "604822")
            by_sis = student(conn, "700001")
            email(conn, by_email, "ann@example.org")
            schoology = lms_user(conn, SCHOOLOGY, "s1", sis_id="700001", email_address="ann@example.org")
            canvas = lms_user(conn, CANVAS, "c1", sis_id=None, email_address="ann@example.org")
        harmonize_each(shared_ods_engine, ["canvas", "google", "schoology"])
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, schoology) == by_sis.id
            assert linked_student(conn, canvas) is None


class TestStudentRoles:
    def test_teacher_is_neither_linked_nor_reported_unmatched(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            student(conn, "604822")
            teacher = lms_user(conn, CANVAS, "t1", sis_id="604822", role="teacher")
            lms_user(conn, CANVAS, "t2", sis_id="nobody", role="teacher")
        result = harmonize_lms(shared_ods_engine, CANVAS)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, teacher) is None
            assert rows(conn, "SELECT * FROM lmsx.exceptions_lmsuser") == []
        assert (result.users_matched, result.users_unmatched) == (0, 0)

    def test_both_seeded_spellings_are_students(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            ods_a, ods_b = student(conn, "A1"), student(conn, "B1")
            lower = lms_user(conn, CANVAS, "c1", sis_id="A1", role="student")
            upper = lms_user(conn, SCHOOLOGY, "s1", sis_id="B1", role="Student")
        harmonize_each(shared_ods_engine, ["canvas", "schoology"])
        with shared_ods_engine.connect() as conn:
            assert (linked_student(conn, lower), linked_student(conn, upper)) == (ods_a.id, ods_b.id)

    def test_the_student_role_list_is_configurable(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            ods = student(conn, "604822")
            learner = lms_user(conn, CANVAS, "c1", sis_id="604822", role="Learner")
        harmonize_lms(shared_ods_engine, CANVAS)
        with shared_ods_engine.begin() as conn:
            assert linked_student(conn, learner) is None
            conn.exec_driver_sql("INSERT INTO lms.harmonizer_student_role (userrole) VALUES ('Learner')")
        harmonize_lms(shared_ods_engine, CANVAS)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, learner) == ods.id


class TestAmbiguousMatches:
    def test_shared_email_links_nobody_and_is_reported_with_its_candidates(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            first, second = student(conn, "604822"), student(conn, "604823")
            email(conn, first, "family@example.org")
            email(conn, second, "family@example.org")
            user = lms_user(conn, GOOGLE, "g1", email_address="family@example.org")
        result = harmonize_lms(shared_ods_engine, GOOGLE)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) is None
            candidates = rows(
                conn,
                "SELECT sourcesystemidentifier, matchedon, candidates, studentuniqueid "
                "FROM lmsx.ambiguous_lmsuser_matches ORDER BY studentuniqueid",
            )
            unmatched = rows(conn, "SELECT lmsuseridentifier FROM lmsx.exceptions_lmsuser")
        assert candidates == [
            {"sourcesystemidentifier": "g1", "matchedon": "EmailAddress", "candidates": 2, "studentuniqueid": "604822"},
            {"sourcesystemidentifier": "g1", "matchedon": "EmailAddress", "candidates": 2, "studentuniqueid": "604823"},
        ]
        assert unmatched == [{"lmsuseridentifier": user}]
        assert (result.users_matched, result.users_unmatched, result.users_ambiguous) == (0, 1, 1)

    def test_identifiers_equal_but_for_spaces_are_ambiguous(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            student(conn, "604822")
            student(conn, "604822 ")
            user = lms_user(conn, CANVAS, "c1", sis_id="604822")
        result = harmonize_lms(shared_ods_engine, CANVAS)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) is None
        assert result.users_ambiguous == 1

    def test_ambiguity_resolved_later_links_the_user(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            first, second = student(conn, "604822"), student(conn, "604823")
            email(conn, first, "family@example.org")
            email(conn, second, "family@example.org")
            user = lms_user(conn, GOOGLE, "g1", email_address="family@example.org")
        harmonize_lms(shared_ods_engine, GOOGLE)
        with shared_ods_engine.begin() as conn:
            conn.execute(
                text("DELETE FROM edfi.studenteducationorganizationassociationelectronicmail WHERE studentusi = :usi"),
                {"usi": second.usi},
            )
        result = harmonize_lms(shared_ods_engine, GOOGLE)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) == first.id
            assert rows(conn, "SELECT * FROM lmsx.ambiguous_lmsuser_matches") == []
        assert result.users_ambiguous == 0


class TestExistingLinks:
    def test_link_to_a_deleted_student_is_cleared_and_matched_again(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            old = student(conn, "604822")
            user = lms_user(conn, CANVAS, "c1", sis_id="604822", edfi_student_id=old.id)
            conn.execute(text("DELETE FROM edfi.student WHERE studentusi = :usi"), {"usi": old.usi})
            new = student(conn, "604822")  # re-created in the SIS: a new Id
        harmonize_lms(shared_ods_engine, CANVAS)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) == new.id

    def test_link_to_a_deleted_student_with_no_new_match_is_cleared_and_reported(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            old = student(conn, "604822")
            user = lms_user(conn, CANVAS, "c1", sis_id="604822", edfi_student_id=old.id)
            conn.execute(text("DELETE FROM edfi.student WHERE studentusi = :usi"), {"usi": old.usi})
            # Reported as soon as its student is gone, before harmonization runs.
            assert rows(conn, "SELECT lmsuseridentifier FROM lmsx.exceptions_lmsuser") == [{"lmsuseridentifier": user}]
        result = harmonize_lms(shared_ods_engine, CANVAS)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) is None
        assert result.users_unmatched == 1

    def test_a_valid_link_set_by_hand_is_kept(self, shared_ods_engine):
        with shared_ods_engine.begin() as conn:
            chosen = student(conn, "CHOSEN")
            student(conn, "604822")
            user = lms_user(conn, CANVAS, "c1", sis_id="604822", edfi_student_id=chosen.id)
        harmonize_lms(shared_ods_engine, CANVAS)
        with shared_ods_engine.connect() as conn:
            assert linked_student(conn, user) == chosen.id


def test_reference_call_syntax_links_users(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        ods = student(conn, "604822")
        user = lms_user(conn, SCHOOLOGY, "s1", sis_id="604822")
    with shared_ods_engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for procedure in (
            "harmonize_lmsuser_canvas",
            "harmonize_lmsuser_google_classroom",
            "harmonize_lmsuser_schoology",
        ):
            conn.exec_driver_sql(f"call lms.{procedure}()")
        assert linked_student(conn, user) == ods.id
