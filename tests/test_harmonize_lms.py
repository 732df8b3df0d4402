"""Harmonizing one LMS per transaction, and the harmonizer's migration scripts."""

import re

import pytest
from harmonize_data import classroom, email, lms_submission, lms_user, rows, student
from sqlalchemy import text

from lms_pipeline.harmonization.catalog import CANVAS, GOOGLE, SCHOOLOGY
from lms_pipeline.harmonization.procedures import LmsHarmonization, harmonize_lms
from lms_pipeline.store.migrations import MigrationError, apply_migrations, builtin_scripts, scripts_in

HARMONIZER_FOLDER = builtin_scripts("postgresql", harmonizer=False)[0].path.parent / "harmonizer"


def test_one_lms_failing_is_rolled_back_and_does_not_stop_the_others(prefect_api, ods_db, ods_engine):
    """Through the harmonization flow's own loop: one subflow per LMS, the failures raised together at the end."""
    from prefect import flow

    from lms_pipeline.flows.harmonization import HarmonizationFailed, harmonize_every_lms
    from lms_pipeline.run_state import RunState

    with ods_engine.begin() as conn:
        ods = student(conn, "604822")
        for lms in (CANVAS, GOOGLE, SCHOOLOGY):
            lms_user(conn, lms, "u1", sis_id="604822", email_address="ann@example.org")
        email(conn, ods, "ann@example.org")
        # Google's section step fails after its user step has linked the user.
        conn.execute(
            text(
                "CREATE OR REPLACE PROCEDURE lms.harmonize_lmssection_google_classroom() LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'section matching failed'; END $$"
            )
        )

    @flow
    def harmonization():
        return harmonize_every_lms(RunState(ods_engine), ["canvas", "google", "schoology"], None)

    with pytest.raises(HarmonizationFailed, match="section matching failed") as failed:
        harmonization()
    assert str(failed.value).startswith("google: ") and "canvas" not in str(failed.value)
    assert "schoology" not in str(failed.value)
    with ods_engine.connect() as conn:
        recorded = rows(conn, "SELECT lmsname, usersmatched FROM lms.harmonizationrun ORDER BY lmsname")
        linked = rows(conn, "SELECT sourcesystem, edfistudentid FROM lms.lmsuser ORDER BY sourcesystem")
    assert recorded == [{"lmsname": "canvas", "usersmatched": 1}, {"lmsname": "schoology", "usersmatched": 1}]
    assert linked == [
        {"sourcesystem": "Canvas", "edfistudentid": ods.id},
        {"sourcesystem": "Google", "edfistudentid": None},
        {"sourcesystem": "Schoology", "edfistudentid": ods.id},
    ]


def test_counts_of_a_run_and_of_a_rerun(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
        lms_submission(conn, CANVAS, "sub1", room.lms_assignment_id, room.lms_user_id)
        lms_user(conn, CANVAS, "unmatched", sis_id="NO-MATCH")
    first = harmonize_lms(shared_ods_engine, "canvas")
    again = harmonize_lms(shared_ods_engine, "canvas")
    assert first == LmsHarmonization(
        users_matched=1,
        users_unmatched=1,
        users_ambiguous=0,
        sections_matched=1,
        sections_unmatched=0,
        sections_ambiguous=0,
        assignments_inserted=1,
        assignments_updated=0,
        assignments_deleted=0,
        assignments_unmatched=0,
        submissions_inserted=1,
        submissions_updated=0,
        submissions_deleted=0,
        submissions_unmatched=0,
    )
    assert (again.assignments_inserted, again.submissions_inserted, again.submissions_updated) == (0, 0, 0)


def test_a_districts_replacement_procedure_is_called_and_its_counts_are_unknown(ods_engine, tmp_path):
    """A site script with the reference's signature replaces the procedure rather than adding an overload."""
    (tmp_path / "5000_custom_harmonize_assignment.sql").write_text(
        "CREATE OR REPLACE PROCEDURE lms.harmonize_assignment(_sourcesystem VARCHAR(255), _namespace VARCHAR(255))\n"
        "LANGUAGE plpgsql AS $$ BEGIN UPDATE lms.lmsuser SET localuseridentifier = _namespace; END $$;\n"
    )
    apply_migrations(ods_engine, builtin_scripts("postgresql", harmonizer=True) + scripts_in(tmp_path, "custom/"))
    with ods_engine.begin() as conn:
        classroom(conn, CANVAS)
    result = harmonize_lms(ods_engine, CANVAS)
    assert (result.assignments_inserted, result.assignments_updated, result.assignments_deleted) == (None, None, None)
    with ods_engine.connect() as conn:
        assert rows(conn, "SELECT localuseridentifier FROM lms.lmsuser") == [
            {"localuseridentifier": "uri://instructure.com/canvas"}
        ]
        assert rows(conn, "SELECT * FROM lmsx.assignment") == []


def test_the_procedures_plan_without_nested_loops(ods_engine, tmp_path):
    """The links the previous run wrote have stale statistics; a nested loop chosen on them scans edfi.Student once
    per user, which the real ODS core tables (no index on Id) make quadratic."""
    (tmp_path / "5000_custom_harmonize_lmsuser_canvas.sql").write_text(
        "CREATE OR REPLACE PROCEDURE lms.harmonize_lmsuser_canvas() LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE lms.lmsuser SET localuseridentifier = current_setting('enable_nestloop'); END $$;\n"
    )
    apply_migrations(ods_engine, builtin_scripts("postgresql", harmonizer=True) + scripts_in(tmp_path, "custom/"))
    with ods_engine.begin() as conn:
        lms_user(conn, CANVAS, "u1")
    harmonize_lms(ods_engine, CANVAS)
    with ods_engine.connect() as conn:
        assert rows(conn, "SELECT localuseridentifier FROM lms.lmsuser") == [{"localuseridentifier": "off"}]


def test_unknown_lms_name_is_a_clear_error(shared_ods_engine):
    with pytest.raises(ValueError, match="unknown LMS 'moodle'"):
        harmonize_lms(shared_ods_engine, "moodle")


class TestScripts:
    def test_harmonizer_scripts_are_numbered_after_the_data_stores(self):
        names = [script.path.name for script in scripts_in(HARMONIZER_FOLDER)]
        assert names and all(re.fullmatch(r"1\d{3}_[A-Za-z0-9_\-]+\.sql", name) for name in names)
        assert max(s.name for s in builtin_scripts("postgresql", harmonizer=False)) < min(names)

    def test_every_harmonizer_script_can_be_applied_again(self, ods_engine):
        with ods_engine.begin() as conn:
            cursor = conn.connection.dbapi_connection.cursor()
            for script in scripts_in(HARMONIZER_FOLDER):
                cursor.execute(script.sql)
            cursor.close()
        with ods_engine.begin() as conn:
            classroom(conn, CANVAS)
        assert harmonize_lms(ods_engine, CANVAS).assignments_inserted == 1

    def test_no_script_creates_an_extension(self):
        assert not any("create extension" in script.sql.lower() for script in scripts_in(HARMONIZER_FOLDER))

    def test_harmonizer_scripts_need_an_ods(self, engine):
        with pytest.raises(MigrationError, match="needs an Ed-Fi ODS.*edfi.student"):
            apply_migrations(engine, builtin_scripts("postgresql", harmonizer=True))
