"""Sound without system binaries: General MIDI instruments from a soundfont, and a small
additive synthesizer in NumPy.

Two engines render notes to a waveform:

- ``"soundfont"`` (the default when it is installed): recorded instrument samples from the
  General MIDI soundfont ``TimGM6mb.sf2`` that the ``pretty_midi`` package ships, played
  by ``tinysoundfont``. Melodies and chorales sound like the instruments you know.
- ``"additive"``: the synthesizer below, used where a lesson needs to *see inside* the
  sound (notebook 02's timbre section), and the fallback that always works.

Set the environment variable ``MUSICLIB_SOUND=additive`` to force the synthesizer.

Each instrument is a *harmonic recipe* (the relative amplitude of partials 1, 2, 3, ...)
and an *envelope* (attack, decay, sustain level, release). Different recipes give the
instruments different timbres (音色), which notebook 02 measures with spectral features.

A note of MIDI pitch ``p`` has fundamental frequency ``f0 = 440 * 2 ** ((p - 69) / 12)``
Hz; its waveform is ``sum_k a_k * sin(2 pi k f0 t + phi_k)`` times the envelope.

Taught in: notebooks/01_music_as_data.ipynb
"""

from __future__ import annotations

import base64
import importlib.util
import io
import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musiclib.errors import AudioError, RepresentationError
from musiclib.fileio import atomic_write_bytes
from musiclib.representation import NoteList

__all__ = [
    "Instrument",
    "INSTRUMENTS",
    "SAMPLE_RATE",
    "midi_to_hz",
    "quarters_to_seconds",
    "synthesize",
    "GM_PROGRAMS",
    "ENGINES",
    "soundfont_path",
    "sound_engine",
    "render_soundfont",
    "render",
    "play",
    "Player",
    "PLAYER_FORMATS",
    "encode_audio",
    "wav_bytes",
    "write_wav",
    "read_wav",
]

SAMPLE_RATE = 16_000  # Hz: enough for melodies, keeps notebooks small


@dataclass(frozen=True)
class Instrument:
    """An additive-synthesis instrument.

    Attributes
    ----------
    name : str
    harmonics : tuple of float
        Amplitude of partial k+1 relative to the fundamental.
    attack, decay, release : float
        Envelope times in seconds.
    sustain : float
        Level (0..1) held after the decay.
    decay_rate : float
        Extra exponential fade per second while the note is held (0 = none), as a
        plucked or struck string dies away.
    inharmonicity : float
        Stretches partial k to ``k * sqrt(1 + B k^2)`` (stiff piano strings).
    vibrato : float
        Depth of a 5.5 Hz vibrato in semitones (0 = none).

    Used by: musiclib.audio
    """

    name: str
    harmonics: tuple[float, ...]
    attack: float
    decay: float
    sustain: float
    release: float
    decay_rate: float = 0.0
    inharmonicity: float = 0.0
    vibrato: float = 0.0


INSTRUMENTS: dict[str, Instrument] = {
    i.name: i
    for i in (
        Instrument("piano", (1.0, 0.5, 0.3, 0.25, 0.15, 0.1, 0.08, 0.05), 0.005, 0.25, 0.35,
                   0.08, decay_rate=1.8, inharmonicity=4e-4),
        Instrument("organ", (1.0, 0.8, 0.0, 0.6, 0.0, 0.4, 0.0, 0.3), 0.02, 0.05, 0.9, 0.05),
        Instrument("flute", (1.0, 0.12, 0.04), 0.06, 0.1, 0.85, 0.08, vibrato=0.12),
        Instrument("clarinet", (1.0, 0.02, 0.55, 0.02, 0.35, 0.02, 0.2, 0.01, 0.1), 0.03, 0.1,
                   0.8, 0.06),
        Instrument("strings", tuple(1.0 / k for k in range(1, 13)), 0.12, 0.15, 0.85, 0.15,
                   vibrato=0.2),
        Instrument("pluck", tuple(1.0 / k**1.5 for k in range(1, 10)), 0.002, 0.1, 0.2, 0.05,
                   decay_rate=4.0),
    )
}


