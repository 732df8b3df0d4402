"""Loading and soft-delete behaviour: the reference's acceptance criteria (loader contract 9.2), reworded for
lms-pipeline's decisions, and the fixes of its bugs B1 to B10."""

import pytest
from extracts import activity, assignment, attendance, enrolment, section, submission, user, write


def live(query, table, system=None):
    sql = f"SELECT sourcesystemidentifier FROM lms.{table} WHERE deletedat IS NULL"
    rows = query(sql + (" AND sourcesystem = :s" if system else ""), s=system)
    return sorted(r[0] for r in rows)


def deleted(query, table):
    return sorted(r[0] for r in query(f"SELECT sourcesystemidentifier FROM lms.{table} WHERE deletedat IS NOT NULL"))


def base(root, stamp="2021-09-01-06-00-00"):
    write(root, "users", [user("U1"), user("U2"), user("U3")], stamp)
    write(root, "sections", [section("S1"), section("S2")], stamp)


# --- users, sections, system activities: scope is the SourceSystem ---------------------------------------------


def test_ac01_users_missing_from_the_file_are_soft_deleted(tmp_path, load_tree, query):
    write(tmp_path, "users", [user("B123456"), user("B234567")], "2021-09-01-06-00-00")
    write(tmp_path, "users", [user("B123456")], "2021-09-02-06-00-00")
    load_tree(tmp_path)
    assert deleted(query, "lmsuser") == ["B234567"]
    assert live(query, "lmsuser") == ["B123456"]


def test_a_row_of_another_source_system_in_a_file_is_quarantined(tmp_path, load_tree, query):
    write(tmp_path, "users", [user("B1"), user("F1", "FirstLMS")])
    load_tree(tmp_path)
    assert live(query, "lmsuser") == ["B1"]
    assert query("SELECT linenumber, checkname FROM lms.quarantine") == [(3, "source-system")]


def test_ac02_another_source_systems_rows_are_not_deleted(tmp_path, load_tree, query):
    write(tmp_path / "first", "users", [user("F1", "FirstLMS")])
    write(tmp_path / "best", "users", [user("B1")])
    write(tmp_path / "best", "users", [user("B2")], "2021-09-02-06-00-00")
    load_tree(tmp_path / "first", tmp_path / "best")
    assert live(query, "lmsuser") == ["B2", "F1"]


def test_ac03_sections_behave_like_users(tmp_path, load_tree, query):
    write(tmp_path / "first", "sections", [section("F1", "FirstLMS")])
    write(tmp_path, "sections", [section("B1"), section("B2")], "2021-09-01-06-00-00")
    write(tmp_path, "sections", [section("B1")], "2021-09-02-06-00-00")
    load_tree(tmp_path / "first")
    load_tree(tmp_path)
    assert deleted(query, "lmssection") == ["B2"]
    assert live(query, "lmssection") == ["B1", "F1"]


def test_ac04_b1_system_activities_are_incremental_and_never_soft_deleted(tmp_path, load_tree, query):
    write(tmp_path, "users", [user("U1")])
    write(tmp_path, "system-activities", [activity("A1", "U1")], "2021-09-01-06-00-00", date="2021-09-01")
    write(tmp_path, "system-activities", [activity("A2", "U1")], "2021-09-02-06-00-00", date="2021-09-02")
    load_tree(tmp_path)
    assert live(query, "lmssystemactivity") == ["A1", "A2"]


# --- section and assignment scopes -------------------------------------------------------------------------------


def test_ac05_to_ac07_assignments_are_scoped_to_their_section_and_source_system(tmp_path, load_tree, query):
    base(tmp_path)
    other = tmp_path / "first"
    write(other, "users", [user("U1", "FirstLMS")])
    write(other, "sections", [section("S1", "FirstLMS")])
    write(other, "assignments", [assignment("F9", "S1", "FirstLMS")], section="S1")
    write(tmp_path, "assignments", [assignment("B123456", "S1"), assignment("B234567", "S1")], section="S1")
    write(tmp_path, "assignments", [assignment("B345678", "S2")], section="S2")
    load_tree(tmp_path, other)
    write(tmp_path, "assignments", [assignment("B123456", "S1")], "2021-09-02-06-00-00", section="S1")
    load_tree(tmp_path)
    assert deleted(query, "assignment") == ["B234567"]
    assert live(query, "assignment") == ["B123456", "B345678", "F9"]


