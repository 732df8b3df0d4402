"""The parent flow `lms-pipeline`: its phases run as subflows under one database run lock.

The CLI runs this same flow, so a load from a terminal and a load from the Prefect UI are the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.states import Completed
from prefect.utilities.annotations import quote

from lms_pipeline.discovery.manifests import (
    load_manifest,
    manifest_folder,
    save_known_files,
    save_manifest,
    write_manifest,
)
from lms_pipeline.flows.discovery import discovery
from lms_pipeline.flows.harmonization import harmonize_every_lms
from lms_pipeline.flows.migrations import migrations
from lms_pipeline.loading.journal import known_files, pending_files
from lms_pipeline.loading.replay import replay_manifests
from lms_pipeline.loading.runs import finish_run, mark_warned, start_run
from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.options import Notifications, Phase, RunOptions, Thresholds
from lms_pipeline.reporting.warnings import staging_warnings, stale_extracts, tree_warnings, volume_drift
from lms_pipeline.run_state import RunState
from lms_pipeline.store.connections import describe_error, make_engine, run_lock
from lms_pipeline.store.settings import DatabaseSettings
from lms_pipeline.tasks.artifacts import (
    create_progress,
    publish_data_quality,
    publish_summary,
    publish_trends,
    publish_warnings,
)
from lms_pipeline.tasks.hooks import notify_warnings, report_failure
from lms_pipeline.tasks.naming import pipeline_run_name, quiet_task_successes
from lms_pipeline.tasks.retries import database_task
from lms_pipeline.wording import plural

WARNED = "Warned"  # the state of a run that completed with warnings a person must see


class PhaseFailed(RuntimeError):
    """The flow run's state message: the phase, and for staging the file, then the cause."""

    def __init__(self, phase: Phase, error: BaseException):
        from lms_pipeline.loading.stage import StagingFailed  # not at the top: see _staging_subflow

        cause = str(error) if isinstance(error, StagingFailed) else describe_error(error)
        super().__init__(f"{phase.value} failed: {cause}")


@dataclass
class PipelineResult:
    outcome: str  # succeeded, warned
    files_found: int = 0
    staging: StagingSummary = field(default_factory=StagingSummary)
    load_run_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    harmonization: dict[str, dict] = field(default_factory=dict)  # per LMS: matched, unmatched, written ...


begin_run = database_task(start_run, name="start-load-run")
find_pending = database_task(pending_files, name="compare-with-journal")
end_run = database_task(finish_run, name="finish-load-run")
warned = database_task(mark_warned, name="mark-load-run-warned")


@flow(name="lms-pipeline", flow_run_name=pipeline_run_name, on_failure=[report_failure], on_crashed=[report_failure])
def lms_pipeline(
    csv_paths: list[str],
    database: DatabaseSettings | None = None,
    database_block: str | None = None,
    options: RunOptions = RunOptions(),
    thresholds: Thresholds = Thresholds(),
    notifications: Notifications = Notifications(),
) -> PipelineResult:
    """Load LMS extract trees into the LMS data store.

    Args:
        csv_paths: Extract roots, one per LMS: the folders that hold users/, sections/, section=ID/ ...
        database: Connection settings of the target database, without the password: a run finds it in the Secret
            block that password_secret_block names, else in the worker's environment variable LMS_DATABASE_PASSWORD.
        database_block: Instead of `database`, the name of a saved SqlAlchemyConnector block, which holds the
            password.
        options: What the run does: its phases, the LMSs to harmonize, mass deletions, site scripts, reports, and
            its bounds (run lock wait, statement timeout, batch limits).
        thresholds: When a completed run warns: quarantined rows, stale extracts, volume drift.
        notifications: Where failures, crashes and warnings are sent (a notification block, e-mail recipients) and
            which of them.
    """
    log = get_run_logger()
    quiet_task_successes()
    settings = resolve_database(database, database_block, options.statement_timeout_minutes)
    log.info("Running %s on %s", ", ".join(p.value for p in options.phases), settings.describe())
    engine = make_engine(settings)
    run = RunState(engine)
    try:
        result = _run_phases(csv_paths, run, options, thresholds)
    except BaseException as error:
        run.travels_with(error)
        raise
    finally:
        engine.dispose()
    for warning in result.warnings:
        log.warning(warning)
    notify_warnings(notifications, result.warnings, result.staging)
    if result.warnings:  # Completed, named apart from a clean success in the UI, the API and the CLI's exit code
        result.outcome = "warned"
        # Prefect unwraps a State a flow returns: its callers get the data, this PipelineResult, as annotated.
        return Completed(name=WARNED, message=_warned_message(result.warnings), data=result)  # type: ignore[return-value]
    return result


