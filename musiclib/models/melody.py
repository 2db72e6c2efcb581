"""Melody models on the 16th-note grid: data, the LSTM (长短期记忆网络), training, evaluation.

* :func:`melody_data` — token sequences of a corpus split plus each step's
  position in the bar (from ``Piece.anacrusis`` and ``Piece.bar_quarters``).
* :func:`evaluate` — bits per step, accuracy and note-event accuracy of any model
  that gives ``log_probs(sequence, positions)``, over whole pieces.
* :func:`build_lstm` — token embedding ⊕ position embedding → stacked LSTM → logits.
* :func:`make_dataset` — a ``tf.data`` pipeline of windows with random 12-key
  transposition (within the vocabulary); :func:`midi_folder_sequences` feeds it
  from any folder of MIDI files.
* :func:`train_lstm` — fit with progress lines, early stopping and atomic
  checkpoints; accepts a ``tf.distribute`` strategy.
* :class:`MelodyLSTM` — a trained model with its vocabulary: evaluation, and
  step-by-step generation in NumPy with :func:`musiclib.rnn_math.lstm_step`.
* :func:`save_melody_lstm`, :func:`load_melody_lstm` — its checkpoint and JSON record
  (the shipped one is ``musiclib/checkpoints/melody_lstm.keras``).

The input at step t is the previous token (a rest before the piece starts: the
same start context as the n-gram) and the bar position of step t; the output is
the distribution of token t.

Taught in: notebooks/04_lstm_melody_generation.ipynb
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from musiclib.config import quiet_tensorflow, seed_everything
from musiclib.datasets import (
    Corpus,
    FolderReport,
    list_music_files,
    load_chorales,
    load_folk,
    load_midi_folder,
    split_of,
)
from musiclib.errors import CheckpointError, DataError, MusicLibError, ShapeError, VocabularyError
from musiclib.fileio import check_can_write
from musiclib.pretrained import (
    MELODY_LSTM,
    is_shipped,
    load_keras_checkpoint,
    read_record,
    record_path,
    save_keras_checkpoint,
)
from musiclib.representation import (
    N_POSITIONS,
    LoadLimits,
    MelodyVocabulary,
    NoteList,
    fold_into_range,
    load_notes,
    melody_steps,
)
from musiclib.rnn_math import from_keras_lstm, lstm_step
from musiclib.sampling import MelodyModel, check_model, log_softmax

__all__ = [
    "N_POSITIONS",
    "MelodyData",
    "melody_data",
    "midi_folder_sequences",
    "evaluate",
    "metrics_from_log_probs",
    "LSTMConfig",
    "MelodyRecipe",
    "MELODY_RECIPE",
    "RecipeData",
    "recipe_data",
    "format_table",
    "build_lstm",
    "make_windows",
    "make_dataset",
    "stream_midi_folder",
    "train_lstm",
    "TrainResult",
    "save_melody_lstm",
    "padded_batch",
    "read_melody_checkpoint_record",
    "load_melody_lstm",
    "MelodyLSTM",
]

LN2 = math.log(2.0)


# --------------------------------------------------------------------------- data
@dataclass
class MelodyData:
    """Token sequences with the bar position of every step.

    Attributes
    ----------
    tokens : list of int64 arrays
    positions : list of int64 arrays (same lengths), values 0..N_POSITIONS-1
    ids : list of str
        Piece ids (or file names).
    vocab : MelodyVocabulary
    skipped : dict str -> str
        Files (of a MIDI folder) that were left out, with the reason.
    folded : dict str -> int
        Files whose notes were moved by octaves into ``vocab``'s range: how many notes.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """

    tokens: list[np.ndarray]
    positions: list[np.ndarray]
    ids: list[str]
    vocab: MelodyVocabulary
    skipped: dict[str, str] = field(default_factory=dict)
    folded: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def n_steps(self) -> int:
        """Total number of grid steps."""
        return int(sum(len(t) for t in self.tokens))

    def subset(self, fraction: float) -> MelodyData:
        """The first ``fraction`` of the pieces (at least one), for quick profiles."""
        k = max(1, int(round(len(self) * float(fraction))))
        return self.select(range(k))

    def select(self, indices: Sequence[int] | range) -> MelodyData:
        """The pieces at ``indices`` (the skip and fold notes are kept)."""
        idx = list(indices)
        return MelodyData([self.tokens[i] for i in idx], [self.positions[i] for i in idx],
                          [self.ids[i] for i in idx], self.vocab, dict(self.skipped), dict(self.folded))

    def __add__(self, other: MelodyData) -> MelodyData:
        return MelodyData(self.tokens + other.tokens, self.positions + other.positions,
                          self.ids + other.ids, self.vocab, self.skipped | other.skipped, self.folded | other.folded)

    def describe(self) -> str:
        """A summary line, then one line per skipped file and per octave-folded file."""
        lines = [f"{len(self)} melodies, {self.n_steps} steps; {len(self.skipped)} file(s) skipped, "
                 f"{len(self.folded)} moved by octaves into {self.vocab}"]
        lines += [f"  skipped {name}: {why}" for name, why in sorted(self.skipped.items())]
        lines += [f"  folded {name}: {n} note(s) moved by octaves" for name, n in sorted(self.folded.items())]
        return "\n".join(lines)


