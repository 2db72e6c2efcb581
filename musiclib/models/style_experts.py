"""Style transfer as a product of experts (专家乘积): a style's rhythm and pitch models times a content expert.

The neural decoder of lesson 06 learns style and content in one network and takes
shortcuts (double-time rhythm, notes out of key). This transfer keeps the two apart:

1. **Rhythm.** A position-aware n-gram of each style's inter-onset intervals,
   :class:`RhythmModel`: P(gap to the next onset | the onset's position in the bar, the
   previous gap). The output's onsets are *sampled* from the target style's model (so its
   rhythm vocabulary is the target's), inside the source's sounding spans (the source's
   rests are kept), optionally drawn towards places where the source leaps
   (``move_bonus``).
2. **Pitch.** A trigram of each style's pitches in C major / A minor, :class:`PitchModel`.
   The output's pitches are the Viterbi path of

   ``log P_target(p_k | p_{k-2}, p_{k-1}) - lam * d(p_k, source pitches under note k)``

   where ``d`` is the root-mean-square distance in semitones to the source pitches that
   sound during the new note (the **content expert**: it keeps the melody's shape) and a
   pitch struck three times in a row pays ``repeat_penalty`` nats. The source's contour is
   first stretched about its mean pitch by the ratio of the styles' pitch spreads
   (:func:`range_factor`; Han tunes span wider ranges than German songs), so the shape is
   kept in the target's range.
3. **Fusion.** At style strength ``s`` every style model is the geometric mix
   ``P_A^(1-s) P_B^s`` of the two styles' models (a product of experts), with the same
   random numbers for every ``s``, so a fusion path moves one style into the other. The
   rhythm and the pitch models may move at different paces (``rhythm_lead``,
   :func:`factor_strengths`): one factor leads, the other follows.

``lam`` and ``move_bonus`` are chosen per pair on the validation split with the token judge
(:func:`tune_experts`), and so is ``rhythm_lead`` (:func:`tune_fusion`); the second judge of
:mod:`musiclib.models.style_checks` never sees them.

Taught in: notebooks/06_style_transfer_and_fusion.ipynb
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from musiclib.errors import ConfigError
from musiclib.models.style_checks import FUSION_STRENGTHS, _rows, _sounding, contour_r, never_falls, note_events

__all__ = [
    "MAX_GAP",
    "RhythmModel",
    "PitchModel",
    "ExpertSettings",
    "ExpertTransfer",
    "factor_strengths",
    "range_factor",
    "tune_experts",
    "tune_fusion",
]

#: Longest inter-onset gap (sixteenths) with its own probability; longer gaps share it.
MAX_GAP = 16
BAR = 16
LOW, N_PITCH = 48, 48  # the melody vocabulary's pitches (MIDI 48..95)
N_SPECIAL = 2  # rest, hold


def _spans(sounding: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of sounding steps, as (start, end) half-open."""
    spans, t, n = [], 0, sounding.size
    while t < n:
        if sounding[t] < 0:
            t += 1
            continue
        start = t
        while t < n and sounding[t] >= 0:
            t += 1
        spans.append((start, t))
    return spans


def _interpolate(counts: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Witten-Bell interpolation of a count table (last axis = outcome) with a lower-order distribution."""
    n = counts.sum(-1, keepdims=True)
    types = (counts > 0).sum(-1, keepdims=True)
    weight = n / np.maximum(n + types, 1e-12)
    return weight * counts / np.maximum(n, 1) + (1 - weight) * lower


@dataclass(frozen=True)
class RhythmModel:
    """A style's rhythm: P(gap to the next onset | onset's position in the bar, previous gap).

    ``log_p`` has shape (16 positions, MAX_GAP + 1 previous gaps (0 = none), MAX_GAP gaps),
    interpolated (Witten-Bell) with P(gap | position) and P(gap).

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    log_p: np.ndarray

    @classmethod
    def fit(cls, tokens: Any) -> RhythmModel:
        """Count the gaps between successive onsets of token rows (gaps over rests included)."""
        counts = np.zeros((BAR, MAX_GAP + 1, MAX_GAP))
        for row in _rows(tokens, "tokens"):
            _, on = note_events(row)
            prev = 0
            for i in range(on.size - 1):
                gap = min(int(on[i + 1] - on[i]), MAX_GAP)
                counts[on[i] % BAR, prev, gap - 1] += 1
                prev = gap
        c2 = counts.sum(1)
        p1 = (c2.sum(0) + 0.5) / (c2.sum() + 0.5 * MAX_GAP)
        p2 = _interpolate(c2, p1)
        return cls(np.log(_interpolate(counts, p2[:, None, :])))


