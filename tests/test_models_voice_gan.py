"""The four-voice GAN: its data, the hold rule, the straight-through decoding and the checkpoint."""

from __future__ import annotations

import json

import numpy as np
import pytest

from musiclib.datasets import load_chorale_bars
from musiclib.errors import CheckpointError, DataError, RepresentationError, ShapeError
from musiclib.features import long_note_share, one_step_holes
from musiclib.models import gan as G
from musiclib.models import voice_gan as V

TINY = V.VoiceGANRecipe(z_dim=4, g_filters=(8, 8, 8), d_filters=(8, 8, 8), batch_size=16, epochs=1, density_edges=())
COND = V.VoiceGANRecipe(z_dim=4, g_filters=(8, 8, 8), d_filters=(8, 8, 8), batch_size=16, epochs=1)


@pytest.fixture(scope="module")
def voice_bars():
    return V.chorale_voice_bars()


def test_voice_bars_are_the_prepared_roll_bars_voice_by_voice(voice_bars):
    bars = load_chorale_bars()
    np.testing.assert_array_equal(voice_bars.rolls(), bars.rolls)
    np.testing.assert_array_equal(voice_bars.split, bars.split)
    np.testing.assert_array_equal(voice_bars.piece, bars.piece)


def test_every_voice_bar_starts_with_an_event_and_rests_are_rare(voice_bars):
    assert voice_bars.onsets[:, 0, :].all()
    assert 0.03 < float(np.mean(voice_bars.symbols == 0)) < 0.10


def test_real_bars_have_few_holes_and_many_notes_held_across_a_beat():
    ho = load_chorale_bars()
    rolls = ho.rolls[ho.split != "train"]
    assert np.mean([one_step_holes(r) for r in rolls]) == pytest.approx(0.1355, abs=1e-3)
    assert long_note_share(rolls) == pytest.approx(0.1714, abs=1e-3)


def test_voices_to_rolls_puts_each_voice_in_its_pitch_column():
    sym = np.zeros((1, 16, 4), dtype=np.int8)
    sym[0, :, 0] = 72 - 35   # soprano C5 all bar
    sym[0, :8, 3] = 48 - 35  # bass C3 for two beats, then a rest
    roll = V.voices_to_rolls(sym)[0]
    assert roll.shape == (16, 48)
    assert roll[:, 72 - 36].all() and roll[:8, 48 - 36].all() and not roll[8:, 48 - 36].any()
    assert roll.sum() == 16 + 8


def test_decode_keeps_the_previous_symbol_where_the_onset_flag_is_off():
    logits = np.full((1, 16, 4, 50), -10.0)
    logits[0, :, :, 5] = 10.0          # symbol 5 is the most likely everywhere ...
    logits[0, 4:, :, 9] = 20.0         # ... until step 4, where symbol 9 wins
    logits[0, :, :, 49] = -10.0        # but no onset after step 0
    sym, ons = V.decode_voices(logits, seed=None)
    assert (sym == 5).all() and ons[0, 0].all() and not ons[0, 1:].any()
    logits[0, 4, :, 49] = 10.0         # an onset at step 4
    sym, _ = V.decode_voices(logits, seed=None)
    assert (sym[0, :4] == 5).all() and (sym[0, 4:] == 9).all()


def test_a_decoded_bar_never_has_a_one_step_hole_inside_a_held_note():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(64, 16, 4, 50))
    logits[..., 49] = -3.0  # onsets are rare: long held notes
    sym, ons = V.decode_voices(logits, seed=1)
    held = ons[:, 1:] == 0
    assert (sym[:, 1:][held] == sym[:, :-1][held]).all()


def test_straight_through_decoding_equals_the_numpy_decoding_forward():
    import keras

    rng = np.random.default_rng(3)
    logits = rng.normal(size=(8, 16, 4, 50)).astype(np.float32)
    enc = np.asarray(V.straight_through_voices(logits, keras.random.SeedGenerator(0), decoding="argmax"))
    sym, ons = V.decode_voices(logits, seed=None)
    np.testing.assert_array_equal(enc[..., :49].argmax(-1), sym)
    np.testing.assert_allclose(enc[..., 49], ons, atol=1e-6)
    np.testing.assert_allclose(enc[..., :49].sum(-1), 1.0, atol=1e-6)


def test_straight_through_passes_gradients_to_the_logits():
    import keras
    import tensorflow as tf

    logits = tf.Variable(np.random.default_rng(0).normal(size=(2, 16, 4, 50)).astype(np.float32))
    weights = tf.constant(np.random.default_rng(1).normal(size=(16, 4, 50)).astype(np.float32))
    with tf.GradientTape() as tape:
        out = V.straight_through_voices(logits, keras.random.SeedGenerator(0))
        loss = tf.reduce_sum(out * weights)
    grad = tape.gradient(loss, logits).numpy()
    assert np.isfinite(grad).all() and np.abs(grad[..., :49]).sum() > 0 and np.abs(grad[..., 49]).sum() > 0


def test_encode_voices_is_one_hot_plus_onset(voice_bars):
    enc = V.encode_voices(voice_bars.symbols[:5], voice_bars.onsets[:5])
    assert enc.shape == (5, 16, 4, 50)
    np.testing.assert_array_equal(enc[..., :49].argmax(-1), voice_bars.symbols[:5])
    np.testing.assert_array_equal(enc[..., 49], voice_bars.onsets[:5])


