"""SQL Server without a server: what parsing and compiling can prove, proved here.

Every script in sql/mssql/ parses as T-SQL once split on GO as the migration runner splits it; the two script
folders describe the same data store; and every statement the loader builds compiles for both dialects and parses
as their SQL. The statements come from the merge builders directly and from a recorded load of the sample tree,
the same conversation through both dialects. sqlglot parses leniently (syntax it does not know becomes a Command,
a misspelt statement inside BEGIN ... END an expression), so the parse here is strict; the few statements of SQL
Server's it cannot parse at all (THROW, GRANT ... ON SCHEMA::, role statements) are checked against their
documented syntax instead; and it adds a rule of SQL Server's that no parser checks.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import sqlglot
from sqlalchemy import BindParameter, Insert, TextClause, bindparam
from sqlalchemy.dialects import mssql, postgresql
from sqlalchemy.sql.visitors import replacement_traverse
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError
from sqlglot.tokens import TokenType

from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.loading.batch import MassDeletePolicy, load_batch
from lms_pipeline.loading.batching import plan_batches
from lms_pipeline.loading.journal import pending_files
from lms_pipeline.loading.merge import ResourceStatements, SubmissionTypeStatements
from lms_pipeline.loading.runs import finish_run, start_run
from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.options import BatchLimits
from lms_pipeline.resources import ASSIGNMENTS, BY_NAME, LOAD_ORDER, Parent, Scope
from lms_pipeline.store.connections import run_lock
from lms_pipeline.store.engines import SQL_ROOT, dialect_for
from lms_pipeline.store.engines.mssql import BULK_ROWS
from lms_pipeline.store.migrations import apply_migrations, builtin_scripts
from lms_pipeline.store.tables import StoreTables
from lms_pipeline.validation.rows import prepare_batch

SQLGLOT = {"mssql": "tsql", "postgresql": "postgres"}
SQLALCHEMY = {"mssql": mssql.dialect(), "postgresql": postgresql.psycopg2.dialect()}
ENGINES = list(SQLGLOT)
SAMPLE = Path(__file__).resolve().parent / "fixtures" / "lms-toolkit" / "sample-out"

# Loader contract 5.5: a database the reference loader made on SQL Server has these names in its journal.
REFERENCE_MSSQL_SCRIPTS = (
    "0001_initialize_lms_database",
    "0002_create_processed_files_table",
    "0003_create_user_tables",
    "0004_create_section_tables",
    "0005_create_assignment_tables",
    "0006_create_section_association_tables",
    "0007_create_assignment_submission_tables",
    "0008_create_section_activity_tables",
    "0009_create_system_activity_tables",
    "0010_create_attendance_tables",
    "0011_remove_startdate_enddate_from_sectionassociation",
    "0012_add_mapping_columns_for_edfi_student_and_section",
)


# --- a strict parse ----------------------------------------------------------------------------------------------


def invalid_reasons(sql: str, engine: str) -> list[str]:
    """Why the engine would refuse this SQL text; empty when it parses strictly (and, for SQL Server, keeps its
    rules)."""
    read = SQLGLOT[engine]
    reasons = []
    if engine == "mssql":
        sql, reasons = set_aside_sql_server_only(sql)
    try:
        statements = [s for s in sqlglot.parse(sql, read=read, error_level=ErrorLevel.RAISE) if s is not None]
    except ParseError as error:
        return reasons + [str(error).splitlines()[0]]
    reasons += [reason for statement in statements for reason in _quiet_misreadings(statement, read)]
    if engine == "mssql":
        reasons += [reason for statement in statements for reason in _sql_server_refusals(statement)]
    return reasons


# Statements of SQL Server's that sqlglot cannot parse, in the forms the scripts use, as Microsoft documents them.
# Each is checked against its syntax here, then set aside for a placeholder, so that sqlglot still parses the
# statements around it (an IF that guards it, say).
_NAME = r"(?:\[[^\]]+\]|[A-Za-z_][\w$#@]*)"
_VALUE = r"(?:\d+|N?'(?:[^']|'')*'|@\w+)"
_PERMISSION = r"(?:SELECT|INSERT|UPDATE|DELETE|EXECUTE|ALTER|CREATE (?:TABLE|VIEW|PROCEDURE|FUNCTION))"
SQL_SERVER_ONLY = {
    ("THROW",): rf"THROW {_VALUE} ?, ?{_VALUE} ?, ?{_VALUE}",
    ("GRANT",): rf"GRANT {_PERMISSION}(?: ?, ?{_PERMISSION})*(?: ON (?:SCHEMA::)?{_NAME}(?:\.{_NAME})?)? TO {_NAME}",
    ("CREATE", "ROLE"): rf"CREATE ROLE {_NAME}",
    ("ALTER", "ROLE"): rf"ALTER ROLE {_NAME} ADD MEMBER {_NAME}",
    ("ALTER", "AUTHORIZATION"): rf"ALTER AUTHORIZATION ON SCHEMA::{_NAME} TO {_NAME}",
}
PLACEHOLDER = "SELECT 1"


def set_aside_sql_server_only(sql: str) -> tuple[str, list[str]]:
    """The SQL with each statement of SQL_SERVER_ONLY replaced by a placeholder, and why any of them is wrong. A
    statement runs from its first word to its semicolon; words inside strings are not statements."""
    tokens = sqlglot.tokenize(sql, read="tsql")
    upper = tuple(t.text.upper() for t in tokens)  # once, not once for every token and every pattern
    reasons, pieces, done, index = [], [], 0, 0
    while index < len(tokens):
        words = next(
            (
                w
                for w in SQL_SERVER_ONLY
                if upper[index : index + len(w)] == w
                and tokens[index].token_type not in (TokenType.STRING, TokenType.NATIONAL_STRING)
            ),
            None,
        )
        if words is None:
            index += 1
            continue
        end = next((i for i in range(index, len(tokens)) if tokens[i].token_type == TokenType.SEMICOLON), len(tokens))
        stop = tokens[end].start if end < len(tokens) else len(sql)
        statement = " ".join(sql[tokens[index].start : stop].split())
        if not re.fullmatch(SQL_SERVER_ONLY[words], statement, flags=re.IGNORECASE):
            reasons.append(f"not SQL Server's {' '.join(words)} syntax: {statement[:120]}")
        pieces += [sql[done : tokens[index].start], PLACEHOLDER]
        done, index = stop, end
    return "".join(pieces) + sql[done:], reasons


# Words that begin a statement: never an alias, so an alias spelled so is a statement sqlglot did not see begin.
STATEMENT_WORDS = {
    "ALTER",
    "BEGIN",
    "CREATE",
    "DECLARE",
    "DELETE",
    "DROP",
    "ELSE",
    "END",
    "EXEC",
    "EXECUTE",
    "GO",
    "IF",
    "INSERT",
    "PRINT",
    "RETURN",
    "SELECT",
    "SET",
    "UPDATE",
    "WHILE",
}


def _quiet_misreadings(statement: exp.Expression, read: str) -> list[str]:
    """What sqlglot accepts without an error but did not understand: syntax it keeps as a Command, and a statement
    taken for an alias (it reads `IF NOT EXISTS (...) EXECUTE (...)` as `NOT EXISTS (...) AS EXECUTE`)."""
    reasons = []
    for node in statement.walk():
        if isinstance(node, exp.Command):
            reasons.append(f"not understood: {node.sql(read)[:120]}")
        elif (
            isinstance(node, exp.Alias)
            and not node.args["alias"].args.get("quoted")  # an @variable is no identifier
            and node.alias.upper() in STATEMENT_WORDS
        ):
            reasons.append(f"'{node.alias}' read as an alias: {node.sql(read)[:120]}")
    return reasons + [f"not a statement: {node.sql(read)[:120]}" for node in _bare_expressions(statement)]


def _bare_expressions(statement: exp.Expression) -> list[exp.Expression]:
    """Expressions standing where a statement belongs: inside BEGIN ... END, sqlglot reads `SELEC x;` as the column
    SELEC aliased x, without an error. RAISERROR is the one statement it reads as an expression (a call)."""
    places = [statement] + [item for block in statement.find_all(exp.Block) for item in block.expressions]
    return [
        item
        for item in places
        if isinstance(item, (exp.Condition, exp.Alias))
        and not (isinstance(item, exp.Anonymous) and item.name.upper() == "RAISERROR")
    ]


def _sql_server_refusals(statement: exp.Expression) -> list[str]:
    """Error 130: an aggregate over an expression that holds a subquery (SUM(CASE WHEN EXISTS (...) ...))."""
    return [
        f"error 130, a subquery inside {aggregate.sql('tsql')[:120]}"
        for aggregate in statement.find_all(exp.AggFunc)
        if aggregate.find(exp.Select)
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLEE lms.X (A INT)",
        "ALTER TABLE lms.X ADDD A INT",
        "CREATE TABLE lms.X (A INT",
        "IF NOT EXISTS (SELECT 1 FROM sys.schemas) EXECUTE (N'CREATE SCHEMA lms')",
        "SELECT SUM(CASE WHEN EXISTS (SELECT 1 FROM lms.Y) THEN 1 ELSE 0 END) FROM lms.X",
        "IF 1 = 1 BEGIN SELEC 1; END",
        "CREATE OR ALTER PROCEDURE lms.P AS BEGIN DECLAR @X INT; SELECT 1; END",
        "IF @X IS NULL THROW 50000 N'x', 1;",
        "GRANT SELECT ON SCHEMAS::lms TO [r];",
        "CREATE ROLEE [r];",
        "ALTER ROLE [r] ADD MEMBERS [u];",
        "ALTER AUTHORIZATION ON SCHEMA::lms [r];",
    ],
    ids=[
        "typo",
        "unknown-action",
        "unbalanced",
        "misread-if",
        "error-130",
        "typo-in-block",
        "typo-in-procedure",
        "throw",
        "grant",
        "create-role",
        "alter-role",
        "alter-authorization",
    ],
)
def test_the_check_refuses_what_sql_server_would(sql):
    assert invalid_reasons(sql, "mssql")


@pytest.mark.parametrize(
    "sql",
    [
        "IF @X IS NULL THROW 50000, N'it''s; wrong', 1;",
        "GRANT SELECT, INSERT, EXECUTE ON SCHEMA::lms TO [r]; GRANT CREATE TABLE, CREATE VIEW TO [r];",
        "IF DATABASE_PRINCIPAL_ID(N'r') IS NULL CREATE ROLE [r];",
        "ALTER ROLE [r] ADD MEMBER [u]; ALTER AUTHORIZATION ON SCHEMA::lms TO [r];",
        "EXEC sys.sp_executesql N'GRANT ALTER ON lms.stg_X TO r; THROW;';",
    ],
    ids=["throw", "grant", "create-role", "alter-role", "in-a-string"],
)
def test_the_check_takes_the_statements_sqlglot_lacks_by_their_syntax(sql):
    assert invalid_reasons(sql, "mssql") == []


def test_go_ends_a_batch_only_on_a_line_of_its_own():
    sql = "CREATE TABLE lms.A (GoLive INT);\nGO\nSELECT 1 AS go_on;\n  go ;\nSELECT 2"
    batches = dialect_for("mssql").script_batches(sql)
    assert [b.strip() for b in batches] == ["CREATE TABLE lms.A (GoLive INT);", "SELECT 1 AS go_on;", "SELECT 2"]


# --- the scripts -------------------------------------------------------------------------------------------------


# The role scripts are run with sqlcmd, which puts each $(variable) in their text before sending it.
SQLCMD_VARIABLE = re.compile(r"\$\((\w+)\)")


def script_batches(path: Path) -> list[str]:
    """The batches SQL Server receives: split on GO, sqlcmd variables given their own names as values."""
    engine = path.relative_to(SQL_ROOT).parts[0]
    sql = SQLCMD_VARIABLE.sub(r"\1", path.read_text(encoding="utf-8-sig"))
    return dialect_for(engine).script_batches(sql)


@pytest.mark.parametrize(
    "path", sorted((SQL_ROOT / "mssql").rglob("*.sql")), ids=lambda p: str(p.relative_to(SQL_ROOT / "mssql"))
)
def test_every_sql_server_script_parses_as_tsql(path):
    assert [reason for batch in script_batches(path) for reason in invalid_reasons(batch, "mssql")] == []


def script_names(engine: str) -> list[str]:
    return [p.stem for p in sorted((SQL_ROOT / engine).glob("*.sql"))]


def test_sql_server_scripts_carry_the_reference_names():
    assert script_names("mssql")[: len(REFERENCE_MSSQL_SCRIPTS)] == list(REFERENCE_MSSQL_SCRIPTS)


def test_both_engines_have_the_same_migrations():
    postgres, sql_server = script_names("postgresql"), script_names("mssql")
    assert [name[:4] for name in sql_server] == [name[:4] for name in postgres]
    assert sql_server[10:] == postgres[10:]  # 0001-0010 keep each engine's reference names; from 0011, one name


# --- the data store the scripts create ---------------------------------------------------------------------------

KINDS = {
    exp.DataType.Type.VARCHAR: "text",
    exp.DataType.Type.NVARCHAR: "text",
    exp.DataType.Type.CHAR: "char",
    exp.DataType.Type.NCHAR: "char",
    exp.DataType.Type.TIMESTAMP: "datetime",
    exp.DataType.Type.DATETIME2: "datetime",
    exp.DataType.Type.UUID: "uuid",
    exp.DataType.Type.DATE: "date",
    exp.DataType.Type.INT: "int",
    exp.DataType.Type.BIGINT: "bigint",
    exp.DataType.Type.BOOLEAN: "bool",
    exp.DataType.Type.BIT: "bool",
}
FIXED_BYTES = {"int": 4, "bigint": 8, "datetime": 8, "date": 3, "uuid": 16, "bool": 1}


@dataclass(frozen=True)
class ColumnShape:
    name: str  # as the script spells it
    kind: str  # text, char, datetime, uuid, date, int, bigint
    length: int | None  # characters of text and char
    sql_type: str  # as SQL Server or PostgreSQL knows it, e.g. NVARCHAR(255), DATETIME2(7)
    nullable: bool
    identity: bool

    @property
    def key_bytes(self) -> int:
        if self.kind in ("text", "char"):
            return self.length * (2 if self.sql_type.upper().startswith("N") else 1)
        return FIXED_BYTES[self.kind]


@dataclass(frozen=True)
class KeyShape:
    kind: str  # primary key, unique, foreign key, index
    table: str
    columns: tuple[str, ...]
    detail: str = ""  # what a foreign key references, or an index's filter
    clustered: bool = False


class StoreShape:
    """The tables, columns, keys and indexes a folder of scripts creates on a fresh database, names in lower case
    for comparing engines."""

    def __init__(self, engine: str):
        self.engine = engine
        self.tables: dict[str, dict[str, ColumnShape]] = {}
        self.spelled: dict[str, str] = {}  # lower case -> as the script spells the table
        self.constraints: dict[str, KeyShape] = {}
        self.indexes: dict[str, KeyShape] = {}
        for path in sorted((SQL_ROOT / engine).glob("*.sql")):
            for batch in script_batches(path):
                for statement in filter(None, sqlglot.parse(batch, read=SQLGLOT[engine])):
                    self._apply(statement)

    def _apply(self, statement: exp.Expression) -> None:
        if isinstance(statement, exp.IfBlock):  # a guard; on a fresh database what it guards runs
            for inner in statement.args["true"].expressions:
                self._apply(inner)
        elif isinstance(statement, exp.Create) and statement.kind == "TABLE":
            self._create_table(statement.this)
        elif isinstance(statement, exp.Create) and statement.kind.endswith("INDEX"):
            self._create_index(statement)
        elif isinstance(statement, exp.Alter):
            self._alter(statement.this.name, statement.args["actions"])
        elif isinstance(statement, exp.Drop) and statement.args["kind"] == "INDEX":
            for index in statement.args["tables"]:
                del self.indexes[index.name.lower()]

    def _create_table(self, schema: exp.Schema) -> None:
        name = schema.this.name
        self.spelled[name.lower()] = name
        self.tables[name.lower()] = {}
        for item in schema.expressions:
            if isinstance(item, exp.ColumnDef):
                self._add_column(name, item)
            else:
                self._add_constraint(name, item)

    def _add_column(self, table: str, column: exp.ColumnDef) -> None:
        constraints = [c.kind for c in column.constraints]
        not_null = any(isinstance(c, exp.NotNullColumnConstraint) and not c.args.get("allow_null") for c in constraints)
        identity = any(
            isinstance(c, (exp.GeneratedAsIdentityColumnConstraint, exp.AutoIncrementColumnConstraint))
            for c in constraints
        )
        self.tables[table.lower()][column.name.lower()] = replace(
            self._typed(column.args["kind"]), name=column.name, nullable=not not_null, identity=identity
        )

    def _typed(self, data_type: exp.DataType) -> ColumnShape:
        kind = KINDS[data_type.this]
        length = int(data_type.expressions[0].this.name) if kind in ("text", "char") else None
        return ColumnShape("", kind, length, data_type.sql(SQLGLOT[self.engine]), True, False)

    def _add_constraint(self, table: str, constraint: exp.Constraint) -> None:
        first, *rest = constraint.expressions
        if isinstance(first, exp.ForeignKey):
            reference = first.args["reference"]
            options = " ".join(map(str, reference.args.get("options") or []))
            detail = f"{reference.this.this.name}{_names(reference.this.expressions)} {options}".lower()
            key = KeyShape("foreign key", table.lower(), _names(first.expressions), detail)
        elif isinstance(first, exp.UniqueColumnConstraint):
            key = KeyShape("unique", table.lower(), _names(first.this.expressions))
        else:  # a primary key: PostgreSQL lists its columns, T-SQL gives them to its (non)clustered index
            columns = first.expressions or rest[0].this
            clustered = not any(isinstance(r, exp.NonClusteredColumnConstraint) for r in rest)
            key = KeyShape("primary key", table.lower(), _names(columns), clustered=clustered)
        self.constraints[constraint.name.lower()] = key

    def _create_index(self, statement: exp.Create) -> None:
        index = statement.this
        params = index.args["params"]
        where = params.args.get("where")
        self.indexes[index.name.lower()] = KeyShape(
            "index",
            index.args["table"].name.lower(),
            _names(params.args["columns"]),
            _engine_neutral(where.this) if where else "",
            clustered=statement.kind == "CLUSTERED INDEX",
        )

    def _alter(self, table: str, actions: list[exp.Expression]) -> None:
        columns = self.tables[table.lower()]
        for action in actions:
            if isinstance(action, exp.ColumnDef):
                self._add_column(table, action)
            elif isinstance(action, exp.AlterColumn):
                old = columns[action.name.lower()]
                columns[action.name.lower()] = replace(
                    self._typed(action.args["dtype"]), name=old.name, nullable=old.nullable, identity=old.identity
                )
            elif isinstance(action, exp.AddConstraint):
                for constraint in action.expressions:
                    self._add_constraint(table, constraint)
            elif isinstance(action, exp.AlterSet):  # SET UNLOGGED: the table's shape is unchanged
                continue
            elif action.args["kind"] == "COLUMN":
                for column in action.args["tables"]:
                    if column.name.lower() in columns or not action.args.get("exists"):  # DROP COLUMN IF EXISTS
                        del columns[column.name.lower()]
            else:
                for constraint in action.args["tables"]:
                    del self.constraints[constraint.name.lower()]

    @cached_property
    def columns(self) -> dict[tuple[str, str], ColumnShape]:
        """(table, column) -> shape; a primary key's columns are NOT NULL whatever their declaration says."""
        in_keys = {(k.table, c) for k in self.constraints.values() if k.kind == "primary key" for c in k.columns}
        return {
            (t, c): replace(shape, nullable=shape.nullable and (t, c) not in in_keys)
            for t, columns in self.tables.items()
            for c, shape in columns.items()
        }


