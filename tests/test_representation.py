import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musiclib.errors import (
    FileExistsNoOverwriteError,
    MidiFileError,
    RepresentationError,
    ShapeError,
    VocabularyError,
)
from musiclib.notation import key_signature_sharps, notes_to_midi, notes_to_stream
from musiclib.representation import (
    MelodyVocabulary,
    NoteList,
    load_notes,
    notes_from_midi,
    notes_from_stream,
    notes_to_piano_roll,
    notes_to_tokens,
    piano_roll_to_notes,
    pitch_name,
    tokens_to_notes,
    transpose_tokens,
)


# ------------------------------------------------------------------ strategies
@st.composite
def grid_melodies(draw, low=48, high=96, max_notes=24):
    """Monophonic melodies on the 16th grid, with rests between some notes."""
    n = draw(st.integers(1, max_notes))
    pitches = draw(st.lists(st.integers(low, high - 1), min_size=n, max_size=n))
    lengths = draw(st.lists(st.integers(1, 16), min_size=n, max_size=n))
    gaps = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    onset, t = [], gaps[0]
    for k in range(n):
        onset.append(t / 4)
        t += lengths[k] + (gaps[k + 1] if k + 1 < n else 0)
    return NoteList.from_arrays(pitches, onset, np.array(lengths) / 4)


@st.composite
def grid_polyphony(draw, low=36, high=84, max_notes=30):
    """Several parts of notes on the grid; one pitch never overlaps itself."""
    n = draw(st.integers(1, max_notes))
    rows = {}
    for _ in range(n):
        p = draw(st.integers(low, high - 1))
        s = draw(st.integers(0, 63))
        d = draw(st.integers(1, 8))
        rows.setdefault(p, []).append((s, d))
    pitch, onset, dur = [], [], []
    for p, spans in rows.items():
        end = -1
        for s, d in sorted(spans):
            if s < end:
                continue
            pitch.append(p)
            onset.append(s / 4)
            dur.append(d / 4)
            end = s + d
    return NoteList.from_arrays(pitch, onset, dur)


# ------------------------------------------------------------------ NoteList
def test_notelist_sorts_by_onset_then_pitch():
    n = NoteList.from_arrays([64, 60, 62], [1, 0, 0], [1, 1, 1])
    assert n.pitch.tolist() == [60, 62, 64]
    assert n.onset.tolist() == [0, 0, 1]


def test_notelist_end_and_monophony(c_major_scale, chorale_fragment):
    assert c_major_scale.end == 8.0
    assert c_major_scale.is_monophonic()
    assert not chorale_fragment.is_monophonic()
    assert chorale_fragment.select_part(0).pitch.tolist() == [72, 74, 72]


def test_transpose_moves_every_pitch(c_major_scale):
    assert c_major_scale.transpose(2).pitch.tolist() == [62, 64, 66, 67, 69, 71, 73, 74]


def test_window_cuts_and_shifts(c_major_scale):
    w = c_major_scale.window(2, 4)
    assert w.pitch.tolist() == [64, 65]
    assert w.onset.tolist() == [0, 1]


def test_pitch_name_of_middle_c_and_b_flat():
    assert pitch_name(60) == "C4"
    assert pitch_name(70) == "Bb4"
    assert pitch_name(21) == "A0"


def test_negative_duration_names_argument_and_note():
    with pytest.raises(RepresentationError, match="'duration': note 1 has duration -0.5"):
        NoteList.from_arrays([60, 62], [0, 1], [1, -0.5])


def test_pitch_out_of_midi_range_is_refused():
    with pytest.raises(RepresentationError, match="'pitch': note 0 has pitch 130"):
        NoteList.from_arrays([130], [0], [1])


def test_nan_onset_is_refused():
    with pytest.raises(RepresentationError, match="'onset'.*finite"):
        NoteList.from_arrays([60], [np.nan], [1])


def test_unequal_lengths_name_the_arguments():
    with pytest.raises(ShapeError, match="equal lengths"):
        NoteList.from_arrays([60, 62], [0], [1, 1])


def test_fractional_pitch_is_refused():
    with pytest.raises(RepresentationError, match="whole numbers"):
        NoteList.from_arrays([60.5], [0], [1])


