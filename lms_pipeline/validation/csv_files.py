"""Read one extract CSV strictly: UTF-8 (with or without BOM), RFC 4180 quoting, and the line of every record.

Files are streamed line by line, so a file of millions of rows can be read in chunks of bounded size, and hashed
on the way so that a file changed after discovery is noticed. A file that cannot be read is rejected whole with
the line and column of the problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import BinaryIO

csv.field_size_limit(16 * 1024 * 1024)  # a huge field is reported by the length checks, not by the reader
BOM = b"\xef\xbb\xbf"
# A lone carriage return inside a value (old Mac text pasted into an LMS) is data; the csv module would take it for
# a line break, so it travels as this private-use character through the parser and is put back after.
LONE_CR = "\ue000"
LONE_CRS = re.compile(r"\r(?=\r*[^\r\n])")  # carriage returns before more of their line: not its end
BLOCK_BYTES = 1 << 20
NOT_UTF8 = "not UTF-8: byte 0x{:02x} cannot be decoded; save the file as UTF-8"
BINARY = "binary data (a NUL character) in a CSV file"


class FileRejected(Exception):
    """A file that cannot be loaded at all; nothing in its scope changes.

    `transient`: the file could not be read (permissions, an I/O error, a file replaced after discovery), which
    says nothing about its content: it is tried again every night until it loads."""

    def __init__(
        self, path: str, message: str, line: int | None = None, column: int | None = None, transient: bool = False
    ):
        self.path, self.line, self.column, self.reason, self.transient = path, line, column, message, transient
        where = path + (f", line {line}" if line else "") + (f", column {column}" if column else "")
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[FileRejected], tuple[str, str, int | None, int | None, bool]]:
        """Pickled whole: a large file's chunks are read in the validation process and its refusal travels back."""
        return FileRejected, (self.path, self.reason, self.line, self.column, self.transient)


@dataclass
class CsvContent:
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # the line on which each row starts (the header is line 1)


def read_csv(path: str, sha256: str | None = None, identity: tuple[int, int] | None = None) -> CsvContent:
    """The whole file at once."""
    [content] = iter_csv(path, sha256, identity=identity)
    return content


def open_extract(path: str, identity: tuple[int, int] | None = None) -> BinaryIO:
    """The file opened for binary reading, or FileRejected (transient) naming the cause.

    Opened without blocking, so a FIFO put where a file was expected cannot hang the run, and refused unless it
    is a regular file; with `identity` (device, inode, as discovery saw it), refused if the path now names
    another file: a file replaced after discovery, by a link out of the tree among others, is never read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise FileRejected(path, f"cannot be read: {error.strerror or error}", transient=True) from None
    info = os.fstat(fd)
    problem = (
        "not a regular file"
        if not stat.S_ISREG(info.st_mode)
        else "replaced after discovery"
        if identity and identity != (info.st_dev, info.st_ino)
        else None
    )
    if problem:
        os.close(fd)
        raise FileRejected(path, f"{problem}; nothing of it was loaded", transient=True)
    return os.fdopen(fd, "rb")


def iter_csv(
    path: str, sha256: str | None = None, chunk_rows: int | None = None, identity: tuple[int, int] | None = None
) -> Iterator[CsvContent]:
    """The file's rows in chunks of at most chunk_rows (all at once when None); at least one chunk.

    With `sha256`, the file must still be what discovery hashed: checked when the last line is read, so a caller
    that streams must be ready to undo what it did with the earlier chunks.
    """
    digest = hashlib.sha256()
    with open_extract(path, identity) as handle:
        carried = [False]
        reader = csv.reader(chain.from_iterable(_blocks(path, handle, digest, carried)), strict=True)
        header: list[str] | None = None
        rows: list[list[str]] = []
        starts: list[int] = []
        next_line = 1
        try:
            for record in reader:
                start, next_line = next_line, reader.line_num + 1
                if not record or record == [""]:
                    continue  # a blank line
                if carried[0]:
                    record = [value.replace(LONE_CR, "\r") for value in record]
                if header is None:
                    header = record
                    continue
                rows.append(record)
                starts.append(start)
                if chunk_rows and len(rows) >= chunk_rows:
                    yield CsvContent(header, rows, starts)
                    rows, starts = [], []
        except csv.Error as error:  # named by the line where the broken record starts, e.g. an unclosed quote
            raise FileRejected(path, f"malformed CSV: {error}", next_line) from None
        except OSError as error:  # an I/O error half-way: what was read is undone by the caller
            raise FileRejected(
                path, f"cannot be read after line {next_line - 1}: {error.strerror or error}", transient=True
            ) from None
    if header is None:
        raise FileRejected(path, "no header row", 1)
    if sha256 and digest.hexdigest() != sha256:
        raise FileRejected(path, "changed after discovery; nothing of it was loaded, the next run loads it")
    yield CsvContent(header, rows, starts)


def _blocks(path: str, handle: BinaryIO, digest: hashlib._Hash, carried: list[bool]) -> Iterator[Iterator[str]]:
    """The file's decoded lines, a block of whole lines at a time: decoding and checking a block is one C call, not
    one per line. A line that is not UTF-8 or holds a NUL is refused when the reader reaches it, as if read line by
    line: the block's lines before it come first."""
    before, rest = 0, b""  # lines in the blocks already read; the start of a line the last read cut
    while True:
        data = handle.read(BLOCK_BYTES)
        digest.update(data)
        joined = rest + data
        cut = joined.rfind(b"\n") + 1 if data else len(joined)
        block, rest = joined[:cut], joined[cut:]
        if before == 0 and block.startswith(BOM):
            block = block[len(BOM) :]
        text, refusal = _decoded(path, block, before)
        if "\r" in text:
            text, lone = LONE_CRS.subn(LONE_CR, text)
            carried[0] = carried[0] or lone > 0
        yield io.StringIO(text, newline="\n")
        if refusal:
            raise refusal
        before += block.count(b"\n")
        if not data:
            return


def _decoded(path: str, block: bytes, before: int) -> tuple[str, FileRejected | None]:
    """The block's text up to its first line (after `before` lines) that is not UTF-8 or holds a NUL, and why
    that line is refused."""
    nul = block.find(b"\x00")
    try:
        text = block.decode("utf-8")
        if nul < 0:
            return text, None
        bad, message = nul, BINARY
    except UnicodeDecodeError as error:
        bad, message = error.start, NOT_UTF8.format(block[error.start])
        if nul >= 0 and _line_start(block, nul) < _line_start(block, bad):
            bad, message = nul, BINARY
    start = _line_start(block, bad)
    column = len(block[start:bad].decode("utf-8", errors="replace")) + 1
    refusal = FileRejected(path, message, before + block.count(b"\n", 0, start) + 1, column)
    return block[:start].decode("utf-8"), refusal


def _line_start(block: bytes, position: int) -> int:
    return block.rfind(b"\n", 0, position) + 1