def _names(nodes) -> tuple[str, ...]:
    return tuple(node.find(exp.Identifier).name.lower() for node in nodes)


def _engine_neutral(condition: exp.Expression) -> str:
    """One spelling for both parsers' trees: T-SQL's N'text' is 'text', and x IS NOT NULL is NOT x IS NULL."""

    def plain(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.National):
            return exp.Literal.string(node.this)
        if isinstance(node, exp.Is) and node.args.get("negate"):
            return exp.Not(this=exp.Is(this=node.this, expression=node.expression))
        return node

    return condition.transform(plain).sql("postgres").lower()


@cache
def store_shape(engine: str) -> StoreShape:
    return StoreShape(engine)


# Where the data stores differ, and why: the reference's own differences (loader contract 5.3), SQL Server's
# index key limit on the widened paths (see 0013), and the journal key's reference name.
ONLY_ON = {
    "postgresql": {("stg_lmsuser", "edfistudentid")},
    "mssql": {("stg_lmsuserlmssectionassociation", "startdate"), ("stg_lmsuserlmssectionassociation", "enddate")},
}
SQL_SERVER_LENGTHS = {("processedfiles", "fullpath"): 800, ("processedfiles", "relativepath"): 800}
SQL_SERVER_NAMES = {"migrationjournal_pk": "pk_migrationjournal"}


