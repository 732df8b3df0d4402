"""The `lms-pipeline` command: a drop-in for the reference loader's flags, running the Prefect flows.

Each value comes from its flag, else its environment variable (a `.env` file in the working folder is read
first), else its default, as with the reference tools. Exit codes: 0 success, 1 failure, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
import warnings
from contextlib import nullcontext
from datetime import date
from importlib import metadata

from dotenv import load_dotenv
from pydantic import SecretStr

from lms_pipeline.demo import data_folder
from lms_pipeline.harmonization import LMS_NAMES
from lms_pipeline.resources import BY_NAME
from lms_pipeline.store import DEFAULT_ENGINE
from lms_pipeline.store.engines import ENGINE_NAMES

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TRUE_WORDS = {"true", "yes", "t", "y", "1"}
# The flags that --database-url replaces: their dests, each also the long flag's name.
CONNECTION_FLAGS = (
    "engine",
    "server",
    "port",
    "dbname",
    "username",
    "password",
    "useintegratedsecurity",
    "encrypt",
    "trust_certificate",
    "odbc_driver",
    "sslmode",
)
URL_FORMS = "postgresql://user:password@host:5432/dbname or mssql+pyodbc://user:password@host:1433/dbname"
# The reference tools give -e different meanings; each command's --help says which one it follows.
LOADER_LETTERS = "-e is the engine, as in edfi-lms-ds-loader."
HARMONIZER_LETTERS = "-e is the reports folder here, as in edfi-lms-harmonizer; the engine is -g."
RUN_LETTERS = "run takes the loader's letters: -e is the engine; the reports folder is -x (harmonize's -e)."


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


def minutes(value: str) -> float | None:
    """A bound in minutes (argparse names this function in its error); 0 means none."""
    number = float(value)
    if number < 0:
        raise ValueError(value)
    return number or None


def _flag(parser, *names, env: str, help: str, **kwargs):
    text = f"{help} [env {env}]"
    parser.add_argument(*names, action=EnvDefault, env=env, help=text, **kwargs)


def _switch(parser, *names, env: str, help: str):
    parser.add_argument(*names, action=EnvDefault, env=env, nargs=0, default=False, help=f"{help} [env {env}]")


def _database_flags(parser: argparse.ArgumentParser, engine_letters: tuple[str, ...]) -> None:
    """The connection, as one URL or as the reference's flags; secrets are SecretStr so that no repr shows them."""
    _flag(
        parser,
        "--database-url",
        env="LMS_DATABASE_URL",
        type=SecretStr,
        help=f"the database as one URL instead of the flags below, e.g. {URL_FORMS}?driver=...; "
        "a URL without a user means SQL Server integrated security",
    )
    _flag(
        parser,
        *engine_letters,
        "--engine",
        env="DB_ENGINE",
        choices=ENGINE_NAMES,
        help=f"database engine (default: {DEFAULT_ENGINE}, as the reference)",
    )
    _flag(parser, "-s", "--server", env="DB_SERVER", help="database server name or address (required without a URL)")
    _flag(
        parser, "--port", env="DB_PORT", type=_port, help="port; empty or 0 means 5432 for postgresql, 1433 for mssql"
    )
    _flag(parser, "-d", "--dbname", env="DB_NAME", help="database name (required without a URL)")
    _switch(
        parser,
        "-i",
        "--useintegratedsecurity",
        env="USE_INTEGRATED_SECURITY",
        help="SQL Server integrated security; username and password are then not needed",
    )
    _flag(parser, "-u", "--username", env="DB_USERNAME", help="database user")
    _flag(parser, "-p", "--password", env="DB_PASSWORD", type=SecretStr, help="database password (never logged)")
    _switch(parser, "-n", "--encrypt", env="ENCRYPT_SQL_CONNECTION", help="SQL Server: encrypt the connection")
    _switch(
        parser,
        "-t",
        "--trust-certificate",
        env="TRUST_SERVER_CERTIFICATE",
        help="SQL Server: trust the server certificate",
    )
    _flag(
        parser,
        "--odbc-driver",
        env="ODBC_DRIVER",
        help="SQL Server: the ODBC driver, e.g. 'ODBC Driver 17 for SQL Server' or FreeTDS "
        "(default: ODBC Driver 18 for SQL Server)",
    )
    _flag(parser, "--sslmode", env="DB_SSLMODE", help="PostgreSQL sslmode: disable, require, verify-full, ...")


