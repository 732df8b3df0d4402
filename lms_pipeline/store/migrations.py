"""Numbered SQL scripts, applied in order and once each, recorded in lms.MigrationJournal with a checksum.

A database made by the reference loader (1.1 or later) already has the journal with the reference's script
names: those rows are recognised (they carry no checksum) and only the scripts it lacks are run.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from lms_pipeline.errors import TerminalError
from lms_pipeline.store.engines import EngineDialect, dialect_for, dialect_of

log = logging.getLogger(__name__)

SCRIPT_NAME = re.compile(r"^\d{4}_[A-Za-z0-9_\-]+\.sql$")


class MigrationError(TerminalError):
    """A script that cannot be applied: missing, misnamed, changed since it was applied, or failing. Terminal: the
    migrations phase stops at it and is not retried; the next run applies what is left."""


@dataclass(frozen=True)
class Script:
    name: str  # the journal key: the file stem, prefixed for site scripts
    path: Path
    sql: str

    @property
    def checksum(self) -> str:
        normalized = self.sql.replace("\r\n", "\n").strip()
        return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


@dataclass
class MigrationReport:
    applied: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)  # journaled by the reference loader, no checksum
    already: list[str] = field(default_factory=list)


def scripts_in(folder: Path, prefix: str = "") -> list[Script]:
    """The numbered scripts of a folder, in order. Other files are an error: a typo must not be skipped."""
    if not folder.is_dir():
        raise MigrationError(f"migration folder not found: {folder}")
    scripts = []
    for path in sorted(folder.glob("*.sql")):
        if not SCRIPT_NAME.match(path.name):
            raise MigrationError(f"{path}: script names must look like NNNN_what_it_does.sql")
        scripts.append(Script(prefix + path.stem, path, path.read_text(encoding="utf-8-sig")))
    return scripts


def apply_migrations(engine: Engine, scripts: list[Script]) -> MigrationReport:
    """Apply the scripts the journal lacks, each in its own transaction. The caller holds the run lock."""
    dialect = dialect_of(engine)
    report = MigrationReport()
    with engine.begin() as conn:
        if not _journal_exists(conn):
            run_script(conn, dialect, scripts[0])  # 0001 creates the schema and the journal
            dialect.ensure_journal_columns(conn)
            _record(conn, scripts[0])
            report.applied.append(scripts[0].name)
        dialect.ensure_journal_columns(conn)
        journal = _read_journal(conn)
    for script in scripts:
        if script.name in report.applied:
            continue
        if script.name in journal:
            _check_unchanged(script, journal[script.name], report)
            continue
        log.info("Applying %s", script.path.name)
        with engine.begin() as conn:
            run_script(conn, dialect, script)
            _record(conn, script)
        report.applied.append(script.name)
    return report


def _journal_exists(conn: Connection) -> bool:
    return bool(
        conn.execute(
            text(
                "SELECT COUNT(*) FROM information_schema.tables "
                "WHERE LOWER(table_schema) = 'lms' AND LOWER(table_name) = 'migrationjournal'"
            )
        ).scalar()
    )


def _read_journal(conn: Connection) -> dict[str, str | None]:
    rows = conn.execute(text("SELECT script, checksum FROM lms.migrationjournal")).all()
    return {name: (checksum.strip() if checksum else None) for name, checksum in rows}


def _check_unchanged(script: Script, recorded: str | None, report: MigrationReport) -> None:
    if recorded is None:
        report.adopted.append(script.name)
    elif recorded != script.checksum:
        raise MigrationError(
            f"{script.path} was changed after it was applied to this database "
            f"(journal checksum {recorded[:12]}..., file {script.checksum[:12]}...). "
            "Applied scripts must not change: restore it and put the change in a new, higher-numbered script."
        )
    else:
        report.already.append(script.name)


def run_script(conn: Connection, dialect: EngineDialect, script: Script) -> None:
    """Send a script batch by batch, as its engine needs it split, in the caller's transaction."""
    # A raw cursor: the scripts are SQL text with no parameters, and may contain '%' (format() calls).
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None, "a Connection in use holds its DB-API connection"
    cursor = dbapi.cursor()
    try:
        for batch in dialect.script_batches(script.sql):
            try:
                dialect.run_script_batch(cursor, batch)
            except Exception as error:
                raise MigrationError(f"{script.path}: {error}".strip()) from error
    finally:
        cursor.close()


def _record(conn: Connection, script: Script) -> None:
    conn.execute(
        text("INSERT INTO lms.migrationjournal (script, checksum) VALUES (:s, :c)"),
        {"s": script.name, "c": script.checksum},
    )


def builtin_scripts(engine_name: str, harmonizer: bool) -> list[Script]:
    """The data store's scripts, then (for harmonization, in an ODS database) the harmonizer's."""
    folder = dialect_for(engine_name).script_folder
    scripts = scripts_in(folder)
    if harmonizer:
        scripts += scripts_in(folder / "harmonizer")
    return scripts


def site_scripts(folder: Path) -> list[Script]:
    """A district's own scripts, run after the built-in ones and journaled as custom/<name>."""
    return scripts_in(folder, prefix="custom/")
