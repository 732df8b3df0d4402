"""Connection settings for the target database, and the SQLAlchemy URL built from them.

The password is not a field: a field is a flow parameter, and Prefect stores and shows a run's parameters as they
were given. It is a private attribute, a pydantic SecretStr, which the settings carry within one process (from the
command line into the flow and its subflows) and which no serialization includes. A deployment's run finds it
where secrets belong: in a Secret block named by `password_secret_block`, or in the worker's environment
(LMS_DATABASE_PASSWORD). The URL that carries it is rendered with the password hidden everywhere except the one
call that connects. For SQL
Server the password stays in the URL's password field too (not in an odbc_connect string, which str() would
show): SQLAlchemy's pyodbc dialect writes the ODBC connection string from the URL, bracing values as ODBC needs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr
from sqlalchemy.dialects.mssql.pyodbc import MSDialect_pyodbc  # SQL text only: pyodbc is imported on connect
from sqlalchemy.engine import URL, make_url

DEFAULT_PORTS = {"postgresql": 5432, "mssql": 1433}
DEFAULT_ODBC_DRIVER = "ODBC Driver 18 for SQL Server"
PASSWORD_VARIABLE = "LMS_DATABASE_PASSWORD"  # the worker's environment variable for the password


class Engine(str, Enum):
    POSTGRESQL = "postgresql"
    MSSQL = "mssql"


class DatabaseSettings(BaseModel):
    """Where the LMS data store (and, for harmonization, the Ed-Fi ODS) lives; the password is kept apart."""

    # A password given as a parameter is refused, and by the server before it stores the run: the schema says so.
    model_config = ConfigDict(extra="forbid")

    engine: Engine = Field(Engine.POSTGRESQL, description="postgresql or mssql")
    server: str = Field("localhost", description="Host name, address, or a socket folder for PostgreSQL")
    port: int | None = Field(None, description="TCP port; empty means 5432 for PostgreSQL and 1433 for SQL Server")
    dbname: str = Field(..., description="Database name")
    username: str | None = Field(None, description="Database user")
    password_secret_block: str | None = Field(
        None,
        description=f"Name of a Prefect Secret block holding the password; empty: the worker's environment "
        f"variable {PASSWORD_VARIABLE}. Never the password itself.",
    )
    use_integrated_security: bool = Field(False, description="SQL Server Windows/Kerberos authentication")
    encrypt: bool = Field(False, description="SQL Server: encrypt the connection")
    trust_certificate: bool = Field(False, description="SQL Server: trust the server certificate")
    sslmode: str | None = Field(None, description="PostgreSQL sslmode (disable, require, verify-full, ...)")
    odbc_driver: str = Field(DEFAULT_ODBC_DRIVER, description="SQL Server ODBC driver name")

    _password: SecretStr | None = PrivateAttr(None)
    _statement_timeout: float | None = PrivateAttr(None)  # seconds: the run's bound on one statement

    @property
    def password(self) -> SecretStr | None:
        return self._password

    def with_password(self, password: str | SecretStr | None) -> DatabaseSettings:
        copy = self.model_copy()
        copy._password = SecretStr(password) if isinstance(password, str) else password
        return copy

    @property
    def statement_timeout_seconds(self) -> float | None:
        return self._statement_timeout

    def with_statement_timeout(self, minutes: float | None) -> DatabaseSettings:
        copy = self.model_copy()
        copy._statement_timeout = minutes * 60 if minutes else None
        return copy

    def with_secrets(self, read_secret: Callable[[str], str]) -> DatabaseSettings:
        """These settings with their password, from wherever a run that was not given one finds it: the secret
        they name, read by `read_secret` (a Prefect Secret block, for the flow), else the environment. In a run
        started by a deployment, the password comes from here."""
        if self._password is not None or self.use_integrated_security:
            return self
        if self.password_secret_block:
            return self.with_password(read_secret(self.password_secret_block))
        return self.with_password(os.environ.get(PASSWORD_VARIABLE) or None)

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.engine.value]

    def url(self) -> URL:
        """The SQLAlchemy URL. str() of it hides the password; URL objects escape special characters."""
        password = self.password.get_secret_value() if self.password else None
        if self.engine is Engine.POSTGRESQL:
            query = {"application_name": "lms-pipeline"}
            if self.sslmode:
                query["sslmode"] = self.sslmode
            host, port = self.server, self.effective_port
            if self.server.startswith("/"):  # a unix-socket folder, as the embedded server gives
                query["host"] = self.server
                host = None
            return URL.create(
                "postgresql+psycopg2",
                username=self.username,
                password=password,
                host=host,
                port=port if host else None,
                database=self.dbname,
                query=query,
            )
        integrated = self.use_integrated_security  # no user in the URL: SQLAlchemy adds Trusted_Connection=Yes
        return URL.create(
            "mssql+pyodbc",
            username=None if integrated else self.username,
            password=None if integrated else password,
            host=self.server,
            port=self.effective_port,
            database=self.dbname,
            query=self._odbc_options(),
        )

    def _odbc_options(self) -> dict[str, str]:
        """The driver and the reference's encryption rule. Encrypt=no is explicit because ODBC Driver 18
        encrypts by default, which the reference (ODBC Driver 17) did not."""
        options = {"driver": self.odbc_driver, "Encrypt": "yes" if self.encrypt else "no"}
        if self.encrypt and self.trust_certificate:
            options["TrustServerCertificate"] = "yes"
        return options

    def odbc_connection_string(self) -> str:
        """The ODBC connection string pyodbc receives for SQL Server, exactly as SQLAlchemy writes it from url()."""
        (connection_string,), _ = MSDialect_pyodbc().create_connect_args(self.url())
        return connection_string

    @classmethod
    def from_url(cls, url: str) -> DatabaseSettings:
        """Settings from a SQLAlchemy-style URL: postgresql://user:pw@host:port/db?host=/socket/folder&sslmode=...
        or mssql+pyodbc://user:pw@host:port/db?driver=...&Encrypt=yes&TrustServerCertificate=yes, where a URL
        without a user means integrated security, as it does to SQLAlchemy."""
        parsed = make_url(url)
        query = {key.lower(): value for key, value in parsed.query.items()}
        common = {
            "server": query.get("host") or parsed.host or "localhost",
            "port": parsed.port,
            "username": parsed.username,
        }
        if parsed.get_backend_name() == "mssql":
            settings = cls(
                engine=Engine.MSSQL,
                dbname=parsed.database or "master",
                use_integrated_security=parsed.username is None,
                encrypt=_is_yes(query.get("encrypt")),
                trust_certificate=_is_yes(query.get("trustservercertificate")),
                odbc_driver=query.get("driver", DEFAULT_ODBC_DRIVER),
                **common,
            )
        else:
            settings = cls(
                engine=Engine.POSTGRESQL, dbname=parsed.database or "postgres", sslmode=query.get("sslmode"), **common
            )
        return settings.with_password(parsed.password or None)

    @classmethod
    def from_connector(cls, connector) -> DatabaseSettings:
        """Settings from a prefect-sqlalchemy SqlAlchemyConnector block, whether it holds components or a URL."""
        info = connector.connection_info
        if hasattr(info, "create_url"):
            return cls.from_url(info.create_url().render_as_string(hide_password=False))
        return cls.from_url(info.get_secret_value() if hasattr(info, "get_secret_value") else str(info))

    def with_database(self, dbname: str) -> DatabaseSettings:
        return self.model_copy(update={"dbname": dbname})  # the password goes along: private attributes are copied

    def describe(self) -> str:
        """A one-line description for logs: never the password."""
        who = "integrated security" if self.use_integrated_security else (self.username or "(no user)")
        return f"{self.engine.value}://{who}@{self.server}:{self.effective_port}/{self.dbname}"


def _is_yes(value: str | None) -> bool:
    return (value or "").strip().lower() in ("yes", "true", "1")
