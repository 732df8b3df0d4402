"""Bad input: each case gives a clear message naming file, line and column, quarantines what it must, and
changes nothing outside its own scope."""

import pytest
from extracts import DATES, HEADERS, assignment, section, submission, user, write


@pytest.fixture
def loaded(tmp_path, load_tree):
    """A store with users U1, U2 and sections S1, S2 already loaded, and S1 holding assignments A1, A2."""
    write(tmp_path, "users", [user("U1"), user("U2")], "2021-09-01-06-00-00")
    write(tmp_path, "sections", [section("S1"), section("S2")], "2021-09-01-06-00-00")
    write(
        tmp_path, "assignments", [assignment("A1", "S1"), assignment("A2", "S1")], "2021-09-01-06-00-00", section="S1"
    )
    load_tree(tmp_path)
    return tmp_path


def quarantine(query):
    return query(
        "SELECT filepath, linenumber, columnname, checkname, value, reason FROM lms.quarantine "
        "ORDER BY linenumber, columnname"
    )


def live_assignments(query):
    return query("SELECT sourcesystemidentifier FROM lms.assignment WHERE deletedat IS NULL ORDER BY 1")


def test_missing_required_column_rejects_the_file_and_keeps_its_scope(loaded, load_tree, query):
    header = [h for h in HEADERS["assignments"] if h != "Title"] + list(DATES)
    write(loaded, "assignments", [assignment("A1", "S1")], "2021-09-02-06-00-00", header=header, section="S1")
    summary = load_tree(loaded)
    assert live_assignments(query) == [("A1",), ("A2",)]
    assert summary.rejected_files == [
        f"{loaded}/section=S1/assignments/2021-09-02-06-00-00.csv, line 1: missing required column(s): Title"
    ]
    assert query("SELECT outcome FROM lms.processedfiles WHERE relativepath LIKE '%09-02%'") == [("rejected",)]


def test_unknown_column_is_reported_as_drift_and_ignored(loaded, load_tree, query):
    header = HEADERS["assignments"] + list(DATES) + ["Colour"]
    write(
        loaded,
        "assignments",
        [assignment("A1", "S1"), assignment("A2", "S1")],
        "2021-09-02-06-00-00",
        header=header,
        section="S1",
    )
    summary = load_tree(loaded)
    assert summary.drift == {"section=S1/assignments/2021-09-02-06-00-00.csv": ["Colour"]}
    assert live_assignments(query) == [("A1",), ("A2",)]


def test_column_names_match_without_regard_to_case(tmp_path, load_tree, query):
    header = [h.upper() for h in HEADERS["users"] + list(DATES)]
    path = write(tmp_path, "users", [], header=header)
    path.write_text(
        path.read_text(encoding="utf-8-sig")
        + "U1,BestLMS,student,,,Ann,a@x,,,2021-09-01 06:00:00,2021-09-01 06:00:00\n"
    )
    load_tree(tmp_path)
    assert query("SELECT name FROM lms.lmsuser") == [("Ann",)]


@pytest.mark.parametrize(
    "column, value, check, reason",
    [
        ("MaxPoints", "ten", "whole-number", "not a whole number"),
        ("MaxPoints", "99999999999", "whole-number", "not a whole number"),
        ("DueDateTime", "2021-13-45 25:00", "datetime", "not a date and time"),
        ("Title", "x" * 256, "max-length-255", "longer than 255 characters"),
        ("Title", "", "not_nullable", "a required value is empty"),
    ],
)
def test_a_bad_value_quarantines_its_row_with_line_and_column(loaded, load_tree, query, column, value, check, reason):
    write(
        loaded,
        "assignments",
        [assignment("A1", "S1"), assignment("A2", "S1", **{column: value})],
        "2021-09-02-06-00-00",
        section="S1",
    )
    load_tree(loaded)
    [(path, line, col, name, shown, why)] = quarantine(query)
    assert (path, line, col, name) == ("section=S1/assignments/2021-09-02-06-00-00.csv", 3, column, check)
    assert reason in why
    assert shown == (value or None)
    # the quarantined row is listed in its file, so its live row is kept, not soft-deleted
    assert live_assignments(query) == [("A1",), ("A2",)]


def test_every_date_format_real_extracts_contain_is_read(tmp_path, load_tree, query):
    write(
        tmp_path,
        "users",
        [
            user("U1", LastModifiedDate="2021-09-01 06:00:00"),
            user("U2", LastModifiedDate="2021-09-01 06:00"),
            user("U3", LastModifiedDate="2021-09-01  06:00:00"),
            user("U4", LastModifiedDate=" 2021-09-01 06:00:00"),
            user("U5", LastModifiedDate="9/1/2021 6:00"),
        ],
    )
    load_tree(tmp_path)
    assert query("SELECT DISTINCT lastmodifieddate::text FROM lms.lmsuser") == [("2021-09-01 06:00:00",)]


def test_bom_and_no_bom_quoted_commas_and_newlines(tmp_path, load_tree, query):
    write(tmp_path, "users", [user("U1", Name="Doe, Jane")], bom=False)
    write(tmp_path, "sections", [section("S1", SectionDescription='Line one,\nline "two"')], bom=True)
    write(tmp_path, "assignments", [assignment("A1", "S1", AssignmentDescription="a,\r\nb")], section="S1")
    load_tree(tmp_path)
    assert query("SELECT name FROM lms.lmsuser") == [("Doe, Jane",)]
    assert query("SELECT sectiondescription FROM lms.lmssection") == [('Line one,\nline "two"',)]
    assert query("SELECT assignmentdescription FROM lms.assignment") == [("a,\r\nb",)]


