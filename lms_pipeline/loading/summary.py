"""What a run did, per resource: the numbers for the log, the CLI table, the load-run row and artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # validation imports pandas and pandera, which a run with nothing new never needs
    from lms_pipeline.discovery.walk import SetAside
    from lms_pipeline.validation.rows import Rejection


@dataclass
class Counts:
    """What loading did to a resource: per batch, and summed per run."""

    files: int = 0
    inserted: int = 0
    updated: int = 0
    undeleted: int = 0
    deleted: int = 0
    quarantined: int = 0
    deletions_held: int = 0


@dataclass(kw_only=True)
class BatchResult(Counts):
    resource: str
    rejected_files: list[str] = field(default_factory=list)  # messages naming file, line and column
    held_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    drift: dict[str, list[str]] = field(default_factory=dict)  # file -> unknown columns
    rejections: list[Rejection] = field(default_factory=list)  # a sample, for reports
    validated_by: str = ""  # host:pid of the process that validated the batch, when not the loader's


COUNTS = tuple(f.name for f in fields(Counts))


@dataclass
class StagingSummary:
    resources: dict[str, Counts] = field(default_factory=dict)  # per resource, the run's totals
    rejected_files: list[str] = field(default_factory=list)
    held_files: list[str] = field(default_factory=list)
    superseded_files: list[str] = field(default_factory=list)  # older than their scope's newest loaded file
    unread_rejected: int = 0  # of rejected_files, those set aside unread: they were in no batch
    warnings: list[str] = field(default_factory=list)
    drift: dict[str, list[str]] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)  # a sample of quarantined rows, for the report
    archive_problems: list[str] = field(default_factory=list)  # files the raw archive could not keep, and why
    # The processes that validated batches: the flow's own, its validation process, Dask workers.
    validated_by: set[str] = field(default_factory=set)
    batches: int = 0

    def add(self, batch: BatchResult) -> None:
        self.batches += 1
        totals = self.resources.setdefault(batch.resource, Counts())
        for name in COUNTS:
            setattr(totals, name, getattr(totals, name) + getattr(batch, name))
        self.rejected_files += batch.rejected_files
        self.held_files += batch.held_files
        self.warnings += batch.warnings
        self.drift.update(batch.drift)
        if batch.validated_by:
            self.validated_by.add(batch.validated_by)
        self.rejections += batch.rejections[: max(0, 200 - len(self.rejections))]

    def add_set_aside(self, set_aside: list[SetAside]) -> None:
        for item in set_aside:
            (self.rejected_files if item.outcome == "rejected" else self.superseded_files).append(item.message)
            self.unread_rejected += item.outcome == "rejected"

    @property
    def rejected_in_batches(self) -> int:
        return len(self.rejected_files) - self.unread_rejected

    @property
    def needs_attention(self) -> bool:
        """Files rejected, deletions held or extracts that arrived out of order: the run ends 'warned'."""
        return bool(self.rejected_files or self.held_files or self.superseded_files)

    def total(self, name: str) -> int:
        return sum(getattr(t, name) for t in self.resources.values())

    def table(self) -> list[dict[str, Any]]:
        """One row per resource, for the terminal and for a Prefect table artifact."""
        return [{"resource": name, **vars(totals)} for name, totals in self.resources.items()]
