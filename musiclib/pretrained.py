"""Pretrained checkpoints: save, load and check them.

The course ships a small trained melody LSTM in ``musiclib/checkpoints/``:

* ``melody_lstm.keras`` — the Keras model (no custom code, so it loads with
  ``safe_mode=True``);
* ``melody_lstm.json`` — its record: vocabulary, recipe, seed, profile, the sha256
  of the dataset it was trained on, the command that reproduces it
  (``python -m musiclib.train melody``) and the test-split metrics of the LSTM and
  of the n-gram baselines side by side.

Loading checks everything that can go wrong and says so: a missing or corrupt
file, a record that does not belong to the model, a model trained on another
vocabulary.

Taught in: notebooks/04_lstm_melody_generation.ipynb
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from musiclib.config import quiet_tensorflow
from musiclib.errors import CheckpointError, VocabularyError
from musiclib.fileio import atomic_path, atomic_write_text, check_can_write
from musiclib.representation import MelodyVocabulary

__all__ = [
    "CHECKPOINT_DIR",
    "MELODY_LSTM",
    "RECORD_VERSION",
    "record_path",
    "read_record",
    "save_melody_lstm",
    "load_melody_lstm",
]

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"
MELODY_LSTM = CHECKPOINT_DIR / "melody_lstm.keras"
RECORD_VERSION = 1


def record_path(path: str | os.PathLike) -> Path:
    """The JSON record beside a checkpoint: ``x.keras`` -> ``x.json``.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    return Path(path).with_suffix(".json")


def read_record(path: str | os.PathLike = MELODY_LSTM) -> dict:
    """Read a checkpoint's JSON record (``path`` may name the .keras or the .json file).

    Raises
    ------
    CheckpointError
        Missing, unreadable or not a melody-model record.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    rec_path = record_path(path)
    if not rec_path.exists():
        raise CheckpointError(f"checkpoint record {str(rec_path)!r} is missing; it must sit beside the .keras file")
    try:
        record = json.loads(rec_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"checkpoint record {str(rec_path)!r} is not valid JSON: {exc}") from exc
    if not isinstance(record, dict) or "vocab" not in record or "config" not in record:
        raise CheckpointError(
            f"checkpoint record {str(rec_path)!r} lacks 'vocab' and 'config'; is it a melody-model record?")
    return record


def _inference_copy(keras_model: Any) -> Any:
    """The same architecture and weights, uncompiled: saved without optimizer state (3x smaller)."""
    import keras

    fresh = keras.Model.from_config(keras_model.get_config())  # clone_model would keep the compile state
    fresh.set_weights(keras_model.get_weights())
    return fresh


def save_melody_lstm(model: Any, path: str | os.PathLike, *, overwrite: bool = False,
                     record: dict | None = None) -> Path:
    """Save a :class:`~musiclib.models.melody.MelodyLSTM` and its JSON record, both atomically.

    ``record`` adds fields (seed, profile, metrics, ...) to the vocabulary and
    recipe that are always written. The model is saved uncompiled, without the
    optimizer's state: a checkpoint is for evaluation and generation.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    target = Path(path)
    if target.suffix != ".keras":
        raise CheckpointError(f"checkpoint path {str(target)!r} must end in .keras")
    check_can_write(target, overwrite)
    full = {"record_version": RECORD_VERSION, "kind": "melody_lstm",
            **(model.record or {}), **(record or {}),
            "vocab": model.vocab.to_dict(), "config": model.config.to_dict()}
    with atomic_path(target, overwrite=overwrite) as tmp:
        _inference_copy(model.keras_model).save(tmp)
    atomic_write_text(record_path(target), json.dumps(full, indent=2, sort_keys=True) + "\n", overwrite=True)
    model.record = full
    return target


def load_melody_lstm(path: str | os.PathLike = MELODY_LSTM, vocab: MelodyVocabulary | None = None):
    """Load a melody LSTM checkpoint safely and check it fits ``vocab``.

    Parameters
    ----------
    path : .keras file
        Default: the shipped ``musiclib/checkpoints/melody_lstm.keras``.
    vocab : MelodyVocabulary, optional
        The vocabulary your data uses (default ``MelodyVocabulary()``); a model
        trained on another one is refused.

    Returns
    -------
    MelodyLSTM
        With ``.record`` holding the JSON record (metrics, seed, ...).

    Raises
    ------
    CheckpointError
        Missing or corrupt file, missing record, model and record disagree, or the
        vocabulary differs (the message shows both).

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    quiet_tensorflow()
    from musiclib.models.melody import LSTMConfig, MelodyLSTM

    p = Path(path)
    vocab = vocab or MelodyVocabulary()
    if not p.exists():
        raise CheckpointError(f"checkpoint {str(p)!r} does not exist"
                              + ("; recreate it with `python -m musiclib.train melody`" if p == MELODY_LSTM else ""))
    record = read_record(p)
    try:
        trained_vocab = MelodyVocabulary.from_dict(record["vocab"])
        config = LSTMConfig.from_dict(record["config"])
    except (VocabularyError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint record {str(record_path(p))!r} is malformed: {exc}") from exc
    if trained_vocab != vocab:
        raise CheckpointError(
            f"checkpoint {str(p)!r} was trained on vocabulary {trained_vocab.to_dict()} but the data uses "
            f"{vocab.to_dict()}; use the same MelodyVocabulary or retrain")
    import keras

    try:
        keras_model = keras.saving.load_model(p, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many kinds for a damaged zip
        raise CheckpointError(f"checkpoint {str(p)!r} cannot be loaded (corrupt or not a Keras file): "
                              f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    out_dim = keras_model.outputs[0].shape[-1]
    if out_dim != vocab.size:
        raise CheckpointError(
            f"checkpoint {str(p)!r} predicts {out_dim} tokens but its record's vocabulary has {vocab.size}")
    return MelodyLSTM(keras_model, trained_vocab, config, record=record)
