import json
import shutil

import numpy as np
import pytest

from musiclib import datasets
from musiclib.datasets import (
    SPLITS,
    load_chorale_bars,
    load_chorales,
    load_corpus,
    load_folk,
    load_midi_folder,
    read_manifest,
    split_of,
    tune_groups,
)
from musiclib.errors import DataError, DatasetIntegrityError
from musiclib.notation import notes_to_midi
from musiclib.representation import MelodyVocabulary, NoteList


@pytest.fixture(scope="module")
def chorales():
    return load_chorales()


def test_split_is_a_pure_function_of_the_id():
    assert split_of("bach/bwv347") == split_of("bach/bwv347")
    shares = [split_of(f"piece{i}") for i in range(3000)]
    assert 0.77 < shares.count("train") / 3000 < 0.83
    assert 0.08 < shares.count("test") / 3000 < 0.12


def test_chorales_are_four_part_and_deduplicated(chorales):
    ids = [p.id for p in chorales]
    assert len(ids) == len(set(ids))
    assert 300 <= len(chorales) <= 350
    assert all(sorted(set(p.notes.part.tolist())) == [0, 1, 2, 3] for p in chorales)


def test_every_piece_is_in_the_hashed_split_of_its_tune(chorales):
    for p in chorales:
        assert p.split == split_of(p.tune)
    sizes = [len(chorales.split(s)) for s in SPLITS]
    assert sum(sizes) == len(chorales)


def test_manifest_counts_match_the_data(chorales):
    entry = read_manifest()["files"]["chorales.npz"]
    assert entry["counts"]["pieces"] == len(chorales)
    assert entry["counts"]["notes"] == sum(len(p.notes) for p in chorales)
    assert entry["counts"]["test_pieces"] == len(chorales.split("test"))
    assert "public domain" in entry["license"]


def test_soprano_is_the_highest_part_on_average(chorales):
    piece = chorales["bach/bwv347"]
    means = [piece.notes.pitch[piece.notes.part == k].mean() for k in range(4)]
    assert means == sorted(means, reverse=True)


def test_known_chorale_key_and_meter(chorales):
    piece = chorales["bach/bwv347"]
    assert piece.key == "A major"
    assert piece.time_signature == "4/4"
    assert piece.anacrusis == 3.0  # a one-beat pickup
    assert piece.semitones_to_c() == 3  # A major -> C major, up a minor third


def test_melody_tokens_fit_vocabulary_and_decode(chorales):
    vocab = MelodyVocabulary()
    seqs = chorales.melody_tokens("valid", vocab)
    assert len(seqs) > 20
    assert all(s.min() >= 0 and s.max() < vocab.size for s in seqs)
    # about three quarters of chorale steps are holds (see NOTES)
    holds = np.concatenate(seqs) == vocab.HOLD
    assert 0.6 < holds.mean() < 0.85


def test_key_normalisation_puts_tonic_on_c_or_a(chorales):
    seqs = chorales.melody_tokens("test", to_c=True)
    assert len(seqs) == len([p for p in chorales.split("test") if p.on_grid])


def test_two_harmonisations_of_one_tune_share_a_split(chorales):
    # BWV 10.7 and BWV 324 set the same hymn tune ("Meine Seele erhebt den Herren")
    a, b = chorales["bach/bwv10.7"], chorales["bach/bwv324"]
    assert a.tune == b.tune == "bach/bwv10.7"
    assert a.split == b.split


def test_no_tune_crosses_splits(chorales):
    splits_of_tune = {}
    for p in chorales:
        splits_of_tune.setdefault(p.tune, set()).add(p.split)
    assert all(len(s) == 1 for s in splits_of_tune.values())
    # 123 of 331 pieces join another piece's group (208 tunes) since shared 12-note runs link too
    assert 100 <= sum(1 for p in chorales if p.tune != p.id) <= 140


def test_tune_groups_ignore_key_and_rhythm():
    tune = [60, 62, 64, 65, 67, 65, 64, 62, 60, 59, 60, 64, 62]
    other = [60, 67, 65, 64, 62, 64, 65, 67, 69, 71, 72, 67, 60]
    a = NoteList.from_arrays(tune, np.arange(13.0), np.ones(13))
    b = NoteList.from_arrays(np.array(tune) + 5, np.arange(13) * 0.5, np.full(13, 0.5))  # new key and rhythm
    c = NoteList.from_arrays(other, np.arange(13.0), np.ones(13))
    assert tune_groups(["x", "a", "c"], [b, a, c]) == ["a", "a", "c"]


