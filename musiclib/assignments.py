"""Graded assignments with nbgrader: the student release of every lesson, and a class graded.

The lessons are the assignments. Each exercise of ``notebooks/NN_name.py`` carries nbgrader
cell metadata (kept by jupytext): a *solution* cell whose code between the solution
markers is the answer, a locked *graded test* cell with its points (the ``[PASS]`` /
``[FAIL]`` checker, sometimes followed by hidden tests), and for open questions a
*manually graded answer* cell holding the answer notes and the rubric.

``python -m musiclib.assignments release`` (``make assignments``) fills an nbgrader course
directory in ``_build/nbgrader`` (``source/NN_name/NN_name.ipynb`` made from the lesson
source, an ``nbgrader_config.py`` and a ``gradebook.db``), runs nbgrader's
``generate_assignment`` on every lesson and copies each release to ``release/NN_name.ipynb``:
no solution code, no hidden tests, no outputs, graded cells carrying their points.

``python -m musiclib.assignments grade DIR`` (``make grade SUBMISSIONS=DIR``) grades
``DIR/<student>/<NN_name>.ipynb``:

- the file must be a lesson of this course: its name is a lesson's and it holds that
  lesson's graded cells; a graded test cell that differs from the release (source,
  points or id) is reported as tampered and replaced by the course's own version, which
  is the one that runs (with the hidden tests);
- each submission runs in a new kernel, in its own empty working folder, under the
  ``ci`` profile, with ``MUSICLIB_GRADING=1`` (a failing checker raises, so the test cell
  shows an error) and HTTP(S) sent to a dead proxy (grading works offline);
- a cell that runs longer than ``cell_timeout`` seconds (120 by default) stops that
  submission (the report names the cell, counting every cell from 1); a kernel that dies
  stops it too. Its exercises not run get 0 points, its
  rows are written, and the next submission is graded;
- a graded test cell earns its points when it ends without an error; a manually graded
  answer left as released gets 0, an edited one is left blank for the instructor.

It writes ``DIR/grades.csv`` (``student,notebook,exercise,points,max_points``),
``DIR/<student>/<NN_name>.feedback.html`` per submission and ``DIR/grading_report.txt``
(one line per submission: graded, stopped, tampered, not a lesson).

Used by: the commands `make assignments`, `make grade` and `make test-student`
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from musiclib.errors import DataError, GradingError, run_cli
from musiclib.fileio import atomic_write_text

__all__ = [
    "CODE_STUB",
    "GradeRow",
    "SubmissionResult",
    "lesson_sources",
    "lesson_notebook",
    "build_releases",
    "check_submission",
    "grade_submission",
    "grade_class",
    "main",
]

CODE_STUB = '# YOUR CODE HERE\nraise NotImplementedError("exercise: replace this line with your code")'
COURSE_ID = "aigc-music"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CSV_COLUMNS = ("student", "notebook", "exercise", "points", "max_points")
_DEAD_PROXY = "http://127.0.0.1:9"


# --------------------------------------------------------------------------- sources


def lesson_sources(src_dir: str | Path = "notebooks", only: Sequence[str] | None = None) -> list[Path]:
    """The lesson sources ``NN_name.py`` in ``src_dir`` (all, or the stems or numbers in ``only``).

    Raises
    ------
    GradingError
        If the folder holds no lesson source, or a name in ``only`` is not a lesson.

    Used by: musiclib.assignments
    """
    folder = Path(src_dir)
    sources = sorted(folder.glob("[0-9][0-9]_*.py"))
    if not sources:
        raise GradingError(f"folder {str(folder)!r} holds no lesson source NN_name.py")
    if not only:
        return sources
    chosen = []
    for name in only:
        match = [s for s in sources if s.stem == name or s.stem[:2] == name]
        if not match:
            raise GradingError(f"argument 'only': {name!r} is not a lesson in {str(folder)!r} "
                               f"(lessons: {', '.join(s.stem for s in sources)})")
        chosen += match
    return chosen


def _jupytext_config(folder: Path) -> Any:
    from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file

    found = find_jupytext_configuration_file(str(folder))
    return load_jupytext_configuration_file(found) if found else None


def lesson_notebook(source: str | Path) -> Any:
    """The instructor notebook of a lesson, read from its paired ``.py`` source.

    Cells, their nbgrader metadata and the lesson's ``musiclib`` metadata come from the
    source; there are no outputs; the kernel is ``python3``.

    Raises
    ------
    GradingError
        If the source cannot be read.

    Used by: musiclib.assignments
    """
    import jupytext

    path = Path(source)
    try:
        nb = jupytext.read(path, config=_jupytext_config(path.parent))
    except (OSError, ValueError) as exc:
        raise GradingError(f"lesson source {str(path)!r} cannot be read: {exc}") from exc
    nb.metadata.pop("jupytext", None)  # a release is a plain notebook, paired with nothing
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def _nbgrader_config(course_dir: Path) -> Any:
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(course_dir)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = f"sqlite:///{course_dir / 'gradebook.db'}"
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    config.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    config.Exchange.root = str(course_dir / "exchange")  # not /usr/local/share (unwritable, unused here)
    return config


_CONFIG_FILE = f'''# nbgrader configuration of the course (written by `make assignments`).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{COURSE_ID}"
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.Execute.timeout = 120
'''


def build_releases(
    src_dir: str | Path = "notebooks",
    out_dir: str | Path = "release",
    *,
    course_dir: str | Path = "_build/nbgrader",
    only: Sequence[str] | None = None,
) -> list[Path]:
    """Write the nbgrader student release of each lesson to ``out_dir/NN_name.ipynb``.

    Each lesson's ``source/`` and ``release/`` folders in the course directory are rebuilt
    from its lesson source, so the release depends on nothing else; the gradebook and
    nbgrader's other folders (``submitted/``, ...) are kept. Files in ``out_dir`` are
    replaced: ``release/`` is a build product.

    Raises
    ------
    GradingError
        If nbgrader refuses a lesson (the message carries nbgrader's log).

    Used by: musiclib.assignments
    """
    import nbformat
    from nbgrader.apps import NbGraderAPI

    sources = lesson_sources(src_dir, only)
    course = Path(course_dir).resolve()
    (course / "exchange").mkdir(parents=True, exist_ok=True)
    atomic_write_text(course / "nbgrader_config.py", _CONFIG_FILE, overwrite=True)
    for source in sources:
        # only this lesson's source and release are rebuilt: gradebook.db and any
        # submitted/ or autograded/ folders of nbgrader's own workflow are kept
        for step in ("source", "release"):
            shutil.rmtree(course / step / source.stem, ignore_errors=True)
        target = course / "source" / source.stem / f"{source.stem}.ipynb"
        target.parent.mkdir(parents=True)
        atomic_write_text(target, nbformat.writes(lesson_notebook(source)) + "\n", overwrite=True)
    # nbgrader runs the `alembic` command to set up its gradebook: it must be on PATH even
    # when this runs as .venv/bin/python without an activated venv.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    api = NbGraderAPI(config=_nbgrader_config(course))
    written = []
    for source in sources:
        result = api.generate_assignment(source.stem, force=True, create=True)
        if not result.get("success"):
            raise GradingError(f"nbgrader generate_assignment failed for lesson {source.stem!r}:\n"
                               f"{result.get('error') or ''}{result.get('log') or ''}")
        built = course / "release" / source.stem / f"{source.stem}.ipynb"
        target = Path(out_dir) / built.name
        atomic_write_text(target, built.read_text(encoding="utf-8"), overwrite=True)
        written.append(target)
    return written


# --------------------------------------------------------------------------- checking


def _nbgrader(cell: Any) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) and "grade_id" in meta else {}


def _graded_cells(nb: Any) -> dict[str, Any]:
    """grade_id -> cell for the cells that carry points (tests and manual answers)."""
    return {_nbgrader(c)["grade_id"]: c for c in nb.cells if _nbgrader(c).get("grade")}


def _is_test(cell: Any) -> bool:
    meta = _nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def check_submission(submission: Any, release: Any) -> list[str]:
    """What is wrong with a submitted notebook, compared with its release (empty: nothing).

    A graded test cell that is missing, or whose source, points or id differ from the
    release's (nbgrader's checksum), is named; a notebook holding none of the release's
    graded cells is not that lesson.

    Used by: musiclib.assignments
    """
    from nbgrader.utils import compute_checksum

    problems = []
    released = {k: c for k, c in _graded_cells(release).items() if _is_test(c)}
    by_id = {}
    for cell in submission.cells:
        meta = _nbgrader(cell)
        if meta:
            by_id.setdefault(meta["grade_id"], cell)
    if released and not set(released) & set(by_id):
        return ["not this lesson: none of its graded cells is in the notebook"]
    for grade_id, cell in released.items():
        got = by_id.get(grade_id)
        if got is None:
            problems.append(f"graded cell {grade_id!r} is missing")
            continue
        try:
            same = compute_checksum(got) == _nbgrader(cell).get("checksum", compute_checksum(cell))
        except (KeyError, TypeError, ValueError):
            same = False
        if not same:
            problems.append(f"graded cell {grade_id!r} was changed (graded with the course's version)")
    return problems


# --------------------------------------------------------------------------- grading


@dataclass
class GradeRow:
    """One line of ``grades.csv``; ``points`` is None while a manual answer awaits grading.

    Used by: musiclib.assignments
    """

    student: str
    notebook: str
    exercise: str
    points: float | None
    max_points: float


@dataclass
class SubmissionResult:
    """The rows, the status line and the problems found for one submission.

    Used by: musiclib.assignments
    """

    student: str
    notebook: str
    rows: list[GradeRow] = field(default_factory=list)
    status: str = "graded"
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    executed: Any = None


def _graded_notebook(submission: Any, source: Any) -> Any:
    """The submission with every graded test cell replaced by the course's (hidden tests included)."""
    nb = copy.deepcopy(submission)
    tests = {k: c for k, c in _graded_cells(source).items() if _is_test(c)}
    for k, cell in enumerate(nb.cells):
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in tests:
            nb.cells[k] = copy.deepcopy(tests[grade_id])
        if nb.cells[k].cell_type == "code":
            nb.cells[k].outputs = []
            nb.cells[k].execution_count = None
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return nb


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "MUSICLIB_PROFILE": "ci", "MUSICLIB_GRADING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow",
        "PYTHONHASHSEED": "0",
        "HTTP_PROXY": _DEAD_PROXY, "HTTPS_PROXY": _DEAD_PROXY, "http_proxy": _DEAD_PROXY, "https_proxy": _DEAD_PROXY,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    })
    return env


