"""Metrics of (polyphonic) piano rolls, as used to evaluate generated music.

A roll has shape ``(time, pitch)``: row t is a grid step (16th notes by default),
column j is MIDI pitch ``low + j`` (``low`` = 36 for the default range 36..83). A
cell is "on" when its value is > 0.5, so a generator's sigmoid output can be passed
directly. A *note* in a roll is a run of consecutive "on" steps in one column (a
roll without onset marks cannot tell a held note from repeated ones).

Definitions follow MusPy (Dong et al., ISMIR 2020) and MuseGAN (Dong et al.,
AAAI 2018), so the figures of notebook 05 can be compared with published ones.

Taught in: notebooks/02_feature_extraction.ipynb
"""

from __future__ import annotations

import math

import numpy as np

from musiclib.errors import ShapeError
from musiclib.features._validate import check_positive, check_roll
from musiclib.features.pitch import MAJOR_SCALE, MINOR_SCALE
from musiclib.representation import DEFAULT_ROLL_RANGE, DEFAULT_STEPS_PER_QUARTER, roll_runs

__all__ = [
    "roll_notes",
    "polyphony",
    "polyphony_rate",
    "qualified_note_rate",
    "used_pitch_classes_per_bar",
    "roll_scale_consistency",
    "roll_metrics",
]


def _check_low(active: np.ndarray, low: int, name: str = "roll") -> int:
    if int(low) != low or low < 0 or low + active.shape[-1] > 128:
        raise ShapeError(
            f"argument {name!r} has {active.shape[-1]} pitch columns starting at low={low!r}; "
            f"MIDI pitches must stay in 0..127"
        )
    return int(low)


def roll_notes(roll: np.ndarray, *, low: int = DEFAULT_ROLL_RANGE[0]) -> np.ndarray:
    """The notes of a roll as rows ``(pitch, start_step, length_in_steps)``.

    A note is a maximal run of "on" steps in one pitch column
    (:func:`musiclib.representation.roll_runs`).

    Returns
    -------
    ndarray of int64, shape (n_notes, 3)
        Sorted by pitch, then start.

    Used by: musiclib.features.roll
    """
    active = check_roll(roll)
    low = _check_low(active, low)
    runs = roll_runs(active)
    runs[:, 0] += low
    return runs


