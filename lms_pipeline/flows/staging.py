"""Staging subflow: per resource, in foreign-key order, validate and load batches of files.

While one batch loads (the database works), the next one is read and validated (Python works).
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from lms_pipeline.resources import LOAD_ORDER
from lms_pipeline.settings import DatabaseSettings
from lms_pipeline.tasks.batching import plan_batches
from lms_pipeline.tasks.database import dialect_of, make_engine
from lms_pipeline.tasks.journal import pending_files
from lms_pipeline.tasks.loading import MassDeletePolicy, load_batch
from lms_pipeline.tasks.manifests import load_manifest
from lms_pipeline.tasks.summary import StagingSummary
from lms_pipeline.tasks.tables import StoreTables
from lms_pipeline.tasks.validation import prepare_batch

prepare = task(prepare_batch, name="validate-batch", cache_policy=NO_CACHE)
load = task(load_batch, name="load-batch", cache_policy=NO_CACHE)


@flow(name="staging", task_runner=ThreadPoolTaskRunner(max_workers=2))
def staging(
    manifest_paths: list[str],
    database: DatabaseSettings,
    run_id: int | None = None,
    allow_mass_delete: bool = False,
) -> StagingSummary:
    log = get_run_logger()
    engine = make_engine(database)
    tables = StoreTables(dialect_of(engine))
    policy = MassDeletePolicy(allow=allow_mass_delete)
    manifests = [pending_files(engine, tables, load_manifest(p), allow_mass_delete) for p in manifest_paths]
    for m in manifests:
        log.info("%s: %d files to load, %d already loaded", m.root, len(m.files), m.already_loaded)
    summary = StagingSummary()
    try:
        for resource in LOAD_ORDER:
            files = [f for m in manifests for f in m.by_resource(resource.name)]
            batches = plan_batches(files)
            ahead = prepare.submit(resource, batches[0]) if batches else None
            for index in range(len(batches)):
                current = ahead
                ahead = prepare.submit(resource, batches[index + 1]) if index + 1 < len(batches) else None
                result = load(engine, current.result(), run_id, policy)
                summary.add(result)
            if batches:
                t = summary.resources[resource.name]
                log.info("%s: %d files, %d inserted, %d updated, %d undeleted, %d soft-deleted, %d quarantined",
                         resource.name, t.files, t.inserted, t.updated, t.undeleted, t.deleted, t.quarantined)
    finally:
        engine.dispose()
    for warning in summary.warnings:
        log.warning(warning)
    for rejected in summary.rejected_files:
        log.error("rejected: %s", rejected)
    return summary

