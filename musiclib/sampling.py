"""Sampling (采样) from a next-token model: temperature, top-k, top-p, priming, copying.

A melody model gives, at every step, a probability for each token of the
vocabulary. Generation turns those numbers into one token with a seeded random
draw, feeds it back, and repeats::

    logits --(/ temperature)--> log-softmax --(top-k, top-p)--> renormalise --> draw

Everything here is plain NumPy on log-probabilities, stable for temperatures from
0 (greedy: always the most likely token) to 10 (nearly uniform), and never NaN.

Any :class:`MelodyModel` can be sampled: its ``session(primer_tokens,
primer_positions)`` gives a :class:`Session` whose ``log_probs(position)`` returns the
next step's natural-log probabilities (shape ``(vocab.size,)``) and ``append(token)``
feeds a token back. :class:`musiclib.models.ngram.NGramModel` and
:class:`musiclib.models.melody.MelodyLSTM` both are melody models.

Taught in: notebooks/04_lstm_melody_generation.ipynb
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from musiclib.errors import RepresentationError, ShapeError
from musiclib.representation import (
    DEFAULT_LIMITS,
    LoadLimits,
    MelodyVocabulary,
    NoteList,
    bar_positions,
    notes_to_tokens,
    tokens_to_notes,
)

__all__ = [
    "MelodyModel",
    "Session",
    "check_model",
    "MAX_TEMPERATURE",
    "log_softmax",
    "next_token_distribution",
    "sample_token",
    "primer_tokens",
    "bar_positions",
    "generate",
    "continue_melody",
    "parse_melody",
    "CopyReport",
    "longest_copied_run",
    "repetition_rate",
]

MAX_TEMPERATURE = 10.0
_TINY_T = 1e-6  # below this, temperature is treated as 0 (greedy)


class Session(Protocol):
    """A model primed with a melody, stepped one token at a time.

    ``log_probs(position)`` gives the natural-log probabilities of the next token
    (shape ``(vocab.size,)``) at bar position ``position``; ``append(token)`` feeds
    the chosen token back.

    Used by: musiclib.sampling.MelodyModel
    """

    def log_probs(self, position: int) -> np.ndarray: ...

    def append(self, token: int) -> None: ...


@runtime_checkable
class MelodyModel(Protocol):
    """What every melody model of the course offers (the n-grams and the LSTM).

    * ``name`` — a short name for tables and records (``"ngram_5"``, ``"lstm"``);
    * ``vocab`` — its :class:`~musiclib.representation.MelodyVocabulary`;
    * ``log_probs_batch(tokens, positions)`` — for each piece, the natural-log
      probabilities of every step given the steps before it, shape ``(T, vocab.size)``
      (used by :func:`musiclib.models.melody.evaluate`);
    * ``session(primer_tokens, primer_positions)`` — a :class:`Session` for sampling
      (used by :func:`generate`).

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """

    @property
    def name(self) -> str: ...

    @property
    def vocab(self) -> MelodyVocabulary: ...

    def log_probs_batch(self, tokens: Sequence[np.ndarray],
                        positions: Sequence[np.ndarray]) -> list[np.ndarray]: ...

    def session(self, primer_tokens: np.ndarray, primer_positions: np.ndarray) -> Session: ...


def check_model(model: object, name: str = "model") -> MelodyModel:
    """Return ``model`` if it is a :class:`MelodyModel`; a clear error otherwise.

    Used by: musiclib.sampling.generate, musiclib.models.melody.evaluate
    """
    if not isinstance(model, MelodyModel):
        missing = [a for a in ("name", "vocab", "log_probs_batch", "session") if not hasattr(model, a)]
        raise ShapeError(f"argument {name!r} is a {type(model).__name__}; expected a melody model "
                         f"(NGramModel, MelodyLSTM, ...) offering {missing}")
    return model


# --------------------------------------------------------------------------- distributions
def _as_logits(logits: Any, name: str = "logits") -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim not in (1, 2) or z.shape[-1] == 0:
        raise ShapeError(f"argument {name!r} has shape {z.shape}; expected (vocab,) or (batch, vocab)")
    if np.isnan(z).any() or np.isposinf(z).any():
        raise ShapeError(f"argument {name!r} contains NaN or +inf; expected finite scores (or -inf to forbid)")
    if np.isneginf(z).all(axis=-1).any():
        raise ShapeError(f"argument {name!r} has a row where every score is -inf; nothing could be sampled")
    return z


def log_softmax(logits: Any) -> np.ndarray:
    """Natural-log probabilities, computed stably: ``z - max(z) - log(sum(exp(z - max(z))))``.

    Parameters
    ----------
    logits : array, shape (vocab,) or (batch, vocab)
        Unnormalised scores; ``-inf`` marks a forbidden token.

    Returns
    -------
    array of float64, same shape; ``exp`` of each row sums to 1.

    Used by: musiclib.models.melody, musiclib.sampling
    """
    z = _as_logits(logits)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _check_options(temperature: float, top_k: int | None, top_p: float | None, vocab_size: int) -> None:
    if not isinstance(temperature, int | float | np.floating | np.integer) or not np.isfinite(temperature) \
            or not 0 <= temperature <= MAX_TEMPERATURE:
        raise ShapeError(f"argument 'temperature' is {temperature!r}; expected a number in 0..{MAX_TEMPERATURE:g}")
    if top_k is not None and (int(top_k) != top_k or not 1 <= top_k):
        raise ShapeError(f"argument 'top_k' is {top_k!r}; expected a whole number >= 1 (or None)")
    if top_p is not None and (not np.isfinite(top_p) or not 0 < top_p <= 1):
        raise ShapeError(f"argument 'top_p' is {top_p!r}; expected a number in (0, 1] (or None)")


def next_token_distribution(
    logits: Any,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> np.ndarray:
    """The distribution a token is drawn from, after temperature, top-k and top-p.

    * temperature ``T``: ``p_i ∝ exp(z_i / T)``. ``T = 0`` puts all mass on the
      most likely token (the first one on ties); ``T < 1`` sharpens, ``T > 1``
      flattens (up to :data:`MAX_TEMPERATURE`).
    * top-k (前 k 个): keep only the ``k`` most likely tokens.
    * top-p (nucleus, 核采样): keep the smallest set of most likely tokens whose
      probabilities add up to at least ``p`` (always at least the top token).

    The kept tokens are renormalised to sum to 1.

    Parameters
    ----------
    logits : array, shape (vocab,) or (batch, vocab)
        Scores or log-probabilities (the result is the same: softmax ignores shifts).
    temperature : float in [0, 10]
    top_k : int >= 1, optional
    top_p : float in (0, 1], optional

    Returns
    -------
    array of float64, same shape as ``logits``; rows sum to 1, no NaN.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    z = _as_logits(logits)
    _check_options(temperature, top_k, top_p, z.shape[-1])
    squeeze = z.ndim == 1
    z = np.atleast_2d(z)
    if temperature < _TINY_T:
        probs = np.zeros_like(z)
        probs[np.arange(len(z)), np.argmax(z, axis=-1)] = 1.0
        return probs[0] if squeeze else probs
    logp = log_softmax((z - z.max(axis=-1, keepdims=True)) / float(temperature))
    order = np.argsort(-z, axis=-1, kind="stable")  # most likely first (exact order of z), ties by index
    keep_sorted = np.ones_like(logp, dtype=bool)
    if top_k is not None:
        keep_sorted[:, int(top_k):] = False
    if top_p is not None:
        sorted_p = np.take_along_axis(np.exp(logp), order, axis=-1)
        before = np.cumsum(sorted_p, axis=-1) - sorted_p  # mass of the tokens ranked above
        keep_sorted &= before < top_p - 1e-12
        keep_sorted[:, 0] = True
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    logp = np.where(keep, logp, -np.inf)
    probs = np.exp(log_softmax(logp))
    return probs[0] if squeeze else probs


