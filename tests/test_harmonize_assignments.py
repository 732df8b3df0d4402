"""Assignment harmonization (contract 9.4) and its improvements: key by identifier and namespace, change
detection by value, deletes from soft-deleted or vanished assignments and sections, duplicate descriptors."""

from datetime import datetime

import pytest
from harmonize_data import (
    ALL_LMS,
    classroom,
    descriptor,
    descriptor_id,
    harmonize_each,
    lms_assignment,
    lms_section,
    lms_submission,
    rows,
    section,
    set_column,
)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lms_pipeline.harmonization.catalog import CANVAS, GOOGLE, SCHOOLOGY
from lms_pipeline.harmonization.procedures import harmonize_lms

LMSX_ASSIGNMENTS = "SELECT * FROM lmsx.assignment ORDER BY namespace, assignmentidentifier"


def lmsx_assignments(engine) -> list[dict]:
    with engine.connect() as conn:
        return rows(conn, LMSX_ASSIGNMENTS)


def test_empty_tables_run_with_the_reference_call_syntax(shared_ods_engine):
    with shared_ods_engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for lms in ALL_LMS:
            conn.execute(
                text("call lms.harmonize_assignment(_namespace => :namespace, _sourcesystem => :sourcesystem)"),
                {"namespace": lms.namespace, "sourcesystem": lms.source_system},
            )
        assert rows(conn, LMSX_ASSIGNMENTS) == []


