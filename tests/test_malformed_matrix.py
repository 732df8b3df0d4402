"""A matrix of malformed inputs, each loaded into a store that already holds a district's data.

Every case checks three things:
- the message: a rejected file names its path, line and (where there is one) column; a quarantined row is in
  lms.quarantine with file, line, column and check; something discovery skips is a manifest notice naming it;
- what is quarantined or rejected is exactly what must be, and nothing of a rejected file loads;
- nothing outside the case's own scope changes: every live row of every table is compared before and after, and
  only the rows the case names may differ.

One database serves the whole module: a baseline is loaded once and put back (conftest.DataSnapshot) before each
case, so the 103 cases run in seconds rather than one database clone each.

Negative points (EarnedPoints, MaxPoints) are ACCEPTED, on purpose: an LMS stores them (Canvas and Schoology let a
teacher deduct points, e.g. a late penalty entered as a negative score, and allow negative point adjustments), the
reference data store has no constraint against them, Ed-Fi's lmsx columns are signed decimals, and quarantining
them would silently drop a grade the teacher gave. See docs/RELIABILITY.md.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import DataSnapshot
from extracts import DATES, HEADERS, activity, assignment, attendance, enrolment, section, submission, user, write
from sqlalchemy import text

from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.loading.batch import MassDeletePolicy
from lms_pipeline.loading.journal import pending_files
from lms_pipeline.loading.stage import stage_all
from lms_pipeline.resources import LOAD_ORDER
from lms_pipeline.store.connections import make_engine
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.tables import StoreTables

STAMP = "2021-09-02-06-00-00"  # the cases' files are a day newer than the baseline
A_S2 = f"section=S2/assignments/{STAMP}.csv"  # the default target: section S2's assignments
SUB_A3 = f"section=S2/assignment=A3/submissions/{STAMP}.csv"
ATT_S2 = f"section=S2/attendance-events/{STAMP}.csv"
USERS = f"users/{STAMP}.csv"
A_HEADER = HEADERS["assignments"] + list(DATES)  # 15 columns
LIVE_TABLES = tuple(resource.table.lower() for resource in LOAD_ORDER)  # every live table, parents first


# --- the store ------------------------------------------------------------------------------------------------


def load(engine, root: Path):
    """Discover and load one root with the staging functions; the manifest (with its notices) and the summary."""
    manifest = walk_tree(root)
    tables = StoreTables(dialect_of(engine))
    summary = stage_all(engine, [pending_files(engine, tables, manifest, False)], None, MassDeletePolicy())
    return manifest, summary


def write_baseline(root: Path) -> None:
    """BestLMS: users U1-U4, sections S1 and S2 with enrolments, assignments A1, A2 (S1) and A3 (S2),
    submissions of A1, attendance and activities in S1, one system activity."""
    write(root, "users", [user(f"U{i}") for i in range(1, 5)], "2021-09-01-06-00-00")
    write(root, "sections", [section("S1"), section("S2")], "2021-09-01-06-00-00")
    write(root, "section-associations", [enrolment("E1", "S1", "U1"), enrolment("E2", "S1", "U2")], section="S1")
    write(root, "section-associations", [enrolment("E3", "S2", "U3")], section="S2")
    write(root, "assignments", [assignment("A1", "S1"), assignment("A2", "S1")], section="S1")
    write(root, "assignments", [assignment("A3", "S2")], section="S2")
    write(
        root, "submissions", [submission("B1", "A1", "U1"), submission("B2", "A1", "U2")], section="S1", assignment="A1"
    )
    write(root, "attendance-events", [attendance("T1", "S1", "U1")], section="S1")
    write(root, "section-activities", [activity("X1", "U1", "S1")], section="S1")
    write(root, "system-activities", [activity("Y1", "U1")])


@dataclass
class Store:
    engine: object
    snapshot: DataSnapshot

    def state(self) -> dict[str, dict[tuple, str]]:
        """Every row of every live table (and submission types), keyed by natural key, as text."""
        with self.engine.connect() as conn:
            state = {
                t: {
                    (r[0], r[1]): r[2]
                    for r in conn.execute(text(f"SELECT sourcesystemidentifier, sourcesystem, x::text FROM lms.{t} x"))
                }
                for t in LIVE_TABLES
            }
            state["assignmentsubmissiontype"] = {
                (r[0], r[1]): r[2]
                for r in conn.execute(
                    text(
                        "SELECT a.sourcesystemidentifier, t.submissiontype, t::text "
                        "FROM lms.assignmentsubmissiontype t JOIN lms.assignment a USING (assignmentidentifier)"
                    )
                )
            }
        return state

    def query(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).all()


@pytest.fixture(scope="module")
def store(databases, migrated_template, tmp_path_factory):
    engine = make_engine(databases.create(template=migrated_template))
    root = tmp_path_factory.mktemp("baseline")
    write_baseline(root)
    _, summary = load(engine, root)
    assert not summary.rejected_files and summary.total("quarantined") == 0
    snapshot = DataSnapshot(engine, ["lms"])
    yield Store(engine, snapshot)
    engine.dispose()


def changed(before: dict, after: dict) -> dict[str, set[str]]:
    """Per table, the identifiers of the rows that were added, removed or changed in any column."""
    diff = {}
    for table in before:
        keys = {k for k in before[table].keys() | after[table].keys() if before[table].get(k) != after[table].get(k)}
        if keys:
            diff[table] = {k[0] for k in keys}
    return diff


# --- writing malformed files ----------------------------------------------------------------------------------


def csv_text(rows: list[dict], header: list[str] = A_HEADER, terminator: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=terminator)
    writer.writerow(header)
    for row in rows:
        full = {**DATES, **row}
        writer.writerow([full.get(h, "") for h in header])
    return buffer.getvalue()


def a_rows(*extra: dict) -> list[dict]:
    """Section S2's unchanged A3 on line 2, then the case's rows."""
    return [assignment("A3", "S2"), *extra]


def put(root: Path, relpath: str, data: bytes | str) -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def line_of(data: str, number: int) -> str:
    return data.split("\n")[number - 1]


def column_of(data: str, number: int, needle: str) -> int:
    """1-based character column of needle on a line of the file."""
    return line_of(data, number).index(needle) + 1


# --- the cases --------------------------------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    build: Callable[[Path, Path], dict | None]  # (root, outside) -> values for the expectations' placeholders
    rejected: str | None = None  # the rejected-file message after "<path>, "; {placeholders} from build
    journal: str | None = None  # the case file's journal outcome; None: it must not be journaled at all
    quarantine: list[tuple] = field(default_factory=list)  # (relpath, line, column, check), exactly
    notices: list[tuple] = field(default_factory=list)  # (relpath, kind or None: any kind) in the manifest's notices
    changes: dict[str, set[str]] = field(default_factory=dict)  # rows that may (and must) change; nothing else
    relpath: str = A_S2  # the case's file
    check: Callable | None = None  # further assertions: check(store, root, summary, manifest, context)


def rejected(id, build, message, relpath=A_S2, **kw) -> Case:
    return Case(id, build, rejected=message, journal="rejected", relpath=relpath, **kw)


def quarantined(id, build, quarantine, changes=None, relpath=A_S2, **kw) -> Case:
    return Case(id, build, journal="loaded", quarantine=quarantine, changes=changes or {}, relpath=relpath, **kw)


def loaded(id, build, changes, relpath=A_S2, **kw) -> Case:
    return Case(id, build, journal="loaded", changes=changes, relpath=relpath, **kw)


def stored(sql: str, expected, **params):
    def check(store, root, summary, manifest, context):
        assert store.query(sql, **params) == expected

    return check


def with_a4(transform: Callable[[str], bytes], **values) -> Callable:
    """S2's assignments file with A3 (line 2) and A4 (line 3), turned into bytes by transform."""

    def build(root, outside):
        data = csv_text(a_rows(assignment("A4", "S2", **values)))
        put(root, A_S2, transform(data))
        return {"data": data}

    return build


