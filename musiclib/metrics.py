"""Evaluating generated melodies as sets (评估): distributions, a Fréchet distance, originality.

A single generated melody cannot be "right" or "wrong"; a *set* of them can look like a
set of human melodies or not. This module measures that in three ways:

* **Set-level feature distributions** after Yang & Lerch (2018): for each feature
  (:data:`FEATURES`) every melody gets a value (a number, a histogram or a transition
  matrix); the distances between the melodies of the reference set (intra-set,
  leave-one-out: a melody is never compared with itself) are one distribution, the
  distances between reference and candidate melodies (inter-set) are another. Both are
  smoothed with a Gaussian kernel density estimate **on one common grid** and compared
  by their overlap area (1 = the candidates sit among the reference melodies as the
  reference melodies sit among themselves) and KL divergence (0 = the same). In the
  paper's reference code the overlap area is computed correctly, but the KL divergence
  compares two densities evaluated on different grids; here both share one grid, so a
  set compared with itself scores exactly overlap 1 and KL 0.
* **A Fréchet distance** between Gaussians fitted to per-melody feature vectors
  (:func:`frechet_distance`), with a bootstrap confidence interval: the formula of the
  Fréchet Audio/Music Distance applied to the course's own features (or any embedding),
  with no network download. It is biased upwards for finite sets; the kernel distance
  (:func:`kernel_distance`, KID) is not, and :func:`paired_difference` compares two
  candidates at equal n with a paired bootstrap.
* **Originality** (:class:`WindowIndex`, :func:`originality_baseline`): the longest run of
  grid steps a melody shares with the training corpus and the share of its one-bar
  windows found there, calibrated against held-out human melodies of the same corpus,
  so that "copies" means "shares more than 95 % of human melodies do".

Melodies are token sequences of a :class:`~musiclib.representation.MelodyVocabulary`
(what the course's models generate). :func:`shuffle_notes`, :func:`jitter_onsets`,
:func:`transpose_some` and :func:`random_melodies` build the controlled degradations
that any sound metric must rank correctly.

Taught in: notebooks/07_evaluating_generated_music.ipynb
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musiclib.errors import DataError, ShapeError
from musiclib.features import (
    DURATION_CLASSES,
    inter_onset_intervals,
    melodic_intervals,
    n_pitches_used,
    note_length_histogram,
    pitch_class_histogram,
    pitch_range,
)
from musiclib.representation import DEFAULT_STEPS_PER_QUARTER, MelodyVocabulary, NoteList, tokens_to_notes

__all__ = [
    "FEATURES",
    "FRECHET_FEATURES",
    "FeatureSet",
    "melody_features",
    "set_features",
    "pairwise_distances",
    "gaussian_kde_on_grid",
    "overlap_and_kl",
    "FeatureComparison",
    "SetComparison",
    "compare_sets",
    "FrechetResult",
    "frechet_distance",
    "feature_vectors",
    "kernel_distance",
    "PairedDifference",
    "paired_difference",
    "WindowIndex",
    "OriginalityBaseline",
    "originality_baseline",
    "shuffle_notes",
    "jitter_onsets",
    "transpose_some",
    "random_melodies",
    "binomial_p_value",
    "critical_count",
    "listening_test_power",
    "read_listening_answers",
    "listening_test_summary",
    "listener_bootstrap",
    "LISTENING_COLUMNS",
]

#: The per-melody features of Yang & Lerch (2018), in table order; value shapes in
#: :func:`melody_features`.
FEATURES = (
    "pitch_count",
    "pitch_class_histogram",
    "pitch_class_transitions",
    "pitch_range",
    "mean_interval",
    "note_count",
    "mean_ioi",
    "note_length_histogram",
    "note_length_transitions",
)
#: The features concatenated into one vector for the Fréchet distance (25 numbers: the
#: two 12x12 / 8x8 transition matrices are left out, too many dimensions for a covariance
#: estimated from a few hundred melodies).
FRECHET_FEATURES = ("pitch_count", "pitch_range", "mean_interval", "note_count", "mean_ioi",
                    "pitch_class_histogram", "note_length_histogram")
_N_LEN = len(DURATION_CLASSES)


# --------------------------------------------------------------------------- features
def _length_classes(durations: np.ndarray) -> np.ndarray:
    """Nearest duration class on a log2 scale (as in :func:`musiclib.features.note_length_histogram`)."""
    return np.argmin(np.abs(np.log2(durations)[:, None] - np.log2(DURATION_CLASSES)[None, :]), axis=1)


def _transitions(classes: np.ndarray, k: int) -> np.ndarray:
    m = np.zeros((k, k))
    if classes.size > 1:
        np.add.at(m, (classes[:-1], classes[1:]), 1.0)
        m /= m.sum()
    return m.ravel()


def melody_features(notes: NoteList) -> dict[str, np.ndarray]:
    """The :data:`FEATURES` of one monophonic melody.

    ================================  =======  ============================================
    feature                           shape    meaning
    ================================  =======  ============================================
    ``pitch_count``                   (1,)     distinct MIDI pitches
    ``pitch_class_histogram``         (12,)    share of notes per pitch class
    ``pitch_class_transitions``       (144,)   12x12 share of successive pitch-class pairs
    ``pitch_range``                   (1,)     highest minus lowest pitch, semitones
    ``mean_interval``                 (1,)     mean absolute step between notes, semitones
    ``note_count``                    (1,)     number of notes
    ``mean_ioi``                      (1,)     mean inter-onset interval, quarters
    ``note_length_histogram``         (8,)     share of notes per length class
    ``note_length_transitions``       (64,)    8x8 share of successive length-class pairs
    ================================  =======  ============================================

    Raises
    ------
    DataError
        The melody has fewer than two notes (no interval, no inter-onset interval).

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    if not isinstance(notes, NoteList):
        raise ShapeError(f"argument 'notes' must be a NoteList, got {type(notes).__name__}")
    if len(notes) < 2:
        raise DataError(f"argument 'notes' has {len(notes)} note(s); set-level features need at least 2")
    pcs = notes.pitch.astype(np.int64) % 12
    return {
        "pitch_count": np.array([n_pitches_used(notes)], float),
        "pitch_class_histogram": pitch_class_histogram(notes),
        "pitch_class_transitions": _transitions(pcs, 12),
        "pitch_range": np.array([pitch_range(notes)], float),
        "mean_interval": np.array([np.abs(melodic_intervals(notes)).mean()], float),
        "note_count": np.array([len(notes)], float),
        "mean_ioi": np.array([inter_onset_intervals(notes).mean()], float),
        "note_length_histogram": note_length_histogram(notes),
        "note_length_transitions": _transitions(_length_classes(notes.duration), _N_LEN),
    }


