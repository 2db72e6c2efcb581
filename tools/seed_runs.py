"""Train the shipped melody models with more seeds and record their test metrics across seeds.

    python tools/seed_runs.py --seeds 1 2                  # train, print mean +- sd, write nothing
    python tools/seed_runs.py --seeds 1 2 --runs DIR       # keep the runs in DIR (a run found there is reused)
    python tools/seed_runs.py --seeds 1 2 --runs DIR --ship  # also write `seeds` into the shipped records

Each run is the shipped model's own training recipe with another ``--seed``, written
outside the package: the LSTM for 15 epochs (the ``cpu`` recipe), the Transformer with its
default budget of 660 process-CPU seconds, each then fine-tuned on the chorales alone
(``python -m musiclib.train finetune``), as the shipped ones were. Two runs train side by side.
With ``--ship`` the test
metrics of every run, the shipped seed first, go into ``musiclib/checkpoints/melody_lstm.json``
and ``melody_transformer.json`` under ``seeds``, with ``seeds_summary`` (mean and sample sd)
and ``seeds_command``; each entry keeps its figures before fine-tuning under
``test_pretrained``, and each extra seed's fine-tuned network is copied into the checkpoint
folder as ``melody_<network>_seed<k>.keras`` (its ``file``), for the ensemble of
:func:`musiclib.models.mixture.load_seed_ensemble`. The shipped networks are not touched.

Process CPU seconds of each run come from the operating system (``os.wait4``): the whole
command, n-gram fitting and evaluation included.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from musiclib.fileio import atomic_write_bytes, atomic_write_text  # noqa: E402
from musiclib.pretrained import CHECKPOINT_DIR  # noqa: E402

EPOCHS = 15
MODELS = {
    # name: (record file, metrics key, command arguments before --seed/--out)
    "lstm": ("melody_lstm.json", "lstm",
             ["melody", "--profile", "cpu", "--epochs", str(EPOCHS), "--max-seconds", "3600"]),
    "transformer": ("melody_transformer.json", "transformer", ["transformer", "--profile", "cpu"]),
}
METRICS = ("bits_per_step", "event_accuracy", "accuracy")
PARALLEL = 2


def _command(model: str, seed: int, out: Path) -> list[str]:
    return [sys.executable, "-m", "musiclib.train", *MODELS[model][2], "--seed", str(seed), "--out", str(out)]


def _entry(record: dict, model: str, seed: int, command: str, run_cpu: float | None) -> dict:
    key = MODELS[model][1]
    entry = {"seed": seed, "command": command, "epochs_run": record.get("epochs_run"),
             "best_epoch": record.get("best_epoch"),
             "test": {k: record["test_metrics"][key][k] for k in METRICS}}
    if f"{key}_pretrained" in record["test_metrics"]:
        entry["test_pretrained"] = {k: record["test_metrics"][f"{key}_pretrained"][k] for k in METRICS}
        entry["fine_tune_best_epoch"] = record["fine_tune"]["best_epoch"]
    if "train_cpu_seconds" in record:
        entry["train_cpu_seconds"] = record["train_cpu_seconds"]
    if run_cpu is not None:
        entry["run_cpu_seconds"] = round(run_cpu, 1)
    return entry


def _finetune_command(model: str, seed: int, runs: Path) -> list[str]:
    return [sys.executable, "-m", "musiclib.train", "finetune", MODELS[model][1], "--from",
            str(runs / f"{model}_seed{seed}.keras"), "--out", str(runs / f"{model}_seed{seed}_ft.keras")]


def _run_all(jobs: list[tuple[str, list[str], Path]], env: dict) -> None:
    """Run (name, argv, stem) jobs, PARALLEL at a time; each writes stem.log and its CPU seconds to stem.cpu."""
    queue, running = list(jobs), {}

    def start() -> None:
        if queue:
            name, argv, stem = queue.pop(0)
            log = stem.with_suffix(".log")
            with open(log, "w", encoding="utf-8") as out:  # the child keeps its own descriptor
                proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            running[proc.pid] = (name, stem)
            print(f"{name} (log: {log})", flush=True)

    for _ in range(PARALLEL):
        start()
    while running:
        pid, status, usage = os.wait4(-1, 0)
        name, stem = running.pop(pid)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{name} failed: see {stem.with_suffix('.log')}")
        cpu = usage.ru_utime + usage.ru_stime
        stem.with_suffix(".cpu").write_text(f"{cpu:.1f}\n", encoding="utf-8")
        print(f"{name}: done, {cpu:.0f} CPU s", flush=True)
        start()


def run_seeds(seeds: list[int], runs: Path) -> dict[str, list[dict]]:
    """Train (or reuse) every model for every seed, then fine-tune each; the entries per model, in seed order."""
    runs.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}
    _run_all([(f"training {m} seed {s}", _command(m, s, runs / f"{m}_seed{s}.keras"), runs / f"{m}_seed{s}")
              for m in MODELS for s in seeds if not (runs / f"{m}_seed{s}.json").exists()], env)
    _run_all([(f"fine-tuning {m} seed {s}", _finetune_command(m, s, runs), runs / f"{m}_seed{s}_ft")
              for m in MODELS for s in seeds if not (runs / f"{m}_seed{s}_ft.json").exists()], env)
    entries: dict[str, list[dict]] = {}
    for model, (record_file, _, _) in MODELS.items():
        shipped = json.loads((CHECKPOINT_DIR / record_file).read_text(encoding="utf-8"))
        rows = [_entry(shipped, model, int(shipped["seed"]), shipped["command"], None) | {"shipped": True}]
        for seed in seeds:
            rec = json.loads((runs / f"{model}_seed{seed}_ft.json").read_text(encoding="utf-8"))
            cpu = [runs / f"{model}_seed{seed}{tail}.cpu" for tail in ("", "_ft")]
            run_cpu = sum(float(f.read_text()) for f in cpu) if all(f.exists() for f in cpu) else None
            local = Path(f"{model}_seed{seed}")
            command = (" ".join(["python", *_command(model, seed, local.with_suffix(".keras"))[1:]])
                       + f" && python -m musiclib.train finetune {MODELS[model][1]} --from {local}.keras"
                       f" --out {local}_ft.keras")
            rows.append(_entry(rec, model, seed, command, run_cpu))
        entries[model] = rows
    return entries


def shipped_seed_record(record: dict, command: str, seeds_command: str) -> dict:
    """A seed run's fine-tuned record as shipped: its ``command`` names files relative to the
    working folder (the run wrote absolute paths of the machine it ran on) and
    ``seeds_command`` the tool that made it."""
    return record | {"command": command, "seeds_command": seeds_command}


def summary(rows: list[dict]) -> dict:
    """Mean and sample sd (ddof = 1) of each test metric over the runs."""
    out: dict = {"n": len(rows)}
    for k in METRICS:
        v = np.array([r["test"][k] for r in rows], dtype=float)
        out[k] = {"mean": round(float(v.mean()), 6), "sd": round(float(v.std(ddof=1)), 6) if len(v) > 1 else 0.0}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", required=True, help="extra seeds (the shipped one is kept)")
    ap.add_argument("--runs", default=None, help="folder for the runs (default: a temporary one)")
    ap.add_argument("--ship", action="store_true", help="write `seeds` into the shipped records")
    args = ap.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        ap.error(f"argument --seeds: {args.seeds} repeats a seed")
    runs = Path(args.runs) if args.runs else Path(tempfile.mkdtemp(prefix="seed_runs_"))
    entries = run_seeds(args.seeds, runs)
    seeds_command = "python tools/seed_runs.py --seeds " + " ".join(map(str, args.seeds)) + " --ship"
    for model, rows in entries.items():
        s = summary(rows)
        print(f"{model}: " + ", ".join(f"{k} {s[k]['mean']:.3f} +- {s[k]['sd']:.3f}" for k in METRICS)
              + f" over seeds {[r['seed'] for r in rows]}")
        if args.ship:
            for row in rows[1:]:  # each seed's fine-tuned network ships beside the shipped one (the ensemble)
                stem = f"melody_{MODELS[model][1]}_seed{row['seed']}"
                src = runs / f"{model}_seed{row['seed']}_ft"
                atomic_write_bytes(CHECKPOINT_DIR / (stem + ".keras"), src.with_suffix(".keras").read_bytes(),
                                   overwrite=True)
                seed_record = shipped_seed_record(json.loads(src.with_suffix(".json").read_text(encoding="utf-8")),
                                                  row["command"], seeds_command)
                atomic_write_text(CHECKPOINT_DIR / (stem + ".json"),
                                  json.dumps(seed_record, indent=2, sort_keys=True) + "\n", overwrite=True)
                row["file"] = stem + ".keras"
            path = CHECKPOINT_DIR / MODELS[model][0]
            record = json.loads(path.read_text(encoding="utf-8"))
            record |= {"seeds": rows, "seeds_summary": s,
                       "seeds_command": seeds_command}
            atomic_write_text(path, json.dumps(record, indent=2, sort_keys=True) + "\n", overwrite=True)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
