"""Faults with real processes and a real PostgreSQL: a load killed with SIGKILL at random points."""

import csv
import os
import random
import signal
import subprocess
import sys
import time

from cli_flags import database_flags
from sqlalchemy import text

from lms_pipeline.demo.generator import generate_district
from lms_pipeline.resources import LOAD_ORDER
from lms_pipeline.store.settings import DatabaseSettings

TABLES = tuple(resource.table.lower() for resource in LOAD_ORDER)  # every live table, parents first
WORKER = os.path.join(os.path.dirname(__file__), "load_worker.py")


def url(settings: DatabaseSettings) -> str:
    return settings.url().render_as_string(hide_password=False)


def start_load(settings, root) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, WORKER, url(settings), str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def content(engine) -> dict:
    """Every live and soft-deleted natural key per table: the state two loads are compared by."""
    with engine.connect() as conn:
        return {
            t: sorted(conn.execute(text(f"SELECT sourcesystemidentifier, deletedat IS NULL FROM lms.{t}")).all())
            for t in TABLES
        }


RESOURCE_TABLES = {
    "users": "lmsuser",
    "sections": "lmssection",
    "assignments": "assignment",
    "submissions": "assignmentsubmission",
}


def keys_in(path) -> set[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["SourceSystemIdentifier"] for row in csv.DictReader(handle)}


def store_matches_journal(engine, root) -> None:
    """Atomicity: the store holds exactly the rows of the journaled files, no more, no fewer."""
    with engine.connect() as conn:
        for resource, table in RESOURCE_TABLES.items():
            files = (
                conn.execute(
                    text("SELECT relativepath FROM lms.processedfiles WHERE resourcename = :r"), {"r": resource}
                )
                .scalars()
                .all()
            )
            listed = set().union(*(keys_in(root / f) for f in files)) if files else set()
            stored = set(conn.execute(text(f"SELECT sourcesystemidentifier FROM lms.{table}")).scalars())
            assert stored == listed, f"{table}: rows without their file, or files without their rows"


def test_killed_loads_leave_whole_batches_and_a_rerun_ends_like_a_clean_run(tmp_path, databases, migrated_template):
    from lms_pipeline.store.connections import make_engine

    generate_district(
        tmp_path,
        users=400,
        sections=20,
        students_per_section=20,
        assignments_per_section=4,
        days=3,
        lms=("canvas",),
        messy=True,
        seed=5,
    )
    root = tmp_path / "canvas"
    clean = databases.create(template=migrated_template)
    started = time.monotonic()
    assert subprocess.run([sys.executable, WORKER, url(clean), str(root)], timeout=600).returncode == 0
    duration = time.monotonic() - started  # kills land within a load's own span, however fast this machine is
    clean_engine = make_engine(clean)
    expected = content(clean_engine)

    killed = databases.create(template=migrated_template)
    engine = make_engine(killed)
    rng = random.Random(8)
    kills = 0
    for _ in range(6):
        process = start_load(killed, root)
        time.sleep(rng.uniform(0.15, 0.45) * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
        store_matches_journal(engine, root)
    assert kills >= 3, "the load finished before it could be killed; make the tree larger"
    final = start_load(killed, root)
    assert final.wait(timeout=600) == 0, final.stderr.read().decode()
    assert content(engine) == expected
    with engine.connect() as conn, clean_engine.connect() as clean_conn:
        query = text("SELECT relativepath, contenthash, outcome FROM lms.processedfiles ORDER BY 1")
        assert conn.execute(query).all() == clean_conn.execute(query).all()
    engine.dispose()
    clean_engine.dispose()


def test_killed_harmonizations_leave_lmsx_all_or_nothing(ods_db):
    """Each LMS harmonizes in one transaction: a kill at any point leaves lmsx as it was, and a re-run completes."""
    import importlib.util

    from lms_pipeline.store.connections import make_engine

    spec = importlib.util.spec_from_file_location(
        "bench_harmonize", os.path.join(os.path.dirname(__file__), "..", "benchmarks", "bench_harmonize.py")
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sizes = {"users": 20_000, "sections": 800, "assignments_per_section": 10, "submissions_per_assignment": 25}
    engine = make_engine(ods_db)
    with engine.begin() as conn:
        conn.connection.dbapi_connection.cursor().execute(bench.POPULATE, sizes)
    worker = os.path.join(os.path.dirname(__file__), "harmonize_worker.py")
    counts = set()
    rng = random.Random(3)
    kills = 0
    for _ in range(4):
        process = subprocess.Popen([sys.executable, worker, url(ods_db)], stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 2.0))  # a harmonization of this size takes several seconds
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
        with engine.connect() as conn:
            counts.add(conn.execute(text("SELECT count(*) FROM lmsx.assignmentsubmission")).scalar())
    assert kills >= 2
    assert counts <= {0, 200_000}, counts  # never a part of the run
    assert subprocess.run([sys.executable, worker, url(ods_db)], timeout=600).returncode == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lmsx.assignmentsubmission")).scalar() == 200_000
        assert conn.execute(text("SELECT count(*) FROM lmsx.assignment")).scalar() == 8_000
    engine.dispose()


def test_two_runs_started_at_once_load_everything_once(db, fixture_tree, prefect_api):
    """Two `lms-pipeline load` started together: the second waits for the first's lock, then finds nothing new."""
    root = fixture_tree("starter-kit-sample")
    command = [
        sys.executable,
        "-m",
        "lms_pipeline.cli",
        "load",
        "-c",
        str(root),
        *database_flags(db, ""),
        "--lock-wait",
        "300",
    ]
    env = {**os.environ, "PREFECT_API_URL": prefect_api} if prefect_api else None
    first, second = (
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)
    )
    outputs = [p.communicate(timeout=600) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [3, 3], outputs  # completed; warned: the sample is old
    assert sum("Nothing new to load" in out for out, _ in outputs) == 1
    from lms_pipeline.store.connections import make_engine

    engine = make_engine(db)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lms.processedfiles")).scalar() == 34  # every file, once
        assert conn.execute(text("SELECT count(*) FROM lms.assignmentsubmission")).scalar() == 901
        # both runs are on record; the second, which waited for the lock, inserted nothing
        assert conn.execute(text("SELECT rowsinserted FROM lms.loadrun ORDER BY loadrunid")).scalars().all() == [
            1176,
            0,
        ]
    engine.dispose()
