# The course's commands. `make lab` and `make test` work on a fresh machine with
# Python 3.11 (or 3.12): they create .venv and install the pinned dependencies.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Quiet, deterministic TensorFlow in every kernel started from here.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export KERAS_BACKEND := tensorflow
export PYTHONHASHSEED := 0
export PYTHONWARNINGS := ignore::DeprecationWarning

# JupyterLab refuses to run as root without this flag (containers, cloud VMs).
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab test test-student test-grading assignments grade test-browser test-browser-all test-latest book test-book unit nbval lint imports notebooks course data student setup clean-venv help

help:
	@echo "make lab     - install (first time) and open JupyterLab on notebooks/"
	@echo "make test    - install, then ruff, unit tests and nbval over every notebook (ci profile)"
	@echo "make notebooks - sync every notebook with its lesson source (the newer file wins)"
	@echo "make course  - execute every notebook in place under the cpu profile, check time budgets (commit the result)"
	@echo "make data    - rebuild datasets/ from the music21 corpus (a few minutes)"
	@echo "make assignments - nbgrader student release of every lesson in release/ (no solutions, graded cells with points)"
	@echo "make grade SUBMISSIONS=DIR [CELL_TIMEOUT=120] - autograde DIR/<student>/<NN_name>.ipynb: DIR/grades.csv, feedback HTML"
	@echo "make student - the same as make assignments (the one student edition)"
	@echo "make test-browser - JupyterLab in Debian's chromium: run notebooks 00 and 04, use the co-composer"
	@echo "make test-browser-all - the same, plus Run All of every notebook in the browser (not in CI)"
	@echo "make book    - the course website (static HTML of the executed notebooks) in _build/book/html"
	@echo "make test-latest - canary: newest dependency releases (no constraints) in .venv-latest, unit tests"
	@echo "make test-student - run every released notebook top to bottom (ci profile): [FAIL] lines, no traceback"
	@echo "make test-grading - a class of three submissions to lessons 00 and 01, graded (about 2 min)"

$(STAMP): pyproject.toml constraints.txt jupyter-overrides.json
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v in ((3, 11), (3, 12)) else f"Python 3.11 or 3.12 is needed, found {sys.version.split()[0]} at {sys.executable}; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,grading]"
	@# Soundfont renderer without its pyaudio requirement (playback only; does not build here).
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt tinysoundfont
	@# nbgrader's JupyterLab and server extensions stay off in the course's own venv, so that
	@# `make lab` starts as it did for learners (make assignments/grade do not need them; a hub
	@# turns them on, see docs/instructor_guide.md).
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader > /dev/null 2>&1
	for e in formgrader validate_assignment assignment_list course_list; do \
		$(BIN)/jupyter server extension disable --sys-prefix nbgrader.server_extensions.$$e > /dev/null 2>&1; done
	@# Offline-friendly JupyterLab: no news or update checks over the network.
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyter-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(STAMP)

setup: $(STAMP)

lab: $(STAMP)
	@# Trust the committed outputs (scores are SVG, players HTML) so JupyterLab shows them.
	$(BIN)/jupyter trust -y $(NOTEBOOKS) > /dev/null
	$(BIN)/jupyter lab notebooks/ $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check musiclib tests notebooks benchmarks tools e2e

imports: $(STAMP)
	$(BIN)/lint-imports

# Each notebooks/NN_name.ipynb is paired with notebooks/NN_name.py (jupytext percent
# format, see pyproject.toml). Edit either; this brings the other up to date, keeping
# the notebook's outputs. A unit test fails when a pair is out of sync.
notebooks: $(STAMP)
	$(BIN)/jupytext --sync $(NOTEBOOKS)

# Offline guarantee: the unit tests run with sockets disabled (pytest-socket), and the
# notebooks with connections allowed to loopback only (the kernel) and HTTP(S) sent to a
# dead proxy, so anything that tries to download fails the test.
OFFLINE_ENV := HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 \
	https_proxy=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

