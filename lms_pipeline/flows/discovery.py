"""Discovery subflow: walk each extract root and write its manifest."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from lms_pipeline.tasks.discovery import walk_tree
from lms_pipeline.tasks.manifests import save_manifest


@flow(name="discovery")
def discovery(csv_paths: list[str], work_dir: str) -> list[str]:
    """Walk each extract root; return the paths of the manifests (resource, scope, timestamp, size, sha256)."""
    log = get_run_logger()
    paths = []
    for index, root in enumerate(csv_paths):
        manifest = walk_tree(root)
        for notice in manifest.notices:
            log.warning("%s: %s", notice.relpath, notice.message)
        log.info("%s: %d files found", manifest.root, len(manifest.files))
        paths.append(save_manifest(manifest, Path(work_dir), index))
    return paths
