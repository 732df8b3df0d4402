"""The command line: the reference loader's flags and environment variables, exit codes, secrets."""

import os
import subprocess
import sys
from importlib import metadata

import pytest
from cli_flags import database_flags

from lms_pipeline.cli import build_parser, parse_args
from lms_pipeline.commands import database_settings, run_options
from lms_pipeline.options import LOAD_PHASES, VALIDATE_PHASES

DB = ["-s", "db.example.org", "-d", "lms", "-u", "loader", "-p", "pw"]
ROOT = "extracts"  # made in the working folder by clean_environment
# The commands with the database flags, and the other flags each of them requires.
DATABASE_COMMANDS = {
    "load": ["-c", ROOT],
    "validate": ["-c", ROOT],
    "run": ["-c", ROOT],
    "harmonize": [],
    "migrate": [],
    "setup": [],
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in (
        "CSV_PATH",
        "DB_ENGINE",
        "DB_SERVER",
        "DB_PORT",
        "DB_NAME",
        "DB_USERNAME",
        "DB_PASSWORD",
        "USE_INTEGRATED_SECURITY",
        "LOG_LEVEL",
        "ENCRYPT_SQL_CONNECTION",
        "TRUST_SERVER_CERTIFICATE",
        "LMS_DATABASE_URL",
        "DB_SSLMODE",
        "ODBC_DRIVER",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ROOT).mkdir()


@pytest.mark.parametrize("argv", [[], ["load"], ["load", "-s", "x", "-d", "y", "-u", "a", "-p", "b"]])
def test_missing_required_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "required" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["load", "-c", ROOT], {"phases": list(LOAD_PHASES), "rehash": False, "lock_wait_seconds": 0}),
        (["load", "-c", ROOT, "--rehash", "--lock-wait", "90"], {"rehash": True, "lock_wait_seconds": 90}),
        (["load", "-c", ROOT], {"raw_archive": None}),
        (["run", "-c", ROOT, "--raw-archive", "s3://district-lms/raw"], {"raw_archive": "s3://district-lms/raw"}),
        (["validate", "-c", ROOT, "--statement-timeout", "0"], {"phases": list(VALIDATE_PHASES)}),
        (["run", "-c", ROOT, "--lms", "canvas", "--allow-mass-delete"], {"lms": ["canvas"], "allow_mass_delete": True}),
        (["harmonize", "-e", "reports"], {"exceptions_report_directory": "reports", "statement_timeout_minutes": 60}),
    ],
)
def test_each_flag_becomes_its_run_option(argv, expected):
    options = run_options(parse_args([*argv, *DB]))
    assert {name: getattr(options, name) for name in expected} == expected
    if "--statement-timeout" in argv:
        assert options.statement_timeout_minutes is None  # 0: no bound


def test_engine_defaults_to_mssql_as_the_reference():
    assert database_settings(parse_args(["load", "-c", ROOT, "-e", "postgresql", *DB])).engine.value == "postgresql"
    assert database_settings(parse_args(["load", "-c", ROOT, *DB])).engine.value == "mssql"


def test_username_and_password_are_required_without_integrated_security(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["load", "-c", ROOT, "-e", "postgresql", "-s", "h", "-d", "db", "-u", "loader"])
    assert exit_info.value.code == 2
    assert "--password are required unless --useintegratedsecurity" in capsys.readouterr().err