# ------------------------------------------------------------------ piano roll
def test_piano_roll_of_one_note_by_hand():
    n = NoteList.from_arrays([60], [0.5], [0.5])
    roll = notes_to_piano_roll(n, pitch_range=(60, 62))
    assert roll.tolist() == [[0, 0], [0, 0], [1, 0], [1, 0]]


@settings(max_examples=60, deadline=None)
@given(grid_polyphony())
def test_roll_with_onsets_round_trip_is_exact(notes):
    roll, onsets = notes_to_piano_roll(notes, with_onsets=True)
    back = piano_roll_to_notes(roll, onsets=onsets)
    assert back == notes


@settings(max_examples=40, deadline=None)
@given(grid_polyphony())
def test_roll_notes_roll_round_trip_is_exact(notes):
    roll = notes_to_piano_roll(notes)
    assert np.array_equal(notes_to_piano_roll(piano_roll_to_notes(roll), n_steps=roll.shape[0]), roll)


def test_pitch_outside_roll_range_names_pitch():
    n = NoteList.from_arrays([90], [0], [1])
    with pytest.raises(RepresentationError, match=r"pitch 90 \(F#6\).*pitch_range"):
        notes_to_piano_roll(n)
    assert notes_to_piano_roll(n, out_of_range="drop").sum() == 0


def test_off_grid_note_is_refused_without_quantize():
    n = NoteList.from_arrays([60], [1 / 3], [1])
    with pytest.raises(RepresentationError, match="not on a grid"):
        notes_to_piano_roll(n, quantize=False)


def test_roll_of_wrong_rank_is_refused():
    with pytest.raises(ShapeError, match="'roll'.*2-D"):
        piano_roll_to_notes(np.zeros((4, 4, 4)))


# ------------------------------------------------------------------ tokens
def test_tokens_of_a_short_melody_by_hand():
    vocab = MelodyVocabulary(low=60, high=72)
    # C4 quarter, rest eighth, D4 eighth
    n = NoteList.from_arrays([60, 62], [0, 1.5], [1, 0.5])
    assert notes_to_tokens(n, vocab).tolist() == [2, 1, 1, 1, 0, 0, 4, 1]
    assert vocab.size == 14
    assert vocab.token_name(4) == "D4"
    assert vocab.token_name(1) == "hold"


@settings(max_examples=80, deadline=None)
@given(grid_melodies())
def test_token_round_trip_is_exact_on_the_grid(melody):
    vocab = MelodyVocabulary()
    assert tokens_to_notes(notes_to_tokens(melody, vocab), vocab) == melody


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 49), max_size=64))
def test_any_token_sequence_decodes_and_reencodes(tokens):
    vocab = MelodyVocabulary()
    notes = tokens_to_notes(tokens, vocab)
    again = notes_to_tokens(notes, vocab, n_steps=len(tokens))
    # holds without a sounding note decode as silence: compare after normalising them
    expected = np.array(tokens, dtype=np.int64)
    sounding = False
    for i, t in enumerate(expected):
        if t == vocab.REST or (t == vocab.HOLD and not sounding):
            expected[i] = vocab.REST
            sounding = False
        elif t >= vocab.N_SPECIAL:
            sounding = True
    assert again.tolist() == expected.tolist()


def test_chord_in_melody_names_its_offset():
    chord = NoteList.from_arrays([60, 64, 67, 72], [0, 2, 2, 3], [1, 1, 1, 1])
    with pytest.raises(RepresentationError, match="chord.*offset 2 quarters"):
        notes_to_tokens(chord)


def test_chord_with_highest_policy_keeps_top_note():
    chord = NoteList.from_arrays([60, 64, 67], [0, 0, 0], [1, 1, 1])
    vocab = MelodyVocabulary()
    assert notes_to_tokens(chord, vocab, polyphony="highest")[0] == vocab.pitch_to_token(67)


def test_pitch_outside_vocabulary_names_pitch_and_range():
    with pytest.raises(VocabularyError, match=r"pitch 30 \(F#1\) is outside the vocabulary range 48..95"):
        notes_to_tokens(NoteList.from_arrays([30], [0], [1]))


