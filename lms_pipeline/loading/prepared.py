"""Loading a validated batch: its typed rows come from the file validation left on disk, or, when that file is
gone, from validating the batch again. The journal, not the cache, decides what is loaded."""

from __future__ import annotations

import pickle
from pathlib import Path

from sqlalchemy import Engine, text

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.loading.batch import MassDeletePolicy, load_batch
from lms_pipeline.loading.summary import BatchResult
from lms_pipeline.resources import Resource
from lms_pipeline.validation.copy_text import CopyText
from lms_pipeline.validation.rows import PreparedBatch, prepare_batch
from lms_pipeline.validation.worker import PreparedRef, copy_text_path


def open_prepared(ref: PreparedRef, resource: Resource, files: list[ManifestFile]) -> PreparedBatch:
    try:
        with open(ref.path, "rb") as file:  # streamed: read_bytes would hold a second copy of the batch
            batch: PreparedBatch = pickle.load(file)
    except (FileNotFoundError, pickle.UnpicklingError, EOFError):
        return prepare_batch(resource, files)
    if isinstance(batch.staged, CopyText) and not Path(batch.staged.path).exists():
        return prepare_batch(resource, files)
    return batch


def store_identity(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT datastoreid FROM lms.datastore")).scalar_one())


def load_prepared(
    engine: Engine,
    resource: Resource,
    files: list[ManifestFile],
    prepared: PreparedBatch | PreparedRef,
    run_id: int | None,
    policy: MassDeletePolicy,
) -> BatchResult:
    """Load a validated batch; its rows on disk are not needed once the journal has its files."""
    batch = open_prepared(prepared, resource, files) if isinstance(prepared, PreparedRef) else prepared
    result = load_batch(engine, batch, run_id, policy)
    if isinstance(prepared, PreparedRef):
        Path(prepared.path).unlink(missing_ok=True)
        Path(copy_text_path(prepared.path)).unlink(missing_ok=True)
        result.validated_by = prepared.worker
    return result


def validation_only(
    engine: Engine,
    resource: Resource,
    files: list[ManifestFile],
    prepared: PreparedRef,
    run_id: int | None,
    policy: MassDeletePolicy,
) -> BatchResult:
    """In place of a load: what validating the batch found. Its rows stay on disk, for the load that follows."""
    return BatchResult(
        resource=resource.name,
        files=len(files),
        quarantined=prepared.rejections,
        rejected_files=list(prepared.rejected_files),
        validated_by=prepared.worker,
    )
