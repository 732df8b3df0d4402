"""Turn a batch of extract files into typed rows for staging, and quarantine what is wrong with file and line.

One pandera schema per resource checks what the data store would refuse (required values, lengths, whole
numbers, dates). Rules that span rows (the folder's scope, one SourceSystem per file) follow; duplicate natural
keys are found once the batch is staged (loading.py), across every file and chunk of it. A file that cannot be
read or lacks a required column is rejected whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import cast

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from lms_pipeline.discovery.walk import ManifestFile
from lms_pipeline.resources import BY_NAME, NATURAL_KEY, Column, Kind, Resource
from lms_pipeline.validation.copy_text import CopyText, rendered
from lms_pipeline.validation.csv_files import CsvContent, FileRejected, iter_csv, read_csv
from lms_pipeline.validation.datetimes import parse_datetimes, unparseable
from lms_pipeline.validation.values import HIDDEN_IN_IDENTIFIER, lengths, visible_identifiers, whole_numbers
from lms_pipeline.wording import INVISIBLE, shown

FILE_COLUMN, LINE_COLUMN = "batchfileid", "sourceline"
KEY_LENGTH = 255  # SourceSystemIdentifier and SourceSystem
QUOTED_ITEM = re.compile(r"'([^']*)'|\"([^\"]*)\"")


@dataclass(frozen=True)
class Rejection:
    relpath: str
    path: str  # absolute: two roots may hold the same relative path
    line: int | None
    column: str | None
    check: str
    value: str | None
    reason: str


@dataclass
class FileOutcome:
    file: ManifestFile
    rows_read: int = 0
    rejected: str | None = None  # why the whole file was refused
    retry: bool = False  # refused because it could not be read, not for what it holds: tried again next run
    drift: list[str] = field(default_factory=list)  # columns the schema does not know
    source_system: str | None = None


@dataclass
class PreparedBatch:
    resource: Resource
    files: list[FileOutcome]  # position = batchfileid
    staged: pd.DataFrame | CopyText  # staging columns + batchfileid + sourceline; as text once rendered for COPY
    submission_types: pd.DataFrame | None
    rejections: list[Rejection]
    # The natural keys the files list that are not among the staged rows' (rows found wrong, listed keys, the
    # visible forms of keys with hidden characters): the staged rows' own keys are added in SQL (loading/batch.py).
    keys: pd.DataFrame
    rows_by_file: dict[int, int] = field(default_factory=dict)  # batch file id -> rows staged

    def __post_init__(self) -> None:
        if isinstance(self.staged, pd.DataFrame):
            counts = self.staged[FILE_COLUMN].value_counts().to_dict()
            self.rows_by_file = {int(cast(int, file_id)): int(rows) for file_id, rows in counts.items()}

    def for_copy(self, path: str) -> PreparedBatch:
        """The same batch with its staged rows rendered as COPY's CSV text into the file at `path`
        (validation/copy_text.py)."""
        if isinstance(self.staged, CopyText):
            return self
        return replace(self, staged=rendered(self.staged, path), rows_by_file=self.rows_by_file)


def prepare_batch(resource: Resource, files: list[ManifestFile]) -> PreparedBatch:
    """Read and validate a batch of whole files."""
    outcomes = [FileOutcome(f) for f in files]
    rejections: list[Rejection] = []
    columns = _empty_columns(resource)
    listed: list[tuple[str, ...]] = []
    for file_id, outcome in enumerate(outcomes):
        try:
            content = read_csv(outcome.file.readable, outcome.file.sha256, outcome.file.identity)
            names = _map_header(resource, outcome.file.path, content.header, outcome)
        except FileRejected as error:
            outcome.rejected, outcome.retry = str(error), error.transient
            continue
        _append(columns, listed, resource, file_id, outcome, content, names, rejections)
    return _prepared(resource, columns, listed, outcomes, rejections)


def prepare_chunks(resource: Resource, outcome: FileOutcome, chunk_rows: int) -> Iterator[PreparedBatch]:
    """A large file read and validated `chunk_rows` rows at a time (file id 0); `outcome` tells what was read so far.
    FileRejected when the file cannot be read, at its header or half-way."""
    file = outcome.file
    for number, content in enumerate(iter_csv(file.readable, file.sha256, chunk_rows, file.identity)):
        yield prepare_chunk(resource, outcome, content, first=number == 0)


def prepare_chunk(resource: Resource, outcome: FileOutcome, content: CsvContent, first: bool) -> PreparedBatch:
    """Validate one chunk of a large file (file id 0); a bad header rejects the file (FileRejected)."""
    rejections: list[Rejection] = []
    columns = _empty_columns(resource)
    listed: list[tuple[str, ...]] = []
    names = _map_header(resource, outcome.file.path, content.header, outcome if first else FileOutcome(outcome.file))
    _append(columns, listed, resource, 0, outcome, content, names, rejections)
    return _prepared(resource, columns, listed, [outcome], rejections)


def _prepared(
    resource: Resource,
    columns: dict[str, list[object]],
    listed: list[tuple[str, ...]],
    outcomes: list[FileOutcome],
    rejections: list[Rejection],
) -> PreparedBatch:
    read = pd.DataFrame(
        {
            name: values if name in (FILE_COLUMN, LINE_COLUMN) else _missing_as_none(values)
            for name, values in columns.items()
        },
        dtype="object",
    )
    raw = _validate(resource, read, outcomes, rejections)
    raw = _check_rows(resource, raw, outcomes, rejections)
    staged = _typed(resource, raw)
    types = _submission_types(raw) if "SubmissionType" in raw else None
    return PreparedBatch(resource, outcomes, staged, types, rejections, _unstaged_keys(read, raw.index, listed))


def _missing_as_none(values: list[object]) -> np.ndarray:
    """An empty value is a missing one. numpy casts str to bool in C: '' and None are False."""
    array = np.array(values, dtype=object)
    array[~array.astype(bool)] = None
    return array


def _unstaged_keys(read: pd.DataFrame, staged: pd.Index, listed: list[tuple[str, ...]]) -> pd.DataFrame:
    """The keys a file lists besides those of the rows staged: the rows found wrong, the keys listed by rows that
    were not read as rows, and the visible forms of keys with hidden characters."""
    wrong: pd.DataFrame = read.loc[read.index.difference(staged), list(NATURAL_KEY)]
    keys = pd.concat([wrong, pd.DataFrame(listed, columns=list(NATURAL_KEY), dtype="object")])
    keys = _with_visible_forms(keys.replace("", None).dropna()).drop_duplicates()
    short: pd.DataFrame = keys[keys.apply(lambda column: column.str.len() <= KEY_LENGTH).all(axis=1)]
    short.columns = [c.lower() for c in NATURAL_KEY]  # longer keys exist nowhere
    return short


def _with_visible_forms(keys: pd.DataFrame) -> pd.DataFrame:
    """Keys with hidden characters are quarantined; their visible forms count as listed too, so that "abc\u200b"
    in tonight's file never soft-deletes yesterday's "abc"."""
    hidden = keys.apply(lambda column: column.str.contains(HIDDEN_IN_IDENTIFIER)).any(axis=1)
    if not hidden.any():
        return keys
    visible: pd.DataFrame = keys[hidden].apply(lambda column: column.str.replace(INVISIBLE, "", regex=True).str.strip())
    return pd.concat([keys, visible])


# --- reading -------------------------------------------------------------------------------------------------


def _empty_columns(resource: Resource) -> dict[str, list[object]]:
    return {name: [] for name in [c.name for c in resource.columns] + [FILE_COLUMN, LINE_COLUMN]}


def _append(
    columns: dict[str, list[object]],
    listed: list[tuple[str, ...]],
    resource: Resource,
    file_id: int,
    outcome: FileOutcome,
    content: CsvContent,
    names: list[str | None],
    rejections: list[Rejection],
) -> None:
    """Append a file's rows to the batch's columns. Rows of the wrong width are quarantined; their natural keys,
    where they can be read, still count as listed, so a cut row never soft-deletes its live row."""
    width = len(content.header)
    key_positions = [names.index(k) for k in NATURAL_KEY]
    rows, lines = [], []
    for row, line in zip(content.rows, content.lines, strict=True):
        if len(row) == width:
            rows.append(row)
            lines.append(line)
            continue
        rejections.append(
            Rejection(
                outcome.file.relpath,
                outcome.file.path,
                line,
                None,
                "field-count",
                None,
                f"expected {width} fields as in the header, found {len(row)}",
            )
        )
        if max(key_positions) < len(row):
            listed.append(tuple(row[p] for p in key_positions))
    outcome.rows_read += len(content.rows)
    values = list(zip(*rows, strict=False)) if rows else [()] * width
    position = {name: i for i, name in enumerate(names) if name is not None}
    for column in resource.columns:
        index = position.get(column.name)  # None: an optional column the file leaves out
        columns[column.name].extend(values[index] if index is not None else [None] * len(rows))
    columns[FILE_COLUMN].extend([file_id] * len(rows))
    columns[LINE_COLUMN].extend(lines)


def _map_header(resource: Resource, path: str, header: list[str], outcome: FileOutcome) -> list[str | None]:
    """Catalog names for the header's columns (None for unknown ones), matched without regard to case."""
    names, drift, problem = _header_names(resource.name, tuple(header))
    outcome.drift.extend(drift)  # the unknown columns before the problem too, as drift is reported
    if problem:
        message, column = problem
        raise FileRejected(path, message, 1, column)
    return list(names)


