"""Discovery subflow: walk each extract root and write its manifest."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from prefect import flow, get_run_logger

from lms_pipeline.discovery.manifests import load_known_files, save_manifest
from lms_pipeline.discovery.walk import Notice, walk_tree
from lms_pipeline.errors import TerminalError
from lms_pipeline.wording import plural


class NoReadableRoot(TerminalError):
    """Not one extract root could be read: a wrong path or a mount that is down, not a bad file. Terminal: a
    person fixes the path or the mount."""


@flow(name="discovery", flow_run_name="discovery")
def discovery(csv_paths: list[str], work_dir: str, known_files: str | None = None) -> list[str]:
    """Walk each extract root; return the paths of the manifests (resource, scope, timestamp, size, sha256).

    known_files: a file of what the journal knew of each file (save_known_files): a file whose stat is unchanged
    keeps its hash and is not read. A root that cannot be read is reported and the others load; the run fails only
    when none can be read."""
    log = get_run_logger()
    paths, unreadable = [], []
    known = load_known_files(known_files) if known_files else {}
    for index, root in enumerate(csv_paths):
        manifest = walk_tree(root, known=known)
        report_notices(manifest.notices, log)
        log.info("%s: %d files found", manifest.root, len(manifest.files))
        paths.append(save_manifest(manifest, Path(work_dir), index))
        unreadable += [
            f"{root}: {n.message.split(';')[0]}"
            for n in manifest.notices
            if n.kind == "unreadable-folder" and n.relpath == "."
        ]
    if csv_paths and len(unreadable) == len(csv_paths):
        raise NoReadableRoot("no extract root can be read: " + "; ".join(unreadable))
    return paths


def report_notices(notices: list[Notice], log) -> None:
    """One line per kind of notice with a few examples; every file at DEBUG."""
    for kind, grouped in groupby(sorted(notices, key=lambda n: n.kind), key=lambda n: n.kind):
        group = list(grouped)
        examples = "; ".join(f"{n.relpath} ({n.message})" for n in group[:3])
        level = log.info if kind == "empty-file" else log.warning
        level("%s, e.g. %s", plural(len(group), f"{kind} notice"), examples)
        for notice in group:
            log.debug("%s: %s", notice.relpath, notice.message)
