"""The training commands destroy nothing: arguments are checked before any data is loaded,
only --ship writes into musiclib/checkpoints/, a record beside --out is never replaced without
--overwrite, and Ctrl-C during --ship leaves the shipped pair exactly as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import musiclib
from musiclib.config import data_dir
from musiclib.errors import ConfigError, FileExistsNoOverwriteError
from musiclib.pretrained import CHECKPOINT_DIR, is_shipped, save_keras_checkpoint
from musiclib.train import Output, check_epochs, main, plan_output, staged

PACKAGE = Path(musiclib.__file__).resolve().parent


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shipped_hashes() -> dict[str, str]:
    return {p.name: sha(p) for p in sorted(CHECKPOINT_DIR.iterdir()) if p.is_file()}


def run_main(argv: list[str], capsys) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    rc = main(argv)
    return rc, capsys.readouterr().err, time.perf_counter() - t0


# --------------------------------------------------------------------------- bad arguments, refused at once
@pytest.mark.parametrize("argv, culprit", [
    (["melody", "--epochs", "-1"], "'--epochs' is -1"),
    (["melody", "--epochs", "0", "--out", "x.keras"], "'--epochs' is 0"),
    (["gan", "--epochs", "-3", "--out", "g.keras"], "'--epochs' is -3"),
    (["gan", "--seeds", "1", "1", "--out", "g.keras"], "expected distinct seeds"),
    (["gan-dcgan", "--epochs", "0", "--out", "g.keras"], "'--epochs' is 0"),
    (["gan-collapse", "--epochs", "0", "--out", "c.json"], "'--epochs' is 0"),
    (["gan-losses", "--epochs", "0", "--out", "l.json"], "'--epochs' is 0"),
    (["melody", "--max-seconds", "-5", "--out", "x.keras"], "'--max-seconds' is -5.0"),
    (["melody", "--max-cpu-seconds", "0", "--out", "x.keras"], "'--max-cpu-seconds' is 0.0"),
    (["transformer", "--seconds", "0", "--out", "t.keras"], "'--seconds' is 0.0"),
    (["melody", "--out", "x.txt"], "'--out' is 'x.txt'; expected a file name ending in .keras"),
    (["gan-losses", "--out", "l.keras"], "'--out' is 'l.keras'; expected a file name ending in .json"),
    (["melody", "--midi-folder", "no_such_folder", "--out", "x.keras"], "'--midi-folder' is 'no_such_folder'"),
])
def test_bad_arguments_are_refused_before_any_data_is_loaded(argv, culprit, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = shipped_hashes()
    rc, err, seconds = run_main(argv, capsys)
    assert rc == 1 and culprit in err and err.startswith("error: ")
    assert seconds < 5  # no data was loaded, nothing trained
    assert list(tmp_path.iterdir()) == [] and shipped_hashes() == before


@pytest.mark.parametrize("what, out", [
    ("melody", "melody_lstm.keras"), ("gan", "melody_lstm.keras"), ("transformer", "melody_lstm.keras"),
    ("gan", "gan_generator.keras"), ("gan-dcgan", "gan_roll_dcgan.keras"), ("gan-collapse", "gan_collapse.json"),
    ("gan-losses", "melody_lstm.json"),
    ("style", "style_transfer.json"),
])
def test_out_into_the_checkpoint_folder_is_refused_without_ship(what, out, capsys):
    before = shipped_hashes()
    rc, err, seconds = run_main([what, "--out", str(CHECKPOINT_DIR / out), "--overwrite"], capsys)
    assert rc == 1 and "only --ship writes there" in err and out in err
    assert seconds < 5 and shipped_hashes() == before


@pytest.mark.parametrize("what", ["melody", "gan", "transformer"])
def test_a_user_record_beside_out_is_not_replaced(what, capsys, tmp_path):
    record = tmp_path / "mine.json"
    record.write_text('{"my": "notes"}', encoding="utf-8")
    rc, err, _ = run_main([what, "--out", str(tmp_path / "mine.keras")], capsys)
    assert rc == 1 and "mine.json" in err and "--overwrite" in err
    assert record.read_text(encoding="utf-8") == '{"my": "notes"}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json"]


def test_an_existing_target_is_refused_before_training(capsys, tmp_path):
    target = tmp_path / "existing.keras"
    target.write_bytes(b"user data")
    rc, err, seconds = run_main(["transformer", "--out", str(target)], capsys)
    assert rc == 1 and "existing.keras" in err and "exists" in err and seconds < 5
    assert target.read_bytes() == b"user data"


def test_save_keras_checkpoint_does_not_write_over_a_record(tmp_path):
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    (tmp_path / "m.json").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsNoOverwriteError, match="m.json"):
        save_keras_checkpoint(model, tmp_path / "m.keras", {"a": 1})
    assert (tmp_path / "m.json").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "m.keras").exists()


def test_check_epochs_names_the_option():
    with pytest.raises(ConfigError, match="'--epochs' is -1"):
        check_epochs(-1)
    with pytest.raises(ConfigError, match="'--epochs' is 2.5"):
        check_epochs(2.5)


def test_plan_output_refuses_a_folder_in_the_way(tmp_path):
    (tmp_path / "m.keras").mkdir()
    with pytest.raises(ConfigError, match="m.keras.*is a folder"):
        plan_output(tmp_path / "m.keras", ship=False, overwrite=True, shipped=CHECKPOINT_DIR / "x.keras",
                    default=None, suffix=".keras")


# --------------------------------------------------------------------------- staging
def test_staged_moves_files_in_only_on_success(tmp_path):
    out = Output(files=(tmp_path / "a.keras", tmp_path / "a.json"), ship=False, overwrite=True)
    (tmp_path / "a.json").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), staged(out) as staging:
        staging.write_bytes(b"half")
        staging.with_suffix(".json").write_text("new", encoding="utf-8")
        raise RuntimeError("training failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == "old"
    with staged(out) as staging:
        staging.write_bytes(b"model")
        staging.with_suffix(".json").write_text("new", encoding="utf-8")
    assert (tmp_path / "a.keras").read_bytes() == b"model"
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "a.keras"]


def test_staged_interrupt_leaves_targets_alone(tmp_path):
    out = Output(files=(tmp_path / "a.keras", tmp_path / "a.json"), ship=False, overwrite=True)
    (tmp_path / "a.keras").write_bytes(b"old model")
    with pytest.raises(KeyboardInterrupt), staged(out) as staging:
        staging.write_bytes(b"epoch 1")
        raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["a.keras"]
    assert (tmp_path / "a.keras").read_bytes() == b"old model"


def test_a_staging_folder_in_the_checkpoint_folder_counts_as_shipped(tmp_path):
    assert is_shipped(CHECKPOINT_DIR / ".staging-gan_generator-abc" / "gan_generator.keras")
    assert not is_shipped(tmp_path / ".staging-gan_generator-abc" / "gan_generator.keras")


# --------------------------------------------------------------------------- Ctrl-C during --ship
def test_ctrl_c_during_ship_leaves_the_shipped_pair_untouched(tmp_path):
    """On a copy of the package: interrupt `train melody --ship` after its first epoch."""
    pkg = tmp_path / "pkg"
    shutil.copytree(PACKAGE, pkg / "musiclib", ignore=shutil.ignore_patterns("__pycache__"))
    shipped = pkg / "musiclib" / "checkpoints"
    before = {p.name: sha(p) for p in shipped.iterdir()}
    env = os.environ | {"PYTHONPATH": str(pkg), "MUSICLIB_DATA": str(data_dir()), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "musiclib.train", "melody", "--ship", "--profile", "ci",
                             "--epochs", "50", "--max-seconds", "600"], cwd=pkg, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # a job started in the background of a non-interactive shell
                            # inherits SIGINT ignored, and Python then never raises
                            # KeyboardInterrupt: give the child the default, as a terminal would
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = []
    try:
        for line in proc.stdout:  # wait until epoch 1 has written its checkpoint into the staging folder
            lines.append(line)
            if line.lstrip().startswith("epoch") and "1" in line.split()[1]:
                break
        assert any(p.name.startswith(".staging-") for p in shipped.iterdir()), lines
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [err.strip()] and err.startswith("interrupted: nothing was written; ")
    assert "melody_lstm.keras" in err and "Traceback" not in err
    assert {p.name: sha(p) for p in shipped.iterdir()} == before  # no staging folder left either


def test_train_lstm_refuses_an_existing_checkpoint_or_record_before_training(tmp_path):
    from musiclib.models.melody import train_lstm

    (tmp_path / "m.json").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsNoOverwriteError, match="m.json"):
        train_lstm(None, None, checkpoint=tmp_path / "m.keras")
    assert (tmp_path / "m.json").read_text(encoding="utf-8") == "mine"
