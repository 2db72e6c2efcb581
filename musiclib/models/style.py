"""Style transfer and style fusion (风格迁移与风格融合) for melodies, judged against rule baselines.

Two pairs of styles, chosen so that style lives in different places:

* ``chorale_irish``: Bach chorale soprano lines <-> O'Neill's Irish tunes (mostly rhythm);
* ``german_han``: German <-> Han Chinese folk songs from the Essen collection (mostly pitch:
  diatonic vs pentatonic).

Everything works on **excerpts**: 64 sixteenth steps (16 quarters) of a melody moved to
C major / A minor, cut at downbeats, as melody tokens (:class:`MelodyVocabulary`).

The pieces of the lesson:

* **judges** (风格分类器) per pair, trained once on the training tunes and frozen:
  :class:`LinearJudge`, a logistic regression on :func:`style_features` (key-relative
  pitch-class, interval and note-length histograms), and :class:`TokenJudge`, a small
  1-D CNN over the tokens (pitch class, height relative to the excerpt, position in the beat);
* **rule baselines** (:func:`rule_transfer`): running eighths <-> the beat's pitches for
  chorale <-> Irish; pentatonic / diatonic pitch mapping for German <-> Han;
* **a neural transfer** (:class:`StyleDecoder`, method ``"decoder"``): a style-conditioned decoder. The
  *content code* is what we decide to keep — for chorale <-> Irish the pitch sounding at
  each beat, for German <-> Han the rhythm and the contour (signed interval classes and a
  coarse register) — and the *style* is a learned 8-d embedding. Trained as an
  autoencoder on both styles, it must take what the content code leaves open (the
  rhythm inside a beat; the exact scale degree) from the style embedding, so decoding a
  source's content code with the other style's embedding transfers the style. Mixing
  the two embeddings ``(1 - s) e_A + s e_B`` is style fusion (after MusicVAE's latent
  interpolation). Lesson 06 shows the shortcuts it takes;
* **the learned transfer** (method ``"learned"``,
  :class:`~musiclib.models.style_experts.ExpertTransfer`): a product of experts — the
  target style's rhythm and pitch n-grams times a content expert, decoded by sampling the
  rhythm and a Viterbi search for the pitches; fusion mixes the styles' models;
* **measures** (:func:`evaluate_outputs`): transfer strength S and S_tot (Brunner et al.
  2018), content preservation in the source's own time grid (:func:`content_scores`),
  naturalness in bits per step under a target-style n-gram.

Taught in: notebooks/06_style_transfer_and_fusion.ipynb
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from musiclib.config import DEFAULT_SEED, quiet_tensorflow, seed_everything
from musiclib.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    FileExistsNoOverwriteError,
    RepresentationError,
    VocabularyError,
)
from musiclib.features import estimate_key, interval_histogram, note_length_histogram, pitch_class_histogram
from musiclib.fileio import atomic_write_text, check_can_write
from musiclib.models.ngram import LN2, NGramModel
from musiclib.models.style_checks import MAJOR_PCS, _sounding
from musiclib.models.style_experts import ExpertSettings, ExpertTransfer, tune_experts, tune_fusion
from musiclib.pretrained import CHECKPOINT_DIR, is_shipped, load_keras_checkpoint, save_keras_model
from musiclib.representation import MelodyVocabulary, NoteList, notes_to_tokens, tokens_to_notes

__all__ = [
    "STYLES",
    "PAIRS",
    "EXCERPT_STEPS",
    "STYLE_RECORD",
    "StyleRecipe",
    "Excerpts",
    "style_excerpts",
    "style_features",
    "LinearJudge",
    "TokenJudge",
    "rule_transfer",
    "content_code",
    "StyleDecoder",
    "content_scores",
    "evaluate_outputs",
    "StyleModels",
    "load_style_models",
    "melody_tokens",
    "KEEP_C_SHARE",
    "transfer_melody",
    "METHODS",
    "transfer_tokens",
    "fusion_path",
    "evaluation_excerpts",
    "excerpt_fingerprints",
    "target_ngrams",
    "measure_methods",
    "format_methods",
    "train_style",
]

#: Style names and the corpus each comes from.
STYLES = {"chorale": "chorales", "irish": "oneills", "german": "german", "han": "han"}
#: The two pairs of the lesson: (style A, style B); probabilities are P(style B).
PAIRS = {"chorale_irish": ("chorale", "irish"), "german_han": ("german", "han")}
EXCERPT_STEPS = 64
STEPS_PER_BEAT = 4
MIN_STEPS, MAX_STEPS = 8, 512
VOCAB = MelodyVocabulary()
STYLE_RECORD = CHECKPOINT_DIR / "style_transfer.json"
TRAIN_COMMAND = "python -m musiclib.train style"
PENTATONIC_PCS = (0, 2, 4, 7, 9)
#: The content measures averaged into one ``content`` figure for each pair: what that pair keeps.
CONTENT_MEASURES = {"chorale_irish": ("beat_pitch_class", "contour"), "german_han": ("onset_f1", "contour")}


@dataclass(frozen=True)
class StyleRecipe:
    """Training recipe of the shipped style models (epochs for the ``cpu`` profile).

    Attributes
    ----------
    judge_epochs, decoder_epochs : int
    judge_filters : int
        Channels of the token judge's convolutions.
    decoder_units : int
        Units per direction of the decoder's two bidirectional GRU layers.
    style_dim : int
        Size of the style embedding.
    max_train_excerpts : int
        Cap per style on the training excerpts (the larger collection is subsampled).
    eval_excerpts : int
        Validation excerpts per style on which every choice is tuned (seeded sample).
    test_excerpts : int or None
        Test excerpts per style the tables are measured on; None (the default) takes every
        test excerpt.
    ngram_order, ngram_discount : int, float
        The target-style n-gram that measures naturalness.
    batch_size : int
    learning_rate : float
    guidance_grid : tuple of float
        Decoding guidance values tried on the validation split (see :meth:`StyleDecoder.decode`);
        the one with the highest S_tot whose content stays >= ``min_content`` is kept.
    min_content : float

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    judge_epochs: int = 15
    decoder_epochs: int = 5
    judge_filters: int = 32
    decoder_units: int = 64
    style_dim: int = 8
    max_train_excerpts: int = 3000
    eval_excerpts: int = 150
    test_excerpts: int | None = None
    ngram_order: int = 4
    ngram_discount: float = 0.8
    batch_size: int = 64
    learning_rate: float = 3e-3
    guidance_grid: tuple[float, ...] = (0.0, 1.0, 2.0, 4.0)
    min_content: float = 0.85


# --------------------------------------------------------------------------- checks
def _check_style(name: Any, argument: str = "style") -> str:
    if name not in STYLES:
        raise ConfigError(f"argument {argument!r} is {name!r}; expected one of {sorted(STYLES)}")
    return str(name)


def _check_pair(pair: Any) -> str:
    if pair not in PAIRS:
        raise ConfigError(f"argument 'pair' is {pair!r}; expected one of {sorted(PAIRS)}")
    return str(pair)


def _pair_of(source: str, target: str) -> str:
    source, target = _check_style(source, "source"), _check_style(target, "target")
    for pair, styles in PAIRS.items():
        if {source, target} == set(styles) and source != target:
            return pair
    raise ConfigError(f"arguments 'source' {source!r} and 'target' {target!r} are not a pair of the lesson; "
                      f"expected one of {list(PAIRS.values())} in either order")


def _check_strength(strength: Any, name: str = "strength") -> float:
    try:
        s = float(strength)
    except (TypeError, ValueError):
        raise ConfigError(f"argument {name!r} is {strength!r}; expected a number in [0, 1]") from None
    if isinstance(strength, bool) or not 0.0 <= s <= 1.0 or not np.isfinite(s):
        raise ConfigError(f"argument {name!r} is {strength!r}; expected a number in [0, 1]")
    return s


def _check_tokens(tokens: Any, name: str = "tokens") -> np.ndarray:
    arr = VOCAB.check_tokens(tokens, name=name)
    if not MIN_STEPS <= arr.size <= MAX_STEPS:
        raise RepresentationError(f"argument {name!r} has {arr.size} steps; expected {MIN_STEPS}..{MAX_STEPS} "
                                  f"sixteenth steps (half a bar to 32 bars of 4/4)")
    return arr


def _check_batch(tokens: Any, name: str = "tokens") -> np.ndarray:
    arr = np.asarray(tokens)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise RepresentationError(f"argument {name!r} has shape {arr.shape}; expected (n_excerpts, n_steps)")
    for row in arr:
        _check_tokens(row, name)
    return arr.astype(np.int64)


