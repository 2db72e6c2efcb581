"""Checks that a style transfer took no shortcut (捷径): a second judge and note-level measures.

A style judge can be satisfied in ways a listener would not accept: a chorale "becomes
Irish" when every note is cut into sixteenths, a Han song "becomes German" when half its
notes leave the key. These checks look at the notes themselves:

* :class:`TreeJudge`, a **second judge** of another family than the token CNN:
  gradient-boosted trees on interval, scale-degree and rhythm statistics
  (:func:`melody_statistics`), trained on the training split and never used for tuning;
* :func:`rhythm_tv`: total-variation distance between inter-onset-interval histograms
  (0 = the same rhythm vocabulary, 1 = disjoint);
* :func:`out_of_scale_share`: share of notes outside C major (excerpts are in C major /
  A minor, so this is the share of chromatic notes);
* :func:`degenerate_rate`: outputs with a single distinct pitch, or a pitch repeated five
  times or more where the source did not;
* :class:`NoteNGram`: an n-gram on (interval, inter-onset interval) note symbols; its bits
  per note measure how natural a melody is in a style, independently of the token grid;
* :func:`contour_r` and :func:`interval_sign_agreement`: content kept, on the sixteenth grid.

Taught in: notebooks/06_style_transfer_and_fusion.ipynb
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from musiclib.errors import ConfigError, DataError, RepresentationError, ShapeError
from musiclib.models.ngram import LN2, NGramModel
from musiclib.representation import MelodyVocabulary

__all__ = [
    "IOI_BINS",
    "note_events",
    "ioi_histogram",
    "rhythm_tv",
    "out_of_scale_share",
    "is_degenerate",
    "degenerate_rate",
    "contour_r",
    "interval_sign_agreement",
    "melody_statistics",
    "TreeJudge",
    "NoteNGram",
    "shuffled_melodies",
    "binomial_ci",
    "mean_share_ci",
    "FUSION_STRENGTHS",
    "FUSION_TOLERANCE",
    "never_falls",
    "train_second_judge",
    "check_direction",
    "fusion_checks",
    "check_record",
]

VOCAB = MelodyVocabulary()
#: Pitch classes of C major: the scale out-of-key notes are counted against.
MAJOR_PCS = (0, 2, 4, 5, 7, 9, 11)
#: Inter-onset intervals in sixteenths that get their own histogram bin; longer ones share the last.
IOI_BINS = (1, 2, 3, 4, 5, 6, 7, 8, 12, 16)
MAX_INTERVAL = 12
REPEAT_RUN = 5


def _rows(tokens: Any, name: str) -> np.ndarray:
    arr = np.asarray(tokens)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise RepresentationError(f"argument {name!r} must be melody tokens of shape (n_steps,) or (n, n_steps); "
                                  f"got shape {arr.shape} of {arr.dtype}")
    if arr.min() < 0 or arr.max() >= VOCAB.size:
        raise RepresentationError(f"argument {name!r} holds a token outside 0..{VOCAB.size - 1}")
    return arr.astype(np.int64)


def note_events(tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The notes of one token row: MIDI pitches and onset steps.

    Parameters
    ----------
    tokens : ndarray of int, shape (n_steps,)
        Melody tokens (0 = rest, 1 = hold, 2 + k = note-on).

    Returns
    -------
    pitches, onsets : ndarray of int

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    row = _rows(tokens, "tokens")[0]
    onsets = np.flatnonzero(row >= VOCAB.N_SPECIAL)
    return row[onsets] - VOCAB.N_SPECIAL + VOCAB.low, onsets


def _sounding(tokens: np.ndarray) -> np.ndarray:
    """MIDI pitch sounding at each step of one token row (-1 for silence)."""
    out = np.full(len(tokens), -1, dtype=np.int64)
    current = -1
    for t, tok in enumerate(np.asarray(tokens).tolist()):
        if tok >= VOCAB.N_SPECIAL:
            current = tok - VOCAB.N_SPECIAL + VOCAB.low
        elif tok == VOCAB.REST:
            current = -1
        out[t] = current
    return out


def _ioi_bin(gaps: np.ndarray) -> np.ndarray:
    """Index into :data:`IOI_BINS` of each gap (longer gaps go to the nearest bin at or above them)."""
    edges = np.asarray(IOI_BINS)
    return np.minimum(np.searchsorted(edges, gaps), len(edges) - 1)


def ioi_histogram(tokens: Any) -> np.ndarray:
    """Distribution of inter-onset intervals (note-to-note gaps, in sixteenths) pooled over rows.

    Bins are :data:`IOI_BINS`: 1 to 8 sixteenths one by one, then up to 12 and 16 and beyond.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    rows = _rows(tokens, "tokens")
    counts = np.zeros(len(IOI_BINS))
    for row in rows:
        gaps = np.diff(np.flatnonzero(row >= VOCAB.N_SPECIAL))
        np.add.at(counts, _ioi_bin(gaps), 1)
    if counts.sum() == 0:
        raise DataError("argument 'tokens' has no two successive notes: no inter-onset interval to count")
    return counts / counts.sum()