def test_ac08_associations_section_activities_and_attendance_are_section_scoped(tmp_path, load_tree, query):
    base(tmp_path)
    for sid in ("S1", "S2"):
        write(
            tmp_path,
            "section-associations",
            [enrolment(f"E{sid}1", sid, "U1"), enrolment(f"E{sid}2", sid, "U2")],
            section=sid,
        )
        write(
            tmp_path,
            "section-activities",
            [activity(f"X{sid}1", "U1", sid), activity(f"X{sid}2", "U2", sid)],
            section=sid,
        )
        write(
            tmp_path,
            "attendance-events",
            [attendance(f"T{sid}1", sid, "U1"), attendance(f"T{sid}2", sid, "U2")],
            section=sid,
        )
    load_tree(tmp_path)
    later = "2021-09-02-06-00-00"
    write(tmp_path, "section-associations", [enrolment("ES11", "S1", "U1")], later, section="S1")
    write(tmp_path, "section-activities", [activity("XS11", "U1", "S1")], later, section="S1")
    write(tmp_path, "attendance-events", [attendance("TS11", "S1", "U1")], later, section="S1")
    load_tree(tmp_path)
    assert deleted(query, "lmsuserlmssectionassociation") == ["ES12"]
    assert deleted(query, "lmssectionactivity") == ["XS12"]
    assert deleted(query, "lmsuserattendanceevent") == ["TS12"]
    assert live(query, "lmsuserlmssectionassociation") == ["ES11", "ES21", "ES22"]


def test_ac09_submissions_are_scoped_to_their_assignment(tmp_path, load_tree, query):
    base(tmp_path)
    write(tmp_path, "assignments", [assignment("A1", "S1"), assignment("A2", "S1")], section="S1")
    write(
        tmp_path,
        "submissions",
        [submission("B1", "A1", "U1"), submission("B2", "A1", "U2")],
        section="S1",
        assignment="A1",
    )
    write(tmp_path, "submissions", [submission("C1", "A2", "U1")], section="S1", assignment="A2")
    load_tree(tmp_path)
    write(tmp_path, "submissions", [submission("B1", "A1", "U1")], "2021-09-02-06-00-00", section="S1", assignment="A1")
    load_tree(tmp_path)
    assert deleted(query, "assignmentsubmission") == ["B2"]
    assert live(query, "assignmentsubmission") == ["B1", "C1"]


# --- insert, update, delete, un-delete ---------------------------------------------------------------------------


def test_ac10_to_ac13_insert_update_delete_and_undelete(tmp_path, load_tree, query):
    people = [user("alice"), user("bob"), user("charlie")]
    write(tmp_path, "users", people, "2021-09-01-06-00-00")
    assert load_tree(tmp_path).resources["users"].inserted == 3
    write(tmp_path, "users", [user("alice"), user("bob", UserRole="teacher"), user("charlie")], "2021-09-02-06-00-00")
    assert load_tree(tmp_path).resources["users"].updated == 1
    assert query("SELECT userrole FROM lms.lmsuser WHERE sourcesystemidentifier = 'bob'") == [("teacher",)]
    write(tmp_path, "users", [user("alice"), user("charlie")], "2021-09-03-06-00-00")
    load_tree(tmp_path)
    assert deleted(query, "lmsuser") == ["bob"]
    # bob comes back with the SAME LastModifiedDate: still un-deleted (reference bug B3)
    write(tmp_path, "users", people, "2021-09-04-06-00-00")
    summary = load_tree(tmp_path)
    assert summary.resources["users"].undeleted == 1
    assert deleted(query, "lmsuser") == []
    assert query("SELECT userrole FROM lms.lmsuser WHERE sourcesystemidentifier = 'bob'") == [("student",)]