def _run_flags(parser: argparse.ArgumentParser) -> None:
    """The flags of every command that runs the pipeline's flow."""
    _flag(
        parser,
        "--lock-wait",
        env="LOCK_WAIT_SECONDS",
        type=float,
        default=0.0,
        help="seconds to wait for another run on the same database (default 0: stop at once)",
    )
    _flag(
        parser,
        "--statement-timeout",
        env="STATEMENT_TIMEOUT_MINUTES",
        type=minutes,
        default=60.0,
        help="minutes after which the database cancels any one statement, failing the run with a message "
        "that names it (default 60; 0 for no bound)",
    )
    _flag(parser, "-l", "--log-level", env="LOG_LEVEL", default="INFO", choices=LOG_LEVELS, help="log level")


def _extract_flag(parser: argparse.ArgumentParser) -> None:
    _flag(parser, "-c", "--csvpath", env="CSV_PATH", required=True, nargs="+", help="extract root(s), one per LMS")
    _switch(
        parser,
        "--rehash",
        env="REHASH",
        help="read every file, even those whose size, times and inode are as the journal has them (a run does so "
        "by itself every 7 days)",
    )


def _archive_flag(parser: argparse.ArgumentParser) -> None:
    _flag(
        parser,
        "--raw-archive",
        env="RAW_ARCHIVE",
        help="keep a compressed copy of every file loaded, named by its hash, in this folder or fsspec URL "
        "(s3://bucket/path with s3fs installed, gs://, az://); a copy that cannot be kept is a warning. A "
        "replay reads from it the files no longer in their extract root",
    )


def _notification_flags(parser: argparse.ArgumentParser, stale: bool = True) -> None:
    _flag(
        parser,
        "--notification-block",
        env="NOTIFICATION_BLOCK",
        help="Prefect notification block for failures and warnings, as <block-type-slug>/<name>",
    )
    _flag(
        parser,
        "--notify-email-to",
        env="NOTIFY_EMAIL_TO",
        nargs="+",
        help="recipients, when the notification block is an e-mail server",
    )
    if stale:
        _flag(
            parser,
            "--stale-after-hours",
            env="STALE_AFTER_HOURS",
            type=float,
            default=36.0,
            help="warn when a root's newest extract file is older than this (default 36)",
        )


def _lms_flag(parser: argparse.ArgumentParser) -> None:
    _flag(
        parser,
        "--lms",
        env="LMS",
        nargs="+",
        choices=LMS_NAMES,
        default=list(LMS_NAMES),
        help="the LMSs to harmonize (default: all three)",
    )


def _command(commands, name: str, **kwargs) -> argparse.ArgumentParser:
    """A subcommand, with the flag that every subcommand has."""
    parser = commands.add_parser(name, **kwargs)
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show Prefect's log lines on the terminal (flow and task runs); by default only a "
        "progress bar, warnings and the summary are shown",
    )
    return parser


def _row_filters(parser: argparse.ArgumentParser, resolved_too: bool) -> None:
    """Which quarantined rows a quarantine action works on; all the filters given must hold."""
    parser.add_argument("--run", type=int, metavar="ID", help="only the rows this load run quarantined (lms.loadrun)")
    parser.add_argument(
        "--file",
        metavar="PATH",
        help="only the rows of this file: its path relative to the extract root, its full path, or a pattern of "
        "either where * stands for any characters (/ included) and ? for one, e.g. 'section=*/assignments/*'",
    )
    parser.add_argument(
        "--check", help="only the rows that failed this check, e.g. datetime, unknown-parent, duplicate, not_nullable"
    )
    parser.add_argument("--resource", choices=sorted(BY_NAME), help="only the rows of this resource")
    if resolved_too:
        parser.add_argument(
            "--all",
            action="store_true",
            help="the resolved rows too, with how and by which load run (default: only the open rows)",
        )


