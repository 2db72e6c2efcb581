"""Interactive widgets of the lessons (ipywidgets): each one calls a plain library function.

A widget is a thin layer over a function the learner can also call directly, so the
lesson works (and is tested) without a running kernel's controls.

- :func:`co_composer` (notebook 04) over :func:`musiclib.sampling.continue_melody`.
- :func:`style_mixer` (notebook 06) over :func:`musiclib.models.style.transfer_melody`.
- :func:`listening_test` (notebook 07): a blind two-alternative listening test whose
  answers :func:`record_listening_answer` appends to a CSV file, safely when several
  listeners share one file.

Taught in: notebooks/04_lstm_melody_generation.ipynb
"""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path
from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from musiclib.audio import play
from musiclib.display import plot_piano_roll, show_score
from musiclib.errors import DataError, MusicLibError
from musiclib.fileio import append_line
from musiclib.metrics import LISTENING_COLUMNS
from musiclib.representation import NoteList
from musiclib.sampling import continue_melody, parse_melody

__all__ = ["co_composer", "listening_test", "record_listening_answer", "style_mixer"]


# --------------------------------------------------------------------------- notebook 04: co-composer
def co_composer(
    model: Any,
    primers: dict[str, Any],
    *,
    bpm: float = 100.0,
    max_seconds: float = 10.0,
):
    """A small co-composer (协作作曲) widget: pick or type a primer, set temperature,
    top-p and length, press *Compose*, see and hear the continuation.

    The work is done by :func:`musiclib.sampling.continue_melody`, which can be called directly.

    Parameters
    ----------
    model : a melody model (NGramModel or MelodyLSTM)
    primers : dict name -> NoteList or tokens
        Choices for the primer menu; "typed" uses the text box (:func:`musiclib.sampling.parse_melody`).

    Returns
    -------
    ipywidgets.VBox

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    label = {"style": {"description_width": "90px"}}  # wide enough for "temperature"
    choice = w.Dropdown(options=[*primers, "typed"], description="primer", **label)
    typed = w.Text(value="E5 D5 C5 D5 E5 E5 E5:2", description="notes", **label)
    temperature = w.FloatSlider(value=0.9, min=0.0, max=2.0, step=0.1, description="temperature", **label)
    top_p = w.FloatSlider(value=0.95, min=0.05, max=1.0, step=0.05, description="top-p", **label)
    length = w.IntSlider(value=64, min=16, max=128, step=16, description="steps", **label)
    seed = w.IntText(value=0, description="seed", **label)
    button = w.Button(description="Compose", button_style="primary")
    out = w.Output()

    def compose(_=None) -> None:
        out.clear_output()
        with out:
            try:
                primer = parse_melody(typed.value) if choice.value == "typed" else primers[choice.value]
                notes = continue_melody(model, primer, length.value, temperature=temperature.value,
                                        top_p=top_p.value, seed=int(seed.value))
            except MusicLibError as exc:  # typed notes, lengths and counts beyond LoadLimits included
                print(f"cannot compose: {exc}")
                return
            except MemoryError:
                print("cannot compose: the melody is too long to fit in memory; type fewer or shorter notes")
                return
            whole = NoteList.from_arrays(notes.pitch, notes.onset, notes.duration)  # one staff
            n_primer = int((notes.part == 0).sum())
            display(show_score(whole, title=f"primer ({n_primer} notes) and the model's continuation"))
            fig, ax = plt.subplots(figsize=(9, 2.4))
            plot_piano_roll(notes, ax=ax, title="primer (part 0) and continuation (part 1)")
            plt.show()
            display(play(whole, bpm=bpm, max_seconds=max_seconds))

    button.on_click(compose)
    return w.VBox([w.HBox([choice, typed]), w.HBox([temperature, top_p]), w.HBox([length, seed]), button, out])


# --------------------------------------------------------------------------- notebook 06: style mixer
def style_mixer(
    models: Any,
    melodies: dict[str, tuple[NoteList, str]],
    *,
    bpm: float = 100.0,
    max_seconds: float = 12.0,
):
    """Pick a melody, a method and a strength; see and hear it moved to the other style of its pair.

    The work is done by :func:`musiclib.models.style.transfer_melody`; the frozen token
    judge prints P(target style) of the result.

    Parameters
    ----------
    models : musiclib.models.style.StyleModels
    melodies : dict name -> (NoteList, style name)
        e.g. ``{"chorale bwv66.6": (notes, "chorale")}``.

    Returns
    -------
    ipywidgets.VBox

    Taught in: notebooks/06_style_transfer_and_fusion.ipynb
    """
    from musiclib.models.style import PAIRS, melody_tokens, transfer_melody

    partner = {a: b for a, b in PAIRS.values()} | {b: a for a, b in PAIRS.values()}
    choice = w.Dropdown(options=list(melodies), description="melody")
    method = w.ToggleButtons(options=["learned", "decoder", "rule"], description="method")
    strength = w.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.1, description="strength")
    button = w.Button(description="Transfer", button_style="primary")
    out = w.Output()

    def run(_=None) -> None:
        out.clear_output()
        with out:
            notes, source = melodies[choice.value]
            target = partner[source]
            try:
                moved = transfer_melody(models, notes, source, target, method=method.value, strength=strength.value)
                p = float(models.p_target(melody_tokens(moved)[0], target)[0])
            except MusicLibError as exc:
                print(f"cannot transfer: {exc}")
                return
            print(f"{source} -> {target}, {method.value}, strength {strength.value:.1f}: "
                  f"the judge says P({target}) = {p:.2f}")
            display(show_score(moved))
            display(play(moved, bpm=bpm, max_seconds=max_seconds))

    button.on_click(run)
    return w.VBox([choice, method, strength, button, out])


# --------------------------------------------------------------------------- notebook 07: listening test
def record_listening_answer(path: str | os.PathLike, row: dict) -> Path:
    """Append one answer to a listening-test CSV; return the file's full path.

    The row is added as one whole line with one write, under a lock
    (:func:`musiclib.fileio.append_line`): a class whose listeners save to one shared
    file at the same moment loses no answer, and no line is ever split. A new file is
    created with its header row in one step. Columns:
    :data:`musiclib.metrics.LISTENING_COLUMNS`.

    Raises
    ------
    DataError
        If ``row`` lacks a column, or ``path`` exists but is not a listening-test CSV.

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    missing = [c for c in LISTENING_COLUMNS if c not in row]
    if missing:
        raise DataError(f"argument 'row' lacks listening-test columns {missing}")
    header = ",".join(LISTENING_COLUMNS)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(
        [int(row[c]) if isinstance(row[c], bool) else row[c] for c in LISTENING_COLUMNS])
    where = str(Path(path).resolve())

    def is_answers_file(first_line: str) -> None:
        if "\ufffd" in first_line:
            raise DataError(f"file {where!r} (argument 'path') is not UTF-8 text, so not a listening-test CSV; "
                            "choose another path")
        if first_line != header:
            raise DataError(f"file {where!r} exists but is not a listening-test CSV "
                            f"(its first line is not {header!r}); choose another path")

    try:
        return append_line(path, buf.getvalue(), header=header, check=is_answers_file)
    except MusicLibError:
        raise
    except OSError as exc:
        raise DataError(f"file {where!r} (argument 'path') cannot be written: {exc.strerror or exc}") from exc


