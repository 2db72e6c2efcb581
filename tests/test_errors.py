from musiclib import errors


def test_every_error_is_a_musiclib_error():
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.MusicLibError), name


def test_errors_are_also_the_builtin_a_caller_expects():
    assert issubclass(errors.ShapeError, ValueError)
    assert issubclass(errors.DatasetIntegrityError, errors.DataError)
    assert issubclass(errors.VocabularyError, errors.RepresentationError)
    assert issubclass(errors.CheckpointError, OSError)
    assert issubclass(errors.FileExistsNoOverwriteError, FileExistsError)
