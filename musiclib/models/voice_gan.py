"""A four-voice chorale GAN (四声部生成对抗网络): one pitch-or-rest per voice and sixteenth.

The plain piano-roll GAN of :mod:`musiclib.models.gan` draws each of the 16 x 48 cells of a
bar; nothing stops it from cutting a held note in pieces (on, off, on) or stacking a
cluster of seven pitches. Here a bar is what a four-part chorale is: for each voice
(soprano, alto, tenor, bass) and each sixteenth step one symbol, a rest or one of the 48
pitches MIDI 36..83, plus an onset flag that says whether a new event starts there.

* :func:`chorale_voice_bars` cuts the prepared chorales into such bars (the same bars,
  in the same order, as ``datasets/chorale_bars.npz``); :func:`voices_to_rolls` turns them
  back into piano rolls, so every metric of the lesson compares like with like.
* The generator (:func:`build_voice_generator`, plain Keras layers) writes logits for
  each (step, voice): 49 symbol logits and one onset logit. :func:`decode_voices` turns
  them into a bar with the *hold rule*: where the onset flag is off, a voice keeps the
  symbol it had, so a held note cannot be split. In training the symbol is drawn with
  the straight-through Gumbel-softmax estimator and the flag with a straight-through
  Bernoulli (Jang et al. 2017; Bengio et al. 2013), so the discriminator sees exactly
  what a listener will hear.
* :class:`VoiceGAN` is :class:`musiclib.models.gan.GAN` with that decoding in ``_fake``.
* :func:`train_voice_gan` trains it, measures generated bars against the validation bars
  every epoch and keeps the weights of the best epoch (a run that starts to collapse
  still ends with a good generator). :class:`VoiceGenerator` samples bars: ``sample(n,
  seed=...)`` returns binary piano rolls of shape (n, 16, 48), like the roll GAN.
* The discriminator of the best epoch is kept as the generator's *critic*: with
  ``proposals=k`` the generator writes k bars for each bar asked for and keeps one, drawn
  with probabilities softmax(score / ``temperature``) over the critic's scores: importance
  resampling with weights exp(D), in the spirit of discriminator rejection sampling
  (Azadi et al. 2019) and likelihood-free importance weighting (Grover et al. 2019);
  ``temperature=0`` keeps the best-scored proposal.

Importing this module imports TensorFlow (several seconds).

Taught in: notebooks/05_gan_music_generation.ipynb
"""

from __future__ import annotations

import io
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musiclib.config import quiet_tensorflow, seed_everything
from musiclib.datasets import Corpus, load_chorales
from musiclib.errors import CheckpointError, DataError, RepresentationError, ShapeError
from musiclib.features import (
    copy_rate,
    long_note_share,
    nearest_neighbour_distance,
    one_step_holes,
    roll_metrics,
    set_diversity,
    unique_rate,
)
from musiclib.fileio import atomic_write_bytes, check_can_write
from musiclib.models.adversarial import GAN, LOSSES, NoiseToSamples, check_count, check_rolls, check_seed
from musiclib.pretrained import (
    CHECKPOINT_DIR,
    load_keras_checkpoint,
    read_record,
    save_keras_checkpoint,
    save_keras_model,
)
from musiclib.representation import DEFAULT_ROLL_RANGE, NoteList, notes_to_piano_roll

quiet_tensorflow()

import keras  # noqa: E402  (after quiet_tensorflow)
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

__all__ = [
    "VOICES",
    "N_SYMBOLS",
    "VoiceBars",
    "VoiceGANRecipe",
    "VoiceGAN",
    "VoiceGenerator",
    "chorale_voice_bars",
    "voices_to_rolls",
    "transpose_voices",
    "voice_registers",
    "fit_register",
    "bar_events",
    "density_classes",
    "voices_to_notes",
    "encode_voices",
    "decode_voices",
    "build_voice_generator",
    "build_voice_discriminator",
    "build_voice_encoder",
    "reconstruction_loss",
    "gaussian_kl",
    "make_voice_gan",
    "train_voice_gan",
    "selection_gap",
    "save_voice_generator",
    "load_voice_generator",
]

#: The four voices, top to bottom (part 0..3 of the prepared chorales).
VOICES = ("soprano", "alto", "tenor", "bass")
LOW, HIGH = DEFAULT_ROLL_RANGE
#: Symbols per voice and step: 0 = rest, 1..48 = MIDI 36..83.
N_SYMBOLS = 1 + HIGH - LOW
STEPS = 16
KIND = "voice_gan_generator"
DECODINGS = ("sample", "argmax")
#: The shipped four-voice generator (the course's GAN: notebook 05 samples it).
GAN_GENERATOR = CHECKPOINT_DIR / "gan_generator.keras"
_TRAIN_COMMAND = "python -m musiclib.train gan"


def critic_path(path: str | os.PathLike) -> Path:
    """Where a generator checkpoint's critic is saved: ``x_critic.keras`` beside ``x.keras``.

    Used by: musiclib.models.voice_gan, musiclib.train
    """
    p = Path(path)
    return p.with_name(p.stem + "_critic.keras")


def codes_path(path: str | os.PathLike) -> Path:
    """Where a generator's latent codes live: ``x.keras`` -> ``x_codes.npz`` (beside it).

    Used by: save_voice_generator, load_voice_generator, musiclib.train
    """
    p = Path(path)
    return p.with_name(p.stem + "_codes.npz")


#: The shares of encoder code tried in z (:func:`choose_latent_mix`), smallest first.
LATENT_MIXES = (0.0, 0.25, 0.5, 0.75)


def _check_latent_mix(a: Any, codes: Any, name: str = "latent_mix") -> float:
    if isinstance(a, bool) or not isinstance(a, (int, float)) or not 0 <= a < 1:
        raise RepresentationError(f"argument {name!r} is {a!r}; expected a number in [0, 1)")
    if a > 0 and codes is None:
        raise RepresentationError(f"argument {name!r} is {a}, but the generator has no latent codes")
    return float(a)


