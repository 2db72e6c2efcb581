"""Every public function named in issue 24 raises a MusicLibError naming the argument or file.

One test per bad input: the error's type and that the message names the culprit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from musiclib.datasets import list_music_files, load_midi_folder
from musiclib.errors import (
    CheckpointError,
    DataError,
    MusicLibError,
    RepresentationError,
    ShapeError,
    VocabularyError,
)
from musiclib.features.roll import bootstrap_ci
from musiclib.metrics import binomial_p_value, critical_count, listening_test_power, read_listening_answers
from musiclib.models.ngram import NGramModel
from musiclib.notation import notes_to_midi
from musiclib.representation import LoadLimits, MelodyVocabulary, NoteList, pitch_name
from musiclib.sampling import continue_melody, generate, parse_melody, sample_token

VOCAB = MelodyVocabulary()


@pytest.fixture(scope="module")
def tiny_model() -> NGramModel:
    tune = [14, 1, 1, 1, 16, 1, 1, 1, 18, 1, 1, 1, 19, 1, 1, 1, 21, 1, 1, 1, 1, 1, 1, 1]
    return NGramModel.fit([tune, tune[::-1][1:] + [14]], order=5, vocab=VOCAB, discount=0.1)


# --------------------------------------------------------------------------- sampling
def test_sample_token_without_a_generator_names_rng():
    with pytest.raises(ShapeError, match="argument 'rng' is None; expected a numpy Generator"):
        sample_token(np.zeros(4), rng=None)


def test_sample_token_greedy_needs_no_generator():
    assert sample_token(np.array([0.0, 3.0, 1.0]), rng=None, temperature=0) == 1


def test_continue_melody_with_a_negative_seed_names_seed(tiny_model):
    primer = parse_melody("C5 D5")
    with pytest.raises(ShapeError, match="argument 'seed' is -1"):
        continue_melody(tiny_model, primer, 16, seed=-1)


def test_continue_melody_with_a_huge_typed_note_is_refused_before_any_allocation():
    with pytest.raises(RepresentationError, match=r"word 'E5:1e9'.*beyond the limit of 256"):
        parse_melody("C5 E5:1e9")


def test_continue_melody_with_a_huge_note_list_primer_names_primer(tiny_model):
    primer = NoteList.from_arrays([72], [0.0], [1e9])
    with pytest.raises(RepresentationError, match=r"argument 'primer' holds a note of 1e\+09 quarters"):
        continue_melody(tiny_model, primer, 16)


def test_generate_with_a_huge_length_names_length(tiny_model):
    with pytest.raises(ShapeError, match=r"argument 'length' is 1000000000; expected at most 80,000 steps"):
        generate(tiny_model, parse_melody("C5"), 10**9)


def test_parse_melody_bounds_the_melody_length_and_note_count():
    with pytest.raises(RepresentationError, match=r"more than 20,000 quarters"):
        parse_melody("C5:200 " * 101)
    with pytest.raises(RepresentationError, match=r"more than 3 notes \(LoadLimits.max_notes\)"):
        parse_melody("C5 D5 E5 F5", limits=LoadLimits(max_notes=3))
    with pytest.raises(RepresentationError, match=r"argument 'text' has 2,000,001 characters"):
        parse_melody("C" * 2_000_001)


def test_parse_melody_within_the_limits_still_reads():
    notes = parse_melody("C5 E5:256 r:0.5 G4:0.25")
    assert notes.pitch.tolist() == [72, 76, 67] and notes.duration.tolist() == [1.0, 256.0, 0.25]


def test_co_composer_shows_the_limit_as_one_line(monkeypatch, capsys, c_major_scale):
    from musiclib import widgets

    monkeypatch.setattr(widgets, "display", lambda *a: None)
    tune = [14, 1, 1, 1, 16, 1, 1, 1]
    model = NGramModel.fit([tune], order=3, vocab=VOCAB, discount=0.1)
    box = widgets.co_composer(model, {"scale": c_major_scale[:2]})
    choice, typed = box.children[0].children
    choice.value, typed.value = "typed", "E5:1e9"
    button = next(c for c in box.children if getattr(c, "description", "") == "Compose")
    out = box.children[-1]
    button.click()
    # outside a kernel the Output widget prints to stdout
    text = "".join(o.get("text", "") for o in out.outputs) or capsys.readouterr().out.replace("\x1b[2K", "")
    assert text.strip().startswith("cannot compose: word 'E5:1e9'") and "LoadLimits.max_note_quarters" in text


# --------------------------------------------------------------------------- representation
def test_pitch_name_outside_midi_names_pitch():
    with pytest.raises(VocabularyError, match="argument 'pitch' is 200; expected a MIDI note number in 0..127"):
        pitch_name(200)
    with pytest.raises(VocabularyError, match="argument 'pitch' is -1"):
        pitch_name(-1)


def test_from_arrays_with_note_names_names_pitch():
    with pytest.raises(RepresentationError, match="argument 'pitch' holds np.str_\\('C4'\\).*parse_melody"):
        NoteList.from_arrays(["C4"], [0], [1])


def test_from_arrays_with_a_ragged_list_names_onset():
    with pytest.raises(ShapeError, match="argument 'onset' cannot be read as a 1-D array"):
        NoteList.from_arrays([60, 62], [[0, 1], [2]], [1, 1])


# --------------------------------------------------------------------------- metrics and features
def test_binomial_p_value_of_nan_names_correct():
    with pytest.raises(ShapeError, match="argument 'correct' is nan"):
        binomial_p_value(float("nan"), 100)


def test_listening_test_power_of_ten_million_trials_names_trials():
    with pytest.raises(ShapeError, match="argument 'trials' is 10000000; expected a whole number in 1..100,000"):
        listening_test_power(10**7, 0.6)


def test_listening_test_figures_for_large_tests_are_fast_and_agree_with_small_ones():
    assert (critical_count(100), critical_count(200)) == (59, 113)
    assert listening_test_power(100, 0.6) == pytest.approx(0.6225, abs=1e-4)
    assert critical_count(100_000) == 50_261 and listening_test_power(100_000, 0.51) == pytest.approx(1.0, abs=0.02)
    # 1,000 trials at 55 %: the normal approximation gives 0.937
    assert listening_test_power(1000, 0.55) == pytest.approx(0.937, abs=0.01)
    from musiclib.metrics import _tails, _upper_tail

    assert np.allclose(_tails(400, 0.5)[[200, 220, 250]], [_upper_tail(k, 400, 0.5) for k in (200, 220, 250)],
                       rtol=1e-10)


def test_bootstrap_ci_with_no_resamples_names_n_boot():
    with pytest.raises(ShapeError, match="argument 'n_boot' is 0"):
        bootstrap_ci(np.ones(5), n_boot=0)


def test_groove_consistency_of_one_note_names_notes():
    from musiclib import features as F

    with pytest.raises(RepresentationError, match=r"argument 'notes' \(1 note\(s\)\) fits in one bar"):
        F.groove_consistency(NoteList.from_arrays([60], [0], [1]))


def test_answer_file_that_is_not_utf8_names_the_file(tmp_path):
    p = tmp_path / "answers.csv"
    p.write_bytes(b"listener,trial\n\xff\xfe\n")
    with pytest.raises(DataError, match="answers.csv.*not UTF-8"):
        read_listening_answers(p)


def test_recording_into_a_non_utf8_answer_file_names_the_file(tmp_path):
    from musiclib.widgets import record_listening_answer

    p = tmp_path / "answers.csv"
    p.write_bytes(b"\xff\xfe not text")
    row = dict(listener="a", trial=0, source="lstm", human_position="A", answer="A", correct=True)
    with pytest.raises(DataError, match="answers.csv.*not UTF-8"):
        record_listening_answer(p, row)
    assert p.read_bytes() == b"\xff\xfe not text"


def test_recording_into_an_unwritable_place_names_the_file(tmp_path, monkeypatch):
    from musiclib import widgets

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(widgets, "append_line", refuse)
    row = dict(listener="a", trial=0, source="lstm", human_position="A", answer="A", correct=True)
    with pytest.raises(DataError, match="answers.csv.*cannot be written: Permission denied"):
        widgets.record_listening_answer(tmp_path / "answers.csv", row)


# --------------------------------------------------------------------------- GAN records
@pytest.mark.parametrize("key, value, culprit", [
    ("z_dim", "4", "'z_dim' is '4'"),
    ("z_dim", 4.5, "'z_dim' is 4.5"),
    ("threshold", float("nan"), "'threshold' is nan"),
    ("threshold", 7, "'threshold' is 7"),
])
def test_gan_record_with_bad_numbers_is_refused(tmp_path, key, value, culprit):
    G = pytest.importorskip("musiclib.models.gan")
    tiny = G.GANRecipe(z_dim=4, g_filters=(4, 4, 2), d_filters=(4, 4), batch_size=8, epochs=1)
    gen = G.RollGenerator(G.build_generator(tiny), z_dim=4)
    path = gen.save(tmp_path / "g.keras")
    rec = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**rec, key: value}))
    with pytest.raises(CheckpointError, match=rf"g\.(json|keras).*{culprit}"):
        G.load_roll_generator(path)


# --------------------------------------------------------------------------- folders
def _good(folder: Path, name: str = "good.mid") -> Path:
    return notes_to_midi(NoteList.from_arrays([60, 62], [0, 1], [1, 1]), folder / name)


def test_folder_report_lists_looping_and_dangling_links(tmp_path):
    _good(tmp_path)
    os.symlink("loop.mid", tmp_path / "loop.mid")
    os.symlink("nowhere.mid", tmp_path / "dangling.mid")
    report = load_midi_folder(tmp_path)
    assert list(report.pieces) == ["good.mid"]
    assert report.skipped == {"loop.mid": "a link that loops or points to nothing; not read",
                              "dangling.mid": "a link that loops or points to nothing; not read"}


def test_folder_report_never_reads_a_link_outside_the_folder(tmp_path):
    inside = tmp_path / "songs"
    inside.mkdir()
    _good(inside)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET password", encoding="utf-8")
    os.symlink(secret, inside / "passwd.mid")
    os.symlink(tmp_path, inside / "up")
    report = load_midi_folder(inside)
    assert report.skipped == {"passwd.mid": "a link to something outside the folder; not read",
                              "up": "a link to something outside the folder; not read"}
    assert "SECRET" not in report.describe() and "TOP" not in report.describe()


def test_folder_report_lists_an_unreadable_sub_folder(tmp_path, monkeypatch):
    _good(tmp_path)
    (tmp_path / "locked").mkdir()
    _good(tmp_path / "locked", "hidden.mid")
    real = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = load_midi_folder(tmp_path)
    assert list(report.pieces) == ["good.mid"]
    assert report.skipped == {"locked/": "sub-folder could not be read: Permission denied"}
    assert "  skipped locked/: sub-folder could not be read: Permission denied" in report.describe()


def test_a_non_midi_file_inside_the_folder_is_named_with_its_first_bytes(tmp_path):
    _good(tmp_path)
    (tmp_path / "fake.mid").write_bytes(b"this is text")
    report = load_midi_folder(tmp_path)
    assert report.skipped["fake.mid"] == "file is not a MIDI file (starts with b'this', expected b'MThd')"


def test_non_utf8_file_names_are_listed_and_reported(tmp_path):
    name = os.fsdecode(b"caf\xe9.mid")
    _good(tmp_path, name)
    (tmp_path / os.fsdecode(b"bad\xff.mid")).write_bytes(b"nope")
    assert len(list_music_files(tmp_path)) == 2
    report = load_midi_folder(tmp_path)
    assert list(report.pieces) == ["caf\\xe9.mid"] and list(report.skipped) == ["bad\\xff.mid"]
    report.describe().encode("utf-8")  # prints anywhere


def test_streaming_loader_reads_non_utf8_file_names(tmp_path):
    pytest.importorskip("tensorflow")
    from musiclib.models.melody import stream_midi_folder

    tune = NoteList.from_arrays(list(range(60, 76)), np.arange(16) / 2, np.full(16, 0.5))
    notes_to_midi(tune, tmp_path / os.fsdecode(b"m\xe9lodie.mid"))
    ds = stream_midi_folder(tmp_path, window=8, batch_size=2, transpose=None)
    batch = next(iter(ds))
    assert batch[0]["tokens"].shape[1] == 8 if isinstance(batch, tuple) else True


def test_every_error_here_is_a_musiclib_error():
    for cls in (ShapeError, RepresentationError, VocabularyError, DataError, CheckpointError):
        assert issubclass(cls, MusicLibError)


def test_listening_test_widget_shows_an_unusable_answer_file(tmp_path, monkeypatch, c_major_scale):
    from musiclib import widgets

    monkeypatch.setattr(widgets, "display", lambda *a: None)
    p = tmp_path / "answers.csv"
    p.write_bytes(b"\xff\xfe not ours")
    box = widgets.listening_test([{"human": c_major_scale, "machine": c_major_scale, "source": "lstm"}], p)
    status, start, _, buttons = box.children
    start.click()
    buttons.children[0].click()
    assert status.value.startswith("<b>cannot save the answer</b>") and "answers.csv" in status.value
    assert p.read_bytes() == b"\xff\xfe not ours"
