"""The CSV reader reads blocks of lines, yet names a refused line exactly as a reader of one line at a time would.

Blocks are made tiny here so that lines, multi-byte characters and the faults themselves fall across block ends.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_pipeline.validation import csv_files
from lms_pipeline.validation.csv_files import FileRejected, read_csv

VALUES = st.text(alphabet="abcé€ ,\"'x\r", max_size=12)
FAULTS = {"nul": (b"\x00", "binary data (a NUL character)"), "latin-1": (b"\xe9", "not UTF-8: byte 0xe9")}


def _field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(VALUES, VALUES), min_size=1, max_size=12),
    block=st.integers(1, 40),
    bom=st.booleans(),
    fault=st.none() | st.tuples(st.sampled_from(sorted(FAULTS)), st.integers(0, 11), st.integers(0, 30)),
)
def test_blocks_of_any_size_read_as_lines_would(tmp_path_factory, rows, block, bom, fault):
    lines = ["A,B"] + [f"{_field(a)},{_field(b)}" for a, b in rows]
    data = [line.encode() for line in lines]
    expected_fault = None
    if fault:
        kind, at, offset = fault
        number = 1 + at % len(rows)  # a data line, 0-based in `data`
        offset = min(offset, len(lines[number]))
        head = lines[number][:offset]
        data[number] = head.encode() + FAULTS[kind][0] + lines[number][offset:].encode()
        expected_fault = (number + 1, len(head) + 1, FAULTS[kind][1])
    path = tmp_path_factory.mktemp("csv") / "file.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + b"\r\n".join(data) + b"\r\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_files, "BLOCK_BYTES", block)
        try:
            content = read_csv(str(path))
        except FileRejected as error:
            assert (error.line, error.column, error.reason[: len(expected_fault[2])]) == expected_fault
            return
    assert expected_fault is None
    assert content.header == ["A", "B"]
    assert [tuple(row) for row in content.rows] == rows
    assert content.lines == [2 + i for i in range(len(rows))]  # values here hold no line break
