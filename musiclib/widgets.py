"""Interactive widgets of the lessons (ipywidgets): each one calls a plain library function.

A widget is a thin layer over a function the learner can also call directly, so the
lesson works (and is tested) without a running kernel's controls.

- :func:`co_composer` (notebook 04) over :func:`musiclib.sampling.continue_melody`.

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

__all__ = ["co_composer"]


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