@lru_cache(maxsize=1024)  # an extract tree's files of one resource share a handful of headers
def _header_names(
    resource_name: str, header: tuple[str, ...]
) -> tuple[tuple[str | None, ...], tuple[str, ...], tuple[str, int | None] | None]:
    """The header's catalog names, its unknown columns, and what refuses it (a message and a column) if anything.
    Cached by the resource's name: hashing a Resource costs more than mapping a header."""
    resource = BY_NAME[resource_name]
    known = {c.name.lower(): c.name for c in resource.columns}
    seen: dict[str, int] = {}
    names: list[str | None] = []
    drift: list[str] = []
    for position, raw_name in enumerate(header, start=1):
        key = raw_name.strip().lower()
        if key not in known and INVISIBLE.sub("", key) in known:
            return (), tuple(drift), (f"column {shown(raw_name)} holds an invisible character", position)
        if key in seen:
            return (), tuple(drift), (f"column {shown(raw_name.strip())} appears twice in the header", position)
        seen[key] = position
        names.append(known.get(key))
        if key not in known:
            drift.append(shown(raw_name.strip())[1:-1])
    missing = [c.name for c in resource.columns if c.required and c.name.lower() not in seen]
    if missing:
        return (), tuple(drift), ("missing required column(s): " + ", ".join(missing), None)
    return tuple(names), tuple(drift), None


