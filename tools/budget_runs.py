"""Train the melody LSTM and the melody Transformer at matched budgets of process CPU seconds.

    python tools/budget_runs.py                          # 150, 300, 600 CPU s each; print, write nothing
    python tools/budget_runs.py --runs DIR               # keep the runs in DIR (a run found there is reused)
    python tools/budget_runs.py --runs DIR --ship        # also write musiclib/checkpoints/melody_budgets.json
    python tools/budget_runs.py --budgets 600 --seeds 1 2 --runs DIR --ship --add
                                                         # more seeds at one budget, added to that record

Both models get the same data (the shipped recipe: chorale sopranos in C, repeated, plus the
folk train splits), the same seed and the same stopping rule: training stops after the epoch
whose end passes the budget in CPU seconds of the training process (all its threads), or
earlier if validation has not improved for the model's patience. Both are evaluated by the same
code on the whole test pieces (``musiclib.models.melody.evaluate``). Runs go one at a time, so
no run's CPU seconds are inflated by another run competing for the cores.

The record (``--ship``) lists every run with its seed, command, epochs, CPU seconds and test
metrics, the position-aware n-gram's test figures as the baseline, and the commands that
reproduce it all (``commands``, in order). Notebook 08 plots it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from musiclib.fileio import atomic_write_text  # noqa: E402
from musiclib.pretrained import CHECKPOINT_DIR  # noqa: E402

BUDGETS = (150.0, 300.0, 600.0)
SEED = 2024
RECORD = CHECKPOINT_DIR / "melody_budgets.json"
MODELS = {
    # name: (metrics key in the run's record, command arguments before the budget)
    "lstm": ("lstm", ["melody", "--profile", "cpu", "--epochs", "100", "--max-seconds", "100000"]),
    "transformer": ("transformer", ["transformer", "--profile", "cpu"]),
}
BUDGET_OPTION = {"lstm": "--max-cpu-seconds", "transformer": "--seconds"}
METRICS = ("bits_per_step", "event_accuracy", "accuracy")


def command(model: str, budget: float, seed: int, out: Path) -> list[str]:
    """The training command of one run (``python -m musiclib.train ...``)."""
    return [sys.executable, "-m", "musiclib.train", *MODELS[model][1], BUDGET_OPTION[model], f"{budget:g}",
            "--seed", str(seed), "--out", str(out)]


def run_all(budgets: list[float], seeds: list[int], runs: Path) -> list[dict]:
    """Train (or reuse) every model at every budget and seed, one run at a time; one entry per run."""
    runs.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}
    entries = []
    for budget, seed, (model, (key, _)) in itertools.product(budgets, seeds, MODELS.items()):
        stem = f"{model}_{budget:g}s_seed{seed}"
        out = runs / f"{stem}.keras"
        cpu_file = runs / f"{stem}.cpu"
        if not out.with_suffix(".json").exists():
            print(f"training {model} for {budget:g} CPU s (log: {runs / (stem + '.log')})", flush=True)
            with open(runs / f"{stem}.log", "w", encoding="utf-8") as log:
                proc = subprocess.Popen(command(model, budget, seed, out), cwd=ROOT, env=env, stdout=log,
                                        stderr=subprocess.STDOUT)
                _, status, usage = os.wait4(proc.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{model} at {budget:g} s failed: see {runs / (stem + '.log')}")
            cpu_file.write_text(f"{usage.ru_utime + usage.ru_stime:.1f}\n", encoding="utf-8")
        rec = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        shown = ["python", *command(model, budget, seed, Path(f"{stem}.keras"))[1:]]
        entry = {"model": model, "budget_cpu_seconds": budget, "seed": seed, "command": " ".join(shown),
                 "epochs_run": rec["epochs_run"], "best_epoch": rec["best_epoch"],
                 "train_cpu_seconds": rec["train_cpu_seconds"], "train_seconds": rec["train_seconds"],
                 "test": {k: rec["test_metrics"][key][k] for k in METRICS}}
        if cpu_file.exists():
            entry["run_cpu_seconds"] = float(cpu_file.read_text())
        pos = [k for k in rec["test_metrics"] if k.endswith("_pos")]
        if pos:  # the LSTM command also fits the position-aware n-gram: the baseline of the comparison
            entry["ngram_pos"] = {"name": pos[0]} | {k: rec["test_metrics"][pos[0]][k] for k in METRICS}
        entries.append(entry)
        print(f"{model:<12} {budget:5.0f} CPU s, seed {seed}: {entry['epochs_run']:2d} epochs "
              f"({entry['train_cpu_seconds']:.0f} CPU s), test {entry['test']['bits_per_step']:.3f} bits/step, "
              f"event accuracy {entry['test']['event_accuracy']:.3f}", flush=True)
    return entries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budgets", type=float, nargs="+", default=list(BUDGETS), help="CPU seconds per run")
    ap.add_argument("--seeds", type=int, nargs="+", default=[SEED])
    ap.add_argument("--add", action="store_true",
                    help="with --ship: add these runs to the shipped record (a run of the same model, budget "
                         "and seed is replaced) instead of writing a new one")
    ap.add_argument("--runs", default=None, help="folder for the runs (default: a temporary one)")
    ap.add_argument("--ship", action="store_true", help=f"write {RECORD.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    if any(b <= 0 for b in args.budgets) or len(set(args.budgets)) != len(args.budgets):
        ap.error(f"argument --budgets: {args.budgets}; expected distinct positive numbers of CPU seconds")
    if len(set(args.seeds)) != len(args.seeds):
        ap.error(f"argument --seeds: {args.seeds} repeats a seed")
    if args.add and not (args.ship and RECORD.exists()):
        ap.error(f"argument --add: needs --ship and an existing {RECORD.name}")
    runs = Path(args.runs) if args.runs else Path(tempfile.mkdtemp(prefix="budget_runs_"))
    entries = run_all(sorted(args.budgets), args.seeds, runs)
    if args.ship:
        command = ("python tools/budget_runs.py --budgets " + " ".join(f"{b:g}" for b in sorted(args.budgets))
                   + (" --seeds " + " ".join(map(str, args.seeds)) if args.seeds != [SEED] else "")
                   + " --ship" + (" --add" if args.add else ""))
        if args.add:
            old = json.loads(RECORD.read_text(encoding="utf-8"))
            new_keys = {(e["model"], e["budget_cpu_seconds"], e["seed"]) for e in entries}
            kept = [r for r in old["runs"] if (r["model"], r["budget_cpu_seconds"], r["seed"]) not in new_keys]
            entries = kept + entries
            commands = old.get("commands", [old["command"]]) + [command]
        else:
            commands = [command]
        entries.sort(key=lambda e: (e["budget_cpu_seconds"], e["seed"] != SEED, e["seed"], e["model"]))
        baseline = next((e["ngram_pos"] for e in entries if "ngram_pos" in e), None)
        if baseline is None and args.add:
            baseline = old["baseline"]
        record = {"kind": "melody_budgets", "record_version": 1,
                  "command": " && ".join(commands), "commands": commands,
                  "unit": "process CPU seconds of the training loop (all threads); training stops after the epoch "
                          "that passes the budget, or earlier on the validation patience",
                  "evaluation": "whole test pieces; bits = mean -log2 p; event accuracy = accuracy on note-on steps",
                  "baseline": baseline, "runs": [{k: v for k, v in e.items() if k != "ngram_pos"} for e in entries]}
        atomic_write_text(RECORD, json.dumps(record, indent=2, sort_keys=True) + "\n", overwrite=True)
        print(f"wrote {RECORD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
