"""Tests of the melody models: n-gram baseline, metrics, LSTM, tf.data pipeline, training."""

from __future__ import annotations

import numpy as np
import pytest

from musiclib.errors import DataError, ShapeError, VocabularyError
from musiclib.models.melody import (
    LSTMConfig,
    MelodyData,
    MelodyLSTM,
    build_lstm,
    evaluate,
    make_dataset,
    make_windows,
    metrics_from_log_probs,
    midi_folder_sequences,
    train_lstm,
)
from musiclib.models.ngram import NGramModel, fit_best_ngram
from musiclib.notation import notes_to_midi
from musiclib.representation import MelodyVocabulary, NoteList
from musiclib.sampling import generate

SMALL = MelodyVocabulary(60, 72)  # 14 tokens


# --------------------------------------------------------------------------- n-gram
def test_unigram_is_discounted_counts_plus_uniform_share_by_hand():
    seqs = [[2, 1, 1, 3]]  # counts: hold 2, C 1, C# 1
    m = NGramModel.fit(seqs, order=1, vocab=SMALL, discount=0.5)
    p = m.next_probs([])
    # (c - D) / 4 + D * 3 types / 4 * 1/14
    expected = np.full(14, 0.5 * 3 / 4 / 14)
    expected[1] += (2 - 0.5) / 4
    expected[2] += (1 - 0.5) / 4
    expected[3] += (1 - 0.5) / 4
    np.testing.assert_allclose(p, expected)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_ngram_distributions_sum_to_one_for_seen_and_unseen_contexts(order):
    rng = np.random.default_rng(0)
    seqs = [rng.integers(0, SMALL.size, 50) for _ in range(4)]
    m = NGramModel.fit(seqs, order=order, vocab=SMALL, discount=0.7)
    for history in ([], [5], [13, 13, 13, 13], seqs[0][:20].tolist()):
        p = m.next_probs(history)
        assert p.shape == (SMALL.size,) and np.all(p > 0)
        assert abs(p.sum() - 1) < 1e-12


def test_ngram_pads_the_start_with_rests():
    m = NGramModel.fit([[5, 1, 1]], order=3, vocab=SMALL, discount=0.1)
    assert int(np.argmax(m.next_probs([]))) == 5  # after (rest, rest) came 5
    lp = m.log_probs([5, 1, 1])
    assert lp.shape == (3, SMALL.size)
    assert int(np.argmax(lp[0])) == 5


def test_higher_order_fits_a_repeated_tune_better():
    tune = [2, 1, 1, 1, 4, 1, 6, 1, 7, 1, 1, 1, 4, 1, 1, 1] * 4
    steps = np.arange(len(tune))
    bits = [-NGramModel.fit([tune], order=n, vocab=SMALL).log_probs(tune)[steps, tune].mean() for n in (1, 2, 4)]
    assert bits[0] > bits[1] > bits[2]


def test_fit_best_ngram_tunes_the_discount_on_validation():
    rng = np.random.default_rng(1)
    train = [rng.integers(0, SMALL.size, 80) for _ in range(3)]
    valid = [rng.integers(0, SMALL.size, 40)]
    models, table = fit_best_ngram(train, valid, orders=(1, 2), discounts=(0.3, 0.9), vocab=SMALL)
    for n, m in models.items():
        assert table[(n, m.discount)] == min(table[(n, d)] for d in (0.3, 0.9))


def test_ngram_bad_input_is_named():
    with pytest.raises(DataError, match="no tokens"):
        NGramModel.fit([[]], order=2, vocab=SMALL)
    with pytest.raises(VocabularyError, match=r"sequences\[1\]"):
        NGramModel.fit([[2], [99]], order=2, vocab=SMALL)
    with pytest.raises(ShapeError, match="order"):
        NGramModel.fit([[2]], order=0, vocab=SMALL)


# --------------------------------------------------------------------------- metrics
def test_metrics_by_hand():
    vocab = MelodyVocabulary(60, 62)  # rest, hold, C, C#
    seq = np.array([2, 1, 3, 1])
    probs = np.array([[0.1, 0.1, 0.7, 0.1],   # right (event)
                      [0.1, 0.6, 0.2, 0.1],   # right
                      [0.1, 0.5, 0.1, 0.3],   # wrong (event: says hold)
                      [0.25, 0.25, 0.25, 0.25]])  # tie -> index 0, wrong
    m = metrics_from_log_probs([np.log(probs)], [seq], vocab)
    expected_bits = -np.mean(np.log2([0.7, 0.6, 0.3, 0.25]))
    assert m["bits_per_step"] == pytest.approx(expected_bits)
    assert m["accuracy"] == 0.5
    assert m["event_accuracy"] == 0.5
    assert m["events"] == 2