def test_encode_and_rolls_refuse_bad_shapes_and_symbols():
    with pytest.raises(ShapeError, match="'symbols'"):
        V.voices_to_rolls(np.zeros((2, 16, 3), dtype=np.int8))
    with pytest.raises(RepresentationError, match="'symbols'"):
        V.voices_to_rolls(np.full((1, 16, 4), 49))
    with pytest.raises(ShapeError, match="'onsets'"):
        V.encode_voices(np.zeros((1, 16, 4), dtype=np.int8), np.zeros((1, 16, 3)))
    with pytest.raises(ShapeError, match="'logits'"):
        V.decode_voices(np.zeros((1, 16, 4, 48)))


def test_recipe_refuses_bad_values():
    with pytest.raises(RepresentationError, match="'loss'"):
        V.VoiceGANRecipe(loss="l2")
    with pytest.raises(RepresentationError, match="'decoding'"):
        V.VoiceGANRecipe(decoding="beam")
    with pytest.raises(RepresentationError, match="'epochs'"):
        V.VoiceGANRecipe(epochs=0)


def test_training_keeps_the_best_epoch_and_samples_rolls_on_the_bar_grid(voice_bars):
    train = voice_bars.subset(np.arange(len(voice_bars)) < 64)
    valid = voice_bars.subset((np.arange(len(voice_bars)) >= 64) & (np.arange(len(voice_bars)) < 96))
    gen, history = V.train_voice_gan(train, valid, TINY, epochs=2, seed=0, n_monitor=32)
    assert len(history["gap"]) == 2
    assert gen.record["best_epoch"] == int(np.argmin(history["gap"])) + 1
    rolls = gen.sample(5, seed=3)
    assert rolls.shape == (5, 16, 48) and rolls.dtype == np.uint8
    np.testing.assert_array_equal(rolls, gen.sample(5, seed=3))


def test_training_refuses_too_few_bars_or_bad_epochs(voice_bars):
    few = voice_bars.subset(np.arange(len(voice_bars)) < 8)
    with pytest.raises(DataError, match="'train'"):
        V.train_voice_gan(few, few, TINY)
    with pytest.raises(RepresentationError, match="'epochs'"):
        V.train_voice_gan(voice_bars, voice_bars, TINY, epochs=0)


def test_checkpoint_round_trip_through_load_roll_generator(tmp_path):
    gen = V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4, record={"recipe": TINY.to_dict()})
    path = gen.save(tmp_path / "v.keras")
    back = G.load_roll_generator(path)
    assert isinstance(back, V.VoiceGenerator)
    np.testing.assert_array_equal(back.sample(6, seed=2), gen.sample(6, seed=2))


def test_load_refuses_another_kind_and_a_bad_z_dim(tmp_path):
    gen = V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4)
    path = gen.save(tmp_path / "v.keras")
    rec = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**rec, "kind": "melody_lstm"}))
    with pytest.raises(CheckpointError, match="kind"):
        G.load_roll_generator(path)
    with pytest.raises(CheckpointError, match="kind"):
        V.load_voice_generator(path)
    path.with_suffix(".json").write_text(json.dumps({**rec, "z_dim": 2.5}))
    with pytest.raises(CheckpointError, match="'z_dim'"):
        V.load_voice_generator(path)


def test_sample_refuses_a_bad_count_or_seed():
    gen = V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4)
    with pytest.raises(RepresentationError, match="'n'"):
        gen.sample(0)
    with pytest.raises(RepresentationError, match="'seed'"):
        gen.sample(3, seed=0.5)


@pytest.fixture(scope="module")
def shipped():
    return G.load_roll_generator()


def test_shipped_generator_is_the_four_voice_gan_with_three_seeds(shipped):
    rec = shipped.record
    assert isinstance(shipped, V.VoiceGenerator)
    assert rec["command"].startswith("python -m musiclib.train gan --ship --epochs ")
    assert len(rec["seeds"]) >= 3 and len({r["seed"] for r in rec["seeds"]}) == len(rec["seeds"])
    for run in rec["seeds"]:
        assert set(rec["metrics"]["gan"]) <= set(run)
    # the seed shipped is the one the validation judge prefers, and its figures are the record's
    chosen = min(rec["seeds"], key=lambda run: run["best_gap"])
    assert rec["shipped_seed"] == chosen["seed"] == rec["seed"] and rec["best_epoch"] == chosen["best_epoch"]
    for key, value in rec["metrics"]["gan"].items():
        assert chosen[key] == pytest.approx(value, abs=1e-6), key
    assert V.GAN_GENERATOR.stat().st_size < 5_000_000


def test_every_shipped_seed_trained_within_15_cpu_minutes_and_kept_an_epoch_after_the_first_third(shipped):
    rec = shipped.record
    assert f"--epochs {rec['epochs']} " in rec["command"] + " "
    for run in rec["seeds"]:
        assert 0 < run["train_cpu_seconds"] <= 15 * 60, run["seed"]
        assert rec["epochs"] // 3 < run["best_epoch"] <= rec["epochs"], run["seed"]


