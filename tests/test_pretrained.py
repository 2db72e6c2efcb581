"""Tests of the shipped melody checkpoint and of checkpoint loading errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from musiclib.datasets import load_chorales
from musiclib.errors import CheckpointError, MusicLibError
from musiclib.models.melody import evaluate, load_melody_lstm, melody_data
from musiclib.pretrained import MELODY_LSTM, read_record, record_path
from musiclib.representation import MelodyVocabulary
from musiclib.sampling import generate


@pytest.fixture(scope="module")
def shipped():
    return load_melody_lstm()


def test_record_names_models_and_metrics():
    record = read_record(MELODY_LSTM)
    metrics = record["test_metrics"]
    assert "lstm" in metrics and record["best_ngram"] in metrics and "ngram_5" in metrics
    for name in ("lstm", record["best_ngram"]):
        assert {"bits_per_step", "accuracy", "event_accuracy"} <= set(metrics[name])
    assert record["command"].startswith("python -m musiclib.train melody")
    assert record["command"].endswith("--ship")  # only an explicit --ship writes the shipped file
    assert record["seed"] >= 0 and record["profile"] in ("ci", "cpu", "full")
    assert record["vocab"] == MelodyVocabulary().to_dict()


def test_record_matches_the_dataset_it_was_trained_on():
    from musiclib.pretrained import manifest_entry_hash

    corpus = load_chorales()
    assert read_record(MELODY_LSTM)["data"]["manifest_entry_sha256"] == manifest_entry_hash(corpus.manifest)


def _to_c(record: dict) -> bool:
    """Whether the checkpoint's data were moved to C major / A minor (older records: no)."""
    return bool(record["data"].get("to_c", False))


def test_record_describes_the_split_and_the_data_recipe():
    record = read_record(MELODY_LSTM)
    assert record["data"]["split"] == load_chorales().manifest["split"]
    assert record["data"]["split"].startswith("by tune")
    assert isinstance(record["data"]["to_c"], bool)
    extra = record["data"]["lstm_extra_training"]
    assert extra["chorale_repeats"] >= 1 and set(extra["folk_train_splits"]) <= {"oneills", "han"}


def test_record_holds_the_bar_position_ablation():
    record = read_record(MELODY_LSTM)
    metrics = record["test_metrics"]
    for name in ("lstm_no_pos", f"{record['best_ngram']}_pos"):
        assert {"bits_per_step", "accuracy", "event_accuracy"} <= set(metrics[name]), name
    assert metrics["lstm_no_pos"]["steps"] == metrics["lstm"]["steps"]


def test_record_keeps_the_public_recipe():
    from musiclib.models.melody import MELODY_RECIPE

    assert read_record(MELODY_LSTM)["recipe"] == MELODY_RECIPE.to_dict()
    assert read_record(MELODY_LSTM)["config"] == MELODY_RECIPE.lstm.to_dict()


def test_saved_checkpoint_has_no_optimizer_state():
    assert MELODY_LSTM.stat().st_size < 1_200_000


def test_shipped_checkpoint_reproduces_its_recorded_test_metrics(shipped):
    test = melody_data(load_chorales(), "test", shipped.vocab, to_c=_to_c(shipped.record))
    got = evaluate(shipped, test)
    want = shipped.record["test_metrics"]["lstm"]
    for key in ("bits_per_step", "accuracy", "event_accuracy"):
        assert got[key] == pytest.approx(want[key], abs=1e-4), key
    assert got["steps"] == want["steps"]


def test_shipped_best_ngram_reproduces_its_recorded_test_metrics(shipped):
    from musiclib.models.ngram import NGramModel

    corpus = load_chorales()
    record = shipped.record
    rec = record["test_metrics"][record["best_ngram"]]
    train = melody_data(corpus, "train", shipped.vocab, to_c=_to_c(record))
    model = NGramModel.fit(train.tokens, int(record["best_ngram"].split("_")[1]), shipped.vocab,
                           discount=rec["discount"])
    got = evaluate(model, melody_data(corpus, "test", shipped.vocab, to_c=_to_c(record)))
    for key in ("bits_per_step", "accuracy", "event_accuracy"):
        assert got[key] == pytest.approx(rec[key], abs=1e-4), key


