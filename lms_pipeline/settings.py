"""Connection settings for the target database, and the SQLAlchemy URL built from them.

The password is held as a pydantic SecretStr: it prints as '**********', Prefect shows it obfuscated, and the
URL that carries it is rendered with the password hidden everywhere except the one call that connects.
"""

from __future__ import annotations

from enum import Enum
from pydantic import BaseModel, Field, SecretStr
from sqlalchemy.engine import URL, make_url

DEFAULT_PORTS = {"postgresql": 5432, "mssql": 1433}
DEFAULT_ODBC_DRIVER = "ODBC Driver 18 for SQL Server"


class Engine(str, Enum):
    POSTGRESQL = "postgresql"
    MSSQL = "mssql"


class DatabaseSettings(BaseModel):
    """Where the LMS data store (and, for harmonization, the Ed-Fi ODS) lives."""

    engine: Engine = Field(Engine.POSTGRESQL, description="postgresql or mssql")
    server: str = Field("localhost", description="Host name, address, or a socket folder for PostgreSQL")
    port: int | None = Field(None, description="TCP port; empty means 5432 for PostgreSQL and 1433 for SQL Server")
    dbname: str = Field(..., description="Database name")
    username: str | None = Field(None, description="Database user")
    password: SecretStr | None = Field(None, description="Database password (kept secret)")
    use_integrated_security: bool = Field(False, description="SQL Server Windows/Kerberos authentication")
    encrypt: bool = Field(False, description="SQL Server: encrypt the connection")
    trust_certificate: bool = Field(False, description="SQL Server: trust the server certificate")
    sslmode: str | None = Field(None, description="PostgreSQL sslmode (disable, require, verify-full, ...)")
    odbc_driver: str = Field(DEFAULT_ODBC_DRIVER, description="SQL Server ODBC driver name")

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
        return URL.create(
            "mssql+pyodbc",
            query={"odbc_connect": self.odbc_connection_string()},
        )

    def odbc_connection_string(self) -> str:
        """The ODBC connection string for SQL Server; values are braced so ';' and '}' in a password are safe."""
        parts = {
            "DRIVER": self.odbc_driver,
            "SERVER": f"{self.server},{self.effective_port}",
            "DATABASE": self.dbname,
        }
        if self.use_integrated_security:
            parts["Trusted_Connection"] = "yes"
        else:
            parts["UID"] = self.username or ""
            parts["PWD"] = self.password.get_secret_value() if self.password else ""
        if self.encrypt:
            parts["Encrypt"] = "yes"
            if self.trust_certificate:
                parts["TrustServerCertificate"] = "yes"
        else:
            parts["Encrypt"] = "no"
        return ";".join(f"{k}={_odbc_value(v)}" for k, v in parts.items())

    @classmethod
    def from_url(cls, url: str) -> "DatabaseSettings":
        """Settings from a SQLAlchemy-style URL (postgresql://user:pw@host:port/db?host=/socket/folder)."""
        parsed = make_url(url)
        engine = Engine.MSSQL if parsed.get_backend_name() == "mssql" else Engine.POSTGRESQL
        return cls(
            engine=engine,
            server=parsed.query.get("host") or parsed.host or "localhost",
            port=parsed.port,
            dbname=parsed.database or "postgres",
            username=parsed.username,
            password=SecretStr(parsed.password) if parsed.password else None,
        )

    def with_database(self, dbname: str) -> "DatabaseSettings":
        return self.model_copy(update={"dbname": dbname})

    def describe(self) -> str:
        """A one-line description for logs: never the password."""
        who = "integrated security" if self.use_integrated_security else (self.username or "(no user)")
        return f"{self.engine.value}://{who}@{self.server}:{self.effective_port}/{self.dbname}"


def _odbc_value(value: str) -> str:
    if any(ch in value for ch in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value