def test_every_shipped_seed_meets_the_figures_of_the_issue(shipped):
    """Issue 19, item 4, per seed, on 2,000 bars against the held-out bars (the record's figures)."""
    rec = shipped.record
    data = rec["metrics"]["data"]
    for run in rec["seeds"]:
        assert V.bound_misses(run, data) == [], run["seed"]
        assert run["c2st_accuracy"] <= 0.90 and run["logistic_c2st_accuracy"] <= 0.65, run["seed"]
        assert set(rec["metrics"]["gan"]) <= set(run), run["seed"]
    assert 0 < rec["c2st_null_sd"] < 0.02


def test_shipped_record_is_reproduced_by_sampling(shipped):
    rec = shipped.record
    bars = load_chorale_bars()
    train = bars.rolls[bars.split == "train"]
    rolls = shipped.sample(rec["n_eval"], seed=rec["eval_seed"])
    got = G.evaluate_rolls(rolls, train, bars.rolls[bars.split != "train"], c2st=False)
    for key, value in got.items():
        assert value == pytest.approx(rec["metrics"]["gan"][key], rel=1e-4, abs=1e-5), key


def test_transpose_voices_moves_notes_keeps_rests_and_refuses_to_leave_the_range():
    sym = np.zeros((2, 16, 4), dtype=np.int8)
    sym[0, :, 0] = 10
    sym[1, :, 0] = 47          # MIDI 82: two semitones up would leave MIDI 36..83
    moved, ok = V.transpose_voices(sym, np.array([2, 2]))
    assert ok.tolist() == [True, False]
    assert (moved[0, :, 0] == 12).all() and (moved[0, :, 1:] == 0).all()
    np.testing.assert_array_equal(moved[1], sym[1])


def test_every_voice_bar_knows_the_move_to_c_major_or_a_minor(voice_bars):
    assert voice_bars.to_c.min() >= -5 and voice_bars.to_c.max() <= 6
    moved, ok = V.transpose_voices(voice_bars.symbols, voice_bars.to_c)
    assert ok.mean() > 0.95
    pcs = V.voices_to_rolls(moved[ok]).sum(axis=(0, 1)).reshape(4, 12).sum(axis=0)
    black = pcs[[1, 3, 6, 8, 10]].sum() / pcs.sum()
    assert black < 0.08  # in C major / A minor, few notes fall on the black keys


def test_sample_moves_each_bar_to_a_key_drawn_from_key_offsets():
    net = V.build_voice_generator(TINY)
    plain = V.VoiceGenerator(net, z_dim=4)
    up_two = V.VoiceGenerator(net, z_dim=4, key_offsets=np.eye(12)[8])   # all weight on +2
    base, _ = plain.sample_voices(6, seed=1)
    moved, _ = up_two.sample_voices(6, seed=1)
    expected, ok = V.transpose_voices(base, 2)
    np.testing.assert_array_equal(moved[ok], expected[ok])
    with pytest.raises(RepresentationError, match="'key_offsets'"):
        V.VoiceGenerator(net, z_dim=4, key_offsets=[1.0] * 11)


def test_voice_registers_by_hand():
    sym = np.zeros((1, 16, 4), dtype=np.int8)
    sym[0, :8, 0], sym[0, 8:, 0] = 30, 34          # soprano: half the bar on 30, half on 34
    sym[0, :4, 1] = 20                             # alto: 20 for four steps, then rests
    sym[0, :, 3] = 5                               # tenor rests all bar, bass on 5
    reg = V.voice_registers(sym)[0]
    assert reg[0] == 32.0 and reg[1] == 20.0 and np.isnan(reg[2]) and reg[3] == 5.0


def _constant_generator(symbols_per_voice: list[int]):
    """A generator whose every bar holds one symbol per voice (its logits ignore z)."""
    import keras

    logits = np.full((16, 4, 50), -9.0, dtype=np.float32)
    for v, k in enumerate(symbols_per_voice):
        logits[:, v, k] = 9.0
    z = keras.Input(shape=(4,))
    dense = keras.layers.Dense(16 * 4 * 50)
    out = keras.layers.Reshape((16, 4, 50))(dense(z))
    net = keras.Model(z, out)
    dense.set_weights([np.zeros((4, 16 * 4 * 50), dtype=np.float32), logits.reshape(-1)])
    return net


def test_register_chooses_the_octave_of_the_key_that_keeps_each_voice_in_its_range(voice_bars):
    register = V.fit_register(voice_bars.symbols)
    mean = np.array(register["mean"])
    assert np.all(np.diff(mean) < 0)                # soprano above alto above tenor above bass
    # every generated bar sits about 5 semitones above the data's registers
    net = _constant_generator([int(round(m)) + 5 for m in mean])
    keys = np.zeros(12)
    keys[[2, 8]] = 1.0                              # moves of -4 or +2 semitones (in some octave)
    moved, _ = V.VoiceGenerator(net, z_dim=4, key_offsets=keys, register=register).sample_voices(200, seed=3)
    naive, _ = V.VoiceGenerator(net, z_dim=4, key_offsets=keys).sample_voices(200, seed=3)
    shift = moved[:, 0, 0].astype(int) - (int(round(mean[0])) + 5)
    assert set(np.unique(shift)) <= {-16, -10, -4, 2, 8, 14}     # the keys' pitch classes, any octave
    assert np.mean(shift == -4) > 0.75              # the register model moves the high bars down a little
    assert np.mean(shift > 0) < 0.05                # and hardly ever higher
    naive_shift = naive[:, 0, 0].astype(int) - (int(round(mean[0])) + 5)
    assert 0.3 < np.mean(naive_shift == 2) < 0.7    # the plain key draw moves half of them higher still
    assert np.abs(V.voice_registers(moved) - mean).mean() < np.abs(V.voice_registers(naive) - mean).mean()
    with pytest.raises(RepresentationError, match="'register'"):
        V.VoiceGenerator(net, z_dim=4, key_offsets=keys, register={"mean": [1, 2, 3], "cov": np.eye(3)})
    with pytest.raises(RepresentationError, match="'register'"):
        V.VoiceGenerator(net, z_dim=4, key_offsets=keys, register={"mean": mean, "cov": -np.eye(4)})
    with pytest.raises(RepresentationError, match="'key_offsets'"):
        V.VoiceGenerator(net, z_dim=4, register=register)