def midi_to_hz(pitch: np.ndarray | float) -> np.ndarray:
    """Equal-tempered frequency: ``440 * 2 ** ((p - 69) / 12)``.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=np.float64) - 69.0) / 12.0)


def quarters_to_seconds(quarters: np.ndarray | float, bpm: float) -> np.ndarray:
    """Quarter lengths to seconds at ``bpm`` quarter notes per minute.

    Used by: musiclib.audio
    """
    return np.asarray(quarters, dtype=np.float64) * 60.0 / bpm


def _check_rate(sr: int) -> int:
    if int(sr) != sr or not (4000 <= sr <= 192_000):
        raise AudioError(f"argument 'sr' must be an integer sample rate in 4000..192000 Hz, got {sr!r}")
    return int(sr)


def _envelope(n_on: int, n_release: int, inst: Instrument, sr: int) -> np.ndarray:
    t = np.arange(n_on + n_release) / sr
    a, d, s = max(inst.attack, 1.0 / sr), max(inst.decay, 1.0 / sr), inst.sustain
    env = np.where(t < a, t / a, np.where(t < a + d, 1.0 - (1.0 - s) * (t - a) / d, s))
    if inst.decay_rate:
        env = env * np.exp(-inst.decay_rate * t)
    if n_release:
        level = env[n_on - 1] if n_on else 0.0
        env[n_on:] = level * np.linspace(1.0, 0.0, n_release, endpoint=False)
    return env


def synthesize(
    notes: NoteList,
    *,
    instrument: str | Instrument = "piano",
    bpm: float = 100.0,
    sr: int = SAMPLE_RATE,
    gain: float = 0.8,
    tail: float = 0.3,
) -> np.ndarray:
    """Render notes to a mono waveform.

    Parameters
    ----------
    notes : NoteList
        Times in quarter lengths; converted to seconds at ``bpm``.
    instrument : str or Instrument
        A name from :data:`INSTRUMENTS` or your own :class:`Instrument`.
    bpm : float
        Tempo in quarter notes per minute.
    sr : int
        Sample rate in Hz.
    gain : float
        Peak level of the result (the mix is normalised to it); 0 < gain <= 1.
    tail : float
        Seconds of silence kept after the last note for its release.

    Returns
    -------
    ndarray of float32, shape (n_samples,)
        Values in [-gain, gain]; all zeros only for an empty note list.

    Examples
    --------
    >>> y = synthesize(NoteList.from_arrays([69], [0], [1]), bpm=60, sr=8000)
    >>> y.shape
    (10400,)

    Taught in: notebooks/01_music_as_data.ipynb
    """
    sr = _check_rate(sr)
    if not (20 <= bpm <= 400):
        raise AudioError(f"argument 'bpm' must be in 20..400, got {bpm!r}")
    if not (0 < gain <= 1):
        raise AudioError(f"argument 'gain' must be in (0, 1], got {gain!r}")
    if isinstance(instrument, str):
        if instrument not in INSTRUMENTS:
            raise AudioError(
                f"argument 'instrument' is {instrument!r}; choose one of {sorted(INSTRUMENTS)}"
            )
        instrument = INSTRUMENTS[instrument]
    if not isinstance(notes, NoteList):
        raise RepresentationError(f"argument 'notes' must be a NoteList, got {type(notes).__name__}")
    total = int(np.ceil((quarters_to_seconds(notes.end, bpm) + tail) * sr))
    out = np.zeros(max(total, 1), dtype=np.float64)
    if len(notes) == 0:
        return out.astype(np.float32)
    starts = np.round(quarters_to_seconds(notes.onset, bpm) * sr).astype(np.int64)
    lengths = np.maximum(np.round(quarters_to_seconds(notes.duration, bpm) * sr).astype(np.int64), 1)
    n_release = int(round(instrument.release * sr))
    f0s = midi_to_hz(notes.pitch)
    k = np.arange(1, len(instrument.harmonics) + 1, dtype=np.float64)
    amps = np.asarray(instrument.harmonics, dtype=np.float64)
    ratios = k * np.sqrt(1.0 + instrument.inharmonicity * k**2)
    nyquist = sr / 2
    rendered: dict[tuple[float, int], np.ndarray] = {}  # melodies repeat (pitch, length) a lot
    for start, length, f0, vel in zip(starts, lengths, f0s, notes.velocity, strict=True):
        key = (float(f0), int(length))
        if key not in rendered:
            n = int(length) + n_release
            t = np.arange(n) / sr
            phase = 2 * np.pi * f0 * t
            if instrument.vibrato:
                depth = 2 ** (instrument.vibrato / 12) - 1
                phase = phase + depth * f0 / 5.5 * (1 - np.cos(2 * np.pi * 5.5 * t))
            keep = ratios * f0 < nyquist
            rendered[key] = (np.sin(np.outer(phase, ratios[keep])) @ amps[keep]) * _envelope(
                int(length), n_release, instrument, sr
            )
        wave_ = rendered[key]
        end = min(start + wave_.shape[0], out.shape[0])
        out[start:end] += wave_[: end - start] * (vel / 127.0)
    peak = np.abs(out).max()
    if peak > 0:
        out *= gain / peak
    return out.astype(np.float32)


def _as_mono_wave(y: np.ndarray, name: str = "y") -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise AudioError(
            f"argument {name!r} must be mono (1-D), got shape {arr.shape}; "
            f"mix it down with y.mean(axis=...)"
        )
    if arr.size == 0:
        raise AudioError(f"argument {name!r} is empty")
    if not np.issubdtype(arr.dtype, np.number):
        raise AudioError(f"argument {name!r} must be numeric, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise AudioError(f"argument {name!r} contains NaN or infinite samples")
    return arr.astype(np.float64)


def wav_bytes(y: np.ndarray, sr: int = SAMPLE_RATE) -> bytes:
    """Encode a mono waveform in [-1, 1] as 16-bit PCM WAV bytes (clipped).

    Used by: musiclib.audio
    """
    sr = _check_rate(sr)
    arr = _as_mono_wave(y)
    pcm = (np.clip(arr, -1.0, 1.0) * 32767).round().astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def write_wav(
    path: str | os.PathLike, y: np.ndarray, sr: int = SAMPLE_RATE, *, overwrite: bool = False
) -> Path:
    """Write a mono waveform to a 16-bit WAV file, atomically.

    Refuses to replace an existing file unless ``overwrite=True``.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    return atomic_write_bytes(path, wav_bytes(y, sr), overwrite=overwrite)


