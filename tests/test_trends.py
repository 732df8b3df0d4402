"""Trends over the last runs: the run journal read back, the chart drawn from it, the artifact published, and the
harmonization counts each run records."""

import base64
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from harmonize_data import classroom, lms_user
from prefect import flow
from prefect.artifacts import Artifact
from prefect.runtime import flow_run
from sqlalchemy import text

from lms_pipeline.flows.harmonization import harmonize_one
from lms_pipeline.harmonization.catalog import CANVAS, GOOGLE
from lms_pipeline.loading.runs import finish_run, record_harmonization, start_run
from lms_pipeline.loading.summary import StagingSummary
from lms_pipeline.reporting.trends import (
    LEFT,
    OUTCOME_STYLES,
    RIGHT,
    WIDTH,
    Run,
    chart_svg,
    nice_ceiling,
    read_runs,
    runs_from_rows,
    trends_markdown,
)
from lms_pipeline.run_state import RunState
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.tables import StoreTables
from lms_pipeline.tasks.artifacts import publish_trends

SVG = "{http://www.w3.org/2000/svg}"
# Three nights: a first load, a night with nothing new, and a failed run.
NIGHTS = [
    ("2026-11-01 02:00:00", "2026-11-01 02:00:42"),
    ("2026-11-02 02:00:00", "2026-11-02 02:00:05"),
    ("2026-11-03 02:00:00", "2026-11-03 02:01:10"),
]
# One LMS harmonized, as harmonize_one records it: 75 % of users and 50 % of sections matched.
COUNTS = {
    "users_matched": 3,
    "users_unmatched": 1,
    "users_ambiguous": 0,
    "sections_matched": 1,
    "sections_unmatched": 1,
    "sections_ambiguous": 1,
    "assignments_inserted": None,
    "assignments_updated": None,
    "assignments_deleted": None,
    "assignments_unmatched": 0,
    "submissions_inserted": 2,
    "submissions_updated": 0,
    "submissions_deleted": 0,
    "submissions_unmatched": 0,
}


@pytest.fixture
def journal(engine, load_tree, fixture_tree):
    """The three nights in lms.loadrun, the first one harmonized; the first night's staging summary."""
    tables = StoreTables(dialect_of(engine))
    root = fixture_tree("starter-kit-sample")
    first = load_tree(root)
    summaries = [
        (first, "succeeded", None),
        (load_tree(root), "succeeded", None),
        (StagingSummary(), "failed", "the database went away"),
    ]
    for night, (summary, outcome, message) in enumerate(summaries):
        run_id = start_run(engine, tables, f"flow-run-{night}", f"night-{night}", [str(root)])
        finish_run(engine, tables, run_id, outcome, summary, 35, message)
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE lms.loadrun SET startedat = :started, endedat = :ended WHERE loadrunid = :id"),
                {"started": NIGHTS[night][0], "ended": NIGHTS[night][1], "id": run_id},
            )
    # Recorded now, weeks after the night it belongs to: a harmonization goes with its flow run's load, not its time.
    record_harmonization(engine, tables, "flow-run-0", "canvas", COUNTS)
    return tables, first


def panel(svg: ET.Element, key: str) -> ET.Element:
    return svg.find(f"{SVG}g[@id='{key}']")


def texts(element: ET.Element, cls: str) -> list[str]:
    return [t.text for t in element.iter(f"{SVG}text") if t.get("class") == cls]


def svg_base(svg: ET.Element, key: str) -> float:
    """The y of a panel's zero line: its lowest gridline."""
    return max(float(line.get("y1")) for line in panel(svg, key).iter(f"{SVG}line"))


