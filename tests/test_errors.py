"""One error family (lms_pipeline.errors): each engine maps its driver's errors onto the kinds, and the project's own
errors say theirs; retries and messages ask `classify`."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from lms_pipeline.errors import LmsPipelineError, StatementCancelled, TerminalError, TransientError
from lms_pipeline.store.connections import RunLockTimeout, classify, describe_error, is_transient
from lms_pipeline.store.engines import dialect_of_error


def driver_error(module: str, **attributes) -> Exception:
    """An exception as a driver raises it: of a class defined in the driver's module, with its attributes."""
    error_type = type("Error", (Exception,), {"__module__": module})
    error = error_type(*attributes.pop("args", ("the driver's message",)))
    for name, value in attributes.items():
        setattr(error, name, value)
    return error


def postgres(sqlstate: str | None, wrapper=DBAPIError) -> DBAPIError:
    return wrapper("SELECT 1", {}, driver_error("psycopg2.errors", pgcode=sqlstate))


def sql_server(sqlstate: str, wrapper=DBAPIError) -> DBAPIError:
    return wrapper("SELECT 1", {}, driver_error("pyodbc", args=(sqlstate, "[Microsoft][ODBC Driver 18] the message")))


@pytest.mark.parametrize(
    "error, kind",
    [
        (postgres("40P01"), TransientError),  # deadlock
        (postgres("40001"), TransientError),  # serialization failure
        (postgres("57P01"), TransientError),  # admin shutdown
        (postgres("08006"), TransientError),  # connection failure
        (postgres(None, OperationalError), TransientError),  # no SQLSTATE: the connection never opened
        (postgres("57014"), StatementCancelled),
        (postgres("23505", IntegrityError), TerminalError),  # bad data is never retried
        (postgres("42P01"), TerminalError),  # nor bad SQL
        (sql_server("40001"), TransientError),  # a deadlock victim
        (sql_server("08S01"), TransientError),  # communication link failure
        (sql_server("HYT00"), StatementCancelled),  # ODBC's query timeout
        (sql_server("23000", IntegrityError), TerminalError),
        (sql_server("40P01"), TerminalError),  # PostgreSQL's deadlock code means nothing from SQL Server
        (ConnectionResetError(), TransientError),
        (TimeoutError(), TransientError),
        (ValueError("bad"), TerminalError),
        (RunLockTimeout("held"), TerminalError),
    ],
)
def test_every_error_has_a_kind(error, kind):
    assert classify(error) is kind
    assert is_transient(error) == (kind is TransientError)


def test_each_driver_error_is_its_engines_to_classify():
    assert dialect_of_error(postgres("40001")).name == "postgresql"
    assert dialect_of_error(sql_server("40001")).name == "mssql"
    assert dialect_of_error(DBAPIError("SELECT 1", {}, driver_error("otherdriver"))) is None


def test_a_lost_connection_of_any_driver_is_transient():
    invalidated = DBAPIError("SELECT 1", {}, driver_error("otherdriver"), connection_invalidated=True)
    assert classify(invalidated) is TransientError


def test_a_cancelled_statement_is_described_with_the_statement():
    message = describe_error(sql_server("HYT00"))
    assert message.startswith("StatementCancelled: ") and message.endswith("the statement: SELECT 1")


def test_the_projects_errors_are_of_the_family():
    from lms_pipeline.demo.ods import RealOdsError
    from lms_pipeline.flows.discovery import NoReadableRoot
    from lms_pipeline.flows.harmonization import HarmonizationFailed
    from lms_pipeline.loading.stage import StagingFailed
    from lms_pipeline.store.migrations import MigrationError
    from lms_pipeline.tasks.prefect_api import PrefectUnavailable

    for error in (RunLockTimeout, StagingFailed, HarmonizationFailed, MigrationError, RealOdsError, NoReadableRoot):
        assert issubclass(error, TerminalError), error
    assert issubclass(PrefectUnavailable, TerminalError)
    assert issubclass(TransientError, LmsPipelineError) and issubclass(TerminalError, LmsPipelineError)
    assert issubclass(LmsPipelineError, RuntimeError)  # what callers that catch RuntimeError still catch
