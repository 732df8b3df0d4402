"""Stage every pending file of some manifests, resource by resource in foreign-key order.

While one batch loads (the database works), the next one is validated (Python works): `submit` starts the
validation of a batch and returns something with `.result()`. Inline by default; Prefect task submissions, with
caching and retries, in the staging subflow.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from lms_pipeline.discovery.walk import Manifest, ManifestFile
from lms_pipeline.errors import TerminalError
from lms_pipeline.loading.archive import RawArchive
from lms_pipeline.loading.batch import MassDeletePolicy, load_large_file
from lms_pipeline.loading.batching import is_large, plan_batches
from lms_pipeline.loading.journal import record_archived, record_set_aside
from lms_pipeline.loading.prepared import load_prepared
from lms_pipeline.loading.summary import BatchResult, StagingSummary
from lms_pipeline.options import BatchLimits
from lms_pipeline.resources import LOAD_ORDER, Resource
from lms_pipeline.store.connections import describe_error
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.tables import StoreTables
from lms_pipeline.validation.rows import PreparedBatch, prepare_batch
from lms_pipeline.validation.worker import PreparedRef
from lms_pipeline.wording import plural

log = logging.getLogger(__name__)


class Validation(Protocol):
    """A batch's validation under way: a concurrent Future, or a Prefect task's future."""

    def result(self) -> PreparedBatch | PreparedRef: ...


# A batch's validation started: inline, or a Prefect task submitted.
Submit = Callable[[Resource, list[ManifestFile]], Validation]


class StagingFailed(TerminalError):
    """A batch could not be validated or loaded; names the resource, the files and the cause. Terminal: in the
    staging subflow, the batch's load task already retried what a retry could get past."""

    def __init__(self, resource: Resource, files: list[ManifestFile], error: BaseException):
        first = files[0].relpath if files else "?"
        more = f" and {plural(len(files) - 1, 'more file')} of the same batch" if len(files) > 1 else ""
        super().__init__(f"staging {resource.name}: {first}{more}: {describe_error(error)}")


def _inline(resource: Resource, files: list[ManifestFile]) -> Future[PreparedBatch]:
    future: Future[PreparedBatch] = Future()
    future.set_result(prepare_batch(resource, files))
    return future


class _Validations:
    """Validation one batch ahead of the load; large files are validated as they stream, not here."""

    def __init__(
        self, submit: Submit, resource: Resource, batches: list[list[ManifestFile]], limits: BatchLimits
    ) -> None:
        self.submit, self.resource, self.batches, self.limits = submit, resource, batches, limits
        self.pending: dict[int, Validation] = {}
        self.ensure(0)

    def ensure(self, index: int) -> None:
        if index < len(self.batches) and index not in self.pending and not is_large(self.batches[index], self.limits):
            self.pending[index] = self.submit(self.resource, self.batches[index])

    def result(self, index: int) -> PreparedBatch | PreparedRef:
        self.ensure(index)
        self.ensure(index + 1)
        return self.pending.pop(index).result()


def batch_line(result: BatchResult, files: list[ManifestFile], seconds: float, validate_only: bool) -> str:
    """'users: 2 files: 1200 inserted, 4 updated, 0 un-deleted, 0 soft-deleted, 3 quarantined, in 1.8 s'; rejected
    files and held deletions are added when there are any."""
    rows = (
        ""
        if validate_only
        else (
            f"{result.inserted} inserted, {result.updated} updated, "
            f"{result.undeleted} un-deleted, {result.deleted} soft-deleted, "
        )
    )
    line = (
        f"{result.resource}: {plural(len(files), 'file')}: {rows}{result.quarantined} quarantined, in {seconds:.1f} s"
    )
    if result.rejected_files:
        line += f"; {plural(len(result.rejected_files), 'file')} rejected"
    if result.held_files:
        line += f"; deletions held in {plural(len(result.held_files), 'file')}"
    return line


def _keep(engine: Engine, archive: RawArchive, files: list[ManifestFile], summary: StagingSummary) -> None:
    """Keep a loaded batch's files in the raw archive and journal where; what cannot be kept is a warning."""
    kept = archive.keep(files)
    summary.archive_problems += kept.problems
    try:
        record_archived(engine, StoreTables(dialect_of(engine)), kept.addresses)
    except DBAPIError as error:  # the batch is loaded and journaled: only the note of its copies is lost
        summary.archive_problems.append(f"could not journal where {plural(len(files), 'file')} are kept: {error}")


def stage_all(
    engine: Engine,
    manifests: list[Manifest],
    run_id: int | None,
    policy: MassDeletePolicy,
    submit: Submit = _inline,
    load: Callable[..., BatchResult] = load_prepared,  # load_prepared's signature, or a Prefect task of it
    load_large: Callable[..., BatchResult] = load_large_file,
    summary: StagingSummary | None = None,
    on_batch: Callable[[int, int, str], None] | None = None,
    validate_only: bool = False,
    limits: BatchLimits = BatchLimits(),
    archive: RawArchive | None = None,
) -> StagingSummary:
    """Load every batch; `summary` fills up as batches commit, so a failure still tells what was done. The files
    set aside (unreadable, superseded) are journaled first, unless nothing is to change (validate_only).
    on_batch hears of each batch done: how many of how many, and a line that says what it did. The archive, if
    any, keeps each batch's files once the batch is loaded."""
    summary = summary if summary is not None else StagingSummary()
    set_aside = [s for m in manifests for s in m.set_aside]
    if not validate_only:
        record_set_aside(engine, set_aside, run_id)
    summary.add_set_aside(set_aside)
    plan = [(r, plan_batches([f for m in manifests for f in m.by_resource(r.name)], limits)) for r in LOAD_ORDER]
    total, done = sum(len(batches) for _, batches in plan), 0
    for resource, batches in plan:
        validations = _Validations(submit, resource, batches, limits)
        for index, files in enumerate(batches):
            started = time.monotonic()
            try:
                if is_large(files, limits):
                    validations.ensure(index + 1)
                    result = load_large(engine, resource, files[0], run_id, policy)
                else:
                    result = load(engine, resource, files, validations.result(index), run_id, policy)
            except Exception as error:
                raise StagingFailed(resource, files, error) from error
            summary.add(result)
            if archive is not None and not validate_only:
                _keep(engine, archive, files, summary)
            done += 1
            if on_batch:
                on_batch(done, total, batch_line(result, files, time.monotonic() - started, validate_only))
        if batches:
            t = summary.resources[resource.name]
            log.info(
                "%s: %d files, %d inserted, %d updated, %d undeleted, %d soft-deleted, %d quarantined",
                resource.name,
                t.files,
                t.inserted,
                t.updated,
                t.undeleted,
                t.deleted,
                t.quarantined,
            )
    return summary
