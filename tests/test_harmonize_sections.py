"""Section harmonization (contract 9.3) and its improvements: whitespace ignored, ambiguity reported, stale links
re-matched."""

import pytest
from harmonize_data import ALL_LMS, lms_section, rows, section
from sqlalchemy import text

from lms_pipeline.harmonization.catalog import CANVAS
from lms_pipeline.harmonization.procedures import harmonize_lms


def linked_section(conn, lms_section_id):
    return conn.execute(
        text("SELECT edfisectionid FROM lms.lmssection WHERE lmssectionidentifier = :id"), {"id": lms_section_id}
    ).scalar_one()


@pytest.mark.parametrize("lms", ALL_LMS, ids=lambda lms: lms.name)
class TestSectionMatching:
    def test_empty_tables_harmonize_to_nothing(self, shared_ods_engine, lms):
        result = harmonize_lms(shared_ods_engine, lms)
        assert (result.sections_matched, result.sections_unmatched, result.sections_ambiguous) == (0, 0, 0)

    def test_no_matching_section_leaves_both_unlinked(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            section(conn, "SEC-1")
            ids = [lms_section(conn, lms, "s1", sis_id="OTHER-1"), lms_section(conn, lms, "s2", sis_id="OTHER-2")]
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert [linked_section(conn, i) for i in ids] == [None, None]

    def test_matching_section_identifier_links_the_section(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            ods = section(conn, "SEC-1")
            lms_id = lms_section(conn, lms, "s1", sis_id="SEC-1")
        result = harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert linked_section(conn, lms_id) == ods.id
        assert (result.sections_matched, result.sections_unmatched) == (1, 0)

    def test_soft_deleted_section_is_not_linked(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            section(conn, "SEC-1")
            lms_id = lms_section(conn, lms, "s1", sis_id="SEC-1", deleted=True)
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert linked_section(conn, lms_id) is None

    def test_only_the_matching_section_is_linked(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            ods = section(conn, "SEC-1")
            matching = lms_section(conn, lms, "s1", sis_id="SEC-1")
            other = lms_section(conn, lms, "s2", sis_id="SEC-9")
        result = harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert (linked_section(conn, matching), linked_section(conn, other)) == (ods.id, None)
        assert (result.sections_matched, result.sections_unmatched) == (1, 1)

    def test_surrounding_spaces_are_ignored_on_both_sides(self, shared_ods_engine, lms):
        with shared_ods_engine.begin() as conn:
            ods = section(conn, "SEC-1 ")
            lms_id = lms_section(conn, lms, "s1", sis_id=" SEC-1")
        harmonize_lms(shared_ods_engine, lms)
        with shared_ods_engine.connect() as conn:
            assert linked_section(conn, lms_id) == ods.id


def test_identifier_repeated_across_schools_links_nothing_and_is_reported_with_candidates(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        section(conn, "SEC-1", school_id=149)
        section(conn, "SEC-1", school_id=150, school_year=2022)
        lms_id = lms_section(conn, CANVAS, "s1", sis_id="SEC-1")
    result = harmonize_lms(shared_ods_engine, CANVAS)
    with shared_ods_engine.connect() as conn:
        assert linked_section(conn, lms_id) is None
        candidates = rows(
            conn,
            "SELECT sourcesystemidentifier, candidates, schoolid, schoolyear, sectionidentifier "
            "FROM lmsx.ambiguous_lmssection_matches ORDER BY schoolid",
        )
        unmatched = rows(conn, "SELECT lmssectionidentifier FROM lmsx.exceptions_lmssection")
    assert candidates == [
        {
            "sourcesystemidentifier": "s1",
            "candidates": 2,
            "schoolid": school,
            "schoolyear": year,
            "sectionidentifier": "SEC-1",
        }
        for school, year in ((149, 2021), (150, 2022))
    ]
    assert unmatched == [{"lmssectionidentifier": lms_id}]
    assert (result.sections_matched, result.sections_unmatched, result.sections_ambiguous) == (0, 1, 1)


def test_link_to_a_deleted_section_is_cleared_and_matched_again(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        old = section(conn, "SEC-1", school_year=2021)
        lms_id = lms_section(conn, CANVAS, "s1", sis_id="SEC-1", edfi_section_id=old.id)
        conn.execute(text("DELETE FROM edfi.section WHERE id = :id"), {"id": old.id})
        new = section(conn, "SEC-1", school_year=2022)
    harmonize_lms(shared_ods_engine, CANVAS)
    with shared_ods_engine.connect() as conn:
        assert linked_section(conn, lms_id) == new.id


def test_a_valid_link_set_by_hand_is_kept(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        chosen = section(conn, "CHOSEN")
        section(conn, "SEC-1")
        lms_id = lms_section(conn, CANVAS, "s1", sis_id="SEC-1", edfi_section_id=chosen.id)
    harmonize_lms(shared_ods_engine, CANVAS)
    with shared_ods_engine.connect() as conn:
        assert linked_section(conn, lms_id) == chosen.id


def test_reference_call_syntax_links_sections(shared_ods_engine):
    with shared_ods_engine.begin() as conn:
        ods = section(conn, "SEC-1")
        lms_id = lms_section(conn, "Google", "s1", sis_id="SEC-1")
    with shared_ods_engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for procedure in (
            "harmonize_lmssection_canvas",
            "harmonize_lmssection_google_classroom",
            "harmonize_lmssection_schoology",
        ):
            conn.exec_driver_sql(f"call lms.{procedure}()")
        assert linked_section(conn, lms_id) == ods.id
