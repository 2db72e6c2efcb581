"""Pitch features (音高) of symbolic music: histograms, range, intervals, key, scale.

All functions take a :class:`~musiclib.representation.NoteList` and ignore time
except where a weight by duration is asked for. Definitions of the evaluation
metrics (``n_pitch_classes_used``, ``scale_consistency``, ``pitch_class_entropy``,
...) follow MusPy (Dong et al., ISMIR 2020), so numbers can be compared with papers.

Taught in: notebooks/02_feature_extraction.ipynb
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from musiclib.errors import RepresentationError
from musiclib.features._validate import check_notes
from musiclib.representation import PITCH_CLASS_NAMES, NoteList

__all__ = [
    "PITCH_CLASS_NAMES",
    "KS_MAJOR",
    "KS_MINOR",
    "MAJOR_SCALE",
    "MINOR_SCALE",
    "Key",
    "pitch_histogram",
    "pitch_class_histogram",
    "pitch_range",
    "n_pitches_used",
    "n_pitch_classes_used",
    "melodic_intervals",
    "interval_histogram",
    "melodic_contour",
    "key_correlations",
    "estimate_key",
    "pitch_in_scale_rate",
    "scale_consistency",
    "pitch_entropy",
    "pitch_class_entropy",
]


#: Krumhansl & Kessler (1982) probe-tone ratings for a major key, tonic first.
KS_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
#: Krumhansl & Kessler (1982) probe-tone ratings for a minor key, tonic first.
KS_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

#: Pitch classes of C major and C (natural) minor as 0/1 masks (MusPy's scales).
MAJOR_SCALE = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], dtype=bool)
MINOR_SCALE = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0], dtype=bool)

Weight = Literal["count", "duration"]


def _weights(notes: NoteList, weight: str) -> np.ndarray:
    if weight == "count":
        return np.ones(len(notes))
    if weight == "duration":
        return notes.duration.astype(np.float64)
    raise RepresentationError(f"argument 'weight' must be 'count' or 'duration', got {weight!r}")


def _normalise(h: np.ndarray, normalize: bool) -> np.ndarray:
    if not normalize:
        return h
    total = h.sum()
    return h / total if total > 0 else h


def pitch_histogram(
    notes: NoteList, *, weight: Weight = "count", normalize: bool = True
) -> np.ndarray:
    """How often each MIDI pitch occurs.

    h[p] = sum of w_i over notes i with pitch_i = p,  with w_i = 1 (``"count"``) or
    w_i = duration_i (``"duration"``); normalised so that sum_p h[p] = 1.

    Parameters
    ----------
    notes : NoteList
        At least one note.
    weight : {"count", "duration"}
        Count notes, or weight each by its length in quarters.
    normalize : bool
        Divide by the total (default) or return raw counts / quarters.

    Returns
    -------
    ndarray of float64, shape (128,)

    Raises
    ------
    RepresentationError
        If ``notes`` is empty or ``weight`` is unknown.

    Used by: your own experiments (public API; tested in tests/)
    """
    notes = check_notes(notes)
    h = np.bincount(notes.pitch.astype(np.int64), weights=_weights(notes, weight), minlength=128)
    return _normalise(h.astype(np.float64), normalize)


def pitch_class_histogram(
    notes: NoteList, *, weight: Weight = "count", normalize: bool = True
) -> np.ndarray:
    """How often each pitch class (C, C#, ..., B) occurs, octaves folded together.

    h[c] = sum of w_i over notes i with pitch_i mod 12 = c, normalised to sum 1.

    Parameters
    ----------
    notes : NoteList
    weight : {"count", "duration"}
    normalize : bool

    Returns
    -------
    ndarray of float64, shape (12,)
        Index 0 is C, 1 is C#, ..., 11 is B (see :data:`PITCH_CLASS_NAMES`).

    Examples
    --------
    >>> c_major = NoteList.from_arrays([60, 62, 64, 65, 67, 69, 71, 72], range(8), [1] * 8)
    >>> pitch_class_histogram(c_major, normalize=False)[[0, 1, 2]]
    array([2., 0., 1.])

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    pcs = notes.pitch.astype(np.int64) % 12
    h = np.bincount(pcs, weights=_weights(notes, weight), minlength=12)
    return _normalise(h.astype(np.float64), normalize)


def pitch_range(notes: NoteList) -> int:
    """Highest minus lowest MIDI pitch, in semitones (MusPy ``pitch_range``).

    range = max_i pitch_i - min_i pitch_i

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    return int(notes.pitch.max()) - int(notes.pitch.min())


def n_pitches_used(notes: NoteList) -> int:
    """Number of distinct MIDI pitches (MusPy ``n_pitches_used``).

    n = |{pitch_i}|

    Used by: your own experiments (public API; tested in tests/)
    """
    notes = check_notes(notes)
    return int(np.unique(notes.pitch).size)


def n_pitch_classes_used(notes: NoteList) -> int:
    """Number of distinct pitch classes, 1..12 (MusPy ``n_pitch_classes_used``).

    n = |{pitch_i mod 12}|

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    return int(np.unique(notes.pitch.astype(np.int64) % 12).size)


def _skyline(notes: NoteList) -> np.ndarray:
    """Pitches of the highest note at each distinct onset, in time order."""
    onsets, first = np.unique(notes.onset, return_index=True)
    # notes are sorted by onset, then part, then pitch: take the max per onset group
    tops = np.maximum.reduceat(notes.pitch.astype(np.int64), first)
    return tops[np.argsort(onsets)]


def melodic_intervals(notes: NoteList) -> np.ndarray:
    """Signed steps in semitones between successive notes of each part.

    d_k = pitch_{k+1} - pitch_k  for successive notes k, k+1 of one part (voice);
    no interval is taken across two parts. Where a part holds a chord, its highest
    note is used (the "skyline").

    Parameters
    ----------
    notes : NoteList

    Returns
    -------
    ndarray of int64, shape (n_intervals,)
        Parts one after the other (part 0 first). Empty when every part has a
        single note.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    out = []
    for part in np.unique(notes.part):
        line = _skyline(notes[notes.part == part])
        out.append(np.diff(line))
    return np.concatenate(out).astype(np.int64)


def interval_histogram(
    notes: NoteList, *, max_interval: int = 12, normalize: bool = True
) -> np.ndarray:
    """Histogram of melodic intervals from -max_interval to +max_interval semitones.

    h[k] = #{d_j = k - max_interval} (larger leaps are counted in the end bins),
    normalised to sum 1. ``h[max_interval]`` is the share of repeated notes.

    Parameters
    ----------
    notes : NoteList
        At least one part with two notes.
    max_interval : int
        Largest leap with its own bin (default an octave).
    normalize : bool

    Returns
    -------
    ndarray of float64, shape (2 * max_interval + 1,)

    Raises
    ------
    RepresentationError
        If ``notes`` is empty or no part has two notes.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    d = melodic_intervals(notes)
    if int(max_interval) != max_interval or max_interval < 1:
        raise RepresentationError(
            f"argument 'max_interval' must be a positive integer, got {max_interval!r}"
        )
    if d.size == 0:
        raise RepresentationError(
            "argument 'notes' has no melodic interval: every part has a single note"
        )
    m = int(max_interval)
    h = np.bincount(np.clip(d, -m, m) + m, minlength=2 * m + 1).astype(np.float64)
    return _normalise(h, normalize)


def melodic_contour(notes: NoteList) -> np.ndarray:
    """The up/down shape of each melodic line: sign of each interval.

    c_k = sign(pitch_{k+1} - pitch_k) in {-1 (down), 0 (repeat), +1 (up)}

    ``melodic_contour(notes).mean()`` > 0 means the line rises overall; the shares
    of -1 / 0 / +1 describe how a style moves (step-wise chorales repeat less than
    folk dance tunes, for example).

    Returns
    -------
    ndarray of int64, shape (n_intervals,)

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    return np.sign(melodic_intervals(notes)).astype(np.int64)


class Key(NamedTuple):
    """A key estimate: tonic pitch class (0 = C), mode, and the winning correlation.

    Used by: musiclib.features.pitch
    """

    tonic: int
    mode: str
    correlation: float

    @property
    def name(self) -> str:
        """E.g. ``'G major'`` or ``'E minor'``."""
        return f"{PITCH_CLASS_NAMES[self.tonic]} {self.mode}"


def key_correlations(notes: NoteList, *, weight: Weight = "duration") -> np.ndarray:
    """Correlation of the pitch-class histogram with all 24 rotated KS key profiles.

    r(k, mode) = corr(h, roll(profile_mode, k)),  k = 0..11,
    where h is the pitch-class histogram (weighted by duration by default, as in
    Krumhansl's algorithm and music21), ``profile_mode`` is :data:`KS_MAJOR` or
    :data:`KS_MINOR`, and corr is Pearson's correlation coefficient.

    Returns
    -------
    ndarray of float64, shape (24,)
        Entries 0..11: C major .. B major; 12..23: C minor .. B minor. Zeros if the
        histogram is flat (all twelve pitch classes equally long).

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    h = pitch_class_histogram(notes, weight=weight)
    hc = h - h.mean()
    out = np.zeros(24)
    if not np.any(hc):
        return out
    for m, profile in enumerate((KS_MAJOR, KS_MINOR)):
        for k in range(12):
            p = np.roll(profile, k)
            pc = p - p.mean()
            out[12 * m + k] = float(hc @ pc / np.sqrt((hc @ hc) * (pc @ pc)))
    return out


def estimate_key(notes: NoteList, *, weight: Weight = "duration") -> Key:
    """Krumhansl–Schmuckler key finding: the key whose profile correlates best.

    key = argmax over (tonic k, mode) of r(k, mode)  (see :func:`key_correlations`).
    Ties go to the first key in the order C major .. B major, C minor .. B minor.

    Parameters
    ----------
    notes : NoteList
    weight : {"duration", "count"}

    Returns
    -------
    Key
        ``Key(tonic, mode, correlation)``; ``.name`` gives e.g. ``'A minor'``.

    Examples
    --------
    >>> c_major = NoteList.from_arrays([60, 62, 64, 65, 67, 69, 71, 72], range(8), [1] * 8)
    >>> estimate_key(c_major).name
    'C major'

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    r = key_correlations(notes, weight=weight)
    best = int(np.argmax(r))
    return Key(tonic=best % 12, mode=("major", "minor")[best // 12], correlation=float(r[best]))


def pitch_in_scale_rate(notes: NoteList, root: int, mode: str) -> float:
    """Share of notes whose pitch class is in a given scale (MusPy ``pitch_in_scale_rate``).

    rate = #{notes with pitch mod 12 in scale(root, mode)} / #notes

    Parameters
    ----------
    notes : NoteList
    root : int
        Tonic pitch class, 0 (C) .. 11 (B).
    mode : {"major", "minor"}
        Major or natural-minor scale.

    Used by: your own experiments (public API; tested in tests/)
    """
    notes = check_notes(notes)
    if int(root) != root or not 0 <= root <= 11:
        raise RepresentationError(f"argument 'root' must be a pitch class 0..11, got {root!r}")
    if mode not in ("major", "minor"):
        raise RepresentationError(f"argument 'mode' must be 'major' or 'minor', got {mode!r}")
    scale = np.roll(MAJOR_SCALE if mode == "major" else MINOR_SCALE, int(root))
    return float(scale[notes.pitch.astype(np.int64) % 12].mean())


def scale_consistency(notes: NoteList) -> float:
    """Largest share of notes inside any one major or minor scale (MusPy definition).

    scale_consistency = max over root in 0..11, mode in {major, minor} of
    pitch_in_scale_rate(root, mode)

    1.0 means every note fits one scale; random pitches give about 0.6-0.7.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    counts = np.bincount(notes.pitch.astype(np.int64) % 12, minlength=12)
    best = 0
    for scale in (MAJOR_SCALE, MINOR_SCALE):
        for root in range(12):
            best = max(best, int(counts[np.roll(scale, root)].sum()))
    return best / len(notes)


def _entropy_bits(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0


def pitch_entropy(notes: NoteList) -> float:
    """Shannon entropy, in bits, of the pitch histogram (MusPy ``pitch_entropy``).

    H = -sum_p P(p) log2 P(p),  P = :func:`pitch_histogram` (note counts)

    Used by: your own experiments (public API; tested in tests/)
    """
    notes = check_notes(notes)
    return _entropy_bits(np.bincount(notes.pitch.astype(np.int64), minlength=128))


def pitch_class_entropy(notes: NoteList) -> float:
    """Shannon entropy, in bits, of the pitch-class histogram (MusPy definition).

    H = -sum_{c=0}^{11} P(c) log2 P(c),  P = :func:`pitch_class_histogram` (counts)

    0 bits for a single pitch class, log2(12) = 3.585 bits when all twelve are
    equally common. Tonal music sits in between.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    return _entropy_bits(np.bincount(notes.pitch.astype(np.int64) % 12, minlength=12))
