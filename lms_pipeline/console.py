"""What a command shows on the terminal: a progress bar, the run's warnings and the summary.

Prefect writes a line for every flow and task run it starts and finishes (about 120 for the demo), which buries
what an operator needs. By default the terminal gets none of them; the Prefect API still gets every line, so the UI
shows them. `-v` brings them back to the terminal. The warnings and errors that the runs log are gathered instead,
and printed once each after the summary.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
PREFECT_NOISE = ("Finished in state", "Encountered exception during execution")  # the failure line says it


def configure_prefect_logging(level: str, verbose: bool) -> None:
    """Prefect reads its logging settings at import, so this runs before anything imports prefect."""
    os.environ["PREFECT_LOGGING_LEVEL"] = level  # the flag (or LOG_LEVEL) wins over an inherited setting
    if not verbose:
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "CRITICAL"


class RunWarnings(logging.Handler):
    """The warnings and errors that flow and task runs log, in order, each once."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info or message.startswith(PREFECT_NOISE):
            return
        line = f"{record.levelname} {message}"
        if line not in self.lines:
            self.lines.append(line)


@contextmanager
def gathered_warnings():
    handler = RunWarnings()
    loggers = [logging.getLogger(name) for name in RUN_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
