"""The student edition runs top to bottom under the ci profile (``make test-student``).

Every exercise's solution is replaced by ``raise NotImplementedError``; the checkers must
turn that into a ``[FAIL]`` line, so Run All ends without a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from musiclib.student import make_student_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_student_copies_have_no_widget_state_or_outputs(tmp_path):
    for nb_path in NOTEBOOKS:
        target, _ = make_student_notebook(nb_path, tmp_path)
        nb = json.loads(target.read_text(encoding="utf-8"))
        assert "widgets" not in nb["metadata"], target.name
        assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), target.name
        assert "application/vnd.jupyter.widget" not in target.read_text(encoding="utf-8"), target.name


@pytest.mark.student_run
@pytest.mark.timeout(900)
@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_runs_top_to_bottom(nb_path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("MUSICLIB_PROFILE", "ci")
    target, exercises = make_student_notebook(nb_path, tmp_path)
    nb = nbformat.read(target, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"student copy of {nb_path.name} stops with a traceback:\n{str(exc)[-3000:]}")
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Traceback" not in printed
    if exercises:
        assert "[FAIL]" in printed, f"{nb_path.name} has {exercises} exercise(s) but no checker printed [FAIL]"
