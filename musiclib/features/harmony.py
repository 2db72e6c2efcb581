"""Harmony (和声): chords, Roman numerals, harmonic rhythm and chord vocabularies.

Four-part music has harmony written out: cutting the score wherever a note starts
or ends gives a sequence of vertical sonorities (music21 calls this *chordify*), and
each sonority can be named relative to the key as a Roman numeral (I, V7, ii6, ...).
A single melody has no chords, but it *implies* them: the triad whose notes best
cover a bar's pitch classes (template matching, as in audio chord recognition).

- :func:`chordify` - the sonorities of a :class:`NoteList`, optionally one per beat;
- :func:`roman_numerals` - music21's ``romanNumeralFromChord`` for each sonority;
- :func:`best_triad` / :func:`implied_triads` - the best-fitting major or minor
  triad of a pitch-class histogram, per window of a melody;
- :func:`harmonic_rhythm` - chord changes per quarter note;
- :func:`chord_vocabulary` - how often each chord label occurs, and how many
  labels cover a given share of the music.

Taught in: notebooks/02_feature_extraction.ipynb
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from musiclib.errors import RepresentationError
from musiclib.features._validate import check_notes, check_positive
from musiclib.representation import NoteList

__all__ = [
    "ChordSlice",
    "chordify",
    "roman_numerals",
    "best_triad",
    "implied_triads",
    "triad_name",
    "triad_degree",
    "harmonic_rhythm",
    "chord_vocabulary",
    "vocabulary_coverage",
]

_EPS = 1e-9
_MAJOR_TONIC_NAMES = ["C", "D-", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B"]
_MINOR_TONIC_NAMES = ["c", "c#", "d", "e-", "e", "f", "f#", "g", "g#", "a", "b-", "b"]
_ROOT_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]


@dataclass(frozen=True)
class ChordSlice:
    """One vertical sonority: the pitches sounding from ``onset`` for ``duration`` quarters.

    Used by: musiclib.features.harmony (returned by chordify)
    """

    onset: float
    duration: float
    pitches: tuple[int, ...]


def chordify(notes: NoteList, *, step: float | None = None) -> list[ChordSlice]:
    """Cut ``notes`` into the sonorities between successive note starts and ends.

    Without ``step`` a new slice begins wherever any note starts or ends (music21's
    ``chordify``): passing notes make their own short slices. With ``step`` (e.g.
    1.0 for one slice per quarter-note beat) each slice holds the pitches sounding at
    the start of its step, which reads the harmony on the beat and skips passing notes.
    Silent stretches give no slice.

    Parameters
    ----------
    notes : NoteList
        Any number of voices (``part`` is ignored).
    step : float, optional
        Slice length in quarters.

    Returns
    -------
    list of ChordSlice
        In time order; ``pitches`` sorted low to high, without duplicates.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    check_notes(notes)
    start, stop, pitch = notes.onset.astype(float), notes.offset.astype(float), notes.pitch.astype(int)
    if step is not None:
        step = check_positive(step, "step")
        n = int(np.ceil((float(stop.max()) - float(start.min())) / step - _EPS))
        bounds = float(start.min()) + step * np.arange(n + 1)
    else:
        bounds = np.unique(np.round(np.concatenate([start, stop]), 9))
    slices = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        sounding = (start <= a + _EPS) & (stop > a + _EPS)
        if sounding.any():
            slices.append(ChordSlice(float(a), float(b - a), tuple(sorted(set(pitch[sounding].tolist())))))
    return slices


@lru_cache(maxsize=64)
def _music21_key(tonic: int, mode: str):
    from music21 import key as m21key

    if mode not in ("major", "minor"):
        raise RepresentationError(f"argument 'mode' must be 'major' or 'minor', got {mode!r}")
    names = _MAJOR_TONIC_NAMES if mode == "major" else _MINOR_TONIC_NAMES
    return m21key.Key(names[int(tonic) % 12])


