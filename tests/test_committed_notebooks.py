"""What a learner gets on opening a committed notebook, before running anything.

- It names its kernel, so JupyterLab does not pick one, mark the notebook modified and
  autosave a change nobody made.
- No output shows a path of the machine that executed it (a home folder, a virtual
  environment, site-packages).
- Every player has its sound on the ``<audio>`` element itself (JupyterLab's sanitizer
  strips ``<source src>`` in an untrusted notebook) at 16 kHz or more.
- It stays under 3 MB.
"""

from __future__ import annotations

import base64
import io
import json
import re
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [nb.stem for nb in NOTEBOOKS]

# absolute paths of a machine: POSIX home, work and temporary folders, virtual
# environments and installed packages, Windows drives
MACHINE_PATH = re.compile(
    r"(?:/home/|/root/|/Users/|/work/|/tmp/|/private/var/|/var/folders/|/opt/|/usr/lib/python|/usr/local/lib"
    r"|site-packages|dist-packages|\.venv[/\\]|[A-Za-z]:\\\\(?:Users|Program)|\\\\AppData\\\\)")
AUDIO_URL = re.compile(r"data:(audio/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=]+)")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output_texts(nb: dict):
    """(cell index, text) of every text-like output: streams, errors, text/* and JSON data."""
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if "text" in out:
                yield i, _text(out["text"])
            if "traceback" in out:
                yield i, "\n".join(out["traceback"])
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    yield i, _text(value) if not isinstance(value, dict) else json.dumps(value)


def _sample_rate(mime: str, data: bytes) -> int:
    if mime in ("audio/wav", "audio/x-wav"):
        assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", "not a WAV file"
        return struct.unpack("<I", data[24:28])[0]
    sf = pytest.importorskip("soundfile")
    return sf.info(io.BytesIO(data)).samplerate


def test_every_lesson_is_here():
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_names_its_kernel(path):
    spec = _load(path)["metadata"].get("kernelspec")
    assert spec == {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}, (
        f"{path.name} has kernelspec {spec!r}: without it JupyterLab marks the notebook modified on opening")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_output_shows_a_machine_path(path):
    found = []
    for i, text in _output_texts(_load(path)):
        text = AUDIO_URL.sub("data:audio", text)  # base64 can spell anything
        text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "data:image", text)
        for m in MACHINE_PATH.finditer(text):
            found.append(f"cell {i}: ...{text[max(0, m.start() - 60):m.end() + 40]}...")
    assert not found, f"{path.name} shows machine paths:\n" + "\n".join(found[:5])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_player_plays_untrusted_at_16_khz_or_more(path):
    players = 0
    for i, cell in enumerate(_load(path)["cells"]):
        for out in cell.get("outputs", []):
            html = _text(out.get("data", {}).get("text/html", ""))
            if "<audio" not in html:
                continue
            assert "<source" not in html, (
                f"{path.name} cell {i}: a <source> player, silent in an untrusted notebook; re-execute it")
            for m in AUDIO_URL.finditer(html):
                players += 1
                assert re.search(r'<audio [^>]*src="' + re.escape(m.group(0)[:60]), html), (path.name, i)
                rate = _sample_rate(m.group(1), base64.b64decode(m.group(2)))
                assert rate >= 16_000, f"{path.name} cell {i}: a player at {rate} Hz"
    assert players >= 1, f"{path.name} has no player"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_under_3_mb(path):
    assert path.stat().st_size < 3_000_000, f"{path.name}: {path.stat().st_size / 1e6:.2f} MB"