def _quarantine_actions(commands) -> dict[str, argparse.ArgumentParser]:
    """lms-pipeline quarantine list | export | retry; their parsers by name."""
    quarantine = commands.add_parser(
        "quarantine",
        help="list, export or retry the quarantined rows",
        description="Work the rows that failed validation or had no parent (lms.quarantine). A row is open until "
        "its file is loaded again (by retry, or by a load of a changed file at the same path), which resolves it: "
        "passed (loaded), requarantined (failed again; that load's row replaces it) or superseded (a newer file "
        "of its scope is loaded).",
    )
    actions = quarantine.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=argparse.ArgumentParser
    )
    listing = _command(
        actions,
        "list",
        help="print the open quarantined rows as a table",
        description="Print quarantined rows as a table: run, resource, file:line, column, check, value and reason. "
        "Invisible and control characters are shown as codes.",
        epilog=LOADER_LETTERS,
    )
    export = _command(
        actions,
        "export",
        help="write the open quarantined rows as CSV, safe to open in a spreadsheet",
        description="Write quarantined rows, every column, as UTF-8 CSV: a cell that a spreadsheet would run as a "
        "formula (starting with = + - @, a tab or a carriage return) gets a leading single quote.",
        epilog=LOADER_LETTERS,
    )
    retry = _command(
        actions,
        "retry",
        help="load again the files of open quarantined rows, after a file or a rule was fixed",
        description="Load again, through the normal load (validation, merge, scoped soft delete, journal), the "
        "whole files that the open rows asked for came from, as the load that first read them would have loaded "
        "them had the rows passed; under the run lock, as a load run of its own. Rows that pass are resolved; rows "
        "that fail again stay open, once. A file older than a loaded file of its scope is not read again: its "
        "rows are resolved as superseded. A file no longer on disk is read from the raw archive (--raw-archive) "
        "as it was loaded; one in neither is named and skipped, its rows left open (exit code 3).",
        epilog=LOADER_LETTERS,
    )
    for action in (listing, export, retry):
        _database_flags(action, ("-e",))
        _row_filters(action, resolved_too=action is not retry)
    listing.add_argument(
        "--limit", type=int, default=50, help="print at most this many rows (default 50; 0 for all of them)"
    )
    export.add_argument("-o", "--output", default="-", help="the CSV file to write (default -: standard output)")
    _run_flags(retry)
    _archive_flag(retry)
    return actions.choices


class TopParser(argparse.ArgumentParser):
    subcommands: dict[str, argparse.ArgumentParser]  # each command's parser, whose usage our own checks show
    quarantine_actions: dict[str, argparse.ArgumentParser]  # the same, for quarantine list, export and retry


