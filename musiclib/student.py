"""Make the student version of the notebooks: solutions out, outputs cleared.

In the instructor notebooks every exercise solution sits between two marker lines::

    def my_piano_roll(melody, low, high):
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

``python -m musiclib.student`` (``make student``) copies ``notebooks/NN_*.ipynb`` to
``notebooks/student/`` (or ``--out``), a folder that ``make lab`` serves, replacing each
marked block with ``raise NotImplementedError`` (indented like the block), clearing
outputs and dropping saved widget state, so the checkers print ``[FAIL] ... not
implemented yet`` until the learner writes the code. It never overwrites a file in
the output folder unless ``--overwrite`` is given.

Taught in: notebooks/00_welcome.ipynb
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path

from musiclib.errors import DataError, run_cli
from musiclib.fileio import atomic_write_text

__all__ = ["strip_solutions", "make_student_notebook", "main"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_MARK = re.compile(r"^(?P<indent>[ \t]*)### (?P<kind>BEGIN|END) SOLUTION\s*$")


def strip_solutions(source: str, *, where: str = "cell") -> str:
    """Replace every marked solution block in ``source`` with a placeholder.

    Raises
    ------
    DataError
        If markers are unbalanced or nested; the message names ``where`` and the line.

    Used by: musiclib.student
    """
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.split("\n"), 1):
        m = _MARK.match(line)
        if m and m["kind"] == "BEGIN":
            if inside:
                raise DataError(f"{where}, line {number}: '{BEGIN}' inside another solution block")
            inside = True
            indent = m["indent"]
            out.append(f"{indent}# YOUR CODE HERE")
            out.append(f'{indent}raise NotImplementedError("exercise: replace this line with your code")')
        elif m and m["kind"] == "END":
            if not inside:
                raise DataError(f"{where}, line {number}: '{END}' without a matching '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise DataError(f"{where}: '{BEGIN}' is never closed by '{END}'")
    return "\n".join(out)


def make_student_notebook(path: str | Path, out_dir: str | Path, *, overwrite: bool = False) -> tuple[Path, int]:
    """Write the student version of one notebook; return its path and the number of exercises.

    Used by: musiclib.student
    """
    src = Path(path)
    try:
        nb = json.loads(src.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"notebook {str(src)!r} cannot be read: {exc}") from exc
    blocks = 0
    for k, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        blocks += text.count(BEGIN)
        cell["source"] = strip_solutions(text, where=f"{src.name} cell {k}")
        cell["outputs"] = []
        cell["execution_count"] = None
    # Saved widget state would show controls with broken-link icons until a kernel runs.
    nb.get("metadata", {}).pop("widgets", None)
    target = Path(out_dir) / src.name
    atomic_write_text(target, json.dumps(nb, indent=1, ensure_ascii=False) + "\n", overwrite=overwrite)
    return target, blocks


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m musiclib.student [--src notebooks] [--out notebooks/student] [--overwrite]``.

    Used by: the command `python -m musiclib.student`
    """
    parser = argparse.ArgumentParser(prog="python -m musiclib.student", description=__doc__.split("\n")[0])
    parser.add_argument("--src", default="notebooks", help="folder with the instructor notebooks")
    parser.add_argument("--out", default="notebooks/student", help="folder for the student notebooks")
    parser.add_argument("--overwrite", action="store_true", help="replace existing student notebooks")
    args = parser.parse_args(argv)
    notebooks = sorted(Path(args.src).glob("[0-9][0-9]_*.ipynb"))

    def convert() -> None:
        if not notebooks:
            raise DataError(f"folder {args.src!r} holds no NN_*.ipynb notebooks")
        for nb in notebooks:
            target, n = make_student_notebook(nb, args.out, overwrite=args.overwrite)
            print(f"{target}: {n} exercise(s)")

    return run_cli(convert)


if __name__ == "__main__":
    raise SystemExit(main())
