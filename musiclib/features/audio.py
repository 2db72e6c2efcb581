"""Audio features: spectrogram, chroma, pitch (pYIN), onsets, tempo and timbre (音色).

Every function takes a mono waveform ``y`` (1-D float array, values in [-1, 1])
and its sample rate ``sr`` (an integer, 8000..96000 Hz), and checks them first:
stereo, NaN, integer PCM and silent input (where it matters) raise
:class:`~musiclib.errors.AudioError` naming the argument. The work is done by
librosa; the docstrings give the formulas it computes.

The first call of a numba-compiled librosa function (pYIN, onset detection) costs
about 20 s on a laptop CPU; later calls take milliseconds to a second.

Taught in: notebooks/02_feature_extraction.ipynb
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from musiclib.errors import AudioError, ShapeError
from musiclib.features._validate import check_audio, check_notes, check_positive, check_sr
from musiclib.representation import NoteList

__all__ = [
    "check_audio",
    "Spectrogram",
    "PitchTrack",
    "OnsetScore",
    "spectrogram",
    "chroma",
    "pitch_track",
    "reference_f0",
    "raw_pitch_accuracy",
    "onset_times",
    "onset_f1",
    "estimate_tempo",
    "spectral_descriptors",
    "mfcc",
    "timbre_vector",
]

FMIN = 65.40639  # C2
FMAX = 2093.0045  # C7


class Spectrogram(NamedTuple):
    """A magnitude spectrogram ``S`` (freq, frames) with its axes in Hz and seconds.

    Used by: musiclib.features.audio
    """

    S: np.ndarray
    freqs: np.ndarray
    times: np.ndarray


class PitchTrack(NamedTuple):
    """Frame times (s), f0 in Hz (NaN where unvoiced) and the voicing probability.

    Used by: musiclib.features.audio
    """

    times: np.ndarray
    f0: np.ndarray
    voiced_prob: np.ndarray


class OnsetScore(NamedTuple):
    """Onset detection scores: precision, recall and F1 (all in 0..1).

    Used by: musiclib.features.audio
    """

    precision: float
    recall: float
    f1: float


def _hop(hop_length: int, name: str = "hop_length") -> int:
    return int(check_positive(hop_length, name, integer=True))


def spectrogram(
    y: np.ndarray, sr: int, *, n_fft: int = 1024, hop_length: int = 256, db: bool = True
) -> Spectrogram:
    """Short-time Fourier transform magnitude: what frequencies sound when.

    X(m, k) = sum_{n=0}^{N-1} y[n + mH] w[n] exp(-2 pi i k n / N),
    S = |X|  (or 20 log10(|X| / max|X|) dB with ``db=True``),
    with N = ``n_fft``, H = ``hop_length``, w a Hann window; bin k is frequency
    k sr / N Hz and frame m is centred at time m H / sr s.

    Returns
    -------
    Spectrogram
        ``S`` of shape (n_fft // 2 + 1, n_frames), ``freqs`` (Hz), ``times`` (s).

    Raises
    ------
    AudioError
        If ``y`` is not mono finite float audio of at least ``n_fft`` samples, or
        ``sr`` is not an integer in 8000..96000.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    import librosa

    n_fft = _hop(n_fft, "n_fft")
    y, sr = check_audio(y, sr, min_samples=n_fft)
    hop = _hop(hop_length)
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    if db:
        S = librosa.amplitude_to_db(S, ref=np.max, top_db=80.0)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    times = librosa.frames_to_time(np.arange(S.shape[1]), sr=sr, hop_length=hop)
    return Spectrogram(S, freqs, times)


def chroma(y: np.ndarray, sr: int, *, n_fft: int = 2048, hop_length: int = 256) -> np.ndarray:
    """Chromagram: the energy of each pitch class (C .. B) in each frame.

    C(c, m) = sum_k F(c, k) |X(m, k)|^2,  then C(:, m) /= max_c C(c, m),
    where F spreads each STFT bin k over the pitch classes near
    12 log2(f_k / 440) + 69 (mod 12). The audio counterpart of
    :func:`musiclib.features.pitch_class_histogram`.

    Returns
    -------
    ndarray of float, shape (12, n_frames)
        Row 0 is C; each frame's maximum is 1 (silent frames stay 0).

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    import librosa

    n_fft = _hop(n_fft, "n_fft")
    y, sr = check_audio(y, sr, min_samples=n_fft)
    return librosa.feature.chroma_stft(y=y, sr=sr, n_fft=n_fft, hop_length=_hop(hop_length))


def pitch_track(
    y: np.ndarray,
    sr: int,
    *,
    fmin: float = FMIN,
    fmax: float = FMAX,
    frame_length: int | None = None,
    hop_length: int | None = None,
) -> PitchTrack:
    """Fundamental frequency over time with pYIN (Mauch & Dixon, 2014).

    YIN's cumulative mean normalised difference of each frame,
    d'(tau) = d(tau) / ((1/tau) sum_{j=1}^{tau} d(j)),
    d(tau) = sum_n (y[n] - y[n + tau])^2,
    has dips at the period tau0 = sr / f0. pYIN turns the dips into pitch
    candidates with probabilities and picks a smooth path with a hidden Markov
    model (Viterbi), which also decides voiced / unvoiced frames.

    Parameters
    ----------
    y, sr : mono audio and its sample rate
    fmin, fmax : float
        Search range in Hz (default C2..C7).
    frame_length : int, optional
        Analysis window in samples. Default: the smallest power of two holding four
        periods of ``fmin`` (1024 = 64 ms at 16 kHz with the default fmin).
    hop_length : int, optional
        Step between frames in samples; default ``frame_length // 4``.

    Returns
    -------
    PitchTrack
        ``times`` (s), ``f0`` (Hz, NaN in unvoiced frames), ``voiced_prob``.

    Raises
    ------
    AudioError
        Bad ``y`` / ``sr`` (see :func:`spectrogram`), or silent ``y``.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    import librosa

    sr = check_sr(sr)
    fmin = check_positive(fmin, "fmin")
    fmax = check_positive(fmax, "fmax")
    if frame_length is None:
        frame_length = int(2 ** np.ceil(np.log2(4 * sr / fmin)))
    frame_length = _hop(frame_length, "frame_length")
    y, sr = check_audio(y, sr, require_sound=True, min_samples=frame_length)
    if not fmin < fmax <= sr / 2:
        raise AudioError(
            f"arguments 'fmin' ({fmin:g}) and 'fmax' ({fmax:g}) must satisfy "
            f"fmin < fmax <= sr / 2 = {sr / 2:g} Hz"
        )
    if sr / fmin >= frame_length // 2:
        raise AudioError(
            f"argument 'fmin' ({fmin:g} Hz) is too low for frame_length={frame_length} at "
            f"sr={sr}: a period must fit in half a frame; raise fmin above "
            f"{2 * sr / frame_length:g} Hz or use a longer frame"
        )
    hop = _hop(frame_length // 4 if hop_length is None else hop_length)
    f0, _, prob = librosa.pyin(
        y, fmin=fmin, fmax=fmax, sr=sr, frame_length=frame_length, hop_length=hop
    )
    times = librosa.times_like(f0, sr=sr, hop_length=hop)
    return PitchTrack(times, f0, prob)


def reference_f0(
    notes: NoteList, times: np.ndarray, *, bpm: float, margin: float = 0.0
) -> np.ndarray:
    """The f0 that known notes should give at each frame time: ground truth for pYIN.

    f0_ref(t) = 440 * 2 ** ((p - 69) / 12) for the highest note p with
    onset <= t < offset (seconds = quarters * 60 / bpm); NaN where no note sounds.

    With ``margin`` > 0, frames closer than ``margin`` seconds to any note's start
    or end are NaN too (not scored): where one note's release overlaps the next
    note's attack, the "true" pitch of a frame is ambiguous.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    notes = check_notes(notes)
    bpm = check_positive(bpm, "bpm")
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1:
        raise ShapeError(f"argument 'times' must be 1-D, got shape {t.shape}")
    start = notes.onset * 60.0 / bpm
    stop = notes.offset * 60.0 / bpm
    sounding = (start[None, :] <= t[:, None]) & (t[:, None] < stop[None, :])
    pitch = np.where(sounding, notes.pitch[None, :].astype(np.float64), -np.inf).max(axis=1)
    f0 = np.where(np.isfinite(pitch), 440.0 * 2.0 ** ((pitch - 69.0) / 12.0), np.nan)
    if margin:
        margin = check_positive(margin, "margin")
        edges = np.unique(np.concatenate([start, stop]))
        near = np.abs(t[:, None] - edges[None, :]).min(axis=1) < margin
        f0[near] = np.nan
    return f0


def raw_pitch_accuracy(
    f0_est: np.ndarray, f0_ref: np.ndarray, *, cents: float = 50.0
) -> float:
    """Share of voiced reference frames whose estimate is within ``cents`` of it.

    RPA = #{m : ref voiced, est voiced, |1200 log2(f0_est[m] / f0_ref[m])| <= cents}
          / #{m : ref voiced}

    (the "raw pitch accuracy" of MIREX / mir_eval; 100 cents = one semitone).

    Raises
    ------
    ShapeError
        If the arrays differ in shape or ``f0_ref`` has no voiced frame.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    est = np.asarray(f0_est, dtype=np.float64)
    ref = np.asarray(f0_ref, dtype=np.float64)
    if est.shape != ref.shape or est.ndim != 1:
        raise ShapeError(
            f"arguments 'f0_est' {est.shape} and 'f0_ref' {ref.shape} must be 1-D arrays of "
            f"equal length (one value per frame)"
        )
    voiced_ref = np.isfinite(ref) & (ref > 0)
    if not voiced_ref.any():
        raise ShapeError("argument 'f0_ref' has no voiced frame (all NaN or <= 0)")
    ok = voiced_ref & np.isfinite(est) & (est > 0)
    err = np.full(est.shape, np.inf)
    err[ok] = np.abs(1200.0 * np.log2(est[ok] / ref[ok]))
    return float(np.count_nonzero(err[voiced_ref] <= cents) / np.count_nonzero(voiced_ref))


def onset_times(
    y: np.ndarray,
    sr: int,
    *,
    hop_length: int = 256,
    delta: float = 0.07,
    max_size: int = 3,
    pad: float = 0.1,
) -> np.ndarray:
    """Note onsets in seconds, from peaks of the spectral-flux onset strength.

    o(m) = mean_k max(0, L(m, k) - max_{|j| <= r} L(m - 1, k + j)),
    L = log-power mel spectrogram, r = (``max_size`` - 1) / 2 mel bands. Taking the
    maximum over neighbouring bands of the previous frame ("SuperFlux", Böck &
    Widmer 2013) stops vibrato from looking like new notes; ``max_size=1`` is plain
    spectral flux. Onsets are the local maxima of o that exceed a local mean by
    ``delta``. The audio is padded with ``pad`` seconds of silence first, so a note
    that starts at t = 0 is found too.

    Returns
    -------
    ndarray of float64, shape (n_onsets,)

    Raises
    ------
    AudioError
        Bad or silent ``y``, bad ``sr``.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    import librosa

    y, sr = check_audio(y, sr, require_sound=True, min_samples=2048)
    hop = _hop(hop_length)
    n_pad = int(round(check_positive(pad, "pad") * sr)) if pad else 0
    padded = np.concatenate([np.zeros(n_pad, dtype=np.float32), y])
    env = librosa.onset.onset_strength(
        y=padded, sr=sr, hop_length=hop, max_size=int(check_positive(max_size, "max_size",
                                                                      integer=True))
    )
    times = librosa.onset.onset_detect(
        onset_envelope=env, sr=sr, hop_length=hop, units="time", delta=float(delta)
    )
    return np.maximum(times.astype(np.float64) - n_pad / sr, 0.0)


def onset_f1(
    estimated: np.ndarray, reference: np.ndarray, *, window: float = 0.05
) -> OnsetScore:
    """Precision, recall and F1 of detected onsets against known ones.

    An estimate matches a reference onset when they are at most ``window`` seconds
    apart; each may be matched once (maximum bipartite matching, as in mir_eval).
    With M matches: P = M / #est, R = M / #ref, F1 = 2PR / (P + R).

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    from scipy.optimize import linear_sum_assignment

    est = np.asarray(estimated, dtype=np.float64).ravel()
    ref = np.asarray(reference, dtype=np.float64).ravel()
    if ref.size == 0:
        raise ShapeError("argument 'reference' is empty; there are no onsets to find")
    check_positive(window, "window")
    if est.size == 0:
        return OnsetScore(0.0, 0.0, 0.0)
    close = np.abs(est[:, None] - ref[None, :]) <= window
    rows, cols = linear_sum_assignment(-close.astype(np.float64))
    m = int(close[rows, cols].sum())
    p, r = m / est.size, m / ref.size
    f = 2 * p * r / (p + r) if m else 0.0
    return OnsetScore(float(p), float(r), float(f))


def estimate_tempo(
    y: np.ndarray, sr: int, *, hop_length: int = 128, start_bpm: float = 120.0
) -> float:
    """Global tempo in beats (quarter notes) per minute.

    The onset strength o(m) is autocorrelated, A(l) = sum_m o(m) o(m + l); each lag
    l is a tempo 60 sr / (H l) BPM. The lag with the largest A times a log-normal
    prior centred on ``start_bpm`` wins. A small hop H (8 ms at 16 kHz) keeps the
    tempo grid fine (100 BPM falls exactly on lag 75).

    Raises
    ------
    AudioError
        Bad or silent ``y``, bad ``sr``.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    import librosa

    y, sr = check_audio(y, sr, require_sound=True, min_samples=2048)
    hop = _hop(hop_length)
    bpm = librosa.feature.tempo(y=y, sr=sr, hop_length=hop, start_bpm=float(start_bpm))
    return float(bpm[0])


def spectral_descriptors(
    y: np.ndarray, sr: int, *, n_fft: int = 1024, hop_length: int = 256
) -> dict[str, np.ndarray]:
    """Spectral centroid, bandwidth and roll-off per frame, in Hz.

    With a_k = |X(m, k)| / sum_j |X(m, j)| and bin frequencies f_k:
    centroid c = sum_k f_k a_k  (the "centre of mass": brightness);
    bandwidth = sqrt(sum_k a_k (f_k - c)^2)  (spread around it);
    roll-off = the lowest f_K with sum_{k <= K} |X(m, k)| >= 0.85 sum_k |X(m, k)|.

    Returns
    -------
    dict of ndarray, each shape (n_frames,)
        ``"centroid"``, ``"bandwidth"``, ``"rolloff"``.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    import librosa

    n_fft = _hop(n_fft, "n_fft")
    y, sr = check_audio(y, sr, min_samples=n_fft)
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=_hop(hop_length)))
    return {
        "centroid": librosa.feature.spectral_centroid(S=S, sr=sr, n_fft=n_fft)[0],
        "bandwidth": librosa.feature.spectral_bandwidth(S=S, sr=sr, n_fft=n_fft)[0],
        "rolloff": librosa.feature.spectral_rolloff(S=S, sr=sr, n_fft=n_fft)[0],
    }