def test_tune_groups_length_mismatch_is_named():
    with pytest.raises(DataError, match="'ids' and 'melodies'"):
        tune_groups(["a"], [])


def test_chorale_bars_shape_and_polyphony():
    bars = load_chorale_bars()
    assert bars.rolls.shape[1:] == (16, 48)
    assert bars.rolls.dtype == np.uint8
    voices = bars.rolls.sum(axis=2)
    assert 3.5 < voices[voices > 0].mean() <= 4.0
    assert len(bars.of_split("train")) > len(bars.of_split("test"))


@pytest.mark.parametrize("name", ["oneills", "han", "german"])
def test_folk_collections_are_monophonic_tunes(name):
    corpus = load_folk(name)
    assert len(corpus) > 500
    mono = np.mean([p.notes.is_monophonic() for p in corpus])
    assert mono > 0.95


def test_german_corpus_holds_the_seven_essen_files_split_by_tune():
    corpus = load_folk("german")
    files = {p.id.split("/")[1].rsplit("-", 1)[0] for p in corpus}
    assert files == set(datasets.GERMAN_FILES)
    assert 1150 <= len(corpus) <= 1300  # 1,261 tunes in the seven files, minus any without notes
    assert "non-commercial" in corpus.manifest["license"]
    assert "24 notes" in corpus.manifest["split"]
    by_tune: dict[str, set[str]] = {}
    for p in corpus:
        by_tune.setdefault(p.tune, set()).add(p.split)
    assert all(len(s) == 1 for s in by_tune.values())  # no tune straddles two splits
    assert 0.7 < len(corpus.split("train")) / len(corpus) < 0.9


def test_load_folk_names_the_known_collections():
    with pytest.raises(DataError, match="'welsh'.*german"):
        load_folk("welsh")


def test_unknown_corpus_is_named():
    with pytest.raises(DataError, match="'bach'"):
        load_corpus("bach")


@pytest.fixture
def data_copy(tmp_path):
    src = datasets.data_dir()
    for name in ("manifest.json", "chorales.npz"):
        shutil.copy(src / name, tmp_path / name)
    return tmp_path


def test_tampered_file_gives_integrity_error_with_rebuild_hint(data_copy):
    path = data_copy / "chorales.npz"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetIntegrityError, match="chorales.npz.*make data"):
        load_chorales(data_copy)


def test_missing_file_names_it(data_copy):
    (data_copy / "chorales.npz").unlink()
    with pytest.raises(DataError, match="chorales.npz.*missing.*make data"):
        load_chorales(data_copy)


def test_missing_manifest_says_how_to_rebuild(tmp_path):
    with pytest.raises(DataError, match="no dataset manifest.*make data"):
        load_chorales(tmp_path)