@dataclass
class FeatureSet:
    """Per-melody feature values of a set of melodies.

    Attributes
    ----------
    values : dict feature name -> array (n_melodies, dim)
    name : str
        A label for tables ("held-out", "lstm", ...).

    Used by: musiclib.metrics (returned by :func:`set_features`); notebooks/07_evaluating_generated_music.ipynb
    """

    values: dict[str, np.ndarray]
    name: str = "melodies"

    def __len__(self) -> int:
        return len(next(iter(self.values.values())))

    def scalar(self, feature: str) -> np.ndarray:
        """The values of a one-number feature as a 1-D array (e.g. ``"pitch_range"``)."""
        v = self.values[feature]
        if v.shape[1] != 1:
            raise ShapeError(f"feature {feature!r} has {v.shape[1]} numbers per melody; expected a scalar feature")
        return v[:, 0]


def set_features(
    melodies: Sequence[np.ndarray | NoteList],
    vocab: MelodyVocabulary | None = None,
    *,
    name: str = "melodies",
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
) -> FeatureSet:
    """:func:`melody_features` of every melody of a set.

    Parameters
    ----------
    melodies : sequence of token arrays (or NoteLists)
        At least two melodies, each with at least two notes.
    vocab : MelodyVocabulary
        The tokens' vocabulary (default ``MelodyVocabulary()``).
    name : str
        Label of the set, used in tables and error messages.

    Raises
    ------
    ShapeError
        Fewer than two melodies.
    DataError
        A melody with fewer than two notes (the message names its index).

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    if isinstance(melodies, np.ndarray) and melodies.ndim == 1 and melodies.dtype != object:
        raise ShapeError(f"argument 'melodies' of set {name!r} is one token sequence; pass a list of melodies")
    if len(melodies) < 2:
        raise ShapeError(f"set {name!r} has {len(melodies)} melody(ies); a set-level evaluation needs at least 2")
    rows: dict[str, list[np.ndarray]] = {f: [] for f in FEATURES}
    for i, m in enumerate(melodies):
        notes = m if isinstance(m, NoteList) else tokens_to_notes(m, vocab, steps_per_quarter=steps_per_quarter)
        try:
            feats = melody_features(notes)
        except DataError as exc:
            raise DataError(f"melody {i} of set {name!r}: {exc}") from None
        for f in FEATURES:
            rows[f].append(feats[f])
    return FeatureSet({f: np.stack(v) for f, v in rows.items()}, name)


# --------------------------------------------------------------------------- distances and densities
def pairwise_distances(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` and ``b``, flattened.

    With ``b=None`` (intra-set), every ordered pair (i, j) with i != j: the
    leave-one-out distances of Yang & Lerch, n (n - 1) values. Otherwise (inter-set)
    every pair (i, j), n_a n_b values.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    a = np.asarray(a, np.float64)
    if a.ndim != 2:
        raise ShapeError(f"argument 'a' has shape {a.shape}; expected (n, dim)")
    other = a if b is None else np.asarray(b, np.float64)
    if other.ndim != 2 or other.shape[1] != a.shape[1]:
        raise ShapeError(f"argument 'b' has shape {other.shape}; expected (m, {a.shape[1]})")
    if a.shape[1] == 1:
        d = np.abs(a[:, :1] - other[:, 0][None, :])
    else:
        sq = (a * a).sum(1)[:, None] + (other * other).sum(1)[None, :] - 2.0 * a @ other.T
        d = np.sqrt(np.maximum(sq, 0.0))
    if b is None:
        return d[~np.eye(len(a), dtype=bool)]
    return d.ravel()


def _bandwidth(x: np.ndarray, span: float) -> float:
    """Scott's rule, floored so that constant samples still give a proper density."""
    scott = 1.06 * float(np.std(x)) * len(x) ** (-0.2)
    return max(scott, span / 200.0, 1e-6)