def rhythm_tv(outputs: Any, reference: Any) -> float:
    """Total-variation distance between the inter-onset histograms of two sets of melodies.

    ``0.5 * sum |h_out - h_ref|``: 0 when the gaps are distributed alike, 1 when no gap
    length is shared.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    return float(0.5 * np.abs(ioi_histogram(outputs) - ioi_histogram(reference)).sum())


def out_of_scale_share(tokens: Any, scale: Sequence[int] = MAJOR_PCS) -> float:
    """Share of notes whose pitch class is outside ``scale`` (default C major), pooled over rows.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    rows = _rows(tokens, "tokens")
    notes = rows[rows >= VOCAB.N_SPECIAL] - VOCAB.N_SPECIAL + VOCAB.low
    if notes.size == 0:
        raise DataError("argument 'tokens' holds no notes")
    return float(np.mean(~np.isin(notes % 12, list(scale))))


def _longest_run(pitches: np.ndarray) -> int:
    best = run = 1 if pitches.size else 0
    for k in range(1, pitches.size):
        run = run + 1 if pitches[k] == pitches[k - 1] else 1
        best = max(best, run)
    return best


def is_degenerate(source: np.ndarray, output: np.ndarray) -> bool:
    """True when the output has a single distinct pitch, or repeats one pitch 5+ times in a row, and the source did not.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    ps, _ = note_events(source)
    po, _ = note_events(output)
    if po.size == 0:
        return True
    single = np.unique(po).size == 1 and np.unique(ps).size > 1
    repeated = _longest_run(po) >= REPEAT_RUN and _longest_run(ps) < REPEAT_RUN
    return bool(single or repeated)


def degenerate_rate(sources: Any, outputs: Any) -> float:
    """Share of outputs that :func:`is_degenerate` flags against their own source.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    src, out = _rows(sources, "sources"), _rows(outputs, "outputs")
    if len(src) != len(out):
        raise RepresentationError(f"arguments 'sources' and 'outputs' hold {len(src)} and {len(out)} melodies")
    return float(np.mean([is_degenerate(s, o) for s, o in zip(src, out, strict=True)]))


def _pitch_grid(row: np.ndarray) -> np.ndarray | None:
    """Pitch on every sixteenth: a rest keeps the previous pitch, leading rests take the first."""
    pitches, onsets = note_events(row)
    if pitches.size == 0:
        return None
    idx = np.searchsorted(onsets, np.arange(row.size), side="right") - 1
    return pitches[np.maximum(idx, 0)].astype(float)


def contour_r(source: np.ndarray, output: np.ndarray) -> float:
    """Pearson correlation of the two melodies' pitch curves on the sixteenth grid.

    Each step carries the pitch last started (rests keep it), so the curve follows the
    melody's shape in time. A flat curve correlates with nothing: 0 (1 if both are flat).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    a, b = _rows(source, "source")[0], _rows(output, "output")[0]
    if a.size != b.size:
        raise RepresentationError(f"arguments 'source' and 'output' differ in length: {a.size} vs {b.size} steps")
    ga, gb = _pitch_grid(a), _pitch_grid(b)
    if ga is None or gb is None:
        return 0.0
    sa, sb = ga.std(), gb.std()
    if sa == 0 or sb == 0:
        return 1.0 if sa == sb else 0.0
    return float(np.mean((ga - ga.mean()) * (gb - gb.mean())) / (sa * sb))


def interval_sign_agreement(source: np.ndarray, output: np.ndarray) -> float:
    """Share of the source's intervals whose direction (up, same, down) the output repeats.

    The output's pitch curve is read at the source's onsets, so a melody in another rhythm
    is compared where the source moves.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    a, b = _rows(source, "source")[0], _rows(output, "output")[0]
    if a.size != b.size:
        raise RepresentationError(f"arguments 'source' and 'output' differ in length: {a.size} vs {b.size} steps")
    ps, onsets = note_events(a)
    gb = _pitch_grid(b)
    if ps.size < 2 or gb is None:
        return 0.0
    return float(np.mean(np.sign(np.diff(ps)) == np.sign(np.diff(gb[onsets]))))


