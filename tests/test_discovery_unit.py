"""Discovery without a database: what the walk of an extract tree lists, reports, ignores and sets aside, in which
order, and a manifest's round trip through its file.

The trees are drawn by hypothesis and written to a temporary folder; what the walk should make of each path is
worked out beside it from the loader contract's layout, not from the walker's code.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_pipeline.discovery import walk
from lms_pipeline.discovery.manifests import (
    load_known_files,
    load_manifest,
    manifest_folder,
    save_known_files,
    save_manifest,
    write_manifest,
)
from lms_pipeline.discovery.walk import (
    EMPTY_FILE_BYTES,
    SECTION_RESOURCES,
    Manifest,
    ManifestFile,
    Notice,
    SetAside,
    walk_tree,
)
from lms_pipeline.resources import LOAD_ORDER

NOW = datetime(2025, 1, 1, 12, 0, 0)
ORDER = [r.name for r in LOAD_ORDER]
IDS = ["1", "2", "x=y"]  # few, so that scopes repeat; an id may hold "="


# --- the tree strategy: each file drawn with what the walk should make of it ------------------------------------


LOADED_FOLDER_KINDS = [0, 1, 2, 3]
FOLDER_KINDS = [*LOADED_FOLDER_KINDS, 5, 6, 7, 8]


@st.composite
def folders(draw, kinds=FOLDER_KINDS) -> tuple[tuple[str, ...], dict]:
    """A folder of an extract root, and the resource and scope of the files in it; or, where they are not loaded,
    {"notice": kind, "at": depth}: the walk reports the folder at that depth."""
    section, assignment, day = draw(st.sampled_from(IDS)), draw(st.sampled_from(IDS)), draw(st.sampled_from(IDS))
    section_folder = draw(st.sampled_from(["section=", "Section=", "SECTION="])) + section
    assignment_folder = draw(st.sampled_from(["assignment=", "Assignment=", "ASSIGNMENT="])) + assignment
    kind = draw(st.sampled_from(kinds))
    if kind == 0:
        name = draw(st.sampled_from(["users", "sections"]))
        return (name,), {"resource": name}
    if kind == 1:
        resource = draw(st.sampled_from(SECTION_RESOURCES))
        return (section_folder, resource), {"resource": resource, "section": section}
    if kind == 2:
        scope = {"resource": "submissions", "section": section, "assignment": assignment}
        return (section_folder, assignment_folder, "submissions"), scope
    if kind == 3:
        return ("system-activities", f"date={day}"), {"resource": "system-activities", "date": day}
    if kind == 5:  # a folder the layout has no place for: reported once, nothing under it read
        return ("Users",), {"notice": "unexpected-folder", "at": 1}
    if kind == 6:
        return (section_folder, "gradebook"), {"notice": "unexpected-folder", "at": 2}
    if kind == 7:
        return (section_folder, assignment_folder, "comments"), {"notice": "unexpected-folder", "at": 3}
    return ("system-activities", "2021-09-01"), {"notice": "unexpected-folder", "at": 2}


def stamp_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d-%H-%M-%S")


stamps = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2027, 1, 1)).map(
    lambda t: t.replace(microsecond=0)
)
past_stamps = stamps.filter(lambda t: t <= NOW)
# A few stamps shared by many files, so that files of one scope share one now and then.
shared_stamps = st.sampled_from([datetime(2021, 9, 1, 6), datetime(2021, 9, 2, 6)])
LOADED_CONTENT = [b"a,b\n1", b"Id\n2\n", b"Id,Name\n1,Ann\n"]  # more than EMPTY_FILE_BYTES


@st.composite
def odd_file(draw) -> tuple[str, str | None, bytes]:
    """A file name, the timestamp it carries when it is an extract file's, and its content: anything goes."""
    stamp = stamp_text(draw(st.one_of(shared_stamps, stamps)))
    name, carried = draw(
        st.sampled_from(
            [
                (f"{stamp}.csv", stamp),
                (f"{stamp}.CSV", stamp),
                (f"{stamp[:10]}.csv", None),  # a .csv file, but not named for its extract time
                ("notes.txt", None),
            ]
        )
    )
    return name, carried, draw(st.sampled_from([b"", b"\n\n", b"a,b\n", *LOADED_CONTENT]))


@st.composite
def trees(draw) -> dict[tuple[str, ...], tuple[bytes, dict, str | None]]:
    """path parts -> (content, folder scope, timestamp), in the order the files arrive on disk: mostly regular
    extract files, the rest anything."""
    tree = {}
    for _ in range(draw(st.integers(0, 30))):
        if draw(st.integers(0, 3)):
            parts, scope = draw(folders(LOADED_FOLDER_KINDS))
            stamp = stamp_text(draw(st.one_of(shared_stamps, past_stamps)))
            name, content = (
                draw(st.sampled_from([f"{stamp}.csv", f"{stamp}.CSV"])),
                draw(st.sampled_from(LOADED_CONTENT)),
            )
        else:
            parts, scope = draw(folders())
            name, stamp, content = draw(odd_file())
        tree[(*parts, name)] = (content, scope, stamp)
    return tree