# --------------------------------------------------------------------------- data
@dataclass
class Excerpts:
    """Excerpts of melodies as tokens in C major / A minor, with their style and piece.

    Attributes
    ----------
    tokens : ndarray of int64, shape (n, EXCERPT_STEPS)
    style : list of str
    piece : list of str
        Piece id of each excerpt (several excerpts can come from one piece).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    tokens: np.ndarray
    style: list[str]
    piece: list[str]

    def __len__(self) -> int:
        return int(self.tokens.shape[0])

    def of_style(self, style: str) -> np.ndarray:
        """The token rows of one style."""
        _check_style(style)
        return self.tokens[np.array([s == style for s in self.style], dtype=bool)]

    def labels(self, pair: str) -> np.ndarray:
        """0 for the pair's style A, 1 for style B."""
        b = PAIRS[_check_pair(pair)][1]
        return np.array([int(s == b) for s in self.style])


def _excerpt_rows(notes: NoteList, steps: int) -> list[np.ndarray]:
    tokens = notes_to_tokens(notes, VOCAB, polyphony="highest")
    rows = []
    for start in range(0, len(tokens) - steps // 2, steps):
        row = tokens[start:start + steps]
        if len(row) < steps:
            row = np.concatenate([row, np.zeros(steps - len(row), dtype=np.int64)])
        if row[0] == VOCAB.HOLD:
            row = row.copy()
            row[0] = VOCAB.REST  # a note tied in from the previous excerpt starts as silence
            k = 1
            while k < steps and row[k] == VOCAB.HOLD:
                row[k] = VOCAB.REST
                k += 1
        if int(np.sum(row >= VOCAB.N_SPECIAL)) >= 6 and np.mean(row == VOCAB.REST) < 0.5:
            rows.append(row)
    return rows


def style_excerpts(style: str, split: str, *, steps: int = EXCERPT_STEPS,
                   limit: int | None = None, seed: int = DEFAULT_SEED) -> Excerpts:
    """Cut one style's melodies of one split into key-normalised excerpts at downbeats.

    Each melody (a chorale's soprano, or a folk tune) on the 16th grid is moved to C major /
    A minor (:meth:`Piece.semitones_to_c`), shifted so that its first downbeat falls on a
    multiple of 16 steps, and cut into excerpts of ``steps`` steps; excerpts with fewer
    than 6 notes or half silence are dropped, and so are melodies outside the vocabulary.

    Parameters
    ----------
    style : "chorale", "irish", "german" or "han"
    split : "train", "valid" or "test"
    steps : int
    limit : int, optional
        Keep at most this many excerpts (a seeded random subset, in corpus order).

    Returns
    -------
    Excerpts

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    from musiclib.datasets import load_corpus

    corpus = load_corpus(STYLES[_check_style(style)])
    rows: list[np.ndarray] = []
    pieces: list[str] = []
    for piece in corpus.split(split):
        if not piece.on_grid:
            continue
        melody = piece.melody.transpose(piece.semitones_to_c())
        if melody.pitch.min() < VOCAB.low or melody.pitch.max() >= VOCAB.high:
            continue
        if piece.anacrusis:
            melody = melody.shift(piece.anacrusis)
        new = _excerpt_rows(melody, steps)
        rows += new
        pieces += [piece.id] * len(new)
    if not rows:
        raise DataError(f"style {style!r} has no usable excerpts in split {split!r}")
    tokens = np.stack(rows)
    if limit is not None and len(rows) > limit:
        keep = np.sort(np.random.default_rng(seed).choice(len(rows), size=limit, replace=False))
        tokens, pieces = tokens[keep], [pieces[i] for i in keep]
    return Excerpts(tokens=tokens, style=[style] * len(tokens), piece=pieces)


def _join(parts: Sequence[Excerpts]) -> Excerpts:
    return Excerpts(np.concatenate([p.tokens for p in parts]), sum((p.style for p in parts), []),
                    sum((p.piece for p in parts), []))


# --------------------------------------------------------------------------- features and judges
def style_features(notes: NoteList) -> np.ndarray:
    """The linear judge's 45 features of a melody: key-relative pitch classes, intervals, note lengths.

    ``[pitch_class_histogram rotated so that the major tonic is 0 (12),
    interval_histogram (25), note_length_histogram (8)]`` — lesson 02's features, made
    key-free: the histogram is rotated by the tonic of :func:`estimate_key` (by the
    relative major's tonic for a minor key), so a melody and its transposition get the
    same features.

    Parameters
    ----------
    notes : NoteList
        A melody with at least two notes.

    Returns
    -------
    ndarray of float64, shape (45,)

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    if not isinstance(notes, NoteList) or len(notes) < 2:
        raise RepresentationError("argument 'notes' must be a NoteList with at least two notes")
    key = estimate_key(notes)
    tonic = key.tonic if key.mode == "major" else (key.tonic + 3) % 12
    pc = np.roll(pitch_class_histogram(notes), -tonic)
    return np.concatenate([pc, interval_histogram(notes), note_length_histogram(notes)])


def _features_of_tokens(tokens: np.ndarray) -> np.ndarray:
    rows = []
    for row in np.atleast_2d(tokens):
        notes = tokens_to_notes(row, VOCAB)
        rows.append(style_features(notes) if len(notes) >= 2 else np.zeros(45))
    return np.array(rows)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class LinearJudge:
    """Logistic regression on :func:`style_features`: P(style B) = sigmoid(w . (x - mu) / sd + b).

    Fitted by full-batch gradient descent on the mean cross-entropy plus ``l2 |w|^2 / 2``,
    with the classes weighted equally. Stored as plain numbers in the style record.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    pair: str
    w: np.ndarray
    b: float
    mu: np.ndarray
    sd: np.ndarray

    @classmethod
    def fit(cls, pair: str, X: np.ndarray, y: np.ndarray, *, l2: float = 1e-3, steps: int = 3000,
            lr: float = 0.5) -> LinearJudge:
        """Fit on features ``X`` (n, 45) and labels ``y`` (0 = style A, 1 = style B)."""
        _check_pair(pair)
        X, y = np.asarray(X, float), np.asarray(y, float)
        if X.ndim != 2 or len(X) != len(y) or len(set(y.tolist())) != 2:
            raise DataError("arguments 'X', 'y' must be (n, d) features and n labels of both classes")
        mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-6
        Z = (X - mu) / sd
        weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
        w, b = np.zeros(X.shape[1]), 0.0
        for _ in range(steps):
            g = (_sigmoid(Z @ w + b) - y) * weight
            w -= lr * (Z.T @ g / len(y) + l2 * w)
            b -= lr * float(g.mean())
        return cls(pair, w, b, mu, sd)

    def predict_proba(self, tokens: np.ndarray) -> np.ndarray:
        """P(style B) for each excerpt (token rows)."""
        X = _features_of_tokens(_check_batch(tokens))
        return _sigmoid((X - self.mu) / self.sd @ self.w + self.b)

    def to_dict(self) -> dict:
        """JSON-ready numbers."""
        return {"pair": self.pair, "w": self.w.round(8).tolist(), "b": round(self.b, 8),
                "mu": self.mu.round(8).tolist(), "sd": self.sd.round(8).tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> LinearJudge:
        """Inverse of :meth:`to_dict`."""
        try:
            return cls(d["pair"], np.array(d["w"]), float(d["b"]), np.array(d["mu"]), np.array(d["sd"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"linear judge record is malformed: {exc}") from exc


def _judge_input(tokens: np.ndarray) -> np.ndarray:
    """Per step: one-hot rest/hold/pitch class (14), height vs the excerpt's mean (1), beat position (4)."""
    tokens = np.atleast_2d(tokens)
    n, T = tokens.shape
    x = np.zeros((n, T, 19), dtype=np.float32)
    for i, row in enumerate(tokens):
        snd = _sounding(row)
        on = row >= VOCAB.N_SPECIAL
        x[i, row == VOCAB.REST, 0] = 1
        x[i, row == VOCAB.HOLD, 1] = 1
        x[i, np.flatnonzero(on), 2 + snd[on] % 12] = 1
        mean = snd[snd >= 0].mean() if np.any(snd >= 0) else 72.0
        x[i, :, 14] = np.where(snd >= 0, (snd - mean) / 12.0, 0.0)
        x[i, np.arange(T), 15 + np.arange(T) % STEPS_PER_BEAT] = 1
    return x


class TokenJudge:
    """A small token CNN judge: Conv1D x 3 over :func:`_judge_input`, global average, sigmoid.

    P(style B) of an excerpt; any length works (global pooling), so it also judges outputs.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    def __init__(self, pair: str, keras_model: Any) -> None:
        self.pair = _check_pair(pair)
        self.keras_model = keras_model

    @classmethod
    def build(cls, pair: str, filters: int = 32) -> TokenJudge:
        """An untrained judge."""
        quiet_tensorflow()
        import keras
        from keras import layers

        x_in = keras.Input(shape=(None, 19), name="steps")
        h = layers.Conv1D(filters, 4, padding="same", activation="relu")(x_in)
        h = layers.Conv1D(filters, 4, padding="same", dilation_rate=4, activation="relu")(h)
        h = layers.Conv1D(filters, 4, padding="same", dilation_rate=16, activation="relu")(h)
        h = layers.GlobalAveragePooling1D()(h)
        h = layers.Dropout(0.2)(h)
        out = layers.Dense(1, activation="sigmoid")(h)
        return cls(pair, keras.Model(x_in, out, name=f"style_judge_{pair}"))

    def fit(self, tokens: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int = 64,
            learning_rate: float = 3e-3) -> None:
        """Train on token rows and labels, classes weighted equally."""
        import keras

        x = _judge_input(tokens)
        y = np.asarray(y, np.float32)
        cw = {0: 0.5 / (1 - y.mean()), 1: 0.5 / y.mean()}
        self.keras_model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
        self.keras_model.fit(x, y, epochs=epochs, batch_size=batch_size, class_weight=cw, verbose=0, shuffle=True)

    def predict_proba(self, tokens: np.ndarray) -> np.ndarray:
        """P(style B) for each excerpt (token rows)."""
        x = _judge_input(_check_batch(tokens))
        return self.keras_model.predict(x, verbose=0, batch_size=256)[:, 0].astype(np.float64)


# --------------------------------------------------------------------------- rule baselines
def _nearest_pc(pitch: int, allowed: Sequence[int]) -> int:
    """Nearest pitch whose class is allowed (ties go down)."""
    for d in (0, -1, 1, -2, 2, -3, 3):
        if (pitch + d) % 12 in allowed:
            return pitch + d
    return pitch


def _chosen(i: int, strength: float) -> bool:
    """Deterministic 'apply the rule here' for a share ``strength`` of positions (golden-ratio sequence)."""
    return strength >= 1.0 or ((i * 0.6180339887498949) % 1.0) < strength


def _scale_step(pitch: int, direction: int) -> int:
    p = pitch + direction
    while p % 12 not in MAJOR_PCS:
        p += direction
    return p


def _pitch_of(p: int) -> int:
    return p - VOCAB.low + VOCAB.N_SPECIAL


def rule_transfer(tokens: np.ndarray, source: str, target: str, strength: float = 1.0) -> np.ndarray:
    """The rule baselines (规则基线): twenty lines of music theory, no learning.

    * chorale -> irish: a note that fills a whole beat becomes two eighths, the second a
      passing tone towards the next beat's pitch (a scale step between them, or an
      escape tone for a step, or an upper neighbour for a repeat);
    * irish -> chorale: each beat becomes one quarter note on the pitch sounding at
      (or first heard in) the beat;
    * german -> han: degrees 4 and 7 (and chromatic notes) move to the nearest pentatonic
      degree (C D E G A; F -> E, B -> C);
    * han -> german: a minor-third step (E-G, A-C) gets a passing tone (F, B) in the
      second half of the first note when that note is at least an eighth long.

    Tokens are in C major / A minor. ``strength`` in [0, 1] applies the rule at that share
    of the places where it could apply (a fixed, deterministic choice).

    Parameters
    ----------
    tokens : ndarray of int, shape (n_steps,)
    source, target : style names of one pair
    strength : float in [0, 1]

    Returns
    -------
    ndarray of int64, shape (n_steps,)

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    _pair_of(source, target)
    s = _check_strength(strength)
    tok = _check_tokens(tokens).copy()
    T = len(tok)
    snd = _sounding(tok)
    out = tok.copy()
    if (source, target) == ("chorale", "irish"):
        for k, b in enumerate(range(0, T - STEPS_PER_BEAT + 1, STEPS_PER_BEAT)):
            beat = tok[b:b + STEPS_PER_BEAT]
            p = snd[b]
            whole = p >= 0 and np.all(beat[1:] == VOCAB.HOLD)
            if not whole or not _chosen(k, s):
                continue
            q = snd[b + STEPS_PER_BEAT] if b + STEPS_PER_BEAT < T else -1
            if q < 0 or q == p:
                m = _scale_step(p, +1)
            elif abs(q - p) > 2:
                m = _nearest_pc((p + q) // 2, MAJOR_PCS)
                m = m if m not in (p, q) else _scale_step(p, 1 if q > p else -1)
            else:
                m = _scale_step(p, -1 if q > p else +1)
            if not VOCAB.low <= m < VOCAB.high:
                continue
            out[b:b + STEPS_PER_BEAT] = [_pitch_of(p), VOCAB.HOLD, _pitch_of(m), VOCAB.HOLD]
    elif (source, target) == ("irish", "chorale"):
        for k, b in enumerate(range(0, T, STEPS_PER_BEAT)):
            if not _chosen(k, s):
                continue
            seg = snd[b:b + STEPS_PER_BEAT]
            heard = seg[seg >= 0]
            if heard.size == 0:
                out[b:b + STEPS_PER_BEAT] = VOCAB.REST
                continue
            p = int(heard[0])
            starts_here = tok[b] >= VOCAB.N_SPECIAL or snd[b] < 0 or (b > 0 and out[b - 1] == VOCAB.REST)
            prev_same = b > 0 and _sounding(out[:b])[-1] == p
            out[b:b + STEPS_PER_BEAT] = VOCAB.HOLD
            out[b] = VOCAB.HOLD if (prev_same and not starts_here and tok[b] == VOCAB.HOLD) else _pitch_of(p)
    elif (source, target) == ("german", "han"):
        for k, t in enumerate(np.flatnonzero(tok >= VOCAB.N_SPECIAL)):
            p = int(snd[t])
            if p % 12 not in PENTATONIC_PCS and _chosen(k, s):
                m = _nearest_pc(p, PENTATONIC_PCS)
                if VOCAB.low <= m < VOCAB.high:
                    out[t] = _pitch_of(m)
    else:  # han -> german
        onsets = np.flatnonzero(tok >= VOCAB.N_SPECIAL)
        for k, (t, u) in enumerate(zip(onsets[:-1], onsets[1:], strict=True)):
            p, q = int(snd[t]), int(snd[u])
            end = t + 1
            while end < T and tok[end] == VOCAB.HOLD:
                end += 1
            length = end - t
            if abs(q - p) != 3 or length < 2 or end != u or not _chosen(k, s):
                continue
            between = [x for x in range(min(p, q) + 1, max(p, q)) if x % 12 in MAJOR_PCS]
            if len(between) != 1:
                continue
            half = t + max(1, (length // 2) // 2 * 2) if length >= 4 else t + length // 2
            out[half] = _pitch_of(between[0])
    return out


# --------------------------------------------------------------------------- the learned transfer
def _interval_class(iv: int) -> int:
    """Signed interval class 0..6: <= -8, -7..-5, -4..-1, 0, 1..4, 5..7, >= 8 semitones."""
    a = abs(iv)
    c = 0 if a == 0 else 1 if a <= 4 else 2 if a <= 7 else 3
    return 3 + (c if iv > 0 else -c)


N_CONTENT = {"chorale_irish": 18, "german_han": 17}


def content_code(tokens: np.ndarray, pair: str) -> np.ndarray:
    """The content code of an excerpt: what the learned transfer keeps, per step.

    * ``chorale_irish`` (18 features): the pitch sounding at the start of the step's beat
      as a one-hot pitch class (12) and register ``(pitch - 72) / 12`` (1), a silence flag (1),
      the position in the beat (4). The rhythm inside the beat is left to the style.
    * ``german_han`` (17): note starts here (1), sounding (1), position in the beat (4), the
      signed interval class from the previous note (7 classes, see ``_interval_class``) and
      the register in 5-semitone bands (4). The exact scale degree is left to the style.

    Parameters
    ----------
    tokens : ndarray of int, shape (n_steps,) or (n, n_steps)
    pair : "chorale_irish" or "german_han"

    Returns
    -------
    ndarray of float32, shape (n, n_steps, N_CONTENT[pair])

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    pair = _check_pair(pair)
    tokens = _check_batch(tokens)
    n, T = tokens.shape
    x = np.zeros((n, T, N_CONTENT[pair]), dtype=np.float32)
    pos = np.arange(T) % STEPS_PER_BEAT
    for i, row in enumerate(tokens):
        snd = _sounding(row)
        if pair == "chorale_irish":
            beat_start = (np.arange(T) // STEPS_PER_BEAT) * STEPS_PER_BEAT
            bp = snd[beat_start]
            has = bp >= 0
            x[i, np.flatnonzero(has), bp[has] % 12] = 1
            x[i, :, 12] = np.where(has, (bp - 72) / 12.0, 0.0)
            x[i, :, 13] = ~has
            x[i, np.arange(T), 14 + pos] = 1
        else:
            on = row >= VOCAB.N_SPECIAL
            x[i, :, 0] = on
            x[i, :, 1] = snd >= 0
            x[i, np.arange(T), 2 + pos] = 1
            prev = -1
            cls = np.full(T, 3)
            for t in range(T):
                if on[t]:
                    cls[t] = _interval_class(int(snd[t]) - prev) if prev >= 0 else 3
                    prev = int(snd[t])
                elif t:
                    cls[t] = cls[t - 1]
            sounding = snd >= 0
            x[i, np.flatnonzero(sounding), 6 + cls[sounding]] = 1
            band = np.clip((snd - 57) // 5, 0, 3)
            x[i, np.flatnonzero(sounding), 13 + band[sounding]] = 1
    return x


class StyleDecoder:
    """Style-conditioned decoder: (content code, style mix) -> token distribution per step.

    ``style`` input per step is a mix ``(1 - s, s)`` of the pair's two styles; a bias-free
    Dense layer turns it into ``(1 - s) e_A + s e_B``, the interpolated style embedding.
    Two bidirectional GRU layers read content and style; a softmax gives each step's token.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    def __init__(self, pair: str, keras_model: Any) -> None:
        self.pair = _check_pair(pair)
        self.keras_model = keras_model

    @classmethod
    def build(cls, pair: str, units: int = 64, style_dim: int = 8) -> StyleDecoder:
        """An untrained decoder."""
        quiet_tensorflow()
        import keras
        from keras import layers

        c_in = keras.Input(shape=(None, N_CONTENT[_check_pair(pair)]), name="content")
        s_in = keras.Input(shape=(None, 2), name="style_mix")
        style = layers.Dense(style_dim, use_bias=False, name="style_embedding")(s_in)
        h = layers.Concatenate()([c_in, style])
        h = layers.Bidirectional(layers.GRU(units, return_sequences=True))(h)
        h = layers.Concatenate()([h, style])
        h = layers.Bidirectional(layers.GRU(units, return_sequences=True))(h)
        out = layers.Dense(VOCAB.size, activation="softmax")(h)
        return cls(pair, keras.Model([c_in, s_in], out, name=f"style_decoder_{pair}"))

    def _inputs(self, tokens: np.ndarray, strength_b: np.ndarray) -> list[np.ndarray]:
        c = content_code(tokens, self.pair)
        mix = np.repeat(np.stack([1 - strength_b, strength_b], axis=1)[:, None, :], c.shape[1], axis=1)
        return [c, mix.astype(np.float32)]

    def fit(self, tokens: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int = 64,
            learning_rate: float = 3e-3) -> dict:
        """Train as an autoencoder: each excerpt's content code and own style -> its tokens.

        For ``german_han`` only the note-start steps count in the loss (the rhythm is given).
        """
        import keras

        tokens = np.asarray(tokens, np.int64)
        inputs = self._inputs(tokens, np.asarray(y, np.float32))
        weight = (tokens >= VOCAB.N_SPECIAL).astype(np.float32) if self.pair == "german_han" else \
            np.ones(tokens.shape, np.float32)
        self.keras_model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                                 loss="sparse_categorical_crossentropy")
        hist = self.keras_model.fit(inputs, tokens, sample_weight=weight, epochs=epochs, batch_size=batch_size,
                                    verbose=0, shuffle=True)
        return {k: [round(float(v), 4) for v in vals] for k, vals in hist.history.items()}

    def decode(self, tokens: np.ndarray, target_b: np.ndarray | float, *, guidance: float = 0.0,
               away_b: float | None = None) -> np.ndarray:
        """Transfer excerpts: keep their content code, decode with style mix ``target_b`` (= weight of style B).

        With ``guidance`` g > 0 and ``away_b`` (the source style's mix, 0 or 1), the log-probabilities
        are pushed away from the source style, as in classifier-free guidance::

            log p = log p(x | c, target_b) + g (log p(x | c, target_b) - log p(x | c, away_b))

        German <-> Han keeps the source's rhythm exactly (the decoder picks the pitch of each
        note); chorale <-> Irish takes every step's most likely token, then a hold after
        silence becomes silence.
        """
        tokens = _check_batch(tokens)
        if not np.isfinite(guidance) or guidance < 0:
            raise ConfigError(f"argument 'guidance' is {guidance!r}; expected a number >= 0")
        mix = np.broadcast_to(np.asarray(target_b, np.float32), (len(tokens),))
        logp = np.log(self.keras_model.predict(self._inputs(tokens, mix), verbose=0, batch_size=256) + 1e-9)
        if guidance > 0 and away_b is not None:
            away = np.full(len(tokens), away_b, np.float32)
            ref = np.log(self.keras_model.predict(self._inputs(tokens, away), verbose=0, batch_size=256) + 1e-9)
            logp = logp + guidance * (logp - ref)
        if self.pair == "german_han":
            notes = logp[:, :, VOCAB.N_SPECIAL:].argmax(axis=2) + VOCAB.N_SPECIAL
            return np.where(tokens >= VOCAB.N_SPECIAL, notes, tokens)
        out = logp.argmax(axis=2)
        for row in out:
            for t in range(len(row)):
                if row[t] == VOCAB.HOLD and (t == 0 or row[t - 1] == VOCAB.REST):
                    row[t] = VOCAB.REST
        return out.astype(np.int64)

    def transfer(self, tokens: np.ndarray, source: str, target: str, strength: float = 1.0,
                 guidance: float = 0.0) -> np.ndarray:
        """Decode excerpts of style ``source`` towards ``target``: style mix ``strength``, pushed away from the source.

        Taught in: notebooks/06_style_transfer_and_fusion.ipynb
        """
        if _pair_of(source, target) != self.pair:
            raise ConfigError(f"arguments 'source' {source!r} and 'target' {target!r} are not this decoder's pair "
                              f"{self.pair!r}")
        s = _check_strength(strength)
        to_b = target == PAIRS[self.pair][1]
        return self.decode(tokens, s if to_b else 1 - s, guidance=guidance * s, away_b=0.0 if to_b else 1.0)


# --------------------------------------------------------------------------- measures
def _beat_pitches(tokens: np.ndarray) -> np.ndarray:
    return _sounding(tokens)[::STEPS_PER_BEAT]


def content_scores(source: np.ndarray, output: np.ndarray) -> dict[str, float]:
    """Content preservation of an output against its source, in the source's own time grid.

    * ``onset_f1``: F1 of the sets of note-start steps (exact steps: a melody stretched or
      squeezed in time keeps nothing);
    * ``beat_pitch_class``: share of beats, sounding in both, whose pitch classes at the
      beat's start agree;
    * ``contour``: share of successive beat pairs, sounding in both, whose beat pitches move
      the same way (up / same / down).

    Parameters
    ----------
    source, output : ndarray of int, shape (n_steps,)
        Tokens of the same length.

    Returns
    -------
    dict with keys ``onset_f1``, ``beat_pitch_class``, ``contour`` (each in [0, 1])

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    a, b = _check_tokens(source, "source"), _check_tokens(output, "output")
    if a.shape != b.shape:
        raise RepresentationError(f"arguments 'source' and 'output' differ in length: {a.size} vs {b.size} steps; "
                                  "content is measured in the source's own time grid")
    oa, ob = set(np.flatnonzero(a >= VOCAB.N_SPECIAL)), set(np.flatnonzero(b >= VOCAB.N_SPECIAL))
    hit = len(oa & ob)
    f1 = 2 * hit / (len(oa) + len(ob)) if oa or ob else 1.0
    pa, pb = _beat_pitches(a), _beat_pitches(b)
    both = (pa >= 0) & (pb >= 0)
    pc = float(np.mean(pa[both] % 12 == pb[both] % 12)) if both.any() else 0.0
    pair_ok = both[1:] & both[:-1]
    if pair_ok.any():
        contour = float(np.mean(np.sign(np.diff(pa))[pair_ok] == np.sign(np.diff(pb))[pair_ok]))
    else:
        contour = 0.0
    return {"onset_f1": float(f1), "beat_pitch_class": pc, "contour": contour}


def _pair_content(pair: str, source: np.ndarray, output: np.ndarray) -> float:
    """One output's ``content``: the mean of the pair's :data:`CONTENT_MEASURES` (:func:`content_scores`)."""
    scores = content_scores(source, output)
    return float(np.mean([scores[m] for m in CONTENT_MEASURES[pair]]))


def _bits_per_step(model: NGramModel, tokens: np.ndarray) -> float:
    nll, steps = 0.0, 0
    for row in np.atleast_2d(tokens):
        lp = model.log_probs(row)
        nll -= float(lp[np.arange(len(row)), row].sum())
        steps += len(row)
    return nll / steps / LN2


def evaluate_outputs(pair: str, sources: dict[str, np.ndarray], outputs: dict[str, np.ndarray],
                     judge: Any, ngrams: dict[str, NGramModel]) -> dict[str, float]:
    """The lesson's table row for one method on one pair, both directions.

    Parameters
    ----------
    pair : str
    sources : dict style -> token rows of that style (the inputs)
    outputs : dict style -> token rows transferred from ``sources[style]`` to the other style
    judge : LinearJudge or TokenJudge
        The frozen judge (P(style B)).
    ngrams : dict style -> NGramModel of that style's training excerpts

    Returns
    -------
    dict
        ``s_ab``, ``s_ba`` (share of outputs the judge calls the target style: transfer
        strength, Brunner et al. 2018), ``s_tot`` (their mean), ``onset_f1``,
        ``beat_pitch_class``, ``contour`` (means over both directions), ``content`` (mean of
        the pair's :data:`CONTENT_MEASURES`), ``step_bits`` (bits per token step of the outputs
        under the target style's token n-gram, mean of both directions), ``step_bits_ab``,
        ``step_bits_ba``. (Bits per *note*, ``naturalness_bits`` in the record, come from
        :func:`musiclib.models.style_checks.check_record`.)

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    a, b = PAIRS[_check_pair(pair)]
    res: dict[str, float] = {}
    content: dict[str, list[float]] = {"onset_f1": [], "beat_pitch_class": [], "contour": []}
    for src, tgt, key in ((a, b, "ab"), (b, a, "ba")):
        src_tokens, out_tokens = _check_batch(sources[src]), _check_batch(outputs[src])
        if src_tokens.shape != out_tokens.shape:
            raise RepresentationError(f"outputs[{src!r}] has shape {out_tokens.shape}; expected {src_tokens.shape}")
        p_b = judge.predict_proba(out_tokens)
        res[f"s_{key}"] = float(np.mean(p_b > 0.5) if tgt == b else np.mean(p_b <= 0.5))
        for s_row, o_row in zip(src_tokens, out_tokens, strict=True):
            for k, v in content_scores(s_row, o_row).items():
                content[k].append(v)
        res[f"step_bits_{key}"] = _bits_per_step(ngrams[tgt], out_tokens)
    res["s_tot"] = (res["s_ab"] + res["s_ba"]) / 2
    for k, v in content.items():
        res[k] = float(np.mean(v))
    res["content"] = float(np.mean([res[m] for m in CONTENT_MEASURES[pair]]))
    res["step_bits"] = (res["step_bits_ab"] + res["step_bits_ba"]) / 2
    return {k: round(v, 4) for k, v in res.items()}


# --------------------------------------------------------------------------- shipped models
def _save_keras(model: Any, path: Path, overwrite: bool) -> str:
    save_keras_model(model, path, overwrite=overwrite)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class StyleModels:
    """The frozen judges and decoders of both pairs, as shipped (see :func:`load_style_models`).

    Attributes
    ----------
    linear, token : dict pair -> LinearJudge / TokenJudge
    decoders : dict pair -> StyleDecoder
    record : dict
        The JSON record (recipe, metrics).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    linear: dict[str, LinearJudge]
    token: dict[str, TokenJudge]
    decoders: dict[str, StyleDecoder]
    record: dict = field(default_factory=dict)
    experts: dict[str, ExpertTransfer] = field(default_factory=dict)

    def expert(self, pair: str) -> ExpertTransfer:
        """The pair's product-of-experts transfer (the ``learned`` method), with the record's weights.

        Its rhythm and pitch n-grams are counted from the training excerpts on first use
        (a second or two; the counts are deterministic, so nothing is stored).
        """
        pair = _check_pair(pair)
        if pair not in self.experts:
            entry = self.record.get("pairs", {}).get(pair, {}).get("experts", {})
            settings = {k: ExpertSettings(**v) for k, v in entry.get("settings", {}).items()} or None
            limit = int(entry.get("train_excerpts_per_style", StyleRecipe().max_train_excerpts))
            seed = int(self.record.get("seed", DEFAULT_SEED))
            train = {s: style_excerpts(s, "train", limit=limit, seed=seed).tokens for s in PAIRS[pair]}
            self.experts[pair] = ExpertTransfer.fit(PAIRS[pair], train, settings)
        return self.experts[pair]

    def guidance(self, pair: str) -> float:
        """The decoding guidance chosen on the validation split for a pair (0 when not recorded)."""
        return float(self.record.get("pairs", {}).get(_check_pair(pair), {}).get("guidance", 0.0))

    def p_target(self, tokens: np.ndarray, target: str, judge: str = "token") -> np.ndarray:
        """P(target style) of excerpts under a pair's frozen judge (``"token"`` or ``"linear"``)."""
        _check_style(target, "target")
        pair = next(p for p, st in PAIRS.items() if target in st)
        if judge not in ("token", "linear"):
            raise ConfigError(f"argument 'judge' is {judge!r}; expected 'token' or 'linear'")
        p_b = (self.token if judge == "token" else self.linear)[pair].predict_proba(tokens)
        return p_b if target == PAIRS[pair][1] else 1 - p_b


def style_files(record_file: str | os.PathLike) -> tuple[Path, ...]:
    """The files :func:`save_style_models` writes: the record, then its four ``.keras`` files beside it.

    Used by: musiclib.train
    """
    target = Path(record_file)
    return (target, *(target.parent / f"{target.stem}_{kind}_{pair}.keras" for pair in PAIRS
                      for kind in ("judge", "decoder")))


def save_style_models(models: StyleModels, record_file: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write the four Keras files beside ``record_file`` and the record (with the linear judges).

    Used by: musiclib.train
    """
    target = Path(record_file)
    if target.suffix != ".json":
        raise CheckpointError(f"record path {str(target)!r} must end in .json")
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    check_can_write(target, overwrite)
    stem = target.stem
    hashes = {}
    for pair in PAIRS:
        for kind, model in (("judge", models.token[pair]), ("decoder", models.decoders[pair])):
            path = folder / f"{stem}_{kind}_{pair}.keras"
            hashes[path.name] = _save_keras(model.keras_model, path, overwrite)
    record = {**models.record, "files_sha256": hashes,
              "linear_judges": {p: j.to_dict() for p, j in models.linear.items()}}
    atomic_write_text(target, json.dumps(record, indent=2, sort_keys=True) + "\n", overwrite=overwrite)
    return target


def load_style_models(record_file: str | os.PathLike = STYLE_RECORD) -> StyleModels:
    """Load the frozen judges and decoders (default: the shipped ones).

    Raises
    ------
    CheckpointError
        A file is missing, damaged, or does not match the record's sha256.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    target = Path(record_file)
    if not target.exists():
        raise CheckpointError(f"style record {str(target)!r} does not exist; recreate it with `{TRAIN_COMMAND}`")
    try:
        record = json.loads(target.read_text(encoding="utf-8"))
        hashes = record["files_sha256"]
        linear = {p: LinearJudge.from_dict(d) for p, d in record["linear_judges"].items()}
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CheckpointError(f"style record {str(target)!r} is unreadable or incomplete: {exc}") from exc
    token, decoders = {}, {}
    for pair in PAIRS:
        for kind in ("judge", "decoder"):
            path = target.parent / f"{target.stem}_{kind}_{pair}.keras"
            if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() != hashes.get(path.name):
                raise CheckpointError(f"checkpoint {str(path)!r} does not match the sha256 in {target.name}")
            model = load_keras_checkpoint(path, command=TRAIN_COMMAND)
            if kind == "judge":
                token[pair] = TokenJudge(pair, model)
            else:
                decoders[pair] = StyleDecoder(pair, model)
    return StyleModels(linear, token, decoders, record)


# --------------------------------------------------------------------------- user-facing transfer
#: :func:`melody_tokens` keeps a melody in C unless another shift puts more than this share
#: of its note time more on the white keys. Chosen on the validation excerpts: through
#: :func:`transfer_melody`, Han -> German outputs had 5.5 % of their notes off C major at 0
#: and 4.4 % at 0.05 (real German validation melodies 3.2 %); 0.1 moves fewer still but
#: leaves more melodies in other keys with a few leading notes unmoved.
KEEP_C_SHARE = 0.05


def melody_tokens(melody: NoteList) -> tuple[np.ndarray, int]:
    """A monophonic melody as tokens in C major / A minor, and the shift that moved it there.

    The shift is the transposition that puts the most note time on the white keys (C major
    / A minor). A melody stays where it is when no shift would put more than
    :data:`KEEP_C_SHARE` more of its note time there (a passing note or two off the white
    keys does not move it), even when a short excerpt leaves the key estimate in doubt or
    would be more pentatonic elsewhere. Otherwise, among equally good shifts, the one with
    the most note time on C D E G A wins
    (a pentatonic melody fits three major keys), then :func:`estimate_key`'s key if it is
    one of them, then the smallest move. The melody is moved by -5..+6 semitones, or an
    octave further when that keeps it in MIDI 48..95.

    Raises
    ------
    RepresentationError
        Not a NoteList, fewer than two notes, polyphonic, outside MIDI 48..95 once moved,
        or shorter than 8 or longer than 512 sixteenth steps.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    if not isinstance(melody, NoteList):
        raise RepresentationError(f"argument 'melody' must be a NoteList, got {type(melody).__name__}")
    if len(melody) < 2:
        raise RepresentationError("argument 'melody' has fewer than two notes; expected a melody")
    if not melody.is_monophonic():
        raise RepresentationError("argument 'melody' is polyphonic (notes overlap); expected one melodic line, "
                                  "e.g. notes.select_part(0)")
    pcs, weight = melody.pitch.astype(int) % 12, np.asarray(melody.duration, dtype=float)
    fit = {k: (round(float(weight[np.isin((pcs + k) % 12, MAJOR_PCS)].sum()), 9),
               round(float(weight[np.isin((pcs + k) % 12, PENTATONIC_PCS)].sum()), 9)) for k in range(-5, 7)}
    best = [k for k, v in fit.items() if v == max(fit.values())]
    if fit[0][0] >= max(v[0] for v in fit.values()) - KEEP_C_SHARE * float(weight.sum()):
        best = [0]  # (nearly) every note already on the white keys: keep C
    key = estimate_key(melody)
    estimated = int(((0 if key.mode == "major" else 9) - key.tonic + 5) % 12 - 5)
    shift = estimated if estimated in best else min(best, key=lambda k: (abs(k), k))
    lo, hi = int(melody.pitch.min()), int(melody.pitch.max())
    fits = [k for k in (shift, shift + 12, shift - 12) if VOCAB.low <= lo + k and hi + k < VOCAB.high]
    if not fits:
        raise RepresentationError(f"argument 'melody' spans MIDI {lo}..{hi}; moved to C it must lie in "
                                  f"{VOCAB.low}..{VOCAB.high - 1}")
    shift = fits[0]
    moved = melody.transpose(shift)
    try:
        tokens = notes_to_tokens(moved, VOCAB)
    except VocabularyError as exc:
        raise RepresentationError(f"argument 'melody' cannot be written as tokens: {exc}") from exc
    _check_tokens(tokens, "melody")
    return tokens, shift


def transfer_melody(models: StyleModels, melody: NoteList, source: str, target: str, *,
                    method: str = "learned", strength: float = 1.0) -> NoteList:
    """Move a melody from one style of a pair towards the other.

    The melody is moved to C major / A minor (:func:`melody_tokens`), transferred
    (:func:`transfer_tokens`), and moved back. ``method="rule"`` uses :func:`rule_transfer` (``strength`` = share of
    places changed); ``"learned"`` the pair's product of experts
    (:class:`~musiclib.models.style_experts.ExpertTransfer`: the styles' rhythm and pitch
    n-grams mixed as ``P_source^(1-s) P_target^s`` with ``s = strength``, times a content
    expert); ``"decoder"`` the pair's neural :class:`StyleDecoder` with the style mix
    ``strength`` (0 = the source style's embedding, 1 = the target's).

    Raises
    ------
    ConfigError
        Unknown style, styles not of one pair, unknown method, strength outside [0, 1].
    RepresentationError
        Not a monophonic melody, outside the pitch range, or too short or long.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    _pair_of(source, target)
    s = _check_strength(strength)
    if method not in METHODS:
        raise ConfigError(f"argument 'method' is {method!r}; expected one of {list(METHODS)}")
    tokens, shift = melody_tokens(melody)
    out = transfer_tokens(models, method, tokens[None, :], source, target, s)[0]
    return tokens_to_notes(out, VOCAB).transpose(-shift)


#: The transfer methods of :func:`transfer_melody` and :func:`fusion_path`.
METHODS = ("rule", "learned", "decoder")


def transfer_tokens(models: StyleModels, method: str, tokens: np.ndarray, source: str, target: str,
                    strength: float = 1.0) -> np.ndarray:
    """Transfer token rows (in C major / A minor) of style ``source`` towards ``target`` with one method.

    ``method`` is one of :data:`METHODS`: ``"rule"`` (:func:`rule_transfer`), ``"learned"``
    (the pair's product of experts, :meth:`StyleModels.expert`) or ``"decoder"`` (the pair's
    :class:`StyleDecoder` with its recorded guidance); ``strength`` as in :func:`transfer_melody`.

    Returns
    -------
    ndarray of int64, shape (n, n_steps)

    Raises
    ------
    ConfigError
        Unknown style or method, styles not of one pair, strength outside [0, 1].

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    pair = _pair_of(source, target)
    if method not in METHODS:
        raise ConfigError(f"argument 'method' is {method!r}; expected one of {list(METHODS)}")
    strength = _check_strength(strength)
    tokens = _check_batch(tokens)
    if method == "rule":
        return np.stack([rule_transfer(r, source, target, strength) for r in tokens])
    if method == "learned":
        return models.expert(pair).transfer(tokens, source, target, strength)
    return models.decoders[pair].transfer(tokens, source, target, strength, models.guidance(pair))


def fusion_path(models: StyleModels, tokens: np.ndarray, source: str, target: str,
                strengths: Sequence[float] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0), *,
                method: str = "learned") -> dict[str, np.ndarray]:
    """Style fusion (风格融合): transfer excerpts with the style strength moved from source to target.

    ``method="learned"`` mixes the styles' models as ``P_source^(1-s) P_target^s``, the rhythm
    and the pitch models at the strengths
    :func:`~musiclib.models.style_experts.factor_strengths` gives for the direction's
    ``rhythm_lead`` (chosen on validation, in the record); ``"decoder"`` moves the neural
    decoder's style embedding from source to target.

    Returns
    -------
    dict
        ``strength`` (k,), ``outputs`` (k, n, T) tokens, ``p_target`` (k, n) under the token
        judge, ``content`` (k, n): mean of the pair's content measures against the source.

    Raises
    ------
    ConfigError
        Unknown style or method, styles not of one pair, fewer than two ``strengths`` or
        one outside [0, 1].

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    pair = _pair_of(source, target)
    tokens = _check_batch(tokens)
    if method not in ("learned", "decoder"):
        raise ConfigError(f"argument 'method' is {method!r}; expected 'learned' or 'decoder'")
    try:
        points = list(strengths)
    except TypeError:
        raise ConfigError(f"argument 'strengths' is {strengths!r}; expected a sequence of numbers in [0, 1]") from None
    if len(points) < 2:
        raise ConfigError(f"argument 'strengths' has {len(points)} point(s); a path needs at least two")
    st = np.array([_check_strength(s, "strengths") for s in points])
    outs, p, content = [], [], []
    for s in st:
        out = transfer_tokens(models, method, tokens, source, target, float(s))
        outs.append(out)
        p.append(models.p_target(out, target))
        content.append([_pair_content(pair, x, y) for x, y in zip(tokens, out, strict=True)])
    return {"strength": st, "outputs": np.array(outs), "p_target": np.array(p), "content": np.array(content)}


def _train_cap(recipe: StyleRecipe, data_fraction: float) -> int:
    """Training excerpts per style under a profile's data fraction (at least 100)."""
    return max(100, int(recipe.max_train_excerpts * data_fraction))


def excerpt_fingerprints(recipe: StyleRecipe | None = None, seed: int = DEFAULT_SEED,
                         profile: str | None = None) -> dict[str, dict[str, str]]:
    """SHA-256 of the token excerpts training and evaluation use, per style and split.

    The training excerpts are capped as :func:`train_style` caps them under ``profile``;
    validation excerpts at ``recipe.eval_excerpts``, test excerpts at ``recipe.test_excerpts``
    (None: all). The record keeps these
    fingerprints, so a change to how melodies become excerpts (:func:`melody_tokens`,
    :func:`style_excerpts`) shows as a mismatch that asks for a retrain, even where the
    frozen judges would not notice it.

    Returns
    -------
    dict style -> {"train": hex, "valid": hex, "test": hex}

    Used by: train_style (the record's ``excerpts_sha256``) and tests/test_models_style.py
    """
    from musiclib.config import get_profile

    recipe = recipe or StyleRecipe()
    limits = {"train": _train_cap(recipe, get_profile(profile).data_fraction),
              "valid": recipe.eval_excerpts, "test": recipe.test_excerpts}
    return {s: {split: hashlib.sha256(np.ascontiguousarray(
        style_excerpts(s, split, limit=limit, seed=seed).tokens, dtype=np.int64).tobytes()).hexdigest()
        for split, limit in limits.items()} for s in STYLES}


# --------------------------------------------------------------------------- the lesson's tables
def evaluation_excerpts(pair: str, recipe: StyleRecipe | None = None,
                        seed: int = DEFAULT_SEED) -> dict[str, np.ndarray]:
    """The test excerpts the tables are measured on: every one, or ``recipe.test_excerpts`` per style (seeded).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    recipe = recipe or StyleRecipe()
    return {s: style_excerpts(s, "test", limit=recipe.test_excerpts, seed=seed).tokens
            for s in PAIRS[_check_pair(pair)]}


def target_ngrams(pair: str, recipe: StyleRecipe | None = None, train: Excerpts | None = None,
                  seed: int = DEFAULT_SEED) -> dict[str, NGramModel]:
    """Each style's naturalness n-gram, fitted on its training excerpts (capped as in training).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    recipe = recipe or StyleRecipe()
    styles = PAIRS[_check_pair(pair)]
    if train is None:
        train = _join([style_excerpts(s, "train", limit=recipe.max_train_excerpts, seed=seed) for s in styles])
    return {s: NGramModel.fit(list(train.of_style(s)), recipe.ngram_order, VOCAB, recipe.ngram_discount)
            for s in styles}


def measure_methods(pair: str, sources: dict[str, np.ndarray], token_judge: TokenJudge, linear_judge: LinearJudge,
                    decoder: StyleDecoder, ngrams: dict[str, NGramModel],
                    guidance: float = 0.0, experts: ExpertTransfer | None = None) -> dict[str, dict[str, float]]:
    """One table per pair: identity, rule, neural decoder and learned transfer, both directions, every measure.

    ``decoder`` is the neural :class:`StyleDecoder` (row ``decoder``); ``experts`` the product of
    experts (row ``learned``, left out when not given).

    Rows as :func:`evaluate_outputs` (under the token judge) plus ``s_tot_linear``,
    ``s_ab_linear``, ``s_ba_linear`` (under the linear judge), ``real_step_bits_<style>`` (bits
    per step of that style's real excerpts under its own n-gram) and ``real_target_step_bits``
    (their mean).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    a, b = PAIRS[_check_pair(pair)]
    outputs = {
        "identity": {s: sources[s] for s in (a, b)},
        "rule": {s: np.stack([rule_transfer(r, s, o) for r in sources[s]]) for s, o in ((a, b), (b, a))},
        "decoder": {a: decoder.transfer(sources[a], a, b, 1.0, guidance),
                    b: decoder.transfer(sources[b], b, a, 1.0, guidance)},
    }
    if experts is not None:
        outputs["learned"] = {a: experts.transfer(sources[a], a, b), b: experts.transfer(sources[b], b, a)}
    real = {s: _bits_per_step(ngrams[s], sources[s]) for s in (a, b)}
    methods = {}
    for name, outs in outputs.items():
        row = evaluate_outputs(pair, sources, outs, token_judge, ngrams)
        lin = evaluate_outputs(pair, sources, outs, linear_judge, ngrams)
        methods[name] = row | {"s_tot_linear": lin["s_tot"], "s_ab_linear": lin["s_ab"], "s_ba_linear": lin["s_ba"],
                               "real_target_step_bits": round((real[a] + real[b]) / 2, 4),
                               f"real_step_bits_{a}": round(real[a], 4), f"real_step_bits_{b}": round(real[b], 4)}
    return methods


def format_methods(pair: str, methods: dict[str, dict[str, float]]) -> str:
    """A plain-text table of :func:`measure_methods` (S under the token judge; "S_tot lin" under the linear one).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    a, b = PAIRS[_check_pair(pair)]
    head = (f"{'method':<9} {'S ' + a[:4] + '>' + b[:4]:>12} {'S ' + b[:4] + '>' + a[:4]:>12} {'S_tot':>6} "
            f"{'S_tot lin':>9} {'onsetF1':>7} {'beatPC':>6} {'contour':>7} {'content':>7} "
            f"{'bits>' + b[:4]:>9} {'bits>' + a[:4]:>9}")
    lines = [head]
    for name, r in methods.items():
        lines.append(f"{name:<9} {r['s_ab']:>12.2f} {r['s_ba']:>12.2f} {r['s_tot']:>6.2f} {r['s_tot_linear']:>9.2f} "
                     f"{r['onset_f1']:>7.2f} {r['beat_pitch_class']:>6.2f} {r['contour']:>7.2f} "
                     f"{r['content']:>7.2f} {r['step_bits_ab']:>9.2f} {r['step_bits_ba']:>9.2f}")
    r = next(iter(methods.values()))
    lines.append(f"real {b} excerpts: {r['real_step_bits_' + b]:.2f} bits/step under the {b} n-gram; "
                 f"real {a} excerpts: {r['real_step_bits_' + a]:.2f} under the {a} n-gram")
    return "\n".join(lines)


# --------------------------------------------------------------------------- training
def _accuracy(p_b: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p_b > 0.5) == (y == 1)))


#: What the record's figures are measured on and how (its "evaluation" entry).
RECORD_EVALUATION = (
    "test-split excerpts (64 steps, C major / A minor) of both styles; s_* = share of outputs the "
    "frozen token judge calls the target style (s_*_linear: the linear judge); content = mean of "
    "the pair's content_measures against the source in its own grid; step_bits = bits "
    "per token step under a target-style token n-gram fitted on the training excerpts; methods: identity, "
    "rule, decoder (the neural StyleDecoder), learned (the product of experts, musiclib.models.style_experts); the "
    "shortcut checks of musiclib.models.style_checks.check_record: s_tot_second_judge (a "
    "gradient-boosted-tree judge never used for tuning), s_tot_ci (95 %), naturalness_bits = "
    "bits per note under an (interval, inter-onset) n-gram of the target style, rhythm_tv, "
    "out_of_scale, degenerate_rate, contour_r, interval_sign; per direction under 'directions'"
)


def train_style(record_file: str | os.PathLike | None = None, *, recipe: StyleRecipe | None = None,
                profile: str | None = None, seed: int = DEFAULT_SEED, overwrite: bool = False,
                progress: bool = True) -> dict:
    """Train the judges and decoders of both pairs, measure every method, write the record.

    Parameters
    ----------
    record_file : path of the JSON record, optional
        Default: the shipped ``musiclib/checkpoints/style_transfer.json``; the Keras files
        go beside it. A shipped file is replaced only when named here explicitly (with
        ``overwrite=True``).
    recipe : StyleRecipe, optional
    profile : str, optional
        ``ci`` trains a few epochs on a tenth of the data (for tests of the command).
    seed : int
    overwrite : bool

    Returns
    -------
    dict
        The record written.

    Used by: musiclib.train
    """
    from musiclib.config import get_profile
    from musiclib.models import style_checks

    quiet_tensorflow()
    prof = get_profile(profile)
    recipe = recipe or StyleRecipe()
    target = Path(record_file) if record_file is not None else STYLE_RECORD
    if record_file is None and target.exists():
        raise FileExistsNoOverwriteError(
            f"the shipped style record {str(target)!r} exists; to replace the shipped models name it explicitly: "
            f"`{TRAIN_COMMAND} --ship`, or write elsewhere with --out my_style.json")
    check_can_write(target, overwrite)
    say = (lambda s: print(s, flush=True)) if progress else (lambda s: None)
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    cap = _train_cap(recipe, prof.data_fraction)
    linear, token, decoders, pairs_rec = {}, {}, {}, {}
    for pair, (a, b) in PAIRS.items():
        t0 = time.perf_counter()
        seed_everything(seed)
        train = _join([style_excerpts(s, "train", limit=cap, seed=seed) for s in (a, b)])
        test = _join([style_excerpts(s, "test", limit=recipe.test_excerpts, seed=seed) for s in (a, b)])
        y_tr, y_te = train.labels(pair), test.labels(pair)
        lin = LinearJudge.fit(pair, _features_of_tokens(train.tokens), y_tr)
        tj = TokenJudge.build(pair, recipe.judge_filters)
        tj.fit(train.tokens, y_tr, epochs=prof.epochs(recipe.judge_epochs), batch_size=recipe.batch_size,
               learning_rate=recipe.learning_rate)
        p_lin, p_tok = lin.predict_proba(test.tokens), tj.predict_proba(test.tokens)
        acc = {"token": _accuracy(p_tok, y_te), "linear": _accuracy(p_lin, y_te)}
        say(f"{pair}: judges held-out accuracy token {acc['token']:.3f}, linear {acc['linear']:.3f} "
            f"({len(train)} train / {len(test)} test excerpts)")
        dec = StyleDecoder.build(pair, recipe.decoder_units, recipe.style_dim)
        t_dec = time.perf_counter()
        hist = dec.fit(train.tokens, y_tr, epochs=prof.epochs(recipe.decoder_epochs), batch_size=recipe.batch_size,
                       learning_rate=recipe.learning_rate)
        dec_seconds = time.perf_counter() - t_dec
        say(f"{pair}: decoder trained in {dec_seconds:.0f} s, loss {hist['loss'][0]:.3f} -> {hist['loss'][-1]:.3f}")
        guidance, sweep = _choose_guidance(pair, dec, tj, recipe, seed)
        say(f"{pair}: guidance on validation {sweep}; chosen {guidance}")
        experts, experts_rec = _fit_experts(pair, train, tj, recipe, seed, cap)
        say(f"{pair}: product of experts, weights chosen on validation: {experts_rec['settings']}")
        ngrams = target_ngrams(pair, recipe, train)
        sources = {s: test.of_style(s) for s in (a, b)}
        methods = measure_methods(pair, sources, tj, lin, dec, ngrams, guidance, experts)
        for name, row in methods.items():
            say(f"  {name:<9} S_tot {row['s_tot']:.2f} (linear {row['s_tot_linear']:.2f}) content "
                f"{row['content']:.2f} bits/step {row['step_bits']:.2f}")
        real = {s: round(_bits_per_step(ngrams[s], sources[s]), 4) for s in (a, b)}
        pairs_rec[pair] = {
            "styles": [a, b],
            "classifier_accuracy": round(acc["token"], 4),
            "classifier_accuracy_linear": round(acc["linear"], 4),
            "judge": "token CNN (classifier_accuracy); linear: logistic regression on style_features",
            "content_measures": list(CONTENT_MEASURES[pair]),
            "real_target_step_bits": real,
            "guidance": guidance,
            "guidance_on_validation": sweep,
            "experts": experts_rec,
            "methods": methods,
            "excerpts": {"train": len(train), "test": len(test)},
            "decoder_seconds": round(dec_seconds, 1),
            "decoder_history": hist,
            "seconds": round(time.perf_counter() - t0, 1),
        }
        linear[pair], token[pair], decoders[pair] = lin, tj, dec
        checks = style_checks.check_record(StyleModels(linear, token, decoders, {"pairs": pairs_rec},
                                                       {pair: experts}), pair, sources, max_excerpts=cap, seed=seed)
        pairs_rec[pair] |= {k: v for k, v in checks.items() if k != "methods"}
        for name, row in methods.items():
            row |= {k: v for k, v in checks["methods"][name].items() if k != "s_tot"}
            say(f"  {name:<9} second judge S_tot {row['s_tot_second_judge']:.2f}, {row['naturalness_bits']:.2f} "
                f"bits/note (real {checks['real_target_naturalness_bits']:.2f}), rhythm TV {row['rhythm_tv']:.2f}, "
                f"out of key {row['out_of_scale']:.3f}, degenerate {row['degenerate_rate']:.2f}")
    import keras
    import tensorflow as tf

    record = {
        "command": TRAIN_COMMAND + (" --ship" if is_shipped(target) else f" --out {target.name}")
        + (f" --profile {prof.name}" if profile else "") + (f" --seed {seed}" if seed != DEFAULT_SEED else ""),
        "seed": seed,
        "profile": prof.name,
        "recipe": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(recipe).items()},
        "excerpt_steps": EXCERPT_STEPS,
        "data": {s: _manifest_hash(STYLES[s]) for s in STYLES},
        "excerpts_sha256": excerpt_fingerprints(recipe, seed, prof.name),
        "pairs": pairs_rec,
        "seconds": round(time.perf_counter() - t_start, 1),
        "cpu_seconds": round(time.process_time() - cpu_start, 1),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
        "evaluation": RECORD_EVALUATION,
    }
    save_style_models(StyleModels(linear, token, decoders, record), target, overwrite=overwrite)
    say(f"wrote {target} and its four .keras files")
    return record


def _choose_guidance(pair: str, dec: StyleDecoder, judge: TokenJudge, recipe: StyleRecipe,
                     seed: int) -> tuple[float, dict[str, dict[str, float]]]:
    a, b = PAIRS[pair]
    valid = {s: style_excerpts(s, "valid", limit=recipe.eval_excerpts, seed=seed).tokens for s in (a, b)}
    sweep: dict[str, dict[str, float]] = {}
    for g in recipe.guidance_grid:
        s_dir, content = [], []
        for src, tgt in ((a, b), (b, a)):
            out = dec.transfer(valid[src], src, tgt, 1.0, g)
            p_b = judge.predict_proba(out)
            s_dir.append(float(np.mean(p_b > 0.5) if tgt == b else np.mean(p_b <= 0.5)))
            content += [_pair_content(pair, x, y) for x, y in zip(valid[src], out, strict=True)]
        sweep[str(g)] = {"s_tot": round(float(np.mean(s_dir)), 4), "content": round(float(np.mean(content)), 4)}
    ok = [g for g in recipe.guidance_grid if sweep[str(g)]["content"] >= recipe.min_content] or [0.0]
    return float(max(ok, key=lambda g: (sweep[str(g)]["s_tot"], -g))), sweep


#: Mean contour correlation the product of experts must keep on validation: the lesson's content
#: aims (0.80 chorale <-> Irish, 0.85 German <-> Han) plus 0.02 for the step from validation to test.
EXPERT_MIN_CONTOUR_R = {"chorale_irish": 0.82, "german_han": 0.87}


def _fit_experts(pair: str, train: Excerpts, judge: TokenJudge, recipe: StyleRecipe, seed: int,
                 cap: int) -> tuple[ExpertTransfer, dict[str, Any]]:
    """Fit the pair's product of experts on the training excerpts; choose its weights on validation (token judge).

    ``lam`` and ``move_bonus`` first (:func:`tune_experts`), then the fusion path's ``rhythm_lead``
    (:func:`tune_fusion`), which leaves the full-strength transfer as it is.
    """
    a, b = PAIRS[pair]
    t0 = time.process_time()
    experts = ExpertTransfer.fit((a, b), {s: train.of_style(s) for s in (a, b)})
    valid = {s: style_excerpts(s, "valid", limit=recipe.eval_excerpts, seed=seed).tokens for s in (a, b)}

    def p_target(tokens: np.ndarray, target: str) -> np.ndarray:
        p_b = judge.predict_proba(tokens)
        return p_b if target == b else 1 - p_b

    settings, sweep = tune_experts(experts, valid, p_target, min_contour_r=EXPERT_MIN_CONTOUR_R[pair])
    settings, fusion_sweep = tune_fusion(experts.with_settings(settings), valid, p_target)
    return experts.with_settings(settings), {
        "settings": {k: asdict(v) for k, v in settings.items()},
        "min_contour_r": EXPERT_MIN_CONTOUR_R[pair],
        "sweep_on_validation": sweep,
        "fusion_sweep_on_validation": fusion_sweep,
        "train_excerpts_per_style": cap,
        "cpu_seconds": round(time.process_time() - t0, 1),
    }


def _manifest_hash(corpus: str) -> str:
    from musiclib.datasets import read_manifest

    entry = read_manifest()["files"].get(f"{corpus}.npz", {})
    return str(entry.get("sha256", ""))
