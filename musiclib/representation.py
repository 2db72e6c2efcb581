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

import contextlib
import math
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
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
    "LoadLimits",
    "DEFAULT_LIMITS",
    "MidiScan",
    "scan_midi_bytes",
    "notes_to_piano_roll",
    "piano_roll_to_notes",
    "roll_runs",
    "MelodyVocabulary",
    "notes_to_tokens",
    "skyline_tokens",
    "tokens_to_notes",
    "transpose_tokens",
    "N_POSITIONS",
    "bar_positions",
    "fold_into_range",
    "melody_steps",
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


_SHARP_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
_FLAT_NAMES = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
_TONIC_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_SHARPS_OF_MAJOR_TONIC = {0: 0, 7: 1, 2: 2, 9: 3, 4: 4, 11: 5, 6: 6, 1: -5, 8: -4, 3: -3, 10: -2, 5: -1}


def _parse_key(key: object) -> tuple[int, int | None]:
    """(sharps of the key signature, leading-tone pitch class of a minor key or None)."""
    if isinstance(key, bool) or not isinstance(key, int | np.integer | str) and not hasattr(key, "tonic"):
        raise RepresentationError(
            f"argument 'key' must be a number of sharps (-7..7), a name like 'A major' or 'g minor', "
            f"or an object with .tonic and .mode; got {key!r}"
        )
    if isinstance(key, int | np.integer):
        if not -7 <= int(key) <= 7:
            raise RepresentationError(f"argument 'key' as a number of sharps must be in -7..7, got {int(key)}")
        return int(key), None
    if isinstance(key, str):
        parts = key.strip().split()
        name = parts[0].lower() if parts else ""
        mode = parts[1].lower() if len(parts) > 1 else ("minor" if parts and parts[0][:1].islower() else "major")
        if (len(parts) > 2 or not name or name[0] not in _TONIC_PC or name[1:] not in ("", "#", "b", "-")
                or mode not in ("major", "minor")):
            raise RepresentationError(f"argument 'key' must look like 'A major', 'F# minor' or 'Bb major', got {key!r}")
        tonic = (_TONIC_PC[name[0]] + {"": 0, "#": 1, "b": -1, "-": -1}[name[1:]]) % 12
    else:
        tonic, mode = int(key.tonic) % 12, str(key.mode)
    if mode == "minor":
        return _SHARPS_OF_MAJOR_TONIC[(tonic + 3) % 12], (tonic - 1) % 12
    return _SHARPS_OF_MAJOR_TONIC[tonic], None


def pitch_name(pitch: int, key: object = None) -> str:
    """Scientific pitch name of a MIDI number: 60 -> 'C4', 70 -> 'Bb4'.

    Without ``key`` black keys get one fixed spelling (C#, Eb, F#, Ab, Bb). With a
    ``key`` the note is spelled as in that key's signature: sharps in a sharp key
    (68 in A major is 'G#4', not 'Ab4'), flats in a flat key, and the raised
    leading tone of a minor key as a sharp ('C#' in D minor). In keys of six or
    seven sharps or flats E#, B#, Cb and Fb appear, with the octave number of
    their letter (72 in C# major is 'B#4').

    Parameters
    ----------
    pitch : int
        MIDI note number.
    key : int, str or key-like, optional
        Number of sharps of the key signature (negative: flats), a name such as
        ``"A major"``, ``"g minor"``, ``"Bb major"``, or an object with ``.tonic``
        (pitch class 0-11) and ``.mode`` (``"major"``/``"minor"``), e.g. the
        result of :func:`musiclib.features.estimate_key`.

    Returns
    -------
    str

    Taught in: notebooks/01_music_as_data.ipynb
    """
    if isinstance(pitch, bool | str) or not isinstance(pitch, int | float | np.integer | np.floating) \
            or not np.isfinite(pitch) or not 0 <= pitch < 128:
        raise VocabularyError(f"argument 'pitch' is {pitch!r}; expected a MIDI note number in 0..127")
    p = int(pitch)
    if key is None:
        return f"{PITCH_CLASS_NAMES[p % 12]}{p // 12 - 1}"
    sharps, leading = _parse_key(key)
    pc, octave = p % 12, p // 12 - 1
    if leading is not None and pc == leading and _FLAT_NAMES[pc] != _SHARP_NAMES[pc]:
        return f"{_SHARP_NAMES[pc]}{octave}"
    if sharps >= 6 and pc == 5 and leading != 5:
        return f"E#{octave}"
    if sharps >= 7 and pc == 0:
        return f"B#{octave - 1}"
    if sharps <= -6 and pc == 11:
        return f"Cb{octave + 1}"
    if sharps <= -7 and pc == 4:
        return f"Fb{octave}"
    names = _SHARP_NAMES if sharps > 0 else _FLAT_NAMES if sharps < 0 else PITCH_CLASS_NAMES
    return f"{names[pc]}{octave}"


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
        arrays = {}
        for k, v in raw.items():
            try:
                arrays[k] = np.asarray(v)
            except (TypeError, ValueError) as exc:  # ragged lists
                raise ShapeError(f"argument {k!r} cannot be read as a 1-D array of numbers: {exc}") from exc
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
            try:
                arr = np.asarray(val)
            except (TypeError, ValueError) as exc:
                raise ShapeError(f"argument {name!r} cannot be read as an array of numbers: {exc}") from exc
            if arr.ndim == 0:
                arr = np.full(n, arr)
            if arr.shape != (n,):
                raise ShapeError(f"argument {name!r} must have shape ({n},), got {arr.shape}")
            extra[name] = arr

        for name, arr in (arrays | extra).items():
            if arr.size and not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
                                 or arr.dtype == np.bool_):
                first = arr.ravel()[0]
                raise RepresentationError(f"argument {name!r} holds {first!r} ({arr.dtype}); expected numbers "
                                          f"(for names like 'C4' use parse_melody)")

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


