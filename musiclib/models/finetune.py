"""Fine-tuning a melody network on the corpus it is judged on (微调).

The shipped melody networks learn from chorales *and* folk tunes: the folk tunes are
about three quarters of what they see per epoch, because 250 chorales are too few for
their weights. Their test is chorale melodies. A few more epochs on the chorale training
melodies alone, at a smaller learning rate, adapt what they learned from all melodies to
the style they are judged on, the usual second stage after pre-training on a larger,
broader corpus. The validation chorales decide how many of those epochs to keep.

Taught in: notebooks/04_lstm_melody_generation.ipynb
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musiclib.config import DEFAULT_SEED, quiet_tensorflow, seed_everything
from musiclib.errors import CheckpointError, ConfigError, DataError
from musiclib.models.melody import MelodyData, evaluate, make_dataset


@dataclass(frozen=True)
class FineTuneRecipe:
    """How a pre-trained melody network is fine-tuned.

    Attributes
    ----------
    learning_rate : float, optional
        Adam's step size; ``None`` (the default) takes a third of the network's own
        pre-training rate (the LSTM's 3e-3 gives 1e-3, the Transformer's 1e-3 gives 3.3e-4):
        smaller steps adapt the weights without undoing what the larger corpus taught.
        On the validation chorales a third beat a tenth for the LSTM and a full rate for the
        Transformer.
    epochs : int
        Passes over the fine-tuning melodies at most.
    patience : int
        Stop after this many epochs without a better validation score.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """

    learning_rate: float | None = None
    epochs: int = 24
    patience: int = 3

    def __post_init__(self) -> None:
        lr = self.learning_rate
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, int | float) or not math.isfinite(lr)
                               or not 0 < lr < 1):
            raise ConfigError(f"argument 'learning_rate' must be a number in (0, 1) or None, got {lr!r}")
        for name in ("epochs", "patience"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"argument {name!r} must be a positive integer, got {v!r}")

    def rate_for(self, model: Any) -> float:
        """The learning rate used for ``model``: :attr:`learning_rate`, or a third of its config's."""
        return float(self.learning_rate) if self.learning_rate is not None else model.config.learning_rate / 3

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class FineTuneResult:
    """What :func:`fine_tune` returns.

    Attributes
    ----------
    model : MelodyLSTM or MelodyTransformer
        A new model of the input's class with the kept weights; the input is not changed.
    valid_bits_per_step : list of float
        Bits per step on the validation melodies (:func:`musiclib.models.melody.evaluate`)
        before fine-tuning (index 0) and after each epoch.
    best_epoch : int
        The epoch whose weights were kept (0: none improved, the input's weights).
    cpu_seconds : float
        Process CPU time of the fine-tuning, evaluations included.

    Used by: musiclib.models.finetune.fine_tune
    """

    model: Any
    valid_bits_per_step: list[float]
    best_epoch: int
    cpu_seconds: float

    def summary(self) -> dict:
        """The record entry: best epoch, the validation curve (rounded) and the CPU seconds."""
        return {"best_epoch": self.best_epoch, "epochs_run": len(self.valid_bits_per_step) - 1,
                "valid_bits_per_step": [round(v, 4) for v in self.valid_bits_per_step],
                "cpu_seconds": round(self.cpu_seconds, 1)}


def _check_network(model: Any) -> None:
    config = getattr(model, "config", None)
    if getattr(model, "keras_model", None) is None or not all(
            hasattr(config, k) for k in ("window", "batch_size", "transpose", "learning_rate")):
        raise DataError(f"argument 'model' must be a trained melody network (MelodyLSTM or MelodyTransformer), "
                        f"got {type(model).__name__}")