def test_shipped_ngram_with_bar_positions_reproduces_its_recorded_test_metrics(shipped):
    from musiclib.models.ngram import NGramModel

    corpus = load_chorales()
    record = shipped.record
    name = f"{record['best_ngram']}_pos"
    train = melody_data(corpus, "train", shipped.vocab, to_c=_to_c(record))
    model = NGramModel.fit(train.tokens, int(name.split("_")[1]), shipped.vocab,
                           discount=record["test_metrics"][name]["discount"], positions=train.positions)
    got = evaluate(model, melody_data(corpus, "test", shipped.vocab, to_c=_to_c(record)))
    for key in ("bits_per_step", "accuracy", "event_accuracy"):
        assert got[key] == pytest.approx(record["test_metrics"][name][key], abs=1e-4), key


def test_shipped_checkpoint_generates_reproducibly(shipped):
    primer = [40, 1, 1, 1, 38, 1, 1, 1]
    a = generate(shipped, primer, 32, temperature=0.9, top_p=0.95, seed=7)
    b = generate(shipped, primer, 32, temperature=0.9, top_p=0.95, seed=7)
    assert np.array_equal(a, b)
    shipped.vocab.check_tokens(a)


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="nowhere.keras"):
        load_melody_lstm(tmp_path / "nowhere.keras")


def _copy(tmp_path):
    dst = tmp_path / "m.keras"
    shutil.copy(MELODY_LSTM, dst)
    shutil.copy(record_path(MELODY_LSTM), record_path(dst))
    return dst


def test_corrupt_checkpoint_is_named(tmp_path):
    path = _copy(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(CheckpointError, match=r"m\.keras.*corrupt"):
        load_melody_lstm(path)


def test_corrupt_record_is_named(tmp_path):
    path = _copy(tmp_path)
    record_path(path).write_text("{not json", encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"m\.json.*not valid JSON"):
        load_melody_lstm(path)


def test_missing_record_is_named(tmp_path):
    path = _copy(tmp_path)
    record_path(path).unlink()
    with pytest.raises(CheckpointError, match=r"m\.json.*missing"):
        load_melody_lstm(path)


def test_checkpoint_of_another_vocabulary_is_refused_naming_both(tmp_path):
    with pytest.raises(CheckpointError, match=r"'low': 48.*'low': 36"):
        load_melody_lstm(MELODY_LSTM, MelodyVocabulary(36, 84))
    path = _copy(tmp_path)
    record = json.loads(record_path(path).read_text())
    record["vocab"] = MelodyVocabulary(48, 60).to_dict()
    record_path(path).write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match="predicts 50 tokens"):
        load_melody_lstm(path, MelodyVocabulary(48, 60))


def test_errors_are_musiclib_errors(tmp_path):
    assert issubclass(CheckpointError, MusicLibError)


def test_save_refuses_to_overwrite(tmp_path, shipped):
    from musiclib.errors import FileExistsNoOverwriteError

    path = tmp_path / "copy.keras"
    shipped.save(path)
    assert load_melody_lstm(path).record["test_metrics"] == shipped.record["test_metrics"]
    with pytest.raises(FileExistsNoOverwriteError, match="copy.keras"):
        shipped.save(path)
    with pytest.raises(CheckpointError, match=r"\.keras"):
        shipped.save(tmp_path / "model.h5")


