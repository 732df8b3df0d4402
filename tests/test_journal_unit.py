"""The processed-files journal without a database: what a run finds pending, already loaded or set aside, given the
journal's rows, and that extract time decides whatever the order in which files arrive.

The journal functions talk to a stand-in connection that keeps the table in memory. It reads the statements
journal.py sends it (an insert of rows, deletes, updates and selects whose conditions are equalities and IN lists
over the table's columns) and refuses any other; it can compile each statement for PostgreSQL and SQL Server too.
"""

from __future__ import annotations

import hashlib
import posixpath
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import BindParameter, BooleanClauseList, Column, Delete, Insert, Select, Update
from sqlalchemy.dialects import mssql, postgresql
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression

from lms_pipeline.discovery.walk import Manifest, ManifestFile, SetAside
from lms_pipeline.loading.journal import (
    JournalEntry,
    JournalState,
    pending_files,
    record_set_aside,
    root_of,
    write_journal,
)
from lms_pipeline.resources import BY_NAME, LOAD_ORDER, Scope
from lms_pipeline.store.connections import dialect_of
from lms_pipeline.store.tables import StoreTables

DIALECTS = {"postgresql": postgresql.dialect(), "mssql": mssql.dialect()}
ORDER = [r.name for r in LOAD_ORDER]


# --- the journal table in memory ----------------------------------------------------------------------------------


class Rows(list):
    def all(self) -> list:
        return list(self)


class JournalTable:
    """An engine and its connection in one: the processed-files table of one engine, as a list of rows."""

    def __init__(self, engine: str, compile_all: bool = True):
        self.dialect = DIALECTS[engine]
        self.compile_all = compile_all
        self.tables = StoreTables(dialect_of(self))
        self.table = self.tables.processed_files
        self.rows: list[dict] = []
        self.statements: dict[str, set[str]] = {name: set() for name in DIALECTS}

    @contextmanager
    def connect(self):
        yield self

    begin = connect

    def execute(self, statement, parameters=None) -> Rows:
        for name, dialect in DIALECTS.items() if self.compile_all else ():  # whatever the engine, for both
            self.statements[name].add(str(statement.compile(dialect=dialect)))
        tables = statement.get_final_froms() if isinstance(statement, Select) else [statement.table]
        assert [table.fullname for table in tables] == [self.table.fullname], tables
        if isinstance(statement, Insert):
            for values in parameters:
                assert set(values) <= set(self.table.c.keys()), set(values) - set(self.table.c.keys())
                row = dict.fromkeys(self.table.c.keys()) | values
                assert all(r["FullPath"] != row["FullPath"] for r in self.rows), "the primary key, twice"
                self.rows.append(row)
            return Rows()
        chosen = [r for r in self.rows if self._holds(statement.whereclause, r, parameters or {})]
        if isinstance(statement, Delete):
            self.rows = [r for r in self.rows if r not in chosen]
        elif isinstance(statement, Update):
            compiled = statement.compile(dialect=self.dialect).params
            for row in chosen:
                row.update({k: v for k, v in compiled.items() if k in self.table.c and k not in (parameters or {})})
        elif isinstance(statement, Select):
            return Rows(tuple(r[c.key] for c in statement.selected_columns) for r in chosen)
        else:
            raise AssertionError(f"a statement this stand-in cannot read: {statement}")
        return Rows()

    def _holds(self, clause, row: dict, parameters: dict) -> bool:
        if clause is None:
            return True
        if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
            return all(self._holds(c, row, parameters) for c in clause.clauses)
        if (
            isinstance(clause, BinaryExpression)
            and isinstance(clause.left, Column)
            and isinstance(clause.right, BindParameter)
        ):
            value = parameters[clause.right.key] if clause.right.expanding else clause.right.value
            if clause.operator is operators.eq:
                return row[clause.left.key] == value
            if clause.operator is operators.in_op:
                return row[clause.left.key] in value
        raise AssertionError(f"a condition this stand-in cannot read: {clause}")

    def outcome(self, path: str) -> str | None:
        return next(r["Outcome"] for r in self.rows if r["FullPath"] == path)