def test_environment_variables_and_dotenv_fill_in_for_flags(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DB_SERVER=from-dotenv\nDB_NAME=lms\nDB_PASSWORD=secret\n")
    monkeypatch.setenv("CSV_PATH", str(tmp_path))
    monkeypatch.setenv("DB_ENGINE", "postgresql")
    monkeypatch.setenv("DB_USERNAME", "loader")
    monkeypatch.setenv("DB_PORT", "6543")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    args = parse_args(["load"])
    settings = database_settings(args)
    assert (args.csvpath, settings.server, settings.effective_port, args.log_level) == (
        [str(tmp_path)],
        "from-dotenv",
        6543,
        "DEBUG",
    )
    assert settings.password.get_secret_value() == "secret"


def test_port_defaults_by_engine():
    settings = database_settings(parse_args(["load", "-c", ROOT, "-e", "postgresql", *DB]))
    assert settings.effective_port == 5432
    settings = database_settings(parse_args(["load", "-c", ROOT, "-e", "postgresql", "--port", "0", *DB]))
    assert settings.effective_port == 5432


def test_integrated_security_flag_from_environment_words(monkeypatch):
    monkeypatch.setenv("USE_INTEGRATED_SECURITY", "Yes")
    args = parse_args(["load", "-c", ROOT, "-e", "postgresql", "-s", "h", "-d", "db"])
    assert args.useintegratedsecurity is True


def test_password_never_shows_in_settings_text():
    settings = database_settings(parse_args(["load", "-c", ROOT, "-e", "postgresql", *DB]))
    for text in (str(settings), repr(settings), settings.describe(), str(settings.url())):
        assert "pw" not in text.replace("pwd", "")


def run_cli(*argv, env=None):
    return subprocess.run(
        [sys.executable, "-m", "lms_pipeline.cli", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_a_bad_argument_value_exits_2():
    result = run_cli("load", "-c", ROOT, "-e", "oracle", *DB)
    assert result.returncode == 2
    assert "invalid choice: 'oracle'" in result.stderr


@pytest.mark.prefect
def test_load_from_the_terminal_runs_the_flow_and_prints_the_summary(db, fixture_tree, prefect_api, query):
    root = fixture_tree("starter-kit-sample")
    password = "terminal-secret-123"
    result = run_cli(
        "load",
        "-c",
        str(root),
        *database_flags(db, password),
        "-l",
        "DEBUG",
    )
    assert result.returncode == 3, result.stderr  # completed, warned: the sample's extracts are years old
    assert "submissions" in result.stdout and "901" in result.stdout
    assert password not in result.stdout + result.stderr
    assert query("SELECT outcome, rowsinserted FROM lms.loadrun") == [("warned", 1176)]


# --- a mature tool: version, usage of the subcommand, short letters, database URL, folders, --verbose ---------


def usage_error(argv: list[str], capsys) -> str:
    """What a bad command line prints, having checked that it exits 2 with one usage and one error line."""
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: lms-pipeline {argv[0]} [-h]") and err.count("usage:") == 1
    assert err.splitlines()[-1].startswith(f"lms-pipeline {argv[0]}: error: ")
    return err.splitlines()[-1]


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"lms-pipeline {metadata.version('lms-pipeline')}\n"


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["load", "-c", ROOT, "-d", "lms", "-u", "a", "-p", "b"],
            "give --database-url (LMS_DATABASE_URL) or --server and --dbname (DB_SERVER, DB_NAME)",
        ),
        (
            ["harmonize", "-s", "h", "-d", "lms", "-u", "a"],
            "--username and --password are required unless --useintegratedsecurity is given",
        ),
        (["migrate", "--database-url", "postgresql://h/lms", "-s", "h"], "not both"),
        (["run", "-c", "missing", *DB], "--csvpath: no such folder: missing"),
    ],
)
def test_our_own_checks_show_the_subcommands_usage(argv, message, capsys):
    assert message in usage_error(argv, capsys)


