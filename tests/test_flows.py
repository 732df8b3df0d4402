"""The parent flow against a real Prefect API: artifacts, cached validation, notifications, failure messages."""

import asyncio
import logging
import os
import re
import shutil
import tempfile
import time

import pytest
from extracts import NOT_STALE, user, write
from prefect.artifacts import Artifact
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from prefect_email import EmailServerCredentials
from records import read_tree
from sinks import SmtpSink, WebhookSink
from sqlalchemy import text

from lms_pipeline.flows.pipeline import lms_pipeline
from lms_pipeline.flows.staging import _batches_line
from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.options import VALIDATE_PHASES, Notifications, Phase, RunOptions, Thresholds

pytestmark = pytest.mark.prefect


@pytest.fixture
def webhook(prefect_api):
    sink = WebhookSink()
    CustomWebhookNotificationBlock(
        name="lms-test",
        url=sink.url,
        method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}"},
    ).save("lms-test-alerts", overwrite=True)
    yield sink
    sink.close()


ALERTS = Notifications(block="custom-webhook/lms-test-alerts")


def run(root, db, *, options=RunOptions(), thresholds=NOT_STALE, notifications=Notifications()):
    """The flow on one root, as a deployment runs it; the fixture trees are years old, so staleness is off."""
    return lms_pipeline(
        csv_paths=[str(root)],
        database=db,
        options=options,
        thresholds=thresholds,
        notifications=notifications,
        return_state=True,
    )


async def _task_states(flow_run_id):
    async with get_client() as client:
        children = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id]))
        )
        runs = [flow_run_id] + [c.id for c in children]
        # Filtered by the server: unfiltered, it answers with its first 200 task runs, of any flow run.
        tasks = await client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=runs))
        )
        return [(t.name, t.state.name) for t in tasks]


def test_a_load_publishes_summary_data_quality_and_progress(db, fixture_tree, query):
    root = fixture_tree("starter-kit-sample")
    bad = root / "users" / "2021-07-02-00-00-00.csv"
    shutil.copy(root / "users" / "2021-07-01-00-00-00.csv", bad)
    bad.write_text(bad.read_text(encoding="utf-8-sig").replace("2020-08-20", "2020-13-45", 1), encoding="utf-8")
    state = run(root, db)
    assert state.is_completed()
    result = state.result()
    assert result.staging.resources["submissions"].inserted == 901
    summary = Artifact.get("lms-load-summary")
    assert '"resource": "submissions"' in summary.data and '"inserted": 901' in summary.data
    quality = Artifact.get("lms-data-quality").data
    assert "| users.CreateDate | 1 | not a date and time in an accepted form | 2020-13-45" in quality
    assert "| users/2021-07-02-00-00-00.csv:2 |" in quality
    assert "YYYY-MM-DD" not in quality  # the reason's detail, which would widen the table: in lms.quarantine
    assert Artifact.get("lms-staging-progress").data == 100.0
    assert query("SELECT outcome, filesloaded FROM lms.loadrun") == [("succeeded", 35)]


def test_runs_tasks_logs_and_artifacts_read_as_a_person_needs_them(db, fixture_tree, caplog):
    """A run from the terminal is named cli-<date>; each batch task names its step, resource and root; each batch
    logs one line with its files, rows and seconds instead of Prefect's bare 'Finished in state Completed()'; the
    progress sits on the parent run; every artifact says what it is; a night with nothing new says so."""
    from datetime import date

    root = fixture_tree("starter-kit-sample")
    caplog.set_level(logging.INFO, logger="prefect")  # the tests' default is WARNING
    state = run(root, db)
    parent_id = state.state_details.flow_run_id

    async def read():
        async with get_client() as client:
            return await read_tree(client, parent_id)

    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    tree = asyncio.run(read())
    (parent, *children), tasks, logs, artifacts = tree.runs, tree.task_runs, tree.logs, tree.artifacts
    assert parent.name == f"cli-{date.today():%Y-%m-%d}"
    assert {c.name for c in children} == {"discovery", "migrations", "staging"}
    names = {t.name for t in tasks}
    assert f"validate-users-{root.name}" in names and f"load-submissions-{root.name}" in names
    messages = [log.message for log in logs]
    assert not [log for log in logs if log.task_run_id and log.message.startswith("Finished in state Completed")]
    batch_lines = [m for m in messages if m.startswith("batch ")]
    assert len(batch_lines) == state.result().staging.batches
    assert re.fullmatch(
        r"batch 1/5, users: 1 file: 49 inserted, 0 updated, 0 un-deleted, 0 soft-deleted, "
        r"0 quarantined, in \d+\.\d s",
        batch_lines[0],
    ), batch_lines
    by_key = {a.key: a for a in artifacts}
    assert by_key["lms-staging-progress"].flow_run_id == parent_id
    assert by_key["lms-trends"].flow_run_id == parent_id and "data:image/svg+xml;base64," in by_key["lms-trends"].data
    assert all(a.description for a in artifacts), [a.key for a in artifacts if not a.description]

    again = run(root, db)
    assert again.is_completed()
    nothing = Artifact.get("lms-load-summary")
    assert nothing.type == "markdown" and nothing.data.startswith("# Nothing new")
    assert f"{again.result().files_found} files found was loaded by an earlier run" in nothing.data


