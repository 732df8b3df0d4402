"""What each subcommand does once its arguments are parsed: run the flow, print the outcome."""

from __future__ import annotations

import argparse

from lms_pipeline.launch import run_pipeline


def run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from lms_pipeline.demo.run import run_demo

        return run_demo(args)
    if args.command == "setup":
        from lms_pipeline.tasks.workspace import AlertBounds, run_setup

        return run_setup(
            database_settings(args),
            args.webhook_url,
            AlertBounds(expect_run_every_hours=args.expect_run_every, run_bound_hours=args.run_bound),
        )
    from lms_pipeline.flows.pipeline import ALL_LMS, ALL_PHASES, LOAD_PHASES, Phase

    phases = {
        "load": LOAD_PHASES,
        "validate": [Phase.DISCOVERY, Phase.MIGRATIONS, Phase.VALIDATION],
        "migrate": [Phase.MIGRATIONS],
        "harmonize": [Phase.MIGRATIONS, Phase.HARMONIZATION],
        "run": ALL_PHASES,
    }[args.command]
    return run_pipeline(
        csv_paths=getattr(args, "csvpath", []),
        database=database_settings(args),
        phases=phases,
        allow_mass_delete=getattr(args, "allow_mass_delete", False),
        lms=getattr(args, "lms", None) or ALL_LMS,
        exceptions_report_directory=getattr(args, "exceptions_report_directory", None),
        notification_block=getattr(args, "notification_block", None),
        notify_email_to=getattr(args, "notify_email_to", None),
        stale_after_hours=getattr(args, "stale_after_hours", 36.0),
        lock_wait_seconds=args.lock_wait,
        statement_timeout_minutes=args.statement_timeout,
    )


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
