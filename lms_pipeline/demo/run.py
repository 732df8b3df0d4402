"""`lms-pipeline demo`: an embedded PostgreSQL, a generated district, the whole pipeline, a summary.

No server and no configuration: the database and the extracts live under the user's data folder, so a second
demo finds the first one's data and shows a re-run that has nothing new to load.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

from lms_pipeline.demo import data_folder
from lms_pipeline.demo.generator import EMPTY, generate_district
from lms_pipeline.demo.safety import add_failed_extract
from lms_pipeline.store.settings import DatabaseSettings

DEMO_DATABASE = "lms_demo"
FAILED_EXTRACT_LMS = "canvas"


def start_embedded_postgres(folder: Path):
    import pgserver

    folder.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(folder / "pgdata", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DEMO_DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DEMO_DATABASE};")
    return server, DatabaseSettings.from_url(server.get_uri()).with_database(DEMO_DATABASE)


def prepare_ods(database: DatabaseSettings, extracts: Path) -> None:
    """On the first demo: the district's extracts, an Ed-Fi ODS with its roster, and what differs on purpose."""
    from lms_pipeline.demo.ods import apply_edfi_ods
    from lms_pipeline.demo.roster import seed_roster
    from lms_pipeline.store.connections import make_engine

    district = generate_district(extracts, seed=2021, messy=True)
    failed_extract = add_failed_extract(district.roots[FAILED_EXTRACT_LMS])
    written = len(district.files) + 1
    empty = sum(f.shape == EMPTY for f in district.files)
    print(
        f"Generated {written} extract files for {', '.join(district.roots)}. A run finds {written - empty} of them "
        f"to load: the other {empty} are empty, as extractors write them now and then."
    )
    engine = make_engine(database)
    try:
        apply_edfi_ods(engine)
        seed_roster(engine, district)
    finally:
        engine.dispose()
    print(
        f"Made an Ed-Fi ODS 5.2 with the LMSX extension, and seeded its SIS roster: {len(district.students)} "
        f"students, {len(district.sections)} sections, {len(district.enrolments)} enrolments. Mismatched on purpose:"
    )
    for mismatch in district.mismatches:
        print(f"  {mismatch.lms}: {mismatch.kind}: {mismatch.detail}")
    print(f"A failed extract on purpose:\n  {failed_extract}\n")


def run_demo(args: argparse.Namespace) -> int:
    folder = data_folder()
    if args.reset and folder.exists():
        shutil.rmtree(folder)
        print(f"Removed {folder}: the demo starts over.")
    if args.psql:
        return open_psql(folder)
    from lms_pipeline.launch import EXIT_WARNED, run_pipeline
    from lms_pipeline.options import ALL_PHASES, RunOptions, Thresholds

    extracts, reports = folder / "extracts", folder / "exception-reports"
    print(f"lms-pipeline demo: data under {folder}")
    server, database = start_embedded_postgres(folder)
    try:
        if not extracts.exists():
            prepare_ods(database, extracts)
        roots = sorted(str(p) for p in extracts.iterdir() if p.is_dir())
        code = run_pipeline(
            csv_paths=roots,
            database=database,
            options=RunOptions(
                phases=list(ALL_PHASES), exceptions_report_directory=str(reports), work_dir=str(folder / "work")
            ),
            thresholds=Thresholds(stale_after_hours=None),
        )
    finally:
        server.cleanup()
    print_next_steps(folder, reports)
    return 0 if code == EXIT_WARNED else code  # the demo's warnings (a held deletion, a bad row) are its point


def print_next_steps(folder: Path, reports: Path) -> None:
    from prefect.settings import get_current_settings

    ui = get_current_settings().ui_url
    print("\nNext steps:")
    print("  lms-pipeline demo --psql     open the loaded data in psql: schemas lms, edfi and lmsx;")
    print("                               try  SELECT * FROM lms.quarantine;  or  \\dt lms.*")
    if ui:  # none with Prefect's temporary server, which is gone by now
        print(f"  {ui}/runs   the runs of this demo in the Prefect UI (flow lms-pipeline)")
    print(f"  {reports}   the exception reports (unmatched users, sections, ...)")
    print(f"  lms-pipeline demo --reset    delete {folder} and start over")


def open_psql(folder: Path) -> int:
    """Start the kept embedded server and open psql on the demo database; the server stops when psql ends."""
    from pgserver._commands import POSTGRES_BIN_PATH  # pgserver ships psql beside its server

    if not (folder / "pgdata").exists():
        print(f"lms-pipeline demo: no demo database in {folder} yet: run `lms-pipeline demo` first.")
        return 1
    server, _ = start_embedded_postgres(folder)
    try:
        url = server.get_uri(DEMO_DATABASE)
        print(f"The demo database, while this psql runs: {url}")
        return subprocess.run([str(POSTGRES_BIN_PATH / "psql"), url], check=False).returncode
    finally:
        server.cleanup()