def read_wav(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV file into ``(y, sr)``, mixing stereo down to mono.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    p = Path(path)
    try:
        with wave.open(str(p), "rb") as w:
            sr, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            frames = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioError(f"file {str(p)!r} is not a readable WAV file: {exc}") from exc
    if width != 2:
        raise AudioError(f"file {str(p)!r} has {8 * width}-bit samples; only 16-bit PCM is supported")
    y = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    if ch > 1:
        y = y.reshape(-1, ch).mean(axis=1)
    return y, sr


# General MIDI program numbers (0-based) standing in for the synthesizer's instruments.
GM_PROGRAMS: dict[str, int] = {
    "piano": 0,  # Acoustic Grand Piano
    "organ": 19,  # Church Organ
    "flute": 73,  # Flute
    "clarinet": 71,  # Clarinet
    "strings": 48,  # String Ensemble 1
    "pluck": 24,  # Acoustic Guitar (nylon)
}

ENGINES = ("soundfont", "additive")


def soundfont_path() -> Path | None:
    """The General MIDI soundfont shipped by ``pretty_midi`` (``TimGM6mb.sf2``), or None.

    Used by: musiclib.environment.check_environment, musiclib.audio.render
    """
    spec = importlib.util.find_spec("pretty_midi")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "TimGM6mb.sf2"
        if candidate.is_file():
            return candidate
    return None


def sound_engine() -> str:
    """The engine :func:`play` uses by default: ``"soundfont"`` or ``"additive"``.

    ``"soundfont"`` when ``tinysoundfont`` imports and the soundfont is found, unless the
    environment variable ``MUSICLIB_SOUND`` is set to ``additive``.

    Used by: musiclib.environment.check_environment, musiclib.audio.render
    """
    if os.environ.get("MUSICLIB_SOUND", "").strip().lower() == "additive":
        return "additive"
    if importlib.util.find_spec("tinysoundfont") is None or soundfont_path() is None:
        return "additive"
    return "soundfont"


def render_soundfont(
    notes: NoteList,
    *,
    instrument: str = "piano",
    bpm: float = 100.0,
    sr: int = SAMPLE_RATE,
    gain: float = 0.8,
    tail: float = 0.6,
) -> np.ndarray:
    """Render notes with the General MIDI soundfont to a mono waveform.

    Parameters are those of :func:`synthesize`; ``instrument`` is a name from
    :data:`GM_PROGRAMS`. The result is normalised to peak ``gain`` and is the same
    array on every call (the renderer has no randomness).

    Raises
    ------
    AudioError
        If the soundfont engine is not installed or ``instrument`` has no GM program.

    Used by: musiclib.audio.render (so play and see_and_hear)
    """
    sr = _check_rate(sr)
    if not (20 <= bpm <= 400):
        raise AudioError(f"argument 'bpm' must be in 20..400, got {bpm!r}")
    if not (0 < gain <= 1):
        raise AudioError(f"argument 'gain' must be in (0, 1], got {gain!r}")
    if not isinstance(notes, NoteList):
        raise RepresentationError(f"argument 'notes' must be a NoteList, got {type(notes).__name__}")
    if not isinstance(instrument, str) or instrument not in GM_PROGRAMS:
        raise AudioError(f"argument 'instrument' is {instrument!r}; choose one of {sorted(GM_PROGRAMS)}")
    path = soundfont_path()
    try:
        import tinysoundfont
    except ImportError as exc:
        raise AudioError(f"the soundfont engine needs tinysoundfont ({exc}); run `make setup`") from exc
    if path is None:
        raise AudioError("the General MIDI soundfont TimGM6mb.sf2 (package pretty_midi) was not found")
    total = int(np.ceil((quarters_to_seconds(notes.end, bpm) + tail) * sr))
    total = max(total, 1)
    synth = tinysoundfont.Synth(samplerate=sr)  # fresh each time: no state carried between renders
    sfid = synth.sfload(str(path))
    synth.program_select(0, sfid, 0, GM_PROGRAMS[instrument])
    starts = np.round(quarters_to_seconds(notes.onset, bpm) * sr).astype(np.int64)
    ends = starts + np.maximum(np.round(quarters_to_seconds(notes.duration, bpm) * sr).astype(np.int64), 1)
    # events: (sample, 0 = off before 1 = on at the same sample, pitch, velocity)
    events = sorted(
        [(int(e), 0, int(p), 0) for e, p in zip(ends, notes.pitch, strict=True)]
        + [(int(s_), 1, int(p), int(v)) for s_, p, v in zip(starts, notes.pitch, notes.velocity, strict=True)]
    )
    out = np.zeros(2 * total, dtype=np.float32)
    pos = 0
    for when, kind, pitch, velocity in events:
        when = min(when, total)
        if when > pos:
            out[2 * pos: 2 * when] = np.frombuffer(synth.generate(when - pos), dtype=np.float32)
            pos = when
        if kind:
            synth.noteon(0, pitch, max(1, min(127, velocity)))
        else:
            synth.noteoff(0, pitch)
    if total > pos:
        out[2 * pos:] = np.frombuffer(synth.generate(total - pos), dtype=np.float32)
    y = out.reshape(-1, 2).mean(axis=1, dtype=np.float64)
    peak = np.abs(y).max()
    if peak > 0:
        y *= gain / peak
    return y.astype(np.float32)


def render(
    notes: NoteList,
    *,
    instrument: str | Instrument = "piano",
    bpm: float = 100.0,
    sr: int = SAMPLE_RATE,
    engine: str | None = None,
) -> np.ndarray:
    """Render notes with the chosen engine (default: :func:`sound_engine`).

    ``engine="additive"`` uses :func:`synthesize`; ``engine="soundfont"`` uses
    :func:`render_soundfont`. Your own :class:`Instrument` always uses the synthesizer.

    Used by: musiclib.audio.play, musiclib.display.see_and_hear, musiclib.environment.check_environment
    """
    if engine is None:
        engine = sound_engine()
    if engine not in ENGINES:
        raise AudioError(f"argument 'engine' is {engine!r}; choose one of {list(ENGINES)} or None")
    if engine == "soundfont" and isinstance(instrument, str) and instrument in GM_PROGRAMS:
        return render_soundfont(notes, instrument=instrument, bpm=bpm, sr=sr)
    return synthesize(notes, instrument=instrument, bpm=bpm, sr=sr)


# Formats a player can embed: MIME type of each. MP3 is about a fifth of the WAV's size
# (16 kHz mono: ~6 kB/s against 32 kB/s), which keeps the notebooks under 3 MB; every
# browser plays both.
PLAYER_FORMATS: dict[str, str] = {"mp3": "audio/mpeg", "wav": "audio/wav"}


def _mp3_available() -> bool:
    try:
        import soundfile
    except (ImportError, OSError):
        return False
    return "MP3" in soundfile.available_formats()


def encode_audio(y: np.ndarray, sr: int = SAMPLE_RATE, fmt: str = "mp3") -> bytes:
    """Encode a mono waveform in [-1, 1] (clipped) as MP3 or 16-bit WAV bytes.

    MP3 is written by ``soundfile`` (libsndfile with LAME, from its pip wheel); the same
    array always gives the same bytes. WAV is :func:`wav_bytes`.

    Raises
    ------
    AudioError
        If ``fmt`` is not one of :data:`PLAYER_FORMATS`, or MP3 is asked for and this
        installation of ``soundfile`` cannot write it.

    Used by: musiclib.audio.play
    """
    sr = _check_rate(sr)
    if fmt not in PLAYER_FORMATS:
        raise AudioError(f"argument 'fmt' is {fmt!r}; choose one of {sorted(PLAYER_FORMATS)}")
    arr = _as_mono_wave(y)
    if fmt == "wav":
        return wav_bytes(arr, sr)
    if not _mp3_available():
        raise AudioError("this installation of soundfile cannot write MP3; use fmt='wav'")
    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, np.clip(arr, -1.0, 1.0), sr, format="MP3", subtype="MPEG_LAYER_III")
    return buf.getvalue()


