"""lms-pipeline's errors: one family, in two kinds that say whether trying again can help.

Every error the project raises derives from LmsPipelineError, through one of its two kinds. A database driver's
error (SQLAlchemy's DBAPIError) is mapped onto the same kinds by its engine's module (`EngineDialect.classify`
in lms_pipeline/store/engines), so that the retry policy (lms_pipeline/tasks/retries.py) and the messages ask one
question of any error: `lms_pipeline.store.connections.classify`.

They derive from RuntimeError, as the project's errors always have: a caller that catches RuntimeError still does.
"""

from __future__ import annotations


class LmsPipelineError(RuntimeError):
    """An error of lms-pipeline's own. Raise one of its kinds, never this base."""


class TransientError(LmsPipelineError):
    """A retry may get past it: the failure says nothing about the data or the SQL (a lost connection, a server
    restarting, a deadlock or serialization failure). A database task retries it with backoff."""


class TerminalError(LmsPipelineError):
    """Trying again within this run would fail the same way: bad input, bad SQL, a changed script, a statement past
    its timeout, a failure its own retries already could not get past. The run stops and says why; a fix, or a
    later run, is what gets past it."""


class StatementCancelled(TerminalError):
    """The database cancelled a statement that ran past the run's statement timeout: a hung or runaway statement,
    which would run as long again. Drivers raise their own error; this is the kind their engine maps it to."""