def test_bar_events_and_density_classes_by_hand():
    sym = np.zeros((2, 16, 4), dtype=np.int8)
    ons = np.zeros((2, 16, 4), dtype=np.uint8)
    sym[0] = 20                                    # bar 0: four whole notes -> 4 events
    sym[1, :, 0] = np.repeat([30, 31, 30, 31], 4)  # bar 1: soprano in quarters (4 events)
    sym[1, :8, 1], sym[1, 8:, 1] = 25, 0           # alto: a half note, then a half rest (2)
    sym[1, :, 2] = 20
    ons[1, [0, 4, 8, 12], 2] = 1                   # tenor: one pitch repeated in quarters (4)
    sym[1, :, 3] = np.arange(16) % 2 + 5           # bass: sixteenths (16)
    np.testing.assert_array_equal(V.bar_events(sym, ons), [4, 26])
    np.testing.assert_array_equal(V.density_classes(sym, ons, (14, 22)), [0, 2])
    np.testing.assert_array_equal(V.density_classes(sym, ons, (4, 27)), [1, 1])   # an edge counts as reached
    with pytest.raises(RepresentationError, match="'edges'"):
        V.density_classes(sym, ons, (22, 14))
    with pytest.raises(ShapeError, match="'onsets'"):
        V.bar_events(sym, ons[:, :8])
    with pytest.raises(RepresentationError, match="'density_edges'"):
        V.VoiceGANRecipe(density_edges=("a",))


def test_real_bars_fall_in_every_density_class(voice_bars):
    c = V.density_classes(voice_bars.symbols, voice_bars.onsets, V.VoiceGANRecipe().density_edges)
    share = np.bincount(c, minlength=3) / len(c)
    assert share.min() > 0.1 and share[1] > 0.5    # held, moving and running bars all occur; moving ones most


def test_conditional_generator_takes_its_class_and_draws_classes_as_the_data(voice_bars, tmp_path):
    train = voice_bars.subset(np.arange(len(voice_bars)) < 64)
    valid = voice_bars.subset((np.arange(len(voice_bars)) >= 64) & (np.arange(len(voice_bars)) < 96))
    gen, _ = V.train_voice_gan(train, valid, COND, epochs=1, seed=0, n_monitor=32)
    assert gen.n_classes == 3 and gen.generator.inputs[0].shape[1] == 4 + 3
    density = gen.record["density"]
    assert density["edges"] == [14, 22] and sum(density["p"]) == pytest.approx(1.0, abs=1e-5)
    drawn = gen.classes(4000, seed=1)
    np.testing.assert_allclose(np.bincount(drawn, minlength=3) / 4000, density["p"], atol=0.03)
    # the class changes what is written; the same class and noise give the same bar
    z = gen.noise(8, seed=2)
    a = gen.logits(8, z=z, classes=np.zeros(8, dtype=int))
    b = gen.logits(8, z=z, classes=np.full(8, 2))
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, gen.logits(8, z=z, classes=np.zeros(8, dtype=int)))
    with pytest.raises(RepresentationError, match="'classes'"):
        gen.logits(3, classes=[0, 1, 3])
    for bad in (0, -2, 2.5):
        with pytest.raises(RepresentationError, match="'n'"):
            gen.classes(bad)
    with pytest.raises(RepresentationError, match="'classes'"):
        V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4).logits(2, classes=[0, 0])
    path = gen.save(tmp_path / "c.keras")
    back = G.load_roll_generator(path)
    np.testing.assert_array_equal(back.sample(6, seed=2), gen.sample(6, seed=2))
    rec = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**rec, "density": None}))
    with pytest.raises(CheckpointError, match="'codes'"):           # its codes name three classes
        V.load_voice_generator(path)
    path.with_suffix(".json").write_text(json.dumps({**rec, "density": None, "latent": None}))
    with pytest.raises(CheckpointError, match="expects"):
        V.load_voice_generator(path)
    path.with_suffix(".json").write_text(json.dumps({**rec, "density": {"edges": [14, 22], "p": [1, -1, 1]}}))
    with pytest.raises(CheckpointError, match="density"):
        V.load_voice_generator(path)