def extract_file(root: str, relpath: str, content: str | None = None) -> ManifestFile:
    """The file at root/relpath, with its resource and scope read from its folders; unless given, its content is
    its own, as in real extracts, where each file names its SourceSystem and rows."""
    parts = relpath.split("/")
    scope = {}
    for part in parts[:-1]:
        key, _, value = part.partition("=")
        if value:
            scope[key.lower()] = value
    resource = "system-activities" if parts[0] == "system-activities" else parts[-2]
    digest = hashlib.sha256((f"{root}/{relpath}" if content is None else content).encode()).hexdigest()
    stamp = posixpath.basename(relpath)[:19]  # YYYY-mm-dd-HH-MM-SS
    return ManifestFile(resource, relpath, f"{root}/{relpath}", stamp, 10, digest, **scope)


def load_order(files: list[ManifestFile]) -> list[ManifestFile]:
    return sorted(files, key=lambda f: (ORDER.index(f.resource), f.timestamp, f.relpath))


def journal_rows(engine: str, rows: list[dict]) -> JournalTable:
    journal = JournalTable(engine)
    keys = journal.table.c.keys()
    journal.rows = [dict.fromkeys(keys) | row for row in rows]
    return journal


def pending(journal: JournalTable, root: str, files: list[ManifestFile], retry_held: bool = False) -> Manifest:
    return pending_files(journal, journal.tables, Manifest(root, load_order(files)), retry_held)


# --- pure helpers ---------------------------------------------------------------------------------------------------

segments = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=6)


@given(st.lists(segments, min_size=1, max_size=3), st.lists(segments, min_size=1, max_size=3))
def test_a_journaled_files_root_is_its_full_path_less_its_relative_path(root_parts, relative_parts):
    root, relpath = "/" + "/".join(root_parts), "/".join(relative_parts)
    assert root_of(f"{root}/{relpath}", relpath) == root
    assert root_of(f"{root}/{relpath}", None) is None  # a reference loader's row: no relative path
    assert root_of(f"{root}/{relpath}x", relpath) is None
    assert root_of(f"{root}{relpath}", relpath) is None  # the root's name runs into the relative path


timestamps = st.sampled_from(["2021-09-01-06-00-00", "2021-09-01-06-00-01", "2021-09-02-06-00-00"])


@given(timestamps, st.sampled_from(["CSV", "csv"]), timestamps, st.sampled_from(["CSV", "csv"]))
def test_a_file_is_superseded_by_a_merged_file_later_in_time_then_in_name(stamp, name, newest_stamp, newest_name):
    file = extract_file("/r", f"users/{stamp}.{name}")
    newest = f"users/{newest_stamp}.{newest_name}"
    state = JournalState(frozenset(), frozenset(), frozenset(), {("/r", "users|||"): (newest_stamp, newest)})
    expected = newest if (stamp, file.relpath) < (newest_stamp, newest) else None
    assert state.superseding("/r", "users", file.scope_key, file.relpath) == expected
    assert state.superseding("/other-root", "users", file.scope_key, file.relpath) is None
    assert state.superseding("/r", "system-activities", file.scope_key, file.relpath) is None  # files only add rows


# --- what a run finds pending, given the journal's rows ----------------------------------------------------------


@pytest.mark.parametrize("engine", DIALECTS)
def test_each_kind_of_journal_row_decides_its_file(engine):
    root = "/extracts/canvas"
    loaded = extract_file(root, "users/2021-09-02-06-00-00.csv")
    padded = extract_file(root, "sections/2021-09-02-06-00-00.csv")
    held = extract_file(root, "section=1/assignments/2021-09-02-06-00-00.csv")
    rejected = extract_file(root, "section=1/section-associations/2021-09-02-06-00-00.csv")
    reference = extract_file(root, "section=2/assignments/2021-09-02-06-00-00.csv")
    changed = extract_file(root, "section=3/assignments/2021-09-02-06-00-00.csv", "new content")
    older = extract_file(root, "users/2021-09-01-06-00-00.csv")
    older_incremental = extract_file(root, "system-activities/date=2021-09-01/2021-09-01-06-00-00.csv")
    newer_incremental = "system-activities/date=2021-09-01/2021-09-02-06-00-00.csv"
    other_root = extract_file("/extracts/schoology", "users/2021-09-01-06-00-00.csv")
    rows = [
        {"FullPath": loaded.path, "RelativePath": loaded.relpath, "ContentHash": loaded.sha256, "Outcome": "loaded"},
        {
            "FullPath": padded.path,
            "RelativePath": padded.relpath,
            "ContentHash": padded.sha256 + "  ",
            "Outcome": "loaded",
        },
        {"FullPath": held.path, "RelativePath": held.relpath, "ContentHash": held.sha256, "Outcome": "held"},
        {"FullPath": rejected.path, "RelativePath": rejected.relpath, "Outcome": "rejected"},
        {"FullPath": reference.path},  # the reference loader's: an absolute path, no hash, no outcome
        {"FullPath": changed.path, "RelativePath": changed.relpath, "ContentHash": "0" * 64, "Outcome": "loaded"},
        {
            "FullPath": f"{root}/{newer_incremental}",
            "RelativePath": newer_incremental,
            "ContentHash": "1" * 64,
            "Outcome": "loaded",
        },
    ]
    for row in rows:
        if row.get("RelativePath") and row.get("Outcome") != "rejected":
            row["ScopeKey"] = extract_file(root, row["RelativePath"]).scope_key
    files = [loaded, padded, held, rejected, reference, changed, older, older_incremental]

    manifest = pending(journal_rows(engine, rows), root, files)
    assert {f.relpath for f in manifest.files} == {rejected.relpath, changed.relpath, older_incremental.relpath}
    assert manifest.already_loaded == 4 and manifest.held_retried == 0
    [aside] = manifest.set_aside
    assert (aside.file, aside.outcome) == (older, "superseded") and loaded.relpath in aside.reason

    retried = pending(journal_rows(engine, rows), root, files, retry_held=True)
    assert held in retried.files and retried.held_retried == 1 and retried.already_loaded == 3
    assert pending(journal_rows(engine, rows), "/extracts/schoology", [other_root]).files == [other_root]


