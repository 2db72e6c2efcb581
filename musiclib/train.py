"""Reproduce the course's pretrained checkpoints from the command line.

    python -m musiclib.train melody                 # the shipped melody LSTM (cpu profile, ~6 min)
    python -m musiclib.train melody --profile full  # longer training (GPU if present)
    python -m musiclib.train melody --midi-folder ~/my_midi --out my_melody.keras
    python -m musiclib.train gan --out my_gan.keras # the chorale-bar GAN (recipe: models.gan.GANRecipe)
    python -m musiclib.train gan --ship             # replace the shipped gan_generator.keras

``melody`` fits the n-gram baselines (orders 1..10, discount tuned on the validation
split), trains the LSTM (every melody moved to C major / A minor; the chorales plus the
folk collections' training tunes), evaluates both on the chorale test split and writes
``musiclib/checkpoints/melody_lstm.keras`` with its JSON record (seed, profile, dataset
hashes, data recipe, test metrics of every model). Checkpoints are written atomically
whenever validation improves, so an interrupted run keeps the last good one.

Taught in: notebooks/04_lstm_melody_generation.ipynb
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musiclib.config import DEFAULT_SEED, get_profile, quiet_tensorflow, seed_everything
from musiclib.errors import DataError, FileExistsNoOverwriteError, run_cli

__all__ = ["MELODY_RECIPE", "MELODY_DATA", "NGRAM_ORDERS", "train_melody", "train_gan", "format_table", "main"]

#: The LSTM recipe of the shipped checkpoint (epochs are for the ``cpu`` profile). Key-normalised
#: data, so no transposition augmentation: (0, 0) keeps every window in C major / A minor.
MELODY_RECIPE = {"embed_dim": 48, "position_dim": 8, "units": (128, 128), "dropout": 0.1, "window": 128,
                 "batch_size": 64, "learning_rate": 3e-3, "epochs": 15, "patience": 4, "transpose": (0, 0)}
#: The data recipe: every melody moved to C major / A minor (``to_c``); the LSTM also learns from
#: the training splits of the folk collections, with the chorale training split repeated
#: ``chorale_repeats`` times per epoch so that chorales keep their weight. The n-grams are fitted
#: on the chorale training split only: adding the folk tunes made them worse on validation.
MELODY_DATA = {"to_c": True, "folk": ("oneills", "han"), "chorale_repeats": 2}
NGRAM_ORDERS = tuple(range(1, 11))
NGRAM_DISCOUNTS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def _round(metrics: dict) -> dict:
    return {k: (round(float(v), 6) if isinstance(v, float) else v) for k, v in metrics.items()}


def format_table(test_metrics: dict[str, dict], names: Sequence[str] | None = None) -> str:
    """A plain-text table: model, bits per step, accuracy, note-event accuracy.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    names = list(names or test_metrics)
    lines = [f"{'model':<10} {'bits/step':>9} {'accuracy':>9} {'event acc':>9}"]
    for n in names:
        m = test_metrics[n]
        lines.append(f"{n:<10} {m['bits_per_step']:>9.3f} {m['accuracy']:>9.3f} {m['event_accuracy']:>9.3f}")
    return "\n".join(lines)


def _data_hash(entry: dict) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode("utf-8")).hexdigest()


