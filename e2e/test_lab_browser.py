"""What a learner sees: JupyterLab in a real browser (``make test-browser``).

Starts JupyterLab on a free loopback port with a token, serving a temporary copy of the
notebooks (so nothing is saved into the committed ones), and drives Debian's chromium
with Playwright (never a downloaded browser):

- notebook 05 as cloned, untrusted and not run: a committed player plays, and the
  notebook is not marked modified (nothing for autosave to write).
- notebook 00: Run All ends with no error output, an <audio> player that plays, a score.
- notebook 04: Run All, then the co-composer: move the temperature slider, press
  Compose, see a score and a player; move it again, press again, see them change.

Screenshots go to ``artifacts/browser/``. Everything started here is stopped here.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = os.environ.get("MUSICLIB_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required", "--disable-dev-shm-usage"]
SCORES = ".jp-OutputArea-output img[src^='data:image/svg+xml;base64,']"  # show_score's HTML images
RUN_ALL_TIMEOUT = int(os.environ.get("MUSICLIB_BROWSER_TIMEOUT", "420"))  # s per notebook, ci profile

pytestmark = pytest.mark.timeout(1200)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of notebooks/; yields its base URL and token."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (`make test-browser` does it as root)")
    work = tmp_path_factory.mktemp("lab")
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy(nb, work / nb.name)
    port, token = _free_port(), secrets.token_hex(16)
    # a data folder of its own: no notebook signature from `make lab` or an earlier run, so
    # every notebook opens untrusted, as a fresh clone does
    data_dir = tmp_path_factory.mktemp("jupyter-data")
    env = dict(os.environ, MUSICLIB_PROFILE="ci", JUPYTER_PLATFORM_DIRS="1", JUPYTER_DATA_DIR=str(data_dir))
    cmd = [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
           "--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "jupyterlab.log", "w")  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start (exit code {server.poll()}); "
                                "see artifacts/browser/jupyterlab.log")
                time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started (own session)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser, lab, name: str):
    """A page with notebook `name` open alone in JupyterLab, nothing run."""
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    # a workspace of its own, reset: JupyterLab would otherwise restore the tabs of the
    # previous page, and the notebook in front might not be this one
    page.goto(f"{base}/lab/workspaces/{Path(name).stem}/tree/{name}?reset&token={token}")
    page.wait_for_function("""name => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        return !!(w && w.context && w.context.path === name && w.node.querySelector('.jp-Cell')); }""", arg=name)
    return page


def _play(page, audio) -> dict:
    """Start the player `audio` (a locator) and wait until 0.2 s of it has played."""
    audio.scroll_into_view_if_needed()
    # start playback without awaiting it in the page (a play() promise that never settles
    # would hang evaluate, which has no timeout), then poll with one
    audio.evaluate("a => { window.__playError = null; a.play().catch(e => { window.__playError = String(e); }); }")
    try:
        audio.evaluate("""a => new Promise((ok, fail) => {
            const t0 = Date.now();
            const poll = () => (window.__playError !== null || a.currentTime > 0.2) ? ok()
                : (Date.now() - t0 > 30000 ? fail('timeout') : setTimeout(poll, 200));
            poll(); })""")
    except playwright_sync.Error:
        pass  # reported by the assertions on what played
    return audio.evaluate("""a => { const t = a.currentTime; a.pause();
        return {duration: a.duration, currentTime: t, error: window.__playError,
                src: (a.getAttribute('src') || '').slice(0, 30)}; }""")


def _open_and_run_all(browser, lab, name: str, at_rest=None):
    """Open notebook `name` alone, call ``at_rest(page)`` before any cell runs, then Run All."""
    page = _open(browser, lab, name)
    if at_rest is not None:
        at_rest(page)
    # wait for the kernel, then Run All through JupyterLab's own command
    # a "Select Kernel" dialog may ask first: take the notebook's kernel
    deadline = time.monotonic() + 120
    while not page.evaluate("""name => {
        const w = window.jupyterapp.shell.currentWidget;
        return !!(w && w.context.path === name
                  && w.sessionContext && w.sessionContext.session?.kernel?.status === 'idle');
    }""", name):
        select = page.locator(".jp-Dialog button.jp-mod-accept")
        if select.count():
            select.first.click()
        if time.monotonic() > deadline:
            page.screenshot(path=str(ARTIFACTS / f"{name}.no-kernel.png"))
            pytest.fail(f"no idle kernel for {name} after 120 s")
        time.sleep(0.5)
    # Run All through JupyterLab's own command; its promise settles when the last cell ran
    page.evaluate("""() => {
        window.__runAll = null;
        window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs').then(() =>
            window.jupyterapp.commands.execute('notebook:run-all-cells')).then(
                ok => { window.__runAll = 'done'; }, err => { window.__runAll = 'error: ' + err; });
    }""")
    try:
        page.wait_for_function("window.__runAll !== null", timeout=RUN_ALL_TIMEOUT * 1000, polling=1000)
    except playwright_sync.TimeoutError:
        page.screenshot(path=str(ARTIFACTS / f"{name}.timeout.png"), full_page=True)
        raise
    assert page.evaluate("window.__runAll") == "done"
    # every code cell ran
    assert page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
        .filter(c => c.model.type === 'code').every(c => c.model.executionCount !== null)""")
    return page


