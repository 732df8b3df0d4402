"""Large files are streamed: validated and staged in chunks, merged once, in one transaction."""

import time

import pytest
from extracts import activity, user, write

from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.options import BatchLimits
from lms_pipeline.resources import BY_NAME
from lms_pipeline.validation import worker
from lms_pipeline.validation.rows import FileOutcome


@pytest.fixture(params=["here", "in the validation process"])
def small_chunks(request, monkeypatch) -> BatchLimits:
    """Make 'large' mean a few hundred bytes, and chunks 3 rows, so a small test takes the streamed path: its
    chunks read in the loading process, or in the validation process beside it."""
    from lms_pipeline.loading import batch as loading

    monkeypatch.setattr(loading, "CHUNK_ROWS", 3)
    if request.param != "here":
        monkeypatch.setattr(worker, "VALIDATION_PROCESS_BYTES", 0)
    return BatchLimits(large_file_bytes=200)


def test_a_large_file_loads_in_chunks_with_duplicates_found_across_them(tmp_path, load_tree, query, small_chunks):
    write(tmp_path, "users", [user(f"U{i}") for i in range(5)])
    rows = [activity(f"A{i}", f"U{i % 5}") for i in range(10)]
    rows.append(activity("A1", "U1", LastModifiedDate="2021-09-02 00:00:00"))  # a later chunk's duplicate
    write(tmp_path, "system-activities", rows)
    summary = load_tree(tmp_path, limits=small_chunks)
    assert summary.resources["system-activities"].inserted == 10
    assert query("SELECT linenumber, checkname, reason FROM lms.quarantine") == [
        (
            3,
            "duplicate",
            "duplicate natural key; the row at system-activities/date=2021-09-01/2021-09-01-06-00-00.csv line 12 "
            "was kept",
        )
    ]
    assert query("SELECT lastmodifieddate::text FROM lms.lmssystemactivity WHERE sourcesystemidentifier = 'A1'") == [
        ("2021-09-02 00:00:00",)
    ]


def test_a_large_file_unreadable_half_way_changes_nothing_and_is_journaled_rejected(
    tmp_path, load_tree, query, small_chunks
):
    write(tmp_path, "users", [user(f"U{i}") for i in range(5)])
    path = write(tmp_path, "system-activities", [activity(f"A{i}", "U1") for i in range(10)])
    path.write_bytes(path.read_bytes().replace(b"A9,", b"A\xff9,"))
    summary = load_tree(tmp_path, limits=small_chunks)
    assert query("SELECT count(*) FROM lms.lmssystemactivity") == [(0,)]
    assert "line 11, column 2: not UTF-8: byte 0xff" in summary.rejected_files[0]
    assert query("SELECT outcome FROM lms.processedfiles WHERE resourcename = 'system-activities'") == [("rejected",)]


def test_a_load_that_stops_early_stops_the_validation_process_and_leaves_no_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(worker, "VALIDATION_PROCESS_BYTES", 0)
    write(tmp_path / "tree", "system-activities", [activity(f"A{i}", "U1") for i in range(30)])
    [file] = walk_tree(tmp_path / "tree").files
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    chunks = worker.prepared_chunks(BY_NAME["system-activities"], FileOutcome(file), 3)
    first = next(chunks)
    assert (first.files[0].rows_read, len(first.staged)) == (3, 3)
    waiting = lambda: sorted(p.name for p in tmp_path.glob("lms-chunks-*/*.pkl"))  # noqa: E731
    deadline = time.monotonic() + 30
    while len(waiting()) < worker.CHUNKS_AHEAD and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # time for the process to write more chunks, were it not held back
    assert waiting() == [f"{n:08d}.pkl" for n in range(1, worker.CHUNKS_AHEAD + 1)]  # so many ahead, no more
    chunks.close()  # as when staging fails: the process is told to stop, and the folder goes
    assert list(tmp_path.glob("lms-chunks-*")) == []
    again = worker.prepared_chunks(BY_NAME["system-activities"], FileOutcome(file), 10)
    assert [c.files[0].rows_read for c in again] == [10, 20, 30, 30]  # the process serves the next file whole