def _run_phases(csv_paths: list[str], run: RunState, options: RunOptions, thresholds: Thresholds) -> PipelineResult:
    """Discovery, then the rest under the database's run lock; each phase a subflow, if it was asked for."""
    engine, tables, phases = run.engine, run.tables, options.phases
    # Subflows send no heartbeats: they run in the parent's process, whose own heartbeat speaks for it, and a
    # heartbeat thread takes up to a second to stop at the end of each run (it sleeps in 1-second steps and is
    # joined): 3 of the 9.6 s of a re-run with nothing new (py-spy). One settings context for all of them: each
    # costs 0.1 s to build. The manifests are removed only once every phase is done: staging reads them by path.
    with (
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        manifest_folder(options.work_dir, flow_run.get_id() or "local") as folder,
    ):
        known_path = _known_files(run, options, folder) if Phase.DISCOVERY in phases else None
        manifest_paths = (
            _phase(run, Phase.DISCOVERY, phases, lambda: discovery(csv_paths, str(folder), known_path)) or []
        )
        result = PipelineResult("succeeded")
        run.phase = "run lock"  # a failure from here to the migrations is the lock's, not discovery's
        with run_lock(engine, options.lock_wait_seconds):
            harmonizer = Phase.HARMONIZATION in phases
            _phase(
                run,
                Phase.MIGRATIONS,
                phases,
                lambda: migrations(run, harmonizer, options.customization_folder),
            )
            roots = csv_paths
            if Phase.REPLAY in phases:
                replayed = _phase(run, Phase.REPLAY, phases, lambda: _replayed(run, options, folder))
                manifest_paths, roots, pending = replayed
                result.files_found = pending
                on_disk: list[str] = []
            else:
                pending, result.files_found, on_disk = _keep_pending(
                    run, manifest_paths, options.allow_mass_delete, thresholds.stale_after_hours
                )
            if Phase.VALIDATION in phases and pending:
                run.new_summary()
                result.staging = _phase(
                    run,
                    Phase.VALIDATION,
                    phases,
                    lambda: _staging_subflow(None)(
                        manifest_paths,
                        run,
                        options.allow_mass_delete,
                        validate_only=True,
                        progress_artifact_id=create_progress(),
                        batches=options.batches,
                    ),
                )
                publish_summary(result.staging)
            if {Phase.STAGING, Phase.REPLAY} & set(phases) and manifest_paths:
                result.load_run_id = run.load_run_id = begin_run(
                    engine,
                    tables,
                    flow_run.get_id(),
                    flow_run.get_name(),
                    roots,
                    content_checked=known_path is None,
                )
                if pending:
                    _stage(run, result, manifest_paths, options)
                else:
                    end_run(engine, tables, result.load_run_id, "succeeded", result.staging, result.files_found, None)
                result.warnings = (
                    staging_warnings(result.staging, thresholds)
                    + on_disk
                    + volume_drift(engine, tables, result.load_run_id, thresholds.volume_drift_percent)
                )
                if result.warnings:
                    warned(engine, tables, result.load_run_id)
                _publish(engine, tables, result)
            result.harmonization = (
                _phase(
                    run,
                    Phase.HARMONIZATION,
                    phases,
                    lambda: harmonize_every_lms(run, options.lms, options.exceptions_report_directory),
                )
                or {}
            )
            if {Phase.STAGING, Phase.HARMONIZATION} & set(phases):
                publish_trends(engine, tables)  # the last weeks, read from the journal this run just wrote
    return result


def _replayed(run: RunState, options: RunOptions, folder: Path) -> tuple[list[str], list[str], int]:
    """The replay phase: manifests of the journaled files in the replay's scope, each found in its extract root or
    the raw archive (replay.py), for staging to load again; their paths, their roots and how many files."""
    manifests = replay_manifests(run.engine, run.tables, options.replay, options.raw_archive, folder / "replayed")
    files = sum(len(m.files) for m in manifests)
    get_run_logger().info("Replaying %s from %s", plural(files, "file"), plural(len(manifests), "root"))
    paths = [save_manifest(manifest, folder, index) for index, manifest in enumerate(manifests)]
    return paths, [m.root for m in manifests], files


def _known_files(run: RunState, options: RunOptions, folder: Path) -> str | None:
    """The file of what the journal knew of each file, which discovery keeps for a file whose stat is unchanged;
    None when this run is to read every file: asked to (rehash), or as the periodic check (rehash_every_days).
    The map itself is let go here: the flow process need not hold it while discovery holds its own copy."""
    if options.rehash:
        return None
    known = known_files(run.engine, run.tables, options.rehash_every_days, datetime.now())
    if not known:
        get_run_logger().info(
            "Reading every file: none is journaled with its stat, or this is the periodic check (rehash_every_days)"
        )
        return None
    return save_known_files(known, folder)