def _show_cell(page, *, source: str | None = None, output: str | None = None) -> bool:
    """Make the first code cell whose source (and outputs) contain the given text active and
    scroll it to the middle; JupyterLab 4 renders only the cells near the viewport."""
    return page.evaluate("""([source, output]) => {
        const nb = window.jupyterapp.shell.currentWidget.content;
        const i = nb.widgets.findIndex(c => c.model.type === 'code'
            && (source === null || c.model.sharedModel.getSource().includes(source))
            && (output === null || JSON.stringify(c.model.outputs.toJSON()).includes(output)));
        if (i < 0) { return false; }
        nb.activeCellIndex = i;
        nb.scrollToItem(i, 'center');  // not awaited: the caller's locator waits for the cell to render
        return true;
    }""", [source, output])


def _errors(page) -> list[str]:
    texts = page.eval_on_selector_all(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']", "els => els.map(e => e.innerText)")
    return [t[:500] for t in texts if "Traceback" in t or "Error" in (t.splitlines() or [""])[0]]


def test_committed_player_plays_in_an_untrusted_notebook_that_stays_unmodified(browser, lab):
    """JupyterLab's sanitizer strips <source src> in an untrusted notebook; the course's
    players carry their sound on <audio src>, so they play as committed."""
    name = "05_gan_music_generation.ipynb"
    page = _open(browser, lab, name)
    n_cells = len(json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))["cells"])
    page.wait_for_function("n => window.jupyterapp.shell.currentWidget.content.model.cells.length === n", arg=n_cells)
    trusted = page.evaluate("""() => { const cells = window.jupyterapp.shell.currentWidget.content.widgets;
        return cells.filter(c => c.model.type === 'code' && c.model.outputs.length > 0)
                    .map(c => c.model.trusted); }""")
    assert trusted and not any(trusted), "the copied notebook opened trusted: the test would prove nothing"
    deadline = time.monotonic() + 30
    while not _show_cell(page, output="data:audio/"):
        if time.monotonic() > deadline:
            pytest.fail(f"no committed player in {name}")
        time.sleep(0.5)
    audio = page.locator(".jp-OutputArea-output audio").first
    audio.wait_for(timeout=30_000)
    played = _play(page, audio)
    page.screenshot(path=str(ARTIFACTS / "05_untrusted_player.png"))
    assert played["error"] is None and played["src"].startswith("data:audio/"), played
    assert played["duration"] > 1 and played["currentTime"] > 0.2, played
    # opened, scrolled and played, never run or edited: nothing for autosave to write
    time.sleep(3)
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty") is False, (
        f"{name} is marked modified on opening: autosave would change the committed file")
    page.close()