@pytest.mark.parametrize("engine, other", [("postgresql", "mssql"), ("mssql", "postgresql")])
def test_every_column_exists_on_both_engines(engine, other):
    columns = set(store_shape(engine).columns)
    assert ONLY_ON[engine] <= columns
    assert columns - set(store_shape(other).columns) == ONLY_ON[engine]


def test_shared_columns_have_the_same_type_nullability_and_identity():
    postgres, sql_server = store_shape("postgresql").columns, store_shape("mssql").columns

    def essentials(shape: ColumnShape, length: int | None):
        return shape.kind, length, shape.nullable, shape.identity

    differences = {
        key: (
            essentials(postgres[key], SQL_SERVER_LENGTHS.get(key, postgres[key].length)),
            essentials(sql_server[key], sql_server[key].length),
        )
        for key in postgres.keys() & sql_server.keys()
    }
    assert {key: pair for key, pair in differences.items() if pair[0] != pair[1]} == {}


@pytest.mark.parametrize("kind", ["constraints", "indexes"])
def test_keys_and_indexes_have_the_same_names_and_definitions(kind):
    def definitions(shapes: dict[str, KeyShape]):
        return {name: (k.kind, k.table, k.columns, k.detail) for name, k in shapes.items()}

    postgres = {SQL_SERVER_NAMES.get(name, name): key for name, key in getattr(store_shape("postgresql"), kind).items()}
    assert definitions(getattr(store_shape("mssql"), kind)) == definitions(postgres)