def polyphony(roll: np.ndarray) -> float:
    """Mean number of pitches sounding at once, over steps where any pitch sounds.

    polyphony = sum_{t,p} x[t, p] / #{t : sum_p x[t, p] > 0}    (MusPy ``polyphony``)

    A melody gives 1.0, a four-part chorale about 3.9.

    Returns
    -------
    float
        NaN for an all-silent roll (as in MusPy).

    Raises
    ------
    ShapeError
        If ``roll`` is not a 2-D (time, pitch) array of finite numbers.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    active = check_roll(roll)
    counts = active.sum(axis=1)
    sounding = np.count_nonzero(counts)
    return float(counts.sum() / sounding) if sounding else math.nan


def polyphony_rate(roll: np.ndarray, *, threshold: int = 2) -> float:
    """Share of time steps where at least ``threshold`` pitches sound together.

    polyphony_rate = #{t : sum_p x[t, p] >= threshold} / T

    This is MuseGAN's ``get_polyphonic_ratio`` and the definition in MusPy's docs
    ("steps where multiple pitches are on"). (MusPy's code compares with ``>``, which
    with its default ``threshold=2`` counts steps with three or more pitches.)

    Used by: musiclib.features.roll
    """
    active = check_roll(roll)
    k = int(check_positive(threshold, "threshold", integer=True))
    return float(np.count_nonzero(active.sum(axis=1) >= k) / active.shape[0])


def qualified_note_rate(
    roll: np.ndarray,
    *,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    min_quarters: float = 0.125,
) -> float:
    """Share of notes at least ``min_quarters`` long (MuseGAN's "qualified notes").

    QN = #{notes with length >= m steps} / #notes,
    m = max(1, ceil(min_quarters * steps_per_quarter)).

    MuseGAN counts a note as qualified when it is no shorter than a 32nd note
    (``min_quarters = 1/8``, 3 steps at its 24 steps per quarter): fragmented output
    scores low. On a 16th grid every note is at least a 32nd long, so the course also
    reports ``min_quarters=0.5`` (an eighth), where real chorales score about 0.99 and
    random rolls under 0.1.

    Returns
    -------
    float
        NaN for a roll without notes.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = roll_notes(roll, low=0)
    spq = check_positive(steps_per_quarter, "steps_per_quarter", integer=True)
    m = max(1, math.ceil(check_positive(min_quarters, "min_quarters") * spq - 1e-9))
    if notes.shape[0] == 0:
        return math.nan
    return float(np.count_nonzero(notes[:, 2] >= m) / notes.shape[0])


def used_pitch_classes_per_bar(
    roll: np.ndarray,
    *,
    low: int = DEFAULT_ROLL_RANGE[0],
    steps_per_bar: int = 4 * DEFAULT_STEPS_PER_QUARTER,
    per_bar: bool = False,
) -> float | np.ndarray:
    """Number of distinct pitch classes used in each bar (MuseGAN's UPC), averaged.

    UPC_b = #{c in 0..11 : x[t, p] = 1 for some t in bar b and p with
    (low + p) mod 12 = c};  UPC = (1/B) sum_b UPC_b

    A roll whose length is not a whole number of bars is padded with silence (the
    last bar is partial). Empty bars count as 0, as in MuseGAN.

    Parameters
    ----------
    roll : ndarray, shape (time, pitch)
    low : int
        MIDI pitch of column 0.
    steps_per_bar : int
        16 for a 4/4 bar on a 16th grid.
    per_bar : bool
        Return the array of UPC_b instead of its mean.

    Used by: musiclib.features.roll
    """
    active = check_roll(roll)
    low = _check_low(active, low)
    spb = int(check_positive(steps_per_bar, "steps_per_bar", integer=True))
    n_bars = -(-active.shape[0] // spb)
    padded = np.zeros((n_bars * spb, active.shape[1]), dtype=bool)
    padded[: active.shape[0]] = active
    per_pitch = padded.reshape(n_bars, spb, -1).any(axis=1)  # (bars, pitch)
    chroma = np.zeros((n_bars, 12), dtype=bool)
    for j in range(per_pitch.shape[1]):
        chroma[:, (low + j) % 12] |= per_pitch[:, j]
    upc = chroma.sum(axis=1).astype(np.float64)
    return upc if per_bar else float(upc.mean())


def roll_scale_consistency(roll: np.ndarray, *, low: int = DEFAULT_ROLL_RANGE[0]) -> float:
    """Largest share of the roll's notes inside one major or minor scale.

    Same formula as :func:`musiclib.features.scale_consistency`, with notes read from
    the roll by :func:`roll_notes`. NaN for a roll without notes.

    Used by: musiclib.features.roll
    """
    notes = roll_notes(roll, low=low)
    if notes.shape[0] == 0:
        return math.nan
    counts = np.bincount(notes[:, 0] % 12, minlength=12)
    best = max(
        int(counts[np.roll(scale, r)].sum()) for scale in (MAJOR_SCALE, MINOR_SCALE)
        for r in range(12)
    )
    return best / notes.shape[0]


def roll_metrics(
    rolls: np.ndarray,
    *,
    low: int = DEFAULT_ROLL_RANGE[0],
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    steps_per_bar: int = 4 * DEFAULT_STEPS_PER_QUARTER,
) -> dict[str, float]:
    """The roll metrics of a batch, each averaged over the rolls (NaNs skipped).

    Parameters
    ----------
    rolls : ndarray, shape (n_rolls, time, pitch)

    Returns
    -------
    dict
        ``used_pitch_classes`` (UPC per bar), ``qualified_note_rate`` (>= a 32nd),
        ``qualified_note_rate_8th`` (>= an eighth), ``scale_consistency``,
        ``polyphony``, ``polyphony_rate`` and ``empty_roll_rate`` (share of rolls
        with no note at all).

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    batch = check_roll(rolls, "rolls", batch=True)
    _check_low(batch, low, "rolls")
    rows: dict[str, list[float]] = {
        k: [] for k in ("used_pitch_classes", "qualified_note_rate", "qualified_note_rate_8th",
                        "scale_consistency", "polyphony", "polyphony_rate")
    }
    for r in batch:
        rows["used_pitch_classes"].append(
            used_pitch_classes_per_bar(r, low=low, steps_per_bar=steps_per_bar)
        )
        rows["qualified_note_rate"].append(
            qualified_note_rate(r, steps_per_quarter=steps_per_quarter)
        )
        rows["qualified_note_rate_8th"].append(
            qualified_note_rate(r, steps_per_quarter=steps_per_quarter, min_quarters=0.5)
        )
        rows["scale_consistency"].append(roll_scale_consistency(r, low=low))
        rows["polyphony"].append(polyphony(r))
        rows["polyphony_rate"].append(polyphony_rate(r))

    def _mean(values: list[float]) -> float:
        arr = np.asarray(values, dtype=np.float64)
        return float(np.nanmean(arr)) if np.isfinite(arr).any() else math.nan

    out = {k: _mean(v) for k, v in rows.items()}
    out["empty_roll_rate"] = float(np.mean(~batch.any(axis=(1, 2))))
    return out
