"""Time: the calendar of the extract days, and the life of a record over them (absent some days, changed from one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from lms_pipeline.demo.generator.model import RESOURCE_NAMES

Date = date  # the type, which Calendar.date hides inside the class


@dataclass(frozen=True)
class Calendar:
    first_day: date

    def date(self, day: int) -> date:
        return self.first_day + timedelta(days=day)

    def modified(self, day: int) -> datetime:
        """When a change the extract of `day` carries was made in the LMS: during the night before the run."""
        return datetime.combine(self.date(day), time(2, 15))

    def run(self, day: int, resource: str) -> datetime:
        """When the extractor wrote a resource's files: one run a morning, resources a few seconds apart."""
        return datetime.combine(self.date(day), time(6)) + timedelta(seconds=7 * RESOURCE_NAMES.index(resource))

    def term_start(self) -> Date:
        return self.first_day - timedelta(days=21)


@dataclass(frozen=True)
class Life:
    """When a record is missing from the extracts and when its values change."""

    created: datetime
    absent: frozenset[int] = frozenset()  # extract days whose files leave it out
    changes_on: int | None = None  # the extract day from which its values differ

    def present(self, day: int) -> bool:
        return day not in self.absent

    def changed(self, day: int) -> bool:
        return self.changes_on is not None and day >= self.changes_on

    def last_modified(self, day: int, calendar: Calendar) -> datetime:
        """The LMS stamps a change and a return alike, and the extractor copies the stamp."""
        stamps = [self.created]
        if self.changes_on is not None and self.changed(day):
            stamps.append(calendar.modified(self.changes_on))
        stamps += [calendar.modified(d) for d in range(1, day + 1) if d - 1 in self.absent and d not in self.absent]
        return max(stamps)
