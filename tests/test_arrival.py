"""Extract time decides, not arrival order (issue 13, point 2).

Property: whatever order the files of several extract days arrive in, and however the nights cut that order
into runs, the live rows of the store after the last run equal those of a clean load of the final tree. The
parents of the first day arrive first: a child whose parent has not arrived yet is quarantined (and the run says
so), which no order of files can undo. Soft-deleted history may differ: rows listed only by a file that arrived
after a newer one never appear at all.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from extracts import activity, assignment, enrolment, section, submission, user, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms_pipeline.discovery.walk import walk_tree
from lms_pipeline.loading.batch import MassDeletePolicy
from lms_pipeline.loading.journal import pending_files
from lms_pipeline.loading.stage import stage_all
from lms_pipeline.resources import LOAD_ORDER
from lms_pipeline.store.connections import make_engine
from lms_pipeline.store.engines import dialect_of
from lms_pipeline.store.tables import StoreTables

USERS = [f"u{i}" for i in range(5)]
SECTIONS = {"s1": "a1", "s2": "a2"}  # each section's one assignment
ACTIVITIES = ["x1", "x2", "x3"]
FIRST_PARENTS = ("users", "sections", "assignments")  # the first day's files of these arrive first


def some(items) -> st.SearchStrategy:
    return st.lists(st.sampled_from(sorted(items)), unique=True, min_size=1).map(sorted)


@st.composite
def extract_days(draw) -> list[dict]:
    """Per day: which rows each file lists, and a value that changes from day to day."""
    days = []
    for day in range(draw(st.integers(2, 4))):
        first = day == 0
        days.append(
            {
                "users": USERS if first else draw(some(USERS)),
                "sections": sorted(SECTIONS) if first else draw(some(SECTIONS)),
                "enrolled": {sid: draw(some(USERS)) for sid in SECTIONS},
                "submitted": {sid: draw(some(USERS)) for sid in SECTIONS},
                "activities": draw(some(ACTIVITIES)),
                "value": draw(st.sampled_from(["red", "green", "blue"])),
            }
        )
    return days


def write_day(root: Path, day: int, plan: dict) -> list[Path]:
    stamp, modified = f"2021-09-0{day + 1}-06-00-00", {"LastModifiedDate": f"2021-09-0{day + 1} 06:00:00"}
    value = plan["value"]
    files = [
        write(root, "users", [user(u, Name=f"{u} {value}", **modified) for u in plan["users"]], stamp),
        write(root, "sections", [section(s, Title=f"{s} {value}", **modified) for s in plan["sections"]], stamp),
    ]
    for sid, aid in SECTIONS.items():
        files.append(
            write(root, "assignments", [assignment(aid, sid, Title=f"{aid} {value}", **modified)], stamp, section=sid)
        )
        files.append(
            write(
                root,
                "section-associations",
                [enrolment(f"{sid}-{u}", sid, u, EnrollmentStatus=value, **modified) for u in plan["enrolled"][sid]],
                stamp,
                section=sid,
            )
        )
        files.append(
            write(
                root,
                "submissions",
                [submission(f"{aid}-{u}", aid, u, Grade=value, **modified) for u in plan["submitted"][sid]],
                stamp,
                section=sid,
                assignment=aid,
            )
        )
    files.append(
        write(
            root,
            "system-activities",
            [activity(x, "u0", ActivityStatus=value, **modified) for x in plan["activities"]],
            stamp,
            date=f"2021-09-0{day + 1}",
        )
    )
    return files


def load(engine, root: Path) -> None:
    tables = StoreTables(dialect_of(engine))
    manifest = pending_files(engine, tables, walk_tree(root), True)
    stage_all(engine, [manifest], None, MassDeletePolicy(allow=True))  # the guard is tested on its own


def live_rows(engine) -> dict[str, set[tuple]]:
    """Every live row by its natural key, its values and its parents' natural keys (ids differ by load)."""
    tables = StoreTables(dialect_of(engine))
    content = {}
    with engine.connect() as conn:
        for resource in LOAD_ORDER:
            live = tables.live(resource)
            columns = [live.c[c.name] for c in resource.live_columns]
            query = select(*columns)
            for index, parent in enumerate(resource.parents):
                alias = tables.parent(parent.table).alias(f"p{index}")
                query = query.add_columns(alias.c.SourceSystemIdentifier).outerjoin(
                    alias, alias.c[parent.id_column] == live.c[parent.id_column]
                )
            content[resource.name] = set(conn.execute(query.where(live.c.DeletedAt.is_(None))).all())
    return content


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=extract_days(), data=st.data())
def test_any_arrival_order_ends_as_a_clean_load_of_the_final_tree(databases, migrated_template, days, data):
    with tempfile.TemporaryDirectory() as folder:
        final, arrived = Path(folder) / "final", Path(folder) / "arrived"
        files = [path for day, plan in enumerate(days) for path in write_day(final, day, plan)]
        relpaths = [p.relative_to(final) for p in files]
        first = [r for r in relpaths if r.parts[0] in FIRST_PARENTS or r.parts[-2] in FIRST_PARENTS]
        first = [r for r in first if r.name.startswith("2021-09-01")]
        rest = data.draw(st.permutations([r for r in relpaths if r not in first]), label="arrival order")
        cuts = sorted(data.draw(st.lists(st.integers(0, len(rest)), max_size=3), label="nights"))
        nights = [first] + [rest[a:b] for a, b in zip([0, *cuts], [*cuts, len(rest)], strict=True)]

        arriving = make_engine(databases.create(template=migrated_template))
        clean = make_engine(databases.create(template=migrated_template))
        try:
            for night in nights:
                for relpath in night:
                    (arrived / relpath).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(final / relpath, arrived / relpath)
                load(arriving, arrived)
            load(clean, final)
            assert live_rows(arriving) == live_rows(clean)
        finally:
            arriving.dispose()
            clean.dispose()