@dataclass(frozen=True)
class PitchModel:
    """A style's pitches in C major / A minor: an interpolated trigram over MIDI 48..95.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    log_p1: np.ndarray  # (48,)
    log_p2: np.ndarray  # (48, 48): previous -> next
    log_p3: np.ndarray  # (48, 48, 48)
    spread: float = 0.0  # mean over excerpts of the standard deviation of their note pitches (semitones)

    @classmethod
    def fit(cls, tokens: Any) -> PitchModel:
        """Count the pitch unigrams, bigrams and trigrams of token rows, and their pitch spread."""
        c1 = np.zeros(N_PITCH)
        c2 = np.zeros((N_PITCH, N_PITCH))
        c3 = np.zeros((N_PITCH, N_PITCH, N_PITCH))
        spreads = []
        for row in _rows(tokens, "tokens"):
            p = note_events(row)[0] - LOW
            np.add.at(c1, p, 1)
            np.add.at(c2, (p[:-1], p[1:]), 1)
            np.add.at(c3, (p[:-2], p[1:-1], p[2:]), 1)
            if p.size:
                spreads.append(float(np.std(p)))
        p1 = (c1 + 0.1) / (c1.sum() + 0.1 * N_PITCH)
        p2 = _interpolate(c2, p1)
        p3 = _interpolate(c3, p2[None, :, :])
        return cls(np.log(p1), np.log(p2), np.log(p3), float(np.mean(spreads)) if spreads else 0.0)


@dataclass(frozen=True)
class ExpertSettings:
    """The weights of the product of experts.

    Attributes
    ----------
    lam : float
        Weight of the content expert (nats per semitone of RMS distance to the source).
    move_bonus : float
        Log-odds added to an onset where the source leaps (scaled by the leap, up to a fifth).
    repeat_penalty : float
        Nats paid by a pitch struck a third time in a row.
    rhythm_lead : float
        How far the rhythm model runs ahead of the pitch model along a fusion path, in
        [-1, 1] (:func:`factor_strengths`): 0 moves both together, 1 moves the rhythm
        first and then the pitch, -1 the pitch first. Only strengths between 0 and 1 are
        affected: at s = 0 and s = 1 the output is the same for every lead.
    range_match : float
        In [0, 1]: how far the content expert stretches the source's contour to the target
        style's pitch spread (:func:`range_factor`). 0 keeps the source's own pitches as
        the content; 1 (the default) widens a German tune's contour by the ratio of Han to
        German spreads before the new notes are drawn to it.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    lam: float = 1.0
    move_bonus: float = 0.0
    repeat_penalty: float = 3.0
    rhythm_lead: float = 0.0
    range_match: float = 1.0

    def __post_init__(self) -> None:
        bounds = {"rhythm_lead": (-1, 1, "a number in [-1, 1]"), "range_match": (0, 1, "a number in [0, 1]")}
        for name, value in asdict(self).items():
            low, high, expected = bounds.get(name, (0, np.inf, "a finite number >= 0"))
            if (isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value)
                    or not low <= value <= high):
                raise ConfigError(f"ExpertSettings.{name} is {value!r}; expected {expected}")


