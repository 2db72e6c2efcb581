"""Reproduce the course's pretrained checkpoints from the command line.

    python -m musiclib.train melody                   # writes ./melody_lstm.keras (cpu profile)
    python -m musiclib.train melody --ship            # replaces the package's shipped checkpoint
    python -m musiclib.train melody --midi-folder ~/my_midi --out my_melody.keras
    python -m musiclib.train style                    # style judges + decoders (see musiclib.models.style)
    python -m musiclib.train transformer --ship       # the melody Transformer of notebook 07 (~11 min)
    python -m musiclib.train gan --out my_gan.keras --epochs 40  # the four-voice GAN, seeds 0 1 2
    python -m musiclib.train gan --ship --epochs 40   # replace the shipped gan_generator.keras
    python -m musiclib.train gan-dcgan --ship         # the plain piano-roll DCGAN (gan_roll_dcgan.keras)
    python -m musiclib.train gan-collapse --ship      # the GAN mode-collapse demo record (notebook 05)
    python -m musiclib.train gan-losses --ship        # the GAN losses compared on real bars (notebook 05)

``melody`` follows :data:`musiclib.models.melody.MELODY_RECIPE`: it fits the n-gram
baselines (orders 1..10, discount tuned on the validation split; the best order also
with the bar position in its context), trains the LSTM (every melody moved to C major /
A minor; the chorales plus the folk collections' training tunes), evaluates all of
them on the chorale test split and writes the checkpoint with its JSON record (seed,
profile, dataset hashes, data recipe, test metrics of every model). ``--ablation``
also trains the LSTM without the bar position.

Nothing the package ships is written unless you say so: without ``--out`` the
checkpoint goes to the current folder (``melody_lstm.keras``, or
``melody_lstm_<folder>.keras`` with ``--midi-folder``), and only ``--ship`` replaces
``musiclib/checkpoints/melody_lstm.keras``. An existing file is replaced only with
``--overwrite``. Checkpoints are written atomically whenever validation improves, so
an interrupted run keeps the last good one.

Used by: notebooks/04_lstm_melody_generation.ipynb (the command it names)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from musiclib.config import DEFAULT_SEED, get_profile, quiet_tensorflow, seed_everything
from musiclib.datasets import split_of
from musiclib.errors import DataError, FileExistsNoOverwriteError, run_cli
from musiclib.models.melody import (
    MELODY_RECIPE,
    MelodyData,
    evaluate,
    format_table,
    melody_data,
    recipe_data,
    train_lstm,
)
from musiclib.models.ngram import fit_best_ngram
from musiclib.pretrained import MELODY_LSTM, is_shipped, manifest_entry_hash, record_path
from musiclib.representation import MelodyVocabulary

__all__ = ["MELODY_RECIPE", "format_table", "train_melody", "train_gan", "train_roll_dcgan", "train_gan_collapse",
           "train_gan_losses", "default_output", "main"]


def _round(metrics: dict) -> dict:
    return {k: (round(float(v), 6) if isinstance(v, float) else v) for k, v in metrics.items()}


def default_output(midi_folder: str | Path | None = None) -> Path:
    """Where ``train melody`` writes without ``--out``: a file in the current folder, never the package.

    Used by: musiclib.train.main
    """
    name = "melody_lstm.keras" if midi_folder is None else f"melody_lstm_{Path(midi_folder).resolve().name}.keras"
    return Path.cwd() / name


def _check_target(target: Path, *, overwrite: bool, ship: bool) -> None:
    if is_shipped(target) and not ship:
        raise FileExistsNoOverwriteError(
            f"{str(target)!r} is a file the package ships; pass --ship (ship=True) to replace it, or choose --out")
    for f in (target, record_path(target)):
        if f.exists() and not (overwrite or ship):  # --ship names the shipped file explicitly
            raise FileExistsNoOverwriteError(
                f"{str(f)!r} exists; pass --overwrite to replace it, or choose another --out")


def _folder_splits(midi_folder: str | Path, vocab: MelodyVocabulary, say) -> tuple[MelodyData, ...]:
    allx = melody_data(midi_folder, None, vocab)
    say(allx.describe())
    parts = {s: allx.select([i for i, name in enumerate(allx.ids) if split_of(name) == s])
             for s in ("train", "valid", "test")}
    if not len(parts["valid"]) or not len(parts["test"]) or not len(parts["train"]):
        raise DataError(f"folder {str(midi_folder)!r} is too small for a train/valid/test split: "
                        f"{len(parts['train'])}/{len(parts['valid'])}/{len(parts['test'])} melodies")
    return parts["train"], parts["valid"], parts["test"]


def train_melody(
    out: str | Path | None = None,
    *,
    profile: str | None = None,
    seed: int = DEFAULT_SEED,
    epochs: int | None = None,
    midi_folder: str | Path | None = None,
    overwrite: bool = False,
    ship: bool = False,
    ablation: bool = False,
    max_seconds: float | None = None,
    progress: bool = True,
) -> dict:
    """Fit the n-grams, train the LSTM, evaluate on the test split, write the checkpoint.

    Parameters
    ----------
    out : path, optional
        The checkpoint (.keras); default :func:`default_output`.
    ship : bool
        Write the package's shipped checkpoint (only then may ``out`` be a shipped file).
    overwrite : bool
        Replace an existing ``out`` (and its record).
    ablation : bool
        Also train the LSTM without the bar position (``lstm_no_pos`` in the record).
    max_seconds : float, optional
        Training time budget per LSTM (default: the profile's).

    Returns the JSON record written beside the checkpoint.

    Used by: musiclib.train.main
    """
    quiet_tensorflow()
    recipe = MELODY_RECIPE
    prof = get_profile(profile)
    target = MELODY_LSTM if ship else Path(out) if out is not None else default_output(midi_folder)
    _check_target(target, overwrite=overwrite, ship=ship)
    seed_everything(seed)
    say = (lambda s: print(s, flush=True)) if progress else (lambda s: None)
    vocab = MelodyVocabulary()
    t0 = time.perf_counter()
    if midi_folder is None:
        rd = recipe_data(recipe, vocab, data_fraction=prof.data_fraction)
        train, valid, test, lstm_train = rd.train, rd.valid, rd.test, rd.lstm_train
        corpus_manifest = rd.manifests["chorales"]
        data_record = {"corpus": "chorales", "part": "soprano",
                       "keys": "moved to C major / A minor (Piece.semitones_to_c)" if recipe.to_c else "as written",
                       "to_c": recipe.to_c,
                       "manifest_entry_sha256": manifest_entry_hash(corpus_manifest),
                       "file_sha256": corpus_manifest.get("sha256"),
                       "split": corpus_manifest.get("split"),
                       "lstm_extra_training": {
                           "folk_train_splits": {name: {"pieces": len(d), "steps": d.n_steps,
                                                        "manifest_entry_sha256":
                                                            manifest_entry_hash(rd.manifests[name])}
                                                 for name, d in rd.folk.items()},
                           "chorale_repeats": recipe.chorale_repeats,
                           "note": "the LSTM trains on the chorale train split (repeated) plus the train "
                                   "splits of the folk collections; validation and test are chorales only"},
                       "ngram_training": "chorale train split only, same keys as the LSTM (adding the folk "
                                         "tunes made every order worse on validation)"}
    else:
        train, valid, test = _folder_splits(midi_folder, vocab, say)
        train = train.subset(prof.data_fraction)
        lstm_train = train
        data_record = {"corpus": f"midi folder {Path(midi_folder).name}", "pieces": len(train) + len(valid)
                       + len(test), "to_c": False, "skipped": train.skipped, "folded": train.folded,
                       "manifest_entry_sha256": manifest_entry_hash({"ids": train.ids + valid.ids + test.ids})}
    say(f"data: {len(train)} train / {len(valid)} valid / {len(test)} test pieces, "
        f"{train.n_steps} training steps; the LSTM sees {lstm_train.n_steps} per epoch with repeats and "
        f"extra data (profile {prof.name}, seed {seed})")

    # n-gram baselines, discount tuned on validation; the best order also with the bar position
    ngrams, valid_bits = fit_best_ngram(train.tokens, valid.tokens, recipe.ngram_orders, recipe.ngram_discounts,
                                        vocab)
    test_metrics: dict[str, dict] = {}
    for n, model in ngrams.items():
        test_metrics[model.name] = _round(evaluate(model, test)) | {
            "discount": model.discount, "valid_bits_per_step": round(valid_bits[(n, model.discount)], 6)}
    best = min(ngrams.values(), key=lambda m: valid_bits[(m.order, m.discount)])
    pos_models, pos_bits = fit_best_ngram(train.tokens, valid.tokens, (best.order,), recipe.ngram_discounts, vocab,
                                          train_positions=train.positions, valid_positions=valid.positions)
    pos_model = pos_models[best.order]
    test_metrics[pos_model.name] = _round(evaluate(pos_model, test)) | {
        "discount": pos_model.discount, "valid_bits_per_step": round(pos_bits[(best.order, pos_model.discount)], 6)}
    say(f"n-grams fitted in {time.perf_counter() - t0:.0f} s; best on validation: {best.name}")

    # the LSTM (and, for the ablation, the same without the bar position)
    config = recipe.lstm
    n_epochs = epochs if epochs is not None else prof.epochs(config.epochs)
    budget = max_seconds if max_seconds is not None else prof.max_seconds
    result = train_lstm(lstm_train, valid, config, epochs=n_epochs, seed=seed, checkpoint=target,
                        progress=progress, log=say, max_seconds=budget)
    lstm_metrics: dict[str, dict] = {}
    if ablation:
        say("the same LSTM without the bar position (ablation):")
        plain = train_lstm(lstm_train, valid, replace(config, position_dim=0), epochs=n_epochs, seed=seed,
                           progress=progress, log=say, max_seconds=budget)
        lstm_metrics["lstm_no_pos"] = _round(evaluate(plain.model, test)) | {
            "epochs_run": len(plain.history.get("loss", [])), "best_epoch": plain.best_epoch,
            "train_seconds": round(plain.seconds, 1)}
    test_metrics = {"lstm": _round(evaluate(result.model, test))} | lstm_metrics | test_metrics
    import keras
    import tensorflow as tf

    command = ("python -m musiclib.train melody" + (f" --profile {prof.name}" if profile else "")
               + (f" --seed {seed}" if seed != DEFAULT_SEED else "")
               + (f" --epochs {epochs}" if epochs is not None else "")
               + (f" --max-seconds {max_seconds:g}" if max_seconds is not None else "")
               + (" --ablation" if ablation else "") + (" --ship" if ship else ""))
    record = {
        "command": command,
        "seed": seed,
        "profile": prof.name,
        "recipe": recipe.to_dict(),
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
        "best_ngram": best.name,
        "test_metrics": test_metrics,
        "history_bits_per_step": {k: [round(x, 4) for x in v] for k, v in result.history.items()},
        "valid_metrics": {"lstm": _round(evaluate(result.model, valid)), best.name: _round(evaluate(best, valid))},
        "evaluation": "whole test pieces; step 0 predicted after a rest; bits = mean -log2 p; event accuracy "
                      "= accuracy on steps whose true token is a note-on",
    }
    result.model.save(target, overwrite=True, record=record)
    say(f"LSTM: {record['epochs_run']} epochs in {result.seconds:.0f} s (best epoch {result.best_epoch})")
    order = ["lstm", *lstm_metrics, *[f"ngram_{n}" for n in recipe.ngram_orders if f"ngram_{n}" in test_metrics],
             pos_model.name]
    say(format_table(test_metrics, order))
    say(f"wrote {target} and {record_path(target).name}")
    return record


def train_gan(out: str | Path, *, epochs: int, seeds: Sequence[int] = (0, 1, 2), n_eval: int = 2000,
              overwrite: bool = False, progress: bool = True) -> dict:
    """Train the four-voice GAN once per seed, evaluate each, ship the first seed's generator.

    Each run trains ``epochs`` epochs of :class:`musiclib.models.voice_gan.VoiceGANRecipe`
    and keeps its best epoch by the validation gap. Each generator writes ``n_eval`` bars,
    judged against the held-out bars (validation + test) by
    :func:`musiclib.models.gan.evaluate_rolls`; the record's ``seeds`` lists every seed's
    figures, ``metrics`` holds the data, the first seed's generator and the baselines.

    Used by: main (python -m musiclib.train gan)
    """
    quiet_tensorflow()
    from musiclib.datasets import read_manifest
    from musiclib.models import voice_gan as V
    from musiclib.models.gan import bernoulli_baseline, c2st_null_sd, evaluate_rolls, format_metrics_table
    say = (lambda s: print(s, flush=True)) if progress else (lambda s: None)
    target = Path(out)
    _check_target(target, overwrite=overwrite, ship=is_shipped(target))
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise DataError(f"argument 'epochs' must be a positive integer, got {epochs!r}")
    if not seeds or len(set(seeds)) != len(seeds):
        raise DataError(f"argument 'seeds' must name distinct seeds, got {list(seeds)!r}")
    bars = V.chorale_voice_bars()
    train, valid = bars.subset(bars.split == "train"), bars.subset(bars.split == "valid")
    train_rolls, heldout = train.rolls(), bars.subset(bars.split != "train").rolls()
    say(f"{len(train)} training bars, {len(valid)} validation bars, {len(heldout)} held-out (valid + test); "
        f"{epochs} epochs per seed, seeds {list(seeds)}")
    runs, first = [], None
    for seed in seeds:
        def report(epoch: int, logs: dict, seed: int = seed) -> None:
            say(f"seed {seed} epoch {epoch + 1}: " + ", ".join(f"{k} {v:.3f}" for k, v in logs.items()))

        gen, history = V.train_voice_gan(train, valid, epochs=epochs, seed=seed, on_epoch=report)
        figures = evaluate_rolls(gen.sample(n_eval, seed=DEFAULT_SEED), train_rolls, heldout, seed=DEFAULT_SEED)
        runs.append({"seed": seed, "best_epoch": gen.record["best_epoch"],
                     "train_cpu_seconds": gen.record["train_cpu_seconds"], **_round(figures)})
        say(f"seed {seed}: best epoch {gen.record['best_epoch']}, {gen.record['train_cpu_seconds']:.0f} CPU s; "
            + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
        if first is None:
            first = (gen, history, figures)
    gen, history, figures = first
    sample_train = train_rolls[np.random.default_rng(DEFAULT_SEED).permutation(len(train_rolls))[:len(heldout)]]
    metrics = {"data": evaluate_rolls(heldout, train_rolls, heldout, seed=DEFAULT_SEED, real_for_c2st=sample_train),
               "gan": figures,
               "bernoulli": evaluate_rolls(bernoulli_baseline(train_rolls, n_eval, seed=DEFAULT_SEED), train_rolls,
                                           heldout, seed=DEFAULT_SEED)}
    entry = read_manifest()["files"]["chorales.npz"]
    record = {
        "command": "python -m musiclib.train gan " + ("--ship" if is_shipped(target) else f"--out {target.name}")
                   + f" --epochs {epochs} --seeds " + " ".join(str(s) for s in seeds),
        "eval_seed": DEFAULT_SEED, "n_eval": n_eval,
        "data": {"file": "chorales.npz", "file_sha256": entry.get("sha256"), "train_bars": len(train),
                 "valid_bars": len(valid), "heldout_bars": len(heldout),
                 "heldout": "valid + test splits (split by tune), the bars of chorale_bars.npz",
                 "selection": "best epoch by selection_gap to the validation bars"},
        "c2st_null_sd": round(c2st_null_sd(len(heldout)), 6),
        "history": {k: [round(x, 4) for x in v] for k, v in history.items()},
        "metrics": {k: _round(v) for k, v in metrics.items()},
        "seeds": runs,
    }
    gen.save(target, overwrite=True, record=record)
    say(format_metrics_table(metrics))
    say(f"wrote {target} and {target.with_suffix('.json').name}")
    return gen.record


def train_roll_dcgan(out: str | Path, *, profile: str | None = None, seed: int = DEFAULT_SEED,
                     epochs: int | None = None, n_eval: int = 2000, max_seconds: float | None = None,
                     overwrite: bool = False, progress: bool = True) -> dict:
    """Train the roll GAN of :class:`musiclib.models.gan.GANRecipe`, evaluate it, write ``out`` and its record.

    The record's ``metrics`` hold one entry per set (``data`` = held-out bars, i.e. the
    validation and test splits, ``gan``, ``bernoulli``, ``random``), from
    :func:`musiclib.models.gan.evaluate_generator` on ``n_eval`` bars per set.

    Used by: main (python -m musiclib.train gan-dcgan)
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
        "command": "python -m musiclib.train gan-dcgan " + ("--ship" if is_shipped(target) else f"--out {target.name}")
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


