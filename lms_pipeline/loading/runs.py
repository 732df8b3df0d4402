"""The run journal: one row per pipeline run, one per resource within it, and one per LMS harmonized."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, insert, select, update

from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.resources import BY_NAME
from lms_pipeline.store.tables import StoreTables


def start_run(
    engine: Engine,
    tables: StoreTables,
    flow_run_id: str | None,
    name: str | None,
    roots: list[str],
    content_checked: bool = False,
) -> int:
    """A run's row in the journal; content_checked: its discovery read every file (journal.known_files)."""
    lr = tables.load_run
    with engine.begin() as conn:
        run_id: int = conn.execute(
            insert(lr)
            .values(
                FlowRunId=flow_run_id,
                FlowRunName=name,
                CsvPath=" ; ".join(roots)[:1024],
                Outcome="running",
                ContentChecked=content_checked,
            )
            .returning(lr.c.LoadRunId)
        ).scalar_one()
        return run_id


def finish_run(
    engine: Engine,
    tables: StoreTables,
    run_id: int,
    outcome: str,
    summary: StagingSummary,
    files_discovered: int,
    message: str | None,
) -> None:
    lr, lrr = tables.load_run, tables.load_run_resource
    with engine.begin() as conn:
        conn.execute(
            update(lr)
            .where(lr.c.LoadRunId == run_id)
            .values(
                EndedAt=func.current_timestamp(),
                Outcome=outcome,
                FilesDiscovered=files_discovered,
                FilesLoaded=summary.total("files") - summary.rejected_in_batches,
                FilesRejected=len(summary.rejected_files),
                FilesHeld=len(summary.held_files),
                RowsInserted=summary.total("inserted"),
                RowsUpdated=summary.total("updated"),
                RowsUndeleted=summary.total("undeleted"),
                RowsDeleted=summary.total("deleted"),
                RowsQuarantined=summary.total("quarantined"),
                Message=(message or "")[:4000] or None,
            )
        )
        rows = [
            {
                "LoadRunId": run_id,
                "ResourceName": name,
                "Files": t.files,
                "RowsInserted": t.inserted,
                "RowsUpdated": t.updated,
                "RowsUndeleted": t.undeleted,
                "RowsDeleted": t.deleted,
                "RowsQuarantined": t.quarantined,
                "DeletionsHeld": t.deletions_held,
                "LiveRows": _live_rows(conn, tables, name),
            }
            for name, t in summary.resources.items()
        ]
        if rows:
            conn.execute(insert(lrr), rows)


def mark_warned(engine: Engine, tables: StoreTables, run_id: int) -> None:
    """A run whose staging went well can still warn (stale extracts, volume drift): its row says so too."""
    lr = tables.load_run
    with engine.begin() as conn:
        conn.execute(update(lr).where(lr.c.LoadRunId == run_id, lr.c.Outcome == "succeeded").values(Outcome="warned"))


def record_harmonization(
    engine: Engine, tables: StoreTables, flow_run_id: str | None, lms: str, counts: dict[str, int | None]
) -> None:
    """One LMS's harmonization counts (LmsHarmonization's fields, users_matched -> UsersMatched), for the trends."""
    columns = {name.title().replace("_", ""): value for name, value in counts.items()}
    with engine.begin() as conn:
        conn.execute(insert(tables.harmonization_run).values(FlowRunId=flow_run_id, LmsName=lms, **columns))


def _live_rows(conn: Connection, tables: StoreTables, resource: str) -> int:
    live = tables.live(BY_NAME[resource])
    return conn.execute(select(func.count()).select_from(live).where(live.c.DeletedAt.is_(None))).scalar_one()
