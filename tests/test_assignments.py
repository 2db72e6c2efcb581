"""nbgrader releases, the tamper check, and a graded class (that one: ``make test-grading``).

A class of three students hands in the two shortest lessons (00 and 01): alice the full
solutions, bob the untouched release, carol a notebook 00 whose first cell sleeps forever
(and a solved notebook 01). Grading runs each submission in its own kernel under the ci
profile with a short per-cell time limit.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import pytest

pytest.importorskip("nbgrader")
nbformat = pytest.importorskip("nbformat")

from musiclib.assignments import (  # noqa: E402
    CSV_COLUMNS,
    build_releases,
    check_submission,
    grade_class,
    lesson_notebook,
)
from musiclib.errors import GradingError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ("00_welcome", "01_music_as_data")
CELL_TIMEOUT = 30  # seconds; the slowest cell of lessons 00-01 takes about 5 s under ci


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    paths = build_releases(ROOT / "notebooks", out, course_dir=out.parent / "course", only=list(LESSONS))
    return {p.stem: nbformat.read(p, as_version=4) for p in paths}


def _solved(release, source):
    """The release with every solution cell (code and written answers) taken from the source."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]].source
    return nb


def test_release_has_no_solution_code_and_keeps_points(releases):
    nb = releases["01_music_as_data"]
    text = nbformat.writes(nb)
    assert "round(4 * (o + d))" not in text  # exercise 1.1's solution
    assert "BEGIN HIDDEN TESTS" not in text and 'answer is (b)' not in text
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert points == {"ex1_1": 3, "ex1_2": 2, "ex1_3": 1, "ex1_4": 2}
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_every_lesson_has_graded_exercises():
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        nb = lesson_notebook(source)
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert graded, f"{source.name} has no graded cell"
        assert all(c.metadata["nbgrader"]["points"] > 0 for c in graded), source.name


def test_a_changed_test_cell_is_reported(releases):
    nb = copy.deepcopy(releases["01_music_as_data"])
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_1")
    test.source = "print('[PASS] my_piano_roll')"
    assert check_submission(nb, releases["01_music_as_data"]) == [
        "graded cell 'ex1_1' was changed (graded with the course's version)"]


def test_points_changed_in_metadata_are_reported(releases):
    nb = copy.deepcopy(releases["00_welcome"])
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex0_1")
    test.metadata["nbgrader"]["points"] = 100
    assert check_submission(nb, releases["00_welcome"]) == [
        "graded cell 'ex0_1' was changed (graded with the course's version)"]


def test_another_notebook_is_not_this_lesson(releases):
    assert check_submission(releases["00_welcome"], releases["01_music_as_data"]) == [
        "not this lesson: none of its graded cells is in the notebook"]


def test_grading_a_missing_folder_names_it(tmp_path):
    with pytest.raises(GradingError, match="nowhere"):
        grade_class(tmp_path / "nowhere")


@pytest.mark.grading
@pytest.mark.timeout(900)
def test_a_class_of_three(releases, tmp_path):
    sources = {stem: lesson_notebook(ROOT / "notebooks" / f"{stem}.py") for stem in LESSONS}
    for stem in LESSONS:
        for student, nb in [("alice", _solved(releases[stem], sources[stem])), ("bob", releases[stem])]:
            (tmp_path / student).mkdir(exist_ok=True)
            nbformat.write(nb, tmp_path / student / f"{stem}.ipynb")
    (tmp_path / "carol").mkdir()
    hanging = copy.deepcopy(releases["00_welcome"])
    first = next(c for c in hanging.cells if c.cell_type == "code")
    first.source = "import time\n\nwhile True:\n    time.sleep(1)\n" + first.source
    nbformat.write(hanging, tmp_path / "carol" / "00_welcome.ipynb")
    nbformat.write(_solved(releases["01_music_as_data"], sources["01_music_as_data"]),
                   tmp_path / "carol" / "01_music_as_data.ipynb")

    results = grade_class(tmp_path, src_dir=ROOT / "notebooks", cell_timeout=CELL_TIMEOUT, log=lambda *_: None)

    with open(tmp_path / "grades.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == CSV_COLUMNS
        rows = list(reader)
    ids = {"00_welcome": ["ex0_1", "ex0_2"], "01_music_as_data": ["ex1_1", "ex1_2", "ex1_3", "ex1_4"]}
    for student in ("alice", "bob", "carol"):
        for stem in LESSONS:
            got = [r["exercise"] for r in rows if r["student"] == student and r["notebook"] == stem]
            assert got == ids[stem], (student, stem)
            assert (tmp_path / student / f"{stem}.feedback.html").stat().st_size > 1000

    def total(student, stem=None):
        return sum(float(r["points"] or 0) for r in rows if r["student"] == student and stem in (None, r["notebook"]))

    def most(student):
        return sum(float(r["max_points"]) for r in rows if r["student"] == student)

    # full solutions: every autograded exercise full marks, the written answer awaits the instructor
    for r in (r for r in rows if r["student"] == "alice"):
        assert r["points"] == ("" if r["exercise"] == "ex1_4" else r["max_points"]), r
    assert total("alice") == most("alice") - 2
    # the untouched release: at most half (in fact nothing)
    assert total("bob") <= most("bob") / 2
    assert total("bob") == 0
    # the hanging notebook is stopped and scores 0; carol's other notebook is graded in full
    status = {(r.student, r.notebook): r.status for r in results}
    first_code = next(k for k, c in enumerate(hanging.cells) if c.cell_type == "code") + 1
    assert status[("carol", "00_welcome")] == f"stopped: cell {first_code} ran longer than {CELL_TIMEOUT} s"
    assert total("carol", "00_welcome") == 0
    assert total("carol", "01_music_as_data") == 6
    assert not any(r.problems for r in results)
    report = (tmp_path / "grading_report.txt").read_text()
    assert "carol/00_welcome.ipynb: stopped" in report
