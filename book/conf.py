"""Sphinx configuration of the course website (`make book`).

The site shows the executed notebooks as they are committed: nothing is executed at
build time (`nb_execution_mode = "off"`), and nothing is fetched over the network
(the theme's files come with the pip packages). `make book` copies this folder, README.md
and the notebooks into _build/book-src and builds _build/book/html.

Formulas are typeset by a copy of MathJax 2.7 that the pip package
`jupyter-server-mathjax` ships (the [book] extra), served from the site's own
`_static/mathjax/`: no CDN, so the math shows on a machine without a network too.
Chinese text uses the site's own subset of Noto Sans SC (`_static/fonts/`, made by
`tools/cjk_font.py`), so it reads on a machine without CJK fonts.
"""

import shutil
from pathlib import Path

import jupyter_server_mathjax

project = "AI-generated music (AIGC 音乐): an open course"
author = "the course authors"
copyright = "the course authors; see README.md for data licences"
extensions = ["myst_nb"]
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "*.py", "README.md"]
html_theme = "sphinx_book_theme"
html_title = "AI-generated music (AIGC 音乐)"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
}
html_last_updated_fmt = None
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]

# MathJax from the site itself (see the module docstring): copied next to this file,
# then into _static/ by Sphinx; `mathjax_path` is relative to _static/.
_MATHJAX = Path(jupyter_server_mathjax.__file__).parent / "static"
_HERE = Path(__file__).resolve().parent
shutil.copytree(_MATHJAX, _HERE / "_mathjax" / "mathjax", dirs_exist_ok=True)
html_static_path = ["_mathjax", "_static"]
html_css_files = ["course-cjk.css"]
html_favicon = "_static/favicon.svg"  # without one, every browser asks for /favicon.ico (404)
html_context = {"default_mode": "light"}
exclude_patterns.append("_mathjax")
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    # the theme marks the page tex2jax_ignore; Sphinx's math spans carry class "math"
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processClass": "tex2jax_process|mathjax_process|math|output_area",
                "processRefs": False, "processEnvironments": False},
    # the package ships the STIX web fonts only
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None,
                 # MathJax's "blank" comparison font is url('about:blank'), a request that
                 # always fails (logged on every page); local() of no font fails without one
                 "styles": {"@font-face": {"font-family": "MathJax_Blank", "src": "local('MathJax Blank None')"}}},
    "menuSettings": {"zoom": "None"},
    # HTML-CSS everywhere: the native-MathML output asks for TeX .otf fonts the package
    # does not ship (404s on pages with \\mathbb)
    "MMLorHTML": {"prefer": "HTML"},
}


def _lesson_links(app, relative_path, parent_docname, content):
    """README's course map links ``notebooks/NN_name.ipynb``; on the site the lessons sit
    beside the landing page."""
    if Path(relative_path).name == "README.md":
        content[0] = content[0].replace("](notebooks/", "](")


def setup(app):
    app.connect("include-read", _lesson_links)