def expectations(tree: dict) -> tuple[list[tuple], list[tuple[str, str]]]:
    """The manifest files (in load order) and the notices (sorted) that the contract asks of this tree."""
    files, notices, reported_folders = [], [], set()
    latest = NOW + timedelta(days=1)
    for parts, (content, scope, stamp) in tree.items():
        relpath = "/".join(parts)
        if "notice" in scope:
            reported_folders.add(("/".join(parts[: scope["at"]]), scope["notice"]))
        elif stamp is None:
            notices.append((relpath, "unnamed" if parts[-1].endswith(".csv") else "unexpected-file"))
        elif datetime.strptime(stamp, "%Y-%m-%d-%H-%M-%S") > latest:
            notices.append((relpath, "future-timestamp"))
        elif len(content) <= EMPTY_FILE_BYTES:
            notices.append((relpath, "empty-file"))
        else:
            scope_fields = (scope.get("section"), scope.get("assignment"), scope.get("date"))
            digest = hashlib.sha256(content).hexdigest()
            files.append((scope["resource"], relpath, stamp, len(content), digest, *scope_fields))
    files.sort(key=lambda f: (ORDER.index(f[0]), f[2], f[1]))
    # Files of one scope and one timestamp all load, in name order: every one after the first is reported.
    by_scope_and_stamp: dict[tuple, list[str]] = {}
    for resource, relpath, stamp, _, _, *scope_fields in files:
        by_scope_and_stamp.setdefault((resource, *scope_fields, stamp), []).append(relpath)
    for relpaths in by_scope_and_stamp.values():
        notices += [(relpath, "same-timestamp") for relpath in sorted(relpaths)[1:]]
    return files, sorted(notices + list(reported_folders))


def write_tree(root: Path, tree: dict) -> None:
    for parts, (content, _, _) in tree.items():
        path = root.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def listed(manifest: Manifest) -> list[tuple]:
    return [
        (f.resource, f.relpath, f.timestamp, f.size, f.sha256, f.section, f.assignment, f.date) for f in manifest.files
    ]


# --- the walk -----------------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(trees())
def test_the_walk_lists_every_extract_file_in_load_order_and_reports_everything_else(tree):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "root"
        root.mkdir()
        write_tree(root, tree)
        manifest = walk_tree(root, now=NOW)
        files, notices = expectations(tree)
        assert listed(manifest) == files
        assert sorted((n.relpath, n.kind) for n in manifest.notices) == notices
        assert manifest.set_aside == [] and manifest.already_loaded == manifest.held_retried == 0
        assert manifest.root == str(root.resolve())
        for f in manifest.files:  # the file discovery saw: a file put in its place later is not read
            found = os.stat(f.path)
            assert f.path == str(root.resolve() / f.relpath) and f.identity == (found.st_dev, found.st_ino)


@settings(max_examples=25, deadline=None)
@given(st.lists(past_stamps, min_size=1, max_size=6, unique=True), st.randoms(use_true_random=False))
def test_arrival_order_does_not_change_the_manifest(times, rng):
    """Files written in any order, over folders created in any order, give the same manifest."""
    names = [f"{stamp_text(t)}.csv" for t in times]
    paths = [f"{folder}/{name}" for folder in ("users", "section=1/assignments", "sections") for name in names]
    manifests = []
    with tempfile.TemporaryDirectory() as folder:
        for attempt in ("sorted", "shuffled"):
            root = Path(folder) / attempt
            order = sorted(paths) if attempt == "sorted" else rng.sample(paths, len(paths))
            for relpath in order:
                (root / relpath).parent.mkdir(parents=True, exist_ok=True)
                (root / relpath).write_text(f"Id\n{relpath}\n")
            manifests.append(walk_tree(root, now=NOW))
    first, second = manifests
    assert [(f.relpath, f.sha256) for f in first.files] == [(f.relpath, f.sha256) for f in second.files]
    assert [f.resource for f in first.files] == ["users"] * len(times) + ["sections"] * len(times) + [
        "assignments"
    ] * len(times)
    assert [f.timestamp for f in first.by_resource("users")] == sorted(f"{t:%Y-%m-%d-%H-%M-%S}" for t in times)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)), st.integers(-3, 3))