def test_notebook_00_runs_all_with_sound_and_score(browser, lab):
    t0 = time.monotonic()
    at_rest = {}

    def before_running(page):
        # what a learner sees on opening the committed notebook, before any kernel runs:
        # the engraved scores (JupyterLab renders no SVG output of an untrusted notebook)
        deadline = time.monotonic() + 30   # the cells' outputs arrive after the cells
        while not _show_cell(page, output="data:image/svg+xml;base64,"):
            if time.monotonic() > deadline:
                page.screenshot(path=str(ARTIFACTS / "00_welcome.at-rest.png"))
                pytest.fail("no committed score (an SVG image) in notebook 00 as opened")
            time.sleep(0.5)
        page.locator(SCORES).first.wait_for(timeout=30_000)
        at_rest["scores"] = page.locator(SCORES).count()
        page.screenshot(path=str(ARTIFACTS / "00_welcome_at_rest.png"))

    page = _open_and_run_all(browser, lab, "00_welcome.ipynb", at_rest=before_running)
    assert at_rest["scores"] >= 1
    page.screenshot(path=str(ARTIFACTS / "00_welcome_top.png"))
    assert _errors(page) == []
    assert page.locator(".jp-Notebook audio").count() >= 1
    played = _play(page, page.locator(".jp-Notebook audio").first)
    if played["error"] is not None or played["currentTime"] <= 0.2:
        page.screenshot(path=str(ARTIFACTS / "00_welcome.audio-timeout.png"))
    assert played["error"] is None, played
    assert played["duration"] > 1 and played["currentTime"] > 0.2, played
    assert _show_cell(page, output="data:image/svg+xml;base64,")
    scores = page.locator(SCORES)
    scores.first.wait_for(timeout=30_000)
    scores.first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "00_welcome_score.png"))
    print(f"notebook 00 in the browser: {time.monotonic() - t0:.0f} s")
    page.close()


def test_notebook_04_co_composer_composes(browser, lab):
    t0 = time.monotonic()
    page = _open_and_run_all(browser, lab, "04_lstm_melody_generation.ipynb")
    assert _errors(page) == []
    # JupyterLab 4 renders only the cells near the viewport: bring the co-composer's cell there first
    assert _show_cell(page, source="co_composer("), "no cell calls co_composer( in notebook 04"
    box = page.locator(".jp-OutputArea .widget-vbox").filter(has=page.get_by_role("button", name="Compose")).last
    try:
        box.wait_for(timeout=60_000)
    except playwright_sync.TimeoutError:
        page.screenshot(path=str(ARTIFACTS / "04_co_composer.missing.png"))
        output = page.evaluate("""() => {
            const nb = window.jupyterapp.shell.currentWidget.content;
            const cell = nb.widgets[nb.activeCellIndex];
            return cell.outputArea ? cell.outputArea.node.innerText.slice(0, 800) : '(no output area)';
        }""")
        pytest.fail(f"no co-composer (a box with a Compose button) in notebook 04; its cell shows: {output!r}")
    box.scroll_into_view_if_needed()
    slider = box.locator(".widget-slider").filter(has_text="temperature")
    readout = slider.locator(".widget-readout")
    before = readout.inner_text()
    slider.locator(".noUi-handle, .slider-handle, [role=slider]").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("([el, v]) => el.innerText !== v", arg=[readout.element_handle(), before])
    box.get_by_role("button", name="Compose").click()
    box.locator("audio").first.wait_for(timeout=120_000)
    first = box.locator("audio").first.get_attribute("src")
    assert box.locator("img[src^='data:image/svg+xml;base64,']").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "04_co_composer_first.png"))
    slider.locator(".noUi-handle, .slider-handle, [role=slider]").first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    box.get_by_role("button", name="Compose").click()
    page.wait_for_function("([box, src]) => { const a = box.querySelector('audio'); return a && a.src !== src; }",
                           arg=[box.element_handle(), first], timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "04_co_composer_second.png"))
    print(f"notebook 04 in the browser: {time.monotonic() - t0:.0f} s; temperature {before} -> "
          f"{readout.inner_text()}")
    page.close()


ALL = [nb.name for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]


@pytest.mark.skipif(os.environ.get("MUSICLIB_BROWSER_ALL") != "1",
                    reason="every notebook: `make test-browser-all` (MUSICLIB_BROWSER_ALL=1)")
@pytest.mark.parametrize("name", ALL)
def test_every_notebook_runs_all_in_the_browser_without_an_error(browser, lab, name):
    t0 = time.monotonic()
    page = _open_and_run_all(browser, lab, name)
    page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}_end.png"))
    assert _errors(page) == []
    print(f"{name} in the browser: {time.monotonic() - t0:.0f} s")
    page.close()
