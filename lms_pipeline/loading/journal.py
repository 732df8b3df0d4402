"""The processed-files journal: which file contents are loaded, so a re-run does only what is new.

A file is known by its path relative to the root and its sha256. Rows the reference loader wrote (an absolute
path, no hash and no outcome) still count for the same absolute path, so an adopted data store is not loaded twice.
A file that could not be read is journaled as rejected without a hash, so it is tried again on every run.

Beside its hash, the journal keeps what the file was on disk (walk.file_stat): a re-run does not read a file whose
stat is unchanged, and keeps its hash. A run that reads every file all the same (--rehash, or the periodic check
every few days) is marked in lms.loadrun (ContentChecked). It keeps the file's root and extract time too, and
where the raw archive (archive.py) keeps its copy, when the run kept one.

Extract time decides, not arrival: a file older than the newest file of its scope already loaded is set aside as
superseded, so an extract that arrives late never overwrites newer values or soft-deletes what a newer file
listed. The store after any order of arrival is the store of a clean load of the final tree (test_arrival.py).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, Table, bindparam, delete, func, select, update
from sqlalchemy.exc import DBAPIError

from lms_pipeline.discovery.walk import STAMP, TIMESTAMP, KnownFiles, Manifest, ManifestFile, SetAside
from lms_pipeline.resources import BY_NAME, Scope
from lms_pipeline.store.engines import EngineDialect, dialect_of
from lms_pipeline.store.tables import StoreTables

SCOPE_KEY_LENGTH = 600


@dataclass(frozen=True)
class JournalEntry:
    file: ManifestFile
    outcome: str  # loaded, held (deletions wait for --allow-mass-delete), rejected
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    deletions_held: int
    retry: bool = False  # the file could not be read: journaled without its hash, so the next run tries again


@dataclass(frozen=True)
class JournalState:
    done: frozenset[tuple[str, str]]  # (relative path, sha256) loaded, rejected or superseded
    held: frozenset[tuple[str, str]]  # loaded, with deletions held
    reference_paths: frozenset[str]  # absolute paths the reference loader journaled
    # (root, scope key) -> (timestamp, relative path) of the newest file of the scope whose rows were merged
    newest: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    stats: dict[str, str | None] = field(default_factory=dict)  # absolute path -> its stat when journaled

    def superseding(self, root: str | None, resource: str, scope_key: str, relpath: str) -> str | None:
        """The relative path of a merged file of the same scope and root that is newer than this one (later in
        time, then in name: the order a clean load takes them), if there is one. None for a resource whose files
        only add rows: an older file of theirs still loads, and the merge keeps the newer values (merge.py)."""
        stamp = TIMESTAMP.match(posixpath.basename(relpath))
        if root is None or stamp is None or BY_NAME[resource].scope is Scope.INCREMENTAL:
            return None
        newest = self.newest.get((root, scope_key[:SCOPE_KEY_LENGTH]))
        return newest[1] if newest and (stamp.group(1), relpath) < newest else None


def _scope_key(file: ManifestFile) -> str:
    return file.scope_key[:SCOPE_KEY_LENGTH]


def root_of(fullpath: str, relpath: str | None) -> str | None:
    """The extract root a journaled file was found in."""
    if not relpath or not fullpath.endswith("/" + relpath):
        return None
    return fullpath[: -len(relpath) - 1]


def read_journal(conn: Connection, tables: StoreTables) -> JournalState:
    pf = tables.processed_files
    rows = conn.execute(
        select(pf.c.RelativePath, pf.c.ContentHash, pf.c.FullPath, pf.c.Outcome, pf.c.ScopeKey, pf.c.FileStat)
    ).all()
    done: set[tuple[str, str]] = set()
    held: set[tuple[str, str]] = set()
    reference: set[str] = set()
    newest: dict[tuple[str, str], tuple[str, str]] = {}
    stats: dict[str, str | None] = {}
    for relpath, digest, fullpath, outcome, scope_key, stat in rows:
        stats[fullpath] = stat
        if digest is None:
            if outcome is None:
                reference.add(fullpath)
            continue  # otherwise a file that could not be read: tried again
        if outcome == "held":
            held.add((relpath, digest.strip()))
        else:  # loaded, rejected, or superseded
            done.add((relpath, digest.strip()))
        if outcome != "rejected":
            _note_newest(newest, root_of(fullpath, relpath), scope_key, relpath)
    return JournalState(frozenset(done), frozenset(held), frozenset(reference), newest, stats)


def _note_newest(
    newest: dict[tuple[str, str], tuple[str, str]], root: str | None, scope_key: str | None, relpath: str
) -> None:
    stamp = TIMESTAMP.match(posixpath.basename(relpath))
    if root is None or scope_key is None or stamp is None:
        return
    key, candidate = (root, scope_key), (stamp.group(1), relpath)
    if candidate > newest.get(key, ("", "")):
        newest[key] = candidate


def drop_journaled(manifest: Manifest, state: JournalState, retry_held: bool) -> Manifest:
    """The manifest without files whose content is already loaded (held files come back when retry_held), and
    with files older than their scope's newest merged file set aside as superseded. Incremental resources only
    add rows, so an older file of theirs still loads; the merge keeps the newer values (merge.py)."""
    pending = []
    for f in manifest.files:
        key = (f.relpath, f.sha256)
        if key in state.held and retry_held:
            manifest.held_retried += 1
            pending.append(f)
        elif key in state.done or key in state.held or f.path in state.reference_paths:
            manifest.already_loaded += 1
        elif (newer := state.superseding(manifest.root, f.resource, f.scope_key, f.relpath)) is not None:
            manifest.set_aside.append(
                SetAside(
                    f, "superseded", f"older than {newer}, which is already loaded; set aside, so it changes nothing"
                )
            )
        else:
            pending.append(f)
    manifest.files = pending
    return manifest


def write_journal(conn: Connection, tables: StoreTables, entries: list[JournalEntry], run_id: int | None) -> None:
    """Record the batch's files; a file loaded again (new content at the same path) replaces its row."""
    pf = tables.processed_files
    for paths in tables.dialect.chunked([e.file.path for e in entries]):
        conn.execute(delete(pf).where(pf.c.FullPath.in_(bindparam("paths", expanding=True))), {"paths": paths})
    _supersede_held(conn, tables.dialect, pf, [e.file for e in entries if e.outcome == "loaded"])
    conn.execute(
        pf.insert(),
        [
            {
                "FullPath": e.file.path,
                "ResourceName": e.file.resource,
                "NumberOfRows": e.rows_read,
                "RelativePath": e.file.relpath,
                "ContentHash": None if e.retry else e.file.sha256,
                "ScopeKey": _scope_key(e.file),
                "Outcome": e.outcome,
                "RowsLoaded": e.rows_loaded,
                "RowsQuarantined": e.rows_quarantined,
                "DeletionsHeld": e.deletions_held,
                "LoadRunId": run_id,
                "FileStat": None if e.retry else e.file.stat or None,
                "ExtractRoot": root_of(e.file.path, e.file.relpath),
                "ExtractTime": _extract_time(e.file),
            }
            for e in entries
        ],
    )


