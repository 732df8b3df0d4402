"""Validated batches, cached on their files' content (validation/batch_key.py).

The cached result is a small summary; the typed rows it describes are a file beside Prefect's result storage. If
that file is gone, the batch is simply validated again (loading/prepared.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect.cache_policies import TASK_SOURCE, CachePolicy
from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.resources import Resource
from lms_pipeline.validation.batch_key import batch_key
from lms_pipeline.validation.worker import PreparedRef, validate_to


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


def validate_batch(resource: Resource, files: list[ManifestFile], store_id: str, for_copy: bool = False) -> PreparedRef:
    """Validate a batch and keep its rows on disk, beside Prefect's result storage; for_copy: as the CSV text of
    PostgreSQL's COPY. A store is on one engine, so its key (store_id) tells the form too."""
    path = str(prepared_folder() / f"{batch_key(resource, files, store_id)}.pkl")
    return validate_to(resource, files, path, for_copy)
