"""Rhythm features (节奏) of symbolic music: durations, onsets, metre, syncopation.

Times are in quarter lengths (1.0 = a quarter note), as in
:class:`~musiclib.representation.NoteList`. Features that need the metre take the
bar length ``bar_quarters`` (4.0 for 4/4, 3.0 for 3/4 and 6/8, 2.0 for 2/4) and the
beat length ``beat_quarters`` (1.0, or 1.5 for the dotted-quarter beat of 6/8), and
put onsets on a grid of ``steps_per_quarter`` steps (4 = 16th notes).

Taught in: notebooks/02_feature_extraction.ipynb
"""

from __future__ import annotations

import numpy as np

from musiclib.errors import RepresentationError
from musiclib.features._validate import check_notes, check_positive
from musiclib.representation import DEFAULT_STEPS_PER_QUARTER, NoteList

__all__ = [
    "DURATION_CLASSES",
    "DURATION_NAMES",
    "inter_onset_intervals",
    "ioi_histogram",
    "note_length_histogram",
    "onset_density",
    "metrical_weights",
    "metrical_position_histogram",
    "syncopation",
    "groove_consistency",
    "empty_beat_rate",
]

#: Note values (in quarters) that the duration histograms sort lengths into.
DURATION_CLASSES = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0])
DURATION_NAMES = (
    "16th", "8th", "dotted 8th", "quarter", "dotted quarter", "half", "dotted half", "whole",
)
_EPS = 1e-9


def _distinct_onsets(notes: NoteList) -> np.ndarray:
    return np.unique(np.round(notes.onset, 9))


def _classify(lengths: np.ndarray) -> np.ndarray:
    """Index of the nearest duration class, nearest on a log2 scale."""
    dist = np.abs(np.log2(lengths)[:, None] - np.log2(DURATION_CLASSES)[None, :])
    return np.argmin(dist, axis=1)


def inter_onset_intervals(notes: NoteList) -> np.ndarray:
    """Time between successive distinct onsets, in quarters.

    IOI_k = t_{k+1} - t_k, where t_1 < t_2 < ... are the distinct onset times of
    all parts together (a chord counts once).

    Returns
    -------
    ndarray of float64, shape (n_distinct_onsets - 1,)

    Used by: musiclib.features.rhythm
    """
    notes = check_notes(notes)
    return np.diff(_distinct_onsets(notes))


def ioi_histogram(notes: NoteList, *, normalize: bool = True) -> np.ndarray:
    """Histogram of inter-onset intervals over the note values :data:`DURATION_CLASSES`.

    h[j] = #{k : class(IOI_k) = j},  class(x) = argmin_j |log2 x - log2 c_j|,
    normalised to sum 1. Bin j is named ``DURATION_NAMES[j]``.

    Raises
    ------
    RepresentationError
        If ``notes`` is empty or has a single distinct onset.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    ioi = inter_onset_intervals(notes)
    if ioi.size == 0:
        raise RepresentationError(
            "argument 'notes' has a single onset time; inter-onset intervals need two"
        )
    h = np.bincount(_classify(ioi), minlength=DURATION_CLASSES.size).astype(np.float64)
    return h / h.sum() if normalize else h


def note_length_histogram(notes: NoteList, *, normalize: bool = True) -> np.ndarray:
    """Histogram of note lengths (durations) over :data:`DURATION_CLASSES`.

    h[j] = #{notes i : class(duration_i) = j}, normalised to sum 1 (classes as in
    :func:`ioi_histogram`).

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    h = np.bincount(_classify(notes.duration), minlength=DURATION_CLASSES.size)
    h = h.astype(np.float64)
    return h / h.sum() if normalize else h