@pytest.mark.parametrize("engine", DIALECTS)
def test_a_file_is_known_by_its_relative_path_and_content_not_by_its_root(engine):
    """A root moved to another folder does not load again; new content at a journaled relative path does."""
    old = extract_file("/old/canvas", "users/2021-09-01-06-00-00.csv", "rows")
    row = {"FullPath": old.path, "RelativePath": old.relpath, "ContentHash": old.sha256, "Outcome": "loaded"}
    moved = pending(journal_rows(engine, [row]), "/new/canvas", [extract_file("/new/canvas", old.relpath, "rows")])
    assert moved.files == [] and moved.already_loaded == 1
    edited = extract_file("/new/canvas", old.relpath, "other rows")
    assert pending(journal_rows(engine, [row]), "/new/canvas", [edited]).files == [edited]


# --- any order of arrival ----------------------------------------------------------------------------------------


def same_scope(path: str, relpath: str, file: ManifestFile) -> bool:
    """Whether the file at path (relpath in its root) speaks for the rows `file` speaks for."""
    other = extract_file(root_of(path, relpath), relpath)
    return other.scope_key == file.scope_key and root_of(path, relpath) == root_of(file.path, file.relpath)


ROOTS = ("/extracts/a", "/extracts/b")
FOLDERS = ("users", "section=1/assignments", "section=2/assignments", "system-activities/date=2021-09-01")
STAMPS = ("2021-09-01-06-00-00", "2021-09-02-06-00-00", "2021-09-03-06-00-00")


@st.composite
def arrivals(draw) -> list[tuple[ManifestFile, int, str]]:
    """Files of a final tree (two roots), each with the night it arrives and the outcome of its load: held (its
    deletions wait) now and then, except for incremental files, which delete nothing."""
    names = st.tuples(
        st.sampled_from(ROOTS), st.sampled_from(FOLDERS), st.sampled_from(STAMPS), st.sampled_from(["csv", "CSV"])
    )
    chosen = draw(st.lists(names, min_size=1, max_size=12, unique=True))
    files = [extract_file(root, f"{folder}/{stamp}.{extension}") for root, folder, stamp, extension in chosen]
    return [
        (
            f,
            draw(st.integers(0, 3)),
            "loaded" if incremental(f) else draw(st.sampled_from(["loaded", "loaded", "held"])),
        )
        for f in files
    ]


def incremental(file: ManifestFile) -> bool:
    return BY_NAME[file.resource].scope is Scope.INCREMENTAL