def utf8_bom(data: str) -> bytes:
    return b"\xef\xbb\xbf" + data.encode("utf-8")


def at(needle: str, offset: int, bad: Callable[[str], bytes]):
    """A build that writes A4 with Title=needle, encoded by `bad`; the bad byte is `offset` characters into needle."""

    def build(root, outside):
        data = csv_text(a_rows(assignment("A4", "S2", Title=needle)))
        put(root, A_S2, bad(data))
        return {"column": column_of(data, 3, needle) + offset}

    return build


ENCODINGS = [
    rejected(
        "latin-1",
        at("Café A4", 3, bad=lambda d: d.encode("latin-1")),
        "line 3, column {column}: not UTF-8: byte 0xe9 cannot be decoded; save the file as UTF-8",
    ),
    rejected(
        "cp1252-smart-quotes",
        at("\u201cQuoted\u201d", 0, bad=lambda d: d.encode("cp1252")),
        "line 3, column {column}: not UTF-8: byte 0x93 cannot be decoded; save the file as UTF-8",
    ),
    rejected(
        "invalid-utf8-continuation",
        at("Bad X", 4, bad=lambda d: d.encode("utf-8").replace(b"Bad X", b"Bad \xc3\x28")),
        "line 3, column {column}: not UTF-8: byte 0xc3 cannot be decoded; save the file as UTF-8",
    ),
    rejected(
        "utf-16-le-with-bom",
        with_a4(lambda d: d.encode("utf-16")),
        "line 1, column 1: not UTF-8: byte 0xff cannot be decoded; save the file as UTF-8",
    ),
    rejected(
        "utf-16-be-with-bom",
        with_a4(lambda d: b"\xfe\xff" + d.encode("utf-16-be")),
        "line 1, column 1: not UTF-8: byte 0xfe cannot be decoded; save the file as UTF-8",
    ),
    rejected(
        "utf-16-le-without-bom",
        with_a4(lambda d: d.encode("utf-16-le")),
        "line 1, column 2: binary data (a NUL character) in a CSV file",
    ),
    rejected(
        "utf-32-with-bom",
        with_a4(lambda d: d.encode("utf-32")),
        "line 1, column 1: not UTF-8: byte 0xff cannot be decoded; save the file as UTF-8",
    ),
    rejected(
        "double-utf8-bom",
        with_a4(lambda d: b"\xef\xbb\xbf" + utf8_bom(d)),
        "line 1, column 1: column '\\ufeffSourceSystemIdentifier' holds an invisible character",
    ),
    loaded("utf8-without-bom", with_a4(lambda d: d.encode("utf-8")), {"assignment": {"A4"}}),
    loaded(
        "utf8-bom-and-crlf",
        lambda root, outside: (
            put(root, A_S2, utf8_bom(csv_text(a_rows(assignment("A4", "S2")), terminator="\r\n"))) and None
        ),
        {"assignment": {"A4"}},
    ),
    Case(
        "bom-and-newline-only",
        lambda root, outside: put(root, A_S2, b"\xef\xbb\xbf\n") and None,
        notices=[(A_S2, "empty-file")],
    ),
]


def semicolons(root, outside):
    put(root, A_S2, csv_text(a_rows(assignment("A4", "S2"))).replace(",", ";"))


def tabs(root, outside):
    put(root, A_S2, csv_text(a_rows(assignment("A4", "S2"))).replace(",", "\t"))


def one_semicolon_row(root, outside):
    data = csv_text(a_rows(assignment("A4", "S2"), assignment("A5", "S2")))
    lines = data.split("\n")
    lines[2] = lines[2].replace(",", ";")
    put(root, A_S2, "\n".join(lines))


