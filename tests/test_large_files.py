"""Large files are streamed: validated and staged in chunks, merged once, in one transaction."""

import pytest
from extracts import activity, user, write

from lms_pipeline.options import BatchLimits


@pytest.fixture
def small_chunks(monkeypatch) -> BatchLimits:
    """Make 'large' mean a few hundred bytes, and chunks 3 rows, so a small test takes the streamed path."""
    from lms_pipeline.loading import batch as loading

    monkeypatch.setattr(loading, "CHUNK_ROWS", 3)
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