def test_sql_server_types_are_the_references():
    """NVARCHAR text, DATETIME2(7) times, UNIQUEIDENTIFIER mapping ids, INT identity keys (BIGINT for the
    quarantine), BIT flags; VARCHAR and CHAR only where the text is ASCII by nature."""
    ascii_text = {("migrationjournal", "script"): "VARCHAR(250)", ("processedfiles", "contenthash"): "CHAR(64)"}
    expected = {
        "datetime": "DATETIME2(7)",
        "uuid": "UNIQUEIDENTIFIER",
        "date": "DATE",
        "int": "INT",
        "bigint": "BIGINT",
        "bool": "BIT",
    }
    unexpected = {}
    for key, shape in store_shape("mssql").columns.items():
        wanted = ascii_text.get(key) or expected.get(shape.kind) or f"NVARCHAR({shape.length})"
        if shape.sql_type.replace("INTEGER", "INT") != wanted:
            unexpected[key] = (shape.sql_type, wanted)
    identities = {key for key, shape in store_shape("mssql").columns.items() if shape.identity}
    assert unexpected == {}
    assert {store_shape("mssql").columns[key].kind for key in identities} == {"int", "bigint"}


def test_every_sql_server_key_holds_any_value_of_its_columns():
    """SQL Server creates a key wider than its limit with only a warning, then refuses the long values: 900 bytes
    for a clustered key, 1,700 for others (SQL Server 2016 and later)."""
    shape = store_shape("mssql")
    keys = {**shape.constraints, **{f"index {name}": key for name, key in shape.indexes.items()}}
    too_wide = {}
    for name, key in keys.items():
        if key.kind == "foreign key":
            continue
        width = sum(shape.columns[key.table, column].key_bytes for column in key.columns)
        if width > (900 if key.clustered else 1700):
            too_wide[name] = width
    assert too_wide == {}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_loaders_tables_are_spelled_as_the_scripts_create_them(engine):
    """Exactly: on a database with a case-sensitive collation, SQL Server resolves names as written."""
    shape = store_shape(engine)
    created = {(shape.spelled[table], column.name) for (table, _), column in shape.columns.items()}
    assert described_columns(engine) - created == set()


