"""Discovery subflow: walk each extract root and write its manifest."""

from __future__ import annotations

from pathlib import Path

from itertools import groupby

from prefect import flow, get_run_logger

from lms_pipeline.tasks.discovery import Notice, walk_tree
from lms_pipeline.tasks.manifests import save_manifest


@flow(name="discovery")
def discovery(csv_paths: list[str], work_dir: str) -> list[str]:
    """Walk each extract root; return the paths of the manifests (resource, scope, timestamp, size, sha256)."""
    log = get_run_logger()
    paths = []
    for index, root in enumerate(csv_paths):
        manifest = walk_tree(root)
        report_notices(manifest.notices, log)
        log.info("%s: %d files found", manifest.root, len(manifest.files))
        paths.append(save_manifest(manifest, Path(work_dir), index))
    return paths


def report_notices(notices: list[Notice], log) -> None:
    """One line per kind of notice with a few examples; every file at DEBUG."""
    for kind, group in groupby(sorted(notices, key=lambda n: n.kind), key=lambda n: n.kind):
        group = list(group)
        examples = "; ".join(f"{n.relpath} ({n.message})" for n in group[:3])
        level = log.info if kind in ("not-loaded", "empty-file") else log.warning
        level("%d %s notice(s), e.g. %s", len(group), kind, examples)
        for notice in group:
            log.debug("%s: %s", notice.relpath, notice.message)
