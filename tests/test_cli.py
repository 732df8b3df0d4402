"""The command line: the reference loader's flags and environment variables, exit codes, secrets."""

import os
import subprocess
import sys

import pytest

from lms_pipeline.cli import database_settings, parse_args

DB = ["-s", "db.example.org", "-d", "lms", "-u", "loader", "-p", "pw"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ("CSV_PATH", "DB_ENGINE", "DB_SERVER", "DB_PORT", "DB_NAME", "DB_USERNAME", "DB_PASSWORD",
                 "USE_INTEGRATED_SECURITY", "LOG_LEVEL", "ENCRYPT_SQL_CONNECTION", "TRUST_SERVER_CERTIFICATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("argv", [[], ["load"], ["load", "-s", "x", "-d", "y", "-u", "a", "-p", "b"],
                                  ["load", "-c", "x", "-s", "x", "-u", "a", "-p", "b"]])
def test_missing_required_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "required" in capsys.readouterr().err


def test_engine_defaults_to_mssql_as_the_reference():
    args = parse_args(["load", "-c", "x", "-e", "postgresql", *DB])
    assert args.engine == "postgresql"
    from lms_pipeline.cli import build_parser
    assert build_parser().parse_args(["load", "-c", "x", *DB]).engine == "mssql"


def test_username_and_password_are_required_without_integrated_security(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["load", "-c", "x", "-e", "postgresql", "-s", "h", "-d", "db", "-u", "loader"])
    assert exit_info.value.code == 2
    assert "--password are required unless --useintegratedsecurity" in capsys.readouterr().err


def test_environment_variables_and_dotenv_fill_in_for_flags(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DB_SERVER=from-dotenv\nDB_NAME=lms\nDB_PASSWORD=secret\n")
    monkeypatch.setenv("CSV_PATH", "/extracts/canvas")
    monkeypatch.setenv("DB_ENGINE", "postgresql")
    monkeypatch.setenv("DB_USERNAME", "loader")
    monkeypatch.setenv("DB_PORT", "6543")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    args = parse_args(["load"])
    settings = database_settings(args)
    assert (args.csvpath, settings.server, settings.effective_port, args.log_level) == (
        ["/extracts/canvas"], "from-dotenv", 6543, "DEBUG")
    assert settings.password.get_secret_value() == "secret"


def test_port_defaults_by_engine():
    settings = database_settings(parse_args(["load", "-c", "x", "-e", "postgresql", *DB]))
    assert settings.effective_port == 5432
    settings = database_settings(parse_args(["load", "-c", "x", "-e", "postgresql", "--port", "0", *DB]))
    assert settings.effective_port == 5432


def test_integrated_security_flag_from_environment_words(monkeypatch):
    monkeypatch.setenv("USE_INTEGRATED_SECURITY", "Yes")
    args = parse_args(["load", "-c", "x", "-e", "postgresql", "-s", "h", "-d", "db"])
    assert args.useintegratedsecurity is True


def test_password_never_shows_in_settings_text():
    settings = database_settings(parse_args(["load", "-c", "x", "-e", "postgresql", *DB]))
    for text in (str(settings), repr(settings), settings.describe(), str(settings.url())):
        assert "pw" not in text.replace("pwd", "")


def run_cli(*argv, env=None):
    return subprocess.run([sys.executable, "-m", "lms_pipeline.cli", *argv], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_a_bad_argument_value_exits_2():
    result = run_cli("load", "-c", "x", "-e", "oracle", *DB)
    assert result.returncode == 2
    assert "invalid choice: 'oracle'" in result.stderr


@pytest.mark.prefect
def test_load_from_the_terminal_runs_the_flow_and_prints_the_summary(db, fixture_tree, prefect_api, query):
    root = fixture_tree("starter-kit-sample")
    password = "terminal-secret-123"
    result = run_cli("load", "-c", str(root), "-e", "postgresql", "-s", db.server, "--port",
                     str(db.effective_port), "-d", db.dbname, "-u", db.username or "postgres", "-p", password,
                     "-l", "DEBUG")
    assert result.returncode == 0, result.stderr
    assert "submissions" in result.stdout and "901" in result.stdout
    assert password not in result.stdout + result.stderr
    assert query("SELECT outcome, rowsinserted FROM lms.loadrun") == [("succeeded", 1176)]


@pytest.mark.prefect
def test_a_failed_load_exits_1_and_names_the_cause(tmp_path, prefect_api):
    result = run_cli("load", "-c", str(tmp_path / "missing"), "-e", "postgresql", *DB)
    assert result.returncode == 1
    assert "extract folder not found" in result.stderr
