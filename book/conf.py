"""Sphinx configuration of the course website (`make book`).

The site shows the executed notebooks as they are committed: nothing is executed at
build time (`nb_execution_mode = "off"`), and nothing is fetched over the network
(the theme's files come with the pip packages). `make book` copies this folder, README.md
and the notebooks into _build/book-src and builds _build/book/html.
"""

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