# --- the pandera schema --------------------------------------------------------------------------------------


def _is_whole_number(values: pd.Series) -> pd.Series:
    return whole_numbers(values).notna()


def _is_datetime(values: pd.Series) -> pd.Series:
    return ~unparseable(values)


CHECK_REASONS = {
    "not_nullable": "a required value is empty",
    "whole-number": "not a whole number in the range of INT",
    "datetime": "not a date and time in an accepted form (YYYY-MM-DD[ HH:MM[:SS[.fraction]]] with an optional "
    "offset Z, +HH:MM, +HHMM or +HH, or M/D/YYYY[ H:MM[:SS]]; ASCII digits; a date and time that exist)",
}


def _reason(check: str, value: object) -> str:
    if check == "identifier":
        return f"an identifier holds an invisible character or a space at either end: {shown(str(value))}"
    if check.startswith("max-length"):
        return f"longer than {check.rsplit('-', 1)[1]} characters"
    return CHECK_REASONS.get(check, check)


# Checks that pass a missing value themselves say so (ignore_na=False): pandera would otherwise look for missing
# values again for each check, a pass over the column that cost more than the check. Required values have their own.
def _checks(column: Column, resource: Resource) -> list[pa.Check]:
    visible = [pa.Check(visible_identifiers, name="identifier", ignore_na=False)] if column.identifier else []
    return visible + _type_checks(column, resource)


def _type_checks(column: Column, resource: Resource) -> list[pa.Check]:
    if column.kind is Kind.INT:
        return [pa.Check(_is_whole_number, name="whole-number")]
    if column.kind in (Kind.DATETIME, Kind.DATE):
        return [pa.Check(_is_datetime, name="datetime", ignore_na=False)]
    if column.length and column.name not in resource.truncated:
        limit = column.length
        return [pa.Check(lambda values: lengths(values) <= limit, name=f"max-length-{limit}", ignore_na=False)]
    return []


@cache
def schema_for(resource: Resource) -> pa.DataFrameSchema:
    columns = {
        c.name: pa.Column(nullable=not c.required, checks=_checks(c, resource), coerce=False) for c in resource.columns
    }
    return pa.DataFrameSchema(columns, strict=False, name=resource.name)


def _validate(
    resource: Resource, raw: pd.DataFrame, outcomes: list[FileOutcome], rejections: list[Rejection]
) -> pd.DataFrame:
    try:
        schema_for(resource).validate(raw, lazy=True, inplace=True)  # nothing is coerced: a copy would only cost memory
        return raw
    except SchemaErrors as errors:
        cases = errors.failure_cases
    cases = cases[cases["index"].notna()]
    bad_index = set()
    for case in cases.itertuples(index=False):
        row = raw.loc[case.index]
        bad_index.add(case.index)
        check = str(case.check)
        rejections.append(
            _rejection(outcomes, row, case.column, check, case.failure_case, _reason(check, case.failure_case))
        )
    return raw.drop(index=list(bad_index))


def _rejection(
    outcomes: list[FileOutcome], row: pd.Series, column: str, check: str, value: object, reason: str
) -> Rejection:
    outcome = outcomes[int(row[FILE_COLUMN])]
    shown = None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)[:1024]
    return Rejection(outcome.file.relpath, outcome.file.path, int(row[LINE_COLUMN]), column, check, shown, reason)


# --- rules across rows ---------------------------------------------------------------------------------------


