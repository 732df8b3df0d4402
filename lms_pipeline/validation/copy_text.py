"""Typed rows as the CSV text that PostgreSQL's COPY reads, rendered where the rows were validated.

Rendering is Python work, about a fifth of a second per 60,000 rows: in the validation process it overlaps the
database's merge of the batch before, and the loading process, which also runs the flows, is left only the text
to send. The text goes into a file, a slice at a time, and COPY reads it from there: a batch's text is about the
size of its CSV files (up to 64 MB), which held whole in memory counted twice in the validation process while it
was joined and once more in the loading process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # frames arrive built; the engines import this module without pandas
    import pandas as pd

SLICE_ROWS = 10_000  # rows rendered at a time: a whole frame at once takes several times its text in memory


@dataclass(frozen=True)
class CopyText:
    """A frame's rows as CSV without a header, CRLF after each row, in the order of `columns`, in the UTF-8 file
    at `path`."""

    columns: tuple[str, ...]
    path: str
    rows: int

    def __len__(self) -> int:
        return self.rows


def csv_slices(frame: pd.DataFrame) -> Iterator[str]:
    """The frame as CSV, a slice of rows at a time. With CRLF as the record end, the csv writer quotes a value
    holding a lone CR or LF, which COPY then keeps."""
    for start in range(0, len(frame), SLICE_ROWS):
        yield frame.iloc[start : start + SLICE_ROWS].to_csv(header=False, index=False, lineterminator="\r\n")


def rendered(frame: pd.DataFrame, path: str) -> CopyText:
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.writelines(csv_slices(frame))
    return CopyText(tuple(frame.columns), path, len(frame))
