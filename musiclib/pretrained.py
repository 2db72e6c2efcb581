"""Shipped checkpoints: where they live, their JSON records, safe Keras saving and loading.

Every model the course ships sits in ``musiclib/checkpoints/`` as two files:

* ``<name>.keras`` — the Keras model, with no custom code so that it loads with
  ``safe_mode=True``, saved without optimizer state (a checkpoint is for evaluation
  and generation);
* ``<name>.json`` — its record: seed, profile, the sha256 of the dataset it was trained
  on, the command that reproduces it (``python -m musiclib.train <kind>``), the recipe
  and the test-split metrics.

This module holds what every model's checkpoint needs; each model's own ``save_*`` and
``load_*`` functions (e.g. :func:`musiclib.models.melody.load_melody_lstm`) sit beside
the model and call these. Loading checks everything that can go wrong and says so: a
missing or corrupt file, a record that does not belong to the model.

Used by: musiclib.models (checkpoint save/load), musiclib.train
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from musiclib.config import quiet_tensorflow
from musiclib.errors import CheckpointError
from musiclib.fileio import atomic_path, atomic_write_text, check_can_write

__all__ = [
    "CHECKPOINT_DIR",
    "MELODY_LSTM",
    "RECORD_VERSION",
    "in_checkpoint_dir",
    "is_shipped",
    "manifest_entry_hash",
    "load_keras_checkpoint",
    "read_record",
    "record_path",
    "save_keras_checkpoint",
]

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"
MELODY_LSTM = CHECKPOINT_DIR / "melody_lstm.keras"
RECORD_VERSION = 1


def record_path(path: str | os.PathLike) -> Path:
    """The JSON record beside a checkpoint: ``x.keras`` -> ``x.json``.

    Used by: musiclib.models.melody, musiclib.pretrained
    """
    return Path(path).with_suffix(".json")


STAGING_PREFIX = ".staging-"


def is_shipped(path: str | os.PathLike) -> bool:
    """True when ``path`` lies in the package's own checkpoint folder.

    A file in a command's staging folder inside it (``checkpoints/.staging-*/``, where
    ``--ship`` trains before it replaces the shipped files) counts as shipped too.
    Commands write there only with ``--ship``.

    Used by: musiclib.train
    """
    try:
        parent = Path(path).resolve().parent
    except (OSError, RuntimeError):
        return False
    return parent == CHECKPOINT_DIR or (parent.parent == CHECKPOINT_DIR and parent.name.startswith(STAGING_PREFIX))


def in_checkpoint_dir(path: str | os.PathLike) -> bool:
    """True when ``path`` is the package's checkpoint folder or lies anywhere inside it.

    Used by: musiclib.train
    """
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return False
    return resolved == CHECKPOINT_DIR or CHECKPOINT_DIR in resolved.parents


def manifest_entry_hash(entry: dict) -> str:
    """The sha256 of a dataset's manifest entry (canonical JSON): what a record stores as
    ``manifest_entry_sha256`` to name the exact data a checkpoint was trained on.

    Used by: musiclib.train, musiclib.models.transformer
    """
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode("utf-8")).hexdigest()


def read_record(path: str | os.PathLike = MELODY_LSTM, *, required: Sequence[str] = ("vocab", "config")) -> dict:
    """Read a checkpoint's JSON record (``path`` may name the .keras or the .json file).

    Parameters
    ----------
    path : path
        The checkpoint or its record. Default: the shipped melody LSTM.
    required : keys
        Keys the record must hold (default: those of a melody model).

    Raises
    ------
    CheckpointError
        Missing, unreadable, or lacking a required key.

    Used by: musiclib.models.melody
    """
    rec_path = record_path(path)
    if not rec_path.exists():
        raise CheckpointError(f"checkpoint record {str(rec_path)!r} is missing; it must sit beside the .keras file")
    try:
        record = json.loads(rec_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"checkpoint record {str(rec_path)!r} is not valid JSON: {exc}") from exc
    missing = [k for k in required if not isinstance(record, dict) or k not in record]
    if missing:
        kind = record.get("kind") if isinstance(record, dict) else None
        which = (f"it is the record of a model of kind {kind!r}, not of the kind asked for" if isinstance(kind, str)
                 else "is it the record of this kind of model?")
        raise CheckpointError(f"checkpoint record {str(rec_path)!r} lacks {', '.join(map(repr, missing))}; {which}")
    return record


def _inference_copy(keras_model: Any) -> Any:
    """The same architecture and weights, uncompiled: saved without optimizer state (3x smaller)."""
    import keras

    fresh = keras.Model.from_config(keras_model.get_config())  # clone_model would keep the compile state
    fresh.set_weights(keras_model.get_weights())
    return fresh


def save_keras_model(keras_model: Any, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Save a Keras model (uncompiled, no optimizer state) atomically, without a record.

    For a model's extra ``.keras`` files, whose record is the main checkpoint's.

    Used by: musiclib.models.style, musiclib.models.voice_gan
    """
    target = Path(path)
    check_can_write(target, overwrite)
    with atomic_path(target, overwrite=overwrite) as tmp:
        _inference_copy(keras_model).save(tmp)
    return target


def save_keras_checkpoint(keras_model: Any, path: str | os.PathLike, record: dict, *,
                          overwrite: bool = False) -> Path:
    """Save a Keras model (uncompiled, no optimizer state) and its JSON record, both atomically.

    ``record`` gets ``record_version`` added. Refuses to replace an existing checkpoint
    or an existing record beside it (``x.json`` for ``x.keras``) unless ``overwrite=True``;
    nothing is written when either is refused.

    Used by: musiclib.models (each model's ``save`` method)
    """
    target = Path(path)
    if target.suffix != ".keras":
        raise CheckpointError(f"checkpoint path {str(target)!r} must end in .keras")
    check_can_write(target, overwrite)
    check_can_write(record_path(target), overwrite)  # the record beside it is a file of its own
    full = {"record_version": RECORD_VERSION, **record}
    save_keras_model(keras_model, target, overwrite=overwrite)
    atomic_write_text(record_path(target), json.dumps(full, indent=2, sort_keys=True) + "\n", overwrite=overwrite)
    return target


def load_keras_checkpoint(path: str | os.PathLike, *, command: str | None = None) -> Any:
    """Load a ``.keras`` file with ``safe_mode=True``; every failure becomes a :class:`CheckpointError`.

    Parameters
    ----------
    path : .keras file
    command : str, optional
        The command that recreates a missing shipped file, named in the error.

    Used by: musiclib.models (each model's ``load_*`` function)
    """
    quiet_tensorflow()
    p = Path(path)
    if not p.exists():
        raise CheckpointError(f"checkpoint {str(p)!r} does not exist" + (f"; recreate it with `{command}`"
                                                                          if command and is_shipped(p) else ""))
    if p.is_dir():
        raise CheckpointError(f"checkpoint {str(p)!r} is a directory; expected a .keras file")
    import keras

    try:
        return keras.saving.load_model(p, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many kinds for a damaged zip
        raise CheckpointError(f"checkpoint {str(p)!r} cannot be loaded (corrupt or not a Keras file): "
                              f"{type(exc).__name__}: {str(exc)[:200]}") from exc
