"""Validated batches, cached on their files' content.

Validating a batch is cached on the sha256 of each file, the validation code and the data store's identity. The
cached result is a small summary; the typed rows it describes are a file beside Prefect's result storage. If that
file is gone, the batch is simply validated again: the journal, not the cache, decides what is loaded.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path

from prefect.cache_policies import TASK_SOURCE, CachePolicy
from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH
from sqlalchemy import Engine, text

from lms_pipeline.resources import Resource
from lms_pipeline.tasks.discovery import ManifestFile
from lms_pipeline.tasks.loading import MassDeletePolicy, load_batch
from lms_pipeline.tasks.summary import BatchResult
from lms_pipeline.tasks.validated import PreparedRef, validate_to
from lms_pipeline.tasks.validation import PreparedBatch, prepare_batch

_CODE = ("resources.py", "tasks/validation.py", "tasks/validated.py", "tasks/csv_files.py", "tasks/datetimes.py")
VALIDATION_VERSION = hashlib.sha256(
    b"".join((Path(__file__).resolve().parent.parent / name).read_bytes() for name in _CODE)
).hexdigest()


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
    """Validate a batch and keep its rows on disk, beside Prefect's result storage."""
    return validate_to(resource, files, str(prepared_folder() / f"{batch_key(resource, files, store_id)}.pkl"))


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