def _event_critic():
    """A critic whose score is the number of events in the bar (the onset flags)."""
    import keras

    x = keras.Input(shape=(16, 4, 50))
    dense = keras.layers.Dense(1)
    net = keras.Model(x, dense(keras.layers.Flatten()(x)))
    w = np.zeros((16, 4, 50), dtype=np.float32)
    w[..., 49] = 1.0
    dense.set_weights([w.reshape(-1, 1), np.zeros(1, dtype=np.float32)])
    return net


def test_the_critic_keeps_one_proposal_per_bar_best_at_temperature_zero():
    gen = V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4, critic=_event_critic())
    s = 7
    candidates = [gen.sample_voices(40, seed=s)]
    for j in (1, 2):
        z = np.random.default_rng([s, j]).standard_normal((40, 4)).astype(np.float32)
        candidates.append(gen.sample_voices(z=z, seed=s))
    events = np.stack([V.bar_events(*c) for c in candidates])
    np.testing.assert_array_equal(gen.critic_scores(*candidates[0]), events[0])
    stacked = np.stack([c[0] for c in candidates])
    symbols, onsets = gen.sample_voices(40, seed=s, proposals=3, temperature=0)
    pick = events.argmax(axis=0)
    np.testing.assert_array_equal(symbols, stacked[pick, np.arange(40)])
    np.testing.assert_array_equal(V.bar_events(symbols, onsets), events.max(axis=0))
    assert len(set(pick)) > 1                                   # the choice is made bar by bar
    # at a temperature each bar is one of its own proposals, drawn as softmax(events / T)
    symbols, _ = gen.sample_voices(40, seed=s, proposals=3, temperature=1.0)
    chosen = [next(j for j in range(3) if np.array_equal(symbols[i], stacked[j, i])) for i in range(40)]
    np.testing.assert_array_equal(chosen, V.pick_proposals(events, 1.0, np.random.default_rng([s, 0])))
    np.testing.assert_array_equal(gen.sample(40, seed=s, proposals=1), V.voices_to_rolls(candidates[0][0]))


def test_pick_proposals_draws_each_proposal_as_often_as_its_softmax_weight():
    scores = np.array([[0.0] * 20000, [np.log(3.0)] * 20000])   # weights 1 : 3
    pick = V.pick_proposals(scores, 1.0, np.random.default_rng(0))
    assert np.mean(pick == 1) == pytest.approx(0.75, abs=0.01)
    assert np.mean(V.pick_proposals(scores, 0.5, np.random.default_rng(0)) == 1) == pytest.approx(0.9, abs=0.01)
    np.testing.assert_array_equal(V.pick_proposals(scores, 0, np.random.default_rng(0)), 1)
    with pytest.raises(RepresentationError, match="'temperature'"):
        V.pick_proposals(scores, -1.0, np.random.default_rng(0))
    with pytest.raises(ShapeError, match="'scores'"):
        V.pick_proposals(np.zeros(3), 1.0, np.random.default_rng(0))


def test_proposals_are_refused_without_a_critic_or_with_z_or_when_not_a_count():
    plain = V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4)
    with pytest.raises(RepresentationError, match="'proposals'.*critic"):
        plain.sample(3, proposals=2)
    with pytest.raises(RepresentationError, match="'proposals'.*critic"):
        V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4, proposals=4)
    with pytest.raises(RepresentationError, match="no critic"):
        plain.critic_scores(*plain.sample_voices(2))
    gen = V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4, critic=_event_critic())
    for bad in (0, 2.0, True):
        with pytest.raises(RepresentationError, match="'proposals'"):
            gen.sample(3, proposals=bad)
    for bad in (-0.5, float("nan"), "1"):
        with pytest.raises(RepresentationError, match="'temperature'"):
            gen.sample(3, proposals=2, temperature=bad)
    with pytest.raises(RepresentationError, match="'z'"):
        gen.sample_voices(z=gen.noise(3), proposals=2)
    with pytest.raises(RepresentationError, match="'proposals'"):
        V.VoiceGANRecipe(proposals=0)
    with pytest.raises(RepresentationError, match="'temperature'"):
        V.VoiceGANRecipe(temperature=-1.0)


def test_a_critic_is_saved_beside_its_generator_and_checked_on_load(tmp_path):
    gen = V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4, critic=_event_critic(), proposals=3,
                           temperature=0.5)
    (tmp_path / "v_critic.keras").write_text("a user's file")
    with pytest.raises(FileExistsError):
        gen.save(tmp_path / "v.keras")
    assert not (tmp_path / "v.keras").exists()                  # nothing written when one file is in the way
    (tmp_path / "v_critic.keras").unlink()
    path = gen.save(tmp_path / "v.keras")
    rec = json.loads(path.with_suffix(".json").read_text())
    assert rec["critic"] == {"file": "v_critic.keras", "proposals": 3, "temperature": 0.5}
    back = V.load_voice_generator(path)
    assert (back.proposals, back.temperature) == (3, 0.5)
    np.testing.assert_array_equal(back.sample(8, seed=4), gen.sample(8, seed=4))
    path.with_suffix(".json").write_text(json.dumps({**rec, "critic": {"file": "other.keras", "proposals": 3}}))
    with pytest.raises(CheckpointError, match="'critic'"):
        V.load_voice_generator(path)
    for key, bad in (("proposals", 0), ("temperature", -1)):
        path.with_suffix(".json").write_text(json.dumps({**rec, "critic": {**rec["critic"], key: bad}}))
        with pytest.raises(CheckpointError, match=f"'{key}'"):
            V.load_voice_generator(path)
    path.with_suffix(".json").write_text(json.dumps(rec))
    (tmp_path / "v_critic.keras").unlink()
    with pytest.raises(CheckpointError, match="v_critic.keras"):
        V.load_voice_generator(path)