def factor_strengths(strength: float, rhythm_lead: float = 0.0) -> tuple[float, float]:
    """The strengths of the rhythm and of the pitch models at style strength ``strength``.

    With lead L = |rhythm_lead| the leading factor moves at ``min(1, s (1 + L))`` and the
    other at ``max(0, s (1 + L) - L)``: L = 0 moves both as s, L = 1 moves the leading
    factor over the first half of the path and the other over the second. A positive lead
    makes the rhythm lead, a negative one the pitch.

    Returns
    -------
    (s_rhythm, s_pitch)

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    s, lead = float(strength), float(rhythm_lead)
    if not 0 <= s <= 1:
        raise ConfigError(f"argument 'strength' is {strength!r}; expected a number in [0, 1]")
    if not -1 <= lead <= 1:
        raise ConfigError(f"argument 'rhythm_lead' is {rhythm_lead!r}; expected a number in [-1, 1]")
    m = abs(lead)
    ahead, behind = min(1.0, s * (1 + m)), max(0.0, s * (1 + m) - m)
    return (ahead, behind) if lead >= 0 else (behind, ahead)


def range_factor(source_spread: float, target_spread: float, pitch_strength: float, range_match: float = 1.0) -> float:
    """How much the content expert stretches the source's contour: ``(target / source spread) ** (m s_p)``.

    The source's pitches under each new note are moved away from (k > 1) or towards (k < 1)
    the excerpt's mean pitch (over its sounding sixteenths) by this factor before the content expert measures
    the distance to them, so a transfer keeps the melody's shape (its contour correlation
    is unchanged by the stretch) while taking the target style's typical range. ``m`` is
    ``range_match`` and ``s_p`` the pitch models' strength (:func:`factor_strengths`), so the
    stretch grows along a fusion path from 1 at s = 0 to the full ratio at s = 1. A spread
    that is not positive gives 1.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    checked = {}
    for name, value, low, high in (("source_spread", source_spread, 0, np.inf),
                                   ("target_spread", target_spread, 0, np.inf),
                                   ("pitch_strength", pitch_strength, 0, 1), ("range_match", range_match, 0, 1)):
        try:
            x = float(value)
        except (TypeError, ValueError):
            x = float("nan")
        if isinstance(value, bool) or not np.isfinite(x) or not low <= x <= high:
            expected = "a finite number >= 0" if high == np.inf else "a number in [0, 1]"
            raise ConfigError(f"argument {name!r} is {value!r}; expected {expected}")
        checked[name] = x
    if checked["source_spread"] <= 0 or checked["target_spread"] <= 0:
        return 1.0
    ratio = checked["target_spread"] / checked["source_spread"]
    return float(ratio ** (checked["range_match"] * checked["pitch_strength"]))


class ExpertTransfer:
    """Product-of-experts style transfer for one pair of styles (see the module docstring).

    Parameters
    ----------
    styles : (style A, style B)
    rhythm, pitch : dict style -> RhythmModel / PitchModel
    settings : ExpertSettings, or dict ``"source->target"`` -> ExpertSettings
        One set of weights for both directions, or one per direction.

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """

    def __init__(self, styles: Sequence[str], rhythm: dict[str, RhythmModel], pitch: dict[str, PitchModel],
                 settings: ExpertSettings | dict[str, ExpertSettings] | None = None) -> None:
        self.styles = tuple(styles)
        self.rhythm = rhythm
        self.pitch = pitch
        a, b = self.styles
        if settings is None or isinstance(settings, ExpertSettings):
            settings = {f"{a}->{b}": settings or ExpertSettings(), f"{b}->{a}": settings or ExpertSettings()}
        if set(settings) != {f"{a}->{b}", f"{b}->{a}"}:
            raise ConfigError(f"argument 'settings' has directions {sorted(settings)}; expected '{a}->{b}' and "
                              f"'{b}->{a}'")
        self.settings = dict(settings)

    @classmethod
    def fit(cls, styles: Sequence[str], train: dict[str, np.ndarray],
            settings: ExpertSettings | dict[str, ExpertSettings] | None = None) -> ExpertTransfer:
        """Fit both styles' rhythm and pitch models on their training excerpts (token rows)."""
        return cls(styles, {s: RhythmModel.fit(train[s]) for s in styles},
                   {s: PitchModel.fit(train[s]) for s in styles}, settings)

    def with_settings(self, settings: ExpertSettings | dict[str, ExpertSettings]) -> ExpertTransfer:
        """The same style models with other weights."""
        return ExpertTransfer(self.styles, self.rhythm, self.pitch, settings)

    def _mix(self, source: str, target: str, strength: float, settings: ExpertSettings) -> tuple[np.ndarray, ...]:
        s_r, s = factor_strengths(strength, settings.rhythm_lead)
        r = (1 - s_r) * self.rhythm[source].log_p + s_r * self.rhythm[target].log_p
        a, b = self.pitch[source], self.pitch[target]
        l3 = (1 - s) * a.log_p3 + s * b.log_p3
        if settings.repeat_penalty:
            i = np.arange(N_PITCH)
            l3[i, i, i] -= settings.repeat_penalty
        return r, (1 - s) * a.log_p1 + s * b.log_p1, (1 - s) * a.log_p2 + s * b.log_p2, l3

    def transfer(self, tokens: Any, source: str, target: str, strength: float = 1.0, seed: int = 0) -> np.ndarray:
        """Move excerpts (token rows in C major / A minor) from ``source`` towards ``target``.

        ``strength`` s mixes the styles' models as ``P_source^(1-s) P_target^s`` (the rhythm
        and the pitch models at the strengths :func:`factor_strengths` gives for the
        direction's ``rhythm_lead``). Each row's
        rhythm is sampled with random numbers seeded by ``seed`` and the row itself, so a
        melody gets the same output alone or in a batch, and at every strength.

        Returns
        -------
        ndarray of int64, the shape of ``tokens`` (2-D)
        """
        for name, value in (("source", source), ("target", target)):
            if value not in self.styles:
                raise ConfigError(f"argument {name!r} is {value!r}; this transfer knows {list(self.styles)}")
        if source == target:
            raise ConfigError(f"arguments 'source' and 'target' are both {source!r}; expected the pair's two styles")
        try:
            s = float(strength)
        except (TypeError, ValueError):
            s = float("nan")
        if isinstance(strength, bool) or not 0 <= s <= 1:
            raise ConfigError(f"argument 'strength' is {strength!r}; expected a number in [0, 1]")
        rows = _rows(tokens, "tokens")
        settings = self.settings[f"{source}->{target}"]
        mixed = self._mix(source, target, s, settings)
        k = range_factor(self.pitch[source].spread, self.pitch[target].spread,
                         factor_strengths(s, settings.rhythm_lead)[1], settings.range_match)
        return np.stack([self._one(row, seed, settings, k, *mixed) for row in rows])

    def _one(self, row: np.ndarray, seed: int, settings: ExpertSettings, k: float, rhythm: np.ndarray,
             l1: np.ndarray, l2: np.ndarray, l3: np.ndarray) -> np.ndarray:
        n = row.size
        midi = _sounding(row)
        sounding = np.where(midi >= 0, midi - LOW, -1)  # pitch index 0..47, -1 in silence
        on = sounding >= 0
        centre = float(sounding[on].mean()) if on.any() else 0.0
        content = np.where(on, centre + k * (sounding - centre), -1.0)  # the contour, stretched by k
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(row.tobytes())])
        gumbel = rng.gumbel(size=(n, MAX_GAP))
        bonus = np.zeros(n + MAX_GAP + 1)
        if settings.move_bonus:
            p, on = note_events(row)
            bonus[on[1:]] = settings.move_bonus * np.minimum(np.abs(np.diff(p)), 7) / 7
        notes: list[tuple[int, int]] = []
        prev = 0
        for start, end in _spans(sounding):
            t = start
            while t < end:
                gap = int(np.argmax(rhythm[t % BAR, prev] + bonus[t + 1:t + MAX_GAP + 1] + gumbel[t])) + 1
                notes.append((t, min(t + gap, end)))
                prev = gap if t + gap <= end else 0
                t += gap
        if not notes:
            return row.copy()
        grid = np.arange(N_PITCH)[:, None]
        cost = np.stack([np.sqrt(((grid - content[a:b][None, :]) ** 2).mean(1)) for a, b in notes])
        pitches = _viterbi(l1, l2, l3, -settings.lam * cost)
        out = np.zeros(n, dtype=np.int64)
        for (a, b), p in zip(notes, pitches, strict=True):
            out[a] = p + N_SPECIAL
            out[a + 1:b] = 1
        return out