@lru_cache(maxsize=4096)
def _figure(bass_pc: int, upper_pcs: tuple[int, ...], tonic: int, mode: str, figures: bool) -> str:
    from music21 import chord, roman

    pitches = [48 + bass_pc] + [60 + pc for pc in upper_pcs]
    rn = roman.romanNumeralFromChord(chord.Chord(pitches), _music21_key(tonic, mode))
    return rn.figure if figures else rn.romanNumeralAlone


def roman_numerals(slices: Sequence[ChordSlice], tonic: int, mode: str, *, figures: bool = True) -> list[str]:
    """Roman numerals of each slice in a key, from music21.

    ``music21.roman.romanNumeralFromChord`` names each sonority relative to the key
    (``"I"``, ``"V6"``, ``"V7"``, ``"ii65"``, ...; the Arabic figures give the
    inversion and added sevenths). The name depends only on the bass's pitch class
    and the set of pitch classes above it, so each distinct sonority is analysed
    once (music21 takes tens of milliseconds per chord). Slices with fewer than
    three pitch classes get whatever music21 makes of them (an open fifth gets a
    numeral too).

    Parameters
    ----------
    slices : sequence of ChordSlice
        From :func:`chordify`.
    tonic : int
        Pitch class of the key's tonic, 0 = C (e.g. ``piece.key_tonic``).
    mode : {"major", "minor"}
    figures : bool
        False drops the inversion and seventh figures: ``"V65"`` -> ``"V"``.

    Returns
    -------
    list of str

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    _music21_key(int(tonic) % 12, mode)  # validates mode
    out = []
    for s in slices:
        if not isinstance(s, ChordSlice):
            raise RepresentationError(f"argument 'slices' must hold ChordSlice objects, got {type(s).__name__}")
        bass = s.pitches[0] % 12
        upper = tuple(sorted({p % 12 for p in s.pitches[1:]} - {bass}))
        out.append(_figure(bass, upper, int(tonic) % 12, mode, bool(figures)))
    return out


def _triad_templates() -> np.ndarray:
    t = np.zeros((24, 12))
    for root in range(12):
        t[root, [root, (root + 4) % 12, (root + 7) % 12]] = 1.0  # major
        t[12 + root, [root, (root + 3) % 12, (root + 7) % 12]] = 1.0  # minor
    return t


def triad_name(root: int, quality: str) -> str:
    """A triad's name: root letter, lower case for minor: (9, "minor") -> 'Am'.

    Used by: musiclib.features.harmony.implied_triads
    """
    if quality not in ("major", "minor"):
        raise RepresentationError(f"argument 'quality' must be 'major' or 'minor', got {quality!r}")
    return _ROOT_NAMES[int(root) % 12] + ("" if quality == "major" else "m")


_DEGREES = ["I", "bII", "II", "bIII", "III", "IV", "#IV", "V", "bVI", "VI", "bVII", "VII"]


def triad_degree(root: int, quality: str, tonic: int) -> str:
    """A triad as a Roman numeral relative to a tonic: upper case major, lower case minor.

    The root's distance above the tonic in semitones picks the numeral (7 -> V,
    9 -> VI, 10 -> bVII, ...). ``(7, "major", 0)`` -> ``'V'``; ``(9, "minor", 0)``
    -> ``'vi'``; ``(2, "major", 9)`` -> ``'IV'``.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    if quality not in ("major", "minor"):
        raise RepresentationError(f"argument 'quality' must be 'major' or 'minor', got {quality!r}")
    numeral = _DEGREES[(int(root) - int(tonic)) % 12]
    return numeral if quality == "major" else numeral.lower()


