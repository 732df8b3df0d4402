"""The end-of-run summary on the terminal: tables, the first quarantined rows, then the run's warnings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from lms_pipeline.loading.summary import COUNTS, StagingSummary
from lms_pipeline.wording import plural

HEADINGS = ("resource",) + COUNTS
QUARANTINE_SHOWN = 5


class RunResult(Protocol):
    """What the summary shows of a run: the pipeline flow's PipelineResult."""

    @property
    def outcome(self) -> str: ...
    @property
    def files_found(self) -> int: ...
    @property
    def staging(self) -> StagingSummary: ...
    @property
    def load_run_id(self) -> int | None: ...
    @property
    def harmonization(self) -> Mapping[str, Mapping[str, Any]]: ...  # per LMS, its LmsHarmonization as a dict


def format_table(rows: list[dict[str, Any]]) -> str:
    cells = [[str(row[h]) for h in HEADINGS] for row in rows]
    totals = ["total"] + [str(sum(row[h] for row in rows)) for h in COUNTS]
    widths = [max(len(h), *(len(c[i]) for c in cells + [totals])) for i, h in enumerate(HEADINGS)]
    line = "  ".join("-" * w for w in widths)

    def fmt(values: list[str]) -> str:
        return "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    return "\n".join([fmt([h.replace("_", " ") for h in HEADINGS]), line, *map(fmt, cells), line, fmt(totals)])


def format_harmonization(per_lms: Mapping[str, Mapping[str, Any]]) -> str:
    """One line per LMS: matches and what is left unmatched."""
    lines = []
    for lms, counts in per_lms.items():
        users = counts["users_matched"] + counts["users_unmatched"]
        sections = counts["sections_matched"] + counts["sections_unmatched"]
        lines.append(
            f"{lms:<10} users {counts['users_matched']}/{users} matched ({counts['users_ambiguous']} ambiguous), "
            f"sections {counts['sections_matched']}/{sections} matched ({counts['sections_ambiguous']} ambiguous), "
            f"unmatched assignments {counts['assignments_unmatched']}, submissions {counts['submissions_unmatched']}"
        )
    return "\n".join(lines)


def format_quarantine(staging: StagingSummary, load_run_id: int | None) -> list[str]:
    """The first quarantined rows, each as file:line, column, check and reason, and where all of them are."""
    total = staging.total("quarantined")
    if not total:
        return []
    shown = staging.rejections[:QUARANTINE_SHOWN]
    lines = [f"\n{plural(total, 'row')} quarantined" + (f"; the first {len(shown)}:" if total > len(shown) else ":")]
    for r in shown:
        place = f"{r.relpath}:{r.line}" if r.line else r.relpath
        lines.append(f"  {place}  {r.column or '(row)'}  {r.check}: {r.reason}")
    lines.append(
        f"All of them: lms-pipeline quarantine list --run {load_run_id} (or export, as CSV), "
        "and the run's lms-data-quality artifact in the Prefect UI."
    )
    return lines


def print_summary(result: RunResult, warnings: list[str]) -> None:
    staging = result.staging
    if staging.resources:
        print(format_table(staging.table()))
    elif result.files_found:
        print("Nothing new to load: every file found is already in the journal.")
    if result.harmonization:
        print("\nHarmonization:\n" + format_harmonization(result.harmonization))
    if result.files_found or staging.resources:
        print(f"\n{result.files_found} files found; outcome: {result.outcome}")
    for line in format_quarantine(staging, result.load_run_id):
        print(line)
    for path, columns in staging.drift.items():
        print(f"SCHEMA DRIFT {path}: unknown column(s) ignored: {', '.join(columns)}")
    if warnings:
        print()
    for line in warnings:
        print(line)