def test_validation_then_load_reuses_the_cached_validation(db, fixture_tree, query):
    root = fixture_tree("starter-kit-sample")
    checked = run(root, db, options=RunOptions(phases=list(VALIDATE_PHASES)))
    assert checked.is_completed() and query("SELECT count(*) FROM lms.lmsuser") == [(0,)]
    assert checked.result().staging.resources["submissions"].files == 24
    loaded = run(root, db)
    assert loaded.is_completed()
    states = asyncio.run(_task_states(loaded.state_details.flow_run_id))
    validations = [s for name, s in states if name.startswith("validate-")]
    assert validations and set(validations) == {"Cached"}
    assert query("SELECT count(*) FROM lms.assignmentsubmission") == [(901,)]


def test_a_failure_names_the_phase_and_the_cause_and_notifies(db, tmp_path, webhook):
    state = run(tmp_path / "no-such-folder", db, notifications=ALERTS)
    assert state.is_failed()
    assert "discovery failed: NoReadableRoot: no extract root can be read: " in state.message
    assert "no-such-folder: cannot be read: No such file or directory" in state.message
    [message] = webhook.messages
    assert "Failed" in message["subject"]
    assert "Phase: discovery" in message["body"] and "No such file or directory" in message["body"]
    assert "/runs/flow-run/" in message["body"] or "flow run" in message["body"]


def test_a_staging_failure_names_the_file_and_reports_counts_so_far(db, tmp_path, webhook, engine):
    write(tmp_path, "users", [user("U1")])
    write(tmp_path, "sections", [{"SourceSystemIdentifier": "S1", "SourceSystem": "BestLMS", "Title": "T"}])
    with engine.begin() as conn:  # a broken store: the sections table is gone
        conn.exec_driver_sql("ALTER TABLE lms.lmssection RENAME TO lmssection_gone")
    state = run(tmp_path, db, options=RunOptions(phases=[Phase.DISCOVERY, Phase.STAGING]), notifications=ALERTS)
    assert state.is_failed()
    assert "staging failed: staging sections: sections/2021-09-01-06-00-00.csv" in state.message
    body = webhook.messages[0]["body"]
    assert "Phase: staging" in body and "users" in body  # users loaded before sections failed


def test_a_run_removes_its_manifests_and_leaves_the_work_dir(db, fixture_tree, tmp_path, monkeypatch):
    root, work, scratch = fixture_tree("starter-kit-sample"), tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    scratch.mkdir()
    assert run(root, db, options=RunOptions(work_dir=str(work))).is_completed()
    assert list(work.iterdir()) == []
    # A re-run with nothing new, without a work_dir: its temporary folder goes too.
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    again = run(root, db)
    assert again.is_completed() and again.result().staging.batches == 0
    assert list(scratch.iterdir()) == []


def test_a_failed_run_removes_its_manifests_too(db, tmp_path, engine):
    root, work = tmp_path / "extracts", tmp_path / "work"
    write(root, "users", [user("U1")])
    with engine.begin() as conn:  # a broken store: staging fails after discovery wrote the manifest
        conn.exec_driver_sql("ALTER TABLE lms.lmsuser RENAME TO lmsuser_gone")
    state = run(root, db, options=RunOptions(phases=[Phase.DISCOVERY, Phase.STAGING], work_dir=str(work)))
    assert state.is_failed() and "staging failed" in state.message
    assert work.is_dir() and list(work.iterdir()) == []


def test_an_unchanged_exception_report_links_the_file_that_holds_it(ods_db, tmp_path, prefect_api):
    reports = tmp_path / "reports"

    def harmonize():
        return lms_pipeline(
            csv_paths=[],
            database=ods_db,
            options=RunOptions(
                phases=[Phase.MIGRATIONS, Phase.HARMONIZATION], lms=["canvas"], exceptions_report_directory=str(reports)
            ),
            return_state=True,
        )

    assert harmonize().is_completed()
    [first] = (reports / "users").iterdir()
    assert harmonize().is_completed()
    assert list((reports / "users").iterdir()) == [first]
    artifact, link = Artifact.get("lms-exceptions-users"), first.resolve().as_uri()
    assert artifact.data == f"[{link}]({link})"
    assert artifact.description == f"users exception report (0 rows), unchanged since {first.name}"