ALL_REQUIRED = (
    "SourceSystemIdentifier, SourceSystem, LMSSectionSourceSystemIdentifier, Title, "
    "AssignmentCategory, CreateDate, LastModifiedDate"
)
DELIMITERS = [
    rejected("semicolon-delimited", semicolons, f"line 1: missing required column(s): {ALL_REQUIRED}"),
    rejected("tab-delimited", tabs, f"line 1: missing required column(s): {ALL_REQUIRED}"),
    quarantined("one-row-with-semicolons", one_semicolon_row, [(A_S2, 3, None, "field-count")], {"assignment": {"A5"}}),
]


def unterminated_last(root, outside):
    data = csv_text(a_rows(assignment("A4", "S2")))
    put(root, A_S2, data.replace("Assignment A4", '"Unclosed title A4'))


def unterminated_middle(root, outside):
    data = csv_text(a_rows(assignment("A4", "S2"), assignment("A5", "S2"), assignment("A6", "S2")))
    put(root, A_S2, data.replace("Assignment A4", '"Unclosed title A4'))


def stray_quote(root, outside):
    data = csv_text(a_rows(assignment("A4", "S2")))
    put(root, A_S2, data.replace("Assignment A4", 'The "best" A4'))  # unquoted field with quotes inside


def after_closing_quote(root, outside):
    data = csv_text(a_rows(assignment("A4", "S2")))
    put(root, A_S2, data.replace("A4,BestLMS", '"A4"x,BestLMS'))


def multiline_then_bad(root, outside):
    put(
        root,
        A_S2,
        csv_text(
            a_rows(assignment("A4", "S2", Title='two\nlines, "quoted"'), assignment("A5", "S2", MaxPoints="many"))
        ),
    )


QUOTING = [
    rejected("unterminated-quote-in-last-row", unterminated_last, "line 3: malformed CSV: unexpected end of data"),
    # The quote opens on line 3 and swallows lines 4 and 5: the message must point where the quote opens, not at
    # the end of the file where the reader gave up.
    rejected("unterminated-quote-mid-file", unterminated_middle, "line 3: malformed CSV: unexpected end of data"),
    loaded(
        "stray-quote-inside-unquoted-field",
        stray_quote,
        {"assignment": {"A4"}},
        check=stored("SELECT title FROM lms.assignment WHERE sourcesystemidentifier = 'A4'", [('The "best" A4',)]),
    ),
    rejected("text-after-closing-quote", after_closing_quote, "line 3: malformed CSV: ',' expected after '\"'"),
    quarantined(
        "line-numbers-after-a-quoted-newline",
        multiline_then_bad,
        [(A_S2, 5, "MaxPoints", "whole-number")],
        {"assignment": {"A4"}},
        check=stored(
            "SELECT title FROM lms.assignment WHERE sourcesystemidentifier = 'A4'", [('two\nlines, "quoted"',)]
        ),
    ),
]


def cut(after: str, extra: bytes = b"") -> Callable:
    """The S2 file cut just after the first occurrence of `after` on A4's line (no final newline)."""

    def build(root, outside):
        data = csv_text(a_rows(assignment("A4", "S2", AssignmentDescription='A long, "quoted" description')))
        encoded = data.encode("utf-8")
        end = encoded.index(after.encode("utf-8"), encoded.index(b"\nA4,")) + len(after.encode("utf-8"))
        put(root, A_S2, encoded[:end] + extra)
        return {"column": column_of(data, 3, after) + len(after)}

    return build


def cut_existing_row(root, outside):
    """A3's own line cut after its key and section: A3 is still listed, only malformed."""
    put(root, A_S2, csv_text([assignment("A4", "S2")]) + "A3,BestLMS,S2,Assign")


def cut_header(root, outside):
    put(root, A_S2, ",".join(A_HEADER)[:33])


def header_only(root, outside):
    put(root, A_S2, utf8_bom(csv_text([])))


TRUNCATED = [
    quarantined("cut-mid-row", cut("Assignment"), [(A_S2, 3, None, "field-count")]),
    rejected("cut-mid-quoted-field", cut('"A long, '), "line 3: malformed CSV: unexpected end of data"),
    rejected(
        "cut-mid-utf8-character",
        cut("A long", b"\xc3"),
        "line 3, column {column}: not UTF-8: byte 0xc3 cannot be decoded; save the file as UTF-8",
    ),
    rejected(
        "cut-inside-the-header",
        cut_header,
        "line 1: missing required column(s): SourceSystem, LMSSectionSourceSystemIdentifier, Title, "
        "AssignmentCategory, CreateDate, LastModifiedDate",
    ),
    # A3's row is in the file, only cut short: it is quarantined, and its live row must NOT be soft-deleted.
    quarantined(
        "cut-row-of-an-existing-assignment", cut_existing_row, [(A_S2, 3, None, "field-count")], {"assignment": {"A4"}}
    ),
    # By design (README): a header-only section file empties that section. A file cut right after its header
    # cannot be told from it; the test pins the documented behaviour down.
    loaded(
        "cut-right-after-the-header",
        header_only,
        {"assignment": {"A3"}},
        check=stored("SELECT deletedat IS NOT NULL FROM lms.assignment WHERE sourcesystemidentifier = 'A3'", [(True,)]),
    ),
]


def nul_in_field(root, outside):
    data = csv_text(a_rows(assignment("A4", "S2", Title="Nul here")))
    put(root, A_S2, data.replace("Nul here", "Nul\x00here"))
    return {"column": column_of(data, 3, "Nul here") + 3}