@pytest.mark.parametrize("engine", DIALECTS)
@settings(max_examples=40, deadline=None)
@given(arrivals())
def test_in_any_order_of_arrival_each_scope_merges_in_extract_time_order_and_ends_on_its_newest_file(engine, arrivals):
    journal = JournalTable(engine, compile_all=False)  # compiled in the test below: here, too slow
    decided: dict[str, str] = {}
    merged: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (root, scope) -> (timestamp, relpath), in load order
    outcome = {f.path: result for f, _, result in arrivals}
    for night in range(4):
        for root in ROOTS:
            present = [f for f, arrived, _ in arrivals if f.path.startswith(root + "/") and arrived <= night]
            manifest = pending(journal, root, present)
            assert manifest.already_loaded == sum(f.path in decided for f in present)
            record_set_aside(journal, manifest.set_aside, night)
            for aside in manifest.set_aside:
                assert aside.outcome == "superseded" and aside.file.path not in decided
                decided[aside.file.path] = "superseded"
            for f in manifest.files:  # one file a batch: the order within a scope is what counts
                assert f.path not in decided
                decided[f.path] = outcome[f.path]
                merged.setdefault((root, f.scope_key), []).append((f.timestamp, f.relpath))
                with journal.begin() as conn:
                    write_journal(conn, journal.tables, [JournalEntry(f, outcome[f.path], 1, 1, 0, 0)], night)

    assert set(decided) == set(outcome), "every file decided once"
    for f, _, _ in arrivals:
        sequence = merged[(root_of(f.path, f.relpath), f.scope_key)]
        if incremental(f):
            assert decided[f.path] != "superseded", "an incremental file only adds rows: it always loads"
        else:
            assert sequence == sorted(set(sequence)), "a scope merged a file older than one it had merged"
            scope = [(g.timestamp, g.relpath) for g, _, _ in arrivals if same_scope(g.path, g.relpath, f)]
            assert sequence[-1] == max(scope), "the newest file of a scope is always merged"
    by_path = {f.path: f for f, _, _ in arrivals}
    for row in journal.rows:  # a held file's deletions are decided by a newer loaded file of its scope
        held = by_path[row["FullPath"]]
        if row["Outcome"] == "held":
            assert not any(
                r["Outcome"] == "loaded"
                and same_scope(r["FullPath"], r["RelativePath"], held)
                and r["RelativePath"].rsplit("/", 1)[1] > held.relpath.rsplit("/", 1)[1]
                for r in journal.rows
            ), "a held file older than a loaded file of its scope, not superseded"
    for root in ROOTS:  # a re-run of the final tree has nothing to do
        final = [f for f, _, _ in arrivals if f.path.startswith(root + "/")]
        again = pending(journal, root, final)
        assert again.files == [] and again.set_aside == [] and again.already_loaded == len(final)


@pytest.mark.parametrize("engine", DIALECTS)
def test_journal_writes_compile_for_both_engines_and_a_newer_load_supersedes_held_files(engine):
    journal = JournalTable(engine)
    held = extract_file("/r", "users/2021-09-01-06-00-00.csv")
    other_root = extract_file("/s", "users/2021-09-01-06-00-00.csv")
    with journal.begin() as conn:
        write_journal(conn, journal.tables, [JournalEntry(f, "held", 3, 3, 0, 2) for f in (held, other_root)], 6)
    newer = extract_file("/r", "users/2021-09-02-06-00-00.csv")
    with journal.begin() as conn:
        write_journal(conn, journal.tables, [JournalEntry(newer, "loaded", 1, 1, 0, 0)], 7)
    unreadable = extract_file("/r", "users/2021-09-03-06-00-00.csv")
    record_set_aside(journal, [SetAside(unreadable, "rejected", "cannot be read")], 7)
    assert [(r["FullPath"], r["Outcome"], r["LoadRunId"]) for r in journal.rows] == [
        (held.path, "superseded", 6),  # its deletions are the newer file's to decide now
        (other_root.path, "held", 6),  # another root's file of the same scope is not
        (newer.path, "loaded", 7),
        (unreadable.path, "rejected", 7),
    ]
    assert journal.rows[3]["ContentHash"] is None and journal.rows[2]["ContentHash"] == newer.sha256
    assert journal.rows[2]["ScopeKey"] == "users|||" and journal.rows[1]["DeletionsHeld"] == 2
    assert pending(journal, "/r", [held, newer, unreadable]).files == [unreadable]  # tried again
    own = {"postgresql": "lms.processedfiles", "mssql": "lms.[ProcessedFiles]"}[engine]
    assert all(own in sql for sql in journal.statements[engine])
    kinds = {sql.split()[0] for sql in journal.statements[engine]}
    assert kinds == {"DELETE", "INSERT", "SELECT", "UPDATE"}
    assert len(journal.statements["postgresql"]) == len(journal.statements["mssql"])