def best_triad(pc_histogram: Sequence[float] | np.ndarray) -> tuple[int, str]:
    """The major or minor triad whose three notes hold most of a pitch-class histogram.

    Score of a triad = the histogram's mass on its three pitch classes. Ties go to
    the triad whose root carries the most weight, then to major, then to the lower
    root, so the answer is deterministic.

    Parameters
    ----------
    pc_histogram : array, shape (12,)
        Non-negative weights of C, C#, ..., B (need not sum to 1).

    Returns
    -------
    (root, quality) : (int, str)
        Root pitch class and ``"major"`` or ``"minor"``.

    Used by: musiclib.features.harmony.implied_triads
    """
    h = np.asarray(pc_histogram, dtype=float)
    if h.shape != (12,) or not np.all(np.isfinite(h)) or np.any(h < 0) or h.sum() <= 0:
        raise RepresentationError(
            f"argument 'pc_histogram' must be 12 non-negative numbers with a positive sum, got shape {h.shape}"
        )
    scores = _triad_templates() @ h
    roots = np.concatenate([np.arange(12), np.arange(12)])
    order = sorted(range(24), key=lambda i: (-round(scores[i], 9), -h[roots[i]], i >= 12, roots[i]))
    best = order[0]
    return int(roots[best]), "major" if best < 12 else "minor"


def implied_triads(notes: NoteList, *, window: float, start: float = 0.0) -> list[tuple[float, str]]:
    """The triad each window of a melody implies: :func:`best_triad` of its duration-weighted pitch classes.

    Parameters
    ----------
    notes : NoteList
        Usually one melody.
    window : float
        Window length in quarters (a bar: 4.0 in 4/4, 3.0 in 6/8).
    start : float
        Where the first window starts (e.g. ``-anacrusis`` to align with bar lines).

    Returns
    -------
    list of (onset, name)
        Windows without notes are skipped; ``name`` as :func:`triad_name`.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    check_notes(notes)
    window = check_positive(window, "window")
    on, off, pc = notes.onset.astype(float), notes.offset.astype(float), notes.pitch.astype(int) % 12
    out = []
    a = float(start)
    end = float(off.max())
    while a < end - _EPS:
        b = a + window
        overlap = np.clip(np.minimum(off, b) - np.maximum(on, a), 0.0, None)
        if overlap.sum() > _EPS:
            h = np.bincount(pc, weights=overlap, minlength=12)
            out.append((a, triad_name(*best_triad(h))))
        a = b
    return out


def harmonic_rhythm(onsets: Sequence[float], labels: Sequence[str], total_quarters: float) -> float:
    """Chord changes per quarter note: how often the label differs from the one before.

    Parameters
    ----------
    onsets : sequence of float
        Start of each labelled slice (used only for the length check).
    labels : sequence of str
        Chord label per slice, in time order.
    total_quarters : float
        Length of the music in quarters.

    Returns
    -------
    float
        ``(number of changes) / total_quarters``; the first chord is not a change.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    if len(onsets) != len(labels):
        raise RepresentationError(
            f"arguments 'onsets' and 'labels' must have the same length, got {len(onsets)} and {len(labels)}"
        )
    total = check_positive(total_quarters, "total_quarters")
    changes = sum(1 for a, b in zip(labels[:-1], labels[1:], strict=True) if a != b)
    return changes / total


def chord_vocabulary(labels: Sequence[str], weights: Sequence[float] | None = None) -> dict[str, float]:
    """Share of each chord label (weighted by duration if ``weights`` given), commonest first.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    if weights is None:
        weights = [1.0] * len(labels)
    if len(weights) != len(labels):
        raise RepresentationError(
            f"arguments 'labels' and 'weights' must have the same length, got {len(labels)} and {len(weights)}"
        )
    if not labels:
        raise RepresentationError("argument 'labels' is empty; a vocabulary needs at least one chord")
    c: Counter[str] = Counter()
    for lab, w in zip(labels, weights, strict=True):
        c[lab] += float(w)
    total = sum(c.values())
    return {lab: v / total for lab, v in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))}


def vocabulary_coverage(vocabulary: dict[str, float], share: float = 0.9) -> int:
    """How many of the commonest labels it takes to cover ``share`` of the music.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    if not 0 < share <= 1:
        raise RepresentationError(f"argument 'share' must be in (0, 1], got {share!r}")
    cum = np.cumsum(sorted(vocabulary.values(), reverse=True))
    return int(np.searchsorted(cum, share - 1e-12) + 1)
