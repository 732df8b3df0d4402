"""The package's plan: Prefect lives in flows/ and tasks/; the domain core they call runs without it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lms_pipeline"
CORE = [
    "discovery",
    "validation",
    "loading",
    "reporting",
    "harmonization",
    "store",
    "errors.py",
    "resources.py",
    "wording.py",
]


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
    from lms_pipeline.harmonization import LMS_NAMES
    from lms_pipeline.harmonization.catalog import LMS_BY_NAME
    from lms_pipeline.options import RunOptions

    assert tuple(LMS_BY_NAME) == LMS_NAMES == tuple(RunOptions().lms)


ENGINE_MODULES = PACKAGE / "store" / "engines"


def engine_branches(source: str, engine_names: tuple[str, ...]) -> list[tuple[int, str]]:
    """Where code decides by an engine's name: the name (or its settings enum member, EngineName.MSSQL) compared
    with something, used as a dict key or a subscript, matched in a case, or a SQLAlchemy URL scheme written out
    (mssql+pyodbc). Each as (line, the code)."""
    members = {name.upper() for name in engine_names}

    def names_an_engine(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value in engine_names
        if isinstance(node, ast.Attribute):
            return node.attr in members
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(names_an_engine(element) for element in node.elts)
        return False

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            hits = [node.left, *node.comparators]
        elif isinstance(node, ast.Dict):
            hits = [key for key in node.keys if key is not None]
        elif isinstance(node, ast.Subscript):
            hits = [node.slice]
        elif isinstance(node, ast.MatchValue):
            hits = [node.value]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            scheme = node.value.partition("+")
            hits = [ast.Constant(scheme[0])] if scheme[1] and scheme[2].isidentifier() else []
        else:
            hits = []
        if any(names_an_engine(hit) for hit in hits):
            found.append((node.lineno, ast.unparse(node)[:100]))
    return found


def test_nothing_outside_the_engine_modules_branches_on_an_engine():
    """Engine differences live in lms_pipeline/store/engines, one module each: code elsewhere asks the engine's
    EngineDialect, and never tests which engine it has."""
    from lms_pipeline.store.engines import ENGINE_NAMES

    branches = [
        f"{path.relative_to(PACKAGE)}:{line}: {code}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.is_relative_to(ENGINE_MODULES)
        for line, code in engine_branches(path.read_text(encoding="utf-8"), ENGINE_NAMES)
    ]
    assert branches == []


def test_the_engine_check_finds_the_branches_it_forbids():
    names = ("mssql", "postgresql")
    forbidden = [
        'if settings.engine.value == "mssql": pass',
        'x = "postgresql" if name != "mssql" else 1',
        'ok = backend in ("mssql", "other")',
        'PORTS = {"postgresql": 5432}',
        'port = PORTS["mssql"]',
        "ok = settings.engine is EngineName.POSTGRESQL",
        'url = URL.create("mssql+pyodbc", host="h")',
        'match name:\n    case "postgresql": pass',
    ]
    assert [len(engine_branches(code, names)) for code in forbidden] == [1] * len(forbidden)
    allowed = [
        'DEFAULT_ENGINE = "mssql"',
        'engine = Field(EngineName.POSTGRESQL, description="postgresql or mssql")',
        'scripts = builtin_scripts("postgresql", harmonizer=True)',
        'HELP = "postgresql://user@host/db or mssql+pyodbc://user@host/db"',
        "dialect = dialect_for(settings.engine.value)",
    ]
    assert [engine_branches(code, names) for code in allowed] == [[]] * len(allowed)


def test_every_engine_is_a_module_and_a_scripts_folder_and_the_settings_offer_each():
    from lms_pipeline.store.engines import ENGINE_NAMES, SQL_ROOT, dialect_for
    from lms_pipeline.store.settings import DatabaseSettings, EngineName

    assert ENGINE_NAMES == ("mssql", "postgresql")
    assert {member.value for member in EngineName} == set(ENGINE_NAMES)
    schema = DatabaseSettings.model_json_schema()
    assert set(schema["$defs"]["EngineName"]["enum"]) == set(ENGINE_NAMES)
    for name in ENGINE_NAMES:
        dialect = dialect_for(name)
        assert dialect.name == name and dialect.script_folder == SQL_ROOT / name and dialect.script_folder.is_dir()
    assert sorted(path.name for path in SQL_ROOT.iterdir() if path.is_dir()) == list(ENGINE_NAMES)