def listening_test(
    pairs: list[dict],
    path: str | os.PathLike,
    *,
    listener: str = "anonymous",
    seed: int = 0,
    bpm: float = 90.0,
):
    """A blind listening test: each trial plays a human and a machine excerpt as A and B in random order.

    The listener clicks which one a person wrote; every answer is appended to the
    CSV at ``path`` (:func:`record_listening_answer`). Analyse it with
    :func:`musiclib.metrics.read_listening_answers` and
    :func:`musiclib.metrics.listening_test_summary`.

    Parameters
    ----------
    pairs : list of dict
        Each with ``"human"`` and ``"machine"`` (NoteList) and ``"source"`` (the model's name).
    path : CSV file for the answers (created if missing, appended to otherwise). A
        relative path is taken from the current folder (in JupyterLab, the notebook's
        folder); the widget shows the full path from the start.
    listener : str
        A pseudonym stored with each answer.
    seed : int
        Order of the trials and of A/B within each trial.

    Returns
    -------
    ipywidgets.VBox

    Taught in: notebooks/07_evaluating_generated_music.ipynb
    """
    if not pairs or any(not {"human", "machine", "source"} <= set(p) for p in pairs):
        raise DataError("argument 'pairs' must be a non-empty list of dicts with 'human', 'machine' and 'source'")
    where = Path(path).resolve()
    shown_where = html.escape(str(where))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pairs)).tolist()
    human_first = (rng.random(len(pairs)) < 0.5).tolist()
    state = {"k": 0}
    status = w.HTML()
    players = w.Output()
    a_button = w.Button(description="A is human")
    b_button = w.Button(description="B is human")

    def show() -> None:
        players.clear_output()
        k = state["k"]
        if k >= len(order):
            status.value = f"<b>done</b>: {len(order)} answers saved to <code>{shown_where}</code>"
            a_button.disabled = b_button.disabled = True
            return
        pair = pairs[order[k]]
        first, second = (pair["human"], pair["machine"]) if human_first[k] else (pair["machine"], pair["human"])
        status.value = (f"trial {k + 1} of {len(order)}: which excerpt did a person write? "
                        f"(answers: <code>{shown_where}</code>)")
        with players:
            print("A")
            display(play(first, bpm=bpm, max_seconds=12))
            print("B")
            display(play(second, bpm=bpm, max_seconds=12))

    def answer(choice: str) -> None:
        k = state["k"]
        if k >= len(order):
            return
        human_pos = "A" if human_first[k] else "B"
        try:
            record_listening_answer(where, {"listener": listener, "trial": k, "source": pairs[order[k]]["source"],
                                            "human_position": human_pos, "answer": choice,
                                            "correct": choice == human_pos})
        except MusicLibError as exc:  # an answer file that is not ours, or cannot be written
            status.value = f"<b>cannot save the answer</b>: {html.escape(str(exc))}"
            return
        state["k"] += 1
        show()

    start = w.Button(description="Start", button_style="primary")

    def begin(_=None) -> None:
        start.disabled = True
        a_button.disabled = b_button.disabled = False
        show()

    a_button.disabled = b_button.disabled = True
    status.value = (f"{len(order)} trials: press Start, listen to A and B, click which one a person wrote; "
                    f"answers are added to <code>{shown_where}</code>")
    a_button.on_click(lambda _: answer("A"))
    b_button.on_click(lambda _: answer("B"))
    start.on_click(begin)
    return w.VBox([status, start, players, w.HBox([a_button, b_button])])
