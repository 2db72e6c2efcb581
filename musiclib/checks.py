"""Exercise checkers: print ``[PASS]`` or ``[FAIL]`` with a hint, never crash the notebook.

Each exercise in a notebook ends with a checker call such as::

    check_close("pitch-class histogram", my_histogram(notes), expected, hint="...")

A failing check prints what was wrong and a hint; it returns ``False`` instead of
raising, so a learner can keep going. An exception inside the learner's own code is
caught and reported the same way by :func:`check_function`.

Taught in: notebooks/01_music_as_data.ipynb
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["check", "check_close", "check_equal", "check_function", "CheckResult"]


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
    return result


def check(name: str, condition: bool, hint: str = "") -> CheckResult:
    """Pass when ``condition`` is true; otherwise print the hint.

    Taught in: notebooks/02_feature_extraction.ipynb
    """
    ok = bool(condition)
    return _report(CheckResult(name, ok, "" if ok else f"hint: {hint}" if hint else "not yet"))


def check_equal(name: str, actual: Any, expected: Any, hint: str = "") -> CheckResult:
    """Pass when ``actual == expected`` (arrays compared element-wise, shapes too).

    Used by: your own experiments (public API; tested in tests/)
    """
    if actual is None:
        return _report(CheckResult(name, False, "your answer is None - did you forget to return it?"))
    if isinstance(expected, np.ndarray) or isinstance(actual, np.ndarray):
        a, e = np.asarray(actual), np.asarray(expected)
        if a.shape != e.shape:
            return _report(CheckResult(name, False, f"shape {a.shape}, expected {e.shape}. {hint}".strip()))
        ok = bool(np.array_equal(a, e))
        if not ok:
            i = tuple(int(x) for x in np.argwhere(a != e)[0])
            detail = f"at index {i}: got {a[i].item()!r}, expected {e[i].item()!r}. {hint}"
            return _report(CheckResult(name, False, detail.strip()))
        return _report(CheckResult(name, True))
    ok = actual == expected
    detail = "" if ok else f"got {actual!r}, expected {expected!r}. {hint}".strip()
    return _report(CheckResult(name, bool(ok), detail))


def check_close(
    name: str, actual: Any, expected: Any, *, atol: float = 1e-6, rtol: float = 0.0, hint: str = ""
) -> CheckResult:
    """Pass when arrays match in shape and ``|actual - expected| <= atol + rtol*|expected|``.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    if actual is None:
        return _report(CheckResult(name, False, "your answer is None - did you forget to return it?"))
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return _report(CheckResult(name, False, f"expected numbers, got {type(actual).__name__}"))
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        return _report(CheckResult(name, False, f"shape {a.shape}, expected {e.shape}. {hint}".strip()))
    if not np.all(np.isfinite(a)):
        return _report(CheckResult(name, False, f"your answer contains NaN or inf. {hint}".strip()))
    err = float(np.max(np.abs(a - e))) if a.size else 0.0
    ok = bool(np.allclose(a, e, atol=atol, rtol=rtol))
    detail = "" if ok else f"largest difference {err:.3g} (allowed {atol:g}). {hint}".strip()
    return _report(CheckResult(name, ok, detail))


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
    raised by the learner's function are reported, not propagated.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    for k, (args, expected) in enumerate(cases):
        try:
            got = func(*args)
        except NotImplementedError:
            return _report(CheckResult(name, False, "not implemented yet"))
        except Exception as exc:  # the learner's code: report, don't crash
            return _report(CheckResult(name, False, f"case {k} raised {type(exc).__name__}: {exc}"))
        if got is None:
            return _report(CheckResult(name, False, f"case {k} returned None - missing return?"))
        if atol is None:
            same = (np.array_equal(np.asarray(got), np.asarray(expected))
                    if isinstance(expected, np.ndarray | list | tuple) else got == expected)
        else:
            g, e = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
            same = g.shape == e.shape and bool(np.allclose(g, e, atol=atol, rtol=0))
        if not same:
            return _report(CheckResult(name, False, f"case {k}: got {got!r}, expected {expected!r}. {hint}".strip()))
    return _report(CheckResult(name, True, f"{len(cases)} cases"))