def _check_rows(
    resource: Resource, raw: pd.DataFrame, outcomes: list[FileOutcome], rejections: list[Rejection]
) -> pd.DataFrame:
    raw = _check_scope(resource, raw, outcomes, rejections)
    return _check_source_system(raw, outcomes, rejections)


def _check_scope(
    resource: Resource, raw: pd.DataFrame, outcomes: list[FileOutcome], rejections: list[Rejection]
) -> pd.DataFrame:
    """Rows must belong to the section or assignment whose folder holds their file."""
    column = resource.scope_column
    if column is None or raw.empty:
        return raw
    by_file = np.array([_folder_id(outcome.file, column) for outcome in outcomes], dtype=object)
    folder_ids = pd.Series(by_file[raw[FILE_COLUMN].to_numpy(dtype=np.int64)], index=raw.index)
    if not resource.column(column).required:
        raw[column] = raw[column].where(raw[column].notna(), folder_ids)
    wrong = raw[column] != folder_ids
    for _, row in raw[wrong].iterrows():
        expected = folder_ids[cast(int, row.name)]  # raw's index is a RangeIndex, less the rows dropped
        rejections.append(
            _rejection(
                outcomes,
                row,
                column,
                "scope",
                row[column],
                f"belongs to '{row[column]}' but the file is in the folder of '{expected}'",
            )
        )
    return raw[~wrong]


def _folder_id(file: ManifestFile, column: str) -> str | None:
    return file.assignment if column == "AssignmentSourceSystemIdentifier" else file.section


def _check_source_system(raw: pd.DataFrame, outcomes: list[FileOutcome], rejections: list[Rejection]) -> pd.DataFrame:
    """A file speaks for one SourceSystem, the one of its first valid row."""
    if raw.empty:
        return raw
    first = raw.groupby(FILE_COLUMN)["SourceSystem"].transform("first")
    for file_id, value in raw.groupby(FILE_COLUMN)["SourceSystem"].first().items():
        outcomes[cast(int, file_id)].source_system = value  # grouped by batchfileid, an int
    wrong = raw["SourceSystem"] != first
    for _, row in raw[wrong].iterrows():
        rejections.append(
            _rejection(
                outcomes,
                row,
                "SourceSystem",
                "source-system",
                row["SourceSystem"],
                f"differs from the file's SourceSystem '{first[cast(int, row.name)]}'",
            )
        )
    return raw[~wrong]


# --- typed rows for staging ----------------------------------------------------------------------------------


def _typed(resource: Resource, raw: pd.DataFrame) -> pd.DataFrame:
    typed = {}
    for column in resource.staged_columns:
        values = raw[column.name]
        if column.kind is Kind.DATETIME:
            values = parse_datetimes(values)
        elif column.kind is Kind.DATE:
            values = parse_datetimes(values).dt.normalize().dt.date
        elif column.kind is Kind.INT:
            values = whole_numbers(values)
        elif column.name in resource.truncated:
            values = values.str.slice(0, column.length)
        typed[column.db] = values
    typed[FILE_COLUMN] = raw[FILE_COLUMN].astype("int64")
    typed[LINE_COLUMN] = raw[LINE_COLUMN].astype("int64")
    return pd.DataFrame(typed, index=raw.index).reset_index(drop=True)


def split_submission_types(value: object) -> list[str]:
    """Canvas writes "['online_text_entry', 'online_upload']", Google one plain value, Schoology nothing.

    Read with a pattern, not ast.literal_eval: CPython 3.11's AST constructor fails at random ("recursion depth
    mismatch") when two threads parse at once, and batches are validated on two threads."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    text = str(value).strip()
    if text.startswith("["):
        quoted = QUOTED_ITEM.findall(text)
        parsed = [a or b for a, b in quoted] if quoted else text.strip("[]").split(",")
        return [v.strip() for v in parsed if v.strip()]
    return [text] if text else []


def _submission_types(raw: pd.DataFrame) -> pd.DataFrame:
    types = raw[["SourceSystemIdentifier", "SourceSystem", "CreateDate", "SubmissionType", FILE_COLUMN, LINE_COLUMN]]
    types = types.assign(SubmissionType=types["SubmissionType"].map(split_submission_types)).explode("SubmissionType")
    types = types[types["SubmissionType"].notna()].drop_duplicates(["SourceSystemIdentifier", "SubmissionType"])
    return pd.DataFrame(
        {
            "sourcesystemidentifier": types["SourceSystemIdentifier"],
            "sourcesystem": types["SourceSystem"],
            "submissiontype": types["SubmissionType"].str.slice(0, 60),
            "createdate": parse_datetimes(types["CreateDate"]),
            FILE_COLUMN: types[FILE_COLUMN].astype("int64"),
            LINE_COLUMN: types[LINE_COLUMN].astype("int64"),
        }
    ).reset_index(drop=True)