def train_gan_collapse(out: str | Path, *, profile: str | None = None, seeds: Sequence[int] = (0, 1),
                       epochs: int = 12, overwrite: bool = False, progress: bool = True) -> dict:
    """Train the collapsed and the fixed GAN recipe for each seed and write the demo record (JSON).

    See :func:`musiclib.models.gan.run_collapse_demo`. Epochs are not scaled by the profile:
    the collapse shows in the first few; the ``ci`` profile trains on a tenth of the bars.

    Used by: main (python -m musiclib.train gan-collapse)
    """
    from musiclib.models.gan import run_collapse_demo

    return _gan_comparison("gan-collapse", lambda train, heldout, say: run_collapse_demo(
        train, epochs=epochs, seeds=seeds, log=say), out, profile=profile, seeds=seeds, epochs=epochs,
        default_seeds=(0, 1), default_epochs=12, overwrite=overwrite, progress=progress)


def train_gan_losses(out: str | Path, *, profile: str | None = None, seeds: Sequence[int] = (DEFAULT_SEED,),
                     epochs: int = 44, overwrite: bool = False, progress: bool = True) -> dict:
    """Train the GAN recipe with each loss (bce, hinge, wgan-gp) and write the comparison record (JSON).

    See :func:`musiclib.models.gan.run_loss_comparison`; the ``ci`` profile trains on a tenth
    of the bars.

    Used by: main (python -m musiclib.train gan-losses)
    """
    from musiclib.models.gan import run_loss_comparison

    return _gan_comparison("gan-losses", lambda train, heldout, say: run_loss_comparison(
        train, heldout, epochs=epochs, seeds=seeds, log=say), out, profile=profile, seeds=seeds, epochs=epochs,
        default_seeds=(DEFAULT_SEED,), default_epochs=44, overwrite=overwrite, progress=progress)


