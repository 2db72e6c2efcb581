"""Reproduce the course's pretrained checkpoints from the command line.

    python -m musiclib.train melody                   # writes ./melody_lstm.keras (cpu profile)
    python -m musiclib.train melody --ship            # replaces the package's shipped checkpoint
    python -m musiclib.train melody --midi-folder ~/my_midi --out my_melody.keras
    python -m musiclib.train style                    # style judges, decoders, experts (musiclib.models.style)
    python -m musiclib.train transformer --ship       # the melody Transformer of notebook 07 (~11 min)
    python -m musiclib.train finetune lstm --ship     # then on the chorales alone (notebook 04; ~1 min)
    python -m musiclib.train gan --out my_gan.keras --epochs 60  # the four-voice GAN, seeds 0 1 2
    python -m musiclib.train gan --ship --epochs 60   # replace the shipped gan_generator.keras
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
``melody_lstm_<folder>.keras`` with ``--midi-folder``), and only ``--ship`` writes
into ``musiclib/checkpoints/`` (for every subcommand; an ``--out`` there is refused).
An existing file, or an existing record beside the checkpoint (``x.json`` for
``x.keras``), is replaced only with ``--overwrite``.

Every argument is checked before any data is loaded (:func:`plan_output`,
:func:`check_epochs`, ...). Every subcommand then trains into a staging folder
beside its target (:func:`staged`) and moves the checkpoint and its record onto
the target together only when the run succeeds; an interrupted run (Ctrl-C) or
a failed one leaves the target files exactly as they were and prints one line,
``interrupted: nothing was written; ...``, with exit code 130.

Used by: notebooks/04_lstm_melody_generation.ipynb (the command it names)
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from musiclib.config import DEFAULT_SEED, get_profile, quiet_tensorflow, seed_everything
from musiclib.datasets import list_music_files, split_of
from musiclib.errors import CheckpointError, ConfigError, DataError, FileExistsNoOverwriteError, run_cli
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
from musiclib.pretrained import (
    CHECKPOINT_DIR,
    MELODY_LSTM,
    STAGING_PREFIX,
    in_checkpoint_dir,
    manifest_entry_hash,
    record_path,
)
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


# --------------------------------------------------------------------------- safe outputs
@dataclass(frozen=True)
class Output:
    """The files a command replaces together, checked before any data is loaded.

    Attributes
    ----------
    files : tuple of Path
        The main file first (a ``.keras`` checkpoint or a ``.json`` record), then the
        files written beside it (the checkpoint's record, a model's extra ``.keras`` files).
    ship : bool
        The files are the package's shipped ones (``--ship``).
    overwrite : bool
        Existing files may be replaced (``--overwrite``, implied by ``--ship``).

    Used by: musiclib.train
    """

    files: tuple[Path, ...]
    ship: bool
    overwrite: bool

    @property
    def target(self) -> Path:
        return self.files[0]

    def describe(self) -> str:
        return " and ".join(str(f) for f in self.files[:2]) + (
            f" (and {len(self.files) - 2} more)" if len(self.files) > 2 else "")


def plan_output(out: str | os.PathLike | None, *, ship: bool, overwrite: bool, shipped: Path,
                default: Path | None, suffix: str, beside: Callable[[Path], Sequence[Path]] = lambda p: (),
                option: str = "--out") -> Output:
    """Check where a command will write, before it loads any data.

    Only ``ship`` may write into ``musiclib/checkpoints/``; the target must end in
    ``suffix``, its folder must be writable, and neither it nor a file written beside
    it (``beside(target)``, e.g. the ``.json`` record of a ``.keras`` checkpoint) may
    exist unless ``overwrite`` (or ``ship``).

    Raises
    ------
    ConfigError
        A target in the checkpoint folder without ``ship``, a wrong suffix, a folder
        in the way, or an unwritable folder; the message names ``option``.
    FileExistsNoOverwriteError
        A file exists and ``overwrite`` is False.

    Used by: musiclib.train
    """
    if ship:
        if out is not None:
            raise ConfigError(f"argument '--ship' writes {str(shipped)!r}; do not give {option} with it")
        target = shipped
    elif out is not None:
        target = Path(out).expanduser()
    elif default is not None:
        target = default
    else:
        raise ConfigError(f"argument {option!r} is required (or --ship to replace the shipped file)")
    if not ship and in_checkpoint_dir(target):
        raise ConfigError(f"argument {option!r} is {str(target)!r}, inside the package's checkpoint folder "
                          f"{str(CHECKPOINT_DIR)!r}; only --ship writes there. Choose another {option}")
    if target.suffix != suffix:
        raise ConfigError(f"argument {option!r} is {str(target)!r}; expected a file name ending in {suffix}")
    files = (target, *beside(target))
    for f in files:
        if f.is_dir():
            raise ConfigError(f"argument {option!r}: {str(f)!r} is a folder; expected a {f.suffix} file")
        if (f.exists() or f.is_symlink()) and not (overwrite or ship):
            what = "" if f == target else f" (the command writes it beside {str(target)!r})"
            raise FileExistsNoOverwriteError(f"argument {option!r}: {str(f)!r} exists; pass --overwrite to replace "
                                             f"it, or choose another {option}{what}")
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"argument {option!r}: folder {str(folder)!r} is not a writable folder, so "
                          f"{str(target)!r} cannot be written")
    return Output(files=files, ship=ship, overwrite=overwrite or ship)


@contextlib.contextmanager
def staged(output: Output) -> Iterator[Path]:
    """Yield a path with the target's name in a staging folder beside it; on success move every file in.

    The command trains and writes into the staging folder (``.staging-<name>-<random>``
    beside the target; in the checkpoint folder :func:`musiclib.pretrained.is_shipped`
    counts it as shipped). Only when the block ends without an error are the files of
    ``output`` moved onto their targets, one after the other with Ctrl-C held back, so
    an interrupted or failed command leaves every target exactly as it was.

    Used by: musiclib.train
    """
    target = output.target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{target.stem}-", dir=target.parent))
    except OSError as exc:
        raise ConfigError(f"cannot write beside {str(target)!r}: {exc.strerror or exc}") from exc
    try:
        yield folder / target.name
        missing = [f.name for f in output.files if not (folder / f.name).is_file()]
        if missing:
            raise CheckpointError(f"the command wrote no {', '.join(missing)}; {output.describe()} left as before")
        for f in output.files:
            if (f.exists() or f.is_symlink()) and not output.overwrite:
                raise FileExistsNoOverwriteError(f"{str(f)!r} appeared while the command ran; it was not replaced "
                                                 "and nothing was written (pass --overwrite to replace it)")
        with _ctrl_c_held_back():
            for f in output.files:
                os.replace(folder / f.name, f)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _ctrl_c_held_back() -> Iterator[None]:
    """Delay Ctrl-C (SIGINT) and SIGTERM while a few files are renamed, so they change together."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def check_epochs(value: object, option: str = "--epochs") -> None:
    """Refuse an epoch count that is not a whole number >= 1 (``None`` means the default).

    Used by: musiclib.train
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"argument {option!r} is {value!r}; expected a whole number of epochs >= 1")


def check_seconds(value: object, option: str) -> None:
    """Refuse a time budget that is not a finite number > 0 (``None`` means the default).

    Used by: musiclib.train
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"argument {option!r} is {value!r}; expected a number of seconds > 0")