def _file_melody(notes: NoteList, vocab: MelodyVocabulary, bar_quarters: float,
                 part: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """The top line of one file's notes as tokens and positions, octave-folded into ``vocab``.

    Returns tokens, positions and the number of notes moved by octaves; raises
    DataError with the reason when the file gives no usable melody.
    """
    if part is not None:
        notes = notes.select_part(part)
    if len(notes) == 0:
        raise DataError(f"no notes in part {part}")
    notes, n_folded = fold_into_range(notes, vocab)
    tokens, positions = melody_steps(notes, vocab, bar_quarters=bar_quarters)
    if tokens.size < 2:
        raise DataError(f"melody of {tokens.size} step(s); at least 2 are needed")
    return tokens, positions, n_folded


def melody_data(
    source: Corpus | FolderReport | str | os.PathLike,
    split: str | None = None,
    vocab: MelodyVocabulary | None = None,
    *,
    to_c: bool = False,
    bar_quarters: float = 4.0,
    part: int | None = None,
) -> MelodyData:
    """Melody tokens and bar positions of a corpus split or of a folder of MIDI files.

    The one pipeline from music to model input, used by the training command and
    notebook 04; every melody goes through
    :func:`musiclib.representation.melody_steps`.

    Parameters
    ----------
    source : Corpus, FolderReport or folder path
        A corpus (:func:`musiclib.datasets.load_chorales`, ...): the pieces of
        :meth:`~musiclib.datasets.Corpus.melody_sequences` (pieces with triplets or
        pitches outside ``vocab`` are skipped; chords keep the top note). A folder
        (or the report of :func:`musiclib.datasets.load_midi_folder`): the top line
        of every readable file, notes outside ``vocab`` moved by octaves into it
        (``folded``), unreadable or empty files listed in ``skipped``; bar positions
        assume ``bar_quarters`` per bar from time 0.
    split : "train", "valid", "test" or None
        Required for a corpus. For a folder, None keeps every file and a split name
        keeps the files :func:`musiclib.datasets.split_of` assigns to it.
    vocab : MelodyVocabulary, optional
    to_c : bool
        Corpus only: move each melody to C major / A minor.
    part : int, optional
        Folder only: read this part (track) instead of the top line of all parts.

    Raises
    ------
    DataError
        Nothing usable (the message says how many files were skipped).

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    if isinstance(source, Corpus):
        if split is None:
            raise DataError("argument 'split' is required for a corpus: 'train', 'valid' or 'test'")
        rows = source.melody_sequences(split, vocab, to_c=to_c)
        if not rows:
            raise DataError(f"split {split!r} of corpus {source.name!r} holds no melody in {vocab}")
        ids, tokens, positions = (list(x) for x in zip(*rows, strict=True))
        return MelodyData(tokens, positions, ids, vocab)
    report = source if isinstance(source, FolderReport) else load_midi_folder(source)
    data = MelodyData([], [], [], vocab, skipped=dict(report.skipped))
    for name, notes in sorted(report.pieces.items()):
        if split is not None and split_of(name) != split:
            continue
        try:
            tokens, positions, n_folded = _file_melody(notes, vocab, bar_quarters, part)
        except MusicLibError as exc:
            data.skipped[name] = str(exc)
            continue
        data.tokens.append(tokens)
        data.positions.append(positions)
        data.ids.append(name)
        if n_folded:
            data.folded[name] = n_folded
    if not data.tokens:
        raise DataError(f"folder {str(report.folder)!r} holds no usable MIDI melody"
                        + (f" in split {split!r}" if split else "") + f"\n{data.describe()}")
    return data


def midi_folder_sequences(
    folder: str | os.PathLike,
    vocab: MelodyVocabulary | None = None,
    *,
    bar_quarters: float = 4.0,
    part: int | None = None,
) -> MelodyData:
    """Melodies from every MIDI file of a folder: ``melody_data(folder, None, vocab, ...)``.

    Notes outside the vocabulary's range are moved by octaves into it and counted
    per file in ``.folded``; unreadable files are listed with the reason in
    ``.skipped``; ``.describe()`` prints both.

    Used by: musiclib.train
    """
    return melody_data(folder, None, vocab, bar_quarters=bar_quarters, part=part)


# --------------------------------------------------------------------------- metrics
def metrics_from_log_probs(
    log_probs: Sequence[np.ndarray], tokens: Sequence[np.ndarray], vocab: MelodyVocabulary
) -> dict[str, float]:
    """Bits per step, accuracy and note-event accuracy from per-step log-probabilities.

    * ``bits_per_step``: mean of ``-log2 p(token_t | history)`` over all steps.
    * ``accuracy``: share of steps whose most likely token is the true one.
    * ``event_accuracy``: the same, only over steps where a note starts (true token
      is a note-on). Three quarters of chorale steps are "hold", so plain accuracy
      flatters; this one does not.

    Used by: musiclib.models.melody
    """
    nll = 0.0
    n = correct = events = event_correct = 0
    for lp, seq in zip(log_probs, tokens, strict=True):
        seq = np.asarray(seq)
        lp = np.asarray(lp, dtype=np.float64)
        if lp.shape != (len(seq), vocab.size):
            raise ShapeError(f"log-probabilities have shape {lp.shape}; expected ({len(seq)}, {vocab.size})")
        nll -= float(lp[np.arange(len(seq)), seq].sum())
        guess = lp.argmax(axis=1)
        hit = guess == seq
        is_event = seq >= vocab.N_SPECIAL
        n += len(seq)
        correct += int(hit.sum())
        events += int(is_event.sum())
        event_correct += int(hit[is_event].sum())
    if n == 0:
        raise DataError("no steps to evaluate")
    return {
        "bits_per_step": nll / n / LN2,
        "accuracy": correct / n,
        "event_accuracy": event_correct / max(events, 1),
        "steps": n,
        "events": events,
    }


def evaluate(model: MelodyModel, data: MelodyData) -> dict[str, float]:
    """Evaluate a melody model (``NGramModel``, ``MelodyLSTM``, ...) on whole pieces.

    Returns a dict with ``bits_per_step``, ``accuracy``, ``event_accuracy``,
    ``steps``, ``events`` (see :func:`metrics_from_log_probs`).

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    lps = check_model(model).log_probs_batch(data.tokens, data.positions)
    return metrics_from_log_probs(lps, data.tokens, data.vocab)


# --------------------------------------------------------------------------- model
@dataclass(frozen=True)
class LSTMConfig:
    """Size and training recipe of the melody LSTM.

    Attributes
    ----------
    embed_dim, position_dim : int
        Sizes of the token and bar-position embeddings (concatenated);
        ``position_dim=0``: the model does not read the bar position (the ablation).
    units : tuple of int
        One LSTM layer per entry.
    dropout : float
        Dropout between layers.
    window : int
        Training window length in steps.
    batch_size, learning_rate, epochs, patience : training settings
    transpose : tuple (low, high)
        Range of random transpositions in semitones (12 keys: -5..6).

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """

    embed_dim: int = 48
    position_dim: int = 8
    units: tuple[int, ...] = (128, 128)
    dropout: float = 0.1
    window: int = 128
    batch_size: int = 32
    learning_rate: float = 3e-3
    epochs: int = 20
    patience: int = 3
    transpose: tuple[int, int] = (-5, 6)

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["units"] = list(self.units)
        d["transpose"] = list(self.transpose)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> LSTMConfig:
        d = dict(d)
        d["units"] = tuple(d["units"])
        d["transpose"] = tuple(d["transpose"])
        return cls(**d)


def build_lstm(vocab: MelodyVocabulary, config: LSTMConfig | None = None):
    """The melody LSTM: embeddings → stacked LSTM → logits over the vocabulary.

    Inputs (a dict): ``"tokens"`` (batch, time) int — the previous token of each
    step; ``"positions"`` (batch, time) int — the bar position of each step.
    Output: logits (batch, time, vocab.size).

    Used by: musiclib.models.melody
    """
    quiet_tensorflow()
    import keras

    config = config or LSTMConfig()
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    positions = keras.Input(shape=(None,), dtype="int32", name="positions")
    x = keras.layers.Embedding(vocab.size, config.embed_dim, name="token_embedding")(tokens)
    if config.position_dim > 0:
        p = keras.layers.Embedding(N_POSITIONS, config.position_dim, name="position_embedding")(positions)
        h = keras.layers.Concatenate(name="concat")([x, p])
    else:  # the ablation: the positions input is accepted and ignored
        h = x
    for k, units in enumerate(config.units):
        h = keras.layers.LSTM(units, return_sequences=True, name=f"lstm_{k}")(h)
        if config.dropout:
            h = keras.layers.Dropout(config.dropout, name=f"dropout_{k}")(h)
    logits = keras.layers.Dense(vocab.size, name="logits")(h)
    return keras.Model({"tokens": tokens, "positions": positions}, logits, name="melody_lstm")


@dataclass(frozen=True)
class MelodyRecipe:
    """How the shipped melody LSTM and its n-gram baselines are trained (one documented recipe).

    ``python -m musiclib.train melody`` and notebook 04 both follow it, through
    :func:`recipe_data` (the data) and :attr:`lstm` (the network and its training).

    Attributes
    ----------
    lstm : LSTMConfig
        Network size and training settings; ``epochs`` is for the ``cpu`` profile
        (scaled by the profile). The data are key-normalised, so no transposition
        augmentation: ``transpose=(0, 0)``.
    to_c : bool
        Move every melody to C major / A minor (``Piece.semitones_to_c``) first.
    folk : tuple of str
        Folk collections whose *training* tunes the LSTM also learns from
        (validation and test stay chorales only).
    chorale_repeats : int
        The chorale training split is repeated this many times per epoch, so the
        chorales keep their weight beside the larger folk collections.
    ngram_orders, ngram_discounts : tuples
        The n-gram baselines: every order, with the discount best on validation.
        They are fitted on the chorale training split only (adding the folk tunes
        made every order worse on validation).

    Used by: musiclib.models.melody.MELODY_RECIPE (taught in notebooks/04_lstm_melody_generation.ipynb)
    """

    lstm: LSTMConfig = field(default_factory=lambda: LSTMConfig(
        embed_dim=48, position_dim=8, units=(128, 128), dropout=0.1, window=128, batch_size=64,
        learning_rate=3e-3, epochs=15, patience=4, transpose=(0, 0)))
    to_c: bool = True
    folk: tuple[str, ...] = ("oneills", "han")
    chorale_repeats: int = 2
    ngram_orders: tuple[int, ...] = tuple(range(1, 11))
    ngram_discounts: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)

    def to_dict(self) -> dict:
        """JSON-ready fields (the checkpoint record keeps them)."""
        return {"lstm": self.lstm.to_dict(), "to_c": self.to_c, "folk": list(self.folk),
                "chorale_repeats": self.chorale_repeats, "ngram_orders": list(self.ngram_orders),
                "ngram_discounts": list(self.ngram_discounts)}