def test_line_numbers_count_quoted_newlines(tmp_path, load_tree, query):
    write(tmp_path, "users", [user("U1", Name="two\nlines"), user("U2", EmailAddress="")])
    load_tree(tmp_path)
    assert query("SELECT linenumber, columnname FROM lms.quarantine") == [(4, "EmailAddress")]


def test_a_file_that_is_not_utf8_is_rejected_with_line_and_column(loaded, load_tree, query):
    path = loaded / "section=S1" / "assignments" / "2021-09-02-06-00-00.csv"
    good = (loaded / "section=S1" / "assignments" / "2021-09-01-06-00-00.csv").read_bytes()
    path.write_bytes(good.replace(b"Assignment A2", b"Caf\xe9 A2"))
    summary = load_tree(loaded)
    assert len(summary.rejected_files) == 1
    assert "line 3, column" in summary.rejected_files[0] and "not UTF-8: byte 0xe9" in summary.rejected_files[0]
    assert live_assignments(query) == [("A1",), ("A2",)]


def test_empty_and_header_only_files(tmp_path, load_tree, query):
    (tmp_path / "users").mkdir()
    (tmp_path / "users" / "2021-09-01-06-00-00.csv").write_text("\n\n")
    write(tmp_path, "sections", [])
    summary = load_tree(tmp_path)
    assert summary.resources["sections"].files == 1
    assert "users" not in summary.resources
    assert query("SELECT relativepath, numberofrows FROM lms.processedfiles") == [
        ("sections/2021-09-01-06-00-00.csv", 0)
    ]


def test_wrong_number_of_fields_quarantines_the_row(tmp_path, load_tree, query):
    path = write(tmp_path, "users", [user("U1")])
    path.write_bytes(path.read_bytes() + b"U2,BestLMS,student\n")
    load_tree(tmp_path)
    assert query("SELECT linenumber, checkname FROM lms.quarantine") == [(3, "field-count")]
    assert query("SELECT sourcesystemidentifier FROM lms.lmsuser") == [("U1",)]


def test_a_failure_inside_a_batch_leaves_the_store_as_it_was(loaded, load_tree, query, monkeypatch):
    """Stage, merge, soft delete and journal are one transaction: an error after the merge undoes it all."""
    from lms_pipeline.loading import batch as loading

    write(
        loaded,
        "assignments",
        [assignment("A1", "S1", Title="changed"), assignment("A3", "S1")],
        "2021-09-02-06-00-00",
        section="S1",
    )
    before = query("SELECT * FROM lms.assignment ORDER BY 1")

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(loading, "write_journal", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        load_tree(loaded)
    assert query("SELECT * FROM lms.assignment ORDER BY 1") == before
    monkeypatch.undo()
    load_tree(loaded)
    assert live_assignments(query) == [("A1",), ("A3",)]
    assert query("SELECT title FROM lms.assignment WHERE sourcesystemidentifier = 'A1'") == [("changed",)]


def test_a_row_quarantined_for_an_unknown_parent_keeps_its_live_row(loaded, load_tree, query):
    """Its key is listed before the database drops it from staging: yesterday's row stays live, unchanged."""
    scope = {"section": "S1", "assignment": "A1"}
    write(loaded, "submissions", [submission("B1", "A1", "U1"), submission("B2", "A1", "U1")], **scope)
    load_tree(loaded)
    ghost = [submission("B1", "A1", "U1"), submission("B2", "A1", "GHOST")]
    write(loaded, "submissions", ghost, "2021-09-02-06-00-00", **scope)
    load_tree(loaded)
    assert [check for _, _, _, check, _, _ in quarantine(query)] == ["unknown-parent"]
    assert query(
        "SELECT s.sourcesystemidentifier, u.sourcesystemidentifier FROM lms.assignmentsubmission s "
        "JOIN lms.lmsuser u ON u.lmsuseridentifier = s.lmsuseridentifier WHERE s.deletedat IS NULL ORDER BY 1"
    ) == [("B1", "U1"), ("B2", "U1")]


def test_a_submission_for_an_unknown_user_names_the_file_and_line(loaded, load_tree, query):
    write(
        loaded,
        "submissions",
        [submission("B1", "A1", "U1"), submission("B2", "A1", "GHOST")],
        section="S1",
        assignment="A1",
    )
    load_tree(loaded)
    [(path, line, column, check, value, reason)] = quarantine(query)
    assert (path, line, column, check, value) == (
        "section=S1/assignment=A1/submissions/2021-09-01-06-00-00.csv",
        3,
        "LMSUserSourceSystemIdentifier",
        "unknown-parent",
        "GHOST",
    )


def test_a_file_changed_after_discovery_is_refused_and_loaded_next_time(tmp_path, engine, load_tree, query):
    from lms_pipeline.discovery.walk import walk_tree
    from lms_pipeline.loading.batch import MassDeletePolicy
    from lms_pipeline.loading.stage import stage_all

    path = write(tmp_path, "users", [user("U1")])
    manifest = walk_tree(tmp_path)
    write(tmp_path, "users", [user("U1"), user("U2")])  # the extractor rewrites it mid-run
    summary = stage_all(engine, [manifest], None, MassDeletePolicy())
    assert summary.rejected_files == [
        f"{path}: changed after discovery; nothing of it was loaded, the next run loads it"
    ]
    assert query("SELECT count(*) FROM lms.lmsuser") == [(0,)]
    load_tree(tmp_path)
    assert query("SELECT count(*) FROM lms.lmsuser") == [(2,)]
