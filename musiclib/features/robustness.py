"""Degrade audio on purpose: noise at a chosen SNR, room reverb, and a second synthesizer.

Audio features measured only on clean synthesis look near-perfect. These helpers
make the harder cases reproducible so a lesson can measure where pitch tracking,
onset detection and timbre classification break:

- :func:`add_noise` - white noise at an exact signal-to-noise ratio (dB);
- :func:`add_reverb` - convolution with a synthetic room impulse response
  (exponentially decaying noise with a given RT60, Schroeder's model);
- :func:`fm_synthesize` - a frequency-modulation synthesizer (Chowning 1973), a
  timbre family the course's additive synthesizer does not make.

Taught in: notebooks/02_feature_extraction.ipynb
"""

from __future__ import annotations

import numpy as np

from musiclib.errors import AudioError
from musiclib.features._validate import check_notes
from musiclib.representation import NoteList

__all__ = ["add_noise", "add_reverb", "fm_synthesize", "snr_db"]


def _wave(y: object, name: str = "y") -> np.ndarray:
    a = np.asarray(y, dtype=np.float64)
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise AudioError(f"argument {name!r} must be a non-empty 1-D array of finite samples, got shape {a.shape}")
    return a


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Signal-to-noise ratio of ``noisy`` against ``clean`` in dB: ``10 log10(P_clean / P_noise)``.

    Used by: tests/test_features_robustness.py (checks add_noise); your own experiments
    """
    c, n = _wave(clean, "clean"), _wave(noisy, "noisy")
    if c.shape != n.shape:
        raise AudioError(f"arguments 'clean' and 'noisy' must have the same shape, got {c.shape} and {n.shape}")
    noise_power = float(np.mean((n - c) ** 2))
    return float("inf") if noise_power == 0 else 10 * np.log10(float(np.mean(c**2)) / noise_power)


def add_noise(y: np.ndarray, snr: float, *, seed: int = 0) -> np.ndarray:
    """``y`` plus white Gaussian noise scaled so that the SNR is exactly ``snr`` dB.

    Parameters
    ----------
    y : array, shape (n,)
        Clean signal (not silent).
    snr : float
        Target signal-to-noise ratio in dB (0 dB: noise as loud as the music).
    seed : int
        Seed of the noise, for reproducible figures.

    Returns
    -------
    ndarray of float32, shape (n,)

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    a = _wave(y)
    power = float(np.mean(a**2))
    if power == 0:
        raise AudioError("argument 'y' is silent; a signal-to-noise ratio needs a signal")
    noise = np.random.default_rng(seed).normal(size=a.size)
    noise *= np.sqrt(power / 10 ** (float(snr) / 10) / np.mean(noise**2))
    return (a + noise).astype(np.float32)


def add_reverb(y: np.ndarray, sr: int, rt60: float, *, wet: float = 0.5, seed: int = 0) -> np.ndarray:
    """Convolve ``y`` with a synthetic room: decaying noise whose level falls 60 dB in ``rt60`` s.

    The impulse response is a unit impulse (the direct sound) plus ``wet`` times
    Gaussian noise under the envelope ``exp(-6.91 t / rt60)`` (6.91 = ln 1000: the
    amplitude falls by 1000, i.e. 60 dB, after ``rt60`` seconds), normalised to the
    direct sound's energy. The result keeps the input's length and peak level.

    Parameters
    ----------
    y : array, shape (n,)
    sr : int
        Sample rate in Hz.
    rt60 : float
        Reverberation time in seconds (a living room ~0.4, a church 2-4).
    wet : float
        Level of the reverberant part relative to the direct sound, 0..1.
    seed : int

    Returns
    -------
    ndarray of float32, shape (n,)

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    a = _wave(y)
    if not 0 < float(rt60) <= 10:
        raise AudioError(f"argument 'rt60' must be in (0, 10] seconds, got {rt60!r}")
    if not 0 <= float(wet) <= 1:
        raise AudioError(f"argument 'wet' must be in [0, 1], got {wet!r}")
    n = int(round(rt60 * sr))
    t = np.arange(n) / sr
    tail = np.random.default_rng(seed).normal(size=n) * np.exp(-6.91 * t / rt60)
    tail[0] = 0.0
    tail /= np.sqrt(np.sum(tail**2))
    ir = wet * tail
    ir[0] = 1.0
    from scipy.signal import fftconvolve  # here, not at import: scipy.signal takes ~1 s to load

    # by FFT: a 2 s room at 16 kHz is 32,000 taps, too many for np.convolve's direct sum
    out = fftconvolve(a, ir)[: a.size]
    peak_in, peak_out = np.max(np.abs(a)), np.max(np.abs(out))
    if peak_out > 0:
        out *= peak_in / peak_out
    return out.astype(np.float32)


def fm_synthesize(
    notes: NoteList,
    *,
    bpm: float = 100.0,
    sr: int = 16_000,
    ratio: float = 1.0,
    index: float = 3.0,
    gain: float = 0.8,
) -> np.ndarray:
    """Render notes with two-operator FM synthesis: ``sin(2 pi f t + I(t) sin(2 pi r f t))``.

    With an integer ``ratio`` r the partials are harmonic (brass- or reed-like for
    r = 1); with a non-integer ratio (e.g. 1.4) they are inharmonic, like a bell, and
    the "pitch" of a note becomes ambiguous. The modulation index decays from
    ``index`` to a quarter of it over each note (brighter attack), and a short
    linear fade avoids clicks.

    Parameters
    ----------
    notes : NoteList
    bpm : float
        Quarter notes per minute.
    sr : int
        Sample rate in Hz.
    ratio : float
        Modulator frequency / carrier frequency.
    index : float
        Peak modulation index (0 gives a pure sine).
    gain : float
        Peak level of the output.

    Returns
    -------
    ndarray of float32

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    check_notes(notes)
    if not 20 <= float(bpm) <= 400:
        raise AudioError(f"argument 'bpm' must be in 20..400, got {bpm!r}")
    if not 0 < float(ratio) <= 16 or not 0 <= float(index) <= 50:
        raise AudioError(f"arguments 'ratio' (0..16] and 'index' [0..50] out of range: {ratio!r}, {index!r}")
    sec = 60.0 / float(bpm)
    total = int(np.ceil((float(notes.end) * sec + 0.3) * sr))
    out = np.zeros(total)
    fade = int(0.01 * sr)
    for p, o, d in zip(notes.pitch, notes.onset, notes.duration, strict=True):
        f = 440.0 * 2 ** ((int(p) - 69) / 12)
        start, n = int(round(o * sec * sr)), max(int(round(d * sec * sr)), 2 * fade + 1)
        t = np.arange(n) / sr
        env = np.minimum(1.0, np.minimum(np.arange(n), n - 1 - np.arange(n)) / fade)
        idx = index * (0.25 + 0.75 * np.exp(-3.0 * t / max(t[-1], 1e-3)))
        tone = np.sin(2 * np.pi * f * t + idx * np.sin(2 * np.pi * ratio * f * t)) * env
        stop = min(start + n, total)
        out[start:stop] += tone[: stop - start]
    peak = np.max(np.abs(out))
    return (out * (gain / peak if peak > 0 else 1.0)).astype(np.float32)