def melody_statistics(tokens: Any) -> np.ndarray:
    """Interval, scale-degree and rhythm statistics of each row: the second judge's input.

    Per row (65 numbers): signed intervals -12..12 (25, clipped), pitch classes (12),
    inter-onset intervals (:data:`IOI_BINS`, 10), onset position in the beat (4) and in
    the bar (8 eighth-note slots of a 4/4 bar), as shares; then notes per step, distinct pitches
    / 12, range / 24 (octaves), the longest run of one pitch / 8, the share of repeated
    notes, and the rest share.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    rows = _rows(tokens, "tokens")
    out = np.zeros((len(rows), 65))
    for i, row in enumerate(rows):
        pitches, onsets = note_events(row)
        n = max(pitches.size, 1)
        iv = np.clip(np.diff(pitches), -MAX_INTERVAL, MAX_INTERVAL)
        np.add.at(out[i], 12 + iv, 1.0 / max(iv.size, 1))
        np.add.at(out[i], 25 + pitches % 12, 1.0 / n)
        np.add.at(out[i], 37 + _ioi_bin(np.diff(onsets)), 1.0 / max(onsets.size - 1, 1))
        np.add.at(out[i], 47 + onsets % 4, 1.0 / n)
        np.add.at(out[i], 51 + (onsets % 16) // 2, 1.0 / n)
        out[i, 59] = pitches.size / row.size
        out[i, 60] = np.unique(pitches).size / 12
        out[i, 61] = (np.ptp(pitches) if pitches.size else 0) / 24
        out[i, 62] = _longest_run(pitches) / 8
        out[i, 63] = float(np.mean(iv == 0)) if iv.size else 0.0
        out[i, 64] = float(np.mean(row == VOCAB.REST))
    return out


@dataclass
class TreeJudge:
    """Second style judge: gradient-boosted trees on :func:`melody_statistics`.

    Another family than the token CNN and the linear judge: it reads note statistics, not
    tokens, and splits on thresholds rather than weighting features. Trained on the
    training split (deterministically, in a few seconds), never used to tune a transfer.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    model: Any
    #: The pair's two styles (label 0, label 1), when known: what :meth:`p_target` needs.
    styles: tuple[str, str] | None = None

    @classmethod
    def fit(cls, tokens: Any, y: Any, *, seed: int = 0, styles: tuple[str, str] | None = None) -> TreeJudge:
        """Train on token rows and labels (0 = style A, 1 = style B), classes weighted equally."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        X = melody_statistics(tokens)
        y = np.asarray(y)
        if y.shape != (len(X),) or set(np.unique(y).tolist()) != {0, 1}:
            raise DataError("argument 'y' must hold one label per row, 0 and 1 both present")
        model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, max_leaf_nodes=15,
                                               early_stopping=False, class_weight="balanced", random_state=seed)
        model.fit(X, y)
        return cls(model, styles)

    def predict_proba(self, tokens: Any) -> np.ndarray:
        """P(style B) for each row."""
        return self.model.predict_proba(melody_statistics(tokens))[:, 1]

    def p_target(self, tokens: Any, target: str) -> np.ndarray:
        """P(target) for each row, ``target`` one of :attr:`styles`."""
        if self.styles is None or target not in self.styles:
            raise ConfigError(f"argument 'target' is {target!r}; this judge tells apart {self.styles}")
        p_b = self.predict_proba(tokens)
        return p_b if target == self.styles[1] else 1 - p_b


class _NoteSymbols:
    """The (interval, inter-onset interval) alphabet of :class:`NoteNGram`, shaped like a vocabulary."""

    REST = 0
    N_SPECIAL = 1
    size = 1 + (2 * MAX_INTERVAL + 1) * len(IOI_BINS)

    def check_tokens(self, tokens: Any, name: str = "tokens") -> np.ndarray:
        return np.asarray(tokens, dtype=np.int64)


def _note_symbols(row: np.ndarray) -> np.ndarray:
    """One symbol per note after the first: its interval from the previous note and the gap before it."""
    pitches, onsets = note_events(row)
    iv = np.clip(np.diff(pitches), -MAX_INTERVAL, MAX_INTERVAL) + MAX_INTERVAL
    return 1 + iv * len(IOI_BINS) + _ioi_bin(np.diff(onsets))


@dataclass
class NoteNGram:
    """An n-gram over notes as (interval, inter-onset interval) symbols: naturalness in bits per note.

    It ignores the absolute pitch and the token grid, so it measures how a melody moves
    and in what rhythm. Interpolated Kneser-Ney (:class:`~musiclib.models.ngram.NGramModel`).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    model: NGramModel

    @classmethod
    def fit(cls, tokens: Any, order: int = 3, discount: float = 0.75) -> NoteNGram:
        """Count the note symbols of training melodies (token rows)."""
        seqs = [_note_symbols(r) for r in _rows(tokens, "tokens")]
        return cls(NGramModel.fit([s for s in seqs if s.size], order, _NoteSymbols(), discount))  # type: ignore[arg-type]

    def bits_per_note(self, tokens: Any) -> float:
        """Mean bits per note (after each melody's first) of token rows under the model."""
        nll, notes = 0.0, 0
        for row in _rows(tokens, "tokens"):
            sym = _note_symbols(row)
            if sym.size:
                lp = self.model.log_probs(sym)
                nll -= float(lp[np.arange(sym.size), sym].sum())
                notes += sym.size
        if notes == 0:
            raise DataError("argument 'tokens' has no two successive notes to score")
        return nll / notes / LN2