@dataclass(frozen=True)
class LoadLimits:
    """Limits that :func:`load_notes` enforces on what music21 actually reads from a file.

    A MIDI file is read event by event with music21's own event reader (so the events
    checked are exactly the events music21 sees) and the notes are built straight from
    them, in time linear in the file's size; a notation file (MusicXML, ABC, ...) is
    parsed from the bytes that were checked, never from the path a second time, and its
    notes are checked before they are returned. Everything runs under a time budget.
    With the defaults every accepted file loads in a few seconds and well under 500 MB
    (measured figures: ``docs/FACTS.md``). Pass your own ``LoadLimits(...)`` as
    ``limits=`` to read larger files.

    Attributes
    ----------
    max_bytes : int
        Largest file accepted, and largest unpacked score inside a compressed ``.mxl``
        (default 2 MB; MIDI files of whole symphonies are < 1 MB).
    max_quarters : float
        Longest piece, in quarter notes (default 20,000: ~2.8 hours at 120 bpm).
    max_note_quarters : float
        Longest single note, in quarter notes (default 256, i.e. 64 bars of 4/4).
    max_notes : int
        Most notes in one file (default 100,000).
    max_seconds : float
        Time budget for reading and parsing one file (default 5 s). It is enforced
        inside the MIDI reader everywhere, and for notation files with a timer signal,
        which Python only offers in the main thread.

    Used by: musiclib.representation.load_notes, musiclib.datasets.load_midi_folder
    """

    max_bytes: int = 2_000_000
    max_quarters: float = 20_000.0
    max_note_quarters: float = 256.0
    max_notes: int = 100_000
    max_seconds: float = 5.0

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_quarters", "max_note_quarters", "max_notes", "max_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0 or value != value:
                raise RepresentationError(f"LoadLimits argument {name!r} must be a number >= 0, got {value!r}")


DEFAULT_LIMITS = LoadLimits()


class _OutOfTime(BaseException):
    """Raised inside a parser when the time budget is spent (a BaseException: no parser swallows it)."""


@contextlib.contextmanager
def _time_budget(seconds: float) -> Iterator[float]:
    """Yield the deadline (``time.monotonic()`` value); in the main thread also interrupt at it.

    The MIDI reader checks the deadline itself; music21's notation parsers are
    interrupted by a SIGALRM timer, available in the main thread of a Unix process.
    """
    deadline = time.monotonic() + seconds
    use_timer = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread())
    if not use_timer:
        yield deadline
        return

    def _expire(signum, frame):
        raise _OutOfTime()

    start = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, _expire)
    old_timer = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield deadline
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_timer[0] > 0:  # someone else's timer (e.g. pytest-timeout): give back what is left of it
            left = old_timer[0] - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), old_timer[1])