def test_a_changed_value_with_an_unchanged_lastmodifieddate_is_applied(tmp_path, load_tree, query):
    base(tmp_path)
    write(tmp_path, "assignments", [assignment("A1", "S1", MaxPoints="10")], section="S1")
    load_tree(tmp_path)
    write(tmp_path, "assignments", [assignment("A1", "S1", MaxPoints="100")], "2021-09-02-06-00-00", section="S1")
    load_tree(tmp_path)
    assert query("SELECT maxpoints FROM lms.assignment") == [(100,)]


def test_edfi_mapping_columns_survive_reloads(tmp_path, load_tree, query, engine):
    write(tmp_path, "users", [user("U1")])
    load_tree(tmp_path)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE lms.lmsuser SET edfistudentid = '00000000-0000-0000-0000-000000000001'")
    write(tmp_path, "users", [user("U1", Name="Renamed")], "2021-09-02-06-00-00")
    load_tree(tmp_path)
    assert query("SELECT name, edfistudentid::text FROM lms.lmsuser") == [
        ("Renamed", "00000000-0000-0000-0000-000000000001")
    ]


def test_unchanged_rows_are_not_rewritten(tmp_path, load_tree):
    write(tmp_path, "users", [user("U1"), user("U2")], "2021-09-01-06-00-00")
    write(tmp_path, "users", [user("U1"), user("U2")], "2021-09-02-06-00-00")
    totals = load_tree(tmp_path).resources["users"]
    assert (totals.inserted, totals.updated, totals.undeleted, totals.deleted) == (2, 0, 0, 0)


# --- assignments and submission types -----------------------------------------------------------------------------


def test_ac16_b4_descriptions_are_truncated_to_1024_and_a_missing_one_is_null(tmp_path, load_tree, query):
    base(tmp_path)
    write(
        tmp_path,
        "assignments",
        [assignment("A1", "S1", AssignmentDescription="x" * 1025), assignment("A2", "S1")],
        section="S1",
    )
    load_tree(tmp_path)
    assert query("SELECT sourcesystemidentifier, length(assignmentdescription) FROM lms.assignment ORDER BY 1") == [
        ("A1", 1024),
        ("A2", None),
    ]


def test_ac17_ac27_submission_types_are_split_and_loaded(tmp_path, load_tree, query):
    base(tmp_path)
    write(
        tmp_path,
        "assignments",
        [
            assignment("A1", "S1", SubmissionType="['online_text_entry', 'online_upload']"),
            assignment("A2", "S1", SubmissionType="ASSIGNMENT"),
            assignment("A3", "S1", SubmissionType=""),
            assignment("A4", "S1", SubmissionType="[]"),
        ],
        section="S1",
    )
    load_tree(tmp_path)
    rows = query(
        "SELECT a.sourcesystemidentifier, t.submissiontype FROM lms.assignmentsubmissiontype t "
        "JOIN lms.assignment a USING (assignmentidentifier) ORDER BY 1, 2"
    )
    assert rows == [("A1", "online_text_entry"), ("A1", "online_upload"), ("A2", "ASSIGNMENT")]
    assert live(query, "assignment") == ["A1", "A2", "A3", "A4"]


def test_b2_submission_type_deletes_stay_within_the_files_assignments(tmp_path, load_tree, query):
    base(tmp_path)
    write(tmp_path, "assignments", [assignment("A1", "S1", SubmissionType="['a', 'b']")], section="S1")
    write(tmp_path, "assignments", [assignment("A2", "S2", SubmissionType="['c']")], section="S2")
    load_tree(tmp_path)
    write(
        tmp_path, "assignments", [assignment("A1", "S1", SubmissionType="['a']")], "2021-09-02-06-00-00", section="S1"
    )
    load_tree(tmp_path)
    rows = query("SELECT t.submissiontype, t.deletedat IS NOT NULL FROM lms.assignmentsubmissiontype t ORDER BY 1")
    assert rows == [("a", False), ("b", True), ("c", False)]
    write(
        tmp_path,
        "assignments",
        [assignment("A1", "S1", SubmissionType="['a', 'b']")],
        "2021-09-03-06-00-00",
        section="S1",
    )
    load_tree(tmp_path)
    assert query("SELECT count(*) FROM lms.assignmentsubmissiontype WHERE deletedat IS NULL") == [(3,)]


