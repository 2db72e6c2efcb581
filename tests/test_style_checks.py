import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musiclib.errors import ConfigError, DataError, MusicLibError, RepresentationError
from musiclib.models import style_checks as C
from musiclib.representation import MelodyVocabulary, NoteList, notes_to_tokens

V = MelodyVocabulary()


def tokens(pitches, sixteenths):
    """Token row of notes with durations in sixteenths."""
    onsets = np.concatenate([[0], np.cumsum(sixteenths)[:-1]]) / 4
    return notes_to_tokens(NoteList.from_arrays(pitches, onsets, np.asarray(sixteenths) / 4), V)


def test_note_events_reads_pitches_and_onsets():
    p, on = C.note_events(tokens([60, 62, 64], [4, 2, 2]))
    assert p.tolist() == [60, 62, 64] and on.tolist() == [0, 4, 6]


def test_ioi_histogram_counts_note_to_note_gaps_in_their_bins():
    h = C.ioi_histogram(tokens([60, 62, 64, 65], [4, 2, 2, 2]))  # gaps 4, 2, 2
    assert h[C.IOI_BINS.index(2)] == pytest.approx(2 / 3)
    assert h[C.IOI_BINS.index(4)] == pytest.approx(1 / 3)
    # a gap of 10 sixteenths goes to the 12 bin, 20 to the last
    h = C.ioi_histogram(tokens([60, 62, 64], [10, 20, 2]))
    assert h[C.IOI_BINS.index(12)] == pytest.approx(0.5) and h[-1] == pytest.approx(0.5)


def test_rhythm_tv_is_zero_for_the_same_rhythm_and_one_for_disjoint_gaps():
    eighths = tokens([60, 62, 64, 65, 67], [2] * 5)
    quarters = tokens([60, 62, 64, 65, 67], [4] * 5)
    assert C.rhythm_tv(eighths, tokens([67, 65, 64, 62, 60], [2] * 5)) == 0
    assert C.rhythm_tv(eighths, quarters) == pytest.approx(1.0)
    # half the gaps shared: 0.5
    mixed = tokens([60, 62, 64], [2, 4, 2])
    assert C.rhythm_tv(mixed, eighths) == pytest.approx(0.5)


def test_out_of_scale_share_counts_chromatic_notes():
    assert C.out_of_scale_share(tokens([60, 61, 62, 63], [2] * 4)) == 0.5
    assert C.out_of_scale_share(tokens([60, 61], [2, 2]), scale=(0, 1)) == 0


def test_degenerate_flags_single_pitch_and_five_repeats_the_source_did_not_have():
    src = tokens([60, 62, 64, 65, 67, 69], [2] * 6)
    assert C.is_degenerate(src, tokens([69] * 6, [2] * 6))
    assert C.is_degenerate(src, tokens([60, 61, 61, 61, 61, 61], [2] * 6))
    assert not C.is_degenerate(src, tokens([60, 61, 61, 61, 61, 62], [2] * 6))
    repeated_src = tokens([60, 60, 60, 60, 60, 62], [2] * 6)
    assert not C.is_degenerate(repeated_src, repeated_src)
    assert C.degenerate_rate(np.stack([src, src]), np.stack([src, tokens([69] * 6, [2] * 6)])) == 0.5


def test_contour_r_on_the_sixteenth_grid():
    up = tokens([60, 62, 64, 65], [4] * 4)
    assert C.contour_r(up, up) == pytest.approx(1.0)
    assert C.contour_r(up, tokens([72, 71, 69, 67], [4] * 4)) < -0.9
    assert C.contour_r(up, tokens([60] * 4, [4] * 4)) == 0.0
    # the same pitches in double time fill the first half only: still rising, but r < 1
    fast = np.concatenate([tokens([60, 62, 64, 65], [2] * 4), np.zeros(8, np.int64)])
    assert 0.5 < C.contour_r(up, fast) < 1.0


def test_interval_sign_agreement_reads_the_output_where_the_source_moves():
    src = tokens([60, 62, 62, 59], [4] * 4)  # up, same, down
    assert C.interval_sign_agreement(src, src) == 1.0
    assert C.interval_sign_agreement(src, tokens([60, 64, 64, 55], [4] * 4)) == 1.0
    assert C.interval_sign_agreement(src, tokens([60, 59, 62, 59], [4] * 4)) == pytest.approx(1 / 3)


def test_melody_statistics_shares_sum_to_one_per_block():
    x = C.melody_statistics(tokens([60, 62, 64, 65, 67], [2, 2, 4, 4, 2]))
    assert x.shape == (1, 65)
    for lo, hi in ((0, 25), (25, 37), (37, 47), (47, 51), (51, 59)):
        assert x[0, lo:hi].sum() == pytest.approx(1.0)
    assert x[0, 12 + 2] == pytest.approx(3 / 4)  # intervals +2, +2, +1, +2
    assert x[0, 59] == pytest.approx(5 / 14)


def test_tree_judge_separates_eighth_tunes_from_quarter_tunes():
    rng = np.random.default_rng(0)
    a = np.stack([tokens(rng.choice([60, 62, 64, 65, 67], 8), [4] * 8) for _ in range(40)])
    b = np.stack([tokens(rng.choice([60, 62, 64, 65, 67], 16), [2] * 16) for _ in range(40)])
    judge = C.TreeJudge.fit(np.concatenate([a, b]), np.r_[np.zeros(40), np.ones(40)].astype(int))
    assert np.all(judge.predict_proba(b) > 0.5) and np.all(judge.predict_proba(a) < 0.5)
    with pytest.raises(DataError, match="'y'"):
        C.TreeJudge.fit(a, np.zeros(40, int))
    named = C.TreeJudge.fit(np.concatenate([a, b]), np.r_[np.zeros(40), np.ones(40)].astype(int),
                            styles=("quarters", "eighths"))
    assert np.array_equal(named.p_target(b, "eighths"), named.predict_proba(b))
    assert np.array_equal(named.p_target(a, "quarters"), 1 - named.predict_proba(a))
    with pytest.raises(ConfigError, match="'target'"):
        judge.p_target(a, "quarters")  # fitted without the styles' names


