"""Tests of the melody Transformer: attention math, causality, checkpoints, the shipped record."""

from __future__ import annotations

import numpy as np
import pytest

from musiclib.errors import CheckpointError, DataError
from musiclib.models.melody import MelodyData, evaluate, melody_data
from musiclib.models.transformer import (
    MELODY_TRANSFORMER,
    CausalALiBiAttention,
    MelodyTransformer,
    TransformerConfig,
    alibi_slopes,
    build_transformer,
    load_melody_transformer,
    train_transformer,
)
from musiclib.representation import MelodyVocabulary
from musiclib.sampling import generate

SMALL = MelodyVocabulary(60, 72)
TINY = TransformerConfig(d_model=16, layers=1, heads=2, ff_dim=16, dropout=0.0, window=16, batch_size=4)


@pytest.fixture(scope="module")
def tiny_model():
    from musiclib.config import seed_everything

    seed_everything(0)
    return MelodyTransformer(build_transformer(SMALL, TINY), SMALL, TINY)


def test_alibi_slopes_by_hand():
    np.testing.assert_allclose(alibi_slopes(4), [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8])


def test_attention_layer_equals_numpy_reference():
    layer = CausalALiBiAttention(8, 2)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 5, 8)).astype("float32")
    y = np.asarray(layer(x))
    w_qkv, b_qkv, w_o, b_o = (np.asarray(w, np.float64) for w in layer.get_weights())
    qkv = x[0].astype(np.float64) @ w_qkv + b_qkv  # (5, 24): q | k | v, each 2 heads x 4
    q, k, v = (qkv[:, i * 8:(i + 1) * 8].reshape(5, 2, 4).transpose(1, 0, 2) for i in range(3))
    slopes = alibi_slopes(2)
    out = np.zeros((2, 5, 4))
    for h in range(2):
        for i in range(5):
            s = np.array([q[h, i] @ k[h, j] / 2.0 - slopes[h] * (i - j) for j in range(i + 1)])
            a = np.exp(s - s.max())
            out[h, i] = (a / a.sum()) @ v[h, :i + 1]
    expected = out.transpose(1, 0, 2).reshape(5, 8) @ w_o + b_o
    np.testing.assert_allclose(y[0], expected, atol=1e-5)


def test_model_is_causal(tiny_model):
    seq = np.array([2, 1, 3, 1, 4, 0, 5, 1])
    pos = np.arange(8) % 16
    changed = seq.copy()
    changed[6] = 9
    a = tiny_model.log_probs(seq, pos)
    b = tiny_model.log_probs(changed, pos)
    np.testing.assert_allclose(a[:7], b[:7], atol=1e-6)  # step t only sees tokens before t
    assert not np.allclose(a[7], b[7])


def test_batch_and_single_evaluation_agree(tiny_model):
    seqs = [np.array([2, 1, 3, 1, 4]), np.array([5, 1, 1])]
    pos = [np.arange(5), np.arange(3)]
    batch = tiny_model.log_probs_batch(seqs, pos)
    for s, p, lp in zip(seqs, pos, batch, strict=True):
        np.testing.assert_allclose(lp, tiny_model.log_probs(s, p), atol=1e-5)


def test_session_sampling_and_batch_sampling(tiny_model):
    out = generate(tiny_model, np.array([2, 1, 1, 1]), 6, seed=0)
    assert out.shape == (6,) and out.min() >= 0 and out.max() < SMALL.size
    batch = tiny_model.sample_batch([np.array([2, 1]), np.array([3, 1, 1, 1])], 5, seed=1)
    assert [b.shape for b in batch] == [(5,), (5,)]
    again = tiny_model.sample_batch([np.array([2, 1]), np.array([3, 1, 1, 1])], 5, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(batch, again, strict=True))


def test_training_lowers_loss_and_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    tokens = [np.tile([2, 1, 3, 1, 4, 1, 1, 1], 6) for _ in range(8)]
    data = MelodyData(tokens, [np.arange(48) % 16 for _ in tokens], [str(i) for i in range(8)], SMALL)
    result = train_transformer(data, data, TINY, epochs=3, seed=0, progress=False)
    assert result.history["xent"][-1] < result.history["xent"][0]
    path = result.model.save(tmp_path / "t.keras", record={"note": "test"})
    loaded = load_melody_transformer(path, SMALL)
    assert loaded.record["note"] == "test" and loaded.config == TINY
    seq = tokens[0][:20]
    np.testing.assert_allclose(loaded.log_probs(seq, np.arange(20)), result.model.log_probs(seq, np.arange(20)),
                               atol=1e-6)
    _ = rng


def test_load_missing_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_melody_transformer(tmp_path / "none.keras")


def test_load_refuses_other_vocabulary(tmp_path, tiny_model):
    path = tiny_model.save(tmp_path / "t.keras")
    with pytest.raises(CheckpointError, match="vocabulary"):
        load_melody_transformer(path, MelodyVocabulary())


def test_train_refuses_mixed_vocabularies():
    a = MelodyData([np.array([2, 1])], [np.arange(2)], ["a"], SMALL)
    b = MelodyData([np.array([2, 1])], [np.arange(2)], ["b"], MelodyVocabulary())
    with pytest.raises(DataError, match="different vocabularies"):
        train_transformer(a, b, TINY, epochs=1, progress=False)


def test_shipped_record_uses_the_lstm_recipe_data():
    from musiclib.models.melody import MELODY_RECIPE

    extra = load_melody_transformer().record["data"]["extra_training"]
    assert extra["chorale_repeats"] == MELODY_RECIPE.chorale_repeats
    assert sorted(extra["folk_train_splits"]) == sorted(MELODY_RECIPE.folk)


# --------------------------------------------------------------------------- the shipped checkpoint
def test_shipped_record_names_models_and_metrics():
    record = load_melody_transformer().record
    metrics = record["test_metrics"]
    assert record["kind"] == "melody_transformer" and record["best_ngram"] in metrics
    assert {"bits_per_step", "accuracy", "event_accuracy"} <= set(metrics["transformer"])
    assert record["command"].startswith("python -m musiclib.train transformer")
    assert MELODY_TRANSFORMER.stat().st_size < 3_500_000


def test_shipped_checkpoint_reproduces_its_recorded_test_metrics():
    from musiclib.datasets import load_chorales

    model = load_melody_transformer()
    test = melody_data(load_chorales(), "test", model.vocab, to_c=model.record["data"]["to_c"])
    got = evaluate(model, test)
    want = model.record["test_metrics"]["transformer"]
    assert got["steps"] == want["steps"]
    assert got["bits_per_step"] == pytest.approx(want["bits_per_step"], abs=1e-4)
    assert got["event_accuracy"] == pytest.approx(want["event_accuracy"], abs=1e-3)