class Player:
    """An inline audio player: one ``<audio controls src="data:...">`` element.

    The sound sits in the ``src`` of the ``<audio>`` element itself. JupyterLab's HTML
    sanitizer, which runs on every output of a notebook that is not trusted, keeps that
    attribute but strips the ``src`` of a nested ``<source>`` (the form of
    ``IPython.display.Audio``), so this player also plays in an untrusted notebook.

    Attributes
    ----------
    data : bytes
        The encoded file (MP3 or WAV).
    mimetype : str
        ``"audio/mpeg"`` or ``"audio/wav"``.
    rate : int
        Sample rate in Hz.
    seconds : float
        Length of the waveform that was encoded.

    Used by: musiclib.audio.play, musiclib.display, musiclib.widgets
    """

    def __init__(self, data: bytes, mimetype: str, rate: int, seconds: float) -> None:
        if mimetype not in PLAYER_FORMATS.values():
            raise AudioError(f"argument 'mimetype' is {mimetype!r}; expected one of {sorted(PLAYER_FORMATS.values())}")
        self.data, self.mimetype, self.rate, self.seconds = bytes(data), mimetype, int(rate), float(seconds)

    def src(self) -> str:
        """The ``data:`` URL of the sound.

        Used by: musiclib.audio.Player
        """
        return f"data:{self.mimetype};base64,{base64.b64encode(self.data).decode('ascii')}"

    def _repr_html_(self) -> str:
        return f'<audio controls="controls" preload="metadata" src="{self.src()}"></audio>'

    def __repr__(self) -> str:
        return f"Player({self.seconds:.2f} s at {self.rate} Hz, {self.mimetype})"


