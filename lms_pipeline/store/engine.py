"""Engines, the run lock and the transient failures worth retrying."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError

from lms_pipeline.store.dialects import Dialect, dialect_for
from lms_pipeline.store.settings import DatabaseSettings

# SQLSTATEs of failures that a later attempt can get past: lost connections, a server starting or shutting
# down, deadlocks and serialization failures (SQL Server reports deadlocks as 40001 too). Bad data (22xxx,
# 23xxx) is never among them.
TRANSIENT_SQLSTATES = {"08000", "08001", "08003", "08004", "08006", "40001", "40P01", "57P01", "57P02", "57P03"}


# SQL Server takes at most 2,100 parameters in one statement: lists bound into IN (...) go in parts.
IN_LIST_LIMIT = 1000


def chunked(items: list, size: int = IN_LIST_LIMIT):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# A statement the database cancelled: PostgreSQL's query_canceled, ODBC's query timeout.
CANCELLED_SQLSTATES = {"57014", "HYT00"}


def make_engine(settings: DatabaseSettings, **kwargs) -> Engine:
    """An engine whose every statement the database itself cancels after the settings' statement timeout: a
    Prefect timeout cannot interrupt a call blocked in the driver, the server can."""
    timeout = settings.statement_timeout_seconds
    if settings.engine.value == "mssql":
        engine = create_engine(settings.url(), fast_executemany=True, pool_pre_ping=True, **kwargs)
        if timeout:  # pyodbc's query timeout, in whole seconds, set on each new connection
            event.listen(engine, "connect", lambda connection, _: setattr(connection, "timeout", math.ceil(timeout)))
        return engine
    if timeout:
        kwargs["connect_args"] = {
            "options": f"-c statement_timeout={math.ceil(timeout * 1000)}",
            **kwargs.get("connect_args", {}),
        }
    return create_engine(settings.url(), pool_pre_ping=True, **kwargs)


def describe_error(error: BaseException) -> str:
    """An error as a run's message: its type and text; for a statement the database cancelled (a hung or runaway
    statement past its timeout), what the database said and which statement, on one line."""
    if isinstance(error, DBAPIError) and _sqlstate(error.orig) in CANCELLED_SQLSTATES:
        said = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "cancelled"
        statement = " ".join(str(error.statement or "").split())
        statement = statement if len(statement) <= 300 else statement[:299] + "…"
        return f"StatementCancelled: {said} (statement_timeout_minutes); the statement: {statement}"
    return f"{type(error).__name__}: {error}"


def dialect_of(engine: Engine) -> Dialect:
    return dialect_for("mssql" if engine.dialect.name == "mssql" else "postgresql")


@contextmanager
def run_lock(engine: Engine, wait_seconds: float = 0) -> Iterator[None]:
    """Hold the database-wide lms-pipeline lock for the duration of the block, on a connection of its own."""
    dialect = dialect_of(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        dialect.acquire_run_lock(conn, wait_seconds)
        try:
            yield
        finally:
            with suppress(DBAPIError):  # the session is gone, and its lock with it
                dialect.unlock(conn)


def is_transient(error: BaseException) -> bool:
    """True for database failures that a retry may get past; never for bad data or bad SQL."""
    if not isinstance(error, DBAPIError):
        return isinstance(error, (ConnectionError, TimeoutError))
    if error.connection_invalidated:
        return True
    state = _sqlstate(error.orig)
    if state is None:
        return isinstance(error, OperationalError)  # psycopg2's connection failures carry no SQLSTATE
    return state in TRANSIENT_SQLSTATES or state.startswith("08")


def _sqlstate(orig: BaseException | None) -> str | None:
    code = getattr(orig, "pgcode", None)
    if code:
        return code
    args = getattr(orig, "args", ())  # pyodbc: (sqlstate, message)
    if args and isinstance(args[0], str) and len(args[0]) == 5:
        return args[0]
    return None
