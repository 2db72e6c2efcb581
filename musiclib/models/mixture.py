"""Mixtures of melody models: ``p(x) = sum_k w_k p_k(x)``, weights tuned on validation.

Interpolating a neural model with a counting model is an old, strong trick of language
modelling: the two make different mistakes, so their average is often better than
either. :class:`MixtureModel` is itself a melody model (it evaluates with
:func:`musiclib.models.melody.evaluate` and samples with :func:`musiclib.sampling.generate`);
:func:`fit_mixture` picks the weights on a grid over the simplex by validation bits per step.

Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from musiclib.errors import ShapeError
from musiclib.representation import MelodyVocabulary
from musiclib.sampling import MelodyModel, check_model


def _mix(log_probs: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """``log sum_k w_k exp(log_probs[k])``, stably; members with weight 0 are left out."""
    used = [(math.log(w), lp) for w, lp in zip(weights, log_probs, strict=True) if w > 0]
    stacked = np.stack([lw + lp for lw, lp in used])
    top = stacked.max(axis=0)
    return top + np.log(np.exp(stacked - top).sum(axis=0))


class _MixtureSession:
    """A sampling session that steps every member with a non-zero weight."""

    def __init__(self, sessions: list, weights: list[float]) -> None:
        self.sessions, self.weights = sessions, weights

    def log_probs(self, position: int) -> np.ndarray:
        return _mix([s.log_probs(position) for s in self.sessions], self.weights)

    def append(self, token: int) -> None:
        for s in self.sessions:
            s.append(token)


@dataclass(frozen=True)
class MixtureModel:
    """A weighted average of the probabilities of several melody models.

    Attributes
    ----------
    members : tuple of melody models
        Models of one vocabulary (n-grams, LSTMs, Transformers, ...).
    weights : tuple of float
        One non-negative weight per member, summing to 1.
    name : str
        For tables and records.

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """

    members: tuple
    weights: tuple[float, ...]
    name: str = "mixture"

    def __post_init__(self) -> None:
        members = tuple(self.members)
        if not members:
            raise ShapeError("argument 'members' is empty; expected at least one melody model")
        for i, m in enumerate(members):
            check_model(m, f"members[{i}]")
        vocabs = {m.vocab for m in members}
        if len(vocabs) > 1:
            raise ShapeError(f"argument 'members' mixes vocabularies {sorted(map(str, vocabs))}; expected one")
        w = tuple(float(x) for x in self.weights)
        if len(w) != len(members):
            raise ShapeError(f"argument 'weights' has {len(w)} entries for {len(members)} members")
        if any(not math.isfinite(x) or x < 0 for x in w) or not math.isclose(sum(w), 1.0, abs_tol=1e-9):
            raise ShapeError(f"argument 'weights' is {list(w)}; expected non-negative numbers summing to 1")
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "weights", w)

    @property
    def vocab(self) -> MelodyVocabulary:
        return self.members[0].vocab

    def _used(self) -> tuple[list, list[float]]:
        """The members with a non-zero weight and their weights: the only ones ever run."""
        used = [(m, w) for m, w in zip(self.members, self.weights, strict=True) if w > 0]
        return [m for m, _ in used], [w for _, w in used]

    def log_probs_batch(self, tokens: Sequence[np.ndarray], positions: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Natural-log probabilities of every step of every piece, the members' mixed."""
        members, weights = self._used()
        parts = [m.log_probs_batch(tokens, positions) for m in members]
        return [_mix([p[i] for p in parts], weights) for i in range(len(tokens))]

    def session(self, primer_tokens: np.ndarray, primer_positions: np.ndarray) -> _MixtureSession:
        """Prime every member with a non-zero weight; sample from the mixture (see ``generate``)."""
        members, weights = self._used()
        return _MixtureSession([m.session(primer_tokens, primer_positions) for m in members], weights)

    def describe(self) -> str:
        """``"0.10 lstm + 0.60 transformer + ..."``."""
        return " + ".join(f"{w:.2f} {m.name}" for m, w in zip(self.members, self.weights, strict=True))


