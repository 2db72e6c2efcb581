"""Tiny helper the notebook sources use to write ``.ipynb`` files.

Each ``notebooks/src/build_NN_name.py`` lists its cells with :func:`md` and :func:`code`
and calls :func:`write`. The committed, executed ``.ipynb`` is what learners open;
the sources keep lessons readable and diffable. Workflow after editing a source::

    python notebooks/src/build_01_music_as_data.py   # writes the notebook, no outputs
    make course                                      # executes every notebook in place

Exercise solutions sit between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines;
``python -m musiclib.student`` writes the student version without them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent


def md(text: str) -> nbformat.NotebookNode:
    """A markdown cell (indentation and surrounding blank lines removed)."""
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(src: str, *tags: str) -> nbformat.NotebookNode:
    """A code cell, optionally tagged."""
    cell = nbformat.v4.new_code_cell(textwrap.dedent(src).strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def write(name: str, cells: list[nbformat.NotebookNode]) -> Path:
    """Write ``notebooks/<name>`` with stable cell ids (``cell-000``, ...)."""
    nb = nbformat.v4.new_notebook()
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:03d}"
    nb.cells = cells
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11"}
    nbformat.validate(nb)
    path = NOTEBOOKS / name
    nbformat.write(nb, path)
    return path


class Lesson:
    """Collect cells in order, then write them: an alternative to building a list.

    ::

        lesson = Lesson("03_rnn_hidden_state_math.ipynb")
        md, code = lesson.md, lesson.code
        md("# Title")
        code("x = 1")
        lesson.write()
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.cells: list[nbformat.NotebookNode] = []

    def md(self, text: str) -> None:
        self.cells.append(md(text))

    def code(self, src: str, *tags: str) -> None:
        self.cells.append(code(src, *tags))

    def write(self) -> Path:
        return write(self.name, self.cells)