def test_manifest_from_another_builder_version(data_copy):
    m = json.loads((data_copy / "manifest.json").read_text())
    m["builder_version"] = 0
    (data_copy / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(DatasetIntegrityError, match="builder version"):
        load_chorales(data_copy)


def test_build_writes_npz_without_pickle_and_a_manifest(tmp_path, monkeypatch):
    from music21 import corpus

    class FewChorales:
        def __init__(self, returnType):
            pass

        def __iter__(self):
            return iter(["bach/bwv347", "bach/bwv269", "bach/bwv347"])  # a repeat, as music21 does

    monkeypatch.setattr(corpus.chorales, "Iterator", FewChorales)
    manifest = datasets.build(tmp_path, only=["chorales"], progress=False)
    assert manifest["files"]["chorales.npz"]["counts"]["pieces"] == 2
    with np.load(tmp_path / "chorales.npz", allow_pickle=False) as data:
        assert "pitch" in data.files
    small = load_chorales(tmp_path)
    assert [p.id for p in small] == ["bach/bwv269", "bach/bwv347"]
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_midi_folder_reads_good_files_and_reports_bad_ones(tmp_path):
    good = NoteList.from_arrays([60, 62, 64], [0, 1, 2], [1, 1, 1])
    notes_to_midi(good, tmp_path / "good.mid")
    (tmp_path / "sub").mkdir()
    notes_to_midi(good.transpose(2), tmp_path / "sub" / "also.MID")
    (tmp_path / "empty.mid").write_bytes(b"")
    (tmp_path / "noise.mid").write_bytes(b"\x00\x01garbage" * 10)
    (tmp_path / "cut.mid").write_bytes((tmp_path / "good.mid").read_bytes()[:30])
    (tmp_path / "notes.txt").write_text("not music")
    report = load_midi_folder(tmp_path)
    assert sorted(report.pieces) == ["good.mid", "sub/also.MID"]
    assert report.pieces["good.mid"] == good
    assert set(report.skipped) == {"empty.mid", "noise.mid", "cut.mid"}
    assert "empty" in report.skipped["empty.mid"]
    assert "not a MIDI file" in report.skipped["noise.mid"]
    assert "truncated" in report.skipped["cut.mid"]
    assert "skipped cut.mid" in report.describe()


def test_midi_folder_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_midi_folder(tmp_path / "nowhere")
    with pytest.raises(DataError, match="holds no files"):
        load_midi_folder(tmp_path)


def test_verify_command_reports_a_missing_manifest(tmp_path, capsys):
    assert datasets._main(["verify", "--folder", str(tmp_path)]) == 1
    assert "no dataset manifest" in capsys.readouterr().err


def test_verify_prepared_checks_every_manifest_file(data_copy):
    m = json.loads((data_copy / "manifest.json").read_text())
    m["files"] = {"chorales.npz": m["files"]["chorales.npz"]}
    (data_copy / "manifest.json").write_text(json.dumps(m))
    assert datasets.verify_prepared(data_copy) == ["chorales.npz"]
    (data_copy / "chorales.npz").write_bytes(b"damaged")
    with pytest.raises(DatasetIntegrityError, match="chorales.npz"):
        datasets.verify_prepared(data_copy)


def test_tune_groups_link_a_shared_run_of_notes_even_when_the_rest_differs():
    run = [60, 62, 64, 65, 67, 65, 64, 62, 60, 59, 60, 62]  # 12 notes, in quarters
    a = NoteList.from_arrays(run + [72, 71, 69, 67, 65, 64, 62, 60], range(20), [1] * 20)
    b = NoteList.from_arrays([50, 52, 53, 55, 57, 59, 60, 62] + [p + 5 for p in run], range(20), [1] * 20)
    c = NoteList.from_arrays([p + 5 for p in run[:11]] + [40] * 9, range(20), [1] * 20)  # only 11 notes shared
    ids = ["a", "b", "c"]
    assert tune_groups(ids, [a, b, c], overlap=1.0) == ["a", "b", "c"]  # pattern overlap alone: no link
    assert tune_groups(ids, [a, b, c], overlap=1.0, run_notes=12) == ["a", "a", "c"]


def test_tune_groups_run_needs_the_same_durations():
    run = [60, 62, 64, 65, 67, 65, 64, 62, 60, 59, 60, 62]
    a = NoteList.from_arrays(run, range(12), [1] * 12)
    b = NoteList.from_arrays(run, np.arange(12) * 0.5, [0.5] * 12)
    assert tune_groups(["a", "b"], [a, b], overlap=1.0, run_notes=12) == ["a", "b"]


def test_tune_groups_reject_a_run_shorter_than_two_notes():
    with pytest.raises(DataError, match="run_notes"):
        tune_groups(["a"], [NoteList.from_arrays([60], [0], [1])], run_notes=1)


def _note_runs(melody, n):
    """Independent of musiclib: runs of n notes as (n - 1 intervals, n durations)."""
    p, d = melody.pitch.astype(int), np.round(melody.duration * 48).astype(int)
    iv = np.diff(p)
    return {(tuple(iv[i:i + n - 1]), tuple(d[i:i + n])) for i in range(len(p) - n + 1)}


@pytest.mark.parametrize("name,n_notes", [("chorales", 12), ("oneills", 24), ("han", 24)])
def test_no_test_melody_shares_three_bars_with_training_or_validation(name, n_notes):
    corpus = load_corpus(name)
    seen = set().union(*(_note_runs(p.melody, n_notes) for p in corpus if p.split != "test"))
    leaking = [p.id for p in corpus if p.split == "test" and _note_runs(p.melody, n_notes) & seen]
    assert leaking == []
