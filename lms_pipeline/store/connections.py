"""SQLAlchemy engines, the run lock, and the kind of a failure: the same for every engine, each of which answers
for itself through its EngineDialect (lms_pipeline/store/engines)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from lms_pipeline.errors import LmsPipelineError, StatementCancelled, TerminalError, TransientError
from lms_pipeline.store.engines import dialect_of, dialect_of_error
from lms_pipeline.store.settings import DatabaseSettings


class RunLockTimeout(TerminalError):
    """Another run held the run lock for all of the wait this run was given (--lock-wait).

    Terminal, not transient, although the lock will be free once the other run ends: that wait is how long this
    run is allowed to wait, and the task retries (seconds apart, LMS_DB_RETRIES) would stretch it unasked. The next
    scheduled run, or a later command, tries again; a longer --lock-wait waits for it."""


def make_engine(settings: DatabaseSettings, **kwargs: Any) -> Engine:
    """An engine whose every statement the database itself cancels after the settings' statement timeout: a
    Prefect timeout cannot interrupt a call blocked in the driver, the server can."""
    return settings.dialect.create_engine(settings, **kwargs)


def classify(error: BaseException) -> type[LmsPipelineError]:
    """The kind of any error (lms_pipeline.errors): the project's own say theirs; a driver's error is mapped by
    the engine whose driver raised it; a lost connection or a timeout of the operating system is transient."""
    if isinstance(error, LmsPipelineError):
        return TransientError if isinstance(error, TransientError) else TerminalError
    if isinstance(error, DBAPIError):
        dialect = dialect_of_error(error)
        if dialect is not None:
            return dialect.classify(error)
        return TransientError if error.connection_invalidated or isinstance(error, OperationalError) else TerminalError
    return TransientError if isinstance(error, (ConnectionError, TimeoutError)) else TerminalError


def describe_error(error: BaseException) -> str:
    """An error as a run's message: its type and text; for a statement the database cancelled (a hung or runaway
    statement past its timeout), what the database said and which statement, on one line."""
    if isinstance(error, DBAPIError) and issubclass(classify(error), StatementCancelled):
        said = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "cancelled"
        statement = " ".join(str(error.statement or "").split())
        statement = statement if len(statement) <= 300 else statement[:299] + "…"
        return f"StatementCancelled: {said} (statement_timeout_minutes); the statement: {statement}"
    return f"{type(error).__name__}: {error}"


@contextmanager
def run_lock(engine: Engine, wait_seconds: float = 0) -> Iterator[None]:
    """Hold the database-wide lms-pipeline lock for the duration of the block, on a connection of its own, waiting
    up to wait_seconds for another run to finish."""
    dialect = dialect_of(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + wait_seconds
        while not dialect.try_lock(conn):
            if time.monotonic() >= deadline:
                raise RunLockTimeout(
                    "another lms-pipeline run holds the run lock on this database; "
                    f"waited {wait_seconds:g} s. Try again when it has finished, or raise --lock-wait."
                )
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        try:
            yield
        finally:
            with suppress(DBAPIError):  # the session is gone, and its lock with it
                dialect.unlock(conn)


def is_transient(error: BaseException) -> bool:
    """True for failures that a retry may get past; never for bad data or bad SQL."""
    return issubclass(classify(error), TransientError)