@settings(max_examples=60, deadline=None)
def test_a_stamp_loads_up_to_one_day_ahead_of_the_clock(now, seconds):
    """The boundary of the future-timestamp rule, to the second, whatever the clock says."""
    stamp = (now + timedelta(days=1) + timedelta(seconds=seconds)).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "users").mkdir()
        (root / "users" / f"{stamp:%Y-%m-%d-%H-%M-%S}.csv").write_text("Id\n1\n")
        manifest = walk_tree(root, now=now)
    loaded = stamp <= now + timedelta(days=1)
    assert len(manifest.files) == int(loaded)
    assert [n.kind for n in manifest.notices] == ([] if loaded else ["future-timestamp"])


def test_a_file_that_cannot_be_read_is_set_aside_as_rejected_and_the_rest_still_listed(tmp_path, monkeypatch):
    for name in ("2021-09-01-06-00-00.csv", "2021-09-02-06-00-00.csv"):
        (tmp_path / "users").mkdir(exist_ok=True)
        (tmp_path / "users" / name).write_text("Id\n1\n")
    real = walk.sha256_of

    def flaky(path, identity=None):
        if path.endswith("2021-09-01-06-00-00.csv"):
            raise OSError(5, "Input/output error")
        return real(path, identity)

    monkeypatch.setattr(walk, "sha256_of", flaky)
    manifest = walk_tree(tmp_path, now=NOW)
    assert [f.relpath for f in manifest.files] == ["users/2021-09-02-06-00-00.csv"]
    [aside] = manifest.set_aside
    assert (aside.file.relpath, aside.outcome, aside.file.sha256) == ("users/2021-09-01-06-00-00.csv", "rejected", "")
    assert aside.reason.startswith("cannot be read: Input/output error; tried again")
    assert [(n.relpath, n.kind) for n in manifest.notices] == [("users/2021-09-01-06-00-00.csv", "unreadable-file")]


def test_links_are_followed_only_inside_the_root_and_odd_names_are_reported(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "users").mkdir(parents=True)
    outside.mkdir()
    (outside / "2021-09-01-06-00-00.csv").write_text("Id\nsecret\n")
    (root / "users" / "2021-09-02-06-00-00.csv").write_text("Id\n1\n")
    (root / "users" / "2021-09-03-06-00-00.csv").symlink_to(outside / "2021-09-01-06-00-00.csv")
    (root / "users" / "2021-09-04-06-00-00.csv").symlink_to(root / "nowhere.csv")
    os.link(outside / "2021-09-01-06-00-00.csv", root / "users" / "2021-09-05-06-00-00.csv")
    (root / "users" / "2021-09-06-06-00-00.csv").symlink_to(root / "users" / "2021-09-02-06-00-00.csv")
    (root / "sections").symlink_to(root / "more" / "sections")  # inside the root: followed
    (root / "more" / "sections").mkdir(parents=True)
    (root / "more" / "sections" / "2021-09-01-06-00-00.csv").write_text("Id\n1\n")
    (root / "users" / "stray").mkdir()
    os.mkfifo(root / "users" / "2021-09-07-06-00-00.csv")
    (root / "readme.txt").write_text("not an extract")
    with open(os.path.join(os.fsencode(root / "users"), b"2021-09-08-06-00-00-\xff.csv"), "wb") as bad:
        bad.write(b"Id\n1\n")
    manifest = walk_tree(root, now=NOW)
    assert [(f.resource, f.relpath) for f in manifest.files] == [
        ("users", "users/2021-09-02-06-00-00.csv"),
        ("users", "users/2021-09-06-06-00-00.csv"),  # a link to a file of the tree: listed under its own name
        ("sections", "sections/2021-09-01-06-00-00.csv"),
    ]
    assert sorted((n.relpath, n.kind) for n in manifest.notices) == [
        ("more", "unexpected-folder"),
        ("readme.txt", "unexpected-file"),
        ("users/2021-09-03-06-00-00.csv", "outside-root"),
        ("users/2021-09-04-06-00-00.csv", "broken-link"),
        ("users/2021-09-05-06-00-00.csv", "outside-link"),
        ("users/2021-09-07-06-00-00.csv", "unexpected-file"),
        ("users/2021-09-08-06-00-00-\ufffd.csv", "unreadable-name"),
        ("users/stray", "unexpected-folder"),
    ]