def simplex_grid(k: int, step: float) -> list[tuple[float, ...]]:
    """Every weight vector of ``k`` non-negative multiples of ``step`` that sum to 1.

    Used by: musiclib.models.mixture.fit_mixture
    """
    if not isinstance(k, int) or k < 1:
        raise ShapeError(f"argument 'k' is {k!r}; expected a whole number >= 1")
    if not (isinstance(step, int | float) and 0 < step <= 1) or not math.isclose(1 / step, round(1 / step)):
        raise ShapeError(f"argument 'step' is {step!r}; expected 1/n for a whole number n (e.g. 0.05)")
    n = round(1 / step)
    return [tuple(c / n for c in combo) for combo in itertools.product(range(n + 1), repeat=k) if sum(combo) == n]


def fit_mixture(members: Sequence[MelodyModel], valid, *, step: float = 0.05, name: str = "mixture") -> MixtureModel:
    """The mixture of ``members`` whose weights give the fewest bits per step on ``valid``.

    Each member's log-probabilities on the validation pieces are computed once; every
    weight vector of :func:`simplex_grid` is scored on them. Ties go to the first vector
    in grid order. Choose on validation, report on test: the test split never enters.

    Parameters
    ----------
    members : melody models of one vocabulary
    valid : MelodyData
        The validation split (``tokens``, ``positions``, ``vocab``).
    step : float
        Grid spacing of the weights (1/n).

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """
    from musiclib.models.melody import metrics_from_log_probs

    members = tuple(members)
    if not members:
        raise ShapeError("argument 'members' is empty; expected at least one melody model")
    if len(getattr(valid, "tokens", ())) == 0:
        raise ShapeError("argument 'valid' holds no pieces; expected the validation split (MelodyData)")
    grid = simplex_grid(len(members), step)
    parts = [check_model(m, f"members[{i}]").log_probs_batch(valid.tokens, valid.positions)
             for i, m in enumerate(members)]
    scores = [metrics_from_log_probs([_mix([p[i] for p in parts], w) for i in range(len(valid.tokens))],
                                     valid.tokens, valid.vocab)["bits_per_step"] for w in grid]
    best = int(np.argmin(scores))
    return MixtureModel(members, grid[best], name=name)


def load_seed_ensemble(networks: Sequence[str] = ("lstm", "transformer")) -> MixtureModel:
    """Every shipped training run of the melody networks, averaged with equal weights.

    Each network's record lists its runs under ``seeds`` (the shipped seed first, then
    the others, each pre-trained and fine-tuned by the same recipe; ``tools/seed_runs.py``).
    The shipped checkpoint and every run with a ``file`` beside it are loaded, and each
    gets the same weight: nothing is tuned, on validation or test. Averaging runs that
    differ only in their seed is the plainest ensemble (Lakshminarayanan et al. 2017).

    Parameters
    ----------
    networks : names among ``"lstm"`` and ``"transformer"``

    Raises
    ------
    CheckpointError
        A record without ``seeds``, or a listed file that is missing.

    Taught in: notebooks/08_attention_transformers_and_aigc_today.ipynb
    """
    from musiclib.errors import CheckpointError
    from musiclib.models.melody import load_melody_lstm
    from musiclib.models.transformer import load_melody_transformer
    from musiclib.pretrained import CHECKPOINT_DIR

    loaders = {"lstm": load_melody_lstm, "transformer": load_melody_transformer}
    names = tuple(networks)
    if not names or any(n not in loaders for n in names) or len(set(names)) != len(names):
        raise ShapeError(f"argument 'networks' is {networks!r}; expected distinct names among {tuple(loaders)}")
    members = []
    for name in names:
        shipped = loaders[name]()
        rows = shipped.record.get("seeds")
        if not rows:
            raise CheckpointError(f"the shipped {name} record has no 'seeds'; run `python tools/seed_runs.py "
                                  "--seeds 1 2 --ship`")
        members.append(shipped)
        for row in rows[1:]:
            path = CHECKPOINT_DIR / str(row.get("file", ""))
            if "file" not in row or not path.is_file():
                raise CheckpointError(f"the {name} run of seed {row.get('seed')} has no checkpoint file "
                                      f"({str(path)!r}); run `python tools/seed_runs.py --seeds 1 2 --ship`")
            members.append(loaders[name](path))
    return MixtureModel(tuple(members), tuple(1 / len(members) for _ in members),
                        name=f"ensemble of {len(members)} runs")
