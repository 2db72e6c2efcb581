import numpy as np

from musiclib.checks import check, check_close, check_equal, check_function


def test_check_prints_pass(capsys):
    assert check("truth", True)
    assert capsys.readouterr().out.strip() == "[PASS] truth"


def test_check_prints_fail_with_hint(capsys):
    assert not check("falsehood", False, hint="try harder")
    assert capsys.readouterr().out.strip() == "[FAIL] falsehood: hint: try harder"


def test_check_close_reports_largest_difference(capsys):
    assert not check_close("x", [1.0, 2.0], [1.0, 2.5], atol=0.1)
    assert "largest difference 0.5" in capsys.readouterr().out


def test_check_close_reports_shape(capsys):
    assert not check_close("x", np.zeros(3), np.zeros(4))
    assert "shape (3,), expected (4,)" in capsys.readouterr().out


def test_check_equal_points_at_first_wrong_index(capsys):
    assert not check_equal("h", np.array([1, 2, 3]), np.array([1, 0, 3]))
    assert "at index (1,): got 2, expected 0" in capsys.readouterr().out


def test_check_equal_none_means_missing_return(capsys):
    assert not check_equal("h", None, 3)
    assert "forget to return" in capsys.readouterr().out


def test_check_function_catches_learner_exceptions(capsys):
    def broken(x):
        raise ZeroDivisionError("oops")

    assert not check_function("f", broken, [((1,), 1)])
    assert "raised ZeroDivisionError: oops" in capsys.readouterr().out


def test_check_function_passes_all_cases(capsys):
    assert check_function("double", lambda x: 2 * x, [((1,), 2), ((3,), 6)])
    assert "[PASS] double: 2 cases" in capsys.readouterr().out


def test_not_implemented_is_reported_kindly(capsys):
    def todo(x):
        raise NotImplementedError

    assert not check_function("todo", todo, [((1,), 1)])
    assert "not implemented yet" in capsys.readouterr().out
