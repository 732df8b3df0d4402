"""Stage every pending file of some manifests, resource by resource in foreign-key order.

While one batch loads (the database works), the next one is read and validated (Python works): `submit`
starts the validation of a batch and returns something with `.result()`; inline by default, a Prefect task
submission in the staging subflow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy import Engine

from lms_pipeline.resources import LOAD_ORDER
from lms_pipeline.tasks.batching import plan_batches
from lms_pipeline.tasks.discovery import Manifest
from lms_pipeline.tasks.loading import MassDeletePolicy, load_batch
from lms_pipeline.tasks.summary import StagingSummary
from lms_pipeline.tasks.validation import prepare_batch

log = logging.getLogger(__name__)


def _inline(resource, batch) -> Future:
    future: Future = Future()
    future.set_result(prepare_batch(resource, batch))
    return future


def stage_all(
    engine: Engine,
    manifests: list[Manifest],
    run_id: int | None,
    policy: MassDeletePolicy,
    submit: Callable = _inline,
    load: Callable = load_batch,
    on_batch: Callable[[int, int], None] | None = None,
) -> StagingSummary:
    summary = StagingSummary()
    plan = [(r, plan_batches([f for m in manifests for f in m.by_resource(r.name)])) for r in LOAD_ORDER]
    total, done = sum(len(batches) for _, batches in plan), 0
    for resource, batches in plan:
        ahead = submit(resource, batches[0]) if batches else None
        for index in range(len(batches)):
            current = ahead
            ahead = submit(resource, batches[index + 1]) if index + 1 < len(batches) else None
            summary.add(load(engine, current.result(), run_id, policy))
            done += 1
            if on_batch:
                on_batch(done, total)
        if batches:
            t = summary.resources[resource.name]
            log.info("%s: %d files, %d inserted, %d updated, %d undeleted, %d soft-deleted, %d quarantined",
                     resource.name, t.files, t.inserted, t.updated, t.undeleted, t.deleted, t.quarantined)
    return summary
