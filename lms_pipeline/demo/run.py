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


def run_demo() -> int:
    from lms_pipeline.commands import finish
    from lms_pipeline.flows.pipeline import lms_pipeline

    folder = data_folder()
    extracts = folder / "extracts"
    print(f"lms-pipeline demo: data under {folder}")
    server, database = start_embedded_postgres(folder)
    try:
        if not extracts.exists():
            district = generate_district(extracts, seed=2021, messy=True)
            print(f"Generated {len(district.files)} extract files for {', '.join(district.roots)}")
        roots = sorted(str(p) for p in extracts.iterdir() if p.is_dir())
        state = lms_pipeline(csv_paths=roots, database=database, work_dir=str(folder / "work"),
                             stale_after_hours=None, return_state=True)
        code = finish(state)
    finally:
        server.cleanup()
    print(f"\nThe embedded database is kept in {folder / 'pgdata'}; delete {folder} to start over.")
    return code
