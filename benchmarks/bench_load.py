"""Time loading one generated extract tree four ways, each into a fresh PostgreSQL database of its own.

1. The floor: PostgreSQL COPY of every file into all-text tables, one connection, in load order (best of 3).
2. `lms-pipeline load`, the whole command as a subprocess (Prefect start-up included), then the same command
   again over the unchanged tree (the nightly re-run that finds nothing new).
3. The reference loader, edfi-lms-ds-loader 1.2.2, in its own Python 3.9 virtual environment.
4. dlt, the likeliest alternative: benchmarks/dlt_peer.py as a subprocess, then again over the unchanged tree.

After each load the row counts are checked against what the generator wrote, so that the figures time the
same work; each loader's peak memory is its largest process's peak resident set. Results are printed as a table and
written as JSON to benchmarks/out/.

    python benchmarks/bench_load.py --scale 1
    python benchmarks/bench_load.py --district --only floor --only pipeline
    python benchmarks/bench_load.py --scale 1 --only dlt --only floor
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
import psutil
import psycopg2

from lms_pipeline.demo.generator import District, WrittenFile, generate_district, header
from lms_pipeline.resources import BY_NAME, LOAD_ORDER

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REFERENCE_PACKAGES = ("edfi-lms-ds-loader==1.2.2", "pandas<1.4")  # pandas 1.4+ breaks it (loader contract 11)
# dlt gets a virtual environment of its own too: it brings pyarrow, and pandas beside pyarrow stores strings in
# Arrow, which added 140 MB to lms-pipeline's two processes on the district (414 + 238 MB against 368 + 147 MB at
# the end of a load): lms-pipeline is timed as its own install runs it, without pyarrow.
DLT_PACKAGES = ("dlt[postgres,parquet]==1.31.*",)  # parquet: pyarrow, which dlt_peer.py reads the files with
REFERENCE_PYTHON = "/root/.pyenv/versions/3.9.18/bin/python3.9"
# The benchmark tree holds what the sizes count: no attendance, activities or grades.
LOADED = ("users", "sections", "section-associations", "assignments", "submissions")
LMS = "canvas"


@dataclass(frozen=True)
class TreeSize:
    label: str
    users: int
    sections: int
    students_per_section: int
    assignments_per_section: int

    def describe(self) -> str:
        return (
            f"{self.users:,} users, {self.sections:,} sections of {self.students_per_section} students, "
            f"{self.assignments_per_section} assignments each"
        )


def scaled(scale: int) -> TreeSize:
    """The loader issue's medium tree (scale 1) and its multiples."""
    return TreeSize(f"scale{scale}", 2_000 * scale, 100 * scale, 25, 5)


DISTRICT = TreeSize("district", 50_000, 2_000, 30, 10)  # the scale issue's large district
PEAK_MEMORY_MB = 500
STALE_AFTER_HOURS = 24 * 365 * 100

# Hook for the staging subflow's time, read from Prefect's own log lines around the subflow run:
#   20:41:22.406 | INFO    | Flow run 'crazy-moth' - Beginning subflow run 'crazy-moth' for flow 'staging'
#   20:43:28.990 | INFO    | Flow run 'crazy-moth' - Finished in state Completed()
# Change it here if `lms-pipeline load` comes to print the figure itself; while nothing matches, it is pending.
STAGING_FLOW = "staging"
_LOG_LINE = r"(?m)^(\d\d):(\d\d):(\d\d(?:\.\d+)?) \| \w+ *\| Flow run '{run}' - {event}"
_BEGUN = _LOG_LINE.format(run="([^']+)", event=f"Beginning subflow run .* for flow '{STAGING_FLOW}'")


def staging_seconds(output: str) -> float | None:
    begun = re.search(_BEGUN, output)
    ended = begun and re.search(_LOG_LINE.format(run=re.escape(begun[4]), event="Finished in state"), output)
    if not ended:
        return None
    return round((_clock(ended) - _clock(begun)) % 86_400, 3)  # modulo: a run across midnight


def _clock(match: re.Match) -> float:
    hours, minutes, seconds = match.group(1, 2, 3)
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


# ---------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class Count:
    resource: str
    expected_live: int
    expected_total: int  # distinct natural keys written: live plus soft-deleted rows
    live: int | None = None
    total: int | None = None

    @property
    def ok(self) -> bool:
        return (self.live, self.total) == (self.expected_live, self.expected_total)


