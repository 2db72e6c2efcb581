"""Repository-wide pytest configuration.

Environment for every test process: quiet TensorFlow, and a private numba cache
(see below).

nbval compares each notebook cell's outputs with the committed ones. TensorFlow and
other libraries may print to stderr under pytest but not in JupyterLab, so stderr
streams are left out of the comparison on both sides, and so are widget views (live)
and their at-rest placeholder line (committed); everything else is compared.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# librosa's numba functions compile on first use and cache the machine code next to
# librosa's sources. Two pytest-xdist workers compiling at once on a fresh venv race on
# that cache, and one of them crashed with a segfault in librosa.util.peak_pick. Give
# every test process (and the notebook kernels it starts) a cache folder of its own.
os.environ["NUMBA_CACHE_DIR"] = os.path.join(
    tempfile.gettempdir(), f"musiclib-numba-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
)

# Committed notebooks show a saved widget "at rest" as one line (tools/course.py); a
# live run displays the widget itself. Neither is compared.
_AT_REST = "[interactive control: run this cell in JupyterLab"


def _without_stderr(outputs):
    return [
        o for o in outputs
        if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
        and "application/vnd.jupyter.widget-view+json" not in o.get("data", {})
        and not str(o.get("data", {}).get("text/plain", "")).startswith(_AT_REST)
    ]


try:
    from nbval.plugin import IPyNbCell
except ImportError:  # nbval not installed: unit tests only
    IPyNbCell = None

if IPyNbCell is not None and not getattr(IPyNbCell, "_musiclib_patched", False):
    _original_compare = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        return _original_compare(self, _without_stderr(test), _without_stderr(ref), skip_compare)

    IPyNbCell.compare_outputs = compare_outputs
    IPyNbCell._musiclib_patched = True
