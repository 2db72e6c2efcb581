"""Tests of musiclib.models.mixture: mixed probabilities by hand, weights fitted on validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from musiclib.errors import MusicLibError, ShapeError
from musiclib.models.melody import MelodyData, evaluate
from musiclib.models.mixture import MixtureModel, fit_mixture, simplex_grid
from musiclib.models.ngram import NGramModel
from musiclib.representation import MelodyVocabulary
from musiclib.sampling import generate

SMALL = MelodyVocabulary(60, 72)


def _data(n: int, seed: int, pattern: bool) -> MelodyData:
    """Quarter notes: a fixed rising pattern (predictable) or random pitches."""
    rng = np.random.default_rng(seed)
    tokens = []
    for _ in range(n):
        notes = (np.tile([2, 4, 6, 8], 5) if pattern else rng.integers(2, 14, 20)) + SMALL.N_SPECIAL
        notes = np.minimum(notes, SMALL.size - 1)
        tokens.append(np.stack([notes, np.ones_like(notes), np.ones_like(notes), np.ones_like(notes)], 1).ravel())
    return MelodyData(tokens, [np.arange(len(t)) % 16 for t in tokens], [f"p{i}" for i in range(n)], SMALL)


@pytest.fixture(scope="module")
def models():
    pattern, noise = _data(6, 0, True), _data(6, 1, False)
    return (NGramModel.fit(pattern.tokens, 3, SMALL, discount=0.5),
            NGramModel.fit(noise.tokens, 1, SMALL, discount=0.5))


def test_mixture_is_the_weighted_average_of_probabilities_by_hand(models):
    a, b = models
    data = _data(2, 5, False)
    mix = MixtureModel((a, b), (0.3, 0.7))
    for got, pa, pb in zip(mix.log_probs_batch(data.tokens, data.positions),
                           a.log_probs_batch(data.tokens, data.positions),
                           b.log_probs_batch(data.tokens, data.positions), strict=True):
        np.testing.assert_allclose(got, np.log(0.3 * np.exp(pa) + 0.7 * np.exp(pb)), atol=1e-12)
        np.testing.assert_allclose(np.exp(got).sum(axis=1), 1.0, atol=1e-12)


def test_all_weight_on_one_member_is_that_member(models):
    a, b = models
    data = _data(3, 6, True)
    assert evaluate(MixtureModel((a, b), (1.0, 0.0)), data) == evaluate(a, data)


def test_a_mixture_is_never_worse_than_its_worse_member_in_bits(models):
    """log is concave: -log(w pa + (1-w) pb) <= w (-log pa) + (1-w) (-log pb) at every step."""
    a, b = models
    data = _data(4, 7, False)
    bits = [evaluate(MixtureModel((a, b), (w, 1 - w)), data)["bits_per_step"] for w in (0.0, 0.25, 0.5, 0.75, 1.0)]
    for w, got in zip((0.25, 0.5, 0.75), bits[1:4], strict=True):
        assert got <= w * bits[4] + (1 - w) * bits[0] + 1e-12


def test_fit_mixture_chooses_on_validation(models):
    a, b = models
    # on patterned validation pieces the pattern model is far better: all weight goes to it
    fitted = fit_mixture((a, b), _data(3, 8, True), step=0.25)
    assert fitted.weights == (1.0, 0.0)
    # on random pieces the pattern model is wrong with confidence: the uniform-ish model gets weight
    fitted = fit_mixture((a, b), _data(3, 9, False), step=0.25)
    assert fitted.weights[1] > 0.5
    assert fitted.describe().startswith(f"{fitted.weights[0]:.2f} ")


def test_simplex_grid_counts_and_sums():
    grid = simplex_grid(3, 0.05)
    assert len(grid) == math.comb(22, 2) == 231
    assert all(math.isclose(sum(w), 1.0) and min(w) >= 0 for w in grid)
    assert simplex_grid(2, 0.5) == [(0.0, 1.0), (0.5, 0.5), (1.0, 0.0)]


def test_sampling_from_a_mixture_is_reproducible(models):
    mix = MixtureModel(models, (0.5, 0.5))
    first = generate(mix, [6, 1, 1, 1], 12, seed=3)
    assert np.array_equal(first, generate(mix, [6, 1, 1, 1], 12, seed=3)) and first.shape == (12,)


@pytest.mark.parametrize("members, weights, culprit", [
    ((), (), "'members' is empty"),
    ("two", (1.0,), "'members\\[0\\]'"),
    (None, (0.5, 0.6), "summing to 1"),
    (None, (1.0,), "1 entries for 2 members"),
    (None, (1.5, -0.5), "non-negative"),
])
def test_bad_mixtures_are_refused_by_name(models, members, weights, culprit):
    members = models if members is None else members
    with pytest.raises(ShapeError, match=culprit):
        MixtureModel(members, weights)


def test_mixed_vocabularies_and_bad_grids_are_refused(models):
    other = NGramModel.fit(_data(2, 0, True).tokens, 1, SMALL, discount=0.5)
    wide = NGramModel.fit([np.array([2, 1, 1, 1, 3, 1])], 1, MelodyVocabulary(48, 84), discount=0.5)
    MixtureModel((models[0], other), (0.5, 0.5))  # one vocabulary: fine
    with pytest.raises(ShapeError, match="mixes vocabularies"):
        MixtureModel((models[0], wide), (0.5, 0.5))
    with pytest.raises(ShapeError, match="'step' is 0.3"):
        simplex_grid(2, 0.3)
    with pytest.raises(MusicLibError, match="'valid' holds no pieces"):
        fit_mixture(models, MelodyData([], [], [], SMALL))


# --------------------------------------------------------------------------- the shipped ensemble
def test_the_seed_ensemble_averages_every_shipped_run_with_equal_weights():
    from musiclib.datasets import load_chorales
    from musiclib.models.melody import melody_data
    from musiclib.models.mixture import load_seed_ensemble

    ensemble = load_seed_ensemble()
    assert len(ensemble.members) == 6 and ensemble.weights == pytest.approx((1 / 6,) * 6)
    seeds = [m.record["seed"] for m in ensemble.members]
    assert seeds == [2024, 1, 2, 2024, 1, 2]
    assert all("fine_tune" in m.record for m in ensemble.members)  # every run went through both stages
    test = melody_data(load_chorales(), "test", ensemble.vocab, to_c=True)
    some = MelodyData(test.tokens[:3], test.positions[:3], test.ids[:3], test.vocab)
    # the ensemble's probability of every step is the mean of its members' (checked on three pieces)
    parts = [m.log_probs_batch(some.tokens, some.positions) for m in ensemble.members]
    mixed = ensemble.log_probs_batch(some.tokens, some.positions)
    for i in range(3):
        want = np.log(np.mean([np.exp(p[i]) for p in parts], axis=0))
        np.testing.assert_allclose(mixed[i], want, atol=1e-9)
    for m, row in zip(ensemble.members[1:3], load_seed_ensemble(("lstm",)).members[0].record["seeds"][1:], strict=True):
        assert m.record["test_metrics"]["lstm"]["bits_per_step"] == row["test"]["bits_per_step"]


def test_the_seed_ensemble_refuses_unknown_networks():
    from musiclib.models.mixture import load_seed_ensemble

    with pytest.raises(ShapeError, match="'networks'"):
        load_seed_ensemble(("gru",))
    with pytest.raises(ShapeError, match="'networks'"):
        load_seed_ensemble(())
