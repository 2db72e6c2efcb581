"""The set-up check run at the top of ``00_welcome``.

:func:`check_environment` looks at everything the course needs (Python and package
versions, TensorFlow's devices, the prepared datasets, sound and score rendering) and
reports each problem with the fix, instead of letting a learner meet a traceback in
lesson 4.

Taught in: notebooks/00_welcome.ipynb
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field

__all__ = ["Finding", "EnvironmentReport", "check_environment", "REQUIRED"]

# package -> (import name, minimum version, why the course needs it)
REQUIRED: dict[str, tuple[str, str, str]] = {
    "numpy": ("numpy", "1.26", "arrays"),
    "music21": ("music21", "10.0", "scores, corpus, MIDI"),
    "tensorflow": ("tensorflow", "2.21", "RNN, LSTM and GAN models"),
    "keras": ("keras", "3.0", "model building (Keras 3)"),
    "matplotlib": ("matplotlib", "3.8", "plots"),
    "verovio": ("verovio", "6.0", "scores as SVG, offline"),
    "librosa": ("librosa", "0.11", "audio features"),
    "ipywidgets": ("ipywidgets", "8.0", "interactive widgets"),
}


@dataclass
class Finding:
    """One line of the report: what was checked, whether it is fine, and the fix.

    Used by: musiclib.environment
    """

    item: str
    ok: bool
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"{'[ok]  ' if self.ok else '[FIX] '} {self.item}: {self.detail}"
        return line + (f"\n        -> {self.fix}" if not self.ok and self.fix else "")


@dataclass
class EnvironmentReport:
    """All findings; ``ok`` is True when nothing needs fixing.

    Used by: musiclib.environment
    """

    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def __str__(self) -> str:
        head = "Everything is ready." if self.ok else "Some things need fixing:"
        return "\n".join([head, *map(str, self.findings)])

    def _repr_pretty_(self, p, cycle) -> None:  # IPython display
        p.text(str(self))


def _installed_version(dist: str) -> str:
    from importlib import metadata

    candidates = [dist, "tensorflow-cpu"] if dist == "tensorflow" else [dist]
    for candidate in candidates:
        try:
            return metadata.version(candidate)
        except metadata.PackageNotFoundError:
            continue
    return "0"


def _version_tuple(v: str) -> tuple[int, ...]:
    out = []
    for part in v.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def check_environment(*, versions: bool = True, tensorflow: bool = True) -> EnvironmentReport:
    """Check that this machine can run the course; every problem comes with its fix.

    Parameters
    ----------
    versions : bool
        Include the exact package versions in the details (turn off for output that
        must not change between installations).
    tensorflow : bool
        Also import TensorFlow (6-8 s) and list its devices.

    Returns
    -------
    EnvironmentReport
        Prints as a checklist; ``report.ok`` is True when all is well.

    Taught in: notebooks/00_welcome.ipynb
    """
    from musiclib.config import get_profile, quiet_tensorflow

    report = EnvironmentReport()
    add = report.findings.append
    py = sys.version_info
    add(Finding("Python", py[:2] in ((3, 11), (3, 12)),
                f"{py.major}.{py.minor}" + (f".{py.micro}" if versions else ""),
                "install Python 3.11 and run `make lab` again"))
    quiet_tensorflow()
    for name, (module, minimum, why) in REQUIRED.items():
        if name == "tensorflow" and not tensorflow:
            continue
        try:
            importlib.import_module(module)
            v = _installed_version(name)
            good = _version_tuple(v) >= _version_tuple(minimum)
            add(Finding(name, good, f"{v if versions else '>= ' + minimum} ({why})",
                        f"run `make lab` to install the pinned version (needs >= {minimum})"))
        except ImportError as exc:
            add(Finding(name, False, f"missing ({exc})", "run `make lab`, which installs it into .venv"))
    if tensorflow:
        try:
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            add(Finding("TensorFlow devices", True,
                        f"CPU{' + ' + str(len(gpus)) + ' GPU' if gpus else ''}"
                        if versions else "CPU available"))
        except Exception as exc:  # pragma: no cover - broken installs
            add(Finding("TensorFlow devices", False, str(exc), "reinstall with `make clean-venv lab`"))
    try:
        profile = get_profile()
        add(Finding("profile", True, f"{profile.name} (set MUSICLIB_PROFILE to ci, cpu or full)"))
    except Exception as exc:
        add(Finding("profile", False, str(exc), "unset MUSICLIB_PROFILE or set it to ci, cpu or full"))
    try:
        from musiclib.datasets import verify_prepared

        checked = verify_prepared()
        add(Finding("datasets", True, f"{len(checked)} prepared files, checksums match"))
    except Exception as exc:
        add(Finding("datasets", False, str(exc), "run `make data` to rebuild datasets/"))
    try:
        import numpy as np

        from musiclib.audio import render, sound_engine
        from musiclib.representation import NoteList

        engine = sound_engine()
        y = render(NoteList.from_arrays([60, 64, 67], [0, 1, 2], [1, 1, 1]), engine=engine)
        what = ("General MIDI soundfont (tinysoundfont + TimGM6mb.sf2) renders audio" if engine == "soundfont"
                else "NumPy additive synthesizer renders audio (soundfont engine not active)")
        add(Finding("sound", bool(np.abs(y).max() > 0.1), what,
                    "if you hear nothing, check the browser tab is not muted"))
    except Exception as exc:
        add(Finding("sound", False, str(exc), "reinstall with `make clean-venv lab`"))
    try:
        from musiclib.display import score_svg
        from musiclib.representation import NoteList

        svg = score_svg(NoteList.from_arrays([60, 62, 64, 65], [0, 1, 2, 3], [1, 1, 1, 1]))
        add(Finding("scores", svg.lstrip().startswith("<svg"), "verovio engraves MusicXML to SVG",
                    "reinstall verovio: `.venv/bin/pip install -c constraints.txt verovio`"))
    except Exception as exc:
        add(Finding("scores", False, str(exc),
                    "reinstall verovio: `.venv/bin/pip install -c constraints.txt verovio`"))
    return report
