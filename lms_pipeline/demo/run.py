"""`lms-pipeline demo`: an embedded PostgreSQL, a generated district, the whole pipeline, a summary.

No server and no configuration: the database and the extracts live under the user's data folder, so a second
demo finds the first one's data and shows a re-run that has nothing new to load.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from lms_pipeline.demo.generator import generate_district
from lms_pipeline.settings import DatabaseSettings

DEMO_DATABASE = "lms_demo"


def data_folder() -> Path:
    return Path(platformdirs.user_data_dir("lms-pipeline")) / "demo"


def start_embedded_postgres(folder: Path):
    import pgserver

    folder.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(folder / "pgdata", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DEMO_DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DEMO_DATABASE};")
    return server, DatabaseSettings.from_url(server.get_uri()).with_database(DEMO_DATABASE)


def prepare_ods(database: DatabaseSettings, extracts: Path) -> None:
    """On the first demo: the district's extracts, the fixture ODS and its roster, and what differs on purpose."""
    from lms_pipeline.demo.roster import seed_roster
    from lms_pipeline.tasks.database import make_engine
    from lms_pipeline.tasks.ods_fixture import apply_ods_fixture

    district = generate_district(extracts, seed=2021, messy=True)
    print(f"Generated {len(district.files)} extract files for {', '.join(district.roots)}")
    engine = make_engine(database)
    try:
        apply_ods_fixture(engine)
        seed_roster(engine, district)
    finally:
        engine.dispose()
    print(f"Seeded a demo ODS: {len(district.students)} students, {len(district.sections)} sections, "
          f"{len(district.enrolments)} enrolments. Mismatched on purpose:")
    for mismatch in district.mismatches:
        print(f"  {mismatch.lms}: {mismatch.kind}: {mismatch.detail}")


def run_demo() -> int:
    from lms_pipeline.commands import finish
    from lms_pipeline.flows.pipeline import ALL_PHASES, lms_pipeline

    folder = data_folder()
    extracts, reports = folder / "extracts", folder / "exception-reports"
    print(f"lms-pipeline demo: data under {folder}")
    server, database = start_embedded_postgres(folder)
    try:
        if not extracts.exists():
            prepare_ods(database, extracts)
        roots = sorted(str(p) for p in extracts.iterdir() if p.is_dir())
        state = lms_pipeline(csv_paths=roots, database=database, phases=ALL_PHASES,
                             exceptions_report_directory=str(reports), work_dir=str(folder / "work"),
                             stale_after_hours=None, return_state=True)
        code = finish(state)
    finally:
        server.cleanup()
    print(f"\nException reports: {reports}")
    print(f"\nThe embedded database is kept in {folder / 'pgdata'}; delete {folder} to start over.")
    return code
