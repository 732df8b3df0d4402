"""The demo's last extract: a users file that shows a newcomer the two safety rules at work.

Extractors fail in ways that look like data: an API that timed out part-way writes a users file with most users
missing, and a bad value slips into a row now and then. The demo adds such a file to one LMS, the day after the
generated days, so that its run shows the deletions held (not applied) and the row quarantined with its file,
line and column, while every other row loads.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

KEPT_SHARE = 3  # the file keeps one user in three: far past the mass-deletion guard
BAD_DATE = "2021-02-30"  # a day that does not exist


def add_failed_extract(root: Path) -> str:
    """Write the next day's users file of `root` from its newest one, cut short and with one bad date, and say
    what it shows."""
    folder = root / "users"
    newest = max(folder.glob("*.csv"))
    rows = list(csv.reader(io.StringIO(newest.read_text(encoding="utf-8-sig"))))
    header, users = rows[0], rows[1:]
    kept = users[::KEPT_SHARE]
    kept[1][header.index("CreateDate")] = BAD_DATE
    stamp = datetime.strptime(newest.stem, "%Y-%m-%d-%H-%M-%S") + timedelta(days=1)
    path = folder / f"{stamp:%Y-%m-%d-%H-%M-%S}.csv"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *kept])
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8", newline="")
    return (
        f"{root.name}: users/{path.name} lists {len(kept)} of {len(users)} users, as an extract cut short "
        f"would: its deletions are held, not applied; line 3 has CreateDate {BAD_DATE}: that row is quarantined"
    )
