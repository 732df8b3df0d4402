"""Manifests on disk: a subflow hands the next one a file path, not 40,000 file records as parameters."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lms_pipeline.discovery.walk import KnownFiles, Manifest, ManifestFile, Notice, SetAside


@contextmanager
def manifest_folder(work_dir: str | None, run_id: str) -> Iterator[Path]:
    """The folder of one run's manifests, <work_dir>/<run_id>, removed when the run ends however it ends: night
    after night, nothing piles up. Without a work_dir, it sits in a temporary folder of its own, removed with it;
    a work_dir itself stays, as it is the user's."""
    parent = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="lms-pipeline-"))
    folder = parent / run_id
    try:
        yield folder
    finally:
        # A folder that cannot be removed must not hide the run's own outcome.
        shutil.rmtree(folder if work_dir else parent, ignore_errors=True)


def save_manifest(manifest: Manifest, folder: Path, index: int) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"manifest-{index}.json"
    write_manifest(manifest, path)
    return str(path)


def write_manifest(manifest: Manifest, path: Path | str) -> None:
    # default=vars rather than asdict(), which deep-copies every record first: 0.5 s for 48,000 files.
    Path(path).write_text(json.dumps(manifest, default=vars), encoding="utf-8")


def save_known_files(known: KnownFiles, folder: Path) -> str:
    """What the journal knew of the files, for discovery: a file, as the manifests are, not 48,000 parameters."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "known-files.json"
    path.write_text(json.dumps(known), encoding="utf-8")
    return str(path)


def load_known_files(path: str) -> KnownFiles:
    return {name: (stat, digest) for name, (stat, digest) in json.loads(Path(path).read_text("utf-8")).items()}


def load_manifest(path: str) -> Manifest:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Manifest(
        data["root"],
        [ManifestFile(**f) for f in data["files"]],
        [Notice(**n) for n in data["notices"]],
        data["already_loaded"],
        data["held_retried"],
        [SetAside(ManifestFile(**s["file"]), s["outcome"], s["reason"]) for s in data["set_aside"]],
    )