def described_columns(engine: str) -> set[tuple[str, str]]:
    """(table, column) of every table StoreTables describes: each resource's live and staging table, and the rest."""
    tables = StoreTables(dialect_for(engine))
    for resource in LOAD_ORDER:
        tables.live(resource)
        tables.staging(resource)
    for name, member in vars(StoreTables).items():
        if isinstance(member, cached_property):
            getattr(tables, name)
    return {(table.name, column.name) for table in tables.metadata.tables.values() for column in table.columns}


# --- the statements the loader builds ----------------------------------------------------------------------------


def render(statement, engine: str, params=None) -> str:
    """Plain SQL text: the statement with the values it was executed with, as literals."""
    if isinstance(statement, str):
        return statement
    return str(
        with_values(statement, params).compile(dialect=SQLALCHEMY[engine], compile_kwargs={"literal_binds": True})
    )


def with_values(statement, params):
    """The statement with its bound parameters given the values they were executed with."""
    if params is None:
        return statement
    row = params[0] if isinstance(params, list) else params  # executemany: every row has the same shape
    if isinstance(statement, TextClause):
        return statement.bindparams(**row)
    if isinstance(statement, Insert):
        return statement.values(row)

    def valued(node):
        if isinstance(node, BindParameter) and node.key in row:
            return bindparam(node.key, row[node.key], expanding=node.expanding)
        return None

    return replacement_traverse(statement, {}, valued)