#: The recipe of the shipped checkpoint ``musiclib/checkpoints/melody_lstm.keras``.
MELODY_RECIPE = MelodyRecipe()


@dataclass
class RecipeData:
    """The data of a :class:`MelodyRecipe`: chorale splits, folk training tunes, the LSTM's epoch.

    Used by: musiclib.models.melody.recipe_data
    """

    train: MelodyData
    valid: MelodyData
    test: MelodyData
    folk: dict[str, MelodyData]
    lstm_train: MelodyData
    manifests: dict[str, dict]


def recipe_data(recipe: MelodyRecipe = MELODY_RECIPE, vocab: MelodyVocabulary | None = None, *,
                data_fraction: float = 1.0) -> RecipeData:
    """Load the chorale splits and the folk training tunes as the recipe says.

    ``lstm_train`` is the chorale training split ``chorale_repeats`` times plus the
    folk training tunes; ``data_fraction`` (the profile's) keeps the first part of
    the chorale and of each folk training split, for quick runs.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    chorales = load_chorales()
    train, valid, test = (melody_data(chorales, s, vocab, to_c=recipe.to_c) for s in ("train", "valid", "test"))
    train = train.subset(data_fraction)
    folk = {name: melody_data(load_folk(name), "train", vocab, to_c=recipe.to_c).subset(data_fraction)
            for name in recipe.folk}
    lstm_train = train
    for _ in range(recipe.chorale_repeats - 1):
        lstm_train = lstm_train + train
    for extra in folk.values():
        lstm_train = lstm_train + extra
    manifests = {"chorales": chorales.manifest} | {name: load_folk(name).manifest for name in recipe.folk}
    return RecipeData(train, valid, test, folk, lstm_train, manifests)


def format_table(test_metrics: dict[str, dict], names: Sequence[str] | None = None) -> str:
    """A plain-text table: model, bits per step, accuracy, note-event accuracy.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    names = list(names or test_metrics)
    width = max([10, *(len(n) for n in names)])
    lines = [f"{'model':<{width}} {'bits/step':>9} {'accuracy':>9} {'event acc':>9}"]
    for n in names:
        m = test_metrics[n]
        lines.append(f"{n:<{width}} {m['bits_per_step']:>9.3f} {m['accuracy']:>9.3f} {m['event_accuracy']:>9.3f}")
    return "\n".join(lines)


