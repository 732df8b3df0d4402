"""Connection settings: the URL and ODBC connection string of every option combination, and secrets kept secret.

The connection string is parsed back by the ODBC rules (a braced value may hold ';' and '}}' stands for '}'), so a
password is proved to reach the driver exactly as typed.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest
from sqlalchemy.dialects.mssql.pyodbc import MSDialect_pyodbc
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.engine import make_url

from lms_pipeline.cli import parse_args
from lms_pipeline.commands import database_settings
from lms_pipeline.store.settings import DatabaseSettings

DRIVERS = ["ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server", "FreeTDS"]
PASSWORDS = [
    "p@ss;w{o}rd=%/'\"",
    "{starts-with-a-brace",
    "ends-with-a-brace}",
    "plus+and%41percent",
    "colon:slash/at@hash#question?",
    "spaces inside it",
    "unicodé-€-密码",
]


BRACED = re.compile(r"\{((?:[^}]|\}\})*)\}")


def parse_odbc(connection_string: str) -> dict[str, str]:
    """Key=value pairs separated by ';'; a value in braces runs to the '}' that is not doubled."""
    pairs, rest = {}, connection_string
    while rest:
        key, rest = rest.split("=", 1)
        braced = BRACED.match(rest)
        if braced:
            value, rest = braced.group(1).replace("}}", "}"), rest[braced.end() :].removeprefix(";")
        else:
            value, _, rest = rest.partition(";")
        pairs[key.lower()] = value
    return pairs


def connects_with(settings: DatabaseSettings) -> dict[str, str]:
    """What pyodbc would be given: SQLAlchemy's connection string for the URL, parsed back."""
    (connection_string,), _ = MSDialect_pyodbc().create_connect_args(settings.url())
    return parse_odbc(connection_string)


def sql_server(password: str | None = None, **options) -> DatabaseSettings:
    return DatabaseSettings(engine="mssql", server="sql.example.org", dbname="lms_ds", **options).with_password(
        password
    )


@pytest.mark.parametrize(
    "integrated, encrypt, trust, port, driver",
    list(itertools.product([False, True], [False, True], [False, True], [None, 1444], DRIVERS)),
)
def test_sql_server_connection_for_every_option(integrated, encrypt, trust, port, driver):
    settings = sql_server(
        use_integrated_security=integrated,
        encrypt=encrypt,
        trust_certificate=trust,
        port=port,
        odbc_driver=driver,
        **({} if integrated else {"username": "loader", "password": "pw1"}),
    )
    expected = {
        "driver": driver,
        "server": f"sql.example.org,{port or 1433}",
        "database": "lms_ds",
        "encrypt": "yes" if encrypt else "no",
    }  # explicit: Driver 18 would encrypt by default
    expected |= {"trusted_connection": "Yes"} if integrated else {"uid": "loader", "pwd": "pw1"}
    if encrypt and trust:  # the reference trusts the certificate only of an encrypted connection
        expected["trustservercertificate"] = "yes"
    assert connects_with(settings) == expected
    assert parse_odbc(settings.odbc_connection_string()) == expected


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_password_reaches_sql_server_exactly(password):
    settings = sql_server(username="loader", password=password)
    assert connects_with(settings)["pwd"] == password
    # Rendered for a Prefect block or an environment variable and read back, the URL still carries it exactly.
    again = make_url(settings.url().render_as_string(hide_password=False))
    assert parse_odbc(MSDialect_pyodbc().create_connect_args(again)[0][0])["pwd"] == password


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_password_reaches_postgresql_exactly(password):
    settings = DatabaseSettings(
        engine="postgresql", server="pg.example.org", dbname="lms", username="loader"
    ).with_password(password)
    _, connect_kwargs = PGDialect_psycopg2().create_connect_args(settings.url())
    assert connect_kwargs["password"] == password


@pytest.mark.parametrize("engine", ["mssql", "postgresql"])
@pytest.mark.parametrize("password", PASSWORDS)
def test_a_password_never_shows(engine, password):
    settings = DatabaseSettings(engine=engine, server="db.example.org", dbname="lms", username="loader").with_password(
        password
    )
    for text in (settings.describe(), repr(settings), str(settings), str(settings.url()), repr(settings.url())):
        assert password not in text


