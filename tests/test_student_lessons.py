"""The student release of every lesson can Run All: no exercise stops the notebook.

The releases are made by nbgrader (``musiclib.assignments.build_releases``, as in
``make assignments``; about 10 s for all lessons). Executing every one takes minutes
(``make test-student``), so this test checks statically what makes Run All end with a traceback: a stripped solution
whose ``raise NotImplementedError`` runs at the top level of a cell, or a learner
function called outside a checker (``check_function(name, f, ...)`` calls it inside its
own try; ``check(..., lambda: f(...))`` too; a bare ``f(x)`` in a cell, or one written
as a checker's argument, runs before any checker can catch what it raises).
"""

import ast
import json
import re
from pathlib import Path

import pytest

from musiclib.assignments import build_releases

ROOT = Path(__file__).resolve().parents[1]
STEMS = sorted(p.stem for p in ROOT.glob("notebooks/[0-9][0-9]_*.py"))


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    build_releases(ROOT / "notebooks", out, course_dir=out.parent / "course", only=STEMS)
    return out


def _cells(path):
    nb = json.loads(path.read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def _source_cells(stem):
    from musiclib.assignments import lesson_notebook

    return [c.source for c in lesson_notebook(ROOT / "notebooks" / f"{stem}.py").cells if c.cell_type == "code"]


def _defs_with_solutions(cells):
    names = set()
    for src in cells:
        if "### BEGIN SOLUTION" not in src:
            continue
        tree = ast.parse(re.sub(r"^%.*$", "", src, flags=re.M))
        names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return names


def _unsafe_calls(tree, exercise_functions):
    """Calls of exercise functions outside a def or lambda (arguments of a checker included:
    Python evaluates them before the checker runs)."""
    bad = []

    def visit(node):
        if isinstance(node, ast.FunctionDef | ast.Lambda | ast.AsyncFunctionDef):
            return  # runs later, inside the checker that calls it
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in exercise_functions:
            bad.append(node.func.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return bad


@pytest.mark.parametrize("stem", STEMS)
def test_student_version_has_no_top_level_raise(stem, releases):
    for student in _cells(releases / f"{stem}.ipynb"):
        tree = ast.parse(re.sub(r"^%.*$", "", student, flags=re.M))
        assert not any(isinstance(n, ast.Raise) for n in tree.body), f"{stem}: top-level raise:\n{student}"


@pytest.mark.parametrize("stem", STEMS)
def test_exercise_functions_are_only_called_inside_checkers(stem, releases):
    exercise_functions = _defs_with_solutions(_source_cells(stem))
    assert exercise_functions, f"{stem} has no exercise"
    for src in _cells(releases / f"{stem}.ipynb"):
        if "raise NotImplementedError" in src:
            continue  # a solution cell of the release
        tree = ast.parse(re.sub(r"^%.*$", "", src, flags=re.M))
        assert not _unsafe_calls(tree, exercise_functions), f"{stem}: bare call in:\n{src}"


def test_the_unsafe_call_finder_finds_a_bare_call():
    tree = ast.parse("x = f(1)\ncheck('a', lambda: f(2))\ncheck_function('b', f, [])\ny = check_close('c', f(3), 1)")
    # f(1) is bare; f(3) is evaluated before check_close runs; the lambda and the reference are safe
    assert _unsafe_calls(tree, {"f"}) == ["f", "f"]