def gaussian_kde_on_grid(samples: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """A Gaussian kernel density estimate of ``samples`` evaluated on an evenly spaced ``grid``.

    The samples are spread linearly onto the two nearest grid points ("linear
    binning"), then the counts are convolved with a Gaussian of standard deviation
    ``bandwidth``: O(n + grid^2) instead of O(n grid), and within a small fraction of
    the exact sum when the grid spacing is below half the bandwidth (here it always is).
    The result integrates to 1 on the grid (Riemann sum).

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    grid = np.asarray(grid, np.float64)
    x = np.asarray(samples, np.float64).ravel()
    if grid.ndim != 1 or grid.size < 3:
        raise ShapeError(f"argument 'grid' has shape {grid.shape}; expected at least 3 evenly spaced points")
    if x.size == 0:
        raise ShapeError("argument 'samples' is empty; a density needs at least one sample")
    if not bandwidth > 0:
        raise ShapeError(f"argument 'bandwidth' is {bandwidth!r}; expected > 0")
    dx = grid[1] - grid[0]
    pos = np.clip((x - grid[0]) / dx, 0, grid.size - 1 - 1e-9)
    left = np.floor(pos).astype(np.int64)
    frac = pos - left
    counts = np.bincount(left, 1.0 - frac, minlength=grid.size) + np.bincount(left + 1, frac, minlength=grid.size + 1)[
        : grid.size]
    half = min(grid.size - 1, int(np.ceil(5 * bandwidth / dx)))
    offsets = np.arange(-half, half + 1) * dx
    kernel = np.exp(-0.5 * (offsets / bandwidth) ** 2)
    dens = np.convolve(counts, kernel, mode="same") if kernel.size <= grid.size else \
        np.convolve(counts, kernel, mode="full")[half: half + grid.size]
    total = dens.sum() * dx
    return dens / total


def overlap_and_kl(p_samples: np.ndarray, q_samples: np.ndarray, *, grid_points: int = 512,
                   eps: float = 1e-10) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray]:
    """Overlap area and KL(p || q) of two sample sets' Gaussian KDEs on one common grid.

    The grid spans both sample sets plus four bandwidths either side; both densities
    are evaluated on it (:func:`gaussian_kde_on_grid`), so
    overlap = sum_x min(p(x), q(x)) dx and KL = sum_x p(x) log(p(x) / q(x)) dx (in nats,
    both densities floored at ``eps``). Equal samples give exactly (1, 0).

    Returns
    -------
    overlap, kl : float
    grid, p, q : ndarrays (for plots)

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    p_s, q_s = np.asarray(p_samples, np.float64).ravel(), np.asarray(q_samples, np.float64).ravel()
    if p_s.size == 0 or q_s.size == 0:
        raise ShapeError("arguments 'p_samples' and 'q_samples' must both be non-empty")
    if not (np.all(np.isfinite(p_s)) and np.all(np.isfinite(q_s))):
        raise DataError("arguments 'p_samples' and 'q_samples' must be finite")
    lo, hi = min(p_s.min(), q_s.min()), max(p_s.max(), q_s.max())
    span = hi - lo
    h_p, h_q = _bandwidth(p_s, span), _bandwidth(q_s, span)
    pad = 4 * max(h_p, h_q)
    grid = np.linspace(lo - pad, hi + pad, int(grid_points))
    dx = grid[1] - grid[0]
    p = gaussian_kde_on_grid(p_s, grid, h_p)
    q = gaussian_kde_on_grid(q_s, grid, h_q)
    overlap = float(np.minimum(p, q).sum() * dx)
    pp, qq = np.maximum(p, eps), np.maximum(q, eps)
    kl = float(np.sum(pp * np.log(pp / qq)) * dx)
    if np.array_equal(p, q):
        overlap, kl = 1.0, 0.0
    return min(overlap, 1.0), max(kl, 0.0), grid, p, q


@dataclass(frozen=True)
class FeatureComparison:
    """One feature's row of a set comparison (distances are Euclidean in the feature's space).

    Attributes
    ----------
    feature : str
    intra_reference, intra_candidate : (mean, std) of the leave-one-out intra-set distances
    inter : (mean, std) of the reference-to-candidate distances
    overlap : float
        Overlap area of the intra-reference and inter-set densities (1 = indistinguishable).
    kl : float
        KL(intra-reference || inter-set) in nats (0 = indistinguishable).

    Used by: musiclib.metrics (rows of :class:`SetComparison`); notebooks/07_evaluating_generated_music.ipynb
    """

    feature: str
    intra_reference: tuple[float, float]
    intra_candidate: tuple[float, float]
    inter: tuple[float, float]
    overlap: float
    kl: float


@dataclass
class SetComparison:
    """A candidate set compared with a reference set, feature by feature.

    Attributes
    ----------
    reference, candidate : str
    rows : list of FeatureComparison

    Used by: musiclib.metrics (returned by :func:`compare_sets`); notebooks/07_evaluating_generated_music.ipynb
    """

    reference: str
    candidate: str
    rows: list[FeatureComparison] = field(default_factory=list)

    @property
    def mean_overlap(self) -> float:
        """Mean overlap area over the features (1 = best)."""
        return float(np.mean([r.overlap for r in self.rows]))

    @property
    def mean_kl(self) -> float:
        """Mean KL divergence over the features (0 = best)."""
        return float(np.mean([r.kl for r in self.rows]))

    def table(self) -> str:
        """A plain-text table, one row per feature, rounded for printing."""
        lines = [f"{self.candidate} vs {self.reference}",
                 f"{'feature':<24} {'intra ref':>13} {'intra cand':>13} {'inter':>13} {'overlap':>7} {'KL':>6}"]
        for r in self.rows:
            lines.append(f"{r.feature:<24} {r.intra_reference[0]:6.3f}±{r.intra_reference[1]:<6.3f}"
                         f"{r.intra_candidate[0]:7.3f}±{r.intra_candidate[1]:<6.3f}"
                         f"{r.inter[0]:7.3f}±{r.inter[1]:<6.3f}{r.overlap:7.3f} {r.kl:6.3f}")
        lines.append(f"{'mean':<24} {'':>13} {'':>13} {'':>13} {self.mean_overlap:7.3f} {self.mean_kl:6.3f}")
        return "\n".join(lines)


def _same_set(a: FeatureSet, b: FeatureSet) -> bool:
    return a is b or (len(a) == len(b) and all(np.array_equal(a.values[f], b.values[f]) for f in FEATURES))


def compare_sets(reference: FeatureSet, candidate: FeatureSet, *, features: Sequence[str] = FEATURES,
                 grid_points: int = 512) -> SetComparison:
    """Compare a candidate set with a reference set, feature by feature (Yang & Lerch 2018).

    For each feature: the intra-set distances of the reference (leave-one-out), the
    intra-set distances of the candidate, and the inter-set distances between them;
    overlap area and KL divergence between the intra-reference and inter-set densities,
    both evaluated on one common grid (:func:`overlap_and_kl`). When the candidate is
    the reference itself, the pair (i, i) is left out of the inter-set distances too
    (leave-one-out), so a set compared with itself scores overlap 1 and KL 0.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    for arg, fs in (("reference", reference), ("candidate", candidate)):
        if not isinstance(fs, FeatureSet):
            raise ShapeError(f"argument {arg!r} must be a FeatureSet (from set_features), got {type(fs).__name__}")
    unknown = [f for f in features if f not in FEATURES]
    if unknown or not features:
        raise ShapeError(f"argument 'features' has {unknown or 'nothing'}; expected names from {FEATURES}")
    same = _same_set(reference, candidate)
    out = SetComparison(reference.name, candidate.name)
    for f in features:
        a, b = reference.values[f], candidate.values[f]
        intra_a = pairwise_distances(a)
        intra_b = pairwise_distances(b)
        inter = pairwise_distances(a) if same else pairwise_distances(a, b)
        overlap, kl, *_ = overlap_and_kl(intra_a, inter, grid_points=grid_points)
        out.rows.append(FeatureComparison(
            f, (float(intra_a.mean()), float(intra_a.std())), (float(intra_b.mean()), float(intra_b.std())),
            (float(inter.mean()), float(inter.std())), overlap, kl))
    return out


# --------------------------------------------------------------------------- Fréchet distance
def feature_vectors(fs: FeatureSet, features: Sequence[str] = FRECHET_FEATURES) -> np.ndarray:
    """One vector per melody: the named features concatenated, shape (n, dim).

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    return np.concatenate([fs.values[f] for f in features], axis=1)


def _vectors(arg: str, value: FeatureSet | np.ndarray) -> np.ndarray:
    x = feature_vectors(value) if isinstance(value, FeatureSet) else np.asarray(value, np.float64)
    if x.ndim != 2:
        raise ShapeError(f"argument {arg!r} has shape {x.shape}; expected a FeatureSet or an array (n, dim)")
    if len(x) < 2:
        raise ShapeError(f"argument {arg!r} has {len(x)} row(s); a distance between sets needs >= 2 melodies each")
    if not np.all(np.isfinite(x)):
        raise DataError(f"argument {arg!r} has NaN or infinite values")
    return x


def _scaled_vectors(sets: dict[str, FeatureSet | np.ndarray], standardize: bool,
                    min_scale: float) -> list[np.ndarray]:
    """Each set as checked vectors (n, dim), all of one dim; the first set's standard
    deviations (floored at ``min_scale``) divide every set when ``standardize``."""
    xs = [_vectors(arg, value) for arg, value in sets.items()]
    dims = {arg: x.shape[1] for arg, x in zip(sets, xs, strict=True)}
    if len(set(dims.values())) != 1:
        raise ShapeError(f"arguments {', '.join(map(repr, dims))} have {', '.join(map(str, dims.values()))} "
                         "numbers per melody; they must be the same features")
    if standardize:
        sd = np.maximum(xs[0].std(0), float(min_scale))
        xs = [x / sd for x in xs]
    return xs


def _check_level(level: float) -> None:
    if not (_is_number(level) and 0 < level < 1):
        raise ShapeError(f"argument 'level' is {level!r}; expected a number between 0 and 1")


def _frechet(x: np.ndarray, y: np.ndarray) -> float:
    mu_x, mu_y = x.mean(0), y.mean(0)
    s_x = np.atleast_2d(np.cov(x, rowvar=False))
    s_y = np.atleast_2d(np.cov(y, rowvar=False))
    w, v = np.linalg.eigh(s_x)
    root_x = (v * np.sqrt(np.maximum(w, 0.0))) @ v.T
    cross = np.linalg.eigvalsh(root_x @ s_y @ root_x)
    tr_sqrt = float(np.sqrt(np.maximum(cross, 0.0)).sum())
    d = float(((mu_x - mu_y) ** 2).sum() + np.trace(s_x) + np.trace(s_y) - 2.0 * tr_sqrt)
    return max(d, 0.0)


@dataclass(frozen=True)
class FrechetResult:
    """A Fréchet distance with its bootstrap percentile interval.

    Attributes
    ----------
    value : float
        Distance between the two full sets.
    low, high : float
        Bias-corrected percentile bootstrap interval: both sets resampled with
        replacement, the percentiles shifted by the bootstrap bias (a resample repeats
        melodies, which makes the distance look larger), floored at 0.
    level : float
        Coverage of the interval (0.95).
    n_boot : int

    Used by: musiclib.metrics (returned by :func:`frechet_distance`); notebooks/07_evaluating_generated_music.ipynb
    """

    value: float
    low: float
    high: float
    level: float
    n_boot: int

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def frechet_distance(reference: FeatureSet | np.ndarray, candidate: FeatureSet | np.ndarray, *,
                     n_boot: int = 200, level: float = 0.95, seed: int = 0,
                     standardize: bool = True, min_scale: float = 0.05) -> FrechetResult:
    """Fréchet distance between Gaussians fitted to two sets of vectors, with a bootstrap interval.

    FD = ||mu_r - mu_c||^2 + Tr(S_r + S_c - 2 (S_r^{1/2} S_c S_r^{1/2})^{1/2})

    (the formula of the Fréchet Inception/Audio/Music Distance). ``FeatureSet`` inputs
    become :func:`feature_vectors`; arrays (n, dim) are used as given (e.g. a classifier's
    embeddings). With ``standardize`` every dimension is divided by the reference's
    standard deviation, floored at ``min_scale`` (0.05 = five percentage points of a
    histogram), so that note counts do not drown histograms and a histogram bin the
    reference almost never uses cannot turn a few unusual notes into a huge distance.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    x, y = _scaled_vectors({"reference": reference, "candidate": candidate}, standardize, min_scale)
    _check_level(level)
    if int(n_boot) < 0 or int(n_boot) == 1:
        raise ShapeError(f"argument 'n_boot' is {n_boot!r}; expected 0 (no interval) or >= 2 resamples")
    value = 0.0 if x.shape == y.shape and np.array_equal(x, y) else _frechet(x, y)
    rng = np.random.default_rng(seed)
    boots = [_frechet(x[rng.integers(0, len(x), len(x))], y[rng.integers(0, len(y), len(y))])
             for _ in range(int(n_boot))]
    if boots:
        # resampling with replacement repeats melodies, which inflates the distance; shift the
        # percentile interval by that bias (mean of the bootstraps minus the estimate)
        bias = float(np.mean(boots)) - value
        low, high = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2]) - bias
        low, high = max(float(low), 0.0), max(float(high), 0.0)
    else:
        low = high = value
    return FrechetResult(value, float(low), float(high), float(level), int(n_boot))


def _mmd2_unbiased(x: np.ndarray, y: np.ndarray, degree: int) -> float:
    d = x.shape[1]
    k_xx = (x @ x.T / d + 1.0) ** degree
    k_yy = (y @ y.T / d + 1.0) ** degree
    k_xy = (x @ y.T / d + 1.0) ** degree
    m, n = len(x), len(y)
    return float((k_xx.sum() - np.trace(k_xx)) / (m * (m - 1)) + (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
                 - 2.0 * k_xy.mean())


def kernel_distance(reference: FeatureSet | np.ndarray, candidate: FeatureSet | np.ndarray, *,
                    degree: int = 3, standardize: bool = True, min_scale: float = 0.05) -> float:
    """Kernel distance (the kernel inception distance, KID) between two sets of vectors.

    The unbiased estimate of the squared maximum mean discrepancy with the polynomial
    kernel k(x, y) = (x.y / dim + 1)^3 (Bińkowski et al. 2018):

        KID = mean_{i != j} k(r_i, r_j) + mean_{i != j} k(c_i, c_j) - 2 mean_{i, j} k(r_i, c_j)

    Unlike the Fréchet distance, whose estimate from n melodies is biased upwards by
    roughly a constant over n, its expected value is exactly 0 when both sets come from
    one population, whatever their sizes; so a single estimate can be slightly negative.
    Inputs and scaling as :func:`frechet_distance`.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    if not (isinstance(degree, int | np.integer) and degree >= 1):
        raise ShapeError(f"argument 'degree' is {degree!r}; expected a whole number >= 1")
    x, y = _scaled_vectors({"reference": reference, "candidate": candidate}, standardize, min_scale)
    return _mmd2_unbiased(x, y, int(degree))


_DISTANCES = {"frechet": _frechet, "kernel": lambda x, y: _mmd2_unbiased(x, y, 3)}


@dataclass(frozen=True)
class PairedDifference:
    """d(reference, a) - d(reference, b) at equal set sizes, with a paired bootstrap interval.

    Attributes
    ----------
    metric : str
        ``"frechet"`` or ``"kernel"``.
    a, b : str
        The two candidate sets' labels.
    n : int
        Melodies drawn from each candidate set (the smaller set's size by default).
    difference : float
        The difference on the two sets cut to ``n`` melodies (negative: ``a`` is closer).
    low, high : float
        Percentile interval of the bootstrap differences.
    level : float
    n_boot : int

    Used by: musiclib.metrics (returned by :func:`paired_difference`); notebooks/07_evaluating_generated_music.ipynb
    """

    metric: str
    a: str
    b: str
    n: int
    difference: float
    low: float
    high: float
    level: float
    n_boot: int

    @property
    def verdict(self) -> str:
        """Which set is closer to the reference, or that this many melodies cannot tell."""
        if self.high < 0:
            return f"{self.a} closer"
        if self.low > 0:
            return f"{self.b} closer"
        return "cannot tell apart"

    def __str__(self) -> str:
        return f"{self.difference:+.3f} [{self.low:+.3f}, {self.high:+.3f}] ({self.verdict})"


def paired_difference(reference: FeatureSet | np.ndarray, a: FeatureSet | np.ndarray, b: FeatureSet | np.ndarray,
                      *, metric: str = "frechet", n: int | None = None, n_boot: int = 200, level: float = 0.95,
                      seed: int = 0, standardize: bool = True, min_scale: float = 0.05) -> PairedDifference:
    """Is candidate ``a`` or ``b`` closer to the reference? A paired bootstrap at equal n.

    Two Fréchet intervals that overlap do not mean "cannot tell apart", and two sets of
    different sizes carry different finite-sample biases. So both candidates are cut to
    the same ``n`` melodies, and in each of ``n_boot`` rounds the reference and both
    candidates are resampled with replacement (``n`` melodies each for ``a`` and ``b``)
    and the *difference* of the two distances is recorded: the same reference resample
    serves both, so what it adds to both distances cancels. When the interval excludes
    0, one set is closer at this level.

    Raises
    ------
    ShapeError
        Fewer than 2 melodies in a set, ``n`` below 2 or above a set's size, ``n_boot``
        below 2, different features in the sets, an unknown ``metric``.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    if metric not in _DISTANCES:
        raise ShapeError(f"argument 'metric' is {metric!r}; expected one of {sorted(_DISTANCES)}")
    if not (_is_number(n_boot) and int(n_boot) == n_boot and n_boot >= 2):
        raise ShapeError(f"argument 'n_boot' is {n_boot!r}; a bootstrap interval needs >= 2 resamples")
    _check_level(level)
    r, x, y = _scaled_vectors({"reference": reference, "a": a, "b": b}, standardize, min_scale)
    smaller = min(len(x), len(y))
    if n is None:
        n = smaller
    if not (_is_number(n) and int(n) == n and 2 <= n <= smaller):
        raise ShapeError(f"argument 'n' is {n!r}; expected a whole number from 2 to {smaller} (the smaller set)")
    n = int(n)
    dist = _DISTANCES[metric]
    rng = np.random.default_rng(seed)
    x_n, y_n = x[rng.permutation(len(x))[:n]], y[rng.permutation(len(y))[:n]]
    difference = dist(r, x_n) - dist(r, y_n)
    diffs = []
    for _ in range(int(n_boot)):
        r_b = r[rng.integers(0, len(r), len(r))]
        diffs.append(dist(r_b, x[rng.integers(0, len(x), n)]) - dist(r_b, y[rng.integers(0, len(y), n)]))
    low, high = np.quantile(diffs, [(1 - level) / 2, (1 + level) / 2])
    label = {"a": getattr(a, "name", "a"), "b": getattr(b, "name", "b")}
    return PairedDifference(metric, label["a"], label["b"], n, float(difference), float(low), float(high),
                            float(level), int(n_boot))


# --------------------------------------------------------------------------- originality
class WindowIndex:
    """Every window of consecutive tokens of a training corpus, for exact look-ups.

    A window never crosses from one training melody into the next. Windows of one
    length are stored as a set of bytes (exact: no hashing collisions), built the first
    time that length is asked for.

    Parameters
    ----------
    training : sequence of token arrays

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """

    def __init__(self, training: Sequence[np.ndarray]) -> None:
        seqs = [np.asarray(t) for t in training]
        if not seqs or any(s.ndim != 1 for s in seqs):
            raise ShapeError("argument 'training' must be a non-empty list of 1-D token sequences")
        if any(s.size and (s.min() < 0 or s.max() > 255) for s in seqs):
            raise ShapeError("argument 'training' holds tokens outside 0..255")
        self._seqs = [s.astype(np.uint8) for s in seqs]
        self._sets: dict[int, set[bytes]] = {}
        self.n_steps = int(sum(s.size for s in seqs))

    def windows(self, length: int) -> set[bytes]:
        """The set of all training windows of ``length`` tokens (as bytes)."""
        if length not in self._sets:
            out: set[bytes] = set()
            for s in self._sets_source(length):
                out.update(bytes(row) for row in s)
            self._sets[length] = out
        return self._sets[length]

    def _sets_source(self, length: int):
        for s in self._seqs:
            if s.size >= length:
                yield np.lib.stride_tricks.sliding_window_view(s, length)

    def _has_run(self, seq: np.ndarray, length: int) -> bool:
        if seq.size < length:
            return False
        train = self.windows(length)
        return any(bytes(row) in train for row in np.lib.stride_tricks.sliding_window_view(seq, length))

    def longest_run(self, melody: np.ndarray) -> int:
        """Length (in steps) of the longest run of ``melody`` found in one training melody.

        Binary search on the length: a run of L shared steps contains one of L - 1.
        """
        seq = np.asarray(melody)
        if seq.ndim != 1:
            raise ShapeError(f"argument 'melody' has shape {seq.shape}; expected a 1-D token sequence")
        seq = seq.astype(np.uint8)
        lo, hi = 0, int(seq.size)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._has_run(seq, mid):
                lo = mid
            else:
                hi = mid - 1
        return lo

    def overlap(self, melody: np.ndarray, n: int = 16) -> float:
        """Share of the melody's windows of ``n`` steps (16 = one 4/4 bar) found in the training corpus."""
        seq = np.asarray(melody).astype(np.uint8)
        if int(n) < 1:
            raise ShapeError(f"argument 'n' is {n!r}; expected >= 1")
        if seq.size < n:
            return 0.0
        train = self.windows(int(n))
        rows = np.lib.stride_tricks.sliding_window_view(seq, int(n))
        return float(np.mean([bytes(r) in train for r in rows]))

    def report(self, melodies: Sequence[np.ndarray], n: int = 16) -> dict[str, np.ndarray]:
        """``longest_run`` and ``overlap`` of every melody, as arrays."""
        return {"longest_run": np.array([self.longest_run(m) for m in melodies], np.int64),
                "overlap": np.array([self.overlap(m, n) for m in melodies], np.float64)}


@dataclass(frozen=True)
class OriginalityBaseline:
    """How much held-out human melodies share with the training corpus: a reference interval.

    Attributes
    ----------
    length : int
        Excerpt length in steps (the same as the generated melodies').
    n_excerpts : int
    run_interval, overlap_interval : (low, high)
        Central ``level`` intervals of the longest shared run (steps) and of the
        one-bar overlap of human excerpts.
    level : float
    ngram : int
        Window length of the overlap (steps).

    Used by: musiclib.metrics (returned by :func:`originality_baseline`); notebooks/07_evaluating_generated_music.ipynb
    """

    length: int
    n_excerpts: int
    run_interval: tuple[float, float]
    overlap_interval: tuple[float, float]
    level: float
    ngram: int

    def copies(self, report: dict[str, np.ndarray]) -> np.ndarray:
        """True for melodies whose longest shared run is above the human interval."""
        return np.asarray(report["longest_run"]) > self.run_interval[1]


def originality_baseline(held_out: Sequence[np.ndarray], index: WindowIndex, length: int, *,
                         n: int = 16, level: float = 0.95) -> OriginalityBaseline:
    """Cut held-out human melodies into excerpts of ``length`` steps and measure what they share.

    A generated melody of ``length`` steps "copies" when its longest run shared with
    the training corpus is longer than the upper end of this interval: it shares more
    than (1 + level) / 2 of human excerpts of the same corpus do.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    if int(length) < 1:
        raise ShapeError(f"argument 'length' is {length!r}; expected >= 1")
    if not 0 < level < 1:
        raise ShapeError(f"argument 'level' is {level!r}; expected a number between 0 and 1")
    excerpts = [np.asarray(m)[s:s + length] for m in held_out for s in range(0, len(m) - length + 1, length)]
    if len(excerpts) < 10:
        raise DataError(f"held-out melodies give {len(excerpts)} excerpts of {length} steps; expected >= 10")
    rep = index.report(excerpts, n)
    q = [(1 - level) / 2, (1 + level) / 2]
    runs = np.quantile(rep["longest_run"], q)
    ovl = np.quantile(rep["overlap"], q)
    return OriginalityBaseline(int(length), len(excerpts), (float(runs[0]), float(runs[1])),
                               (float(ovl[0]), float(ovl[1])), float(level), int(n))


# --------------------------------------------------------------------------- controlled degradations
def _note_spans(seq: np.ndarray, vocab: MelodyVocabulary) -> list[tuple[int, int]]:
    """(start, end) of each note: a note-on and the holds after it."""
    starts = np.flatnonzero(seq >= vocab.N_SPECIAL)
    spans = []
    for s in starts:
        e = s + 1
        while e < seq.size and seq[e] == vocab.HOLD:
            e += 1
        spans.append((int(s), int(e)))
    return spans


def shuffle_notes(tokens: np.ndarray, fraction: float = 1.0, *, seed: int | np.random.Generator = 0,
                  vocab: MelodyVocabulary | None = None) -> np.ndarray:
    """Permute the pitches of a random ``fraction`` of the notes (rhythm unchanged).

    Pitch-class histogram, pitch count and range stay; intervals and transitions break.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    if not 0 <= fraction <= 1:
        raise ShapeError(f"argument 'fraction' is {fraction!r}; expected 0..1")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    seq = vocab.check_tokens(tokens).copy()
    on = np.flatnonzero(seq >= vocab.N_SPECIAL)
    k = int(round(fraction * on.size))
    if k >= 2:
        chosen = rng.choice(on, size=k, replace=False)
        seq[chosen] = seq[rng.permutation(chosen)]
    return seq


def jitter_onsets(tokens: np.ndarray, max_steps: int, *, seed: int | np.random.Generator = 0,
                  vocab: MelodyVocabulary | None = None) -> np.ndarray:
    """Move every note's onset by a random -max_steps..max_steps grid steps (pitches kept).

    Notes keep their order; a note moved past its neighbour's start is cut at it.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    if isinstance(max_steps, bool) or int(max_steps) != max_steps or max_steps < 0:
        raise ShapeError(f"argument 'max_steps' is {max_steps!r}; expected a whole number >= 0")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    seq = vocab.check_tokens(tokens)
    spans = _note_spans(seq, vocab)
    if not spans or max_steps == 0:
        return seq.copy()
    starts = np.array([s for s, _ in spans]) + rng.integers(-max_steps, max_steps + 1, len(spans))
    starts = np.maximum.accumulate(np.clip(starts, 0, seq.size - 1))  # notes keep their order
    out = np.full(seq.size, vocab.REST, np.int64)
    for i, (s, (s0, e0)) in enumerate(zip(starts.tolist(), spans, strict=True)):
        nxt = int(starts[i + 1]) if i + 1 < len(spans) else seq.size
        if nxt == s:
            continue  # lands on the next note's start: dropped
        out[s] = seq[s0]
        out[s + 1:min(s + (e0 - s0), nxt)] = vocab.HOLD
    return out


def transpose_some(melodies: Sequence[np.ndarray], fraction: float, semitones: int = 6, *,
                   seed: int = 0, vocab: MelodyVocabulary | None = None) -> list[np.ndarray]:
    """Transpose a random ``fraction`` of the melodies by ``semitones`` (octave-folded into the vocabulary).

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    if not 0 <= fraction <= 1:
        raise ShapeError(f"argument 'fraction' is {fraction!r}; expected 0..1")
    rng = np.random.default_rng(seed)
    chosen = set(rng.choice(len(melodies), size=int(round(fraction * len(melodies))), replace=False).tolist())
    out = []
    for i, m in enumerate(melodies):
        seq = vocab.check_tokens(m).copy()
        if i in chosen:
            on = seq >= vocab.N_SPECIAL
            p = seq[on] + int(semitones)
            n_pitch = vocab.size - vocab.N_SPECIAL
            while (p >= vocab.size).any() or (p < vocab.N_SPECIAL).any():
                p = np.where(p >= vocab.size, p - 12, p)
                p = np.where(p < vocab.N_SPECIAL, p + 12, p)
                if n_pitch < 12:
                    break
            seq[on] = p
        out.append(seq)
    return out


def random_melodies(n: int, length: int, *, low: int = 60, high: int = 79, seed: int = 0,
                    vocab: MelodyVocabulary | None = None) -> list[np.ndarray]:
    """``n`` melodies of ``length`` steps: uniformly random pitches in low..high, random lengths of 1-8 steps.

    The floor of any evaluation: a metric that does not rank these last is broken.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    if int(n) < 1 or int(length) < 2:
        raise ShapeError(f"arguments 'n'={n!r} and 'length'={length!r}; expected n >= 1 and length >= 2")
    vocab.pitch_to_token(low)
    vocab.pitch_to_token(high)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(int(n)):
        seq = np.full(int(length), vocab.HOLD, np.int64)
        t = 0
        while t < length:
            seq[t] = vocab.pitch_to_token(int(rng.integers(low, high + 1)))
            t += int(rng.integers(1, 9))
        out.append(seq)
    return out


# --------------------------------------------------------------------------- listening tests
#: The most trials the exact binomial sums accept (a listening test has hundreds).
MAX_TRIALS = 100_000


def _is_number(x: object) -> bool:
    return not isinstance(x, bool) and isinstance(x, int | float | np.integer | np.floating) and math.isfinite(x)


def _check_trials(trials: int, p0: float) -> int:
    if not _is_number(trials) or int(trials) != trials or not 1 <= trials <= MAX_TRIALS:
        raise ShapeError(f"argument 'trials' is {trials!r}; expected a whole number in 1..{MAX_TRIALS:,}")
    if not _is_number(p0) or not 0 < p0 < 1:
        raise ShapeError(f"argument 'p0' is {p0!r}; expected a probability between 0 and 1")
    return int(trials)


_EXACT_TRIALS = 500  # up to here tails are summed exactly; beyond, in log space (float overflow otherwise)


def _tails(n: int, p: float) -> np.ndarray:
    """P(X >= k) for k = 0..n+1, X ~ Binomial(n, p), from log-space probabilities (any n)."""
    i = np.arange(n + 1)
    lg = np.array([math.lgamma(x + 1) for x in range(n + 1)])
    logpmf = lg[n] - lg - lg[::-1] + i * math.log(p) + (n - i) * math.log1p(-p)
    pmf = np.exp(logpmf - logpmf.max()) * math.exp(logpmf.max())
    return np.minimum(np.concatenate([np.cumsum(pmf[::-1])[::-1], [0.0]]), 1.0)


def _upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): summed exactly for small n, in log space beyond."""
    if n <= _EXACT_TRIALS:
        return float(sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(max(k, 0), n + 1)))
    return float(_tails(n, p)[min(max(k, 0), n + 1)])


