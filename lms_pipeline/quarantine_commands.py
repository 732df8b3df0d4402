"""`lms-pipeline quarantine list | export | retry`: the rows of lms.quarantine, for a person to work."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from lms_pipeline.launch import EXIT_WARNED, run_pipeline
from lms_pipeline.loading.quarantine import SUPERSEDED, RowFilter, quarantined_rows, resolve_files
from lms_pipeline.loading.retry import RetryPlan, plan_retry
from lms_pipeline.options import REPLAY_PHASES, Notifications, ReplayScope, RunOptions, Thresholds
from lms_pipeline.reporting.quarantine import quarantine_csv, quarantine_table
from lms_pipeline.store.connections import describe_error, make_engine, run_lock
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.settings import DatabaseSettings
from lms_pipeline.store.tables import StoreTables
from lms_pipeline.wording import plural


def run_quarantine(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    wanted = RowFilter(args.run, args.file, args.check, args.resource, getattr(args, "all", False))
    engine = make_engine(settings)
    try:
        if args.action == "retry":
            return _retry(args, engine, settings, wanted)
        return {"list": _list, "export": _export}[args.action](args, engine, wanted)
    except DBAPIError as error:  # the password is not in a driver's message; the statement has only placeholders
        print(
            f"lms-pipeline quarantine {args.action}: {describe_error(error)}\n"
            "(a data store older than migration 0024 needs `lms-pipeline migrate` first)",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()


def _rows(engine: Engine, wanted: RowFilter) -> list[dict]:
    with engine.connect() as conn:
        return quarantined_rows(conn, StoreTables(dialect_of(engine)), wanted)


def _list(args: argparse.Namespace, engine: Engine, wanted: RowFilter) -> int:
    rows = _rows(engine, wanted)
    if not rows:
        print(f"No {'' if wanted.resolved_too else 'open '}quarantined rows match.")
        return 0
    shown = rows[: args.limit] if args.limit else rows
    print(quarantine_table(shown, wanted.resolved_too))
    more = f"; the first {len(shown)} shown, `lms-pipeline quarantine export` writes them all" if shown != rows else ""
    print(f"\n{plural(len(rows), 'row')}{more}")
    return 0


def _export(args: argparse.Namespace, engine: Engine, wanted: RowFilter) -> int:
    rows = _rows(engine, wanted)
    data = quarantine_csv(rows)
    if args.output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.output).write_bytes(data)
        print(f"{plural(len(rows), 'row')} written to {args.output}", file=sys.stderr)
    return 0


def _retry(args: argparse.Namespace, engine: Engine, settings: DatabaseSettings, wanted: RowFilter) -> int:
    """Sort the files under the run lock and resolve the superseded ones' rows; then replay the others as they are
    now in a pipeline run (which takes the lock itself and leaves out a file superseded in between)."""
    tables = StoreTables(dialect_of(engine))
    with run_lock(engine, args.lock_wait), engine.begin() as conn:
        plan = plan_retry(conn, tables, wanted, args.raw_archive)
        resolve_files(conn, tables, list(plan.superseded), SUPERSEDED, None)
    _report(plan)
    if not plan.reload:
        print("Nothing to load again.")
        return EXIT_WARNED if plan.missing or plan.unknown else 0
    code = run_pipeline(
        csv_paths=[],
        database=settings,
        options=RunOptions(
            phases=list(REPLAY_PHASES),
            replay=ReplayScope(files=plan.reload, current_content=True),
            raw_archive=args.raw_archive,
            lock_wait_seconds=args.lock_wait,
            statement_timeout_minutes=args.statement_timeout,
        ),
        thresholds=Thresholds(stale_after_hours=None),  # a retried file is as old as it was
        notifications=Notifications(),
    )
    return EXIT_WARNED if code == 0 and (plan.missing or plan.unknown) else code


def _report(plan: RetryPlan) -> None:
    print(f"Loading again {plural(len(plan.reload), 'file')}" + "".join(f"\n  {path}" for path in plan.reload))
    for path, newer in plan.superseded.items():
        print(f"superseded: {path}: {newer} is loaded and newer; its rows are resolved as superseded")
    for path in plan.missing:
        print(
            f"missing: {path} is no longer on disk, nor in a raw archive (--raw-archive); skipped, its rows stay open",
            file=sys.stderr,
        )
    for path in plan.unknown:
        print(f"unknown: {path} is not in the journal; skipped, its rows stay open", file=sys.stderr)