def test_the_staging_log_names_processes_only_when_some_validated_batches():
    assert _batches_line(StagingSummary()) == "0 batches"
    assert _batches_line(StagingSummary(batches=1, validated_by={"vm:5630"})) == (
        "1 batch, validated in 1 process (vm:5630)"
    )
    assert _batches_line(StagingSummary(batches=36, validated_by={"w2:7", "w1:9"})) == (
        "36 batches, validated in 2 processes (w1:9, w2:7)"
    )


def test_a_run_that_cannot_take_the_lock_names_that_phase(db, engine, tmp_path, webhook):
    from lms_pipeline.store.connections import run_lock

    write(tmp_path, "users", [user("U1")])
    with run_lock(engine):  # another run holds the database
        state = run(tmp_path, db, notifications=ALERTS)
    assert state.is_failed() and "another lms-pipeline run" in state.message
    [message] = webhook.messages
    assert "Phase: run lock" in message["body"]


def test_a_hung_statement_is_cancelled_at_the_statement_timeout_and_the_run_names_it(db, engine, tmp_path, webhook):
    """Another session holds the users table: the load's statement waits on it until the database cancels it."""
    write(tmp_path, "users", [user("U1")])
    run(tmp_path, db)  # the schema exists, so the table can be held
    write(tmp_path, "users", [user("U1"), user("U2")], "2021-09-02-06-00-00")
    with engine.connect() as holder:
        holder.execute(text("LOCK TABLE lms.lmsuser IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        state = run(tmp_path, db, options=RunOptions(statement_timeout_minutes=0.05), notifications=ALERTS)
        waited = time.monotonic() - started
        holder.rollback()
    assert state.is_failed() and waited < 60
    assert "StatementCancelled: canceling statement due to statement timeout" in state.message
    assert "the statement: " in state.message and "lmsuser" in state.message.split("the statement: ")[1].lower()
    [message] = webhook.messages
    assert "Phase: staging" in message["body"] and "StatementCancelled" in message["body"]
    with engine.connect() as conn:  # nothing half-done: the first night's row alone
        assert conn.execute(text("SELECT count(*) FROM lms.lmsuser")).scalar() == 1


def test_the_raw_archive_option_keeps_the_files_and_a_broken_archive_only_warns(db, tmp_path, engine):
    root, blocker = tmp_path / "extracts", tmp_path / "blocker"
    write(root, "users", [user("U1")])
    blocker.write_text("a file, not a folder")
    state = run(root, db, options=RunOptions(raw_archive=str(blocker / "raw")))
    assert state.is_completed() and state.name == "Warned" and state.message.startswith("raw archive: 1 problem")
    write(root, "users", [user("U1"), user("U2")], stamp="2021-09-02-06-00-00")
    kept = run(root, db, options=RunOptions(raw_archive=str(tmp_path / "raw")))
    assert kept.name == "Warned" and kept.message.startswith("users: live rows")  # the drift from 1 to 2 users
    assert "more warning" not in kept.message
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT archivedas FROM lms.processedfiles ORDER BY relativepath")).scalars().all()
        assert conn.execute(text("SELECT count(*) FROM lms.lmsuser")).scalar() == 2
    assert kept[0] is None and kept[1].startswith(str(tmp_path / "raw")) and os.path.isfile(kept[1])


def test_a_run_with_warnings_ends_in_a_warned_completed_state(db, tmp_path):
    write(tmp_path, "users", [user("U1")])
    state = run(tmp_path, db, thresholds=Thresholds(stale_after_hours=24))
    assert state.is_completed() and state.name == "Warned"
    assert state.message.startswith(f"{tmp_path}: newest extract is from 2021-09-01 06:00, older than 24 hours")
    assert state.result().outcome == "warned"
    clean = run(tmp_path, db)  # nothing new, nothing to warn of
    assert clean.name == "Completed" and clean.result().outcome == "succeeded"


def test_warnings_notify_at_the_end_of_a_run(db, tmp_path, webhook):
    many = [user(f"U{i:03}") for i in range(60)]
    write(tmp_path, "users", many, "2021-09-01-06-00-00")
    write(tmp_path, "users", many[:5], "2021-09-02-06-00-00")
    state = run(tmp_path, db, notifications=ALERTS, thresholds=Thresholds(stale_after_hours=24))
    assert state.is_completed() and state.result().outcome == "warned"
    [message] = webhook.messages
    assert "mass deletions held in 1 file" in message["body"] and "older than 24 hours" in message["body"]


def test_a_held_deletion_is_applied_when_allowed_and_the_log_says_so(db, tmp_path, caplog, query):
    many = [user(f"U{i:03}") for i in range(60)]
    write(tmp_path, "users", many, "2021-09-01-06-00-00")
    write(tmp_path, "users", many[:5], "2021-09-02-06-00-00")
    assert run(tmp_path, db).result().outcome == "warned"
    caplog.set_level(logging.INFO, logger="prefect")
    allowed = run(tmp_path, db, options=RunOptions(allow_mass_delete=True))
    assert allowed.is_completed() and allowed.result().staging.total("deleted") == 55
    assert f"{tmp_path}: 1 files to load (1 of them with held deletions, now allowed), 1 already loaded" in caplog.text
    assert query("SELECT count(*) FROM lms.lmsuser WHERE deletedat IS NULL") == [(5,)]


def test_a_re_run_reads_no_unchanged_file_unless_asked_or_due_for_its_check(db, fixture_tree, query, monkeypatch):
    from lms_pipeline.discovery import walk

    root = fixture_tree("starter-kit-sample")
    assert run(root, db).is_completed()  # a first run reads every file: nothing is known yet
    files = query("SELECT count(*) FROM lms.processedfiles WHERE filestat IS NOT NULL")[0][0]
    read: list[str] = []
    hash_file = walk.sha256_of
    monkeypatch.setattr(walk, "sha256_of", lambda path, identity=None: read.append(path) or hash_file(path, identity))

    assert run(root, db).result().staging.resources == {} and read == []
    assert run(root, db, options=RunOptions(rehash=True)).is_completed() and len(read) == files
    read.clear()
    assert run(root, db, options=RunOptions(rehash_every_days=0)).is_completed() and len(read) == files
    assert query("SELECT contentchecked FROM lms.loadrun ORDER BY loadrunid") == [(True,), (False,), (True,), (True,)]

    # An edit in place that keeps the size and the modification time: its change time gives it away.
    users = next((root / "users").iterdir())
    before, text = users.stat(), users.read_text()
    users.write_text(text.replace("Lisa Woods", "Lisa Woodz", 1))  # the same size
    os.utime(users, ns=(before.st_atime_ns, before.st_mtime_ns))
    read.clear()
    assert run(root, db).result().staging.total("updated") == 1 and read == [str(users)]


def test_volume_drift_since_the_last_successful_run_is_a_warning(db, tmp_path):
    write(tmp_path, "users", [user(f"U{i}") for i in range(10)], "2021-09-01-06-00-00")
    assert run(tmp_path, db).is_completed()
    write(tmp_path, "users", [user(f"U{i}") for i in range(30)], "2021-09-02-06-00-00")
    result = run(tmp_path, db, thresholds=NOT_STALE.model_copy(update={"volume_drift_percent": 50})).result()
    assert any("users: live rows went from 10 to 30 (+200%" in w for w in result.warnings)


def test_email_notifications_go_through_prefect_email(db, tmp_path, prefect_api):
    sink = SmtpSink()
    EmailServerCredentials(smtp_server="127.0.0.1", smtp_port=sink.port, smtp_type="INSECURE").save(
        "lms-test-smtp", overwrite=True
    )
    try:
        state = run(
            tmp_path / "missing",
            db,
            notifications=Notifications(
                block="email-server-credentials/lms-test-smtp", email_to=["data-team@example.org"]
            ),
        )
        assert state.is_failed()
        [message] = sink.messages
        assert "To: data-team@example.org" in message and "Phase: discovery" in message
    finally:
        sink.close()


def test_the_database_can_come_from_a_sqlalchemy_connector_block(db, fixture_tree, prefect_api, query):
    from prefect_sqlalchemy import ConnectionComponents, SqlAlchemyConnector, SyncDriver

    # The embedded test server listens on a socket folder, which a block names as the `host` query parameter.
    socket = db.server.startswith("/")
    SqlAlchemyConnector(
        connection_info=ConnectionComponents(
            driver=SyncDriver.POSTGRESQL_PSYCOPG2,
            host=None if socket else db.server,
            port=db.effective_port,
            database=db.dbname,
            username=db.username or "postgres",
            password=db.password.get_secret_value() if db.password else None,
            query={"host": db.server} if socket else None,
        )
    ).save("lms-test-store", overwrite=True)
    state = lms_pipeline(
        csv_paths=[str(fixture_tree("starter-kit-sample"))],
        database_block="lms-test-store",
        thresholds=NOT_STALE,
        return_state=True,
    )
    assert state.is_completed()
    assert query("SELECT count(*) FROM lms.lmsuser") == [(49,)]


def test_a_large_load_validates_in_a_process_of_its_own(db, fixture_tree, query, monkeypatch):
    import os

    from lms_pipeline.validation import worker as validated

    monkeypatch.setattr(validated, "VALIDATION_PROCESS_BYTES", 0)  # every batch of the sample tree counts as large
    state = run(fixture_tree("starter-kit-sample"), db)
    assert state.is_completed()
    [worker] = state.result().staging.validated_by
    assert not worker.endswith(f":{os.getpid()}")
    assert query("SELECT count(*) FROM lms.assignmentsubmission") == [(901,)]


def test_a_small_load_validates_on_threads_of_the_flow_process(db, fixture_tree):
    import os
    import socket

    state = run(fixture_tree("starter-kit-sample"), db)
    assert state.result().staging.validated_by == {f"{socket.gethostname()}:{os.getpid()}"}


def test_validation_can_run_on_a_dask_cluster_of_two_workers(db, fixture_tree, query, monkeypatch):
    import os

    monkeypatch.setenv("DASK_LOGGING__DISTRIBUTED", "warning")
    state = run(fixture_tree("starter-kit-sample"), db, options=RunOptions(dask_scheduler="local"))
    assert state.is_completed()
    workers = state.result().staging.validated_by
    assert len(workers) == 2 and all(not w.endswith(f":{os.getpid()}") for w in workers)
    assert query("SELECT count(*) FROM lms.assignmentsubmission") == [(901,)]


class ConnectionWatch:
    """Samples pg_stat_activity while a run goes on: the most connections lms-pipeline held at once."""

    def __init__(self, engine, dbname: str):
        import threading

        self.engine, self.dbname, self.peak = engine, dbname, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    def _watch(self):
        from sqlalchemy import text

        sql = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND application_name = 'lms-pipeline' "
            "AND pid <> pg_backend_pid()"
        )
        # Autocommit: within a transaction, pg_stat_activity would answer from the snapshot of its first read.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            while not self.done.wait(0.02):
                self.peak = max(self.peak, conn.execute(sql, {"db": self.dbname}).scalar())


def test_several_roots_share_batches_over_a_bounded_number_of_connections(db, engine, tmp_path, query):
    from lms_pipeline.demo.generator import LMS_NAMES, generate_district

    district = generate_district(
        tmp_path,
        users=40,
        sections=3,
        students_per_section=8,
        assignments_per_section=2,
        attendance_per_section=0,
        section_activities_per_section=0,
        system_activities_per_day=0,
        grades=False,
        days=2,
        messy=False,
    )
    roots = [str(district.roots[lms]) for lms in LMS_NAMES]
    with ConnectionWatch(engine, db.dbname) as watch:
        state = lms_pipeline(csv_paths=roots, database=db, thresholds=NOT_STALE, return_state=True)
    assert state.is_completed()
    for lms in LMS_NAMES:
        system = district.source_systems[lms]
        expected = district.expected[lms]["submissions"].live
        assert query(
            "SELECT count(*) FROM lms.assignmentsubmission WHERE sourcesystem = :s AND deletedat IS NULL", s=system
        ) == [(expected,)]
    # Users and sections files speak for their whole SourceSystem, known only once read: each root's load in rounds
    # of their own (3 roots x 2 days). Files scoped to a section or an assignment share the rounds of every root:
    # 2 days each for section associations, assignments and submissions, where root after root would take 6 each.
    assert state.result().staging.batches == 6 + 6 + 2 + 2 + 2
    # The run lock's connection, the flow's, and the staging subflow's one loading connection.
    assert 2 <= watch.peak <= 3


def test_every_parameter_description_shows_as_written_in_the_ui():
    """The UI renders descriptions as markdown with HTML: '<id>' would vanish as an unknown tag."""
    from prefect.utilities.callables import parameter_schema

    schema = parameter_schema(lms_pipeline).model_dump(by_alias=True)
    groups = ("DatabaseSettings", "RunOptions", "BatchLimits", "Thresholds", "Notifications")
    fields = {
        f"{group}.{name}": spec for group in groups for name, spec in schema["definitions"][group]["properties"].items()
    }
    described = {**schema["properties"], **fields}
    assert not [name for name, spec in described.items() if not spec.get("description")]
    assert not {
        name: spec["description"]
        for name, spec in described.items()
        if re.search(r"<[A-Za-z/]", spec.get("description", ""))
    }
