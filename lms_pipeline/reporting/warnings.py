"""Warnings a person must see after a run: held deletions, rejected files, many quarantined rows, stale extracts
and volume drift since the last successful run."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from lms_pipeline.discovery.walk import Manifest
from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.options import Thresholds
from lms_pipeline.store.tables import StoreTables
from lms_pipeline.wording import plural

STAMP = "%Y-%m-%d-%H-%M-%S"


def staging_warnings(summary: StagingSummary, thresholds: Thresholds) -> list[str]:
    warnings = []
    if summary.held_files:
        warnings.append(
            f"mass deletions held in {plural(len(summary.held_files), 'file')} "
            f"(re-run with --allow-mass-delete to apply): {', '.join(summary.held_files[:5])}"
        )
    if summary.rejected_files:
        warnings.append(
            f"{plural(len(summary.rejected_files), 'file')} rejected: {'; '.join(summary.rejected_files[:5])}"
        )
    if summary.superseded_files:
        warnings.append(
            f"set aside {plural(len(summary.superseded_files), 'file')} older than a loaded extract of "
            f"the same scope: {'; '.join(summary.superseded_files[:5])}"
        )
    if summary.archive_problems:
        warnings.append(
            f"raw archive: {plural(len(summary.archive_problems), 'problem')}; the files loaded all the same, and a "
            f"replay needs those not kept in their extract root: {'; '.join(summary.archive_problems[:5])}"
        )
    quarantined = summary.total("quarantined")
    if quarantined > thresholds.quarantine_alert_rows:
        warnings.append(
            f"{quarantined} rows quarantined (threshold {thresholds.quarantine_alert_rows}); "
            "see lms.quarantine and the data-quality report"
        )
    return warnings


# Notices about the tree that a person must act on, not merely know of: they reach the run's warnings and its
# notifications. (Unexpected and empty files stay in the discovery log.)
NOTICES_TO_ACT_ON = (
    "unreadable-folder",
    "outside-link",
    "outside-root",
    "path-too-long",
    "future-timestamp",
    "same-timestamp",
)


def tree_warnings(manifests: list[Manifest]) -> list[str]:
    """One line per root and kind of notice to act on, with up to three examples."""
    warnings = []
    for manifest in manifests:
        for kind in NOTICES_TO_ACT_ON:
            found = [n for n in manifest.notices if n.kind == kind]
            if found:
                examples = "; ".join(f"{n.relpath}: {n.message}" for n in found[:3])
                warnings.append(f"{manifest.root}: {plural(len(found), kind + ' notice')}, e.g. {examples}")
    return warnings


def stale_extracts(manifests: list[Manifest], hours: float | None, now: datetime | None = None) -> list[str]:
    """Roots whose newest extract file is older than `hours`: the extractor may have stopped."""
    if hours is None:
        return []
    now = now or datetime.now()
    warnings = []
    for manifest in manifests:
        if not manifest.files:
            warnings.append(f"{manifest.root}: no extract files at all")
            continue
        newest = datetime.strptime(max(f.timestamp for f in manifest.files), STAMP)  # the stamps sort as text
        if now - newest > timedelta(hours=hours):
            warnings.append(
                f"{manifest.root}: newest extract is from {newest:%Y-%m-%d %H:%M}, older than {hours:g} hours"
            )
    return warnings


def volume_drift(engine: Engine, tables: StoreTables, run_id: int, percent: float | None) -> list[str]:
    """Resources whose live rows changed by more than `percent` since the last successful run."""
    if percent is None:
        return []
    lr, lrr = tables.load_run, tables.load_run_resource
    previous = (
        select(func.max(lr.c.LoadRunId))
        .where(lr.c.LoadRunId < run_id, lr.c.Outcome.in_(("succeeded", "warned")))
        .scalar_subquery()
    )
    before = select(lrr.c.ResourceName, lrr.c.LiveRows).where(lrr.c.LoadRunId == previous)
    now = select(lrr.c.ResourceName, lrr.c.LiveRows).where(lrr.c.LoadRunId == run_id)
    with engine.connect() as conn:
        old: dict[str, int | None] = dict(conn.execute(before).tuples().all())  # tuples(): pairs, for dict()
        new: dict[str, int | None] = dict(conn.execute(now).tuples().all())
    warnings = []
    for resource, count in new.items():
        was = old.get(resource)
        if was and count is not None and abs(count - was) * 100 > percent * was:
            warnings.append(
                f"{resource}: live rows went from {was} to {count} "
                f"({(count - was) * 100 / was:+.0f}%, threshold {percent:g}%)"
            )
    return warnings
