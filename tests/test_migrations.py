import pytest
from sqlalchemy import text

from lms_pipeline.store.connections import RunLockTimeout, make_engine, run_lock
from lms_pipeline.store.migrations import MigrationError, Script, apply_migrations, builtin_scripts, scripts_in

REFERENCE_TABLES = {
    "lmsuser",
    "stg_lmsuser",
    "lmssection",
    "stg_lmssection",
    "assignment",
    "stg_assignment",
    "assignmentsubmissiontype",
    "stg_assignmentsubmissiontype",
    "lmsuserlmssectionassociation",
    "stg_lmsuserlmssectionassociation",
    "assignmentsubmission",
    "stg_assignmentsubmission",
    "lmssectionactivity",
    "stg_lmssectionactivity",
    "lmssystemactivity",
    "stg_lmssystemactivity",
    "lmsuserattendanceevent",
    "stg_lmsuserattendanceevent",
    "migrationjournal",
    "processedfiles",
}


def tables(engine):
    with engine.connect() as conn:
        return set(
            conn.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'lms'")).scalars()
        )


def test_fresh_database_gets_every_reference_table_and_the_additions(empty_db):
    engine = make_engine(empty_db)
    report = apply_migrations(engine, builtin_scripts("postgresql", harmonizer=False))
    assert report.applied[0] == "0001_initialize_lms_database"
    assert REFERENCE_TABLES | {
        "loadrun",
        "loadrunresource",
        "harmonizationrun",
        "quarantine",
        "stg_loadscope",
    } <= tables(engine)
    with engine.connect() as conn:
        cols = set(
            conn.execute(
                text(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema='lms' "
                    "AND table_name IN ('lmsuser','lmssection')"
                )
            ).scalars()
        )
        journal = conn.execute(text("SELECT count(*), count(checksum) FROM lms.migrationjournal")).one()
    assert {"edfistudentid", "edfisectionid"} <= cols
    assert journal[0] == journal[1] == len(report.applied)


def test_the_staging_tables_are_unlogged_and_every_other_table_is_not(engine):
    """Staging holds one batch inside its own transaction: no write-ahead log for it (the district's load writes
    332 MB of WAL instead of 985 MB); the live tables and the journals keep theirs."""
    with engine.connect() as conn:
        persistence = dict(
            conn.execute(
                text(
                    "SELECT c.relname, c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'lms' AND c.relkind = 'r'"
                )
            ).all()
        )
    staging = {name for name in persistence if name.startswith("stg_")}
    assert len(staging) == 12 and {persistence[name] for name in staging} == {"u"}
    assert {kind for name, kind in persistence.items() if name not in staging} == {"p"}


def test_the_merge_has_the_indexes_it_uses(engine):
    """Migration 0022: the resources' staging tables keep no natural-key index (the merge joins them whole), the two
    staging tables a soft delete probes row by row keep theirs, and each live table indexes its soft-deleted rows
    for the un-delete."""
    with engine.connect() as conn:
        indexes = dict(
            conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'lms' AND indexname LIKE 'ix_%'")
            ).all()
        )
    staging_keys = {name for name in indexes if name.startswith("ix_stg_")}
    assert staging_keys == {"ix_stg_loadkey_natural_key", "ix_stg_assignmentsubmissiontype_natural_key"}
    deleted = {name: definition for name, definition in indexes.items() if name.endswith("_deleted")}
    assert len(deleted) == 9  # 0022's eight, and 0023's for grades
    assert all(
        d.endswith("(sourcesystemidentifier, sourcesystem) WHERE (deletedat IS NOT NULL)") for d in deleted.values()
    )


def test_second_run_applies_nothing(engine):
    report = apply_migrations(engine, builtin_scripts("postgresql", harmonizer=False))
    assert report.applied == []
    assert len(report.already) == len(builtin_scripts("postgresql", harmonizer=False))


def test_changed_applied_script_is_a_clear_error(engine):
    scripts = builtin_scripts("postgresql", harmonizer=False)
    changed = Script(scripts[3].name, scripts[3].path, scripts[3].sql + "\n-- edited")
    with pytest.raises(MigrationError, match="was changed after it was applied"):
        apply_migrations(engine, scripts[:3] + [changed] + scripts[4:])


def test_reference_database_is_adopted_and_only_missing_scripts_run(empty_db):
    """A store made by the reference loader 1.1+: its journal has 0001..0010 and no checksum column."""
    engine = make_engine(empty_db)
    scripts = builtin_scripts("postgresql", harmonizer=False)
    reference = [s for s in scripts if s.name <= "0010"]
    with engine.begin() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        for s in reference:
            cursor.execute(s.sql)
        for s in reference:
            cursor.execute("INSERT INTO lms.migrationjournal (script) VALUES (%s)", (s.name,))
        cursor.execute(
            "INSERT INTO lms.lmsuser (sourcesystemidentifier, sourcesystem, userrole, name, emailaddress) "
            "VALUES ('u1', 'Canvas', 'student', 'A', 'a@x')"
        )
    report = apply_migrations(engine, scripts)
    assert report.adopted == [s.name for s in reference]
    assert report.applied == [s.name for s in scripts if s.name > "0010"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lms.lmsuser")).scalar() == 1


def test_failed_script_leaves_nothing_half_applied(engine, tmp_path):
    bad = tmp_path / "0500_bad.sql"
    bad.write_text("CREATE TABLE lms.halfway (x int);\nCREATE TABLE lms.broken (;")
    scripts = builtin_scripts("postgresql", harmonizer=False) + scripts_in(tmp_path)
    with pytest.raises(MigrationError, match="0500_bad.sql"):
        apply_migrations(engine, scripts)
    assert "halfway" not in tables(engine)


def test_badly_named_script_is_refused(tmp_path):
    (tmp_path / "fix_things.sql").write_text("select 1")
    with pytest.raises(MigrationError, match="NNNN_what_it_does.sql"):
        scripts_in(tmp_path)


def test_two_runs_cannot_hold_the_lock_at_once(engine):
    with run_lock(engine), pytest.raises(RunLockTimeout, match="another lms-pipeline run"), run_lock(engine, 0.2):
        pass
    with run_lock(engine, wait_seconds=0):
        pass
