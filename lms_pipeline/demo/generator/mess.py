"""The mess-maker: the irregularities of real extracts (loader contract 3.1) that `messy=True` puts in the files.

Files without a BOM or without a final line break, empty (`\\n`) and header-only files, mixed date formats in one
column, a time in a date-only column, grades with a trailing space, descriptions with quoted commas, quotes and line
breaks, empty optional values; the school also asks it for the upper-case `Assignment=` folder and the section
quiet on the first day.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime

from lms_pipeline.demo.generator.model import EMPTY, HEADER_ONLY

_DATETIME_STYLES: tuple[Callable[[datetime], str], ...] = (
    lambda v: v.strftime("%Y-%m-%d %H:%M"),  # no seconds
    lambda v: v.strftime("%Y-%m-%d  %H:%M:%S"),  # two spaces
    lambda v: " " + v.isoformat(" "),  # a leading space
    lambda v: f"{v.month}/{v.day}/{v.year} {v.hour}:{v.minute:02d}",  # US
)
_BLANKABLE = frozenset({"LocalUserIdentifier", "SectionDescription", "AssignmentDescription", "ActivityTimeInMinutes"})
_DESCRIPTIONS = frozenset({"AssignmentDescription"})
_DESCRIPTION_TAIL = ', then answer:\n1. What changed?\n2. Why does "it" matter, in one line?'


class Mess:
    """The irregularities of real extracts, each at a low rate, and each at least once when it can occur.

    A choice is a pure function of (seed, kind, key), so a record looks the same in every day's file: a value
    that changed format overnight would read as a changed value. The first keys asked about for a kind get each
    of its variants once, so that even a tiny district shows them all.
    """

    def __init__(self, seed: int, lms: str, enabled: bool):
        self.salt = f"{seed}|{lms}|"
        self.enabled = enabled
        self.first: dict[str, list[str]] = defaultdict(list)  # kind -> the keys that got its variants first
        self._empty_files = 0

    def happens(self, kind: str, key: str, rate: float) -> bool:
        return self.variant(kind, key, rate, 1) is not None

    def variant(self, kind: str, key: str, rate: float, count: int) -> int | None:
        """Which of `count` variants a key gets, for about `rate` of the keys; None for the others."""
        if not self.enabled:
            return None
        first = self.first[kind]
        if key in first:
            return first.index(key)
        if len(first) < count:
            first.append(key)
            return len(first) - 1
        share = zlib.crc32(f"{self.salt}{kind}|{key}".encode()) / 2**32
        return int(share / rate * count) if share < rate else None

    def empty_shape(self) -> str:
        """pandas writes a frame without rows as a header, and one without columns as a lone line break."""
        if not self.enabled:
            return HEADER_ONLY
        self._empty_files += 1
        return EMPTY if self._empty_files % 2 else HEADER_ONLY

    def cell(self, key: str, column: str, value) -> str | None:
        """A value as real extracts write it now and then; None where it is written as regular extracts do."""
        happens = self.happens
        if isinstance(value, datetime):
            style = self.variant("datetime-style", f"{key}|{column}", 0.04, len(_DATETIME_STYLES))
            if style is not None:
                return _DATETIME_STYLES[style](value)
        elif isinstance(value, date):
            if happens("time-in-date", key, 0.1):
                return f"{value.isoformat()} 00:00:00"
        elif column in _BLANKABLE and value is not None and happens("blank-optional", f"{key}|{column}", 0.03):
            return ""
        elif column == "Grade" and value is not None and happens("grade-trailing-space", key, 0.05):
            return value + " "
        elif column in _DESCRIPTIONS and happens("multi-line-description", key, 0.05):
            return value + _DESCRIPTION_TAIL
        return None
