"""tools/course.py: widgets at rest, budgets from metadata, the README timing table."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("course_tool", ROOT / "tools" / "course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)

WIDGET = {"output_type": "display_data", "metadata": {},
          "data": {"text/plain": "VBox(children=...)",
                   "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2}}}
TEXT = {"output_type": "stream", "name": "stdout", "text": "hello\n"}


def _nb(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["musiclib"] = {"budget_seconds": 90}
    cell = nbformat.v4.new_code_cell("w")
    cell.outputs = [nbformat.from_dict(TEXT), nbformat.from_dict(WIDGET)]
    nb.cells = [cell]
    path = tmp_path / "09_demo.ipynb"
    nbformat.write(nb, path)
    return path


def test_widget_views_are_replaced_by_one_line_and_state_dropped(tmp_path):
    path = _nb(tmp_path)
    assert course.rest_file(path) == 1
    nb = json.loads(path.read_text())
    assert "widgets" not in nb["metadata"]
    outs = nb["cells"][0]["outputs"]
    assert "".join(outs[0]["text"]) == "hello\n"
    assert "".join(outs[1]["data"]["text/plain"]) == course.AT_REST_TEXT
    assert "widget-view" not in path.read_text()
    assert course.rest_file(path) == 0  # idempotent


def test_budget_is_read_from_metadata(tmp_path):
    assert course.budget_of(_nb(tmp_path)) == 90.0


def test_every_course_notebook_has_a_budget_of_at_most_five_minutes():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        budget = course.budget_of(path)
        assert budget is not None and 0 < budget <= 300, path.name


def test_table_is_written_between_the_markers(tmp_path, monkeypatch):
    record = tmp_path / "times.json"
    record.write_text(json.dumps({"00_welcome": {"seconds": 12.3, "cpu_seconds": 20.0, "budget_seconds": 120,
                                                 "profile": "cpu", "cores": 2, "date": "2026-11-25"}}))
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{course.TABLE_START}\nold\n{course.TABLE_END}\noutro\n")
    monkeypatch.setattr(course, "RECORD", record)
    monkeypatch.setattr(course, "README", readme)
    assert course.table() == 0
    text = readme.read_text()
    assert "old" not in text and text.startswith("intro\n") and text.endswith("outro\n")
    assert "| `00_welcome` | 2 min | 12 s | 20 s | `cpu`, 2 cores, 2026-11-25 |" in text


def test_readme_has_the_table_markers():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert course.TABLE_START in text and course.TABLE_END in text


def test_nbval_compares_neither_widget_views_nor_their_placeholder():
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    root_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root_conftest)
    committed = [TEXT, {"output_type": "display_data", "metadata": {},
                        "data": {"text/plain": course.AT_REST_TEXT, "text/html": course.AT_REST_HTML}}]
    assert root_conftest._without_stderr([TEXT, WIDGET]) == root_conftest._without_stderr(committed) == [TEXT]


# JupyterLab renders these only for a trusted notebook; a freshly cloned one is not trusted,
# so such an output would show as its text/plain fallback ("<IPython.core.display.SVG object>").
UNTRUSTED_ONLY = {"image/svg+xml", "application/javascript", "text/javascript"}


def test_committed_outputs_render_in_an_untrusted_notebook():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            for out in cell.get("outputs", []):
                unsafe = UNTRUSTED_ONLY & set(out.get("data", {}))
                assert not unsafe, f"{path.name}, cell {i}: {sorted(unsafe)} is not shown until the notebook is trusted"
