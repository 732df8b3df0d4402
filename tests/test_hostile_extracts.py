"""Hostile but real extract trees (issue 13): nothing on disk stops the night, extract time decides, the
mass-deletion guard cannot be stepped round, identifiers hide nothing, and links never lead out of the tree."""

from __future__ import annotations

import os
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from extracts import enrolment, section, user, write

from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.loading.batch import MassDeletePolicy
from lms_pipeline.loading.journal import pending_files
from lms_pipeline.loading.stage import stage_all
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.tables import StoreTables

WORKER = Path(__file__).resolve().parent / "load_worker.py"
# Root without its capabilities: file permissions bind it as they bind the loader's own user in its container.
NO_CAPABILITIES = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]


class _Relay(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        with socket.socket(socket.AF_UNIX) as server:
            server.connect(self.server.unix_path)
            back = threading.Thread(target=_pump, args=(server, self.request), daemon=True)
            back.start()
            _pump(self.request, server)
            back.join()


def _pump(source: socket.socket, target: socket.socket) -> None:
    while data := source.recv(65536):
        target.sendall(data)
    target.shutdown(socket.SHUT_WR)


@pytest.fixture
def reachable_url(db):
    """The test database's URL as a process without root's capabilities can use it. The embedded server (no
    LMS_TEST_DATABASE_URL) listens only on a socket in a folder of its own user, which such a process may not enter:
    a relay on 127.0.0.1, in this process, forwards to it."""
    if not db.server.startswith("/"):
        yield db.url().render_as_string(hide_password=False)
        return
    relay = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Relay)
    relay.daemon_threads = True
    relay.unix_path = os.path.join(db.server, f".s.PGSQL.{db.effective_port}")
    threading.Thread(target=relay.serve_forever, daemon=True).start()
    tcp = db.model_copy(update={"server": "127.0.0.1", "port": relay.server_address[1]})
    yield tcp.url().render_as_string(hide_password=False)
    relay.shutdown()
    relay.server_close()


def small_tree(root: Path, stamp: str = "2021-09-01-06-00-00", users: int = 4) -> Path:
    write(root, "users", [user(str(i)) for i in range(users)], stamp)
    write(root, "sections", [section("s1"), section("s2")], stamp)
    for sid in ("s1", "s2"):
        rows = [enrolment(f"{sid}-{i}", sid, str(i)) for i in range(users)]
        write(root, "section-associations", rows, stamp, section=sid)
    return root


def journal(query) -> dict[str, tuple]:
    rows = query("SELECT relativepath, outcome, contenthash FROM lms.processedfiles")
    return {relpath: (outcome, digest is not None) for relpath, outcome, digest in rows}


# --- 1. nothing on disk stops the night ---------------------------------------------------------------------------


def test_unreadable_files_and_folders_are_rejected_and_load_once_they_can_be_read(
    reachable_url, tmp_path, load_tree, query
):
    root = small_tree(tmp_path / "root")
    unreadable = root / "section=s1" / "section-associations" / "2021-09-01-06-00-00.csv"
    unreadable.chmod(0)
    (root / "section=s2").chmod(0)
    try:
        assert subprocess.run([*NO_CAPABILITIES, "cat", str(unreadable)], capture_output=True).returncode == 1
        loaded = load_without_capabilities(reachable_url, root)
    finally:
        unreadable.chmod(0o644)
        (root / "section=s2").chmod(0o755)
    assert loaded.returncode == 0, loaded.stderr
    assert query("SELECT count(*) FROM lms.lmsuser") == [(4,)]
    assert query("SELECT count(*) FROM lms.lmssection") == [(2,)]
    assert query("SELECT count(*) FROM lms.lmsuserlmssectionassociation") == [(0,)]
    # Journaled as rejected without a hash: tried again on every run until it loads.
    assert journal(query)["section=s1/section-associations/2021-09-01-06-00-00.csv"] == ("rejected", False)
    assert "section=s2/section-associations/2021-09-01-06-00-00.csv" not in journal(query)

    assert not load_tree(root).rejected_files
    assert query("SELECT count(*) FROM lms.lmsuserlmssectionassociation") == [(8,)]
    assert journal(query)["section=s1/section-associations/2021-09-01-06-00-00.csv"] == ("loaded", True)


def load_without_capabilities(url: str, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*NO_CAPABILITIES, sys.executable, str(WORKER), url, str(root)], capture_output=True, text=True, timeout=300
    )


