"""The raw archive: every file loaded kept once, compressed and named by its hash, on a local folder or any fsspec
filesystem; the journal says where, with the file's root and extract time. A missing archive never fails a load."""

from __future__ import annotations

import gzip
import hashlib
import uuid
from datetime import datetime

import fsspec
import pytest
from extracts import section, user, write

from lms_pipeline.loading.archive import RawArchive, open_archive
from lms_pipeline.options import Thresholds
from lms_pipeline.reporting.warnings import staging_warnings


def _tree(root):
    """Two users files and a sections file; the second users file has the same content as the first."""
    first = write(root, "users", [user("u1"), user("u2")], stamp="2021-09-01-06-00-00")
    write(root, "sections", [section("s1")], stamp="2021-09-01-06-00-00")
    return first


def _journal(query):
    return {
        relpath: (root, extracted, archived)
        for relpath, root, extracted, archived in query(
            "SELECT relativepath, extractroot, extracttime, archivedas FROM lms.processedfiles"
        )
    }


@pytest.mark.parametrize("kind", ["folder", "memory"])
def test_each_loaded_file_is_kept_once_and_journaled(kind, tmp_path, db, engine, load_tree, query):
    url = str(tmp_path / "archive") if kind == "folder" else f"memory://raw-{uuid.uuid4().hex}"
    root = tmp_path / "canvas"
    _tree(root)
    archive = RawArchive(url)
    summary = load_tree(root, archive=archive)

    assert summary.archive_problems == []
    journal = _journal(query)
    assert set(journal) == {"users/2021-09-01-06-00-00.csv", "sections/2021-09-01-06-00-00.csv"}
    fs, _ = fsspec.core.url_to_fs(url)
    for relpath, (extract_root, extracted, archived) in journal.items():
        content = (root / relpath).read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        assert extract_root == str(root.resolve())
        assert extracted == datetime(2021, 9, 1, 6, 0, 0)
        assert archived == archive.address(digest) and archived.endswith(f"/{digest[:2]}/{digest}.csv.gz")
        with fs.open(archived, "rb") as copy:
            assert gzip.decompress(copy.read()) == content
        assert archive.read(digest) == content
    assert not [path for path in fs.find(archive.root) if path.endswith(".part")]


def test_the_same_content_at_a_second_path_is_kept_once(tmp_path, db, load_tree, query):
    root = tmp_path / "canvas"
    first = _tree(root)
    archive = RawArchive(str(tmp_path / "archive"))
    load_tree(root, archive=archive)
    later = first.with_name("2021-09-02-06-00-00.csv")
    later.write_bytes(first.read_bytes())
    load_tree(root, archive=archive)

    addresses = {archived for _, _, archived in _journal(query).values()}
    assert len(addresses) == 2  # the two users files share one copy
    assert len(list((tmp_path / "archive").rglob("*.csv.gz"))) == 2


def test_an_archive_that_cannot_keep_files_is_a_warning_not_a_failed_load(tmp_path, db, load_tree, query):
    root = tmp_path / "canvas"
    _tree(root)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the archive's folder should be")
    summary = load_tree(root, archive=RawArchive(str(blocker / "archive")))

    assert query("SELECT count(*) FROM lms.lmsuser")[0][0] == 2
    assert len(summary.archive_problems) == 2
    assert all(p.startswith(("users/", "sections/")) for p in summary.archive_problems)
    assert {archived for _, _, archived in _journal(query).values()} == {None}
    warning = next(w for w in staging_warnings(summary, Thresholds()) if w.startswith("raw archive"))
    assert "2 problems" in warning and "loaded all the same" in warning


def test_an_archive_that_cannot_be_opened_is_said_once():
    problems: list[str] = []
    assert open_archive("no-such-protocol://bucket/raw", problems) is None
    assert len(problems) == 1 and "no-such-protocol" in problems[0] and "no file was kept" in problems[0]
    assert open_archive(None, problems) is None and len(problems) == 1


def test_a_file_changed_since_it_was_hashed_is_not_kept_under_the_old_hash(tmp_path):
    from lms_pipeline.discovery.walk import walk_tree

    root = tmp_path / "canvas"
    first = _tree(root)
    archive = RawArchive(str(tmp_path / "archive"))
    hashed = next(f for f in walk_tree(root).files if f.resource == "users")
    first.write_bytes(first.read_bytes() + b"\n")
    kept = archive.keep([hashed])

    assert kept.addresses == {} and "changed since it was hashed" in kept.problems[0]
    assert not list((tmp_path / "archive").rglob("*.csv.gz"))