def check_seeds(seeds: object, option: str = "--seeds") -> None:
    """Refuse an empty, non-integer or repeating list of seeds.

    Used by: musiclib.train
    """
    if (not isinstance(seeds, Sequence) or isinstance(seeds, str) or not seeds
            or any(isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0 for s in seeds)):
        raise ConfigError(f"argument {option!r} is {seeds!r}; expected one or more whole numbers >= 0")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"argument {option!r} is {list(seeds)!r}; expected distinct seeds")


def check_folder(folder: str | os.PathLike, option: str = "--midi-folder") -> Path:
    """A readable folder that holds MIDI files, or a ConfigError naming ``option``.

    Used by: musiclib.train
    """
    p = Path(folder).expanduser()
    if not p.is_dir():
        raise ConfigError(f"argument {option!r} is {str(p)!r}, which is not a folder")
    if not os.access(p, os.R_OK | os.X_OK):
        raise ConfigError(f"argument {option!r}: folder {str(p)!r} cannot be read (permission denied)")
    try:
        list_music_files(p)
    except DataError as exc:
        raise ConfigError(f"argument {option!r}: {exc}") from exc
    return p


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM (kill, a scheduler's stop) cleans up like Ctrl-C


def _run_command(action: Callable[[], object], files: Callable[[], str]) -> int:
    """run_cli, plus one line instead of a traceback when the user presses Ctrl-C (or the process is terminated)."""
    main_thread = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        return run_cli(action)
    except KeyboardInterrupt:
        print(f"interrupted: nothing was written; {files()} left as before", file=sys.stderr, flush=True)
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, old)