def _gan_comparison(what: str, run: Callable, out: str | Path, *, profile: str | None, seeds: Sequence[int],
                    epochs: int, default_seeds: Sequence[int], default_epochs: int, overwrite: bool,
                    progress: bool) -> dict:
    """Shared by the GAN comparison commands: data, refusal to overwrite, the command line, saving."""
    quiet_tensorflow()
    from musiclib.datasets import load_chorale_bars, read_manifest
    from musiclib.models.gan import save_comparison_record
    from musiclib.pretrained import is_shipped

    prof = get_profile(profile)
    say = (lambda s: print(s, flush=True)) if progress else (lambda s: None)
    target = Path(out)
    if is_shipped(target) and not overwrite:
        raise FileExistsNoOverwriteError(f"{str(target)!r} is a file the package ships; pass --ship to replace it")
    if target.exists() and not overwrite:
        raise FileExistsNoOverwriteError(f"record {str(target)!r} exists; pass --overwrite or choose another --out")
    bars = load_chorale_bars()
    train, heldout = bars.of_split("train"), np.concatenate([bars.of_split("valid"), bars.of_split("test")])
    if prof.data_fraction < 1:
        train = train[:max(256, int(len(train) * prof.data_fraction))]
    say(f"{len(train)} training bars; {epochs} epochs per run, seeds {list(seeds)} (profile {prof.name})")
    t0 = time.perf_counter()
    record = run(train, heldout, say)
    entry = read_manifest()["files"]["chorale_bars.npz"]
    record.update({
        "command": f"python -m musiclib.train {what} "
                   + ("--ship" if is_shipped(target) else f"--out {target.name}")
                   + (f" --profile {prof.name}" if profile else "")
                   + (f" --seeds {' '.join(str(s) for s in seeds)}" if tuple(seeds) != tuple(default_seeds) else "")
                   + (f" --epochs {epochs}" if epochs != default_epochs else ""),
        "profile": prof.name,
        "data": {"file": "chorale_bars.npz", "file_sha256": entry.get("sha256"), "train_bars": len(train),
                 "heldout_bars": len(heldout)},
        "seconds": round(time.perf_counter() - t0, 1)})
    save_comparison_record(record, target, overwrite=overwrite)
    say(f"wrote {target} in {record['seconds']:.0f} s")
    return record


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m musiclib.train melody [--profile] [--epochs] [--out | --ship] [--midi-folder]``.

    Used by: the command `python -m musiclib.train`
    """
    parser = argparse.ArgumentParser(prog="python -m musiclib.train", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    m = sub.add_parser("melody", help="n-gram baselines + melody LSTM on chorale sopranos")
    m.add_argument("--profile", choices=["ci", "cpu", "full"], default=None,
                   help="default: $MUSICLIB_PROFILE or cpu")
    m.add_argument("--seed", type=int, default=DEFAULT_SEED)
    m.add_argument("--epochs", type=int, default=None, help="override the profile's epoch count")
    m.add_argument("--max-seconds", type=float, default=None, help="override the profile's training time budget")
    where = m.add_mutually_exclusive_group()
    where.add_argument("--out", default=None,
                       help="checkpoint path (.keras); default: melody_lstm.keras in the current folder")
    where.add_argument("--ship", action="store_true",
                       help="replace the package's shipped checkpoint musiclib/checkpoints/melody_lstm.keras")
    m.add_argument("--midi-folder", default=None, help="train on a folder of MIDI files instead of the chorales")
    m.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    m.add_argument("--no-overwrite", action="store_true", help="(the default) refuse to replace an existing file")
    m.add_argument("--ablation", action="store_true", help="also train the LSTM without the bar position")
    m.add_argument("--quiet", action="store_true")
    st = sub.add_parser("style", help="style judges and style-transfer decoders of both pairs (notebook 06)")
    st.add_argument("--profile", choices=["ci", "cpu", "full"], default=None)
    st.add_argument("--seed", type=int, default=DEFAULT_SEED)
    st.add_argument("--out", default=None, help="record path (.json); default: the shipped one (needs --overwrite)")
    st.add_argument("--overwrite", action="store_true", help="replace existing files")
    st.add_argument("--quiet", action="store_true")
    t = sub.add_parser("transformer", help="the melody Transformer on the LSTM's data (notebook 07)")
    t.add_argument("--profile", choices=["ci", "cpu", "full"], default=None)
    t.add_argument("--seed", type=int, default=DEFAULT_SEED)
    t.add_argument("--seconds", type=float, default=None,
                   help="training budget in CPU seconds (default: about the LSTM's, 660)")
    t_where = t.add_mutually_exclusive_group()
    t_where.add_argument("--out", default=None,
                         help="checkpoint path (.keras); default: melody_transformer.keras in the current folder")
    t_where.add_argument("--ship", action="store_true",
                         help="replace the package's shipped musiclib/checkpoints/melody_transformer.keras")
    t.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    t.add_argument("--quiet", action="store_true")
    v = sub.add_parser("gan", help="the four-voice chorale GAN, one run per seed (notebook 05)")
    v.add_argument("--epochs", type=int, required=True, help="epochs per seed (the shipped record names its own)")
    v.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="the first seed's generator is written")
    v_where = v.add_mutually_exclusive_group(required=True)
    v_where.add_argument("--out", default=None, help="checkpoint path (.keras) to write")
    v_where.add_argument("--ship", action="store_true", help="replace the shipped checkpoints/gan_generator.keras")
    v.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    v.add_argument("--quiet", action="store_true")
    g = sub.add_parser("gan-dcgan", help="the plain DCGAN on one-bar chorale piano rolls (notebook 05's first model)")
    g.add_argument("--profile", choices=["ci", "cpu", "full"], default=None, help="default: $MUSICLIB_PROFILE or cpu")
    g.add_argument("--seed", type=int, default=DEFAULT_SEED)
    g.add_argument("--epochs", type=int, default=None, help="override the profile's epoch count")
    where = g.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", default=None, help="checkpoint path (.keras) to write")
    where.add_argument("--ship", action="store_true", help="replace the shipped checkpoints/gan_roll_dcgan.keras")
    g.add_argument("--max-seconds", type=float, default=None, help="override the profile's time budget")
    g.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    g.add_argument("--quiet", action="store_true")
    gc = sub.add_parser("gan-collapse", help="a deliberately collapsed GAN run and its fix, for notebook 05")
    gc.add_argument("--profile", choices=["ci", "cpu", "full"], default=None,
                    help="default: $MUSICLIB_PROFILE or cpu")
    gc.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    gc.add_argument("--epochs", type=int, default=12)
    gc_where = gc.add_mutually_exclusive_group(required=True)
    gc_where.add_argument("--out", default=None, help="record path (.json) to write")
    gc_where.add_argument("--ship", action="store_true", help="replace the shipped checkpoints/gan_collapse.json")
    gc.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    gc.add_argument("--quiet", action="store_true")
    gl = sub.add_parser("gan-losses", help="the GAN recipe trained with each loss (bce, hinge, wgan-gp), notebook 05")
    gl.add_argument("--profile", choices=["ci", "cpu", "full"], default=None,
                    help="default: $MUSICLIB_PROFILE or cpu")
    gl.add_argument("--seeds", type=int, nargs="+", default=[DEFAULT_SEED], help="default: the shipped model's seed")
    gl.add_argument("--epochs", type=int, default=44, help="default: the shipped generator's 44 epochs")
    gl_where = gl.add_mutually_exclusive_group(required=True)
    gl_where.add_argument("--out", default=None, help="record path (.json) to write")
    gl_where.add_argument("--ship", action="store_true", help="replace the shipped checkpoints/gan_losses.json")
    gl.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    gl.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.what == "gan-losses":
        from musiclib.pretrained import CHECKPOINT_DIR

        out = CHECKPOINT_DIR / "gan_losses.json" if args.ship else args.out
        return run_cli(lambda: train_gan_losses(out, profile=args.profile, seeds=args.seeds, epochs=args.epochs,
                                                overwrite=args.overwrite or args.ship, progress=not args.quiet))
    if args.what == "gan-collapse":
        from musiclib.pretrained import CHECKPOINT_DIR

        out = CHECKPOINT_DIR / "gan_collapse.json" if args.ship else args.out
        return run_cli(lambda: train_gan_collapse(out, profile=args.profile, seeds=args.seeds, epochs=args.epochs,
                                                  overwrite=args.overwrite or args.ship, progress=not args.quiet))
    if args.what == "gan":
        from musiclib.pretrained import CHECKPOINT_DIR

        out = CHECKPOINT_DIR / "gan_generator.keras" if args.ship else args.out
        return run_cli(lambda: train_gan(out, epochs=args.epochs, seeds=args.seeds, overwrite=args.overwrite,
                                         progress=not args.quiet))
    if args.what == "gan-dcgan":
        from musiclib.pretrained import CHECKPOINT_DIR

        out = CHECKPOINT_DIR / "gan_roll_dcgan.keras" if args.ship else args.out
        return run_cli(lambda: train_roll_dcgan(out, profile=args.profile, seed=args.seed, epochs=args.epochs,
                                                max_seconds=args.max_seconds,
                                                overwrite=args.overwrite or args.ship, progress=not args.quiet))
    if args.what == "transformer":
        from musiclib.models.transformer import reproduce_checkpoint

        return run_cli(lambda: reproduce_checkpoint(args.out, profile=args.profile, seed=args.seed,
                                                    max_seconds=args.seconds, progress=not args.quiet,
                                                    ship=args.ship, overwrite=args.overwrite))
    if args.what == "style":
        from musiclib.models.style import train_style

        return run_cli(lambda: train_style(args.out, profile=args.profile, seed=args.seed,
                                           overwrite=args.overwrite, progress=not args.quiet))
    if args.ship and args.midi_folder:
        parser.error("--ship trains on the course data; with --midi-folder choose --out")
    return run_cli(lambda: train_melody(args.out, profile=args.profile, seed=args.seed, epochs=args.epochs,
                                        midi_folder=args.midi_folder, overwrite=args.overwrite and not
                                        args.no_overwrite, ship=args.ship, ablation=args.ablation,
                                        max_seconds=args.max_seconds, progress=not args.quiet))


if __name__ == "__main__":
    raise SystemExit(main())