@dataclass
class Result:
    name: str
    command: str
    seconds: float | None = None  # None: did not run to the end
    outcome: str = "not run"
    counts: list[Count] = field(default_factory=list)
    staging_seconds: float | None = None
    log: str | None = None
    # The 1-minute load average when the timing began and ended: the machine may be shared.
    load_average: tuple[float, float] | None = None
    samples: list[float] = field(default_factory=list)  # every timing, where the best of several is kept
    peak_memory_mb: float | None = None  # the largest process's peak resident set, sampled every 50 ms
    peak_tree_memory_mb: float | None = None  # the most its processes held together, sampled likewise

    @property
    def counts_ok(self) -> bool:
        return bool(self.counts) and all(c.ok for c in self.counts)


# ---------------------------------------------------------------------------------------------------------------
# The server and its databases


@dataclass(frozen=True)
class Server:
    url: str

    @contextmanager
    def connection(self, dbname: str | None = None, autocommit: bool = False):
        conn = psycopg2.connect(self.url, **({"dbname": dbname} if dbname else {}))
        conn.autocommit = autocommit
        try:
            yield conn
        finally:
            conn.close()

    def loader_flags(self, dbname: str) -> list[str]:
        """The connection flags both loaders take, with the same names and meaning."""
        parts = urlsplit(self.url)
        return [
            "--engine", "postgresql",
            "--server", parts.hostname or "127.0.0.1",
            "--port", str(parts.port or 5432),
            "--dbname", dbname,
            "--username", parts.username or "postgres",
            "--password", parts.password or "",
        ]  # fmt: skip

    def database_url(self, dbname: str) -> str:
        return urlsplit(self.url)._replace(path=f"/{dbname}").geturl()

    def version(self) -> str:
        with self.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT version()")
            return cur.fetchone()[0]


@contextmanager
def fresh_database(server: Server, label: str):
    """A new empty database for one load, dropped afterwards."""
    name = f"lmsbench_{label}_{os.getpid()}"
    with server.connection(autocommit=True) as admin, admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
        try:
            yield name
        finally:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def loaded_counts(server: Server, dbname: str, district: District) -> list[Count]:
    """Live and total rows of each loaded resource's live table, beside what the generator expects."""
    counts = []
    with server.connection(dbname) as conn, conn.cursor() as cur:
        for resource in LOADED:
            expected = district.expected[LMS][resource]
            table = BY_NAME[resource].table
            cur.execute(f"SELECT count(*) FILTER (WHERE deletedat IS NULL), count(*) FROM lms.{table}")
            live, total = cur.fetchone()
            counts.append(Count(resource, expected.live, expected.distinct, live, total))
    return counts


def dlt_counts(server: Server, dbname: str, district: District) -> list[Count]:
    """dlt's rows and distinct keys of each table, both against the keys the generator wrote: dlt soft-deletes
    nothing, so a row missing from the newest extract stays as it was."""
    counts = []
    with server.connection(dbname) as conn, conn.cursor() as cur:
        for resource in LOADED:
            expected = district.expected[LMS][resource].distinct
            table = resource.replace("-", "_")  # as dlt_peer.py names them
            cur.execute(f"SELECT count(*), count(DISTINCT (source_system_identifier, source_system)) FROM lms.{table}")
            rows, keys = cur.fetchone()
            counts.append(Count(resource, expected, expected, rows, keys))
    return counts


# ---------------------------------------------------------------------------------------------------------------
# The loads


@contextmanager
def timing(result: Result):
    load, started = os.getloadavg()[0], time.perf_counter()
    yield
    result.seconds = time.perf_counter() - started
    result.load_average = (round(load, 2), round(os.getloadavg()[0], 2))


def load_order(district: District) -> list[WrittenFile]:
    """The files a loader reads, resource by resource in foreign-key order, each resource's in path order."""
    rank = {r.name: i for i, r in enumerate(LOAD_ORDER)}
    files = [f for f in district.files if f.lms == LMS and f.resource in LOADED]
    return sorted(files, key=lambda f: (rank[f.resource], str(f.path)))


