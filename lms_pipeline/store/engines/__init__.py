"""The database engines lms-pipeline runs on: one module each, holding everything in which that engine differs.

Everything else builds SQLAlchemy Core statements, which compile for either engine, and asks the engine's
`EngineDialect` for the rest; no other module branches on an engine's name (tests/test_layout.py checks it).
Adding an engine is a module here (`<name>.py`, with `DIALECT`, an instance of its EngineDialect subclass; the
module's name is the engine's name) and its scripts folder `lms_pipeline/sql/<name>/`.

This package imports no database library: the engines' modules are imported on first use, and a driver (pyodbc)
only when a connection is made.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from lms_pipeline.errors import LmsPipelineError, StatementCancelled, TerminalError, TransientError

if TYPE_CHECKING:  # annotations only: see the module's docstring
    import pandas as pd
    from pydantic import SecretStr
    from sqlalchemy import URL, Connection, Engine, TextClause
    from sqlalchemy.exc import DBAPIError

    from lms_pipeline.validation.copy_text import CopyText

_T = TypeVar("_T")

SQL_ROOT = Path(__file__).resolve().parent.parent.parent / "sql"

# The key of the run lock: one lms-pipeline run at a time per database.
LOCK_NAME = "lms-pipeline"

# Every engine, by name: the modules of this package, in alphabetical order.
ENGINE_NAMES: tuple[str, ...] = tuple(
    sorted(module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_"))
)


class ConnectionSettings(Protocol):
    """What an engine reads of lms_pipeline.store.settings.DatabaseSettings (which asks its engine for the URL: the
    engines cannot import it back)."""

    server: str
    dbname: str
    username: str | None
    use_integrated_security: bool
    encrypt: bool
    trust_certificate: bool
    sslmode: str | None
    odbc_driver: str

    @property
    def password(self) -> SecretStr | None: ...

    @property
    def effective_port(self) -> int: ...

    @property
    def statement_timeout_seconds(self) -> float | None: ...

    def url(self) -> URL: ...


class EngineDialect(ABC):
    """What one database engine does its own way. One instance per engine, its module's DIALECT."""

    name: ClassVar[str]  # the settings' `engine`, SQLAlchemy's backend name, and the folder of sql/
    driver: ClassVar[str]  # the DB-API module, whose errors this engine classifies
    default_port: ClassVar[int]
    # Values bound into one IN (...) list at most: longer lists go in parts (`chunked`).
    in_list_limit: ClassVar[int]
    # SQLSTATEs a retry may get past (besides class 08, connection exceptions, on every engine), and those of a
    # statement the database cancelled at the statement timeout.
    transient_sqlstates: ClassVar[frozenset[str]]
    cancelled_sqlstates: ClassVar[frozenset[str]]
    # A query giving one row when the edfi schema exists: the schema's description, where the demo's ODS fixture
    # puts its mark (lms_pipeline/demo/ods.py).
    ods_description_query: ClassVar[str]
    # The real Ed-Fi ODS DDL for the demo's ODS, folders under script_folder in the order they apply; the demo
    # then marks the schema (mark_ods) and adds the descriptors. Empty: the engine has none, and the demo uses the
    # hand-written stand-in of script_folder/ods_fixture, which marks itself and holds its descriptors.
    ods_ddl_folders: ClassVar[tuple[str, ...]] = ()
    # Whether bulk_stage takes the CSV text of PostgreSQL's COPY, which validation then renders (copy_text.py).
    stages_copy_text: ClassVar[bool] = False

    @property
    def script_folder(self) -> Path:
        """The numbered migrations; `harmonizer/` under it holds the harmonizer's."""
        return SQL_ROOT / self.name

    # --- connecting ---------------------------------------------------------------------------------------------

    @abstractmethod
    def url(self, settings: ConnectionSettings) -> URL:
        """The SQLAlchemy URL of the settings, password included (str() of a URL hides it)."""

    @abstractmethod
    def settings_from_url(self, url: URL, query: dict[str, str]) -> dict[str, Any]:
        """The DatabaseSettings fields of this engine that a URL gives (query: its options, keys in lower case),
        besides server, port and username, which every engine reads alike."""

    @abstractmethod
    def create_engine(self, settings: ConnectionSettings, **kwargs: Any) -> Engine:
        """A SQLAlchemy engine whose every statement the database cancels after the settings' statement timeout
        (`statement_timeout_seconds`), each engine by its own mechanism."""

    def odbc_connection_string(self, settings: ConnectionSettings) -> str:
        """The ODBC connection string the driver receives, for an engine reached through ODBC."""
        raise ValueError(f"{self.name} is not reached through ODBC")

    # --- errors -------------------------------------------------------------------------------------------------

    @abstractmethod
    def sqlstate(self, orig: BaseException | None) -> str | None:
        """The SQLSTATE of the driver's error, where the driver puts it; None when it gives none."""

    def raised(self, error: DBAPIError) -> bool:
        """Whether this engine's driver raised the error SQLAlchemy wraps."""
        return type(error.orig).__module__.partition(".")[0] == self.driver

    def classify(self, error: DBAPIError) -> type[LmsPipelineError]:
        """The kind of a driver error: TransientError (a lost connection, a deadlock), StatementCancelled (past the
        statement timeout) or TerminalError (bad data, bad SQL, anything else)."""
        from sqlalchemy.exc import OperationalError

        if error.connection_invalidated:
            return TransientError
        state = self.sqlstate(error.orig)
        if state is None:  # a connection failure before any SQLSTATE (psycopg2 gives none)
            return TransientError if isinstance(error, OperationalError) else TerminalError
        if state in self.cancelled_sqlstates:
            return StatementCancelled
        if state in self.transient_sqlstates or state.startswith("08"):
            return TransientError
        return TerminalError

    # --- naming, scripts and the journal ------------------------------------------------------------------------

    @abstractmethod
    def table_name(self, name: str) -> str:
        """A table's name as the engine's scripts create it, from its name in the catalog."""

    @abstractmethod
    def script_batches(self, sql: str) -> list[str]:
        """A script split into the batches the driver sends one at a time."""

    def run_script_batch(self, cursor: Any, batch: str) -> None:
        """Send one batch on a DB-API cursor; any statement's error is raised here."""
        cursor.execute(batch)

    @abstractmethod
    def ensure_journal_columns(self, conn: Connection) -> None:
        """Add the columns lms-pipeline's migration journal has beyond the reference loader's (its checksum)."""

    def chunked(self, items: Sequence[_T]) -> Iterator[Sequence[_T]]:
        """The items in parts that each fit one IN (...) list."""
        for start in range(0, len(items), self.in_list_limit):
            yield items[start : start + self.in_list_limit]

    # --- the run lock -------------------------------------------------------------------------------------------

    @abstractmethod
    def try_lock(self, conn: Connection) -> bool:
        """Take the database-wide run lock for the connection's session, without waiting: whether it was taken."""

    @abstractmethod
    def unlock(self, conn: Connection) -> None:
        """Release the run lock the session holds."""

    # --- staging ------------------------------------------------------------------------------------------------

    @abstractmethod
    def bulk_stage(self, conn: Connection, table: str, columns: list[str], rows: pd.DataFrame | CopyText) -> None:
        """Insert the rows into lms.<table> inside the caller's transaction, in bulk: a frame, or on an engine that
        stages_copy_text, the text validation rendered."""

    def truncate(self, conn: Connection, tables: list[str]) -> None:
        for table in tables:
            conn.exec_driver_sql(f"TRUNCATE TABLE lms.{table}")

    def refresh_statistics(self, conn: Connection, tables: list[str]) -> None:
        """After a large bulk load, so the planner does not treat a freshly filled table as empty."""
        return None  # nothing, unless the engine needs it

    # --- the harmonizer -----------------------------------------------------------------------------------------

    @abstractmethod
    def call(self, procedure: str, parameters: tuple[str, ...]) -> TextClause:
        """A harmonizer procedure called with its parameters by name, each bound as :<its name in lower case>."""

    def clear_tallies(self, conn: Connection, counters: tuple[str, ...]) -> None:
        """Before the procedures: each counter starts unset, so that a procedure that tallies nothing (a district's
        replacement) leaves it unknown."""
        return None  # nothing, unless the engine needs it

    def before_procedures(self, conn: Connection) -> None:
        """Before the harmonizer's procedures, for the rest of the transaction."""
        return None  # nothing, unless the engine needs it

    def before_reads(self, conn: Connection) -> None:
        """Before the harmonization count and report queries of a transaction."""
        return None  # nothing, unless the engine needs it

    @abstractmethod
    def change_counts(self, conn: Connection, counters: tuple[str, ...]) -> dict[str, int | None]:
        """What the procedures tallied (lms.harmonizer_tally) in this transaction: None for a counter not set."""

    # --- the demo's ODS -----------------------------------------------------------------------------------------

    def mark_ods(self, conn: Connection, description: str) -> None:
        """Describe the edfi schema, where ods_description_query reads it; for an engine with ods_ddl_folders."""
        raise NotImplementedError(f"{self.name} makes the demo's ODS from its stand-in, which marks itself")


@cache
def dialect_for(name: str) -> EngineDialect:
    """The engine of that name (DatabaseSettings.engine, or SQLAlchemy's backend name)."""
    if name not in ENGINE_NAMES:
        raise ValueError(f"unsupported database engine {name!r}; expected one of {', '.join(ENGINE_NAMES)}")
    dialect = importlib.import_module(f"{__name__}.{name}").DIALECT
    assert isinstance(dialect, EngineDialect) and dialect.name == name, f"{name}.DIALECT"
    return dialect


def dialect_of(engine: Engine) -> EngineDialect:
    """The engine of a SQLAlchemy engine (or anything with its `dialect`, as the tests' stand-ins)."""
    return dialect_for(engine.dialect.name)


def dialect_of_error(error: DBAPIError) -> EngineDialect | None:
    """The engine whose driver raised the error; None for a driver no engine here uses."""
    return next((dialect for dialect in map(dialect_for, ENGINE_NAMES) if dialect.raised(error)), None)
