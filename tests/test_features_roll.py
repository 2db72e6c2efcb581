"""Piano-roll metrics (musiclib.features.roll), checked against MusPy / MuseGAN definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from musiclib import features as F
from musiclib.errors import ShapeError
from musiclib.representation import NoteList, notes_to_piano_roll


def empty_roll(steps=16, pitches=48):
    return np.zeros((steps, pitches), dtype=np.uint8)


def test_polyphony_of_a_held_triad_and_silence_is_three():
    roll = empty_roll()
    roll[0:4, [24, 28, 31]] = 1  # C4 E4 G4 (low = 36) for one beat, then silence
    assert F.polyphony(roll) == 3.0  # silent steps are not counted (MusPy)
    assert F.polyphony_rate(roll) == pytest.approx(4 / 16)
    assert F.polyphony_rate(roll, threshold=4) == 0.0


def test_polyphony_of_a_melody_is_one_and_of_silence_nan():
    roll = empty_roll()
    roll[np.arange(16), 24 + np.arange(16) % 5] = 1
    assert F.polyphony(roll) == 1.0
    assert math.isnan(F.polyphony(empty_roll()))


def test_polyphony_of_four_part_notes_by_hand():
    # 4 voices for 2 quarters, then 2 voices for 2 quarters: (4*8 + 2*8) / 16 = 3
    notes = NoteList.from_arrays([72, 67, 64, 48, 72, 48], [0, 0, 0, 0, 2, 2],
                                 [2, 2, 2, 2, 2, 2])
    assert F.polyphony(notes_to_piano_roll(notes)) == 3.0


def test_roll_notes_are_runs_in_each_column():
    roll = empty_roll(8, 4)
    roll[0:2, 0] = 1
    roll[5:8, 0] = 1
    roll[3, 2] = 1
    assert F.roll_notes(roll, low=60).tolist() == [[60, 0, 2], [60, 5, 3], [62, 3, 1]]


def test_qualified_note_rate_by_hand():
    roll = empty_roll(16, 4)
    roll[0:1, 0] = 1   # 16th
    roll[2:3, 0] = 1   # 16th
    roll[4:6, 1] = 1   # 8th
    roll[8:12, 2] = 1  # quarter
    assert F.qualified_note_rate(roll) == 1.0  # every note on a 16th grid is >= a 32nd
    assert F.qualified_note_rate(roll, min_quarters=0.5) == 0.5
    # MuseGAN's own grid: 24 steps per quarter, a 32nd = 3 steps
    fine = empty_roll(24, 2)
    fine[0:2, 0] = 1
    fine[4:7, 1] = 1
    assert F.qualified_note_rate(fine, steps_per_quarter=24) == 0.5
    assert math.isnan(F.qualified_note_rate(empty_roll()))


def test_used_pitch_classes_per_bar_by_hand():
    roll = empty_roll(32)
    roll[0:4, 24] = 1   # C4
    roll[4:8, 36] = 1   # C5: same pitch class
    roll[8:16, 28] = 1  # E4
    # bar 2 is empty
    assert F.used_pitch_classes_per_bar(roll, per_bar=True).tolist() == [2.0, 0.0]
    assert F.used_pitch_classes_per_bar(roll) == 1.0
    # a partial last bar is padded with silence
    assert F.used_pitch_classes_per_bar(roll[:20], per_bar=True).tolist() == [2.0, 0.0]


def test_roll_scale_consistency_equals_note_scale_consistency():
    notes = NoteList.from_arrays([60, 62, 64, 66, 67], [0, 1, 2, 3, 4], [1, 1, 1, 1, 1])
    roll = notes_to_piano_roll(notes)
    assert F.roll_scale_consistency(roll) == F.scale_consistency(notes) == 1.0
    chromatic = NoteList.from_arrays(list(range(60, 72)), range(12), [1] * 12)
    assert F.roll_scale_consistency(notes_to_piano_roll(chromatic)) == pytest.approx(7 / 12)


def test_roll_metrics_of_a_batch():
    a = empty_roll()
    a[0:4, [24, 28, 31]] = 1
    batch = np.stack([a, empty_roll()])
    m = F.roll_metrics(batch)
    assert m["polyphony"] == 3.0  # the silent roll gives NaN and is skipped
    assert m["used_pitch_classes"] == pytest.approx(1.5)  # 3 and 0
    assert m["empty_roll_rate"] == 0.5
    assert m["qualified_note_rate"] == 1.0 and m["qualified_note_rate_8th"] == 1.0


def _runs_by_loop(active):
    """An independent, slow reading of notes: walk every column step by step."""
    out = []
    for p in range(active.shape[1]):
        t = 0
        while t < active.shape[0]:
            if active[t, p]:
                start = t
                while t < active.shape[0] and active[t, p]:
                    t += 1
                out.append([p, start, t - start])
            else:
                t += 1
    return out


@settings(max_examples=60, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 24), st.integers(1, 12)),
              elements=st.sampled_from([0.0, 0.2, 0.7, 1.0])))
def test_roll_notes_match_a_step_by_step_loop(roll):
    active = roll > 0.5
    assert F.roll_notes(roll, low=0).tolist() == _runs_by_loop(active)
    n_on = np.count_nonzero(active.sum(axis=1))
    if n_on:
        assert F.polyphony(roll) == pytest.approx(active.sum() / n_on)
        assert 1.0 <= F.polyphony(roll) <= roll.shape[1]
    upc = F.used_pitch_classes_per_bar(roll, low=0, steps_per_bar=8, per_bar=True)
    assert np.all((upc >= 0) & (upc <= 12))


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("func", [
    F.polyphony, F.polyphony_rate, F.qualified_note_rate, F.used_pitch_classes_per_bar,
    F.roll_scale_consistency, F.roll_notes,
])
def test_one_dimensional_roll_is_a_clear_error(func):
    with pytest.raises(ShapeError, match=r"argument 'roll' has shape \(16,\)"):
        func(np.zeros(16))


def test_batch_passed_as_one_roll_points_to_roll_metrics():
    with pytest.raises(ShapeError, match="roll_metrics"):
        F.polyphony(np.zeros((2, 16, 48)))


def test_transposed_roll_is_a_clear_error():
    with pytest.raises(ShapeError, match="pitch columns"):
        F.polyphony(np.zeros((16, 200)))


def test_roll_with_nan_is_a_clear_error():
    roll = np.zeros((4, 4))
    roll[1, 1] = np.nan
    with pytest.raises(ShapeError, match="argument 'roll' contains NaN"):
        F.polyphony(roll)


def test_low_that_pushes_pitches_past_127_is_named():
    with pytest.raises(ShapeError, match="low=100"):
        F.used_pitch_classes_per_bar(empty_roll(), low=100)


def test_roll_metrics_needs_a_batch():
    with pytest.raises(ShapeError, match=r"argument 'rolls'.*\(n_rolls, time, pitch\)"):
        F.roll_metrics(empty_roll())