def binomial_p_value(correct: int, trials: int, p0: float = 0.5) -> float:
    """One-sided binomial test: P(at least ``correct`` right answers out of ``trials`` | guessing at rate p0).

    In a two-alternative listening test ("which of A and B did a person write?"),
    listeners who cannot tell are right with probability 0.5.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    n = _check_trials(trials, p0)
    if not _is_number(correct) or int(correct) != correct or not 0 <= correct <= n:
        raise ShapeError(f"argument 'correct' is {correct!r}; expected a whole number in 0..{n}")
    return _upper_tail(int(correct), n, p0)


def critical_count(trials: int, alpha: float = 0.05, p0: float = 0.5) -> int:
    """The fewest correct answers out of ``trials`` that the test at level ``alpha`` calls significant.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    n = _check_trials(trials, p0)
    if not _is_number(alpha) or not 0 < alpha < 1:
        raise ShapeError(f"argument 'alpha' is {alpha!r}; expected a number between 0 and 1")
    if n > _EXACT_TRIALS:
        return int(np.argmax(_tails(n, p0) <= alpha))  # the last entry (n + 1) is 0, so one is found
    for k in range(n + 1):
        if _upper_tail(k, n, p0) <= alpha:
            return k
    return n + 1


def listening_test_power(trials: int, rate: float, alpha: float = 0.05, p0: float = 0.5) -> float:
    """Chance that a test of ``trials`` answers detects listeners who are right at ``rate``.

    power = P(X >= critical_count(trials, alpha) | X ~ Binomial(trials, rate)); e.g. 100
    trials at a true rate of 60 % give about 0.62: four times in ten such a real
    difference goes unnoticed.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    n = _check_trials(trials, p0)
    if not _is_number(rate) or not 0 < rate < 1:
        raise ShapeError(f"argument 'rate' is {rate!r}; expected a probability between 0 and 1")
    return _upper_tail(critical_count(n, alpha, p0), n, rate)


#: Columns of a listening-test answer file (see :func:`musiclib.widgets.listening_test`).
LISTENING_COLUMNS = ("listener", "trial", "source", "human_position", "answer", "correct")


def read_listening_answers(path: str | os.PathLike) -> list[dict]:
    """Read a listening-test CSV written by :func:`musiclib.widgets.listening_test`.

    Raises
    ------
    DataError
        Missing file or columns.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"listening-test file {str(p)!r} does not exist")
    try:
        with p.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in LISTENING_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"listening-test file {str(p)!r} lacks columns {missing}")
            return [dict(r, correct=r["correct"] in ("1", "True", "true")) for r in reader]
    except UnicodeDecodeError as exc:
        raise DataError(f"listening-test file {str(p)!r} is not UTF-8 text (byte {exc.start}); expected the CSV "
                        "written by musiclib.widgets.listening_test") from exc
    except csv.Error as exc:
        raise DataError(f"listening-test file {str(p)!r} is not a readable CSV: {exc}") from exc
    except OSError as exc:
        raise DataError(f"listening-test file {str(p)!r} cannot be read: {exc.strerror or exc}") from exc