def test_the_journal_reads_back_as_runs_oldest_first(engine, journal):
    tables, first = journal
    runs = read_runs(engine, tables)
    assert [r.started for r in runs] == [datetime.fromisoformat(started) for started, _ in NIGHTS]
    assert [r.outcome for r in runs] == ["succeeded", "succeeded", "failed"]
    assert [r.seconds for r in runs] == [42, 5, 70]
    assert runs[0].rows == {name: first.total(name) for name in ("inserted", "updated", "deleted", "quarantined")}
    assert runs[0].rows["inserted"] > 0
    assert runs[1].rows == {"inserted": 0, "updated": 0, "deleted": 0, "quarantined": 0}  # nothing new: zeros
    assert runs[0].users == {"canvas": 0.75} and runs[0].sections == {"canvas": 0.5}
    assert runs[1].users == {} and runs[2].users == {}
    assert [r.started for r in read_runs(engine, tables, limit=2)] == [r.started for r in runs[1:]]


def test_the_chart_draws_the_figures_in_proportion_dated_in_order_with_the_failed_run_marked(engine, journal):
    tables, first = journal
    svg = ET.fromstring(chart_svg(read_runs(engine, tables)))
    inserted = panel(svg, "inserted")
    heights = [float(bar.get("height")) for bar in inserted.iter(f"{SVG}rect") if bar.get("class") == "bar"]
    assert heights[1] == heights[2] == 0 and heights[0] > 0
    assert heights[0] / 80 == pytest.approx(first.total("inserted") / nice_ceiling(first.total("inserted")), abs=1e-3)
    assert texts(inserted, "value")[1:] == ["0", "0"]
    assert texts(inserted, "date") == ["11-01", "11-02", "11-03"]
    duration = [
        float(bar.get("height")) for bar in panel(svg, "duration").iter(f"{SVG}rect") if bar.get("class") == "bar"
    ]
    assert duration == pytest.approx([80 * 42 / 100, 80 * 5 / 100, 80 * 70 / 100], abs=0.1)  # seconds, up to 100
    third_slot = LEFT + 2 * (WIDTH - LEFT - RIGHT) / 3
    for key in ("inserted", "updated", "deleted", "quarantined", "duration", "users", "sections"):
        bands = [r for r in panel(svg, key).iter(f"{SVG}rect") if r.get("class") == "failed"]
        assert [float(band.get("x")) for band in bands] == pytest.approx([third_slot], abs=0.1)
    assert [t.get("fill") for t in inserted.iter(f"{SVG}text") if t.get("class") == "date"] == [
        "#111827",
        "#111827",
        OUTCOME_STYLES["failed"][1],
    ]
    users = panel(svg, "users")
    [point] = [c for c in users.iter(f"{SVG}circle") if c.get("class") == "point canvas"]
    assert float(point.get("cy")) == pytest.approx(svg_base(svg, "users") - 80 * 0.75, abs=0.1)


def test_the_tables_are_exact_and_mark_what_a_run_did_not_record(engine, journal):
    tables, first = journal
    markdown = trends_markdown(read_runs(engine, tables))
    lines = [line for line in markdown.splitlines() if line.startswith("| 2026-")]
    assert lines[:3] == [
        (
            f"| 2026-11-01 02:00 | succeeded | 42.0 | {first.total('inserted'):,} | {first.total('updated'):,} | "
            f"{first.total('deleted'):,} | {first.total('quarantined'):,} |"
        ),
        "| 2026-11-02 02:00 | succeeded | 5.0 | 0 | 0 | 0 | 0 |",
        "| 2026-11-03 02:00 | failed | 70.0 | 0 | 0 | 0 | 0 |",
    ]
    assert "| run started | Canvas users | Canvas sections |" in markdown
    assert lines[3:] == [
        "| 2026-11-01 02:00 | 75.0 % | 50.0 % |",
        "| 2026-11-02 02:00 | – | – |",
        "| 2026-11-03 02:00 | – | – |",
    ]
    assert re.search(
        r"!\[Charts of the last 3 runs, 2026-11-01 02:00 to 2026-11-03 02:00[^\]]*\]"
        r"\(data:image/svg\+xml;base64,[A-Za-z0-9+/=]+\)",
        markdown,
    )


