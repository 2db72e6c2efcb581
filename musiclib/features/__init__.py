"""Feature extraction (音乐特征提取): numbers that describe pitch, rhythm and timbre.

One module per idea, all re-exported here so ``from musiclib import features`` and
``features.pitch_class_histogram(notes)`` work:

- :mod:`musiclib.features.pitch` - pitch (音高): histograms, range, intervals,
  contour, Krumhansl-Schmuckler key, scale consistency, entropy
- :mod:`musiclib.features.rhythm` - rhythm (节奏): inter-onset intervals, note
  lengths, onset density, metrical positions, syncopation, groove, empty beats
- :mod:`musiclib.features.roll` - metrics of polyphonic piano rolls (MusPy /
  MuseGAN): polyphony, qualified notes, used pitch classes per bar
- :mod:`musiclib.features.harmony` - harmony (和声): chordify, Roman numerals,
  implied triads of a melody, harmonic rhythm, chord vocabularies
- :mod:`musiclib.features.robustness` - degraded audio: noise at an SNR, reverb,
  an FM synthesizer
- :mod:`musiclib.features.audio` - audio: spectrogram, chroma, pYIN pitch, onsets,
  tempo, timbre (音色) descriptors and MFCCs

Taught in: notebooks/02_feature_extraction.ipynb
"""

from musiclib.features.audio import (
    OnsetScore,
    PitchTrack,
    Spectrogram,
    check_audio,
    chroma,
    estimate_tempo,
    mfcc,
    onset_f1,
    onset_times,
    pitch_track,
    raw_pitch_accuracy,
    reference_f0,
    spectral_descriptors,
    spectrogram,
    timbre_vector,
)
from musiclib.features.harmony import (
    ChordSlice,
    best_triad,
    chord_vocabulary,
    chordify,
    harmonic_rhythm,
    implied_triads,
    roman_numerals,
    triad_degree,
    triad_name,
    vocabulary_coverage,
)
from musiclib.features.pitch import (
    KS_MAJOR,
    KS_MINOR,
    MAJOR_SCALE,
    MINOR_SCALE,
    PITCH_CLASS_NAMES,
    Key,
    estimate_key,
    interval_histogram,
    key_correlations,
    melodic_contour,
    melodic_intervals,
    n_pitch_classes_used,
    n_pitches_used,
    pitch_class_entropy,
    pitch_class_histogram,
    pitch_entropy,
    pitch_histogram,
    pitch_in_scale_rate,
    pitch_range,
    scale_consistency,
)
from musiclib.features.rhythm import (
    DURATION_CLASSES,
    DURATION_NAMES,
    empty_beat_rate,
    groove_consistency,
    inter_onset_intervals,
    ioi_histogram,
    metrical_position_histogram,
    metrical_weights,
    note_length_histogram,
    onset_density,
    syncopation,
)
from musiclib.features.robustness import add_noise, add_reverb, fm_synthesize, snr_db
from musiclib.features.roll import (
    bootstrap_ci,
    copy_rate,
    long_note_share,
    nearest_neighbour_distance,
    one_step_holes,
    pairwise_hamming,
    polyphony,
    polyphony_rate,
    qualified_note_rate,
    roll_metrics,
    roll_notes,
    roll_pitch_class_entropy,
    roll_scale_consistency,
    set_diversity,
    unique_rate,
    used_pitch_classes_per_bar,
)

__all__ = [
    # pitch
    "PITCH_CLASS_NAMES", "KS_MAJOR", "KS_MINOR", "MAJOR_SCALE", "MINOR_SCALE", "Key",
    "pitch_histogram", "pitch_class_histogram", "pitch_range", "n_pitches_used",
    "n_pitch_classes_used", "melodic_intervals", "interval_histogram", "melodic_contour",
    "key_correlations", "estimate_key", "pitch_in_scale_rate", "scale_consistency",
    "pitch_entropy", "pitch_class_entropy",
    # rhythm
    "DURATION_CLASSES", "DURATION_NAMES", "inter_onset_intervals", "ioi_histogram",
    "note_length_histogram", "onset_density", "metrical_weights",
    "metrical_position_histogram", "syncopation", "groove_consistency", "empty_beat_rate",
    # piano-roll metrics
    "roll_notes", "polyphony", "polyphony_rate", "qualified_note_rate",
    "one_step_holes", "long_note_share",
    "used_pitch_classes_per_bar", "roll_scale_consistency", "roll_metrics",
    # harmony
    "ChordSlice", "chordify", "roman_numerals", "best_triad", "implied_triads", "triad_name", "triad_degree",
    "harmonic_rhythm", "chord_vocabulary", "vocabulary_coverage",
    # robustness of the audio features
    "add_noise", "add_reverb", "fm_synthesize", "snr_db",
    # set-level roll metrics (notebook 05)
    "pairwise_hamming", "set_diversity", "unique_rate", "copy_rate", "nearest_neighbour_distance",
    "roll_pitch_class_entropy", "bootstrap_ci",
    # audio
    "check_audio", "Spectrogram", "PitchTrack", "OnsetScore", "spectrogram", "chroma",
    "pitch_track", "reference_f0", "raw_pitch_accuracy", "onset_times", "onset_f1",
    "estimate_tempo", "spectral_descriptors", "mfcc", "timbre_vector",
]