@pytest.mark.parametrize("name, key", [("melody_lstm.keras", "lstm"), ("melody_transformer.keras", "transformer")])
def test_records_keep_three_seeds_with_their_mean_and_sd(name, key):
    """`seeds` (tools/seed_runs.py): the shipped run first, then the other seeds, and their summary."""
    record = read_record(MELODY_LSTM.parent / name)
    rows = record["seeds"]
    assert len(rows) >= 3 and len({r["seed"] for r in rows}) == len(rows)
    assert rows[0]["shipped"] and rows[0]["seed"] == record["seed"]
    assert rows[0]["test"] == {k: record["test_metrics"][key][k] for k in rows[0]["test"]}
    for row in rows[1:]:
        assert row["command"].startswith("python -m musiclib.train") and f"--seed {row['seed']}" in row["command"]
        assert row["epochs_run"] >= 1 and row["run_cpu_seconds"] > 0
    summary = record["seeds_summary"]
    assert summary["n"] == len(rows)
    for metric in ("bits_per_step", "event_accuracy"):
        values = np.array([r["test"][metric] for r in rows])
        assert summary[metric]["mean"] == pytest.approx(values.mean(), abs=1e-6)
        assert summary[metric]["sd"] == pytest.approx(values.std(ddof=1), abs=1e-6)
    assert record["seeds_command"].startswith("python tools/seed_runs.py --seeds")


@pytest.mark.parametrize("name, key", [("melody_lstm.keras", "lstm"), ("melody_transformer.keras", "transformer")])
def test_shipped_seed_records_name_the_command_of_their_row_without_machine_paths(name, key):
    """Each seed's shipped record says how it was made as its `seeds` row does, relative to the working folder."""
    record = read_record(MELODY_LSTM.parent / name)
    for row in record["seeds"][1:]:
        path = MELODY_LSTM.parent / f"melody_{key}_seed{row['seed']}.json"
        seed_record = json.loads(path.read_text(encoding="utf-8"))
        assert seed_record["command"] == row["command"]
        assert seed_record["seeds_command"] == record["seeds_command"]
        assert seed_record["seed"] == row["seed"]
        assert not any(word.startswith("/") for word in row["command"].split())


@pytest.mark.parametrize("name", ["melody_lstm.keras", "melody_transformer.keras"])
def test_records_state_process_cpu_seconds_of_training(name):
    record = read_record(MELODY_LSTM.parent / name)
    assert record["train_cpu_seconds"] > 0


def test_budget_record_trains_both_models_at_the_same_cpu_budgets():
    """melody_budgets.json (tools/budget_runs.py): both models at every budget with the same seeds, test metrics."""
    record = read_record(MELODY_LSTM.parent / "melody_budgets.json", required=("runs", "baseline", "commands"))
    assert record["commands"] and all(c.startswith("python tools/budget_runs.py") for c in record["commands"])
    runs = record["runs"]
    levels = sorted({r["budget_cpu_seconds"] for r in runs})
    assert len(levels) >= 3
    for b in levels:  # the same seeds for both models at each budget
        seeds = {m: sorted(r["seed"] for r in runs if r["model"] == m and r["budget_cpu_seconds"] == b)
                 for m in ("lstm", "transformer")}
        assert seeds["lstm"] == seeds["transformer"] and seeds["lstm"]
        assert len(set(seeds["lstm"])) == len(seeds["lstm"])
    for r in runs:
        assert r["command"].startswith("python -m musiclib.train") and f"{r['budget_cpu_seconds']:g}" in r["command"]
        assert f"--seed {r['seed']}" in r["command"]
        # a run stops after the epoch that passes its budget, or earlier on the validation patience
        assert r["epochs_run"] >= 1 and 0 < r["best_epoch"] <= r["epochs_run"]
        assert r["train_cpu_seconds"] > 0 and 0 < r["test"]["bits_per_step"] < 3
        assert 0 <= r["test"]["event_accuracy"] <= 1
    for m in ("lstm", "transformer"):  # for one seed, more CPU time gives more epochs
        for seed in {r["seed"] for r in runs}:
            mine = sorted((r for r in runs if r["model"] == m and r["seed"] == seed),
                          key=lambda r: r["budget_cpu_seconds"])
            assert [r["epochs_run"] for r in mine] == sorted(r["epochs_run"] for r in mine)
    assert record["baseline"]["name"].endswith("_pos") and 0 < record["baseline"]["bits_per_step"] < 3