BINARY = [
    rejected(
        "png-named-csv",
        lambda root, outside: put(root, A_S2, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4) and None,
        "line 1, column 1: not UTF-8: byte 0x89 cannot be decoded; save the file as UTF-8",
    ),
    rejected(
        "gzip-named-csv",
        lambda root, outside: put(root, A_S2, b"\x1f\x8b\x08\x00" + bytes(200)) and None,
        "line 1, column 2: not UTF-8: byte 0x8b cannot be decoded; save the file as UTF-8",
    ),
    rejected(
        "xlsx-named-csv",
        lambda root, outside: put(root, A_S2, b"PK\x03\x04\x14\x00\x06\x00" + bytes(200)) and None,
        "line 1, column 6: binary data (a NUL character) in a CSV file",
    ),
    rejected(
        "nul-inside-a-field", nul_in_field, "line 3, column {column}: binary data (a NUL character) in a CSV file"
    ),
    rejected(
        "random-bytes",
        lambda root, outside: put(root, A_S2, random.Random(8).randbytes(8192)) and None,
        re.compile(
            r"line \d+, column \d+: (not UTF-8: byte 0x[0-9a-f]{2} cannot be decoded; save the file as "
            r"UTF-8|binary data \(a NUL character\) in a CSV file)"
        ),
    ),
]

FIVE_MB = "x" * (5 * 1024 * 1024)


def huge_title(root, outside):
    put(root, A_S2, csv_text(a_rows(assignment("A4", "S2", Title=FIVE_MB))))


def huge_description(root, outside):
    put(root, A_S2, csv_text(a_rows(assignment("A4", "S2", AssignmentDescription=FIVE_MB))))


def field_over_limit(root, outside):
    put(root, A_S2, csv_text(a_rows(assignment("A4", "S2", AssignmentDescription="y" * (17 * 1024 * 1024)))))


HUGE = [
    quarantined(
        "5-mb-title",
        huge_title,
        [(A_S2, 3, "Title", "max-length-255")],
        check=stored("SELECT length(value), reason FROM lms.quarantine", [(1024, "longer than 255 characters")]),
    ),
    loaded(
        "5-mb-description-is-cut-to-1024",
        huge_description,
        {"assignment": {"A4"}},
        check=stored(
            "SELECT length(assignmentdescription) FROM lms.assignment WHERE sourcesystemidentifier = 'A4'", [(1024,)]
        ),
    ),
    rejected("17-mb-field", field_over_limit, "line 3: malformed CSV: field larger than field limit (16777216)"),
]


def header(transform: Callable[[list[str]], list[str]], rows_transform: Callable | None = None) -> Callable:
    def build(root, outside):
        names = transform(list(A_HEADER))
        rows = [assignment("A3", "S2"), assignment("A4", "S2")]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            full = {**DATES, **row}
            values = [full.get(h, "") for h in A_HEADER]
            writer.writerow(rows_transform(values) if rows_transform else values[: len(names)])
        put(root, A_S2, utf8_bom(buffer.getvalue()))

    return build


def no_header(root, outside):
    data = csv_text(a_rows(assignment("A4", "S2")))
    put(root, A_S2, data.split("\n", 1)[1])


def users_file_in_assignments(root, outside):
    put(root, A_S2, csv_text([user("U9")], header=HEADERS["users"] + list(DATES)))


def drift(expected: dict) -> Callable:
    def check(store, root, summary, manifest, context):
        assert summary.drift == expected

    return check


def renamed(old: str, new: str) -> Callable:
    return lambda names: [new if n == old else n for n in names]


WRONG_HEADERS = [
    rejected(
        "missing-required-column",
        header(lambda n: [x for x in n if x != "AssignmentCategory"], lambda v: v[:4] + v[5:]),
        "line 1: missing required column(s): AssignmentCategory",
    ),
    rejected(
        "misspelled-key-column",
        header(renamed("SourceSystemIdentifier", "SourceSytemIdentifier"), lambda v: v),
        "line 1: missing required column(s): SourceSystemIdentifier",
        check=drift({A_S2: ["SourceSytemIdentifier"]}),
    ),
    rejected(
        "users-header-in-assignments-folder",
        users_file_in_assignments,
        "line 1: missing required column(s): LMSSectionSourceSystemIdentifier, Title, AssignmentCategory",
    ),
    # The first data row is read as the header; its two empty values are the first thing wrong with it.
    rejected("no-header-row", no_header, "line 1, column 7: column '' appears twice in the header"),
    loaded(
        "unknown-extra-column",
        header(lambda n: n + ["Colour"], lambda v: v + ["blue"]),
        {"assignment": {"A4"}},
        check=drift({A_S2: ["Colour"]}),
    ),
    loaded(
        "columns-in-another-order",
        header(lambda n: list(reversed(n)), lambda v: list(reversed(v))),
        {"assignment": {"A4"}},
        check=stored(
            "SELECT title, assignmentcategory, maxpoints FROM lms.assignment WHERE sourcesystemidentifier = 'A4'",
            [("Assignment A4", "Assignment", 10)],
        ),
    ),
    loaded("spaces-around-column-names", header(lambda n: [f"  {x} " for x in n], lambda v: v), {"assignment": {"A4"}}),
    rejected(
        "duplicated-column",
        header(lambda n: n + ["Title"], lambda v: v + ["Other title"]),
        "line 1, column 16: column 'Title' appears twice in the header",
    ),
    rejected(
        "duplicated-column-differing-in-case",
        header(lambda n: n + ["TITLE"], lambda v: v + ["Other"]),
        "line 1, column 16: column 'TITLE' appears twice in the header",
    ),
    rejected(
        "duplicated-key-column",
        header(lambda n: ["SourceSystemIdentifier"] + n, lambda v: ["X"] + v),
        "line 1, column 2: column 'SourceSystemIdentifier' appears twice in the header",
    ),
    loaded("header-only-in-upper-case", header(lambda n: [x.upper() for x in n], lambda v: v), {"assignment": {"A4"}}),
    loaded("header-only-in-lower-case", header(lambda n: [x.lower() for x in n], lambda v: v), {"assignment": {"A4"}}),
]