@pytest.mark.parametrize("lms", ALL_LMS, ids=lambda lms: lms.name)
class TestPerLms:
    def test_assignment_of_an_unmatched_section_is_not_copied(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            section(conn, "SEC-1")
            lms_assignment(conn, lms, "asg1", lms_section(conn, lms, "sec1", sis_id="NO-MATCH"))
        result = harmonize_lms(shared_ods_engine, lms)
        assert lmsx_assignments(shared_ods_engine) == []
        assert (result.assignments_inserted, result.assignments_unmatched) == (0, 1)

    def test_insert_copies_the_reference_values(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
            set_column(conn, "lms.assignment", "maxpoints", 10, "assignmentidentifier", room.lms_assignment_id)
            source_system_id = descriptor_id(conn, "uri://ed-fi.org/edfilms/LMSSourceSystem", lms.source_system)
            category_id = descriptor_id(
                conn, f"uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/{lms.source_system}", "Assignment"
            )
        result = harmonize_lms(shared_ods_engine, lms)
        [row] = lmsx_assignments(shared_ods_engine)
        assert {
            key: row[key]
            for key in (
                "assignmentidentifier",
                "namespace",
                "lmssourcesystemdescriptorid",
                "assignmentcategorydescriptorid",
                "title",
                "maxpoints",
                "sectionidentifier",
                "localcoursecode",
                "sessionname",
                "schoolyear",
                "schoolid",
            )
        } == {
            "assignmentidentifier": "asg1",
            "namespace": lms.namespace,
            "lmssourcesystemdescriptorid": source_system_id,
            "assignmentcategorydescriptorid": category_id,
            "title": "An assignment",
            "maxpoints": 10,
            "sectionidentifier": room.section.identifier,
            "localcoursecode": "Local course code test",
            "sessionname": "session name test",
            "schoolyear": 2021,
            "schoolid": 149,
        }
        assert (result.assignments_inserted, result.assignments_updated, result.assignments_unmatched) == (1, 0, 0)

    def test_changed_title_is_updated_whatever_the_lms_last_modified_date(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.begin() as conn:
            set_column(conn, "lms.assignment", "title", "New title", "assignmentidentifier", room.lms_assignment_id)
            # An extract clock far behind the database's: the reference would never have applied this change.
            set_column(
                conn,
                "lms.assignment",
                "lastmodifieddate",
                datetime(2000, 1, 1),
                "assignmentidentifier",
                room.lms_assignment_id,
            )
        result = harmonize_lms(shared_ods_engine, lms)
        assert [row["title"] for row in lmsx_assignments(shared_ods_engine)] == ["New title"]
        assert (result.assignments_inserted, result.assignments_updated) == (0, 1)

    def test_unchanged_assignment_is_not_rewritten(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
        harmonize_lms(shared_ods_engine, lms)
        before = lmsx_assignments(shared_ods_engine)
        with shared_ods_engine.begin() as conn:  # a reload touches the row without changing it
            set_column(
                conn,
                "lms.assignment",
                "lastmodifieddate",
                datetime(2100, 1, 1),
                "assignmentidentifier",
                room.lms_assignment_id,
            )
        result = harmonize_lms(shared_ods_engine, lms)
        assert lmsx_assignments(shared_ods_engine) == before
        assert result.assignments_updated == 0

    def test_soft_deleted_assignment_is_deleted_with_its_submissions(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            room = classroom(conn, lms)
            lms_submission(conn, lms, "sub1", room.lms_assignment_id, room.lms_user_id)
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.begin() as conn:
            assert rows(conn, "SELECT count(*) AS n FROM lmsx.assignmentsubmission") == [{"n": 1}]
            set_column(
                conn,
                "lms.assignment",
                "deletedat",
                datetime(2021, 9, 2),
                "assignmentidentifier",
                room.lms_assignment_id,
            )
        result = harmonize_lms(shared_ods_engine, lms)
        assert lmsx_assignments(shared_ods_engine) == []
        with shared_ods_engine.connect() as conn:
            assert rows(conn, "SELECT * FROM lmsx.assignmentsubmission") == []
        assert (result.assignments_deleted, result.submissions_deleted) == (1, 1)


def test_assignment_of_unknown_source_system_is_never_copied(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
        set_column(conn, "lms.assignment", "sourcesystem", "Unknown", "assignmentidentifier", room.lms_assignment_id)
    harmonize_each(shared_ods_engine, ["canvas", "google", "schoology"])
    assert lmsx_assignments(shared_ods_engine) == []


def test_soft_deleted_section_deletes_its_assignments(shared_ods_engine):
    """The reference kept them in lmsx for ever."""
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
    harmonize_lms(shared_ods_engine, CANVAS)
    with shared_ods_engine.begin() as conn:
        set_column(
            conn, "lms.lmssection", "deletedat", datetime(2021, 9, 2), "lmssectionidentifier", room.lms_section_id
        )
    result = harmonize_lms(shared_ods_engine, CANVAS)
    assert lmsx_assignments(shared_ods_engine) == []
    assert result.assignments_deleted == 1


def test_assignment_gone_from_the_lms_tables_is_deleted(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, SCHOOLOGY)
    harmonize_lms(shared_ods_engine, SCHOOLOGY)
    with shared_ods_engine.begin() as conn:
        conn.execute(
            text("DELETE FROM lms.assignment WHERE assignmentidentifier = :id"), {"id": room.lms_assignment_id}
        )
    harmonize_lms(shared_ods_engine, SCHOOLOGY)
    assert lmsx_assignments(shared_ods_engine) == []


def test_live_assignment_that_stops_qualifying_keeps_its_row(shared_ods_engine):
    """Unlinking a section (or removing a descriptor) is not a deletion in the LMS: the row stays, as before."""
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
    harmonize_lms(shared_ods_engine, CANVAS)
    with shared_ods_engine.begin() as conn:
        set_column(
            conn, "lms.lmssection", "sissectionidentifier", "NO-MATCH", "lmssectionidentifier", room.lms_section_id
        )
        set_column(conn, "lms.lmssection", "edfisectionid", None, "lmssectionidentifier", room.lms_section_id)
    harmonize_lms(shared_ods_engine, CANVAS)
    assert [row["assignmentidentifier"] for row in lmsx_assignments(shared_ods_engine)] == ["asg1"]


def test_same_identifier_in_two_lms_never_collides(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        canvas, schoology = classroom(conn, CANVAS), classroom(conn, SCHOOLOGY)
        set_column(conn, "lms.assignment", "title", "Schoology's", "assignmentidentifier", schoology.lms_assignment_id)
    harmonize_each(shared_ods_engine, ["canvas", "schoology"])
    assert [(row["namespace"], row["title"]) for row in lmsx_assignments(shared_ods_engine)] == [
        ("uri://instructure.com/canvas", "An assignment"),
        ("uri://schoology.com", "Schoology's"),
    ]
    with shared_ods_engine.begin() as conn:
        set_column(
            conn, "lms.assignment", "deletedat", datetime(2021, 9, 2), "assignmentidentifier", canvas.lms_assignment_id
        )
    harmonize_each(shared_ods_engine, ["canvas", "schoology"])
    assert [row["namespace"] for row in lmsx_assignments(shared_ods_engine)] == ["uri://schoology.com"]
    with shared_ods_engine.connect() as conn:
        assert rows(conn, "SELECT * FROM lmsx.assignments_exceptions") == []


def test_remapped_section_updates_the_section_reference(shared_ods_engine):
    """The reference never updated the section key columns."""
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
    harmonize_lms(shared_ods_engine, CANVAS)
    with shared_ods_engine.begin() as conn:
        moved = section(conn, "SEC-NEW", school_id=150, school_year=2022)
        set_column(conn, "lms.lmssection", "edfisectionid", moved.id, "lmssectionidentifier", room.lms_section_id)
    harmonize_lms(shared_ods_engine, CANVAS)
    [row] = lmsx_assignments(shared_ods_engine)
    assert (row["sectionidentifier"], row["schoolid"], row["schoolyear"]) == ("SEC-NEW", 150, 2022)


def test_duplicate_source_system_descriptor_uses_the_lowest_id_and_is_reported(shared_ods_engine):
    """The reference failed with a primary-key violation and skipped the remaining LMSs."""
    with shared_ods_engine.begin() as conn:
        classroom(conn, CANVAS)
        classroom(conn, GOOGLE)
        lowest = descriptor_id(conn, "uri://ed-fi.org/edfilms/LMSSourceSystem", "Canvas")
        extra = descriptor(
            conn, "uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Canvas", "Canvas", "lmssourcesystemdescriptor"
        )
    harmonize_each(shared_ods_engine, ["canvas", "google", "schoology"])  # raises if an LMS fails
    assert [
        (row["namespace"], row["lmssourcesystemdescriptorid"] == lowest) for row in lmsx_assignments(shared_ods_engine)
    ] == [
        ("uri://google.com/classroom", False),
        ("uri://instructure.com/canvas", True),
    ]
    with shared_ods_engine.connect() as conn:
        reported = rows(
            conn,
            "SELECT kind, codevalue, descriptorid, chosendescriptorid "
            "FROM lmsx.duplicate_descriptors ORDER BY descriptorid",
        )
    assert reported == [
        {"kind": "LMSSourceSystem", "codevalue": "Canvas", "descriptorid": lowest, "chosendescriptorid": lowest},
        {"kind": "LMSSourceSystem", "codevalue": "Canvas", "descriptorid": extra, "chosendescriptorid": lowest},
    ]


def test_unregistered_category_descriptor_is_not_used_and_is_reported_missing(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        room = classroom(conn, CANVAS)
        set_column(conn, "lms.assignment", "assignmentcategory", "Quiz", "assignmentidentifier", room.lms_assignment_id)
        descriptor(conn, "uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Canvas", "Quiz", None)
    result = harmonize_lms(shared_ods_engine, CANVAS)
    assert lmsx_assignments(shared_ods_engine) == []
    with shared_ods_engine.connect() as conn:
        missing = rows(conn, "SELECT sourcesystemidentifier FROM lmsx.missing_assignment_category_descriptors")
    assert missing == [{"sourcesystemidentifier": "asg1"}]
    assert result.assignments_unmatched == 1


def test_mismatched_source_system_and_namespace_stop_before_touching_another_lms(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        classroom(conn, CANVAS)
    harmonize_lms(shared_ods_engine, CANVAS)
    refusal = "holds Canvas assignments, so it cannot be harmonized as Google"
    with pytest.raises(DBAPIError, match=refusal), shared_ods_engine.begin() as conn:
        conn.execute(
            text("CALL lms.harmonize_assignment(:sourcesystem, :namespace)"),
            {"sourcesystem": "Google", "namespace": CANVAS.namespace},
        )
    assert [row["namespace"] for row in lmsx_assignments(shared_ods_engine)] == [CANVAS.namespace]
