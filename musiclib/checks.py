"""Exercise checkers: print ``[PASS]`` or ``[FAIL]`` with a hint, never crash the notebook.

Each exercise in a notebook ends with a checker call such as::

    check_close("pitch-class histogram", lambda: my_histogram(notes), expected, hint="...")

A failing check prints what was wrong and a hint; it returns a falsy
:class:`CheckResult` instead of raising, so a learner can keep going.

Two rules make the checkers safe to put after unfinished code:

- The answer may be given as a zero-argument callable (a ``lambda``). The checker
  calls it itself, so an exception raised while the answer is *computed* -- the
  ``NotImplementedError`` of an exercise not done yet, a ``TypeError`` in the
  learner's code -- becomes a ``[FAIL]`` line instead of a traceback. (Written as
  ``check_close("x", my_f(a), ...)`` Python evaluates ``my_f(a)`` before the
  checker runs, and no checker can catch what happens there.)
- Comparisons never raise: a wrong shape, a ragged list, text where numbers were
  expected or a value whose ``==`` is ambiguous all become a ``[FAIL]`` that names
  the first differing element (its index, what was got and what was expected).

Under ``make grade`` (environment variable ``MUSICLIB_GRADING=1``) a failing check
prints its ``[FAIL]`` line and then raises :class:`~musiclib.errors.CheckFailedError`:
the graded test cell then shows an error, which is how nbgrader gives it no points.

A multiple-choice answer can be checked without printing it in the test cell: pass
``correct`` as ``"sha256:<hex>"``, the digest of ``"<name>:<letter>"``
(:func:`answer_digest`).

Taught in: notebooks/01_music_as_data.ipynb
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from musiclib.errors import CheckFailedError

__all__ = [
    "check", "check_close", "check_equal", "check_function", "check_choice", "answer_digest", "CheckResult",
    "GRADING_ENV",
]

GRADING_ENV = "MUSICLIB_GRADING"

_MAX_REPR = 60


class CheckResult:
    """Outcome of a check: truthy when it passed; prints as its report line.

    Used by: musiclib.checks
    """

    def __init__(self, name: str, passed: bool, detail: str = "") -> None:
        self.name, self.passed, self.detail = name, passed, detail

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        tag = "[PASS]" if self.passed else "[FAIL]"
        return f"{tag} {self.name}" + (f": {self.detail}" if self.detail else "")


def _report(result: CheckResult) -> CheckResult:
    print(repr(result))
    if not result.passed and os.environ.get(GRADING_ENV) == "1":
        raise CheckFailedError(f"check {result.name!r} failed while grading: {result.detail or 'not yet'}")
    return result


def answer_digest(name: str, letter: str) -> str:
    """The ``correct`` value that checks ``letter`` in :func:`check_choice` without showing it.

    ``"sha256:"`` followed by the hex SHA-256 of ``"<name>:<letter>"`` (letter lower-cased).

    Examples
    --------
    >>> answer_digest("Exercise 1.3", "b")[:15]
    'sha256:b7c5c347'

    Used by: musiclib.checks (check_choice); instructors writing a new multiple-choice question
    """
    text = f"{name}:{letter.strip().lower()}"
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _short(value: Any) -> str:
    """A repr cut to one readable line (never a whole array dump)."""
    if isinstance(value, np.ndarray) and value.size > 6:
        text = f"array of shape {value.shape}"
    else:
        try:
            text = repr(value.item() if isinstance(value, np.generic) else value)
        except Exception:  # a learner's object with a broken __repr__
            text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def _join(detail: str, hint: str) -> str:
    return f"{detail}. hint: {hint}" if hint else detail


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, NotImplementedError):
        return "not implemented yet (your code still raises NotImplementedError)"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"your code raised {type(exc).__name__}" + (f": {_short_text(message)}" if message else "")


def _short_text(text: str) -> str:
    return text if len(text) <= 2 * _MAX_REPR else text[: 2 * _MAX_REPR - 3] + "..."


def _evaluate(value: Any) -> tuple[Any, str | None]:
    """Call ``value`` if it is a zero-argument callable; return (result, error message)."""
    if callable(value) and not isinstance(value, np.ndarray | type):
        try:
            return value(), None
        except Exception as exc:  # the learner's code: report, don't crash
            return None, _describe_error(exc)
    return value, None


def _as_array(value: Any, numeric: bool) -> np.ndarray | str:
    """``value`` as an array, or a message saying why it cannot be one."""
    try:
        plain = np.asarray(value)
    except (TypeError, ValueError):
        return f"could not read {_short(value)} as an array (rows of different lengths?)"
    if plain.dtype == object and plain.ndim > 0 and any(isinstance(v, list | tuple | np.ndarray) for v in plain.flat):
        return f"could not read {_short(value)} as an array (rows of different lengths?)"
    if not numeric:
        return plain
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return f"expected numbers, got {type(value).__name__} {_short(value)}"


def _compare(got: Any, expected: Any, *, atol: float | None = None, rtol: float = 0.0) -> str | None:
    """None when ``got`` matches ``expected``; otherwise a one-line description. Never raises."""
    if got is None:
        return "your answer is None - did you forget to return it?"
    arrays = isinstance(got, np.ndarray | list | tuple) or isinstance(expected, np.ndarray | list | tuple)
    if atol is None and not arrays:
        try:
            return None if bool(got == expected) else f"got {_short(got)}, expected {_short(expected)}"
        except Exception:  # ambiguous truth value, a broken __eq__ ...
            return f"got {_short(got)} ({type(got).__name__}), expected {_short(expected)}"
    numeric = atol is not None
    e = _as_array(expected, numeric)
    if isinstance(e, str):  # the checker's own expected value: should not happen
        return f"the expected value could not be compared ({e})"
    a = _as_array(got, numeric and e.dtype.kind in "biuf")
    if isinstance(a, str):
        return a
    if a.shape != e.shape:
        return f"shape {a.shape}, expected {e.shape}"
    if numeric:
        if a.dtype.kind not in "biufc":
            return f"expected numbers, got values of type {a.dtype}"
        if not np.all(np.isfinite(a)):
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0]) if a.ndim else ()
            return f"your answer contains NaN or inf (first at index {idx})"
        close = np.isclose(a, e, atol=atol, rtol=rtol)
        if bool(np.all(close)):
            return None
        err = float(np.max(np.abs(a - e)))
        if a.ndim == 0:
            return f"got {a.item():.6g}, expected {e.item():.6g} (allowed difference {atol:g})"
        idx = tuple(int(i) for i in np.argwhere(~close)[0])
        return (f"at index {idx}: got {a[idx].item():.6g}, expected {e[idx].item():.6g} "
                f"(largest difference {err:.3g}, allowed {atol:g})")
    try:
        differ = np.asarray(a != e, dtype=bool)
        if differ.shape != a.shape:
            raise ValueError("element-wise comparison failed")
    except Exception:
        differ = np.array([not _same_scalar(x, y) for x, y in zip(a.flat, e.flat, strict=True)]).reshape(a.shape)
    if not bool(np.any(differ)):
        return None
    if a.ndim == 0:
        return f"got {_short(a.item())}, expected {_short(e.item())}"
    idx = tuple(int(i) for i in np.argwhere(differ)[0])
    return f"at index {idx}: got {_short(a[idx])}, expected {_short(e[idx])}"


def _same_scalar(x: Any, y: Any) -> bool:
    try:
        return bool(x == y)
    except Exception:
        return False


def check(name: str, condition: Any, hint: str = "") -> CheckResult:
    """Pass when ``condition`` is true; otherwise print the hint.

    ``condition`` may be a zero-argument callable (``lambda: ...``): an exception
    raised while it runs is reported as a ``[FAIL]`` instead of stopping the notebook.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    value, error = _evaluate(condition)
    if error is not None:
        return _report(CheckResult(name, False, _join(error, hint)))
    try:
        ok = bool(value)
    except Exception as exc:  # e.g. the truth value of an array is ambiguous
        return _report(CheckResult(name, False, _join(f"could not read {_short(value)} as true/false ({exc})", hint)))
    return _report(CheckResult(name, ok, "" if ok else f"hint: {hint}" if hint else "not yet"))


