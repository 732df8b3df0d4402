"""The CSV tree writer: one LMS's files in the extractors' layout and format, with the mess-maker's irregularities."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from lms_pipeline.demo.generator.counts import Tally
from lms_pipeline.demo.generator.flavours import FLAVOURS
from lms_pipeline.demo.generator.lives import Calendar
from lms_pipeline.demo.generator.mess import Mess
from lms_pipeline.demo.generator.model import EMPTY, GRADES, ROWS, WrittenFile
from lms_pipeline.demo.generator.records import Record
from lms_pipeline.resources import BY_NAME

# Grades files carry their dates in another order than the other resources', as the Toolkit's sample grades do.
_GRADE_COLUMNS = (
    "SourceSystemIdentifier",
    "SourceSystem",
    "Grade",
    "GradeType",
    "LMSUserLMSSectionAssociationSourceSystemIdentifier",
    "CreateDate",
    "LastModifiedDate",
    "SourceCreateDate",
    "SourceLastModifiedDate",
)


def header(resource: str) -> tuple[str, ...]:
    """The columns an extractor writes for a resource, in its order."""
    return _GRADE_COLUMNS if resource == GRADES else tuple(c.name for c in BY_NAME[resource].columns)


class Writer:
    """Writes one LMS's files in the extractors' format: UTF-8 with a BOM, `"` quoting, LF line ends."""

    def __init__(self, lms: str, root: Path, calendar: Calendar, mess: Mess, days: int):
        self.lms, self.root, self.calendar, self.mess = lms, root, calendar, mess
        self.source_system = FLAVOURS[lms].source_system
        self.tally = Tally(days)
        self.files: list[WrittenFile] = []
        self._folders: set[Path] = set()

    def write(self, resource: str, folder: tuple[str, ...], day: int, records: Sequence[Record]) -> None:
        directory = self.root.joinpath(*folder)
        if directory not in self._folders:
            directory.mkdir(parents=True, exist_ok=True)
            self._folders.add(directory)
        path = directory / (self.calendar.run(day, resource).strftime("%Y-%m-%d-%H-%M-%S") + ".csv")
        shape = ROWS if records else self.mess.empty_shape()
        file_key = f"{'/'.join(folder)}@{day}"
        text = "\n" if shape == EMPTY else self._csv(resource, day, records)
        if shape != EMPTY and not self.mess.happens("no-bom", file_key, 0.1):
            text = "\ufeff" + text
        if shape == ROWS and self.mess.happens("no-final-line-break", file_key, 0.03):
            text = text[:-1]
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        self.files.append(WrittenFile(self.lms, resource, path, day, len(records), shape))
        self.tally.record(resource, "/".join(folder), day, {r.ssi for r in records}, shape)

    def _csv(self, resource: str, day: int, records: Sequence[Record]) -> str:
        columns = header(resource)
        cell = self._messy_cell if self.mess.enabled else _plain_cell
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            row = {
                "SourceSystemIdentifier": record.ssi,
                "SourceSystem": self.source_system,
                **record.fields(day),
                "CreateDate": record.life.created,
                "LastModifiedDate": record.life.last_modified(day, self.calendar),
            }
            writer.writerow([cell(record.ssi, c, row.get(c)) for c in columns])
        return buffer.getvalue()

    def _messy_cell(self, key: str, column: str, value) -> str:
        """A value as real extracts write it now and then; otherwise as regular extracts do."""
        messy = self.mess.cell(key, column, value)
        return _plain_cell(key, column, value) if messy is None else messy


def _plain_cell(key: str, column: str, value) -> str:
    """A value as regular extracts write it; datetimes carry no microseconds, so isoformat gives HH:MM:SS."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