def copy_floor(server: Server, district: District, runs: int) -> Result:
    """Every file COPYed as text: what reading the tree into PostgreSQL costs at the least.

    A floor is a lower bound, so the best of several runs, each on a fresh database, is kept.
    """
    results = [_copy_once(server, district) for _ in range(runs)]
    best = min(results, key=lambda r: r.seconds)
    best.samples = [round(r.seconds, 3) for r in results]
    return best


def _copy_once(server: Server, district: District) -> Result:
    result = Result("COPY floor", "COPY ... FROM STDIN (FORMAT csv, HEADER) per file, psycopg2 copy_expert")
    files = load_order(district)
    with fresh_database(server, "floor") as dbname, server.connection(dbname) as conn, conn.cursor() as cur:
        for resource in LOADED:
            columns = ", ".join(f'"{c.lower()}" text' for c in header(resource))
            cur.execute(f"CREATE TABLE {_floor_table(resource)} ({columns})")
        conn.commit()
        with timing(result):
            for file in files:
                with open(file.path, "rb") as handle:
                    cur.copy_expert(f"COPY {_floor_table(file.resource)} FROM STDIN (FORMAT csv, HEADER)", handle)
            conn.commit()
        result.counts = [_floor_count(cur, district, resource) for resource in LOADED]
    result.outcome = "ok"
    return result


def _floor_table(resource: str) -> str:
    return "floor_" + resource.replace("-", "_")


def _floor_count(cur, district: District, resource: str) -> Count:
    """For the floor, 'live' is every row written and 'total' the distinct keys among them."""
    expected = district.expected[LMS][resource]
    cur.execute(f"SELECT count(*), count(DISTINCT sourcesystemidentifier) FROM {_floor_table(resource)}")
    rows, distinct = cur.fetchone()
    return Count(resource, sum(expected.per_day), expected.distinct, rows, distinct)


Command = Callable[[str], list[str]]  # a loader's command line, given the database to load
Counting = Callable[[Server, str, District], list[Count]]  # what a loader loaded into a database


def run_loader(
    name: str,
    label: str,
    command: Command,
    server: Server,
    district: District,
    out: Path,
    rerun: bool = False,
    counts: Counting = loaded_counts,
) -> list[Result]:
    """Run a loader command on a fresh database, time it, keep its output and count what it loaded; with rerun,
    run it once more over the unchanged tree."""
    with fresh_database(server, label) as dbname:
        argv, counted = command(dbname), partial(counts, server, dbname, district)
        results = [_run_once(name, label, argv, out, counted)]
        if rerun:
            again = _run_once(f"{name}, re-run", f"{label}-rerun", argv, out, counted)
            results.append(again if results[0].outcome == "ok" else Result(again.name, again.command))
    return results


def _run_once(name: str, label: str, command: list[str], out: Path, counts: Callable[[], list[Count]]) -> Result:
    result = Result(name, _shown(command))
    log = out / f"{label}.log"
    result.log = str(log)
    # Run in the out folder: lms-pipeline and the reference read a .env file from their working folder.
    with timing(result), open(log, "w") as handle:
        returncode, result.peak_memory_mb, result.peak_tree_memory_mb = run_measured(command, cwd=out, stdout=handle)
    output = log.read_text()
    if returncode != 0:
        result.seconds = None
        result.outcome = f"exit {returncode}: " + _last_line(output)
        return result
    result.outcome = "ok"
    result.staging_seconds = staging_seconds(output)
    result.counts = counts()
    return result


def with_loader_flags(argv: list[str], server: Server, district: District) -> Command:
    """The command of a loader that takes the reference loader's flags."""
    return lambda dbname: [*argv, "--csvpath", str(district.roots[LMS]), *server.loader_flags(dbname)]


def dlt_command(interpreter: Path, server: Server, district: District, pipelines_dir: Path) -> Command:
    # dlt_peer.py reads the column types from lms_pipeline/resources.py, which imports nothing outside the stdlib.
    script = ["env", f"PYTHONPATH={HERE.parent}", str(interpreter), str(HERE / "dlt_peer.py")]
    script += ["--root", str(district.roots[LMS])]
    state = ["--pipelines-dir", str(pipelines_dir)]
    return lambda dbname: [*script, "--database-url", server.database_url(dbname), *state]