@dataclass(frozen=True)
class Built:
    """One statement of the merge builders, as the loader asks for it."""

    owner: str  # a resource name, or submission-types
    method: str
    parent: Parent | None = None

    def __str__(self) -> str:
        return f"{self.owner}.{self.method}" + (f"({self.parent.label})" if self.parent else "")

    def statement(self, tables: StoreTables):
        if self.owner == "submission-types":
            builder = SubmissionTypeStatements(tables, ASSIGNMENTS)
        else:
            builder = ResourceStatements(tables, BY_NAME[self.owner])
        method = getattr(builder, self.method)
        return method(self.parent) if self.parent else method()


def merge_statements() -> list[Built]:
    built = []
    for resource in LOAD_ORDER:
        methods = ["undelete", "update_changed", "insert_new"]
        if resource.scope is not Scope.INCREMENTAL:
            methods += ["scope_sizes", "soft_delete"]
        if resource.links_enrolment:
            methods.append("without_enrolment")
        built += [Built(resource.name, m) for m in methods]
        built += [Built(resource.name, "orphans", p) for p in resource.parents]
        if resource.scope_through is not None:
            built.append(Built(resource.name, "outside_scope", resource.scope_through))
    return built + [Built("submission-types", m) for m in ("insert_new", "undelete", "soft_delete")]


