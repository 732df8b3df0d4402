"""The `lms-pipeline` command: a drop-in for the reference loader's flags, running the Prefect flows.

Each value comes from its flag, else its environment variable (a `.env` file in the working folder is read
first), else its default, as with the reference tools. Exit codes: 0 success, 1 failure, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import warnings
import sys

from dotenv import load_dotenv

ENGINES = ("mssql", "postgresql")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TRUE_WORDS = {"true", "yes", "t", "y", "1"}


class EnvDefault(argparse.Action):
    """An option whose default is read from an environment variable, as ConfigArgParse does."""

    def __init__(self, env: str, required: bool = False, default=None, **kwargs):
        self.env = env
        if env in os.environ:
            default = self._from_env(os.environ[env], kwargs)
            required = False
        super().__init__(default=default, required=required, **kwargs)

    @staticmethod
    def _from_env(value: str, kwargs: dict):
        if kwargs.get("nargs") == 0:
            return value.strip().lower() in TRUE_WORDS
        converted = kwargs["type"](value) if kwargs.get("type") else value
        return [converted] if kwargs.get("nargs") == "+" else converted

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, True if self.nargs == 0 else values)


def _port(value: str) -> int | None:
    return int(value) if value.strip() not in ("", "0") else None


def _flag(parser, *names, env: str, help: str, **kwargs):
    text = f"{help} [env {env}]"
    parser.add_argument(*names, action=EnvDefault, env=env, help=text, **kwargs)


def _switch(parser, *names, env: str, help: str):
    parser.add_argument(*names, action=EnvDefault, env=env, nargs=0, default=False, help=f"{help} [env {env}]")


def _database_flags(parser: argparse.ArgumentParser, engine_letters: tuple[str, ...]) -> None:
    _flag(parser, *engine_letters, "--engine", env="DB_ENGINE", default="mssql", choices=ENGINES,
          help="database engine (default: mssql, as the reference)")
    _flag(parser, "-s", "--server", env="DB_SERVER", required=True, help="database server name or address")
    _flag(parser, "--port", env="DB_PORT", type=_port, help="port; empty or 0 means 5432 for postgresql, 1433 for mssql")
    _flag(parser, "-d", "--dbname", env="DB_NAME", required=True, help="database name")
    _switch(parser, "-i", "--useintegratedsecurity", env="USE_INTEGRATED_SECURITY",
            help="SQL Server integrated security; username and password are then not needed")
    _flag(parser, "-u", "--username", env="DB_USERNAME", help="database user")
    _flag(parser, "-p", "--password", env="DB_PASSWORD", help="database password (never logged)")
    _switch(parser, "-n", "--encrypt", env="ENCRYPT_SQL_CONNECTION", help="SQL Server: encrypt the connection")
    _switch(parser, "-t", "--trust-certificate", env="TRUST_SERVER_CERTIFICATE",
            help="SQL Server: trust the server certificate")
    _flag(parser, "--odbc-driver", env="ODBC_DRIVER",
          help="SQL Server: the ODBC driver, e.g. 'ODBC Driver 17 for SQL Server' or FreeTDS "
               "(default: ODBC Driver 18 for SQL Server)")
    _flag(parser, "--sslmode", env="DB_SSLMODE", help="PostgreSQL sslmode: disable, require, verify-full, ...")
    _flag(parser, "--lock-wait", env="LOCK_WAIT_SECONDS", type=float, default=0.0,
          help="seconds to wait for another run on the same database (default 0: stop at once)")
    _flag(parser, "-l", "--log-level", env="LOG_LEVEL", default="INFO", choices=LOG_LEVELS, help="log level")


def _notification_flags(parser: argparse.ArgumentParser, stale: bool = True) -> None:
    _flag(parser, "--notification-block", env="NOTIFICATION_BLOCK",
          help="Prefect notification block for failures and warnings, as <block-type-slug>/<name>")
    _flag(parser, "--notify-email-to", env="NOTIFY_EMAIL_TO", nargs="+",
          help="recipients, when the notification block is an e-mail server")
    if stale:
        _flag(parser, "--stale-after-hours", env="STALE_AFTER_HOURS", type=float, default=36.0,
              help="warn when a root's newest extract file is older than this (default 36)")


def _lms_flag(parser: argparse.ArgumentParser) -> None:
    _flag(parser, "--lms", env="LMS", nargs="+", choices=("canvas", "google", "schoology"),
          default=["canvas", "google", "schoology"], help="the LMSs to harmonize (default: all three)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lms-pipeline",
        description="Load LMS extract trees into the LMS data store as Prefect flows.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    load = commands.add_parser("load", help="discover, migrate and load extract trees (the reference loader)",
                               description="Load LMS extract trees into the LMS data store.")
    _flag(load, "-c", "--csvpath", env="CSV_PATH", required=True, nargs="+",
          help="extract root(s), one per LMS")
    _database_flags(load, ("-e",))
    _switch(load, "--allow-mass-delete", env="ALLOW_MASS_DELETE",
            help="let a file soft-delete more than half of a scope of 50 or more live rows")
    _notification_flags(load)

    validate = commands.add_parser("validate", help="validate extract trees without loading them",
                                   description="Discover and validate extract trees; report what would be "
                                               "quarantined or rejected. Nothing is loaded; a load that follows "
                                               "reuses the cached validation.")
    _flag(validate, "-c", "--csvpath", env="CSV_PATH", required=True, nargs="+", help="extract root(s), one per LMS")
    _database_flags(validate, ("-e",))

    harmonize = commands.add_parser(
        "harmonize", help="link LMS data with the Ed-Fi ODS and write lmsx (the reference harmonizer)",
        description="Harmonize the LMS data store with the Ed-Fi ODS in the same database: match users and "
                    "sections, write assignments and submissions to lmsx, report exceptions.")
    _database_flags(harmonize, ("-g",))
    _flag(harmonize, "-e", "--exceptions-report-directory", env="EXCEPTIONS_REPORT_DIRECTORY",
          help="write the exception reports (CSV) under this folder")
    _lms_flag(harmonize)
    _notification_flags(harmonize, stale=False)

    run = commands.add_parser("run", help="load, then harmonize, in one pipeline run",
                              description="Discover, migrate, load and harmonize in one parent flow run.")
    _flag(run, "-c", "--csvpath", env="CSV_PATH", required=True, nargs="+", help="extract root(s), one per LMS")
    _database_flags(run, ("-e",))
    _flag(run, "-x", "--exceptions-report-directory", env="EXCEPTIONS_REPORT_DIRECTORY",
          help="write the exception reports (CSV) under this folder")
    _lms_flag(run)
    _switch(run, "--allow-mass-delete", env="ALLOW_MASS_DELETE",
            help="let a file soft-delete more than half of a scope of 50 or more live rows")
    _notification_flags(run)

    migrate = commands.add_parser("migrate", help="apply the data store's schema only",
                                  description="Apply the migration scripts the database lacks.")
    _database_flags(migrate, ("-e",))

    setup = commands.add_parser("setup", help="create or update the Prefect blocks, work pools and automation",
                                description="Set up the Prefect workspace that PREFECT_API_URL points at for the "
                                            "deployments in prefect.yaml: the database block lms-data-store, the "
                                            "webhook block lms-alerts, the work pools and the failure automation. "
                                            "Running it again changes only what differs.")
    _database_flags(setup, ("-e",))
    _flag(setup, "--webhook-url", env="ALERTS_WEBHOOK_URL",
          help="URL that failure and warning messages are POSTed to (the custom-webhook/lms-alerts block)")

    commands.add_parser("demo", help="load a generated district into an embedded PostgreSQL; no setup needed",
                        description="Start an embedded PostgreSQL, generate a small district's extracts, "
                                    "load them and print a summary.")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    load_dotenv(os.path.join(os.getcwd(), ".env"))
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("load", "migrate", "validate", "setup"):
        _check_database_args(parser, args)
    return args


def _check_database_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not args.useintegratedsecurity and (args.username is None or args.password is None):
        parser.error("--username and --password are required unless --useintegratedsecurity is given")


def database_settings(args: argparse.Namespace):
    from lms_pipeline.settings import DEFAULT_ODBC_DRIVER, DatabaseSettings

    return DatabaseSettings(
        engine=args.engine, server=args.server, port=args.port or None, dbname=args.dbname,
        username=args.username, password=args.password, use_integrated_security=args.useintegratedsecurity,
        encrypt=args.encrypt, trust_certificate=args.trust_certificate, sslmode=args.sslmode,
        odbc_driver=args.odbc_driver or DEFAULT_ODBC_DRIVER,
    )


def configure_logging(level: str) -> None:
    """Prefect reads its settings at import, so this runs before anything imports prefect."""
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")  # pgserver, on headless servers
    os.environ["PREFECT_LOGGING_LEVEL"] = level  # the flag (or LOG_LEVEL) wins over an inherited setting
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(getattr(args, "log_level", "INFO"))
    from lms_pipeline import commands

    try:
        return commands.run(args)
    except KeyboardInterrupt:
        print("lms-pipeline: interrupted", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
