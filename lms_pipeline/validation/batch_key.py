"""The key of a validated batch: its files' content, the validation code and the target data store. A changed
file, a new release or a new (or reset) database validates again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.resources import Resource

# Every module of validation/ and the catalog: a new check or rendering in any of them validates again.
_PACKAGE = Path(__file__).resolve().parent.parent
_CODE = [_PACKAGE / "resources.py", *sorted((_PACKAGE / "validation").glob("*.py"))]
VALIDATION_VERSION = hashlib.sha256(b"".join(path.read_bytes() for path in _CODE)).hexdigest()


def batch_key(resource: Resource, files: list[ManifestFile], store_id: str) -> str:
    digest = hashlib.sha256(f"{VALIDATION_VERSION}|{resource.name}|{store_id}".encode())
    for f in files:
        digest.update(f"|{f.path}|{f.sha256}".encode())
    return digest.hexdigest()
