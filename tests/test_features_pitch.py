"""Pitch features (musiclib.features.pitch): values checked by hand and against music21."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musiclib import features as F
from musiclib.errors import MusicLibError, RepresentationError
from musiclib.representation import NoteList

C_MAJOR_SCALE = [60, 62, 64, 65, 67, 69, 71, 72]


def melody(pitches, durations=None, part=0):
    durations = durations or [1.0] * len(pitches)
    onsets = np.concatenate([[0.0], np.cumsum(durations)[:-1]])
    return NoteList.from_arrays(pitches, onsets, durations, part=part)


notes_strategy = st.lists(
    st.tuples(st.integers(36, 96), st.integers(0, 31), st.integers(1, 8)), min_size=1, max_size=40
).map(lambda rows: NoteList.from_arrays(
    [r[0] for r in rows], [r[1] / 4 for r in rows], [r[2] / 4 for r in rows]))


def test_pitch_class_histogram_of_c_major_scale():
    h = F.pitch_class_histogram(melody(C_MAJOR_SCALE), normalize=False)
    assert h.tolist() == [2, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1]
    assert F.pitch_class_histogram(melody(C_MAJOR_SCALE))[0] == pytest.approx(2 / 8)


def test_pitch_histogram_weighted_by_duration():
    notes = melody([60, 64, 60], [1.0, 3.0, 2.0])
    h = F.pitch_histogram(notes, weight="duration")
    assert h.shape == (128,)
    assert h[60] == pytest.approx(3 / 6) and h[64] == pytest.approx(3 / 6)
    assert F.pitch_histogram(notes)[60] == pytest.approx(2 / 3)


def test_range_and_counts_of_c_major_scale():
    notes = melody(C_MAJOR_SCALE)
    assert F.pitch_range(notes) == 12
    assert F.n_pitches_used(notes) == 8
    assert F.n_pitch_classes_used(notes) == 7


def test_melodic_intervals_of_a_turn():
    assert F.melodic_intervals(melody([60, 62, 64, 62, 60])).tolist() == [2, 2, -2, -2]
    assert F.melodic_contour(melody([60, 62, 62, 55])).tolist() == [1, 0, -1]


def test_melodic_intervals_stay_inside_each_part():
    two_parts = NoteList.concatenate([melody([72, 74], part=0), melody([48, 43], part=1)])
    assert F.melodic_intervals(two_parts).tolist() == [2, -5]


def test_melodic_intervals_use_the_top_note_of_a_chord():
    notes = NoteList.from_arrays([60, 64, 67, 65], [0, 0, 0, 1], [1, 1, 1, 1])
    assert F.melodic_intervals(notes).tolist() == [-2]


def test_interval_histogram_clips_large_leaps_into_end_bins():
    h = F.interval_histogram(melody([60, 62, 62, 81, 60]), max_interval=12, normalize=False)
    assert h.shape == (25,)
    assert h[12 + 2] == 1 and h[12 + 0] == 1 and h[24] == 1 and h[0] == 1


def test_key_of_c_major_scale_is_c_major():
    key = F.estimate_key(melody(C_MAJOR_SCALE))
    assert (key.tonic, key.mode, key.name) == (0, "major", "C major")
    assert 0.8 < key.correlation <= 1.0


def test_key_of_a_minor_arpeggio_melody_is_a_minor():
    # A harmonic minor line that dwells on A, C, E and uses G#
    notes = melody([69, 72, 76, 74, 72, 71, 68, 69], [2, 1, 1, 1, 1, 1, 1, 4])
    assert F.estimate_key(notes).name == "A minor"


def test_key_correlations_match_music21_krumhansl():
    from music21 import key as m21key  # noqa: F401  (music21 is a dependency)

    from musiclib.notation import notes_to_stream

    notes = melody([67, 71, 74, 72, 71, 69, 66, 67], [1, 1, 2, 1, 1, 1, 1, 4])
    ours = F.estimate_key(notes)
    theirs = notes_to_stream(notes).analyze("key.krumhansl")
    assert ours.tonic == theirs.tonic.pitchClass
    assert ours.mode == theirs.mode
    assert ours.correlation == pytest.approx(theirs.correlationCoefficient, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(-12, 12))
def test_key_moves_with_transposition(k):
    notes = melody([67, 71, 74, 72, 71, 69, 66, 67], [1, 1, 2, 1, 1, 1, 1, 4])
    a, b = F.estimate_key(notes), F.estimate_key(notes.transpose(k))
    assert b.tonic == (a.tonic + k) % 12 and b.mode == a.mode
    assert b.correlation == pytest.approx(a.correlation)


def test_scale_consistency_of_scale_and_chromatic_line():
    assert F.scale_consistency(melody(C_MAJOR_SCALE)) == 1.0
    assert F.scale_consistency(melody(list(range(60, 72)))) == pytest.approx(7 / 12)
    assert F.pitch_in_scale_rate(melody([60, 61, 62, 63]), 0, "major") == pytest.approx(0.5)
    # C minor contains Eb but not E
    assert F.pitch_in_scale_rate(melody([63, 64]), 0, "minor") == pytest.approx(0.5)


def test_pitch_class_entropy_by_hand():
    assert F.pitch_class_entropy(melody([60, 72, 48])) == 0.0
    assert F.pitch_class_entropy(melody([60, 67])) == pytest.approx(1.0)
    assert F.pitch_class_entropy(melody(list(range(60, 72)))) == pytest.approx(math.log2(12))
    assert F.pitch_entropy(melody([60, 72, 48, 60])) == pytest.approx(1.5)


@settings(max_examples=50, deadline=None)
@given(notes_strategy, st.integers(-24, 24))
def test_pitch_class_histogram_rolls_under_transposition(notes, k):
    h = F.pitch_class_histogram(notes)
    assert h.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(F.pitch_class_histogram(notes.transpose(k)), np.roll(h, k))
    assert 0.0 <= F.pitch_class_entropy(notes) <= math.log2(12) + 1e-12
    assert 1 / 12 <= F.scale_consistency(notes) <= 1.0


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("func", [
    F.pitch_histogram, F.pitch_class_histogram, F.pitch_range, F.n_pitches_used,
    F.n_pitch_classes_used, F.melodic_intervals, F.estimate_key, F.scale_consistency,
    F.pitch_class_entropy, F.pitch_entropy,
])
def test_empty_note_list_is_a_clear_error(func):
    with pytest.raises(RepresentationError, match="argument 'notes' is an empty NoteList"):
        func(NoteList.empty())


def test_plain_list_instead_of_notelist_is_a_clear_error():
    with pytest.raises(RepresentationError, match="argument 'notes' must be a NoteList"):
        F.pitch_class_histogram([60, 62, 64])


def test_unknown_weight_is_named():
    with pytest.raises(RepresentationError, match="argument 'weight'"):
        F.pitch_histogram(melody([60]), weight="loudness")


def test_bad_scale_arguments_are_named():
    with pytest.raises(RepresentationError, match="argument 'root'"):
        F.pitch_in_scale_rate(melody([60]), 12, "major")
    with pytest.raises(RepresentationError, match="argument 'mode'"):
        F.pitch_in_scale_rate(melody([60]), 0, "dorian")


def test_interval_histogram_of_a_single_note_is_a_clear_error():
    with pytest.raises(MusicLibError, match="no melodic interval"):
        F.interval_histogram(melody([60]))
    with pytest.raises(RepresentationError, match="argument 'max_interval'"):
        F.interval_histogram(melody([60, 62]), max_interval=0)


@pytest.mark.parametrize("piece", ["bach/bwv66.6", "bach/bwv269"])
def test_key_of_real_chorales_matches_music21_krumhansl(piece):
    from music21 import corpus

    from musiclib.representation import notes_from_stream

    score = corpus.parse(piece)
    theirs = score.analyze("key.krumhansl")
    ours = F.estimate_key(notes_from_stream(score))
    assert (ours.tonic, ours.mode) == (theirs.tonic.pitchClass, theirs.mode)
    assert ours.correlation == pytest.approx(theirs.correlationCoefficient, abs=1e-6)
