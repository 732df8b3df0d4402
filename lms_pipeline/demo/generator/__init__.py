"""A seeded, deterministic generator of the extract trees that LMS extractors write, for a small district.

Each LMS serves one school of the district and gets an extract root of its own (`<root>/canvas`,
`<root>/schoology`, `<root>/google`): a root holds one LMS only (loader contract 2.4). Every extract day writes a
new timestamped file into every folder, a full snapshot, except system activities, which carry only that day's
new rows. Between days a few users, assignments and submissions disappear, come back and change, as in a real LMS.

With `messy=True` the files also carry the irregularities of real extracts (loader contract 3.1), each at a low
rate and each at least once: files without a BOM or without a final line break, mixed date formats in one column,
a time in a date-only column, grades with a trailing space, descriptions with quoted commas, quotes and line
breaks, empty optional values, empty (`\\n`) and header-only files, and the upper-case `Assignment=` folder. With
`messy=False` every file is regular, for benchmarks and exact-count tests.

The district's SIS roster (students, sections, enrolments) comes along for a demo ODS. It matches the LMS data
except for a few deliberate mismatches, listed in `District.mismatches`.

The output is a pure function of the arguments: the same seed writes the same bytes.
"""

from lms_pipeline.demo.generator.district import generate_district
from lms_pipeline.demo.generator.model import (
    EMPTY,
    GRADES,
    HEADER_ONLY,
    LMS_NAMES,
    SECTION_RENAMED,
    SHARED_EMAIL,
    STUDENT_MISSING_FROM_SIS,
    TEACHER_WITH_STUDENT_IDENTITY,
    District,
    Enrolment,
    Mismatch,
    ResourceCount,
    SisSection,
    Student,
    WrittenFile,
)
from lms_pipeline.demo.generator.writer import header

__all__ = [
    "EMPTY",
    "GRADES",
    "HEADER_ONLY",
    "LMS_NAMES",
    "SECTION_RENAMED",
    "SHARED_EMAIL",
    "STUDENT_MISSING_FROM_SIS",
    "TEACHER_WITH_STUDENT_IDENTITY",
    "District",
    "Enrolment",
    "Mismatch",
    "ResourceCount",
    "SisSection",
    "Student",
    "WrittenFile",
    "generate_district",
    "header",
]
