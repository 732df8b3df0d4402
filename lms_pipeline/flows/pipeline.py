"""The parent flow `lms-pipeline`: its phases run as subflows under one database run lock.

The CLI runs this same flow, so a load from a terminal and a load from the Prefect UI are the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.states import Completed
from prefect.utilities.annotations import quote

from lms_pipeline.discovery.manifests import load_manifest, manifest_folder, write_manifest
from lms_pipeline.flows.discovery import discovery
from lms_pipeline.flows.harmonization import harmonize_every_lms
from lms_pipeline.flows.migrations import migrations
from lms_pipeline.harmonization import LMS_NAMES
from lms_pipeline.loading.journal import pending_files
from lms_pipeline.loading.runs import finish_run, mark_warned, start_run
from lms_pipeline.loading.summary import StagingSummary, forget_summary, live_summary
from lms_pipeline.reporting.warnings import Thresholds, staging_warnings, stale_extracts, tree_warnings, volume_drift
from lms_pipeline.store.engine import describe_error, dialect_of, make_engine, run_lock
from lms_pipeline.store.settings import DatabaseSettings
from lms_pipeline.store.tables import StoreTables
from lms_pipeline.tasks.artifacts import (
    create_progress,
    publish_data_quality,
    publish_summary,
    publish_trends,
    publish_warnings,
)
from lms_pipeline.tasks.hooks import RunProgress, notify_warnings, report_failure, track
from lms_pipeline.tasks.naming import pipeline_run_name, quiet_task_successes
from lms_pipeline.tasks.retries import database_task
from lms_pipeline.wording import plural


class Phase(str, Enum):
    DISCOVERY = "discovery"
    MIGRATIONS = "migrations"
    VALIDATION = "validation"  # validate without loading; the load that follows reuses the cached work
    STAGING = "staging"
    HARMONIZATION = "harmonization"  # in an Ed-Fi ODS database: link with the SIS, write lmsx


class NotifyOn(str, Enum):
    NEVER = "never"
    FAILURE = "failure"
    WARNING = "warning"


WARNED = "Warned"  # the state of a run that completed with warnings a person must see

LOAD_PHASES = [Phase.DISCOVERY, Phase.MIGRATIONS, Phase.STAGING]
ALL_PHASES = LOAD_PHASES + [Phase.HARMONIZATION]
ALL_LMS = list(LMS_NAMES)


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
    phases: list[Phase] = LOAD_PHASES,
    lms: list[str] = ALL_LMS,
    exceptions_report_directory: str | None = None,
    customization_folder: str | None = None,
    allow_mass_delete: bool = False,
    notification_block: str | None = None,
    notify_email_to: list[str] | None = None,
    notify_on: NotifyOn = NotifyOn.WARNING,
    quarantine_alert_rows: int = 100,
    stale_after_hours: float | None = 36,
    volume_drift_percent: float | None = 50,
    lock_wait_seconds: float = 0,
    statement_timeout_minutes: float | None = 60,
    work_dir: str | None = None,
    dask_scheduler: str | None = None,
) -> PipelineResult:
    """Load LMS extract trees into the LMS data store.

    Args:
        csv_paths: Extract roots, one per LMS: the folders that hold users/, sections/, section=ID/ ...
        database: Connection settings of the target database, without the password: a run finds it in the Secret
            block that password_secret_block names, else in the worker's environment variable LMS_DATABASE_PASSWORD.
        database_block: Instead of `database`, the name of a saved SqlAlchemyConnector block, which holds the
            password.
        phases: The phases to run: discovery, migrations, staging, harmonization; or validation instead of
            staging, to check the extracts without loading them.
        lms: The LMSs to harmonize: canvas, google, schoology.
        exceptions_report_directory: Where harmonization writes its exception reports (CSV); none when empty.
        customization_folder: A folder of site SQL scripts (NNNN_name.sql) applied after the built-in ones.
        allow_mass_delete: Apply the soft deletes the mass-deletion guard holds: those that would leave a scope
            with less than half the rows it held in the last 14 days (users and sections at any size, a
            section's or assignment's rows from 50 up).
        notification_block: A notification block as block-type-slug/name, e.g. custom-webhook/lms-alerts,
            slack-webhook/data-team or email-server-credentials/district-smtp.
        notify_email_to: Recipients, when the notification block is an e-mail server.
        notify_on: When to notify: never, failure (failures and crashes), or warning (those and warnings).
        quarantine_alert_rows: Warn when a run quarantines more rows than this.
        stale_after_hours: Warn when a root's newest extract file is older than this; empty to disable.
        volume_drift_percent: Warn when a resource's live rows change by more than this since the last
            successful run; empty to disable.
        lock_wait_seconds: How long to wait for another run on the same database before giving up.
        statement_timeout_minutes: The database cancels any one statement that runs longer than this, and the run
            fails with a message that names it; empty for no bound. Raise it for a first load of a large district.
        work_dir: Where the run writes its manifests, in a folder of its own removed when the run ends; a
            temporary folder when empty.
        dask_scheduler: Validate files on a Dask cluster: a scheduler address (tcp://host:8786), or 'local' for
            a local cluster of two workers. Empty: two threads of the flow process, which hand large batches to
            a validation process of their own.
    """
    log = get_run_logger()
    quiet_task_successes()
    settings = resolve_database(database, database_block, statement_timeout_minutes)
    progress = track(flow_run.get_id())
    log.info("Running %s on %s", ", ".join(p.value for p in phases), settings.describe())
    # Subflows send no heartbeats: they run in the parent's process, whose own heartbeat speaks for it, and a
    # heartbeat thread takes up to a second to stop at the end of each run (it sleeps in 1-second steps and is
    # joined): 3 of the 9.6 s of a re-run with nothing new (py-spy). One settings context for all of them: each
    # costs 0.1 s to build. The manifests are removed only once every phase is done: staging reads them by path.
    with (
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        manifest_folder(work_dir, flow_run.get_id() or "local") as folder,
    ):
        manifest_paths = _phase(progress, Phase.DISCOVERY, phases, lambda: discovery(csv_paths, str(folder))) or []
        files_found, on_disk = _survey(manifest_paths, stale_after_hours)
        result = PipelineResult("succeeded", files_found)
        engine = make_engine(settings)
        tables = StoreTables(dialect_of(engine))
        try:
            progress.phase = "run lock"  # a failure from here to the migrations is the lock's, not discovery's
            with run_lock(engine, lock_wait_seconds):
                harmonizer = Phase.HARMONIZATION in phases
                _phase(
                    progress, Phase.MIGRATIONS, phases, lambda: migrations(settings, harmonizer, customization_folder)
                )
                pending = _keep_pending(engine, tables, manifest_paths, allow_mass_delete, log)
                if Phase.VALIDATION in phases and pending:
                    result.staging = _phase(
                        progress,
                        Phase.VALIDATION,
                        phases,
                        lambda: _staging_subflow(None)(
                            manifest_paths,
                            settings,
                            None,
                            allow_mass_delete,
                            validate_only=True,
                            progress_artifact_id=create_progress(),
                        ),
                    )
                    forget_summary(None)
                    publish_summary(result.staging)
                if Phase.STAGING in phases and manifest_paths:
                    result.load_run_id = progress.load_run_id = begin_run(
                        engine, tables, flow_run.get_id(), flow_run.get_name(), csv_paths
                    )
                    if pending:
                        _stage(
                            progress,
                            result,
                            engine,
                            tables,
                            manifest_paths,
                            settings,
                            allow_mass_delete,
                            dask_scheduler,
                        )
                    else:
                        end_run(engine, tables, result.load_run_id, "succeeded", result.staging, files_found, None)
                    thresholds = Thresholds(quarantine_alert_rows, stale_after_hours, volume_drift_percent)
                    result.warnings = (
                        staging_warnings(result.staging, thresholds)
                        + on_disk
                        + volume_drift(engine, tables, result.load_run_id, volume_drift_percent)
                    )
                    if result.warnings:
                        warned(engine, tables, result.load_run_id)
                    _publish(engine, tables, result)
                result.harmonization = (
                    _phase(
                        progress,
                        Phase.HARMONIZATION,
                        phases,
                        lambda: harmonize_every_lms(settings, lms, exceptions_report_directory),
                    )
                    or {}
                )
                if {Phase.STAGING, Phase.HARMONIZATION} & set(phases):
                    publish_trends(engine, tables)  # the last weeks, read from the journal this run just wrote
        finally:
            engine.dispose()
    for warning in result.warnings:
        log.warning(warning)
    if notify_on is NotifyOn.WARNING:
        notify_warnings(notification_block, notify_email_to, result.warnings, result.staging)
    if result.warnings:  # Completed, named apart from a clean success in the UI, the API and the CLI's exit code
        result.outcome = "warned"
        return Completed(name=WARNED, message=_warned_message(result.warnings), data=result)
    return result


def _warned_message(warnings: list[str]) -> str:
    first = warnings[0] if len(warnings[0]) <= 400 else warnings[0][:399] + "…"
    return first + (f" (and {plural(len(warnings) - 1, 'more warning')})" if len(warnings) > 1 else "")


def _survey(manifest_paths: list[str], stale_after_hours: float | None) -> tuple[int, list[str]]:
    """The files found, and the warnings about the trees (notices to act on, stale extracts), read now: the
    manifests then need not stay in memory while the staging subflow reads its own copy (40 MB each for a
    district's 48,000 files)."""
    manifests = [load_manifest(p) for p in manifest_paths]
    warnings = tree_warnings(manifests) + stale_extracts(manifests, stale_after_hours)
    return sum(len(m.files) for m in manifests), warnings


def _keep_pending(engine, tables, manifest_paths: list[str], retry_held: bool, log) -> int:
    """Drop from each manifest, in place, the files the journal already holds; the number left to load. Done
    here rather than in the staging subflow, so that a night with nothing new starts no subflow for it."""
    pending = 0
    for path in manifest_paths:
        manifest = find_pending(engine, tables, quote(load_manifest(path)), retry_held)
        log.info(
            "%s: %d files to load, %d already loaded, %d set aside",
            manifest.root,
            len(manifest.files),
            manifest.already_loaded,
            len(manifest.set_aside),
        )
        write_manifest(manifest, path)
        pending += len(manifest.files) + len(manifest.set_aside)
    return pending


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

    return Secret.load(name).get()


def _phase(progress: RunProgress, phase: Phase, phases: list[Phase], run):
    """Run one phase's subflow if it was asked for; a failure names the phase."""
    if phase not in phases:
        return None
    progress.phase = phase.value
    try:
        return run()
    except Exception as error:
        raise PhaseFailed(phase, error) from error


def _stage(progress, result, engine, tables, manifest_paths, settings, allow_mass_delete, dask_scheduler) -> None:
    subflow = _staging_subflow(dask_scheduler)
    try:
        result.staging = _phase(
            progress,
            Phase.STAGING,
            [Phase.STAGING],
            lambda: subflow(
                manifest_paths, settings, result.load_run_id, allow_mass_delete, progress_artifact_id=create_progress()
            ),
        )
    except BaseException as error:
        try:
            end_run(
                engine,
                tables,
                result.load_run_id,
                "failed",
                live_summary(result.load_run_id),
                result.files_found,
                str(error),
            )
        except Exception:  # the database may be what failed: the staging error is the one to report
            get_run_logger().exception("could not record the failed load run")
        raise
    forget_summary(result.load_run_id)
    result.outcome = "warned" if result.staging.needs_attention else "succeeded"
    end_run(engine, tables, result.load_run_id, result.outcome, result.staging, result.files_found, None)


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