# --- scopes emptied, header-only files ---------------------------------------------------------------------------


def test_b3_a_header_only_section_file_means_the_section_is_now_empty(tmp_path, load_tree, query):
    base(tmp_path)
    write(tmp_path, "assignments", [assignment("A1", "S1"), assignment("A2", "S1")], section="S1")
    write(tmp_path, "assignments", [assignment("A3", "S2")], section="S2")
    load_tree(tmp_path)
    write(tmp_path, "assignments", [], "2021-09-02-06-00-00", section="S1")
    load_tree(tmp_path)
    assert deleted(query, "assignment") == ["A1", "A2"]
    assert live(query, "assignment") == ["A3"]


def test_a_header_only_users_file_deletes_nothing_and_warns(tmp_path, load_tree, query):
    write(tmp_path, "users", [user("U1"), user("U2")], "2021-09-01-06-00-00")
    load_tree(tmp_path)
    write(tmp_path, "users", [], "2021-09-02-06-00-00")
    summary = load_tree(tmp_path)
    assert live(query, "lmsuser") == ["U1", "U2"]
    assert any("header-only users file" in w for w in summary.warnings)


def test_a_users_file_without_one_valid_row_deletes_nothing_and_says_why(tmp_path, load_tree, query):
    write(tmp_path, "users", [user("U1"), user("U2")], "2021-09-01-06-00-00")
    load_tree(tmp_path)
    write(tmp_path, "users", [user("U3", CreateDate="2020-13-45")], "2021-09-02-06-00-00")
    summary = load_tree(tmp_path)
    assert live(query, "lmsuser") == ["U1", "U2"]
    assert (
        "users/2021-09-02-06-00-00.csv: not one valid row tells its SourceSystem; nothing was soft-deleted"
        in summary.warnings
    )


# --- mass deletes ----------------------------------------------------------------------------------------------


def test_mass_deletion_is_held_until_allowed(tmp_path, load_tree, query):
    many = [user(f"U{i:03}") for i in range(60)]
    write(tmp_path, "users", many, "2021-09-01-06-00-00")
    load_tree(tmp_path)
    write(tmp_path, "users", many[:20] + [user("NEW")], "2021-09-02-06-00-00")
    summary = load_tree(tmp_path)
    assert summary.resources["users"].deletions_held == 40
    assert "NEW" in live(query, "lmsuser") and deleted(query, "lmsuser") == []
    assert summary.held_files == ["users/2021-09-02-06-00-00.csv"]
    assert query("SELECT outcome FROM lms.processedfiles WHERE relativepath LIKE '%09-02%'") == [("held",)]
    assert load_tree(tmp_path).resources == {}  # a plain re-run leaves the held file alone
    summary = load_tree(tmp_path, allow_mass_delete=True)
    assert summary.resources["users"].deleted == 40
    assert len(live(query, "lmsuser")) == 21


def test_a_newer_file_supersedes_a_held_one(tmp_path, load_tree, query):
    many = [user(f"U{i:03}") for i in range(60)]
    write(tmp_path, "users", many, "2021-09-01-06-00-00")
    write(tmp_path, "users", many[:10], "2021-09-02-06-00-00")
    load_tree(tmp_path)
    write(tmp_path, "users", many[:55], "2021-09-03-06-00-00")
    load_tree(tmp_path)
    assert query("SELECT outcome FROM lms.processedfiles ORDER BY relativepath") == [
        ("loaded",),
        ("superseded",),
        ("loaded",),
    ]
    assert len(deleted(query, "lmsuser")) == 5
    assert load_tree(tmp_path, allow_mass_delete=True).resources == {}