def listener_bootstrap(answers: Sequence[dict], *, n_boot: int = 2000, level: float = 0.95,
                       seed: int = 0) -> tuple[float, float]:
    """Interval for the share of right answers that resamples *listeners*, not trials.

    The binomial test treats every trial as independent with one common rate. Trials
    from one listener are not: they share that person's ear. Resampling whole listeners
    with replacement (each keeps all of their trials) gives an interval that widens when
    listeners differ. Returns the percentile interval of the pooled rate.

    Raises
    ------
    DataError
        No answers, or an answer without a ``listener``.
    ShapeError
        ``n_boot`` below 2, or ``level`` outside (0, 1).

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    if not answers:
        raise DataError("argument 'answers' is empty; no trial to analyse")
    if not (_is_number(n_boot) and int(n_boot) == n_boot and n_boot >= 2):
        raise ShapeError(f"argument 'n_boot' is {n_boot!r}; a bootstrap interval needs >= 2 resamples")
    _check_level(level)
    by_listener: dict[str, list[int]] = {}
    for i, a in enumerate(answers):
        if not str(a.get("listener", "")).strip():
            raise DataError(f"answer {i} of argument 'answers' names no listener; a per-listener analysis needs one")
        by_listener.setdefault(str(a["listener"]), []).append(int(bool(a["correct"])))
    right = np.array([sum(v) for v in by_listener.values()], float)
    trials = np.array([len(v) for v in by_listener.values()], float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(right), (int(n_boot), len(right)))
    rates = right[picks].sum(axis=1) / trials[picks].sum(axis=1)
    low, high = np.quantile(rates, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def listening_test_summary(answers: Sequence[dict], *, alpha: float = 0.05, effect: float = 0.6) -> list[dict]:
    """Per machine source: trials, correct answers, rate, one-sided p-value, and the power to detect ``effect``.

    Each source (model) is analysed on its own trials: pooling a model people can spot
    with one they cannot would hide both. The p-value and power assume independent
    trials (the binomial test); ``listeners`` and ``listener_interval`` (the
    :func:`listener_bootstrap` 95 % interval of the rate) drop that assumption.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    if not answers:
        raise DataError("argument 'answers' is empty; no trial to analyse")
    out = []
    for source in sorted({a["source"] for a in answers}):
        rows = [a for a in answers if a["source"] == source]
        k = int(sum(bool(a["correct"]) for a in rows))
        listeners = {str(a.get("listener", "")).strip() for a in rows}
        interval = listener_bootstrap(rows) if len(listeners) >= 2 and "" not in listeners else None
        out.append({"source": source, "trials": len(rows), "correct": k, "rate": k / len(rows),
                    "p_value": binomial_p_value(k, len(rows)),
                    "power": listening_test_power(len(rows), effect, alpha),
                    "listeners": len(listeners - {""}), "listener_interval": interval})
    return out