def _read_file(p: Path, limits: LoadLimits) -> bytes:
    """The bytes of a regular file, read once through one open descriptor (never more than the limit)."""
    if not os.path.lexists(p):
        raise MidiFileError(f"file {str(p)!r} does not exist")
    if p.is_dir():
        raise MidiFileError(f"{str(p)!r} is a folder, not a file; use datasets.load_midi_folder for folders")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if not p.exists():
            raise MidiFileError(f"file {str(p)!r} does not exist (a link to nothing?)") from exc
        raise MidiFileError(f"file {str(p)!r} could not be read: {exc.strerror or exc}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise MidiFileError(f"{str(p)!r} is not a regular file (a device, pipe or socket)")
        if st.st_size == 0:
            raise MidiFileError(f"file {str(p)!r} is empty (0 bytes)")
        if st.st_size > limits.max_bytes:
            raise MidiFileError(f"file {str(p)!r} has {st.st_size:,} bytes; the limit is {limits.max_bytes:,} "
                                f"(pass limits=LoadLimits(max_bytes=...) to read it)")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limits.max_bytes + 1)  # the file may grow after fstat: never read past the limit
    except OSError as exc:
        raise MidiFileError(f"file {str(p)!r} could not be read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(data) > limits.max_bytes:
        raise MidiFileError(f"file {str(p)!r} has more than {limits.max_bytes:,} bytes; the limit is "
                            f"{limits.max_bytes:,} (pass limits=LoadLimits(max_bytes=...) to read it)")
    if not data:
        raise MidiFileError(f"file {str(p)!r} is empty (0 bytes)")
    return data


def load_notes(path: str | os.PathLike, *, limits: LoadLimits | None = None) -> NoteList:
    """Read a MIDI, MusicXML, ABC or Humdrum file into a :class:`NoteList`.

    The file is read once; what is parsed is exactly the bytes that were checked.

    Parameters
    ----------
    path : file
    limits : LoadLimits, optional
        Size, length, note-count and time limits (default :data:`DEFAULT_LIMITS`).

    Raises
    ------
    MidiFileError
        The path is missing, a folder or unreadable; the file is empty, too large,
        not parseable, truncated, holds no notes, exceeds ``limits`` or its time
        budget; the message names the file and the reason (and the limit).

    Used by: musiclib.datasets, musiclib.models.melody
    """
    p = Path(path)
    limits = _check_limits(limits)
    suffix = p.suffix.lower()
    if suffix not in _MIDI_SUFFIXES | _NOTATION_SUFFIXES and not p.is_dir():
        raise MidiFileError(
            f"file {str(p)!r}: unknown suffix {suffix!r}; expected one of "
            f"{sorted(_MIDI_SUFFIXES | _NOTATION_SUFFIXES)}"
        )
    if suffix in _MIDI_SUFFIXES or p.is_dir():
        return notes_from_midi(p, limits=limits)
    data = _read_file(p, limits)
    return _notes_from_notation_bytes(data, suffix, f"file {str(p)!r}", limits)


def _check_limits(limits: object) -> LoadLimits:
    if limits is None:
        return DEFAULT_LIMITS
    if not isinstance(limits, LoadLimits):
        raise RepresentationError(f"argument 'limits' must be a LoadLimits, got {type(limits).__name__}")
    return limits


_HINT = "pass limits=LoadLimits(...) to read it anyway"


def _check_notes_against(notes: NoteList, name: str, limits: LoadLimits) -> NoteList:
    if len(notes) > limits.max_notes:
        raise MidiFileError(f"{name} holds {len(notes):,} notes; the limit is {limits.max_notes:,} "
                            f"(LoadLimits.max_notes; {_HINT})")
    if notes.end > limits.max_quarters:
        raise MidiFileError(f"{name} lasts {notes.end:,.0f} quarter notes; the limit is "
                            f"{limits.max_quarters:,.0f} (LoadLimits.max_quarters; {_HINT})")
    longest = float(notes.duration.max()) if len(notes) else 0.0
    if longest > limits.max_note_quarters:
        raise MidiFileError(f"{name} holds a note of {longest:,.0f} quarter notes; the limit is "
                            f"{limits.max_note_quarters:,.0f} (LoadLimits.max_note_quarters; {_HINT})")
    return notes


_NOTATION_FORMATS = {".xml": "musicxml", ".musicxml": "musicxml", ".mxl": "musicxml", ".abc": "abc",
                     ".krn": "humdrum", ".mei": "mei"}


def _notes_from_notation_bytes(data: bytes, suffix: str, name: str, limits: LoadLimits) -> NoteList:
    """Parse checked bytes of a notation file with music21 under the time budget, then check the notes."""
    if suffix == ".mxl":
        data = _unpack_mxl(data, name, limits)
        suffix = ".xml"
    if suffix in (".xml", ".musicxml", ".mei") and b"\0" in data:  # UTF-16/32 would hide <!ENTITY from the check
        raise MidiFileError(f"{name} is XML in UTF-16 or UTF-32 (it holds NUL bytes); save it as UTF-8 to read it")
    if suffix in (".xml", ".musicxml", ".mei") and b"<!ENTITY" in data.upper():
        raise MidiFileError(f"{name} declares XML entities (<!ENTITY ...>); such files are refused "
                            "because entity expansion can make a small file enormous")
    estimate = _count_note_like(data, suffix)
    if estimate > limits.max_notes:
        raise MidiFileError(f"{name} holds about {estimate:,} notes; the limit is {limits.max_notes:,} "
                            f"(LoadLimits.max_notes; {_HINT})")
    try:
        text = data.decode("utf-8-sig") if suffix in (".abc", ".krn") else data
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    from music21 import converter

    try:
        with _time_budget(limits.max_seconds):
            try:
                score = converter.parseData(text, format=_NOTATION_FORMATS[suffix], forceSource=True)
                notes = notes_from_stream(score, name=name)
            except MidiFileError:
                raise
            except Exception as exc:  # music21 raises many kinds
                raise MidiFileError(f"{name} could not be parsed: {type(exc).__name__}: {str(exc)[:200]}") from exc
    except _OutOfTime:
        raise MidiFileError(f"{name} took longer than {limits.max_seconds:g} s to parse; the limit is "
                            f"LoadLimits.max_seconds = {limits.max_seconds:g} ({_HINT})") from None
    except RecursionError as exc:
        raise MidiFileError(f"{name} is nested too deeply to parse") from exc
    return _check_notes_against(notes, name, limits)


_XML_NOTE = re.compile(rb"<(?:note|rest)[\s>/]")
_ABC_HEADER = re.compile(rb"^\s*(?:[A-Za-z]:|%)")


def _count_note_like(data: bytes, suffix: str) -> int:
    """An upper bound on the notes of a notation file, counted on its bytes before music21 parses it.

    music21's ABC reader builds an object per token before it makes any note (300 KB
    of ABC notes took 300 MB in the first 5 s), so the note count is checked first.
    """
    if suffix in (".xml", ".musicxml", ".mei"):
        return len(_XML_NOTE.findall(data))
    if suffix == ".abc":  # note letters outside header fields (X:, T:, K:, w: ...) and comments; every
        body = [line for line in data.splitlines() if not _ABC_HEADER.match(line)]  # 3 other bytes: a token
        letters = sum(sum(line.count(c) for c in b"ABCDEFGabcdefgzxZX") for line in body)
        return max(letters, sum(len(line.translate(None, b" \t\r")) for line in body) // 3)
    if suffix == ".krn":  # letters in data records (not comments '!' or interpretations '*')
        return sum(sum(line.count(c) for c in b"ABCDEFGabcdefgr") for line in data.splitlines()
                   if line[:1] not in (b"!", b"*"))
    return 0


def _unpack_mxl(data: bytes, name: str, limits: LoadLimits) -> bytes:
    """The score inside a compressed MusicXML file, read in chunks under a running cap (the header may lie)."""
    import io
    import zipfile

    cap = limits.max_bytes
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            if len(infos) > 1000:
                raise MidiFileError(f"{name} holds {len(infos):,} zip members; a .mxl file holds a few")
            root = None
            container = next((i for i in infos if i.filename == "META-INF/container.xml"), None)
            if container is not None:
                import re

                text = _read_member(z, container, name, cap).decode("utf-8", "replace")
                m = re.search(r'full-path\s*=\s*"([^"]+)"', text)
                root = next((i for i in infos if m and i.filename == m.group(1)), None)
            if root is None:
                root = next((i for i in infos if i.filename.lower().endswith((".xml", ".musicxml"))
                             and not i.filename.startswith("META-INF/")), None)
            if root is None:
                raise MidiFileError(f"{name} holds no MusicXML score (.xml) inside the zip")
            return _read_member(z, root, name, cap)
    except MidiFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError,
            RuntimeError) as exc:
        raise MidiFileError(f"{name} is not a readable compressed MusicXML (.mxl) file: {exc}") from exc


def _read_member(z, info, name: str, cap: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    with z.open(info) as fh:
        while True:
            chunk = fh.read(65536)
            if not chunk:
                break
            total += len(chunk)
            if total > cap:
                raise MidiFileError(f"{name}: member {info.filename!r} unpacks to more than {cap:,} bytes "
                                    f"(it declares {info.file_size:,}); the limit is LoadLimits.max_bytes = "
                                    f"{cap:,} ({_HINT})")
            chunks.append(chunk)
    return b"".join(chunks)


def _check_midi_bytes(p: Path | str, data: bytes) -> None:
    """Validate the MIDI chunk structure so truncation is caught, not half-read."""
    name = p if isinstance(p, str) else f"file {str(p)!r}"
    if len(data) == 0:
        raise MidiFileError(f"{name} is empty (0 bytes)")
    if data[:4] != b"MThd":
        raise MidiFileError(f"{name} is not a MIDI file (starts with {data[:4]!r}, expected b'MThd')")
    if len(data) < 14 or int.from_bytes(data[4:8], "big") != 6:
        raise MidiFileError(f"{name} has a malformed header (expected a 6-byte MThd chunk)")
    pos = 0
    chunks = 0
    while pos < len(data):
        if len(data) - pos < 8:
            raise MidiFileError(f"{name} is truncated: incomplete chunk header at byte {pos}")
        length = int.from_bytes(data[pos + 4: pos + 8], "big")
        if pos + 8 + length > len(data):
            raise MidiFileError(
                f"{name} is truncated: chunk {data[pos:pos + 4]!r} at byte {pos} "
                f"declares {length} bytes but only {len(data) - pos - 8} remain"
            )
        pos += 8 + length
        chunks += 1
    if chunks < 2:
        raise MidiFileError(f"{name} has a header but no tracks")


@dataclass(frozen=True)
class MidiScan:
    """What :func:`scan_midi_bytes` found in a MIDI file: the events music21 reads, summed up.

    Attributes
    ----------
    ticks_per_quarter : float
        After converting SMPTE time code, if the file uses it.
    quarters : float
        Length of the longest track, in quarter notes.
    notes : int
        Notes music21 pairs (a note-on with velocity > 0 and its note-off), drums included.
    longest_note_quarters : float
        Longest of those notes.

    Used by: musiclib.representation.load_notes
    """

    ticks_per_quarter: float
    quarters: float
    notes: int
    longest_note_quarters: float


@dataclass
class _MidiRead:
    scan: MidiScan
    rows: list  # (track index with notes, channel, pitch, on tick, off tick, velocity)


_SMPTE_RATES = {24: Fraction(24), 25: Fraction(25), 29: Fraction(30000, 1001), 30: Fraction(30)}


def _read_midi(data: bytes, name: str, limits: LoadLimits, deadline: float) -> _MidiRead:
    """Read a MIDI file's events with music21's own event reader, in linear time and bounded memory.

    music21's ``MidiFile.readstr`` slices the remaining bytes after every event (time
    quadratic in a track's length) and keeps two objects per event. Here the same
    reader (``DeltaTime.readUntilLowByte``, ``MidiEvent.read``) is given a short window
    of bytes at a time, widened whenever an event reaches the window's end, following
    ``MidiTrack.processDataToEvents`` step by step (skipped events, running status);
    then notes are paired as ``translate.getNotesFromEvents`` pairs them. So every limit
    is checked on the events music21 itself would build notes from.
    """
    from music21.midi.base import DeltaTime, MetaEvents, MidiEvent, MidiException, MidiTrack

    _check_midi_bytes(name, data)
    fmt = int.from_bytes(data[8:10], "big")
    n_tracks = int.from_bytes(data[10:12], "big")
    division = int.from_bytes(data[12:14], "big")
    if fmt not in (0, 1):
        raise MidiFileError(f"{name} is a format-{fmt} MIDI file; music21 reads formats 0 and 1")
    smpte = None
    if division & 0x8000:
        fps, ticks_per_frame = 256 - (division >> 8), division & 0xFF
        if fps not in _SMPTE_RATES or ticks_per_frame == 0:
            raise MidiFileError(f"{name} uses SMPTE time code with {fps} frames per second and {ticks_per_frame} "
                                "ticks per frame; only 24, 25, 29.97 and 30 frames with ticks > 0 can be converted")
        smpte = _SMPTE_RATES[fps] * ticks_per_frame  # ticks per second
    elif division == 0:
        raise MidiFileError(f"{name} declares 0 ticks per quarter note")
    pos = 14
    rows: list[tuple[int, int, int, int, int, int]] = []
    tempos: set[int] = set()
    longest_track = 0
    part = 0
    n_events = 0
    for track_no in range(n_tracks):
        if pos + 8 > len(data):
            raise MidiFileError(f"{name} declares {n_tracks} tracks but holds {track_no}")
        if data[pos:pos + 4] != b"MTrk":
            raise MidiFileError(f"{name}: chunk {track_no + 1} at byte {pos} is {data[pos:pos + 4]!r}, expected "
                                "b'MTrk'")
        end = pos + 8 + int.from_bytes(data[pos + 4:pos + 8], "big")
        i, pos = pos + 8, end
        track = MidiTrack(track_no)
        t = 0
        last_status = None
        pending: dict[tuple[int, int], list[tuple[int, int]]] = {}
        has_notes = False
        if time.monotonic() > deadline:
            raise _OutOfTime()
        while i < end:
            n_events += 1
            if n_events % 4096 == 0 and time.monotonic() > deadline:
                raise _OutOfTime()
            _check_vlq(data, i, end, name, "delta time")
            delta = DeltaTime(track=track)
            dt, i_event = _windowed(lambda buf, d=delta: d.readUntilLowByte(buf), data, i, end)
            if i_event < end:
                first = data[i_event]
                if first < 0x80 and (last_status is None or last_status >= 0xF0):
                    raise MidiFileError(f"{name} is malformed: data byte {first} without a running status at "
                                        f"byte {i_event}")
                if first == 0xFF:
                    _check_vlq(data, i_event + 2, end, name, "meta event length")
                elif first in (0xF0, 0xF7):
                    _check_vlq(data, i_event + 1, end, name, "sysex length")

            def read_event(buf, status=last_status, track=track):
                ev = MidiEvent(track=track)
                if status is not None:
                    ev.lastStatusByte = status
                return ev, ev.read(buf)

            try:
                ev, i = _windowed(read_event, data, i_event, end)
            except MidiException as exc:
                # music21 would skip the event and read its status byte as the next delta time (a 0xF8
                # byte then becomes a huge delay): such bytes do not belong in a MIDI file, so refuse
                raise MidiFileError(f"{name} is malformed: {exc} at byte {i_event} (track {track_no + 1})") from None
            t += dt
            last_status = ev.lastStatusByte
            if ev.isNoteOn():
                has_notes = True
                pending.setdefault((ev.pitch, ev.channel), []).append((t, ev.velocity))
            elif ev.isNoteOff():
                for on, velocity in pending.pop((ev.pitch, ev.channel), ()):
                    rows.append((part, ev.channel, ev.pitch, on, t, velocity))
                    if len(rows) > limits.max_notes:
                        raise MidiFileError(f"{name} holds more than {limits.max_notes:,} notes; the limit is "
                                            f"{limits.max_notes:,} (LoadLimits.max_notes; {_HINT})")
            elif ev.type == MetaEvents.SET_TEMPO and isinstance(ev.data, bytes) and len(ev.data) == 3:
                tempos.add(int.from_bytes(ev.data, "big"))
        longest_track = max(longest_track, t)
        if has_notes:
            part += 1
    if smpte is not None:
        if len(tempos) > 1:
            raise MidiFileError(f"{name} uses SMPTE time code and changes tempo; its times cannot be converted to "
                                "quarter notes")
        tempo = Fraction(next(iter(tempos), 500_000), 1_000_000)  # seconds per quarter; 120 bpm by default
        tpq = smpte * tempo
    else:
        tpq = Fraction(division)
    longest_note = max((r[4] - r[3] for r in rows), default=0)
    scan = MidiScan(float(tpq), float(longest_track / tpq), len(rows), float(longest_note / tpq))
    return _MidiRead(scan, rows)


def _check_vlq(data: bytes, i: int, end: int, name: str, what: str) -> None:
    """Refuse a variable-length number longer than the 4 bytes the MIDI standard allows."""
    for j in range(i, min(i + 4, end)):
        if data[j] < 0x80:
            return
    if i + 4 <= end:
        raise MidiFileError(f"{name} is malformed: {what} at byte {i} is longer than 4 bytes")


def _windowed(read, data: bytes, start: int, end: int):
    """Run a music21 reader on ``data[start:end]`` through a growing window; return (result, next index).

    The result is accepted only when the reader stopped before the window's end (or the
    window reached ``end``), so it is the same as reading the whole remainder.
    """
    size = 64
    while True:
        stop = min(end, start + size)
        buf = data[start:stop]
        at_end = stop >= end
        try:
            result, rest = read(buf)
        except Exception:
            if at_end:
                raise
            size *= 8
            continue
        if rest or at_end:
            return result, stop - len(rest)
        size *= 8


def scan_midi_bytes(data: bytes, *, name: str = "MIDI data") -> MidiScan:
    """Read a Standard MIDI File's events as music21 reads them: length, note count, longest note.

    Runs music21's own event reader over the bytes in linear time (see
    :class:`LoadLimits`), without building a score.

    Raises
    ------
    MidiFileError
        Malformed chunk or header, unconvertible SMPTE time code.

    Used by: musiclib.representation.load_notes
    """
    unlimited = LoadLimits(max_bytes=len(data), max_quarters=math.inf, max_note_quarters=math.inf,
                           max_notes=2**62, max_seconds=math.inf)
    try:
        return _read_midi(data, name, unlimited, math.inf).scan
    except MidiFileError:
        raise
    except Exception as exc:
        raise MidiFileError(f"{name} is malformed: {type(exc).__name__}: {exc}") from exc


_QUANTIZE_DIVISORS = (4, 3)  # music21's default quantization: 16ths and triplet eighths


def _quantize(values: np.ndarray, *, zero_allowed: bool, gaps: np.ndarray | None = None) -> np.ndarray:
    """Snap to 16ths or triplet eighths as music21's ``Stream.quantize`` does.

    For each value the divisor with the smallest (remaining gap, error, unit) wins: a
    duration that exactly fills the ``gaps`` to the next onset is preferred, then the
    nearer grid point, then the 16th.
    """
    keys = []
    matches = []
    for div in _QUANTIZE_DIVISORS:
        unit = 1 / div
        k = np.round(values * div)
        if not zero_allowed:
            k = np.where(k == 0, 1, k)
        match = k / div
        err = np.round(np.abs(values - match), 7)
        if gaps is None:
            remaining = np.zeros_like(values)
        else:
            fills = np.abs(gaps * div - np.round(gaps * div)) < 1e-6
            remaining = np.where(fills, 0.0, np.maximum(gaps - match, 0.0))
        keys.append((remaining, err, unit))
        matches.append(match)
    r0, e0, u0 = keys[0]
    r1, e1, u1 = keys[1]
    second = (r1 < r0) | ((r1 == r0) & ((e1 < e0) | ((e1 == e0) & (u1 < u0))))
    return np.where(second, matches[1], matches[0])


def _next_onset_gaps(part: np.ndarray, onset: np.ndarray) -> np.ndarray:
    """For each note, the time from its onset to the next later onset in its part (0 for the last)."""
    gaps = np.zeros_like(onset)
    if not len(onset):
        return gaps
    order = np.lexsort((onset, part))
    ps, os_ = part[order], onset[order]
    new_group = np.r_[True, (ps[1:] != ps[:-1]) | (os_[1:] != os_[:-1])]
    group = np.cumsum(new_group) - 1
    g_part, g_onset = ps[new_group], os_[new_group]
    has_next = np.r_[g_part[1:] == g_part[:-1], False]
    next_onset = np.where(has_next, np.r_[g_onset[1:], 0.0], g_onset)
    gaps[order] = next_onset[group] - os_
    return gaps


def notes_from_midi(path: str | os.PathLike, *, quantize: bool = True, limits: LoadLimits | None = None) -> NoteList:
    """Read a Standard MIDI File.

    Each track with notes becomes one part; drums (channel 10) are left out. With
    ``quantize`` (default) onsets and durations snap to 16ths and triplet eighths as
    in music21, which makes the round trip with :func:`notes_to_midi` exact on the 16th
    grid. The events are read by music21's own event reader and every limit of
    ``limits`` (see :class:`LoadLimits`) is checked on them, in time linear in the
    file's size, so a pathological file fails fast. SMPTE time code is converted to
    quarter notes with the file's tempo (120 bpm when it names none).

    Raises
    ------
    MidiFileError
        Missing, a folder, unreadable, truncated, malformed, beyond ``limits``,
        or no pitched notes.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    p = Path(path)
    limits = _check_limits(limits)
    data = _read_file(p, limits)
    return _notes_from_midi_bytes(data, f"file {str(p)!r}", limits, quantize=quantize)


def _notes_from_midi_bytes(data: bytes, name: str, limits: LoadLimits, *, quantize: bool) -> NoteList:
    import music21.midi.base  # noqa: F401  (imported before the clock starts: the budget is for reading)

    try:
        read = _read_midi(data, name, limits, time.monotonic() + limits.max_seconds)
    except _OutOfTime:
        raise MidiFileError(f"{name} took longer than {limits.max_seconds:g} s to read; the limit is "
                            f"LoadLimits.max_seconds = {limits.max_seconds:g} ({_HINT})") from None
    except MidiFileError:
        raise
    except Exception as exc:  # music21's reader on bytes it cannot make sense of
        raise MidiFileError(f"{name} could not be parsed as MIDI: {type(exc).__name__}: {str(exc)[:200]}") from exc
    scan = read.scan
    if scan.notes == 0:
        raise MidiFileError(f"{name} holds no notes")
    if scan.notes > limits.max_notes:
        raise MidiFileError(f"{name} holds {scan.notes:,} notes; the limit is {limits.max_notes:,} "
                            f"(LoadLimits.max_notes; {_HINT})")
    if scan.quarters > limits.max_quarters:
        raise MidiFileError(f"{name} lasts {scan.quarters:,.0f} quarter notes; the limit is "
                            f"{limits.max_quarters:,.0f} (LoadLimits.max_quarters; {_HINT})")
    if scan.longest_note_quarters > limits.max_note_quarters:
        raise MidiFileError(f"{name} holds a note of {scan.longest_note_quarters:,.0f} quarter notes; the "
                            f"limit is {limits.max_note_quarters:,.0f} (LoadLimits.max_note_quarters; {_HINT})")
    rows = np.array([r for r in read.rows if r[1] != 10], dtype=np.float64).reshape(-1, 6)
    if not len(rows):
        raise MidiFileError(f"{name} holds no pitched notes (only drums on channel 10)")
    tpq = scan.ticks_per_quarter
    onset = rows[:, 3] / tpq
    duration = (rows[:, 4] - rows[:, 3]) / tpq
    if quantize:
        onset = _quantize(onset, zero_allowed=True)
        duration = _quantize(duration, zero_allowed=False, gaps=_next_onset_gaps(rows[:, 0], onset))
    keep = duration > 0
    if not keep.any():
        raise MidiFileError(f"{name} holds no pitched notes of non-zero length")
    velocity = np.clip(rows[:, 5], 1, 127)
    notes = NoteList.from_arrays(rows[keep, 2].astype(np.int64), onset[keep], duration[keep],
                                 velocity[keep].astype(np.int64), rows[keep, 0].astype(np.int64))
    return _check_notes_against(notes, name, limits)


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

    def token_name(self, token: int, key: object = None) -> str:
        """Readable name: 'rest', 'hold' or a pitch name like 'C5' (spelled in ``key``, see :func:`pitch_name`)."""
        p = self.token_to_pitch(token)
        return ("rest", "hold")[int(token)] if p is None else pitch_name(p, key)

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
    polyphony: Literal["error", "highest", "skyline"] = "error",
    quantize: bool = True,
    n_steps: int | None = None,
) -> np.ndarray:
    """Encode a melody as one token per grid step (see :class:`MelodyVocabulary`).

    A note that starts before the previous one ends cuts the previous one short
    (legato overlap). Notes starting on the same step form a chord: with
    ``polyphony="error"`` that raises an error naming the offset; with
    ``"highest"`` the highest note *of each chord* is kept, and a later, lower note
    still cuts a held higher one short (right for a melody line with overlaps,
    wrong for four voices: the line drops into the bass). ``"skyline"`` keeps the
    highest note *sounding* at every step (see :func:`skyline_tokens`).

    Returns
    -------
    ndarray of int64, shape (n_steps,)

    Taught in: notebooks/01_music_as_data.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    _check_spq(steps_per_quarter)
    if polyphony not in ("error", "highest", "skyline"):
        raise RepresentationError(
            f"argument 'polyphony' must be 'error', 'highest' or 'skyline', got {polyphony!r}"
        )
    if polyphony == "skyline":
        return skyline_tokens(notes, vocab, steps_per_quarter=steps_per_quarter, quantize=quantize, n_steps=n_steps)
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


def skyline_tokens(
    notes: NoteList,
    vocab: MelodyVocabulary | None = None,
    *,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    quantize: bool = True,
    n_steps: int | None = None,
) -> np.ndarray:
    """The skyline melody: at every grid step, the highest note sounding then.

    A held high note is never cut by a lower note that starts under it. When the
    top note ends while a lower one is still sounding, the lower one becomes the
    top and is written as a new note-on at that step (a token sequence has no
    other way to say "now this note is on top").

    Returns
    -------
    ndarray of int64, shape (n_steps,)
        Tokens of ``vocab`` (note-on, hold, rest).

    Taught in: notebooks/01_music_as_data.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    _check_spq(steps_per_quarter)
    start = _to_steps(notes.onset, steps_per_quarter, "onset", quantize)
    stop = np.maximum(_to_steps(notes.offset, steps_per_quarter, "end", quantize), start + 1)
    total = int(stop.max()) if len(stop) else 0
    if n_steps is not None:
        total = int(n_steps)
    top_pitch = np.full(total, -1, dtype=np.int64)
    top_note = np.full(total, -1, dtype=np.int64)
    for i in np.lexsort((notes.pitch.astype(np.int64), start)):  # by onset; only a higher note overwrites
        s, e, p = int(start[i]), min(int(stop[i]), total), int(notes.pitch[i])
        if s >= total:
            continue
        span = slice(s, e)
        higher = p >= top_pitch[span]  # ties: the note that starts later (sorted by onset) wins
        top_pitch[span] = np.where(higher, p, top_pitch[span])
        top_note[span] = np.where(higher, i, top_note[span])
    for p in np.unique(top_pitch[top_pitch >= 0]):
        vocab.pitch_to_token(int(p))  # raises VocabularyError naming the pitch
    tokens = np.full(total, vocab.REST, dtype=np.int64)
    previous = -1
    for t in range(total):
        if top_note[t] < 0:
            previous = -1
            continue
        same_note = top_note[t] == previous
        tokens[t] = vocab.HOLD if same_note else int(top_pitch[t]) - vocab.low + vocab.N_SPECIAL
        previous = top_note[t]
    return tokens

N_POSITIONS = 32  # bar positions are taken modulo this (bars up to 8 quarters on the 16th grid)


def bar_positions(n_steps: int, *, bar_steps: int = 16, offset: int = 0) -> np.ndarray:
    """Position in the bar of each grid step: ``(t + offset) mod bar_steps``.

    ``offset`` is the pickup (anacrusis) in steps: a chorale that starts one beat
    before a 4/4 downbeat has ``offset = 12``.

    Used by: musiclib.sampling.generate, musiclib.representation.melody_steps
    """
    if int(bar_steps) != bar_steps or bar_steps < 1:
        raise ShapeError(f"argument 'bar_steps' is {bar_steps!r}; expected a whole number >= 1")
    return (np.arange(int(n_steps)) + int(offset)) % int(bar_steps)


def fold_into_range(notes: NoteList, vocab: MelodyVocabulary) -> tuple[NoteList, int]:
    """Move every note outside ``vocab``'s pitch range by whole octaves into it.

    Returns the notes and how many of them were moved (0: unchanged).

    Raises
    ------
    VocabularyError
        The range is narrower than an octave and some pitch cannot be folded into it.

    Used by: musiclib.models.melody.melody_data (MIDI folders)
    """
    p = notes.pitch.astype(np.int64)
    below, above = p < vocab.low, p >= vocab.high
    moved = np.where(below, p + 12 * ((vocab.low - p + 11) // 12), p)
    moved = np.where(above, moved - 12 * ((p - vocab.high) // 12 + 1), moved)
    bad = (moved < vocab.low) | (moved >= vocab.high)
    if bad.any():
        raise VocabularyError(f"pitch {int(p[bad][0])} cannot be moved by octaves into {vocab}: the range is "
                              "narrower than an octave")
    n = int((below | above).sum())
    if n == 0:
        return notes, 0
    return NoteList.from_arrays(moved, notes.onset, notes.duration, notes.velocity, notes.part), n


def melody_steps(
    melody: NoteList,
    vocab: MelodyVocabulary,
    *,
    anacrusis: float = 0.0,
    bar_quarters: float = 4.0,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
) -> tuple[np.ndarray, np.ndarray]:
    """A melody as model input: one token per grid step and each step's position in the bar.

    The one melody -> tokens function of the course: the corpora
    (:meth:`musiclib.datasets.Corpus.melody_tokens`), users' MIDI folders and the
    training command all call it. Chords keep their top note; positions are
    ``bar_positions(...) mod N_POSITIONS``, counted from the pickup.

    Returns
    -------
    tokens : int64 array (T,)
    positions : int64 array (T,), values 0..N_POSITIONS-1

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    tokens = notes_to_tokens(melody, vocab, steps_per_quarter=steps_per_quarter, polyphony="highest")
    bar = max(1, int(round(bar_quarters * steps_per_quarter)))
    positions = bar_positions(len(tokens), bar_steps=bar, offset=int(round(anacrusis * steps_per_quarter)))
    return tokens, (positions % N_POSITIONS).astype(np.int64)


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
