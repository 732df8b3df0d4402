"""Load one very large extract file and measure the loader's peak memory beside the COPY floor of the same file.

The tree holds a users file and one system-activities file of --rows rows (2,000,000 by default) whose users all
exist. `lms-pipeline load` streams such a file in chunks; this measures whether its largest process stays under
500 MB, and how long the load takes beside raw COPY of the same file into a text table.

    python benchmarks/bench_large_file.py --rows 2000000
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench_load import (
    DEFAULT_URL,
    HERE,
    PEAK_MEMORY_MB,
    Result,
    Server,
    fresh_database,
    machine,
    pipeline_command,
    ratio,
    run_measured,
    timing,
)

from lms_pipeline.demo.generator import header

SOURCE_SYSTEM = "Canvas"
STAMP = "2021-09-14-06-00-00"


def write_tree(root: Path, users: int, rows: int) -> Path:
    """users/<stamp>.csv and system-activities/date=2021-09-13/<stamp>.csv; returns the activities file."""
    user_ids = [f"u{i}" for i in range(users)]
    _write(
        root / "users" / f"{STAMP}.csv",
        "users",
        (
            {
                "SourceSystemIdentifier": uid,
                "SourceSystem": SOURCE_SYSTEM,
                "UserRole": "student",
                "Name": f"User {uid}",
                "EmailAddress": f"{uid}@example.org",
                "SISUserIdentifier": f"S{uid}",
                "LocalUserIdentifier": uid,
                "CreateDate": "2021-09-01 08:00:00",
                "LastModifiedDate": "2021-09-01 08:00:00",
            }
            for uid in user_ids
        ),
    )
    start = datetime(2021, 9, 13, 7, 0)
    path = root / "system-activities" / "date=2021-09-13" / f"{STAMP}.csv"
    _write(
        path,
        "system-activities",
        (
            {
                "SourceSystemIdentifier": f"in#{i}",
                "SourceSystem": SOURCE_SYSTEM,
                "LMSUserSourceSystemIdentifier": user_ids[i % users],
                "ActivityType": "sign-in",
                "ActivityDateTime": f"{start + timedelta(seconds=i % 36_000):%Y-%m-%d %H:%M:%S}",
                "ActivityStatus": "active",
                "CreateDate": "2021-09-13 07:00:00",
                "LastModifiedDate": "2021-09-13 07:00:00",
            }
            for i in range(rows)
        ),
    )
    return path


def _write(path: Path, resource: str, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = header(resource)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def copy_floor(server: Server, path: Path) -> Result:
    result = Result("COPY floor", "COPY ... FROM STDIN (FORMAT csv, HEADER) of the activities file")
    with fresh_database(server, "bigfloor") as dbname, server.connection(dbname) as conn, conn.cursor() as cur:
        columns = ", ".join(f'"{c.lower()}" text' for c in header("system-activities"))
        cur.execute(f"CREATE TABLE floor_activities ({columns})")
        conn.commit()
        with timing(result), open(path, "rb") as handle:
            cur.copy_expert("COPY floor_activities FROM STDIN (FORMAT csv, HEADER)", handle)
            conn.commit()
        cur.execute("SELECT count(*) FROM floor_activities")
        result.samples = [cur.fetchone()[0]]
    result.outcome = "ok"
    return result


def pipeline_load(server: Server, root: Path, out: Path) -> tuple[Result, int | None]:
    command = pipeline_command() + ["--csvpath", str(root)] + server.loader_flags("")
    result = Result("lms-pipeline load", " ".join(command))
    with fresh_database(server, "bigfile") as dbname:
        command[command.index("--dbname") + 1] = dbname
        log = out / "pipeline.log"
        with timing(result), open(log, "w") as handle:
            returncode, result.peak_memory_mb, result.peak_tree_memory_mb = run_measured(
                command, cwd=out, stdout=handle
            )
        result.outcome = "ok" if returncode == 0 else f"exit {returncode}"
        with server.connection(dbname) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM lms.lmssystemactivity WHERE deletedat IS NULL")
            loaded = cur.fetchone()[0]
    return result, loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    server = Server(args.database_url)
    out = args.out / f"large-file-{datetime.now():%Y%m%d-%H%M%S}"
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        root = Path(scratch) / "canvas"
        started = time.perf_counter()
        path = write_tree(root, args.users, args.rows)
        print(
            f"{args.rows:,} rows, {path.stat().st_size / 2**20:.0f} MB, written in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        floor = copy_floor(server, path)
        pipeline, loaded = pipeline_load(server, root, out)
    summary = {
        "title": f"One system-activities file of {args.rows:,} rows ({args.users:,} users)",
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(server),
        "floor_seconds": round(floor.seconds, 2),
        "floor_rows": floor.samples[0],
        "pipeline_seconds": round(pipeline.seconds, 2),
        "pipeline_outcome": pipeline.outcome,
        "rows_loaded": loaded,
        "pipeline_over_floor": ratio(pipeline.seconds, floor.seconds),
        "peak_memory_mb": pipeline.peak_memory_mb,
        "peak_memory_all_processes_mb": pipeline.peak_tree_memory_mb,
        "memory_target": f"< {PEAK_MEMORY_MB}",
        "memory_met": pipeline.peak_memory_mb < PEAK_MEMORY_MB,
        "load_average": {"floor": floor.load_average, "pipeline": pipeline.load_average},
    }
    print(json.dumps(summary, indent=2))
    (out / "results.json").write_text(json.dumps(summary, indent=2, default=str))
    return 0 if pipeline.outcome == "ok" and loaded == args.rows else 1


if __name__ == "__main__":
    sys.exit(main())
