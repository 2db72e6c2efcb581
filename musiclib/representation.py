"""Music as data: note lists, piano rolls, melody tokens, music21 streams and MIDI.

The central object is :class:`NoteList`: five NumPy arrays of equal length
(``pitch``, ``onset``, ``duration``, ``velocity``, ``part``), with time in quarter
lengths (1.0 = a quarter note). Every other representation converts to and from it::

    music21 stream  <->  NoteList  <->  MIDI file
                            |
              piano roll (time x pitch)   melody tokens (one per grid step)

Round trips are exact for music on the grid (``steps_per_quarter`` steps per
quarter note); the tests check this with hypothesis.

Taught in: notebooks/01_music_as_data.ipynb
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from musiclib.errors import (
    MidiFileError,
    RepresentationError,
    ShapeError,
    VocabularyError,
)

__all__ = [
    "NoteList",
    "notes_from_stream",
    "load_notes",
    "notes_from_midi",
    "notes_to_piano_roll",
    "piano_roll_to_notes",
    "roll_runs",
    "MelodyVocabulary",
    "notes_to_tokens",
    "tokens_to_notes",
    "transpose_tokens",
    "pitch_name",
    "PITCH_CLASS_NAMES",
    "DEFAULT_STEPS_PER_QUARTER",
    "DEFAULT_ROLL_RANGE",
]

DEFAULT_STEPS_PER_QUARTER = 4  # a 16th-note grid
DEFAULT_ROLL_RANGE = (36, 84)  # C2 .. B5, half-open: 48 pitches
DEFAULT_VELOCITY = 80
PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_EPS = 1e-6


def pitch_name(pitch: int) -> str:
    """Scientific pitch name of a MIDI number: 60 -> 'C4', 70 -> 'Bb4'.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    p = int(pitch)
    return f"{PITCH_CLASS_NAMES[p % 12]}{p // 12 - 1}"


