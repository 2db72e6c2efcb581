"""Every numbered notebook has exactly one paired lesson source, and the two agree.

The source (``notebooks/NN_name.py``, jupytext percent format) is what contributors
edit and review; the ``.ipynb`` is what learners open. ``make notebooks`` syncs them.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CONFIG = load_jupytext_configuration_file(find_jupytext_configuration_file(str(ROOT / "notebooks")))


def test_pairing_is_configured_in_pyproject():
    assert find_jupytext_configuration_file(str(ROOT / "notebooks")) == str(ROOT / "pyproject.toml")
    assert CONFIG.formats in ("ipynb,py:percent", ["ipynb,py:percent"])


def test_every_numbered_notebook_is_found():
    assert len(NOTEBOOKS) >= 5


def test_every_source_has_its_notebook():
    sources = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert [s.stem for s in sources] == [n.stem for n in NOTEBOOKS]
    assert not list((ROOT / "notebooks").glob("[0-9][0-9]_*.md")), "one source format for all lessons"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_and_source_are_in_sync(notebook: Path):
    source = notebook.with_suffix(".py")
    assert source.exists(), f"{notebook.name} has no paired source {source.name}: run `make notebooks`"
    expected = jupytext.writes(jupytext.read(notebook), fmt="py:percent", config=CONFIG)
    assert source.read_text(encoding="utf-8") == expected, (
        f"{notebook.name} and {source.name} differ: run `make notebooks` (the newer file wins)"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_source_cells_equal_notebook_cells(notebook: Path):
    """Reading the source gives the notebook's cells, type and text, one for one."""
    cells = jupytext.read(notebook.with_suffix(".py"), config=CONFIG).cells
    ref = jupytext.read(notebook).cells
    assert [(c.cell_type, c.source) for c in cells] == [(c.cell_type, c.source) for c in ref]
