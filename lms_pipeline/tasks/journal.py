"""The processed-files journal: which file contents are loaded, so a re-run does only what is new.

A file is known by its path relative to the root and its sha256. Rows the reference loader wrote (an absolute
path and no hash) still count for the same absolute path, so an adopted data store is not loaded twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, delete, select, update

from lms_pipeline.tasks.database import chunked
from lms_pipeline.tasks.discovery import Manifest, ManifestFile
from lms_pipeline.tasks.tables import StoreTables


@dataclass(frozen=True)
class JournalEntry:
    file: ManifestFile
    outcome: str  # loaded, held (deletions wait for --allow-mass-delete), rejected
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    deletions_held: int


@dataclass(frozen=True)
class JournalState:
    done: frozenset[tuple[str, str]]  # (relative path, sha256) loaded, rejected or superseded
    held: frozenset[tuple[str, str]]  # loaded, with deletions held
    reference_paths: frozenset[str]  # absolute paths the reference loader journaled


def read_journal(conn: Connection, tables: StoreTables) -> JournalState:
    pf = tables.processed_files
    rows = conn.execute(select(pf.c.RelativePath, pf.c.ContentHash, pf.c.FullPath, pf.c.Outcome)).all()
    done, held, reference = set(), set(), set()
    for relpath, digest, fullpath, outcome in rows:
        if digest is None:
            reference.add(fullpath)
        elif outcome == "held":
            held.add((relpath, digest.strip()))
        else:  # loaded, rejected, or a held file that a newer one superseded
            done.add((relpath, digest.strip()))
    return JournalState(frozenset(done), frozenset(held), frozenset(reference))


def drop_journaled(manifest: Manifest, state: JournalState, retry_held: bool) -> Manifest:
    """The manifest without files whose content is already loaded; held files come back when retry_held."""
    pending = []
    for f in manifest.files:
        key = (f.relpath, f.sha256)
        if key in state.held and retry_held:
            manifest.held_retried += 1
            pending.append(f)
        elif key in state.done or key in state.held or f.path in state.reference_paths:
            manifest.already_loaded += 1
        else:
            pending.append(f)
    manifest.files = pending
    return manifest


def write_journal(conn: Connection, tables: StoreTables, entries: list[JournalEntry], run_id: int | None) -> None:
    """Record the batch's files; a file loaded again (new content at the same path) replaces its row."""
    pf = tables.processed_files
    for paths in chunked([e.file.path for e in entries]):
        conn.execute(delete(pf).where(pf.c.FullPath.in_(bindparam("paths", expanding=True))), {"paths": paths})
    # A newer file of the same scope decides its deletions now: older held files are superseded. This runs
    # before the batch's own rows are written, so they are never among those superseded.
    for scopes in chunked(sorted({e.file.scope_key[:600] for e in entries if e.outcome == "loaded"})):
        conn.execute(
            update(pf).where(pf.c.Outcome == "held", pf.c.ScopeKey.in_(bindparam("scopes", expanding=True)))
            .values(Outcome="superseded"),
            {"scopes": scopes},
        )
    conn.execute(pf.insert(), [
        {
            "FullPath": e.file.path, "ResourceName": e.file.resource, "NumberOfRows": e.rows_read,
            "RelativePath": e.file.relpath, "ContentHash": e.file.sha256, "ScopeKey": e.file.scope_key[:600],
            "Outcome": e.outcome, "RowsLoaded": e.rows_loaded, "RowsQuarantined": e.rows_quarantined,
            "DeletionsHeld": e.deletions_held, "LoadRunId": run_id,
        }
        for e in entries
    ])


def pending_files(engine: Engine, tables: StoreTables, manifest: Manifest, retry_held: bool) -> Manifest:
    with engine.connect() as conn:
        return drop_journaled(manifest, read_journal(conn, tables), retry_held)