def play(
    music: NoteList | np.ndarray,
    *,
    sr: int = SAMPLE_RATE,
    instrument: str | Instrument = "piano",
    bpm: float = 100.0,
    max_seconds: float | None = 30.0,
    engine: str | None = None,
    fmt: str | None = None,
) -> Player:
    """An inline audio player for notes or a waveform.

    Notes are rendered with :func:`render`: General MIDI instruments from the soundfont
    by default, the additive synthesizer with ``engine="additive"`` (or when the
    soundfont engine is not installed). The waveform is not normalised again, so what
    you hear is what the array holds (through MP3 by default: ``fmt="wav"`` embeds it
    losslessly, at five times the size). Clips are cut at ``max_seconds`` to keep
    notebooks small. The player plays in trusted and untrusted notebooks alike
    (:class:`Player`).

    Parameters
    ----------
    fmt : {"mp3", "wav"} or None
        The embedded file; None means MP3 when ``soundfile`` can write it, else WAV.

    Returns
    -------
    Player

    Taught in: notebooks/01_music_as_data.ipynb
    """
    sr = _check_rate(sr)
    if isinstance(music, NoteList):
        y = render(music, instrument=instrument, bpm=bpm, sr=sr, engine=engine)
    else:
        y = _as_mono_wave(music, "music")
    if max_seconds is not None:
        y = y[: int(max_seconds * sr)]
    if fmt is None:
        fmt = "mp3" if _mp3_available() else "wav"
    return Player(encode_audio(y, sr, fmt), PLAYER_FORMATS.get(fmt, "audio/wav"), sr, len(y) / sr)