def test_a_hard_link_out_of_the_tree_is_refused_even_through_a_linked_folder(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside.csv"
    (root / "users").mkdir(parents=True)
    outside.write_text("Id\nsecret\n")
    os.link(outside, root / "users" / "2021-09-01-06-00-00.csv")
    (root / "sections").symlink_to(root / "users")
    manifest = walk_tree(root, now=NOW)
    assert manifest.files == []


# --- files the journal knows -------------------------------------------------------------------------------------


def _one_users_file(root: Path) -> Path:
    path = root / "users" / "2021-09-01-06-00-00.csv"
    path.parent.mkdir(parents=True)
    path.write_text("Id\nann\n")
    return path


def test_a_known_file_whose_stat_is_unchanged_keeps_its_hash_and_is_not_read(tmp_path, monkeypatch):
    path = _one_users_file(tmp_path)
    [first] = walk_tree(tmp_path, now=NOW).files
    assert first.stat == walk.file_stat(path.stat()) and first.sha256 == hashlib.sha256(b"Id\nann\n").hexdigest()

    def unread(path, identity=None):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(walk, "sha256_of", unread)
    [again] = walk_tree(tmp_path, now=NOW, known={first.path: (first.stat, "journaled-hash")}).files
    assert again.sha256 == "journaled-hash" and again.stat == first.stat


@pytest.mark.parametrize("keep_times", [False, True], ids=["touched", "times-set-back"])
def test_a_file_written_since_is_read_again_even_with_its_size_and_times_set_back(tmp_path, keep_times):
    """Writing changes the change time (ctime), which no tool sets back: an edit in place that keeps the size and
    the modification time is still read."""
    path = _one_users_file(tmp_path)
    [first] = walk_tree(tmp_path, now=NOW).files
    before = path.stat()
    path.write_text("Id\nbob\n")
    if keep_times:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    [again] = walk_tree(tmp_path, now=NOW, known={first.path: (first.stat, first.sha256)}).files
    assert again.stat != first.stat and again.sha256 == hashlib.sha256(b"Id\nbob\n").hexdigest()


def test_known_files_go_to_discovery_as_a_file_and_come_back_as_they_were(tmp_path):
    known = {"/r/users/a.csv": ("12:1:2:3:4", "f" * 64)}
    assert load_known_files(save_known_files(known, tmp_path / "run")) == known


def test_a_root_that_is_missing_gives_an_empty_manifest_with_a_notice(tmp_path):
    manifest = walk_tree(tmp_path / "missing", now=NOW)
    assert manifest.files == [] and [(n.relpath, n.kind) for n in manifest.notices] == [(".", "unreadable-folder")]


# --- manifests on disk --------------------------------------------------------------------------------------------

texts = st.text(max_size=12)
optional_texts = st.none() | texts
manifest_files = st.builds(
    ManifestFile,
    resource=st.sampled_from(ORDER),
    relpath=texts,
    path=texts,
    timestamp=texts,
    size=st.integers(0, 2**63),
    sha256=texts,
    section=optional_texts,
    assignment=optional_texts,
    date=optional_texts,
    device=st.integers(0, 2**64 - 1),
    inode=st.integers(0, 2**64 - 1),
)
manifests = st.builds(
    Manifest,
    root=texts,
    files=st.lists(manifest_files, max_size=4),
    notices=st.lists(st.builds(Notice, texts, texts, texts), max_size=3),
    already_loaded=st.integers(0, 10**6),
    held_retried=st.integers(0, 10**6),
    set_aside=st.lists(
        st.builds(SetAside, manifest_files, st.sampled_from(["rejected", "superseded"]), texts), max_size=3
    ),
)


@settings(max_examples=50, deadline=None)
@given(manifests)
def test_a_manifest_comes_back_from_its_file_as_it_was_written(manifest):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.json"
        write_manifest(manifest, path)
        assert load_manifest(str(path)) == manifest


def test_a_walked_manifest_comes_back_from_its_numbered_file(tmp_path):
    (tmp_path / "root" / "section=7" / "Assignment=9" / "submissions").mkdir(parents=True)
    (tmp_path / "root" / "section=7" / "Assignment=9" / "submissions" / "2021-09-01-06-00-00.csv").write_text("Id\n1\n")
    (tmp_path / "root" / "notes.md").write_text("hello")
    manifest = walk_tree(tmp_path / "root", now=NOW)
    path = save_manifest(manifest, tmp_path / "work" / "run", 3)
    assert path == str(tmp_path / "work" / "run" / "manifest-3.json")
    again = load_manifest(path)
    assert again == manifest and again.files[0].identity == manifest.files[0].identity != (0, 0)
    assert (again.files[0].section, again.files[0].assignment) == ("7", "9")


@pytest.mark.parametrize("fails", [False, True])
def test_the_manifest_folder_is_removed_however_the_run_ends_and_the_work_dir_stays(tmp_path, fails):
    work_dir = tmp_path / "work"
    with (
        pytest.raises(RuntimeError) if fails else contextlib.nullcontext(),
        manifest_folder(str(work_dir), "r1") as folder,
    ):
        assert folder == work_dir / "r1"
        save_manifest(Manifest("root"), folder, 0)
        if fails:
            raise RuntimeError("the run failed")
    assert work_dir.is_dir() and not (work_dir / "r1").exists()
    with manifest_folder(None, "r2") as folder:
        save_manifest(Manifest("root"), folder, 0)
        parent = folder.parent
        assert folder.name == "r2" and parent.name.startswith("lms-pipeline-")
    assert not parent.exists()
