"""The fixed cost of a command with nothing to do: `lms-pipeline load` over the medium tree, already loaded.

A command finds its Prefect API one of four ways, each timed here as a whole process, several runs:
1. with a server: PREFECT_API_URL names a running one (a deployment, or a user who runs one);
2. without one, first call: a new HOME, so the command starts its local server and waits until it answers;
3. without one, later calls: the local server that the first call left running is reused;
4. the baseline, what every call paid before: Prefect's temporary server, started and stopped inside the command
   (LMS_PREFECT_SERVER=temporary).

    python benchmarks/bench_fixed_cost.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench_load import DEFAULT_URL, HERE, Server, fresh_database, generate_tree, machine, pipeline_command, scaled

TARGETS = {"with a server": 3, "no server, first call": 20, "no server, later calls": 6}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(api_url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def user_env(home: Path, **extra: str) -> dict:
    """A user with no Prefect configuration but what is given."""
    (home / ".prefect").mkdir(parents=True, exist_ok=True)  # Prefect's server cannot create its database without
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LMS_PREFECT_"))}
    return {**env, "HOME": str(home), "PREFECT_HOME": str(home / ".prefect"), "DO_NOT_TRACK": "1", **extra}


def timed(command: list[str], env: dict, cwd: Path) -> float:
    print(".", end="", flush=True)
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:2])} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return seconds


def stop_local_server(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "prefect", "server", "stop"], env=env, capture_output=True, check=False)


def measure(command: list[str], runs: int, scratch: Path) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {name: [] for name in (*TARGETS, "baseline: temporary server per call")}
    server_home = scratch / "server"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=user_env(server_home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not healthy(api):
            if server.poll() is not None:
                raise SystemExit("the benchmark's Prefect server did not start")
            time.sleep(0.5)
        with_server = user_env(server_home, PREFECT_API_URL=api)
        timed(command, with_server, scratch)  # the load that makes the tree "already loaded"
        for _ in range(runs):
            figures["with a server"].append(timed(command, with_server, scratch))
        for i in range(runs):
            home = scratch / f"user{i}"
            env = user_env(home, LMS_PREFECT_PORT=str(free_port()))
            try:
                figures["no server, first call"].append(timed(command, env, scratch))
                if i == runs - 1:
                    figures["no server, later calls"] = [timed(command, env, scratch) for _ in range(runs)]
            finally:
                stop_local_server(env)
        temporary = user_env(scratch / "temporary", LMS_PREFECT_SERVER="temporary")
        figures["baseline: temporary server per call"] = [timed(command, temporary, scratch) for _ in range(runs)]
    finally:
        server.terminate()
        server.wait()
    return figures


def report(figures: dict[str, list[float]]) -> list[dict]:
    rows = []
    for name, seconds in figures.items():
        median = statistics.median(seconds)
        target = TARGETS.get(name)
        rows.append(
            {
                "case": name,
                "median_s": round(median, 2),
                "min_s": round(min(seconds), 2),
                "max_s": round(max(seconds), 2),
                "runs": len(seconds),
                "target_s": target,
                "met": None if target is None else median <= target,
            }
        )
    print(f"\n{'case':<38} {'median':>7} {'min':>6} {'max':>6}  target")
    for r in rows:
        target = "" if r["target_s"] is None else f"<= {r['target_s']} s: {'met' if r['met'] else 'NOT met'}"
        print(f"{r['case']:<38} {r['median_s']:>6.2f}s {r['min_s']:>5.2f}s {r['max_s']:>5.2f}s  {target}")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each case (default 5)")
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"server to create databases on ({DEFAULT_URL})")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="results folder (git-ignored)")
    args = parser.parse_args()
    server = Server(args.database_url)
    facts = machine(server)
    scratch = Path(tempfile.mkdtemp(prefix="lms-fixed-cost-"))
    try:
        district = generate_tree(scratch / "tree", scaled(1), days=2, seed=1)
        with fresh_database(server, "fixedcost") as dbname:
            command = [*pipeline_command(), "--csvpath", str(district.roots["canvas"]), *server.loader_flags(dbname)]
            figures = measure(command, args.runs, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    facts["load_average_at_end"] = os.getloadavg()
    print(f"machine: {facts}")
    rows = report(figures)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"fixed-cost-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"machine": facts, "results": rows, "samples": figures}, indent=2, default=str))
    print(f"written to {path}")
    return 0 if all(r["met"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