# --------------------------------------------------------------------------- NoteList
@dataclass(frozen=True, eq=False)
class NoteList:
    """Notes as parallel NumPy arrays, sorted by onset then pitch.

    Attributes
    ----------
    pitch : ndarray of int16, shape (n,)
        MIDI note numbers 0..127 (60 = middle C).
    onset : ndarray of float64, shape (n,)
        Start times in quarter lengths, >= 0.
    duration : ndarray of float64, shape (n,)
        Lengths in quarter lengths, > 0.
    velocity : ndarray of int16, shape (n,)
        Loudness 1..127.
    part : ndarray of int16, shape (n,)
        Voice or instrument index (0 = soprano in a chorale).

    Build one with :meth:`from_arrays`, which checks every value.

    Examples
    --------
    >>> notes = NoteList.from_arrays(pitch=[60, 62, 64], onset=[0, 1, 2], duration=[1, 1, 2])
    >>> len(notes), notes.end
    (3, 4.0)

    Taught in: notebooks/01_music_as_data.ipynb
    """

    pitch: np.ndarray
    onset: np.ndarray
    duration: np.ndarray
    velocity: np.ndarray
    part: np.ndarray

    @classmethod
    def from_arrays(
        cls,
        pitch: Sequence[int] | np.ndarray,
        onset: Sequence[float] | np.ndarray,
        duration: Sequence[float] | np.ndarray,
        velocity: Sequence[int] | np.ndarray | int | None = None,
        part: Sequence[int] | np.ndarray | int | None = None,
    ) -> NoteList:
        """Validate, sort and wrap note arrays.

        Raises
        ------
        ShapeError
            If the arrays differ in length or are not 1-D.
        RepresentationError
            If a value is out of range (pitch not in 0..127, negative onset,
            duration <= 0, non-finite times, velocity not in 1..127); the message
            names the argument and the index of the first bad note.
        """
        raw = {"pitch": pitch, "onset": onset, "duration": duration}
        arrays = {k: np.asarray(v) for k, v in raw.items()}
        n = None
        for name, arr in arrays.items():
            if arr.ndim != 1:
                raise ShapeError(f"argument {name!r} must be 1-D, got shape {arr.shape}")
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise ShapeError(
                    f"arguments 'pitch', 'onset', 'duration' must have equal lengths, "
                    f"got {[a.shape[0] for a in arrays.values()]}"
                )
        assert n is not None
        extra = {}
        for name, val, default in (("velocity", velocity, DEFAULT_VELOCITY), ("part", part, 0)):
            if val is None:
                val = default
            arr = np.asarray(val)
            if arr.ndim == 0:
                arr = np.full(n, arr)
            if arr.shape != (n,):
                raise ShapeError(f"argument {name!r} must have shape ({n},), got {arr.shape}")
            extra[name] = arr

        def _bad(name: str, mask: np.ndarray, what: str) -> None:
            if mask.any():
                i = int(np.flatnonzero(mask)[0])
                value = (arrays | extra)[name][i]
                value = value.item() if hasattr(value, "item") else value
                raise RepresentationError(
                    f"argument {name!r}: note {i} has {name} {value!r}; {what}"
                )

        for name in ("pitch", "velocity", "part"):
            arr = (arrays | extra)[name]
            if arr.size and not np.issubdtype(arr.dtype, np.integer):
                as_float = arr.astype(np.float64)
                _bad(name, ~np.isfinite(as_float) | (as_float != np.round(as_float)),
                     "expected whole numbers")
        for name in ("onset", "duration"):
            arrays[name] = arrays[name].astype(np.float64)
            _bad(name, ~np.isfinite(arrays[name]), "expected a finite number")
        p = arrays["pitch"].astype(np.int64)
        _bad("pitch", (p < 0) | (p > 127), "expected a MIDI pitch in 0..127")
        _bad("onset", arrays["onset"] < 0, "expected onset >= 0")
        _bad("duration", arrays["duration"] <= 0, "expected duration > 0")
        v = extra["velocity"].astype(np.int64)
        _bad("velocity", (v < 1) | (v > 127), "expected velocity in 1..127")
        order = np.lexsort((p, extra["part"].astype(np.int64), arrays["onset"]))
        return cls(
            pitch=p[order].astype(np.int16),
            onset=arrays["onset"][order],
            duration=arrays["duration"][order],
            velocity=v[order].astype(np.int16),
            part=extra["part"].astype(np.int16)[order],
        )

    @classmethod
    def empty(cls) -> NoteList:
        """A note list with no notes."""
        return cls.from_arrays([], [], [])

    def __len__(self) -> int:
        return int(self.pitch.shape[0])

    def __getitem__(self, index: slice | np.ndarray | Sequence[int]) -> NoteList:
        """Select notes by slice, boolean mask or index array (order is kept)."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        return NoteList(
            self.pitch[index], self.onset[index], self.duration[index],
            self.velocity[index], self.part[index],
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NoteList):
            return NotImplemented
        return len(self) == len(other) and all(
            np.array_equal(getattr(self, f), getattr(other, f))
            for f in ("pitch", "onset", "duration", "velocity", "part")
        )

    def __repr__(self) -> str:
        if len(self) == 0:
            return "NoteList(0 notes)"
        lo, hi = int(self.pitch.min()), int(self.pitch.max())
        return (
            f"NoteList({len(self)} notes, {self.end:g} quarters, "
            f"pitches {pitch_name(lo)}..{pitch_name(hi)}, parts {sorted(set(self.part.tolist()))})"
        )

    @property
    def end(self) -> float:
        """Time at which the last note stops (0.0 for no notes)."""
        return float((self.onset + self.duration).max()) if len(self) else 0.0

    @property
    def offset(self) -> np.ndarray:
        """End time of each note (``onset + duration``)."""
        return self.onset + self.duration

    def transpose(self, semitones: int) -> NoteList:
        """Move every pitch by ``semitones``; error if a pitch leaves 0..127."""
        if int(semitones) != semitones:
            raise RepresentationError(f"argument 'semitones' must be whole, got {semitones!r}")
        return NoteList.from_arrays(
            self.pitch.astype(np.int64) + int(semitones), self.onset, self.duration,
            self.velocity, self.part,
        )

    def shift(self, quarters: float) -> NoteList:
        """Move every note later by ``quarters`` (negative = earlier, onsets stay >= 0)."""
        return NoteList.from_arrays(
            self.pitch, self.onset + quarters, self.duration, self.velocity, self.part
        )

    def select_part(self, part: int) -> NoteList:
        """Only the notes of one part (voice), relabelled as part 0."""
        sub = self[self.part == part]
        return NoteList.from_arrays(sub.pitch, sub.onset, sub.duration, sub.velocity, 0)

    def window(self, start: float, stop: float) -> NoteList:
        """Notes starting in [start, stop), shifted to begin at 0 and cut at ``stop``."""
        keep = (self.onset >= start - _EPS) & (self.onset < stop - _EPS)
        sub = self[keep]
        dur = np.minimum(sub.duration, stop - sub.onset)
        return NoteList.from_arrays(
            sub.pitch, sub.onset - start, dur, sub.velocity, sub.part
        )

    def is_monophonic(self) -> bool:
        """True when no two notes sound at once."""
        if len(self) < 2:
            return True
        return bool(np.all(self.onset[1:] >= self.offset[:-1] - _EPS))

    def to_records(self) -> list[tuple[int, float, float, int, int]]:
        """A list of ``(pitch, onset, duration, velocity, part)`` tuples."""
        return list(
            zip(
                self.pitch.tolist(), self.onset.tolist(), self.duration.tolist(),
                self.velocity.tolist(), self.part.tolist(), strict=True,
            )
        )

    @classmethod
    def concatenate(cls, lists: Iterable[NoteList]) -> NoteList:
        """Merge several note lists (e.g. parts) into one, re-sorted."""
        lists = list(lists)
        if not lists:
            return cls.empty()
        return cls.from_arrays(
            *(np.concatenate([getattr(n, f) for n in lists])
              for f in ("pitch", "onset", "duration", "velocity", "part"))
        )


# --------------------------------------------------------------------------- music21
def notes_from_stream(stream, *, name: str = "stream") -> NoteList:
    """Read the notes of a music21 stream (score, part or flat stream).

    Ties are merged into single notes, chords become one note per pitch, grace
    notes (zero duration) and unpitched notes are skipped. In a score, each part
    gets its index in ``part`` (chorales: 0 soprano .. 3 bass).

    Parameters
    ----------
    stream : music21.stream.Stream
    name : str
        How to call the source in error messages (e.g. its file name).

    Raises
    ------
    MidiFileError
        If the stream holds no pitched notes.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    from music21 import chord, note
    from music21 import stream as m21stream

    parts = list(stream.parts) if isinstance(stream, m21stream.Score) else []
    if not parts:
        parts = [stream]
    rows: list[tuple[int, float, float, int, int]] = []
    for index, part in enumerate(parts):
        flat = part.stripTies(inPlace=False).flatten()
        for el in flat.notes:
            ql = float(el.duration.quarterLength)
            if ql <= 0:
                continue
            vel = el.volume.velocity if el.volume is not None else None
            vel = int(vel) if vel else DEFAULT_VELOCITY
            onset = float(el.offset)
            if isinstance(el, chord.Chord):
                pitches = [p.midi for p in el.pitches]
            elif isinstance(el, note.Note):
                pitches = [el.pitch.midi]
            else:
                continue
            for p in pitches:
                rows.append((int(p), onset, ql, max(1, min(127, vel)), index))
    if not rows:
        raise MidiFileError(f"{name} holds no pitched notes")
    arr = list(zip(*rows, strict=True))
    return NoteList.from_arrays(*arr)