def test_a_run_that_only_harmonized_takes_its_place_in_time_and_the_window_keeps_the_last():
    load = {
        "FlowRunId": "a",
        "StartedAt": datetime(2026, 11, 1, 2),
        "EndedAt": None,
        "Outcome": "running",
        "RowsInserted": 5,
        "RowsUpdated": 0,
        "RowsDeleted": 0,
        "RowsQuarantined": 0,
    }
    harmonized = {
        "FlowRunId": "b",
        "LmsName": "google",
        "RecordedAt": datetime(2026, 11, 2, 3),
        "UsersMatched": 0,
        "UsersUnmatched": 0,
        "SectionsMatched": 2,
        "SectionsUnmatched": 0,
    }
    runs = runs_from_rows([load], [harmonized])
    assert runs == [
        Run(datetime(2026, 11, 1, 2), "running", None, {"inserted": 5, "updated": 0, "deleted": 0, "quarantined": 0}),
        Run(datetime(2026, 11, 2, 3), users={"google": None}, sections={"google": 1.0}),
    ]
    assert runs_from_rows([load], [harmonized], limit=1) == runs[1:]
    assert "| 2026-11-02 03:00 | harmonized only | – | – | – | – | – |" in trends_markdown(runs)
    assert "| 2026-11-02 03:00 | – | 100.0 % |" in trends_markdown(runs)
    assert trends_markdown(runs) == trends_markdown(runs_from_rows([load], [harmonized]))  # deterministic


def test_an_empty_journal_says_so():
    assert "No run is recorded" in trends_markdown([])


@pytest.mark.prefect
def test_the_trends_are_an_artifact_of_the_flow_run_with_a_description(prefect_api, engine, journal):
    tables, _ = journal

    @flow(name="trends-test")
    def nightly() -> str:
        publish_trends(engine, tables)
        return flow_run.get_id()

    flow_run_id = nightly()
    artifact = Artifact.get("lms-trends")
    assert str(artifact.flow_run_id) == flow_run_id
    assert artifact.type == "markdown" and "last 3 runs" in artifact.description
    assert artifact.data == trends_markdown(read_runs(engine, tables))
    image = re.search(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", artifact.data).group(1)
    assert base64.b64decode(image).decode() == chart_svg(read_runs(engine, tables))


@pytest.mark.prefect
def test_harmonize_one_records_its_counts_under_the_root_flow_run(prefect_api, ods_db, ods_engine):
    with ods_engine.begin() as conn:
        classroom(conn, CANVAS)
        lms_user(conn, CANVAS, "unmatched", sis_id="NO-MATCH")
        lms_user(conn, GOOGLE, "g1", sis_id="NO-MATCH")

    run = RunState(ods_engine)

    @flow(name="harmonize-parent-test")
    def parent() -> tuple[str, dict, dict]:
        return flow_run.get_id(), harmonize_one(run, "canvas"), harmonize_one(run, "google")

    parent_id, canvas, google = parent()
    with ods_engine.connect() as conn:
        recorded = conn.execute(
            text(
                "SELECT flowrunid, lmsname, usersmatched, usersunmatched, sectionsmatched, assignmentsinserted, "
                "submissionsinserted, recordedat IS NOT NULL FROM lms.harmonizationrun ORDER BY harmonizationrunid"
            )
        ).all()
    assert recorded == [
        (
            parent_id,
            "canvas",
            canvas["users_matched"],
            canvas["users_unmatched"],
            canvas["sections_matched"],
            canvas["assignments_inserted"],
            canvas["submissions_inserted"],
            True,
        ),
        (parent_id, "google", 0, 1, 0, google["assignments_inserted"], google["submissions_inserted"], True),
    ]
    assert (canvas["users_matched"], canvas["users_unmatched"], canvas["assignments_inserted"]) == (1, 1, 1)