def _warned_message(warnings: list[str]) -> str:
    first = warnings[0] if len(warnings[0]) <= 400 else warnings[0][:399] + "…"
    return first + (f" (and {plural(len(warnings) - 1, 'more warning')})" if len(warnings) > 1 else "")


def _keep_pending(
    run: RunState, manifest_paths: list[str], retry_held: bool, stale_after_hours: float | None
) -> tuple[int, int, list[str]]:
    """Drop from each manifest, in place, the files the journal already holds. Done here rather than in the
    staging subflow, so that a night with nothing new starts no subflow for it. Returns the number left to load,
    the files found, and the warnings about the trees (notices to act on, stale extracts): each manifest is read
    once, and need not stay in memory while the staging subflow reads its own copy (40 MB each for a district)."""
    log = get_run_logger()
    pending, found, warnings = 0, 0, []
    for path in manifest_paths:
        manifest = load_manifest(path)
        found += len(manifest.files)
        warnings += tree_warnings([manifest]) + stale_extracts([manifest], stale_after_hours)
        manifest = find_pending(run.engine, run.tables, quote(manifest), retry_held)
        log.info(
            "%s: %d files to load%s, %d already loaded, %d set aside",
            manifest.root,
            len(manifest.files),
            f" ({manifest.held_retried} of them with held deletions, now allowed)" if manifest.held_retried else "",
            manifest.already_loaded,
            len(manifest.set_aside),
        )
        write_manifest(manifest, path)
        pending += len(manifest.files) + len(manifest.set_aside)
    return pending, found, warnings


def resolve_database(
    database: DatabaseSettings | None, database_block: str | None, statement_timeout_minutes: float | None
) -> DatabaseSettings:
    """The settings every phase connects with: the block's, or the parameter's with their password found; each
    statement bounded by the timeout."""
    if database_block:
        from prefect_sqlalchemy import SqlAlchemyConnector

        settings = DatabaseSettings.from_connector(SqlAlchemyConnector.load(database_block))
    elif database is None:
        raise ValueError("give the database: connection settings, or the name of a SqlAlchemyConnector block")
    else:
        settings = database.with_secrets(read_secret_block)
    return settings.with_statement_timeout(statement_timeout_minutes)


def read_secret_block(name: str) -> str:
    from prefect.blocks.system import Secret

    return Secret.load(name).get()  # type: ignore[union-attr]  # load() is an async_dispatch: the block, called synchronously


def _phase(run: RunState, phase: Phase, phases: list[Phase], work):
    """Run one phase's subflow if it was asked for; a failure names the phase."""
    if phase not in phases:
        return None
    run.phase = phase.value
    try:
        return work()
    except Exception as error:
        raise PhaseFailed(phase, error) from error


def _stage(run: RunState, result: PipelineResult, manifest_paths: list[str], options: RunOptions) -> None:
    subflow = _staging_subflow(options.dask_scheduler)
    run.new_summary()
    try:
        result.staging = _phase(
            run,
            Phase.STAGING,
            [Phase.STAGING],
            lambda: subflow(
                manifest_paths,
                run,
                options.allow_mass_delete,
                progress_artifact_id=create_progress(),
                batches=options.batches,
                raw_archive=options.raw_archive,
            ),
        )
    except BaseException as error:
        try:
            end_run(run.engine, run.tables, result.load_run_id, "failed", run.summary, result.files_found, str(error))
        except Exception:  # the database may be what failed: the staging error is the one to report
            get_run_logger().exception("could not record the failed load run")
        raise
    result.outcome = "warned" if result.staging.needs_attention else "succeeded"
    end_run(run.engine, run.tables, result.load_run_id, result.outcome, result.staging, result.files_found, None)


def _staging_subflow(dask_scheduler: str | None):
    """The staging subflow, imported when a run has files to stage: its modules bring pandas and pandera (0.5 s of
    every command), which a night with nothing new never needs."""
    from lms_pipeline.flows.staging import staging, task_runner

    return staging.with_options(task_runner=task_runner(dask_scheduler))


def _publish(engine, tables, result: PipelineResult) -> None:
    publish_summary(result.staging, result.files_found)
    if result.staging.resources:  # a run that staged nothing has no data quality to speak of
        publish_data_quality(engine, tables, result.load_run_id, result.staging)
    publish_warnings(result.warnings)
