"""The one place where the database engines differ: naming, the run lock, bulk staging and script batches.

Everything else builds SQLAlchemy Core statements, which compile for either engine.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:  # frames arrive here already built: the import is for annotations only
    import pandas as pd

SQL_ROOT = Path(__file__).resolve().parent.parent / "sql"

# The key of the run lock: one lms-pipeline run at a time per database.
LOCK_NAME = "lms-pipeline"
PG_LOCK_KEY = 0x4C4D53_5049_50  # "LMSPIP": a fixed bigint for pg_advisory_lock
# pyodbc binds a whole executemany call at once, each row as wide as its declared columns: chunks bound memory.
MSSQL_BULK_ROWS = 5000
COPY_SLICE_ROWS = 10_000  # rows rendered as CSV at a time for PostgreSQL's COPY
COPY_READ_CHARS = 1 << 20


class RunLockTimeout(RuntimeError):
    pass


@dataclass(frozen=True)
class Dialect:
    name: str

    @property
    def script_folder(self) -> Path:
        return SQL_ROOT / self.name

    def table_name(self, name: str) -> str:
        raise NotImplementedError

    def script_batches(self, sql: str) -> list[str]:
        raise NotImplementedError

    def try_lock(self, conn: Connection) -> bool:
        raise NotImplementedError

    def unlock(self, conn: Connection) -> None:
        raise NotImplementedError

    def ensure_journal_columns(self, conn: Connection) -> None:
        raise NotImplementedError

    def run_script_batch(self, cursor, batch: str) -> None:
        cursor.execute(batch)

    def truncate(self, conn: Connection, tables: list[str]) -> None:
        for table in tables:
            conn.exec_driver_sql(f"TRUNCATE TABLE lms.{table}")

    def bulk_stage(self, conn: Connection, table: str, columns: list[str], frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def refresh_statistics(self, conn: Connection, tables: list[str]) -> None:
        """After a large bulk load, so the planner does not treat a freshly filled table as empty."""

    def acquire_run_lock(self, conn: Connection, wait_seconds: float) -> None:
        """Take the database-wide run lock, waiting up to wait_seconds for another run to finish."""
        deadline = time.monotonic() + wait_seconds
        while not self.try_lock(conn):
            if time.monotonic() >= deadline:
                raise RunLockTimeout(
                    "another lms-pipeline run holds the run lock on this database; "
                    f"waited {wait_seconds:g} s. Try again when it has finished, or raise --lock-wait."
                )
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))


class PostgreSQL(Dialect):
    def table_name(self, name: str) -> str:
        return name.lower()

    def script_batches(self, sql: str) -> list[str]:
        return [sql]  # psycopg2 runs a whole script as one batch

    def try_lock(self, conn: Connection) -> bool:
        return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar())

    def unlock(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})

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

    def bulk_stage(self, conn: Connection, table: str, columns: list[str], frame: pd.DataFrame) -> None:
        """COPY the frame into lms.<table> inside the caller's transaction."""
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            copy = f"COPY lms.{table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
            cursor.copy_expert(copy, _CsvReader(frame, COPY_SLICE_ROWS), size=COPY_READ_CHARS)
        finally:
            cursor.close()

    def refresh_statistics(self, conn: Connection, tables: list[str]) -> None:
        conn.exec_driver_sql("ANALYZE " + ", ".join(f"lms.{table}" for table in tables))

    def truncate(self, conn: Connection, tables: list[str]) -> None:
        conn.exec_driver_sql("TRUNCATE TABLE " + ", ".join(f"lms.{table}" for table in tables))


class SqlServer(Dialect):
    def table_name(self, name: str) -> str:
        return name

    def script_batches(self, sql: str) -> list[str]:
        return [b for b in re.split(r"^\s*GO\s*;?\s*$", sql, flags=re.IGNORECASE | re.MULTILINE) if b.strip()]

    def run_script_batch(self, cursor, batch: str) -> None:
        cursor.execute(batch)
        while cursor.nextset():  # pyodbc raises a statement's error only when its result set is reached
            pass

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

    def ensure_journal_columns(self, conn: Connection) -> None:
        conn.execute(
            text(
                "IF COL_LENGTH('lms.MigrationJournal', 'Checksum') IS NULL "
                "ALTER TABLE lms.MigrationJournal ADD Checksum CHAR(64) NULL"
            )
        )

    def bulk_stage(self, conn: Connection, table: str, columns: list[str], frame: pd.DataFrame) -> None:
        """Array-bound inserts (pyodbc fast_executemany) inside the caller's transaction: one round trip per
        chunk of rows, never one per row."""
        column_list = ", ".join(f"[{c}]" for c in columns)
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO lms.[{table}] ({column_list}) VALUES ({placeholders})"
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.fast_executemany = True
            for start in range(0, len(frame), MSSQL_BULK_ROWS):
                cursor.executemany(sql, _bindable_rows(frame.iloc[start : start + MSSQL_BULK_ROWS]))
        finally:
            cursor.close()


class _CsvReader:
    """A frame as CSV text for COPY, rendered a slice of rows at a time as COPY reads it: a whole batch rendered at
    once is a string of several times its size in memory.

    With CRLF as the record end, the csv writer quotes a value holding a lone CR or LF, which COPY then keeps."""

    def __init__(self, frame: pd.DataFrame, rows: int):
        self.slices = (frame.iloc[start : start + rows] for start in range(0, len(frame), rows))
        self.text, self.position = "", 0

    def read(self, size: int = -1) -> str:
        if self.position >= len(self.text):
            part = next(self.slices, None)
            if part is None:
                return ""
            self.text, self.position = part.to_csv(header=False, index=False, lineterminator="\r\n"), 0
        end = len(self.text) if size < 0 else self.position + size
        chunk = self.text[self.position : end]
        self.position += len(chunk)
        return chunk


def _bindable_rows(frame: pd.DataFrame) -> list[tuple]:
    """Plain Python values, as pyodbc binds them: None for every kind of missing value (NaN, NaT, pd.NA)."""
    return list(frame.astype("object").where(frame.notna(), None).itertuples(index=False, name=None))


DIALECTS = {"postgresql": PostgreSQL("postgresql"), "mssql": SqlServer("mssql")}


def dialect_for(engine_name: str) -> Dialect:
    return DIALECTS[engine_name]
