"""What `lms-pipeline quarantine retry` loads again, and what it cannot.

A retry does not merge quarantined rows by a path of its own: it loads their whole files again through the normal
load (validation, merge, the scoped soft delete with its mass-delete guard, the journal, the quarantine), as the
night that first read them would have had the rows passed. Only a file that is still the newest loaded file of its
scope may be read again: an older one would bring back values and rows that a newer file changed or deleted. Its
open rows can never load, so the retry resolves them as superseded. A file that is no longer on disk is read from
the raw archive as it was loaded, when the retry is given the archive and the journal says it kept the file;
otherwise it is named and skipped, and its rows stay open. The files are loaded by a replay of them as they are
now (replay.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, bindparam, select

from lms_pipeline.loading.journal import read_journal, root_of
from lms_pipeline.loading.quarantine import RowFilter
from lms_pipeline.store.tables import StoreTables


@dataclass
class RetryPlan:
    reload: list[str] = field(default_factory=list)  # full paths, each the newest loaded file of its scope
    superseded: dict[str, str] = field(default_factory=dict)  # full path -> the newer loaded file of its scope
    missing: list[str] = field(default_factory=list)  # full paths neither on disk nor in the raw archive
    unknown: list[str] = field(default_factory=list)  # files the journal does not know by their rows' path


def locate(path: str, archived_as: str | None, raw_archive: str | None) -> str | None:
    """Where a journaled file can be read now: still at its path, else its copy in the raw archive the retry was
    given, else nowhere."""
    if os.path.isfile(path):
        return path
    return archived_as if raw_archive and archived_as else None


def plan_retry(conn: Connection, tables: StoreTables, wanted: RowFilter, raw_archive: str | None) -> RetryPlan:
    """The files of the open rows asked for, sorted into those to load again, superseded, missing and unknown."""
    q = tables.quarantine
    rows = conn.execute(
        select(q.c.FullPath, q.c.FilePath).where(*replace(wanted, resolved_too=False).conditions(q)).distinct()
    ).all()
    plan = RetryPlan(unknown=sorted({relpath for path, relpath in rows if path is None}))
    paths = sorted({path for path, _ in rows if path is not None})
    journaled = _journaled(conn, tables, paths)
    state = read_journal(conn, tables)
    for path in paths:
        if path not in journaled:
            plan.unknown.append(path)
            continue
        relpath, scope_key, resource, archived_as = journaled[path]
        root = root_of(path, relpath)
        newer = state.superseding(root, resource, scope_key, relpath)
        if newer is not None:
            plan.superseded[path] = newer
        elif locate(path, archived_as, raw_archive) is None:
            plan.missing.append(path)
        else:
            plan.reload.append(path)
    return plan


def _journaled(
    conn: Connection, tables: StoreTables, paths: Iterable[str]
) -> dict[str, tuple[str, str, str, str | None]]:
    """The journal's relative path, scope key, resource and archived address of each file, by full path."""
    pf = tables.processed_files
    found = {}
    for part in tables.dialect.chunked(list(paths)):
        for path, relpath, scope_key, resource, archived_as in conn.execute(
            select(pf.c.FullPath, pf.c.RelativePath, pf.c.ScopeKey, pf.c.ResourceName, pf.c.ArchivedAs).where(
                pf.c.FullPath.in_(bindparam("paths", expanding=True)), pf.c.RelativePath.is_not(None)
            ),
            {"paths": part},
        ).all():
            found[path] = (relpath, scope_key, resource, archived_as)
    return found
