"""Batching, as a pure function: whatever the files, their scopes, timestamps and sizes, the batches load as if
the files were applied one after another."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.loading.batching import is_large, plan_batches
from lms_pipeline.options import BatchLimits

LARGE_FILE_BYTES = BatchLimits().large_file_bytes

SCOPES = ["", "S1", "S2", "S3"]  # no section (a users file), or one of three sections' assignments


@st.composite
def extract_files(draw) -> list[ManifestFile]:
    count = draw(st.integers(0, 40))
    files = []
    for number in range(count):
        section = draw(st.sampled_from(SCOPES)) or None
        day = draw(st.integers(1, 9))
        size = draw(st.one_of(st.integers(0, 5_000), st.just(LARGE_FILE_BYTES + 1)))
        folder = f"section={section}/assignments" if section else "users"
        name = f"2021-09-0{day}-06-00-{number:02}.csv"  # a file name is unique: its second says which
        files.append(
            ManifestFile(
                resource="assignments" if section else "users",
                relpath=f"{folder}/{name}",
                path=f"/r/{folder}/{name}",
                timestamp=name[:-4],
                size=size,
                sha256=f"{number}",
                section=section,
            )
        )
    return files


@settings(max_examples=200, deadline=None)
@given(extract_files(), st.integers(1, 5), st.integers(1, 20_000))
def test_batches_hold_every_file_once_one_per_scope_in_time_order_and_within_bounds(files, max_files, max_bytes):
    batches = plan_batches(files, BatchLimits(max_files=max_files, max_bytes=max_bytes))
    placed = [f for batch in batches for f in batch]
    assert sorted(f.relpath for f in placed) == sorted(f.relpath for f in files)
    position = {f.relpath: index for index, batch in enumerate(batches) for f in batch}
    for batch in batches:
        assert batch, "an empty batch"
        assert len({f.scope_key for f in batch}) == len(batch), "two files of one scope in one batch"
        if len(batch) > 1:
            assert len(batch) <= max_files and sum(f.size for f in batch) <= max_bytes
            assert not any(f.size >= LARGE_FILE_BYTES for f in batch), "a large file shares its batch"
    for scope in {f.scope_key for f in files}:
        in_time_order = sorted((f for f in files if f.scope_key == scope), key=lambda f: (f.timestamp, f.relpath))
        batch_numbers = [position[f.relpath] for f in in_time_order]
        assert batch_numbers == sorted(batch_numbers) and len(set(batch_numbers)) == len(batch_numbers)


def test_a_large_file_is_a_batch_of_its_own_and_known_as_large():
    small = ManifestFile("users", "users/a.csv", "/r/users/a.csv", "2021-09-01-06-00-00", 10, "a")
    large = ManifestFile("users", "users/b.csv", "/r/users/b.csv", "2021-09-02-06-00-00", LARGE_FILE_BYTES, "b")
    limits = BatchLimits()
    assert plan_batches([large, small], limits) == [[small], [large]]
    assert is_large([large], limits) and not is_large([small], limits) and not is_large([large, small], limits)