def a4_with(relpath=A_S2, **values) -> Callable:
    def build(root, outside):
        put(root, relpath, utf8_bom(csv_text(a_rows(assignment("A4", "S2", **values)))))

    return build


def b3_with(**values) -> Callable:
    def build(root, outside):
        header = HEADERS["submissions"] + list(DATES)
        put(root, SUB_A3, utf8_bom(csv_text([submission("B3", "A3", "U3", **values)], header=header)))

    return build


def t2_with(**values) -> Callable:
    def build(root, outside):
        header = HEADERS["attendance-events"] + list(DATES)
        put(root, ATT_S2, utf8_bom(csv_text([attendance("T2", "S2", "U3", **values)], header=header)))

    return build


WRONG_TYPES = [
    quarantined("points-in-scientific-notation", a4_with(MaxPoints="1e3"), [(A_S2, 3, "MaxPoints", "whole-number")]),
    quarantined("fractional-points", a4_with(MaxPoints="9.5"), [(A_S2, 3, "MaxPoints", "whole-number")]),
    quarantined("points-beyond-int", a4_with(MaxPoints="2147483648"), [(A_S2, 3, "MaxPoints", "whole-number")]),
    loaded(
        "points-written-as-10.0",
        a4_with(MaxPoints="10.0"),
        {"assignment": {"A4"}},
        check=stored("SELECT maxpoints FROM lms.assignment WHERE sourcesystemidentifier = 'A4'", [(10,)]),
    ),
    quarantined(
        "letter-grade-in-earned-points",
        b3_with(EarnedPoints="A+"),
        [(SUB_A3, 2, "EarnedPoints", "whole-number")],
        relpath=SUB_A3,
    ),
]

