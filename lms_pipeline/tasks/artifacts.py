"""What a run publishes in the Prefect UI: the summary table, the data-quality report, progress, warnings."""

from __future__ import annotations

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from sqlalchemy import Engine, func, select

from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.reporting.trends import RUNS, read_runs, trends_markdown
from lms_pipeline.store.tables import StoreTables
from lms_pipeline.wording import plural

TOP_REASONS = 10


def publish_summary(summary: StagingSummary, files_found: int | None = None) -> None:
    """The table of what each resource's files did; a run that staged nothing says so in words."""
    if not summary.resources and files_found is not None:
        create_markdown_artifact(
            key="lms-load-summary",
            description="Nothing new to load",
            markdown=f"# Nothing new\n\nEvery one of the {plural(files_found, 'file')} found was loaded by an "
            "earlier run: nothing was inserted, updated or deleted.",
        )
        return
    create_table_artifact(
        key="lms-load-summary",
        table=summary.table(),
        description="Per resource: files, rows inserted, updated, un-deleted, soft-deleted, quarantined, "
        "deletions held",
    )


def publish_data_quality(engine: Engine, tables: StoreTables, run_id: int | None, summary: StagingSummary) -> None:
    """The most frequent rejection reasons of this run, each with an example file, line and column."""
    q = tables.quarantine
    query = (
        select(
            q.c.ResourceName,
            q.c.CheckName,
            q.c.ColumnName,
            func.count().label("rows"),
            func.min(q.c.QuarantineIdentifier).label("first"),
        )
        .where(q.c.LoadRunId == run_id)
        .group_by(q.c.ResourceName, q.c.CheckName, q.c.ColumnName)
        .order_by(func.count().desc())
        .limit(TOP_REASONS)
    )
    with engine.connect() as conn:
        groups = conn.execute(query).all()
        examples = {
            g.first: conn.execute(
                select(q.c.FilePath, q.c.LineNumber, q.c.Value, q.c.Reason).where(q.c.QuarantineIdentifier == g.first)
            ).one()
            for g in groups
        }
    lines = ["# Data quality", ""]
    if not groups and not summary.rejected_files and not summary.drift:
        lines.append("No row was quarantined and no file was rejected.")
    if groups:
        # The UI does not wrap table cells: the words first, the long file path last.
        lines += ["| resource.column | rows | reason | value | example (file:line) |", "|---|---:|---|---|---|"]
        for g in groups:
            path, line, value, reason = examples[g.first]
            column = f"{g.ResourceName}.{g.ColumnName}" if g.ColumnName else g.ResourceName
            lines.append(
                f"| {column} | {g.rows} | {_cell(_gist(reason), 100)} | {_cell(value, 40)} | "
                f"{_cell(path)}:{line or ''} |"
            )
        lines += [
            "",
            f"Each reason in full, its check, and every row: `lms-pipeline quarantine list --run {run_id}` (a table), "
            f"`lms-pipeline quarantine export --run {run_id} -o quarantine.csv` (CSV for a spreadsheet); "
            f"`lms-pipeline quarantine retry --run {run_id}` loads their files again once they or the rules are "
            "fixed.",
        ]
    if summary.rejected_files:
        lines += ["", "## Rejected files", ""] + [f"- {_cell(m)}" for m in summary.rejected_files]
    if summary.drift:
        lines += ["", "## Schema drift (unknown columns, ignored)", ""]
        lines += [f"- {_cell(path)}: {', '.join(columns)}" for path, columns in summary.drift.items()]
    create_markdown_artifact(
        key="lms-data-quality", markdown="\n".join(lines), description="Top rejection reasons with examples"
    )


def publish_warnings(warnings: list[str]) -> None:
    if warnings:
        create_markdown_artifact(
            key="lms-warnings",
            description=f"{plural(len(warnings), 'warning')} to act on",
            markdown="# Warnings\n\n" + "\n".join(f"- {_cell(w)}" for w in warnings),
        )


def create_progress() -> str:
    """The staging progress artifact, on the run that calls this (the parent run); its id, for Progress."""
    return str(
        create_progress_artifact(
            progress=0.0, key="lms-staging-progress", description="Staging: share of the run's batches loaded"
        )
    )


class Progress:
    """Moves the progress artifact as batches are done; without one (the staging subflow called alone), makes
    its own."""

    def __init__(self, artifact_id: str | None = None) -> None:
        self.artifact_id = artifact_id or create_progress()

    def __call__(self, done: int, total: int) -> None:
        # Prefect annotates the id as a UUID, but only formats it into the request's path: the id arrives as text,
        # a flow parameter (progress_artifact_id), and goes as it came.
        update_progress_artifact(artifact_id=self.artifact_id, progress=100.0 * done / max(total, 1))  # type: ignore[arg-type]


def _gist(reason: str | None) -> str | None:
    """A reason without its parenthesised detail (the accepted forms of a date, say), which would widen the table
    past the page: the table stays readable, and lms.quarantine keeps the whole text."""
    return reason.split(" (", 1)[0] if reason and len(reason) > 80 else reason


def _cell(value, width: int = 200) -> str:
    text = "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def publish_trends(engine: Engine, tables: StoreTables, limit: int = RUNS) -> None:
    """The trends of the last runs as a markdown artifact of the current flow run."""
    runs = read_runs(engine, tables, limit)
    create_markdown_artifact(
        key="lms-trends",
        markdown=trends_markdown(runs),
        description=f"Trends of the last {len(runs)} runs: rows loaded per run, load duration, "
        "match rates per LMS (chart, then the figures)",
    )