def sample_token(
    logits: Any,
    rng: np.random.Generator,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> int:
    """Draw one token index from :func:`next_token_distribution` with ``rng``.

    Greedy (``temperature=0``) never touches ``rng``.

    Used by: musiclib.sampling
    """
    z = _as_logits(logits)
    if z.ndim != 1:
        raise ShapeError(f"argument 'logits' has shape {z.shape}; expected one row (vocab,)")
    probs = next_token_distribution(z, temperature, top_k, top_p)
    if temperature < _TINY_T:
        return int(np.argmax(probs))
    if not isinstance(rng, np.random.Generator):
        raise ShapeError(f"argument 'rng' is {rng!r}; expected a numpy Generator, e.g. np.random.default_rng(0)")
    cdf = np.cumsum(probs)
    u = rng.random() * cdf[-1]
    return int(min(np.searchsorted(cdf, u, side="right"), len(probs) - 1))


# --------------------------------------------------------------------------- priming
def primer_tokens(primer: Any, vocab: MelodyVocabulary | None = None) -> np.ndarray:
    """Turn a primer (a monophonic NoteList or a token sequence) into tokens.

    Raises
    ------
    RepresentationError
        Empty primer, or a NoteList with a chord (the message names its offset).
    VocabularyError
        A token outside the vocabulary, or a pitch outside its range.

    Used by: musiclib.sampling
    """
    vocab = vocab or MelodyVocabulary()
    if isinstance(primer, NoteList):
        if len(primer) == 0:
            raise RepresentationError("argument 'primer' is an empty NoteList; give at least one note")
        tokens = notes_to_tokens(primer, vocab, polyphony="error")
    else:
        if isinstance(primer, str):
            raise RepresentationError(
                "argument 'primer' is a string; parse it first with parse_melody('C5 D5 E5:2')")
        try:
            arr = np.asarray(primer)
        except (TypeError, ValueError) as exc:
            raise RepresentationError(f"argument 'primer' cannot be read as tokens: {exc}") from exc
        if arr.size == 0:
            raise RepresentationError("argument 'primer' is empty; give at least one token or note")
        tokens = vocab.check_tokens(arr, name="primer")
    if tokens.size == 0:
        raise RepresentationError("argument 'primer' is empty; give at least one token or note")
    return tokens


def _check_length(length: Any, limits: LoadLimits | None = None) -> int:
    limits = limits or DEFAULT_LIMITS
    most = int(limits.max_quarters * 4)
    if isinstance(length, bool) or not isinstance(length, int | np.integer) or length <= 0:
        raise ShapeError(f"argument 'length' is {length!r}; expected a whole number of steps >= 1")
    if length > most:
        raise ShapeError(f"argument 'length' is {length!r}; expected at most {most:,} steps "
                         f"(LoadLimits.max_quarters = {limits.max_quarters:,.0f} quarters of 4 steps)")
    return int(length)


def _check_seed(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ShapeError(f"argument 'seed' is {seed!r}; expected a whole number >= 0 or a numpy Generator")
    return np.random.default_rng(int(seed))


def _check_primer_size(primer: Any, limits: LoadLimits | None = None) -> None:
    """Refuse a primer NoteList beyond the limits before it is turned into grid steps."""
    limits = limits or DEFAULT_LIMITS
    if isinstance(primer, NoteList) and len(primer):
        if len(primer) > limits.max_notes:
            raise RepresentationError(f"argument 'primer' holds {len(primer):,} notes; the limit is "
                                      f"{limits.max_notes:,} (LoadLimits.max_notes)")
        longest = float(primer.duration.max())
        if longest > limits.max_note_quarters:
            raise RepresentationError(f"argument 'primer' holds a note of {longest:,.6g} quarters; the limit is "
                                      f"{limits.max_note_quarters:,.0f} (LoadLimits.max_note_quarters)")
        if primer.end > limits.max_quarters:
            raise RepresentationError(f"argument 'primer' lasts {primer.end:,.6g} quarters; the limit is "
                                      f"{limits.max_quarters:,.0f} (LoadLimits.max_quarters)")


def generate(
    model: MelodyModel,
    primer: Any,
    length: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | np.random.Generator = 0,
    bar_steps: int = 16,
    offset: int = 0,
) -> np.ndarray:
    """Continue a primer with ``length`` sampled tokens (the primer is not included).

    Parameters
    ----------
    model : MelodyModel (NGramModel, MelodyLSTM, ...)
    primer : NoteList (monophonic) or sequence of tokens
    length : int >= 1
        Number of grid steps to generate (16 = one 4/4 bar of 16th notes).
    temperature, top_k, top_p : see :func:`next_token_distribution`
    seed : int or numpy Generator
        The same seed gives the same melody.
    bar_steps, offset : int
        Bar length and pickup of the primer, in steps (for models that read the
        position in the bar).

    Returns
    -------
    ndarray of int64, shape (length,)

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    vocab = check_model(model).vocab
    length = _check_length(length)
    rng = _check_seed(seed)
    _check_primer_size(primer)
    tokens = primer_tokens(primer, vocab)
    _check_options(temperature, top_k, top_p, vocab.size)
    positions = bar_positions(len(tokens) + length, bar_steps=bar_steps, offset=offset)
    session = model.session(tokens, positions[: len(tokens)])
    out = np.empty(length, dtype=np.int64)
    for t in range(length):
        logp = session.log_probs(int(positions[len(tokens) + t]))
        out[t] = sample_token(logp, rng, temperature, top_k, top_p)
        session.append(int(out[t]))
    return out


def continue_melody(
    model: MelodyModel,
    primer: Any,
    length: int = 64,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int = 0,
    bar_steps: int = 16,
    offset: int = 0,
    include_primer: bool = True,
) -> NoteList:
    """Like :func:`generate`, but returns notes (primer + continuation by default).

    This is the function behind the co-composer widget (:func:`musiclib.widgets.co_composer`).
    The continuation's notes are in part 1, the primer's in part 0, so a score
    or piano roll can tell them apart.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    _check_length(length)
    _check_seed(seed)
    _check_primer_size(primer)
    tokens = primer_tokens(primer, check_model(model).vocab)
    new = generate(model, tokens, length, temperature=temperature, top_k=top_k, top_p=top_p,
                   seed=seed, bar_steps=bar_steps, offset=offset)
    if not include_primer:
        return tokens_to_notes(new, model.vocab)
    notes = tokens_to_notes(np.concatenate([tokens, new]), model.vocab)
    part = (notes.onset >= len(tokens) / 4 - 1e-9).astype(np.int16)
    return NoteList.from_arrays(notes.pitch, notes.onset, notes.duration, notes.velocity, part)


_NOTE_RE = re.compile(r"^(?P<name>[A-Ga-g])(?P<acc>#|b|s)?(?P<octave>-?\d)$|^(?P<rest>[rR]|rest)$")


def parse_melody(text: str, *, default_quarters: float = 1.0, limits: LoadLimits | None = None) -> NoteList:
    """Read a melody typed as text: ``"C5 D5 E5:2 r:0.5 G#4:1.5"``.

    Each word is a pitch name with octave (``C4`` = middle C = MIDI 60, ``#`` or
    ``b`` for sharp/flat) or ``r`` for a rest, optionally followed by ``:`` and a
    length in quarter notes (default ``default_quarters``). Typed input is bounded
    like a file (:class:`musiclib.representation.LoadLimits`): no note longer than
    ``max_note_quarters``, no more than ``max_notes`` notes, no melody longer than
    ``max_quarters``.

    Raises
    ------
    RepresentationError
        A word that is not a note, a length beyond the limits, or no notes at all;
        the message names the word.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    if not isinstance(text, str):
        raise RepresentationError(f"argument 'text' must be a string, got {type(text).__name__}")
    limits = limits or DEFAULT_LIMITS
    if len(text) > 20 * limits.max_notes:
        raise RepresentationError(f"argument 'text' has {len(text):,} characters; at most {limits.max_notes:,} "
                                  "notes (LoadLimits.max_notes) are read")
    pitches, onsets, durations = [], [], []
    time = 0.0
    for word in text.replace(",", " ").split():
        name, _, dur = word.partition(":")
        try:
            q = float(dur) if dur else float(default_quarters)
        except ValueError:
            q = -1.0
        if not np.isfinite(q) or q <= 0 or abs(q * 4 - round(q * 4)) > 1e-9:
            raise RepresentationError(
                f"word {word!r} in argument 'text': length {dur!r} must be a positive multiple of 0.25 quarters")
        if q > limits.max_note_quarters:
            raise RepresentationError(
                f"word {word!r} in argument 'text': length {q:,.6g} quarters is beyond the limit of "
                f"{limits.max_note_quarters:,.0f} (LoadLimits.max_note_quarters)")
        if time + q > limits.max_quarters:
            raise RepresentationError(
                f"word {word!r} in argument 'text': the melody would last more than {limits.max_quarters:,.0f} "
                "quarters (LoadLimits.max_quarters)")
        if len(pitches) >= limits.max_notes:
            raise RepresentationError(
                f"word {word!r} in argument 'text': more than {limits.max_notes:,} notes (LoadLimits.max_notes)")
        m = _NOTE_RE.match(name)
        if m is None:
            raise RepresentationError(
                f"word {word!r} in argument 'text' is not a note like 'C5', 'F#4', 'Bb3' or a rest 'r'")
        if not m.group("rest"):
            pc = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}[m.group("name").upper()]
            pc += {"#": 1, "s": 1, "b": -1, None: 0}[m.group("acc")]
            pitch = 12 * (int(m.group("octave")) + 1) + pc
            if not 0 <= pitch <= 127:
                raise RepresentationError(f"word {word!r} in argument 'text' is outside MIDI 0..127")
            pitches.append(pitch)
            onsets.append(time)
            durations.append(q)
        time += q
    if not pitches:
        raise RepresentationError(f"argument 'text' {text!r} holds no notes")
    return NoteList.from_arrays(pitches, onsets, durations)


# --------------------------------------------------------------------------- copying and repetition
_HASH_BASE = np.uint64(1_000_003)


def _window_hashes(seq: np.ndarray, length: int) -> np.ndarray:
    """Polynomial hashes (mod 2^64) of every window of ``length`` tokens, vectorised."""
    n = len(seq)
    if n < length:
        return np.empty(0, dtype=np.uint64)
    x = seq.astype(np.uint64) + np.uint64(1)
    with np.errstate(over="ignore"):
        powers = np.concatenate([[np.uint64(1)], np.cumprod(np.full(n - 1, _HASH_BASE, dtype=np.uint64))])
    inv = pow(int(_HASH_BASE), -1, 2**64)
    with np.errstate(over="ignore"):
        inv_powers = np.concatenate([[np.uint64(1)], np.cumprod(np.full(n - 1, np.uint64(inv), dtype=np.uint64))])
        prefix = np.concatenate([[np.uint64(0)], np.cumsum(x * powers, dtype=np.uint64)])
        return (prefix[length:] - prefix[:-length]) * inv_powers[: n - length + 1]


@dataclass(frozen=True)
class CopyReport:
    """The longest run of tokens a generated melody shares with a training melody.

    Attributes
    ----------
    length : int
        Number of consecutive tokens (grid steps) shared; 0 if none.
    steps_per_quarter : int
    train_index : int or None
        Which training sequence holds the run.
    train_start, generated_start : int or None
        Where the run starts in each.

    Used by: musiclib.sampling
    """

    length: int
    steps_per_quarter: int = 4
    train_index: int | None = None
    train_start: int | None = None
    generated_start: int | None = None

    @property
    def quarters(self) -> float:
        """The run's length in quarter notes."""
        return self.length / self.steps_per_quarter

    def __str__(self) -> str:
        if self.length == 0:
            return "no token of the melody occurs in the training set"
        return (f"longest run shared with the training set: {self.length} steps ({self.quarters:g} quarters, "
                f"{self.quarters / 4:.1f} bars of 4/4), training piece #{self.train_index}")


def longest_copied_run(
    generated: Sequence[int] | np.ndarray,
    training: Sequence[Sequence[int] | np.ndarray],
    *,
    steps_per_quarter: int = 4,
) -> CopyReport:
    """Find the longest run of tokens of ``generated`` that appears in any training sequence.

    Binary search on the run length; each test compares rolling hashes of all
    windows (vectorised, O(total length)), and the found run is verified token by
    token. A long run (several bars) means the model is copying, not composing.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    gen = np.asarray(generated, dtype=np.int64)
    if gen.ndim != 1 or gen.size == 0:
        raise ShapeError(f"argument 'generated' has shape {gen.shape}; expected a non-empty 1-D token sequence")
    train = [np.asarray(t, dtype=np.int64) for t in training]
    if not train or any(t.ndim != 1 for t in train):
        raise ShapeError("argument 'training' must be a non-empty list of 1-D token sequences")

    # all training sequences in one array; a window is valid if it stays inside one sequence
    joined = np.concatenate(train) if train else np.empty(0, np.int64)
    owner = np.repeat(np.arange(len(train)), [len(t) for t in train])
    starts = np.concatenate([[0], np.cumsum([len(t) for t in train])])[:-1]

    def find(length: int) -> tuple[int, int, int] | None:
        g = _window_hashes(gen, length)
        h = _window_hashes(joined, length)
        if g.size == 0 or h.size == 0:
            return None
        inside = owner[: h.size] == owner[length - 1:]
        g_sorted = np.argsort(g, kind="stable")
        gs = g[g_sorted]
        pos = np.searchsorted(gs, h)
        hit = np.flatnonzero(inside & (pos < gs.size) & (gs[np.minimum(pos, gs.size - 1)] == h))
        for j in hit:
            p = int(pos[j])
            while p < gs.size and gs[p] == h[j]:  # every generated window with this hash
                i = int(g_sorted[p])
                if np.array_equal(gen[i:i + length], joined[j:j + length]):
                    k = int(owner[j])
                    return k, int(j - starts[k]), i
                p += 1
        return None

    lo, hi, best = 0, len(gen), None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        found = find(mid)
        if found is not None:
            lo, best = mid, found
        else:
            hi = mid - 1
    if best is None:
        return CopyReport(0, steps_per_quarter)
    return CopyReport(lo, steps_per_quarter, *best)


def repetition_rate(
    tokens: Sequence[int] | np.ndarray,
    *,
    n: int = 4,
    intervals: bool = False,
    vocab: MelodyVocabulary | None = None,
) -> float:
    """Share of note n-grams (groups of ``n`` successive notes) that already occurred earlier.

    0 = every group of ``n`` notes is new; near 1 = the melody loops. Computed on
    the note-on tokens only (rhythm ignored). With ``intervals=True`` a group is
    compared by its ``n - 1`` melodic intervals, so a motif repeated a step higher
    (a sequence) counts as a repeat; ``n=3, intervals=True`` varies usefully even
    on melodies of a few bars, where exact 4-note pitch repeats are rare.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    if isinstance(n, bool) or int(n) != n or n < (2 if intervals else 1):
        raise ShapeError(f"argument 'n' is {n!r}; expected a whole number >= {2 if intervals else 1}")
    vocab = vocab or MelodyVocabulary()
    arr = vocab.check_tokens(tokens)
    notes = arr[arr >= vocab.N_SPECIAL].astype(np.int64)
    if len(notes) < n + 1:
        return 0.0
    seq = np.diff(notes) if intervals else notes
    k = n - 1 if intervals else n
    seen: set[tuple[int, ...]] = set()
    repeats = 0
    grams = [tuple(seq[i:i + k].tolist()) for i in range(len(seq) - k + 1)]
    for g in grams:
        repeats += g in seen
        seen.add(g)
    return repeats / len(grams)
