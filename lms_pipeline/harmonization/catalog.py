"""Every LMS harmonization knows: its names, labels, source system, lmsx namespace and procedure names.

The one list of LMSs: the command line, the flows and the reports take their names from here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lms:
    """One LMS as harmonization knows it."""

    name: str  # as the command line and the flows name it
    label: str  # for log messages, as the reference writes them
    source_system: str  # SourceSystem in the lms tables
    namespace: str  # Namespace of the lmsx rows
    procedure_suffix: str  # of the reference's user and section procedures

    @property
    def user_procedure(self) -> str:
        return f"lms.harmonize_lmsuser_{self.procedure_suffix}"

    @property
    def section_procedure(self) -> str:
        return f"lms.harmonize_lmssection_{self.procedure_suffix}"


CANVAS = Lms("canvas", "Canvas", "Canvas", "uri://instructure.com/canvas", "canvas")
GOOGLE = Lms("google", "Google Classroom", "Google", "uri://google.com/classroom", "google_classroom")
SCHOOLOGY = Lms("schoology", "Schoology", "Schoology", "uri://schoology.com", "schoology")
LMS_BY_NAME = {lms.name: lms for lms in (CANVAS, GOOGLE, SCHOOLOGY)}  # in the reference harmonizer's order


def as_lms(lms: Lms | str) -> Lms:
    """The LMS itself, or the one of that name (canvas, google, schoology)."""
    if isinstance(lms, Lms):
        return lms
    try:
        return LMS_BY_NAME[lms]
    except KeyError:
        raise ValueError(f"unknown LMS {lms!r}; expected one of {', '.join(LMS_BY_NAME)}") from None
