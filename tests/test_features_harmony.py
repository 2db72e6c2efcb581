import numpy as np
import pytest

from musiclib.errors import RepresentationError
from musiclib.features.harmony import (
    ChordSlice,
    best_triad,
    chord_vocabulary,
    chordify,
    harmonic_rhythm,
    implied_triads,
    roman_numerals,
    triad_degree,
    triad_name,
    vocabulary_coverage,
)
from musiclib.representation import NoteList


def _cadence():
    # A major, four voices: I (A3 C#4 E4 A4) for 1 quarter, V (E3 B3 E4 G#4) for 1, I for 2
    pitches = [45, 61, 64, 69, 40, 59, 64, 68, 45, 61, 64, 69]
    onsets = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    durs = [1] * 8 + [2] * 4
    return NoteList.from_arrays(pitches, onsets, durs, part=[3, 2, 1, 0] * 3)


def test_chordify_cuts_at_every_change():
    s = chordify(_cadence())
    assert [(c.onset, c.duration) for c in s] == [(0.0, 1.0), (1.0, 1.0), (2.0, 2.0)]
    assert s[1].pitches == (40, 59, 64, 68)


def test_chordify_splits_a_held_note_under_a_passing_note():
    notes = NoteList.from_arrays([60, 64, 65], [0.0, 0.0, 0.5], [1.0, 0.5, 0.5])
    s = chordify(notes)
    assert [c.pitches for c in s] == [(60, 64), (60, 65)]


def test_chordify_per_beat_reads_the_beat_start_only():
    notes = NoteList.from_arrays([60, 64, 65], [0.0, 0.0, 0.5], [1.0, 0.5, 0.5])
    assert [c.pitches for c in chordify(notes, step=1.0)] == [(60, 64)]


def test_chordify_skips_silence():
    notes = NoteList.from_arrays([60, 62], [0.0, 2.0], [1.0, 1.0])
    assert [c.onset for c in chordify(notes)] == [0.0, 2.0]


def test_roman_numerals_of_a_perfect_cadence_in_a_major():
    assert roman_numerals(chordify(_cadence()), tonic=9, mode="major") == ["I", "V", "I"]


def test_roman_numerals_seventh_and_inversion():
    # G7 in C major, root position, then V6 (B in the bass)
    s = [ChordSlice(0.0, 1.0, (43, 59, 62, 65)), ChordSlice(1.0, 1.0, (47, 55, 62, 67))]
    assert roman_numerals(s, tonic=0, mode="major") == ["V7", "V6"]


def test_roman_numerals_minor_key():
    s = [ChordSlice(0.0, 1.0, (45, 60, 64, 69)), ChordSlice(1.0, 1.0, (40, 56, 59, 64))]
    assert roman_numerals(s, tonic=9, mode="minor") == ["i", "V"]


def test_roman_numerals_bad_mode():
    with pytest.raises(RepresentationError, match="mode"):
        roman_numerals([ChordSlice(0.0, 1.0, (60, 64, 67))], tonic=0, mode="dorian")


def test_best_triad_of_c_major_and_a_minor():
    assert best_triad(np.eye(12)[[0, 4, 7]].sum(0)) == (0, "major")
    assert best_triad(np.eye(12)[[9, 0, 4]].sum(0)) == (9, "minor")


def test_best_triad_tie_goes_to_the_heavier_root():
    # C (weight 1) and E (weight 2) only: C major (C E G) and A minor (A C E) both score 3;
    # the root C carries 1, the root A carries 0 -> C major
    h = np.zeros(12)
    h[0], h[4] = 1.0, 2.0
    assert best_triad(h) == (0, "major")


@pytest.mark.parametrize("bad", [np.zeros(12), np.ones(11), -np.ones(12)])
def test_best_triad_rejects_bad_histograms(bad):
    with pytest.raises(RepresentationError, match="pc_histogram"):
        best_triad(bad)


def test_triad_name():
    assert triad_name(9, "minor") == "Am" and triad_name(7, "major") == "G"
    with pytest.raises(RepresentationError, match="quality"):
        triad_name(0, "diminished")


def test_implied_triads_of_an_arpeggiated_melody():
    # bar 1: C E G C; bar 2: G B D G
    notes = NoteList.from_arrays([60, 64, 67, 72, 67, 71, 74, 79], np.arange(8.0), np.ones(8))
    assert implied_triads(notes, window=4.0) == [(0.0, "C"), (4.0, "G")]


def test_harmonic_rhythm_counts_changes_per_quarter():
    assert harmonic_rhythm([0, 1, 2, 3], ["I", "I", "V", "I"], 4.0) == pytest.approx(0.5)
    with pytest.raises(RepresentationError, match="same length"):
        harmonic_rhythm([0, 1], ["I"], 2.0)


def test_chord_vocabulary_shares_and_coverage():
    v = chord_vocabulary(["I", "V", "I", "IV"], weights=[2, 1, 1, 0.5])
    assert list(v) == ["I", "V", "IV"]
    assert v["I"] == pytest.approx(3 / 4.5)
    assert vocabulary_coverage(v, 0.5) == 1
    assert vocabulary_coverage(v, 0.95) == 3
    with pytest.raises(RepresentationError, match="labels"):
        chord_vocabulary([])


def test_triad_degree_relative_to_the_tonic():
    assert triad_degree(7, "major", 0) == "V"
    assert triad_degree(9, "minor", 0) == "vi"
    assert triad_degree(2, "major", 9) == "IV"  # D major in A major
    assert triad_degree(10, "major", 0) == "bVII"
    with pytest.raises(RepresentationError, match="quality"):
        triad_degree(0, "augmented", 0)


def test_roman_numerals_without_figures():
    s = [ChordSlice(0.0, 1.0, (43, 59, 62, 65)), ChordSlice(1.0, 1.0, (47, 55, 62, 67))]
    assert roman_numerals(s, tonic=0, mode="major", figures=False) == ["V", "V"]


def test_roman_numerals_ignore_doubling_and_octave():
    a = [ChordSlice(0.0, 1.0, (48, 64, 67, 72))]
    b = [ChordSlice(0.0, 1.0, (36, 52, 55, 60, 64, 79))]
    assert roman_numerals(a, 0, "major") == roman_numerals(b, 0, "major") == ["I"]
