import numpy as np
import pytest

from musiclib.errors import AudioError
from musiclib.features.robustness import add_noise, add_reverb, fm_synthesize, snr_db
from musiclib.representation import NoteList


def _sine(sr=8000, f=440.0, seconds=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return np.sin(2 * np.pi * f * t)


@pytest.mark.parametrize("target", [30.0, 10.0, 0.0, -5.0])
def test_add_noise_hits_the_requested_snr(target):
    y = _sine()
    assert snr_db(y, add_noise(y, target, seed=1)) == pytest.approx(target, abs=1e-3)


def test_add_noise_is_reproducible_with_a_seed():
    y = _sine()
    assert np.array_equal(add_noise(y, 10, seed=3), add_noise(y, 10, seed=3))


def test_add_noise_rejects_silence():
    with pytest.raises(AudioError, match="silent"):
        add_noise(np.zeros(100), 10)


def test_snr_of_identical_signals_is_infinite():
    y = _sine()
    assert snr_db(y, y) == float("inf")


def test_reverb_of_an_impulse_is_the_impulse_response():
    sr = 1000
    x = np.zeros(2000)
    x[0] = 1.0
    out = add_reverb(x, sr, rt60=0.5, wet=0.5, seed=0)
    # direct sound first; the tail carries wet^2 of its energy before peak normalisation
    assert out[0] == pytest.approx(1.0)
    assert np.sum(out[1:].astype(float) ** 2) == pytest.approx(0.25, rel=1e-3)
    # the envelope falls 60 dB in rt60: the energy after rt60 is negligible
    assert np.abs(out[500:]).max() < 1e-6


def test_reverb_keeps_length_and_peak():
    y = _sine()
    out = add_reverb(y, 8000, rt60=0.3)
    assert out.shape == y.shape and np.max(np.abs(out)) == pytest.approx(1.0, rel=1e-6)


def test_reverb_rejects_bad_rt60():
    with pytest.raises(AudioError, match="rt60"):
        add_reverb(_sine(), 8000, rt60=0)


def test_fm_with_index_zero_is_a_sine_at_the_note_frequency():
    notes = NoteList.from_arrays([69], [0.0], [2.0])
    y = fm_synthesize(notes, bpm=60, sr=8000, index=0.0)
    spectrum = np.abs(np.fft.rfft(y[1000:9000]))
    assert np.argmax(spectrum) * 8000 / 8000 == pytest.approx(440.0, abs=1.0)


def test_fm_integer_ratio_is_harmonic_and_non_integer_is_not():
    notes = NoteList.from_arrays([57], [0.0], [4.0])  # 220 Hz
    for ratio, harmonic in [(1.0, True), (1.4, False)]:
        y = fm_synthesize(notes, bpm=60, sr=8000, ratio=ratio, index=2.0)[:32000]
        spec = np.abs(np.fft.rfft(y))
        freqs = np.fft.rfftfreq(y.size, 1 / 8000)
        strong = freqs[spec > 0.1 * spec.max()]
        on_harmonics = np.all(np.abs(strong / 220.0 - np.round(strong / 220.0)) < 0.02)
        assert bool(on_harmonics) == harmonic


def test_fm_rejects_bad_ratio():
    with pytest.raises(AudioError, match="ratio"):
        fm_synthesize(NoteList.from_arrays([60], [0.0], [1.0]), ratio=0)


def test_reverb_equals_the_direct_convolution():
    rng = np.random.default_rng(3)
    y = rng.normal(size=3000)
    out = add_reverb(y, 1000, rt60=0.8, wet=0.4, seed=2)
    n = 800
    t = np.arange(n) / 1000
    tail = np.random.default_rng(2).normal(size=n) * np.exp(-6.91 * t / 0.8)
    tail[0] = 0.0
    ir = 0.4 * tail / np.sqrt(np.sum(tail**2))
    ir[0] = 1.0
    direct = np.convolve(y, ir)[: y.size]
    direct *= np.max(np.abs(y)) / np.max(np.abs(direct))
    np.testing.assert_allclose(out, direct, rtol=0, atol=1e-6)
