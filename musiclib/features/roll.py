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
    "one_step_holes",
    "long_note_share",
    "used_pitch_classes_per_bar",
    "roll_scale_consistency",
    "roll_metrics",
    "pairwise_hamming",
    "set_diversity",
    "unique_rate",
    "copy_rate",
    "nearest_neighbour_distance",
    "roll_pitch_class_entropy",
    "bootstrap_ci",
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


def one_step_holes(roll: np.ndarray) -> int:
    """Number of one-step holes in a roll: a pitch on, off for exactly one step, on again.

    holes = #{(t, p) : x[t-1, p] = 1, x[t, p] = 0, x[t+1, p] = 1}

    A generator that draws every cell on its own tends to cut held notes in pieces this
    way; real four-part chorale bars have about 0.14 per bar (notebook 05).

    Raises
    ------
    ShapeError
        If ``roll`` is not a 2-D (time, pitch) array of finite numbers.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    active = check_roll(roll)
    if active.shape[0] < 3:
        return 0
    return int(np.count_nonzero(active[:-2] & ~active[1:-1] & active[2:]))


def long_note_share(rolls: np.ndarray, *, min_steps: int = 5) -> float:
    """Share of the notes of a set of rolls that last at least ``min_steps`` steps.

    Notes are runs in one pitch column (:func:`roll_notes`), pooled over the set. With
    ``min_steps=5`` on a sixteenth grid this counts notes longer than a quarter, i.e. held
    across a beat: about 17 % of the notes of real chorale bars.

    Parameters
    ----------
    rolls : ndarray, shape (time, pitch) or (n, time, pitch)

    Returns
    -------
    float
        NaN if the rolls hold no note.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    x = np.asarray(rolls)
    batch = check_roll(x[None] if x.ndim == 2 else x, "rolls", batch=True)
    k = int(check_positive(min_steps, "min_steps", integer=True))
    lengths = np.concatenate([roll_runs(r)[:, 2] for r in batch]) if len(batch) else np.zeros(0)
    return float(np.mean(lengths >= k)) if lengths.size else math.nan


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


# --------------------------------------------------------------------------- set-level metrics
# A generator is judged on a *set* of rolls: is the set as varied as real music, does it
# copy its training data, how far is each roll from the nearest training roll? These
# functions take batches (n, time, pitch) and compare rolls cell by cell (Hamming distance).


def _flat_batch(rolls: np.ndarray, name: str) -> np.ndarray:
    batch = check_roll(rolls, name, batch=True)
    if batch.shape[0] == 0:
        raise ShapeError(f"argument {name!r} holds no rolls; expected at least one")
    return batch.reshape(batch.shape[0], -1)