def run_measured(command: list[str], cwd: Path, stdout) -> tuple[int, float, float]:
    """Run a command; return its exit code, the peak resident set in MB of the largest of its processes, and the
    most that all its processes held at once.

    Both are sampled every 50 ms (a shorter peak can be missed): the ru_maxrss that wait4 reports would not do,
    since Linux keeps it across exec, so a child forked from this large process inherits this process's peak."""
    process = subprocess.Popen(command, cwd=cwd, stdout=stdout, stderr=subprocess.STDOUT)
    memory = TreeMemory(process.pid)
    memory.start()
    returncode = process.wait()
    memory.stop()
    return returncode, round(memory.largest / 2**20, 1), round(memory.together / 2**20, 1)


class TreeMemory(threading.Thread):
    """Sampled resident sets of a process and its descendants: the largest one's, and the largest sum."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.root, self.interval, self.largest, self.together = psutil.Process(pid), interval, 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            try:
                sizes = [_rss(p) for p in [self.root, *self.root.children(recursive=True)]]
            except psutil.NoSuchProcess:
                return
            self.largest, self.together = max(self.largest, *sizes), max(self.together, sum(sizes))

    def stop(self) -> None:
        self.done.set()
        self.join()


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.NoSuchProcess:
        return 0


def _shown(command: list[str]) -> str:
    """The command as a person would type it, with any password masked."""
    words = [_masked(command[i - 1] if i else "", w) for i, w in enumerate(command)]
    return " ".join(w if w else "''" for w in words)


def _masked(flag: str, word: str) -> str:
    if flag == "--password" and word:
        return "***"
    password = urlsplit(word).password if flag == "--database-url" else None
    return word.replace(f":{password}@", ":***@", 1) if password else word


def _last_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def pipeline_command() -> list[str] | None:
    found = shutil.which("lms-pipeline")
    # -v: Prefect's lines, which time the staging subflow. The generated trees' extracts are of 2021: without a
    # stale bound past their age every load would end "warned" (exit 3) over a tree's age, which is no failure here.
    return [found, "load", "-v", "--stale-after-hours", str(STALE_AFTER_HOURS)] if found else None


def venv_python(venv: Path, python: str, packages: tuple[str, ...], module: str) -> Path:
    """The interpreter of a peer loader's own venv, made on first use from the package index."""
    interpreter = venv / "bin" / "python"
    if not _imports(interpreter, module):
        print(f"installing {' '.join(packages)} into {venv} ...", flush=True)
        subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(interpreter), "-m", "pip", "install", "-q", *packages], check=True)
    return interpreter


def version_in(interpreter: Path, package: str) -> str:
    probe = [str(interpreter), "-c", f"from importlib.metadata import version; print(version({package!r}))"]
    return subprocess.run(probe, check=True, capture_output=True, text=True).stdout.strip()


def _imports(interpreter: Path, module: str) -> bool:
    probe = [str(interpreter), "-c", f"import {module}"]
    return interpreter.exists() and subprocess.run(probe, check=False, capture_output=True).returncode == 0


# ---------------------------------------------------------------------------------------------------------------
# Machine, report


