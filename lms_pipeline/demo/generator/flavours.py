"""What each LMS's extractor writes differently, and the names, courses and topics a school is made of."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flavour:
    source_system: str
    school_id: int
    first_id: int  # identifiers are numbered from here; each LMS has its own range and length
    email_domain: str
    user_ids: bool  # Google writes no SISUserIdentifier and no LocalUserIdentifier: its users match by e-mail
    student_role: str
    staff_roles: tuple[str, ...]  # the first is the teachers'
    section_status: str
    terms: str  # the Term value of every section
    assignment_kinds: tuple[tuple[str, str], ...]  # (AssignmentCategory, SubmissionType) pairs
    statuses: dict[str, str]  # fate of a submission -> SubmissionStatus
    letter_grades: bool
    submission_id: str  # format of a submission's SourceSystemIdentifier


FLAVOURS = {
    "canvas": Flavour(
        source_system="Canvas",
        school_id=255901001,
        first_id=100_033_951,
        email_domain="canvas.gps.example.org",
        user_ids=True,
        student_role="student",
        staff_roles=("teacher", "principal", "ta"),
        section_status="",
        terms="255901001_2021-2022_Fall,255901001_2021-2022_Spring",
        assignment_kinds=(
            ("Assignment", "['online_upload']"),
            ("Assignment", "['online_text_entry', 'online_upload']"),
            ("Assignment", "['online_quiz']"),
            ("Assignment", "['discussion_topic']"),
        ),
        statuses={"on-time": "graded", "late": "late", "missing": "missing", "pending": "on-time"},
        letter_grades=True,
        submission_id="{n}",
    ),
    "schoology": Flavour(
        source_system="Schoology",
        school_id=255901044,
        first_id=2_385_758_954,
        email_domain="schoology.gps.example.org",
        user_ids=True,
        student_role="Student",
        staff_roles=("Teacher", "School Admin"),
        section_status="Active",
        terms="2021-2022 Fall Semester",
        assignment_kinds=(("Assignment", ""), ("Assessment", ""), ("Discussion", "")),
        statuses={"on-time": "on-time", "late": "late", "missing": "missing", "pending": "draft"},
        letter_grades=False,
        submission_id="{section}#{assignment}#{user}",
    ),
    "google": Flavour(
        source_system="Google",
        school_id=255901107,
        first_id=104_857_600_017_342_001,
        email_domain="classroom.gps.example.org",
        user_ids=False,
        student_role="Student",
        staff_roles=("Teacher",),
        section_status="ACTIVE",
        terms="",
        assignment_kinds=(
            ("ASSIGNMENT", "ASSIGNMENT"),
            ("SHORT_ANSWER_QUESTION", "SHORT_ANSWER_QUESTION"),
            ("MULTIPLE_CHOICE_QUESTION", "MULTIPLE_CHOICE_QUESTION"),
        ),
        statuses={"on-time": "RETURNED", "late": "LATE", "missing": "MISSING", "pending": "TURNED_IN"},
        letter_grades=False,
        submission_id="Cg4I{n}",
    ),
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Lisa Fannie Robert Kyle Mary Peter Larry Ana Omar Grace Hiro Noah Emma Liam Olivia Mateo Sofia Aiden Zoe Ethan "
    "Maya Lucas Chloe Owen Ava Elijah Mia Jayden Nora Caleb Leah Isaac Ruby Diego Hannah Felix Iris Jonah Talia Wes"
)
LAST_NAMES = _words(
    "Woods Medina McKee Hughes Archer Nash Mahoney Garcia Nguyen Patel Kim Okafor Rossi Silva Novak Jensen Cohen "
    "Dubois Tanaka Murphy Schmidt Haddad Ivanova Lopez Brennan Costa Fischer Moreau Park Quinn Reyes Stone Varga"
)
COURSES = (
    ("ALG1", "Algebra I"),
    ("ENG9", "English/Language Arts I (9th grade)"),
    ("BIO", "Biology"),
    ("WHIS", "World History"),
    ("CHEM", "Chemistry"),
    ("SPA1", "Spanish I"),
    ("ART", "Studio Art"),
    ("PHYS", "Physics"),
)
TOPICS = _words(
    "Foundations Equations Inequalities Functions Exponents Cells Genetics Ecosystems Empires Revolutions "
    "Reactions Bonding Vocabulary Essays Poetry Motion Energy Waves Portraits Perspective"
)
ATTENDANCE_STATUSES = ("Excused", "Unexcused", "Tardy")
SCHOOL_YEAR = 2022
SESSION_NAME = "2021-2022 Fall Semester"
SECTIONS_PER_TEACHER = 5
