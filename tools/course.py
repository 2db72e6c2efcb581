"""Execute the course notebooks, enforce their time budgets, and put widgets at rest.

Used by: ``make course`` (and ``make notebooks-at-rest``). Not part of musiclib.

    python tools/course.py run [NOTEBOOK ...]   # execute in place under MUSICLIB_PROFILE=cpu,
                                                # record times, fail past a budget
    python tools/course.py rest [NOTEBOOK ...]  # only put saved widgets at rest
    python tools/course.py table                # rewrite README's timing table from the record

Budgets live in each notebook's metadata, ``{"musiclib": {"budget_seconds": N}}`` (the
paired .py keeps it in its header; see pyproject's ``notebook_metadata_filter``). Times
go to ``docs/notebook_times.json``; wall-clock seconds are checked against the budget,
CPU seconds (kernel included) are recorded beside them.

"At rest" means: a saved notebook carries no ipywidgets state and no widget views.
Without a running kernel JupyterLab draws each saved control with a red broken-link
icon; instead the cell shows one line saying the control needs a running kernel.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "docs" / "notebook_times.json"
README = ROOT / "README.md"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
AT_REST_TEXT = "[interactive control: run this cell in JupyterLab to use it (it needs a running kernel)]"
AT_REST_HTML = f"<p><i>{AT_REST_TEXT}</i></p>"
TABLE_START, TABLE_END = "<!-- notebook-times:start -->", "<!-- notebook-times:end -->"


def _notebooks(given: list[str]) -> list[Path]:
    return [Path(p) for p in given] if given else sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def at_rest(nb: dict) -> int:
    """Replace widget views by one line and drop saved widget state; return how many views."""
    n = 0
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if WIDGET_MIME in out.get("data", {}):
                n += 1
                out = type(out)(output_type="display_data", metadata={},
                                data={"text/html": AT_REST_HTML, "text/plain": AT_REST_TEXT})
            outputs.append(out)
        cell["outputs"] = outputs
    return n


def rest_file(path: Path) -> int:
    import nbformat

    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    had_state = "widgets" in nb.get("metadata", {})
    n = at_rest(nb)
    if n or had_state:
        nbformat.write(nb, path)
    return n


def budget_of(path: Path) -> float | None:
    meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    budget = meta.get("musiclib", {}).get("budget_seconds")
    return float(budget) if budget is not None else None


def run(paths: list[Path]) -> int:
    record = json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}
    env = dict(os.environ, MUSICLIB_PROFILE=os.environ.get("MUSICLIB_PROFILE", "cpu"))
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    over = []
    for path in paths:
        budget = budget_of(path)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([jupyter, "nbconvert", "--to", "notebook", "--execute", "--inplace",
                               "--ExecutePreprocessor.timeout=1200", "--log-level=WARN", str(path)], env=env)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if proc.returncode:
            print(f"{path.name}: execution failed", file=sys.stderr)
            return proc.returncode
        views = rest_file(path)
        record[path.stem] = {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
                             "budget_seconds": budget, "profile": env["MUSICLIB_PROFILE"],
                             "cores": os.cpu_count(), "machine": platform.machine(),
                             "date": _dt.date.today().isoformat()}
        verdict = "no budget set" if budget is None else ("within budget" if seconds <= budget else "OVER BUDGET")
        print(f"{path.name}: {seconds:.0f} s wall, {cpu:.0f} s CPU, budget {budget} s: {verdict}"
              + (f"; {views} widget view(s) put at rest" if views else ""))
        if budget is not None and seconds > budget:
            over.append(path.name)
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    table()
    if over:
        print(f"over budget: {', '.join(over)} (raise the budget in the notebook's metadata only with a reason)",
              file=sys.stderr)
        return 1
    return 0


def table() -> int:
    """Rewrite the README's notebook timing table from the record."""
    record = json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}
    rows = ["| notebook | budget | last run (wall) | CPU | profile, date |", "|---|---|---|---|---|"]
    for name, r in sorted(record.items()):
        budget = "-" if r.get("budget_seconds") is None else f"{r['budget_seconds'] / 60:.0f} min"
        rows.append(f"| `{name}` | {budget} | {r['seconds']:.0f} s | {r['cpu_seconds']:.0f} s | "
                    f"`{r['profile']}`, {r['cores']} cores, {r['date']} |")
    text = README.read_text(encoding="utf-8")
    if TABLE_START not in text:
        print(f"README.md has no {TABLE_START} marker; table not written", file=sys.stderr)
        return 1
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    README.write_text(head + TABLE_START + "\n" + "\n".join(rows) + "\n" + TABLE_END + tail, encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["run", "rest", "table"])
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(_notebooks(args.notebooks))
    if args.command == "rest":
        for path in _notebooks(args.notebooks):
            n = rest_file(path)
            print(f"{path.name}: {n} widget view(s) put at rest")
        return 0
    return table()


if __name__ == "__main__":
    raise SystemExit(main())