@pytest.mark.parametrize("built", merge_statements(), ids=str)
@pytest.mark.parametrize("engine", ENGINES)
def test_every_merge_statement_compiles_and_parses(engine, built):
    window = {"since": dt.datetime(2021, 9, 1)} if built.method == "scope_sizes" else None  # the guard's window
    sql = render(built.statement(StoreTables(dialect_for(engine))), engine, window)
    assert invalid_reasons(sql, engine) == []


# --- a recorded load: the pipeline's whole conversation with its database -----------------------------------------


@dataclass(frozen=True)
class Sent:
    statement: object  # a SQLAlchemy statement, or SQL text
    params: object = None


@dataclass(frozen=True)
class BulkCall:
    sql: str
    rows: list
    fast_executemany: bool


class Answer:
    rowcount = 0

    def __init__(self, rows: list[tuple], value=1):
        self.rows = rows
        self.value = value

    def all(self):
        return self.rows

    def scalars(self):
        return self

    def scalar(self):
        return self.value

    def first(self):
        return (1,)  # "it exists": the journal's checksum column, say

    scalar_one = scalar


class RecordingCursor:
    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.fast_executemany = False

    def execute(self, sql: str):
        self.recorder.sent.append(Sent(sql))

    def executemany(self, sql: str, rows):
        self.recorder.bulk.append(BulkCall(sql, list(rows), self.fast_executemany))

    def copy_expert(self, sql: str, file, size: int = 8192):
        """Read as psycopg2 reads: size characters at a time until the file gives back nothing."""
        text = "".join(iter(lambda: file.read(size), ""))
        self.recorder.bulk.append(BulkCall(sql, text.splitlines(), False))

    def nextset(self):
        return False  # one result per batch, as pyodbc reports when none is left

    def close(self):
        pass


class Recorder:
    """Stands in for an Engine, its Connection and its DB-API cursors: keeps what the pipeline sends, and answers
    with rows shaped like the database's, enough to take every branch (unknown parents, held deletions)."""

    def __init__(self, engine: str):
        self.dialect = SQLALCHEMY[engine]
        self.sent: list[Sent] = []
        self.bulk: list[BulkCall] = []
        self.connection = SimpleNamespace(dbapi_connection=SimpleNamespace(cursor=lambda: RecordingCursor(self)))

    @contextmanager
    def begin(self):
        yield self

    connect = begin

    def execution_options(self, **options):
        return self

    def execute(self, statement, params=None) -> Answer:
        self.sent.append(Sent(statement, params))
        return Answer(canned_rows(statement), canned_value(statement))

    def exec_driver_sql(self, sql: str) -> Answer:
        self.sent.append(Sent(sql))
        return Answer([])


def _first_column(statement) -> tuple[str | None, int]:
    columns = list(getattr(statement, "selected_columns", []))
    return (getattr(columns[0], "key", None) if columns else None), len(columns)


def canned_rows(statement) -> list[tuple]:
    """A duplicate row, an orphan for every parent check, and a file that would soft-delete 90 of the 100 rows
    of its scope: told apart by their first column and their width."""
    canned = {
        ("StagingId", 6): [(1, 0, 3, "duplicated-key", 0, 2)],
        ("StagingId", 4): [(1, 0, 2, "no-such-parent")],
        ("BatchFileId", 4): [(0, 100, 100, 90)],
    }
    return canned.get(_first_column(statement), [])


