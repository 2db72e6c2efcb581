"""Tests of the GAN mode-collapse demo: g_steps, the detector, packed bars, the record and its command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from musiclib.errors import CheckpointError, FileExistsNoOverwriteError, RepresentationError, ShapeError
from musiclib.features import set_diversity, unique_rate
from musiclib.models import gan as G

TINY = G.GANRecipe(z_dim=4, g_filters=(4, 4, 2), d_filters=(4, 4), batch_size=8, epochs=1)


# --------------------------------------------------------------------------- g_steps
def test_g_steps_makes_that_many_generator_updates_per_discriminator_update():
    recipe = G.GANRecipe(**{**TINY.to_dict(), "g_steps": 3})
    gan = G.make_gan(recipe, seed=0)
    data = (np.random.default_rng(0).random((16, 16, 48)) < 0.1).astype(np.float32)
    _ = G.fit_gan(gan, data, epochs=1, batch_size=8, seed=0)   # 2 batches
    assert int(gan.d_optimizer.iterations) == 2
    assert int(gan.g_optimizer.iterations) == 6


def test_g_steps_below_one_is_refused():
    with pytest.raises(RepresentationError, match="'g_steps'"):
        G.GAN(G.build_generator(TINY), G.build_discriminator(TINY), z_dim=4, g_steps=0)


def test_collapse_recipes_differ_from_the_shipped_one_only_in_the_generator_speed():
    recipes = G.collapse_demo_recipes()
    fixed, collapsed = recipes["fixed"].to_dict(), recipes["collapsed"].to_dict()
    assert fixed == G.GANRecipe().to_dict()
    assert {k for k in fixed if fixed[k] != collapsed[k]} == {"g_steps", "lr_g"}
    assert collapsed["g_steps"] == 5 and collapsed["lr_g"] == pytest.approx(10 * fixed["lr_g"])


# --------------------------------------------------------------------------- the detector
def test_detect_collapse_flags_the_first_low_diversity_point():
    assert G.detect_collapse([100, 80, 40, 30], [1, 1, 1, 1], 100) == 2
    assert G.detect_collapse([100, 80, 40, 30], [1, 1, 1, 1], 100, diversity_ratio=0.85) == 1


def test_detect_collapse_flags_a_low_unique_rate_even_with_high_diversity():
    assert G.detect_collapse([100, 90, 95], [1.0, 0.3, 1.0], 100) == 1


def test_detect_collapse_returns_none_for_a_healthy_run():
    assert G.detect_collapse([62, 83, 97], [1.0, 1.0, 0.99], 99.4) is None


def test_detect_collapse_refuses_curves_of_different_lengths():
    with pytest.raises(ShapeError, match="'unique_rates'"):
        G.detect_collapse([1, 2, 3], [1, 1], 10)


def test_detect_collapse_refuses_a_zero_data_diversity():
    with pytest.raises(RepresentationError, match="'data_diversity'"):
        G.detect_collapse([1.0], [1.0], 0.0)


# --------------------------------------------------------------------------- packed bars
def test_pack_rolls_by_hand():
    bar = np.zeros((1, 16, 48), dtype=np.uint8)
    bar[0, 0, 0] = 1          # the first cell -> the top bit of the first byte
    bar[0, 15, 47] = 1        # the last cell -> the low bit of the last byte
    code = G.pack_rolls(bar)[0]
    assert len(code) == 192 and code == "80" + "00" * 94 + "01"


def test_pack_unpack_round_trip():
    bars = (np.random.default_rng(3).random((7, 16, 48)) < 0.2).astype(np.uint8)
    back = G.unpack_rolls(G.pack_rolls(bars))
    assert back.dtype == np.uint8 and np.array_equal(back, bars)


def test_unpack_refuses_bad_hex_a_wrong_length_and_nothing():
    with pytest.raises(RepresentationError, match=r"'codes'\[0\]"):
        G.unpack_rolls(["zz" * 96])
    with pytest.raises(RepresentationError, match="95 bytes"):
        G.unpack_rolls(["00" * 95])
    with pytest.raises(ShapeError, match="'codes'"):
        G.unpack_rolls([])


def test_pack_refuses_a_non_binary_roll():
    with pytest.raises(RepresentationError, match="'bars'"):
        G.pack_rolls(np.full((1, 16, 48), 0.5))


# --------------------------------------------------------------------------- the record
@pytest.fixture(scope="module")
def small_record():
    data = (np.random.default_rng(0).random((64, 16, 48)) < 0.08).astype(np.uint8)
    return G.run_collapse_demo(data, epochs=1, seeds=(0,), n_monitor=16, n_keep=4)


def test_run_collapse_demo_record_schema(small_record):
    rec = small_record
    assert rec["kind"] == "gan_collapse_demo" and rec["seeds"] == [0] and rec["epochs"] == 1
    assert set(rec["runs"]) == {"collapsed", "fixed"}
    entry = rec["runs"]["collapsed"]["seeds"]["0"]
    assert all(len(entry["history"][k]) == 1 for k in ("diversity", "unique_rate", "polyphony", "d_loss", "g_loss"))
    assert G.unpack_rolls(entry["bars"]).shape == (4, 16, 48)
    assert rec["runs"]["collapsed"]["recipe"]["g_steps"] == 5


def test_collapse_record_round_trip_and_refusal_to_overwrite(small_record, tmp_path):
    path = tmp_path / "c.json"
    G.save_comparison_record(small_record, path)
    assert G.load_collapse_record(path) == json.loads(json.dumps(small_record))
    before = path.read_text()
    with pytest.raises(FileExistsNoOverwriteError, match="c.json"):
        G.save_comparison_record(small_record, path)
    assert path.read_text() == before
    G.save_comparison_record(small_record, path, overwrite=True)


def test_save_comparison_record_refuses_a_record_of_another_kind(small_record, tmp_path):
    with pytest.raises(CheckpointError, match="gan_collapse_demo"):
        G.save_comparison_record({**small_record, "kind": "melody"}, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_load_collapse_record_refuses_missing_corrupt_and_incomplete_files(small_record, tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        G.load_collapse_record(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="bad.json"):
        G.load_collapse_record(tmp_path / "bad.json")
    broken = json.loads(json.dumps(small_record))
    del broken["runs"]["fixed"]["seeds"]["0"]["history"]["diversity"]
    (tmp_path / "inc.json").write_text(json.dumps(broken))
    with pytest.raises(CheckpointError, match="'fixed' seed 0"):
        G.load_collapse_record(tmp_path / "inc.json")


def test_train_command_refuses_to_overwrite_without_ship_or_overwrite(tmp_path, capsys):
    from musiclib.train import main

    if G.COLLAPSE_RECORD.exists():
        before = G.COLLAPSE_RECORD.read_bytes()
        assert main(["gan-collapse", "--out", str(G.COLLAPSE_RECORD), "--quiet"]) == 1
        assert "--ship" in capsys.readouterr().err
        assert G.COLLAPSE_RECORD.read_bytes() == before
    mine = tmp_path / "mine.json"
    mine.write_text("{}")
    assert main(["gan-collapse", "--out", str(mine), "--quiet"]) == 1
    assert "--overwrite" in capsys.readouterr().err and mine.read_text() == "{}"


# --------------------------------------------------------------------------- the shipped record
@pytest.fixture(scope="module")
def shipped_record():
    if not G.COLLAPSE_RECORD.exists():
        pytest.skip("no shipped collapse record yet (python -m musiclib.train gan-collapse --ship)")
    return G.load_collapse_record()


def test_shipped_collapse_record_has_two_seeds_and_its_command(shipped_record):
    rec = shipped_record
    assert len(rec["seeds"]) >= 2 and rec["command"].startswith("python -m musiclib.train gan-collapse")
    assert rec["data"]["file_sha256"] and rec["profile"] == "cpu"
    assert G.COLLAPSE_RECORD.stat().st_size < 300_000


def test_shipped_collapsed_runs_end_far_less_diverse_than_the_fixed_ones(shipped_record):
    rec = shipped_record
    data_div = rec["data_reference"]["diversity"]
    for seed in map(str, rec["seeds"]):
        bad = rec["runs"]["collapsed"]["seeds"][seed]
        good = rec["runs"]["fixed"]["seeds"][seed]
        assert bad["history"]["diversity"][-1] < 0.5 * good["history"]["diversity"][-1], seed
        assert bad["collapse_index"] is not None and good["collapse_index"] is None, seed
        assert good["history"]["diversity"][-1] > 0.6 * data_div, seed


def test_shipped_collapse_bars_are_consistent_with_the_curves(shipped_record):
    rec = shipped_record
    data_div = rec["data_reference"]["diversity"]
    for seed in map(str, rec["seeds"]):
        bad = G.unpack_rolls(rec["runs"]["collapsed"]["seeds"][seed]["bars"])
        good = G.unpack_rolls(rec["runs"]["fixed"]["seeds"][seed]["bars"])
        assert bad.shape == good.shape == (rec["n_keep"], 16, 48)
        assert set_diversity(bad) < 0.5 * set_diversity(good)
        assert set_diversity(good) > 0.6 * data_div and unique_rate(good) == 1.0


# --------------------------------------------------------------------------- the losses compared
def test_loss_comparison_recipes_change_only_the_loss():
    recipes = G.loss_comparison_recipes()
    assert set(recipes) == set(G.LOSSES)
    shipped = G.GANRecipe().to_dict()
    for loss, r in recipes.items():
        d = r.to_dict()
        assert d["loss"] == loss
        assert {k: v for k, v in d.items() if k != "loss"} == {k: v for k, v in shipped.items() if k != "loss"}


@pytest.fixture(scope="module")
def small_loss_record():
    rng = np.random.default_rng(1)
    train = (rng.random((64, 16, 48)) < 0.08).astype(np.uint8)
    heldout = (rng.random((32, 16, 48)) < 0.08).astype(np.uint8)
    return G.run_loss_comparison(train, heldout, epochs=1, seeds=(0,), n_monitor=16, n_eval=24, n_keep=2)


def test_loss_comparison_record_schema_and_round_trip(small_loss_record, tmp_path):
    rec = small_loss_record
    assert rec["kind"] == "gan_loss_comparison" and rec["n_eval"] == 24
    assert set(rec["runs"]) == {"bce", "hinge", "wgan-gp"}
    for loss, run in rec["runs"].items():
        assert run["recipe"]["loss"] == loss
        m = run["seeds"]["0"]["metrics"]
        assert {"qualified_note_rate", "scale_consistency", "diversity", "nn_distance"} <= set(m)
        assert "c2st_accuracy" not in m
        assert 0 <= m["unique_rate"] <= 1
    # the data row is the held-out bars themselves: no copies of training bars in random data
    assert rec["data_metrics"]["copy_rate"] == 0.0
    path = tmp_path / "losses.json"
    G.save_comparison_record(rec, path)
    assert G.load_loss_comparison(path) == json.loads(json.dumps(rec))
    with pytest.raises(CheckpointError, match="gan_loss_comparison"):
        G.load_collapse_record(path)


def test_loss_record_without_metrics_is_refused(small_loss_record, tmp_path):
    rec = json.loads(json.dumps(small_loss_record))
    del rec["runs"]["hinge"]["seeds"]["0"]["metrics"]
    with pytest.raises(CheckpointError, match="'hinge' seed 0 lacks its metrics"):
        G.save_comparison_record(rec, tmp_path / "l.json")
    assert not (tmp_path / "l.json").exists()


def test_gan_losses_command_refuses_the_shipped_record_without_ship(capsys):
    from musiclib.train import main

    before = G.LOSS_RECORD.read_bytes() if G.LOSS_RECORD.exists() else None
    assert main(["gan-losses", "--out", str(G.LOSS_RECORD), "--quiet"]) == 1
    assert "--ship" in capsys.readouterr().err
    assert (G.LOSS_RECORD.read_bytes() if G.LOSS_RECORD.exists() else None) == before
