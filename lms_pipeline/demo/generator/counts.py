"""The expected counts: what a loader finds in the written files, by the loading rules of issue 2."""

from __future__ import annotations

from collections import defaultdict

from lms_pipeline.demo.generator.model import EMPTY, HEADER_ONLY, ResourceCount
from lms_pipeline.resources import BY_NAME, Scope


class Tally:
    """Counts what a loader finds, by the loading rules of issue 2.

    A file of 4 bytes or less is skipped. Snapshot files speak for their folder: after a full load the live rows
    are those of each folder's newest file, except that a header-only users or sections file deletes nothing.
    System-activity files are incremental: all their rows stay live.
    """

    def __init__(self, days: int):
        self.per_day: dict[str, list[int]] = defaultdict(lambda: [0] * days)
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.newest: dict[tuple[str, str], set[str]] = {}

    def record(self, resource: str, folder: str, day: int, keys: set[str], shape: str) -> None:
        self.per_day[resource][day] += len(keys)
        self.seen[resource] |= keys
        if shape == EMPTY:
            return
        scope = BY_NAME[resource].scope
        if shape == HEADER_ONLY and scope is Scope.SOURCE_SYSTEM:
            return
        self.newest[(resource, folder if scope is not Scope.INCREMENTAL else f"{folder}#{day}")] = keys

    def counts(self) -> dict[str, ResourceCount]:
        live: dict[str, int] = defaultdict(int)
        for (resource, _), keys in self.newest.items():
            live[resource] += len(keys)
        return {
            resource: ResourceCount(tuple(per_day), len(self.seen[resource]), live[resource])
            for resource, per_day in self.per_day.items()
        }