def canned_value(statement):
    """The database's clock, for the mass-deletion guard's window; 1 for any other single value."""
    return dt.datetime(2021, 9, 2) if _first_column(statement) == ("now", 1) else 1


@cache
def conversation(engine: str) -> Recorder:
    """One load of the sample tree as the pipeline runs it, without Prefect: lock, migrate, open the run, read the
    journal, load every batch, close the run."""
    recorder = Recorder(engine)
    tables = StoreTables(dialect_for(engine))
    manifest = walk_tree(SAMPLE)
    with run_lock(recorder):
        apply_migrations(recorder, builtin_scripts(engine, harmonizer=False))
        run_id = start_run(recorder, tables, "flow-run-id", "flow-run-name", [str(SAMPLE)])
        pending = pending_files(recorder, tables, manifest, retry_held=False)
        summary = StagingSummary()
        for resource in LOAD_ORDER:
            for files in plan_batches(pending.by_resource(resource.name), BatchLimits()):
                summary.add(load_batch(recorder, prepare_batch(resource, files), run_id, MassDeletePolicy()))
        finish_run(recorder, tables, run_id, "succeeded", summary, len(manifest.files), None)
    return recorder


@pytest.mark.parametrize("engine", ENGINES)
def test_the_recorded_load_took_every_branch(engine):
    recorder = conversation(engine)
    sql = [render(s.statement, engine, s.params).lower() for s in recorder.sent]
    staged = {target_table(call.sql) for call in recorder.bulk}
    # stg_loadkey is copied only the keys of rows found wrong, which the sample has none of (with a key); the
    # staged rows' keys go in by INSERT ... SELECT, checked below.
    assert {r.staging_table.lower() for r in LOAD_ORDER} | {"quarantine"} <= staged
    changed = {(s.split()[0], target_table(s)) for s in sql if s.startswith(("insert", "delete"))}
    assert {("delete", "stg_loadscope"), ("insert", "loadrunresource"), ("insert", "processedfiles")} <= changed
    assert ("insert", "stg_loadkey") in changed


def target_table(sql: str) -> str:
    """The first lms table a statement names, in lower case: its target for COPY, INSERT, UPDATE and DELETE."""
    return re.search(r"lms\.\[?(\w+)", sql).group(1).lower()


@pytest.mark.parametrize("engine", ENGINES)
def test_every_statement_of_a_load_is_valid_sql(engine):
    recorder = conversation(engine)
    texts = [render(s.statement, engine, s.params) for s in recorder.sent] + [call.sql for call in recorder.bulk]
    invalid = {text[:200]: reasons for text in texts if (reasons := invalid_reasons(text, engine))}
    assert invalid == {}


# Values pyodbc binds; pandas' Timestamp is a datetime to it.
BINDABLE = {str, int, float, bool, Decimal, dt.datetime, dt.date, pd.Timestamp, type(None)}


def test_rows_reach_sql_server_by_array_binding():
    calls = conversation("mssql").bulk
    assert calls and all(call.fast_executemany for call in calls)
    assert {type(value) for call in calls for row in call.rows for value in row} <= BINDABLE


def test_bulk_staging_sends_chunks_of_plain_values():
    rows = 2 * BULK_ROWS + 1
    frame = pd.DataFrame(
        {
            "counts": pd.array([None] + [7] * (rows - 1), dtype="Int64"),
            "numbers": np.arange(rows, dtype="int64"),
            "times": pd.to_datetime([None] + ["2021-07-01 08:30"] * (rows - 1)),
            "texts": [np.nan] + ["é€ text"] * (rows - 1),
        }
    )
    recorder = Recorder("mssql")
    dialect_for("mssql").bulk_stage(recorder, "stg_LMSUser", ["A", "B", "C", "D"], frame)
    assert [len(call.rows) for call in recorder.bulk] == [BULK_ROWS, BULK_ROWS, 1]
    first, second = recorder.bulk[0].rows[:2]
    assert first == (None, 0, None, None)
    assert second == (7, 1, dt.datetime(2021, 7, 1, 8, 30), "é€ text") and type(second[1]) is int
    assert recorder.bulk[0].sql == "INSERT INTO lms.[stg_LMSUser] ([A], [B], [C], [D]) VALUES (?, ?, ?, ?)"
