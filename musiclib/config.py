"""Profiles, seeding and paths.

Three profiles decide how much work the notebooks do:

========  ===========================================================
``ci``    seconds per notebook; used by the tests (nbval)
``cpu``   the default: real results on a 2-core laptop, each notebook
          within 5 minutes
``full``  longer training; uses a GPU if TensorFlow sees one
========  ===========================================================

Choose one with the environment variable ``MUSICLIB_PROFILE`` before starting
Jupyter (``MUSICLIB_PROFILE=ci make lab``).

Taught in: notebooks/00_welcome.ipynb
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musiclib.errors import ConfigError

__all__ = [
    "Profile",
    "PROFILES",
    "get_profile",
    "seed_everything",
    "quiet_tensorflow",
    "project_root",
    "data_dir",
    "DEFAULT_SEED",
]

DEFAULT_SEED = 2024


@dataclass(frozen=True)
class Profile:
    """How much work a notebook or training command does.

    Attributes
    ----------
    name : str
        ``"ci"``, ``"cpu"`` or ``"full"``.
    epoch_scale : float
        Multiplies the epoch counts of every training recipe.
    data_fraction : float
        Share of the training pieces used (1.0 = all).
    max_seconds : float
        Soft budget for one training run, in seconds.

    Used by: musiclib.config
    """

    name: str
    epoch_scale: float
    data_fraction: float
    max_seconds: float

    def epochs(self, cpu_epochs: int) -> int:
        """Scale an epoch count written for the ``cpu`` profile (at least 1)."""
        return max(1, round(cpu_epochs * self.epoch_scale))


PROFILES: dict[str, Profile] = {
    "ci": Profile("ci", epoch_scale=0.05, data_fraction=0.1, max_seconds=20.0),
    "cpu": Profile("cpu", epoch_scale=1.0, data_fraction=1.0, max_seconds=300.0),
    "full": Profile("full", epoch_scale=4.0, data_fraction=1.0, max_seconds=3600.0),
}


def get_profile(name: str | None = None) -> Profile:
    """Return the active profile.

    Parameters
    ----------
    name : str, optional
        A profile name. Default: the environment variable ``MUSICLIB_PROFILE``,
        or ``"cpu"`` when it is unset.

    Raises
    ------
    ConfigError
        If the name is not one of ``ci``, ``cpu``, ``full``.

    Taught in: notebooks/00_welcome.ipynb
    """
    source = "argument 'name'"
    if name is None:
        name = os.environ.get("MUSICLIB_PROFILE", "cpu")
        source = "environment variable MUSICLIB_PROFILE"
    key = name.strip().lower()
    if key not in PROFILES:
        raise ConfigError(
            f"{source} is {name!r}; expected one of {', '.join(PROFILES)}"
        )
    return PROFILES[key]


def quiet_tensorflow() -> None:
    """Silence TensorFlow's start-up logging and oneDNN notices.

    Must run before TensorFlow is imported to take full effect; harmless after.

    Used by: musiclib.config, musiclib.environment, musiclib.models.melody, musiclib.pretrained, musiclib.train
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)


def seed_everything(seed: int = DEFAULT_SEED, *, tensorflow: bool = True) -> int:
    """Make Python, NumPy and (optionally) TensorFlow deterministic and quiet.

    Parameters
    ----------
    seed : int
        The seed for every generator.
    tensorflow : bool
        Also seed TensorFlow/Keras and turn on deterministic ops. Importing
        TensorFlow costs several seconds, so pure-NumPy lessons pass ``False``.

    Returns
    -------
    int
        The seed, for printing.

    Taught in: notebooks/00_welcome.ipynb
    """
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"argument 'seed' must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = "0"
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds the legacy global generator learners use
    if tensorflow:
        quiet_tensorflow()
        import keras
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        keras.utils.set_random_seed(seed)
        try:
            tf.config.experimental.enable_op_determinism()
        except Exception:  # pragma: no cover - older TF
            pass
    return seed


def project_root() -> Path:
    """The folder that holds ``musiclib/`` and ``datasets/`` (the git checkout).

    Used by: musiclib.config
    """
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Where prepared datasets live.

    ``$MUSICLIB_DATA`` when set, else ``datasets/`` in the checkout.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    env = os.environ.get("MUSICLIB_DATA")
    if env:
        return Path(env).expanduser()
    return project_root() / "datasets"