unit: $(STAMP)
	$(OFFLINE_ENV) $(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not student_run and not book and not grading" \
		--disable-socket --allow-unix-socket tests

# The student edition is nbgrader's release (make assignments); it runs top to bottom:
# exercises print [FAIL], never a traceback.
test-student: assignments
	MUSICLIB_PROFILE=ci $(BIN)/python -m pytest -q -n 2 -m student_run tests/test_student_edition.py

# A class of three (full solutions, the untouched release, a notebook that hangs) hands in
# lessons 00 and 01; grading must give full marks, at most half, and stop the hang.
test-grading: $(STAMP)
	$(OFFLINE_ENV) $(BIN)/python -m pytest -q -m grading tests/test_assignments.py

nbval: $(STAMP)
	MUSICLIB_PROFILE=ci $(OFFLINE_ENV) $(BIN)/python -m pytest -q -n 2 --dist loadfile --nbval --nbval-current-env \
		--allow-hosts=127.0.0.1,::1 \
		--nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 600 $(NOTEBOOKS)

test: lint imports unit nbval test-student test-grading test-book

# Executes every notebook in place under the cpu profile, records its time in
# docs/notebook_times.json (and README's table), fails past the budget in its metadata,
# and puts saved widgets at rest (one line instead of broken-link icons).
course: $(STAMP)
	MUSICLIB_PROFILE=cpu $(BIN)/python tools/course.py run $(NOTEBOOKS)

data: $(STAMP)
	$(BIN)/python -m musiclib.datasets build

# The student release of every lesson, made by nbgrader from the lesson sources (.py):
# release/NN_name.ipynb, no solution code, no hidden tests, graded cells with their
# points. The nbgrader course directory (source/, release/, gradebook.db,
# nbgrader_config.py) is rebuilt in _build/nbgrader. See docs/instructor_guide.md.
assignments: $(STAMP)
	$(BIN)/python -m musiclib.assignments release --src notebooks --out release --course _build/nbgrader

# One way to make a student edition: the nbgrader release.
student: assignments

# Autograde a class: SUBMISSIONS=DIR holds DIR/<student>/<NN_name>.ipynb. Writes
# DIR/grades.csv, DIR/<student>/<NN_name>.feedback.html and DIR/grading_report.txt. Each
# submission runs in a new kernel under the ci profile, offline, CELL_TIMEOUT seconds per cell.
CELL_TIMEOUT ?= 120
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=DIR [CELL_TIMEOUT=120]" >&2; exit 2; }
	$(OFFLINE_ENV) $(BIN)/python -m musiclib.assignments grade "$(SUBMISSIONS)" --cell-timeout $(CELL_TIMEOUT)

# A real browser: JupyterLab on a free loopback port, Debian's chromium driven by
# Playwright (e2e/). Installs chromium first if it is missing (as root, or says how).
BROWSER_STAMP := $(VENV)/.browser-installed
$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[browser]"
	touch $(BROWSER_STAMP)

test-browser: $(BROWSER_STAMP)
	.ci/ensure-chromium
	MUSICLIB_PROFILE=ci $(BIN)/python -m pytest -q -s e2e

# Every notebook, Run All in the browser, no error output (about 7 min on 2 cores; not in CI).
test-browser-all: $(BROWSER_STAMP)
	.ci/ensure-chromium
	MUSICLIB_PROFILE=ci MUSICLIB_BROWSER_ALL=1 $(BIN)/python -m pytest -q -s e2e

# Canary: the newest releases inside pyproject's ranges (no constraints file), in a
# separate venv, running the unit tests. Not part of `make test`; see CONTRIBUTING.md.
test-latest:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade -e ".[test,grading]"
	.venv-latest/bin/python -m pip install --quiet --no-deps --upgrade tinysoundfont
	.venv-latest/bin/python -m pip freeze > .venv-latest/freeze.txt
	@echo "newest versions: see .venv-latest/freeze.txt (diff it against constraints.txt)"
	$(OFFLINE_ENV) .venv-latest/bin/python -m pytest -q -n 2 --dist loadfile -m "not student_run and not book and not grading" \
		--disable-socket --allow-unix-socket tests

# The course website: every executed notebook as static HTML (Sphinx + MyST-NB +
# sphinx-book-theme from pip, nothing executed, nothing downloaded). Open
# _build/book/html/index.html; to publish, copy that folder to any static host.
BOOK_STAMP := $(VENV)/.book-installed
$(BOOK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[book]"
	touch $(BOOK_STAMP)

book: $(BOOK_STAMP)
	rm -rf _build/book-src _build/book
	mkdir -p _build/book-src
	cp -r book/conf.py book/index.md book/_static README.md docs/instructor_guide.md _build/book-src/
	cp $(NOTEBOOKS) _build/book-src/
	$(BIN)/sphinx-build -q -b html _build/book-src _build/book/html
	@echo "website: _build/book/html/index.html"

test-book: $(BOOK_STAMP)
	$(BIN)/python -m pytest -q -m book tests/test_book.py

clean-venv:
	rm -rf $(VENV)
