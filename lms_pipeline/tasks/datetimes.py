"""Parse the date and time formats that real extracts contain, column-wise.

Seen in real files (loader contract 3.1): `YYYY-MM-DD HH:MM:SS`, without seconds, with two spaces or a leading
space, US `M/D/YYYY H:MM` mixed into the same column, and a time in a date-only column. Time zones are never
stated: values are naive local times, as in the reference.
"""

from __future__ import annotations

import pandas as pd

FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
)


def parse_datetimes(values: pd.Series) -> pd.Series:
    """datetime64 values; NaT where the value is missing or in no known format."""
    text = values.astype("object").where(values.notna(), None)
    result = pd.to_datetime(text, format=FORMATS[0], errors="coerce").astype("datetime64[us]")
    todo = result.isna() & text.notna()
    if todo.any():  # only the irregular values pay for cleaning and the other formats
        result[todo] = _parse_irregular(text[todo])
    return result


def _parse_irregular(text: pd.Series) -> pd.Series:
    cleaned = (
        text.str.strip()
        .str.replace(r"\s+", " ", regex=True)
        .str.replace(r"^(\d{4}-\d{2}-\d{2})T", r"\1 ", regex=True)
        .str.removesuffix("Z")
    )
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for fmt in FORMATS:
        todo = result.isna() & cleaned.notna() & (cleaned != "")
        if not todo.any():
            break
        result[todo] = pd.to_datetime(cleaned[todo], format=fmt, errors="coerce")
    return result


def unparseable(values: pd.Series) -> pd.Series:
    """True where a value is present but is no date and time in a known format."""
    return values.notna() & parse_datetimes(values).isna()
