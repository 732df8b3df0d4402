"""The package's plan: Prefect lives in flows/ and tasks/; the domain core they call runs without it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lms_pipeline"
CORE = ["discovery", "validation", "loading", "reporting", "harmonization", "store", "resources.py", "wording.py"]


def core_modules() -> list[Path]:
    found = []
    for name in CORE:
        path = PACKAGE / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def test_no_core_module_imports_prefect_even_inside_a_function():
    importers = []
    for path in core_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "prefect" or name.startswith(("prefect.", "prefect_")) for name in names):
                importers.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert importers == []


def test_the_core_imports_with_prefect_blocked():
    """Every core module, imported in a Python where `import prefect` fails."""
    modules = [".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts) for path in core_modules()]
    script = "\n".join(
        [
            "import importlib, sys",
            "class Blocked:",
            "    def find_spec(self, name, path=None, target=None):",
            "        if name == 'prefect' or name.startswith(('prefect.', 'prefect_')):",
            "            raise ImportError(f'blocked: {name}')",
            "sys.meta_path.insert(0, Blocked())",
            f"for module in {modules!r}:",
            "    importlib.import_module(module.removesuffix('.__init__'))",
            "assert not [m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')]",
        ]
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(modules) > 30


def test_no_two_modules_import_each_other_even_through_others():
    """The import graph of the package, lazy imports included, has no cycle."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        graph[module] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lms_pipeline"):
                graph[module] |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
            elif isinstance(node, ast.Import):
                graph[module] |= {a.name for a in node.names if a.name.startswith("lms_pipeline")}
    graph = {m: {d for d in deps if d in graph and d != m and not m.startswith(d + ".")} for m, deps in graph.items()}
    cycles, state = [], {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for dependency in sorted(graph[module]):
            if state.get(dependency) == "open":
                cycles.append(trail[trail.index(dependency) :] + [dependency])
            elif dependency not in state:
                visit(dependency, trail + [dependency])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_lms_catalog_and_the_names_offered_everywhere_agree():
    from lms_pipeline.flows.pipeline import ALL_LMS
    from lms_pipeline.harmonization import LMS_NAMES
    from lms_pipeline.harmonization.harmonize import LMS_BY_NAME

    assert tuple(LMS_BY_NAME) == LMS_NAMES == tuple(ALL_LMS)