def test_shipped_generator_keeps_one_of_its_proposals_with_its_critic(shipped):
    rec = shipped.record
    assert shipped.critic is not None
    assert rec["critic"]["proposals"] == shipped.proposals == rec["recipe"]["proposals"] > 1
    assert rec["critic"]["temperature"] == shipped.temperature == rec["recipe"]["temperature"]
    chosen = next(run for run in rec["seeds"] if run["seed"] == rec["shipped_seed"])
    for run in rec["seeds"]:
        assert set(rec["metrics"]["gan"]) <= set(run["no_critic"])
    assert rec["metrics"]["gan_no_critic"] == chosen["no_critic"]
    bars = load_chorale_bars()
    train = bars.rolls[bars.split == "train"]
    rolls = shipped.sample(rec["n_eval"], seed=rec["eval_seed"], proposals=1)
    got = G.evaluate_rolls(rolls, train, bars.rolls[bars.split != "train"], c2st=False)
    for key, value in got.items():
        assert value == pytest.approx(rec["metrics"]["gan_no_critic"][key], rel=1e-4, abs=1e-5), key


# --------------------------------------------------------------------------- the reconstruction term (VAE-GAN)
def test_reconstruction_loss_matches_hand_computed_cross_entropies():
    rng = np.random.default_rng(0)
    sym = rng.integers(0, V.N_SYMBOLS, size=(2, 16, 4))
    ons = rng.integers(0, 2, size=(2, 16, 4))
    real = V.encode_voices(sym, ons).astype(np.float32)
    real = np.concatenate([real, np.ones((2, 16, 4, 3), np.float32)], axis=-1)  # class columns are ignored
    logits = rng.normal(size=(2, 16, 4, V.N_SYMBOLS + 1)).astype(np.float32)
    s_logits = logits[..., :V.N_SYMBOLS]
    log_softmax = s_logits - np.log(np.exp(s_logits).sum(-1, keepdims=True))
    target = np.argmax(real[..., :V.N_SYMBOLS], axis=-1)
    want_sym = -np.take_along_axis(log_softmax, target[..., None], -1)[..., 0].sum(axis=(1, 2)).mean()
    p = 1.0 / (1.0 + np.exp(-logits[..., V.N_SYMBOLS]))
    y = real[..., V.N_SYMBOLS]
    want_ons = -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=(1, 2)).mean()
    got_sym, got_ons = V.reconstruction_loss(real, logits)
    assert float(got_sym) == pytest.approx(want_sym, rel=1e-5)
    assert float(got_ons) == pytest.approx(want_ons, rel=1e-5)


def test_gaussian_kl_is_zero_at_the_prior_and_matches_the_closed_form():
    assert float(V.gaussian_kl(np.zeros((3, 5), np.float32), np.zeros((3, 5), np.float32))) == pytest.approx(0.0)
    mu = np.array([[1.0, -2.0]], np.float32)
    logvar = np.log(np.array([[0.5, 2.0]], np.float32))
    want = 0.5 * ((0.5 + 1 - 1 - np.log(0.5)) + (2.0 + 4 - 1 - np.log(2.0)))
    assert float(V.gaussian_kl(mu, logvar)) == pytest.approx(want, rel=1e-6)


def test_recipe_refuses_bad_reconstruction_weights():
    for name, bad in (("recon_weight", -1.0), ("kl_weight", float("nan")), ("recon_weight", True),
                      ("kl_weight", "1")):
        with pytest.raises(RepresentationError, match=f"'{name}'"):
            V.VoiceGANRecipe(**{name: bad})


def test_a_reconstruction_weight_needs_an_encoder():
    with pytest.raises(RepresentationError, match="'encoder'"):
        V.VoiceGAN(V.build_voice_generator(TINY), V.build_voice_discriminator(TINY), z_dim=4, recon_weight=1.0)


def test_training_with_the_reconstruction_term_trains_the_encoder_and_reports_its_losses(voice_bars, monkeypatch):
    train = voice_bars.subset(np.arange(len(voice_bars)) < 64)
    valid = voice_bars.subset((np.arange(len(voice_bars)) >= 64) & (np.arange(len(voice_bars)) < 96))
    captured = {}
    real_make = V.make_voice_gan

    def spy(recipe=None, *, seed=0):
        gan = real_make(recipe, seed=seed)
        captured["gan"], captured["before"] = gan, [np.array(w) for w in gan.encoder.get_weights()]
        return gan

    monkeypatch.setattr(V, "make_voice_gan", spy)
    _, history = V.train_voice_gan(train, valid, COND, epochs=1, seed=0, n_monitor=32)
    after = captured["gan"].encoder.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(captured["before"], after, strict=True))
    # a random generator writes each of 64 voice-steps' 49 symbols at about log(49) nats, onsets at log(2)
    assert 0.5 * 64 * np.log(49) < history["rec_symbols"][0] < 2 * 64 * np.log(49)
    assert 0.3 * 64 * np.log(2) < history["rec_onsets"][0] < 3 * 64 * np.log(2)
    assert history["kl"][0] >= 0
    plain = real_make(V.VoiceGANRecipe(**{**COND.to_dict(), "recon_weight": 0.0}))
    assert plain.encoder is None and "kl" not in plain.trackers


