"""Replay: the journaled files loaded again, from their extract roots or the raw archive, end equal to the clean
load of the same files (a digest of every live table); a scope replays only its files; a file that is nowhere
stops the replay before anything changes."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from extracts import NOT_STALE, assignment, enrolment, grade, section, submission, user, write
from sqlalchemy import text

from lms_pipeline.flows.pipeline import lms_pipeline
from lms_pipeline.options import REPLAY_PHASES, ReplayScope, RunOptions
from lms_pipeline.resources import LOAD_ORDER

DAY1, DAY2 = "2021-09-01-06-00-00", "2021-09-02-06-00-00"


def _tree(root):
    """Two nights: the second changes values, drops a user's enrolment, grade and submission, and adds rows."""
    for stamp, users in ((DAY1, ["U1", "U2", "U3"]), (DAY2, ["U1", "U2", "U4"])):
        write(root, "users", [user(u, Name=f"{u} on {stamp[:10]}") for u in users], stamp=stamp)
        write(root, "sections", [section("S1"), section("S2")], stamp=stamp)
        rows = [enrolment(f"E{u}", "S1", u) for u in users]
        write(root, "section-associations", rows, stamp=stamp, section="S1")
        letter = "B" if stamp == DAY2 else "A"
        write(root, "grades", [grade(f"G{u}", f"E{u}", letter) for u in users], stamp=stamp, section="S1")
        write(root, "assignments", [assignment("A1", "S1"), assignment("A2", "S1")], stamp=stamp, section="S1")
        for a in ("A1", "A2"):
            points = "7" if stamp == DAY2 else "9"
            rows = [submission(f"{a}{u}", a, u, EarnedPoints=points) for u in users]
            write(root, "submissions", rows, stamp=stamp, section="S1", assignment=a)
        write(root, "section-associations", [enrolment("EX", "S2", "U1")], stamp=stamp, section="S2")


def digest(engine) -> str:
    """Every live table's rows by natural key: their CSV values, their parents' identifiers and whether live; not
    the synthetic ids, which a row deleted by hand and loaded again does not get back."""
    checksum = hashlib.sha256()
    with engine.connect() as conn:
        for resource in LOAD_ORDER:
            columns = [f"t.{c.db}" for c in resource.live_columns]
            joins = []
            for i, parent in enumerate(resource.parents):
                key = parent.id_column.lower()
                joins.append(f"LEFT JOIN lms.{parent.table.lower()} p{i} ON p{i}.{key} = t.{key}")
                columns.append(f"p{i}.sourcesystemidentifier")
            columns.append("t.deletedat IS NULL")
            rows = conn.execute(
                text(f"SELECT {', '.join(columns)} FROM lms.{resource.table.lower()} t {' '.join(joins)} ORDER BY 1, 2")
            ).all()
            checksum.update(repr((resource.name, rows)).encode())
    return checksum.hexdigest()


def damage(engine) -> None:
    """A bad night's or a bad hand's work: values changed, rows deleted, a live row soft-deleted."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE lms.lmsuser SET name = 'overwritten' WHERE sourcesystemidentifier = 'U1'"))
        conn.execute(text("UPDATE lms.assignmentsubmission SET earnedpoints = 0"))
        conn.execute(text("DELETE FROM lms.lmsgrade WHERE sourcesystemidentifier = 'GU2'"))
        conn.execute(text("UPDATE lms.assignment SET deletedat = now() WHERE sourcesystemidentifier = 'A2'"))


def run(db, roots=(), **options):
    return lms_pipeline(
        csv_paths=[str(r) for r in roots],
        database=db,
        options=RunOptions(**options),
        thresholds=NOT_STALE,
        return_state=True,
    )


EVERYTHING = ReplayScope()


def replay(db, scope=EVERYTHING, **options):
    return run(db, phases=list(REPLAY_PHASES), replay=scope, **options)


@pytest.fixture
def loaded(db, engine, tmp_path):
    """The two nights loaded, each with its own run, the files kept in a raw archive: the clean load's digest."""
    root, archive = tmp_path / "canvas", str(tmp_path / "archive")
    _tree(root)
    assert run(db, [root], raw_archive=archive).is_completed()
    clean = digest(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lms.lmsgrade WHERE deletedat IS NULL")).scalar() == 3
    return root, archive, clean


def test_a_replay_from_the_extract_roots_ends_equal_to_the_clean_load(db, engine, loaded):
    _, _, clean = loaded
    damage(engine)
    assert digest(engine) != clean
    state = replay(db)
    assert state.is_completed(), state.message
    assert digest(engine) == clean


def test_a_replay_from_the_archive_once_the_extracts_are_pruned(db, engine, loaded):
    root, archive, clean = loaded
    shutil.rmtree(root)
    damage(engine)
    assert replay(db, raw_archive=archive).is_completed()
    assert digest(engine) == clean


def test_a_replay_of_one_scope_changes_only_that_scope(db, engine, loaded):
    _, _, clean = loaded
    damage(engine)
    users = replay(db, ReplayScope(resources=["users"]))
    assert users.is_completed() and users.result().files_found == 2
    with engine.connect() as conn:
        names = dict(conn.execute(text("SELECT sourcesystemidentifier, name FROM lms.lmsuser")).all())
        assert names["U1"] == "U1 on 2021-09-02"  # users replayed
        assert conn.execute(text("SELECT max(earnedpoints) FROM lms.assignmentsubmission")).scalar() == 0  # not
    # Day 2 of section S1: its enrolments, grades, assignments and two submissions files; not section S2's.
    assert replay(db, ReplayScope(section="S1", since="2021-09-02")).result().files_found == 5
    assert replay(db, ReplayScope(section="S1")).result().files_found == 10
    assert digest(engine) == clean  # the rest of the damage lay in section S1


def test_a_replay_of_a_file_that_is_nowhere_stops_before_any_change(db, engine, loaded):
    root, _, _ = loaded
    shutil.rmtree(root / "users")
    damage(engine)
    damaged = digest(engine)
    state = replay(db)  # no archive given
    assert state.is_failed()
    assert "2 files to replay no longer in their extract root" in state.message
    assert "users/2021-09-01-06-00-00.csv" in state.message and "nothing was changed" in state.message
    assert digest(engine) == damaged
