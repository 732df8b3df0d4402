"""Result storage chosen at deployment: PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK names a storage block, and a cached
task's result and cache record go there instead of the pod's own disk (docs/OPERATIONS.md §8).

The block is a RemoteFileSystem whose URL names a bucket, dir://lms-results/cache: fsspec's DirFileSystem keeps the
"bucket" in a folder of the test's, which a second process sees too. Prefect reaches it through fsspec, as it reaches
s3://, gs:// or abfs:// (prefect-aws's S3Bucket, prefect-gcp's GcsBucket, prefect-azure's AzureBlobStorageContainer
call their own clients instead); no cloud account is needed. A second run, in a process of its own with another
local storage folder (another pod, as a deployment's job variables start it), finds the cached result in the
block.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import uuid

import pytest

pytestmark = pytest.mark.prefect

# The task is cached on its input and code, like the project's validation (no run id in the key), and sets no
# persist_result: caching alone makes Prefect persist it.
FLOW = """
import hashlib
import sys

from prefect import flow, task
from prefect.cache_policies import INPUTS, TASK_SOURCE


@task(cache_policy=INPUTS + TASK_SOURCE)
def checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@flow
def cached(text: str) -> tuple[str, str]:
    state = checksum(text, return_state=True)
    return state.name, state.result()


if __name__ == "__main__":
    print(*cached(sys.argv[1]))
"""


def files_under(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def cache_records(folder) -> list:
    """The task's result records: JSON of metadata and result. Beside them, Prefect persists each flow run's own
    return value to the default storage too, as a bare serialized value."""
    return [p for p in files_under(folder) if p.read_bytes().startswith(b'{"metadata"')]


def test_a_cached_result_goes_to_the_storage_block_and_another_pod_reuses_it(prefect_api, tmp_path):
    from prefect.filesystems import RemoteFileSystem
    from prefect.serializers import PickleSerializer
    from prefect.settings import (
        PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK,
        PREFECT_RESULTS_LOCAL_STORAGE_PATH,
        temporary_settings,
    )

    store, pod_a, pod_b = tmp_path / "object-store", tmp_path / "pod-a", tmp_path / "pod-b"
    bucket = store / "lms-results" / "cache"
    block = f"lms-results-{uuid.uuid4().hex[:8]}"
    RemoteFileSystem(basepath="dir://lms-results/cache", settings={"path": str(store), "target_protocol": "file"}).save(
        block
    )
    slug = f"remote-file-system/{block}"
    text = f"extract {uuid.uuid4()}"

    module = tmp_path / "cached_flow.py"
    module.write_text(FLOW)
    spec = importlib.util.spec_from_file_location("cached_flow", module)
    cached_flow = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cached_flow)

    with temporary_settings({PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK: slug, PREFECT_RESULTS_LOCAL_STORAGE_PATH: pod_a}):
        state_name, value = cached_flow.cached(text)
    assert state_name == "Completed"
    (record,) = cache_records(bucket)
    stored = record.read_text()
    assert json.loads(stored)["metadata"]["storage_key"] == record.name, "the record is filed under its cache key"
    assert PickleSerializer(picklelib="cloudpickle").loads(json.loads(stored)["result"].encode()) == value
    assert files_under(pod_a) == [], "nothing on the pod's own disk"

    # Another pod: a new process, whose environment (a deployment's job_variables env) names the block.
    env = {
        **os.environ,
        "PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK": slug,
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(pod_b),
    }
    try:
        result = subprocess.run(
            [sys.executable, str(module), text],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        RemoteFileSystem.delete(block)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[-2:] == ["Cached", value]
    assert cache_records(bucket) == [record] and record.read_text() == stored, "read, not written again"
    assert files_under(pod_b) == []
