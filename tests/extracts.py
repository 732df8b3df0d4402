"""Write small extract files for tests, in the extractors' format."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lms_pipeline.options import Thresholds

# The fixture trees are years old: runs on them warn of no stale extracts.
NOT_STALE = Thresholds(stale_after_hours=None)

DATES = {
    "SourceCreateDate": "",
    "SourceLastModifiedDate": "",
    "CreateDate": "2021-09-01 06:00:00",
    "LastModifiedDate": "2021-09-01 06:00:00",
}
HEADERS = {
    "users": [
        "SourceSystemIdentifier",
        "SourceSystem",
        "UserRole",
        "LocalUserIdentifier",
        "SISUserIdentifier",
        "Name",
        "EmailAddress",
    ],
    "sections": [
        "SourceSystemIdentifier",
        "SourceSystem",
        "SISSectionIdentifier",
        "Title",
        "SectionDescription",
        "Term",
        "LMSSectionStatus",
    ],
    "section-associations": [
        "SourceSystemIdentifier",
        "SourceSystem",
        "LMSSectionSourceSystemIdentifier",
        "LMSUserSourceSystemIdentifier",
        "EnrollmentStatus",
    ],
    "grades": [
        "SourceSystemIdentifier",
        "SourceSystem",
        "Grade",
        "GradeType",
        "LMSUserLMSSectionAssociationSourceSystemIdentifier",
    ],
    "assignments": [
        "SourceSystemIdentifier",
        "SourceSystem",
        "LMSSectionSourceSystemIdentifier",
        "Title",
        "AssignmentCategory",
        "AssignmentDescription",
        "StartDateTime",
        "EndDateTime",
        "DueDateTime",
        "SubmissionType",
        "MaxPoints",
    ],
    "submissions": [
        "SourceSystemIdentifier",
        "SourceSystem",
        "AssignmentSourceSystemIdentifier",
        "LMSUserSourceSystemIdentifier",
        "SubmissionStatus",
        "SubmissionDateTime",
        "EarnedPoints",
        "Grade",
    ],
    "attendance-events": [
        "SourceSystemIdentifier",
        "SourceSystem",
        "LMSSectionSourceSystemIdentifier",
        "LMSUserSourceSystemIdentifier",
        "EventDate",
        "AttendanceStatus",
    ],
    "section-activities": [
        "SourceSystemIdentifier",
        "SourceSystem",
        "LMSSectionSourceSystemIdentifier",
        "LMSUserSourceSystemIdentifier",
        "ActivityType",
        "ActivityDateTime",
        "ActivityStatus",
        "ParentSourceSystemIdentifier",
        "ActivityTimeInMinutes",
    ],
    "system-activities": [
        "SourceSystemIdentifier",
        "SourceSystem",
        "LMSUserSourceSystemIdentifier",
        "ActivityType",
        "ActivityDateTime",
        "ActivityStatus",
        "ParentSourceSystemIdentifier",
        "ActivityTimeInMinutes",
    ],
}


def folder(
    root: Path, resource: str, section: str | None = None, assignment: str | None = None, date: str | None = None
) -> Path:
    if resource in ("users", "sections"):
        return root / resource
    if resource == "system-activities":
        return root / "system-activities" / f"date={date or '2021-09-01'}"
    if resource == "submissions":
        return root / f"section={section}" / f"assignment={assignment}" / "submissions"
    return root / f"section={section}" / resource


def write(
    root: Path,
    resource: str,
    rows: list[dict],
    stamp: str = "2021-09-01-06-00-00",
    *,
    header=None,
    bom: bool = True,
    **scope,
) -> Path:
    """One extract file; each row is a dict over the resource's columns (missing ones empty, dates defaulted)."""
    header = header or HEADERS[resource] + list(DATES)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        full = {**DATES, **row}
        writer.writerow([full.get(h, "") for h in header])
    path = folder(root, resource, **scope) / f"{stamp}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def user(uid: str, system: str = "BestLMS", **values) -> dict:
    return {
        "SourceSystemIdentifier": uid,
        "SourceSystem": system,
        "UserRole": "student",
        "Name": f"User {uid}",
        "EmailAddress": f"{uid}@example.org",
        "SISUserIdentifier": f"S{uid}",
        **values,
    }


def section(sid: str, system: str = "BestLMS", **values) -> dict:
    return {
        "SourceSystemIdentifier": sid,
        "SourceSystem": system,
        "Title": f"Section {sid}",
        "SISSectionIdentifier": f"SIS{sid}",
        **values,
    }


def enrolment(eid: str, sid: str, uid: str, system: str = "BestLMS", **values) -> dict:
    return {
        "SourceSystemIdentifier": eid,
        "SourceSystem": system,
        "LMSSectionSourceSystemIdentifier": sid,
        "LMSUserSourceSystemIdentifier": uid,
        "EnrollmentStatus": "Active",
        **values,
    }


def grade(gid: str, eid: str, letter: str = "A", system: str = "BestLMS", **values) -> dict:
    return {
        "SourceSystemIdentifier": gid,
        "SourceSystem": system,
        "Grade": letter,
        "GradeType": "Current",
        "LMSUserLMSSectionAssociationSourceSystemIdentifier": eid,
        **values,
    }


def assignment(aid: str, sid: str, system: str = "BestLMS", **values) -> dict:
    return {
        "SourceSystemIdentifier": aid,
        "SourceSystem": system,
        "LMSSectionSourceSystemIdentifier": sid,
        "Title": f"Assignment {aid}",
        "AssignmentCategory": "Assignment",
        "MaxPoints": "10",
        **values,
    }


def submission(bid: str, aid: str, uid: str, system: str = "BestLMS", **values) -> dict:
    return {
        "SourceSystemIdentifier": bid,
        "SourceSystem": system,
        "AssignmentSourceSystemIdentifier": aid,
        "LMSUserSourceSystemIdentifier": uid,
        "SubmissionStatus": "Graded",
        "EarnedPoints": "9",
        **values,
    }


def activity(xid: str, uid: str, sid: str | None = None, system: str = "BestLMS", **values) -> dict:
    row = {
        "SourceSystemIdentifier": xid,
        "SourceSystem": system,
        "LMSUserSourceSystemIdentifier": uid,
        "ActivityType": "sign-in",
        "ActivityDateTime": "2021-09-01 08:00:00",
        "ActivityStatus": "active",
    }
    if sid:
        row["LMSSectionSourceSystemIdentifier"] = sid
    return {**row, **values}


def attendance(xid: str, sid: str, uid: str, system: str = "BestLMS", **values) -> dict:
    return {
        "SourceSystemIdentifier": xid,
        "SourceSystem": system,
        "LMSSectionSourceSystemIdentifier": sid,
        "LMSUserSourceSystemIdentifier": uid,
        "EventDate": "2021-09-01",
        "AttendanceStatus": "Excused",
        **values,
    }
