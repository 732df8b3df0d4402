"""The key of a validated batch: its files' content, the validation code and the target data store. A changed
file, a new release or a new (or reset) database validates again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.resources import Resource

_CODE = (
    "resources.py",
    "validation/rows.py",
    "validation/worker.py",
    "validation/csv_files.py",
    "validation/datetimes.py",
)
VALIDATION_VERSION = hashlib.sha256(
    b"".join((Path(__file__).resolve().parent.parent / name).read_bytes() for name in _CODE)
).hexdigest()


def batch_key(resource: Resource, files: list[ManifestFile], store_id: str) -> str:
    digest = hashlib.sha256(f"{VALIDATION_VERSION}|{resource.name}|{store_id}".encode())
    for f in files:
        digest.update(f"|{f.path}|{f.sha256}".encode())
    return digest.hexdigest()
