"""Seeing music: piano-roll plots and engraved scores (SVG through verovio).

Scores are engraved offline: music21 writes MusicXML, verovio (a pip wheel, no
MuseScore needed) turns it into SVG. With a fixed ``xmlIdSeed`` the SVG is the same
on every run, so notebooks can be compared by nbval.

Taught in: notebooks/01_music_as_data.ipynb
"""

from __future__ import annotations

import base64
import copy
import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from musiclib.audio import play
from musiclib.errors import RepresentationError, ShapeError
from musiclib.notation import notes_to_stream
from musiclib.representation import (
    DEFAULT_ROLL_RANGE,
    DEFAULT_STEPS_PER_QUARTER,
    NoteList,
    pitch_name,
)

__all__ = [
    "plot_piano_roll",
    "score_svg",
    "Score",
    "show_score",
    "see_and_hear",
    "PART_COLORS",
    "LivePlot",
]

PART_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def plot_piano_roll(
    music: NoteList | np.ndarray,
    *,
    ax: Any = None,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    low: int = DEFAULT_ROLL_RANGE[0],
    beats_per_bar: int = 4,
    title: str | None = None,
):
    """Plot notes (one colour per part) or a binary roll (time x pitch).

    Parameters
    ----------
    music : NoteList or ndarray of shape (time, pitch)
    ax : matplotlib Axes, optional
        Where to draw; a new figure (10 x 3 inches) otherwise.
    steps_per_quarter, low : int
        How to read a roll array: its grid and the MIDI pitch of column 0.
    beats_per_bar : int
        Quarter notes per bar, for the bar lines.

    Returns
    -------
    matplotlib Axes

    Taught in: notebooks/01_music_as_data.ipynb
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3))
    if isinstance(music, NoteList):
        notes = music
        if len(notes) == 0:
            raise RepresentationError("argument 'music' is an empty NoteList; nothing to plot")
        for p, o, d, part in zip(notes.pitch, notes.onset, notes.duration, notes.part, strict=True):
            ax.add_patch(Rectangle((o, p - 0.4), d, 0.8, color=PART_COLORS[int(part) % 6], lw=0))
        lo, hi, end = int(notes.pitch.min()), int(notes.pitch.max()), notes.end
        ax.set_xlim(0, end)
    else:
        roll = np.asarray(music)
        if roll.ndim != 2:
            raise ShapeError(f"argument 'music' must be a NoteList or a 2-D roll (time, pitch), got shape {roll.shape}")
        t, p = np.nonzero(roll)
        ax.imshow(
            roll.T, aspect="auto", origin="lower", cmap="Greys", interpolation="nearest",
            extent=(0, roll.shape[0] / steps_per_quarter, low - 0.5, low + roll.shape[1] - 0.5),
        )
        lo = low + (int(p.min()) if p.size else 0)
        hi = low + (int(p.max()) if p.size else roll.shape[1] - 1)
        end = roll.shape[0] / steps_per_quarter
    ax.set_ylim(lo - 1.5, hi + 1.5)
    for bar in np.arange(0, end + 1e-9, beats_per_bar):
        ax.axvline(bar, color="0.8", lw=0.8, zorder=0)
    ticks = [q for q in range(lo - 1, hi + 2) if q % 12 == 0] or [lo]
    ax.set_yticks(ticks, [pitch_name(q) for q in ticks])
    ax.set_xlabel("time (quarter notes)")
    ax.set_ylabel("pitch")
    if title:
        ax.set_title(title)
    return ax


def _toolkit(width: int, scale: int, header: bool):
    import verovio

    tk = verovio.toolkit()
    tk.setOptions(
        {
            "xmlIdSeed": 1,
            "pageWidth": width,
            "scale": scale,
            "adjustPageHeight": True,
            "breaks": "auto",
            "footer": "none",
            "header": "auto" if header else "none",
        }
    )
    return tk


def score_svg(
    music: Any,
    *,
    title: str | None = None,
    bpm: float | None = None,
    width: int = 2100,
    scale: int = 40,
    max_pages: int = 1,
) -> str:
    """Engrave notes or a music21 stream as SVG (deterministic).

    Parameters
    ----------
    music : NoteList or music21.stream.Stream
    title : str, optional
    width, scale : int
        verovio page width (in its units) and zoom in percent.
    max_pages : int
        Only the first pages are kept (long pieces get long).

    Returns
    -------
    str
        SVG markup, one ``<svg>`` per page.

    Used by: musiclib.display, musiclib.environment, musiclib.notation
    """
    from music21 import metadata, musicxml
    from music21 import stream as m21stream

    if isinstance(music, NoteList):
        stream = notes_to_stream(music, bpm=bpm, title=title)
    elif isinstance(music, m21stream.Stream):
        stream = music
        if title is not None:
            stream = copy.deepcopy(music)
            stream.metadata = metadata.Metadata(title=title)
    else:
        raise RepresentationError(
            f"argument 'music' must be a NoteList or a music21 stream, got {type(music).__name__}"
        )
    header = stream.metadata is not None and bool(stream.metadata.title)
    exporter = musicxml.m21ToXml.GeneralObjectExporter(stream)
    xml = exporter.parse().decode("utf-8")
    xml = re.sub(r"<encoding-date>.*?</encoding-date>", "", xml)
    if not header:
        # music21 fills in placeholder titles such as "Music21 Fragment"
        xml = re.sub(r"<movement-title>.*?</movement-title>", "", xml)
        xml = re.sub(r"<work>.*?</work>", "", xml, flags=re.S)
        xml = re.sub(r"<credit\b.*?</credit>", "", xml, flags=re.S)
        xml = re.sub(r"<creator type=\"composer\">.*?</creator>", "", xml)
    tk = _toolkit(width, scale, header=header)
    if not tk.loadData(xml):
        raise RepresentationError("verovio could not read the MusicXML made from argument 'music'")
    pages = min(tk.getPageCount(), max_pages)
    return "".join(tk.renderToSVG(i + 1) for i in range(pages))


class Score:
    """An engraved score for a notebook: the SVG of :func:`score_svg`, shown as an image.

    The notebook output is an HTML ``<img>`` whose source is the SVG as a data URI, not
    an ``image/svg+xml`` output: JupyterLab does not render SVG outputs of a notebook it
    does not trust (every freshly cloned notebook), but it does render sanitised HTML
    images, so the committed scores are visible before anything runs.

    Used by: :func:`show_score`.
    """

    def __init__(self, svg: str, *, title: str | None = None) -> None:
        self.svg = svg
        self.title = title

    def __repr__(self) -> str:
        return f"Score({self.title!r}, {len(self.svg):,} characters of SVG)"

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        alt = html.escape(self.title or "score", quote=True)
        return f'<img alt="{alt}" style="max-width: 100%" src="data:image/svg+xml;base64,{data}"/>'


def show_score(music: Any, **kwargs: Any) -> Score:
    """Display :func:`score_svg` inline in a notebook (a :class:`Score`, shown as an image).

    Taught in: notebooks/01_music_as_data.ipynb
    """
    return Score(score_svg(music, **kwargs), title=kwargs.get("title"))


def see_and_hear(
    notes: NoteList,
    *,
    title: str | None = None,
    bpm: float = 100.0,
    instrument: str = "piano",
    score: bool = True,
    max_quarters: float | None = 32.0,
    engine: str | None = None,
) -> None:
    """Show a score, a piano roll and an audio player for the same notes.

    Long pieces are cut to their first ``max_quarters`` quarter notes. ``engine`` picks
    the sound (see :func:`musiclib.audio.play`): the General MIDI soundfont by default,
    ``"additive"`` for the synthesizer.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    if len(notes) == 0:
        raise RepresentationError("argument 'notes' is empty; nothing to show or play")
    if max_quarters is not None and notes.end > max_quarters:
        notes = notes.window(0.0, max_quarters)
    if score:
        display(show_score(notes, title=title))
    fig, ax = plt.subplots(figsize=(10, 2.6))
    plot_piano_roll(notes, ax=ax, title=None if score else title)
    fig.tight_layout()
    plt.show()
    display(play(notes, bpm=bpm, instrument=instrument, engine=engine))


