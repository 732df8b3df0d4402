"""Stage every pending file of some manifests, resource by resource in foreign-key order.

While one batch loads (the database works), the next one is validated (Python works): `submit` starts the
validation of a batch and returns something with `.result()`. Inline by default; Prefect task submissions, with
caching and retries, in the staging subflow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy import Engine

from lms_pipeline.resources import LOAD_ORDER, Resource
from lms_pipeline.tasks.batching import plan_batches
from lms_pipeline.tasks.discovery import Manifest, ManifestFile
from lms_pipeline.tasks.loading import MassDeletePolicy
from lms_pipeline.tasks.prepared import load_prepared
from lms_pipeline.tasks.summary import StagingSummary
from lms_pipeline.tasks.validation import prepare_batch

log = logging.getLogger(__name__)


class StagingFailed(RuntimeError):
    """A batch could not be validated or loaded; names the resource, the files and the cause."""

    def __init__(self, resource: Resource, files: list[ManifestFile], error: BaseException):
        first = files[0].relpath if files else "?"
        more = f" and {len(files) - 1} more file(s) of the same batch" if len(files) > 1 else ""
        super().__init__(f"staging {resource.name}: {first}{more}: {type(error).__name__}: {error}")


def _inline(resource: Resource, files: list[ManifestFile]) -> Future:
    future: Future = Future()
    future.set_result(prepare_batch(resource, files))
    return future


def stage_all(
    engine: Engine,
    manifests: list[Manifest],
    run_id: int | None,
    policy: MassDeletePolicy,
    submit: Callable = _inline,
    load: Callable = load_prepared,
    summary: StagingSummary | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> StagingSummary:
    """Load every batch; `summary` fills up as batches commit, so a failure still tells what was done."""
    summary = summary if summary is not None else StagingSummary()
    plan = [(r, plan_batches([f for m in manifests for f in m.by_resource(r.name)])) for r in LOAD_ORDER]
    total, done = sum(len(batches) for _, batches in plan), 0
    for resource, batches in plan:
        ahead = submit(resource, batches[0]) if batches else None
        for index, files in enumerate(batches):
            current = ahead
            ahead = submit(resource, batches[index + 1]) if index + 1 < len(batches) else None
            try:
                summary.add(load(engine, resource, files, current.result(), run_id, policy))
            except Exception as error:
                raise StagingFailed(resource, files, error) from error
            done += 1
            if on_batch:
                on_batch(done, total)
        if batches:
            t = summary.resources[resource.name]
            log.info("%s: %d files, %d inserted, %d updated, %d undeleted, %d soft-deleted, %d quarantined",
                     resource.name, t.files, t.inserted, t.updated, t.undeleted, t.deleted, t.quarantined)
    return summary
