"""Harmonization: one subflow per LMS, each in its own transaction, then the exception reports."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_table_artifact
from prefect.runtime import flow_run
from sqlalchemy import Engine

from lms_pipeline.errors import TerminalError
from lms_pipeline.harmonization.catalog import LMS_BY_NAME
from lms_pipeline.harmonization.procedures import harmonize_lms
from lms_pipeline.harmonization.reports import ReportFile, exception_counts, summary_lines, write_exception_reports
from lms_pipeline.loading.runs import record_harmonization
from lms_pipeline.run_state import RunState
from lms_pipeline.tasks.retries import database_task
from lms_pipeline.wording import plural

harmonize_task = database_task(harmonize_lms, name="harmonize", task_run_name="harmonize-{lms}")
record_task = database_task(
    record_harmonization, name="record-harmonization", task_run_name="record-harmonization-{lms}"
)


class HarmonizationFailed(TerminalError):
    """One LMS or more failed to harmonize, after their tasks' retries: their messages, together. Terminal: what a
    retry could get past, the harmonize task already retried."""


@flow(name="harmonize-lms", flow_run_name="harmonize-{lms}")
def harmonize_one(run: RunState, lms: str) -> dict:
    """Link one LMS's users and sections with the ODS and write its assignments and submissions to lmsx."""
    counts = asdict(harmonize_task(run.engine, lms))
    # Keyed on the pipeline's run, as lms.loadrun is, so that the trends put a night's loads and matches together.
    record_task(run.engine, run.tables, flow_run.root_flow_run_id, lms, counts)
    create_table_artifact(
        key=f"lms-harmonization-{lms}",
        table=[{"lms": lms, **counts}],
        description=f"{LMS_BY_NAME[lms].label}: matched, unmatched, ambiguous, written to lmsx",
    )
    get_run_logger().info("%s: %s", lms, ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
    return counts


def harmonize_every_lms(run: RunState, lms_names: list[str], report_directory: str | None) -> dict:
    """Every LMS harmonizes even if another fails; the failures are raised together at the end."""
    log = get_run_logger()
    results, failures = {}, []
    for lms in lms_names:
        state = harmonize_one(run, lms, return_state=True)
        if state.is_completed():
            results[lms] = state.result()
        else:
            failures.append(f"{lms}: {state.message}")
    _report(run.engine, report_directory, log)
    if failures:
        raise HarmonizationFailed("; ".join(failures))
    return results


def _report(engine: Engine, report_directory: str | None, log) -> None:
    if report_directory:
        reports = write_exception_reports(engine, Path(report_directory))
        counts = reports.counts
        for name, report in reports.files.items():
            _publish(name, report, log)
    else:
        counts = exception_counts(engine)
    for line in summary_lines(counts):
        log.log(line.level, line.message)


def _publish(name: str, report: ReportFile, log) -> None:
    """The report's link and first rows as artifacts; an unchanged report links the earlier file, and says so."""
    description = f"{name} exception report ({plural(len(report.rows), 'row')})"
    if not report.written:
        description += f", unchanged since {report.path.name}"
        log.info(description)
    create_link_artifact(key=f"lms-exceptions-{name}", link=report.path.resolve().as_uri(), description=description)
    if report.rows:
        create_table_artifact(
            key=f"lms-exceptions-{name}-rows",
            table=_jsonable(report.rows[:500]),
            description=f"{name} exceptions (first 500 rows)",
        )


def _jsonable(rows: list[dict]) -> list[dict]:
    """Table artifacts are JSON: dates, UUIDs and the like as text."""
    return [
        {k: v if v is None or isinstance(v, (str, int, float, bool)) else str(v) for k, v in row.items()}
        for row in rows
    ]