def onset_density(notes: NoteList) -> float:
    """Distinct onsets per quarter note.

    density = #{distinct onset times} / T,  T = end of the last note in quarters.

    Multiply by ``bar_quarters`` for onsets per bar: a melody of running eighth
    notes has density 2.0.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    return float(_distinct_onsets(notes).size / notes.end)


def _bar_and_beat_steps(
    bar_quarters: float, beat_quarters: float, steps_per_quarter: int
) -> tuple[int, int]:
    spq = int(check_positive(steps_per_quarter, "steps_per_quarter", integer=True))
    bar = check_positive(bar_quarters, "bar_quarters") * spq
    beat = check_positive(beat_quarters, "beat_quarters") * spq
    if abs(bar - round(bar)) > _EPS or abs(beat - round(beat)) > _EPS:
        raise RepresentationError(
            f"arguments 'bar_quarters' ({bar_quarters}) and 'beat_quarters' ({beat_quarters}) "
            f"must be whole numbers of grid steps at steps_per_quarter={spq}"
        )
    bar_steps, beat_steps = int(round(bar)), int(round(beat))
    if bar_steps % beat_steps:
        raise RepresentationError(
            f"argument 'bar_quarters' ({bar_quarters}) must be a whole number of beats of "
            f"'beat_quarters' ({beat_quarters})"
        )
    return bar_steps, beat_steps


def metrical_weights(
    bar_quarters: float = 4.0,
    beat_quarters: float = 1.0,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
) -> np.ndarray:
    """Metrical weight of each grid step of a bar, 0 (downbeat) down to negative values.

    Builds the pulse levels of the metre, coarsest first: the bar; groups of beats
    (half bar in 4/4); the beat; then its subdivisions (by 3 first in a compound
    metre such as 6/8, then by 2). Step t gets weight w(t) = -L(t), where L(t) is the
    index of the coarsest level whose pulse falls on t (Longuet-Higgins & Lee, 1984).

    For 4/4 on a 16th grid: w = [0, -4, -3, -4, -2, -4, -3, -4, -1, -4, -3, -4, -2, -4, -3, -4].

    Returns
    -------
    ndarray of int64, shape (steps_per_bar,)

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    bar_steps, beat_steps = _bar_and_beat_steps(bar_quarters, beat_quarters, steps_per_quarter)
    periods = [bar_steps]
    n_beats = bar_steps // beat_steps
    while n_beats % 2 == 0 and n_beats > 2:
        n_beats //= 2
        periods.append(n_beats * beat_steps)
    if periods[-1] != beat_steps:
        periods.append(beat_steps)
    p = beat_steps
    eighths_per_beat = round(2 * float(beat_quarters))
    if eighths_per_beat % 3 == 0 and p % 3 == 0:  # compound metre: the beat splits in three
        p //= 3
        periods.append(p)
    while p > 1:
        factor = next(f for f in range(2, p + 1) if p % f == 0)
        p //= factor
        periods.append(p)
    t = np.arange(bar_steps)
    weights = np.full(bar_steps, -(len(periods) - 1), dtype=np.int64)
    for level in range(len(periods) - 1, -1, -1):
        weights[t % periods[level] == 0] = -level
    return weights


def _onset_steps(notes: NoteList, steps_per_quarter: int, downbeat: float) -> np.ndarray:
    return np.round((_distinct_onsets(notes) - float(downbeat)) * steps_per_quarter).astype(
        np.int64
    )