class LivePlot:
    """Training curves that redraw in place while a model trains: one figure, updated.

    Pass :meth:`update` as the ``on_epoch`` callback of a training function (it receives the
    epoch index and that epoch's logs). Each panel plots the named log keys against the
    epoch; keys measured only every few epochs are drawn as points joined by lines. The
    notebook keeps the last picture.

    Parameters
    ----------
    panels : dict title -> sequence of log keys
    references : dict title -> float, optional
        A dashed line per panel (e.g. the data's value).
    every : int
        Redraw every ``every`` epochs (and whenever a panel's key first appears).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """

    def __init__(self, panels: Mapping[str, Sequence[str]], *, references: Mapping[str, float] | None = None,
                 every: int = 1, figsize: tuple[float, float] | None = None) -> None:
        if not panels:
            raise ShapeError("argument 'panels' must name at least one panel")
        if int(every) < 1:
            raise ShapeError(f"argument 'every' must be a positive integer, got {every!r}")
        self.panels = {str(t): tuple(keys) for t, keys in panels.items()}
        self._keys = {k for keys in self.panels.values() for k in keys}
        self.references = dict(references or {})
        self.every = int(every)
        self.figsize = figsize or (4.0 * len(self.panels), 2.8)
        self.history: dict[str, list[tuple[int, float]]] = {}
        self.handle: Any = None

    def update(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Record one epoch's logs (finite numbers only) and redraw when due."""
        new_key = False
        for k, v in logs.items():
            if k in self._keys and isinstance(v, int | float | np.floating) and math.isfinite(float(v)):
                new_key |= k not in self.history
                self.history.setdefault(k, []).append((int(epoch) + 1, float(v)))
        if new_key or (int(epoch) + 1) % self.every == 0:
            self.draw()

    def draw(self) -> None:
        """Draw the curves so far, replacing the previous picture in the notebook."""
        import matplotlib.pyplot as plt
        from IPython.display import display

        fig, axes = plt.subplots(1, len(self.panels), figsize=self.figsize, squeeze=False)
        for ax, (title, keys) in zip(axes[0], self.panels.items(), strict=True):
            for k in keys:
                points = self.history.get(k, [])
                if points:
                    xs, ys = zip(*points, strict=True)
                    sparse = len(xs) > 1 and xs[1] - xs[0] > 1
                    ax.plot(xs, ys, "o-" if sparse or len(xs) == 1 else "-", ms=3, label=k)
            if title in self.references:
                ax.axhline(self.references[title], color="k", ls="--", label="data")
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("epoch")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
        fig.tight_layout()
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)
        plt.close(fig)
