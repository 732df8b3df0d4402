"""Staging subflow: validate and load the pending files, batch by batch, as Prefect tasks."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from lms_pipeline.settings import DatabaseSettings
from lms_pipeline.tasks.database import dialect_of, make_engine
from lms_pipeline.tasks.journal import pending_files
from lms_pipeline.tasks.loading import MassDeletePolicy, load_batch
from lms_pipeline.tasks.manifests import load_manifest
from lms_pipeline.tasks.staging import stage_all
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
    manifests = [pending_files(engine, tables, load_manifest(p), allow_mass_delete) for p in manifest_paths]
    for m in manifests:
        log.info("%s: %d files to load, %d already loaded", m.root, len(m.files), m.already_loaded)
    try:
        summary = stage_all(engine, manifests, run_id, MassDeletePolicy(allow=allow_mass_delete),
                            submit=prepare.submit, load=load)
    finally:
        engine.dispose()
    for warning in summary.warnings:
        log.warning(warning)
    for rejected in summary.rejected_files:
        log.error("rejected: %s", rejected)
    return summary
