"""lms.quarantine: the rows a batch found wrong, and what becomes of the open rows of a file loaded again.

A row stays open until its file is loaded again, by `lms-pipeline quarantine retry` or by a load of a changed file
at the same path. That load validates and merges the whole file as any load does, in the batch's transaction, so
the earlier rows of the file are closed there: `passed` when the load did not quarantine the same line, column and
check again (the row is now in its live table), `requarantined` when it did (the new run's row, open, replaces it).
A file's open rows are therefore those of its latest load only, however often it is retried.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Table, bindparam, func, or_, select, update

from lms_pipeline.store.tables import StoreTables
from lms_pipeline.validation.rows import Rejection

PASSED, REQUARANTINED, SUPERSEDED = "passed", "requarantined", "superseded"
VALUE_LENGTH, REASON_LENGTH = 1024, 2048


@dataclass(frozen=True)
class RowFilter:
    """Which quarantined rows a person asks for (lms-pipeline quarantine list, export, retry)."""

    run: int | None = None  # the load run that quarantined them (lms.loadrun)
    file: str | None = None  # the file's relative or full path, or a pattern of either with * and ?
    check: str | None = None
    resource: str | None = None
    resolved_too: bool = False  # by default only the open rows

    def conditions(self, q: Table) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [] if self.resolved_too else [q.c.ResolvedAt.is_(None)]
        if self.run is not None:
            found.append(q.c.LoadRunId == self.run)
        if self.file is not None:
            pattern = like_pattern(self.file)
            found.append(or_(q.c.FilePath.like(pattern, escape="!"), q.c.FullPath.like(pattern, escape="!")))
        if self.check is not None:
            found.append(q.c.CheckName == self.check)
        if self.resource is not None:
            found.append(q.c.ResourceName == self.resource)
        return found


def like_pattern(pattern: str) -> str:
    """A file pattern (* any characters, ? one) as a LIKE pattern escaped with '!': the other characters of a
    path, % and _ among them, stand for themselves."""
    escaped = pattern.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return escaped.replace("*", "%").replace("?", "_")


def quarantined_rows(conn: Connection, tables: StoreTables, wanted: RowFilter) -> list[dict[str, Any]]:
    """The rows asked for, by run, file and line, each with every column of lms.quarantine under its key."""
    q = tables.quarantine
    rows = conn.execute(
        select(*(c.label(c.key) for c in q.c))
        .where(*wanted.conditions(q))
        .order_by(q.c.LoadRunId, q.c.FilePath, q.c.LineNumber, q.c.ColumnName, q.c.QuarantineIdentifier)
    )
    return [dict(row._mapping) for row in rows]


def resolve_reloaded(
    conn: Connection, tables: StoreTables, paths: Sequence[str], rejections: Sequence[Rejection], run_id: int | None
) -> None:
    """Close the open rows of earlier loads of these files (absolute paths), which this load just read again; call
    it before this load's own rows are written."""
    q = tables.quarantine
    again = {(r.path, r.line, r.column, r.check) for r in rejections}
    passed: list[int] = []
    requarantined: list[int] = []
    for part in tables.dialect.chunked(list(paths)):
        rows = conn.execute(
            select(q.c.QuarantineIdentifier, q.c.FullPath, q.c.LineNumber, q.c.ColumnName, q.c.CheckName).where(
                q.c.ResolvedAt.is_(None), q.c.FullPath.in_(bindparam("paths", expanding=True))
            ),
            {"paths": part},
        ).all()
        for identifier, *place in rows:
            (requarantined if tuple(place) in again else passed).append(identifier)
    resolve(conn, tables, passed, PASSED, run_id)
    resolve(conn, tables, requarantined, REQUARANTINED, run_id)


def resolve(conn: Connection, tables: StoreTables, identifiers: list[int], how: str, run_id: int | None) -> None:
    q = tables.quarantine
    for part in tables.dialect.chunked(identifiers):
        conn.execute(
            update(q)
            .where(q.c.QuarantineIdentifier.in_(bindparam("ids", expanding=True)))
            .values(ResolvedAt=func.current_timestamp(), ResolvedByRunId=run_id, Resolution=how),
            {"ids": part},
        )


def write_quarantine(
    stage: Callable[[pd.DataFrame], None], resource: str, rejections: Sequence[Rejection], run_id: int | None
) -> None:
    """The rejections as lms.quarantine rows, handed to `stage` (the batch's bulk insert into that table)."""
    frame = pd.DataFrame(
        [
            (
                run_id,
                resource,
                r.relpath,
                r.path,
                r.line,
                r.column,
                r.check,
                None if r.value is None else r.value[:VALUE_LENGTH],
                r.reason[:REASON_LENGTH],
            )
            for r in rejections
        ],
        columns=[
            "loadrunid",
            "resourcename",
            "filepath",
            "fullpath",
            "linenumber",
            "columnname",
            "checkname",
            "value",
            "reason",
        ],
    ).astype({"loadrunid": "Int64", "linenumber": "Int64"})
    stage(frame)


def resolve_files(conn: Connection, tables: StoreTables, paths: Sequence[str], how: str, run_id: int | None) -> None:
    """Close every open row of these files (full paths), e.g. as superseded by a newer file of their scope."""
    q = tables.quarantine
    for part in tables.dialect.chunked(list(paths)):
        conn.execute(
            update(q)
            .where(q.c.ResolvedAt.is_(None), q.c.FullPath.in_(bindparam("paths", expanding=True)))
            .values(ResolvedAt=func.current_timestamp(), ResolvedByRunId=run_id, Resolution=how),
            {"paths": part},
        )
