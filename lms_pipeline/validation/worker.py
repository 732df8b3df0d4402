"""Validate a batch and keep its typed rows on disk, in the calling thread or in the validation process.

Validation is Python work that holds the GIL, while a load mostly waits on the database: in a process of its own
it no longer competes with the loader's Python (district tree: 62 s instead of 70 s, and 376 MB instead of 507 MB
in the flow process; benchmarks/README.md). Small batches stay in the thread, which saves the process's start-up;
a daemonic process (a Dask worker's) may not start one. This module imports no Prefect, so the process that
imports it to validate holds 83 MB before its first batch instead of 142 MB.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import socket
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.resources import Resource
from lms_pipeline.validation.rows import prepare_batch

VALIDATION_PROCESS_BYTES = 4 * 1024 * 1024  # a batch this large pays for the validation process's start-up
_STARTING = threading.Lock()  # two validation threads can ask for the process at the same moment


@dataclass(frozen=True)
class PreparedRef:
    """What the cache keeps: where the validated rows are, and how many."""

    path: str
    rows: int
    rejections: int
    rejected_files: tuple[str, ...] = ()
    worker: str = ""  # host:pid of the process that validated the batch (a thread's, the validation process, Dask)


def validate_to(resource: Resource, files: list[ManifestFile], path: str, for_copy: bool = False) -> PreparedRef:
    """Validate the batch here, or in the validation process when it is large; for_copy: its rows rendered as the
    CSV text of PostgreSQL's COPY (validation/copy_text.py)."""
    if sum(f.size for f in files) < VALIDATION_PROCESS_BYTES or multiprocessing.current_process().daemon:
        return _validate(resource, files, path, for_copy)
    try:
        return _validator().submit(_validate, resource, files, path, for_copy).result()
    except BrokenProcessPool:
        _started.cache_clear()  # the process died (killed, out of memory): the task's retry starts a new one
        raise


def _validate(resource: Resource, files: list[ManifestFile], path: str, for_copy: bool) -> PreparedRef:
    batch = prepare_batch(resource, files)
    batch = batch.for_copy() if for_copy else batch
    with open(path, "wb") as file:  # streamed: pickle.dumps would hold a second copy of the batch
        pickle.dump(batch, file, protocol=pickle.HIGHEST_PROTOCOL)
    rejected = tuple(f.rejected for f in batch.files if f.rejected)
    return PreparedRef(
        path, len(batch.staged), len(batch.rejections), rejected, f"{socket.gethostname()}:{os.getpid()}"
    )


@cache
def _started() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def _validator() -> ProcessPoolExecutor:
    """The validation process, started on first use. Spawned, not forked: the flow process runs threads."""
    with _STARTING:
        return _started()