def _shifted_inputs(seq: np.ndarray, vocab: MelodyVocabulary) -> np.ndarray:
    """Input tokens: a rest, then the sequence without its last token."""
    return np.concatenate([[vocab.REST], seq[:-1]]).astype(np.int32)


def make_windows(data: MelodyData, window: int) -> dict[str, np.ndarray]:
    """Cut pieces into non-overlapping training windows (the last one padded).

    Returns arrays of shape (n_windows, window): ``tokens`` (inputs), ``positions``,
    ``targets`` and ``weights`` (0 on padding).

    Used by: musiclib.models.melody
    """
    if window < 2:
        raise ShapeError(f"argument 'window' is {window!r}; expected >= 2")
    rows: dict[str, list[np.ndarray]] = {"tokens": [], "positions": [], "targets": [], "weights": []}
    for seq, pos in zip(data.tokens, data.positions, strict=True):
        inp = _shifted_inputs(seq, data.vocab)
        for s in range(0, len(seq), window):
            n = min(window, len(seq) - s)
            pad = window - n
            rows["tokens"].append(np.pad(inp[s:s + n], (0, pad)))
            rows["positions"].append(np.pad(pos[s:s + n], (0, pad)).astype(np.int32))
            rows["targets"].append(np.pad(seq[s:s + n], (0, pad)).astype(np.int32))
            rows["weights"].append(np.pad(np.ones(n, np.float32), (0, pad)))
    return {k: np.stack(v) for k, v in rows.items()}