def train_melody(
    out: str | Path | None = None,
    *,
    profile: str | None = None,
    seed: int = DEFAULT_SEED,
    epochs: int | None = None,
    midi_folder: str | Path | None = None,
    overwrite: bool = True,
    progress: bool = True,
) -> dict:
    """Fit the n-grams, train the LSTM, evaluate on the test split, write the checkpoint.

    Returns the JSON record written beside the checkpoint.

    Used by: musiclib.train
    """
    quiet_tensorflow()
    from musiclib.datasets import load_chorales, load_folk, split_of
    from musiclib.models.melody import LSTMConfig, MelodyData, evaluate, melody_data, midi_folder_sequences, train_lstm
    from musiclib.models.ngram import fit_best_ngram
    from musiclib.pretrained import MELODY_LSTM
    from musiclib.representation import MelodyVocabulary

    prof = get_profile(profile)
    seed_everything(seed)
    say = (lambda s: print(s, flush=True)) if progress else (lambda s: None)
    vocab = MelodyVocabulary()
    t0 = time.perf_counter()
    lstm_extra: list[MelodyData] = []
    if midi_folder is None:
        to_c = bool(MELODY_DATA["to_c"])
        corpus = load_chorales()
        train, valid, test = (melody_data(corpus, s, vocab, to_c=to_c) for s in ("train", "valid", "test"))
        folk_record = {}
        for name in MELODY_DATA["folk"]:
            folk = load_folk(name)
            lstm_extra.append(melody_data(folk, "train", vocab, to_c=to_c).subset(prof.data_fraction))
            folk_record[name] = {"pieces": len(lstm_extra[-1]), "steps": lstm_extra[-1].n_steps,
                                 "manifest_entry_sha256": _data_hash(folk.manifest)}
        data_record = {"corpus": "chorales", "part": "soprano",
                       "keys": "moved to C major / A minor (Piece.semitones_to_c)" if to_c else "as written",
                       "to_c": to_c,
                       "manifest_entry_sha256": _data_hash(corpus.manifest),
                       "file_sha256": corpus.manifest.get("sha256"),
                       "split": corpus.manifest.get("split"),
                       "lstm_extra_training": {
                           "folk_train_splits": folk_record,
                           "chorale_repeats": int(MELODY_DATA["chorale_repeats"]),
                           "note": "the LSTM trains on the chorale train split (repeated) plus the train "
                                   "splits of the folk collections; validation and test are chorales only"},
                       "ngram_training": "chorale train split only, same keys as the LSTM (adding the folk "
                                         "tunes made every order worse on validation)"}
    else:
        allx = midi_folder_sequences(midi_folder, vocab)
        parts = {}
        for s in ("train", "valid", "test"):
            keep = [i for i, name in enumerate(allx.ids) if split_of(name) == s]
            parts[s] = MelodyData([allx.tokens[i] for i in keep], [allx.positions[i] for i in keep],
                                  [allx.ids[i] for i in keep], vocab)
        if not len(parts["valid"]) or not len(parts["test"]):
            raise DataError(f"folder {str(midi_folder)!r} is too small for a train/valid/test split")
        train, valid, test = parts["train"], parts["valid"], parts["test"]
        data_record = {"corpus": f"midi folder {Path(midi_folder).name}", "pieces": len(allx), "to_c": False,
                       "manifest_entry_sha256": _data_hash({"ids": allx.ids, "steps": allx.n_steps})}
    train = train.subset(prof.data_fraction)
    lstm_train = train
    for _ in range(int(MELODY_DATA["chorale_repeats"]) - 1 if lstm_extra else 0):
        lstm_train = lstm_train + train
    for extra in lstm_extra:
        lstm_train = lstm_train + extra
    say(f"data: {len(train)} train / {len(valid)} valid / {len(test)} test pieces, "
        f"{train.n_steps} training steps; the LSTM sees {lstm_train.n_steps} per epoch with repeats and "
        f"extra data (profile {prof.name}, seed {seed})")

    # n-gram baselines, discount tuned on validation
    ngrams, valid_bits = fit_best_ngram(train.tokens, valid.tokens, NGRAM_ORDERS, NGRAM_DISCOUNTS, vocab)
    test_metrics: dict[str, dict] = {}
    for n, model in ngrams.items():
        test_metrics[model.name] = _round(evaluate(model, test)) | {"discount": model.discount,
                                                                    "valid_bits_per_step":
                                                                        round(valid_bits[(n, model.discount)], 6)}
    best_ngram = min(ngrams.values(), key=lambda m: valid_bits[(m.order, m.discount)]).name
    say(f"n-grams fitted in {time.perf_counter() - t0:.0f} s; best on validation: {best_ngram}")

    # the LSTM
    config = LSTMConfig(**MELODY_RECIPE)
    n_epochs = epochs if epochs is not None else prof.epochs(config.epochs)
    target = Path(out) if out is not None else MELODY_LSTM
    if target.exists() and not overwrite:
        raise FileExistsNoOverwriteError(
            f"checkpoint {str(target)!r} exists and overwrite=False (--no-overwrite); choose another --out"
        )
    result = train_lstm(lstm_train, valid, config, epochs=n_epochs, seed=seed, checkpoint=target,
                        progress=progress, log=say, max_seconds=prof.max_seconds)
    lstm_metrics = _round(evaluate(result.model, test))
    test_metrics = {"lstm": lstm_metrics} | test_metrics
    import keras
    import tensorflow as tf

    record = {
        "command": "python -m musiclib.train melody" + (f" --profile {prof.name}" if profile else "")
                   + (f" --seed {seed}" if seed != DEFAULT_SEED else "")
                   + (f" --epochs {epochs}" if epochs is not None else ""),
        "seed": seed,
        "profile": prof.name,
        "data": data_record,
        "train_pieces": len(train),
        "train_steps": train.n_steps,
        "lstm_train_steps": lstm_train.n_steps,
        "epochs_run": len(result.history.get("loss", [])),
        "epochs_planned": n_epochs,
        "best_epoch": result.best_epoch,
        "train_seconds": round(result.seconds, 1),
        "parameters": int(result.model.keras_model.count_params()),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
        "best_ngram": best_ngram,
        "test_metrics": test_metrics,
        "history_bits_per_step": {k: [round(x, 4) for x in v] for k, v in result.history.items()},
        "valid_metrics": {"lstm": _round(evaluate(result.model, valid)),
                          best_ngram: _round(evaluate(ngrams[int(best_ngram.split("_")[1])], valid))},
        "evaluation": "whole test pieces; step 0 predicted after a rest; bits = mean -log2 p; event accuracy "
                      "= accuracy on steps whose true token is a note-on",
    }
    result.model.save(target, overwrite=True, record=record)
    say(f"LSTM: {record['epochs_run']} epochs in {result.seconds:.0f} s (best epoch {result.best_epoch})")
    say(format_table(test_metrics, ["lstm", *[f"ngram_{n}" for n in NGRAM_ORDERS if f"ngram_{n}" in test_metrics]]))
    say(f"wrote {target} and {target.with_suffix('.json').name}")
    return record


