"""Reports are safe to open in a spreadsheet (issue 13, point 6): a cell a spreadsheet would run as a formula is
written with a leading single quote, as OWASP advises against CSV injection; plain numbers and other text are
written as they are. See docs/SECURITY.md."""

from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal

import pytest
from harmonize_data import lms_user

from lms_pipeline.harmonization.catalog import CANVAS
from lms_pipeline.harmonization.reports import _write_report, write_exception_reports
from lms_pipeline.reporting.spreadsheet import safe_cell

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "+1+1",
    "-1+1",
    "\t=1+1",
    "\r=1+1",
    "-5e3",
    "+-1",
    "-A1",
    "=",
    "-",
]
INERT = [
    "-5",
    "+1.5",
    "-0.25",
    "10",
    "a=b",
    "O'Brien",
    "",
    "2021-09-01 10:00:00",
    "'=already quoted",
    None,
    -5,
    Decimal("-1.50"),
    -1e-05,
    datetime(2021, 9, 1),
]


def read_rows(path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


@pytest.mark.parametrize("value", PAYLOADS)
def test_a_cell_that_would_start_a_formula_gets_a_leading_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", INERT, ids=repr)
def test_plain_numbers_other_text_and_values_that_are_not_text_are_left_as_they_are(value):
    assert safe_cell(value) is value


def test_the_report_writer_quotes_every_formula_cell_and_nothing_else(tmp_path):
    numbers = [-5, "-5", None, 7] * 3
    rows = [{"payload": p, "number": n, "text": "a\r=1+1 b\n=1+1"} for p, n in zip(PAYLOADS, numbers, strict=True)]
    report = _write_report(tmp_path / "users" / "2021-09-01-06-00-00.csv", ["payload", "number", "text"], rows)
    header, *written = read_rows(report.path)
    assert header == ["payload", "number", "text"]
    # A CR or LF inside a value stays inside its cell: a bare CR would start a new row whose first cell is =1+1.
    assert written == [
        ["'" + p, "" if n is None else str(n), "a\r=1+1 b\n=1+1"] for p, n in zip(PAYLOADS, numbers, strict=True)
    ]
    assert report.path.read_bytes().count(b"\n") == len(rows) + 1 + len(rows)  # LF ends each row, as before
    assert report.rows == rows  # the report's rows (for the flow's artifacts) keep the values as stored


def test_hostile_values_from_an_extract_reach_the_exception_report_inert(shared_ods_engine, tmp_path):
    with shared_ods_engine.begin() as conn:
        for number, payload in enumerate(PAYLOADS):
            lms_user(conn, CANVAS, payload, sis_id=PAYLOADS[-1 - number])  # matches no student: reported
    reports = write_exception_reports(shared_ods_engine, tmp_path, now=datetime(2021, 9, 1, 6))
    header, *written = read_rows(reports.files["users"].path)
    columns = [header.index(name) for name in ("sourcesystemidentifier", "sisuseridentifier", "userrole")]
    assert {tuple(row[c] for c in columns) for row in written} == {
        ("'" + p, "'" + s, "student") for p, s in zip(PAYLOADS, reversed(PAYLOADS), strict=True)
    }