def test_token_outside_vocabulary_names_position():
    with pytest.raises(VocabularyError, match="token 99 at position 2"):
        tokens_to_notes([2, 1, 99])


def test_transpose_tokens_keeps_rest_and_hold():
    vocab = MelodyVocabulary(low=60, high=72)
    assert transpose_tokens([2, 1, 0, 3], 2, vocab).tolist() == [4, 1, 0, 5]
    with pytest.raises(VocabularyError, match="leaves the vocabulary"):
        transpose_tokens([13], 1, vocab)


def test_vocabulary_dict_round_trip():
    v = MelodyVocabulary(50, 80)
    assert MelodyVocabulary.from_dict(v.to_dict()) == v


# ------------------------------------------------------------------ music21 and MIDI
def test_stream_round_trip_keeps_parts(chorale_fragment):
    back = notes_from_stream(notes_to_stream(chorale_fragment))
    assert back == chorale_fragment


@settings(max_examples=15, deadline=None)
@given(grid_melodies(max_notes=12))
def test_midi_round_trip_is_exact_on_the_grid(tmp_path_factory, melody):
    path = tmp_path_factory.mktemp("midi") / "m.mid"
    notes_to_midi(melody, path)
    assert notes_from_midi(path) == melody


def test_midi_round_trip_of_four_parts(tmp_path, chorale_fragment):
    path = notes_to_midi(chorale_fragment, tmp_path / "c.mid")
    assert load_notes(path) == chorale_fragment


def test_writing_midi_over_a_users_file_is_refused(tmp_path, c_major_scale):
    target = tmp_path / "mine.mid"
    target.write_bytes(b"precious")
    with pytest.raises(FileExistsNoOverwriteError, match="mine.mid"):
        notes_to_midi(c_major_scale, target)
    assert target.read_bytes() == b"precious"


def test_empty_file_is_named(tmp_path):
    p = tmp_path / "empty.mid"
    p.write_bytes(b"")
    with pytest.raises(MidiFileError, match="empty.mid.*empty"):
        load_notes(p)


def test_random_bytes_named_mid_are_refused(tmp_path):
    p = tmp_path / "noise.mid"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes())
    with pytest.raises(MidiFileError, match="noise.mid.*not a MIDI file"):
        load_notes(p)


def test_truncated_midi_is_refused(tmp_path, c_major_scale):
    good = notes_to_midi(c_major_scale, tmp_path / "good.mid")
    cut = tmp_path / "cut.mid"
    cut.write_bytes(good.read_bytes()[:-20])
    with pytest.raises(MidiFileError, match="cut.mid.*truncated"):
        load_notes(cut)


def test_musicxml_without_notes_is_refused(tmp_path):
    from music21 import note, stream

    s = stream.Score([stream.Part([note.Rest(quarterLength=4)])])
    path = tmp_path / "silence.musicxml"
    s.write("musicxml", fp=str(path))
    with pytest.raises(MidiFileError, match="silence.musicxml.*no pitched notes"):
        load_notes(path)


def test_missing_file_and_unknown_suffix(tmp_path):
    with pytest.raises(MidiFileError, match="does not exist"):
        load_notes(tmp_path / "nope.mid")
    other = tmp_path / "song.mp3"
    other.write_bytes(b"ID3")
    with pytest.raises(MidiFileError, match="unknown suffix '.mp3'"):
        load_notes(other)


def test_empty_notelist_cannot_be_written(tmp_path):
    with pytest.raises(RepresentationError, match="'notes' is empty"):
        notes_to_midi(NoteList.empty(), tmp_path / "x.mid")
    assert not (tmp_path / "x.mid").exists()


def test_key_signature_of_scales():
    a_major = NoteList.from_arrays([69, 71, 73, 74, 76, 78, 80, 81], np.arange(8.0), np.ones(8))
    f_major = NoteList.from_arrays([65, 67, 69, 70, 72, 74, 76, 77], np.arange(8.0), np.ones(8))
    assert key_signature_sharps(a_major) == 3
    assert key_signature_sharps(f_major) == -1
    assert key_signature_sharps(NoteList.from_arrays([60, 64, 67], [0, 1, 2], [1, 1, 1])) == 0


