"""lms-pipeline quarantine list, export and retry (issue 17, point 3): a quarantine people can work."""

from __future__ import annotations

import csv

import pytest
from cli_flags import database_flags
from extracts import assignment, section, submission, user, write

from lms_pipeline.cli import parse_args
from lms_pipeline.commands import run

FORMULA = '=HYPERLINK("http://x","y")'
A1 = {"section": "S1", "assignment": "A1"}


def cli(db, command: str, *argv: str) -> int:
    """A command as the terminal runs it, in this process: `quarantine list` is ("quarantine list", ...)."""
    return run(parse_args([*command.split(), *database_flags(db), *argv]))


def load(db, root) -> int:
    return cli(db, "load", "-c", str(root))


def quarantine(query):
    return query(
        "SELECT loadrunid, filepath, linenumber, checkname, resolution, resolvedbyrunid FROM lms.quarantine "
        "ORDER BY quarantineidentifier"
    )


@pytest.fixture
def bad_tree(tmp_path):
    """Users U1 and U2, U2 with a formula for a date; section S1 with assignments A1 and A2, A2's points words."""
    root = tmp_path / "canvas"
    write(root, "users", [user("U1"), user("U2", CreateDate=FORMULA)])
    write(root, "sections", [section("S1")])
    write(root, "assignments", [assignment("A1", "S1"), assignment("A2", "S1", MaxPoints="ten")], section="S1")
    return root


def listed(db, capsys, *filters: str) -> list[str]:
    """The files:lines that `quarantine list` prints."""
    capsys.readouterr()  # what earlier commands printed
    assert cli(db, "quarantine list", *filters) == 0
    return sorted(word for word in capsys.readouterr().out.split() if ".csv:" in word)


def test_list_shows_the_open_rows_and_each_filter_narrows_them(db, bad_tree, prefect_api, capsys):
    load(db, bad_tree)
    users, assignments = "users/2021-09-01-06-00-00.csv:3", "section=S1/assignments/2021-09-01-06-00-00.csv:3"
    assert listed(db, capsys) == [assignments, users]
    assert listed(db, capsys, "--run", "1") == [assignments, users]
    assert listed(db, capsys, "--run", "2") == []
    assert listed(db, capsys, "--file", "users/*") == [users]
    assert listed(db, capsys, "--file", str(bad_tree / "section=S1/assignments/2021-09-01-06-00-00.csv")) == [
        assignments
    ]
    assert listed(db, capsys, "--check", "whole-number") == [assignments]
    assert listed(db, capsys, "--resource", "users") == [users]
    assert listed(db, capsys, "--resource", "users", "--check", "whole-number") == []


def test_export_writes_every_column_and_neutralises_formulas(db, bad_tree, prefect_api, tmp_path, capsys):
    load(db, bad_tree)
    out = tmp_path / "quarantine.csv"
    assert cli(db, "quarantine export", "--resource", "users", "-o", str(out)) == 0
    assert "1 row written" in capsys.readouterr().err
    with out.open(newline="", encoding="utf-8") as file:
        (row,) = list(csv.DictReader(file))
    assert row["value"] == "'" + FORMULA  # a spreadsheet shows it as text, and runs nothing
    assert (row["run"], row["file"], row["line"]) == ("1", "users/2021-09-01-06-00-00.csv", "3")
    assert row["column"] == "CreateDate"
    assert row["full_path"] == str(bad_tree / "users/2021-09-01-06-00-00.csv")
    assert row["resolution"] == "" and row["check"] == "datetime"


