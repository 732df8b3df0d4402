"""Validated batches, cached on their files' content.

Validating a batch is cached on the sha256 of each file, the validation code and the data store's identity. The
cached result is a small summary; the typed rows it describes are a file beside Prefect's result storage. If that
file is gone, the batch is simply validated again: the journal, not the cache, decides what is loaded.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import socket
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from prefect.cache_policies import TASK_SOURCE, CachePolicy
from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH
from sqlalchemy import Engine, text


from lms_pipeline.tasks.loading import BatchResult, MassDeletePolicy, load_batch
from lms_pipeline.resources import Resource
from lms_pipeline.tasks.discovery import ManifestFile
from lms_pipeline.tasks.validation import PreparedBatch, prepare_batch

VALIDATION_PROCESS_BYTES = 4 * 1024 * 1024  # a batch this large pays for the validation process's start-up
_CODE = ("resources.py", "tasks/validation.py", "tasks/csv_files.py", "tasks/datetimes.py")
VALIDATION_VERSION = hashlib.sha256(
    b"".join((Path(__file__).resolve().parent.parent / name).read_bytes() for name in _CODE)
).hexdigest()


@dataclass(frozen=True)
class PreparedRef:
    """What the cache keeps: where the validated rows are, and how many."""

    path: str
    rows: int
    rejections: int
    rejected_files: tuple[str, ...] = ()
    worker: str = ""  # host:pid of the process that validated the batch (threads, or a Dask worker)


def batch_key(resource: Resource, files: list[ManifestFile], store_id: str) -> str:
    digest = hashlib.sha256(f"{VALIDATION_VERSION}|{resource.name}|{store_id}".encode())
    for f in files:
        digest.update(f"|{f.path}|{f.sha256}".encode())
    return digest.hexdigest()


@dataclass
class BatchContent(CachePolicy):
    """Cache key: the batch's file contents, the validation code and the target data store."""

    def compute_key(self, task_ctx, inputs, flow_parameters, **kwargs) -> str | None:
        return batch_key(inputs["resource"], inputs["files"], inputs["store_id"])


CACHE_POLICY = BatchContent() + TASK_SOURCE


def prepared_folder() -> Path:
    folder = Path(PREFECT_RESULTS_LOCAL_STORAGE_PATH.value()).expanduser() / "lms-prepared"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def validate_batch(resource: Resource, files: list[ManifestFile], store_id: str) -> PreparedRef:
    """Validate a batch and keep its rows on disk. A large batch is validated in a process of its own.

    Validation is Python work that holds the GIL, while a load mostly waits on the database: in another process
    it no longer competes with the loader's Python (district tree: 62 s instead of 70 s, and 376 MB instead of
    507 MB in the flow process; benchmarks/README.md). Small batches stay in the thread, which saves the process's
    start-up; a daemonic process (a Dask worker's) may not start one."""
    path = str(prepared_folder() / f"{batch_key(resource, files, store_id)}.pkl")
    if sum(f.size for f in files) < VALIDATION_PROCESS_BYTES or multiprocessing.current_process().daemon:
        return _validate_to(resource, files, path)
    try:
        return _validator().submit(_validate_to, resource, files, path).result()
    except BrokenProcessPool:
        _started.cache_clear()  # the process died (killed, out of memory): the task's retry starts a new one
        raise


def _validate_to(resource: Resource, files: list[ManifestFile], path: str) -> PreparedRef:
    batch = prepare_batch(resource, files)
    Path(path).write_bytes(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
    rejected = tuple(f.rejected for f in batch.files if f.rejected)
    return PreparedRef(path, len(batch.staged), len(batch.rejections), rejected,
                       f"{socket.gethostname()}:{os.getpid()}")


_STARTING = threading.Lock()  # two validation threads can ask for the process at the same moment


@cache
def _started() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def _validator() -> ProcessPoolExecutor:
    """The validation process, started on first use. Spawned, not forked: the flow process runs threads."""
    with _STARTING:
        return _started()


def open_prepared(ref: PreparedRef, resource: Resource, files: list[ManifestFile]) -> PreparedBatch:
    try:
        return pickle.loads(Path(ref.path).read_bytes())
    except (FileNotFoundError, pickle.UnpicklingError, EOFError):
        return prepare_batch(resource, files)


def store_identity(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT datastoreid FROM lms.datastore")).scalar_one())


def load_prepared(engine: Engine, resource: Resource, files: list[ManifestFile], prepared: PreparedBatch | PreparedRef,
                  run_id: int | None, policy: MassDeletePolicy) -> BatchResult:
    """Load a validated batch; its rows on disk are not needed once the journal has its files."""
    batch = open_prepared(prepared, resource, files) if isinstance(prepared, PreparedRef) else prepared
    result = load_batch(engine, batch, run_id, policy)
    if isinstance(prepared, PreparedRef):
        Path(prepared.path).unlink(missing_ok=True)
        result.validated_by = prepared.worker
    return result


def validation_only(engine: Engine, resource: Resource, files: list[ManifestFile], prepared: PreparedRef,
                    run_id: int | None, policy: MassDeletePolicy) -> BatchResult:
    """In place of a load: what validating the batch found. Its rows stay on disk, for the load that follows."""
    return BatchResult(resource=resource.name, files=len(files), quarantined=prepared.rejections,
                       rejected_files=list(prepared.rejected_files), validated_by=prepared.worker)
