import numpy as np
import pytest

from musiclib.checks import check, check_choice, check_close, check_equal, check_function


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


# --- never crash: every failure of the learner's code becomes a [FAIL] line --------------------------


def _todo(*_args):
    raise NotImplementedError("exercise: replace this line with your code")


def test_check_close_with_a_lambda_reports_not_implemented(capsys):
    assert not check_close("lazy", lambda: _todo(3), 1.0, hint="write it")
    out = capsys.readouterr().out.strip()
    assert out.startswith("[FAIL] lazy: not implemented yet") and "hint: write it" in out


def test_check_equal_with_a_lambda_reports_the_learners_exception(capsys):
    assert not check_equal("lazy", lambda: [1, 2][5], [1, 2])
    assert "your code raised IndexError: list index out of range" in capsys.readouterr().out


def test_check_with_a_lambda_reports_the_learners_exception(capsys):
    assert not check("cond", lambda: 1 / 0 > 1)
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_check_with_a_lambda_passes(capsys):
    assert check("cond", lambda: 2 > 1)
    assert capsys.readouterr().out.strip() == "[PASS] cond"


def test_check_with_an_array_condition_does_not_raise(capsys):
    assert not check("ambiguous", np.array([True, False]))
    assert "could not read" in capsys.readouterr().out


def test_check_function_with_atol_and_a_string_answer(capsys):
    assert not check_function("f", lambda x: "three", [((1,), 3.0)], atol=1e-6)
    assert "expected numbers" in capsys.readouterr().out


def test_check_function_exact_array_against_scalar_does_not_raise(capsys):
    # got == expected on an array is ambiguous; the checker must compare element-wise instead
    assert not check_function("f", lambda x: np.array([x, x]), [((1,), 1)])
    assert "shape (2,), expected ()" in capsys.readouterr().out


def test_check_function_names_first_differing_element_not_the_whole_array(capsys):
    expected = np.arange(100.0)
    got = expected.copy()
    got[37] = -1.0
    assert not check_function("f", lambda: got, [((), expected)], atol=1e-9)
    out = capsys.readouterr().out
    assert "case 0: at index (37,): got -1, expected 37" in out
    assert "36" not in out.replace("(37,)", "")  # no array dump


def test_check_function_shape_mismatch_with_atol(capsys):
    assert not check_function("f", lambda: np.zeros((2, 3)), [((), np.zeros((3, 2)))], atol=1e-9)
    assert "case 0: shape (2, 3), expected (3, 2)" in capsys.readouterr().out


def test_check_function_ragged_answer(capsys):
    assert not check_function("f", lambda: [[1, 2], [3]], [((), [[1, 2], [3, 4]])])
    assert "rows of different lengths" in capsys.readouterr().out


def test_check_function_nan_answer_is_named(capsys):
    assert not check_function("f", lambda: np.array([1.0, np.nan]), [((), np.array([1.0, 2.0]))], atol=1e-6)
    assert "NaN or inf (first at index (1,))" in capsys.readouterr().out


def test_check_function_non_callable(capsys):
    assert not check_function("f", 3, [((), 3)])
    assert "expected a function, got int" in capsys.readouterr().out


def test_check_function_not_implemented_is_reported_with_hint(capsys):
    assert not check_function("todo", _todo, [((1,), 1)], hint="use a loop")
    assert "not implemented yet" in capsys.readouterr().out


def test_check_equal_lists_of_strings_name_first_difference(capsys):
    assert not check_equal("names", ["C4", "E4", "G4"], ["C4", "Eb4", "G4"])
    assert "at index (1,): got 'E4', expected 'Eb4'" in capsys.readouterr().out


def test_check_equal_object_with_ambiguous_eq(capsys):
    class Weird:
        def __eq__(self, other):
            raise ValueError("no")

    assert not check_equal("weird", Weird(), 3)
    assert "[FAIL] weird" in capsys.readouterr().out


def test_check_equal_dict_of_arrays_does_not_raise(capsys):
    assert not check_equal("d", {"a": np.array([1, 2])}, {"a": np.array([1, 3])})
    assert "[FAIL] d" in capsys.readouterr().out


def test_check_close_scalar_mismatch_message(capsys):
    assert not check_close("x", 0.5, 0.25, atol=0.01)
    assert "got 0.5, expected 0.25" in capsys.readouterr().out


def test_check_choice_right_wrong_and_invalid(capsys):
    options = {"a": "more", "b": "less"}
    assert check_choice("q", "B", "b", options)
    assert not check_choice("q", "a", "b", options, hint="think of the bass")
    assert not check_choice("q", "z", "b", options)
    assert not check_choice("q", _todo, "b", options)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[PASS] q"
    assert "'a' is not the best answer. hint: think of the bass" in out[1]
    assert "answer with one of a, b" in out[2]
    assert "not implemented yet" in out[3]


def test_a_failing_check_raises_only_while_grading(capsys, monkeypatch):
    from musiclib.errors import CheckFailedError

    monkeypatch.delenv("MUSICLIB_GRADING", raising=False)
    assert not check_equal("sum", 3, 4)
    monkeypatch.setenv("MUSICLIB_GRADING", "1")
    assert check_equal("sum", 4, 4)
    with pytest.raises(CheckFailedError, match="'sum'.*got 3, expected 4"):
        check_equal("sum", 3, 4)
    assert capsys.readouterr().out.splitlines() == [
        "[FAIL] sum: got 3, expected 4", "[PASS] sum", "[FAIL] sum: got 3, expected 4"]


def test_check_choice_with_a_digest_never_shows_the_answer(capsys):
    from musiclib.checks import answer_digest

    options = {"a": "falls", "b": "rises"}
    digest = answer_digest("Q", "b")
    assert digest == "sha256:" + __import__("hashlib").sha256(b"Q:b").hexdigest()
    assert check_choice("Q", lambda: "B ", digest, options)
    assert not check_choice("Q", "a", digest, options)
    out = capsys.readouterr().out
    assert out.splitlines() == ["[PASS] Q", "[FAIL] Q: 'a' is not the best answer"]
