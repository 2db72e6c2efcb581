"""Interactive widgets of the lessons (ipywidgets): each one calls a plain library function.

A widget is a thin layer over a function the learner can also call directly, so the
lesson works (and is tested) without a running kernel's controls.

- :func:`co_composer` (notebook 04) over :func:`musiclib.sampling.continue_melody`.
- :func:`style_mixer` (notebook 06) over :func:`musiclib.models.style.transfer_melody`.

Taught in: notebooks/04_lstm_melody_generation.ipynb
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
from IPython.display import display

from musiclib.audio import play
from musiclib.display import plot_piano_roll, show_score
from musiclib.errors import RepresentationError, ShapeError, VocabularyError
from musiclib.representation import NoteList
from musiclib.sampling import continue_melody, parse_melody

__all__ = ["co_composer", "style_mixer"]


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
            except (RepresentationError, VocabularyError, ShapeError) as exc:
                print(f"cannot compose: {exc}")
                return
            display(show_score(notes.select_part(1) if (notes.part == 1).any() else notes))
            fig, ax = plt.subplots(figsize=(9, 2.4))
            plot_piano_roll(notes, ax=ax, title="primer (part 0) and continuation (part 1)")
            plt.show()
            display(play(NoteList.from_arrays(notes.pitch, notes.onset, notes.duration), bpm=bpm,
                         max_seconds=max_seconds))

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
    from musiclib.errors import ConfigError
    from musiclib.models.style import PAIRS, melody_tokens, transfer_melody

    partner = {a: b for a, b in PAIRS.values()} | {b: a for a, b in PAIRS.values()}
    choice = w.Dropdown(options=list(melodies), description="melody")
    method = w.ToggleButtons(options=["learned", "rule"], description="method")
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
            except (ConfigError, RepresentationError, VocabularyError, ShapeError) as exc:
                print(f"cannot transfer: {exc}")
                return
            print(f"{source} -> {target}, {method.value}, strength {strength.value:.1f}: "
                  f"the judge says P({target}) = {p:.2f}")
            display(show_score(moved))
            display(play(moved, bpm=bpm, max_seconds=max_seconds))

    button.on_click(run)
    return w.VBox([choice, method, strength, button, out])
