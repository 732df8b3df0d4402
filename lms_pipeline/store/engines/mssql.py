"""SQL Server, through pyodbc: everything in which it differs from the other engines.

pyodbc is imported by SQLAlchemy when a connection is made, never by this module: a PostgreSQL user needs no ODBC.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Connection, Engine, TextClause, create_engine, event, text
from sqlalchemy.dialects.mssql.pyodbc import MSDialect_pyodbc  # SQL text only: pyodbc is imported on connect

from lms_pipeline.store.engines import LOCK_NAME, ConnectionSettings, EngineDialect
from lms_pipeline.validation.copy_text import CopyText

if TYPE_CHECKING:  # frames arrive here already built: the import is for annotations only
    import pandas as pd

# pyodbc binds a whole executemany call at once, each row as wide as its declared columns: chunks bound memory.
BULK_ROWS = 5000
GO_LINE = re.compile(r"^\s*GO\s*;?\s*$", flags=re.IGNORECASE | re.MULTILINE)


class SqlServer(EngineDialect):
    name = "mssql"
    driver = "pyodbc"
    default_port = 1433
    # SQL Server takes at most 2,100 parameters in one statement: lists bound into IN (...) go in parts.
    in_list_limit = 1000
    # A deadlock victim (error 1205) is reported as 40001.
    transient_sqlstates = frozenset({"40001"})
    cancelled_sqlstates = frozenset({"HYT00"})  # ODBC's query timeout
    # The MS_Description extended property of the edfi schema, which the ODS fixture's first script sets.
    ods_description_query = (
        "SELECT CAST(p.value AS NVARCHAR(4000)) FROM sys.schemas s LEFT JOIN sys.extended_properties p "
        "ON p.class = 3 AND p.major_id = s.schema_id AND p.name = N'MS_Description' WHERE s.name = N'edfi'"
    )
    # No T-SQL DDL of the real ODS: the demo uses the stand-in of sql/mssql/ods_fixture.
    ods_ddl_folders = ()

    # --- connecting ---------------------------------------------------------------------------------------------

    def url(self, settings: ConnectionSettings) -> URL:
        """The password stays in the URL's password field (not in an odbc_connect string, which str() would show):
        SQLAlchemy's pyodbc dialect writes the ODBC connection string from the URL, bracing values as ODBC needs.
        Without a user in the URL, SQLAlchemy adds Trusted_Connection=Yes: integrated security."""
        integrated = settings.use_integrated_security
        password = settings.password.get_secret_value() if settings.password else None
        return URL.create(
            "mssql+pyodbc",
            username=None if integrated else settings.username,
            password=None if integrated else password,
            host=settings.server,
            port=settings.effective_port,
            database=settings.dbname,
            query=_odbc_options(settings),
        )

    def settings_from_url(self, url: URL, query: dict[str, str]) -> dict[str, Any]:
        """A URL without a user means integrated security, as it does to SQLAlchemy."""
        fields: dict[str, Any] = {
            "dbname": url.database or "master",
            "use_integrated_security": url.username is None,
            "encrypt": _is_yes(query.get("encrypt")),
            "trust_certificate": _is_yes(query.get("trustservercertificate")),
        }
        if "driver" in query:
            fields["odbc_driver"] = query["driver"]
        return fields

    def create_engine(self, settings: ConnectionSettings, **kwargs: Any) -> Engine:
        """The statement timeout is pyodbc's query timeout, in whole seconds, set on each new connection."""
        engine = create_engine(settings.url(), fast_executemany=True, pool_pre_ping=True, **kwargs)
        timeout = settings.statement_timeout_seconds
        if timeout:
            event.listen(engine, "connect", lambda connection, _: setattr(connection, "timeout", math.ceil(timeout)))
        return engine

    def odbc_connection_string(self, settings: ConnectionSettings) -> str:
        """Exactly as SQLAlchemy writes it from url()."""
        # SQLAlchemy leaves its dialects' __init__ unannotated.
        (connection_string,), _ = MSDialect_pyodbc().create_connect_args(self.url(settings))  # type: ignore[no-untyped-call]
        return connection_string

    # --- errors -------------------------------------------------------------------------------------------------

    def sqlstate(self, orig: BaseException | None) -> str | None:
        args = getattr(orig, "args", ())  # pyodbc: (sqlstate, message)
        return args[0] if args and isinstance(args[0], str) and len(args[0]) == 5 else None

    # --- naming, scripts and the journal ------------------------------------------------------------------------

    def table_name(self, name: str) -> str:
        return name

    def script_batches(self, sql: str) -> list[str]:
        """Split on GO lines, as sqlcmd does."""
        return [batch for batch in GO_LINE.split(sql) if batch.strip()]

    def run_script_batch(self, cursor: Any, batch: str) -> None:
        cursor.execute(batch)
        while cursor.nextset():  # pyodbc raises a statement's error only when its result set is reached
            pass

    def ensure_journal_columns(self, conn: Connection) -> None:
        conn.execute(
            text(
                "IF COL_LENGTH('lms.MigrationJournal', 'Checksum') IS NULL "
                "ALTER TABLE lms.MigrationJournal ADD Checksum CHAR(64) NULL"
            )
        )

    # --- the run lock -------------------------------------------------------------------------------------------

    def try_lock(self, conn: Connection) -> bool:
        # NOCOUNT: a row count the procedure reports would otherwise come back ahead of the SELECT's result.
        result = conn.execute(
            text(
                "SET NOCOUNT ON; DECLARE @r INT; EXEC @r = sp_getapplock @Resource = :name, "
                "@LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0; SELECT @r"
            ),
            {"name": LOCK_NAME},
        ).scalar()
        return result is not None and result >= 0

    def unlock(self, conn: Connection) -> None:
        conn.execute(text("EXEC sp_releaseapplock @Resource = :name, @LockOwner = 'Session'"), {"name": LOCK_NAME})

    # --- staging ------------------------------------------------------------------------------------------------

    def bulk_stage(self, conn: Connection, table: str, columns: list[str], rows: pd.DataFrame | CopyText) -> None:
        """Array-bound inserts (pyodbc fast_executemany) inside the caller's transaction: one round trip per
        chunk of rows, never one per row."""
        assert not isinstance(rows, CopyText), "SQL Server stages frames: stages_copy_text is False"
        frame = rows
        column_list = ", ".join(f"[{c}]" for c in columns)
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO lms.[{table}] ({column_list}) VALUES ({placeholders})"
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None, "a Connection in use holds its DB-API connection"
        cursor = dbapi.cursor()
        try:
            # pyodbc's own attribute, which SQLAlchemy's DBAPICursor protocol (PEP 249's) cannot know of.
            cursor.fast_executemany = True  # type: ignore[attr-defined]
            for start in range(0, len(frame), BULK_ROWS):
                cursor.executemany(sql, _bindable_rows(frame.iloc[start : start + BULK_ROWS]))
        finally:
            cursor.close()

    # --- the harmonizer -----------------------------------------------------------------------------------------
    # The tallies are session context values (lms_harmonizer.<counter>), which outlive a transaction and come back
    # with a pooled connection: they are cleared before the procedures run.

    def call(self, procedure: str, parameters: tuple[str, ...]) -> TextClause:
        arguments = ", ".join(f"@{p} = :{p.lower()}" for p in parameters)
        return text(f"EXEC {procedure} {arguments}".rstrip())

    def clear_tallies(self, conn: Connection, counters: tuple[str, ...]) -> None:
        conn.execute(
            text(
                "; ".join(
                    f"EXEC sys.sp_set_session_context @key = N'lms_harmonizer.{counter}', @value = NULL"
                    for counter in counters
                )
            )
        )

    def change_counts(self, conn: Connection, counters: tuple[str, ...]) -> dict[str, int | None]:
        read = ", ".join(
            f"CAST(SESSION_CONTEXT(N'lms_harmonizer.{counter}') AS BIGINT) AS {counter}" for counter in counters
        )
        counts = conn.execute(text(f"SELECT {read}")).mappings().one()
        return {counter: None if counts[counter] is None else int(counts[counter]) for counter in counters}


def _odbc_options(settings: ConnectionSettings) -> dict[str, str]:
    """The driver and the reference's encryption rule. Encrypt=no is explicit because ODBC Driver 18 encrypts by
    default, which the reference (ODBC Driver 17) did not."""
    options = {"driver": settings.odbc_driver, "Encrypt": "yes" if settings.encrypt else "no"}
    if settings.encrypt and settings.trust_certificate:
        options["TrustServerCertificate"] = "yes"
    return options


def _is_yes(value: str | None) -> bool:
    return (value or "").strip().lower() in ("yes", "true", "1")


def _bindable_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Plain Python values, as pyodbc binds them: None for every kind of missing value (NaN, NaT, pd.NA)."""
    return list(frame.astype("object").where(frame.notna(), None).itertuples(index=False, name=None))


DIALECT = SqlServer()