# --------------------------------------------------------------------------- LSTM
def _tiny_data(n: int = 6, length: int = 40, seed: int = 0) -> MelodyData:
    rng = np.random.default_rng(seed)
    tokens = []
    for _ in range(n):
        notes = rng.integers(SMALL.N_SPECIAL, SMALL.size, length // 4)
        tokens.append(np.stack([notes, np.ones_like(notes), np.ones_like(notes), np.ones_like(notes)], 1).ravel())
    positions = [np.arange(len(t)) % 16 for t in tokens]
    return MelodyData(tokens, positions, [f"p{i}" for i in range(n)], SMALL)


TINY = LSTMConfig(embed_dim=6, position_dim=3, units=(8, 8), dropout=0.0, window=16, batch_size=4,
                  epochs=2, patience=2, transpose=(-5, 6))


def test_numpy_generation_session_equals_keras_logits():
    import keras

    keras.utils.set_random_seed(0)
    model = MelodyLSTM(build_lstm(SMALL, TINY), SMALL, TINY)
    data = _tiny_data(2, 24)
    keras_lp = model.log_probs(data.tokens[0], data.positions[0])
    session = model.session(data.tokens[0][:0], data.positions[0][:0])
    for t, (tok, pos) in enumerate(zip(data.tokens[0], data.positions[0], strict=True)):
        np.testing.assert_allclose(session.log_probs(int(pos)), keras_lp[t], atol=1e-5)
        session.append(int(tok))


def test_batch_evaluation_does_not_depend_on_padding():
    import keras

    keras.utils.set_random_seed(1)
    model = MelodyLSTM(build_lstm(SMALL, TINY), SMALL, TINY)
    data = _tiny_data(3, 40)
    short = MelodyData([data.tokens[0][:12]] + data.tokens[1:], [data.positions[0][:12]] + data.positions[1:],
                       data.ids, SMALL)
    together = model.log_probs_batch(short.tokens, short.positions)
    alone = model.log_probs(short.tokens[0], short.positions[0])
    np.testing.assert_allclose(together[0], alone, atol=1e-5)
    m = evaluate(model, short)
    assert m["steps"] == 12 + 80 and 0 < m["bits_per_step"] < 10


def test_windows_start_with_a_rest_and_pad_with_zero_weight():
    data = _tiny_data(1, 20)
    w = make_windows(data, 16)
    assert w["tokens"].shape == (2, 16)
    assert w["tokens"][0, 0] == SMALL.REST
    assert w["tokens"][0, 1] == data.tokens[0][0]
    assert w["tokens"][1, 0] == data.tokens[0][15]  # continues the piece
    assert w["weights"][1].sum() == 4 and w["weights"][0].sum() == 16
    np.testing.assert_array_equal(w["targets"][0], data.tokens[0][:16])


def test_tf_data_transposition_stays_inside_the_vocabulary_and_keeps_rhythm():
    data = _tiny_data(8, 32)
    ds = make_dataset(data, window=16, batch_size=4, transpose=(-5, 6), seed=0)
    shifts = set()
    for x, y, _ in ds.take(8):
        y = y.numpy()
        tok = x["tokens"].numpy()
        assert y.min() >= 0 and y.max() < SMALL.size
        assert tok.max() < SMALL.size
    # the same window under a transposition: intervals and holds unchanged
    one = MelodyData([np.array([7, 1, 9, 1, 8])], [np.arange(5)], ["x"], SMALL)
    for seed in range(12):
        (x, y, _), = make_dataset(one, window=5, batch_size=1, seed=seed, shuffle=False).take(1)
        y = y.numpy()[0]
        shifts.add(int(y[0]) - 7)
        assert np.array_equal(np.diff(y[[0, 2, 4]]), [2, -1]) and y[1] == 1 and y[3] == 1
        assert y.max() < SMALL.size and y[[0, 2, 4]].min() >= SMALL.N_SPECIAL
    assert len(shifts) > 3 and all(-5 <= s <= 4 for s in shifts)  # 9 + 4 = 13 is the top note


def test_training_writes_a_checkpoint_atomically_and_accepts_a_strategy(tmp_path):
    import tensorflow as tf

    from musiclib.models.melody import load_melody_lstm

    lines: list[str] = []
    path = tmp_path / "tiny.keras"
    result = train_lstm(_tiny_data(6), _tiny_data(2, seed=1), TINY, epochs=2, seed=0, checkpoint=path,
                        strategy=tf.distribute.OneDeviceStrategy("/cpu:0"), log=lines.append)
    assert path.exists() and path.with_suffix(".json").exists()
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []
    assert len(lines) >= 2 and lines[0].startswith("epoch   1")
    loaded = load_melody_lstm(path, SMALL)
    data = _tiny_data(2, seed=3)
    # the checkpoint on disk holds the best epoch's weights, as does the returned model
    np.testing.assert_allclose(evaluate(loaded, data)["bits_per_step"],
                               evaluate(result.model, data)["bits_per_step"], atol=1e-5)
    out = generate(loaded, [5, 1], 8, seed=0)
    assert out.shape == (8,)


def test_a_cpu_budget_stops_after_the_epoch_that_passes_it_and_is_reported():
    """``max_cpu_seconds`` counts process CPU time: a tiny budget stops after the first epoch."""
    lines: list[str] = []
    result = train_lstm(_tiny_data(4), _tiny_data(2, seed=1), TINY, epochs=5, seed=0, max_cpu_seconds=1e-3,
                        log=lines.append)
    assert len(result.history["loss"]) == 1 and not result.stopped_early
    assert result.cpu_seconds > 1e-3 and result.seconds > 0
    assert "CPU s" in lines[0] and lines[-1] == "CPU budget of 0 s reached"


def test_training_is_reproducible_with_a_seed():
    a = train_lstm(_tiny_data(4), _tiny_data(2, seed=1), TINY, epochs=1, seed=5, progress=False)
    b = train_lstm(_tiny_data(4), _tiny_data(2, seed=1), TINY, epochs=1, seed=5, progress=False)
    np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=1e-6)


