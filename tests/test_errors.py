from musiclib import errors


def test_every_error_is_a_musiclib_error():
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, errors.MusicLibError), name


def test_run_cli_turns_a_musiclib_error_into_exit_code_1(capsys):
    def fail():
        raise errors.DataError("file 'x.npz' is missing")

    assert errors.run_cli(fail) == 1
    assert capsys.readouterr().err == "error: file 'x.npz' is missing\n"
    assert errors.run_cli(lambda: None) == 0


def test_run_cli_lets_bugs_propagate():
    import pytest

    with pytest.raises(ZeroDivisionError):
        errors.run_cli(lambda: 1 / 0)


def test_errors_are_also_the_builtin_a_caller_expects():
    assert issubclass(errors.ShapeError, ValueError)
    assert issubclass(errors.DatasetIntegrityError, errors.DataError)
    assert issubclass(errors.VocabularyError, errors.RepresentationError)
    assert issubclass(errors.CheckpointError, OSError)
    assert issubclass(errors.FileExistsNoOverwriteError, FileExistsError)
