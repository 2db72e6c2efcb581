"""The course website builds offline and shows sound and scores (``make test-book``)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

pytestmark = [pytest.mark.book, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_nb")
    pytest.importorskip("sphinx_book_theme")
    src = tmp_path_factory.mktemp("book-src")
    out = tmp_path_factory.mktemp("book-html")
    for f in [ROOT / "book" / "conf.py", ROOT / "book" / "index.md", ROOT / "README.md",
              ROOT / "docs" / "instructor_guide.md", *NOTEBOOKS]:
        shutil.copy(f, src / f.name)
    shutil.copytree(ROOT / "book" / "_static", src / "_static")
    # the same command as `make book`, with a dead proxy: the build must not need the network
    env = {"PATH": "/usr/bin:/bin", "HOME": str(src), "HTTP_PROXY": "http://127.0.0.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(out)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_every_notebook_has_a_page_and_the_landing_page_links_them(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Course map" in index
    for nb in NOTEBOOKS:
        assert (site / f"{nb.stem}.html").is_file(), nb.stem
        assert f'href="{nb.stem}.html"' in index, nb.stem


def test_course_map_links_every_lesson(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    table = index[index.index("Course map"):]
    table = table[:table.index("</table>")]
    for nb in NOTEBOOKS:
        assert re.search(rf'<a[^>]*href="{nb.stem}.html"', table), f"the course map does not link {nb.stem}"


def test_chinese_text_has_the_sites_own_font(site):
    """Headings read on a machine without CJK fonts: the pages load the course's subset."""
    css = (site / "_static" / "course-cjk.css").read_text(encoding="utf-8")
    font = re.search(r'url\("([^"]+\.woff)"\)', css).group(1)
    assert (site / "_static" / font).is_file() and "unicode-range" in css
    assert (site / "_static" / "fonts" / "OFL.txt").is_file()
    for page in ["index.html", *(f"{nb.stem}.html" for nb in NOTEBOOKS)]:
        assert "_static/course-cjk.css" in (site / page).read_text(encoding="utf-8"), page


def test_every_local_reference_exists(site):
    """No page asks for a file the site does not have (a favicon included)."""
    missing = []
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert 'rel="icon"' in text, f"{page.name} names no favicon: browsers then ask for /favicon.ico"
        for ref in re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="([^"#?]+)', text):
            if not ref.startswith(("http:", "https:", "data:", "mailto:")) and not (site / ref).exists():
                missing.append((page.name, ref))
    assert not missing, missing[:10]


def test_instructor_guide_is_a_page_linked_from_the_landing_page(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="instructor_guide.html"' in index
    guide = (site / "instructor_guide.html").read_text(encoding="utf-8")
    assert "A 12-week semester" in guide and "Rubrics" in guide and "The Littlest JupyterHub" in guide


def test_welcome_page_has_a_player_and_an_engraved_score(site):
    page = (site / "00_welcome.html").read_text(encoding="utf-8")
    assert re.search(r'<audio[^>]*src="data:audio/(?:mpeg|wav);base64,', page)
    svgs = re.findall(r'<img[^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert svgs, "no SVG image in 00's page"
    assert any(b"definition-scale" in base64.b64decode(s) for s in svgs)  # verovio's SVG


def test_site_needs_no_server_code(site):
    assert not list(site.rglob("*.php")) and (site / "_static").is_dir()


def test_pages_load_no_script_or_style_from_the_network(site):
    """MathJax comes from the site's own _static/ (jupyter-server-mathjax), not a CDN."""
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]*(?:src|href)="(https?://[^"]+)"', text)
        assert not [u for u in remote if not u.startswith("https://github.com")], (page.name, remote)
    page = (site / "03_rnn_hidden_state_math.html").read_text(encoding="utf-8")
    local = re.search(r'<script[^>]*src="(_static/mathjax/MathJax\.js)\?config=([\w-]+)"', page)
    assert local, "03's page does not load MathJax from _static/mathjax/"
    assert (site / local.group(1)).is_file()
    assert (site / "_static" / "mathjax" / "config" / f"{local.group(2)}.js").is_file()
    assert r"\(W_{xh}\)" in page  # formulas are left for MathJax to typeset in the page
