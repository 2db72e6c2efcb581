"""The website's Chinese web font covers every Chinese character the course shows."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("cjk_font", ROOT / "tools" / "cjk_font.py")
cjk_font = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cjk_font)


def test_font_has_every_chinese_character_the_course_uses():
    lacking = cjk_font.missing()
    assert not lacking, (f"book/_static/fonts lacks {''.join(lacking)}: run `python tools/cjk_font.py build` "
                         "(needs Debian's fonts-noto-cjk)")


def test_used_characters_finds_headings_and_escaped_notebook_text(tmp_path, monkeypatch):
    nb = tmp_path / "notebooks"
    nb.mkdir()
    (nb / "00_x.ipynb").write_text('{"cells": [{"source": "# \\u97f3\\u4e50 (music)"}]}', encoding="utf-8")
    (tmp_path / "README.md").write_text("钢琴卷帘 piano roll", encoding="utf-8")
    monkeypatch.setattr(cjk_font, "ROOT", tmp_path)
    chars = cjk_font.used_characters()
    assert {"音", "乐", "钢", "琴", "卷", "帘"} <= chars
    assert not any(c.isascii() for c in chars)


def test_font_is_small_and_keeps_its_licence_records():
    from fontTools.ttLib import TTFont

    assert cjk_font.FONT.stat().st_size < 300_000
    names = TTFont(cjk_font.FONT)["name"]
    assert "Open Font License" in (names.getDebugName(13) or "")
    assert "Adobe" in (names.getDebugName(0) or "")


@pytest.mark.parametrize("char", ["音", "乐", "生", "成"])
def test_common_characters_are_in_the_font(char):
    assert char in cjk_font.font_characters()