def machine(server: Server) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo") if line.startswith("model name")), "")
    memory_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kb / 2**20, 1),
        "cpu": cpu or platform.processor(),
        "postgresql": server.version(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def _read(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def targets(size: TreeSize, floor: Result, pipeline: Result, rerun: Result, reference: Result) -> dict:
    """The issues' targets as ratios; None where a figure is missing."""
    if size == DISTRICT:
        whole = ratio(pipeline.seconds, floor.seconds)
        again = ratio(rerun.seconds, pipeline.seconds)
        return {
            "pipeline_over_floor": whole,
            "pipeline_target": "<= 3",
            "pipeline_met": _met(whole, lambda r: r <= 3),
            "rerun_over_first": again,
            "rerun_target": "< 0.1",
            "rerun_met": _met(again, lambda r: r < 0.1),
            "peak_memory_mb": pipeline.peak_memory_mb,
            "memory_target": f"< {PEAK_MEMORY_MB}",
            "memory_met": _met(pipeline.peak_memory_mb, lambda mb: mb < PEAK_MEMORY_MB),
            "staging_over_floor": ratio(pipeline.staging_seconds, floor.seconds),
        }
    wanted = 20 if size.users >= scaled(10).users else 5
    staging = ratio(pipeline.staging_seconds, floor.seconds)
    speedup = ratio(reference.seconds, pipeline.seconds)
    return {
        "staging_over_floor": staging,
        "staging_target": "<= 5",
        "staging_met": _met(staging, lambda r: r <= 5),
        "reference_over_pipeline": speedup,
        "speedup_target": f">= {wanted}",
        "speedup_met": _met(speedup, lambda r: r >= wanted),
        "reference_over_floor": ratio(reference.seconds, floor.seconds),
        "pipeline_over_floor": ratio(pipeline.seconds, floor.seconds),
        "rerun_over_first": ratio(rerun.seconds, pipeline.seconds),
    }


def _met(value: float | None, test) -> bool | None:
    return None if value is None else test(value)


def print_report(summary: dict, results: list[Result]) -> None:
    print(f"\n{summary['title']}")
    print(f"tree: {summary['files']:,} files, {summary['rows']:,} rows, generated in {summary['generate_seconds']} s")
    floor = results[0].seconds
    print(f"{'':28}{'seconds':>10}{'x floor':>10}{'peak MB':>10}{'all MB':>8}  counts  load avg    outcome")
    for r in results:
        seconds = f"{r.seconds:.2f}" if r.seconds is not None else "-"
        times = f"{r.seconds / floor:.1f}" if r.seconds and floor else "-"
        counts = "ok" if r.counts_ok else ("-" if not r.counts else "WRONG")
        load = "{:.1f}-{:.1f}".format(*r.load_average) if r.load_average else "-"
        memory = f"{r.peak_memory_mb:.0f}" if r.peak_memory_mb else "-"
        together = f"{r.peak_tree_memory_mb:.0f}" if r.peak_tree_memory_mb else "-"
        print(f"{r.name:28}{seconds:>10}{times:>10}{memory:>10}{together:>8}  {counts:6}  {load:10}  {r.outcome}")
        if r.name == "lms-pipeline load":
            staging = f"{r.staging_seconds:.2f}" if r.staging_seconds is not None else "pending"
            print(f"{'  staging subflow':28}{staging:>10}")
    print("rows, live/total (the floor: written/distinct keys; dlt: rows/distinct keys, both against the expected")
    print("total, since dlt soft-deletes nothing):")
    print(f"  {'':22}" + "".join(f"{r.name.split()[0][:15]:>16}" for r in results) + f"{'expected live/total':>22}")
    for i, resource in enumerate(LOADED):
        cells = [f"{r.counts[i].live}/{r.counts[i].total}" if r.counts else "-" for r in results]
        expected = summary["expected"][resource]
        want = f"{expected['live']}/{expected['distinct']}"
        print(f"  {resource:22}" + "".join(f"{cell:>16}" for cell in cells) + f"{want:>22}")
    print("targets:", json.dumps(summary["targets"]))


# ---------------------------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="1: 2,000 users, 100 sections of 25, 5 assignments each")
    parser.add_argument("--district", action="store_true", help=f"the large district: {DISTRICT.describe()}")
    parser.add_argument("--days", type=int, default=2, help="extract days (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--change",
        type=float,
        default=0.03,
        help="share of users, assignments and submissions whose values change from one day to the next (default "
        "0.03; 0.8 for an update-heavy night, when grading changes most submissions)",
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"server to create databases on ({DEFAULT_URL})")
    parser.add_argument(
        "--only",
        action="append",
        choices=("floor", "pipeline", "reference", "dlt"),
        help="run only these (repeatable)",
    )
    parser.add_argument(
        "--reference-venv", type=Path, default=platformdirs.user_cache_path("lms-pipeline") / "reference-venv"
    )
    parser.add_argument(
        "--reference-python", default=REFERENCE_PYTHON if Path(REFERENCE_PYTHON).exists() else "python3.9"
    )
    parser.add_argument(
        "--dlt-venv",
        type=Path,
        default=platformdirs.user_cache_path("lms-pipeline") / "dlt-venv",
        help="made on first use",
    )
    parser.add_argument("--floor-runs", type=int, default=3, help="COPY floor runs; the best is kept (default 3)")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="results folder (git-ignored)")
    parser.add_argument("--keep-tree", type=Path, help="generate the tree here and keep it")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    only = set(args.only or ("floor", "pipeline", "reference", "dlt"))
    server = Server(args.database_url)
    facts = machine(server)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    args.size = DISTRICT if args.district else scaled(args.scale)
    out = args.out / f"{args.size.label}{'-change' if args.change != 0.03 else ''}-{stamp}"
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        started = time.perf_counter()
        tree = args.keep_tree or Path(scratch) / "tree"
        district = generate_tree(tree, args.size, args.days, args.seed, args.change)
        generate_seconds = round(time.perf_counter() - started, 2)
        results = run_all(only, server, district, args, out)
    summary = summarize(args, facts, district, generate_seconds, results)
    print_report(summary, results)
    (out / "results.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"results: {out / 'results.json'}")
    return 0 if all(r.outcome in ("ok", "not run") and (r.counts_ok or not r.counts) for r in results) else 1


def generate_tree(root: Path, size: TreeSize, days: int, seed: int, change: float = 0.03) -> District:
    """Clean data, one Canvas root, and only the resources the issue's sizes count."""
    return generate_district(
        root,
        users=size.users,
        sections=size.sections,
        students_per_section=size.students_per_section,
        assignments_per_section=size.assignments_per_section,
        attendance_per_section=0,
        section_activities_per_section=0,
        system_activities_per_day=0,
        grades=False,
        days=days,
        lms=(LMS,),
        seed=seed,
        messy=False,
        change=change,
    )


def run_all(only: set[str], server: Server, district: District, args: argparse.Namespace, out: Path) -> list[Result]:
    floor = copy_floor(server, district, args.floor_runs) if "floor" in only else Result("COPY floor", "")
    pipeline = [Result("lms-pipeline load", ""), Result("lms-pipeline load, re-run", "")]
    if "pipeline" in only:
        command = pipeline_command()
        if command:
            loader = with_loader_flags(command, server, district)
            pipeline = run_loader("lms-pipeline load", "pipeline", loader, server, district, out, rerun=True)
        else:
            pipeline[0].outcome = "not installed: no lms-pipeline on PATH"
    reference = Result("reference 1.2.2", "")
    if "reference" in only:
        python = venv_python(args.reference_venv, args.reference_python, REFERENCE_PACKAGES, "edfi_lms_ds_loader")
        loader = with_loader_flags([str(python), "-m", "edfi_lms_ds_loader"], server, district)
        [reference] = run_loader("reference 1.2.2", "reference", loader, server, district, out)
    return [floor, *pipeline, reference, *run_dlt(only, server, district, out, args.dlt_venv)]


def run_dlt(only: set[str], server: Server, district: District, out: Path, venv: Path) -> list[Result]:
    """dlt's first load and its re-run, with its pipeline state in a folder of this run's own."""
    if "dlt" not in only:
        return [Result("dlt", ""), Result("dlt, re-run", "")]
    interpreter = venv_python(venv, sys.executable, DLT_PACKAGES, "dlt")
    name = f"dlt {version_in(interpreter, 'dlt')}"
    with tempfile.TemporaryDirectory(prefix="lms-bench-dlt-") as pipelines_dir:
        loader = dlt_command(interpreter, server, district, Path(pipelines_dir))
        return run_loader(name, "dlt", loader, server, district, out, rerun=True, counts=dlt_counts)


def summarize(args, facts: dict, district: District, generate_seconds: float, results: list[Result]) -> dict:
    expected = {r: asdict(district.expected[LMS][r]) for r in LOADED}
    return {
        "title": f"Loader benchmark, {args.size.label}: {args.size.describe()}, {args.days} extract days, "
        f"{args.change:.0%} of the records changing from day to day",
        "when": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "change": args.change,
        "machine": {**facts, "load_average_at_end": os.getloadavg()},
        "files": len(load_order(district)),
        "rows": sum(sum(e["per_day"]) for e in expected.values()),
        "generate_seconds": generate_seconds,
        "expected": expected,
        "results": [{**asdict(r), "counts_ok": r.counts_ok} for r in results],
        "prefect": os.environ.get("PREFECT_API_URL") or "a temporary server, started by the command",
        "targets": targets(args.size, *results[:4]),  # the issues' targets: none for dlt
    }


if __name__ == "__main__":
    sys.exit(main())