def test_training_stops_on_the_validation_gap_after_patience_epochs(voice_bars):
    train = voice_bars.subset(np.arange(len(voice_bars)) < 64)
    valid = voice_bars.subset((np.arange(len(voice_bars)) >= 64) & (np.arange(len(voice_bars)) < 96))
    _, full = V.train_voice_gan(train, valid, TINY, epochs=6, seed=0, n_monitor=32)
    gen, hist = V.train_voice_gan(train, valid, TINY, epochs=6, seed=0, n_monitor=32, patience=1)
    best, waited, stop = np.inf, 0, 6  # the rule by hand on the full run's gaps; epochs 3.. can be kept
    for e, g in enumerate(full["gap"]):
        if e >= 2:
            best, waited = (g, 0) if g < best else (best, waited + 1)
        if waited >= 1:
            stop = e + 1
            break
    assert stop < 6, "this run's gaps never rose: the test would not see a stop"
    np.testing.assert_allclose(hist["gap"], full["gap"][:stop])
    assert gen.record["epochs_run"] == stop and gen.record["patience"] == 1
    assert gen.record["best_epoch"] == int(np.argmin(full["gap"][2:stop])) + 3
    for bad in (0, 1.5, True):
        with pytest.raises(RepresentationError, match="'patience'"):
            V.train_voice_gan(train, valid, TINY, epochs=2, patience=bad)


def test_training_keeps_no_epoch_of_the_first_third(voice_bars):
    train = voice_bars.subset(np.arange(len(voice_bars)) < 64)
    valid = voice_bars.subset((np.arange(len(voice_bars)) >= 64) & (np.arange(len(voice_bars)) < 96))
    gen, history = V.train_voice_gan(train, valid, TINY, epochs=3, seed=0, n_monitor=32)
    assert gen.record["best_epoch"] == int(np.argmin(history["gap"][1:])) + 2



def test_bar_summary_of_real_bars_by_hand(voice_bars):
    rolls = voice_bars.subset(np.arange(len(voice_bars)) < 20).rolls()
    s = V.bar_summary(rolls)
    assert s["holes_per_bar"] == pytest.approx(np.mean([one_step_holes(r) for r in rolls]))
    assert s["long_note_share"] == pytest.approx(long_note_share(rolls))
    pcs = [len({p % 12 for p in np.flatnonzero(r.any(axis=0)) + 36}) for r in rolls]
    assert s["used_pitch_classes"] == pytest.approx(np.mean(pcs))
    assert s["polyphony"] == pytest.approx(np.mean([r.sum(axis=1)[r.any(axis=1)].mean() for r in rolls]))


def test_selection_gap_is_the_mean_relative_gap_over_its_seven_figures():
    ref = {k: 2.0 for k in V._GAP_KEYS} | {"holes_per_bar": 0.02, "unique_rate": 1.0}
    assert len(V._GAP_KEYS) == 7
    assert V.selection_gap(dict(ref), ref) == 0.0
    assert V.selection_gap(ref | {"polyphony": 2.5}, ref) == pytest.approx(0.25 / 7)
    # a figure near zero is measured against 0.1, not against itself
    assert V.selection_gap(ref | {"holes_per_bar": 0.07}, ref) == pytest.approx(0.5 / 7)
    assert V.selection_gap(ref | {"diversity": float("nan")}, ref) == pytest.approx(10 / 7)
    assert V.selection_gap(ref | {"unique_rate": 0.0}, ref) == 0.0        # not one of the seven
    with pytest.raises(RepresentationError, match="'diversity'"):
        V.selection_gap({k: v for k, v in ref.items() if k != "diversity"}, ref)


def _coded(n_codes: int = 40, mix: float = 0.0) -> V.VoiceGenerator:
    """A small conditional generator with hand-made codes: class k's codes all sit at mu = 10 k, sigma ~ 0."""
    classes = np.arange(n_codes) % 3
    codes = {"mu": np.repeat(10.0 * classes[:, None], 4, axis=1).astype(np.float32),
             "logvar": np.full((n_codes, 4), -30.0, np.float32), "classes": classes}
    density = {"edges": [14, 22], "p": [0.2, 0.6, 0.2]}
    return V.VoiceGenerator(V.build_voice_generator(COND), z_dim=4, density=density, codes=codes, latent_mix=mix,
                            record={"density": density})


def test_draw_z_without_a_mix_is_the_plain_noise_of_before():
    gen = _coded()
    z = gen.draw_z(6, np.random.default_rng(5))
    np.testing.assert_array_equal(z, np.random.default_rng(5).standard_normal((6, 4)).astype(np.float32))
    np.testing.assert_array_equal(gen.draw_z(6, np.random.default_rng(5), np.zeros(6, int)), z)
    c = gen.classes(6, seed=3)
    expected = gen.generator(np.concatenate([gen.noise(6, 3), np.eye(3, dtype=np.float32)[c]], axis=1))
    np.testing.assert_allclose(gen.logits(6, seed=3), np.asarray(expected), atol=1e-6)


