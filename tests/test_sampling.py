"""Tests of musiclib.sampling: distributions, priming, generation, copying check."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from musiclib.errors import MusicLibError, RepresentationError, ShapeError, VocabularyError
from musiclib.models.ngram import NGramModel
from musiclib.representation import MelodyVocabulary, NoteList
from musiclib.sampling import (
    bar_positions,
    continue_melody,
    generate,
    log_softmax,
    longest_copied_run,
    next_token_distribution,
    parse_melody,
    primer_tokens,
    repetition_rate,
    sample_token,
)

VOCAB = MelodyVocabulary()
logit_rows = arrays(np.float64, st.integers(2, 60), elements=st.floats(-50, 50, allow_nan=False))
temperatures = st.one_of(st.just(0.0), st.floats(1e-9, 10.0))


@settings(max_examples=150, deadline=None)
@given(z=logit_rows, T=temperatures, k=st.one_of(st.none(), st.integers(1, 70)),
       p=st.one_of(st.none(), st.floats(0.01, 1.0)))
def test_distribution_sums_to_one_and_is_never_nan(z, T, k, p):
    probs = next_token_distribution(z, T, top_k=k, top_p=p)
    assert np.all(np.isfinite(probs)) and np.all(probs >= 0)
    assert abs(probs.sum() - 1.0) < 1e-9


@settings(max_examples=100, deadline=None)
@given(z=logit_rows)
def test_temperature_zero_is_argmax(z):
    probs = next_token_distribution(z, 0.0)
    assert probs[np.argmax(z)] == 1.0
    assert sample_token(z, np.random.default_rng(0), temperature=0.0) == int(np.argmax(z))


@settings(max_examples=100, deadline=None)
@given(z=arrays(np.float64, st.integers(2, 60), elements=st.floats(-20, 20), unique=True), data=st.data())
def test_top_k_keeps_exactly_the_k_largest(z, data):
    k = data.draw(st.integers(1, len(z)))
    probs = next_token_distribution(z, 1.0, top_k=k)
    kept = np.flatnonzero(probs > 0)
    assert len(kept) == k
    assert set(kept) == set(np.argsort(-z)[:k])


@settings(max_examples=100, deadline=None)
@given(z=logit_rows, p=st.floats(0.01, 1.0))
def test_top_p_keeps_the_smallest_nucleus_with_mass_at_least_p(z, p):
    full = np.exp(log_softmax(z))
    probs = next_token_distribution(z, 1.0, top_p=p)
    kept = probs > 0
    assert full[kept].sum() >= min(p, 1.0) - 1e-9
    # dropping the least likely kept token would fall below p (unless only one is kept)
    if kept.sum() > 1:
        assert full[kept].sum() - full[kept].min() < p + 1e-9
    assert kept[np.argmax(z)]


def test_top_p_by_hand():
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    out = next_token_distribution(np.log(probs), 1.0, top_p=0.8)
    np.testing.assert_allclose(out, [0.625, 0.375, 0, 0])
    out = next_token_distribution(np.log(probs), 1.0, top_p=0.81)
    np.testing.assert_allclose(out, np.array([0.5, 0.3, 0.15, 0]) / 0.95)


def test_temperature_extremes_are_stable():
    z = np.array([1000.0, -1000.0, 0.0, -np.inf])
    for T in (0.0, 1e-12, 1e-3, 1.0, 10.0):
        probs = next_token_distribution(z, T)
        assert np.all(np.isfinite(probs)) and abs(probs.sum() - 1) < 1e-12
        assert probs[3] == 0.0
    flat = next_token_distribution(np.array([1.0, 0.0]), 10.0)
    np.testing.assert_allclose(flat, np.exp([0.1, 0]) / np.exp([0.1, 0]).sum())


def test_sampling_matches_the_distribution():
    rng = np.random.default_rng(1)
    z = np.log(np.array([0.6, 0.3, 0.1]))
    draws = np.bincount([sample_token(z, rng) for _ in range(20000)], minlength=3) / 20000
    np.testing.assert_allclose(draws, [0.6, 0.3, 0.1], atol=0.015)


@pytest.mark.parametrize("bad", [-0.1, 10.5, float("nan"), float("inf")])
def test_bad_temperature_is_named(bad):
    with pytest.raises(ShapeError, match="temperature"):
        next_token_distribution(np.zeros(3), bad)


def test_bad_top_k_and_top_p_are_named():
    with pytest.raises(ShapeError, match="top_k"):
        next_token_distribution(np.zeros(3), 1.0, top_k=0)
    with pytest.raises(ShapeError, match="top_p"):
        next_token_distribution(np.zeros(3), 1.0, top_p=0.0)


def test_nan_logits_are_refused():
    with pytest.raises(ShapeError, match="NaN"):
        log_softmax(np.array([0.0, np.nan]))


# --------------------------------------------------------------------------- generation
@pytest.fixture(scope="module")
def tiny_model() -> NGramModel:
    tune = [14, 1, 1, 1, 16, 1, 1, 1, 18, 1, 1, 1, 19, 1, 1, 1, 21, 1, 1, 1, 1, 1, 1, 1]
    return NGramModel.fit([tune, tune[::-1][1:] + [14]], order=5, vocab=VOCAB, discount=0.1)


def test_generation_is_seeded_and_reproducible(tiny_model):
    a = generate(tiny_model, [14, 1], 40, temperature=1.0, seed=3)
    b = generate(tiny_model, [14, 1], 40, temperature=1.0, seed=3)
    c = generate(tiny_model, [14, 1], 40, temperature=1.0, seed=4)
    assert a.shape == (40,) and np.array_equal(a, b)
    assert not np.array_equal(a, c)
    VOCAB.check_tokens(a)


def test_greedy_generation_follows_the_most_likely_path(tiny_model):
    out = generate(tiny_model, [14, 1, 1, 1], 4, temperature=0.0)
    assert out.tolist() == [16, 1, 1, 1]


def test_continue_melody_marks_primer_and_continuation(tiny_model, c_major_scale):
    notes = continue_melody(tiny_model, c_major_scale[:2], 16, seed=0)
    assert set(notes.part.tolist()) <= {0, 1}
    assert notes[notes.part == 0].pitch.tolist() == [60, 62]


def test_primer_outside_vocabulary_is_named(tiny_model):
    with pytest.raises(VocabularyError, match="token 99 at position 1"):
        generate(tiny_model, [14, 99], 8)


def test_empty_primer_is_refused(tiny_model):
    with pytest.raises(RepresentationError, match="empty"):
        generate(tiny_model, [], 8)
    with pytest.raises(RepresentationError, match="empty"):
        generate(tiny_model, NoteList.empty(), 8)


def test_polyphonic_primer_names_the_offset(tiny_model, chorale_fragment):
    with pytest.raises(RepresentationError, match="offset 0 quarters"):
        generate(tiny_model, chorale_fragment, 8)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_length_must_be_positive(tiny_model, bad):
    with pytest.raises(ShapeError, match="length"):
        generate(tiny_model, [14], bad)


def test_pitch_outside_vocabulary_in_note_primer_is_named():
    with pytest.raises(VocabularyError, match="pitch 30"):
        primer_tokens(NoteList.from_arrays([30], [0], [1]), VOCAB)


def test_all_primer_errors_are_musiclib_errors(tiny_model):
    for primer in ([], [-1], "C5 D5"):
        with pytest.raises(MusicLibError):
            generate(tiny_model, primer, 4)


def test_bar_positions_count_from_the_pickup():
    assert bar_positions(6, bar_steps=4, offset=3).tolist() == [3, 0, 1, 2, 3, 0]


# --------------------------------------------------------------------------- text, copying, repetition
def test_parse_melody_reads_names_lengths_and_rests():
    notes = parse_melody("C4 D#4:0.5 r:0.5 Bb3:2")
    assert notes.pitch.tolist() == [60, 63, 58]
    assert notes.onset.tolist() == [0.0, 1.0, 2.0]
    assert notes.duration.tolist() == [1.0, 0.5, 2.0]


@pytest.mark.parametrize("text", ["H4", "C4:0", "C4:0.3", "", "r r"])
def test_parse_melody_bad_words_are_named(text):
    with pytest.raises(RepresentationError):
        parse_melody(text)


def test_longest_copied_run_by_hand():
    train = [np.array([5, 6, 7, 8, 9, 10]), np.array([1, 2, 3, 4, 5, 6, 7, 20])]
    report = longest_copied_run([0, 3, 4, 5, 6, 7, 11], train)
    assert report.length == 5 and report.train_index == 1
    assert report.train_start == 2 and report.generated_start == 1
    assert longest_copied_run([30, 31], train).length == 0


@settings(max_examples=40, deadline=None)
@given(gen=st.lists(st.integers(0, 4), min_size=1, max_size=30),
       train=st.lists(st.lists(st.integers(0, 4), max_size=30), min_size=1, max_size=3))
def test_longest_copied_run_equals_brute_force(gen, train):
    best = 0
    for t in train:
        for i in range(len(gen)):
            for j in range(len(t)):
                k = 0
                while i + k < len(gen) and j + k < len(t) and gen[i + k] == t[j + k]:
                    k += 1
                best = max(best, k)
    assert longest_copied_run(gen, train).length == best


def test_repetition_rate_of_a_loop_and_of_a_scale():
    loop = [14, 16, 18, 14, 16, 18, 14, 16, 18]
    assert repetition_rate(loop, n=3) == pytest.approx(4 / 7)
    assert repetition_rate(list(range(2, 20)), n=3) == 0.0


def test_repetition_rate_of_intervals_counts_a_sequence_a_step_higher():
    motif = [14, 16, 18, 16, 18, 20]  # 3-note figure, then the same a tone higher
    assert repetition_rate(motif, n=4) == 0.0
    # interval pairs: (2,2) (2,-2) (-2,2) (2,2) -> one repeat of four
    assert repetition_rate(motif, n=3, intervals=True) == pytest.approx(1 / 4)
    assert repetition_rate(list(range(2, 20)), n=3, intervals=True) == pytest.approx(15 / 16)
    with pytest.raises(ShapeError, match="'n'"):
        repetition_rate(motif, n=1, intervals=True)