def fine_tune(model: Any, train: MelodyData, valid: MelodyData, recipe: FineTuneRecipe | None = None, *,
              seed: int = DEFAULT_SEED, progress: bool = False,
              log: Callable[[str], None] | None = None) -> FineTuneResult:
    """Train a copy of a melody network a few more epochs on ``train``; keep the best on ``valid``.

    The copy trains with a fresh Adam at ``recipe.rate_for(model)`` on windows of ``train``
    (the network's own window, batch size and transposition). After every epoch it is
    scored on the whole ``valid`` melodies; training stops after ``recipe.patience``
    epochs without a better score, and the copy keeps the best epoch's weights (or the
    input's, if no epoch beat them). The result's model carries the input's record with a
    ``fine_tune`` entry (recipe, seed, best epoch, validation curve, CPU seconds).

    Parameters
    ----------
    model : MelodyLSTM or MelodyTransformer
        The pre-trained network; it is not changed.
    train, valid : MelodyData
        The melodies to adapt to and to choose the epoch on, in the network's vocabulary.
    recipe : FineTuneRecipe, optional
    seed : int
        Seeds Keras, TensorFlow and the window order, so a run is repeatable.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    _check_network(model)
    recipe = recipe or FineTuneRecipe()
    for name, data in (("train", train), ("valid", valid)):
        if not isinstance(data, MelodyData):
            raise DataError(f"argument {name!r} must be MelodyData (from musiclib.models.melody.melody_data), "
                            f"got {type(data).__name__}")
        if data.vocab != model.vocab:
            raise DataError(f"argument {name!r} uses the vocabulary {data.vocab}, the model {model.vocab}")
        if len(data.tokens) == 0:
            raise DataError(f"argument {name!r} holds no melodies")
    quiet_tensorflow()
    import keras

    log = log or (lambda s: print(s, file=sys.stdout, flush=True))
    cpu_start = time.process_time()
    seed_everything(seed)
    net = keras.models.clone_model(model.keras_model)
    net.set_weights(model.keras_model.get_weights())
    tuned = dataclasses.replace(model, keras_model=net)
    rate = recipe.rate_for(model)
    net.compile(optimizer=keras.optimizers.Adam(rate, clipnorm=1.0),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    cfg = model.config
    windows = make_dataset(train, window=cfg.window, batch_size=cfg.batch_size, transpose=cfg.transpose,
                           shuffle=True, seed=seed)
    curve = [evaluate(tuned, valid)["bits_per_step"]]
    best, best_epoch, best_weights, wait = curve[0], 0, net.get_weights(), 0
    if progress:
        log(f"fine-tuning at learning rate {rate:.2g}: valid {curve[0]:.4f} bits/step before")
    for epoch in range(1, recipe.epochs + 1):
        net.fit(windows, epochs=1, verbose=0, shuffle=False)
        curve.append(evaluate(tuned, valid)["bits_per_step"])
        improved = curve[-1] < best - 1e-4
        if improved:
            best, best_epoch, best_weights, wait = curve[-1], epoch, net.get_weights(), 0
        else:
            wait += 1
        if progress:
            log(f"fine-tuning epoch {epoch}: valid {curve[-1]:.4f} bits/step{' *' if improved else ''}  "
                f"{time.process_time() - cpu_start:.0f} CPU s")
        if wait >= recipe.patience:
            break
    net.set_weights(best_weights)
    result = FineTuneResult(tuned, curve, best_epoch, time.process_time() - cpu_start)
    tuned.record = {**model.record, "fine_tune": {"recipe": recipe.to_dict(), "learning_rate": round(rate, 8),
                                                  "seed": seed, **result.summary()}}
    return result


#: The record key of each network's metrics, its loader and saver, by the name the command takes.
NETWORKS = ("lstm", "transformer")


def _rounded(figures: dict) -> dict:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in figures.items()}


def _network_io(kind: str) -> tuple[Callable, Callable, Path]:
    if kind == "lstm":
        from musiclib.models.melody import MELODY_LSTM, load_melody_lstm, save_melody_lstm

        return load_melody_lstm, save_melody_lstm, MELODY_LSTM
    if kind == "transformer":
        from musiclib.models.transformer import MELODY_TRANSFORMER, load_melody_transformer, save_melody_transformer

        return load_melody_transformer, save_melody_transformer, MELODY_TRANSFORMER
    raise ConfigError(f"argument 'kind' must be one of {NETWORKS}, got {kind!r}")


def fine_tune_checkpoint(kind: str, out: str | os.PathLike, *, source: str | os.PathLike | None = None,
                         seed: int | None = None, recipe: FineTuneRecipe | None = None, progress: bool = True,
                         overwrite: bool = False, command: str | None = None) -> Path:
    """Fine-tune a pre-trained melody checkpoint on the chorale training melodies; write it to ``out``.

    Reads ``source`` (default: the shipped checkpoint of ``kind``, ``"lstm"`` or
    ``"transformer"``), refuses one whose record already has a ``fine_tune`` entry (a
    second pass would not reproduce the first), runs :func:`fine_tune` on the training
    split of the chorale melodies (keys in C, as in pre-training) with the pre-training
    seed unless ``seed`` is given, and writes the model with its record. The record keeps
    the pre-trained test and validation figures under ``<kind>_pretrained`` and puts the
    fine-tuned ones under ``<kind>``; ``command`` (the pre-training command, then this one)
    says how to make the file from nothing.

    Used by: musiclib.train (python -m musiclib.train finetune)
    """
    from musiclib.datasets import load_chorales
    from musiclib.models.melody import melody_data

    load, save, shipped = _network_io(kind)
    src = Path(source) if source is not None else shipped
    model = load(src)
    if "fine_tune" in model.record:
        raise CheckpointError(f"checkpoint {str(src)!r} is already fine-tuned (its record has 'fine_tune'); "
                              "start from the pre-trained checkpoint its command writes")
    if not model.record.get("data", {}).get("to_c", True):
        raise CheckpointError(f"checkpoint {str(src)!r} was trained on melodies in their written keys; "
                              "fine-tuning uses melodies moved to C")
    seed = int(model.record.get("seed", DEFAULT_SEED)) if seed is None else seed
    chorales = load_chorales()
    train, valid, test = (melody_data(chorales, s, model.vocab, to_c=True) for s in ("train", "valid", "test"))
    result = fine_tune(model, train, valid, recipe, seed=seed, progress=progress)
    tuned, rec = result.model, dict(result.model.record)
    for split, data in (("test_metrics", test), ("valid_metrics", valid)):
        figures = dict(rec.get(split, {}))
        before = figures.pop(kind, None) or _rounded(evaluate(model, data))
        figures[kind + "_pretrained"], figures[kind] = before, _rounded(evaluate(tuned, data))
        rec[split] = figures
    here = command or f"python -m musiclib.train finetune {kind}" + (f" --seed {seed}" if seed != model.record.get(
        "seed", DEFAULT_SEED) else "")
    rec["pretrain_command"] = model.record.get("command")
    rec["command"] = f"{model.record.get('command')} && {here}" if model.record.get("command") else here
    rec["fine_tune"]["data"] = f"the chorale training melodies only ({len(train.tokens)} pieces, keys in C)"
    tuned.record = rec
    return save(tuned, out, overwrite=overwrite)
