import json

import pytest

from musiclib.errors import DataError, FileExistsNoOverwriteError
from musiclib.student import main, make_student_notebook, strip_solutions

SOLVED = '''def f(x):
    """Double x."""
    ### BEGIN SOLUTION
    y = 2 * x
    return y
    ### END SOLUTION

print(f)'''


def test_strip_solutions_keeps_signature_and_indentation():
    out = strip_solutions(SOLVED)
    assert out.splitlines() == [
        "def f(x):",
        '    """Double x."""',
        "    # YOUR CODE HERE",
        '    raise NotImplementedError("exercise: replace this line with your code")',
        "",
        "print(f)",
    ]


def test_student_code_raises_not_implemented():
    namespace = {}
    exec(strip_solutions(SOLVED).replace("print(f)", ""), namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_unclosed_block_names_the_cell():
    with pytest.raises(DataError, match="nb cell 3.*never closed"):
        strip_solutions("### BEGIN SOLUTION\nx = 1", where="nb cell 3")


def test_end_without_begin_names_the_line():
    with pytest.raises(DataError, match="line 2"):
        strip_solutions("x = 1\n### END SOLUTION")


def _notebook(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Ex"},
            {"cell_type": "code", "metadata": {}, "execution_count": 3, "source": SOLVED,
             "outputs": [{"output_type": "stream", "name": "stdout", "text": "secret answer"}]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    path = tmp_path / "01_demo.ipynb"
    path.write_text(json.dumps(nb))
    return path


def test_student_notebook_has_no_solution_and_no_outputs(tmp_path):
    target, n = make_student_notebook(_notebook(tmp_path), tmp_path / "student")
    text = target.read_text()
    assert n == 1
    assert "2 * x" not in text and "secret answer" not in text
    assert "NotImplementedError" in text


def test_student_version_never_overwrites_without_flag(tmp_path):
    src = _notebook(tmp_path)
    out = tmp_path / "student"
    out.mkdir()
    (out / src.name).write_text("my own notes")
    with pytest.raises(FileExistsNoOverwriteError):
        make_student_notebook(src, out)
    assert (out / src.name).read_text() == "my own notes"


def test_every_course_notebook_converts(tmp_path, capsys):
    assert main(["--src", "notebooks", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 2 and all("exercise" in line for line in lines)