_NOTATION_SUFFIXES = {".xml", ".musicxml", ".mxl", ".abc", ".krn", ".mei"}
_MIDI_SUFFIXES = {".mid", ".midi"}


def load_notes(path: str | os.PathLike) -> NoteList:
    """Read a MIDI, MusicXML, ABC or Humdrum file into a :class:`NoteList`.

    Raises
    ------
    MidiFileError
        The file is missing, empty, not parseable, truncated, or holds no notes;
        the message names the file and the reason.

    Used by: musiclib.datasets, musiclib.models.melody
    """
    p = Path(path)
    if not p.exists():
        raise MidiFileError(f"file {str(p)!r} does not exist")
    if p.is_dir():
        raise MidiFileError(f"{str(p)!r} is a folder; use datasets.load_midi_folder")
    suffix = p.suffix.lower()
    if suffix not in _MIDI_SUFFIXES | _NOTATION_SUFFIXES:
        raise MidiFileError(
            f"file {str(p)!r}: unknown suffix {suffix!r}; expected one of "
            f"{sorted(_MIDI_SUFFIXES | _NOTATION_SUFFIXES)}"
        )
    if p.stat().st_size == 0:
        raise MidiFileError(f"file {str(p)!r} is empty (0 bytes)")
    if suffix in _MIDI_SUFFIXES:
        return notes_from_midi(p)
    from music21 import converter

    try:
        score = converter.parse(str(p))
    except Exception as exc:  # music21 raises many kinds
        raise MidiFileError(f"file {str(p)!r} could not be parsed: {exc}") from exc
    return notes_from_stream(score, name=f"file {str(p)!r}")


