"""The dlt peer of `lms-pipeline load` for bench_load.py: the pipeline a data engineer would most likely write
instead, from dlt's own building blocks.

Each resource of the benchmark tree is listed by dlt's filesystem source, incremental on the files' modification
date (so a re-run over an unchanged tree reads no file), read with pyarrow under the column types the project's
catalog declares, and merged into PostgreSQL on its natural key. A key in several extracts keeps its newest row:
the merge deduplicates on the extract time that each file's name gives. dlt's postgres destination COPYs its
loader files when they are CSV.

bench_load.py runs it with the interpreter of dlt's own venv, the repository on PYTHONPATH (for the catalog):

    PYTHONPATH=. <dlt-venv>/bin/python benchmarks/dlt_peer.py --root <tree>/canvas \
        --database-url postgresql://... --pipelines-dir <dir>
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import dlt
import pyarrow as pa
import pyarrow.csv as pv
from dlt.sources import DltResource
from dlt.sources.filesystem import FileItemDict, filesystem

from lms_pipeline.resources import BY_NAME, NATURAL_KEY, Kind

# The benchmark tree's resources and where their files lie under an extract root.
GLOBS = {
    "users": "users/*.csv",
    "sections": "sections/*.csv",
    "section-associations": "section=*/section-associations/*.csv",
    "assignments": "section=*/assignments/*.csv",
    "submissions": "section=*/assignment=*/submissions/*.csv",
}
EXTRACTED_AT = "extracted_at"  # added to each row: its file's extract time
ARROW_TYPES = {Kind.TEXT: pa.string(), Kind.INT: pa.int64(), Kind.DATETIME: pa.timestamp("s"), Kind.DATE: pa.date32()}


def table_name(resource: str) -> str:
    return resource.replace("-", "_")


def arrow_schema(resource: str) -> pa.Schema:
    """The catalog's columns with their types, NOT NULL where the data store requires a value, and the extract time."""
    columns = [pa.field(c.name, ARROW_TYPES[c.kind], nullable=not c.required) for c in BY_NAME[resource].columns]
    return pa.schema([*columns, pa.field(EXTRACTED_AT, pa.timestamp("s"), nullable=False)])


@dlt.transformer
def read_extracts(files: Iterable[FileItemDict], resource: str) -> Iterator[pa.Table]:
    """A page of files as one Arrow table: fewer, larger items for dlt to normalize than a table per file."""
    schema = arrow_schema(resource)
    # An empty optional value is NULL, as lms-pipeline loads it.
    options = pv.ConvertOptions(column_types=schema, strings_can_be_null=True)
    yield pa.concat_tables([_read(file, schema, options) for file in files])


def _read(file: FileItemDict, schema: pa.Schema, options: pv.ConvertOptions) -> pa.Table:
    with file.open() as handle:
        table = pv.read_csv(handle, convert_options=options)
    extracted = datetime.strptime(Path(file["file_name"]).stem, "%Y-%m-%d-%H-%M-%S")
    column = pa.repeat(pa.scalar(extracted, pa.timestamp("s")), table.num_rows)
    return pa.Table.from_arrays([*table.columns, column], schema=schema)


def extracts(root: Path, resource: str) -> DltResource:
    files = filesystem(
        bucket_url=str(root),
        file_glob=GLOBS[resource],
        incremental=dlt.sources.incremental("modification_date"),
    )
    # A name of its own gives the file listing its own incremental state too (filesystem_<name>).
    reader = (files | read_extracts(resource)).with_name(table_name(resource))
    reader.apply_hints(
        write_disposition="merge",
        primary_key=NATURAL_KEY,
        columns={EXTRACTED_AT: {"dedup_sort": "desc"}},  # the newest extract wins
    )
    return reader


def with_password(url: str) -> str:
    """The URL with an empty password if it names none: dlt's postgres credentials require one, and a server with
    trust authentication asks for none."""
    parts = urlsplit(url)
    if parts.password is not None or not parts.username:
        return url
    return parts._replace(netloc=parts.netloc.replace("@", ":@", 1)).geturl()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True, help="an extract root: <tree>/canvas")
    parser.add_argument("--database-url", required=True, help="postgresql://user:password@host:port/dbname")
    # Required: dlt's default folder would carry one run's incremental state into the next, fresh database.
    parser.add_argument("--pipelines-dir", type=Path, required=True, help="dlt's pipeline state and load packages")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")  # a benchmark calls no server but its own
    pipeline = dlt.pipeline(
        pipeline_name="lms_dlt_peer",
        pipelines_dir=str(args.pipelines_dir),
        destination=dlt.destinations.postgres(credentials=with_password(args.database_url)),
        dataset_name="lms",
    )
    info = pipeline.run([extracts(args.root.resolve(), r) for r in GLOBS], loader_file_format="csv")
    print(info)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
