"""Connection settings for the target database, and the SQLAlchemy URL built from them.

The password is not a field: a field is a flow parameter, and Prefect stores and shows a run's parameters as they
were given. It is a private attribute, a pydantic SecretStr, which the settings carry within one process (from the
command line into the flow and its subflows) and which no serialization includes. A deployment's run finds it
where secrets belong: in a Secret block named by `password_secret_block`, or in the worker's environment
(LMS_DATABASE_PASSWORD). The URL that carries it is rendered with the password hidden everywhere except the one
call that connects. How the URL is built is each engine's own (lms_pipeline/store/engines).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from enum import Enum
from typing import Protocol, cast

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr
from sqlalchemy.engine import URL, make_url

from lms_pipeline.store.engines import EngineDialect, dialect_for

DEFAULT_ODBC_DRIVER = "ODBC Driver 18 for SQL Server"
PASSWORD_VARIABLE = "LMS_DATABASE_PASSWORD"  # the worker's environment variable for the password


class Connector(Protocol):
    """What from_connector reads of a prefect-sqlalchemy SqlAlchemyConnector block (the core imports no Prefect)."""

    @property
    def connection_info(self) -> object: ...


class EngineName(str, Enum):
    """The engines the settings' schema offers: the modules of lms_pipeline/store/engines, by name (a unit test
    checks that the two agree)."""

    POSTGRESQL = "postgresql"
    MSSQL = "mssql"


class DatabaseSettings(BaseModel):
    """Where the LMS data store (and, for harmonization, the Ed-Fi ODS) lives; the password is kept apart."""

    # A password given as a parameter is refused, and by the server before it stores the run: the schema says so.
    model_config = ConfigDict(extra="forbid")

    engine: EngineName = Field(EngineName.POSTGRESQL, description="postgresql or mssql")
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
    def dialect(self) -> EngineDialect:
        """Everything in which the settings' engine differs from the others."""
        return dialect_for(self.engine.value)

    @property
    def effective_port(self) -> int:
        return self.port or self.dialect.default_port

    def url(self) -> URL:
        """The SQLAlchemy URL. str() of it hides the password; URL objects escape special characters."""
        return self.dialect.url(self)

    def odbc_connection_string(self) -> str:
        """The ODBC connection string pyodbc receives for SQL Server, exactly as SQLAlchemy writes it from url()."""
        return self.dialect.odbc_connection_string(self)

    @classmethod
    def from_url(cls, url: str) -> DatabaseSettings:
        """Settings from a SQLAlchemy-style URL: postgresql://user:pw@host:port/db?host=/socket/folder&sslmode=...
        or mssql+pyodbc://user:pw@host:port/db?driver=...&Encrypt=yes&TrustServerCertificate=yes, where a URL
        without a user means integrated security, as it does to SQLAlchemy. The engine reads its own options."""
        parsed = make_url(url)
        # Text per key; a key given twice is a tuple of its values, which no engine's option takes: the URL fails.
        query = cast(dict[str, str], {key.lower(): value for key, value in parsed.query.items()})
        common = {
            "server": query.get("host") or parsed.host or "localhost",
            "port": parsed.port,
            "username": parsed.username,
        }
        dialect = dialect_for(parsed.get_backend_name())  # ValueError for an engine lms-pipeline does not know
        settings = cls(engine=EngineName(dialect.name), **common, **dialect.settings_from_url(parsed, query))
        return settings.with_password(parsed.password or None)

    @classmethod
    def from_connector(cls, connector: Connector) -> DatabaseSettings:
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
