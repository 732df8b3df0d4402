"""Migration subflow: apply the numbered scripts the database lacks; the caller holds the run lock."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from lms_pipeline.run_state import RunState
from lms_pipeline.store.migrations import apply_migrations, builtin_scripts, site_scripts


@flow(name="migrations", flow_run_name="migrations")
def migrations(run: RunState, harmonizer: bool = False, customization_folder: str | None = None) -> dict:
    log = get_run_logger()
    scripts = builtin_scripts(run.tables.dialect.name, harmonizer)
    if customization_folder:
        scripts += site_scripts(Path(customization_folder))
    report = apply_migrations(run.engine, scripts)
    if report.adopted:
        log.info("Adopted %d scripts journaled by the reference loader", len(report.adopted))
    log.info("Applied %d scripts; %d already applied", len(report.applied), len(report.already))
    return {"applied": report.applied, "adopted": report.adopted}
