"""Trends over the last runs, drawn from the run journal: rows per run, load duration and match rates per LMS.

Published as one markdown artifact: an SVG chart, then tables of the same figures (exact, and readable without
the picture). Prefect's UI (3.8) shows a markdown image whose address is a data: URI, but of an inline <svg> only
its text, so the chart is an image: an SVG document on a white background of its own, which reads in the UI's dark
and light themes alike. Building it is pure and
deterministic (the same runs give the same text); only reading the journal and publishing touch the outside.
"""

from __future__ import annotations

import base64
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import ColumnElement, Engine, Table, exists, func, select

from lms_pipeline.harmonization.catalog import LMS_BY_NAME
from lms_pipeline.store.tables import StoreTables

RUNS = 30
ROW_COUNTS = ("inserted", "updated", "deleted", "quarantined")

# Geometry of the chart, in pixels: panels stacked on one time axis, one slot per run.
WIDTH, LEFT, RIGHT = 960, 64, 16
TOP = 34  # the legend of the run outcomes
TITLE, PLOT, LABELS, GAP = 22, 80, 28, 12
PANEL = TITLE + PLOT + LABELS + GAP
Label = Callable[[float], str]  # a value as an axis or a bar shows it
Record = Mapping[Any, Any]  # a row of the journal read by column name: a RowMapping (or a dict)
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK, FAINT, GRID = "#111827", "#6b7280", "#e5e7eb"
BAR_COLOURS = {
    "inserted": "#2563eb",
    "updated": "#0d9488",
    "deleted": "#ea580c",
    "quarantined": "#9333ea",
    "duration": "#475569",
}
LMS_COLOURS = {"canvas": "#2563eb", "google": "#16a34a", "schoology": "#c026d3"}
# A run that did not end well is banded across every panel, its date in the band's colour; a warned run only has
# its date coloured (warnings are common: stale extracts).
OUTCOME_STYLES: dict[str | None, tuple[str | None, str]] = {
    "failed": ("#fee2e2", "#b91c1c"),
    "running": ("#f3f4f6", FAINT),
    "warned": (None, "#b45309"),
}


@dataclass(frozen=True)
class Run:
    """One pipeline run as the trends show it: its load run, its harmonization, or both. The row counts, outcome
    and duration are None without a load run (a harmonize-only run), the duration also while it has no end. The
    duration is the load run's, from its start to its end in lms.loadrun: staging, not the whole flow run."""

    started: datetime
    outcome: str | None = None
    seconds: float | None = None
    rows: dict[str, int] | None = None  # ROW_COUNTS
    users: dict[str, float | None] = field(default_factory=dict)  # match rate per LMS, None without users
    sections: dict[str, float | None] = field(default_factory=dict)


class _Load(TypedDict):
    """What a load run gives its Run, beside the harmonizations."""

    started: datetime
    outcome: NotRequired[str | None]
    seconds: NotRequired[float | None]
    rows: NotRequired[dict[str, int] | None]


# --- reading the journal -----------------------------------------------------------------------------------------


