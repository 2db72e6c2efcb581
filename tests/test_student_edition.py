"""The student edition, nbgrader's release, runs top to bottom under the ci profile.

``make test-student`` first runs ``make assignments`` (``release/NN_name.ipynb``). Every
exercise's solution is replaced by ``raise NotImplementedError``; the checkers must turn
that into a ``[FAIL]`` line, so Run All ends without a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
RELEASE = ROOT / "release"


def _release(stem: str) -> Path:
    path = RELEASE / f"{stem}.ipynb"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make assignments` (make test-student does)")
    return path


@pytest.mark.student_run
@pytest.mark.parametrize("stem", LESSONS)
def test_release_has_no_widget_state_or_outputs(stem):
    path = _release(stem)
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in nb["metadata"], path.name
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), path.name
    assert "application/vnd.jupyter.widget" not in path.read_text(encoding="utf-8"), path.name


@pytest.mark.student_run
@pytest.mark.timeout(900)
@pytest.mark.parametrize("stem", LESSONS)
def test_student_notebook_runs_top_to_bottom(stem, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("MUSICLIB_PROFILE", "ci")
    monkeypatch.delenv("MUSICLIB_GRADING", raising=False)
    nb = nbformat.read(_release(stem), as_version=4)
    exercises = sum(1 for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"release of {stem} stops with a traceback:\n{str(exc)[-3000:]}")
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Traceback" not in printed
    if exercises:
        assert "[FAIL]" in printed, f"{stem} has {exercises} exercise(s) but no checker printed [FAIL]"