def _execute(nb: Any, cell_timeout: float, workdir: Path) -> tuple[str, set[int]]:
    """Run ``nb`` in place in a new kernel; return "graded" or why it stopped, and the cells that ran."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                            shutdown_kernel="immediate", resources={"metadata": {"path": str(workdir)}})
    index, ran = -1, set()
    try:
        # the kernel's own stderr (IPKernelApp's start-up warnings) is not the submission's output
        with client.setup_kernel(env=_kernel_env(), stderr=subprocess.DEVNULL):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
                    ran.add(index)
    except CellTimeoutError:
        return f"stopped: cell {index + 1} ran longer than {cell_timeout:g} s", ran
    except DeadKernelError:
        return f"stopped: the kernel died in cell {index + 1}", ran
    except Exception as exc:  # a kernel that cannot start, a broken message: only this submission
        reason = str(exc).splitlines()[0] if str(exc) else ""
        return f"stopped in cell {index + 1}: {type(exc).__name__}: {reason}", ran
    return "graded", ran


def _test_points(cell: Any, max_points: float) -> float:
    # nbgrader's rule for autograded cells, without its stderr rule (warnings are not failures)
    if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
        return 0.0
    return max_points


def grade_submission(
    path: str | Path, student: str, source: Any, release: Any, *, cell_timeout: float = 120.0
) -> SubmissionResult:
    """Check and run one submitted notebook; one row per graded cell of its lesson.

    Used by: musiclib.assignments
    """
    import nbformat
    from nbgrader.utils import compute_checksum

    path = Path(path)
    result = SubmissionResult(student, path.stem)
    graded = _graded_cells(source)
    released = _graded_cells(release)

    def zero_rows() -> list[GradeRow]:
        return [GradeRow(student, path.stem, g, 0.0, float(_nbgrader(c)["points"])) for g, c in graded.items()]

    try:
        submission = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook: this submission only
        result.status, result.rows = f"not graded: {path.name} cannot be read as a notebook ({exc})", zero_rows()
        return result
    result.problems = check_submission(submission, release)
    if result.problems and result.problems[0].startswith("not this lesson"):
        result.status, result.rows = "not graded: not this lesson of the course", zero_rows()
        return result
    nb = _graded_notebook(submission, source)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="musiclib-grade-") as work:
        result.status, ran = _execute(nb, cell_timeout, Path(work))
    result.seconds = time.perf_counter() - start
    result.executed = nb
    by_id = {}
    for k, cell in enumerate(nb.cells):
        if _nbgrader(cell):
            by_id.setdefault(_nbgrader(cell)["grade_id"], (k, cell))
    for grade_id, ref in graded.items():
        max_points = float(_nbgrader(ref)["points"])
        k, cell = by_id.get(grade_id, (-1, None))
        if cell is None:
            points: float | None = 0.0
        elif _is_test(ref):  # a test that never ran (the submission stopped before it) earns nothing
            points = _test_points(cell, max_points) if k in ran else 0.0
        else:  # a manually graded answer: 0 if left as released, else for the instructor
            answer = copy.deepcopy(cell)
            answer.metadata["nbgrader"] = dict(_nbgrader(released[grade_id]))
            points = 0.0 if compute_checksum(answer) == _nbgrader(released[grade_id]).get("checksum") else None
        result.rows.append(GradeRow(student, path.stem, grade_id, points, max_points))
    return result


def _fmt(points: float | None) -> str:
    return "" if points is None else f"{points:g}"


def _feedback_html(result: SubmissionResult) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    total = sum(r.points or 0.0 for r in result.rows)
    most = sum(r.max_points for r in result.rows)
    lines = [f"# Feedback: {result.notebook} ({result.student})", "",
             f"**{total:g} of {most:g} points** (written answers still to be graded count 0).",
             f"Status: {result.status}.",
             "", "| exercise | points | max |", "|---|---|---|"]
    lines += [f"| {r.exercise} | {_fmt(r.points) or 'to be graded'} | {r.max_points:g} |" for r in result.rows]
    if result.problems:
        lines += ["", "**Problems found:**", ""] + [f"- {p}" for p in result.problems]
    nb = copy.deepcopy(result.executed) if result.executed is not None else nbformat.v4.new_notebook()
    points = {r.exercise: r for r in result.rows}
    cells = [nbformat.v4.new_markdown_cell("\n".join(lines))]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "CheckFailedError":
                # the checker's [FAIL] line above says it all; the traceback would show library internals
                output["traceback"] = [f"{output['ename']}: {output.get('evalue', '')}"]
        cells.append(cell)
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in points and _nbgrader(cell).get("grade"):
            r = points[grade_id]
            cells.append(nbformat.v4.new_markdown_cell(
                f"**{grade_id}: {_fmt(r.points) or 'to be graded'} / {r.max_points:g} points**"))
    nb.cells = cells
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return body


def grade_class(
    submissions: str | Path,
    *,
    src_dir: str | Path = "notebooks",
    course_dir: str | Path | None = None,
    cell_timeout: float = 120.0,
    log: Any = None,
) -> list[SubmissionResult]:
    """Grade every ``submissions/<student>/<NN_name>.ipynb``; write grades.csv, feedback, report.

    ``log`` receives one line per submission as soon as it is graded (default: printed).

    Raises
    ------
    GradingError
        If ``submissions`` is not a folder or ``cell_timeout`` is not positive.

    Used by: musiclib.assignments
    """
    import nbformat

    if log is None:  # one line per submission, shown as soon as it is graded
        def log(line: str) -> None:
            print(line, flush=True)
    folder = Path(submissions)
    if not folder.is_dir():
        raise GradingError(f"argument 'submissions': {str(folder)!r} is not a folder")
    if not cell_timeout > 0:
        raise GradingError(f"argument 'cell_timeout' is {cell_timeout!r}; expected a number of seconds > 0")
    lessons = {s.stem: s for s in lesson_sources(src_dir)}
    found = sorted(p for p in folder.glob("*/*.ipynb") if not p.parent.name.startswith("."))
    wanted = sorted({p.stem for p in found if p.stem in lessons})
    results: list[SubmissionResult] = []
    with tempfile.TemporaryDirectory(prefix="musiclib-course-") as tmp:
        course = Path(course_dir) if course_dir is not None else Path(tmp) / "course"
        releases = Path(tmp) / "release"
        if wanted:
            build_releases(src_dir, releases, course_dir=course, only=wanted)
        sources = {stem: lesson_notebook(lessons[stem]) for stem in wanted}
        released = {stem: nbformat.read(releases / f"{stem}.ipynb", as_version=4) for stem in wanted}
        for path in found:
            student = path.parent.name
            if path.stem not in lessons:
                result = SubmissionResult(student, path.stem, status="not graded: not a lesson of this course")
            else:
                result = grade_submission(path, student, sources[path.stem], released[path.stem],
                                          cell_timeout=cell_timeout)
                atomic_write_text(path.with_suffix(".feedback.html"), _feedback_html(result), overwrite=True)
            results.append(result)
            earned = sum(r.points or 0.0 for r in result.rows)
            most = sum(r.max_points for r in result.rows)
            log(f"{student}/{path.name}: {earned:g}/{most:g} points; {result.status}"
                + "".join(f"; {p}" for p in result.problems))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in results:
        for r in result.rows:
            writer.writerow([r.student, r.notebook, r.exercise, _fmt(r.points), f"{r.max_points:g}"])
    atomic_write_text(folder / "grades.csv", out.getvalue(), overwrite=True)
    report = [f"{r.student}/{r.notebook}.ipynb: {r.status}" + "".join(f"; {p}" for p in r.problems)
              for r in results]
    atomic_write_text(folder / "grading_report.txt", "\n".join(report) + "\n", overwrite=True)
    return results


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m musiclib.assignments release|grade ...`` (see ``--help``).

    Used by: the commands `make assignments` and `make grade`
    """
    parser = argparse.ArgumentParser(prog="python -m musiclib.assignments", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="write the nbgrader student release of every lesson")
    rel.add_argument("--src", default="notebooks", help="folder with the lesson sources NN_name.py")
    rel.add_argument("--out", default="release", help="folder for the student notebooks")
    rel.add_argument("--course", default="_build/nbgrader", help="nbgrader course directory (rebuilt)")
    rel.add_argument("lessons", nargs="*", help="lesson names or numbers (default: all)")
    grade = sub.add_parser("grade", help="grade DIR/<student>/<NN_name>.ipynb")
    grade.add_argument("submissions", help="folder with one sub-folder per student")
    grade.add_argument("--src", default="notebooks", help="folder with the lesson sources NN_name.py")
    grade.add_argument("--cell-timeout", type=float, default=120.0, help="seconds per cell (default 120)")
    args = parser.parse_args(argv)

    def action() -> None:
        if args.command == "release":
            for path in build_releases(args.src, args.out, course_dir=args.course, only=args.lessons or None):
                print(path)
        else:
            results = grade_class(args.submissions, src_dir=args.src, cell_timeout=args.cell_timeout)
            if not results:
                raise DataError(f"folder {args.submissions!r} holds no <student>/<NN_name>.ipynb submission")
            print(f"wrote {Path(args.submissions) / 'grades.csv'} ({len(results)} submissions)")

    return run_cli(action)


if __name__ == "__main__":
    raise SystemExit(main())