def test_discovery_without_root_powers_reports_what_it_cannot_read(tmp_path):
    root = small_tree(tmp_path / "root")
    (root / "section=s2").chmod(0)
    (root / "users" / "2021-09-01-06-00-00.csv").chmod(0)
    script = (
        "import sys; from lms_pipeline.discovery.walk import walk_tree; m = walk_tree(sys.argv[1]); "
        "print(sorted((n.relpath, n.kind) for n in m.notices)); print([s.message for s in m.set_aside])"
    )
    try:
        walked = subprocess.run(
            [*NO_CAPABILITIES, sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=120
        )
    finally:
        (root / "section=s2").chmod(0o755)
        (root / "users" / "2021-09-01-06-00-00.csv").chmod(0o644)
    notices, set_aside = walked.stdout.splitlines()
    assert notices == str([("section=s2", "unreadable-folder"), ("users/2021-09-01-06-00-00.csv", "unreadable-file")])
    assert set_aside == str(
        ["users/2021-09-01-06-00-00.csv: cannot be read: Permission denied; tried again on every run until it loads"]
    )


@pytest.mark.parametrize("replacement", ["folder", "fifo", "removed", "link-out"])
def test_a_file_replaced_after_discovery_is_rejected_alone_and_tried_again(engine, tmp_path, query, replacement):
    root = small_tree(tmp_path / "root")
    outside = tmp_path / "outside.csv"
    outside.write_text("SourceSystemIdentifier,Secret\nx,the-secret-line\n")
    tables = StoreTables(dialect_of(engine))
    manifest = pending_files(engine, tables, walk_tree(root), False)
    target = root / "section=s1" / "section-associations" / "2021-09-01-06-00-00.csv"
    kept = target.read_bytes()
    target.unlink()
    if replacement == "folder":
        target.mkdir()
    elif replacement == "fifo":
        os.mkfifo(target)  # opened blocking, it would hang the run for ever
    elif replacement == "link-out":
        target.symlink_to(outside)
    summary = stage_all(engine, [manifest], None, MassDeletePolicy())
    [rejected] = summary.rejected_files
    assert rejected.startswith(f"{target}: ")
    assert "nothing of it was loaded" in rejected or "cannot be read" in rejected
    assert "the-secret-line" not in rejected
    assert query("SELECT count(*) FROM lms.lmsuserlmssectionassociation") == [(4,)]  # s2's loaded
    assert journal(query)["section=s1/section-associations/2021-09-01-06-00-00.csv"] == ("rejected", False)
    if target.is_dir() and not target.is_symlink():
        target.rmdir()
    else:
        target.unlink(missing_ok=True)
    target.write_bytes(kept)
    summary = stage_all(engine, [pending_files(engine, tables, walk_tree(root), False)], None, MassDeletePolicy())
    assert not summary.rejected_files
    assert query("SELECT count(*) FROM lms.lmsuserlmssectionassociation") == [(8,)]


def test_a_fifo_where_an_extract_was_expected_is_reported_and_never_opened(tmp_path):
    root = small_tree(tmp_path / "root")
    os.mkfifo(root / "users" / "2021-09-02-06-00-00.csv")
    manifest = walk_tree(root)
    assert [(n.relpath, n.kind) for n in manifest.notices] == [("users/2021-09-02-06-00-00.csv", "unexpected-file")]
    assert len(manifest.files) == 4


def test_a_root_that_cannot_be_read_gives_a_notice_not_an_exception(tmp_path):
    manifest = walk_tree(tmp_path / "no-such-root")
    [notice] = manifest.notices
    assert (notice.relpath, notice.kind) == (".", "unreadable-folder")
    assert "No such file or directory" in notice.message and not manifest.files


# --- 2. extract time decides, not arrival order -------------------------------------------------------------------


def test_an_older_users_file_arriving_late_is_superseded_and_changes_nothing(tmp_path, load_tree, query):
    root = tmp_path / "root"
    write(root, "users", [user("1", Name="New name"), user("2")], "2021-09-02-06-00-00")
    load_tree(root)
    write(root, "users", [user("1", Name="Old name"), user("3")], "2021-09-01-06-00-00")
    summary = load_tree(root)
    assert summary.superseded_files == [
        "users/2021-09-01-06-00-00.csv: older than users/2021-09-02-06-00-00.csv, "
        "which is already loaded; set aside, so it changes nothing"
    ]
    assert summary.needs_attention
    assert query("SELECT sourcesystemidentifier, name, deletedat IS NULL FROM lms.lmsuser ORDER BY 1") == [
        ("1", "New name", True),
        ("2", "User 2", True),
    ]
    assert journal(query)["users/2021-09-01-06-00-00.csv"] == ("superseded", True)
    assert not load_tree(root).superseded_files  # journaled: not set aside again


def test_another_roots_newer_file_does_not_supersede_this_roots_files(tmp_path, load_tree, query):
    canvas, google = tmp_path / "canvas", tmp_path / "google"
    write(canvas, "users", [user("1", system="Canvas")], "2021-09-02-06-00-00")
    load_tree(canvas)
    write(google, "users", [user("9", system="Google")], "2021-09-01-06-00-00")
    assert not load_tree(google).superseded_files
    assert query("SELECT count(*) FROM lms.lmsuser") == [(2,)]


def test_system_activities_arriving_late_still_load_without_overwriting_newer_values(tmp_path, load_tree, query):
    from extracts import activity

    root = tmp_path / "root"
    write(root, "users", [user("1")])
    newer = {"ActivityStatus": "done", "LastModifiedDate": "2021-09-02 06:00:00"}
    write(root, "system-activities", [activity("a1", "1", **newer)], "2021-09-02-06-00-00")
    load_tree(root)
    older = {"ActivityStatus": "started", "LastModifiedDate": "2021-09-01 06:00:00"}
    write(
        root, "system-activities", [activity("a1", "1", **older), activity("a2", "1", **older)], "2021-09-01-06-00-00"
    )
    assert not load_tree(root).superseded_files
    assert query("SELECT sourcesystemidentifier, activitystatus FROM lms.lmssystemactivity ORDER BY 1") == [
        ("a1", "done"),
        ("a2", "started"),
    ]


# --- 3. the mass-deletion guard -----------------------------------------------------------------------------------


def test_cutting_a_population_down_in_steps_is_held_as_cutting_it_at_once(tmp_path, load_tree, query):
    root = tmp_path / "root"
    everyone = [user(str(i)) for i in range(69)]
    write(root, "users", everyone, "2021-09-01-06-00-00")
    load_tree(root)
    write(root, "users", everyone[:36], "2021-09-02-06-00-00")
    assert not load_tree(root).held_files  # 36 of 69 kept: above half
    write(root, "users", everyone[:18], "2021-09-03-06-00-00")
    summary = load_tree(root)
    [warning] = summary.warnings
    assert "would soft-delete 18 of 36 live users rows, leaving 18 of the 69 its scope held" in warning
    write(root, "users", everyone[:1], "2021-09-04-06-00-00")
    assert load_tree(root).held_files == ["users/2021-09-04-06-00-00.csv"]
    assert query("SELECT count(*) FROM lms.lmsuser WHERE deletedat IS NULL") == [(36,)]
    load_tree(root, allow_mass_delete=True)  # the one release
    assert query("SELECT count(*) FROM lms.lmsuser WHERE deletedat IS NULL") == [(1,)]


def test_a_second_root_of_the_same_source_system_cannot_delete_the_population(tmp_path, load_tree, query):
    first, second = tmp_path / "first", tmp_path / "second"
    write(first, "users", [user(str(i)) for i in range(49)])
    load_tree(first)
    write(second, "users", [user("0"), user("1")])
    assert load_tree(second).held_files == ["users/2021-09-01-06-00-00.csv"]
    assert query("SELECT count(*) FROM lms.lmsuser WHERE deletedat IS NULL") == [(49,)]


def test_a_small_section_may_still_empty(tmp_path, load_tree, query):
    root = small_tree(tmp_path / "root", users=10)
    load_tree(root)
    write(root, "section-associations", [enrolment("s1-0", "s1", "0")], "2021-09-02-06-00-00", section="s1")
    assert not load_tree(root).held_files
    assert query("SELECT count(*) FROM lms.lmsuserlmssectionassociation WHERE deletedat IS NULL") == [(11,)]


# --- 7. limits are messages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", ["\u200b", "\ufeff", "\u00a0", " "])
def test_an_identifier_with_a_hidden_character_is_quarantined_and_deletes_nothing(tmp_path, load_tree, query, hidden):
    root = tmp_path / "root"
    write(root, "users", [user("1"), user("2")], "2021-09-01-06-00-00")
    load_tree(root)
    write(root, "users", [user("1" + hidden, SISUserIdentifier="S1"), user("2")], "2021-09-02-06-00-00")
    summary = load_tree(root)
    [rejection] = summary.rejections
    assert (rejection.line, rejection.column, rejection.check) == (2, "SourceSystemIdentifier", "identifier")
    shown = " " if hidden == " " else f"\\u{ord(hidden):04x}"
    assert rejection.reason.endswith(f"at either end: '1{shown}'")
    assert query("SELECT sourcesystemidentifier, deletedat IS NULL FROM lms.lmsuser ORDER BY 1") == [
        ("1", True),
        ("2", True),
    ]


def test_a_header_with_a_hidden_character_rejects_the_file_and_says_which(tmp_path, load_tree):
    root = tmp_path / "root"
    header = [
        "SourceSystemIdentifier",
        "SourceSystem\u200b",
        "UserRole",
        "Name",
        "EmailAddress",
        "CreateDate",
        "LastModifiedDate",
    ]
    write(root, "users", [user("1")], header=header)
    [rejected] = load_tree(root).rejected_files
    assert rejected.endswith("line 1, column 2: column 'SourceSystem\\u200b' holds an invisible character")


def test_future_stamps_overlong_paths_and_shared_stamps_are_notices(tmp_path):
    deep = tmp_path
    while len(str(deep)) < 1000:
        deep = deep / ("d" * 100)
    write(deep, "users", [user("1")])
    assert [n.kind for n in walk_tree(deep).notices] == ["path-too-long"]
    root = small_tree(tmp_path / "root")
    write(root, "users", [user("1")], "2999-01-01-00-00-00")
    shutil.copy(root / "users" / "2021-09-01-06-00-00.csv", root / "users" / "2021-09-01-06-00-00.CSV")
    manifest = walk_tree(root)
    notices = {n.relpath: n.kind for n in manifest.notices}
    assert notices == {
        "users/2999-01-01-00-00-00.csv": "future-timestamp",
        "users/2021-09-01-06-00-00.csv": "same-timestamp",
    }
    assert [f.relpath for f in manifest.by_resource("users")] == [
        "users/2021-09-01-06-00-00.CSV",
        "users/2021-09-01-06-00-00.csv",
    ]


# --- 9. only the tree is read -------------------------------------------------------------------------------------


def test_a_hard_link_to_a_file_outside_the_root_is_refused_unread(tmp_path, load_tree, query):
    root = small_tree(tmp_path / "root")
    outside = tmp_path / "outside.csv"
    outside.write_text("SourceSystemIdentifier,the-secret-header\n1,the-secret-value\n")
    os.link(outside, root / "users" / "2021-09-02-06-00-00.csv")
    manifest = walk_tree(root)
    assert [(n.relpath, n.kind) for n in manifest.notices] == [("users/2021-09-02-06-00-00.csv", "outside-link")]
    summary = load_tree(root)
    assert "secret" not in repr(summary)
    assert query("SELECT count(*) FROM lms.lmsuser") == [(4,)]


def test_hard_links_within_the_tree_load(tmp_path, load_tree, query):
    root = small_tree(tmp_path / "root")
    os.link(root / "users" / "2021-09-01-06-00-00.csv", root / "users" / "2021-09-02-06-00-00.csv")
    assert not walk_tree(root).notices


@pytest.mark.prefect
def test_the_command_line_without_root_powers_loads_the_rest_and_ends_warned(
    reachable_url, tmp_path, prefect_api, query
):
    root = small_tree(tmp_path / "root")
    write(root, "users", [user(str(i)) for i in range(4)], "2021-09-02-06-00-00")
    (root / "users" / "2021-09-02-06-00-00.csv").chmod(0)
    (root / "section=s2").chmod(0)
    # Only this command line names the database: no connection settings another test left in the environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DB_") and k != "LMS_DATABASE_URL"}
    env["PREFECT_API_URL"] = prefect_api
    try:
        result = subprocess.run(
            [
                *NO_CAPABILITIES,
                sys.executable,
                "-m",
                "lms_pipeline.cli",
                "load",
                "-c",
                str(root),
                "--database-url",
                reachable_url,
                "--stale-after-hours",
                "1000000",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=tmp_path,
        )
    finally:
        (root / "users" / "2021-09-02-06-00-00.csv").chmod(0o644)
        (root / "section=s2").chmod(0o755)
    assert result.returncode == 3, result.stderr  # completed, with warnings a person must see
    output = result.stdout + result.stderr
    assert "users/2021-09-02-06-00-00.csv: cannot be read: Permission denied" in output
    assert "section=s2: cannot be read: Permission denied; nothing in it was loaded or soft-deleted" in output
    assert query("SELECT outcome FROM lms.loadrun") == [("warned",)]
    assert query("SELECT count(*) FROM lms.lmsuserlmssectionassociation") == [(4,)]  # s1's


def test_notices_a_person_must_act_on_become_the_runs_warnings(tmp_path):
    from lms_pipeline.reporting.warnings import tree_warnings

    root = small_tree(tmp_path / "root")
    write(root, "users", [user("1")], "2999-01-01-00-00-00")
    (root / "notes").mkdir()  # an unexpected folder is only logged: nothing to act on
    warnings = tree_warnings([walk_tree(root)])
    assert warnings == [
        f"{root}: 1 future-timestamp notice, e.g. users/2999-01-01-00-00-00.csv: named for a time "
        "more than a day ahead of this machine's clock; not loaded until then, so it cannot "
        "supersede the real files"
    ]
