"""Staging subflow: validate (cached on file content) and load (retried when the database fails transiently) the
pending files, batch by batch."""

from __future__ import annotations

import sys
from datetime import timedelta

from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from lms_pipeline.discovery.manifests import load_manifest
from lms_pipeline.loading.archive import open_archive
from lms_pipeline.loading.batch import MassDeletePolicy, load_large_file
from lms_pipeline.loading.prepared import load_prepared, store_identity, validation_only
from lms_pipeline.loading.stage import stage_all
from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.options import BatchLimits
from lms_pipeline.run_state import RunState
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.tasks.artifacts import Progress
from lms_pipeline.tasks.naming import batch_run_name
from lms_pipeline.tasks.retries import database_task
from lms_pipeline.tasks.validation_cache import CACHE_POLICY, validate_batch
from lms_pipeline.wording import plural

load_large = database_task(load_large_file, name="load-large-file", task_run_name=batch_run_name("stream"))
# task(fn, ...) on purpose, not task(...)(fn), which Prefect's overloads would type: the decorator form's task does
# not pickle by reference, and a Dask worker could not receive it. Prefect's overloads omit the first form's options.
validate = task(  # type: ignore[call-overload]
    validate_batch,
    name="validate-batch",
    cache_policy=CACHE_POLICY,
    cache_expiration=timedelta(days=30),
    task_run_name=batch_run_name("validate"),
)
load = database_task(load_prepared, name="load-batch", task_run_name=batch_run_name("load"))


# Prefect types task_runner as TaskRunner[PrefectFuture[Any]], a generic invariant in its future type, which no
# concrete runner (ThreadPoolTaskRunner is a TaskRunner[PrefectConcurrentFuture[R]]) matches.
@flow(name="staging", flow_run_name="staging", task_runner=ThreadPoolTaskRunner(max_workers=2))  # type: ignore[arg-type]
def staging(
    manifest_paths: list[str],
    run: RunState,
    allow_mass_delete: bool = False,
    validate_only: bool = False,
    progress_artifact_id: str | None = None,
    batches: BatchLimits = BatchLimits(),
    raw_archive: str | None = None,
) -> StagingSummary:
    """Load the files of the manifests, which hold only what the journal lacks, with the run's engine. The run's
    summary fills up batch by batch, so a failure still reports it.

    With validate_only, batches are validated (and cached) but not loaded: a check of tonight's extracts whose
    work the load that follows reuses. The progress artifact is the parent run's, where a person looks for it.
    raw_archive: where to keep a copy of each file loaded (archive.py).
    """
    log = get_run_logger()
    manifests = [load_manifest(p) for p in manifest_paths]
    store = store_identity(run.engine)
    for_copy = dialect_of(run.engine).stages_copy_text
    summary = stage_all(
        run.engine,
        manifests,
        run.load_run_id,
        MassDeletePolicy(allow=allow_mass_delete),
        submit=lambda resource, files: validate.submit(resource, _unwalked(files), store, for_copy),
        load=validation_only if validate_only else _files_quoted(load),
        load_large=load_large,
        summary=run.summary,
        on_batch=_reporter(Progress(progress_artifact_id), log),
        validate_only=validate_only,
        limits=batches,
        archive=open_archive(raw_archive, run.summary.archive_problems),
    )
    log.info(_batches_line(summary))
    for warning in summary.warnings:
        log.warning(warning)
    for rejected in summary.rejected_files:
        log.error("rejected: %s", rejected)
    for superseded in summary.superseded_files:
        log.warning("superseded: %s", superseded)
    return summary


def _batches_line(summary: StagingSummary) -> str:
    """'36 batches, validated in 1 process (vm:5630)'; the batches alone when no process validated any: nothing
    was staged, or only large files, which load streamed."""
    line = plural(summary.batches, "batch")
    if summary.validated_by:
        workers = sorted(summary.validated_by)
        line += f", validated in {plural(len(workers), 'process')} ({', '.join(workers)})"
    return line


def _files_quoted(load_task):
    """Prefect walks every task parameter in search of upstream futures. A batch's file list holds none, and
    walking 2,000 files per task run took a tenth of staging a district's tree (py-spy): quote() skips it."""
    return lambda engine, resource, files, *rest: load_task(engine, resource, quote(files), *rest)


def _unwalked(files):
    """quote() for a submitted task too, except on Dask, which rebuilds the tuples it is handed, quote among them."""
    context = FlowRunContext.get()
    assert context is not None, "called in the staging flow's run"
    runner = context.task_runner
    return quote(files) if isinstance(runner, ThreadPoolTaskRunner) else files


def _reporter(progress: Progress, log):
    terminal = sys.stderr.isatty()

    def report(done: int, total: int, line: str) -> None:
        log.info("batch %d/%d, %s", done, total, line)
        progress(done, total)
        if terminal:
            filled = 30 * done // max(total, 1)
            end = "\n" if done == total else ""
            print(
                f"\rstaging [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} batches",
                end=end,
                file=sys.stderr,
                flush=True,
            )

    return report


def task_runner(dask_scheduler: str | None):
    """Threads in the flow process by default (large batches go on to a validation process: validated.py); a Dask
    cluster to spread the validation of files.

    'local' starts a local cluster of two worker processes; any other value is a scheduler address
    (tcp://host:8786) whose workers see the same extract and result-storage paths.
    """
    if not dask_scheduler:
        return ThreadPoolTaskRunner(max_workers=2)
    from prefect_dask import DaskTaskRunner

    if dask_scheduler == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None})
    return DaskTaskRunner(address=dask_scheduler)
