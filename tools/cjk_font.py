"""The course website's Chinese web font: Noto Sans SC cut down to the characters we use.

The website (``make book``) shows Chinese in headings, the glossary and outputs. A
reader whose machine has no CJK font would see boxes, so the site ships its own font:
Noto Sans CJK SC (SIL Open Font License 1.1), subset with fontTools to the Chinese
characters that appear in the notebooks, README, instructor guide and landing page,
plus CJK punctuation. ``book/_static/course-cjk.css`` applies it to those code points
only (``unicode-range``), so Latin text keeps the theme's fonts.

    python tools/cjk_font.py check            # every Chinese character we use is in the font
    python tools/cjk_font.py build [FONT]     # rebuild book/_static/fonts/ from a Noto CJK .ttc

``build`` needs the full font on this machine: Debian's ``fonts-noto-cjk`` puts it at
/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc (``apt-get install
fonts-noto-cjk``). Run it after adding Chinese text; ``tests/test_cjk_font.py`` fails
until you do.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = ROOT / "book" / "_static" / "fonts"
FONT = FONT_DIR / "NotoSansSC-course-subset.woff"
SYSTEM_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX = 2  # the order in Noto Sans CJK .ttc files: JP, KR, SC, TC, HK, then Mono

# CJK symbols and punctuation, CJK ideographs (incl. extension A), compatibility
# ideographs, full-width forms: the ranges the CSS's unicode-range names too
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
PUNCTUATION = "，。、；：？！（）《》「」『』【】—…·“”‘’"


def sources() -> list[Path]:
    """The files whose text the website shows."""
    files = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    files += [ROOT / "README.md", ROOT / "docs" / "instructor_guide.md", ROOT / "book" / "index.md",
              ROOT / "book" / "conf.py"]
    return [f for f in files if f.is_file()]


def used_characters() -> set[str]:
    """Every CJK character in the website's sources, plus common CJK punctuation."""
    chars = set(PUNCTUATION)
    for path in sources():
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = json.dumps(json.loads(text), ensure_ascii=False)  # unescape \\uXXXX
        chars |= set(CJK.findall(text))
    return chars


def font_characters(path: Path = FONT) -> set[str]:
    """The characters the committed subset maps to a glyph."""
    from fontTools.ttLib import TTFont

    return {chr(cp) for cp in TTFont(path).getBestCmap()}


def missing() -> list[str]:
    """Characters the sources use and the committed font lacks, sorted."""
    have = font_characters() if FONT.is_file() else set()
    return sorted(used_characters() - have)


def build(source: Path = SYSTEM_FONT) -> Path:
    """Write the subset of ``source`` (a Noto Sans CJK .ttc or Noto Sans SC .otf) as WOFF."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    if not source.is_file():
        raise SystemExit(f"{source}: not found; install Debian's fonts-noto-cjk or pass the font's path")
    font = TTFont(source, fontNumber=SC_INDEX if source.suffix == ".ttc" else -1)
    chars = used_characters()
    options = subset.Options()
    options.flavor = "woff"          # zlib; WOFF2 would need brotli, which the course does not install
    options.layout_features = ["*"]
    options.name_IDs = ["*"]         # keep the copyright and licence records
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=[ord(c) for c in chars])
    sub.subset(font)
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    tmp = FONT.with_suffix(".tmp")
    font.flavor = "woff"
    font.save(tmp)
    tmp.replace(FONT)
    return FONT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["check", "build"])
    parser.add_argument("font", nargs="?", type=Path, default=SYSTEM_FONT)
    args = parser.parse_args(argv)
    if args.command == "build":
        path = build(args.font)
        print(f"{path.relative_to(ROOT)}: {len(font_characters(path))} characters, "
              f"{path.stat().st_size / 1024:.0f} KB")
        return 0
    lacking = missing()
    if lacking:
        print(f"{FONT.relative_to(ROOT)} lacks {len(lacking)} characters the course uses: {''.join(lacking)}\n"
              "rebuild it: python tools/cjk_font.py build", file=sys.stderr)
        return 1
    print(f"{FONT.relative_to(ROOT)} has all {len(used_characters())} Chinese characters the course uses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