def make_dataset(
    data: MelodyData,
    *,
    window: int = 128,
    batch_size: int = 32,
    transpose: tuple[int, int] | None = (-5, 6),
    shuffle: bool = True,
    seed: int = 0,
):
    """A ``tf.data`` pipeline of ``({"tokens", "positions"}, targets, weights)`` batches.

    With ``transpose=(lo, hi)`` every window is moved by a random number of
    semitones in lo..hi, limited so that all its notes stay inside the
    vocabulary (12 keys for -5..6); a fresh draw every epoch.

    Used by: musiclib.models.melody
    """
    quiet_tensorflow()
    import tensorflow as tf

    arrays = make_windows(data, window)
    n = len(arrays["tokens"])
    ds = tf.data.Dataset.from_tensor_slices(arrays)
    if shuffle:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    return _transpose_and_batch(ds, data.vocab, transpose=transpose, batch_size=batch_size, seed=seed)


def _transpose_and_batch(ds, vocab: MelodyVocabulary, *, transpose: tuple[int, int] | None, batch_size: int,
                         seed: int):
    """Random in-vocabulary transposition of each window (optional), then Keras-style batches."""
    import tensorflow as tf

    first_note = vocab.N_SPECIAL
    last_note = vocab.size - 1
    if transpose is not None:
        lo_t, hi_t = int(transpose[0]), int(transpose[1])
        rand = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        ds = tf.data.Dataset.zip((ds, rand))

        def shift(w, r):
            both = tf.concat([w["tokens"], w["targets"]], axis=0)
            is_note = both >= first_note
            lo = tf.reduce_min(tf.where(is_note, both, last_note))
            hi = tf.reduce_max(tf.where(is_note, both, first_note))
            s_min = tf.maximum(lo_t, first_note - lo)
            s_max = tf.minimum(hi_t, last_note - hi)
            span = tf.maximum(s_max - s_min + 1, 1)
            s = tf.where(s_max >= s_min, s_min + tf.cast(r % tf.cast(span, tf.int64), tf.int32), 0)

            def move(x):
                return tf.where(x >= first_note, x + s, x)

            return {"tokens": move(w["tokens"]), "positions": w["positions"],
                    "targets": move(w["targets"]), "weights": w["weights"]}

        ds = ds.map(shift, num_parallel_calls=1, deterministic=True)
    ds = ds.map(lambda w: ({"tokens": w["tokens"], "positions": w["positions"]}, w["targets"], w["weights"]))
    return ds.batch(batch_size).prefetch(2)


def stream_midi_folder(
    folder: str | os.PathLike,
    vocab: MelodyVocabulary | None = None,
    *,
    window: int = 128,
    batch_size: int = 32,
    transpose: tuple[int, int] | None = (-5, 6),
    shuffle_buffer: int = 1024,
    seed: int = 0,
    bar_quarters: float = 4.0,
    limits: LoadLimits | None = None,
):
    """A ``tf.data`` pipeline that reads a (large) MIDI folder file by file, as it trains.

    Unlike :func:`midi_folder_sequences` + :func:`make_dataset`, which load every
    file first, this parses each file only when the pipeline needs it (every epoch
    again), so memory stays flat however many files there are. Each file gives the
    windows of its top line exactly as :func:`midi_folder_sequences` would (octave
    folding into ``vocab``, unreadable files skipped); windows are mixed in a
    shuffle buffer, optionally transposed, and batched like :func:`make_dataset`.
    Pass it as ``train`` to :func:`train_lstm`.

    Raises
    ------
    DataError
        The folder does not exist or holds no MIDI file.

    Used by: your own experiments (public API; tested in tests/)
    """
    quiet_tensorflow()
    import tensorflow as tf

    files = [os.fsencode(f) for f in list_music_files(folder)]  # bytes: names need not be UTF-8
    vocab = vocab or MelodyVocabulary()
    if window < 2:
        raise ShapeError(f"argument 'window' is {window!r}; expected >= 2")

    def windows_of(path: bytes):
        try:
            tokens, positions, _ = _file_melody(load_notes(os.fsdecode(path), limits=limits), vocab, bar_quarters)
        except MusicLibError:
            return  # skipped, as melody_data(folder) does (it lists the reasons)
        arrays = make_windows(MelodyData([tokens], [positions], [os.fsdecode(path)], vocab), window)
        for k in range(len(arrays["tokens"])):
            yield {key: value[k] for key, value in arrays.items()}

    spec = {"tokens": tf.TensorSpec((window,), tf.int32), "positions": tf.TensorSpec((window,), tf.int32),
            "targets": tf.TensorSpec((window,), tf.int32), "weights": tf.TensorSpec((window,), tf.float32)}
    ds = tf.data.Dataset.from_tensor_slices(files).shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    ds = ds.interleave(lambda f: tf.data.Dataset.from_generator(windows_of, output_signature=spec, args=(f,)),
                       cycle_length=4, num_parallel_calls=1, deterministic=True)
    ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return _transpose_and_batch(ds, vocab, transpose=transpose, batch_size=batch_size, seed=seed)


# --------------------------------------------------------------------------- training
@dataclass
class TrainResult:
    """What :func:`train_lstm` did: the model, per-epoch history, best epoch, time.

    ``seconds`` is wall-clock time, ``cpu_seconds`` the CPU time of this process (all
    its threads) over the same span: the budget unit that stays fair on a shared machine.

    Used by: musiclib.models.melody
    """

    model: MelodyLSTM
    history: dict[str, list[float]]
    best_epoch: int
    seconds: float
    stopped_early: bool
    checkpoint: Path | None = None
    cpu_seconds: float = math.nan