def test_draw_z_mixes_each_bar_with_a_code_of_its_own_class():
    gen = _coded(mix=0.6)
    classes = np.array([0, 1, 2] * 2000)
    z = gen.draw_z(len(classes), np.random.default_rng(1), classes)
    for k in range(3):              # z = 0.6 * mu_k + 0.8 * eps: mean 6 k, variance 0.64
        assert z[classes == k].mean() == pytest.approx(6.0 * k, abs=0.05)
        assert z[classes == k].var() == pytest.approx(0.64, abs=0.05)
    again = gen.draw_z(len(classes), np.random.default_rng(1), classes)
    np.testing.assert_array_equal(z, again)


def test_latent_mix_and_codes_are_checked():
    for bad in (-0.1, 1.0, True, "0.5", float("nan")):
        with pytest.raises(RepresentationError, match="'latent_mix'"):
            _coded(mix=bad)
    with pytest.raises(RepresentationError, match="no latent codes"):
        V.VoiceGenerator(V.build_voice_generator(TINY), z_dim=4, latent_mix=0.5)
    good = _coded().codes
    for codes in ({"mu": good["mu"][:, :3], "logvar": good["logvar"][:, :3], "classes": good["classes"]},
                  {**good, "classes": good["classes"] % 2},            # one class has no code
                  {**good, "mu": np.full_like(good["mu"], np.nan)}, {"mu": good["mu"]}):
        with pytest.raises(RepresentationError, match="'codes'"):
            V.VoiceGenerator(V.build_voice_generator(COND), z_dim=4, density={"edges": [14, 22], "p": [1, 1, 1]},
                             codes=codes)


def test_codes_are_saved_beside_the_generator_without_pickle_and_checked_on_load(tmp_path):
    gen = _coded(mix=0.5)
    (tmp_path / "v_codes.npz").write_text("a user's file")
    with pytest.raises(FileExistsError):
        gen.save(tmp_path / "v.keras")
    assert not (tmp_path / "v.keras").exists()
    (tmp_path / "v_codes.npz").unlink()
    path = gen.save(tmp_path / "v.keras")
    rec = json.loads(path.with_suffix(".json").read_text())
    assert rec["latent"] == {"file": "v_codes.npz", "mix": 0.5, "codes": 40}
    with np.load(tmp_path / "v_codes.npz", allow_pickle=False) as z:
        assert sorted(z.files) == ["classes", "logvar", "mu"] and z["mu"].dtype == np.float16
    back = V.load_voice_generator(path)
    assert back.latent_mix == 0.5
    np.testing.assert_array_equal(back.sample(8, seed=4), gen.sample(8, seed=4))
    (tmp_path / "v_codes.npz").unlink()
    with pytest.raises(CheckpointError, match="v_codes.npz"):
        V.load_voice_generator(path)
    path.with_suffix(".json").write_text(json.dumps({**rec, "latent": {"file": "x.npz", "mix": 0.5}}))
    with pytest.raises(CheckpointError, match="'latent'"):
        V.load_voice_generator(path)


def test_bound_misses_by_hand():
    ref = {"qualified_note_rate": 0.98, "long_note_share": 0.17, "used_pitch_classes": 6.8, "scale_consistency": 0.95,
           "polyphony": 3.9, "diversity": 99.5, "nn_distance": 36.0, "holes_per_bar": 0.14, "copy_rate": 0.03}
    assert V.bound_misses(ref, ref) == []
    assert V.bound_misses(ref | {"nn_distance": 36.0 * 1.25}, ref) == []
    assert V.bound_misses(ref | {"nn_distance": 45.1, "long_note_share": 0.17 * 1.31}, ref) == ["long_note_share",
                                                                                                  "nn_distance"]
    assert V.bound_misses(ref | {"holes_per_bar": 0.6, "copy_rate": 0.051}, ref) == ["holes_per_bar", "copy_rate"]
    assert V.bound_misses(ref | {"polyphony": float("nan")}, ref) == ["polyphony"]


def test_training_keeps_each_training_bars_code_and_the_validation_bars_choose_the_mix(voice_bars):
    train = voice_bars.subset(np.arange(len(voice_bars)) < 200)
    valid = voice_bars.subset((np.arange(len(voice_bars)) >= 200) & (np.arange(len(voice_bars)) < 260))
    gen, _ = V.train_voice_gan(train, valid, COND, epochs=1, seed=0, n_monitor=32)
    assert gen.codes["mu"].shape == (gen.record["training_bars"], 4) and gen.latent_mix == 0.0
    sym, ok = V.transpose_voices(train.symbols, train.to_c)
    written = V.density_classes(sym[ok], train.onsets[ok], COND.density_edges)
    np.testing.assert_array_equal(gen.codes["classes"], written)
    mix, rows = V.choose_latent_mix(gen, train.rolls(), valid.rolls(), n=48, mixes=(0.0, 0.5))
    assert rows[0]["reference"] and [r["latent_mix"] for r in rows[1:]] == [0.0, 0.5]
    best = min(rows[1:], key=lambda r: (len(r["missed"]), r["gap"], r["latent_mix"]))
    assert mix == best["latent_mix"] == gen.latent_mix
    with pytest.raises(RepresentationError, match="'mixes'"):
        V.choose_latent_mix(gen, train.rolls(), valid.rolls(), n=8, mixes=(1.5,))
