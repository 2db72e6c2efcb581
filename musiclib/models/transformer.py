"""A small causal Transformer decoder (注意力机制) for melodies, on the LSTM's data and split.

* :class:`TransformerConfig` — size and training recipe (the shipped checkpoint's recipe).
* :class:`CausalALiBiAttention` — multi-head causal self-attention whose scores get a
  linear penalty for distance (ALiBi, Press et al. 2022) instead of learned absolute
  positions: the model knows "how far back", never "which step of the window", so it
  behaves the same on windows that start anywhere and on whole pieces longer than
  its training windows.
* :func:`build_transformer` — token embedding + bar-position embedding → pre-norm
  decoder blocks → logits; the same inputs (``tokens``, ``positions``) and outputs as
  :func:`musiclib.models.melody.build_lstm`, so :func:`~musiclib.models.melody.make_dataset`
  and :func:`~musiclib.models.melody.evaluate` serve both.
* :func:`train_transformer` — fit under a time budget, keep the best weights by
  validation bits/step.
* :class:`MelodyTransformer` — a trained model: evaluation, step-by-step sessions for
  :func:`musiclib.sampling.generate`, and :meth:`MelodyTransformer.sample_batch` that
  samples many melodies in parallel.
* :func:`save_melody_transformer`, :func:`load_melody_transformer` — its checkpoint
  (shipped as ``musiclib/checkpoints/melody_transformer.keras`` + ``.json``).

Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from musiclib.config import quiet_tensorflow, seed_everything
from musiclib.errors import CheckpointError, DataError, MusicLibError, ShapeError
from musiclib.fileio import check_can_write
from musiclib.models.melody import N_POSITIONS, MelodyData, make_dataset, padded_batch, read_melody_checkpoint_record
from musiclib.pretrained import (
    CHECKPOINT_DIR,
    is_shipped,
    load_keras_checkpoint,
    manifest_entry_hash,
    read_record,
    save_keras_checkpoint,
)
from musiclib.representation import MelodyVocabulary
from musiclib.sampling import bar_positions, log_softmax, primer_tokens, sample_token

__all__ = [
    "MELODY_TRANSFORMER",
    "TransformerConfig",
    "CausalALiBiAttention",
    "alibi_slopes",
    "build_transformer",
    "train_transformer",
    "TransformerTrainResult",
    "MelodyTransformer",
    "save_melody_transformer",
    "load_melody_transformer",
    "TRANSFORMER_SECONDS",
    "course_melody_splits",
    "reproduce_checkpoint",
]

#: The shipped checkpoint (reproduced by ``python -m musiclib.train transformer``).
MELODY_TRANSFORMER = CHECKPOINT_DIR / "melody_transformer.keras"
LN2 = math.log(2.0)
_COMMAND = "python -m musiclib.train transformer --ship"


@dataclass(frozen=True)
class TransformerConfig:
    """Size and training recipe of the melody Transformer.

    Attributes
    ----------
    d_model : int
        Width of the token and bar-position embeddings (added) and of every block.
    layers, heads : int
        Decoder blocks and attention heads per block.
    ff_dim : int
        Hidden width of each block's feed-forward layer.
    dropout : float
    window, batch_size, learning_rate, epochs, patience : training settings
    transpose : tuple (low, high)
        Random transposition range of :func:`~musiclib.models.melody.make_dataset`
        ((0, 0) on key-normalised data, as for the LSTM).

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """

    d_model: int = 96
    layers: int = 3
    heads: int = 4
    ff_dim: int = 192
    dropout: float = 0.1
    window: int = 128
    batch_size: int = 64
    learning_rate: float = 1e-3
    epochs: int = 15
    patience: int = 4
    transpose: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["transpose"] = list(self.transpose)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TransformerConfig:
        d = dict(d)
        d["transpose"] = tuple(d["transpose"])
        return cls(**d)


def alibi_slopes(heads: int) -> np.ndarray:
    """ALiBi's per-head slopes m_h = 2^(-8 (h + 1) / heads): head h subtracts m_h * distance from its scores.

    Steep heads look only a few steps back, shallow heads across bars.

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """
    if int(heads) < 1:
        raise ShapeError(f"argument 'heads' is {heads!r}; expected >= 1")
    return 2.0 ** (-8.0 * (np.arange(int(heads)) + 1) / int(heads))


def _attention_class():
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="musiclib")
    class CausalALiBiAttention(keras.layers.Layer):
        """Causal multi-head self-attention with ALiBi distance penalties.

        score_h(i, j) = q_i . k_j / sqrt(d_head) - m_h (i - j) for j <= i, -inf for j > i.
        """

        def __init__(self, d_model: int, heads: int, dropout: float = 0.0, **kwargs):
            super().__init__(**kwargs)
            if d_model % heads:
                raise ShapeError(f"d_model={d_model} is not divisible by heads={heads}")
            self.d_model, self.heads, self.dropout_rate = int(d_model), int(heads), float(dropout)
            self.d_head = self.d_model // self.heads
            self.qkv = keras.layers.Dense(3 * self.d_model, name="qkv")
            self.out = keras.layers.Dense(self.d_model, name="out")
            self.drop = keras.layers.Dropout(self.dropout_rate)
            self.slopes = alibi_slopes(self.heads).astype("float32")

        def build(self, input_shape):
            self.qkv.build(input_shape)
            self.out.build((*input_shape[:-1], self.d_model))
            self.built = True

        def call(self, x, training=False):
            b, t = ops.shape(x)[0], ops.shape(x)[1]
            qkv = ops.reshape(self.qkv(x), (b, t, 3, self.heads, self.d_head))
            qkv = ops.transpose(qkv, (2, 0, 3, 1, 4))  # (3, batch, heads, time, d_head)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / math.sqrt(self.d_head)
            idx = ops.arange(t)
            dist = ops.cast(idx[:, None] - idx[None, :], "float32")  # i - j
            bias = -ops.reshape(ops.convert_to_tensor(self.slopes), (1, self.heads, 1, 1)) * dist[None, None]
            causal = dist[None, None] >= 0
            scores = ops.where(causal, scores + bias, ops.full_like(scores, -1e9))
            weights = self.drop(ops.softmax(scores, axis=-1), training=training)
            y = ops.transpose(ops.matmul(weights, v), (0, 2, 1, 3))
            return self.out(ops.reshape(y, (b, t, self.d_model)))

        def get_config(self):
            return {**super().get_config(), "d_model": self.d_model, "heads": self.heads,
                    "dropout": self.dropout_rate}

    return CausalALiBiAttention


_ATTENTION: Any = None


def CausalALiBiAttention(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - a layer factory named like the layer
    """The causal ALiBi self-attention Keras layer (created on first use so importing stays TensorFlow-free).

    ``CausalALiBiAttention(d_model, heads, dropout)`` returns a layer;
    score_h(i, j) = q_i . k_j / sqrt(d_head) - m_h (i - j) for j <= i (see :func:`alibi_slopes`).

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """
    global _ATTENTION
    if _ATTENTION is None:
        quiet_tensorflow()
        _ATTENTION = _attention_class()
    return _ATTENTION(*args, **kwargs)


def build_transformer(vocab: MelodyVocabulary, config: TransformerConfig | None = None):
    """The melody Transformer: embeddings (token + bar position) → pre-norm decoder blocks → logits.

    Same inputs and output as :func:`musiclib.models.melody.build_lstm`: ``"tokens"``
    (batch, time) — the previous token of each step, ``"positions"`` (batch, time) —
    the bar position of each step; logits (batch, time, vocab.size). No absolute
    position enters the model: order comes from the causal mask and ALiBi.

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """
    quiet_tensorflow()
    import keras

    config = config or TransformerConfig()
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    positions = keras.Input(shape=(None,), dtype="int32", name="positions")
    x = keras.layers.Embedding(vocab.size, config.d_model, name="token_embedding")(tokens)
    p = keras.layers.Embedding(N_POSITIONS, config.d_model, name="position_embedding")(positions)
    h = keras.layers.Add(name="embed")([x, p])
    h = keras.layers.Dropout(config.dropout, name="embed_dropout")(h)
    for k in range(config.layers):
        a = keras.layers.LayerNormalization(epsilon=1e-5, name=f"ln_attn_{k}")(h)
        a = CausalALiBiAttention(config.d_model, config.heads, config.dropout, name=f"attention_{k}")(a)
        a = keras.layers.Dropout(config.dropout, name=f"attn_dropout_{k}")(a)
        h = keras.layers.Add(name=f"attn_residual_{k}")([h, a])
        f = keras.layers.LayerNormalization(epsilon=1e-5, name=f"ln_ff_{k}")(h)
        f = keras.layers.Dense(config.ff_dim, activation="gelu", name=f"ff_in_{k}")(f)
        f = keras.layers.Dense(config.d_model, name=f"ff_out_{k}")(f)
        f = keras.layers.Dropout(config.dropout, name=f"ff_dropout_{k}")(f)
        h = keras.layers.Add(name=f"ff_residual_{k}")([h, f])
    h = keras.layers.LayerNormalization(epsilon=1e-5, name="ln_final")(h)
    logits = keras.layers.Dense(vocab.size, name="logits")(h)
    return keras.Model({"tokens": tokens, "positions": positions}, logits, name="melody_transformer")


# --------------------------------------------------------------------------- training
@dataclass
class TransformerTrainResult:
    """What :func:`train_transformer` did: model, per-epoch history (bits/step), best epoch, time.

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """

    model: MelodyTransformer
    history: dict[str, list[float]]
    best_epoch: int
    seconds: float
    cpu_seconds: float
    stopped_early: bool


def train_transformer(
    train: MelodyData,
    valid: MelodyData,
    config: TransformerConfig | None = None,
    *,
    epochs: int | None = None,
    seed: int = 0,
    max_seconds: float | None = None,
    max_cpu_seconds: float | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> TransformerTrainResult:
    """Train the melody Transformer on the same windows as the LSTM; keep the best weights.

    Windows come from :func:`musiclib.models.melody.make_dataset`; the loss is the
    cross-entropy, and a weighted cross-entropy metric (padding excluded) on the
    validation windows decides early stopping and which weights are kept. Training
    stops after the epoch that passes ``max_seconds`` (wall clock) or ``max_cpu_seconds``
    (CPU time of this process: a fairer budget on a shared machine).

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """
    quiet_tensorflow()
    import keras

    config = config or TransformerConfig()
    if not isinstance(train, MelodyData) or not isinstance(valid, MelodyData):
        raise DataError("arguments 'train' and 'valid' must be MelodyData (from musiclib.models.melody.melody_data)")
    if train.vocab != valid.vocab:
        raise DataError(f"train and valid use different vocabularies: {train.vocab} vs {valid.vocab}")
    n_epochs = int(epochs if epochs is not None else config.epochs)
    if n_epochs < 1:
        raise ShapeError(f"argument 'epochs' is {epochs!r}; expected >= 1")
    log = log or (lambda s: print(s, file=sys.stdout, flush=True))
    seed_everything(seed)
    vocab = valid.vocab
    model = build_transformer(vocab, config)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  weighted_metrics=[keras.metrics.SparseCategoricalCrossentropy(from_logits=True, name="xent")])
    train_ds = make_dataset(train, window=config.window, batch_size=config.batch_size,
                            transpose=config.transpose, shuffle=True, seed=seed)
    valid_ds = make_dataset(valid, window=config.window, batch_size=config.batch_size, transpose=None,
                            shuffle=False)
    state = {"best": math.inf, "epoch": -1, "weights": None, "wait": 0, "early": False}
    start, cpu_start = time.perf_counter(), time.process_time()

    class Monitor(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            val = logs.get("val_xent", math.nan) / LN2
            elapsed = time.perf_counter() - start
            cpu_used = time.process_time() - cpu_start
            improved = bool(val < state["best"] - 1e-4)
            if improved:
                state.update(best=val, epoch=epoch, weights=self.model.get_weights(), wait=0)
            else:
                state["wait"] += 1
            if progress:
                log(f"epoch {epoch + 1:3d}  train {logs.get('xent', math.nan) / LN2:.3f} bits/step  valid "
                    f"{val:.3f}{' *' if improved else '  '}  {elapsed:5.0f} s  {cpu_used:5.0f} CPU s")
            if state["wait"] >= config.patience:
                state["early"] = True
                self.model.stop_training = True
            elif (max_seconds is not None and elapsed > max_seconds) or (
                    max_cpu_seconds is not None and cpu_used > max_cpu_seconds):
                self.model.stop_training = True
                if progress:
                    log("time budget reached")

    hist = model.fit(train_ds, validation_data=valid_ds, epochs=n_epochs, verbose=0, shuffle=False,
                     callbacks=[Monitor()])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    if state["weights"] is not None:
        model.set_weights(state["weights"])
    history = {k: [float(x) / LN2 for x in v] for k, v in hist.history.items()}
    return TransformerTrainResult(MelodyTransformer(model, vocab, config), history, int(state["epoch"]) + 1,
                                  seconds, cpu, bool(state["early"]))


# --------------------------------------------------------------------------- trained model
@dataclass
class MelodyTransformer:
    """A trained melody Transformer with its vocabulary and recipe.

    Evaluate it with :func:`musiclib.models.melody.evaluate` (whole pieces, one padded
    batch); sample one melody with :func:`musiclib.sampling.generate` (a session that
    re-reads the whole prefix each step) or many at once with :meth:`sample_batch`.

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """

    keras_model: Any
    vocab: MelodyVocabulary
    config: TransformerConfig = field(default_factory=TransformerConfig)
    record: dict = field(default_factory=dict)

    name = "transformer"

    def _logits(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        out = self.keras_model({"tokens": x.astype(np.int32), "positions": (p % N_POSITIONS).astype(np.int32)},
                               training=False)
        return np.asarray(out, np.float64)

    def log_probs_batch(self, tokens: Sequence[np.ndarray], positions: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Natural-log probabilities of every step of every piece (one padded batch; padding is after the end)."""
        if len(tokens) == 0:
            return []
        seqs, x, p = padded_batch(tokens, positions, self.vocab)
        logits = self._logits(x, p)
        return [log_softmax(logits[i, :len(s)]) for i, s in enumerate(seqs)]

    def log_probs(self, sequence: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Natural-log probabilities of every step of one piece, shape (T, vocab.size)."""
        return self.log_probs_batch([sequence], [positions])[0]

    def session(self, primer_tokens: np.ndarray, primer_positions: np.ndarray) -> _TransformerSession:
        """A generation session primed with tokens (see :func:`musiclib.sampling.generate`)."""
        tokens = self.vocab.check_tokens(primer_tokens, name="primer")
        return _TransformerSession(self, tokens.tolist(), np.asarray(primer_positions).tolist())

    def sample_batch(self, primers: Sequence[Any], length: int, *, temperature: float = 1.0,
                     top_p: float | None = None, seed: int = 0, bar_steps: int = 16) -> list[np.ndarray]:
        """Continue each primer with ``length`` sampled tokens, all primers in one batch per step.

        Primers are left-padded to a common length with rests (the model's start
        context), so each is continued as if alone. Returns the continuations only.
        """
        if isinstance(length, bool) or int(length) < 1:
            raise ShapeError(f"argument 'length' is {length!r}; expected >= 1")
        rng = np.random.default_rng(seed)
        toks = [primer_tokens(p, self.vocab) for p in primers]
        if not toks:
            raise ShapeError("argument 'primers' is empty")
        P = max(len(t) for t in toks)
        n, total = len(toks), P + int(length)
        seq = np.full((n, total), self.vocab.REST, np.int64)
        pos = np.zeros((n, total), np.int64)
        for i, t in enumerate(toks):
            pad = P - len(t)
            seq[i, pad:P] = t
            pos[i, pad:] = bar_positions(total - pad, bar_steps=bar_steps)
        for step in range(P, total):
            x = np.concatenate([np.full((n, 1), self.vocab.REST), seq[:, :step]], axis=1)
            logits = self._logits(x, pos[:, :step + 1])[:, -1]
            for i in range(n):
                seq[i, step] = sample_token(log_softmax(logits[i]), rng, temperature, None, top_p)
        return [seq[i, P:].copy() for i in range(n)]

    def save(self, path: str | os.PathLike, *, overwrite: bool = False, record: dict | None = None) -> Path:
        """Write ``path`` (.keras) and its JSON record atomically (see :func:`save_melody_transformer`)."""
        return save_melody_transformer(self, path, overwrite=overwrite, record=record)


class _TransformerSession:
    """Re-runs the model on the whole prefix at every step (no key/value cache: simple, O(T^2))."""

    def __init__(self, model: MelodyTransformer, tokens: list[int], positions: list[int]) -> None:
        self.model, self.tokens, self.positions = model, tokens, positions

    def log_probs(self, position: int) -> np.ndarray:
        x = np.array([[self.model.vocab.REST, *self.tokens]])
        p = np.array([[*self.positions, int(position)]])
        self._pending = int(position)
        return log_softmax(self.model._logits(x, p)[0, -1])

    def append(self, token: int) -> None:
        self.tokens.append(int(token))
        self.positions.append(self._pending)


# --------------------------------------------------------------------------- checkpoints
def save_melody_transformer(model: MelodyTransformer, path: str | os.PathLike, *, overwrite: bool = False,
                            record: dict | None = None) -> Path:
    """Save a :class:`MelodyTransformer` and its JSON record, both atomically (no optimizer state).

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """
    full = {"kind": "melody_transformer", **(model.record or {}), **(record or {}),
            "vocab": model.vocab.to_dict(), "config": model.config.to_dict()}
    target = save_keras_checkpoint(model.keras_model, path, full, overwrite=overwrite)
    model.record = read_record(target)
    return target


def load_melody_transformer(path: str | os.PathLike = MELODY_TRANSFORMER,
                            vocab: MelodyVocabulary | None = None) -> MelodyTransformer:
    """Load a melody Transformer checkpoint safely (``safe_mode=True``) and check it fits ``vocab``.

    Raises
    ------
    CheckpointError
        Missing or corrupt file or record, or a different vocabulary.

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """
    p = Path(path)
    vocab = vocab or MelodyVocabulary()
    record, trained_vocab, config = read_melody_checkpoint_record(p, vocab, TransformerConfig.from_dict,
                                                                  command=_COMMAND)
    CausalALiBiAttention(8, 1)  # registers the layer class before loading
    keras_model = load_keras_checkpoint(p, command=_COMMAND)
    return MelodyTransformer(keras_model, trained_vocab, config, record=record)


# --------------------------------------------------------------------------- the shipped checkpoint
#: Training budget of the shipped Transformer under the ``cpu`` profile, in CPU seconds of the training
#: process: about the shipped LSTM's training time (``train_seconds`` of ``melody_lstm.json``, 667 s).
#: CPU time, not wall time, because the machine it was trained on was shared (wall time ran ~3x CPU time).
TRANSFORMER_SECONDS = 660.0


def course_melody_splits(profile: Any = None) -> dict[str, Any]:
    """The LSTM's data: chorale train (repeated) + folk train splits, chorale valid and test, keys in C.

    Returns a dict with ``train`` (what the neural models see), ``ngram_train`` (chorale
    training split only), ``valid``, ``test`` (:class:`~musiclib.models.melody.MelodyData`)
    and ``record`` (dataset hashes and recipe for the JSON record).

    Used by: musiclib.train (the ``transformer`` command)
    """

    from musiclib.config import get_profile
    from musiclib.models.melody import MELODY_RECIPE, recipe_data

    prof = profile if hasattr(profile, "data_fraction") else get_profile(profile)
    recipe = MELODY_RECIPE
    data = recipe_data(recipe, MelodyVocabulary(), data_fraction=prof.data_fraction)

    chorales = data.manifests["chorales"]
    folk_record = {name: {"pieces": len(extra), "steps": extra.n_steps,
                          "manifest_entry_sha256": manifest_entry_hash(data.manifests[name])}
                   for name, extra in data.folk.items()}
    record = {"corpus": "chorales", "part": "soprano", "to_c": recipe.to_c, "keys": "moved to C major / A minor",
              "manifest_entry_sha256": manifest_entry_hash(chorales), "file_sha256": chorales.get("sha256"),
              "split": chorales.get("split"),
              "extra_training": {"folk_train_splits": folk_record,
                                 "chorale_repeats": recipe.chorale_repeats,
                                 "note": "the same training data as the shipped LSTM (models.melody.MELODY_RECIPE)"}}
    full, train, valid, test = data.lstm_train, data.train, data.valid, data.test
    return {"train": full, "ngram_train": train, "valid": valid, "test": test, "record": record}


def reproduce_checkpoint(out: str | os.PathLike | None = None, *, profile: str | None = None, seed: int = 2024,
                         max_seconds: float | None = None, progress: bool = True, ship: bool = False,
                         overwrite: bool = False) -> dict:
    """Train the Transformer on the LSTM's data, evaluate it and the best n-gram on the test split, save.

    Nothing the package ships is written unless asked: the checkpoint goes to ``out``
    (default ``./melody_transformer.keras``), and only ``ship=True`` replaces
    ``musiclib/checkpoints/melody_transformer.keras``. An existing ``out`` is replaced
    only with ``overwrite=True``.

    The n-gram is refitted with the LSTM command's recipe (orders 1..10, discount tuned on
    validation, chorale training split only) so that the record compares all three on
    the same test pieces. Returns the JSON record.

    Used by: musiclib.train (``python -m musiclib.train transformer``)
    """
    import keras
    import tensorflow as tf

    from musiclib.config import get_profile
    from musiclib.models.melody import evaluate
    from musiclib.models.ngram import fit_best_ngram

    prof = get_profile(profile)
    say = (lambda s: print(s, flush=True)) if progress else (lambda s: None)
    target = MELODY_TRANSFORMER if ship else Path(out) if out is not None else Path("melody_transformer.keras")
    if target.suffix != ".keras":
        raise CheckpointError(f"argument 'out' is {str(target)!r}; expected a path ending in .keras")
    for f in (target, target.with_suffix(".json")):  # refuse before training, not after it
        check_can_write(f, overwrite or ship)
    data = course_melody_splits(prof)
    vocab = data["valid"].vocab
    say(f"data: {len(data['train'])} training melodies ({data['train'].n_steps} steps per epoch), "
        f"{len(data['valid'])} valid, {len(data['test'])} test (profile {prof.name}, seed {seed})")
    ngrams, valid_bits = fit_best_ngram(data["ngram_train"].tokens, data["valid"].tokens, tuple(range(1, 11)),
                                        (0.5, 0.6, 0.7, 0.8, 0.9, 0.95), vocab)
    best = min(ngrams.values(), key=lambda m: valid_bits[(m.order, m.discount)])
    config = TransformerConfig()
    budget = max_seconds if max_seconds is not None else (TRANSFORMER_SECONDS if prof.name == "cpu"
                                                          else prof.max_seconds)
    result = train_transformer(data["train"], data["valid"], config, epochs=prof.epochs(config.epochs) * 4,
                               seed=seed, max_cpu_seconds=budget, progress=progress, log=say)

    def rounded(m: dict) -> dict:
        return {k: (round(float(v), 6) if isinstance(v, float) else v) for k, v in m.items()}

    test = {"transformer": rounded(evaluate(result.model, data["test"])),
            best.name: rounded(evaluate(best, data["test"])) | {"discount": best.discount}}
    lstm_note = {}
    try:  # the shipped LSTM on the same test pieces, with where it came from
        from musiclib.models.melody import load_melody_lstm

        lstm = load_melody_lstm()
        test["lstm"] = rounded(evaluate(lstm, data["test"]))
        lstm_note = {"checkpoint": "musiclib/checkpoints/melody_lstm.keras",
                     "its_data_file_sha256": lstm.record.get("data", {}).get("file_sha256"),
                     "same_data_file": lstm.record.get("data", {}).get("file_sha256") == data["record"]["file_sha256"],
                     "its_train_seconds": lstm.record.get("train_seconds"), "its_profile": lstm.record.get("profile")}
    except MusicLibError as exc:
        lstm_note = {"error": str(exc)}
    record = {
        "command": _COMMAND.replace("--ship", "--ship" if is_shipped(target) else f"--out {target.name}")
                   + (f" --profile {prof.name}" if profile else "") + (f" --seed {seed}" if seed != 2024 else ""),
        "seed": seed, "profile": prof.name, "data": data["record"],
        "train_steps_per_epoch": data["train"].n_steps,
        "epochs_run": len(result.history.get("loss", [])), "best_epoch": result.best_epoch,
        "stopped_early": result.stopped_early,
        "train_seconds": round(result.seconds, 1), "train_cpu_seconds": round(result.cpu_seconds, 1),
        "budget_cpu_seconds": budget, "parameters": int(result.model.keras_model.count_params()),
        "attention": "causal, ALiBi distance penalties (no absolute positions), bar-position embedding",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
        "best_ngram": best.name,
        "test_metrics": test,
        "lstm_compared": lstm_note,
        "valid_metrics": {"transformer": rounded(evaluate(result.model, data["valid"]))},
        "history_bits_per_step": {k: [round(x, 4) for x in v] for k, v in result.history.items()},
        "evaluation": "whole test pieces; step 0 predicted after a rest; bits = mean -log2 p; event accuracy "
                      "= accuracy on steps whose true token is a note-on",
    }
    result.model.save(target, overwrite=ship or overwrite, record=record)
    say(f"transformer: {record['epochs_run']} epochs in {result.seconds:.0f} s ({result.cpu_seconds:.0f} CPU s), "
        f"best epoch {result.best_epoch}")
    for name, m in test.items():
        say(f"{name:<12} {m['bits_per_step']:.3f} bits/step  event accuracy {m['event_accuracy']:.3f}")
    say(f"wrote {target}")
    return record