def _check_midi_bytes(p: Path, data: bytes) -> None:
    """Validate the MIDI chunk structure so truncation is caught, not half-read."""
    if len(data) == 0:
        raise MidiFileError(f"file {str(p)!r} is empty (0 bytes)")
    if data[:4] != b"MThd":
        raise MidiFileError(
            f"file {str(p)!r} is not a MIDI file (starts with {data[:4]!r}, expected b'MThd')"
        )
    pos = 0
    chunks = 0
    while pos < len(data):
        if len(data) - pos < 8:
            raise MidiFileError(f"file {str(p)!r} is truncated: incomplete chunk header at byte {pos}")
        length = int.from_bytes(data[pos + 4: pos + 8], "big")
        if pos + 8 + length > len(data):
            raise MidiFileError(
                f"file {str(p)!r} is truncated: chunk {data[pos:pos + 4]!r} at byte {pos} "
                f"declares {length} bytes but only {len(data) - pos - 8} remain"
            )
        pos += 8 + length
        chunks += 1
    if chunks < 2:
        raise MidiFileError(f"file {str(p)!r} has a header but no tracks")


def notes_from_midi(path: str | os.PathLike, *, quantize: bool = True) -> NoteList:
    """Read a Standard MIDI File.

    Each track with notes becomes one part. With ``quantize`` (default) music21
    snaps times to 16ths and triplet eighths, which makes the round trip with
    :func:`notes_to_midi` exact on the 16th grid.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    from music21 import midi

    p = Path(path)
    if not p.exists():
        raise MidiFileError(f"file {str(p)!r} does not exist")
    data = p.read_bytes()
    _check_midi_bytes(p, data)
    try:
        mf = midi.MidiFile()
        mf.readstr(data)
        score = midi.translate.midiFileToStream(mf, quantizePost=quantize)
    except Exception as exc:
        raise MidiFileError(f"file {str(p)!r} could not be parsed as MIDI: {exc}") from exc
    return notes_from_stream(score, name=f"file {str(p)!r}")


# --------------------------------------------------------------------------- grid helpers
def _to_steps(values: np.ndarray, steps_per_quarter: int, what: str, quantize: bool) -> np.ndarray:
    scaled = values * steps_per_quarter
    steps = np.round(scaled)
    if not quantize:
        off = np.abs(scaled - steps) > 1e-6
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise RepresentationError(
                f"note {i} has {what} {values[i]!r}, not on a grid of {steps_per_quarter} "
                f"steps per quarter; pass quantize=True to snap it"
            )
    return steps.astype(np.int64)


def _check_spq(steps_per_quarter: int) -> None:
    if int(steps_per_quarter) != steps_per_quarter or steps_per_quarter < 1:
        raise RepresentationError(
            f"argument 'steps_per_quarter' must be a positive integer, got {steps_per_quarter!r}"
        )


# --------------------------------------------------------------------------- piano roll
def notes_to_piano_roll(
    notes: NoteList,
    *,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    pitch_range: tuple[int, int] = DEFAULT_ROLL_RANGE,
    n_steps: int | None = None,
    quantize: bool = True,
    out_of_range: Literal["error", "drop"] = "error",
    with_onsets: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """A binary piano roll, shape ``(n_steps, high - low)``: time down, pitch across.

    ``roll[t, p - low]`` is 1 while pitch ``p`` sounds during step ``t``. Rows are
    time steps of ``1 / steps_per_quarter`` quarter notes.

    Parameters
    ----------
    notes : NoteList
    steps_per_quarter : int
        Grid resolution: 4 = 16th notes.
    pitch_range : (low, high)
        Half-open MIDI range of the columns; default (36, 84), C2..B5.
    n_steps : int, optional
        Length of the roll; default: up to the end of the last note. Notes after
        ``n_steps`` are cut.
    quantize : bool
        Snap off-grid times to the nearest step (default). With False, an off-grid
        note raises :class:`RepresentationError`.
    out_of_range : {"error", "drop"}
        What to do with a pitch outside ``pitch_range``.
    with_onsets : bool
        Also return a second array marking the step where each note starts, so
        repeated notes can be told apart and the round trip is exact.

    Returns
    -------
    roll : ndarray of uint8, shape (n_steps, high - low)
    onsets : ndarray of uint8, same shape (only with ``with_onsets``)

    Taught in: notebooks/01_music_as_data.ipynb
    """
    _check_spq(steps_per_quarter)
    low, high = (int(x) for x in pitch_range)
    if not (0 <= low < high <= 128):
        raise RepresentationError(f"argument 'pitch_range' must satisfy 0 <= low < high <= 128, got {pitch_range!r}")
    outside = (notes.pitch < low) | (notes.pitch >= high)
    if outside.any():
        if out_of_range == "error":
            i = int(np.flatnonzero(outside)[0])
            raise RepresentationError(
                f"note {i} has pitch {int(notes.pitch[i])} ({pitch_name(notes.pitch[i])}), outside "
                f"argument 'pitch_range' [{low}, {high}); pass out_of_range='drop' to skip it"
            )
        if out_of_range != "drop":
            raise RepresentationError(f"argument 'out_of_range' must be 'error' or 'drop', got {out_of_range!r}")
        notes = notes[~outside]
    start = _to_steps(notes.onset, steps_per_quarter, "onset", quantize)
    stop = _to_steps(notes.offset, steps_per_quarter, "end", quantize)
    stop = np.maximum(stop, start + 1)
    total = int(stop.max()) if len(notes) else 0
    if n_steps is not None:
        if n_steps < 0:
            raise RepresentationError(f"argument 'n_steps' must be >= 0, got {n_steps}")
        total = int(n_steps)
    roll = np.zeros((total, high - low), dtype=np.uint8)
    onsets = np.zeros_like(roll)
    for s, e, p in zip(start, stop, notes.pitch, strict=True):
        if s >= total:
            continue
        roll[s:min(e, total), p - low] = 1
        onsets[s, p - low] = 1
    return (roll, onsets) if with_onsets else roll


def piano_roll_to_notes(
    roll: np.ndarray,
    *,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    low: int = DEFAULT_ROLL_RANGE[0],
    onsets: np.ndarray | None = None,
    velocity: int = DEFAULT_VELOCITY,
) -> NoteList:
    """Turn a piano roll back into notes.

    A note is a run of active steps in one column; with ``onsets`` (from
    ``notes_to_piano_roll(..., with_onsets=True)``) a run is also split where a
    new note starts, so repeated notes survive the round trip.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    _check_spq(steps_per_quarter)
    roll = np.asarray(roll)
    if roll.ndim != 2:
        raise ShapeError(f"argument 'roll' must be 2-D (time, pitch), got shape {roll.shape}")
    if low < 0 or low + roll.shape[1] > 128:
        raise ShapeError(
            f"argument 'roll' has {roll.shape[1]} pitch columns from low={low}; exceeds MIDI 127"
        )
    if onsets is not None and np.shape(onsets) != roll.shape:
        raise ShapeError(f"argument 'onsets' has shape {np.shape(onsets)}, expected {roll.shape}")
    runs = roll_runs(roll > 0.5, onsets=None if onsets is None else np.asarray(onsets) > 0.5)
    if len(runs) == 0:
        return NoteList.empty()
    return NoteList.from_arrays(low + runs[:, 0], runs[:, 1] / steps_per_quarter, runs[:, 2] / steps_per_quarter,
                                velocity)


