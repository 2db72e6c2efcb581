import numpy as np
import pytest

from musiclib.config import PROFILES, data_dir, get_profile, seed_everything
from musiclib.errors import ConfigError


def test_default_profile_is_cpu(monkeypatch):
    monkeypatch.delenv("MUSICLIB_PROFILE", raising=False)
    assert get_profile().name == "cpu"


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("MUSICLIB_PROFILE", " CI ")
    assert get_profile().name == "ci"


def test_unknown_profile_names_the_variable(monkeypatch):
    monkeypatch.setenv("MUSICLIB_PROFILE", "gpu")
    with pytest.raises(ConfigError, match="MUSICLIB_PROFILE.*'gpu'"):
        get_profile()


def test_epochs_scale_and_never_reach_zero():
    assert PROFILES["cpu"].epochs(10) == 10
    assert PROFILES["ci"].epochs(10) == 1
    assert PROFILES["full"].epochs(10) == 40


def test_seed_everything_makes_numpy_repeatable():
    seed_everything(7, tensorflow=False)
    a = np.random.rand(3)  # noqa: NPY002 - the legacy global generator is what is seeded
    seed_everything(7, tensorflow=False)
    assert np.array_equal(a, np.random.rand(3))  # noqa: NPY002


def test_seed_everything_makes_keras_repeatable():
    import keras

    seed_everything(3)
    a = keras.random.normal((4,)).numpy()
    seed_everything(3)
    assert np.array_equal(a, keras.random.normal((4,)).numpy())


def test_negative_seed_is_refused():
    with pytest.raises(ConfigError, match="'seed'"):
        seed_everything(-1, tensorflow=False)


def test_data_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MUSICLIB_DATA", str(tmp_path))
    assert data_dir() == tmp_path
