"""What a run publishes in the Prefect UI: the summary table, the data-quality report, progress, warnings."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact
from prefect.artifacts import update_progress_artifact
from sqlalchemy import Engine, func, select

from lms_pipeline.tasks.summary import StagingSummary
from lms_pipeline.tasks.tables import StoreTables

TOP_REASONS = 10


def publish_summary(summary: StagingSummary) -> None:
    create_table_artifact(
        key="lms-load-summary",
        table=summary.table(),
        description="Per resource: files, rows inserted, updated, un-deleted, soft-deleted, quarantined, "
                    "deletions held",
    )


def publish_data_quality(engine: Engine, tables: StoreTables, run_id: int, summary: StagingSummary) -> None:
    """The most frequent rejection reasons of this run, each with an example file, line and column."""
    q = tables.quarantine
    query = (
        select(q.c.ResourceName, q.c.CheckName, q.c.ColumnName, func.count().label("rows"),
               func.min(q.c.QuarantineIdentifier).label("first"))
        .where(q.c.LoadRunId == run_id)
        .group_by(q.c.ResourceName, q.c.CheckName, q.c.ColumnName)
        .order_by(func.count().desc())
        .limit(TOP_REASONS)
    )
    with engine.connect() as conn:
        groups = conn.execute(query).all()
        examples = {g.first: conn.execute(select(q.c.FilePath, q.c.LineNumber, q.c.Value, q.c.Reason)
                                          .where(q.c.QuarantineIdentifier == g.first)).one() for g in groups}
    lines = ["# Data quality", ""]
    if not groups and not summary.rejected_files and not summary.drift:
        lines.append("No row was quarantined and no file was rejected.")
    if groups:
        lines += ["| resource | check | column | rows | example (file:line) | value | reason |",
                  "|---|---|---|---|---|---|---|"]
        for g in groups:
            path, line, value, reason = examples[g.first]
            lines.append(f"| {g.ResourceName} | {g.CheckName} | {g.ColumnName or ''} | {g.rows} | "
                         f"{_cell(path)}:{line or ''} | {_cell(value)} | {_cell(reason)} |")
    if summary.rejected_files:
        lines += ["", "## Rejected files", ""] + [f"- {_cell(m)}" for m in summary.rejected_files]
    if summary.drift:
        lines += ["", "## Schema drift (unknown columns, ignored)", ""]
        lines += [f"- {_cell(path)}: {', '.join(columns)}" for path, columns in summary.drift.items()]
    create_markdown_artifact(key="lms-data-quality", markdown="\n".join(lines),
                             description="Top rejection reasons with examples")


def publish_warnings(warnings: list[str]) -> None:
    if warnings:
        create_markdown_artifact(key="lms-warnings", markdown="# Warnings\n\n" + "\n".join(f"- {_cell(w)}"
                                                                                       for w in warnings))


class Progress:
    """A progress artifact that moves while staging runs."""

    def __init__(self) -> None:
        self.artifact_id = create_progress_artifact(progress=0.0, key="lms-staging-progress",
                                                    description="Batches loaded")

    def __call__(self, done: int, total: int) -> None:
        update_progress_artifact(artifact_id=self.artifact_id, progress=100.0 * done / max(total, 1))


def _cell(value) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")[:200]