def test_stream_spells_black_keys_by_key_signature():
    f_major = NoteList.from_arrays([65, 67, 69, 70], np.arange(4.0), np.ones(4))
    names = [n.pitch.name for n in notes_to_stream(f_major).flatten().notes]
    assert names == ["F", "G", "A", "B-"]


# --- key-aware spelling and the true skyline -------------------------------------------------------------
from musiclib.representation import pitch_name as _pn  # noqa: E402
from musiclib.representation import skyline_tokens as _sky  # noqa: E402


def test_pitch_name_default_spelling_is_unchanged():
    assert [_pn(p) for p in (60, 61, 68, 70)] == ["C4", "C#4", "Ab4", "Bb4"]


def test_pitch_name_in_a_major_spells_g_sharp():
    assert _pn(68, key="A major") == "G#4"
    assert _pn(56, key=3) == "G#3"


def test_pitch_name_in_flat_keys_spells_flats():
    assert _pn(61, key="Ab major") == "Db4"
    assert _pn(66, key=-2) == "Gb4"


def test_pitch_name_minor_key_raises_the_leading_tone():
    assert _pn(61, key="d minor") == "C#4"  # one flat, but the leading tone is sharp
    assert _pn(66, key="G minor") == "F#4"
    assert _pn(70, key="d minor") == "Bb4"


def test_pitch_name_extreme_keys_use_e_sharp_b_sharp_c_flat():
    assert _pn(65, key="F# major") == "E#4"
    assert _pn(72, key=7) == "B#4"  # MIDI 72 is C5; as B# it belongs to octave 4
    assert _pn(71, key=-6) == "Cb5"  # MIDI 71 is B4; as Cb it belongs to octave 5


def test_pitch_name_accepts_a_key_like_object():
    class K:
        tonic, mode = 9, "major"

    assert _pn(68, key=K()) == "G#4"


@pytest.mark.parametrize("bad", [8, "H major", "A dorian", 1.5, True])
def test_pitch_name_rejects_bad_keys(bad):
    with pytest.raises(RepresentationError, match="key"):
        _pn(60, key=bad)


def test_skyline_keeps_a_held_soprano_over_a_moving_bass():
    # soprano A4 for 4 steps; bass moves A3 (2 steps) then G#3 (2 steps) underneath
    notes = NoteList.from_arrays([69, 57, 56], [0.0, 0.0, 0.5], [1.0, 0.5, 0.5])
    vocab = MelodyVocabulary()
    tok = _sky(notes, vocab)
    assert tok.tolist() == [vocab.pitch_to_token(69), vocab.HOLD, vocab.HOLD, vocab.HOLD]
    # the old "highest" rule lets the later bass note cut the soprano short
    old = notes_to_tokens(notes, vocab, polyphony="highest")
    assert old.tolist()[2] == vocab.pitch_to_token(56)
    assert notes_to_tokens(notes, vocab, polyphony="skyline").tolist() == tok.tolist()


def test_skyline_reveals_a_lower_note_when_the_top_ends():
    notes = NoteList.from_arrays([72, 60], [0.0, 0.0], [0.5, 1.0])
    vocab = MelodyVocabulary()
    assert _sky(notes, vocab).tolist() == [vocab.pitch_to_token(72), vocab.HOLD, vocab.pitch_to_token(60), vocab.HOLD]


def test_skyline_of_a_monophonic_line_equals_the_tokens():
    notes = NoteList.from_arrays([60, 62, 64], [0.0, 1.0, 1.5], [1.0, 0.5, 1.0])
    vocab = MelodyVocabulary()
    assert _sky(notes, vocab).tolist() == notes_to_tokens(notes, vocab).tolist()


def test_skyline_rests_where_nothing_sounds():
    notes = NoteList.from_arrays([60, 62], [0.0, 1.0], [0.5, 0.25])
    vocab = MelodyVocabulary()
    assert _sky(notes, vocab).tolist() == [vocab.pitch_to_token(60), vocab.HOLD, vocab.REST, vocab.REST,
                                           vocab.pitch_to_token(62)]