__all__ += ["Output", "plan_output", "staged", "check_epochs", "check_seconds", "check_seeds", "check_folder"]


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
    max_cpu_seconds: float | None = None,
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
        Training time budget per LSTM in wall-clock seconds (default: the profile's).
    max_cpu_seconds : float, optional
        Training budget per LSTM in process CPU seconds (the unit of the budget
        comparison, ``tools/budget_runs.py``); none by default.

    Returns the JSON record written beside the checkpoint.

    Used by: musiclib.train.main
    """
    check_epochs(epochs)
    check_seconds(max_seconds, "--max-seconds")
    check_seconds(max_cpu_seconds, "--max-cpu-seconds")
    if ship and midi_folder is not None:
        raise ConfigError("argument '--ship' trains on the course data; with --midi-folder choose --out")
    if midi_folder is not None:
        midi_folder = check_folder(midi_folder)
    prof = get_profile(profile)
    output = plan_output(out, ship=ship, overwrite=overwrite, shipped=MELODY_LSTM,
                         default=default_output(midi_folder), suffix=".keras", beside=lambda t: (record_path(t),))
    _PLANNED.append(output)
    with staged(output) as staging:
        return _train_melody(output, staging, prof, profile=profile, seed=seed, epochs=epochs,
                             midi_folder=midi_folder, ship=ship, ablation=ablation, max_seconds=max_seconds,
                             progress=progress, max_cpu_seconds=max_cpu_seconds)


#: The outputs planned by the running command (named when Ctrl-C interrupts it).
_PLANNED: list[Output] = []


def _train_melody(output: Output, target: Path, prof, *, profile: str | None, seed: int, epochs: int | None,
                  midi_folder: Path | None, ship: bool, ablation: bool, max_seconds: float | None,
                  progress: bool, max_cpu_seconds: float | None = None) -> dict:
    """The body of :func:`train_melody`: writes into the staging path ``target``."""
    quiet_tensorflow()
    recipe = MELODY_RECIPE
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
                        progress=progress, log=say, max_seconds=budget, max_cpu_seconds=max_cpu_seconds)
    lstm_metrics: dict[str, dict] = {}
    if ablation:
        say("the same LSTM without the bar position (ablation):")
        plain = train_lstm(lstm_train, valid, replace(config, position_dim=0), epochs=n_epochs, seed=seed,
                           progress=progress, log=say, max_seconds=budget, max_cpu_seconds=max_cpu_seconds)
        lstm_metrics["lstm_no_pos"] = _round(evaluate(plain.model, test)) | {
            "epochs_run": len(plain.history.get("loss", [])), "best_epoch": plain.best_epoch,
            "train_seconds": round(plain.seconds, 1), "train_cpu_seconds": round(plain.cpu_seconds, 1)}
    test_metrics = {"lstm": _round(evaluate(result.model, test))} | lstm_metrics | test_metrics
    import keras
    import tensorflow as tf

    command = ("python -m musiclib.train melody" + (f" --profile {prof.name}" if profile else "")
               + (f" --seed {seed}" if seed != DEFAULT_SEED else "")
               + (f" --epochs {epochs}" if epochs is not None else "")
               + (f" --max-seconds {max_seconds:g}" if max_seconds is not None else "")
               + (f" --max-cpu-seconds {max_cpu_seconds:g}" if max_cpu_seconds is not None else "")
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
        "train_cpu_seconds": round(result.cpu_seconds, 1),
        "budget_cpu_seconds": max_cpu_seconds,
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
    say(f"LSTM: {record['epochs_run']} epochs in {result.seconds:.0f} s ({result.cpu_seconds:.0f} CPU s), "
        f"best epoch {result.best_epoch}")
    order = ["lstm", *lstm_metrics, *[f"ngram_{n}" for n in recipe.ngram_orders if f"ngram_{n}" in test_metrics],
             pos_model.name]
    say(format_table(test_metrics, order))
    say(f"writing {output.target} and {record_path(output.target).name}")
    return record


def train_gan(out: str | Path, *, epochs: int | None = None, seeds: Sequence[int] = (0, 1, 2), n_eval: int = 2000,
              overwrite: bool = False, progress: bool = True) -> dict:
    """Train the four-voice GAN once per seed, evaluate each, ship the seed the validation judge prefers.

    Each run trains ``epochs`` epochs of :class:`musiclib.models.voice_gan.VoiceGANRecipe`
    and keeps its best epoch by the validation gap; the run with the smallest gap is
    shipped (``shipped_seed``), so the choice of seed, like the choice of epoch, uses only
    the validation bars. Each run's critic then keeps one of the recipe's proposals per bar
    (:func:`musiclib.models.voice_gan.pick_proposals`). Each
    generator writes ``n_eval`` bars, judged against the held-out bars (validation + test)
    by :func:`musiclib.models.gan.evaluate_rolls`; the record's ``seeds`` lists every seed's
    figures (under ``no_critic`` those without the critic, under ``prior`` those with z drawn
    from N(0, I) alone, and the ``latent_mix`` chosen on the validation bars by
    :func:`musiclib.models.voice_gan.choose_latent_mix`), ``metrics`` holds the data, the
    shipped generator (``gan``; ``gan_no_critic`` without the critic, ``gan_prior`` with
    z ~ N(0, I)) and the baselines.

    Used by: main (python -m musiclib.train gan)
    """
    quiet_tensorflow()
    from musiclib.datasets import read_manifest
    from musiclib.models import voice_gan as V
    from musiclib.models.gan import bernoulli_baseline, c2st_null_sd, evaluate_rolls, format_metrics_table
    from musiclib.pretrained import is_shipped

    say = (lambda s: print(s, flush=True)) if progress else (lambda s: None)
    target = Path(out)
    check_epochs(epochs)
    if epochs is None:
        epochs = V.VoiceGANRecipe().epochs
    check_seeds(seeds)
    for f in (target, record_path(target)):
        if f.exists() and not overwrite:
            raise FileExistsNoOverwriteError(f"{str(f)!r} exists; pass --overwrite or choose another --out")
    bars = V.chorale_voice_bars()
    train, valid = bars.subset(bars.split == "train"), bars.subset(bars.split == "valid")
    train_rolls, heldout = train.rolls(), bars.subset(bars.split != "train").rolls()
    say(f"{len(train)} training bars, {len(valid)} validation bars, {len(heldout)} held-out (valid + test); "
        f"{epochs} epochs per seed, seeds {list(seeds)}")
    runs, best = [], None
    for seed in seeds:
        def report(epoch: int, logs: dict, seed: int = seed) -> None:
            say(f"seed {seed} epoch {epoch + 1}: " + ", ".join(f"{k} {v:.3f}" for k, v in logs.items()))

        gen, history = V.train_voice_gan(train, valid, epochs=epochs, seed=seed, on_epoch=report)
        mix, sweep = V.choose_latent_mix(gen, train_rolls, valid.rolls()) if gen.codes is not None else (0.0, [])
        say(f"seed {seed}: latent mix {mix} chosen on the validation bars; "
            + "; ".join(f"{row['latent_mix']}: NN {row['nn_distance']:.1f}, missed {row['missed']}"
                        for row in sweep[1:]))
        single = evaluate_rolls(gen.sample(n_eval, seed=DEFAULT_SEED, proposals=1), train_rolls, heldout,
                                seed=DEFAULT_SEED)
        figures = evaluate_rolls(gen.sample(n_eval, seed=DEFAULT_SEED), train_rolls, heldout, seed=DEFAULT_SEED)
        prior = figures  # at mix 0 the shipped way of sampling is z ~ N(0, I) itself
        if mix:
            gen.latent_mix = 0.0
            prior = evaluate_rolls(gen.sample(n_eval, seed=DEFAULT_SEED), train_rolls, heldout, seed=DEFAULT_SEED)
            gen.latent_mix = mix
        runs.append({"seed": seed, "best_epoch": gen.record["best_epoch"], "best_gap": gen.record["best_gap"],
                     "train_cpu_seconds": gen.record["train_cpu_seconds"], "latent_mix": mix, **_round(figures),
                     "no_critic": _round(single), "prior": _round(prior), "latent_mix_sweep": sweep})
        say(f"seed {seed}: best epoch {gen.record['best_epoch']}, {gen.record['train_cpu_seconds']:.0f} CPU s; "
            + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
        if best is None or gen.record["best_gap"] < best[0].record["best_gap"]:
            best = (gen, history, figures, single, prior)
    gen, history, figures, single, prior = best
    say(f"shipping seed {gen.record['seed']} (smallest validation gap, {gen.record['best_gap']:.3f})")
    sample_train = train_rolls[np.random.default_rng(DEFAULT_SEED).permutation(len(train_rolls))[:len(heldout)]]
    metrics = {"data": evaluate_rolls(heldout, train_rolls, heldout, seed=DEFAULT_SEED, real_for_c2st=sample_train),
               "gan": figures, "gan_no_critic": single, "gan_prior": prior,
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
                 "selection": "best epoch by selection_gap to the validation bars; then the latent mix with "
                              "the fewest bound misses and the smallest eight-figure gap against the validation "
                              "bars (choose_latent_mix); of the seeds, the one with the smallest epoch gap is "
                              "shipped"},
        "shipped_seed": gen.record["seed"],
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
    check_epochs(epochs)
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
    check_epochs(epochs)
    check_seeds(seeds)
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
    m.add_argument("--max-cpu-seconds", type=float, default=None,
                   help="stop after the epoch that passes this many process CPU seconds")
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
    st = sub.add_parser("style", help="style judges, decoders and expert weights of both pairs (notebook 06)")
    st.add_argument("--profile", choices=["ci", "cpu", "full"], default=None)
    st.add_argument("--seed", type=int, default=DEFAULT_SEED)
    st_where = st.add_mutually_exclusive_group()
    st_where.add_argument("--out", default=None, help="record path (.json); the .keras files go beside it")
    st_where.add_argument("--ship", action="store_true",
                          help="replace the shipped checkpoints/style_transfer.json and its .keras files")
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
    f = sub.add_parser("finetune", help="fine-tune a pre-trained melody LSTM or Transformer on the chorales alone "
                                        "(notebook 04)")
    f.add_argument("network", choices=["lstm", "transformer"])
    f.add_argument("--from", dest="source", default=None,
                   help="the pre-trained checkpoint (.keras); default: the shipped one of that network")
    f.add_argument("--seed", type=int, default=None, help="default: the pre-trained checkpoint's seed")
    f_where = f.add_mutually_exclusive_group(required=True)
    f_where.add_argument("--out", default=None, help="checkpoint path (.keras) to write")
    f_where.add_argument("--ship", action="store_true",
                         help="fine-tune the shipped checkpoint and replace it (its record names both commands)")
    f.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    f.add_argument("--quiet", action="store_true")
    v = sub.add_parser("gan", help="the four-voice chorale GAN, one run per seed (notebook 05)")
    v.add_argument("--epochs", type=int, default=None,
                   help="epochs per seed (default: the recipe's, VoiceGANRecipe().epochs; the record names them)")
    v.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                   help="one run per seed; the seed with the smallest validation gap is written")
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
    _PLANNED.clear()
    quiet = getattr(args, "quiet", False)

    def files() -> str:
        return _PLANNED[-1].describe() if _PLANNED else "no file was touched; everything"

    def staged_run(out, *, shipped: Path, default: Path | None, suffix: str, beside, train: Callable[[Path], object],
                   checks: Callable[[], None] = lambda: None) -> Callable[[], object]:
        """Check every argument, then train into the staging folder and move the files in on success."""
        def action() -> object:
            checks()
            output = plan_output(out, ship=args.ship, overwrite=args.overwrite, shipped=shipped, default=default,
                                 suffix=suffix, beside=beside)
            _PLANNED.append(output)
            with staged(output) as staging:
                result = train(staging)
            if not quiet:
                print(f"moved into place: {output.describe()}", flush=True)
            return result
        return action

    # the shipped paths by name: importing models.gan (TensorFlow) would delay the argument checks
    if args.what in ("gan-losses", "gan-collapse"):
        run = train_gan_losses if args.what == "gan-losses" else train_gan_collapse
        return _run_command(staged_run(
            args.out, shipped=CHECKPOINT_DIR / ("gan_losses.json" if args.what == "gan-losses" else
                                                "gan_collapse.json"), default=None,
            suffix=".json", beside=lambda t: (),
            checks=lambda: (check_epochs(args.epochs), check_seeds(args.seeds)),
            train=lambda staging: run(staging, profile=args.profile, seeds=args.seeds, epochs=args.epochs,
                                      overwrite=True, progress=not quiet)), files)
    if args.what == "gan":
        return _run_command(staged_run(
            args.out, shipped=CHECKPOINT_DIR / "gan_generator.keras", default=None, suffix=".keras",
            beside=lambda t: (record_path(t), t.with_name(t.stem + "_critic.keras"),  # voice_gan.critic_path
                              t.with_name(t.stem + "_codes.npz")),  # voice_gan.codes_path
            checks=lambda: (check_epochs(args.epochs), check_seeds(args.seeds)),
            train=lambda staging: train_gan(staging, epochs=args.epochs, seeds=args.seeds, overwrite=True,
                                            progress=not quiet)),
            files)
    if args.what == "gan-dcgan":
        return _run_command(staged_run(
            args.out, shipped=CHECKPOINT_DIR / "gan_roll_dcgan.keras", default=None, suffix=".keras",
            beside=lambda t: (record_path(t),),
            checks=lambda: (check_epochs(args.epochs), check_seconds(args.max_seconds, "--max-seconds")),
            train=lambda staging: train_roll_dcgan(staging, profile=args.profile, seed=args.seed, epochs=args.epochs,
                                                   max_seconds=args.max_seconds, overwrite=True,
                                                   progress=not quiet)),
            files)
    if args.what == "finetune":
        shipped = CHECKPOINT_DIR / f"melody_{args.network}.keras"

        def fine_tune_into(staging: Path) -> Path:
            from musiclib.models.finetune import fine_tune_checkpoint

            command = f"python -m musiclib.train finetune {args.network}" + (
                f" --from {args.source}" if args.source else "") + (
                f" --seed {args.seed}" if args.seed is not None else "") + (
                " --ship" if args.ship else f" --out {args.out}")
            return fine_tune_checkpoint(args.network, staging, source=args.source, seed=args.seed,
                                        progress=not quiet, overwrite=True, command=command)

        def source_exists() -> None:
            if args.source is not None and not Path(args.source).is_file():
                raise ConfigError(f"argument '--from' is {args.source!r}: no such checkpoint file")
            if args.ship and args.source is not None:
                raise ConfigError("argument '--ship' fine-tunes the shipped checkpoint; do not give --from with it")

        return _run_command(staged_run(
            args.out, shipped=shipped, default=None, suffix=".keras", beside=lambda t: (record_path(t),),
            checks=source_exists, train=fine_tune_into), files)
    if args.what == "transformer":
        from musiclib.models.transformer import MELODY_TRANSFORMER, reproduce_checkpoint

        return _run_command(staged_run(
            args.out, shipped=MELODY_TRANSFORMER, default=Path.cwd() / "melody_transformer.keras", suffix=".keras",
            beside=lambda t: (record_path(t),), checks=lambda: check_seconds(args.seconds, "--seconds"),
            train=lambda staging: reproduce_checkpoint(staging, profile=args.profile, seed=args.seed,
                                                       max_seconds=args.seconds, progress=not quiet,
                                                       overwrite=True)), files)
    if args.what == "style":
        from musiclib.models.style import STYLE_RECORD, style_files, train_style

        return _run_command(staged_run(
            args.out, shipped=STYLE_RECORD, default=None, suffix=".json", beside=lambda t: style_files(t)[1:],
            train=lambda staging: train_style(staging, profile=args.profile, seed=args.seed, overwrite=True,
                                              progress=not quiet)), files)
    return _run_command(lambda: train_melody(args.out, profile=args.profile, seed=args.seed, epochs=args.epochs,
                                             midi_folder=args.midi_folder, overwrite=args.overwrite and not
                                             args.no_overwrite, ship=args.ship, ablation=args.ablation,
                                             max_seconds=args.max_seconds, progress=not quiet,
                                             max_cpu_seconds=args.max_cpu_seconds), files)


if __name__ == "__main__":
    raise SystemExit(main())