def _viterbi(l1: np.ndarray, l2: np.ndarray, l3: np.ndarray, content: np.ndarray) -> list[int]:
    """Best pitch sequence under a trigram (log-probabilities) plus per-note content scores (K, 48)."""
    k_notes = content.shape[0]
    if k_notes == 1:
        return [int(np.argmax(l1 + content[0]))]
    score = (l1 + content[0])[:, None] + l2 + content[1][None, :]  # state (p_{k-1}, p_k)
    back = []
    for k in range(2, k_notes):
        cand = score[:, :, None] + l3
        best = cand.argmax(0)
        score = np.take_along_axis(cand, best[None], 0)[0] + content[k][None, :]
        back.append(best)
    i, j = np.unravel_index(int(np.argmax(score)), score.shape)
    seq = [int(j), int(i)]
    for best in reversed(back):
        h = int(best[i, j])
        seq.append(h)
        i, j = h, i
    return seq[::-1]


def tune_experts(experts: ExpertTransfer, valid: dict[str, np.ndarray], p_target: Any, *, min_contour_r: float,
                 lams: Sequence[float] = (0.5, 1.0, 1.5, 2.0),
                 move_bonuses: Sequence[float] = (0.0, 1.0, 2.0, 4.0)
                 ) -> tuple[dict[str, ExpertSettings], dict[str, list[dict[str, float]]]]:
    """Choose ``lam`` and ``move_bonus`` per direction on validation excerpts with the first (token) judge.

    Every setting transfers each direction's validation excerpts; the share the judge
    ``p_target(tokens, target)`` calls the target and the mean contour correlation with the
    sources are kept. Of all pairs of settings (one per direction), the one with the highest
    S_tot (mean of the two shares) whose mean contour correlation is at least
    ``min_contour_r`` wins (ties: the smaller weights); with none, the highest contour.

    Returns
    -------
    (dict direction -> ExpertSettings, the sweep: direction -> one dict per setting with
    ``lam``, ``move_bonus``, ``s``, ``contour_r``)

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    a, b = experts.styles
    sweep: dict[str, list[dict[str, float]]] = {}
    for src, tgt in ((a, b), (b, a)):
        key = f"{src}->{tgt}"
        rows = []
        for lam in lams:
            for mv in move_bonuses:
                settings = replace(experts.settings[key], lam=lam, move_bonus=mv)
                out = experts.with_settings(settings).transfer(valid[src], src, tgt)
                rows.append({"lam": lam, "move_bonus": mv,
                             "s": round(float(np.mean(np.asarray(p_target(out, tgt)) > 0.5)), 4),
                             "contour_r": round(float(np.mean([contour_r(x, y) for x, y in
                                                               zip(valid[src], out, strict=True)])), 4)})
        sweep[key] = rows
    k_ab, k_ba = f"{a}->{b}", f"{b}->{a}"
    combos = [(x, y) for x in sweep[k_ab] for y in sweep[k_ba]]
    ok = [c for c in combos if (c[0]["contour_r"] + c[1]["contour_r"]) / 2 >= min_contour_r]
    if ok:
        best = max(ok, key=lambda c: (c[0]["s"] + c[1]["s"], -(c[0]["lam"] + c[1]["lam"]),
                                      -(c[0]["move_bonus"] + c[1]["move_bonus"])))
    else:
        best = max(combos, key=lambda c: c[0]["contour_r"] + c[1]["contour_r"])
    chosen = {k: replace(experts.settings[k], lam=r["lam"], move_bonus=r["move_bonus"])
              for k, r in zip((k_ab, k_ba), best, strict=True)}
    return chosen, sweep


def tune_fusion(experts: ExpertTransfer, valid: dict[str, np.ndarray], p_target: Any, *,
                leads: Sequence[float] = (-1.0, -0.5, 0.0, 0.5, 1.0), strengths: Sequence[float] = FUSION_STRENGTHS,
                tie: float = 0.02) -> tuple[dict[str, ExpertSettings], dict[str, list[dict[str, float]]]]:
    """Choose each direction's ``rhythm_lead`` on validation excerpts with the first (token) judge.

    For every lead, each validation excerpt's fusion path (``strengths``) is judged by
    ``p_target(tokens, target)``; the share of paths whose P(target) never falls by more than
    0.02 (:func:`musiclib.models.style_checks.never_falls`) is kept. The lead with the highest
    share wins; leads within ``tie`` of it count as equal, and the smallest |lead| among them
    is taken (then the higher share), so the factors move apart only when that clearly helps.
    The other weights are the experts' own. A path's output depends on the lead only through
    :func:`factor_strengths`, so points that leads share (both ends, at least) are transferred once.

    Returns
    -------
    (dict direction -> ExpertSettings, the sweep: direction -> one dict per lead with
    ``rhythm_lead`` and ``never_falls``)

    Used by: musiclib.models.style.train_style (notebook 06, section 7, prints the sweep it records)
    """
    a, b = experts.styles
    chosen: dict[str, ExpertSettings] = {}
    sweep: dict[str, list[dict[str, float]]] = {}
    for src, tgt in ((a, b), (b, a)):
        key = f"{src}->{tgt}"
        base = experts.settings[key]
        judged: dict[tuple[float, float], np.ndarray] = {}  # P(target) by (rhythm, pitch) strength
        rows = []
        for lead in leads:
            p = []
            for s in strengths:
                s_rp = factor_strengths(s, lead)
                if s_rp not in judged:
                    moved = experts.with_settings({**experts.settings, key: replace(base, rhythm_lead=float(lead))})
                    judged[s_rp] = np.asarray(p_target(moved.transfer(valid[src], src, tgt, s), tgt))
                p.append(judged[s_rp])
            rows.append({"rhythm_lead": float(lead), "never_falls": round(float(np.mean(never_falls(np.stack(p)))), 4)})
        top = max(r["never_falls"] for r in rows)
        best = min((r for r in rows if r["never_falls"] >= top - tie),
                   key=lambda r: (abs(r["rhythm_lead"]), -r["never_falls"]))
        chosen[key] = replace(base, rhythm_lead=best["rhythm_lead"])
        sweep[key] = rows
    return chosen, sweep