def read_runs(engine: Engine, tables: StoreTables, limit: int = RUNS) -> list[Run]:
    lr, hr = tables.load_run, tables.harmonization_run
    loads_query = (
        select(
            *_keyed(
                lr,
                "FlowRunId",
                "StartedAt",
                "EndedAt",
                "Outcome",
                "RowsInserted",
                "RowsUpdated",
                "RowsDeleted",
                "RowsQuarantined",
            )
        )
        .order_by(lr.c.StartedAt.desc(), lr.c.LoadRunId.desc())
        .limit(limit)
    )
    # The flow runs that harmonized without loading (a harmonize command): those of loads are the loads' own.
    harmonized_only = (
        select(hr.c.FlowRunId)
        .where(hr.c.FlowRunId.is_not(None), ~exists().where(lr.c.FlowRunId == hr.c.FlowRunId))
        .group_by(hr.c.FlowRunId)
        .order_by(func.max(hr.c.RecordedAt).desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        loads = conn.execute(loads_query).mappings().all()
        flow_runs = [load["FlowRunId"] for load in loads if load["FlowRunId"]]
        flow_runs += conn.execute(harmonized_only).scalars().all()
        harmonizations = (
            conn.execute(
                select(
                    *_keyed(
                        hr,
                        "FlowRunId",
                        "LmsName",
                        "RecordedAt",
                        "UsersMatched",
                        "UsersUnmatched",
                        "SectionsMatched",
                        "SectionsUnmatched",
                    )
                )
                .where(hr.c.FlowRunId.in_(flow_runs))
                .order_by(hr.c.HarmonizationRunId)
            )
            .mappings()
            .all()
            if flow_runs
            else []
        )
    return runs_from_rows(loads, harmonizations, limit)


def _keyed(table: Table, *keys: str) -> list[ColumnElement[Any]]:
    """The columns labelled with their keys, so that rows read the same on both engines."""
    return [table.c[key].label(key) for key in keys]


def runs_from_rows(loads: Sequence[Record], harmonizations: Sequence[Record], limit: int = RUNS) -> list[Run]:
    """The last runs, oldest first: each load run with the harmonization of its flow run, and the flow runs that
    only harmonized."""
    by_flow_run: defaultdict[str, list[Record]] = defaultdict(list)
    for row in harmonizations:
        by_flow_run[row["FlowRunId"]].append(row)
    runs = [_load_run(load, by_flow_run.pop(load["FlowRunId"], [])) for load in loads]
    runs += [_harmonized(rows, started=min(r["RecordedAt"] for r in rows)) for rows in by_flow_run.values()]
    return sorted(runs, key=lambda run: run.started)[-limit:]


def _load_run(load: Record, harmonizations: list[Record]) -> Run:
    ended = load["EndedAt"]
    return _harmonized(
        harmonizations,
        started=load["StartedAt"],
        outcome=load["Outcome"],
        seconds=(ended - load["StartedAt"]).total_seconds() if ended else None,
        rows={name: load["Rows" + name.title()] for name in ROW_COUNTS},
    )


def _harmonized(harmonizations: list[Record], **load: Unpack[_Load]) -> Run:
    return Run(
        **load,
        users={h["LmsName"]: match_rate(h["UsersMatched"], h["UsersUnmatched"]) for h in harmonizations},
        sections={h["LmsName"]: match_rate(h["SectionsMatched"], h["SectionsUnmatched"]) for h in harmonizations},
    )


def match_rate(matched: int, unmatched: int) -> float | None:
    return matched / (matched + unmatched) if matched + unmatched else None


# --- the chart ---------------------------------------------------------------------------------------------------


def chart_svg(runs: Sequence[Run]) -> str:
    """Bars of the rows inserted, updated, deleted and quarantined and of the load duration per run, then lines of the
    user and section match rates per LMS; the runs oldest first, each with its date and time."""
    lms_names = _lms_names(runs)
    seconds_scale, seconds_unit = _duration_unit(runs)
    bars: list[tuple[str, str, list[float | None], Label]] = [
        (f"Rows {name}", name, [run.rows[name] if run.rows else None for run in runs], _compact) for name in ROW_COUNTS
    ]
    bars.append(
        (
            f"Load duration ({seconds_unit})",
            "duration",
            [None if run.seconds is None else run.seconds / seconds_scale for run in runs],
            _short,
        )
    )
    lines = (
        [
            ("Users matched (%)", "users", [run.users for run in runs]),
            ("Sections matched (%)", "sections", [run.sections for run in runs]),
        ]
        if lms_names
        else []
    )
    height = TOP + PANEL * (len(bars) + len(lines))
    parts = [f'<rect width="{WIDTH}" height="{height}" rx="6" fill="#ffffff"/>', *_outcome_legend()]
    for index, (title, key, values, label) in enumerate(bars):
        parts += _bar_panel(TOP + index * PANEL, title, key, values, label, runs)
    for index, (title, key, rates) in enumerate(lines, start=len(bars)):
        parts += _line_panel(TOP + index * PANEL, title, key, rates, lms_names, runs)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="11" fill="{INK}">' + "".join(parts) + "</svg>"
    )


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above the value (1 for nothing): the top of an axis with round ticks."""
    if value <= 0:
        return 1
    power: float = 10 ** math.floor(math.log10(value))  # int ** int is typed Any: negative powers are floats
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _lms_names(runs: Sequence[Run]) -> list[str]:
    return sorted({name for run in runs for name in (*run.users, *run.sections)})


def _duration_unit(runs: Sequence[Run]) -> tuple[float, str]:
    longest = max((run.seconds for run in runs if run.seconds is not None), default=0)
    return (60, "min") if longest >= 120 else (1, "s")


def _slot(runs: Sequence[Run]) -> float:
    return (WIDTH - LEFT - RIGHT) / max(len(runs), 1)


def _centre(index: int, runs: Sequence[Run]) -> float:
    return LEFT + (index + 0.5) * _slot(runs)


def _bar_panel(
    top: float, title: str, key: str, values: list[float | None], label: Label, runs: Sequence[Run]
) -> list[str]:
    """One bar per run, labelled with its value; a run without the figure gets a dash, a zero a bare 0."""
    ceiling = nice_ceiling(max((v for v in values if v is not None), default=0))
    base = top + TITLE + PLOT
    width = min(_slot(runs) * 0.6, 36)
    parts = [f'<g class="panel" id="{key}">', *_frame(top, title, ceiling, label, runs)]
    for index, value in enumerate(values):
        x = _centre(index, runs)
        if value is None:
            parts.append(_text(x, base - 3, "–", cls="value", anchor="middle", fill=FAINT))
            continue
        height = PLOT * value / ceiling
        parts.append(
            f'<rect class="bar" x="{x - width / 2:.1f}" y="{base - height:.1f}" width="{width:.1f}" '
            f'height="{height:.1f}" fill="{BAR_COLOURS[key]}"/>'
        )
        parts.append(_text(x, base - height - 3, label(value), cls="value", anchor="middle", size=9))
    return parts + ["</g>"]


def _line_panel(
    top: float, title: str, key: str, rates: list[dict[str, float | None]], lms_names: list[str], runs: Sequence[Run]
) -> list[str]:
    """A line per LMS on a 0-100 % scale, broken where a run has no rate for it."""
    parts = [f'<g class="panel" id="{key}">', *_frame(top, title, 100, _short, runs)]
    parts += _lms_legend(top, lms_names)
    base = top + TITLE + PLOT
    for name in lms_names:
        points = [
            (_centre(i, runs), base - PLOT * value) if (value := rate.get(name)) is not None else None
            for i, rate in enumerate(rates)
        ]
        parts += _polylines(points, name)
    return parts + ["</g>"]


def _polylines(points: list[tuple[float, float] | None], lms: str) -> list[str]:
    colour = LMS_COLOURS.get(lms, FAINT)
    parts: list[str] = []
    segment: list[tuple[float, float]] = []
    for point in [*points, None]:
        if point is None:
            if len(segment) > 1:
                coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                parts.append(
                    f'<polyline class="line {lms}" points="{coordinates}" fill="none" stroke="{colour}" '
                    'stroke-width="2"/>'
                )
            segment = []
        else:
            segment.append(point)
            parts.append(f'<circle class="point {lms}" cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3" fill="{colour}"/>')
    return parts


def _frame(top: float, title: str, ceiling: float, label: Label, runs: Sequence[Run]) -> list[str]:
    """A panel's title, outcome bands, gridlines with their values, and the runs' dates under it."""
    base = top + TITLE + PLOT
    parts = [_text(LEFT, top + 14, title, cls="title", weight="bold", size=12)]
    parts += _outcome_bands(top + TITLE, runs)
    for fraction in (0, 0.5, 1):
        y = base - PLOT * fraction
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{FAINT if fraction == 0 else GRID}"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, label(ceiling * fraction), cls="tick", anchor="end", fill=FAINT))
    for index, run in enumerate(runs):
        colour = OUTCOME_STYLES.get(run.outcome, (None, INK))[1]
        x = _centre(index, runs)
        parts.append(
            _text(x, base + 12, run.started.strftime("%m-%d"), cls="date", anchor="middle", size=9, fill=colour)
        )
        parts.append(
            _text(x, base + 23, run.started.strftime("%H:%M"), cls="time", anchor="middle", size=9, fill=colour)
        )
    return parts


def _outcome_bands(top: float, runs: Sequence[Run]) -> list[str]:
    slot = _slot(runs)
    return [
        f'<rect class="{run.outcome}" x="{LEFT + index * slot:.1f}" y="{top:.1f}" width="{slot:.1f}" '
        f'height="{PLOT}" fill="{OUTCOME_STYLES[run.outcome][0]}"/>'
        for index, run in enumerate(runs)
        if OUTCOME_STYLES.get(run.outcome, (None,))[0]
    ]


def _outcome_legend() -> list[str]:
    parts, x = [], LEFT
    for outcome, words in (
        ("failed", "failed run"),
        ("running", "unfinished run (running, or stopped)"),
        ("warned", "run with warnings (date)"),
    ):
        band, ink = OUTCOME_STYLES[outcome]
        parts.append(f'<rect x="{x}" y="10" width="14" height="14" fill="{band or "#ffffff"}" stroke="{ink}"/>')
        parts.append(_text(x + 20, 21, words, fill=ink))
        x += 30 + 7 * len(words)
    return parts


def _lms_legend(top: float, lms_names: list[str]) -> list[str]:
    parts, x = [], LEFT + 200
    for name in lms_names:
        colour = LMS_COLOURS.get(name, FAINT)
        parts.append(f'<rect x="{x}" y="{top + 5:.1f}" width="14" height="4" fill="{colour}"/>')
        parts.append(_text(x + 20, top + 12, _lms_label(name), cls="legend"))
        x += 40 + 7 * len(_lms_label(name))
    return parts


def _text(
    x: float,
    y: float,
    words: str,
    cls: str | None = None,
    anchor: str | None = None,
    size: int | None = None,
    fill: str | None = None,
    weight: str | None = None,
) -> str:
    attributes = {
        "class": cls,
        "x": f"{x:.1f}",
        "y": f"{y:.1f}",
        "text-anchor": anchor,
        "font-size": size,
        "fill": fill,
        "font-weight": weight,
    }
    rendered = "".join(f" {name}={quoteattr(str(value))}" for name, value in attributes.items() if value is not None)
    return f"<text{rendered}>{escape(words)}</text>"


def _compact(value: float) -> str:
    """1234 -> 1.2k, 2000 -> 2k, 56789 -> 57k, 2500000 -> 2.5M: a bar's label fits its slot."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            scaled = value / size
            return (f"{scaled:.1f}".removesuffix(".0") if scaled < 10 else f"{scaled:.0f}") + suffix
    return _short(value)


def _short(value: float) -> str:
    """0.5, 2.5, 42: one decimal only where a small figure has one."""
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _lms_label(name: str) -> str:
    return LMS_BY_NAME[name].label if name in LMS_BY_NAME else name


# --- the artifact ------------------------------------------------------------------------------------------------


def trends_markdown(runs: Sequence[Run]) -> str:
    if not runs:
        return "# Trends\n\nNo run is recorded in the journal yet."
    first, last = (f"{run.started:%Y-%m-%d %H:%M}" for run in (runs[0], runs[-1]))
    image = base64.b64encode(chart_svg(runs).encode()).decode()
    alt = (
        f"Charts of the last {len(runs)} runs, {first} to {last}: rows inserted, updated, deleted and "
        "quarantined, load duration, user and section match rates per LMS; the figures are in the tables below"
    )
    return "\n".join(
        [
            "# Trends",
            "",
            (
                f"The last {len(runs)} runs, oldest first, from the run journal (lms.loadrun, lms.harmonizationrun). "
                "A night with nothing new shows zero rows; a dash is a figure the run did not record."
            ),
            "",
            f"![{alt}](data:image/svg+xml;base64,{image})",
            "",
            "## Loads",
            "",
            *loads_table(runs),
            *match_table(runs),
        ]
    )


def loads_table(runs: Sequence[Run]) -> list[str]:
    """One line per run: what its load did."""
    lines = _header(["run started", "outcome", "load duration (s)", *ROW_COUNTS], left=2)
    for run in runs:
        cells = [
            f"{run.started:%Y-%m-%d %H:%M}",
            run.outcome or "harmonized only",
            _dash(run.seconds, lambda s: f"{s:,.1f}"),
        ]
        cells += [_dash(run.rows[name] if run.rows else None, lambda n: f"{n:,}") for name in ROW_COUNTS]
        lines.append(_line(cells))
    return lines


def match_table(runs: Sequence[Run]) -> list[str]:
    """One line per run: each LMS's user and section match rates; nothing when no run harmonized."""
    lms_names = _lms_names(runs)
    if not lms_names:
        return []
    header = ["run started"] + [f"{_lms_label(n)} {kind}" for n in lms_names for kind in ("users", "sections")]
    lines = [
        "",
        "## Match rates",
        "",
        "Matched / (matched + unmatched), of the live rows after the run.",
        "",
        *_header(header, left=1),
    ]
    for run in runs:
        rates = [
            _dash(by_lms.get(n), lambda r: f"{100 * r:.1f} %")
            for n in lms_names
            for by_lms in (run.users, run.sections)
        ]
        lines.append(_line([f"{run.started:%Y-%m-%d %H:%M}", *rates]))
    return lines


def _header(names: list[str], left: int) -> list[str]:
    """A table's header: the first columns (words) aligned left, the figures right."""
    return [_line(names), "|" + "---|" * left + "---:|" * (len(names) - left)]


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _dash(value: float | None, form: Callable[[float], str]) -> str:
    return "–" if value is None else form(value)
