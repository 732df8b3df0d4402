"""The run's shared state: one engine, passed along; it travels to the failure hook on the error, and to another
process without its engine."""

from __future__ import annotations

import pickle

import pytest
from sqlalchemy import create_engine

from lms_pipeline.run_state import RunState


def test_another_process_receives_the_phase_and_load_run_but_no_engine():
    run = RunState(create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none"))
    run.phase, run.load_run_id = "staging", 7
    run.summary.add_set_aside([])
    copy = pickle.loads(pickle.dumps(run))
    assert (copy.phase, copy.load_run_id) == ("staging", 7)
    assert copy.summary is not run.summary and not copy.summary.resources
    with pytest.raises(AttributeError):
        copy.engine  # noqa: B018 - a worker that reached for the engine fails at once


def test_the_state_travels_on_the_error_that_ended_the_run():
    run = RunState(create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none"))
    error = ValueError("boom")
    assert RunState.carried_by(error) is None
    run.travels_with(error)
    assert RunState.carried_by(error) is run
    assert RunState.carried_by(None) is None


def test_each_phase_counts_its_own_batches():
    run = RunState(create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none"))
    first = run.summary
    assert run.new_summary() is run.summary is not first
