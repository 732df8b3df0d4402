"""What each subcommand does once its arguments are parsed: run the flow, print the outcome."""

from __future__ import annotations

import argparse

from lms_pipeline.launch import run_pipeline
from lms_pipeline.options import (
    ALL_PHASES,
    LOAD_PHASES,
    REPLAY_PHASES,
    VALIDATE_PHASES,
    Notifications,
    Phase,
    ReplayScope,
    RunOptions,
    Thresholds,
)


def run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from lms_pipeline.demo.run import run_demo

        return run_demo(args)
    if args.command == "quarantine":
        from lms_pipeline.quarantine_commands import run_quarantine

        return run_quarantine(args, database_settings(args))
    if args.command == "setup":
        from lms_pipeline.tasks.workspace import AlertBounds, run_setup

        return run_setup(
            database_settings(args),
            args.webhook_url,
            AlertBounds(expect_run_every_hours=args.expect_run_every, run_bound_hours=args.run_bound),
        )
    return run_pipeline(
        csv_paths=getattr(args, "csvpath", []),
        database=database_settings(args),
        options=run_options(args),
        thresholds=_thresholds(args),
        notifications=Notifications(
            block=getattr(args, "notification_block", None), email_to=getattr(args, "notify_email_to", None)
        ),
    )


def run_options(args: argparse.Namespace) -> RunOptions:
    """What the command's flags ask of the run: its phases by the command, and each flag's option."""
    phases = {
        "load": LOAD_PHASES,
        "validate": VALIDATE_PHASES,
        "migrate": (Phase.MIGRATIONS,),
        "harmonize": (Phase.MIGRATIONS, Phase.HARMONIZATION),
        "run": ALL_PHASES,
        "replay": REPLAY_PHASES,
    }[args.command]
    return RunOptions(
        phases=list(phases),
        allow_mass_delete=getattr(args, "allow_mass_delete", False),
        exceptions_report_directory=getattr(args, "exceptions_report_directory", None),
        lock_wait_seconds=args.lock_wait,
        statement_timeout_minutes=args.statement_timeout,
        rehash=getattr(args, "rehash", False),
        raw_archive=getattr(args, "raw_archive", None),
        replay=_replay_scope(args),
        **({"lms": args.lms} if getattr(args, "lms", None) else {}),
    )


def _replay_scope(args: argparse.Namespace) -> ReplayScope:
    if args.command != "replay":
        return ReplayScope()
    return ReplayScope(resources=args.resource or [], section=args.section, root=args.root, since=args.since)


def _thresholds(args: argparse.Namespace) -> Thresholds:
    stale = getattr(args, "stale_after_hours", None)
    return Thresholds() if stale is None else Thresholds(stale_after_hours=stale)


def database_settings(args: argparse.Namespace):
    from lms_pipeline.store import DEFAULT_ENGINE
    from lms_pipeline.store.settings import DEFAULT_ODBC_DRIVER, DatabaseSettings

    if args.database_url is not None:
        return DatabaseSettings.from_url(args.database_url.get_secret_value())
    return DatabaseSettings(
        engine=args.engine or DEFAULT_ENGINE,
        server=args.server,
        port=args.port or None,
        dbname=args.dbname,
        username=args.username,
        use_integrated_security=args.useintegratedsecurity,
        encrypt=args.encrypt,
        trust_certificate=args.trust_certificate,
        sslmode=args.sslmode,
        odbc_driver=args.odbc_driver or DEFAULT_ODBC_DRIVER,
    ).with_password(args.password)