@pytest.mark.parametrize("port, sslmode", list(itertools.product([None, 6543], [None, "require", "verify-full"])))
def test_postgresql_connection_with_port_and_sslmode(port, sslmode):
    settings = DatabaseSettings(
        engine="postgresql", server="pg.example.org", port=port, dbname="lms", username="loader", sslmode=sslmode
    ).with_password("pw1")
    _, connect_kwargs = PGDialect_psycopg2().create_connect_args(settings.url())
    assert connect_kwargs == {
        "host": "pg.example.org",
        "port": port or 5432,
        "dbname": "lms",
        "user": "loader",
        "password": "pw1",
        "application_name": "lms-pipeline",
        **({"sslmode": sslmode} if sslmode else {}),
    }


def test_postgresql_through_a_socket_folder():
    settings = DatabaseSettings(engine="postgresql", server="/run/postgresql", dbname="lms", username="loader")
    _, connect_kwargs = PGDialect_psycopg2().create_connect_args(settings.url())
    assert connect_kwargs["host"] == "/run/postgresql" and "port" not in connect_kwargs


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "mssql+pyodbc://sa:pw1@sql.example.org:1444/lms?driver=ODBC+Driver+17+for+SQL+Server&Encrypt=yes&"
            + "TrustServerCertificate=yes",
            {
                "engine": "mssql",
                "server": "sql.example.org",
                "port": 1444,
                "dbname": "lms",
                "username": "sa",
                "use_integrated_security": False,
                "encrypt": True,
                "trust_certificate": True,
                "odbc_driver": "ODBC Driver 17 for SQL Server",
            },
        ),
        (
            "mssql+pyodbc://sql.example.org/lms?driver=FreeTDS",
            {
                "engine": "mssql",
                "port": None,
                "username": None,
                "use_integrated_security": True,
                "encrypt": False,
                "odbc_driver": "FreeTDS",
            },
        ),
        (
            "postgresql://loader:pw1@pg.example.org:6543/lms?sslmode=require",
            {"engine": "postgresql", "server": "pg.example.org", "port": 6543, "dbname": "lms", "sslmode": "require"},
        ),
    ],
    ids=["sql-server", "sql-server-integrated", "postgresql"],
)
def test_settings_from_a_url_keep_its_options(url, expected):
    settings = DatabaseSettings.from_url(url)
    assert {name: getattr(settings, name) for name in expected} == expected


# --- the command line --------------------------------------------------------------------------------------------

DB = ["-s", "sql.example.org", "-d", "lms_ds"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in (
        "DB_ENGINE",
        "DB_SERVER",
        "DB_PORT",
        "DB_NAME",
        "DB_USERNAME",
        "DB_PASSWORD",
        "ODBC_DRIVER",
        "USE_INTEGRATED_SECURITY",
        "ENCRYPT_SQL_CONNECTION",
        "TRUST_SERVER_CERTIFICATE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the working folder


def test_the_command_line_loads_into_sql_server():
    args = parse_args(["migrate", "-e", "mssql", *DB, "-u", "loader", "-p", "p;w}d", "-n", "-t"])
    assert connects_with(database_settings(args)) == {
        "driver": "ODBC Driver 18 for SQL Server",
        "server": "sql.example.org,1433",
        "database": "lms_ds",
        "uid": "loader",
        "pwd": "p;w}d",
        "encrypt": "yes",
        "trustservercertificate": "yes",
    }


def test_the_odbc_driver_comes_from_its_flag_or_the_environment(monkeypatch):
    argv = ["migrate", "-e", "mssql", *DB, "-i"]
    assert database_settings(parse_args([*argv, "--odbc-driver", "FreeTDS"])).odbc_driver == "FreeTDS"
    monkeypatch.setenv("ODBC_DRIVER", "ODBC Driver 17 for SQL Server")
    assert database_settings(parse_args(argv)).odbc_driver == "ODBC Driver 17 for SQL Server"


def test_sql_server_needs_a_user_and_password_without_integrated_security(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["load", "-c", "x", "-e", "mssql", *DB, "-u", "loader"])
    assert exit_info.value.code == 2
    assert "--password are required unless --useintegratedsecurity" in capsys.readouterr().err


def test_postgresql_users_need_no_odbc():
    """pyodbc needs the system's unixODBC: importing the pipeline and connecting to PostgreSQL must not load it."""
    program = (
        "import sys\n"
        "import lms_pipeline.cli, lms_pipeline.flows.pipeline\n"
        "from lms_pipeline.store.settings import DatabaseSettings\n"
        "from lms_pipeline.store.connections import make_engine\n"
        "make_engine(DatabaseSettings(dbname='lms', username='u').with_password('p'))\n"
        "DatabaseSettings(engine='mssql', dbname='lms', username='u').with_password('p').odbc_connection_string()\n"
        "print('pyodbc' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=False)
    assert result.stdout.strip() == "False", result.stderr
