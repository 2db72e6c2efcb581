"""Tests of fine-tuning a melody network on the corpus it is judged on (musiclib.models.finetune)."""

from __future__ import annotations

import numpy as np
import pytest

from musiclib.errors import CheckpointError, ConfigError, DataError
from musiclib.models.finetune import FineTuneRecipe, fine_tune, fine_tune_checkpoint
from musiclib.models.melody import LSTMConfig, MelodyData, MelodyLSTM, build_lstm, evaluate, save_melody_lstm
from musiclib.models.transformer import MelodyTransformer, TransformerConfig, build_transformer
from musiclib.representation import MelodyVocabulary

SMALL = MelodyVocabulary(60, 72)
TINY_LSTM = LSTMConfig(embed_dim=6, position_dim=3, units=(8,), dropout=0.0, window=16, batch_size=4,
                       epochs=1, patience=1, transpose=(0, 0))
TINY_TRANSFORMER = TransformerConfig(d_model=16, layers=1, heads=2, ff_dim=16, dropout=0.0, window=16, batch_size=4)


def _tune(pattern: list[int], n: int = 8, bars: int = 4) -> MelodyData:
    """n copies of a one-bar pattern repeated ``bars`` times: a style the fine-tuning can learn."""
    tokens = [np.tile(pattern, bars) for _ in range(n)]
    return MelodyData(tokens, [np.arange(len(t)) % 16 for t in tokens], [str(i) for i in range(n)], SMALL)


STYLE = [2, 1, 1, 1, 6, 1, 1, 1, 9, 1, 5, 1, 4, 1, 1, 1]


def _lstm(seed: int = 0) -> MelodyLSTM:
    from musiclib.config import seed_everything

    seed_everything(seed)
    return MelodyLSTM(build_lstm(SMALL, TINY_LSTM), SMALL, TINY_LSTM, record={"seed": seed})


@pytest.mark.parametrize("network", ["lstm", "transformer"])
def test_fine_tuning_keeps_the_best_validation_epoch_and_leaves_the_input_alone(network):
    from musiclib.config import seed_everything

    seed_everything(0)
    model = _lstm() if network == "lstm" else MelodyTransformer(
        build_transformer(SMALL, TINY_TRANSFORMER), SMALL, TINY_TRANSFORMER)
    before = [w.copy() for w in model.keras_model.get_weights()]
    data = _tune(STYLE)
    result = fine_tune(model, data, data, FineTuneRecipe(learning_rate=0.01, epochs=3, patience=3), seed=1)
    for a, b in zip(before, model.keras_model.get_weights(), strict=True):  # the input is not changed
        np.testing.assert_array_equal(a, b)
    curve = result.valid_bits_per_step
    assert len(curve) == 4 and curve[0] == pytest.approx(evaluate(model, data)["bits_per_step"], abs=1e-9)
    assert result.best_epoch == int(np.argmin(curve)) and result.best_epoch > 0  # the style is learnable
    assert evaluate(result.model, data)["bits_per_step"] == pytest.approx(min(curve), abs=1e-6)
    assert type(result.model) is type(model) and result.model.keras_model is not model.keras_model
    entry = result.model.record["fine_tune"]
    assert entry["best_epoch"] == result.best_epoch and entry["seed"] == 1
    assert entry["recipe"] == {"learning_rate": 0.01, "epochs": 3, "patience": 3}
    assert result.cpu_seconds > 0