def shuffled_melodies(tokens: Any, seed: int = 0) -> np.ndarray:
    """Each row with its notes' pitches shuffled (rhythm kept): a floor for naturalness tables.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    rows = _rows(tokens, "tokens").copy()
    rng = np.random.default_rng(seed)
    for row in rows:
        on = np.flatnonzero(row >= VOCAB.N_SPECIAL)
        row[on] = rng.permutation(row[on])
    return rows


def binomial_ci(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson 95 % interval for a share ``k / n``.

    Used by: :func:`check_direction`
    """
    if isinstance(n, bool) or int(n) != n or n < 1 or not 0 <= k <= n:
        raise ConfigError(f"arguments 'k' = {k!r}, 'n' = {n!r}: expected whole numbers with 0 <= k <= n, n >= 1")
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return float(max(0.0, mid - half)), float(min(1.0, mid + half))


def mean_share_ci(ks: Sequence[int], ns: Sequence[int], z: float = 1.959964) -> list[float]:
    """95 % interval of the mean of several shares ``k_i / n_i`` (e.g. S_tot over two directions).

    Each share gets a Wilson interval (:func:`binomial_ci`); they are combined by the MOVER
    method (Zou & Donner 2008), which keeps the interval inside [0, 1] and around the mean.

    Used by: :func:`check_record`
    """
    if len(ks) != len(ns) or not ks:
        raise ConfigError(f"arguments 'ks' and 'ns' must be non-empty and of one length; got {len(ks)} and {len(ns)}")
    w = 1 / len(ks)
    p = [k / n for k, n in zip(ks, ns, strict=True)]
    ci = [binomial_ci(k, n, z) for k, n in zip(ks, ns, strict=True)]
    mean = w * sum(p)
    lo = mean - np.sqrt(sum((w * (pi - li)) ** 2 for pi, (li, _) in zip(p, ci, strict=True)))
    hi = mean + np.sqrt(sum((w * (ui - pi)) ** 2 for pi, (_, ui) in zip(p, ci, strict=True)))
    return [round(float(max(0.0, lo)), 4), round(float(min(1.0, hi)), 4)]


# --------------------------------------------------------------------------- every check, every method
#: Style-mix points of the fusion paths the record measures.
FUSION_STRENGTHS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
#: Largest fall of P(target) between two successive fusion points still counted as "never falls".
FUSION_TOLERANCE = 0.02


