"""Audio features (musiclib.features.audio) on synthesized, hand-checkable signals.

The first pYIN / onset call compiles numba code (up to ~20 s); the synthesized clips
and their analyses are therefore shared module-wide.
"""

from __future__ import annotations

import numpy as np
import pytest

from musiclib import features as F
from musiclib.audio import synthesize
from musiclib.errors import AudioError, RepresentationError, ShapeError
from musiclib.representation import NoteList

SR = 16_000
BPM = 100.0


def sine(freq=440.0, seconds=1.0, sr=SR, amp=0.5):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture(scope="module")
def tune():
    # "Frère Jacques" opening, 8 quarters of quarters and eighths, with a repeated note
    pitches = [60, 62, 64, 60, 60, 62, 64, 60, 64, 65, 67, 67]
    durs = [1, 1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]
    onsets = np.concatenate([[0.0], np.cumsum(durs)[:-1]])
    return NoteList.from_arrays(pitches, onsets, durs)


@pytest.fixture(scope="module")
def piano(tune):
    return synthesize(tune, instrument="piano", bpm=BPM, sr=SR)


@pytest.fixture(scope="module")
def track(piano):
    return F.pitch_track(piano, SR)


def test_spectrogram_of_a_440_hz_sine_peaks_at_440_hz():
    spec = F.spectrogram(sine(440.0), SR, n_fft=1024, db=False)
    assert spec.S.shape[0] == 513 and spec.times.size == spec.S.shape[1]
    peak = spec.freqs[np.argmax(spec.S[:, spec.S.shape[1] // 2])]
    assert abs(peak - 440.0) <= SR / 1024  # within one bin (15.6 Hz)
    assert F.spectrogram(sine(440.0), SR).S.max() == pytest.approx(0.0)  # dB re max


def test_chroma_of_a4_is_loudest_in_row_a():
    c = F.chroma(sine(440.0), SR)
    assert c.shape[0] == 12
    assert np.argmax(c.mean(axis=1)) == 9  # A


def test_pitch_track_of_a_sine_is_440_hz_within_5_cents():
    tr = F.pitch_track(sine(440.0, seconds=1.0), SR)
    f0 = tr.f0[np.isfinite(tr.f0)]
    assert f0.size > 0.8 * tr.f0.size
    assert abs(1200 * np.log2(np.median(f0) / 440.0)) < 5


def test_pitch_track_recovers_a_synthesized_tune(tune, track):
    ref = F.reference_f0(tune, track.times, bpm=BPM)
    assert F.raw_pitch_accuracy(track.f0, ref) >= 0.9
    away = F.reference_f0(tune, track.times, bpm=BPM, margin=0.05)
    assert F.raw_pitch_accuracy(track.f0, away) >= 0.98


def test_reference_f0_by_hand():
    notes = NoteList.from_arrays([60, 64], [0, 2], [1, 1])  # a rest from 1 s to 2 s at 60 BPM
    f0 = F.reference_f0(notes, np.array([0.5, 1.5, 2.5]), bpm=60)
    assert f0[0] == pytest.approx(261.626, abs=1e-3)
    assert np.isnan(f0[1])
    assert f0[2] == pytest.approx(329.628, abs=1e-3)
    near = F.reference_f0(notes, np.array([0.02, 0.5, 0.98]), bpm=60, margin=0.05)
    assert np.isnan(near[0]) and np.isfinite(near[1]) and np.isnan(near[2])


def test_raw_pitch_accuracy_by_hand():
    est = np.array([440.0, 446.0, np.nan, 880.0, 466.16])
    ref = np.array([440.0, 440.0, 440.0, np.nan, 440.0])
    # 446 Hz is 23 cents sharp (counts), NaN is a miss, 466 Hz is a semitone off
    assert F.raw_pitch_accuracy(est, ref) == pytest.approx(2 / 4)


def test_onset_f1_by_hand():
    s = F.onset_f1([0.0, 0.52, 1.2], [0.0, 0.5, 1.0], window=0.05)
    assert (s.precision, s.recall, s.f1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    # one estimate may match only one reference onset
    s = F.onset_f1([0.0, 0.01], [0.0])
    assert (s.precision, s.recall) == (0.5, 1.0)
    assert F.onset_f1([], [0.0]).f1 == 0.0


def test_onsets_of_a_synthesized_tune(tune, piano):
    est = F.onset_times(piano, SR)
    ref = np.unique(tune.onset) * 60 / BPM
    assert F.onset_f1(est, ref, window=0.05).f1 >= 0.9


def test_tempo_of_a_tune_rendered_at_100_bpm(piano):
    assert F.estimate_tempo(piano, SR) == pytest.approx(BPM, rel=0.02)


def test_spectral_centroid_of_a_sine_is_its_frequency():
    d = F.spectral_descriptors(sine(1000.0), SR)
    mid = d["centroid"][d["centroid"].size // 2]
    assert mid == pytest.approx(1000.0, rel=0.05)
    assert d["bandwidth"][d["bandwidth"].size // 2] < 200.0
    assert d["rolloff"][d["rolloff"].size // 2] == pytest.approx(1000.0, abs=2 * SR / 1024)


def test_brighter_instrument_has_higher_centroid(tune):
    flute = synthesize(tune, instrument="flute", bpm=BPM, sr=SR)
    strings = synthesize(tune, instrument="strings", bpm=BPM, sr=SR)
    v_f, v_s = F.timbre_vector(flute, SR), F.timbre_vector(strings, SR)
    assert v_f.shape == (29,)
    assert v_s[26] > v_f[26]  # mean centroid in kHz: 12 harmonics vs 3


def test_mfcc_shape(piano):
    assert F.mfcc(piano, SR, n_mfcc=20).shape[0] == 20


# ---------------------------------------------------------------- bad input
def test_stereo_audio_is_a_clear_error():
    stereo = np.stack([sine(), sine()], axis=1)
    with pytest.raises(AudioError, match=r"argument 'y'.*mono.*y\.mean\(axis=1\)"):
        F.spectrogram(stereo, SR)
    with pytest.raises(AudioError, match=r"y\.mean\(axis=0\)"):
        F.mfcc(stereo.T, SR)


def test_audio_with_nan_is_a_clear_error():
    y = sine()
    y[100] = np.nan
    with pytest.raises(AudioError, match="argument 'y' contains NaN"):
        F.chroma(y, SR)


@pytest.mark.parametrize("func", [F.pitch_track, F.onset_times, F.estimate_tempo,
                                  F.timbre_vector])
def test_silent_audio_is_a_clear_error(func):
    with pytest.raises(AudioError, match="argument 'y' is silent"):
        func(np.zeros(SR, dtype=np.float32), SR)


@pytest.mark.parametrize("sr", [44100.5, 4000, 200_000, "16k", True])
def test_wrong_sample_rate_is_named(sr):
    with pytest.raises(AudioError, match="argument 'sr'"):
        F.spectrogram(sine(), sr)


def test_integer_pcm_is_a_clear_error():
    with pytest.raises(AudioError, match="dtype int16.*32768"):
        F.mfcc((sine() * 32767).astype(np.int16), SR)


def test_too_short_audio_is_a_clear_error():
    with pytest.raises(AudioError, match="argument 'y' has 100 samples"):
        F.spectrogram(sine()[:100], SR)


def test_bad_pitch_range_is_named():
    with pytest.raises(AudioError, match="'fmax'"):
        F.pitch_track(sine(), SR, fmax=9000.0)
    with pytest.raises(AudioError, match="argument 'fmin'"):
        F.pitch_track(sine(), SR, fmin=40.0, frame_length=512)


def test_mismatched_pitch_arrays_are_named():
    with pytest.raises(ShapeError, match="'f0_est'.*'f0_ref'"):
        F.raw_pitch_accuracy(np.ones(3), np.ones(4))
    with pytest.raises(ShapeError, match="argument 'f0_ref' has no voiced frame"):
        F.raw_pitch_accuracy(np.ones(3), np.full(3, np.nan))


def test_empty_reference_onsets_are_named():
    with pytest.raises(ShapeError, match="argument 'reference' is empty"):
        F.onset_f1([0.1], [])


def test_reference_f0_of_empty_notes_is_named():
    with pytest.raises(RepresentationError, match="argument 'notes' is an empty NoteList"):
        F.reference_f0(NoteList.empty(), np.zeros(3), bpm=100)