def test_midi_folder_feeds_the_pipeline(tmp_path):
    for k in range(3):
        notes = NoteList.from_arrays([60 + k, 64, 67, 84], [0, 1, 2, 3], [1, 1, 1, 1])
        notes_to_midi(notes, tmp_path / f"song{k}.mid")
    (tmp_path / "broken.mid").write_bytes(b"not midi")
    data = midi_folder_sequences(tmp_path, SMALL)
    assert data.ids == ["song0.mid", "song1.mid", "song2.mid"]
    assert all(t.max() < SMALL.size for t in data.tokens)  # 84 moved down by octaves into 60..71
    batch = next(iter(make_dataset(data, window=8, batch_size=2)))
    assert batch[0]["tokens"].shape == (2, 8)


def test_empty_midi_folder_is_named(tmp_path):
    with pytest.raises(DataError, match="holds no files"):
        midi_folder_sequences(tmp_path, SMALL)


def test_transpose_zero_range_keeps_key_normalised_windows_unchanged():
    data = _tiny_data(3, 32)
    (x, y, _), = make_dataset(data, window=32, batch_size=3, transpose=(0, 0), shuffle=False).take(1)
    np.testing.assert_array_equal(y.numpy(), np.stack(data.tokens))


def test_melody_data_to_c_moves_every_piece_to_c_major_or_a_minor():
    from musiclib.datasets import load_chorales
    from musiclib.models.melody import melody_data

    corpus = load_chorales()
    written = melody_data(corpus, "valid")
    in_c = melody_data(corpus, "valid", to_c=True)
    assert written.ids == in_c.ids
    for k, pid in enumerate(in_c.ids[:5]):
        shift = corpus[pid].semitones_to_c()
        a, b = written.tokens[k], in_c.tokens[k]
        assert np.array_equal(a < 2, b < 2)  # same rhythm
        np.testing.assert_array_equal(b[b >= 2] - a[a >= 2], shift)


def test_streamed_midi_folder_gives_the_same_windows_as_loading_it(tmp_path):
    from musiclib.models.melody import stream_midi_folder

    for k in range(3):
        melody = NoteList.from_arrays([60 + k, 62, 64, 65, 67], [0, 1, 2, 2.5, 3], [1, 1, 0.5, 0.5, 2])
        notes_to_midi(melody, tmp_path / f"tune{k}.mid")
    (tmp_path / "broken.mid").write_bytes(b"not midi")
    ds = stream_midi_folder(tmp_path, SMALL, window=8, batch_size=100, transpose=None, seed=0)
    (inputs, targets, weights), = list(ds)  # one batch holds everything
    streamed = sorted(tuple(row) for row in np.asarray(targets).tolist())
    loaded = make_windows(midi_folder_sequences(tmp_path, SMALL), 8)
    assert streamed == sorted(tuple(row) for row in loaded["targets"].tolist())
    assert np.asarray(weights).sum() == loaded["weights"].sum()
    assert set(inputs) == {"tokens", "positions"}


def test_train_lstm_accepts_a_streamed_pipeline(tmp_path):
    from musiclib.models.melody import stream_midi_folder

    for k in range(4):
        melody = NoteList.from_arrays([60 + k, 62, 64, 65, 67, 69], np.arange(6.0), np.ones(6))
        notes_to_midi(melody, tmp_path / f"tune{k}.mid")
    config = LSTMConfig(embed_dim=4, position_dim=2, units=(8,), window=16, batch_size=4, epochs=1)
    stream = stream_midi_folder(tmp_path, SMALL, window=16, batch_size=4, seed=0)
    valid = midi_folder_sequences(tmp_path, SMALL)
    result = train_lstm(stream, valid, config, epochs=1, progress=False)
    assert len(result.history["loss"]) == 1
    assert np.isfinite(result.history["val_xent"][-1])


def test_streaming_a_missing_folder_is_named(tmp_path):
    from musiclib.models.melody import stream_midi_folder

    with pytest.raises(DataError, match="does not exist"):
        stream_midi_folder(tmp_path / "nowhere", SMALL)
    with pytest.raises(DataError, match="holds no files"):
        stream_midi_folder(tmp_path, SMALL)