def roll_runs(active: np.ndarray, *, onsets: np.ndarray | None = None) -> np.ndarray:
    """The notes of a boolean roll as rows ``(column, start_step, length_in_steps)``.

    A note is a maximal run of active steps in one pitch column; with ``onsets`` a run
    is also split wherever a new note starts inside it (repeated notes). This is the one
    roll -> notes rule of the library: :func:`piano_roll_to_notes` and
    :func:`musiclib.features.roll_notes` both call it.

    Parameters
    ----------
    active : bool array, shape (time, pitch)
    onsets : bool array of the same shape, optional

    Returns
    -------
    ndarray of int64, shape (n_notes, 3)
        Sorted by column, then start.

    Used by: musiclib.features.roll, musiclib.representation
    """
    active = np.asarray(active, dtype=bool)
    if active.ndim != 2:
        raise ShapeError(f"argument 'active' must be 2-D (time, pitch), got shape {active.shape}")
    mark = np.zeros_like(active) if onsets is None else (np.asarray(onsets, dtype=bool) & active)
    if mark.shape != active.shape:
        raise ShapeError(f"argument 'onsets' has shape {mark.shape}, expected {active.shape}")
    before = np.vstack([np.zeros((1, active.shape[1]), bool), active[:-1]])  # active at t - 1
    after = np.vstack([active[1:], np.zeros((1, active.shape[1]), bool)])  # active at t + 1
    mark_after = np.vstack([mark[1:], np.zeros((1, active.shape[1]), bool)])
    starts = active & (~before | mark)
    ends = active & (~after | mark_after)  # the last step of each note
    s_t, s_p = np.nonzero(starts)
    e_t, e_p = np.nonzero(ends)
    order_s, order_e = np.lexsort((s_t, s_p)), np.lexsort((e_t, e_p))
    s_t, s_p, e_t = s_t[order_s], s_p[order_s], e_t[order_e]
    return np.stack([s_p, s_t, e_t - s_t + 1], axis=1).astype(np.int64).reshape(-1, 3)