def test_retry_after_the_file_was_fixed_loads_the_row_and_resolves_it(db, bad_tree, prefect_api, query, capsys):
    load(db, bad_tree)
    write(bad_tree, "users", [user("U1"), user("U2")])  # fixed on disk, same path
    assert cli(db, "quarantine retry", "--resource", "users") == 3  # warned: live users went from 1 to 2
    assert query("SELECT sourcesystemidentifier FROM lms.lmsuser WHERE deletedat IS NULL ORDER BY 1") == [
        ("U1",),
        ("U2",),
    ]
    assert quarantine(query) == [
        (1, "users/2021-09-01-06-00-00.csv", 3, "datetime", "passed", 2),
        (1, "section=S1/assignments/2021-09-01-06-00-00.csv", 3, "whole-number", None, None),  # not asked for
    ]
    assert query("SELECT loadrunid, outcome FROM lms.processedfiles WHERE resourcename = 'users'") == [(2, "loaded")]
    assert listed(db, capsys, "--all", "--resource", "users") == ["users/2021-09-01-06-00-00.csv:3"]
    assert listed(db, capsys, "--resource", "users") == []


def test_a_row_that_still_fails_stays_open_once_however_often_it_is_retried(db, bad_tree, prefect_api, query):
    load(db, bad_tree)
    assert cli(db, "quarantine retry", "--check", "whole-number") == 0
    assert cli(db, "quarantine retry", "--check", "whole-number") == 0
    rows = query(
        "SELECT loadrunid, linenumber, resolution, resolvedbyrunid FROM lms.quarantine "
        "WHERE checkname = 'whole-number' ORDER BY quarantineidentifier"
    )
    assert rows == [(1, 3, "requarantined", 2), (2, 3, "requarantined", 3), (3, 3, None, None)]
    assert query("SELECT sourcesystemidentifier FROM lms.assignment WHERE deletedat IS NULL") == [("A1",)]


def test_retry_never_reloads_a_file_a_newer_loaded_file_superseded(db, bad_tree, prefect_api, query, capsys):
    load(db, bad_tree)
    write(bad_tree, "users", [user("U1", Name="Newer")], "2021-09-02-06-00-00")
    load(db, bad_tree)
    write(bad_tree, "users", [user("U1", Name="Older"), user("U2")])  # the old file, fixed
    capsys.readouterr()
    assert cli(db, "quarantine retry", "--resource", "users") == 0
    assert "superseded: " in capsys.readouterr().out
    assert query("SELECT sourcesystemidentifier, name FROM lms.lmsuser") == [("U1", "Newer")]
    assert query("SELECT resolution, resolvedbyrunid FROM lms.quarantine WHERE resourcename = 'users'") == [
        ("superseded", None)
    ]


def test_retry_names_a_file_that_is_gone_and_leaves_its_rows_open(db, bad_tree, prefect_api, query, capsys):
    load(db, bad_tree)
    gone = bad_tree / "users/2021-09-01-06-00-00.csv"
    gone.unlink()
    assert cli(db, "quarantine retry", "--resource", "users") == 3
    assert f"missing: {gone} is no longer on disk" in capsys.readouterr().err
    assert query("SELECT resolution FROM lms.quarantine WHERE resourcename = 'users'") == [(None,)]
    assert query("SELECT count(*) FROM lms.loadrun") == [(1,)]  # nothing was loaded


def test_retry_reads_a_pruned_file_from_the_raw_archive_once_its_parent_arrived(db, tmp_path, prefect_api, query):
    root, archive = tmp_path / "canvas", str(tmp_path / "raw")
    write(root, "users", [user("U1")])
    write(root, "sections", [section("S1")])
    write(root, "assignments", [assignment("A1", "S1")], section="S1")
    pruned = write(root, "submissions", [submission("B1", "A1", "U1"), submission("B9", "A1", "U9")], **A1)
    assert cli(db, "load", "-c", str(root), "--raw-archive", archive) == 3  # B9's user is unknown: quarantined
    write(root, "users", [user("U1"), user("U9")], "2021-09-02-06-00-00")  # U9 arrives the next night
    assert load(db, root) == 3  # warned: live users went from 1 to 2
    pruned.unlink()  # and the extractor prunes the submissions file
    assert cli(db, "quarantine retry", "--check", "unknown-parent", "--raw-archive", archive) == 0
    assert query("SELECT sourcesystemidentifier FROM lms.assignmentsubmission ORDER BY 1") == [("B1",), ("B9",)]
    assert query("SELECT checkname, resolution FROM lms.quarantine") == [("unknown-parent", "passed")]