IMPOSSIBLE_DATES = [
    quarantined("february-30", a4_with(DueDateTime="2021-02-30 10:00:00"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined("hour-25", a4_with(DueDateTime="2021-09-01 25:00:00"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined("minute-60", a4_with(DueDateTime="2021-09-01 23:60"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined(
        "september-31-us-format", a4_with(DueDateTime="9/31/2021 6:00"), [(A_S2, 3, "DueDateTime", "datetime")]
    ),
    quarantined("year-10000", a4_with(DueDateTime="10000-01-01 00:00:00"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined(
        "zero-date-in-a-required-column",
        a4_with(LastModifiedDate="0000-00-00 00:00:00"),
        [(A_S2, 3, "LastModifiedDate", "datetime")],
    ),
    quarantined(
        "february-29-of-2021", t2_with(EventDate="2021-02-29"), [(ATT_S2, 2, "EventDate", "datetime")], relpath=ATT_S2
    ),
    loaded(
        "february-29-of-2020-is-real",
        a4_with(DueDateTime="2020-02-29 12:00:00"),
        {"assignment": {"A4"}},
        check=stored(
            "SELECT duedatetime::text FROM lms.assignment WHERE sourcesystemidentifier = 'A4'",
            [("2020-02-29 12:00:00",)],
        ),
    ),
]


def due_stored(expected: str):
    return stored("SELECT duedatetime::text FROM lms.assignment WHERE sourcesystemidentifier = 'A4'", [(expected,)])


# Issue 13: every value that does not parse is quarantined (none fails the run), and offsets are converted to UTC.
VALUE_CLASSES = [
    loaded(
        "nanosecond-fraction-is-cut-to-microseconds",
        a4_with(DueDateTime="2021-09-01 10:00:00.123456789"),
        {"assignment": {"A4"}},
        check=due_stored("2021-09-01 10:00:00.123456"),
    ),
    loaded(
        "z-suffix-is-utc",
        a4_with(DueDateTime="2021-09-01T10:00:00Z"),
        {"assignment": {"A4"}},
        check=due_stored("2021-09-01 10:00:00"),
    ),
    loaded(
        "utc-offset-is-converted-to-utc",
        a4_with(DueDateTime="2021-09-01 10:00:00+02:00"),
        {"assignment": {"A4"}},
        check=due_stored("2021-09-01 08:00:00"),
    ),
    loaded(
        "compact-utc-offset-is-converted-to-utc",
        a4_with(DueDateTime="2021-09-01 10:00-0500"),
        {"assignment": {"A4"}},
        check=due_stored("2021-09-01 15:00:00"),
    ),
    quarantined("hour-24", a4_with(DueDateTime="2021-09-01 24:00:00"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined("second-60", a4_with(DueDateTime="2021-09-01 10:00:60"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined("year-0", a4_with(DueDateTime="0000-01-01 00:00:00"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined(
        "arabic-indic-digits", a4_with(DueDateTime="٢٠٢١-٠٩-٠١ ١٠:٠٠:٠٠"), [(A_S2, 3, "DueDateTime", "datetime")]
    ),
    quarantined(
        "full-width-digit-in-the-year",
        a4_with(DueDateTime="２021-09-01 10:00:00"),
        [(A_S2, 3, "DueDateTime", "datetime")],
    ),
    quarantined("compact-date", a4_with(DueDateTime="20210901"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined("partial-date", a4_with(DueDateTime="2021-09"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined("hour-without-minutes", a4_with(DueDateTime="2021-09-01 10"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined("the-word-now", a4_with(DueDateTime="now"), [(A_S2, 3, "DueDateTime", "datetime")]),
    quarantined(
        "offset-leaves-the-years-of-the-store",
        a4_with(StartDateTime="0001-01-01 00:30:00+01:00"),
        [(A_S2, 3, "StartDateTime", "datetime")],
    ),
    quarantined("arabic-indic-points", a4_with(MaxPoints="١٠"), [(A_S2, 3, "MaxPoints", "whole-number")]),
]


NEGATIVE_POINTS = [
    loaded(
        "negative-earned-points-are-kept",
        b3_with(EarnedPoints="-5"),
        {"assignmentsubmission": {"B3"}},
        relpath=SUB_A3,
        check=stored("SELECT earnedpoints FROM lms.assignmentsubmission WHERE sourcesystemidentifier = 'B3'", [(-5,)]),
    ),
    loaded(
        "negative-max-points-are-kept",
        a4_with(MaxPoints="-10"),
        {"assignment": {"A4"}},
        check=stored("SELECT maxpoints FROM lms.assignment WHERE sourcesystemidentifier = 'A4'", [(-10,)]),
    ),
]

HOSTILE = [
    "'; DROP TABLE lms.assignment; --",
    "Robert'); DROP TABLE Students;--",
    "a\"b;c'd",
    "\\.",
    "\\N",
    "x\n\\.\ny",
    "$(touch /tmp/lms-pipeline-pwned)",
]


def carriage_return(root, outside):
    put(root, A_S2, utf8_bom(csv_text(a_rows(assignment("A4", "S2", Title="old Mac\rline end")))))


def long_key(root, outside):
    put(root, A_S2, utf8_bom(csv_text(a_rows(assignment("k" * 256, "S2"), assignment("A4", "S2")))))


def as_key(value: str) -> str:
    """A line break in an identifier is quarantined (issue 13); in a title it is data and must stay as it is."""
    return value.replace("\n", "|")


def hostile_identifiers(root, outside):
    rows = [assignment(as_key(value), "S2", Title=value, AssignmentDescription=value) for value in HOSTILE]
    put(root, A_S2, utf8_bom(csv_text(a_rows(*rows))))


def hostile_values_stored_verbatim(store, root, summary, manifest, context):
    rows = store.query(
        "SELECT sourcesystemidentifier, title, assignmentdescription FROM lms.assignment "
        "WHERE sourcesystemidentifier NOT IN ('A1', 'A2', 'A3') ORDER BY 1"
    )
    assert rows == sorted((as_key(v), v, v) for v in HOSTILE)
    assert store.query("SELECT to_regclass('lms.assignment') IS NOT NULL") == [(True,)]
    assert not os.path.exists("/tmp/lms-pipeline-pwned")


def hostile_folder(name: str) -> Callable:
    """A section and its assignments, in OtherLMS, whose identifier (and so folder name) is `name`."""

    def build(root, outside):
        write(root, "sections", [section(name, "OtherLMS")], STAMP)
        write(root, "assignments", [assignment("Z1", name, "OtherLMS")], STAMP, section=name)
        return {"name": name}

    return build


def folder_stored_verbatim(store, root, summary, manifest, context):
    name = context["name"]
    assert store.query(
        "SELECT s.sourcesystemidentifier, a.sourcesystemidentifier FROM lms.assignment a "
        "JOIN lms.lmssection s USING (lmssectionidentifier) WHERE a.sourcesystem = 'OtherLMS'"
    ) == [(name, "Z1")]
    assert store.query(
        "SELECT count(*) FROM lms.processedfiles WHERE relativepath = :r", r=f"section={name}/assignments/{STAMP}.csv"
    ) == [(1,)]
    assert not (root / "pwned").exists() and not os.path.exists("pwned")


def hostile_folder_case(id: str, name: str) -> Case:
    return loaded(
        id,
        hostile_folder(name),
        {"lmssection": {name}, "assignment": {"Z1"}},
        relpath=f"section={name}/assignments/{STAMP}.csv",
        check=folder_stored_verbatim,
    )


def latin1_folder(root, outside):
    name = os.fsdecode(b"section=caf\xe9")  # a folder copied from Windows without re-encoding its name
    put(root, f"{name}/assignments/{STAMP}.csv", utf8_bom(csv_text([assignment("Z1", "S2")])))
    put(root, A_S2, utf8_bom(csv_text(a_rows(assignment("A4", "S2")))))


def latin1_folder_reported(store, root, summary, manifest, context):
    """The folder with an undecodable name is reported (a notice or a rejected file) and its file not loaded."""
    reported = [n.relpath for n in manifest.notices] + summary.rejected_files
    assert any("caf" in r for r in reported), reported
    assert store.query("SELECT count(*) FROM lms.assignment WHERE sourcesystemidentifier = 'Z1'") == [(0,)]


IDENTIFIERS_AND_FOLDERS = [
    # A lone carriage return inside a quoted value is data: it must load as it is.
    loaded(
        "carriage-return-inside-a-value",
        carriage_return,
        {"assignment": {"A4"}},
        check=stored("SELECT title FROM lms.assignment WHERE sourcesystemidentifier = 'A4'", [("old Mac\rline end",)]),
    ),
    # An identifier over 255 characters is quarantined like any over-long value (its default title, which repeats
    # it, too); the file's other rows load.
    quarantined(
        "identifier-longer-than-255",
        long_key,
        [(A_S2, 3, "SourceSystemIdentifier", "max-length-255"), (A_S2, 3, "Title", "max-length-255")],
        {"assignment": {"A4"}},
    ),
    loaded(
        "identifiers-with-quotes-semicolons-and-sql",
        hostile_identifiers,
        {"assignment": {as_key(v) for v in HOSTILE}},
        check=hostile_values_stored_verbatim,
    ),
    hostile_folder_case("folder-with-sql", "S'3; DROP TABLE lms.assignment; --"),
    hostile_folder_case("folder-with-quotes-and-spaces", "My \"Best\" Section '2'"),
    hostile_folder_case("folder-with-shell-substitution", "$(touch pwned)"),
    hostile_folder_case("folder-with-backticks", "`touch pwned`"),
    # The run goes on: A4 of S2 loads; the undecodable folder is reported.
    Case(
        "folder-name-not-utf8",
        latin1_folder,
        journal="loaded",
        changes={"assignment": {"A4"}},
        check=latin1_folder_reported,
    ),
]


def outside_file(outside: Path) -> Path:
    """An extract file outside the root that would add assignment Q1 to S2 if it were followed."""
    path = outside / "secret.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(utf8_bom(csv_text(a_rows(assignment("Q1", "S2")))))
    return path


def link_file_out(root, outside):
    (root / A_S2).parent.mkdir(parents=True)
    os.symlink(outside_file(outside), root / A_S2)


def link_folder_out(root, outside):
    folder = outside / "section=S2"
    (folder / "assignments").mkdir(parents=True)
    os.rename(outside_file(outside), folder / "assignments" / f"{STAMP}.csv")
    os.symlink(folder, root / "section=S2")


def link_relative_out(root, outside):
    target = outside_file(outside)
    (root / A_S2).parent.mkdir(parents=True)
    os.symlink(os.path.relpath(target, (root / A_S2).parent), root / A_S2)


def link_chain_out(root, outside):
    (root / A_S2).parent.mkdir(parents=True)
    os.symlink(outside_file(outside), root / "hop.csv")
    os.symlink(root / "hop.csv", root / A_S2)


def link_inside(root, outside):
    archive = root / "archive" / "a.csv"
    put(root, "archive/a.csv", utf8_bom(csv_text(a_rows(assignment("A4", "S2")))))
    (root / A_S2).parent.mkdir(parents=True)
    os.symlink(os.path.relpath(archive, (root / A_S2).parent), root / A_S2)


def link_loop(root, outside):
    (root / A_S2).parent.mkdir(parents=True)
    os.symlink(f"{STAMP}.csv", root / A_S2)  # points at itself
    put(root, "section=S2/assignments/2021-09-03-06-00-00.csv", utf8_bom(csv_text(a_rows(assignment("A4", "S2")))))


def dangling_link(root, outside):
    (root / A_S2).parent.mkdir(parents=True)
    os.symlink(root / "nowhere.csv", root / A_S2)


def nothing_from_outside(store, root, summary, manifest, context):
    assert store.query("SELECT count(*) FROM lms.assignment WHERE sourcesystemidentifier = 'Q1'") == [(0,)]
    assert all(f.path.startswith(str(root.resolve())) for f in manifest.files)


SYMLINKS = [
    Case("symlinked-file-out-of-root", link_file_out, notices=[(A_S2, "outside-root")], check=nothing_from_outside),
    Case(
        "symlinked-folder-out-of-root",
        link_folder_out,
        notices=[("section=S2", "outside-root")],
        check=nothing_from_outside,
    ),
    Case(
        "relative-symlink-out-of-root", link_relative_out, notices=[(A_S2, "outside-root")], check=nothing_from_outside
    ),
    Case(
        "symlink-chain-out-of-root",
        link_chain_out,
        notices=[(A_S2, "outside-root"), ("hop.csv", "outside-root")],
        check=nothing_from_outside,
    ),
    loaded(
        "symlink-inside-the-root-is-followed",
        link_inside,
        {"assignment": {"A4"}},
        notices=[("archive", "unexpected-folder")],
    ),
    # A link to itself is reported and skipped; the run goes on and loads the next day's file.
    Case(
        "symlink-loop",
        link_loop,
        notices=[(A_S2, None)],
        changes={"assignment": {"A4"}},
        check=stored("SELECT outcome FROM lms.processedfiles WHERE relativepath LIKE '%2021-09-03%'", [("loaded",)]),
    ),
    Case("dangling-symlink", dangling_link, notices=[(A_S2, None)]),
]

EMPTY_FILES = 100_000


def many_empty_files(root, outside):
    """100,000 empty extract files over 100 sections' folders, and one real file among them."""
    start = datetime.datetime(2021, 1, 1)
    names = [(start + datetime.timedelta(seconds=i)).strftime("%Y-%m-%d-%H-%M-%S.csv") for i in range(1000)]
    for s in range(EMPTY_FILES // len(names)):
        folder = root / f"section=E{s:03}" / "assignments"
        folder.mkdir(parents=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            for name in names:
                os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
        finally:
            os.close(fd)
    put(root, A_S2, utf8_bom(csv_text(a_rows(assignment("A4", "S2")))))


def empty_files_reported(store, root, summary, manifest, context):
    empty = [n for n in manifest.notices if n.kind == "empty-file"]
    assert len(empty) == EMPTY_FILES
    assert empty[0].message == "0 bytes: nothing to load"
    assert context["walk_seconds"] < 30, f"discovery of {EMPTY_FILES} empty files took {context['walk_seconds']:.1f} s"
    assert store.query("SELECT count(*) FROM lms.processedfiles WHERE relativepath LIKE 'section=E%'") == [(0,)]


def tiny_files(root, outside):
    for i, content in enumerate([b"", b"\n", b"\n\n", b"\r\n\r\n"]):
        put(root, f"section=S2/assignments/2021-09-0{i + 2}-06-00-00.csv", content)


def blank_lines_only(root, outside):
    put(root, A_S2, b"\n" * 10)


def whitespace_only(root, outside):
    put(root, A_S2, b"     \n     \n")


EMPTY = [
    Case(
        "100000-empty-files",
        many_empty_files,
        journal="loaded",
        changes={"assignment": {"A4"}},
        check=empty_files_reported,
    ),
    Case(
        "files-of-0-to-4-bytes",
        tiny_files,
        notices=[(f"section=S2/assignments/2021-09-0{i}-06-00-00.csv", "empty-file") for i in range(2, 6)],
    ),
    rejected("blank-lines-only", blank_lines_only, "line 1: no header row"),
    rejected("whitespace-only", whitespace_only, f"line 1: missing required column(s): {ALL_REQUIRED}"),
]


def misnamed_files(root, outside):
    put(root, "section=S2/assignments/2021-09-02.csv", utf8_bom(csv_text(a_rows(assignment("A4", "S2")))))
    put(root, "section=S2/assignments/notes.txt", b"not an extract")
    put(root, "section=S2/Assignments/2021-09-02-06-00-00.csv", utf8_bom(csv_text(a_rows(assignment("A4", "S2")))))


PLACEMENT = [
    Case(
        "misnamed-and-misplaced-files",
        misnamed_files,
        relpath="section=S2/assignments/2021-09-02.csv",
        notices=[
            ("section=S2/assignments/2021-09-02.csv", "unnamed"),
            ("section=S2/assignments/notes.txt", "unexpected-file"),
            ("section=S2/Assignments", "unexpected-folder"),
        ],
    ),
]


def link_hard_out(root, outside):
    (root / A_S2).parent.mkdir(parents=True)
    os.link(outside_file(outside), root / A_S2)


def fifo(root, outside):
    (root / A_S2).parent.mkdir(parents=True)
    os.mkfifo(root / A_S2)


def one_file(relpath: str, *rows: dict) -> Callable:
    return lambda root, outside: put(root, relpath, utf8_bom(csv_text(a_rows(*rows)))) and None


def csv_and_upper_csv(root, outside):
    put(root, A_S2.replace(".csv", ".CSV"), utf8_bom(csv_text(a_rows(assignment("A4", "S2", Title="upper")))))
    put(root, A_S2, utf8_bom(csv_text(a_rows(assignment("A4", "S2", Title="lower")))))


def hidden_header(root, outside):
    header = [name + "\u200b" if name == "Title" else name for name in A_HEADER]
    put(root, A_S2, utf8_bom(csv_text(a_rows(assignment("A4", "S2")), header=header)))


# Issue 13: classes an adversarial user found, each fixed where it arose.
ADVERSARIAL = [
    Case("hard-link-out-of-root", link_hard_out, notices=[(A_S2, "outside-link")], check=nothing_from_outside),
    Case("fifo-where-a-file-was-expected", fifo, notices=[(A_S2, "unexpected-file")]),
    Case(
        "timestamp-in-the-future",
        one_file("section=S2/assignments/2999-01-01-00-00-00.csv", assignment("A4", "S2")),
        relpath="section=S2/assignments/2999-01-01-00-00-00.csv",
        notices=[("section=S2/assignments/2999-01-01-00-00-00.csv", "future-timestamp")],
    ),
    # Both load in name order, so the lower-case one decides, as every later run and a clean load agree.
    loaded(
        "same-timestamp-csv-and-CSV",
        csv_and_upper_csv,
        {"assignment": {"A4"}},
        notices=[(A_S2, "same-timestamp")],
        check=stored("SELECT title FROM lms.assignment WHERE sourcesystemidentifier = 'A4'", [("lower",)]),
    ),
    quarantined(
        "identifier-with-zero-width-space",
        one_file(A_S2, assignment("A4\u200b", "S2", Title="A4")),
        [(A_S2, 3, "SourceSystemIdentifier", "identifier")],
    ),
    quarantined(
        "identifier-with-a-trailing-space",
        one_file(A_S2, assignment("A4 ", "S2", Title="A4")),
        [(A_S2, 3, "SourceSystemIdentifier", "identifier")],
    ),
    quarantined(
        "identifier-with-a-non-breaking-space",
        one_file(A_S2, assignment("A\u00a04", "S2", Title="A4")),
        [(A_S2, 3, "SourceSystemIdentifier", "identifier")],
    ),
    rejected(
        "header-with-zero-width-space",
        hidden_header,
        f"line 1, column {A_HEADER.index('Title') + 1}: column 'Title\\u200b' holds an invisible character",
    ),
]

CASES = (
    ENCODINGS
    + DELIMITERS
    + QUOTING
    + TRUNCATED
    + BINARY
    + HUGE
    + WRONG_HEADERS
    + WRONG_TYPES
    + IMPOSSIBLE_DATES
    + VALUE_CLASSES
    + NEGATIVE_POINTS
    + IDENTIFIERS_AND_FOLDERS
    + SYMLINKS
    + EMPTY
    + PLACEMENT
    + ADVERSARIAL
)


def test_the_matrix_has_at_least_40_cases():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_malformed_input(case: Case, store: Store, tmp_path):
    store.snapshot.restore(store.engine)
    before = store.state()
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    context = case.build(root, outside) or {}
    started = time.perf_counter()
    manifest = walk_tree(root)
    context["walk_seconds"] = time.perf_counter() - started
    tables = StoreTables(dialect_of(store.engine))
    summary = stage_all(store.engine, [pending_files(store.engine, tables, manifest, False)], None, MassDeletePolicy())

    # the message
    if case.rejected is None:
        assert summary.rejected_files == []
    else:
        prefix = re.escape(f"{root.resolve() / case.relpath}, ")
        if isinstance(case.rejected, re.Pattern):
            pattern = prefix + case.rejected.pattern
        else:
            pattern = prefix + re.escape(case.rejected.format(**context))
        assert len(summary.rejected_files) == 1 and re.fullmatch(pattern, summary.rejected_files[0]), (
            summary.rejected_files
        )
    notices = {(n.relpath, n.kind) for n in manifest.notices} | {(n.relpath, None) for n in manifest.notices}
    assert set(case.notices) <= notices, manifest.notices
    # what is quarantined, with a reason for each row
    found = store.query(
        "SELECT filepath, linenumber, columnname, checkname, reason FROM lms.quarantine "
        "ORDER BY linenumber, columnname, checkname"
    )
    assert [row[:4] for row in found] == sorted(case.quarantine, key=lambda q: (q[1], q[2] or "", q[3]))
    assert all(row[4] for row in found)
    journal = store.query("SELECT outcome FROM lms.processedfiles WHERE relativepath = :r", r=case.relpath)
    assert journal == ([(case.journal,)] if case.journal else [])
    # nothing outside the case's scope changed, and exactly what it names did
    assert changed(before, store.state()) == case.changes
    if case.check:
        case.check(store, root, summary, manifest, context)
