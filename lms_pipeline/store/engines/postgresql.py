"""PostgreSQL, through psycopg2: everything in which it differs from the other engines."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Connection, Engine, TextClause, bindparam, create_engine, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from lms_pipeline.store.engines import ConnectionSettings, EngineDialect
from lms_pipeline.validation.copy_text import CopyText, csv_slices

if TYPE_CHECKING:  # frames arrive here already built: the import is for annotations only
    import pandas as pd

LOCK_KEY = 0x4C4D53_5049_50  # "LMSPIP": a fixed bigint for pg_advisory_lock
COPY_READ_CHARS = 1 << 20
# ANALYZE after a batch samples 300 x this many rows. The merge's plans need row counts, the share of soft-deleted
# rows and whether a key is unique, which a 3,000-row sample gives as well as the default 30,000 (n_distinct of a
# district batch's 2,000 assignments: 1,985 instead of 2,000); the batch's statistics cost 0.03 s instead of
# 0.42 s (submissions, 60,000 staged rows, 600,000 live). Autovacuum's later ANALYZE keeps the server's target.
BATCH_STATISTICS_TARGET = 10

# The harmonizer's tallies are transaction-local settings (lms_harmonizer.<counter>): each transaction starts
# without them.
CHANGE_COUNTS = text(
    "SELECT counter, current_setting('lms_harmonizer.' || counter, true) FROM unnest(:counters) AS counter"
).bindparams(bindparam("counters", type_=ARRAY(Text)))


class PostgreSQL(EngineDialect):
    name = "postgresql"
    driver = "psycopg2"
    default_port = 5432
    # Not the server's bound (65,535 parameters a statement): the same parts as on SQL Server keep statements small.
    in_list_limit = 1000
    # Deadlocks, serialization failures, and a server shutting down or starting up.
    transient_sqlstates = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})
    cancelled_sqlstates = frozenset({"57014"})  # query_canceled
    stages_copy_text = True
    ods_description_query = "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'edfi'"
    ods_ddl_folders = ("edfi_ods_5_2/core", "edfi_ods_5_2/lmsx", "edfi_ods_5_2/lmsx/Changes")  # NOTICE.md's order

    # --- connecting ---------------------------------------------------------------------------------------------

    def url(self, settings: ConnectionSettings) -> URL:
        query = {"application_name": "lms-pipeline"}
        if settings.sslmode:
            query["sslmode"] = settings.sslmode
        host: str | None = settings.server
        if settings.server.startswith("/"):  # a unix-socket folder, as the embedded server gives
            query["host"] = settings.server
            host = None
        return URL.create(
            "postgresql+psycopg2",
            username=settings.username,
            password=settings.password.get_secret_value() if settings.password else None,
            host=host,
            port=settings.effective_port if host else None,
            database=settings.dbname,
            query=query,
        )

    def settings_from_url(self, url: URL, query: dict[str, str]) -> dict[str, Any]:
        return {"dbname": url.database or "postgres", "sslmode": query.get("sslmode")}

    def create_engine(self, settings: ConnectionSettings, **kwargs: Any) -> Engine:
        """The statement timeout is the server's statement_timeout, set for each session when it connects."""
        timeout = settings.statement_timeout_seconds
        if timeout:
            kwargs["connect_args"] = {
                "options": f"-c statement_timeout={math.ceil(timeout * 1000)}",
                **kwargs.get("connect_args", {}),
            }
        return create_engine(settings.url(), pool_pre_ping=True, **kwargs)

    # --- errors -------------------------------------------------------------------------------------------------

    def sqlstate(self, orig: BaseException | None) -> str | None:
        return getattr(orig, "pgcode", None) or None

    # --- naming, scripts and the journal ------------------------------------------------------------------------

    def table_name(self, name: str) -> str:
        return name.lower()

    def script_batches(self, sql: str) -> list[str]:
        return [sql]  # psycopg2 runs a whole script as one batch

    def ensure_journal_columns(self, conn: Connection) -> None:
        # Checked first: ALTER TABLE needs the table's owner even when it would change nothing, and a runtime
        # role that runs the migrations phase with nothing left to apply does not own it.
        present = conn.execute(
            text(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = 'lms' "
                "AND table_name = 'migrationjournal' AND column_name = 'checksum'"
            )
        ).first()
        if present is None:
            conn.execute(text("ALTER TABLE lms.migrationjournal ADD COLUMN checksum CHAR(64) NULL"))

    # --- the run lock -------------------------------------------------------------------------------------------

    def try_lock(self, conn: Connection) -> bool:
        return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())

    def unlock(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})

    # --- staging ------------------------------------------------------------------------------------------------

    def bulk_stage(self, conn: Connection, table: str, columns: list[str], rows: pd.DataFrame | CopyText) -> None:
        """COPY the rows into lms.<table> inside the caller's transaction."""
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None, "a Connection in use holds its DB-API connection"
        cursor = dbapi.cursor()
        try:
            copy = f"COPY lms.{table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
            if isinstance(rows, CopyText):
                # As text, which psycopg2 encodes for the connection, whatever the server's encoding; newline="" keeps
                # the line ends and the line breaks inside quoted values as they were rendered.
                with open(rows.path, encoding="utf-8", newline="") as text:
                    cursor.copy_expert(copy, text, size=COPY_READ_CHARS)
            else:
                cursor.copy_expert(copy, _TextReader(csv_slices(rows)), size=COPY_READ_CHARS)
        finally:
            cursor.close()

    def refresh_statistics(self, conn: Connection, tables: list[str]) -> None:
        conn.exec_driver_sql(f"SET LOCAL default_statistics_target = {BATCH_STATISTICS_TARGET}")
        conn.exec_driver_sql("ANALYZE " + ", ".join(f"lms.{table}" for table in tables))

    def truncate(self, conn: Connection, tables: list[str]) -> None:
        conn.exec_driver_sql("TRUNCATE TABLE " + ", ".join(f"lms.{table}" for table in tables))

    # --- the harmonizer -----------------------------------------------------------------------------------------

    def call(self, procedure: str, parameters: tuple[str, ...]) -> TextClause:
        arguments = ", ".join(f"_{p.lower()} => :{p.lower()}" for p in parameters)
        return text(f"CALL {procedure}({arguments})")

    def before_procedures(self, conn: Connection) -> None:
        """Only hash and merge joins, as the assignment and submission procedures set for themselves. The user and
        section procedures first look for links to ODS records that are gone, among the links the previous run
        wrote: until autovacuum analyzes lms.lmsuser, its statistics say there are none, and a nested loop chosen on
        that estimate scans edfi.Student once per linked user. An ODS without a unique index on edfi.Student.Id
        (the LMS-Toolkit's ODS 5.2 core DDL has none) made that quadratic: benchmarks/bench_harmonize.py's re-run,
        50,000 users, took 276 s instead of 13. District replacements of the procedures plan the same way."""
        conn.execute(text("SET LOCAL enable_nestloop = off"))

    def before_reads(self, conn: Connection) -> None:
        """For the rest of the transaction. The matching views join on expressions, which inflates the estimates
        past the JIT thresholds: compiling the count and report queries then takes seconds, longer than running
        them."""
        conn.execute(text("SET LOCAL jit = off"))

    def change_counts(self, conn: Connection, counters: tuple[str, ...]) -> dict[str, int | None]:
        values: dict[str, str | None] = dict(conn.execute(CHANGE_COUNTS, {"counters": list(counters)}).tuples().all())
        return {counter: int(value) if (value := values.get(counter)) else None for counter in counters}

    # --- the demo's ODS -----------------------------------------------------------------------------------------

    def mark_ods(self, conn: Connection, description: str) -> None:
        conn.exec_driver_sql(f"COMMENT ON SCHEMA edfi IS '{description}'")


class _TextReader:
    """Pieces of text as the file COPY reads from, a piece taken only when the one before is read: a frame is
    rendered a slice at a time (copy_text.csv_slices)."""

    def __init__(self, pieces: Iterator[str]):
        self.pieces = pieces
        self.text, self.position = "", 0

    def read(self, size: int = -1) -> str:
        if self.position >= len(self.text):
            self.text, self.position = next(self.pieces, ""), 0
        end = len(self.text) if size < 0 else self.position + size
        chunk = self.text[self.position : end]
        self.position += len(chunk)
        return chunk


DIALECT = PostgreSQL()