def build_parser() -> TopParser:
    """The top parser. Its `subcommands` maps each command to its parser, whose usage our own checks show."""
    parser = TopParser(
        prog="lms-pipeline",
        description="Load LMS extract trees into the LMS data store as Prefect flows.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {metadata.version('lms-pipeline')}")
    # The commands' parsers stay plain ArgumentParsers (by default they would be of the top parser's class).
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=argparse.ArgumentParser
    )
    parser.subcommands = commands.choices

    load = _command(
        commands,
        "load",
        help="discover, migrate and load extract trees (the reference loader)",
        description="Load LMS extract trees into the LMS data store.",
        epilog=LOADER_LETTERS,
    )
    _extract_flag(load)
    _archive_flag(load)
    _database_flags(load, ("-e",))
    _run_flags(load)
    _switch(
        load,
        "--allow-mass-delete",
        env="ALLOW_MASS_DELETE",
        help="apply soft deletes the mass-deletion guard holds (see README: mass deletion)",
    )
    _notification_flags(load)

    validate = _command(
        commands,
        "validate",
        help="validate extract trees without loading them",
        description="Discover and validate extract trees; report what would be quarantined or "
        "rejected. Nothing is loaded; a load that follows reuses the cached validation.",
        epilog=LOADER_LETTERS,
    )
    _extract_flag(validate)
    _database_flags(validate, ("-e",))
    _run_flags(validate)

    harmonize = _command(
        commands,
        "harmonize",
        help="link LMS data with the Ed-Fi ODS and write lmsx (the reference harmonizer)",
        description="Harmonize the LMS data store with the Ed-Fi ODS in the same database: match users and "
        "sections, write assignments and submissions to lmsx, report exceptions.",
        epilog=HARMONIZER_LETTERS,
    )
    _database_flags(harmonize, ("-g",))
    _run_flags(harmonize)
    _flag(
        harmonize,
        "-e",
        "--exceptions-report-directory",
        env="EXCEPTIONS_REPORT_DIRECTORY",
        help="write the exception reports (CSV) under this folder",
    )
    _lms_flag(harmonize)
    _notification_flags(harmonize, stale=False)

    run = _command(
        commands,
        "run",
        help="load, then harmonize, in one pipeline run",
        description="Discover, migrate, load and harmonize in one parent flow run.",
        epilog=RUN_LETTERS,
    )
    _extract_flag(run)
    _archive_flag(run)
    _database_flags(run, ("-e",))
    _run_flags(run)
    _flag(
        run,
        "-x",
        "--exceptions-report-directory",
        env="EXCEPTIONS_REPORT_DIRECTORY",
        help="write the exception reports (CSV) under this folder",
    )
    _lms_flag(run)
    _switch(
        run,
        "--allow-mass-delete",
        env="ALLOW_MASS_DELETE",
        help="apply soft deletes the mass-deletion guard holds (see README: mass deletion)",
    )
    _notification_flags(run)

    replay = _command(
        commands,
        "replay",
        help="load the journaled files again, from their extract roots or the raw archive",
        description="Load again, in extract-time order and through the same validation, merge and scoped soft "
        "deletes as a load, the files whose rows were loaded: all of them, or those the options name. A file "
        "no longer in its extract root with the content loaded is read from the raw archive; if some file is "
        "in neither, the replay names it and stops before changing anything.",
        epilog=LOADER_LETTERS,
    )
    _archive_flag(replay)
    _flag(replay, "--resource", env="REPLAY_RESOURCES", nargs="+", choices=list(BY_NAME), help="only these resources")
    _flag(replay, "--section", env="REPLAY_SECTION", help="only the files of this section's folder (section=<id>)")
    _flag(replay, "--root", env="REPLAY_ROOT", help="only the files of this extract root (one LMS's extracts)")
    _flag(
        replay,
        "--since",
        env="REPLAY_SINCE",
        type=date.fromisoformat,
        help="only the files extracted on or after this date (YYYY-MM-DD)",
    )
    _database_flags(replay, ("-e",))
    _run_flags(replay)
    _switch(
        replay,
        "--allow-mass-delete",
        env="ALLOW_MASS_DELETE",
        help="apply soft deletes the mass-deletion guard holds (see README: mass deletion)",
    )
    _notification_flags(replay, stale=False)

    migrate = _command(
        commands,
        "migrate",
        help="apply the data store's schema only",
        description="Apply the migration scripts the database lacks.",
        epilog=LOADER_LETTERS,
    )
    _database_flags(migrate, ("-e",))
    _run_flags(migrate)

    setup = _command(
        commands,
        "setup",
        help="create or update the Prefect blocks, work pools and automations",
        description="Set up the Prefect workspace that PREFECT_API_URL points at for the deployments "
        "in prefect.yaml: the database block lms-data-store, the webhook block lms-alerts "
        "(its URL kept secret), the work pools, and the automations that report a run that "
        "failed, crashed, did not start on time, ran too long, or did not happen at all. "
        "Running it again changes only what differs.",
        epilog=LOADER_LETTERS,
    )
    _database_flags(setup, ("-e",))
    _flag(
        setup,
        "--webhook-url",
        env="ALERTS_WEBHOOK_URL",
        help="URL that failure and warning messages are POSTed to (the custom-webhook/lms-alerts block)",
    )
    _flag(
        setup,
        "--expect-run-every",
        env="EXPECT_RUN_EVERY_HOURS",
        type=float,
        default=26.0,
        help="hours: alert when no lms-pipeline run has completed for this long (default 26: a nightly run "
        "and two hours' grace)",
    )
    _flag(
        setup,
        "--run-bound",
        env="RUN_BOUND_HOURS",
        type=float,
        default=4.0,
        help="hours: alert when a run is still going this long after it started (default 4)",
    )

    demo = _command(
        commands,
        "demo",
        help="load a generated district into an embedded PostgreSQL; no setup needed",
        description="Start an embedded PostgreSQL, generate a small district's extracts for all three "
        "LMSs (with a failed extract and a bad value on purpose), load and harmonize them "
        "through the production flow, and print a summary and the next steps. The database, "
        "the extracts and the exception reports are kept under "
        f"{data_folder()}; a second run finds nothing new to load.",
    )
    demo.add_argument(
        "--psql",
        action="store_true",
        help="open the kept demo database in psql (the embedded server runs while psql does)",
    )
    demo.add_argument("--reset", action="store_true", help="delete the demo's folder first, and start over")
    parser.quarantine_actions = _quarantine_actions(commands)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The arguments, checked: what argparse cannot check is reported, like its own errors, with the
    subcommand's usage and exit code 2, before anything slow (prefect) is imported."""
    load_dotenv(os.path.join(os.getcwd(), ".env"))
    parser = build_parser()
    args = parser.parse_args(argv)
    command = (
        parser.quarantine_actions[args.action] if args.command == "quarantine" else parser.subcommands[args.command]
    )
    if hasattr(args, "database_url"):
        _check_database_args(command, args)
    if hasattr(args, "csvpath"):
        _check_extract_folders(command, args)
    return args


