"""Read one extract CSV strictly: UTF-8 (with or without BOM), RFC 4180 quoting, and the line of every record.

A file that cannot be read is rejected whole with the line and column of the problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

csv.field_size_limit(16 * 1024 * 1024)  # a huge field is reported by the length checks, not by the reader


class FileRejected(Exception):
    """A file that cannot be loaded at all; nothing in its scope changes."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column, self.reason = path, line, column, message
        where = path + (f", line {line}" if line else "") + (f", column {column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass
class CsvContent:
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # the line on which each row starts (the header is line 1)


def read_csv(path: str, sha256: str | None = None) -> CsvContent:
    """Parse a file; with `sha256`, refuse it if its content is no longer what discovery hashed."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise FileRejected(path, "removed after discovery; nothing of it was loaded") from None
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise FileRejected(path, "changed after discovery; nothing of it was loaded, the next run loads it")
    return parse_csv(path, data)


def parse_csv(path: str, data: bytes) -> CsvContent:
    text = _decode(path, data)
    if "\x00" in text:
        line, column = _position(text, text.index("\x00"))
        raise FileRejected(path, "binary data (a NUL character) in a CSV file", line, column)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    next_line = 1
    try:
        for record in reader:
            start, next_line = next_line, reader.line_num + 1
            if not record or record == [""]:
                continue  # a blank line
            if header is None:
                header = record
            else:
                rows.append(record)
                lines.append(start)
    except csv.Error as error:
        raise FileRejected(path, f"malformed CSV: {error}", reader.line_num) from None
    if header is None:
        raise FileRejected(path, "no header row", 1)
    return CsvContent(header, rows, lines)


def _decode(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data  # error offsets count after the BOM
        prefix = body[: error.start].decode("utf-8", errors="replace")
        line, column = _position(prefix, len(prefix))
        raise FileRejected(
            path, f"not UTF-8: byte 0x{body[error.start]:02x} cannot be decoded; save the file as UTF-8", line, column
        ) from None


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column
