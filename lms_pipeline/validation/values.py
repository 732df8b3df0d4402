"""Checks of a whole column of text values, decided in C for the common case and value by value otherwise.

pandas' string methods run a Python call, often a regular expression, for every value: on a district's 1.4
million rows those checks cost more than reading the files. Here a column's present values are joined into one
string with a NUL between them, and C string methods decide the common case (every value plain printable ASCII)
for the whole column at once. The CSV reader refuses a file holding a NUL; a value holding one anyway is noticed
by counting them. Any other column is checked value by value, by the same rules.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lms_pipeline.wording import INVISIBLE

INT_PATTERN = r"[ \t\r\n]*[+-]?[0-9]+(\.0*)?[ \t\r\n]*"  # ASCII only: \d takes Arabic-Indic and other digits
INT_RANGE = (-(2**31), 2**31 - 1)
INT64_DIGITS = 18  # plain digits that int64 holds whatever they are
# An identifier whose characters cannot all be seen: "abc" and "abc\u200b" or "abc " would load as two rows that
# look like one, and never match the SIS.
HIDDEN_IN_IDENTIFIER = re.compile(f"{INVISIBLE.pattern}|^ | $")
PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
DIGITS = b"0123456789"


def _joined(values: np.ndarray) -> bytes | None:
    """The values as one ASCII byte string with NUL between them; None if one is not ASCII or holds a NUL."""
    text = "\0".join(values)
    if not text.isascii() or text.count("\0") != max(len(values) - 1, 0):
        return None
    return text.encode("ascii")


def _present(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Where values are present, and those values."""
    mask = values.notna().to_numpy()
    return mask, values.to_numpy(dtype=object)[mask]


def visible_identifiers(values: pd.Series) -> pd.Series:
    """False where an identifier holds an invisible character or a space at either end."""
    if _plainly_visible(_present(values)[1]):
        return pd.Series(True, index=values.index)
    return ~values.str.contains(HIDDEN_IN_IDENTIFIER).fillna(False).astype(bool)


def _plainly_visible(values: np.ndarray) -> bool:
    """Every value printable ASCII with no space at either end, the common case."""
    text = _joined(values)
    if text is None or text.translate(None, PRINTABLE_ASCII + b"\0"):
        return False
    return not (text.startswith(b" ") or text.endswith(b" ") or b"\0 " in text or b" \0" in text)


def lengths(values: pd.Series) -> pd.Series:
    """Each value's length in characters, 0 where it is missing."""
    mask, present = _present(values)
    counts = np.zeros(len(values), np.int64)
    counts[mask] = np.fromiter(map(len, present), np.int64, len(present))
    return pd.Series(counts, index=values.index)


def whole_numbers(values: pd.Series) -> pd.Series:
    """Int64 values; <NA> where a value is missing or no whole number in the range of INT. The check and the
    typed rows both use it, so a value passes the check exactly when it converts. pd.to_numeric alone would also
    take `1e3` and `.5`; the pattern admits only what it then reads as written (it strips the same blanks)."""
    mask, present = _present(values)
    if _plain_digits(present):
        numbers = np.zeros(len(values), np.int64)
        numbers[mask] = present.astype(np.int64)
        missing = ~mask | (numbers < INT_RANGE[0]) | (numbers > INT_RANGE[1])
        return pd.Series(pd.arrays.IntegerArray(numbers, missing), index=values.index)
    text = values.astype("object").where(values.notna(), None)
    matches = text.str.fullmatch(INT_PATTERN).fillna(False).astype(bool)
    parsed = pd.to_numeric(text.where(matches), errors="coerce")
    return parsed.where(parsed.between(*INT_RANGE)).astype("Int64")


def _plain_digits(values: np.ndarray) -> bool:
    """Every value one to INT64_DIGITS ASCII digits, the common case, which int64 reads exactly as written."""
    if not len(values):
        return False
    text = _joined(values)
    if text is None or text.translate(None, DIGITS + b"\0"):
        return False
    counts = np.fromiter(map(len, values), np.int64, len(values))
    return bool(counts.min() >= 1 and counts.max() <= INT64_DIGITS)
