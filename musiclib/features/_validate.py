"""Input checks shared by the feature modules (not part of the public API).

Every check raises a :class:`musiclib.errors.MusicLibError` subclass whose message
names the argument and says what was expected.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from musiclib.errors import AudioError, RepresentationError, ShapeError
from musiclib.representation import NoteList

MIN_SR = 8_000
MAX_SR = 96_000
SILENCE_PEAK = 1e-5  # about -100 dBFS


def check_notes(notes: Any, name: str = "notes", *, allow_empty: bool = False) -> NoteList:
    """Return ``notes`` if it is a usable NoteList, else raise RepresentationError."""
    if not isinstance(notes, NoteList):
        raise RepresentationError(
            f"argument {name!r} must be a NoteList, got {type(notes).__name__}; "
            f"build one with NoteList.from_arrays(pitch, onset, duration)"
        )
    if len(notes) == 0 and not allow_empty:
        raise RepresentationError(
            f"argument {name!r} is an empty NoteList; this feature needs at least one note"
        )
    return notes


def check_positive(value: Any, name: str, *, integer: bool = False) -> float:
    """A positive finite number (optionally whole), else RepresentationError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise RepresentationError(f"argument {name!r} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v <= 0 or (integer and v != round(v)):
        kind = "a positive integer" if integer else "a positive number"
        raise RepresentationError(f"argument {name!r} must be {kind}, got {value!r}")
    return v


def check_roll(roll: Any, name: str = "roll", *, batch: bool = False) -> np.ndarray:
    """A piano roll, shape (time, pitch) (or (n, time, pitch) with ``batch``), as bools.

    A cell is active when its value is > 0.5, so real-valued generator outputs in
    [0, 1] can be passed directly.
    """
    arr = np.asarray(roll)
    want = 3 if batch else 2
    layout = "(n_rolls, time, pitch)" if batch else "(time, pitch)"
    if arr.ndim != want:
        hint = ""
        if not batch and arr.ndim == 3:
            hint = "; for a batch of rolls use roll_metrics(rolls)"
        raise ShapeError(
            f"argument {name!r} has shape {arr.shape}; expected a {want}-D piano roll "
            f"{layout}{hint}"
        )
    if arr.shape[-1] == 0 or arr.shape[-2] == 0:
        raise ShapeError(f"argument {name!r} has shape {arr.shape}; it has no time steps or pitches")
    if arr.shape[-1] > 128:
        raise ShapeError(
            f"argument {name!r} has {arr.shape[-1]} pitch columns (last axis); at most 128 "
            f"MIDI pitches fit. Is it transposed? Rolls are (time, pitch)"
        )
    if arr.dtype == bool:
        return arr
    if not np.issubdtype(arr.dtype, np.number):
        raise ShapeError(f"argument {name!r} must be numeric, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ShapeError(f"argument {name!r} contains NaN or infinite values")
    return arr > 0.5


def check_sr(sr: Any, name: str = "sr") -> int:
    """A whole sample rate in MIN_SR..MAX_SR Hz, else AudioError."""
    if isinstance(sr, bool) or not isinstance(sr, int | np.integer | float | np.floating):
        raise AudioError(f"argument {name!r} must be an integer sample rate in Hz, got {sr!r}")
    if not np.isfinite(sr) or int(sr) != sr or not (MIN_SR <= sr <= MAX_SR):
        raise AudioError(
            f"argument {name!r} must be an integer sample rate in {MIN_SR}..{MAX_SR} Hz, "
            f"got {sr!r}"
        )
    return int(sr)


def check_audio(
    y: Any,
    sr: Any,
    *,
    name: str = "y",
    require_sound: bool = False,
    min_samples: int = 1,
) -> tuple[np.ndarray, int]:
    """Validate a mono waveform and its sample rate; return ``(float32 array, int sr)``.

    Checks, in order: ``sr`` is an integer in 8000..96000 Hz; ``y`` is 1-D (a stereo
    array gets a hint to mix it down); float samples; at least ``min_samples``;
    all finite; and, with ``require_sound``, a peak above 1e-5 (about -100 dBFS).

    Raises
    ------
    AudioError
        Naming the argument (``y`` or ``sr``) and what is wrong with it.

    Used by: musiclib.features.audio (every audio feature checks its input with it)
    """
    sr = check_sr(sr)
    arr = np.asarray(y)
    if arr.ndim == 2 and 2 in arr.shape:
        axis = 1 if arr.shape[1] == 2 else 0
        raise AudioError(
            f"argument {name!r} has shape {arr.shape} (stereo?); mono audio is required: "
            f"mix it down with y.mean(axis={axis})"
        )
    if arr.ndim != 1:
        raise AudioError(
            f"argument {name!r} has shape {arr.shape}; mono audio (a 1-D array) is required"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        hint = " (divide 16-bit PCM by 32768)" if np.issubdtype(arr.dtype, np.integer) else ""
        raise AudioError(
            f"argument {name!r} has dtype {arr.dtype}; expected float samples in [-1, 1]{hint}"
        )
    if arr.shape[0] < max(1, min_samples):
        raise AudioError(
            f"argument {name!r} has {arr.shape[0]} samples; at least {max(1, min_samples)} "
            f"are needed"
        )
    finite = np.isfinite(arr)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise AudioError(
            f"argument {name!r} contains NaN or infinite samples (first at index {i}, "
            f"t = {i / sr:.3f} s)"
        )
    if require_sound:
        peak = float(np.abs(arr).max())
        if peak < SILENCE_PEAK:
            raise AudioError(
                f"argument {name!r} is silent (peak amplitude {peak:.1e}); there is no pitch "
                f"or onset to find"
            )
    return arr.astype(np.float32, copy=False), sr
