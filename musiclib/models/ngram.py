"""The n-gram baseline (基线): interpolated Kneser–Ney over melody tokens.

An n-gram model predicts the next token from the previous ``n - 1`` tokens only,
by counting. Counts of long contexts are sparse, so the estimate is smoothed: a
fixed discount ``D`` is taken from every seen count and the freed mass is given to
the next-shorter context, whose counts are *continuation counts* (in how many
different contexts a token was seen), down to a uniform distribution::

    P_n(w | h) = max(c(h w) - D, 0) / c(h)  +  D N1+(h •) / c(h) · P_{n-1}(w | h')

(interpolated Kneser–Ney; ``h'`` is ``h`` without its oldest token). Unseen
contexts back off completely. The history before a piece is padded with rests,
the same start context the LSTM sees.

Taught in: notebooks/04_lstm_melody_generation.ipynb
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from musiclib.errors import DataError, ShapeError
from musiclib.representation import MelodyVocabulary

__all__ = ["NGramModel", "fit_best_ngram"]

LN2 = float(np.log(2.0))


@dataclass
class _Order:
    """Counts of one order: rows of ``counts`` are contexts (looked up by code)."""

    index: dict[int, int]
    counts: np.ndarray  # (n_contexts, V) float64
    totals: np.ndarray  # (n_contexts,)
    types: np.ndarray  # (n_contexts,) number of distinct followers N1+(h •)


@dataclass
class NGramModel:
    """An interpolated Kneser–Ney n-gram model of melody tokens.

    Build it with :meth:`fit`. ``order`` n = 1 (unigram: token frequencies only)
    up to 5 or more.

    Attributes
    ----------
    order : int
    vocab : MelodyVocabulary
    discount : float
        The absolute discount D in (0, 1).

    Examples
    --------
    >>> m = NGramModel.fit([[2, 1, 3, 1, 2, 1, 3, 1]], order=2, vocab=MelodyVocabulary(48, 50))
    >>> round(float(m.next_probs([2, 1, 3])[1]), 3)  # after a note-on: 'hold' is likely
    0.769

    Used by: musiclib.models.ngram, musiclib.sampling
    """

    order: int
    vocab: MelodyVocabulary
    discount: float
    n_train_steps: int = 0
    _orders: list[_Order] = field(default_factory=list, repr=False)

    @property
    def name(self) -> str:
        """A short name for tables and records: ``ngram_4``."""
        return f"ngram_{self.order}"

    @classmethod
    def fit(
        cls,
        sequences: Sequence[Sequence[int] | np.ndarray],
        order: int,
        vocab: MelodyVocabulary | None = None,
        discount: float = 0.75,
    ) -> NGramModel:
        """Count the n-grams of training sequences.

        Parameters
        ----------
        sequences : list of token arrays
        order : int >= 1
        vocab : MelodyVocabulary
        discount : float in (0, 1)

        Raises
        ------
        DataError
            No training tokens.
        VocabularyError
            A token outside ``vocab`` (named with its position).

        Taught in: notebooks/04_lstm_melody_generation.ipynb
        """
        vocab = vocab or MelodyVocabulary()
        if isinstance(order, bool) or int(order) != order or order < 1:
            raise ShapeError(f"argument 'order' is {order!r}; expected a whole number >= 1")
        if not 0 < discount < 1:
            raise ShapeError(f"argument 'discount' is {discount!r}; expected a number in (0, 1)")
        order = int(order)
        V = vocab.size
        seqs = [vocab.check_tokens(s, name=f"sequences[{k}]") for k, s in enumerate(sequences)]
        if not seqs or sum(len(s) for s in seqs) == 0:
            raise DataError("argument 'sequences' holds no tokens to count")
        if V ** order > 2**62:
            raise ShapeError(f"order {order} with a vocabulary of {V} tokens is too large to count")
        # every n-gram (n = order) ending at a real token, history padded with rests
        grams = []
        for s in seqs:
            padded = np.concatenate([np.full(order - 1, vocab.REST, dtype=np.int64), s])
            idx = np.arange(order - 1, len(padded))
            code = np.zeros(len(idx), dtype=np.int64)
            for j in range(order):
                code = code * V + padded[idx - (order - 1) + j]
            grams.append(code)
        top = np.concatenate(grams)
        model = cls(order=order, vocab=vocab, discount=float(discount), n_train_steps=int(top.size))
        orders: list[_Order] = []
        codes, counts = np.unique(top, return_counts=True)
        levels = {order: (codes, counts.astype(np.float64))}
        # lower orders use continuation counts: distinct tokens seen before each (m)-gram
        for m in range(order - 1, 0, -1):
            upper_codes = levels[m + 1][0]
            suffix = upper_codes % V ** m
            c, k = np.unique(suffix, return_counts=True)
            levels[m] = (c, k.astype(np.float64))
        for m in range(1, order + 1):
            c, k = levels[m]
            ctx, tok = c // V, c % V
            uctx, inverse = np.unique(ctx, return_inverse=True)
            mat = np.zeros((len(uctx), V))
            np.add.at(mat, (inverse, tok), k)
            orders.append(_Order(
                index={int(x): i for i, x in enumerate(uctx.tolist())},
                counts=mat, totals=mat.sum(axis=1), types=(mat > 0).sum(axis=1).astype(np.float64),
            ))
        model._orders = orders
        return model

    # ----------------------------------------------------------------- prediction
    def next_probs(self, history: Sequence[int] | np.ndarray) -> np.ndarray:
        """P(next token | the last n-1 tokens of ``history``), shape ``(vocab.size,)``.

        A short history is padded with rests on the left (the start of a piece).

        Taught in: notebooks/04_lstm_melody_generation.ipynb
        """
        V = self.vocab.size
        h = [int(t) for t in list(history)[-(self.order - 1):]] if self.order > 1 else []
        h = [self.vocab.REST] * (self.order - 1 - len(h)) + h
        p = np.full(V, 1.0 / V)
        D = self.discount
        for m in range(1, self.order + 1):
            ctx = h[len(h) - (m - 1):] if m > 1 else []
            code = 0
            for t in ctx:
                code = code * V + t
            lev = self._orders[m - 1]
            row = lev.index.get(code)
            if row is None:
                continue  # unseen context: keep the lower-order estimate
            total = lev.totals[row]
            p = np.maximum(lev.counts[row] - D, 0.0) / total + D * lev.types[row] / total * p
        return p

    def log_probs(self, sequence: Sequence[int] | np.ndarray, positions: np.ndarray | None = None) -> np.ndarray:
        """Natural-log probabilities of every step of a piece, shape ``(T, vocab.size)``.

        Row t is the distribution of token t given tokens 0..t-1 (rest-padded).
        ``positions`` is accepted for a common interface and ignored.

        Taught in: notebooks/04_lstm_melody_generation.ipynb
        """
        seq = self.vocab.check_tokens(sequence, name="sequence")
        padded = [self.vocab.REST] * max(self.order - 1, 0) + seq.tolist()
        rows = [self.next_probs(padded[t: t + self.order - 1]) if self.order > 1 else self.next_probs([])
                for t in range(len(seq))]
        return np.log(np.array(rows).reshape(len(seq), self.vocab.size))

    def session(self, primer_tokens: np.ndarray, primer_positions: np.ndarray | None = None) -> _NGramSession:
        """A generation session primed with tokens (see :func:`musiclib.sampling.generate`)."""
        return _NGramSession(self, list(self.vocab.check_tokens(primer_tokens, name="primer").tolist()))


class _NGramSession:
    def __init__(self, model: NGramModel, history: list[int]) -> None:
        self.model = model
        self.history = history

    def log_probs(self, position: int) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.model.next_probs(self.history[-max(self.model.order - 1, 1):]))

    def append(self, token: int) -> None:
        self.history.append(int(token))


def fit_best_ngram(
    train: Sequence[np.ndarray],
    valid: Sequence[np.ndarray],
    orders: Sequence[int] = (1, 2, 3, 4, 5),
    discounts: Sequence[float] = (0.5, 0.6, 0.7, 0.8, 0.9),
    vocab: MelodyVocabulary | None = None,
) -> tuple[dict[int, NGramModel], dict[tuple[int, float], float]]:
    """Fit each order with each discount; keep, per order, the discount best on ``valid``.

    Returns
    -------
    models : dict order -> NGramModel (discount tuned on the validation split)
    valid_bits : dict (order, discount) -> validation bits per step

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    vocab = vocab or MelodyVocabulary()
    best: dict[int, NGramModel] = {}
    table: dict[tuple[int, float], float] = {}
    for n in orders:
        for d in discounts:
            model = NGramModel.fit(train, n, vocab, discount=d)
            nll = 0.0
            steps = 0
            for seq in valid:
                lp = model.log_probs(seq)
                nll -= float(lp[np.arange(len(seq)), seq].sum())
                steps += len(seq)
            table[(n, d)] = nll / steps / LN2
            if n not in best or table[(n, d)] < table[(n, best[n].discount)]:
                best[n] = model
    return best, table
