"""Tests of the GAN lesson's library: math, losses, the Keras GAN, binarisation, metrics, checkpoints."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from musiclib.errors import CheckpointError, DataError, FileExistsNoOverwriteError, RepresentationError, ShapeError
from musiclib.features import (
    bootstrap_ci,
    copy_rate,
    nearest_neighbour_distance,
    one_step_holes,
    pairwise_hamming,
    roll_metrics,
    roll_pitch_class_entropy,
    set_diversity,
    unique_rate,
)
from musiclib.models import gan as G

TINY = G.GANRecipe(z_dim=4, g_filters=(4, 4, 2), d_filters=(4, 4), batch_size=8, epochs=1)


def _bar(cells):
    """A (16, 48) uint8 roll with the given (step, column) cells on."""
    r = np.zeros(G.BAR_SHAPE, dtype=np.uint8)
    for t, p in cells:
        r[t, p] = 1
    return r


def _chord_bar(columns):
    """The given columns held for the whole bar."""
    r = np.zeros(G.BAR_SHAPE, dtype=np.uint8)
    r[:, list(columns)] = 1
    return r


# --------------------------------------------------------------------------- set-level roll metrics
def test_pairwise_hamming_counts_differing_cells_by_hand():
    a = _bar([(0, 0), (1, 1)])
    b = _bar([(0, 0), (2, 2), (3, 3)])
    d = pairwise_hamming(np.stack([a, b]))
    np.testing.assert_array_equal(d, [[0, 3], [3, 0]])  # a has (1,1), b has (2,2) and (3,3)


def test_set_diversity_of_identical_bars_is_zero_and_of_disjoint_bars_their_sizes():
    a = _chord_bar([0])  # 16 cells
    assert set_diversity(np.stack([a, a, a])) == 0.0
    b = _chord_bar([1, 2])  # 32 cells, disjoint from a
    assert set_diversity(np.stack([a, b])) == 48.0


def test_unique_rate_copy_rate_and_nearest_neighbour_by_hand():
    a, b, c = _chord_bar([0]), _chord_bar([12]), _chord_bar([0, 12])
    rolls = np.stack([a, a, b, c])
    assert unique_rate(rolls) == 0.75
    train = np.stack([a, _chord_bar([5])])
    assert copy_rate(rolls, train) == 0.5  # the two copies of a
    np.testing.assert_array_equal(nearest_neighbour_distance(rolls, train), [0, 0, 32, 16])


def test_roll_pitch_class_entropy_of_one_and_of_two_equal_pitch_classes():
    assert roll_pitch_class_entropy(_chord_bar([0, 12])) == 0.0  # C2 and C3: one pitch class
    assert roll_pitch_class_entropy(_chord_bar([0, 7])) == pytest.approx(1.0)  # C and G equally long
    assert math.isnan(roll_pitch_class_entropy(np.zeros(G.BAR_SHAPE)))


def test_bootstrap_ci_contains_the_mean_and_is_zero_width_for_constant_values():
    mean, lo, hi = bootstrap_ci(np.full(50, 3.0))
    assert (mean, lo, hi) == (3.0, 3.0, 3.0)
    mean, lo, hi = bootstrap_ci(np.arange(100.0), seed=1)
    assert mean == 49.5 and lo < 49.5 < hi and hi - lo < 15


def test_set_metrics_refuse_an_empty_set():
    with pytest.raises(ShapeError, match="'rolls'"):
        unique_rate(np.zeros((0, 16, 48)))


# --------------------------------------------------------------------------- the math
def test_optimal_discriminator_formula():
    p = np.array([0.0, 1.0, 3.0, 0.0])
    q = np.array([1.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(G.optimal_discriminator(p, q), [0.0, 0.5, 0.75, 0.5])


def test_optimal_discriminator_maximises_the_value_pointwise():
    # V(D) at one x = p log D + q log(1 - D) is largest at D* = p / (p + q)
    p, q = 0.3, 0.1
    d = np.linspace(0.01, 0.99, 981)
    v = p * np.log(d) + q * np.log(1 - d)
    assert d[np.argmax(v)] == pytest.approx(G.optimal_discriminator(np.array(p), np.array(q)), abs=1e-3)


def test_js_divergence_of_disjoint_and_equal_distributions():
    assert G.js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(math.log(2))
    assert G.js_divergence(np.array([0.2, 0.8]), np.array([0.2, 0.8])) == pytest.approx(0.0)


def test_value_at_optimal_discriminator_is_minus_log4_plus_2_jsd():
    p = np.array([0.1, 0.4, 0.5])
    q = np.array([0.3, 0.3, 0.4])
    d = G.optimal_discriminator(p, q)
    v = np.sum(p * np.log(d)) + np.sum(q * np.log(1 - d))
    assert v == pytest.approx(-math.log(4) + 2 * G.js_divergence(p, q))


# --------------------------------------------------------------------------- losses
def test_bce_losses_at_zero_logits_are_log2():
    z = np.zeros(4)
    assert float(G.discriminator_loss(z, z, "bce")) == pytest.approx(2 * math.log(2), rel=1e-6)
    assert float(G.generator_loss(z, "bce")) == pytest.approx(math.log(2), rel=1e-6)
    assert float(G.generator_loss(z, "minimax")) == pytest.approx(-math.log(2), rel=1e-6)


def test_bce_discriminator_loss_with_label_smoothing_by_hand():
    r, f = np.array([2.0]), np.array([-1.0])
    s = 0.9
    sig = 1 / (1 + np.exp(-r[0]))
    expected = -(s * np.log(sig) + (1 - s) * np.log(1 - sig)) - np.log(1 - 1 / (1 + np.exp(-f[0])))
    assert float(G.discriminator_loss(r, f, "bce", smoothing=s)) == pytest.approx(expected, rel=1e-5)


def test_hinge_and_wasserstein_losses_by_hand():
    r = np.array([2.0, 0.5])
    f = np.array([-2.0, 0.0])
    # hinge: mean(relu(1 - r)) = (0 + 0.5)/2, mean(relu(1 + f)) = (0 + 1)/2
    assert float(G.discriminator_loss(r, f, "hinge")) == pytest.approx(0.75)
    assert float(G.generator_loss(f, "hinge")) == pytest.approx(1.0)
    assert float(G.discriminator_loss(r, f, "wgan-gp")) == pytest.approx(-1.0 - 1.25)


def test_non_saturating_loss_keeps_its_gradient_where_minimax_vanishes():
    import tensorflow as tf

    f = tf.Variable([-8.0])  # the discriminator confidently rejects the sample
    with tf.GradientTape(persistent=True) as tape:
        ns = G.generator_loss(f, "bce")
        mm = G.generator_loss(f, "minimax")
    assert abs(float(tape.gradient(ns, f)[0])) > 0.99  # -sigma(-f) ~ -1
    assert abs(float(tape.gradient(mm, f)[0])) < 1e-3  # -sigma(f) ~ 0


def test_unknown_loss_is_refused():
    with pytest.raises(RepresentationError, match="'kind'"):
        G.discriminator_loss(np.zeros(1), np.zeros(1), "lsgan")


def test_gradient_penalty_of_a_linear_critic_with_unit_weights_is_zero():
    import keras

    critic = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, use_bias=False)])
    critic.set_weights([np.array([[0.6], [0.8]], dtype=np.float32)])  # ||w|| = 1
    gp = G.gradient_penalty(critic, np.ones((4, 2)), np.zeros((4, 2)))
    assert float(gp) == pytest.approx(0.0, abs=1e-6)
    critic.set_weights([np.array([[1.2], [1.6]], dtype=np.float32)])  # ||w|| = 2: (2 - 1)^2
    assert float(G.gradient_penalty(critic, np.ones((4, 2)), np.zeros((4, 2)))) == pytest.approx(1.0, rel=1e-5)


def test_r1_penalty_is_the_squared_gradient_norm_on_real_samples():
    import keras

    from musiclib.models.adversarial import GAN, r1_penalty

    critic = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, use_bias=False)])
    critic.set_weights([np.array([[1.2], [1.6]], dtype=np.float32)])  # ||w||^2 = 4 at every x
    assert float(r1_penalty(critic, np.random.default_rng(0).normal(size=(5, 2)))) == pytest.approx(4.0, rel=1e-6)
    square = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Lambda(lambda x: x ** 2)])
    # D(x) = x^2: gradient 2x, so the mean of 4 x^2 over x = 1, 2, 3 is 4 * 14 / 3
    assert float(r1_penalty(square, np.array([[1.0], [2.0], [3.0]]))) == pytest.approx(56 / 3, rel=1e-6)
    with pytest.raises(RepresentationError, match="'r1_weight'"):
        GAN(G.build_generator(TINY), G.build_discriminator(TINY), z_dim=4, r1_weight=-1.0)


# --------------------------------------------------------------------------- networks and training
def test_generator_and_discriminator_shapes():
    g = G.build_generator(TINY)
    d = G.build_discriminator(TINY)
    out = np.asarray(g(np.zeros((3, 4), dtype=np.float32)))
    assert out.shape == (3, 16, 48) and np.all((out >= 0) & (out <= 1))
    assert np.asarray(d(out)).shape == (3, 1)


@pytest.mark.parametrize("loss", G.LOSSES)
def test_one_train_step_changes_both_players_and_reports_losses(loss):
    recipe = G.GANRecipe(**{**TINY.to_dict(), "loss": loss})
    gan = G.make_gan(recipe, seed=0)
    g0 = [w.copy() for w in gan.generator.get_weights()]
    d0 = [w.copy() for w in gan.discriminator.get_weights()]
    data = (np.random.default_rng(0).random((16, 16, 48)) < 0.1).astype(np.float32)
    res = G.fit_gan(gan, data, epochs=1, batch_size=8, seed=0)
    assert set(res.history) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v[0]) for v in res.history.values())
    assert any(not np.allclose(a, b) for a, b in zip(g0, gan.generator.get_weights(), strict=True))
    assert any(not np.allclose(a, b) for a, b in zip(d0, gan.discriminator.get_weights(), strict=True))


def test_fit_gan_refuses_fewer_samples_than_a_batch():
    gan = G.make_gan(TINY, seed=0)
    with pytest.raises(DataError, match="'data'"):
        G.fit_gan(gan, np.zeros((3, 16, 48)), epochs=1, batch_size=8)


def test_train_roll_gan_records_monitored_metrics():
    data = (np.random.default_rng(0).random((16, 16, 48)) < 0.1).astype(np.uint8)
    gen, res = G.train_roll_gan(data, TINY, epochs=1, seed=0, n_monitor=8)
    assert res.history["polyphony"] and res.history["unique_rate"][0] <= 1.0
    assert gen.sample(5).shape == (5, 16, 48)
    assert gen.data_density == pytest.approx(float(data.mean()))


def test_recipe_rejects_unknown_loss_and_binarization():
    with pytest.raises(RepresentationError, match="'loss'"):
        G.GANRecipe(loss="mse")
    with pytest.raises(RepresentationError, match="'binarization'"):
        G.GANRecipe(binarization="round")


# --------------------------------------------------------------------------- binarisation
def test_binarize_threshold_and_bernoulli():
    p = np.array([[0.2, 0.5, 0.8]])
    np.testing.assert_array_equal(G.binarize(p, "threshold"), [[0, 0, 1]])
    np.testing.assert_array_equal(G.binarize(p, "calibrated", threshold=0.1), [[1, 1, 1]])
    big = np.full((200, 100), 0.3)
    assert G.binarize(big, "bernoulli", seed=0).mean() == pytest.approx(0.3, abs=0.01)
    np.testing.assert_array_equal(G.binarize(np.array([0.0, 1.0]), "bernoulli"), [0, 1])


def test_calibrated_threshold_matches_the_target_density():
    p = np.random.default_rng(0).random((100, 16, 48))
    t = G.calibrate_threshold(p, 0.076)
    assert (p > t).mean() == pytest.approx(0.076, abs=1e-3)


def test_binarize_refuses_values_outside_0_1():
    with pytest.raises(RepresentationError, match="'probs'"):
        G.binarize(np.array([1.5]))


def test_baselines_match_their_rates():
    train = np.zeros((10, 16, 48), dtype=np.uint8)
    train[:5, 0, 0] = 1  # rate 0.5 in one cell, 0 elsewhere
    b = G.bernoulli_baseline(train, 2000, seed=0)
    assert b[:, 0, 0].mean() == pytest.approx(0.5, abs=0.05) and b[:, 1:, :].sum() == 0
    assert G.random_rolls(500, 0.1, seed=0).mean() == pytest.approx(0.1, abs=0.005)


# --------------------------------------------------------------------------- bad input
def test_check_rolls_refuses_wrong_shape():
    with pytest.raises(ShapeError, match="'train'.*\\(n_bars, 16, 48\\)"):
        G.check_rolls(np.zeros((4, 48, 16)), "train")


def test_check_rolls_refuses_non_binary_roll():
    with pytest.raises(RepresentationError, match="'rolls'.*binary"):
        G.check_rolls(np.full((2, 16, 48), 0.7))


def test_check_rolls_refuses_strings():
    with pytest.raises(ShapeError, match="dtype"):
        G.check_rolls(np.full((2, 16, 48), "x"))


def test_check_rolls_refuses_an_empty_dataset():
    with pytest.raises(ShapeError, match="no bars"):
        G.check_rolls(np.zeros((0, 16, 48)))


def test_c2st_refuses_tiny_sets():
    with pytest.raises(DataError, match="C2ST"):
        G.c2st_accuracy(np.zeros((5, 16, 48)), np.zeros((5, 16, 48)))


def test_c2st_separates_full_from_empty_bars():
    a = np.ones((128, 16, 48), dtype=np.uint8)
    b = np.zeros((128, 16, 48), dtype=np.uint8)
    assert G.c2st_accuracy(a, b, epochs=5) == 1.0


# --------------------------------------------------------------------------- toys
def test_ring_of_gaussians_covers_every_mode_and_a_point_mass_one():
    x = G.ring_of_gaussians(800, seed=0)
    assert G.mode_coverage(x) == (8, 1.0)
    assert G.mode_coverage(np.tile([[2.0, 0.0]], (100, 1))) == (1, 1.0)


# --------------------------------------------------------------------------- checkpoint
def test_save_load_round_trip_gives_the_same_bars(tmp_path):
    gen = G.RollGenerator(G.build_generator(TINY), z_dim=4, binarization="calibrated", threshold=0.42,
                          data_density=0.07)
    path = gen.save(tmp_path / "g.keras", record={"seed": 3})
    back = G.load_roll_generator(path)
    assert back.threshold == 0.42 and back.record["seed"] == 3 and back.binarization == "calibrated"
    np.testing.assert_allclose(back.probabilities(6, seed=1), gen.probabilities(6, seed=1), atol=1e-6)
    with pytest.raises(FileExistsNoOverwriteError):
        gen.save(path)


def test_load_refuses_a_missing_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="missing"):
        G.load_roll_generator(tmp_path / "none.keras")


def test_load_refuses_a_corrupt_checkpoint(tmp_path):
    gen = G.RollGenerator(G.build_generator(TINY), z_dim=4)
    path = gen.save(tmp_path / "g.keras")
    path.write_bytes(b"not a zip file")
    with pytest.raises(CheckpointError, match="g.keras"):
        G.load_roll_generator(path)


def test_load_refuses_a_record_of_another_kind(tmp_path):
    gen = G.RollGenerator(G.build_generator(TINY), z_dim=4)
    path = gen.save(tmp_path / "g.keras")
    rec = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**rec, "kind": "melody_lstm"}))
    with pytest.raises(CheckpointError, match="kind"):
        G.load_roll_generator(path)
    # a melody LSTM's record has no z_dim: the error names the kind it found
    path.with_suffix(".json").write_text(json.dumps({"kind": "melody_lstm", "vocab": {}}))
    with pytest.raises(CheckpointError, match="lacks 'z_dim'; it is the record of a model of kind 'melody_lstm'"):
        G.load_roll_generator(path)


def test_load_refuses_a_record_that_does_not_match_the_model(tmp_path):
    gen = G.RollGenerator(G.build_generator(TINY), z_dim=4)
    path = gen.save(tmp_path / "g.keras")
    rec = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**rec, "z_dim": 64}))
    with pytest.raises(CheckpointError, match="g.keras"):
        G.load_roll_generator(path)


# --------------------------------------------------------------------------- the shipped generator
SETS = ("data", "gan", "bernoulli", "random")
KEYS = ("used_pitch_classes", "qualified_note_rate", "scale_consistency", "polyphony", "diversity", "unique_rate",
        "copy_rate", "nn_distance", "c2st_accuracy")


@pytest.fixture(scope="module")
def shipped():
    return G.load_roll_generator(G.ROLL_DCGAN)


def test_shipped_dcgan_record_has_every_set_and_metric(shipped):
    rec = shipped.record
    for key in ("seed", "profile", "command", "train_seconds", "data", "eval_seed", "n_eval"):
        assert key in rec
    assert rec["data"]["file_sha256"] and rec["command"].startswith("python -m musiclib.train gan-dcgan --ship")
    for s in SETS:
        assert set(KEYS) <= set(rec["metrics"][s]), s
    assert G.ROLL_DCGAN.stat().st_size < 5_000_000


def test_shipped_dcgan_record_is_reproduced_from_the_file(shipped):
    from musiclib.datasets import load_chorale_bars

    rec = shipped.record
    bars = shipped.sample(rec["n_eval"], seed=rec["eval_seed"])
    train = load_chorale_bars().of_split("train")
    got = rec["metrics"]["gan"]
    m = roll_metrics(bars)
    assert m["polyphony"] == pytest.approx(got["polyphony"], rel=2e-3)
    assert m["used_pitch_classes"] == pytest.approx(got["used_pitch_classes"], rel=2e-3)
    assert set_diversity(bars) == pytest.approx(got["diversity"], rel=2e-3)
    assert unique_rate(bars) == pytest.approx(got["unique_rate"], abs=2e-3)
    assert copy_rate(bars, train) == pytest.approx(got["copy_rate"], abs=2e-3)


def test_shipped_dcgan_cuts_notes_into_one_step_holes(shipped):
    bars = shipped.sample(500, seed=0)
    holes = np.mean([one_step_holes(r) for r in bars])
    assert holes > 2.0  # real chorale bars: about 0.14 per bar


def test_sample_refuses_a_bad_count_or_seed(shipped):
    for n in (0, -3, 2.5, True):
        with pytest.raises(RepresentationError, match="'n'"):
            shipped.sample(n)
    for seed in (1.5, "7", -1):
        with pytest.raises(RepresentationError, match="'seed'"):
            shipped.sample(4, seed=seed)


def test_load_refuses_a_nan_threshold_or_a_text_z_dim(tmp_path):
    gen = G.RollGenerator(G.build_generator(TINY), z_dim=4)
    path = gen.save(tmp_path / "g.keras")
    rec = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**rec, "threshold": float("nan")}))
    with pytest.raises(CheckpointError, match="'threshold'"):
        G.load_roll_generator(path)
    path.with_suffix(".json").write_text(json.dumps({**rec, "z_dim": "4"}))
    with pytest.raises(CheckpointError, match="'z_dim'"):
        G.load_roll_generator(path)


def test_logistic_c2st_is_near_one_half_for_one_distribution_and_high_for_another():
    rng = np.random.default_rng(0)
    a = (rng.random((400, 16, 48)) < 0.08).astype(np.uint8)
    b = (rng.random((400, 16, 48)) < 0.08).astype(np.uint8)
    same = G.logistic_c2st_accuracy(a, b, seed=0)
    assert abs(same - 0.5) < 4 * G.c2st_null_sd(400)
    shifted = b.copy()
    shifted[:, :, 20] = 1  # one pitch always on: a first-order difference
    assert G.logistic_c2st_accuracy(a, shifted, seed=0) > 0.95


def test_c2st_null_sd_is_one_over_two_root_m_with_m_the_held_out_predictions():
    # n = 100 bars per set: the two folds score 50 + 50 bars of each set, m = 200 predictions
    assert G.c2st_null_sd(100) == pytest.approx(1 / (2 * np.sqrt(200)))
    assert G.c2st_null_sd(101) == pytest.approx(1 / (2 * np.sqrt(202)))


def test_c2st_null_sd_matches_the_spread_of_the_protocol_on_coin_flip_predictions():
    # the protocol's own accuracy when the classifier's guesses carry no information
    rng = np.random.default_rng(0)
    a, b = np.zeros((60, 16, 48), dtype=np.uint8), np.zeros((60, 16, 48), dtype=np.uint8)

    def coin(x_tr, y_tr, x_te, fold):
        return rng.random(len(x_te)) < 0.5

    accs = [G._two_fold_accuracy(a, b, s, coin) for s in range(3000)]
    assert np.std(accs) == pytest.approx(G.c2st_null_sd(60), rel=0.08)
    with pytest.raises(RepresentationError, match="'n'"):
        G.c2st_null_sd(1)


def test_hold_steps_makes_each_pair_of_steps_share_one_probability():
    recipe = G.GANRecipe(**{**TINY.to_dict(), "hold_steps": 2, "last_kernel": (2, 5)})
    out = np.asarray(G.build_generator(recipe)(np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)))
    assert out.shape == (3, 16, 48)
    assert np.allclose(out[:, 0::2], out[:, 1::2]) and not np.allclose(out[:, 0], out[:, 2])


def test_recipe_rejects_bad_last_kernel_and_hold_steps():
    with pytest.raises(RepresentationError, match="'last_kernel'"):
        G.GANRecipe(last_kernel=(0, 19))
    with pytest.raises(RepresentationError, match="'hold_steps'"):
        G.GANRecipe(hold_steps=3)


def test_recipe_from_an_older_record_gets_the_default_last_layer():
    old = {k: v for k, v in G.GANRecipe().to_dict().items() if k not in ("last_kernel", "hold_steps", "g_steps")}
    r = G.GANRecipe(**old)
    assert r.last_kernel == (1, 19) and r.hold_steps == 1 and r.g_steps == 1
