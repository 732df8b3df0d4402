"""Load one prepared batch: stage, merge, soft delete, quarantine and journal, in ONE transaction.

A crash anywhere inside leaves the data store as it was before the batch; its files are not journaled, so the
next run does the batch again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Select, Table, bindparam, delete, func, select

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.loading.journal import JournalEntry, write_journal
from lms_pipeline.loading.merge import ResourceStatements, SubmissionTypeStatements
from lms_pipeline.loading.quarantine import resolve_reloaded, write_quarantine
from lms_pipeline.loading.summary import BatchResult
from lms_pipeline.resources import ASSIGNMENTS, NATURAL_KEY, Resource, Scope
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.tables import StoreTables
from lms_pipeline.validation.copy_text import CopyText
from lms_pipeline.validation.csv_files import FileRejected
from lms_pipeline.validation.rows import FileOutcome, PreparedBatch, Rejection
from lms_pipeline.validation.worker import prepared_chunks


@dataclass(frozen=True)
class MassDeletePolicy:
    """A file may not leave its scope with fewer than `fraction` of the rows the scope held in the last `window`
    (its recent high-water mark: the rows live now or soft-deleted since), so that cutting a scope down in steps
    over a few nights is held as cutting it at once is. Whole-population scopes (a SourceSystem's users and
    sections) are guarded at any size: a second extract root, or a cut-short file, speaks for everyone. Section
    and assignment scopes are guarded from `min_rows` rows up: a small class may well empty. Only `allow`
    (--allow-mass-delete) lets held deletions through."""

    allow: bool = False
    fraction: float = 0.5
    min_rows: int = 50
    window: timedelta = timedelta(days=14)

    def holds(self, whole_population: bool, recent: int, live: int, missing: int) -> bool:
        if self.allow or not missing or (not whole_population and recent < self.min_rows):
            return False
        return live - missing < self.fraction * recent


REPORTED_REJECTIONS = 200  # kept in memory per batch for the data-quality report; all go to lms.quarantine
# Past this many staged rows, the staging tables' statistics are refreshed before the merge.
STATISTICS_ROWS = 1000
# Past this many rows inserted, soft-deleted or brought back, the live table's statistics are refreshed after the
# batch. The next batch's plans depend on how many rows are live and how many deleted: with a stale "none
# deleted" estimate, the undelete joined every parent with every deleted row, 27 s per batch on a district's
# second day (auto_explain).
LIVE_STATISTICS_ROWS = 100
# Rows of a large file validated and staged at a time. The loading and validation processes each hold about two
# chunks: at 100,000 rows a 2,000,000-row file took 535 MB in all, at 50,000 rows 425 MB in the same time.
CHUNK_ROWS = 50_000


def load_batch(engine: Engine, batch: PreparedBatch, run_id: int | None, policy: MassDeletePolicy) -> BatchResult:
    loader = _BatchLoader(engine, batch.resource, batch.files, run_id, policy)
    with engine.begin() as conn:
        loader.begin(conn)
        loader.stage(conn, batch)
        loader.finish(conn)
    return loader.result


def load_large_file(
    engine: Engine, resource: Resource, file: ManifestFile, run_id: int | None, policy: MassDeletePolicy
) -> BatchResult:
    """A file too large to hold in memory: validated and staged chunk by chunk, merged once, in ONE transaction.
    The next chunk is validated in the validation process while this one is staged (validation/worker.py). If
    the file turns out unreadable half-way, everything staged is undone and the file is journaled as rejected."""
    outcome = FileOutcome(file)
    loader = _BatchLoader(engine, resource, [outcome], run_id, policy)
    try:
        with engine.begin() as conn:
            loader.begin(conn)
            for chunk in prepared_chunks(resource, outcome, CHUNK_ROWS, loader.dialect.stages_copy_text):
                loader.files[0] = outcome = chunk.files[0]  # what was read so far; a copy if read in the process
                loader.stage(conn, chunk)
            loader.finish(conn)
    except FileRejected as error:
        outcome.rejected, outcome.retry = str(error), error.transient
        loader = _BatchLoader(engine, resource, [outcome], run_id, policy)
        with engine.begin() as conn:
            loader.begin(conn)
            loader.finish(conn)
    return loader.result


class _BatchLoader:
    """Stage a batch (in one part, or chunk by chunk), then merge, soft-delete and journal it."""

    def __init__(
        self, engine: Engine, resource: Resource, files: list[FileOutcome], run_id: int | None, policy: MassDeletePolicy
    ):
        self.dialect = dialect_of(engine)
        self.tables = StoreTables(self.dialect)
        self.resource = resource
        self.files = files
        self.statements = ResourceStatements(self.tables, resource)
        self.run_id = run_id
        self.policy = policy
        self.rejections: list[Rejection] = []
        self.staged: Counter[int] = Counter()  # batch file id -> rows staged
        self.held: dict[int, int] = {}  # batch file id -> deletions held
        self.dropped: Counter[int] = Counter()  # batch file id -> staged rows dropped (duplicates, no parent)
        self.scoped = False  # some file's scope is listed in stg_LoadScope
        self.result = BatchResult(resource=resource.name, files=len(files))
        # By name: a batch that went through the cache is an unpickled copy, not the catalog's object.
        self.with_types = resource.name == ASSIGNMENTS.name
        self.lists_keys = resource.scope is not Scope.INCREMENTAL  # the keys a batch lists serve its soft delete

    @property
    def staging_tables(self) -> list[Table]:
        tables = [self.statements.stg, self.tables.load_scope, self.tables.load_keys]
        return tables + [self.tables.staged_submission_types] if self.with_types else tables

    def begin(self, conn: Connection) -> None:
        self.dialect.truncate(conn, [t.name for t in self.staging_tables])

    def stage(self, conn: Connection, part: PreparedBatch) -> None:
        self._bulk(conn, self.statements.stg, part.staged)
        if self.lists_keys:
            self._bulk(conn, self.tables.load_keys, part.keys)
        if self.with_types and part.submission_types is not None:
            self._bulk(conn, self.tables.staged_submission_types, part.submission_types)
        self.staged.update(part.rows_by_file)
        self.rejections += part.rejections

    def finish(self, conn: Connection) -> None:
        if self.lists_keys:
            self._list_staged_keys(conn)
        if sum(self.staged.values()) > STATISTICS_ROWS:
            self.dialect.refresh_statistics(conn, [t.name for t in self.staging_tables])
        # The scopes are listed after the statistics, which so count stg_LoadScope empty: planned on its real size
        # (a row per file), the district's soft deletes took 51 s of load instead of 38 (bench_load.py --district).
        if self.resource.scope is not Scope.INCREMENTAL:
            self._list_scopes(conn)
        self._quarantine_duplicates(conn)
        self._quarantine_orphans(conn)
        self._merge(conn)
        self._soft_delete(conn)
        if self.result.inserted + self.result.deleted + self.result.undeleted > LIVE_STATISTICS_ROWS:
            self.dialect.refresh_statistics(conn, [self.statements.live.name])
        self._journal(conn)

    def _list_staged_keys(self, conn: Connection) -> None:
        """The staged rows' keys join those validation listed (PreparedBatch.keys), before any staged row is dropped
        as a duplicate or an orphan: a row quarantined never lets its live row be soft-deleted. One statement here
        instead of copying every key a second time beside its row. Only the soft delete reads them: a resource
        that only adds rows skips it (a 2,000,000-row file of system activities: 8.9 s). Read from the staging
        table instead, they would lose stg_LoadKey's index, on which the soft delete's plan relies wherever the
        planner counts too few live rows in scope (a district's submissions: minutes per batch)."""
        stg, keys = self.statements.stg, self.tables.load_keys
        key_columns = [stg.c[name] for name in NATURAL_KEY]
        conn.execute(keys.insert().from_select([keys.c[name] for name in NATURAL_KEY], select(*key_columns)))

    def _bulk(self, conn: Connection, table: Table, rows: pd.DataFrame | CopyText) -> None:
        if len(rows):
            columns = [table.c[self._key(table, name)].name for name in rows.columns]
            self.dialect.bulk_stage(conn, table.name, columns, rows)

    @staticmethod
    def _key(table: Table, db_name: str) -> str:
        return next(c.key for c in table.c if c.name.lower() == db_name.lower())

    def _drop_staged(self, conn: Connection, ids: list[int]) -> None:
        stg = self.statements.stg
        for part in self.dialect.chunked(ids):
            conn.execute(delete(stg).where(stg.c.StagingId.in_(bindparam("ids", expanding=True))), {"ids": part})

    def _relpath(self, file_id: int) -> str:
        return self.files[file_id].file.relpath

    # --- duplicates --------------------------------------------------------------------------------------------

    def _quarantine_duplicates(self, conn: Connection) -> None:
        """One row per natural key: the latest LastModifiedDate wins, the last one on a tie."""
        rows = conn.execute(self.statements.duplicates()).all()
        self._drop_staged(conn, [r[0] for r in rows])
        for _, file_id, line, key, kept_file, kept_line in rows:
            self.dropped[file_id] += 1
            kept = f"{self._relpath(kept_file)} line {kept_line}"
            self.rejections.append(
                Rejection(
                    self._relpath(file_id),
                    self.files[file_id].file.path,
                    line,
                    "SourceSystemIdentifier",
                    "duplicate",
                    key,
                    f"duplicate natural key; the row at {kept} was kept",
                )
            )

    # --- parents -----------------------------------------------------------------------------------------------

    def _quarantine_orphans(self, conn: Connection) -> None:
        """Rows whose parent is unknown, or not where their file's folder says it is, cannot be merged."""
        for parent in self.resource.parents:
            reason = f"unknown {parent.label} '{{0}}' in this SourceSystem"
            self._quarantine_parents(conn, parent.csv_column, "unknown-parent", reason, self.statements.orphans(parent))
        if self.resource.links_enrolment:
            reason = "no enrolment of this user in the section '{0}' in this SourceSystem"
            query = self.statements.without_enrolment()
            self._quarantine_parents(conn, "LMSUserSourceSystemIdentifier", "unknown-parent", reason, query)
        through = self.resource.scope_through
        if through is not None:
            scope = self.resource.scope.value
            reason = (
                f"{through.label} '{{0}}' belongs to {scope} '{{1}}' but the file is in the folder of {scope} '{{2}}'"
            )
            query = self.statements.outside_scope(through)
            self._quarantine_parents(conn, through.csv_column, "scope", reason, query)

    def _quarantine_parents(self, conn: Connection, column: str, check: str, reason: str, query: Select[Any]) -> None:
        """Drop the staged rows the query finds: (staging id, file, line, value, details...), the value and the
        details filling the reason's placeholders in order."""
        rows = conn.execute(query).all()
        self._drop_staged(conn, [r[0] for r in rows])
        for _, file_id, line, value, *details in rows:
            self.dropped[file_id] += 1
            self.rejections.append(
                Rejection(
                    self._relpath(file_id),
                    self.files[file_id].file.path,
                    line,
                    column,
                    check,
                    value,
                    reason.format(value, *details),
                )
            )

    # --- merge -------------------------------------------------------------------------------------------------

    def _merge(self, conn: Connection) -> None:
        self.result.undeleted = conn.execute(self.statements.undelete()).rowcount
        self.result.updated = conn.execute(self.statements.update_changed()).rowcount
        self.result.inserted = conn.execute(self.statements.insert_new()).rowcount
        if self.with_types:
            types = SubmissionTypeStatements(self.tables, ASSIGNMENTS)
            conn.execute(types.drop_unstaged())
            conn.execute(types.insert_new())
            conn.execute(types.undelete())
            conn.execute(types.soft_delete())

    # --- soft deletes ------------------------------------------------------------------------------------------

    def _list_scopes(self, conn: Connection) -> None:
        """The scope of each loadable file, listed before the merge: the soft delete reads them, and so does the
        check of rows that reach their scope through a parent (merge.outside_scope)."""
        loadable = [i for i, f in enumerate(self.files) if f.rejected is None]
        scopes = [s for s in (self._scope(conn, i) for i in loadable) if s is not None]
        if scopes:
            conn.execute(self.tables.load_scope.insert(), scopes)
            self.scoped = True

    def _soft_delete(self, conn: Connection) -> None:
        if not self.scoped:
            return
        since = conn.execute(select(func.current_timestamp().label("now"))).scalar_one() - self.policy.window
        sizes = {
            file_id: (recent, live, missing or 0)
            for file_id, recent, live, missing in conn.execute(self.statements.scope_sizes(), {"since": since}).all()
        }
        whole = self.resource.scope is Scope.SOURCE_SYSTEM
        held = {file_id: size for file_id, size in sizes.items() if self.policy.holds(whole, *size)}
        if held:
            scope = self.tables.load_scope
            for ids in self.dialect.chunked(list(held)):
                conn.execute(
                    delete(scope).where(scope.c.BatchFileId.in_(bindparam("ids", expanding=True))), {"ids": ids}
                )
            self._report_held(held)
        self.result.deleted = conn.execute(self.statements.soft_delete()).rowcount

    def _scope(self, conn: Connection, file_id: int) -> dict[str, object] | None:
        outcome = self.files[file_id]
        file = outcome.file
        if outcome.rows_read == 0 and self.resource.scope is Scope.SOURCE_SYSTEM:
            self.result.warnings.append(
                f"{file.relpath}: a header-only {self.resource.name} file is never read as 'everyone left'; "
                "nothing was soft-deleted"
            )
            return None
        if outcome.source_system is None and self.resource.scope is Scope.SOURCE_SYSTEM:
            self.result.warnings.append(
                f"{file.relpath}: not one valid row tells its SourceSystem; nothing was soft-deleted"
            )
            return None
        source_system = outcome.source_system or self._scope_source_system(conn, file)
        if source_system is None:
            return None
        return {
            "BatchFileId": file_id,
            "SourceSystem": source_system,
            "SectionSourceSystemIdentifier": file.section,
            "AssignmentSourceSystemIdentifier": file.assignment,
        }

    def _scope_source_system(self, conn: Connection, file: ManifestFile) -> str | None:
        """For a file without valid rows: the SourceSystem of the section or assignment its folder names."""
        parent_table, scope_column = self.statements.scope_parent()
        parent = self.tables.parent(parent_table)
        folder_id = file.assignment if scope_column.startswith("Assignment") else file.section
        systems: Sequence[str] = (
            conn.execute(select(parent.c.SourceSystem).where(parent.c.SourceSystemIdentifier == folder_id).distinct())
            .scalars()
            .all()
        )
        if len(systems) != 1:
            self.result.warnings.append(
                f"{file.relpath}: no rows, and its folder's {parent_table} "
                f"'{folder_id}' is {'unknown' if not systems else 'ambiguous'}; "
                "nothing was soft-deleted"
            )
            return None
        return systems[0]

    def _report_held(self, held: dict[int, tuple[int, int, int]]) -> None:
        for file_id, (recent, live, missing) in held.items():
            relpath = self._relpath(file_id)
            self.held[file_id] = missing
            self.result.deletions_held += missing
            self.result.held_files.append(relpath)
            self.result.warnings.append(
                f"{relpath}: would soft-delete {missing} of {live} live {self.resource.name} rows, leaving "
                f"{live - missing} of the {recent} its scope held in the last {self.policy.window.days} days; its "
                "rows loaded but the deletions are held. Re-run with --allow-mass-delete to apply them."
            )

    # --- journal and quarantine --------------------------------------------------------------------------------

    def _journal(self, conn: Connection) -> None:
        per_file_rejections = Counter(r.relpath for r in self.rejections)
        entries = []
        for file_id, outcome in enumerate(self.files):
            file = outcome.file
            if outcome.rejected:
                self.result.rejected_files.append(outcome.rejected)
            if outcome.drift:
                self.result.drift[file.relpath] = outcome.drift
            status = "rejected" if outcome.rejected else "held" if file_id in self.held else "loaded"
            quarantined = per_file_rejections.get(file.relpath, 0)
            loaded = self.staged[file_id] - self.dropped[file_id]
            entries.append(
                JournalEntry(
                    file, status, outcome.rows_read, loaded, quarantined, self.held.get(file_id, 0), retry=outcome.retry
                )
            )
        write_journal(conn, self.tables, entries, self.run_id)
        self._write_quarantine(conn)

    def _write_quarantine(self, conn: Connection) -> None:
        self.result.quarantined = len(self.rejections)
        self.result.rejections = self.rejections[:REPORTED_REJECTIONS]
        loaded = [f.file.path for f in self.files if f.rejected is None]
        resolve_reloaded(conn, self.tables, loaded, self.rejections, self.run_id)
        if self.rejections:
            write_quarantine(
                lambda frame: self._bulk(conn, self.tables.quarantine, frame),
                self.resource.name,
                self.rejections,
                self.run_id,
            )
