"""Rhythm features (musiclib.features.rhythm): values a person can check by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musiclib import features as F
from musiclib.errors import RepresentationError
from musiclib.representation import NoteList


def line(onsets, durations, pitch=60):
    return NoteList.from_arrays([pitch] * len(onsets), onsets, durations)


def test_ioi_of_quarter_notes_and_chords_counted_once():
    notes = NoteList.from_arrays([60, 64, 62, 65, 67], [0, 0, 1, 2, 3], [1, 1, 1, 1, 1])
    assert F.inter_onset_intervals(notes).tolist() == [1.0, 1.0, 1.0]
    h = F.ioi_histogram(notes)
    assert h[list(F.DURATION_NAMES).index("quarter")] == 1.0


def test_note_length_histogram_by_hand():
    notes = line([0, 0.5, 1, 2], [0.5, 0.5, 1, 2])
    h = F.note_length_histogram(notes)
    names = list(F.DURATION_NAMES)
    assert h[names.index("8th")] == 0.5
    assert h[names.index("quarter")] == 0.25 and h[names.index("half")] == 0.25


def test_onset_density_of_running_eighths_is_two_per_quarter():
    notes = line(np.arange(8) * 0.5, [0.5] * 8)
    assert F.onset_density(notes) == 2.0


def test_metrical_weights_of_common_metres():
    assert F.metrical_weights(4.0, 1.0, 4).tolist() == [
        0, -4, -3, -4, -2, -4, -3, -4, -1, -4, -3, -4, -2, -4, -3, -4]
    assert F.metrical_weights(3.0, 1.0, 4).tolist() == [
        0, -3, -2, -3, -1, -3, -2, -3, -1, -3, -2, -3]
    # 6/8: two dotted-quarter beats, each split in three eighths
    assert F.metrical_weights(3.0, 1.5, 4).tolist() == [
        0, -3, -2, -3, -2, -3, -1, -3, -2, -3, -2, -3]


def test_metrical_position_histogram_of_quarters_in_four_four():
    h = F.metrical_position_histogram(line([0, 1, 2, 3, 4, 5, 6, 7], [1] * 8))
    assert np.flatnonzero(h).tolist() == [0, 4, 8, 12]
    assert h[0] == 0.25


def test_metrical_position_histogram_with_a_pickup():
    # one-quarter anacrusis: the first downbeat is at 1.0
    h = F.metrical_position_histogram(line([0, 1, 2], [1, 1, 1]), downbeat=1.0)
    assert h[12] == pytest.approx(1 / 3) and h[0] == pytest.approx(1 / 3)


def test_straight_quarters_are_not_syncopated():
    assert F.syncopation(line([0, 1, 2, 3], [1, 1, 1, 1])) == 0.0


def test_short_long_short_figure_scores_one_syncopation():
    # 8th - quarter - 8th - quarter - quarter: the quarter on the off-beat of beat 1
    # holds over beat 2 (weight -2 vs -3): one unit over five onsets
    notes = line([0, 0.5, 1.5, 2, 3], [0.5, 1, 0.5, 1, 1])
    assert F.syncopation(notes) == pytest.approx(0.2)


def test_note_tied_over_the_bar_line_scores_by_weight_difference():
    # beat 4 held into the next downbeat: 0 - (-2) = 2; beat 2 held over beat 3: 1
    notes = line([0, 3, 5], [3, 2, 3])
    assert F.syncopation(notes) == pytest.approx((0 + 2 + 1) / 3)


def test_groove_consistency_by_hand():
    quarters = [0, 1, 2, 3]
    same = line(quarters + [4, 5, 6, 7], [1] * 8)
    assert F.groove_consistency(same) == 1.0
    # bar 2 in eighths: 4 extra onset positions out of 16
    eighths = line(quarters + list(4 + np.arange(8) * 0.5), [1] * 4 + [0.5] * 8)
    assert F.groove_consistency(eighths) == pytest.approx(0.75)
    with pytest.raises(RepresentationError, match="argument 'notes' \\(2 note\\(s\\)\\) fits in one bar"):
        F.groove_consistency(line([0, 1], [1, 1]))
    with pytest.raises(RepresentationError, match="argument 'notes' \\(1 note\\(s\\)\\) fits in one bar"):
        F.groove_consistency(line([0], [1]))


def test_empty_beat_rate_by_hand():
    assert F.empty_beat_rate(line([0, 2], [1, 1])) == pytest.approx(1 / 3)
    assert F.empty_beat_rate(line([0.5], [1.0])) == 0.0  # touches beats 0 and 1
    assert F.empty_beat_rate(line([0, 3], [1, 1]), beat_quarters=2.0) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 63), st.integers(1, 8)), min_size=1, max_size=30))
def test_rhythm_features_stay_in_their_ranges(rows):
    notes = NoteList.from_arrays([60] * len(rows), [r[0] / 4 for r in rows],
                                 [r[1] / 4 for r in rows])
    assert 0.0 <= F.empty_beat_rate(notes) < 1.0
    assert F.syncopation(notes) >= 0.0
    h = F.metrical_position_histogram(notes)
    assert h.sum() == pytest.approx(1.0)
    if (notes.end - 1e-9) // 4 > notes.onset.min() // 4:  # at least two bars
        assert 0.0 <= F.groove_consistency(notes) <= 1.0
    # shifting by whole bars changes nothing
    assert F.syncopation(notes.shift(4.0)) == pytest.approx(F.syncopation(notes))


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("func", [
    F.inter_onset_intervals, F.ioi_histogram, F.note_length_histogram, F.onset_density,
    F.metrical_position_histogram, F.syncopation, F.groove_consistency, F.empty_beat_rate,
])
def test_empty_note_list_is_a_clear_error(func):
    with pytest.raises(RepresentationError, match="argument 'notes' is an empty NoteList"):
        func(NoteList.empty())


def test_ioi_histogram_needs_two_onsets():
    with pytest.raises(RepresentationError, match="single onset"):
        F.ioi_histogram(line([0], [1]))


def test_bad_metre_arguments_are_named():
    with pytest.raises(RepresentationError, match="argument 'bar_quarters'"):
        F.metrical_weights(0.0)
    with pytest.raises(RepresentationError, match="argument 'steps_per_quarter'"):
        F.syncopation(line([0], [1]), steps_per_quarter=2.5)
    with pytest.raises(RepresentationError, match="'bar_quarters'"):
        F.metrical_weights(4.0, 1.5)  # 4/4 is not a whole number of dotted quarters