def metrical_position_histogram(
    notes: NoteList,
    *,
    bar_quarters: float = 4.0,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    downbeat: float = 0.0,
    normalize: bool = True,
) -> np.ndarray:
    """Where in the bar notes start: histogram of onset positions on the grid.

    h[j] = #{distinct onsets t : round((t - downbeat) * steps_per_quarter) mod S = j},
    S = bar_quarters * steps_per_quarter steps per bar; normalised to sum 1.

    Parameters
    ----------
    notes : NoteList
    bar_quarters : float
        Bar length in quarters (4.0 for 4/4, 3.0 for 6/8).
    steps_per_quarter : int
    downbeat : float
        Time of any downbeat in quarters; pass the pickup length for a piece that
        starts with an anacrusis.
    normalize : bool

    Returns
    -------
    ndarray of float64, shape (S,)

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    bar_steps, _ = _bar_and_beat_steps(bar_quarters, bar_quarters, steps_per_quarter)
    pos = _onset_steps(notes, int(steps_per_quarter), downbeat) % bar_steps
    h = np.bincount(pos, minlength=bar_steps).astype(np.float64)
    return h / h.sum() if normalize else h


def syncopation(
    notes: NoteList,
    *,
    bar_quarters: float = 4.0,
    beat_quarters: float = 1.0,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    downbeat: float = 0.0,
) -> float:
    """Mean syncopation per onset, after Longuet-Higgins & Lee (1984).

    For each distinct onset at step s with the next onset at s' (for the last one,
    the end of the music), let w* = max_{s < t < s'} w(t) be the strongest metrical
    position that the note (or the rest after it) spans without a new onset. Then

        sync(s) = max(0, w* - w(s)),   syncopation = (1/N) sum_s sync(s)

    with w from :func:`metrical_weights`. Notes starting on beats and lasting no
    longer than the beat score 0; an eighth on the off-beat held over the next beat
    scores w(beat) - w(off-beat) = 1.

    Returns
    -------
    float
        0 for a rhythm without syncopation; larger is more syncopated.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    w = metrical_weights(bar_quarters, beat_quarters, steps_per_quarter)
    bar_steps = w.size
    spq = int(steps_per_quarter)
    s = _onset_steps(notes, spq, downbeat)
    end = int(np.ceil((notes.end - float(downbeat)) * spq - _EPS))
    nxt = np.append(s[1:], max(end, s[-1] + 1))
    total = 0
    for a, b in zip(s, nxt, strict=True):
        if b - a < 2:
            continue
        span = w[np.arange(a + 1, b) % bar_steps]
        total += max(0, int(span.max()) - int(w[a % bar_steps]))
    return total / s.size


def groove_consistency(
    notes: NoteList,
    *,
    bar_quarters: float = 4.0,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    downbeat: float = 0.0,
) -> float:
    """How alike the onset patterns of neighbouring bars are (MusPy definition).

    groove_consistency = 1 - 1/(T-1) sum_{i=1}^{T-1} d(G_i, G_{i+1}) / S

    where G_i is the binary onset vector of bar i (S grid steps, a 1 where a note
    starts), d is the Hamming distance and T the number of bars. 1.0 means every
    bar has the same rhythm.

    Bars run from the bar of the first onset to the bar in which the last note
    ends. (MusPy's code counts ``length // S + 1`` bars, one more when the music ends
    exactly on a bar line; here that empty extra bar is not counted.)

    Returns
    -------
    float

    Raises
    ------
    RepresentationError
        When the music fits in one bar (nothing to compare; MusPy returns NaN).

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    bar_steps, _ = _bar_and_beat_steps(bar_quarters, bar_quarters, steps_per_quarter)
    spq = int(steps_per_quarter)
    s = _onset_steps(notes, spq, downbeat)
    end = int(np.ceil((notes.end - float(downbeat)) * spq - _EPS))
    first_bar = int(np.floor_divide(s.min(), bar_steps))
    last_bar = int(np.floor_divide(max(end - 1, s.max()), bar_steps))
    n_bars = last_bar - first_bar + 1
    if n_bars < 2:
        raise RepresentationError(
            f"argument 'notes' ({len(notes)} note(s)) fits in one bar of {bar_quarters:g} quarters; groove "
            "consistency compares neighbouring bars, so it needs music in at least two bars")
    grid = np.zeros((n_bars, bar_steps), dtype=bool)
    grid[np.floor_divide(s, bar_steps) - first_bar, s % bar_steps] = True
    hamming = np.count_nonzero(grid[:-1] != grid[1:])
    return float(1.0 - hamming / (bar_steps * (n_bars - 1)))


def empty_beat_rate(notes: NoteList, *, beat_quarters: float = 1.0) -> float:
    """Share of beats in which no note sounds (MusPy / Pypianoroll definition).

    empty_beat_rate = #{beats b with no sounding note} / #beats,
    beat b = [b * beat, (b + 1) * beat), b = 0 .. ceil(T / beat) - 1, T = end of
    the last note; a note sounds in b when onset < (b + 1) * beat and
    onset + duration > b * beat.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    beat = check_positive(beat_quarters, "beat_quarters")
    n_beats = int(np.ceil(notes.end / beat - _EPS))
    first = np.floor(notes.onset / beat + _EPS).astype(np.int64)
    last = np.ceil(notes.offset / beat - _EPS).astype(np.int64)  # exclusive
    covered = np.zeros(n_beats + 1, dtype=np.int64)
    np.add.at(covered, first, 1)
    np.add.at(covered, np.minimum(last, n_beats), -1)
    sounding = np.cumsum(covered)[:n_beats] > 0
    return float(1.0 - sounding.mean())
