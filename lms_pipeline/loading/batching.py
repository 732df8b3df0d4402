"""Group a resource's files into batches that load as if the files were applied one after another.

A batch holds at most one file per scope (one section's assignments, one assignment's submissions, ...):
round k takes the k-th file, by timestamp, of every scope. Rounds are then cut to a size one transaction
handles well; a very large file gets a batch of its own, streamed in chunks.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import zip_longest

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.options import BatchLimits


def is_large(batch: list[ManifestFile], limits: BatchLimits) -> bool:
    return len(batch) == 1 and batch[0].size >= limits.large_file_bytes


def plan_batches(files: list[ManifestFile], limits: BatchLimits) -> list[list[ManifestFile]]:
    by_scope: dict[str, list[ManifestFile]] = defaultdict(list)
    for f in sorted(files, key=lambda f: (f.timestamp, f.relpath)):
        by_scope[f.scope_key].append(f)
    batches: list[list[ManifestFile]] = []
    for round_files in zip_longest(*by_scope.values()):
        batch: list[ManifestFile] = []
        size = 0
        for f in (f for f in round_files if f is not None):
            if is_large([f], limits):
                batches.append([f])
                continue
            if batch and (len(batch) >= limits.max_files or size + f.size > limits.max_bytes):
                batches.append(batch)
                batch, size = [], 0
            batch.append(f)
            size += f.size
        if batch:
            batches.append(batch)
    return batches