def mfcc(
    y: np.ndarray, sr: int, *, n_mfcc: int = 13, n_fft: int = 1024, hop_length: int = 256
) -> np.ndarray:
    """Mel-frequency cepstral coefficients: the shape of the spectral envelope.

    MFCC(c, m) = sum_{b=0}^{B-1} log(M(b, m)) cos(pi c (b + 1/2) / B),
    where M = mel filter bank (B = 128 bands) applied to |X|^2 (in dB) and the sum
    is an orthonormal DCT-II. Low coefficients describe the overall tilt and
    formants of the sound - its timbre - and hardly depend on the pitch.

    Returns
    -------
    ndarray of float, shape (n_mfcc, n_frames)

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    import librosa

    n_fft = _hop(n_fft, "n_fft")
    y, sr = check_audio(y, sr, min_samples=n_fft)
    n = int(check_positive(n_mfcc, "n_mfcc", integer=True))
    return librosa.feature.mfcc(y=y, sr=sr, n_mfcc=n, n_fft=n_fft, hop_length=_hop(hop_length))


def timbre_vector(
    y: np.ndarray, sr: int, *, n_mfcc: int = 13, n_fft: int = 1024, hop_length: int = 256
) -> np.ndarray:
    """One fixed-length timbre description of a whole clip, for a classifier.

    v = [mean_m MFCC(c, m), std_m MFCC(c, m) for c < n_mfcc;
         mean centroid, mean bandwidth, mean roll-off (in kHz)],
    averaged over the sounding frames only (RMS above 1 % of the loudest frame), so
    silence between and after notes does not blur the statistics.

    Returns
    -------
    ndarray of float64, shape (2 * n_mfcc + 3,)

    Raises
    ------
    AudioError
        Bad or silent ``y``, bad ``sr``.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    import librosa

    n_fft = _hop(n_fft, "n_fft")
    y, sr = check_audio(y, sr, require_sound=True, min_samples=n_fft)
    hop = _hop(hop_length)
    n = int(check_positive(n_mfcc, "n_mfcc", integer=True))
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    rms = librosa.feature.rms(S=S, frame_length=n_fft)[0]
    keep = rms >= 0.01 * rms.max()
    mel = librosa.feature.melspectrogram(S=S**2, sr=sr, n_fft=n_fft)
    cc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=n)[:, keep]
    desc = [
        librosa.feature.spectral_centroid(S=S, sr=sr, n_fft=n_fft)[0, keep],
        librosa.feature.spectral_bandwidth(S=S, sr=sr, n_fft=n_fft)[0, keep],
        librosa.feature.spectral_rolloff(S=S, sr=sr, n_fft=n_fft)[0, keep],
    ]
    return np.concatenate(
        [cc.mean(axis=1), cc.std(axis=1), [d.mean() / 1000.0 for d in desc]]
    ).astype(np.float64)