def test_fine_tuning_stops_after_patience_and_keeps_the_input_weights_if_nothing_improves():
    model = _lstm()
    data = _tune(STYLE)
    # a learning rate so small that no epoch changes the score by the required 1e-4 bits
    result = fine_tune(model, data, data, FineTuneRecipe(learning_rate=1e-12, epochs=5, patience=2), seed=0)
    assert result.best_epoch == 0 and len(result.valid_bits_per_step) == 3
    for a, b in zip(model.keras_model.get_weights(), result.model.keras_model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_default_learning_rate_is_a_third_of_the_networks_own():
    recipe = FineTuneRecipe()
    assert recipe.rate_for(_lstm()) == pytest.approx(TINY_LSTM.learning_rate / 3)
    assert recipe.rate_for(MelodyTransformer(None, SMALL, TINY_TRANSFORMER)) == pytest.approx(1e-3 / 3)
    assert FineTuneRecipe(learning_rate=0.05).rate_for(_lstm()) == 0.05
    result = fine_tune(_lstm(), _tune(STYLE), _tune(STYLE), FineTuneRecipe(epochs=1), seed=0)
    assert result.model.record["fine_tune"]["learning_rate"] == pytest.approx(TINY_LSTM.learning_rate / 3)


def test_fine_tuning_is_repeatable_with_a_seed():
    data = _tune(STYLE)
    recipe = FineTuneRecipe(learning_rate=0.01, epochs=2, patience=2)
    a = fine_tune(_lstm(), data, data, recipe, seed=3)
    b = fine_tune(_lstm(), data, data, recipe, seed=3)
    assert a.valid_bits_per_step == b.valid_bits_per_step


@pytest.mark.parametrize("kwargs, word", [({"learning_rate": 0}, "learning_rate"), ({"learning_rate": 2.0},
                                          "learning_rate"), ({"epochs": 0}, "epochs"), ({"patience": 1.5}, "patience"),
                                          ({"learning_rate": float("nan")}, "learning_rate")])
def test_bad_recipes_are_named(kwargs, word):
    with pytest.raises(ConfigError, match=word):
        FineTuneRecipe(**kwargs)


def test_bad_inputs_are_named():
    data = _tune(STYLE)
    with pytest.raises(DataError, match="'model'"):
        fine_tune("not a model", data, data)
    with pytest.raises(DataError, match="'valid'.*vocabulary"):
        other = MelodyVocabulary(48, 96)
        fine_tune(_lstm(), data, MelodyData([np.array([2, 1])], [np.arange(2)], ["x"], other))
    with pytest.raises(DataError, match="'train' holds no melodies"):
        fine_tune(_lstm(), MelodyData([], [], [], SMALL), data)
    with pytest.raises(DataError, match="'train' must be MelodyData"):
        fine_tune(_lstm(), [[2, 1]], data)


def test_a_fine_tuned_checkpoint_is_not_fine_tuned_again(tmp_path):
    vocab = MelodyVocabulary()  # the course's, which the loader expects
    model = MelodyLSTM(build_lstm(vocab, TINY_LSTM), vocab, TINY_LSTM, record={"seed": 0, "fine_tune": {}})
    path = save_melody_lstm(model, tmp_path / "tuned.keras")
    with pytest.raises(CheckpointError, match="already fine-tuned"):
        fine_tune_checkpoint("lstm", tmp_path / "again.keras", source=path)
    assert not (tmp_path / "again.keras").exists()
    with pytest.raises(ConfigError, match="'kind'"):
        fine_tune_checkpoint("gru", tmp_path / "x.keras", source=path)


def test_the_command_checks_its_arguments_before_loading_anything(tmp_path, capsys):
    from musiclib.train import main

    assert main(["finetune", "lstm", "--from", str(tmp_path / "missing.keras"), "--out",
                 str(tmp_path / "o.keras")]) == 1
    assert "'--from'" in capsys.readouterr().err
    assert main(["finetune", "lstm", "--from", str(tmp_path / "missing.keras"), "--ship"]) == 1
    assert not (tmp_path / "o.keras").exists()


# --------------------------------------------------------------------------- the shipped checkpoints
@pytest.mark.parametrize("network", ["lstm", "transformer"])
def test_shipped_networks_are_fine_tuned_and_record_both_stages(network):
    from musiclib.models.melody import load_melody_lstm
    from musiclib.models.transformer import load_melody_transformer

    record = (load_melody_lstm() if network == "lstm" else load_melody_transformer()).record
    entry = record["fine_tune"]
    assert entry["recipe"] == FineTuneRecipe().to_dict() and entry["best_epoch"] >= 1
    assert len(entry["valid_bits_per_step"]) == entry["epochs_run"] + 1
    assert entry["valid_bits_per_step"][entry["best_epoch"]] == min(entry["valid_bits_per_step"])
    assert record["command"] == f"{record['pretrain_command']} && python -m musiclib.train finetune {network} --ship"
    tuned, pre = record["test_metrics"][network], record["test_metrics"][f"{network}_pretrained"]
    assert tuned["steps"] == pre["steps"] and tuned["bits_per_step"] < pre["bits_per_step"]