def _with_classes(x: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """Encoded bars (n, 16, 4, 50) with each bar's one-hot density class beside every step."""
    label = np.eye(n_classes, dtype=np.float32)[classes]
    return np.concatenate([x, np.broadcast_to(label[:, None, None, :], (*x.shape[:3], n_classes))], axis=-1)


def _check_proposals(k: Any, critic: Any, name: str = "proposals") -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise RepresentationError(f"argument {name!r} must be a positive integer, got {k!r}")
    if k > 1 and critic is None:
        raise RepresentationError(f"argument {name!r} is {k}, but choosing among proposals needs a critic and this "
                                  "generator has none")
    return int(k)


def _check_temperature(t: Any, name: str = "temperature") -> float:
    if isinstance(t, bool) or not isinstance(t, int | float | np.integer | np.floating) or not math.isfinite(t) \
            or t < 0:
        raise RepresentationError(f"argument {name!r} must be a finite number >= 0, got {t!r}")
    return float(t)


def pick_proposals(scores: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """For each bar, which of its k proposals to keep, from the critic's scores (k, n).

    ``temperature`` T > 0: proposal j is kept with probability softmax_j(score_j / T), so
    with T = 1 each proposal is weighted by exp(D), the density ratio p_data / p_g that a
    discriminator estimates (importance resampling). T = 0: the best-scored proposal.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    d = np.asarray(scores, dtype=np.float64)
    if d.ndim != 2 or not d.size or not np.isfinite(d).all():
        raise ShapeError(f"argument 'scores' has shape {d.shape}; expected finite scores (k proposals, n bars)")
    t = _check_temperature(temperature)
    if t == 0:
        return d.argmax(axis=0)
    w = np.exp((d - d.max(axis=0)) / t)
    cdf = np.cumsum(w / w.sum(axis=0), axis=0)
    return np.minimum((cdf < rng.random(d.shape[1])).sum(axis=0), len(d) - 1)


# --------------------------------------------------------------------------- data
@dataclass
class VoiceBars:
    """One-bar 4/4 chorale excerpts, voice by voice.

    Attributes
    ----------
    symbols : ndarray of int8, shape (n, 16, 4)
        Per step and voice: 0 = rest, k = MIDI ``35 + k`` (MIDI 36..83).
    onsets : ndarray of uint8, shape (n, 16, 4)
        1 where a new event (a note, a repeated note or a rest) starts.
    piece, split : ndarrays, shape (n,)
        As in ``datasets/chorale_bars.npz``.
    to_c : ndarray of int, shape (n,)
        Semitones (-5..6) that move the bar's piece to C major or A minor.

    Used by: musiclib.models.voice_gan (chorale_voice_bars returns it; train_voice_gan takes it)
    """

    symbols: np.ndarray
    onsets: np.ndarray
    piece: np.ndarray
    split: np.ndarray
    to_c: np.ndarray

    def __len__(self) -> int:
        return len(self.symbols)

    def subset(self, mask: np.ndarray) -> VoiceBars:
        """The bars where ``mask`` is true (e.g. ``bars.split == "train"``)."""
        return VoiceBars(self.symbols[mask], self.onsets[mask], self.piece[mask], self.split[mask], self.to_c[mask])

    def rolls(self) -> np.ndarray:
        """The bars as binary piano rolls, shape (n, 16, 48) (see :func:`voices_to_rolls`)."""
        return voices_to_rolls(self.symbols)


def _voice_steps(part_notes: Any, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Symbol and onset per sixteenth step of one voice (the latest-starting note wins)."""
    sym = np.zeros(n_steps, dtype=np.int8)
    ons = np.zeros(n_steps, dtype=np.uint8)
    start_of = np.full(n_steps, -1, dtype=np.int64)
    order = np.lexsort((part_notes.pitch, part_notes.onset))
    for i in order:
        p = int(part_notes.pitch[i])
        a = int(round(float(part_notes.onset[i]) * 4))
        b = int(round(float(part_notes.onset[i] + part_notes.duration[i]) * 4))
        a, b = max(a, 0), min(max(b, a + 1), n_steps)
        if a >= n_steps or not LOW <= p < HIGH:
            continue
        sym[a:b] = p - LOW + 1
        start_of[a:b] = a
    # an onset where a note starts, and where a rest starts
    for t in range(n_steps):
        if sym[t] > 0:
            ons[t] = start_of[t] == t
        else:
            ons[t] = t == 0 or sym[t - 1] > 0
    return sym, ons


def chorale_voice_bars(corpus: Corpus | None = None) -> VoiceBars:
    """Cut the 4/4 chorales into one-bar voice excerpts (the bars of ``chorale_bars.npz``).

    Bars are cut exactly as the prepared piano-roll bars are (pickups shifted to a
    downbeat, pieces off the sixteenth grid skipped, empty bars dropped, pitches outside
    MIDI 36..83 dropped), so ``chorale_voice_bars().rolls()`` equals
    ``load_chorale_bars().rolls``; each bar's onsets come from the notes themselves, so a
    repeated note is two notes here.

    Parameters
    ----------
    corpus : Corpus, optional
        Default :func:`musiclib.datasets.load_chorales`.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    c = corpus if corpus is not None else load_chorales()
    pieces = sorted(c.pieces, key=lambda p: p.id)
    syms, onss, piece, split, to_c = [], [], [], [], []
    for index, p in enumerate(pieces):
        if p.time_signature != "4/4" or not p.on_grid:
            continue
        notes = p.notes.shift(p.anacrusis) if p.anacrusis else p.notes
        n_steps = int(np.ceil(notes.end / 4.0)) * STEPS
        roll = notes_to_piano_roll(notes, n_steps=n_steps, out_of_range="drop")
        keep = roll.reshape(-1, STEPS * roll.shape[1]).any(axis=1)
        per_voice = [_voice_steps(notes[notes.part == v], n_steps) for v in range(len(VOICES))]
        sym = np.stack([s for s, _ in per_voice], axis=1).reshape(-1, STEPS, len(VOICES))
        ons = np.stack([o for _, o in per_voice], axis=1).reshape(-1, STEPS, len(VOICES))
        ons[:, 0, :] = 1  # every bar starts with an event in every voice
        syms.append(sym[keep])
        onss.append(ons[keep])
        piece += [index] * int(keep.sum())
        split += [p.split] * int(keep.sum())
        to_c += [p.semitones_to_c()] * int(keep.sum())
    if not syms:
        raise DataError("argument 'corpus' holds no 4/4 piece on the sixteenth grid")
    return VoiceBars(np.concatenate(syms), np.concatenate(onss), np.array(piece, dtype=np.int32), np.array(split),
                     np.array(to_c, dtype=np.int64))


def _check_symbols(symbols: Any, name: str = "symbols") -> np.ndarray:
    s = np.asarray(symbols)
    if s.ndim != 3 or s.shape[1:] != (STEPS, len(VOICES)):
        raise ShapeError(f"argument {name!r} has shape {s.shape}; expected (n, {STEPS}, {len(VOICES)})")
    if s.size and (not np.issubdtype(s.dtype, np.integer) or s.min() < 0 or s.max() >= N_SYMBOLS):
        raise RepresentationError(f"argument {name!r} must hold integers 0..{N_SYMBOLS - 1} (0 = rest)")
    return s.astype(np.int64)


def transpose_voices(symbols: np.ndarray, semitones: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """Move each bar by its number of semitones (rests stay rests).

    Returns
    -------
    (symbols, in_range)
        The moved bars, and per bar whether every note stayed inside MIDI 36..83 (a bar
        that did not is returned unmoved).

    Used by: musiclib.models.voice_gan.train_voice_gan, VoiceGenerator.sample_voices
    """
    s = _check_symbols(symbols)
    k = np.broadcast_to(np.asarray(semitones, dtype=np.int64), (len(s),))
    moved = np.where(s > 0, s + k[:, None, None], 0)
    ok = ((moved >= 1) & (moved < N_SYMBOLS) | (s == 0)).all(axis=(1, 2))
    return np.where(ok[:, None, None], moved, s).astype(np.int8), ok


def voice_registers(symbols: np.ndarray) -> np.ndarray:
    """Each voice's register in each bar: the mean symbol (MIDI - 35) of its sounding steps.

    Returns
    -------
    ndarray of float, shape (n, 4)
        NaN where a voice rests the whole bar.

    Used by: musiclib.models.voice_gan.fit_register, VoiceGenerator.sample_voices
    """
    s = _check_symbols(symbols).astype(np.float64)
    on = s > 0
    count = on.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (s * on).sum(axis=1) / np.maximum(count, 1), np.nan)


def fit_register(symbols: np.ndarray) -> dict[str, list]:
    """A Gaussian model of the four voices' registers, fitted on bars in their own keys.

    Returns ``{"mean": 4 values, "cov": 4 x 4}`` of :func:`voice_registers` over the bars in
    which every voice sounds. :class:`VoiceGenerator` uses it to choose the octave of a key.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    m = voice_registers(symbols)
    m = m[~np.isnan(m).any(axis=1)]
    if len(m) < 8:
        raise DataError(f"argument 'symbols' has {len(m)} bars in which all four voices sound; need at least 8")
    return {"mean": [round(float(v), 4) for v in m.mean(axis=0)],
            "cov": [[round(float(v), 4) for v in row] for row in np.cov(m.T)]}


def bar_events(symbols: np.ndarray, onsets: np.ndarray) -> np.ndarray:
    """Events per bar, all four voices together: notes and rests that start in the bar.

    A voice's event starts at step 0, at an onset flag, or where its symbol changes (a rest
    after a note). A bar of four whole notes has 4 events; four voices in sixteenths, 64.

    Returns
    -------
    ndarray of int64, shape (n,)

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    s = _check_symbols(symbols)
    o = np.asarray(onsets)
    if o.shape != s.shape:
        raise ShapeError(f"argument 'onsets' has shape {o.shape}; expected {s.shape}")
    starts = np.ones(s.shape, dtype=bool)
    starts[:, 1:] = (s[:, 1:] != s[:, :-1]) | (o[:, 1:] > 0)
    return starts.sum(axis=(1, 2)).astype(np.int64)


def density_classes(symbols: np.ndarray, onsets: np.ndarray, edges: Any) -> np.ndarray:
    """The density class of each bar: how many of ``edges`` its :func:`bar_events` reach.

    With edges (14, 22): 0 = sustained (fewer than 14 events: slower than four voices in
    quarter notes, which make 16), 1 = moving (14..21), 2 = running (22 or more: eighths or
    sixteenths in some voice). The conditional GAN is told the class.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    e = _check_edges(edges, "edges")
    return np.searchsorted(np.asarray(e), bar_events(symbols, onsets), side="right").astype(np.int64)


def _check_edges(edges: Any, name: str) -> tuple[int, ...]:
    try:
        e = tuple(int(v) for v in edges)
    except (TypeError, ValueError) as exc:
        raise RepresentationError(f"argument {name!r} must be increasing event counts, got {edges!r}") from exc
    if any(b <= a for a, b in zip(e, e[1:], strict=False)) or any(v < 1 for v in e):
        raise RepresentationError(f"argument {name!r} must be increasing positive event counts, got {edges!r}")
    return e


def _register_shifts(symbols: np.ndarray, key_offsets: np.ndarray, register: dict[str, Any],
                     rng: np.random.Generator) -> np.ndarray:
    """Draw each bar's shift from p(shift | bar) ∝ p(key) * N(registers + shift; mean, cov), in range."""
    shifts = np.arange(-18, 18)                        # keys -6..5, an octave down or up
    log_prior = np.log(np.tile(key_offsets, 3) + 1e-300)
    mean, cov = np.asarray(register["mean"], dtype=np.float64), np.asarray(register["cov"], dtype=np.float64)
    regs = voice_registers(symbols)
    out = np.zeros(len(symbols), dtype=np.int64)
    for i, (bar, reg) in enumerate(zip(symbols, regs, strict=True)):
        sounding = ~np.isnan(reg)
        notes = bar[bar > 0].astype(np.int64)
        if not notes.size:
            continue
        d = reg[sounding][None, :] + shifts[:, None] - mean[sounding][None, :]
        log_lik = -0.5 * np.einsum("ij,jk,ik->i", d, np.linalg.inv(cov[np.ix_(sounding, sounding)]), d)
        in_range = (notes.min() + shifts >= 1) & (notes.max() + shifts < N_SYMBOLS)
        score = np.where(in_range, log_prior + log_lik, -np.inf)
        if not np.isfinite(score).any():
            continue
        p = np.exp(score - score.max())
        out[i] = rng.choice(shifts, p=p / p.sum())
    return out


def voices_to_rolls(symbols: np.ndarray) -> np.ndarray:
    """Voice bars as binary piano rolls, shape (n, 16, 48): a cell is on where any voice sounds it.

    Used by: VoiceBars.rolls, VoiceGenerator.sample
    """
    s = _check_symbols(symbols)
    n = len(s)
    rolls = np.zeros((n, STEPS, N_SYMBOLS), dtype=np.uint8)
    i, t = np.meshgrid(np.arange(n), np.arange(STEPS), indexing="ij")
    for v in range(len(VOICES)):
        rolls[i, t, s[:, :, v]] = 1
    return rolls[:, :, 1:]


def voices_to_notes(symbols: np.ndarray, onsets: np.ndarray, *, grand_staff: bool = True) -> NoteList:
    """Voice bars, one after another, as notes: a note starts at an onset and lasts to the next event.

    With ``grand_staff`` the soprano and alto get part 0 (treble staff) and the tenor and
    bass part 1 (bass staff), so :func:`musiclib.display.show_score` engraves a chorale on a
    grand staff; otherwise each voice is its own part (0..3).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    s = _check_symbols(symbols)
    o = np.asarray(onsets)
    if o.shape != s.shape:
        raise ShapeError(f"argument 'onsets' has shape {o.shape}; expected {s.shape}")
    sym = s.reshape(-1, len(VOICES))            # bars one after another
    ons = o.reshape(-1, len(VOICES)).astype(bool)
    pitch, onset, duration, part = [], [], [], []
    for v in range(len(VOICES)):
        starts = [t for t in range(len(sym)) if ons[t, v] or t == 0 or sym[t, v] != sym[t - 1, v]]
        for a, b in zip(starts, starts[1:] + [len(sym)], strict=True):
            if sym[a, v] > 0:
                pitch.append(int(sym[a, v]) + LOW - 1)
                onset.append(a / 4.0)
                duration.append((b - a) / 4.0)
                part.append(v // 2 if grand_staff else v)
    return NoteList.from_arrays(np.array(pitch, dtype=np.int64), np.array(onset), np.array(duration),
                                np.full(len(pitch), 80), np.array(part, dtype=np.int64))


def encode_voices(symbols: np.ndarray, onsets: np.ndarray) -> np.ndarray:
    """What the discriminator sees of a bar: one-hot symbols and the onset flag, (n, 16, 4, 50).

    Used by: musiclib.models.voice_gan.train_voice_gan
    """
    s = _check_symbols(symbols)
    o = np.asarray(onsets)
    if o.shape != s.shape:
        raise ShapeError(f"argument 'onsets' has shape {o.shape}; expected {s.shape}")
    out = np.zeros((*s.shape, N_SYMBOLS + 1), dtype=np.float32)
    np.put_along_axis(out, s[..., None], 1.0, axis=-1)
    out[..., N_SYMBOLS] = o
    return out


def decode_voices(logits: np.ndarray, *, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Generator logits (n, 16, 4, 50) -> symbols and onsets (n, 16, 4) with the hold rule.

    At each step a voice draws a symbol from the softmax of its 49 symbol logits and an
    onset flag from the sigmoid of its last logit (``seed=None``: the most likely symbol
    and the flag where p > 1/2). Step 0 always starts an event; where the flag is off the
    voice keeps its previous symbol, so a note is never cut in pieces.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    x = np.asarray(logits, dtype=np.float64)
    if x.ndim != 4 or x.shape[1:] != (STEPS, len(VOICES), N_SYMBOLS + 1):
        raise ShapeError(f"argument 'logits' has shape {x.shape}; expected (n, {STEPS}, {len(VOICES)}, "
                         f"{N_SYMBOLS + 1})")
    sym_logits, onset_logit = x[..., :N_SYMBOLS], x[..., N_SYMBOLS]
    if seed is None:
        drawn = sym_logits.argmax(axis=-1)
        flag = onset_logit > 0
    else:
        rng = np.random.default_rng(seed)
        gumbel = -np.log(-np.log(rng.uniform(1e-12, 1.0, sym_logits.shape)))
        drawn = (sym_logits + gumbel).argmax(axis=-1)
        flag = rng.uniform(size=onset_logit.shape) < 1.0 / (1.0 + np.exp(-onset_logit))
    flag[:, 0, :] = True
    symbols = np.empty_like(drawn)
    symbols[:, 0] = drawn[:, 0]
    for t in range(1, STEPS):
        symbols[:, t] = np.where(flag[:, t], drawn[:, t], symbols[:, t - 1])
    return symbols.astype(np.int8), flag.astype(np.uint8)


# --------------------------------------------------------------------------- networks
@dataclass
class VoiceGANRecipe:
    """How the four-voice GAN is built and trained.

    Attributes
    ----------
    z_dim : int
        Length of the noise vector z ~ N(0, I).
    g_filters : (int, int, int)
        Channels of the generator's 4-step trunk and of its two upsampling convolutions
        (to 8, then 16 steps). Upsampling + convolution, not transposed convolution:
        every step gets the same number of contributions, so no step phase is favoured.
    d_filters : (int, int, int)
        Channels of the discriminator's three convolutions over time.
    loss : str
        ``"bce"``, ``"hinge"`` or ``"wgan-gp"`` (see :func:`musiclib.models.gan.discriminator_loss`).
    lr_g, lr_d, beta_1 : float
        Adam settings of the two players.
    batch_size, epochs : int
    tau : float
        Temperature of the softmax in the backward pass.
    decoding : str
        ``"sample"``: each (step, voice) draws its symbol and onset flag (Gumbel-max, Bernoulli),
        in training and in :meth:`VoiceGenerator.sample`; ``"argmax"``: the most likely symbol
        and the flag where p > 1/2, so all variety comes from z.
    ema : float
        0: the generator is used as trained. Otherwise, after every training step the
        weights are averaged, w_ema <- ema * w_ema + (1 - ema) * w, and the averaged
        generator is the one monitored, kept and saved (Yazici et al. 2019): a GAN's
        weights oscillate around a good solution, and their average lies nearer to it.
    key_normalise : bool
        Train on bars moved to C major / A minor, and move each generated bar to a key drawn
        from the training bars' keys (:attr:`VoiceGenerator.key_offsets`), in the octave its
        voices' registers make likely (:attr:`VoiceGenerator.register`): the generator
        learns harmony in one key instead of twelve, and the keys and registers come from the data.
    r1_weight : float
        gamma of the R1 penalty on real bars (Mescheder et al. 2018; 0: none). Without it the
        discriminator wins within a few epochs and the bars swing from epoch to epoch.
    density_edges : tuple of int
        Event counts that split bars into density classes (:func:`density_classes`); the
        generator gets its class as a one-hot beside z and the discriminator sees it beside
        each step (a conditional GAN, Mirza & Osindero 2014), and generated bars get classes
        drawn as often as in the training bars. ``()``: an unconditional GAN. Unconditioned,
        the generator drops the sustained bars of long chords.
    proposals, temperature : int, float
        How the trained generator samples: ``proposals`` bars written for each bar asked
        for, one kept by :func:`pick_proposals` at ``temperature`` with the discriminator of
        the kept epoch as critic (1: no choice).
    recon_weight, kl_weight : float
        lambda and beta of the reconstruction term (0: a plain GAN). An encoder
        (:func:`build_voice_encoder`) maps each real bar x to q(z | x) = N(mu, diag sigma^2);
        the generator, given z ~ q(z | x) and x's class, must write x back, and its loss gains
        lambda * (reconstruction + beta * KL(q(z | x) || N(0, I))) / 64 per bar
        (:func:`reconstruction_loss`; 64 voice-steps). A VAE-GAN (Larsen et al. 2016): every
        training bar must be reachable from z, which counters the GAN's habit of dropping
        kinds of bar (mode regularisation, Che et al. 2017); the KL term keeps q near the
        N(0, I) that sampling draws from. The encoder is used in training only.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """

    z_dim: int = 64
    g_filters: tuple[int, int, int] = (256, 128, 128)
    d_filters: tuple[int, int, int] = (128, 128, 256)
    loss: str = "hinge"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta_1: float = 0.5
    batch_size: int = 64
    epochs: int = 60
    tau: float = 1.0
    decoding: str = "argmax"
    ema: float = 0.0
    key_normalise: bool = True
    r1_weight: float = 1.0
    density_edges: tuple[int, ...] = (14, 22)
    proposals: int = 16
    temperature: float = 1.0
    recon_weight: float = 1.0
    kl_weight: float = 1.0

    def __post_init__(self) -> None:
        self.density_edges = _check_edges(self.density_edges, "density_edges")
        _check_proposals(self.proposals, True)
        _check_temperature(self.temperature)
        if self.loss not in LOSSES:
            raise RepresentationError(f"argument 'loss' is {self.loss!r}; expected one of {LOSSES}")
        self.g_filters = tuple(int(x) for x in self.g_filters)  # JSON gives lists
        self.d_filters = tuple(int(x) for x in self.d_filters)
        if len(self.g_filters) != 3 or len(self.d_filters) != 3 or min(self.g_filters + self.d_filters) < 1:
            raise RepresentationError("arguments 'g_filters' and 'd_filters' need 3 positive channel counts each")
        for name in ("z_dim", "batch_size", "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RepresentationError(f"argument {name!r} must be a positive integer, got {value!r}")
        if self.decoding not in DECODINGS:
            raise RepresentationError(f"argument 'decoding' is {self.decoding!r}; expected one of {DECODINGS}")
        if not 0.0 <= self.ema < 1.0:
            raise RepresentationError(f"argument 'ema' must lie in [0, 1), got {self.ema!r}")
        if not self.tau > 0:
            raise RepresentationError(f"argument 'tau' must be positive, got {self.tau!r}")
        for name in ("r1_weight", "recon_weight", "kl_weight"):
            value = getattr(self, name)
            bad = isinstance(value, bool) or not isinstance(value, int | float)
            if bad or not value >= 0 or not math.isfinite(value):
                raise RepresentationError(f"argument {name!r} must be a finite number >= 0, got {value!r}")

    def to_dict(self) -> dict:
        """The recipe as JSON-ready values."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    @property
    def n_classes(self) -> int:
        """Density classes the GAN is conditioned on (0: unconditional)."""
        return len(self.density_edges) + 1 if self.density_edges else 0


def build_voice_generator(recipe: VoiceGANRecipe | None = None) -> keras.Model:
    """[z, class] -> dense 4 steps -> (upsample, convolve) x 2 -> logits (16 steps, 4 voices, 49 + 1).

    Built from Keras layers only, so its checkpoint loads with safe_mode.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    r = recipe or VoiceGANRecipe()
    c0, c1, c2 = r.g_filters
    z = keras.Input(shape=(r.z_dim + r.n_classes,), name="z")  # noise, then the one-hot density class
    x = layers.Dense(4 * c0, use_bias=False)(z)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((4, c0))(x)
    for c in (c1, c2):
        x = layers.UpSampling1D(2)(x)
        x = layers.Conv1D(c, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Conv1D(c2, 3, padding="same", activation="relu")(x)
    x = layers.Dense(len(VOICES) * (N_SYMBOLS + 1))(x)
    out = layers.Reshape((STEPS, len(VOICES), N_SYMBOLS + 1), name="logits")(x)
    return keras.Model(z, out, name="voice_generator")


def build_voice_discriminator(recipe: VoiceGANRecipe | None = None) -> keras.Model:
    """Encoded bar (16, 4, 50 + classes) -> convolutions over time (all voices as channels) -> one logit.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    r = recipe or VoiceGANRecipe()
    x_in, x = _bar_convolutions(r)
    out = layers.Dense(1, name="logit")(x)
    return keras.Model(x_in, out, name="voice_discriminator")


def _bar_convolutions(r: VoiceGANRecipe) -> tuple[Any, Any]:
    """The input of an encoded bar and its features: convolutions over time, all voices as channels."""
    width = N_SYMBOLS + 1 + r.n_classes  # symbols, onset flag, then the density class at every cell
    x_in = keras.Input(shape=(STEPS, len(VOICES), width), name="bar")
    x = layers.Reshape((STEPS, len(VOICES) * width))(x_in)
    for c, stride in zip(r.d_filters, (1, 2, 2), strict=True):
        x = layers.Conv1D(c, 3, strides=stride, padding="same")(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
    return x_in, layers.Flatten()(x)


def build_voice_encoder(recipe: VoiceGANRecipe | None = None) -> keras.Model:
    """Encoded real bar (16, 4, 50 + classes) -> [mu, log sigma^2] of q(z | bar), 2 * z_dim values.

    The discriminator's convolutions over time (``d_filters``) with a linear head; used by
    the reconstruction term of :class:`VoiceGANRecipe` in training only.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    r = recipe or VoiceGANRecipe()
    x_in, x = _bar_convolutions(r)
    out = layers.Dense(2 * r.z_dim, name="mu_logvar")(x)
    return keras.Model(x_in, out, name="voice_encoder")


def reconstruction_loss(real: Any, logits: Any) -> tuple[Any, Any]:
    """Nats per bar for the generator's logits to write the encoded bars ``real`` back.

    For each voice and step, the cross-entropy of the real symbol under the softmax of the 49
    symbol logits, plus the binary cross-entropy of the real onset flag under the sigmoid of
    the onset logit; summed over the 64 voice-steps of a bar. ``real``: (batch, 16, 4, 50 + ...)
    as :func:`encode_voices` writes it (extra class columns are ignored); ``logits``:
    (batch, 16, 4, 50) as the generator writes them.

    Returns
    -------
    (tensor, tensor)
        The mean over the batch of the symbol part and of the onset part (nats per bar).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    sym = tf.nn.softmax_cross_entropy_with_logits(real[..., :N_SYMBOLS], logits[..., :N_SYMBOLS])
    ons = tf.nn.sigmoid_cross_entropy_with_logits(real[..., N_SYMBOLS], logits[..., N_SYMBOLS])
    return tf.reduce_mean(tf.reduce_sum(sym, axis=[1, 2])), tf.reduce_mean(tf.reduce_sum(ons, axis=[1, 2]))


def gaussian_kl(mu: Any, logvar: Any) -> Any:
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per row, summed over dimensions, mean over rows.

    KL = 1/2 sum_i (sigma_i^2 + mu_i^2 - 1 - log sigma_i^2).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    return tf.reduce_mean(tf.reduce_sum(0.5 * (tf.exp(logvar) + mu ** 2 - 1.0 - logvar), axis=1))


def straight_through_voices(logits: Any, seed_generator: Any, tau: float = 1.0, decoding: str = "argmax") -> Any:
    """Differentiable decoding of generator logits into an encoded bar (batch, 16, 4, 50).

    Forward: the bar :func:`decode_voices` would draw (one-hot symbols after the hold rule,
    0/1 onsets). Backward: the Gumbel-softmax of the symbols at temperature ``tau`` and
    the sigmoid of the onset logits (straight-through estimators).

    Used by: musiclib.models.voice_gan.VoiceGAN
    """
    sym_logits, onset_logit = logits[..., :N_SYMBOLS], logits[..., N_SYMBOLS]
    if decoding == "sample":
        u = keras.random.uniform(tf.shape(sym_logits), minval=1e-12, maxval=1.0, seed=seed_generator)
        sym_logits = sym_logits - tf.math.log(-tf.math.log(u))
    soft = tf.nn.softmax(sym_logits / tau, axis=-1)
    hard = tf.one_hot(tf.argmax(soft, axis=-1), N_SYMBOLS, dtype=soft.dtype)
    q = hard + soft - tf.stop_gradient(soft)
    p_on = tf.sigmoid(onset_logit)
    if decoding == "sample":
        draw = tf.cast(keras.random.uniform(tf.shape(p_on), seed=seed_generator) < p_on, p_on.dtype)
    else:
        draw = tf.cast(p_on > 0.5, p_on.dtype)
    o = draw + p_on - tf.stop_gradient(p_on)
    o = tf.concat([tf.ones_like(o[:, :1]), o[:, 1:]], axis=1)  # step 0 always starts an event
    steps = [q[:, 0]]
    for t in range(1, STEPS):
        o_t = o[:, t, :, None]
        steps.append(o_t * q[:, t] + (1.0 - o_t) * steps[-1])
    held = tf.stack(steps, axis=1)
    return tf.concat([held, o[..., None]], axis=-1)


class VoiceGAN(GAN):
    """The GAN of :mod:`musiclib.models.gan` whose generated bars are decoded voice by voice.

    Only ``_fake`` differs: the generator's logits pass through
    :func:`straight_through_voices`, so the discriminator judges held notes, never cell
    probabilities.

    Used by: musiclib.models.voice_gan.make_voice_gan
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *, tau: float = 1.0,
                 decoding: str = "argmax", n_classes: int = 0, encoder: keras.Model | None = None,
                 recon_weight: float = 0.0, kl_weight: float = 1.0, **kwargs: Any) -> None:
        super().__init__(generator, discriminator, **kwargs)
        self.tau = float(tau)
        self.decoding = decoding
        self.n_classes = int(n_classes)
        self.encoder = encoder
        self.recon_weight = float(recon_weight)
        self.kl_weight = float(kl_weight)
        if self.recon_weight > 0 and encoder is None:
            raise RepresentationError("argument 'encoder' is None, but recon_weight > 0 needs an encoder")
        if self.recon_weight > 0:
            self.trackers.update({k: keras.metrics.Mean(name=k) for k in ("rec_symbols", "rec_onsets", "kl")})

    @staticmethod
    def _labels(real: Any) -> Any:
        """The one-hot density class a real bar carries on its last channels (read at step 0, voice 0)."""
        return real[:, 0, 0, N_SYMBOLS + 1:]

    def _generator_side_weights(self) -> list:
        if self.recon_weight > 0:
            return self.generator.trainable_weights + self.encoder.trainable_weights
        return self.generator.trainable_weights

    def _extra_generator_loss(self, real: Any) -> Any:
        """lambda * (reconstruction + beta * KL) / 64: the generator writes real bars back from q(z | x)."""
        if not self.recon_weight > 0:
            return 0.0
        stats = self.encoder(real, training=True)
        mu = stats[:, :self.z_dim]
        logvar = tf.clip_by_value(stats[:, self.z_dim:], -8.0, 4.0)
        z = mu + tf.exp(0.5 * logvar) * keras.random.normal(tf.shape(mu), seed=self.seed_generator)
        if self.n_classes:
            z = tf.concat([z, self._labels(real)], axis=-1)
        rec_sym, rec_ons = reconstruction_loss(real, self.generator(z, training=True))
        kl = gaussian_kl(mu, logvar)
        for k, v in (("rec_symbols", rec_sym), ("rec_onsets", rec_ons), ("kl", kl)):
            self.trackers[k].update_state(v)
        return self.recon_weight * (rec_sym + rec_ons + self.kl_weight * kl) / (STEPS * len(VOICES))

    def _fake(self, batch: Any, real: Any = None) -> Any:
        z = self._noise(batch)
        if self.n_classes:  # each fake gets the density class of a real bar of the batch
            label = self._labels(real)
            z = tf.concat([z, label], axis=-1)
        bar = straight_through_voices(self.generator(z, training=True), self.seed_generator, self.tau, self.decoding)
        if self.n_classes:
            bar = tf.concat([bar, tf.broadcast_to(label[:, None, None, :], (batch, STEPS, len(VOICES),
                                                                             self.n_classes))], axis=-1)
        return bar


def make_voice_gan(recipe: VoiceGANRecipe | None = None, *, seed: int = 0) -> VoiceGAN:
    """A compiled, untrained four-voice GAN built from ``recipe``.

    Used by: musiclib.models.voice_gan.train_voice_gan
    """
    r = recipe or VoiceGANRecipe()
    seed_everything(seed)
    encoder = build_voice_encoder(r) if r.recon_weight > 0 else None
    gan = VoiceGAN(build_voice_generator(r), build_voice_discriminator(r), z_dim=r.z_dim, loss=r.loss,
                   seed=seed, tau=r.tau, decoding=r.decoding, r1_weight=r.r1_weight, n_classes=r.n_classes,
                   encoder=encoder, recon_weight=r.recon_weight, kl_weight=r.kl_weight)
    gan.compile(g_optimizer=keras.optimizers.Adam(r.lr_g, beta_1=r.beta_1),
                d_optimizer=keras.optimizers.Adam(r.lr_d, beta_1=r.beta_1))
    return gan


# --------------------------------------------------------------------------- generation
class VoiceGenerator(NoiseToSamples):
    """A trained four-voice generator: noise -> logits -> voices -> piano rolls.

    ``sample(n, seed=...)`` returns binary rolls (n, 16, 48) on the grid of
    ``datasets/chorale_bars.npz``, as :class:`musiclib.models.gan.RollGenerator` does, so
    both generators are judged by the same code; ``sample_voices`` keeps the voices.

    ``key_offsets`` (12 probabilities for moving a bar by -6..5 semitones) is set for a
    generator trained in C major / A minor: each sampled bar is then moved to a key drawn
    from them. Without ``register`` the drawn key is taken as it is (an octave further if
    a note would leave MIDI 36..83). With ``register`` (:func:`fit_register` of the training
    bars in their own keys) key and octave are drawn together, from
    p(shift | bar) ∝ p(key) · N(registers of the moved bar; mean, cov), so a bar written
    high in C is not moved higher still: in real chorales each voice keeps its range
    whatever the key.

    Used by: musiclib.models.voice_gan.train_voice_gan, load_voice_generator (notebook 05 samples with it)
    """

    def __init__(self, generator: keras.Model, *, z_dim: int, decoding: str = "argmax",
                 key_offsets: Any = None, register: dict[str, Any] | None = None,
                 density: dict[str, Any] | None = None, critic: keras.Model | None = None, proposals: int = 1,
                 temperature: float = 1.0, codes: dict[str, np.ndarray] | None = None, latent_mix: float = 0.0,
                 record: dict | None = None) -> None:
        self.generator = generator
        self.z_dim = int(z_dim)
        if decoding not in DECODINGS:
            raise RepresentationError(f"argument 'decoding' is {decoding!r}; expected one of {DECODINGS}")
        self.decoding = decoding
        if key_offsets is not None:
            k = np.asarray(key_offsets, dtype=np.float64)
            if k.shape != (12,) or not np.isfinite(k).all() or k.min() < 0 or not k.sum() > 0:
                raise RepresentationError("argument 'key_offsets' must be 12 non-negative weights for moving a bar "
                                          "by -6..5 semitones")
            key_offsets = k / k.sum()
        self.key_offsets = key_offsets
        if register is not None:
            try:
                mean = np.asarray(register["mean"], dtype=np.float64)
                cov = np.asarray(register["cov"], dtype=np.float64)
            except (KeyError, TypeError, ValueError) as exc:
                raise RepresentationError("argument 'register' must be {'mean': 4 values, 'cov': 4 x 4}") from exc
            if (mean.shape != (len(VOICES),) or cov.shape != (len(VOICES),) * 2 or not np.isfinite(cov).all()
                    or not np.isfinite(mean).all() or np.linalg.eigvalsh((cov + cov.T) / 2).min() <= 0):
                raise RepresentationError("argument 'register' must be {'mean': 4 values, 'cov': 4 x 4 positive "
                                          "definite}")
            if key_offsets is None:
                raise RepresentationError("argument 'register' needs 'key_offsets' (it chooses the octave of a key)")
        self.register = register
        self.density = None
        if density is not None:
            try:
                edges = _check_edges(density["edges"], "density['edges']")
                p = np.asarray(density["p"], dtype=np.float64)
            except (KeyError, TypeError, ValueError) as exc:
                raise RepresentationError("argument 'density' must be {'edges': event counts, 'p': class "
                                          "probabilities}") from exc
            if (not edges or p.shape != (len(edges) + 1,) or not np.isfinite(p).all() or p.min() < 0
                    or not p.sum() > 0):
                raise RepresentationError(f"argument 'density' needs {len(edges) + 1} non-negative class "
                                          f"probabilities for its {len(edges)} edges, got {density['p']!r}")
            self.density = {"edges": list(edges), "p": p / p.sum()}
        self.critic = critic
        self.proposals = _check_proposals(proposals, critic)
        self.temperature = _check_temperature(temperature)
        self.codes = None if codes is None else self._check_codes(codes)
        self.latent_mix = _check_latent_mix(latent_mix, self.codes)
        self.record = record or {}

    def _check_codes(self, codes: Any) -> dict[str, np.ndarray]:
        try:
            mu = np.asarray(codes["mu"], dtype=np.float32)
            logvar = np.asarray(codes["logvar"], dtype=np.float32)
            classes = np.asarray(codes["classes"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RepresentationError("argument 'codes' must be {'mu': (n, z_dim), 'logvar': (n, z_dim), "
                                      "'classes': (n,)}") from exc
        n = len(mu)
        if (n < 1 or mu.shape != (n, self.z_dim) or logvar.shape != mu.shape or classes.shape != (n,)
                or not np.isfinite(mu).all() or not np.isfinite(logvar).all()
                or not np.issubdtype(classes.dtype, np.integer) or classes.min() < 0
                or classes.max() >= max(self.n_classes, 1)
                or (self.n_classes and len(np.unique(classes)) != self.n_classes)):
            raise RepresentationError(f"argument 'codes' must hold finite mu and logvar of shape (n, {self.z_dim}) "
                                      f"and n classes in 0..{max(self.n_classes, 1) - 1}, each class present")
        return {"mu": mu, "logvar": logvar, "classes": classes.astype(np.int64)}

    def draw_z(self, rows: int, rng: np.random.Generator, classes: Any = None) -> np.ndarray:
        """Noise for ``rows`` bars: z = a (mu_i + sigma_i eps') + sqrt(1 - a^2) eps, a = :attr:`latent_mix`.

        eps ~ N(0, I) is drawn first, so with ``latent_mix`` 0 this is plain N(0, I) noise,
        the same numbers as before codes existed. For a > 0 each bar also takes the code of
        a random training bar of its density class (``classes``): that bar's posterior
        q(z | x_i) = N(mu_i, diag sigma_i^2) from the training run's encoder. The mix keeps
        the variance of each coordinate near 1 where the codes' is.

        Taught in: notebooks/05_gan_music_generation.ipynb
        """
        eps = rng.standard_normal((rows, self.z_dim)).astype(np.float32)
        a = self.latent_mix
        if not a:
            return eps
        codes = self.codes
        assert codes is not None  # _check_latent_mix
        pick = np.empty(rows, dtype=np.int64)
        if self.n_classes and classes is not None:
            c = np.asarray(classes)
            for k in np.unique(c):
                pick[c == k] = rng.choice(np.flatnonzero(codes["classes"] == k), size=int(np.sum(c == k)))
        else:
            pick = rng.integers(len(codes["mu"]), size=rows)
        post = codes["mu"][pick] + np.exp(0.5 * codes["logvar"][pick]) * rng.standard_normal(
            (rows, self.z_dim)).astype(np.float32)
        return (a * post + math.sqrt(1.0 - a * a) * eps).astype(np.float32)

    @property
    def n_classes(self) -> int:
        """Density classes the generator is conditioned on (0: unconditional)."""
        return 0 if self.density is None else len(self.density["p"])

    def classes(self, n: int = 16, *, seed: int = 0) -> np.ndarray:
        """Density classes for ``n`` bars, drawn as often as in the training bars (with ``seed + 3``)."""
        if self.density is None:
            raise RepresentationError("this generator is not conditioned on density classes")
        return np.random.default_rng(check_seed(seed) + 3).choice(self.n_classes, size=check_count(n),
                                                                  p=self.density["p"])

    def __repr__(self) -> str:
        chosen = f", proposals={self.proposals}, temperature={self.temperature:g}" if self.critic is not None else ""
        return f"VoiceGenerator(z_dim={self.z_dim}, parameters={self.generator.count_params()}{chosen})"

    def logits(self, n: int = 16, *, seed: int = 0, z: np.ndarray | None = None,
               classes: Any = None) -> np.ndarray:
        """Generator logits, shape (n, 16, 4, 50), for ``n`` noise vectors (or the given ``z``).

        The noise is drawn with ``seed`` by :meth:`draw_z` (N(0, I) unless :attr:`latent_mix` > 0).
        A conditional generator writes each bar in its density class: ``classes`` (one per
        bar, 0..n_classes - 1), or classes drawn by :meth:`classes`.
        """
        if not self.n_classes:
            if classes is not None:
                raise RepresentationError("argument 'classes' needs a generator conditioned on density classes")
            if z is None:
                z = self.draw_z(check_count(n), np.random.default_rng(check_seed(seed)))
            return self._outputs(n, seed, z)
        rows = check_count(n) if z is None else len(np.asarray(z))
        c = self._classes_for(rows, seed, classes)
        if z is None:
            z = self.draw_z(rows, np.random.default_rng(check_seed(seed)), c)
        return self._outputs(n, seed, z, condition=np.eye(self.n_classes, dtype=np.float32)[c])

    def _classes_for(self, rows: int, seed: int, classes: Any) -> np.ndarray:
        """The given ``classes`` checked, or ``rows`` classes drawn with ``seed``."""
        c = self.classes(rows, seed=seed) if classes is None else np.asarray(classes)
        if c.shape != (rows,) or not np.issubdtype(c.dtype, np.integer) or c.min(initial=0) < 0 or \
                c.max(initial=0) >= self.n_classes:
            raise RepresentationError(f"argument 'classes' must be {rows} integers in 0..{self.n_classes - 1}")
        return c

    def critic_scores(self, symbols: np.ndarray, onsets: np.ndarray, classes: Any = None) -> np.ndarray:
        """The critic's score of each bar (written in C, before the key move); higher reads as more real.

        A conditional generator's critic also sees each bar's density class (``classes``,
        one per bar; default: the class the bar is in).
        """
        if self.critic is None:
            raise RepresentationError("this generator has no critic")
        x = encode_voices(symbols, onsets)
        if self.n_classes:
            c = (density_classes(symbols, onsets, self.density["edges"]) if classes is None
                 else self._classes_for(len(x), 0, classes))
            x = _with_classes(x, c, self.n_classes)
        return np.concatenate([np.asarray(self.critic(x[i:i + 512], training=False)).reshape(-1)
                               for i in range(0, len(x), 512)])

    def sample_voices(self, n: int = 16, *, seed: int = 0, z: np.ndarray | None = None, classes: Any = None,
                      proposals: int | None = None, temperature: float | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Symbols and onsets, each (n, 16, 4): noise ``seed`` for z, ``seed + 1`` for the draws.

        With :attr:`key_offsets`, each bar is then moved to a key drawn with ``seed + 2``;
        a conditional generator's classes are drawn with ``seed + 3`` unless ``classes`` is given.

        With ``proposals`` k > 1 (default :attr:`proposals`) the generator writes k bars
        for each bar (the first from ``seed``'s noise, the others from noise drawn with
        ``[seed, j]``), all of the same class, and keeps one by :func:`pick_proposals` at
        ``temperature`` (default :attr:`temperature`; draws from ``[seed, 0]``). Given ``z``,
        the bars are those of ``z``: no proposals.
        """
        s = check_seed(seed)
        if z is not None:
            if proposals is not None and _check_proposals(proposals, self.critic) > 1:
                raise RepresentationError("argument 'proposals' draws its own noise; do not give 'z' with it")
            k = 1
        else:
            k = self.proposals if proposals is None else _check_proposals(proposals, self.critic)
        rows = check_count(n) if z is None else len(np.asarray(z))
        if self.n_classes:
            classes = self._classes_for(rows, s, classes)
        symbols, onsets = decode_voices(self.logits(n, seed=s, z=z, classes=classes),
                                        seed=s + 1 if self.decoding == "sample" else None)
        t = self.temperature if temperature is None else _check_temperature(temperature)
        if k > 1:
            cands, scores = [(symbols, onsets)], [self.critic_scores(symbols, onsets, classes)]
            for j in range(1, k):
                rng = np.random.default_rng([s, j])
                z_j = self.draw_z(rows, rng, classes)
                cands.append(decode_voices(self.logits(rows, z=z_j, classes=classes),
                                           seed=int(rng.integers(2**31)) if self.decoding == "sample" else None))
                scores.append(self.critic_scores(*cands[-1], classes))
            pick = pick_proposals(np.stack(scores), t, np.random.default_rng([s, 0]))
            symbols = np.stack([c[0] for c in cands])[pick, np.arange(rows)]
            onsets = np.stack([c[1] for c in cands])[pick, np.arange(rows)]
        if self.key_offsets is not None and self.register is not None:
            k = _register_shifts(symbols, self.key_offsets, self.register, np.random.default_rng(s + 2))
            symbols = transpose_voices(symbols, k)[0]
        elif self.key_offsets is not None:
            k = np.random.default_rng(s + 2).choice(np.arange(-6, 6), size=len(symbols), p=self.key_offsets)
            moved = symbols.copy()
            todo = np.ones(len(symbols), dtype=bool)
            for octave in (0, -12, 12):  # the drawn key, else an octave lower, else higher
                m, ok = transpose_voices(symbols[todo], k[todo] + octave)
                idx = np.flatnonzero(todo)[ok]
                moved[idx] = m[ok]
                todo[idx] = False
            symbols = moved
        return symbols, onsets

    def sample(self, n: int = 16, *, seed: int = 0, proposals: int | None = None,
               temperature: float | None = None) -> np.ndarray:
        """Binary bars (uint8), shape (n, 16, 48): :meth:`sample_voices` then :func:`voices_to_rolls`."""
        return voices_to_rolls(self.sample_voices(n, seed=seed, proposals=proposals, temperature=temperature)[0])

    def save(self, path: str | os.PathLike, *, overwrite: bool = False, record: dict | None = None) -> Path:
        """Write the generator (.keras) and its JSON record (see :func:`save_voice_generator`)."""
        return save_voice_generator(self, path, overwrite=overwrite, record=record)


# --------------------------------------------------------------------------- training
_GAP_KEYS = ("qualified_note_rate", "holes_per_bar", "long_note_share", "used_pitch_classes",
             "scale_consistency", "polyphony", "diversity")


def bar_summary(rolls: np.ndarray) -> dict[str, float]:
    """The per-set figures the training monitor and :func:`selection_gap` compare.

    Used by: musiclib.models.voice_gan.train_voice_gan
    """
    x = check_rolls(rolls, "rolls")
    m = roll_metrics(x)
    return {"qualified_note_rate": m["qualified_note_rate_8th"], "used_pitch_classes": m["used_pitch_classes"],
            "scale_consistency": m["scale_consistency"], "polyphony": m["polyphony"],
            "holes_per_bar": float(np.mean([one_step_holes(r) for r in x])),
            "long_note_share": long_note_share(x), "diversity": set_diversity(x), "unique_rate": unique_rate(x)}


def selection_gap(summary: dict[str, float], reference: dict[str, float],
                  keys: tuple[str, ...] = _GAP_KEYS) -> float:
    """How far a generated set is from the validation bars: mean relative gap over seven figures.

    gap = mean_k |g_k - r_k| / max(|r_k|, 0.1) over ``keys``: by default QN, holes per bar,
    long-note share, used pitch classes, scale consistency, polyphony and diversity. The
    training run keeps the epoch with the smallest gap (0 = the validation bars' own
    figures); :func:`choose_latent_mix` adds the nearest-neighbour distance as an eighth.

    Used by: musiclib.models.voice_gan.train_voice_gan, choose_latent_mix
    """
    gaps = []
    for k in keys:
        if k not in summary or k not in reference:
            raise RepresentationError(f"selection_gap needs figure {k!r} in both 'summary' and 'reference'")
        g, r = float(summary[k]), float(reference[k])
        gaps.append(abs(g - r) / max(abs(r), 0.1) if math.isfinite(g) else 10.0)
    return float(np.mean(gaps))


#: The bounds a generated set must keep against the reference bars (issue figures, notebook 05):
#: relative to the reference, except holes (absolute) and copies (a share).
BOUNDS = {"qualified_note_rate": 0.05, "long_note_share": 0.30, "used_pitch_classes": 0.10,
          "scale_consistency": 0.10, "polyphony": 0.10, "diversity": 0.15, "nn_distance": 0.25}
MAX_HOLES_PER_BAR, MAX_COPY_RATE = 0.5, 0.05


def bound_misses(figures: dict[str, float], reference: dict[str, float]) -> list[str]:
    """The figures of a generated set that leave :data:`BOUNDS` around ``reference`` (empty: all kept).

    Relative figures must lie within ``|g / r - 1| <= bound``; holes per bar at most 0.5 and
    ``copy_rate`` at most 5 %.

    Used by: choose_latent_mix
    """
    missed = [k for k, b in BOUNDS.items() if not abs(float(figures[k]) / float(reference[k]) - 1) <= b]
    if not float(figures["holes_per_bar"]) <= MAX_HOLES_PER_BAR:
        missed.append("holes_per_bar")
    if not float(figures["copy_rate"]) <= MAX_COPY_RATE:
        missed.append("copy_rate")
    return missed


def choose_latent_mix(gen: VoiceGenerator, train_rolls: np.ndarray, valid_rolls: np.ndarray, *,
                      mixes: tuple[float, ...] = LATENT_MIXES, n: int = 1000, seed: int = 7
                      ) -> tuple[float, list[dict[str, Any]]]:
    """Choose ``gen.latent_mix`` on the validation bars: the mix whose bars lie nearest them.

    For each mix, ``n`` bars (noise ``seed``, the generator's proposals and critic) are
    summarised (:func:`bar_summary`, nearest-neighbour distance and copy rate against the
    training bars) and held against the validation bars' own figures: the bounds
    (:func:`bound_misses`) and a ``gap``, the mean relative gap over the seven figures of
    :func:`selection_gap` and the nearest-neighbour distance. Among the mixes with the fewest
    misses the smallest gap wins (then the smaller mix). ``gen.latent_mix`` is left at the choice.

    Returns
    -------
    (float, list of dict)
        The mix, and rows: first the validation bars' own figures (``reference``), then one
        per mix with its figures, ``gap`` and ``missed`` (names).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    def figures(rolls: np.ndarray) -> dict[str, float]:
        return {**bar_summary(rolls), "nn_distance": float(nearest_neighbour_distance(rolls, train_rolls).mean()),
                "copy_rate": copy_rate(rolls, train_rolls)}

    reference = figures(valid_rolls)
    rows = []
    for a in mixes:
        gen.latent_mix = _check_latent_mix(a, gen.codes, "mixes")
        fig = figures(gen.sample(n, seed=seed))
        gap = selection_gap(fig, reference, keys=(*_GAP_KEYS, "nn_distance"))
        rows.append({"latent_mix": float(a), **{k: round(float(v), 4) for k, v in fig.items()},
                     "gap": round(gap, 6), "missed": bound_misses(fig, reference)})
    best = min(rows, key=lambda row: (len(row["missed"]), row["gap"], row["latent_mix"]))
    gen.latent_mix = best["latent_mix"]
    return best["latent_mix"], [{"reference": True, **{k: round(float(v), 4) for k, v in reference.items()}}] + rows


def train_voice_gan(train: VoiceBars, valid: VoiceBars, recipe: VoiceGANRecipe | None = None, *,
                    epochs: int | None = None, seed: int = 0, n_monitor: int = 512,
                    patience: int | None = None,
                    on_epoch: Callable[[int, dict[str, float]], None] | None = None
                    ) -> tuple[VoiceGenerator, dict[str, list[float]]]:
    """Train the four-voice GAN; after every epoch judge ``n_monitor`` bars against ``valid``.

    The history holds the losses and, per epoch, :func:`bar_summary` of the generated bars
    and their :func:`selection_gap` to the validation bars. The returned generator carries
    the weights of the epoch with the smallest gap (``record["best_epoch"]``, counted
    from 1), not those of the last epoch, and the discriminator of that epoch as its
    ``critic``, with the recipe's ``proposals`` and ``temperature``, and (with a reconstruction
    term) the ``codes`` that epoch's encoder gives the training bars, for :meth:`VoiceGenerator.draw_z`
    (``latent_mix`` stays 0: :func:`choose_latent_mix` sets it). Only epochs after the
    first third of the run (``epochs // 3``) can be kept: in its first epochs a generator
    that has not yet learned to write bars can match seven summary figures by chance.

    With ``patience`` p, training stops early once p epochs that could be kept have passed
    without a smaller gap (``record["epochs_run"]`` says how many epochs ran), so a run
    that starts to collapse ends on the validation signal with its best epoch's weights.
    ``None`` (the default, and the shipped runs) runs every epoch.

    Returns
    -------
    (VoiceGenerator, dict)
        The generator (best epoch) and the per-epoch history.

    Raises
    ------
    RepresentationError
        ``epochs`` or ``patience`` is not a positive integer.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    r = recipe or VoiceGANRecipe()
    n_epochs = r.epochs if epochs is None else epochs
    if isinstance(n_epochs, bool) or not isinstance(n_epochs, int) or n_epochs < 1:
        raise RepresentationError(f"argument 'epochs' must be a positive integer, got {n_epochs!r}")
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, int) or patience < 1):
        raise RepresentationError(f"argument 'patience' must be a positive integer or None, got {patience!r}")
    if len(train) < r.batch_size or len(valid) < 2:
        raise DataError(f"argument 'train' holds {len(train)} bars and 'valid' {len(valid)}; need at least "
                        f"batch_size={r.batch_size} and 2")
    symbols, onsets, key_offsets, register = train.symbols, train.onsets, None, None
    if r.key_normalise:
        register = fit_register(train.symbols)
        symbols, ok = transpose_voices(train.symbols, train.to_c)
        symbols, onsets = symbols[ok], onsets[ok]
        key_offsets = np.bincount(-train.to_c[ok] + 6, minlength=12).astype(np.float64)
    x = encode_voices(symbols, onsets)
    density = None
    if r.n_classes:
        c = density_classes(symbols, onsets, r.density_edges)
        density = {"edges": list(r.density_edges), "p": [round(float(v), 6) for v in
                                                         np.bincount(c, minlength=r.n_classes) / len(c)]}
        x = _with_classes(x, c, r.n_classes)
    reference = bar_summary(valid.rolls())
    gan = make_voice_gan(r, seed=seed)
    gen = VoiceGenerator(gan.generator, z_dim=r.z_dim, decoding=r.decoding, key_offsets=key_offsets,
                         register=register, density=density)
    ds = (tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
          .batch(r.batch_size, drop_remainder=True).prefetch(2))
    history: dict[str, list[float]] = {}
    net = gan.generator
    averaged = [np.array(w) for w in net.get_weights()]
    callbacks = []
    if r.ema > 0:
        class _Average(keras.callbacks.Callback):
            def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
                for a, w in zip(averaged, net.get_weights(), strict=True):
                    a *= r.ema
                    a += (1.0 - r.ema) * w

        callbacks.append(_Average())
    best_gap, best_weights, best_epoch = math.inf, net.get_weights(), 0
    best_critic = gan.discriminator.get_weights()
    best_encoder = None if gan.encoder is None else gan.encoder.get_weights()
    cpu0 = time.process_time()
    waited = 0  # epochs that could be kept since the last better gap
    for epoch in range(n_epochs):
        h = gan.fit(ds, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
        logs = {k: float(v[-1]) for k, v in h.history.items()}
        trained = net.get_weights()
        if r.ema > 0:
            net.set_weights(averaged)
        summary = bar_summary(gen.sample(n_monitor, seed=seed + 1000))
        gap = selection_gap(summary, reference)
        keepable = epoch >= n_epochs // 3
        if keepable and gap < best_gap:
            best_gap, best_weights, best_epoch = gap, net.get_weights(), epoch + 1
            best_critic = gan.discriminator.get_weights()
            if gan.encoder is not None:
                best_encoder = gan.encoder.get_weights()
            waited = 0
        elif keepable:
            waited += 1
        net.set_weights(trained)
        logs.update(summary, gap=gap)
        for k, v in logs.items():
            history.setdefault(k, []).append(float(v))
        if on_epoch is not None:
            on_epoch(epoch, logs)
        if patience is not None and waited >= patience:
            break
    net.set_weights(best_weights)
    gan.discriminator.set_weights(best_critic)
    gen.critic, gen.proposals, gen.temperature = gan.discriminator, r.proposals, r.temperature
    if gan.encoder is not None:  # the kept epoch's encoder: each training bar's q(z | x), for draw_z
        gan.encoder.set_weights(best_encoder)
        stats = np.concatenate([np.asarray(gan.encoder(x[i:i + 512], training=False)) for i in range(0, len(x), 512)])
        stats = stats.astype(np.float16).astype(np.float32)  # as saved (codes_path), so a reload samples the same
        gen.codes = gen._check_codes({"mu": stats[:, :r.z_dim], "logvar": np.clip(stats[:, r.z_dim:], -8.0, 4.0),
                                      "classes": c if r.n_classes else np.zeros(len(x), dtype=np.int64)})
    gen.record = {"kind": KIND, "recipe": {**r.to_dict(), "epochs": n_epochs}, "seed": seed, "training_bars": len(x),
                  "key_offsets": None if key_offsets is None else [int(v) for v in key_offsets],
                  "register": register, "density": density,
                  "epochs": n_epochs, "best_epoch": best_epoch, **({} if patience is None else
                                                                    {"patience": patience,
                                                                     "epochs_run": len(history["gap"])}),
                  "best_gap": round(best_gap, 6), "train_cpu_seconds": round(time.process_time() - cpu0, 1)}
    return gen, history


# --------------------------------------------------------------------------- checkpoint
def save_voice_generator(gen: VoiceGenerator, path: str | os.PathLike, *, overwrite: bool = False,
                         record: dict | None = None) -> Path:
    """Save a :class:`VoiceGenerator` (.keras, no optimizer state) and its JSON record atomically.

    A generator with a critic also writes ``x_critic.keras`` (:func:`critic_path`), and its
    record names it with the number of proposals; one with latent codes writes
    ``x_codes.npz`` (:func:`codes_path`; float16, no pickle) and records its ``latent_mix``.
    Nothing is written if any of the files exists and ``overwrite`` is False.

    Used by: VoiceGenerator.save, musiclib.train
    """
    target = Path(path)
    full = {**gen.record, **(record or {}), "kind": KIND, "z_dim": gen.z_dim}
    full.pop("critic", None)
    full.pop("latent", None)
    if gen.critic is not None:  # save_keras_checkpoint checks its own two files before writing either
        check_can_write(critic_path(target), overwrite)
        full["critic"] = {"file": critic_path(target).name, "proposals": gen.proposals,
                          "temperature": gen.temperature}
    if gen.codes is not None:
        check_can_write(codes_path(target), overwrite)
        full["latent"] = {"file": codes_path(target).name, "mix": gen.latent_mix, "codes": len(gen.codes["mu"])}
    target = save_keras_checkpoint(gen.generator, target, full, overwrite=overwrite)
    if gen.critic is not None:
        save_keras_model(gen.critic, critic_path(target), overwrite=overwrite)
    if gen.codes is not None:
        buf = io.BytesIO()
        np.savez_compressed(buf, mu=gen.codes["mu"].astype(np.float16), logvar=gen.codes["logvar"].astype(np.float16),
                            classes=gen.codes["classes"].astype(np.int8))
        atomic_write_bytes(codes_path(target), buf.getvalue(), overwrite=overwrite)
    gen.record = read_record(target, required=("kind",))
    return target


def load_voice_generator(path: str | os.PathLike = GAN_GENERATOR) -> VoiceGenerator:
    """Load a four-voice generator checkpoint safely (safe_mode) and check it against its record.

    Raises
    ------
    CheckpointError
        Missing or corrupt file, a record of another kind of model, a ``z_dim`` that is not
        a positive integer, or a model whose shapes disagree with the record.

    Used by: musiclib.models.gan.load_roll_generator
    """
    p = Path(path)
    record = read_record(p, required=("kind", "z_dim"))
    if record["kind"] != KIND:
        raise CheckpointError(f"checkpoint record {str(p.with_suffix('.json'))!r} is of kind {record['kind']!r}; "
                              f"expected {KIND!r}")
    z_dim = record["z_dim"]
    if isinstance(z_dim, bool) or not isinstance(z_dim, int) or z_dim < 1:
        raise CheckpointError(f"checkpoint record of {str(p)!r}: 'z_dim' is {z_dim!r}; expected a positive integer")
    model = load_keras_checkpoint(p, command=_TRAIN_COMMAND)
    decoding = (record.get("recipe") or {}).get("decoding", "argmax")
    if decoding not in DECODINGS:
        raise CheckpointError(f"checkpoint record of {str(p)!r}: decoding {decoding!r}; expected one of {DECODINGS}")
    critic, proposals, temperature = None, 1, 1.0
    if record.get("critic") is not None:
        entry = record["critic"]
        if not isinstance(entry, dict) or entry.get("file") != critic_path(p).name:
            raise CheckpointError(f"checkpoint record of {str(p)!r}: 'critic' is {entry!r}; expected "
                                  f"{{'file': {critic_path(p).name!r}, 'proposals': k, 'temperature': t}}")
        critic = load_keras_checkpoint(critic_path(p), command=_TRAIN_COMMAND)
        proposals, temperature = entry.get("proposals"), entry.get("temperature")
    codes, mix = None, 0.0
    if record.get("latent") is not None:
        entry = record["latent"]
        if not isinstance(entry, dict) or entry.get("file") != codes_path(p).name:
            raise CheckpointError(f"checkpoint record of {str(p)!r}: 'latent' is {entry!r}; expected "
                                  f"{{'file': {codes_path(p).name!r}, 'mix': a, 'codes': n}}")
        try:
            with np.load(codes_path(p), allow_pickle=False) as z:
                codes = {k: z[k] for k in ("mu", "logvar", "classes")}
        except (OSError, ValueError, KeyError) as exc:
            raise CheckpointError(f"latent codes {str(codes_path(p))!r} are missing or unreadable ({exc}); "
                                  f"re-train with: {_TRAIN_COMMAND}") from exc
        mix = entry.get("mix")
    try:
        gen = VoiceGenerator(model, z_dim=z_dim, decoding=decoding, key_offsets=record.get("key_offsets"),
                             register=record.get("register"), density=record.get("density"), critic=critic,
                             proposals=proposals, temperature=temperature, codes=codes, latent_mix=mix,
                             record=record)
    except RepresentationError as exc:
        raise CheckpointError(f"checkpoint record of {str(p)!r}: {exc}") from exc
    in_shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    out_shape = tuple(model.outputs[0].shape[1:]) if getattr(model, "outputs", None) else None
    expected_in, expected_out = (z_dim + gen.n_classes,), (STEPS, len(VOICES), N_SYMBOLS + 1)
    if in_shape != expected_in or out_shape != expected_out:
        raise CheckpointError(f"checkpoint {str(p)!r} maps {in_shape} -> {out_shape}; its record expects "
                              f"{expected_in} -> {expected_out}")
    if critic is not None:
        c_in = tuple(critic.inputs[0].shape[1:]) if getattr(critic, "inputs", None) else None
        written = (*expected_out[:2], expected_out[2] + gen.n_classes)
        if c_in != written:
            raise CheckpointError(f"critic {str(critic_path(p))!r} reads {c_in}; the generator writes {written}")
    return gen