def _make_callbacks(checkpoint: Path | None, progress: bool, patience: int, max_seconds: float | None,
                    vocab: MelodyVocabulary, config: LSTMConfig, log: Callable[[str], None],
                    max_cpu_seconds: float | None = None):
    import keras

    class Monitor(keras.callbacks.Callback):
        """Progress lines, early stopping, time budget and atomic checkpoints."""

        def __init__(self) -> None:
            super().__init__()
            self.best = math.inf
            self.best_epoch = -1
            self.best_weights = None
            self.wait = 0
            self.start = time.perf_counter()
            self.cpu_start = time.process_time()
            self.stopped_early = False

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            val = logs.get("val_xent", logs.get("xent", math.nan)) / LN2
            elapsed = time.perf_counter() - self.start
            cpu_used = time.process_time() - self.cpu_start
            improved = bool(val < self.best - 1e-4)
            if improved:
                self.best, self.best_epoch, self.wait = val, epoch, 0
                self.best_weights = self.model.get_weights()
                if checkpoint is not None:
                    MelodyLSTM(self.model, vocab, config).save(checkpoint, overwrite=True)
            else:
                self.wait += 1
            if progress:
                log(f"epoch {epoch + 1:3d}  train {logs.get('xent', math.nan) / LN2:.3f} bits/step  "
                    f"valid {val:.3f}{' *' if improved else '  '}  {elapsed:5.0f} s  {cpu_used:5.0f} CPU s")
            if self.wait >= patience:
                self.stopped_early = True
                self.model.stop_training = True
                if progress:
                    log(f"early stop: no improvement for {patience} epochs")
            elif max_seconds is not None and elapsed > max_seconds:
                self.model.stop_training = True
                if progress:
                    log(f"time budget of {max_seconds:.0f} s reached")
            elif max_cpu_seconds is not None and cpu_used > max_cpu_seconds:
                self.model.stop_training = True
                if progress:
                    log(f"CPU budget of {max_cpu_seconds:.0f} s reached")

    return Monitor()


