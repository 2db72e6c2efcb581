"""The General MIDI soundfont engine: pitch, loudness, determinism, fallback, errors."""

import numpy as np
import pytest

from musiclib import audio
from musiclib.audio import GM_PROGRAMS, play, render, render_soundfont, sound_engine, synthesize
from musiclib.errors import AudioError
from musiclib.representation import NoteList

pytest.importorskip("tinysoundfont")
SR = 16_000


def _peak_hz(y: np.ndarray, sr: int) -> float:
    seg = y[sr // 4: sr // 4 + sr]  # one second after the attack: 1 Hz bins
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    spectrum[:60] = 0  # ignore DC / rumble
    return float(np.argmax(spectrum))


def _rms_db(y: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(y, dtype=np.float64))) + 1e-12))


def test_soundfont_is_the_default_engine_here():
    assert audio.soundfont_path() is not None and audio.soundfont_path().name == "TimGM6mb.sf2"
    assert sound_engine() == "soundfont"


def _yin_hz(y: np.ndarray, sr: int, frame: int = 1024, threshold: float = 0.15) -> float:
    """Median YIN pitch (de Cheveigne & Kawahara 2002) of five frames 0.2-1.2 s after the onset."""
    max_tau = sr // 40  # down to 40 Hz
    estimates = []
    for start in np.linspace(sr // 5, sr, 5).astype(int):
        x = y[start: start + frame + max_tau].astype(np.float64)
        lagged = np.lib.stride_tricks.sliding_window_view(x, frame)[:max_tau]
        d = np.sum((lagged - x[:frame]) ** 2, axis=1)
        cmnd = d * np.arange(max_tau) / np.maximum(np.cumsum(d), 1e-12)
        cmnd[0] = 1.0
        lo = sr // 2000  # up to 2000 Hz
        below = np.flatnonzero(cmnd[lo:] < threshold)
        if below.size:
            tau = lo + below[0]
            while tau + 2 < max_tau and cmnd[tau + 1] < cmnd[tau]:
                tau += 1
            a, b, c = cmnd[tau - 1], cmnd[tau], cmnd[tau + 1]  # parabolic refinement
            estimates.append(sr / (tau + 0.5 * (a - c) / (a - 2 * b + c)))
    return float(np.median(estimates))


def test_yin_helper_finds_a_pure_tone():
    t = np.arange(2 * SR) / SR
    assert _yin_hz(np.sin(2 * np.pi * 293.66 * t), SR) == pytest.approx(293.66, rel=0.003)


# The GM church organ sounds a 16-foot stop an octave below the key as well: not tested.
@pytest.mark.parametrize("instrument", sorted(set(GM_PROGRAMS) - {"organ"}))
@pytest.mark.parametrize("pitch", [57, 69, 72])
def test_rendered_notes_have_the_right_pitch(instrument, pitch):
    y = render_soundfont(NoteList.from_arrays([pitch], [0], [3]), instrument=instrument, bpm=60, sr=SR)
    cents = 1200 * np.log2(_yin_hz(y, SR) / (440.0 * 2 ** ((pitch - 69) / 12)))
    assert abs(cents) < 25


@pytest.mark.parametrize("instrument", ["piano", "strings"])
def test_rendered_a4_has_its_strongest_partial_at_440_hz(instrument):
    y = render_soundfont(NoteList.from_arrays([69], [0], [3]), instrument=instrument, bpm=60, sr=SR)
    assert abs(_peak_hz(y, SR) - 440.0) <= 4


def test_level_is_normalised_and_audible():
    y = render_soundfont(NoteList.from_arrays([60, 64, 67], [0, 1, 2], [1, 1, 1]), bpm=60, sr=SR)
    assert np.abs(y).max() == pytest.approx(0.8, abs=1e-4)
    assert -30.0 < _rms_db(y) < -3.0
    assert _rms_db(y[-SR // 10:]) < _rms_db(y) - 20  # the tail fades out


def test_velocity_changes_loudness():
    notes = NoteList.from_arrays([69, 69], [0, 2], [1, 1], velocity=[110, 30])
    y = render_soundfont(notes, instrument="organ", bpm=60, sr=SR)
    loud, soft = y[SR // 4: SR], y[2 * SR + SR // 4: 3 * SR]
    assert _rms_db(loud) > _rms_db(soft) + 6


def test_length_follows_tempo_and_tail():
    y = render_soundfont(NoteList.from_arrays([69], [0], [2]), bpm=120, sr=8000, tail=0.5)
    assert y.shape == (12000,) and y.dtype == np.float32


def test_rendering_is_deterministic():
    notes = NoteList.from_arrays([60, 64, 67, 72], [0, 0, 0.5, 1], [2, 2, 1.5, 1])
    a = render_soundfont(notes, instrument="strings", sr=SR)
    b = render_soundfont(notes, instrument="strings", sr=SR)
    np.testing.assert_array_equal(a, b)
    assert play(notes).data == play(notes).data


def test_empty_notes_give_silence():
    y = render_soundfont(NoteList.from_arrays([], [], []), sr=8000, tail=0.25)
    assert y.shape == (2000,) and not y.any()


def test_additive_engine_is_still_selectable_and_is_synthesize():
    notes = NoteList.from_arrays([69], [0], [1])
    np.testing.assert_array_equal(render(notes, instrument="flute", engine="additive"),
                                  synthesize(notes, instrument="flute"))
    custom = audio.Instrument("sine", (1.0,), 0.01, 0.01, 1.0, 0.01)
    np.testing.assert_array_equal(render(notes, instrument=custom), synthesize(notes, instrument=custom))


def test_environment_variable_forces_the_synthesizer(monkeypatch):
    monkeypatch.setenv("MUSICLIB_SOUND", "additive")
    assert sound_engine() == "additive"
    notes = NoteList.from_arrays([69], [0], [1])
    assert play(notes).data == play(notes, engine="additive").data


def test_missing_tinysoundfont_falls_back_to_the_synthesizer(monkeypatch):
    real = audio.importlib.util.find_spec
    monkeypatch.setattr(audio.importlib.util, "find_spec",
                        lambda name, *a: None if name == "tinysoundfont" else real(name, *a))
    assert sound_engine() == "additive"
    notes = NoteList.from_arrays([60], [0], [1])
    np.testing.assert_array_equal(render(notes), synthesize(notes))


def test_environment_check_names_the_active_engine(monkeypatch):
    from musiclib.environment import check_environment

    line = next(f for f in check_environment(tensorflow=False).findings if f.item == "sound")
    assert line.ok and "soundfont" in line.detail
    monkeypatch.setenv("MUSICLIB_SOUND", "additive")
    line = next(f for f in check_environment(tensorflow=False).findings if f.item == "sound")
    assert line.ok and "additive" in line.detail


def test_every_synthesizer_instrument_has_a_gm_program():
    assert set(GM_PROGRAMS) == set(audio.INSTRUMENTS)
    assert all(0 <= p <= 127 for p in GM_PROGRAMS.values())


def test_unknown_engine_is_rejected():
    with pytest.raises(AudioError, match="argument 'engine' is 'midi'"):
        render(NoteList.from_arrays([60], [0], [1]), engine="midi")


def test_unknown_soundfont_instrument_is_rejected():
    with pytest.raises(AudioError, match="argument 'instrument' is 'kazoo'"):
        render_soundfont(NoteList.from_arrays([60], [0], [1]), instrument="kazoo")


def test_bad_tempo_gain_and_rate_are_rejected():
    n = NoteList.from_arrays([60], [0], [1])
    with pytest.raises(AudioError, match="argument 'bpm'"):
        render_soundfont(n, bpm=5)
    with pytest.raises(AudioError, match="argument 'gain'"):
        render_soundfont(n, gain=0)
    with pytest.raises(AudioError, match="argument 'sr'"):
        render_soundfont(n, sr=100)


def test_notes_must_be_a_notelist():
    from musiclib.errors import RepresentationError

    with pytest.raises(RepresentationError, match="argument 'notes' must be a NoteList"):
        render_soundfont([60, 62])