def pairwise_hamming(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Hamming distances between rolls: the number of cells where two rolls differ.

    d(x, y) = sum_{t,p} |x[t, p] - y[t, p]| = |x| + |y| - 2 <x, y>  for binary rolls.

    Parameters
    ----------
    a : ndarray, shape (n, time, pitch)
    b : ndarray, shape (m, time, pitch), optional
        Default: ``a`` itself (the n x n matrix within one set).

    Returns
    -------
    ndarray of int64, shape (n, m)

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    x = _flat_batch(a, "a").astype(np.float32)
    y = x if b is None else _flat_batch(b, "b").astype(np.float32)
    if y.shape[1] != x.shape[1]:
        raise ShapeError(f"arguments 'a' and 'b' hold rolls of {x.shape[1]} and {y.shape[1]} cells; they must match")
    d = x.sum(1)[:, None] + y.sum(1)[None, :] - 2.0 * (x @ y.T)
    return np.rint(d).astype(np.int64)


def set_diversity(rolls: np.ndarray) -> float:
    """Mean Hamming distance between two different rolls of a set (higher = more varied).

    diversity = (1 / (n (n - 1))) sum_{i != j} d(x_i, x_j)

    A collapsed generator that always writes the same bar scores 0.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    d = pairwise_hamming(rolls)
    n = d.shape[0]
    if n < 2:
        raise ShapeError(f"argument 'rolls' holds {n} roll; diversity needs at least two")
    return float(d.sum() / (n * (n - 1)))


def _row_keys(flat: np.ndarray) -> np.ndarray:
    packed = np.packbits(flat, axis=1)
    return np.array([row.tobytes() for row in packed], dtype=object)


def unique_rate(rolls: np.ndarray) -> float:
    """Share of distinct rolls in a set: #distinct / n (1.0 = no roll repeats).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    flat = _flat_batch(rolls, "rolls")
    return len(set(_row_keys(flat))) / flat.shape[0]


def copy_rate(rolls: np.ndarray, training: np.ndarray) -> float:
    """Share of rolls that are exact copies of some training roll.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    flat = _flat_batch(rolls, "rolls")
    train = _flat_batch(training, "training")
    if train.shape[1] != flat.shape[1]:
        raise ShapeError(f"arguments 'rolls' and 'training' hold rolls of {flat.shape[1]} and "
                         f"{train.shape[1]} cells; they must match")
    seen = set(_row_keys(train))
    return float(np.mean([k in seen for k in _row_keys(flat)]))


def nearest_neighbour_distance(rolls: np.ndarray, training: np.ndarray, *, chunk: int = 1024) -> np.ndarray:
    """For each roll, the Hamming distance to its nearest training roll (0 = a copy).

    Returns
    -------
    ndarray of int64, shape (n,)

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    batch = check_roll(rolls, "rolls", batch=True)
    _flat_batch(batch, "rolls")
    _flat_batch(training, "training")
    out = [pairwise_hamming(batch[i:i + chunk], training).min(axis=1) for i in range(0, batch.shape[0], chunk)]
    return np.concatenate(out)


def roll_pitch_class_entropy(roll: np.ndarray, *, low: int = DEFAULT_ROLL_RANGE[0]) -> float:
    """Entropy (bits) of the pitch-class histogram of a roll's active cells.

    H = -sum_c h_c log2 h_c, h_c = share of active cells with pitch class c.
    0 for one pitch class, log2(12) = 3.585 for all twelve equally; NaN for a silent roll.
    Counting cells (not notes) weights each pitch class by how long it sounds.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    active = check_roll(roll)
    low = _check_low(active, low)
    per_pitch = active.sum(axis=0)
    counts = np.bincount((low + np.arange(active.shape[1])) % 12, weights=per_pitch, minlength=12)
    total = counts.sum()
    if total == 0:
        return math.nan
    h = counts[counts > 0] / total
    return float(-(h * np.log2(h)).sum() + 0.0)


def bootstrap_ci(
    values: np.ndarray, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of per-item values and its percentile bootstrap confidence interval.

    Resamples the items (NaNs dropped) with replacement ``n_boot`` times and takes the
    (1 - level)/2 and (1 + level)/2 quantiles of the resampled means.

    Returns
    -------
    (mean, low, high) : tuple of float

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise ShapeError("argument 'values' has no finite value; nothing to bootstrap")
    if isinstance(level, bool) or not isinstance(level, int | float | np.floating) or not 0 < level < 1:
        raise ShapeError(f"argument 'level' must lie in (0, 1), got {level!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or not 1 <= n_boot <= 1_000_000:
        raise ShapeError(f"argument 'n_boot' is {n_boot!r}; expected a whole number of resamples in 1..1,000,000")
    if v.size * int(n_boot) > 200_000_000:
        raise ShapeError(f"arguments 'values' ({v.size:,} items) and 'n_boot' ({n_boot:,}) would draw "
                         f"{v.size * int(n_boot):,} samples; at most 200,000,000 fit in memory")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ShapeError(f"argument 'seed' is {seed!r}; expected a whole number >= 0")
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.size, size=(int(n_boot), v.size))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(v.mean()), float(lo), float(hi)