# --- discovery decisions -----------------------------------------------------------------------------------------


def test_b5_b6_section_folders_are_found_on_disk_and_assignment_matches_in_any_case(tmp_path, load_tree, query):
    write(tmp_path, "users", [user("U1")])
    write(tmp_path, "sections", [section("S1"), section("S2")], "2021-09-01-06-00-00")
    write(tmp_path, "sections", [section("S1")], "2021-09-02-06-00-00")  # S2 gone from the newest file
    write(tmp_path, "assignments", [assignment("A2", "S2")], section="S2")
    path = write(tmp_path, "submissions", [submission("B1", "A2", "U1")], section="S2", assignment="A2")
    path.parent.parent.rename(path.parent.parent.with_name("Assignment=A2"))
    load_tree(tmp_path)
    assert live(query, "assignment") == ["A2"]
    assert live(query, "assignmentsubmission") == ["B1"]


# --- rows that cannot load ---------------------------------------------------------------------------------------


def test_b7_duplicate_keys_keep_the_latest_lastmodifieddate_and_quarantine_the_others(tmp_path, load_tree, query):
    write(
        tmp_path,
        "users",
        [
            user("U1", Name="newest", LastModifiedDate="2021-09-03 00:00:00"),
            user("U1", Name="older", LastModifiedDate="2021-09-02 00:00:00"),
            user("U2", Name="first"),
            user("U2", Name="tie-last"),
        ],
    )
    summary = load_tree(tmp_path)
    assert query("SELECT name FROM lms.lmsuser ORDER BY 1") == [("newest",), ("tie-last",)]
    assert summary.resources["users"].quarantined == 2
    reasons = query("SELECT linenumber, checkname, reason FROM lms.quarantine ORDER BY linenumber")
    assert [(r[0], r[1]) for r in reasons] == [(3, "duplicate"), (4, "duplicate")]
    assert "line 2 was kept" in reasons[0][2]


def test_b8_rows_with_unknown_parents_are_quarantined_not_dropped(tmp_path, load_tree, query):
    base(tmp_path)
    write(
        tmp_path, "section-associations", [enrolment("E1", "S1", "U1"), enrolment("E2", "S1", "NOBODY")], section="S1"
    )
    write(tmp_path, "submissions", [submission("B1", "A404", "U1")], section="S1", assignment="A404")
    write(tmp_path, "attendance-events", [attendance("T1", "S1", "U1"), attendance("T2", "S1", "U2")], section="S1")
    load_tree(tmp_path)
    assert live(query, "lmsuserlmssectionassociation") == ["E1"]
    assert live(query, "lmsuserattendanceevent") == ["T1"]
    rows = sorted(
        query("SELECT filepath, linenumber, columnname, reason FROM lms.quarantine"), key=lambda r: r[0].split("/")[-2]
    )
    assert [(r[0].split("/")[-2], r[1], r[2]) for r in rows] == [
        ("attendance-events", 3, "LMSUserSourceSystemIdentifier"),
        ("section-associations", 3, "LMSUserSourceSystemIdentifier"),
        ("submissions", 2, "AssignmentSourceSystemIdentifier"),
    ]
    assert "unknown user 'NOBODY'" in rows[1][3]
    assert "no enrolment" in rows[0][3]


def test_a_row_quarantined_for_its_parent_never_soft_deletes_its_live_row(tmp_path, load_tree, query):
    """The merge drops the quarantined row from staging but keeps its key listed: the file still names E2."""
    base(tmp_path)
    write(tmp_path, "section-associations", [enrolment("E1", "S1", "U1"), enrolment("E2", "S1", "U2")], section="S1")
    load_tree(tmp_path)
    night = "2021-09-02-06-00-00"
    write(tmp_path, "section-associations", [enrolment("E2", "S1", "NOBODY")], night, section="S1")
    load_tree(tmp_path)
    assert live(query, "lmsuserlmssectionassociation") == ["E2"]
    assert deleted(query, "lmsuserlmssectionassociation") == ["E1"]
    assert query("SELECT count(*) FROM lms.quarantine WHERE reason LIKE '%unknown user ''NOBODY''%'") == [(1,)]


