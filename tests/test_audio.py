import base64
import io
import re

import numpy as np
import pytest

from musiclib.audio import INSTRUMENTS, SAMPLE_RATE, midi_to_hz, play, read_wav, synthesize, wav_bytes, write_wav
from musiclib.errors import AudioError, FileExistsNoOverwriteError
from musiclib.representation import NoteList


def test_a4_is_440_hz_and_octaves_double():
    assert midi_to_hz(69) == pytest.approx(440.0)
    assert midi_to_hz(81) == pytest.approx(880.0)
    assert midi_to_hz(60) == pytest.approx(261.6256, abs=1e-4)


def test_length_follows_tempo_and_tail():
    n = NoteList.from_arrays([69], [0], [2])  # two quarters at 120 bpm = 1 s
    y = synthesize(n, bpm=120, sr=8000, tail=0.25)
    assert y.shape == (10000,)
    assert y.dtype == np.float32


def test_fundamental_is_the_strongest_partial_for_the_flute():
    sr = 16000
    y = synthesize(NoteList.from_arrays([69], [0], [4]), instrument="flute", bpm=60, sr=sr)
    seg = y[sr // 2: sr // 2 + sr]  # one steady second: 1 Hz bins
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    assert abs(int(np.argmax(spectrum)) - 440) <= 2


def test_instruments_differ_in_spectrum():
    sr = 16000
    n = NoteList.from_arrays([60], [0], [4])
    centroids = {}
    for name in ("flute", "strings", "clarinet"):
        y = synthesize(n, instrument=name, bpm=60, sr=sr)[sr // 2: 3 * sr // 2]
        mag = np.abs(np.fft.rfft(y))
        freqs = np.fft.rfftfreq(len(y), 1 / sr)
        centroids[name] = float((freqs * mag).sum() / mag.sum())
    assert centroids["flute"] < centroids["clarinet"] < centroids["strings"]


def test_clarinet_has_weak_even_harmonics():
    h = INSTRUMENTS["clarinet"].harmonics
    assert h[1] < 0.05 * h[2]


def test_peak_is_the_gain():
    y = synthesize(NoteList.from_arrays([60, 64], [0, 0], [1, 1]), gain=0.5)
    assert np.abs(y).max() == pytest.approx(0.5, abs=1e-6)


def test_render_is_deterministic():
    n = NoteList.from_arrays([60, 62, 64], [0, 1, 2], [1, 1, 1])
    assert np.array_equal(synthesize(n, instrument="strings"), synthesize(n, instrument="strings"))


def test_unknown_instrument_names_the_choices():
    with pytest.raises(AudioError, match="'instrument' is 'kazoo'.*piano"):
        synthesize(NoteList.from_arrays([60], [0], [1]), instrument="kazoo")


def test_bad_sample_rate_is_named():
    with pytest.raises(AudioError, match="'sr'"):
        synthesize(NoteList.from_arrays([60], [0], [1]), sr=100)


def test_wav_round_trip(tmp_path):
    y = np.sin(np.linspace(0, 100, 4000)).astype(np.float32) * 0.5
    path = write_wav(tmp_path / "a.wav", y, 8000)
    back, sr = read_wav(path)
    assert sr == 8000
    assert np.max(np.abs(back - y)) < 1e-4


def test_write_wav_refuses_to_overwrite(tmp_path):
    p = tmp_path / "take1.wav"
    p.write_bytes(b"mine")
    with pytest.raises(FileExistsNoOverwriteError):
        write_wav(p, np.zeros(10))
    assert p.read_bytes() == b"mine"


def test_stereo_and_nan_are_refused():
    with pytest.raises(AudioError, match="mono"):
        wav_bytes(np.zeros((100, 2)))
    with pytest.raises(AudioError, match="NaN"):
        wav_bytes(np.array([0.0, np.nan]))


def test_play_returns_an_inline_player():
    audio = play(NoteList.from_arrays([60], [0], [1]))
    assert "<audio" in audio._repr_html_()


def _src_bytes(html: str) -> tuple[str, bytes]:
    m = re.fullmatch(r'<audio controls="controls" preload="metadata" '
                     r'src="data:(audio/[a-z]+);base64,([A-Za-z0-9+/=]+)"></audio>', html)
    assert m, html[:200]
    return m.group(1), base64.b64decode(m.group(2))


def test_player_puts_the_sound_on_the_audio_element_not_in_a_source_child():
    # JupyterLab's sanitizer (untrusted notebooks) strips <source src>, keeps <audio src>
    html = play(NoteList.from_arrays([60], [0], [1]))._repr_html_()
    assert "<source" not in html
    mime, data = _src_bytes(html)
    assert mime == "audio/mpeg"
    assert data[:3] == b"ID3" or data[0] == 0xFF  # an MP3 frame sync (or its tag) first


def test_wav_player_embeds_exactly_wav_bytes():
    y = 0.5 * np.sin(2 * np.pi * 440 * np.arange(SAMPLE_RATE) / SAMPLE_RATE)
    player = play(y, fmt="wav")
    mime, data = _src_bytes(player._repr_html_())
    assert mime == "audio/wav" and data == wav_bytes(y) == player.data
    assert (player.rate, player.seconds) == (16_000, 1.0)
    assert repr(player) == "Player(1.00 s at 16000 Hz, audio/wav)"


def test_mp3_player_keeps_rate_length_and_pitch_and_is_five_times_smaller():
    sf = pytest.importorskip("soundfile")
    y = 0.5 * np.sin(2 * np.pi * 440 * np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE)
    player = play(y)
    assert player.mimetype == "audio/mpeg" and player.data == play(y).data  # deterministic
    back, sr = sf.read(io.BytesIO(player.data))
    assert sr == 16_000
    assert abs(len(back) - len(y)) < 0.1 * SAMPLE_RATE  # encoder padding only
    second = back[: SAMPLE_RATE]
    peak_hz = np.argmax(np.abs(np.fft.rfft(second))) * sr / len(second)  # bins of 1 Hz
    assert abs(peak_hz - 440) <= 1
    assert len(player.data) * 4 < len(wav_bytes(y))


def test_unknown_player_format_is_refused():
    with pytest.raises(AudioError, match="'fmt'.*ogg"):
        play(np.zeros(100), fmt="ogg")


def test_not_a_wav_file(tmp_path):
    p = tmp_path / "x.wav"
    p.write_bytes(b"RIFF0000")
    with pytest.raises(AudioError, match="x.wav"):
        read_wav(p)
