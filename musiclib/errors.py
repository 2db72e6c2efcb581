"""One exception hierarchy for the whole library.

Every error raised on purpose by :mod:`musiclib` is a :class:`MusicLibError`, so a
notebook or a script can catch them all with one ``except``. Each subclass also
inherits the built-in exception a Python programmer would expect (``ValueError``,
``OSError``), so generic code keeps working.

Messages always name the argument or the file that is wrong and say what was
expected, e.g. ``"pitch 130 in argument 'notes' is outside MIDI range 0..127"``.

Taught in: notebooks/01_music_as_data.ipynb
"""

from __future__ import annotations

import sys
from collections.abc import Callable

__all__ = [
    "MusicLibError",
    "ConfigError",
    "DataError",
    "DatasetIntegrityError",
    "MidiFileError",
    "RepresentationError",
    "VocabularyError",
    "ShapeError",
    "AudioError",
    "CheckpointError",
    "FileExistsNoOverwriteError",
    "CheckFailedError",
    "GradingError",
    "run_cli",
]


class MusicLibError(Exception):
    """Base class of every error raised on purpose by musiclib."""


class ConfigError(MusicLibError, ValueError):
    """A setting (environment variable, profile name, path) is invalid."""


class DataError(MusicLibError, ValueError):
    """A data file or folder cannot be used (missing, empty, unreadable)."""


class DatasetIntegrityError(DataError):
    """A prepared dataset file does not match its manifest (checksum, counts)."""


class MidiFileError(DataError):
    """A MIDI or MusicXML file cannot be parsed, or holds no notes."""


class RepresentationError(MusicLibError, ValueError):
    """Music cannot be converted between representations as asked."""


class VocabularyError(RepresentationError):
    """A token or pitch is outside a vocabulary, or two vocabularies differ."""


class ShapeError(MusicLibError, ValueError):
    """An array has the wrong shape, dtype or values for the argument it fills."""


class AudioError(MusicLibError, ValueError):
    """Audio input is unusable (wrong sample rate, not mono, non-finite, silent)."""


class CheckpointError(MusicLibError, OSError):
    """A model checkpoint is missing, corrupt or does not fit the data."""


class FileExistsNoOverwriteError(MusicLibError, FileExistsError):
    """Refused to overwrite an existing file without ``overwrite=True``."""


class CheckFailedError(MusicLibError, AssertionError):
    """An exercise checker failed while a notebook is being graded (``MUSICLIB_GRADING=1``).

    Outside grading a checker only prints ``[FAIL]``; under ``make grade`` it also raises
    this, so the graded test cell shows an error and nbgrader gives it no points.
    """


class GradingError(MusicLibError, ValueError):
    """Assignments cannot be built or a class cannot be graded (no lessons, a bad folder)."""


def run_cli(action: Callable[[], object]) -> int:
    """Run a command-line action and return its exit code.

    0 when it succeeds; a :class:`MusicLibError` is printed as ``error: <message>`` on
    stderr (no traceback: the message already names the file or argument) and gives 1.
    Other exceptions are bugs and propagate with their traceback.

    Used by: musiclib.datasets, musiclib.assignments, musiclib.train
    """
    try:
        action()
    except MusicLibError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
