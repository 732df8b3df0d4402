"""SQL Server harmonization without a server: what parsing and compiling can prove, proved here.

sql/mssql/harmonizer is the T-SQL twin of sql/postgresql/harmonizer: the same scripts, making the same objects,
with the same parameters and view columns, read from the parsed scripts of both engines. test_mssql_sql parses
every script of sql/mssql strictly as T-SQL, the harmonizer's, the ODS fixture's and the role scripts' included;
here a misspelt keyword in any statement of those is shown to fail that parse. Then harmonization, the exception
reports, the fixture and the migrations run against a stand-in connection with the mssql dialect, and every
statement they send compiles for it and parses as T-SQL.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType
from test_mssql_sql import SQLGLOT, Recorder, Sent, invalid_reasons, render, script_batches, set_aside_sql_server_only

from lms_pipeline.demo.ods import apply_edfi_ods
from lms_pipeline.harmonization.catalog import LMS_BY_NAME
from lms_pipeline.harmonization.procedures import harmonize_lms
from lms_pipeline.harmonization.reports import exception_counts, write_exception_reports
from lms_pipeline.store.engines import SQL_ROOT
from lms_pipeline.store.migrations import apply_migrations, builtin_scripts

ENGINES = ("postgresql", "mssql")


def harmonizer_scripts(engine: str) -> list[Path]:
    return sorted((SQL_ROOT / engine / "harmonizer").glob("*.sql"))


# --- the two harmonizer folders -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SqlObject:
    kind: str  # routine, view or table: what is a function on PostgreSQL may be a procedure on SQL Server
    name: str  # schema.name, as the script spells it
    shape: tuple[str, ...]  # a routine's parameters or a view's columns, as spelled, without _ or @

    @property
    def comparable(self) -> tuple:
        """Names compared as the engines resolve them: PostgreSQL folds them to lower case."""
        return self.kind, self.name.lower(), tuple(part.lower() for part in self.shape)


# PostgreSQL routines by their header: sqlglot keeps some of them (LANGUAGE sql IMMUTABLE ...) as Commands.
PG_ROUTINE = re.compile(r"CREATE OR REPLACE (?:PROCEDURE|FUNCTION) ([\w.]+)\(((?:[^()]|\([^()]*\))*)\)", re.IGNORECASE)
PARSED_KINDS = {"postgresql": ("VIEW", "TABLE"), "mssql": ("VIEW", "TABLE", "PROCEDURE", "FUNCTION")}


@cache
def objects(path: Path) -> frozenset[SqlObject]:
    """The routines, views and tables a script makes (not the temporary tables inside its procedures)."""
    engine = path.relative_to(SQL_ROOT).parts[0]
    made = set()
    for batch in script_batches(path):
        sql = set_aside_sql_server_only(batch)[0] if engine == "mssql" else batch
        for statement in filter(None, sqlglot.parse(sql, read=SQLGLOT[engine])):
            made |= {
                _described(create)
                for create in statement.find_all(exp.Create)
                if create.kind in PARSED_KINDS[engine] and create.find_ancestor(exp.Create) is None
            }
    if engine == "postgresql":
        made |= {
            SqlObject("routine", name, tuple(p.split()[0].lstrip("_") for p in parameters.split(",") if p.strip()))
            for name, parameters in PG_ROUTINE.findall(path.read_text(encoding="utf-8"))
        }
    return frozenset(made)


def _described(create: exp.Create) -> SqlObject:
    table = create.this if isinstance(create.this, exp.Table) else create.this.this
    name = f"{table.db}.{table.name}"
    if create.kind == "VIEW":
        return SqlObject("view", name, tuple(create.expression.named_selects))
    if create.kind == "TABLE":
        return SqlObject("table", name, ())
    return SqlObject("routine", name, tuple(parameter.find(exp.Var).name for parameter in create.this.expressions))


def test_both_engines_have_the_same_harmonizer_scripts():
    names = {engine: [path.name for path in harmonizer_scripts(engine)] for engine in ENGINES}
    assert names["mssql"] == names["postgresql"] and len(names["mssql"]) == 20


@pytest.mark.parametrize("name", [path.name for path in harmonizer_scripts("postgresql")])
def test_each_script_makes_the_same_objects_on_both_engines(name):
    """The same routines with the same parameters in the same order, the same views with the same columns in the
    same order (so the same report headers), the same tables."""
    postgres, sql_server = (objects(SQL_ROOT / engine / "harmonizer" / name) for engine in ENGINES)
    assert {o.comparable for o in sql_server} == {o.comparable for o in postgres}


def test_the_catalogue_is_the_harmonizers():
    made = {o.name: o for path in harmonizer_scripts("mssql") for o in objects(path)}
    assert (
        made["lms.harmonize_assignment"].shape
        == made["lms.harmonize_assignment_submissions"].shape
        == ("SourceSystem", "Namespace")
    )
    assert all(
        made[f"lms.harmonize_{what}_{lms.procedure_suffix}"].shape == ()
        for what in ("lmsuser", "lmssection")
        for lms in LMS_BY_NAME.values()
    )
    assert made["lmsx.exceptions_LMSSection"].shape == (
        "LMSSectionIdentifier",
        "SourceSystemIdentifier",
        "SourceSystem",
        "SISSectionIdentifier",
    )
    assert [o.kind for o in made.values()].count("view") == 13


# --- a misspelt keyword fails the parse ---------------------------------------------------------------------------

# Words that begin a statement or a clause. A misspelt one is a syntax error wherever it stands, except after ON,
# where DELETE and UPDATE name a foreign key's action, which sqlglot does not check.
KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "JOIN",
    "UNION",
    "EXCEPT",
    "VALUES",
    "INTO",
    "UPDATE",
    "INSERT",
    "DELETE",
    "CREATE",
    "ALTER",
    "EXEC",
    "DECLARE",
    "SET",
    "IF",
    "BEGIN",
    "END",
    "GRANT",
    "THROW",
}
CHECKED_SCRIPTS = [
    path
    for folder in ("harmonizer", "ods_fixture", "roles")
    for path in sorted((SQL_ROOT / "mssql" / folder).glob("*.sql"))
]


def misspellings(batch: str):
    """The batch once for every keyword in it, that keyword missing its last letter."""
    tokens = sqlglot.tokenize(batch, read="tsql")
    for previous, token in zip([None, *tokens], tokens, strict=False):
        if (
            token.text.upper() in KEYWORDS
            and token.token_type not in (TokenType.STRING, TokenType.NATIONAL_STRING)
            and not (previous and previous.text.upper() == "ON")
        ):
            yield batch[: token.start] + token.text[:-1] + batch[token.end + 1 :]


@pytest.mark.parametrize("path", CHECKED_SCRIPTS, ids=lambda p: str(p.relative_to(SQL_ROOT / "mssql")))
def test_a_misspelt_keyword_anywhere_in_the_script_fails_the_parse(path):
    batches = script_batches(path)
    mistakes = [mistake for batch in batches for mistake in misspellings(batch)]
    accepted = [mistake for mistake in mistakes if not invalid_reasons(mistake, "mssql")]
    assert accepted == [] and len(mistakes) >= 4


def test_only_the_role_scripts_take_sqlcmd_variables():
    """The migration runner and the fixture send their scripts as they are; sqlcmd fills in the role scripts."""
    variables = {}
    for path in (SQL_ROOT / "mssql").rglob("*.sql"):
        for name in re.findall(r"\$\((\w+)\)", path.read_text(encoding="utf-8")):
            variables.setdefault(path.parent.name, set()).add(name)
    assert variables == {"roles": {"migration_role", "runtime_role", "migration_user", "runtime_user"}}


# --- what harmonization sends to SQL Server -----------------------------------------------------------------------


@cache
def view_columns(engine: str) -> dict[str, tuple[str, ...]]:
    """Each harmonizer view's columns as the engine returns them, by the view's name in lower case."""
    return {o.name.lower(): o.shape for path in harmonizer_scripts(engine) for o in objects(path) if o.kind == "view"}


class Answer:
    """Rows none, columns as SQL Server would name them, every count zero."""

    def __init__(self, columns: list[str]):
        self.columns = columns

    def mappings(self):
        return self

    def one(self):
        return dict.fromkeys(self.columns, 0)

    def all(self):
        return []

    def first(self):
        return None  # no journal, no edfi schema yet

    def scalar(self):
        return 0

    scalar_one = scalar

    def keys(self):
        return self.columns

    def __iter__(self):
        return iter(())


class SqlServerStandIn(Recorder):
    """A SQL Server that keeps what it is sent: a view read whole answers with the view's T-SQL columns, any other
    query with the columns it names (AS name)."""

    def __init__(self):
        super().__init__("mssql")

    def execute(self, statement, params=None) -> Answer:
        self.sent.append(Sent(statement, params))
        sql = str(statement)
        whole_view = re.match(r"SELECT \* FROM (\w+\.\w+)", sql)
        return Answer(
            list(view_columns("mssql")[whole_view[1].lower()]) if whole_view else re.findall(r"\bAS (\w+)", sql)
        )


@pytest.fixture(scope="module")
def sql_server(tmp_path_factory):
    """An ODS made, migrated with the harmonizer, every LMS harmonized and the reports written and counted."""
    server = SqlServerStandIn()
    apply_edfi_ods(server)
    apply_migrations(server, builtin_scripts("mssql", harmonizer=True))
    server.harmonizing_from = len(server.sent)
    for lms in LMS_BY_NAME:
        harmonize_lms(server, lms)
    server.reports = write_exception_reports(server, tmp_path_factory.mktemp("reports"))
    exception_counts(server)
    return server


def test_every_statement_compiles_for_sql_server_and_parses_as_tsql(sql_server):
    texts = [render(sent.statement, "mssql", sent.params) for sent in sql_server.sent]
    invalid = {text[:200]: reasons for text in texts if (reasons := invalid_reasons(text, "mssql"))}
    assert invalid == {} and len(texts) > 100


def test_the_migrations_add_the_sql_server_harmonizer_and_the_fixture_comes_first(sql_server):
    batches = [sent.statement for sent in sql_server.sent if isinstance(sent.statement, str)]
    fixture = batches.index(next(b for b in batches if "CREATE TABLE edfi.Descriptor" in b))
    prerequisites = batches.index(next(b for b in batches if "harmonization needs an Ed-Fi ODS" in b))
    assert fixture < prerequisites
    assert any("CREATE OR ALTER PROCEDURE lms.harmonize_assignment_submissions" in b for b in batches)
    assert [s.path.parent.name for s in builtin_scripts("mssql", harmonizer=True)][-20:] == ["harmonizer"] * 20


def test_procedures_are_called_as_the_reference_calls_them_on_sql_server(sql_server):
    calls = [
        (str(sent.statement), sent.params) for sent in sql_server.sent if str(sent.statement).startswith("EXEC lms.")
    ]
    canvas = {"sourcesystem": "Canvas", "namespace": "uri://instructure.com/canvas"}
    assert calls[:4] == [
        ("EXEC lms.harmonize_lmsuser_canvas", None),
        ("EXEC lms.harmonize_lmssection_canvas", None),
        ("EXEC lms.harmonize_assignment @SourceSystem = :sourcesystem, @Namespace = :namespace", canvas),
        ("EXEC lms.harmonize_assignment_submissions @SourceSystem = :sourcesystem, @Namespace = :namespace", canvas),
    ]
    assert len(calls) == 12


def test_the_tallies_are_cleared_before_the_procedures_and_read_after(sql_server):
    texts = [str(sent.statement) for sent in sql_server.sent]
    first_call = texts.index("EXEC lms.harmonize_lmsuser_canvas")
    clear = max(i for i, t in enumerate(texts[:first_call]) if "sp_set_session_context" in t)
    read = next(i for i, t in enumerate(texts) if "SESSION_CONTEXT(" in t and "sp_set" not in t)
    assert clear < first_call < read
    assert texts[clear].count("@value = NULL") == 6


def test_the_reports_have_the_postgresql_headers(sql_server):
    """Read from the T-SQL views, which answer in PascalCase, the files get the lower-case headers of PostgreSQL."""
    headers = {
        folder: next(csv.reader(report.path.open(encoding="utf-8")))
        for folder, report in sql_server.reports.files.items()
    }
    views = view_columns("postgresql")
    assert headers["sections"] == list(views["lmsx.exceptions_lmssection"])
    assert headers["users"] == list(views["lmsx.exceptions_lmsuser"])
    assert headers["descriptors"] == ["missingvalue", "descriptor", "namespace"]
    assert headers["submissions"] == list(views["lmsx.assignment_submissions_exceptions"])


def test_harmonization_names_objects_as_the_sql_server_scripts_spell_them(sql_server):
    """Exactly: in a database with a case-sensitive collation, SQL Server resolves names as written."""
    created = {o.name for path in (SQL_ROOT / "mssql").rglob("*.sql") for o in objects(path)}
    harmonizing = [render(s.statement, "mssql", s.params) for s in sql_server.sent[sql_server.harmonizing_from :]]
    named = {
        f"{table.db}.{table.name}"
        for text in harmonizing
        for statement in sqlglot.parse(text, read="tsql")
        for table in statement.find_all(exp.Table)
        if table.db and not (isinstance(table.parent, exp.Execute) and table.db == "sys")
    }
    assert named - created == set() and "lmsx.exceptions_LMSUser" in named
