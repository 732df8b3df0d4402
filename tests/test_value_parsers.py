"""No value crashes validation, and time zones are explicit (issue 13, points 4 and 5).

Property tests of each column kind's check and conversion (date and time, date, whole number, text length) against
oracles written apart from the product: Python's datetime for dates, int() for numbers, len() for lengths. The
checks run through the real pandera schema; the conversions are the ones the typed rows use. Then one batch with
a value of every hostile class goes through validation: each refused value is quarantined with file, line, column
and reason, and the good rows are staged, converted to UTC.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from extracts import DATES, assignment, attendance, write
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pandera.errors import SchemaErrors

from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.resources import ASSIGNMENTS, ATTENDANCE_EVENTS, Resource
from lms_pipeline.validation.datetimes import parse_datetimes, unparseable
from lms_pipeline.validation.rows import prepare_batch, schema_for
from lms_pipeline.validation.values import INT_RANGE, whole_numbers
from lms_pipeline.wording import INVISIBLE

# Lists of up to 30 values per example; each example that runs the pandera schema costs about 30 ms.
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BLANKS = " \t\r\n"
OTHER_DIGITS = "٠١٢٣٤٥٦٧٨٩０１２３４５６７８９۰۱२३"  # Arabic-Indic, full-width, Persian, Devanagari
ANY_TEXT = st.text(max_size=40) | st.text(alphabet="0123456789-:/. TZ+" + BLANKS + OTHER_DIGITS, max_size=40)


# --- oracles ---------------------------------------------------------------------------------------------------

ISO = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:(?:T|[ \t\r\n]+)(?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]+))?)?"
    r"(?P<z>Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
US = re.compile(
    r"(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})/(?P<y>[0-9]{4})"
    r"(?:[ \t\r\n]+(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?)?"
)


def utc_oracle(text: str) -> dt.datetime | None:
    """The UTC moment a value stands for by the documented forms (README, datetimes.py), or None."""
    match = ISO.fullmatch(text.strip(BLANKS)) or US.fullmatch(text.strip(BLANKS))
    if match is None:
        return None
    fields = match.groupdict()
    zone = fields.get("z") or "Z"
    hours, minutes = (0, 0) if zone == "Z" else (int(zone[1:3]), int(zone[-2:]) if len(zone) > 3 else 0)
    if hours > 23 or minutes > 59:
        return None
    offset = dt.timedelta(hours=hours, minutes=minutes) * (-1 if zone.startswith("-") else 1)
    try:
        microsecond = int((fields.get("f") or "")[:6].ljust(6, "0"))
        local = dt.datetime(
            int(fields["y"]),
            int(fields["m"]),
            int(fields["d"]),
            int(fields["H"] or 0),
            int(fields["M"] or 0),
            int(fields["S"] or 0),
            microsecond,
        )
        return local - offset
    except (ValueError, OverflowError):  # no such date or time, or out of years 1-9999 once in UTC
        return None


def int_oracle(text: str) -> int | None:
    whole, _, zeros = text.strip(BLANKS).partition(".")
    digits = whole[1:] if whole[:1] in ("+", "-") else whole
    if not (digits.isascii() and digits.isdigit()) or zeros.strip("0"):
        return None
    number = int(whole)
    return number if INT_RANGE[0] <= number <= INT_RANGE[1] else None


def day(moment: dt.datetime) -> str:
    return f"{moment.year:04}-{moment.month:02}-{moment.day:02}"  # strftime's %Y drops zeros before year 1000


def stamps(moments) -> list:
    return [pd.NaT if m is None else pd.Timestamp(m) for m in moments]


# --- generators --------------------------------------------------------------------------------------------------

MOMENTS = st.datetimes(dt.datetime(2, 1, 1), dt.datetime(9998, 12, 31, 23, 59, 59))
FRACTIONS = st.text(alphabet="0123456789", min_size=1, max_size=30)
AROUND = st.text(alphabet=BLANKS, max_size=3)


@st.composite
def written(draw) -> tuple[str, dt.datetime]:
    """A moment written in one of the accepted forms, and the UTC moment it stands for."""
    local = draw(MOMENTS).replace(microsecond=0)
    form = draw(st.sampled_from(["norm", "iso", "date", "us"]))
    if form == "norm":
        text = f"{day(local)} {local:%H:%M:%S}"
    elif form == "date":
        local = local.replace(hour=0, minute=0, second=0)
        text = day(local)
    elif form == "us":
        local = local.replace(second=0) if draw(st.booleans()) else local
        text = f"{local.month}/{local.day}/{local.year:04}"
        if draw(st.booleans()):
            local = local.replace(hour=0, minute=0, second=0)
        else:
            text += f"{draw(st.sampled_from([' ', '  ']))}{local.hour}:{local.minute:02}"
            text += f":{local.second:02}" if local.second else ""
    else:
        text, local = draw(iso(local))
    return draw(AROUND) + text + draw(AROUND), local


@st.composite
def iso(draw, local: dt.datetime) -> tuple[str, dt.datetime]:
    """ISO forms other than the norm: T or spaces, with or without seconds, any fraction, any offset."""
    text = f"{day(local)}{draw(st.sampled_from(['T', ' ', '  ', chr(9)]))}{local:%H:%M}"
    if draw(st.booleans()):
        text += f":{local:%S}"
        if draw(st.booleans()):
            fraction = draw(FRACTIONS)
            text += "." + fraction
            local = local.replace(microsecond=int(fraction[:6].ljust(6, "0")))  # cut to microseconds
    else:
        local = local.replace(second=0)
    zone = draw(st.sampled_from(["", "Z", "+HH:MM", "+HHMM", "+HH"]))
    minutes = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59)) if zone not in ("", "Z") else 0
    if zone == "+HH":
        minutes -= minutes % 60 if minutes >= 0 else -((-minutes) % 60)
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else "+"
    text += {
        "": "",
        "Z": "Z",
        "+HH:MM": f"{sign}{hours:02}:{rest:02}",
        "+HHMM": f"{sign}{hours:02}{rest:02}",
        "+HH": f"{sign}{hours:02}",
    }[zone]
    return text, local - dt.timedelta(minutes=minutes)


@st.composite
def near_misses(draw) -> str:
    """A written value with one to three characters inserted, deleted or replaced: mostly refused, sometimes
    still (or newly) valid. The oracle says which."""
    text, _ = draw(written())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        char = draw(st.sampled_from("0123456789-:/. TZ+x" + BLANKS + OTHER_DIGITS))
        text = draw(
            st.sampled_from(
                [text[:at] + char + text[at:], text[:at] + text[at + 1 :], text[:at] + char + text[at + 1 :]]
            )
        )
    return text


@st.composite
def written_ints(draw) -> str:
    number = draw(st.integers(-(2**40), 2**40) | st.integers(*INT_RANGE) | st.sampled_from(INT_RANGE))
    shape = draw(
        st.sampled_from(
            ["{}", " {} ", "\t{}\r\n", "{}.0", "{}.", "{}.000", "+{}", "0{}", "{}.5", "{}e3", "{}_0", "- {}", "{}.0.0"]
        )
    )
    text = shape.format(number)
    if draw(st.integers(0, 5)) == 0:  # the same number in other digits
        text = text.translate(
            str.maketrans("0123456789", draw(st.sampled_from(["٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９"])))
        )
    return text


# --- the checks, through the real schema -------------------------------------------------------------------------


def refused(resource: Resource, column: str, check: str, values: list) -> list[bool]:
    """Per value, whether the resource's schema refuses it in `column` with `check` (the rest of the row valid).
    An empty value is missing, as validation makes it."""
    row = (
        {c.name: None for c in resource.columns}
        | DATES
        | (assignment("A1", "S1") if resource is ASSIGNMENTS else attendance("T1", "S1", "U1"))
    )
    frame = pd.DataFrame([row | {column: v or None} for v in values], dtype="object")
    try:
        schema_for(resource).validate(frame, lazy=True)
        return [False] * len(values)
    except SchemaErrors as errors:
        cases = errors.failure_cases
    failed = set(cases.loc[(cases["column"] == column) & (cases["check"] == check), "index"])
    return [i in failed for i in range(len(values))]


@PROPERTY
@given(st.lists(st.one_of(written().map(lambda w: w[0]), near_misses(), ANY_TEXT), min_size=1, max_size=30))
@example(
    [
        "2021-09-01 00:00:00.123456789",
        "2021-09-01 24:00:00",
        "2021-09-01 00:00:60",
        "٢٠٢١-٠٩-٠١ ١٠:٠٠:٠٠",
        "2021-09-01 00:00:0٥",
        "２０２１-09-01 00:00:00",
        "20210901",
        "2021-09",
        "2021-09-01 10",
        "now",
        "today",
        "0000-01-01 00:00:00",
        "2021-02-30 10:00:00",
        "2021-09-01 10:00:00 junk",
        "",
        "   ",
    ]
)
def test_datetime_check_and_conversion_agree_with_the_oracle(values):
    expected = [utc_oracle(v) for v in values]
    assert parse_datetimes(pd.Series(values, dtype="object")).tolist() == stamps(expected)
    assert refused(ASSIGNMENTS, "DueDateTime", "datetime", values) == [
        bool(v) and e is None for v, e in zip(values, expected, strict=True)
    ]


@PROPERTY
@given(st.lists(written(), min_size=1, max_size=30))
def test_every_accepted_form_reads_as_its_utc_moment(pairs):
    """The fast path (the norm) and the regular expression (the rest) mixed in one column, as in real files."""
    values = pd.Series([text for text, _ in pairs], dtype="object", index=range(100, 100 + len(pairs)))
    parsed = parse_datetimes(values)
    assert parsed.index.equals(values.index)
    assert parsed.tolist() == stamps(moment for _, moment in pairs)


@PROPERTY
@given(st.lists(st.one_of(written().map(lambda w: w[0]), near_misses()), min_size=1, max_size=30))
def test_a_date_column_takes_the_utc_date_of_what_it_reads(values):
    expected = [utc_oracle(v) for v in values]
    dates = parse_datetimes(pd.Series(values, dtype="object")).dt.normalize().dt.date  # as the typed rows do
    assert [None if pd.isna(d) else d for d in dates] == [e and e.date() for e in expected]
    assert refused(ATTENDANCE_EVENTS, "EventDate", "datetime", values) == [
        bool(v) and e is None for v, e in zip(values, expected, strict=True)
    ]


@PROPERTY
@given(st.lists(written_ints() | ANY_TEXT, min_size=1, max_size=30))
@example(
    [
        "١٢",
        "１２",
        "1e3",
        ".5",
        " 10 ",
        "10.",
        "+5",
        "-0",
        "2147483647",
        "2147483648",
        "-2147483649",
        "0" * 40 + "7",
        "9" * 40,
        "",
        "\u00a010",
    ]
)
def test_whole_number_check_passes_exactly_when_the_conversion_gives_a_value(values):
    expected = [int_oracle(v) for v in values]
    converted = whole_numbers(pd.Series([v or None for v in values], dtype="object"))
    assert [None if pd.isna(n) else n for n in converted] == expected
    assert refused(ASSIGNMENTS, "MaxPoints", "whole-number", values) == [
        bool(v) and e is None for v, e in zip(values, expected, strict=True)
    ]


# Columns where every value is plain (digits only; printable ASCII), which values.py decides for the whole column
# in C, and the same with one odd value, which sends the column to the check of every value.
PLAIN_DIGITS = st.from_regex(r"[0-9]{1,20}", fullmatch=True)
PLAIN_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=12)


@PROPERTY
@given(st.lists(PLAIN_DIGITS, min_size=1, max_size=30), st.none() | ANY_TEXT.filter(bool))
def test_whole_numbers_of_a_plain_column_are_those_of_each_value(values, odd):
    values = values + ([odd] if odd else [])
    converted = whole_numbers(pd.Series(values, dtype="object"))
    assert [None if pd.isna(n) else n for n in converted] == [int_oracle(v) for v in values]


@PROPERTY
@given(st.lists(PLAIN_TEXT, min_size=1, max_size=30), st.none() | ANY_TEXT.filter(bool), st.integers(0, 29))
def test_identifiers_of_a_plain_column_are_refused_as_each_value_would_be(values, odd, at):
    values = values[:at] + ([odd] if odd else []) + values[at:]
    hidden = [bool(INVISIBLE.search(v)) or v != v.strip(" ") for v in values]
    assert refused(ASSIGNMENTS, "SourceSystemIdentifier", "identifier", values) == hidden


@PROPERTY
@given(st.lists(st.text(min_size=250, max_size=260) | st.text(max_size=20), min_size=1, max_size=10))
def test_length_check_counts_characters(values):
    assert refused(ASSIGNMENTS, "Title", "max-length-255", values) == [len(v) > 255 for v in values]


@pytest.mark.parametrize(
    "value",
    [
        "",
        " " * 5_000_000,
        "2" * 5_000_000,
        "2021-09-01 00:00:00." + "1" * 5_000_000,
        "2021-09-01 00:00:00" + "\t" * 1_000_000 + "x",
        "\x00" * 100,
        "\ud800",
    ],
    ids=[
        "empty",
        "5-mb-of-spaces",
        "5-mb-of-digits",
        "5-mb-fraction",
        "1-mb-of-tabs-then-x",
        "nul-characters",
        "lone-surrogate",
    ],
)
def test_huge_and_odd_values_never_raise(value):
    parsed = parse_datetimes(pd.Series([value, "2021-09-01 00:00:00"], dtype="object"))
    expected = pd.Timestamp("2021-09-01 00:00:00.111111") if value.startswith("2021-09-01 00:00:00.") else pd.NaT
    assert parsed.tolist() == [expected, pd.Timestamp("2021-09-01")]
    assert unparseable(pd.Series([value], dtype="object")).tolist() == [expected is pd.NaT]
    assert whole_numbers(pd.Series([value], dtype="object")).isna().all()


def test_offsets_are_converted_to_utc_and_values_without_one_are_utc_as_written():
    values = [
        "2021-09-01 10:00:00Z",
        "2021-09-01T10:00:00+02:00",
        "2021-09-01 10:00-0500",
        "2021-09-01 10:00+02",
        "2021-09-01 10:00:00",
        "2021-09-01 00:30:00+01:00",
        "0001-01-01 00:30+01:00",
        "9999-12-31 23:00-02",
    ]
    assert parse_datetimes(pd.Series(values, dtype="object")).tolist() == stamps(
        [
            dt.datetime(2021, 9, 1, 10),
            dt.datetime(2021, 9, 1, 8),
            dt.datetime(2021, 9, 1, 15),
            dt.datetime(2021, 9, 1, 8),
            dt.datetime(2021, 9, 1, 10),
            dt.datetime(2021, 8, 31, 23, 30),
            None,
            None,
        ]
    )  # the last two leave years 1-9999 once in UTC, the range both engines store


# --- a batch through validation ----------------------------------------------------------------------------------

HOSTILE = {  # line -> (column, value): each refused, with the check that refuses it
    3: ("DueDateTime", "2021-09-01 24:00:00", "datetime"),
    4: ("DueDateTime", "٢٠٢١-٠٩-٠١ ١٠:٠٠:٠٠", "datetime"),
    5: ("DueDateTime", "2021-09-01 00:00:0٥", "datetime"),
    6: ("DueDateTime", "20210901", "datetime"),
    7: ("DueDateTime", "2021-09-01 10", "datetime"),
    8: ("DueDateTime", "now", "datetime"),
    9: ("StartDateTime", "0000-01-01 00:00:00", "datetime"),
    10: ("EndDateTime", "2021-09-01 00:00:61", "datetime"),
    11: ("DueDateTime", "2021-09-01 10:00:00 +02:00", "datetime"),
    12: ("DueDateTime", "2021-09-01 10:00:00+24:00", "datetime"),
    13: ("MaxPoints", "١٠", "whole-number"),
    14: ("MaxPoints", "1e3", "whole-number"),
    15: ("DueDateTime", "x" * 100_000, "datetime"),
}
GOOD = {  # line -> (DueDateTime as written, as staged)
    2: ("2021-09-01 00:00:00.123456789", dt.datetime(2021, 9, 1, 0, 0, 0, 123456)),
    16: ("2021-09-01T10:00:00Z", dt.datetime(2021, 9, 1, 10)),
    17: ("2021-09-01 10:00:00+02:00", dt.datetime(2021, 9, 1, 8)),
    18: ("2021-09-01 10:00-0500", dt.datetime(2021, 9, 1, 15)),
    19: (" 9/3/2021 1:02 ", dt.datetime(2021, 9, 3, 1, 2)),
}


def test_a_batch_of_hostile_values_quarantines_each_with_file_line_column_and_reason(tmp_path):
    rows = {line: assignment(f"A{line}", "S1", DueDateTime=value) for line, (value, _) in GOOD.items()}
    rows |= {line: assignment(f"A{line}", "S1", **{column: value}) for line, (column, value, _) in HOSTILE.items()}
    write(tmp_path, "assignments", [rows[line] for line in sorted(rows)], section="S1")
    [file] = walk_tree(tmp_path).files
    batch = prepare_batch(ASSIGNMENTS, [file])

    quarantined = {r.line: (r.relpath, r.column, r.check) for r in batch.rejections}
    assert quarantined == {line: (file.relpath, column, check) for line, (column, _, check) in HOSTILE.items()}
    reasons = {r.check: r.reason for r in batch.rejections}
    assert reasons["datetime"].startswith("not a date and time in an accepted form")
    assert reasons["whole-number"] == "not a whole number in the range of INT"
    staged = batch.staged.set_index("sourceline")["duedatetime"]
    assert {line: staged[line].to_pydatetime() for line in staged.index} == {
        line: moment for line, (_, moment) in GOOD.items()
    }