def train_gan(out: str | Path, *, profile: str | None = None, seed: int = DEFAULT_SEED, epochs: int | None = None,
              n_eval: int = 2000, max_seconds: float | None = None, overwrite: bool = False,
              progress: bool = True) -> dict:
    """Train the roll GAN of :class:`musiclib.models.gan.GANRecipe`, evaluate it, write ``out`` and its record.

    The record's ``metrics`` hold one entry per set (``data`` = held-out bars, i.e. the
    validation and test splits, ``gan``, ``bernoulli``, ``random``), from
    :func:`musiclib.models.gan.evaluate_generator` on ``n_eval`` bars per set.

    Used by: main (python -m musiclib.train gan)
    """
    quiet_tensorflow()
    from musiclib.datasets import load_chorale_bars, read_manifest
    from musiclib.models.gan import BINARIZATIONS, GANRecipe, evaluate_generator, format_metrics_table, train_roll_gan
    from musiclib.pretrained import is_shipped

    prof = get_profile(profile)
    say = (lambda s: print(s, flush=True)) if progress else (lambda s: None)
    target = Path(out)
    if target.exists() and not overwrite:
        raise FileExistsNoOverwriteError(f"checkpoint {str(target)!r} exists; pass --overwrite or choose another --out")
    bars = load_chorale_bars()
    train, heldout = bars.of_split("train"), np.concatenate([bars.of_split("valid"), bars.of_split("test")])
    recipe = GANRecipe()
    n_epochs = epochs if epochs is not None else prof.epochs(recipe.epochs)
    budget = float(max_seconds) if max_seconds is not None else prof.max_seconds
    say(f"{len(train)} training bars, {len(heldout)} held-out; {n_epochs} epochs at most, "
        f"{budget:.0f} s budget (profile {prof.name}, seed {seed})")
    cpu0 = time.process_time()
    gen, result = train_roll_gan(train, recipe, epochs=n_epochs, seed=seed, max_seconds=budget,
                                 monitor_every=5, on_epoch=lambda e, logs: say(
                                     f"epoch {e + 1}: " + ", ".join(f"{k} {v:.3f}" for k, v in logs.items()))
                                 if (e + 1) % 5 == 0 else None)
    cpu = time.process_time() - cpu0
    metrics = evaluate_generator(gen, train, heldout, n=n_eval, seed=seed,
                                 methods=[m for m in BINARIZATIONS if m != recipe.binarization])
    entry = read_manifest()["files"]["chorale_bars.npz"]
    record = {
        "command": "python -m musiclib.train gan " + ("--ship" if is_shipped(target) else f"--out {target.name}")
                   + (f" --profile {prof.name}" if profile else "")
                   + (f" --seed {seed}" if seed != DEFAULT_SEED else "")
                   + (f" --epochs {epochs}" if epochs is not None else "")
                   + (f" --max-seconds {max_seconds:g}" if max_seconds is not None else ""),
        "seed": seed, "profile": prof.name, "eval_seed": seed, "n_eval": n_eval,
        "data": {"file": "chorale_bars.npz", "file_sha256": entry.get("sha256"), "train_bars": len(train),
                 "heldout_bars": len(heldout), "heldout": "valid + test splits (split by tune)"},
        "epochs_run": result.epochs_run, "epochs_planned": n_epochs, "train_seconds": round(result.seconds, 1),
        "train_cpu_seconds": round(cpu, 1),
        "history": {k: [round(x, 4) for x in v] for k, v in result.history.items()},
        "metrics": {k: _round(v) for k, v in metrics.items() if not k.startswith("gan_")},
        "binarization_comparison": {k: _round(v) for k, v in metrics.items() if k.startswith("gan")},
    }
    gen.save(target, overwrite=overwrite, record=record)
    say(format_metrics_table(metrics))
    say(f"{result.epochs_run} epochs in {result.seconds:.0f} s ({cpu:.0f} CPU s); wrote {target} and "
        f"{target.with_suffix('.json').name}")
    return gen.record


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m musiclib.train melody [--profile] [--epochs] [--out] [--midi-folder]``.

    Used by: the command `python -m musiclib.train`
    """
    parser = argparse.ArgumentParser(prog="python -m musiclib.train", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    m = sub.add_parser("melody", help="n-gram baselines + melody LSTM on chorale sopranos")
    m.add_argument("--profile", choices=["ci", "cpu", "full"], default=None,
                   help="default: $MUSICLIB_PROFILE or cpu")
    m.add_argument("--seed", type=int, default=DEFAULT_SEED)
    m.add_argument("--epochs", type=int, default=None, help="override the profile's epoch count")
    m.add_argument("--out", default=None, help="checkpoint path (.keras); default: the shipped one")
    m.add_argument("--midi-folder", default=None, help="train on a folder of MIDI files instead of the chorales")
    m.add_argument("--no-overwrite", action="store_true", help="refuse to replace an existing checkpoint")
    m.add_argument("--quiet", action="store_true")
    g = sub.add_parser("gan", help="the DCGAN on one-bar chorale piano rolls")
    g.add_argument("--profile", choices=["ci", "cpu", "full"], default=None, help="default: $MUSICLIB_PROFILE or cpu")
    g.add_argument("--seed", type=int, default=DEFAULT_SEED)
    g.add_argument("--epochs", type=int, default=None, help="override the profile's epoch count")
    where = g.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", default=None, help="checkpoint path (.keras) to write")
    where.add_argument("--ship", action="store_true", help="replace the shipped checkpoints/gan_generator.keras")
    g.add_argument("--max-seconds", type=float, default=None, help="override the profile's time budget")
    g.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    g.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.what == "gan":
        from musiclib.pretrained import CHECKPOINT_DIR

        out = CHECKPOINT_DIR / "gan_generator.keras" if args.ship else args.out
        return run_cli(lambda: train_gan(out, profile=args.profile, seed=args.seed, epochs=args.epochs,
                                         max_seconds=args.max_seconds,
                                         overwrite=args.overwrite or args.ship, progress=not args.quiet))
    return run_cli(lambda: train_melody(args.out, profile=args.profile, seed=args.seed, epochs=args.epochs,
                                        midi_folder=args.midi_folder, overwrite=not args.no_overwrite,
                                        progress=not args.quiet))


if __name__ == "__main__":
    raise SystemExit(main())