def _extract_time(file: ManifestFile) -> datetime | None:
    """The time in the file's name; None for a name that is no date (2021-02-30), which still loads in name order."""
    try:
        return datetime.strptime(file.timestamp, STAMP)
    except ValueError:
        return None


def record_archived(engine: Engine, tables: StoreTables, addresses: dict[str, str]) -> None:
    """Note where the raw archive keeps each file (absolute path -> archive address)."""
    if not addresses:
        return
    pf = tables.processed_files
    with engine.begin() as conn:
        conn.execute(
            update(pf).where(pf.c.FullPath == bindparam("path")).values(ArchivedAs=bindparam("address")),
            [{"path": path, "address": address} for path, address in addresses.items()],
        )


def _supersede_held(conn: Connection, dialect: EngineDialect, pf: Table, loaded: list[ManifestFile]) -> None:
    """A newer file of the same scope, in the same root, decides its deletions now: older held files are
    superseded. This runs before the batch's own rows are written, so they are never among those superseded."""
    scopes = {(root_of(f.path, f.relpath), _scope_key(f)) for f in loaded}
    for keys in dialect.chunked(sorted({key for _, key in scopes})):
        held = conn.execute(
            select(pf.c.FullPath, pf.c.RelativePath, pf.c.ScopeKey).where(
                pf.c.Outcome == "held", pf.c.ScopeKey.in_(bindparam("scopes", expanding=True))
            ),
            {"scopes": keys},
        ).all()
        superseded = [path for path, relpath, key in held if (root_of(path, relpath), key) in scopes]
        for paths in dialect.chunked(superseded):
            conn.execute(
                update(pf).where(pf.c.FullPath.in_(bindparam("paths", expanding=True))).values(Outcome="superseded"),
                {"paths": paths},
            )


