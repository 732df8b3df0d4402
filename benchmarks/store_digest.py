"""A digest of a PostgreSQL database's content that two versions of lms-pipeline can be compared by: run the same
loads with each, then compare the digests table by table. A refactoring that changes no behaviour leaves every
table's digest as it was.

What differs between two identical runs is left out: columns filled with the time of the run (a timestamp column
whose default is the clock), the soft-delete and end times, the Prefect run's id and name, and random UUIDs: of
these, only whether they are set. Everything else, surrogate ids included (the same loads in the same order number
rows the same way), is in the digest.

    python benchmarks/store_digest.py postgresql://postgres@127.0.0.1:5432/db [--schemas lms lmsx edfi]
"""

from __future__ import annotations

import argparse
import hashlib

import psycopg2

# Set by the run, not by the data: the soft-delete and end times, and the Prefect run's id and name.
RUN_TIME_COLUMNS = {"deletedat", "endedat", "flowrunid", "flowrunname"}


def table_columns(cursor, schema: str) -> dict[str, list[tuple[str, str, str | None]]]:
    cursor.execute(
        """
        SELECT table_name, column_name, data_type, column_default
        FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE table_schema = %s AND t.table_type = 'BASE TABLE'
        ORDER BY table_name, ordinal_position
        """,
        (schema,),
    )
    tables: dict[str, list[tuple[str, str, str | None]]] = {}
    for table, column, data_type, default in cursor.fetchall():
        tables.setdefault(table, []).append((column, data_type, default))
    return tables


def expression(column: str, data_type: str, default: str | None) -> str:
    """The column as it enters the digest: its text, or only whether it is set where the value is the run's."""
    quoted = f'"{column}"'
    clock = default is not None and ("now()" in default or "current_timestamp" in default.lower())
    run_time = data_type.startswith("timestamp") and clock
    random = data_type == "uuid"
    if run_time or random or column in RUN_TIME_COLUMNS:
        return f"({quoted} IS NOT NULL)::text"
    return f"coalesce({quoted}::text, '<null>')"


def digest(url: str, schemas: list[str]) -> dict[str, tuple[int, str]]:
    """Per schema.table: its row count and the sha256 of its rows, sorted, as text."""
    result = {}
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        for schema in schemas:
            for table, columns in table_columns(cursor, schema).items():
                row = " || '|' || ".join(expression(*c) for c in columns)
                cursor.execute(f'SELECT {row} AS r FROM "{schema}"."{table}" ORDER BY r')
                rows = [r for (r,) in cursor.fetchall()]
                result[f"{schema}.{table}"] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--schemas", nargs="+", default=["lms", "lmsx", "edfi"])
    args = parser.parse_args()
    for name, (count, sha) in sorted(digest(args.url, args.schemas).items()):
        print(f"{name}\t{count}\t{sha}")


if __name__ == "__main__":
    main()
