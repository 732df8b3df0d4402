"""The reference's own sample trees load with the counts and soft deletes its sample-data criteria describe."""

import shutil


def counts(query, table):
    return query(
        f"SELECT count(*) FILTER (WHERE deletedat IS NULL), count(*) FILTER (WHERE deletedat IS NOT NULL) "
        f"FROM lms.{table}"
    )[0]


def is_deleted(query, table, ssi):
    return query(f"SELECT deletedat IS NOT NULL FROM lms.{table} WHERE sourcesystemidentifier = :s", s=ssi)[0][0]


def test_starter_kit_sample_loads_every_row(fixture_tree, load_tree, query):
    summary = load_tree(fixture_tree("starter-kit-sample"))
    assert counts(query, "lmsuser") == (49, 0)
    assert counts(query, "lmssection") == (6, 0)
    assert counts(query, "lmsuserlmssectionassociation") == (196, 0)
    assert counts(query, "assignment") == (24, 0)
    assert counts(query, "assignmentsubmission") == (901, 0)
    assert summary.total("quarantined") == 0 and summary.rejected_files == []


def test_sample_out_soft_deletes_and_restores_as_the_reference_describes(fixture_tree, load_tree, query):
    load_tree(fixture_tree("sample-out"))
    # AC39: user 1 dropped by the second file, back in the third; 99588912 added by the third
    assert not is_deleted(query, "lmsuser", "1") and not is_deleted(query, "lmsuser", "99588912")
    assert counts(query, "lmsuser") == (13, 0)
    # AC40: section 123456791 deleted on 09-18 and restored on 09-19 (its LMD in US format)
    assert not is_deleted(query, "lmssection", "123456791")
    assert query("SELECT lastmodifieddate::text FROM lms.lmssection WHERE sourcesystemidentifier = '123456791'") == [
        ("2020-09-19 00:01:00",)
    ]
    # AC41: 2942251003 deleted; the MaxPoints change of 2942251002 IS applied (values are compared, not the LMD)
    assert is_deleted(query, "assignment", "2942251003")
    assert query("SELECT maxpoints FROM lms.assignment WHERE sourcesystemidentifier = '2942251002'") == [(100,)]
    # AC42: attendance 2385758955-2020-08-29 deleted by the second file
    assert is_deleted(query, "lmsuserattendanceevent", "2385758955-2020-08-29")
    # AC43 on Linux too (the Assignment= folders are found): 236789157 deleted, 236789159 inserted
    assert is_deleted(query, "assignmentsubmission", "236789157")
    assert not is_deleted(query, "assignmentsubmission", "236789159")
    # AC44: all 9 system activities resolve their user
    assert counts(query, "lmssystemactivity") == (9, 0)
    # Issue 17: the two sections' grades files, which the reference never loaded (B15), each resolve their enrolments
    assert counts(query, "lmsgrade") == (8, 0)


def test_rerunning_an_unchanged_tree_changes_nothing(fixture_tree, load_tree, query):
    root = fixture_tree("sample-out")
    load_tree(root)
    before = query("SELECT * FROM lms.lmsuser ORDER BY 1")
    summary = load_tree(root)
    assert summary.resources == {}
    assert query("SELECT * FROM lms.lmsuser ORDER BY 1") == before


def test_one_changed_file_reprocesses_only_that_file(fixture_tree, load_tree, query):
    root = fixture_tree("starter-kit-sample")
    load_tree(root)
    path = root / "sections" / "2021-07-01-00-00-00.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("Algebra I,", "Algebra One,"), encoding="utf-8")
    summary = load_tree(root)
    assert list(summary.resources) == ["sections"]
    assert summary.resources["sections"].files == 1 and summary.resources["sections"].updated >= 1
    assert query("SELECT count(*) FROM lms.processedfiles") == [(34,)]


def test_moving_the_root_does_not_reload(fixture_tree, load_tree, tmp_path):
    root = fixture_tree("starter-kit-sample")
    load_tree(root)
    moved = shutil.move(str(root), str(tmp_path / "moved"))
    assert load_tree(moved).resources == {}