def never_falls(p_target: Any, tolerance: float = FUSION_TOLERANCE) -> np.ndarray:
    """For each path, whether P(target) never drops by more than ``tolerance`` from one point to the next.

    Parameters
    ----------
    p_target : array_like, shape (k points, n paths)
        P(target) along each path, points in order of strength.
    tolerance : float
        Largest fall still counted as "never falls" (default :data:`FUSION_TOLERANCE`).

    Returns
    -------
    ndarray of bool, shape (n,)

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    p = np.asarray(p_target, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 2 or not np.all(np.isfinite(p)):
        raise ShapeError(f"argument 'p_target' has shape {p.shape}; expected finite values of shape "
                         "(k >= 2 points, n paths)")
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ConfigError(f"argument 'tolerance' is {tolerance!r}; expected a finite number >= 0")
    return np.all(np.diff(p, axis=0) >= -tolerance, axis=0)


def train_second_judge(pair: str, *, max_excerpts: int = 3000, seed: int | None = None
                       ) -> tuple[TreeJudge, dict[str, NoteNGram]]:
    """The second judge of a pair and each style's note n-gram, both fitted on the training split.

    Parameters
    ----------
    pair : str
        ``"chorale_irish"`` or ``"german_han"``.
    max_excerpts : int
        Training excerpts per style (as the style models' recipe).
    seed : int, optional
        Excerpt sampling seed (default: the course seed).

    Returns
    -------
    (TreeJudge, dict style -> NoteNGram)

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    from musiclib.models import style

    a, b = style.PAIRS[style._check_pair(pair)]
    kw = {} if seed is None else {"seed": seed}
    train = [style.style_excerpts(s, "train", limit=max_excerpts, **kw).tokens for s in (a, b)]
    y = np.r_[np.zeros(len(train[0])), np.ones(len(train[1]))].astype(int)
    judge = TreeJudge.fit(np.concatenate(train), y, styles=(a, b))
    return judge, {s: NoteNGram.fit(t) for s, t in zip((a, b), train, strict=True)}


def _mean_pair(values: Sequence[float]) -> float:
    return round(float(np.mean(values)), 4)


def check_direction(models: Any, source: str, target: str, sources: np.ndarray, real: np.ndarray,
                    judge2: TreeJudge, ngram: NoteNGram) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Every shortcut check for identity, rule and learned transfer in one direction.

    Parameters
    ----------
    models : StyleModels
    source, target : str
    sources : (n, T) token rows of the source style (the inputs)
    real : (m, T) token rows of real target-style melodies (the reference)
    judge2 : TreeJudge of the pair, knowing its styles (:func:`train_second_judge`)
    ngram : NoteNGram of the target style

    Returns
    -------
    rows : dict method -> dict
        ``s`` and ``s_ci`` (share the token judge calls the target, Wilson 95 %),
        ``s_second_judge``, ``s_second_judge_ci``, ``p_second_judge`` (mean P(target)),
        ``rhythm_tv``, ``out_of_scale``, ``degenerate_rate``, ``naturalness_bits`` (per note),
        ``contour_r``, ``interval_sign``, ``content`` (the mean of the pair's content measures,
        :data:`musiclib.models.style.CONTENT_MEASURES`, per excerpt, averaged), ``n``.
    refs : dict
        ``real_naturalness_bits``, ``shuffled_naturalness_bits``, ``real_out_of_scale`` of the
        real target melodies.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    from musiclib.models import style

    pair = style._pair_of(source, target)
    sources = _rows(sources, "sources")
    real = _rows(real, "real")
    outs = {"identity": sources} | {m: style.transfer_tokens(models, m, sources, source, target)
                                    for m in ("rule", "decoder", "learned")}
    rows: dict[str, dict[str, Any]] = {}
    n = len(sources)
    for name, x in outs.items():
        k1 = int(np.sum(models.p_target(x, target) > 0.5))
        p2 = judge2.p_target(x, target)
        k2 = int(np.sum(p2 > 0.5))
        rows[name] = {
            "n": n,
            "s": round(k1 / n, 4), "s_ci": [round(v, 4) for v in binomial_ci(k1, n)],
            "s_second_judge": round(k2 / n, 4), "s_second_judge_ci": [round(v, 4) for v in binomial_ci(k2, n)],
            "p_second_judge": round(float(p2.mean()), 4),
            "rhythm_tv": round(rhythm_tv(x, real), 4),
            "out_of_scale": round(out_of_scale_share(x), 4),
            "degenerate_rate": round(degenerate_rate(sources, x), 4),
            "naturalness_bits": round(ngram.bits_per_note(x), 4),
            "contour_r": round(float(np.mean([contour_r(s, y) for s, y in zip(sources, x, strict=True)])), 4),
            "interval_sign": round(float(np.mean([interval_sign_agreement(s, y)
                                                  for s, y in zip(sources, x, strict=True)])), 4),
            "content": round(float(np.mean([style._pair_content(pair, s, y)
                                            for s, y in zip(sources, x, strict=True)])), 4),
        }
    refs = {"real_naturalness_bits": round(ngram.bits_per_note(real), 4),
            "shuffled_naturalness_bits": round(ngram.bits_per_note(shuffled_melodies(real)), 4),
            "real_out_of_scale": round(out_of_scale_share(real), 4)}
    return rows, refs


def fusion_checks(models: Any, source: str, target: str, sources: np.ndarray, judge2: TreeJudge,
                  ngrams: dict[str, NoteNGram], strengths: Sequence[float] = FUSION_STRENGTHS, *,
                  method: str = "learned") -> dict[str, Any]:
    """A fusion path judged by the second judge and the note n-grams.

    Returns
    -------
    dict
        ``strength``; ``p_second_judge`` and ``p_token`` (k, n): P(target) under the second and
        the token judge; ``content`` (k, n) as :func:`musiclib.models.style.fusion_path`;
        ``monotone_second_judge`` and ``monotone_token`` (share of melodies whose P(target)
        never falls by more than :data:`FUSION_TOLERANCE` between successive points);
        ``bits_source``, ``bits_target`` (k,) bits per note of the outputs under each style's
        note n-gram, and ``bits_nearer`` (k,): the smaller of the two (natural in at least one
        of the styles); ``outputs`` (k, n, T).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    from musiclib.models import style

    path = style.fusion_path(models, sources, source, target, strengths, method=method)
    p2 = np.stack([judge2.p_target(o, target) for o in path["outputs"]])
    bits_s = np.array([ngrams[source].bits_per_note(o) for o in path["outputs"]])
    bits_t = np.array([ngrams[target].bits_per_note(o) for o in path["outputs"]])
    return {"strength": path["strength"], "outputs": path["outputs"], "p_second_judge": p2,
            "p_token": path["p_target"], "content": path["content"],
            "monotone_second_judge": float(np.mean(never_falls(p2))),
            "monotone_token": float(np.mean(never_falls(path["p_target"]))),
            "bits_source": bits_s, "bits_target": bits_t, "bits_nearer": np.minimum(bits_s, bits_t)}


def check_record(models: Any, pair: str, excerpts: dict[str, np.ndarray] | None = None,
                 *, max_excerpts: int | None = None, seed: int | None = None) -> dict[str, Any]:
    """The shortcut checks of a pair, in the shape of the style record (``pairs`` -> pair).

    Every figure is measured on the pair's evaluation excerpts, both directions; the
    method-level figures are the mean of the two directions, which are kept under
    ``directions``. ``s_tot_ci`` is the 95 % interval of ``s_tot``, the mean of the token
    judge's two direction shares (each share's Wilson interval, combined by the MOVER method
    of Zou & Donner 2008, :func:`mean_share_ci`); ``s_tot_second_judge_ci`` the same under
    the second judge.

    Parameters
    ----------
    models : StyleModels
    pair : str
    excerpts : dict style -> token rows, optional
        Default: :func:`musiclib.models.style.evaluation_excerpts` under the models' recipe.
    max_excerpts : int, optional
        Training excerpts per style for the second judge (default: the models' recipe).
    seed : int, optional
        Sampling seed of the second judge's training excerpts (default: the course seed).

    Returns
    -------
    dict
        ``second_judge``, ``second_judge_accuracy``, ``real_target_naturalness_bits``,
        ``real_target_out_of_scale``, ``real_target_shuffled_bits`` and ``methods`` ->
        identity / rule / learned -> ``s_tot``, ``s_tot_ci``, ``s_tot_second_judge``,
        ``s_tot_second_judge_ci``, ``p_target_second_judge``, ``contour_r``,
        ``interval_sign``, ``naturalness_bits``, ``rhythm_tv``, ``out_of_scale``,
        ``degenerate_rate``, ``directions``; the learned method also has
        ``fusion_monotone_second_judge``, ``fusion_monotone_token`` and
        ``fusion_midpoint_bits_over_worse`` (bits per note of the path's middle points, under
        the nearer style's note n-gram, minus the worse endpoint's; the largest over middle
        points and directions).

    Used by: musiclib.models.style.train_style (the record's checks)
    """
    from musiclib.models import style

    a, b = style.PAIRS[style._check_pair(pair)]
    recipe = style.StyleRecipe(**{k: tuple(v) if isinstance(v, list) else v
                                  for k, v in models.record.get("recipe", {}).items()})
    excerpts = excerpts if excerpts is not None else style.evaluation_excerpts(pair, recipe)
    judge2, ngrams = train_second_judge(pair, max_excerpts=max_excerpts or recipe.max_train_excerpts, seed=seed)
    x = np.concatenate([excerpts[a], excerpts[b]])
    y = np.r_[np.zeros(len(excerpts[a])), np.ones(len(excerpts[b]))]
    accuracy = float(np.mean((judge2.predict_proba(x) > 0.5) == y))
    per_dir: dict[str, tuple[dict, dict]] = {}
    fusions: dict[str, dict[str, dict]] = {"learned": {}, "decoder": {}}
    for src, tgt in ((a, b), (b, a)):
        key = f"{src}->{tgt}"
        per_dir[key] = check_direction(models, src, tgt, excerpts[src], excerpts[tgt], judge2, ngrams[tgt])
        for method, fusion in fusions.items():
            fusion[key] = fusion_checks(models, src, tgt, excerpts[src], judge2, ngrams, method=method)
    keys = list(per_dir)
    methods: dict[str, dict[str, Any]] = {}
    for name in ("identity", "rule", "decoder", "learned"):
        rows = [per_dir[k][0][name] for k in keys]
        m: dict[str, Any] = {
            "s_tot": _mean_pair([round(r["s"] * r["n"]) / r["n"] for r in rows]),
            "s_tot_ci": mean_share_ci([round(r["s"] * r["n"]) for r in rows], [r["n"] for r in rows]),
            "s_tot_second_judge": _mean_pair([round(r["s_second_judge"] * r["n"]) / r["n"] for r in rows]),
            "s_tot_second_judge_ci": mean_share_ci([round(r["s_second_judge"] * r["n"]) for r in rows],
                                                   [r["n"] for r in rows]),
            "p_target_second_judge": _mean_pair([r["p_second_judge"] for r in rows]),
        }
        for field_ in ("contour_r", "interval_sign", "naturalness_bits", "rhythm_tv", "out_of_scale",
                       "degenerate_rate"):
            m[field_] = _mean_pair([r[field_] for r in rows])
        m["directions"] = {k: per_dir[k][0][name] | per_dir[k][1] for k in keys}
        methods[name] = m
    for method, fusion in fusions.items():
        mids = [float(np.max(f["bits_nearer"][1:-1] - max(f["bits_nearer"][0], f["bits_nearer"][-1])))
                for f in fusion.values()]
        methods[method] |= {
            "fusion_monotone_second_judge": _mean_pair([f["monotone_second_judge"] for f in fusion.values()]),
            "fusion_monotone_token": _mean_pair([f["monotone_token"] for f in fusion.values()]),
            "fusion_midpoint_bits_over_worse": round(max(mids), 4),
        }
        for k, f in fusion.items():
            methods[method]["directions"][k] |= {
                "fusion_monotone_second_judge": round(f["monotone_second_judge"], 4),
                "fusion_monotone_token": round(f["monotone_token"], 4),
                "fusion_p_second_judge": [round(float(v), 4) for v in f["p_second_judge"].mean(axis=1)],
                "fusion_bits_nearer": [round(float(v), 4) for v in f["bits_nearer"]]}
    refs = [per_dir[k][1] for k in keys]
    return {
        "second_judge": "gradient-boosted trees on melody_statistics (musiclib.models.style_checks.TreeJudge), "
                        "trained on the training split, never used for tuning",
        "second_judge_accuracy": round(accuracy, 4),
        "real_target_naturalness_bits": _mean_pair([r["real_naturalness_bits"] for r in refs]),
        "real_target_shuffled_bits": _mean_pair([r["shuffled_naturalness_bits"] for r in refs]),
        "real_target_out_of_scale": _mean_pair([r["real_out_of_scale"] for r in refs]),
        "methods": methods,
        "fusion_strengths": list(FUSION_STRENGTHS),
    }