@pytest.mark.parametrize(
    "command, letters",
    [
        ("harmonize", "-e is the reports folder here, as in edfi-lms-harmonizer; the engine is -g"),
        ("run", "run takes the loader's letters: -e is the engine; the reports folder is -x (harmonize's -e)"),
        *[
            (command, "-e is the engine, as in edfi-lms-ds-loader")
            for command in ("load", "validate", "migrate", "setup")
        ],
    ],
)
def test_each_commands_help_says_what_its_short_letters_mean(command, letters, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert letters in " ".join(capsys.readouterr().out.split())


def test_the_short_letters_are_those_of_the_reference_tools():
    harmonize = parse_args(["harmonize", "-g", "postgresql", "-e", "reports", *DB])
    run = parse_args(["run", "-c", ROOT, "-e", "postgresql", "-x", "reports", *DB])
    for args in (harmonize, run):
        assert (args.engine, args.exceptions_report_directory) == ("postgresql", "reports")


PG_URL = "postgresql://loader:pw@db.example.org:6543/lms?sslmode=require"
PG_FLAGS = [
    "-e",
    "postgresql",
    "-s",
    "db.example.org",
    "--port",
    "6543",
    "-d",
    "lms",
    "-u",
    "loader",
    "-p",
    "pw",
    "--sslmode",
    "require",
]


@pytest.mark.parametrize(
    "url, flags",
    [
        (PG_URL, PG_FLAGS),
        (
            "mssql+pyodbc://loader:pw@sql.example.org/lms?driver=ODBC+Driver+17+for+SQL+Server&Encrypt=yes"
            "&TrustServerCertificate=yes",
            [
                "-s",
                "sql.example.org",
                "-d",
                "lms",
                "-u",
                "loader",
                "-p",
                "pw",
                "--odbc-driver",
                "ODBC Driver 17 for SQL Server",
                "-n",
                "-t",
            ],
        ),
        ("mssql+pyodbc://sql.example.org:1444/lms", ["-s", "sql.example.org", "--port", "1444", "-d", "lms", "-i"]),
    ],
)
def test_a_database_url_gives_the_settings_its_flags_give(url, flags):
    assert database_settings(parse_args(["migrate", "--database-url", url])) == database_settings(
        parse_args(["migrate", *flags])
    )


@pytest.mark.parametrize("command", DATABASE_COMMANDS)
def test_every_database_command_takes_a_url_instead_of_the_flags(command):
    args = parse_args([command, *DATABASE_COMMANDS[command], "--database-url", "postgresql://db.example.org/lms"])
    assert database_settings(args).describe() == "postgresql://(no user)@db.example.org:5432/lms"


def test_the_url_comes_from_LMS_DATABASE_URL_and_a_flag_beats_it(monkeypatch):
    from_flags = database_settings(parse_args(["migrate", *PG_FLAGS]))
    monkeypatch.setenv("LMS_DATABASE_URL", PG_URL)
    assert database_settings(parse_args(["migrate", "--lock-wait", "5", "-l", "DEBUG"])) == from_flags
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://elsewhere/other")
    assert database_settings(parse_args(["migrate", "--database-url", PG_URL])) == from_flags


@pytest.mark.parametrize(
    "flags, environment",
    [(["-s", "h"], {}), (["-e", "mssql"], {}), (["-i"], {}), ([], {"DB_SERVER": "h"}), ([], {"DB_PASSWORD": "pw"})],
)
def test_a_url_and_connection_flags_together_are_refused(flags, environment, monkeypatch, capsys):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    error = usage_error(["migrate", "--database-url", PG_URL, *flags], capsys)
    assert "give either --database-url or the --server/--dbname/... flags, not both" in error


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://loader:s3cret@db:54x2/lms",
        "postgresql://loader:s3cret",
        "loader:s3cret@db/lms",
        "mysql://loader:s3cret@db/lms",
    ],
)
def test_a_bad_url_is_a_usage_error_that_never_shows_the_password(url, monkeypatch, capsys):
    error = usage_error(["migrate", "--database-url", url], capsys)
    assert error.startswith("lms-pipeline migrate: error: --database-url (LMS_DATABASE_URL)")
    monkeypatch.setenv("LMS_DATABASE_URL", url)
    usage_error(["migrate"], capsys)
    assert "s3cret" not in error + capsys.readouterr().err


def test_the_password_never_shows_in_help_or_in_the_parsed_arguments(monkeypatch, capsys):
    monkeypatch.setenv("DB_PASSWORD", "env-s3cret")
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://loader:url-s3cret@db/lms")
    for command in DATABASE_COMMANDS:
        with pytest.raises(SystemExit):
            parse_args([command, "--help"])
    monkeypatch.delenv("DB_PASSWORD")
    from_url = parse_args(["migrate"])
    monkeypatch.delenv("LMS_DATABASE_URL")
    from_flag = parse_args(["migrate", "-s", "h", "-d", "lms", "-u", "loader", "-p", "flag-s3cret"])
    monkeypatch.setenv("DB_PASSWORD", "env-s3cret")
    from_environment = parse_args(["migrate", "-s", "h", "-d", "lms", "-u", "loader"])
    shown = capsys.readouterr().out + repr(from_url) + repr(from_flag) + repr(from_environment)
    assert "s3cret" not in shown
    assert database_settings(from_flag).password.get_secret_value() == "flag-s3cret"