def _check_database_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.database_url is not None:
        _check_database_url(parser, args)
    elif args.server is None or args.dbname is None:
        parser.error("give --database-url (LMS_DATABASE_URL) or --server and --dbname (DB_SERVER, DB_NAME)")
    elif not args.useintegratedsecurity and (args.username is None or args.password is None):
        parser.error("--username and --password are required unless --useintegratedsecurity is given")


def _check_database_url(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """One source for the connection, and a URL we can use. No message quotes the URL: it holds the password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    given = [f"--{dest.replace('_', '-')}" for dest in CONNECTION_FLAGS if getattr(args, dest) not in (None, False)]
    if given:  # merging the two would leave it unclear which value is used
        parser.error(
            f"give either --database-url or the --server/--dbname/... flags, not both "
            f"(from flags or environment: {', '.join(given)})"
        )
    try:
        backend = make_url(args.database_url.get_secret_value()).get_backend_name()
    except (ArgumentError, ValueError):  # their messages may quote the password
        parser.error(f"--database-url (LMS_DATABASE_URL) is not a database URL such as {URL_FORMS}")
    if backend not in ENGINE_NAMES:
        parser.error(f"--database-url (LMS_DATABASE_URL): {backend!r} is not supported; use {URL_FORMS}")


def _check_extract_folders(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Every root a folder this user can list, whose files' paths fit the journal; the faults in one line."""
    from lms_pipeline.discovery.walk import PATH_LENGTH, SHORTEST_RELPATH

    faults = {
        "no such folder": [p for p in args.csvpath if not os.path.exists(p)],
        "not a folder": [p for p in args.csvpath if os.path.exists(p) and not os.path.isdir(p)],
        "cannot be read": [p for p in args.csvpath if os.path.isdir(p) and not os.access(p, os.R_OK | os.X_OK)],
        f"too long: a file's full path must fit in {PATH_LENGTH} characters": [
            p for p in args.csvpath if len(os.path.abspath(p)) + SHORTEST_RELPATH > PATH_LENGTH
        ],
    }
    named = [f"{fault}: {', '.join(paths)}" for fault, paths in faults.items() if paths]
    if named:
        parser.error(f"--csvpath: {'; '.join(named)}")


def configure_logging(level: str, verbose: bool) -> None:
    """Prefect reads its settings at import, so this runs before anything imports prefect."""
    from lms_pipeline.console import configure_prefect_logging

    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")  # pgserver, on headless servers
    configure_prefect_logging(level, verbose)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(getattr(args, "log_level", "INFO"), args.verbose)
    from lms_pipeline.tasks.prefect_api import PrefectUnavailable, connect, unavailable_message

    try:
        # setup needs the user's own workspace; demo --psql, quarantine list and export need no Prefect at all
        api = nullcontext() if args.command == "setup" or _without_prefect(args) else connect()
        from lms_pipeline import commands  # imported while a local Prefect server starts

        with api:
            return commands.run(args)
    except PrefectUnavailable as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail("interrupted")
    except RuntimeError as error:
        message = unavailable_message(error)
        if message is None:
            raise
        return _fail(message)


def _without_prefect(args: argparse.Namespace) -> bool:
    return getattr(args, "psql", False) or getattr(args, "action", None) in ("list", "export")


def _fail(message: str) -> int:
    print(f"lms-pipeline: {message}", file=sys.stderr)
    return 1


def run() -> None:
    """The `lms-pipeline` command: main(), then a quick exit. Python's own teardown of the modules a run loads
    (Prefect, pandas, pydantic) takes 0.6 s of every command; what must happen at exit is done first, as the
    interpreter would: other threads joined, then the atexit handlers, where Prefect sends its last logs and
    events."""
    code = main()
    threading._shutdown()  # type: ignore[attr-defined]  # noqa: SLF001 - what Py_FinalizeEx calls first; typeshed omits it
    atexit._run_exitfuncs()  # noqa: SLF001
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