def check_equal(name: str, actual: Any, expected: Any, hint: str = "") -> CheckResult:
    """Pass when ``actual == expected`` (arrays compared element-wise, shapes too).

    ``actual`` may be a zero-argument callable (``lambda: my_answer(x)``); errors
    raised while computing it become a ``[FAIL]``. A mismatch names the first
    differing element.

    Used by: your own experiments (public API; tested in tests/)
    """
    value, error = _evaluate(actual)
    detail = error if error is not None else _compare(value, expected)
    return _report(CheckResult(name, detail is None, "" if detail is None else _join(detail, hint)))


def check_close(
    name: str, actual: Any, expected: Any, *, atol: float = 1e-6, rtol: float = 0.0, hint: str = ""
) -> CheckResult:
    """Pass when arrays match in shape and ``|actual - expected| <= atol + rtol*|expected|``.

    ``actual`` may be a zero-argument callable (``lambda: my_answer(x)``); errors
    raised while computing it become a ``[FAIL]``.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    value, error = _evaluate(actual)
    detail = error if error is not None else _compare(value, expected, atol=atol, rtol=rtol)
    return _report(CheckResult(name, detail is None, "" if detail is None else _join(detail, hint)))


def check_choice(name: str, answer: Any, correct: str, options: dict[str, str], hint: str = "") -> CheckResult:
    """Check a multiple-choice answer (a letter) to a conceptual question.

    ``options`` maps each letter to its text; a wrong letter prints why that
    option is not the best answer only through ``hint`` (the correct text is never
    printed), an unknown letter lists the valid ones. ``answer`` may be a callable.
    ``correct`` is a letter, or ``answer_digest(name, letter)`` so that the test cell
    of a released assignment does not give the answer away.

    Taught in: notebooks/00_welcome.ipynb
    """
    value, error = _evaluate(answer)
    if error is not None:
        return _report(CheckResult(name, False, _join(error, hint)))
    letter = str(value).strip().lower() if value is not None else ""
    valid = sorted(k.lower() for k in options)
    if letter not in valid:
        return _report(CheckResult(name, False, f"answer with one of {', '.join(valid)} (got {_short(value)})"))
    if correct.startswith("sha256:"):
        ok = answer_digest(name, letter) == correct.lower()
    else:
        ok = letter == correct.lower()
    return _report(CheckResult(name, ok, "" if ok else _join(f"{letter!r} is not the best answer", hint)))


def check_function(
    name: str,
    func: Callable[..., Any],
    cases: list[tuple[tuple, Any]],
    *,
    atol: float | None = None,
    hint: str = "",
) -> CheckResult:
    """Call ``func(*args)`` for each ``(args, expected)`` case and compare.

    Exact comparison, or :func:`check_close`-style with ``atol``. Exceptions
    raised by the learner's function are reported, not propagated; a mismatch
    names the case and the first differing element.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    if not callable(func):
        return _report(CheckResult(name, False, _join(f"expected a function, got {type(func).__name__}", hint)))
    for k, (args, expected) in enumerate(cases):
        try:
            got = func(*args)
        except Exception as exc:  # the learner's code: report, don't crash
            detail = _describe_error(exc)
            if not isinstance(exc, NotImplementedError):
                detail = f"case {k}: {detail}"
            return _report(CheckResult(name, False, _join(detail, hint)))
        if got is None:
            return _report(CheckResult(name, False, f"case {k} returned None - missing return?"))
        detail = _compare(got, expected, atol=atol)
        if detail is not None:
            return _report(CheckResult(name, False, _join(f"case {k}: {detail}", hint)))
    return _report(CheckResult(name, True, f"{len(cases)} cases"))