def train_lstm(
    train: MelodyData | Any,
    valid: MelodyData,
    config: LSTMConfig | None = None,
    *,
    epochs: int | None = None,
    seed: int = 0,
    strategy: Any = None,
    checkpoint: str | os.PathLike | None = None,
    progress: bool = True,
    max_seconds: float | None = None,
    log: Callable[[str], None] | None = None,
    overwrite: bool = False,
    max_cpu_seconds: float | None = None,
) -> TrainResult:
    """Train the melody LSTM with transposition augmentation and early stopping.

    Parameters
    ----------
    train : MelodyData or tf.data.Dataset
        Training melodies (windowed, shuffled and transposed here), or a ready
        pipeline such as :func:`stream_midi_folder` for folders too large for memory
        (its own batch size and augmentation are used).
    valid : MelodyData
        Validation loss (whole pieces cut into windows, not transposed) decides
        early stopping and which weights are kept.
    config : LSTMConfig
    epochs : int, optional
        Overrides ``config.epochs`` (e.g. ``get_profile().epochs(20)``).
    seed : int
        Seeds Keras, TensorFlow and the data pipeline.
    strategy : tf.distribute.Strategy, optional
        Build and train the model under ``strategy.scope()`` (several GPUs,
        ``MirroredStrategy``); the default strategy otherwise.
    checkpoint : path, optional
        A ``.keras`` file written atomically whenever validation improves, so an
        interrupted run keeps the last good checkpoint (a ``.json`` record beside it).
        An existing file there (or its record) is refused before training unless
        ``overwrite=True``.
    progress : bool
        Print one line per epoch.
    max_seconds : float, optional
        Stop after the epoch that passes this wall-clock budget.
    max_cpu_seconds : float, optional
        Stop after the epoch that passes this budget of process CPU seconds (all
        threads), the unit of the course's budget comparison (notebook 07).

    Returns
    -------
    TrainResult
        ``model`` holds the best weights (by validation loss).

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    if checkpoint is not None:  # a user's file is never replaced without being asked, nor its record
        check_can_write(checkpoint, overwrite)
        check_can_write(record_path(checkpoint), overwrite)
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    config = config or LSTMConfig()
    streamed = not isinstance(train, MelodyData)  # a tf.data pipeline, e.g. stream_midi_folder(...)
    if not streamed and train.vocab != valid.vocab:
        raise DataError(f"train and valid use different vocabularies: {train.vocab} vs {valid.vocab}")
    vocab = valid.vocab
    n_epochs = int(epochs if epochs is not None else config.epochs)
    if n_epochs < 1:
        raise ShapeError(f"argument 'epochs' is {epochs!r}; expected >= 1")
    log = log or (lambda s: print(s, file=sys.stdout, flush=True))
    seed_everything(seed)
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        model = build_lstm(vocab, config)
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            # the loss divides by all window steps, padding included; this metric is the
            # true mean over real steps (what evaluate() reports), used for early stopping
            weighted_metrics=[keras.metrics.SparseCategoricalCrossentropy(from_logits=True, name="xent")],
        )
    batch = config.batch_size * strategy.num_replicas_in_sync
    train_ds = train if streamed else make_dataset(train, window=config.window, batch_size=batch,
                                                   transpose=config.transpose, shuffle=True, seed=seed)
    valid_ds = make_dataset(valid, window=config.window, batch_size=batch, transpose=None, shuffle=False)
    ckpt = Path(checkpoint) if checkpoint is not None else None
    monitor = _make_callbacks(ckpt, progress, config.patience, max_seconds, vocab, config, log, max_cpu_seconds)
    start, cpu_start = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        # a streamed pipeline has no known length: Keras learns it when the first epoch
        # runs out of data, and says so in a warning that is expected here
        warnings.filterwarnings("ignore", message="Your input ran out of data")
        hist = model.fit(train_ds, validation_data=valid_ds, epochs=n_epochs, verbose=0, shuffle=False,
                         callbacks=[monitor])
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    if monitor.best_weights is not None:
        model.set_weights(monitor.best_weights)
    history = {k: [float(x) / LN2 for x in v] for k, v in hist.history.items()}
    return TrainResult(MelodyLSTM(model, vocab, config), history, monitor.best_epoch + 1, seconds,
                       monitor.stopped_early, ckpt, cpu_seconds)


# --------------------------------------------------------------------------- trained model
@dataclass
class MelodyLSTM:
    """A trained melody LSTM with its vocabulary and recipe.

    Evaluate it with :func:`evaluate` (Keras, float32, whole pieces in one batch)
    and sample from it with :func:`musiclib.sampling.generate` (NumPy float64 with
    :func:`musiclib.rnn_math.lstm_step` — the gate math of this lesson).

    Used by: musiclib.models.melody, musiclib.sampling
    """

    keras_model: Any
    vocab: MelodyVocabulary
    config: LSTMConfig = field(default_factory=LSTMConfig)
    record: dict = field(default_factory=dict)
    _numpy: dict | None = field(default=None, repr=False)

    name = "lstm"

    def log_probs_batch(self, tokens: Sequence[np.ndarray], positions: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Natural-log probabilities of every step of every piece (one padded batch)."""
        if len(tokens) == 0:
            return []
        seqs, x, p = padded_batch(tokens, positions, self.vocab)
        logits = np.asarray(self.keras_model({"tokens": x, "positions": p}, training=False), np.float64)
        return [log_softmax(logits[i, :len(s)]) for i, s in enumerate(seqs)]

    def log_probs(self, sequence: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Natural-log probabilities of every step of one piece, shape (T, vocab.size)."""
        return self.log_probs_batch([sequence], [positions])[0]

    # ------------------------------------------------------------- NumPy stepping
    def numpy_weights(self) -> dict:
        """Embeddings, :class:`~musiclib.rnn_math.LSTMParams` per layer and the output layer, as float64."""
        if self._numpy is None:
            m = self.keras_model
            lstms = [layer for layer in m.layers if layer.__class__.__name__ == "LSTM"]
            self._numpy = {
                "E_tok": np.asarray(m.get_layer("token_embedding").get_weights()[0], np.float64),
                "E_pos": (np.asarray(m.get_layer("position_embedding").get_weights()[0], np.float64)
                          if self.config.position_dim > 0 else np.zeros((N_POSITIONS, 0))),
                "lstm": [from_keras_lstm([np.asarray(w, np.float64) for w in layer.get_weights()])
                         for layer in lstms],
                "W_hy": np.asarray(m.get_layer("logits").get_weights()[0], np.float64).T,
                "b_y": np.asarray(m.get_layer("logits").get_weights()[1], np.float64),
            }
        return self._numpy

    def session(self, primer_tokens: np.ndarray, primer_positions: np.ndarray) -> _LSTMSession:
        """A generation session primed with tokens (see :func:`musiclib.sampling.generate`)."""
        tokens = self.vocab.check_tokens(primer_tokens, name="primer")
        s = _LSTMSession(self)
        for tok, pos in zip(tokens.tolist(), np.asarray(primer_positions).tolist(), strict=True):
            s.log_probs(int(pos))
            s.append(int(tok))
        return s

    # ------------------------------------------------------------- files
    def save(self, path: str | os.PathLike, *, overwrite: bool = False, record: dict | None = None) -> Path:
        """Write ``path`` (.keras) and its JSON record atomically (see :func:`save_melody_lstm`)."""
        return save_melody_lstm(self, path, overwrite=overwrite, record=record)


class _LSTMSession:
    """Runs the LSTM one step at a time in NumPy (float64), keeping h_t and c_t."""

    def __init__(self, model: MelodyLSTM) -> None:
        self.w = model.numpy_weights()
        self.vocab = model.vocab
        n = [p.n_hidden for p in self.w["lstm"]]
        self.h = [np.zeros(k) for k in n]
        self.c = [np.zeros(k) for k in n]
        self.last = model.vocab.REST
        self._pending: tuple[int, list, list] | None = None

    def log_probs(self, position: int) -> np.ndarray:
        x = np.concatenate([self.w["E_tok"][self.last], self.w["E_pos"][int(position) % N_POSITIONS]])
        hs, cs = [], []
        for params, h, c in zip(self.w["lstm"], self.h, self.c, strict=True):
            x, c_new = lstm_step(x, h, c, params)
            hs.append(x)
            cs.append(c_new)
        self._pending = (int(position), hs, cs)
        return log_softmax(self.w["W_hy"] @ x + self.w["b_y"])

    def append(self, token: int) -> None:
        if self._pending is None:
            raise MusicLibError("call log_probs(position) before append(token)")
        _, self.h, self.c = self._pending
        self._pending = None
        self.last = int(token)


# --------------------------------------------------------------------------- checkpoints
def save_melody_lstm(model: MelodyLSTM, path: str | os.PathLike, *, overwrite: bool = False,
                     record: dict | None = None) -> Path:
    """Save a :class:`MelodyLSTM` and its JSON record, both atomically.

    ``record`` adds fields (seed, profile, metrics, ...) to the vocabulary and
    recipe that are always written. The model is saved uncompiled, without the
    optimizer's state: a checkpoint is for evaluation and generation.

    Used by: musiclib.models.melody
    """
    full = {"kind": "melody_lstm", **(model.record or {}), **(record or {}),
            "vocab": model.vocab.to_dict(), "config": model.config.to_dict()}
    target = save_keras_checkpoint(model.keras_model, path, full, overwrite=overwrite)
    model.record = read_record(target)
    return target


def load_melody_lstm(path: str | os.PathLike = MELODY_LSTM, vocab: MelodyVocabulary | None = None) -> MelodyLSTM:
    """Load a melody LSTM checkpoint safely and check it fits ``vocab``.

    Parameters
    ----------
    path : .keras file
        Default: the shipped ``musiclib/checkpoints/melody_lstm.keras``.
    vocab : MelodyVocabulary, optional
        The vocabulary your data uses (default ``MelodyVocabulary()``); a model
        trained on another one is refused.

    Returns
    -------
    MelodyLSTM
        With ``.record`` holding the JSON record (metrics, seed, ...).

    Raises
    ------
    CheckpointError
        Missing or corrupt file, missing record, model and record disagree, or the
        vocabulary differs (the message shows both).

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    p = Path(path)
    vocab = vocab or MelodyVocabulary()
    record, trained_vocab, config = read_melody_checkpoint_record(p, vocab, LSTMConfig.from_dict,
                                                                  command="python -m musiclib.train melody --ship")
    keras_model = load_keras_checkpoint(p, command="python -m musiclib.train melody")
    out_dim = keras_model.outputs[0].shape[-1]
    if out_dim != vocab.size:
        raise CheckpointError(
            f"checkpoint {str(p)!r} predicts {out_dim} tokens but its record's vocabulary has {vocab.size}")
    return MelodyLSTM(keras_model, trained_vocab, config, record=record)


# --------------------------------------------------------------------------- shared by the melody models
def padded_batch(tokens: Sequence[np.ndarray], positions: Sequence[np.ndarray],
                 vocab: MelodyVocabulary) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Pieces as one zero-padded batch of next-token inputs and bar positions.

    Returns the checked token sequences and the arrays ``x`` (a rest, then each piece
    without its last token) and ``p`` (bar positions modulo :data:`N_POSITIONS`), both of
    shape (n_pieces, longest piece). The LSTM and the Transformer both evaluate this way.

    Used by: musiclib.models.melody (MelodyLSTM), musiclib.models.transformer
    """
    seqs = [vocab.check_tokens(t, name="tokens") for t in tokens]
    T = max(len(s) for s in seqs)
    x = np.zeros((len(seqs), T), np.int32)
    p = np.zeros((len(seqs), T), np.int32)
    for i, (s, q) in enumerate(zip(seqs, positions, strict=True)):
        q = np.asarray(q)
        if q.shape != s.shape:
            raise ShapeError(f"positions of piece {i} have shape {q.shape}; expected {s.shape}")
        x[i, :len(s)] = _shifted_inputs(s, vocab)
        p[i, :len(s)] = q % N_POSITIONS
    return seqs, x, p


def read_melody_checkpoint_record(path: Path, vocab: MelodyVocabulary, config_from_dict: Callable[[dict], Any], *,
                                  command: str) -> tuple[dict, MelodyVocabulary, Any]:
    """Check a melody model's checkpoint before loading it: file, record, recipe, vocabulary.

    Returns ``(record, trained_vocab, config)``; every problem is a :class:`CheckpointError`
    naming the file (a missing shipped file also names ``command``, which recreates it).

    Used by: musiclib.models.melody (load_melody_lstm), musiclib.models.transformer
    """
    if not path.exists():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist"
                              + (f"; recreate it with `{command}`" if is_shipped(path) else ""))
    record = read_record(path)
    try:
        trained_vocab = MelodyVocabulary.from_dict(record["vocab"])
        config = config_from_dict(record["config"])
    except (VocabularyError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint record {str(record_path(path))!r} is malformed: {exc}") from exc
    if trained_vocab != vocab:
        raise CheckpointError(
            f"checkpoint {str(path)!r} was trained on vocabulary {trained_vocab.to_dict()} but the data uses "
            f"{vocab.to_dict()}; use the same MelodyVocabulary or retrain")
    return record, trained_vocab, config