# --------------------------------------------------------------------------- melody tokens
@dataclass(frozen=True)
class MelodyVocabulary:
    """Tokens for a monophonic melody on a grid.

    ======  ==========================================================
    token   meaning at this grid step
    ======  ==========================================================
    0       ``rest``: silence
    1       ``hold``: the current note keeps sounding
    2 + k   ``note-on`` of MIDI pitch ``low + k`` (k = 0 .. high-low-1)
    ======  ==========================================================

    Parameters
    ----------
    low, high : int
        Half-open MIDI pitch range. Default 48..96 (C3 up to B6), wide enough for
        chorale sopranos and folk tunes transposed by up to an octave.

    Taught in: notebooks/01_music_as_data.ipynb
    """

    low: int = 48
    high: int = 96

    REST = 0
    HOLD = 1
    N_SPECIAL = 2

    def __post_init__(self) -> None:
        if not (0 <= self.low < self.high <= 128):
            raise VocabularyError(
                f"MelodyVocabulary needs 0 <= low < high <= 128, got low={self.low}, high={self.high}"
            )

    @property
    def size(self) -> int:
        """Number of tokens (2 + number of pitches)."""
        return self.N_SPECIAL + self.high - self.low

    def __len__(self) -> int:
        return self.size

    def pitch_to_token(self, pitch: int) -> int:
        """The note-on token of a MIDI pitch; VocabularyError outside the range."""
        if not (self.low <= int(pitch) < self.high):
            raise VocabularyError(
                f"pitch {int(pitch)} ({pitch_name(int(pitch))}) is outside the vocabulary range "
                f"{self.low}..{self.high - 1} ({pitch_name(self.low)}..{pitch_name(self.high - 1)})"
            )
        return int(pitch) - self.low + self.N_SPECIAL

    def token_to_pitch(self, token: int) -> int | None:
        """MIDI pitch of a note-on token; None for rest and hold."""
        self.check_tokens([token])
        return None if token < self.N_SPECIAL else int(token) - self.N_SPECIAL + self.low

    def token_name(self, token: int) -> str:
        """Readable name: 'rest', 'hold' or a pitch name like 'C5'."""
        p = self.token_to_pitch(token)
        return ("rest", "hold")[int(token)] if p is None else pitch_name(p)

    def check_tokens(self, tokens: Iterable[int] | np.ndarray, name: str = "tokens") -> np.ndarray:
        """Return tokens as an int array; VocabularyError names the first bad one."""
        arr = np.asarray(tokens)
        if arr.ndim != 1:
            raise ShapeError(f"argument {name!r} must be 1-D, got shape {arr.shape}")
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
                raise VocabularyError(f"argument {name!r} must hold whole numbers")
        arr = arr.astype(np.int64)
        bad = (arr < 0) | (arr >= self.size)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise VocabularyError(
                f"argument {name!r}: token {int(arr[i])} at position {i} is outside the "
                f"vocabulary 0..{self.size - 1}"
            )
        return arr

    def to_dict(self) -> dict:
        """JSON-ready description (stored beside checkpoints)."""
        return {"kind": "melody", "low": self.low, "high": self.high, "size": self.size}

    @classmethod
    def from_dict(cls, d: dict) -> MelodyVocabulary:
        """Inverse of :meth:`to_dict`."""
        try:
            return cls(low=int(d["low"]), high=int(d["high"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise VocabularyError(f"vocabulary record {d!r} is malformed: {exc}") from exc


def notes_to_tokens(
    notes: NoteList,
    vocab: MelodyVocabulary | None = None,
    *,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    polyphony: Literal["error", "highest"] = "error",
    quantize: bool = True,
    n_steps: int | None = None,
) -> np.ndarray:
    """Encode a melody as one token per grid step (see :class:`MelodyVocabulary`).

    A note that starts before the previous one ends cuts the previous one short
    (legato overlap). Notes starting on the same step form a chord: with
    ``polyphony="error"`` that raises an error naming the offset; with
    ``"highest"`` the highest note is kept (the usual "skyline" melody).

    Returns
    -------
    ndarray of int64, shape (n_steps,)

    Taught in: notebooks/01_music_as_data.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    _check_spq(steps_per_quarter)
    if polyphony not in ("error", "highest"):
        raise RepresentationError(f"argument 'polyphony' must be 'error' or 'highest', got {polyphony!r}")
    start = _to_steps(notes.onset, steps_per_quarter, "onset", quantize)
    stop = np.maximum(_to_steps(notes.offset, steps_per_quarter, "end", quantize), start + 1)
    order = np.lexsort((-notes.pitch.astype(np.int64), start))
    start, stop, pitch = start[order], stop[order], notes.pitch[order].astype(np.int64)
    if len(start) > 1:
        same = np.flatnonzero(start[1:] == start[:-1])
        if same.size:
            if polyphony == "error":
                i = int(same[0])
                chord = sorted(
                    {pitch_name(p) for p in pitch[start == start[i]]}
                )
                raise RepresentationError(
                    f"argument 'notes' is not monophonic: a chord {chord} starts at offset "
                    f"{start[i] / steps_per_quarter:g} quarters; pass polyphony='highest' "
                    f"to keep the top note"
                )
            keep = np.ones(len(start), bool)
            keep[same + 1] = False  # sorted by step, then pitch descending: first is highest
            start, stop, pitch = start[keep], stop[keep], pitch[keep]
    for p in pitch:
        vocab.pitch_to_token(int(p))  # raises VocabularyError naming the pitch
    total = int(stop.max()) if len(stop) else 0
    if n_steps is not None:
        total = int(n_steps)
    tokens = np.full(total, vocab.REST, dtype=np.int64)
    next_start = np.append(start[1:], np.iinfo(np.int64).max)[: len(start)]
    for s, e, nxt, p in zip(start, stop, next_start, pitch, strict=True):
        if s >= total:
            break
        e = min(e, nxt, total)
        tokens[s] = int(p) - vocab.low + vocab.N_SPECIAL
        tokens[s + 1:e] = vocab.HOLD
    return tokens


def tokens_to_notes(
    tokens: Sequence[int] | np.ndarray,
    vocab: MelodyVocabulary | None = None,
    *,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    velocity: int = DEFAULT_VELOCITY,
) -> NoteList:
    """Decode melody tokens into notes.

    A ``hold`` with no sounding note (at the start or after a rest) extends the
    silence, so any token sequence (e.g. one sampled from a model) decodes.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    _check_spq(steps_per_quarter)
    arr = vocab.check_tokens(tokens)
    rows: list[tuple[int, float, float]] = []
    current: int | None = None
    begin = 0
    for t, tok in enumerate(arr.tolist() + [vocab.REST]):
        if tok == vocab.HOLD:
            continue
        if current is not None:
            rows.append((current, begin / steps_per_quarter, (t - begin) / steps_per_quarter))
            current = None
        if tok >= vocab.N_SPECIAL:
            current = tok - vocab.N_SPECIAL + vocab.low
            begin = t
    if not rows:
        return NoteList.empty()
    p, o, d = zip(*rows, strict=True)
    return NoteList.from_arrays(p, o, d, velocity)


def transpose_tokens(
    tokens: Sequence[int] | np.ndarray, semitones: int, vocab: MelodyVocabulary | None = None
) -> np.ndarray:
    """Transpose note-on tokens by ``semitones``; rest and hold stay.

    Raises VocabularyError when a pitch would leave the vocabulary.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    arr = vocab.check_tokens(tokens).copy()
    is_note = arr >= vocab.N_SPECIAL
    moved = arr[is_note] + int(semitones)
    bad = (moved < vocab.N_SPECIAL) | (moved >= vocab.size)
    if bad.any():
        src = int(arr[is_note][bad][0]) - vocab.N_SPECIAL + vocab.low
        raise VocabularyError(
            f"transposing pitch {src} ({pitch_name(src)}) by {int(semitones)} leaves the vocabulary "
            f"range {vocab.low}..{vocab.high - 1}"
        )
    arr[is_note] = moved
    return arr