def test_note_ngram_scores_its_own_style_lower_than_shuffled():
    scale_runs = np.stack([tokens(list(range(60, 68)) if k % 2 else list(range(67, 59, -1)), [2] * 8)
                           for k in range(30)])
    model = C.NoteNGram.fit(scale_runs)
    own = model.bits_per_note(scale_runs)
    shuffled = model.bits_per_note(C.shuffled_melodies(scale_runs, seed=0))
    assert own < 1.0 < shuffled
    # shuffling keeps rhythm and the multiset of pitches
    row = scale_runs[0]
    sh = C.shuffled_melodies(row, seed=3)[0]
    assert np.array_equal(sh < 2, row < 2) and sorted(sh[sh >= 2]) == sorted(row[row >= 2])


def test_binomial_ci_matches_the_wilson_formula():
    low, high = C.binomial_ci(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert C.binomial_ci(0, 5)[0] == 0 and C.binomial_ci(5, 5)[1] == 1
    with pytest.raises(ConfigError, match="'n'"):
        C.binomial_ci(3, 0)


def test_mean_share_ci_combines_wilson_intervals_by_mover():
    # by hand: Wilson(5/10) = (0.2366, 0.7634), Wilson(8/10) = (0.4902, 0.9433); mean 0.65
    # low = 0.65 - sqrt((0.5 * (0.5 - 0.2366))^2 + (0.5 * (0.8 - 0.4902))^2) = 0.4467
    # high = 0.65 + sqrt((0.5 * (0.7634 - 0.5))^2 + (0.5 * (0.9433 - 0.8))^2) = 0.7999
    assert C.mean_share_ci([5, 8], [10, 10]) == [0.4467, 0.7999]
    assert C.mean_share_ci([8], [10]) == [round(v, 4) for v in C.binomial_ci(8, 10)]
    low, high = C.mean_share_ci([10, 10], [10, 10])
    assert high == 1.0 and 0.75 < low < 1.0
    with pytest.raises(ConfigError, match="'ks' and 'ns'"):
        C.mean_share_ci([1, 2], [10])


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 40)), min_size=1, max_size=4))
@settings(max_examples=60, deadline=None)
def test_mean_share_ci_holds_the_mean_inside_the_unit_interval(pairs):
    ks = [min(k, n) for k, n in pairs]
    ns = [n for _, n in pairs]
    low, high = C.mean_share_ci(ks, ns)
    mean = float(np.mean([k / n for k, n in zip(ks, ns, strict=True)]))
    assert 0.0 <= low <= round(mean, 4) + 1e-4 and round(mean, 4) - 1e-4 <= high <= 1.0


@pytest.mark.parametrize("bad", [np.zeros((2, 3, 4), int), np.array([0.5, 1.0]), np.array([0, 999])])
def test_bad_tokens_get_a_named_error(bad):
    with pytest.raises(RepresentationError, match="'tokens'"):
        C.out_of_scale_share(bad)


def test_errors_name_what_is_missing():
    with pytest.raises(DataError, match="no notes"):
        C.out_of_scale_share(np.zeros(8, int))
    with pytest.raises(DataError, match="inter-onset"):
        C.ioi_histogram(tokens([60], [4]))
    with pytest.raises(RepresentationError, match="differ in length"):
        C.contour_r(tokens([60, 62], [2, 2]), tokens([60, 62], [4, 4]))
    with pytest.raises(MusicLibError, match="'outputs'"):
        C.degenerate_rate(np.stack([tokens([60, 62], [2, 2])] * 2), tokens([60, 62], [2, 2]))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(60, 80), st.integers(1, 8)), min_size=2, max_size=12))
def test_properties_of_the_measures(notes):
    row = tokens([p for p, _ in notes], [d for _, d in notes])
    assert C.rhythm_tv(row, row) == 0
    assert C.interval_sign_agreement(row, row) == 1.0
    assert 0 <= C.out_of_scale_share(row) <= 1
    p, on = C.note_events(row)
    assert p.tolist() == [q for q, _ in notes]
    assert C.contour_r(row, row) == pytest.approx(1.0)


def test_never_falls_allows_the_tolerance_and_nothing_more():
    # columns: steady rise; a fall of 0.01 (kept); a fall of 0.03 (not kept); flat
    p = np.array([[0.0, 0.50, 0.50, 0.3],
                  [0.4, 0.49, 0.47, 0.3],
                  [0.9, 0.90, 0.90, 0.3]])
    assert C.never_falls(p).tolist() == [True, True, False, True]
    assert C.never_falls(p, tolerance=0.0).tolist() == [True, False, False, True]
    assert C.never_falls(p, tolerance=0.05).tolist() == [True, True, True, True]


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((1, 4)), np.array([[0.1, np.nan], [0.2, 0.3]])])
def test_never_falls_refuses_what_is_not_a_set_of_paths(bad):
    with pytest.raises(MusicLibError, match="p_target"):
        C.never_falls(bad)


def test_never_falls_refuses_a_negative_tolerance():
    with pytest.raises(MusicLibError, match="tolerance"):
        C.never_falls(np.zeros((2, 2)), tolerance=-0.1)
