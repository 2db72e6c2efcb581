"""Shared fixtures for the unit tests."""

from __future__ import annotations

import numpy as np
import pytest

from musiclib.representation import NoteList


@pytest.fixture
def c_major_scale() -> NoteList:
    """C4 D4 E4 F4 G4 A4 B4 C5, one quarter note each."""
    pitches = [60, 62, 64, 65, 67, 69, 71, 72]
    return NoteList.from_arrays(pitches, np.arange(8.0), np.ones(8))


@pytest.fixture
def chorale_fragment() -> NoteList:
    """Two four-part chords then a soprano passing note (parts 0..3 = S A T B)."""
    return NoteList.from_arrays(
        pitch=[72, 67, 64, 48, 74, 67, 65, 50, 72],
        onset=[0, 0, 0, 0, 1, 1, 1, 1, 1.5],
        duration=[1, 1, 1, 1, 0.5, 1, 1, 1, 0.5],
        part=[0, 1, 2, 3, 0, 1, 2, 3, 0],
    )
