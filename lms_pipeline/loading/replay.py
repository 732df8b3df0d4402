"""Replay: load again, in extract-time order, the journaled files whose rows a load merged, from their extract root
where the same content is still there, or else from the raw archive.

A replay goes through staging as a load does (validation, one transaction per batch, the scoped soft deletes, the
journal), so the store ends as a clean load of the same files leaves it: after a rule was fixed, a table was
damaged, or a night went wrong. Every file is found before anything changes; one that is nowhere stops the replay.
"""

from __future__ import annotations

import os
import posixpath
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine, select

from lms_pipeline.discovery.walk import STAMP, TIMESTAMP, Manifest, ManifestFile, sha256_of
from lms_pipeline.errors import TerminalError
from lms_pipeline.loading.archive import RawArchive, open_archive
from lms_pipeline.loading.journal import read_journal, root_of
from lms_pipeline.options import ReplayScope
from lms_pipeline.store.tables import StoreTables
from lms_pipeline.validation.csv_files import FileRejected
from lms_pipeline.wording import plural

# The outcomes of files whose rows were merged (held: all but the deletions the guard held).
MERGED = ("loaded", "held")


class ReplayRefused(TerminalError):
    """Files to replay that are neither in their extract root with the journaled content nor in the archive."""


@dataclass(frozen=True)
class Journaled:
    path: str
    relpath: str
    resource: str
    sha256: str
    scope_key: str
    root: str


def replay_manifests(
    engine: Engine, tables: StoreTables, scope: ReplayScope, raw_archive: str | None, copies: Path
) -> list[Manifest]:
    """One manifest per extract root of the journaled files in scope, each file found; archived copies are
    written under `copies`. ReplayRefused, naming them, when some file is nowhere."""
    problems: list[str] = []
    archive = open_archive(raw_archive, problems)
    found: dict[str, list[ManifestFile]] = defaultdict(list)
    missing: list[str] = []
    for entry in _journaled(engine, tables, scope):
        file = _found(entry, archive, copies, scope.current_content)
        if file is None:
            missing.append(entry.path)
        else:
            found[entry.root].append(file)
    if missing:
        where = f"the raw archive {raw_archive}" if archive else "no raw archive (give --raw-archive)"
        raise ReplayRefused(
            f"{plural(len(missing), 'file')} to replay no longer in their extract root with the content loaded, "
            f"nor in {where}; nothing was changed: {', '.join(missing[:10])}"
            + (f" (and {len(missing) - 10} more)" if len(missing) > 10 else "")
            + "".join(f"; {p}" for p in problems)
        )
    return [Manifest(root, files) for root, files in sorted(found.items())]


def _journaled(engine: Engine, tables: StoreTables, scope: ReplayScope) -> list[Journaled]:
    pf = tables.processed_files
    query = select(pf.c.FullPath, pf.c.RelativePath, pf.c.ResourceName, pf.c.ContentHash, pf.c.ScopeKey).where(
        pf.c.Outcome.in_(MERGED), pf.c.ContentHash.is_not(None)
    )
    if scope.resources:
        query = query.where(pf.c.ResourceName.in_(scope.resources))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        state = read_journal(conn, tables) if scope.files else None
    entries = [
        Journaled(path, relpath, resource, digest.strip(), scope_key or "", root_of(path, relpath) or "")
        for path, relpath, resource, digest, scope_key in rows
    ]
    chosen = [e for e in entries if e.root and _in_scope(e, scope)]
    if state is None:
        return chosen
    # Files named one by one (a retry) leave out any that a newer loaded file of its scope has replaced since:
    # read again, it would take its scope back in time. A replay by scope reads the newer files after it.
    return [e for e in chosen if state.superseding(e.root, e.resource, e.scope_key, e.relpath) is None]


def _in_scope(entry: Journaled, scope: ReplayScope) -> bool:
    """The root, section and date filters; the date is the one in the file's name, which every row has (the
    ExtractTime column only those journaled since migration 0025)."""
    if scope.files and entry.path not in scope.files:
        return False
    if scope.root and entry.root != os.path.realpath(scope.root):
        return False
    if scope.section and _section(entry.scope_key) != scope.section:
        return False
    return scope.since is None or _stamp(entry.relpath) >= scope.since.strftime(STAMP)


def _stamp(relpath: str) -> str:
    stamp = TIMESTAMP.match(posixpath.basename(relpath))
    return stamp.group(1) if stamp else ""


def _section(scope_key: str | None) -> str:
    """The section of a journaled scope key, resource|section|assignment|date (walk.ManifestFile.scope_key)."""
    parts = (scope_key or "").split("|")
    return parts[1] if len(parts) > 1 else ""


def _found(entry: Journaled, archive: RawArchive | None, copies: Path, current: bool) -> ManifestFile | None:
    """The file as a manifest holds it, read from its extract root if it still has the journaled content (or any
    content, when current), else from a copy out of the archive; None when neither has it."""
    now = _hashed(entry.path) if current else None
    if now is not None:
        return _manifest_file(replace(entry, sha256=now), os.path.getsize(entry.path))
    if _same_content(entry.path, entry.sha256):
        return _manifest_file(entry, os.path.getsize(entry.path))
    if archive is None:
        return None
    try:
        content = archive.read(entry.sha256)
    except Exception:  # missing, or unreadable: the file is then nowhere, which the caller reports
        return None
    copy = copies / f"{entry.sha256}.csv"
    copies.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(content)
    return _manifest_file(entry, len(content), source=str(copy))


def _same_content(path: str, sha256: str) -> bool:
    return _hashed(path) == sha256


def _hashed(path: str) -> str | None:
    try:
        return sha256_of(path)
    except (OSError, FileRejected):
        return None


def _manifest_file(entry: Journaled, size: int, source: str = "") -> ManifestFile:
    _, section, assignment, date = (entry.scope_key.split("|") + ["", "", ""])[:4]
    return ManifestFile(
        entry.resource,
        entry.relpath,
        entry.path,
        _stamp(entry.relpath),
        size,
        entry.sha256,
        section=section or None,
        assignment=assignment or None,
        date=date or None,
        source=source,
    )
