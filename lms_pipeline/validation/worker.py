"""Validate a batch and keep its typed rows on disk, in the calling thread or in the validation process.

Validation is Python work that holds the GIL, while a load mostly waits on the database: in a process of its own
it no longer competes with the loader's Python (district tree: 62 s instead of 70 s, and 376 MB instead of 507 MB
in the flow process; benchmarks/README.md). Small batches stay in the thread, which saves the process's start-up;
a daemonic process (a Dask worker's) may not start one. This module imports no Prefect, so the process that
imports it to validate holds 83 MB before its first batch instead of 142 MB.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.resources import Resource
from lms_pipeline.validation.csv_files import FileRejected
from lms_pipeline.validation.rows import FileOutcome, PreparedBatch, prepare_batch, prepare_chunks

VALIDATION_PROCESS_BYTES = 4 * 1024 * 1024  # a batch this large pays for the validation process's start-up
CHUNKS_AHEAD = 2  # a large file's chunks validated and not yet staged, at most: bounds the disk they take
POLL_SECONDS = 0.02
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
    with _restarted_if_broken():
        return _validator().submit(_validate, resource, files, path, for_copy).result()


@contextmanager
def _restarted_if_broken() -> Iterator[None]:
    try:
        yield
    except BrokenProcessPool:
        _started.cache_clear()  # the process died (killed, out of memory): the task's retry starts a new one
        raise


def _validate(resource: Resource, files: list[ManifestFile], path: str, for_copy: bool) -> PreparedRef:
    batch = prepare_batch(resource, files)
    _dump(batch.for_copy(copy_text_path(path)) if for_copy else batch, path)
    rejected = tuple(f.rejected for f in batch.files if f.rejected)
    return PreparedRef(
        path, len(batch.staged), len(batch.rejections), rejected, f"{socket.gethostname()}:{os.getpid()}"
    )


def copy_text_path(path: str) -> str:
    """Where a batch kept at `path` keeps its rows as COPY's text."""
    return f"{path}.csv"


def _dump(batch: PreparedBatch, path: str) -> None:
    with open(path, "wb") as file:  # streamed: pickle.dumps would hold a second copy of the batch
        pickle.dump(batch, file, protocol=pickle.HIGHEST_PROTOCOL)


def prepared_chunks(
    resource: Resource, outcome: FileOutcome, chunk_rows: int, for_copy: bool = False
) -> Iterator[PreparedBatch]:
    """A large file's chunks, validated (and rendered, for_copy) in the validation process while the caller stages
    the chunk before: both cores work, as for batches. Each chunk's `files[0]` tells what was read so far; the
    last one's is the file's outcome. Small files, and daemonic callers, read here (rows.prepare_chunks)."""
    if outcome.file.size < VALIDATION_PROCESS_BYTES or multiprocessing.current_process().daemon:
        yield from prepare_chunks(resource, outcome, chunk_rows)  # COPY renders a frame as it reads it
        return
    with tempfile.TemporaryDirectory(prefix="lms-chunks-") as folder, _restarted_if_broken():
        done = _validator().submit(_validate_chunks, resource, outcome.file, chunk_rows, for_copy, folder)
        try:
            yield from _collected(Path(folder), done)
        finally:  # the caller stopped early (its load failed): the process stops at its next chunk
            (Path(folder) / "stop").touch()
            wait([done])


def _collected(folder: Path, done: Future[FileRejected | None]) -> Iterator[PreparedBatch]:
    """The chunks the validation process writes into `folder`, in order, each deleted once read."""
    for number in itertools.count():
        path = folder / f"{number:08d}.pkl"
        while not path.exists() and not done.done():
            wait([done], timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
        if not path.exists():  # the process has finished: every chunk it wrote is read
            refused = done.result()
            if refused is not None:
                raise refused
            return
        with open(path, "rb") as file:
            chunk: PreparedBatch = pickle.load(file)
        path.unlink()
        yield chunk
        Path(copy_text_path(str(path))).unlink(missing_ok=True)  # staged by now


def _validate_chunks(
    resource: Resource, file: ManifestFile, chunk_rows: int, for_copy: bool, folder: str
) -> FileRejected | None:
    """In the validation process: write each chunk as `<number>.pkl` (renamed into place whole), at most
    CHUNKS_AHEAD of them waiting; the file's refusal is returned, not raised, so the chunks before it still count."""
    outcome, stop = FileOutcome(file), Path(folder) / "stop"
    try:
        for number, chunk in enumerate(prepare_chunks(resource, outcome, chunk_rows)):
            while len(list(Path(folder).glob("*.pkl"))) >= CHUNKS_AHEAD and not stop.exists():
                time.sleep(POLL_SECONDS)
            if stop.exists():
                return None
            path = str(Path(folder) / f"{number:08d}.pkl")
            _dump(chunk.for_copy(copy_text_path(path)) if for_copy else chunk, f"{path}.part")
            os.replace(f"{path}.part", path)
    except FileRejected as refused:
        return refused
    return None


@cache
def _started() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def _validator() -> ProcessPoolExecutor:
    """The validation process, started on first use. Spawned, not forked: the flow process runs threads."""
    with _STARTING:
        return _started()
