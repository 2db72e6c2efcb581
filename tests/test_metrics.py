"""Tests of musiclib.metrics on constructed melody sets."""

from __future__ import annotations

import numpy as np
import pytest

from musiclib.errors import DataError, ShapeError
from musiclib.metrics import (
    FEATURES,
    WindowIndex,
    compare_sets,
    frechet_distance,
    gaussian_kde_on_grid,
    jitter_onsets,
    kernel_distance,
    melody_features,
    originality_baseline,
    overlap_and_kl,
    paired_difference,
    pairwise_distances,
    random_melodies,
    set_features,
    shuffle_notes,
    transpose_some,
)
from musiclib.representation import MelodyVocabulary, NoteList

V = MelodyVocabulary()
C_MAJOR = [60, 62, 64, 65, 67, 69, 71, 72]


def scale_walk(n: int, length: int = 64, seed: int = 0) -> list[np.ndarray]:
    """Stepwise C-major melodies in quarters and eighths: a 'human-like' toy corpus."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        seq = np.full(length, V.HOLD, np.int64)
        k, t = int(rng.integers(2, 6)), 0
        while t < length:
            seq[t] = V.pitch_to_token(C_MAJOR[k])
            k = int(np.clip(k + rng.choice([-1, 1, 1, -1, 2, -2, 0]), 0, 7))
            t += int(rng.choice([2, 4, 4, 8]))
        out.append(seq)
    return out


@pytest.fixture(scope="module")
def reference():
    return set_features(scale_walk(120, seed=1), name="reference")


@pytest.fixture(scope="module")
def held_out():
    return scale_walk(120, seed=2)


# --------------------------------------------------------------------------- features
def test_melody_features_of_c_major_scale_by_hand():
    notes = NoteList.from_arrays(C_MAJOR, np.arange(8) * 1.0, [1.0] * 8)
    f = melody_features(notes)
    assert f["pitch_count"][0] == 8
    assert f["pitch_range"][0] == 12
    assert f["note_count"][0] == 8
    assert f["mean_ioi"][0] == 1.0
    assert f["mean_interval"][0] == pytest.approx(12 / 7)
    np.testing.assert_allclose(f["pitch_class_histogram"][[0, 1, 2]], [2 / 8, 0, 1 / 8])
    m = f["pitch_class_transitions"].reshape(12, 12)
    assert m[0, 2] == pytest.approx(1 / 7) and m[11, 0] == pytest.approx(1 / 7) and m.sum() == pytest.approx(1)
    assert f["note_length_histogram"][3] == 1.0  # all quarters (class index 3 = 1.0)
    assert f["note_length_transitions"].reshape(8, 8)[3, 3] == pytest.approx(1.0)
    assert set(f) == set(FEATURES)


def test_pairwise_distances_leave_one_out_by_hand():
    a = np.array([[0.0], [3.0], [4.0]])
    np.testing.assert_allclose(np.sort(pairwise_distances(a)), [1, 1, 3, 3, 4, 4])
    np.testing.assert_allclose(pairwise_distances(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])), [5.0])


def test_kde_on_grid_matches_exact_gaussian_sum():
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    grid = np.linspace(-5, 5, 512)
    h = 0.4
    exact = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / h) ** 2).sum(1) / (len(x) * h * np.sqrt(2 * np.pi))
    np.testing.assert_allclose(gaussian_kde_on_grid(x, grid, h), exact, atol=3e-3)


def test_overlap_of_disjoint_samples_is_near_zero_and_kl_large():
    ov, kl, *_ = overlap_and_kl(np.zeros(50) + np.linspace(0, 1, 50), np.linspace(0, 1, 50) + 100)
    assert ov < 1e-3 and kl > 5


# --------------------------------------------------------------------------- set comparison
def test_identical_sets_give_overlap_one_and_distance_zero(reference):
    same = compare_sets(reference, reference)
    assert all(r.overlap == 1.0 and r.kl == 0.0 for r in same.rows)
    copy = set_features(scale_walk(120, seed=1), name="copy")
    assert compare_sets(reference, copy).mean_overlap == 1.0
    fd = frechet_distance(reference, copy, n_boot=20)
    assert fd.value == 0.0


def test_held_out_set_scores_close_to_one(reference, held_out):
    other = compare_sets(reference, set_features(held_out))
    assert other.mean_overlap > 0.85


@pytest.mark.parametrize("degrade", ["transpose", "jitter", "shuffle"])
def test_degradations_make_scores_worse_monotonically(reference, held_out, degrade):
    levels = {"transpose": [0.0, 0.3, 0.6, 1.0], "jitter": [0, 1, 2, 4], "shuffle": [0.0, 0.3, 0.6, 1.0]}[degrade]
    overlaps, fds = [], []
    for lv in levels:
        if degrade == "transpose":
            mel = transpose_some(held_out, lv, 6, seed=3)
        elif degrade == "jitter":
            mel = [jitter_onsets(m, lv, seed=i) for i, m in enumerate(held_out)]
        else:
            mel = [shuffle_notes(m, lv, seed=i) for i, m in enumerate(held_out)]
        fs = set_features(mel)
        overlaps.append(compare_sets(reference, fs).mean_overlap)
        fds.append(frechet_distance(reference, fs, n_boot=0).value)
    assert overlaps == sorted(overlaps, reverse=True), overlaps
    assert fds == sorted(fds), fds


def test_random_set_ranks_last(reference, held_out):
    sets = {
        "held-out": held_out,
        "shuffled": [shuffle_notes(m, 1.0, seed=i) for i, m in enumerate(held_out)],
        "random": random_melodies(120, 64, seed=5),
    }
    ov = {k: compare_sets(reference, set_features(v)).mean_overlap for k, v in sets.items()}
    fd = {k: frechet_distance(reference, set_features(v), n_boot=0).value for k, v in sets.items()}
    assert ov["held-out"] > ov["shuffled"] > ov["random"]
    assert fd["held-out"] < fd["shuffled"] < fd["random"]


def test_frechet_bootstrap_interval_contains_estimate(reference, held_out):
    fd = frechet_distance(reference, set_features(held_out), n_boot=100, seed=1)
    assert fd.low <= fd.value <= fd.high and fd.n_boot == 100 and fd.level == 0.95


def test_frechet_of_gaussians_matches_closed_form():
    # 1-D: FD = (mu1 - mu2)^2 + (s1 - s2)^2
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (4000, 1))
    y = rng.normal(2, 3, (4000, 1))
    fd = frechet_distance(x, y, n_boot=0, standardize=False).value
    assert fd == pytest.approx(4 + 4, rel=0.05)


# --------------------------------------------------------------------------- originality
def test_longest_run_and_overlap_by_hand():
    idx = WindowIndex([np.array([5, 6, 7, 8, 9]), np.array([1, 2, 3])])
    assert idx.longest_run(np.array([0, 6, 7, 8, 0])) == 3
    assert idx.longest_run(np.array([8, 9, 1, 2])) == 2  # a run never crosses two training melodies
    assert idx.longest_run(np.array([40, 41])) == 0
    assert idx.overlap(np.array([5, 6, 7, 0]), n=2) == pytest.approx(2 / 3)


def test_copy_of_training_melody_is_flagged_and_humans_are_not(held_out):
    training = scale_walk(200, seed=7)
    idx = WindowIndex(training)
    base = originality_baseline(held_out, idx, 32)
    copied = [t[:32] for t in training[:5]]
    rep = idx.report(copied + [h[:32] for h in held_out[:5]])
    flags = base.copies(rep)
    assert flags[:5].all()
    assert base.run_interval[1] < 32
    assert flags[5:].mean() <= 0.4


# --------------------------------------------------------------------------- bad inputs
def test_set_with_one_melody_is_refused():
    with pytest.raises(ShapeError, match="needs at least 2"):
        set_features([scale_walk(1)[0]], name="tiny")


def test_single_token_array_instead_of_list_is_refused():
    with pytest.raises(ShapeError, match="one token sequence"):
        set_features(scale_walk(1)[0])


def test_melody_with_one_note_is_named():
    one = np.array([V.pitch_to_token(60)] + [V.HOLD] * 7)
    with pytest.raises(DataError, match="melody 1 of set 'gen'"):
        set_features([scale_walk(1)[0], one], name="gen")


def test_compare_sets_wants_feature_sets(reference):
    with pytest.raises(ShapeError, match="'candidate' must be a FeatureSet"):
        compare_sets(reference, [np.zeros(4)])


def test_compare_sets_unknown_feature(reference):
    with pytest.raises(ShapeError, match="loudness"):
        compare_sets(reference, reference, features=["loudness"])


def test_frechet_dimension_mismatch():
    with pytest.raises(ShapeError, match="'reference', 'candidate' have 3, 4 numbers per melody"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


def test_frechet_non_finite():
    x = np.ones((5, 2))
    x[0, 0] = np.nan
    with pytest.raises(DataError, match="finite"):
        frechet_distance(x, np.ones((5, 2)))


def test_kde_bad_bandwidth():
    with pytest.raises(ShapeError, match="bandwidth"):
        gaussian_kde_on_grid(np.zeros(3), np.linspace(0, 1, 10), 0.0)


def test_overlap_empty_samples():
    with pytest.raises(ShapeError, match="non-empty"):
        overlap_and_kl(np.array([]), np.ones(3))


def test_window_index_bad_training():
    with pytest.raises(ShapeError, match="'training'"):
        WindowIndex([])


def test_baseline_needs_enough_excerpts():
    with pytest.raises(DataError, match="excerpts"):
        originality_baseline([np.zeros(40, np.int64)], WindowIndex([np.zeros(10, np.int64)]), 32)


def test_shuffle_fraction_out_of_range():
    with pytest.raises(ShapeError, match="'fraction'"):
        shuffle_notes(scale_walk(1)[0], 1.5)


def test_jitter_negative_steps():
    with pytest.raises(ShapeError, match="'max_steps'"):
        jitter_onsets(scale_walk(1)[0], -1)


def test_degradations_keep_pitches_and_note_counts():
    m = scale_walk(1, seed=4)[0]
    s = shuffle_notes(m, 1.0, seed=0)
    assert sorted(s[s >= 2]) == sorted(m[m >= 2]) and np.array_equal(s < 2, m < 2)
    j = jitter_onsets(m, 0)
    assert np.array_equal(j, m)


# --------------------------------------------------------------------------- listening tests
def test_binomial_critical_counts_and_power_match_tables():
    from musiclib.metrics import binomial_p_value, critical_count, listening_test_power

    assert critical_count(100) == 59 and critical_count(200) == 113
    assert listening_test_power(100, 0.6) == pytest.approx(0.623, abs=0.005)
    assert listening_test_power(200, 0.6) == pytest.approx(0.86, abs=0.01)
    assert binomial_p_value(10, 10) == pytest.approx(0.5 ** 10)
    assert binomial_p_value(0, 10) == pytest.approx(1.0)


def test_listening_summary_per_source(tmp_path):
    from musiclib.metrics import LISTENING_COLUMNS, listening_test_summary, read_listening_answers

    path = tmp_path / "answers.csv"
    rows = ["listener,trial,source,human_position,answer,correct",
            "a,0,lstm,A,A,1", "a,1,lstm,B,A,0", "a,2,random,A,A,1"]
    path.write_text("\n".join(rows) + "\n")
    answers = read_listening_answers(path)
    assert len(answers) == 3 and set(answers[0]) == set(LISTENING_COLUMNS)
    summary = {r["source"]: r for r in listening_test_summary(answers)}
    assert summary["lstm"]["trials"] == 2 and summary["lstm"]["correct"] == 1
    assert summary["random"]["p_value"] == pytest.approx(0.5)
    assert summary["lstm"]["listeners"] == 1 and summary["lstm"]["listener_interval"] is None  # one listener


def _answers(rates_by_listener: dict[str, tuple[int, int]]) -> list[dict]:
    out = []
    for who, (right, trials) in rates_by_listener.items():
        out += [{"listener": who, "source": "lstm", "correct": t < right} for t in range(trials)]
    return out


def test_listener_bootstrap_by_hand():
    """Two listeners, 10 trials each, 10 and 0 right: a resample is (a, a), (a, b), (b, a)
    or (b, b), so the pooled rate is 1, 0.5 or 0; the 95 % interval spans [0, 1]."""
    from musiclib.metrics import listener_bootstrap

    low, high = listener_bootstrap(_answers({"a": (10, 10), "b": (0, 10)}), n_boot=2000)
    assert (low, high) == (0.0, 1.0)
    # listeners who all agree: every resample has the same rate
    assert listener_bootstrap(_answers({"a": (6, 10), "b": (6, 10), "c": (3, 5)})) == (0.6, 0.6)


def test_listener_bootstrap_widens_when_listeners_differ():
    """Same 60 % pooled rate over 200 trials: alike listeners give a narrow interval, listeners
    split into sharp and deaf ones a wide one; the binomial test cannot see the difference."""
    from musiclib.metrics import listener_bootstrap

    alike = _answers({f"s{i}": (6, 10) for i in range(20)})
    split = _answers({f"s{i}": (10 if i < 12 else 0, 10) for i in range(20)})
    w_alike = np.subtract(*listener_bootstrap(alike)[::-1])
    w_split = np.subtract(*listener_bootstrap(split)[::-1])
    assert w_alike == 0.0 and w_split > 0.3


def test_listener_bootstrap_bad_input():
    from musiclib.metrics import listener_bootstrap

    with pytest.raises(DataError, match="'answers' is empty"):
        listener_bootstrap([])
    with pytest.raises(DataError, match="answer 1 of argument 'answers' names no listener"):
        listener_bootstrap([{"listener": "a", "correct": 1}, {"listener": " ", "correct": 0}])
    with pytest.raises(ShapeError, match="'n_boot' is 1"):
        listener_bootstrap(_answers({"a": (1, 2)}), n_boot=1)


def test_binomial_bad_correct_count():
    from musiclib.metrics import binomial_p_value

    with pytest.raises(ShapeError, match="'correct'"):
        binomial_p_value(11, 10)


def test_power_bad_rate():
    from musiclib.metrics import listening_test_power

    with pytest.raises(ShapeError, match="'rate'"):
        listening_test_power(100, 1.5)


def test_read_listening_answers_missing_file(tmp_path):
    from musiclib.metrics import read_listening_answers

    with pytest.raises(DataError, match="does not exist"):
        read_listening_answers(tmp_path / "none.csv")


# --------------------------------------------------------------------------- kernel distance, paired difference
def test_kernel_distance_by_hand():
    """Linear kernel k(x, y) = x.y + 1 on two 1-D sets of two points:
    mean k over x pairs (i != j) = k(0, 1) = 1; over y pairs = k(2, 3) = 7;
    cross mean = (1 + 1 + 3 + 4) / 4 = 2.25; MMD^2_u = 1 + 7 - 4.5 = 3.5."""
    x, y = np.array([[0.0], [1.0]]), np.array([[2.0], [3.0]])
    assert kernel_distance(x, y, degree=1, standardize=False) == pytest.approx(3.5, abs=1e-12)
    # cubic kernel: (0+1)^3 = 1, (6+1)^3 = 343, cross (1 + 1 + 27 + 64) / 4 = 23.25
    assert kernel_distance(x, y, standardize=False) == pytest.approx(1 + 343 - 46.5, abs=1e-9)


def test_kernel_distance_is_unbiased_where_frechet_is_not():
    """Sets from one Gaussian: KID averages to ~0 at small n, the Fréchet distance does not,
    and its bias shrinks as n grows."""
    rng = np.random.default_rng(0)
    ref = rng.standard_normal((300, 5))
    kid = {n: np.mean([kernel_distance(ref, rng.standard_normal((n, 5))) for _ in range(200)]) for n in (10, 40)}
    fd = {n: np.mean([frechet_distance(ref, rng.standard_normal((n, 5)), n_boot=0).value for _ in range(200)])
          for n in (10, 40)}
    assert abs(kid[10]) < 0.05 and abs(kid[40]) < 0.02
    assert fd[10] > 1.0 and fd[10] > 3 * fd[40] > 0


def test_kernel_distance_grows_with_a_shift():
    rng = np.random.default_rng(1)
    ref = rng.standard_normal((200, 3))
    same, shifted = rng.standard_normal((200, 3)), rng.standard_normal((200, 3)) + 1.0
    assert kernel_distance(ref, shifted) > 10 * abs(kernel_distance(ref, same))


def test_paired_difference_names_the_closer_set():
    rng = np.random.default_rng(2)
    ref, near, far = rng.standard_normal((150, 4)), rng.standard_normal((120, 4)), rng.standard_normal((80, 4)) + 0.8
    for metric in ("frechet", "kernel"):
        d = paired_difference(ref, near, far, metric=metric, n_boot=100)
        assert d.n == 80 and d.difference < 0 and d.high < 0 and d.verdict == "a closer", d
        assert paired_difference(ref, far, near, metric=metric, n_boot=100).verdict == "b closer"


def test_paired_difference_of_one_set_with_itself_is_zero_and_undecided():
    rng = np.random.default_rng(3)
    ref, x = rng.standard_normal((100, 3)), rng.standard_normal((60, 3))
    d = paired_difference(ref, x, x.copy(), n_boot=100)
    assert d.difference == pytest.approx(0.0, abs=1e-12)
    assert d.low < 0 < d.high and d.verdict == "cannot tell apart"


def test_paired_difference_labels_feature_sets(reference, held_out):
    a = set_features(held_out, name="held-out")
    b = set_features(random_melodies(40, 64, seed=0), name="random")
    d = paired_difference(reference, a, b, n_boot=50)
    assert (d.a, d.b, d.n) == ("held-out", "random", 40) and d.verdict == "held-out closer"


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_boot": 1}, "'n_boot' is 1; a bootstrap interval needs >= 2"),
    ({"n_boot": 0}, "'n_boot' is 0"),
    ({"n": 1}, "'n' is 1; expected a whole number from 2 to 5"),
    ({"n": 6}, "'n' is 6"),
    ({"metric": "cosine"}, "'metric' is 'cosine'"),
    ({"level": 1.5}, "'level' is 1.5"),
])
def test_paired_difference_bad_arguments(kwargs, match):
    x = np.random.default_rng(0).standard_normal((5, 2))
    with pytest.raises(ShapeError, match=match):
        paired_difference(x, x, x, **kwargs)


def test_distances_refuse_empty_small_and_mismatched_sets():
    x = np.random.default_rng(0).standard_normal((5, 2))
    with pytest.raises(ShapeError, match="argument 'candidate' has 0 row"):
        kernel_distance(x, np.zeros((0, 2)))
    with pytest.raises(ShapeError, match="argument 'reference' has 1 row"):
        frechet_distance(x[:1], x)
    with pytest.raises(ShapeError, match="'reference', 'a', 'b' have 2, 2, 3 numbers per melody"):
        paired_difference(x, x, np.zeros((5, 3)))
    with pytest.raises(ShapeError, match="argument 'candidate' has shape"):
        kernel_distance(x, np.zeros(5))
    with pytest.raises(ShapeError, match="'n_boot' is 1"):
        frechet_distance(x, x, n_boot=1)
    with pytest.raises(ShapeError, match="'degree'"):
        kernel_distance(x, x, degree=0)
