"""One melody pipeline: melody_steps, octave folding, melody_data on folders, the MelodyModel protocol,
the n-gram with bar positions, and the train command's output rules."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from musiclib.datasets import list_music_files, split_of
from musiclib.errors import DataError, ShapeError, VocabularyError
from musiclib.models.melody import MELODY_RECIPE, MelodyRecipe, format_table, melody_data
from musiclib.models.ngram import NGramModel
from musiclib.notation import notes_to_midi
from musiclib.representation import (
    MelodyVocabulary,
    NoteList,
    fold_into_range,
    melody_steps,
)
from musiclib.sampling import MelodyModel, check_model, generate

SMALL = MelodyVocabulary(60, 72)  # 14 tokens


def test_melody_steps_tokens_and_positions_from_the_pickup():
    melody = NoteList.from_arrays([60, 62], [0, 1], [1, 0.5])  # a quarter, then an eighth
    tokens, positions = melody_steps(melody, SMALL, anacrusis=1.0, bar_quarters=2.0)
    assert tokens.tolist() == [2, 1, 1, 1, 4, 1]
    assert positions.tolist() == [4, 5, 6, 7, 0, 1]  # a 2-quarter bar is 8 steps; the pickup is 4


def test_fold_into_range_moves_by_octaves_and_counts():
    notes = NoteList.from_arrays([47, 60, 84, 95], [0, 1, 2, 3], [1, 1, 1, 1])
    folded, n = fold_into_range(notes, SMALL)
    assert folded.pitch.tolist() == [71, 60, 60, 71] and n == 3
    same, n0 = fold_into_range(NoteList.from_arrays([61], [0], [1]), SMALL)
    assert n0 == 0 and same.pitch.tolist() == [61]


def test_fold_into_a_range_narrower_than_an_octave_is_refused():
    with pytest.raises(VocabularyError, match="pitch 51 cannot be moved"):
        fold_into_range(NoteList.from_arrays([51], [0], [1]), MelodyVocabulary(48, 50))


def test_one_lister_for_both_folder_readers(tmp_path):
    (tmp_path / "b.MID").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.midi").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in list_music_files(tmp_path)] == ["b.MID", "sub/a.midi"]
    assert [p.name for p in list_music_files(tmp_path, recursive=False)] == ["b.MID"]


def test_melody_data_of_a_folder_reports_skipped_and_folded_files(tmp_path):
    notes_to_midi(NoteList.from_arrays([60, 84], [0, 1], [1, 1]), tmp_path / "high.mid")
    notes_to_midi(NoteList.from_arrays([62, 64], [0, 1], [1, 1]), tmp_path / "plain.mid")
    (tmp_path / "broken.mid").write_bytes(b"not midi")
    data = melody_data(tmp_path, None, SMALL)
    assert data.ids == ["high.mid", "plain.mid"]
    assert data.folded == {"high.mid": 1}
    assert list(data.skipped) == ["broken.mid"] and "not a MIDI file" in data.skipped["broken.mid"]
    text = data.describe().splitlines()
    assert text[0].startswith("2 melodies, 16 steps; 1 file(s) skipped, 1 moved by octaves")
    assert "  folded high.mid: 1 note(s) moved by octaves" in text


def test_melody_data_of_a_corpus_needs_a_split():
    from musiclib.datasets import Corpus

    with pytest.raises(DataError, match="'split' is required"):
        melody_data(Corpus(name="x", pieces=[], manifest={}), None, SMALL)


def test_ngram_and_lstm_are_melody_models():
    ngram = NGramModel.fit([[2, 1, 3, 1]], 2, SMALL)
    assert isinstance(ngram, MelodyModel)
    with pytest.raises(ShapeError, match="argument 'model' is a str; expected a melody model"):
        generate("not a model", [2], 4)
    assert check_model(ngram) is ngram


def _hand_counts():
    # two bars of 4 steps: a note-on (2) on every downbeat, holds elsewhere
    seqs = [np.array([2, 1, 1, 1, 2, 1, 1, 1])]
    pos = [np.array([0, 1, 2, 3, 0, 1, 2, 3])]
    return seqs, pos


def test_unigram_with_positions_by_hand():
    seqs, pos = _hand_counts()
    vocab = MelodyVocabulary(60, 92)  # 34 tokens >= 32 positions
    m = NGramModel.fit(seqs, 1, vocab, discount=0.5, positions=pos)
    assert m.name == "ngram_1_pos" and m.uses_positions
    V = vocab.size
    # level 1 (no context): continuation counts = number of distinct positions before each token:
    # token 2 after position 0 only -> 1; hold after positions 1, 2, 3 -> 3; total 4, 2 types
    p1 = np.full(V, 0.5 * 2 / 4 / V)
    p1[2] += (1 - 0.5) / 4
    p1[1] += (3 - 0.5) / 4
    # level 2, context = position 0: token 2 seen twice, one type
    expected = p1 * 0.5 * 1 / 2
    expected[2] += (2 - 0.5) / 2
    np.testing.assert_allclose(m.next_probs([], position=0), expected)
    np.testing.assert_allclose(m.next_probs([], position=0).sum(), 1.0)
    lp = m.log_probs(seqs[0], pos[0])
    assert lp[0].argmax() == 2 and lp[1].argmax() == 1


def test_ngram_with_positions_needs_them():
    seqs, pos = _hand_counts()
    m = NGramModel.fit(seqs, 2, MelodyVocabulary(60, 92), positions=pos)
    with pytest.raises(ShapeError, match="ngram_2_pos.*one bar position per step"):
        m.log_probs(seqs[0])
    with pytest.raises(ShapeError, match="vocabulary of at least 32"):
        NGramModel.fit(seqs, 2, SMALL, positions=pos)


def test_recipe_is_public_and_documented():
    assert isinstance(MELODY_RECIPE, MelodyRecipe)
    d = MELODY_RECIPE.to_dict()
    assert d["lstm"]["transpose"] == [0, 0] and d["to_c"] is True and d["folk"] == ["oneills", "han"]


def test_format_table_rows():
    row = {"bits_per_step": 1.0, "accuracy": 0.5, "event_accuracy": 0.25}
    lines = format_table({"ngram_9_pos": row}).splitlines()
    assert lines[1].split() == ["ngram_9_pos", "1.000", "0.500", "0.250"]


# --------------------------------------------------------------------------- the train command
def _names_covering_every_split(n_each: int = 2) -> list[str]:
    names, seen = [], {"train": 0, "valid": 0, "test": 0}
    for i in range(500):
        name = f"tune{i:03d}.mid"
        s = split_of(name)
        if seen[s] < n_each:
            names.append(name)
            seen[s] += 1
        if min(seen.values()) >= n_each:
            return names
    raise AssertionError("no split coverage")


def _tiny_folder(folder):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in _names_covering_every_split():
        pitches = rng.integers(60, 72, 24)
        notes_to_midi(NoteList.from_arrays(pitches, np.arange(24.0) / 2, np.full(24, 0.5)), folder / name)
    (folder / "broken.mid").write_bytes(b"not midi")
    return folder


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_train_midi_folder_without_out_leaves_the_shipped_checkpoint_alone(tmp_path, monkeypatch, capsys):
    from musiclib.pretrained import MELODY_LSTM, record_path
    from musiclib.train import main

    folder = _tiny_folder(tmp_path / "mine")
    before = (_digest(MELODY_LSTM), _digest(record_path(MELODY_LSTM)))
    monkeypatch.chdir(tmp_path)
    assert main(["melody", "--midi-folder", str(folder), "--profile", "ci", "--epochs", "1"]) == 0
    assert (_digest(MELODY_LSTM), _digest(record_path(MELODY_LSTM))) == before
    assert (tmp_path / "melody_lstm_mine.keras").exists() and (tmp_path / "melody_lstm_mine.json").exists()
    out = capsys.readouterr().out
    assert "1 file(s) skipped" in out and "skipped broken.mid: file is not a MIDI file" in out
    # a second run refuses to replace the user's file, unless told to
    assert main(["melody", "--midi-folder", str(folder), "--profile", "ci", "--epochs", "1"]) == 1
    assert "exists; pass --overwrite" in capsys.readouterr().err


def test_train_refuses_a_shipped_path_given_as_out(tmp_path, capsys):
    from musiclib.pretrained import MELODY_LSTM
    from musiclib.train import main

    folder = _tiny_folder(tmp_path / "mine")
    before = _digest(MELODY_LSTM)
    assert main(["melody", "--midi-folder", str(folder), "--profile", "ci", "--out", str(MELODY_LSTM),
                 "--overwrite"]) == 1
    assert "inside the package's checkpoint folder" in (err := capsys.readouterr().err) and "only --ship" in err
    assert _digest(MELODY_LSTM) == before