def record_set_aside(engine: Engine, set_aside: list[SetAside], run_id: int | None) -> None:
    """Journal the files decided on without loading them: rejected unreadable files, superseded older ones."""
    entries = [JournalEntry(s.file, s.outcome, 0, 0, 0, 0, retry=s.outcome == "rejected") for s in set_aside]
    if entries:
        with engine.begin() as conn:
            write_journal(conn, StoreTables(dialect_of(engine)), entries, run_id)


def pending_files(engine: Engine, tables: StoreTables, manifest: Manifest, retry_held: bool) -> Manifest:
    """The manifest without what the journal holds; the journal's stats of the files already loaded brought up to
    date, so that the next run need not read them (rows journaled before stats were kept, or files touched since)."""
    with engine.connect() as conn:
        state = read_journal(conn, tables)
    stale = [
        {"path": f.path, "stat": f.stat} for f in manifest.files if f.stat and state.stats.get(f.path, f.stat) != f.stat
    ]
    manifest = drop_journaled(manifest, state, retry_held)
    pending = {f.path for f in manifest.files} | {s.file.path for s in manifest.set_aside}
    _record_stats(engine, tables, [s for s in stale if s["path"] not in pending])
    return manifest


def _record_stats(engine: Engine, tables: StoreTables, stats: list[dict[str, str]]) -> None:
    if not stats:
        return
    pf = tables.processed_files
    with engine.begin() as conn:
        conn.execute(update(pf).where(pf.c.FullPath == bindparam("path")).values(FileStat=bindparam("stat")), stats)


def known_files(engine: Engine, tables: StoreTables, check_every_days: float | None, now: datetime) -> KnownFiles:
    """What the journal knows of each file it hashed: its stat and its hash, which discovery keeps for a file whose
    stat is unchanged. Nothing, so that every file is read, when the last run that read them all (ContentChecked)
    started longer than check_every_days ago, or never; and before the data store has the columns (a first run)."""
    pf, lr = tables.processed_files, tables.load_run
    try:
        with engine.connect() as conn:
            if check_every_days is not None:
                checked = conn.execute(select(func.max(lr.c.StartedAt)).where(lr.c.ContentChecked.is_(True))).scalar()
                if checked is None or now - checked > timedelta(days=check_every_days):
                    return {}
            rows = conn.execute(
                select(pf.c.FullPath, pf.c.FileStat, pf.c.ContentHash).where(
                    pf.c.FileStat.is_not(None), pf.c.ContentHash.is_not(None)
                )
            ).all()
    except DBAPIError:  # no journal yet, or not these columns: the migrations phase has not run
        return {}
    return {path: (stat, digest.strip()) for path, stat, digest in rows}
