"""The parent flow `lms-pipeline`: discovery, migrations and staging under one database run lock.

The CLI runs this same flow, so a load from a terminal and a load from the Prefect UI are the same code.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from lms_pipeline.flows.discovery import discovery
from lms_pipeline.flows.migration import migrations
from lms_pipeline.flows.staging import staging
from lms_pipeline.settings import DatabaseSettings
from lms_pipeline.tasks.database import dialect_of, make_engine, run_lock
from lms_pipeline.tasks.manifests import load_manifest
from lms_pipeline.tasks.runs import finish_run, start_run
from lms_pipeline.tasks.summary import StagingSummary
from lms_pipeline.tasks.tables import StoreTables


class Phase(str, Enum):
    DISCOVERY = "discovery"
    MIGRATIONS = "migrations"
    STAGING = "staging"


ALL_LOAD_PHASES = [Phase.DISCOVERY, Phase.MIGRATIONS, Phase.STAGING]


@dataclass
class PipelineResult:
    outcome: str  # succeeded, warned
    files_found: int = 0
    staging: StagingSummary = field(default_factory=StagingSummary)
    load_run_id: int | None = None


@flow(name="lms-pipeline")
def lms_pipeline(
    csv_paths: list[str],
    database: DatabaseSettings,
    phases: list[Phase] = ALL_LOAD_PHASES,
    allow_mass_delete: bool = False,
    lock_wait_seconds: float = 0,
    work_dir: str | None = None,
) -> PipelineResult:
    """Load LMS extract trees into the LMS data store.

    Args:
        csv_paths: Extract roots, one per LMS (the folders holding users/, sections/, section=<id>/ ...).
        database: The target database; the password is kept secret.
        phases: Which phases to run.
        allow_mass_delete: Let files soft-delete more than half of a scope of 50 or more live rows.
        lock_wait_seconds: How long to wait for another run on the same database before giving up.
        work_dir: Where manifests are written; a temporary folder when empty.
    """
    log = get_run_logger()
    log.info("Loading %s into %s", ", ".join(csv_paths), database.describe())
    folder = Path(work_dir or tempfile.mkdtemp(prefix="lms-pipeline-")) / (flow_run.get_id() or "local")
    manifest_paths = discovery(csv_paths, str(folder)) if Phase.DISCOVERY in phases else []
    result = PipelineResult("succeeded", sum(len(load_manifest(p).files) for p in manifest_paths))
    engine = make_engine(database)
    tables = StoreTables(dialect_of(engine))
    try:
        with run_lock(engine, lock_wait_seconds):
            if Phase.MIGRATIONS in phases:
                migrations(database)
            if Phase.STAGING in phases and manifest_paths:
                result.load_run_id = start_run(engine, tables, flow_run.get_id(), flow_run.get_name(), csv_paths)
                try:
                    result.staging = staging(manifest_paths, database, result.load_run_id, allow_mass_delete)
                except BaseException as error:
                    finish_run(engine, tables, result.load_run_id, "failed", StagingSummary(), result.files_found,
                               f"{type(error).__name__}: {error}")
                    raise
                warned = result.staging.rejected_files or result.staging.held_files
                result.outcome = "warned" if warned else "succeeded"
                finish_run(engine, tables, result.load_run_id, result.outcome, result.staging, result.files_found,
                           None)
    finally:
        engine.dispose()
    return result
