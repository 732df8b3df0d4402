"""What one run of the parent flow shares with its subflows and its failure hook, passed along explicitly."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.tables import StoreTables

if TYPE_CHECKING:
    from sqlalchemy import Engine


class RunState:
    """One engine for the whole run and the tables it names, the phase the run is in, its load run, and the staging
    summary as it fills up batch by batch, so that a failure still reports the counts so far.

    A plain class with slots on purpose: handed to a subflow, pydantic passes it through as the same object (a
    dataclass would be copied), and Prefect stores it in the subflow's parameters as a placeholder, not as a walk
    through the engine.
    """

    __slots__ = ("engine", "tables", "phase", "load_run_id", "summary")

    def __init__(self, engine: Engine):
        self.engine = engine
        self.tables = StoreTables(dialect_of(engine))
        self.phase = "starting"
        self.load_run_id: int | None = None
        self.summary = StagingSummary()

    def __reduce__(self) -> tuple[Callable[[str, int | None], RunState], tuple[str, int | None]]:
        """What another process receives: a Dask worker gets the flow's context, this state among its parameters.
        An engine cannot cross processes and the summary is the parent's to fill, so only the phase and the load
        run go; a worker that reached for the engine would fail at once, not share a pool."""
        return _elsewhere, (self.phase, self.load_run_id)

    def new_summary(self) -> StagingSummary:
        """A summary for the next phase to fill: validation and staging each count their own batches."""
        self.summary = StagingSummary()
        return self.summary

    def travels_with(self, error: BaseException) -> None:
        """The error carries this state to the failure hook, which Prefect hands only the run's final state."""
        error.lms_run_state = self  # type: ignore[attr-defined]

    @staticmethod
    def carried_by(error: object) -> RunState | None:
        state = getattr(error, "lms_run_state", None)
        return state if isinstance(state, RunState) else None


def _elsewhere(phase: str, load_run_id: int | None) -> RunState:
    state = RunState.__new__(RunState)
    state.phase, state.load_run_id, state.summary = phase, load_run_id, StagingSummary()
    return state