def test_b9_quotes_in_identifiers_paths_and_source_systems_are_stored_verbatim(tmp_path, load_tree, query):
    odd = "O'Brien'); DROP TABLE lms.lmsuser; --"
    root = tmp_path / "it's a root"
    write(root, "users", [user(odd, system="Best'LMS")])
    write(root, "sections", [section("S'1", system="Best'LMS")])
    write(root, "assignments", [assignment("A1", "S'1", system="Best'LMS")], section="S'1")
    load_tree(root)
    assert live(query, "lmsuser") == [odd]
    assert live(query, "assignment") == ["A1"]
    assert query("SELECT count(*) FROM lms.processedfiles WHERE fullpath LIKE '%it''s a root%'") == [(3,)]


def test_b9_paths_longer_than_255_characters_are_journaled(tmp_path, load_tree, query):
    long_section = "S" * 240
    write(tmp_path, "sections", [section(long_section)])
    write(tmp_path, "assignments", [assignment("A1", long_section)], section=long_section)
    load_tree(tmp_path)
    assert live(query, "assignment") == ["A1"]
    assert query("SELECT max(length(fullpath)) > 255 FROM lms.processedfiles") == [(True,)]


def test_rows_whose_folder_disagrees_are_quarantined(tmp_path, load_tree, query):
    base(tmp_path)
    write(tmp_path, "assignments", [assignment("A1", "S1"), assignment("A2", "S2")], section="S1")
    load_tree(tmp_path)
    assert live(query, "assignment") == ["A1"]
    assert query("SELECT checkname FROM lms.quarantine") == [("scope",)]


@pytest.mark.parametrize("for_copy", [False, True], ids=["rendered-as-read", "rendered-by-validation"])
def test_a_batch_copied_in_slices_and_small_reads_arrives_whole(tmp_path, load_tree, query, monkeypatch, for_copy):
    """COPY reads the CSV a slice of rows at a time, rendered as it reads or by validation beforehand: reads that
    end inside a row, a quoted value or a line break inside a value must still give back every value exactly."""
    from lms_pipeline.store.engines import postgresql
    from lms_pipeline.validation import copy_text

    monkeypatch.setattr(copy_text, "SLICE_ROWS", 2)
    monkeypatch.setattr(postgresql, "COPY_READ_CHARS", 7)
    names = ['Ann "the" Lee', "Bo,\r\nKim", "Cy\rDe", "Eve\n", "Flo", "Gus 'G'", "Hal"]
    write(tmp_path, "users", [user(f"U{i}", Name=name) for i, name in enumerate(names)])
    load_tree(tmp_path, for_copy=for_copy)
    rows = query("SELECT sourcesystemidentifier, name FROM lms.lmsuser ORDER BY sourcesystemidentifier")
    assert rows == [(f"U{i}", name) for i, name in enumerate(names)]


def test_a_large_batch_refreshes_the_planners_statistics_from_a_small_sample(tmp_path, load_tree, query):
    """Past STATISTICS_ROWS staged rows the batch analyzes its tables with a 3,000-row sample (statistics target
    10): histograms of at most 11 bounds instead of the server's 101, at a tenth of the cost."""
    from lms_pipeline.loading.batch import STATISTICS_ROWS

    write(tmp_path, "users", [user(f"U{i:05}") for i in range(STATISTICS_ROWS + 500)])
    load_tree(tmp_path)
    bounds = query(
        "SELECT tablename, array_length(histogram_bounds::text::text[], 1) FROM pg_stats "
        "WHERE schemaname = 'lms' AND attname = 'sourcesystemidentifier' AND tablename IN ('lmsuser', 'stg_lmsuser')"
    )
    assert {table for table, _ in bounds} == {"lmsuser", "stg_lmsuser"}
    assert all(count == 11 for _, count in bounds)