@pytest.mark.parametrize("command", ["load", "validate", "run"])
def test_every_csvpath_that_is_not_a_folder_is_named_in_one_line(command, tmp_path, capsys):
    (tmp_path / "a-file.csv").write_text("")
    error = usage_error([command, "-c", ROOT, "missing", "a-file.csv", *DB], capsys)
    assert error == (f"lms-pipeline {command}: error: --csvpath: no such folder: missing; not a folder: a-file.csv")


def test_a_csv_path_too_long_for_the_journal_is_refused_before_anything_starts(tmp_path, capsys):
    deep = tmp_path
    while len(str(deep)) < 1000:
        deep = deep / ("d" * 200)
    deep.mkdir(parents=True)
    error = usage_error(["load", "-c", str(deep), *DB], capsys)
    assert error.endswith(f"--csvpath: too long: a file's full path must fit in 1024 characters: {deep}")


def test_a_csv_path_from_the_environment_is_checked_too(monkeypatch, capsys):
    monkeypatch.setenv("CSV_PATH", "gone")
    assert usage_error(["load", *DB], capsys).endswith("--csvpath: no such folder: gone")


def test_a_missing_extract_folder_exits_2_at_once_without_importing_prefect(tmp_path):
    missing = str(tmp_path / "missing")
    script = (
        "import sys\nfrom lms_pipeline.cli import main\ntry:\n    main(sys.argv[1:])\n"
        "finally:\n    print('prefect' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "load", "-c", missing, "-e", "postgresql", *DB],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"lms-pipeline load: error: --csvpath: no such folder: {missing}"
    assert result.stdout == "False\n"


@pytest.mark.parametrize(
    "command, argv", [*((command, [*flags, *DB]) for command, flags in DATABASE_COMMANDS.items()), ("demo", [])]
)
def test_every_command_has_verbose(command, argv):
    assert parse_args([command, *argv]).verbose is False
    assert parse_args([command, *argv, "-v"]).verbose is True
    assert parse_args([command, "--verbose", *argv]).verbose is True


def test_setup_help_lists_only_the_flags_setup_uses(capsys):
    with pytest.raises(SystemExit):
        parse_args(["setup", "--help"])
    text = capsys.readouterr().out
    for flag in ("--webhook-url", "--expect-run-every", "--run-bound", "--database-url", "--password"):
        assert flag in text
    for flag in ("--lock-wait", "--statement-timeout", "--log-level", "--csvpath", "--allow-mass-delete"):
        assert flag not in text


def test_the_statement_timeout_is_minutes_and_zero_means_none(monkeypatch):
    base = ["load", "-c", ".", "-e", "postgresql", "-s", "h", "-d", "lms", "-u", "u", "-p", "p"]
    assert parse_args(base).statement_timeout == 60
    assert parse_args([*base, "--statement-timeout", "2.5"]).statement_timeout == 2.5
    assert parse_args([*base, "--statement-timeout", "0"]).statement_timeout is None
    monkeypatch.setenv("STATEMENT_TIMEOUT_MINUTES", "15")
    assert parse_args(base).statement_timeout == 15
    with pytest.raises(SystemExit):
        parse_args([*base, "--statement-timeout", "-1"])


def test_every_flag_of_every_command_is_documented():
    """README.md (the flags table, the quick start) or docs/OPERATIONS.md (setup) says what each flag does."""
    import argparse
    from pathlib import Path

    docs = "".join((Path(__file__).parent.parent / name).read_text() for name in ("README.md", "docs/OPERATIONS.md"))
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    flags = {o for command in commands.values() for a in command._actions for o in a.option_strings}
    assert "--rehash" in flags
    assert sorted(f for f in flags if f.startswith("--") and f != "--help" and f not in docs) == []
