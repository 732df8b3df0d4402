"""Grades (issue 17, point 4): loaded into lms.LMSGrade, each under its enrolment, and scoped to the section folder
of its file through that enrolment."""

from extracts import enrolment, grade, section, user, write

DAY1, DAY2, DAY3 = "2021-09-01-06-00-00", "2021-09-02-06-00-00", "2021-09-03-06-00-00"


def grades(query) -> dict[str, tuple]:
    """Every grade: (its enrolment, Grade, deleted)."""
    rows = query(
        "SELECT g.sourcesystemidentifier, a.sourcesystemidentifier, g.grade, g.deletedat IS NOT NULL "
        "FROM lms.lmsgrade g JOIN lms.lmsuserlmssectionassociation a "
        "ON a.lmsuserlmssectionassociationidentifier = g.lmsuserlmssectionassociationidentifier"
    )
    return {gid: (eid, letter, gone) for gid, eid, letter, gone in rows}


def two_sections(root, users=("U1", "U2")):
    """Sections S1 and S2, each with an enrolment E<section><n> of every user."""
    write(root, "users", [user(u) for u in users])
    write(root, "sections", [section("S1"), section("S2")])
    for sid in ("S1", "S2"):
        rows = [enrolment(f"E{sid}{n}", sid, u) for n, u in enumerate(users, 1)]
        write(root, "section-associations", rows, section=sid)


def test_grades_load_under_their_enrolment_and_change_with_a_later_file(tmp_path, load_tree, query):
    two_sections(tmp_path)
    write(tmp_path, "grades", [grade("G11", "ES11", "A"), grade("G12", "ES12", "B")], section="S1")
    write(tmp_path, "grades", [grade("G21", "ES21", "C", GradeType="Final")], section="S2")
    summary = load_tree(tmp_path)
    assert summary.resources["grades"].inserted == 3
    assert grades(query) == {"G11": ("ES11", "A", False), "G12": ("ES12", "B", False), "G21": ("ES21", "C", False)}
    assert query("SELECT gradetype FROM lms.lmsgrade WHERE sourcesystemidentifier = 'G21'") == [("Final",)]
    write(tmp_path, "grades", [grade("G11", "ES11", "B+"), grade("G12", "ES12", "B")], DAY2, section="S1")
    assert load_tree(tmp_path).resources["grades"].updated == 1
    assert grades(query)["G11"] == ("ES11", "B+", False)


def test_a_grade_missing_from_its_sections_file_is_soft_deleted_and_comes_back(tmp_path, load_tree, query):
    two_sections(tmp_path)
    write(tmp_path, "grades", [grade("G11", "ES11"), grade("G12", "ES12")], section="S1")
    write(tmp_path, "grades", [grade("G21", "ES21"), grade("G22", "ES22")], section="S2")
    load_tree(tmp_path)
    # S1's file no longer lists G12; S2's file, which lists none of S1's grades, deletes only its own G22.
    write(tmp_path, "grades", [grade("G11", "ES11")], DAY2, section="S1")
    write(tmp_path, "grades", [grade("G21", "ES21")], DAY2, section="S2")
    load_tree(tmp_path)
    assert {gid for gid, (_, _, gone) in grades(query).items() if gone} == {"G12", "G22"}
    write(tmp_path, "grades", [grade("G11", "ES11"), grade("G12", "ES12", "D")], DAY3, section="S1")
    assert load_tree(tmp_path).resources["grades"].undeleted == 1
    assert grades(query)["G12"] == ("ES12", "D", False)
    assert grades(query)["G22"][2]


def test_a_header_only_grades_file_empties_its_own_section_only(tmp_path, load_tree, query):
    two_sections(tmp_path)
    write(tmp_path, "grades", [grade("G11", "ES11")], section="S1")
    write(tmp_path, "grades", [grade("G21", "ES21")], section="S2")
    load_tree(tmp_path)
    write(tmp_path, "grades", [], DAY2, section="S1")
    load_tree(tmp_path)
    assert {gid: gone for gid, (_, _, gone) in grades(query).items()} == {"G11": True, "G21": False}


def test_a_grade_of_an_unknown_enrolment_or_of_another_sections_enrolment_is_quarantined(tmp_path, load_tree, query):
    two_sections(tmp_path)
    write(tmp_path, "grades", [grade("G21", "ES21")], section="S2")
    load_tree(tmp_path)
    # Line 3 names no enrolment the data store has; line 4 an enrolment in S2, and the key of S2's live grade.
    rows = [grade("G11", "ES11"), grade("G404", "E404"), grade("G21", "ES21", "F")]
    write(tmp_path, "grades", rows, DAY2, section="S1")
    summary = load_tree(tmp_path)
    assert summary.resources["grades"].quarantined == 2
    file, column = "section=S1/grades/2021-09-02-06-00-00.csv", "LMSUserLMSSectionAssociationSourceSystemIdentifier"
    unknown = "unknown enrolment 'E404' in this SourceSystem"
    elsewhere = "enrolment 'ES21' belongs to section 'S2' but the file is in the folder of section 'S1'"
    assert query("SELECT filepath, linenumber, columnname, checkname, value, reason FROM lms.quarantine") == [
        (file, 3, column, "unknown-parent", "E404", unknown),
        (file, 4, column, "scope", "ES21", elsewhere),
    ]
    # Neither is loaded, and S2's grade is neither changed nor, being listed, soft-deleted by S1's file.
    assert grades(query) == {"G11": ("ES11", "A", False), "G21": ("ES21", "A", False)}
    assert query(
        "SELECT rowsloaded, rowsquarantined FROM lms.processedfiles WHERE relativepath LIKE '%S1/grades%'"
    ) == [(1, 2)]


def test_the_mass_deletion_guard_holds_a_sections_grades(tmp_path, load_tree, query):
    users = [f"U{i:02}" for i in range(60)]
    two_sections(tmp_path, users)
    every = [grade(f"G{i:02}", f"ES1{i + 1}") for i in range(60)]
    write(tmp_path, "grades", every, section="S1")
    load_tree(tmp_path)
    write(tmp_path, "grades", every[:20], DAY2, section="S1")
    summary = load_tree(tmp_path)
    assert summary.resources["grades"].deletions_held == 40
    assert summary.held_files == ["section=S1/grades/2021-09-02-06-00-00.csv"]
    assert not any(gone for _, _, gone in grades(query).values())
    load_tree(tmp_path, allow_mass_delete=True)
    assert sum(gone for _, _, gone in grades(query).values()) == 40
