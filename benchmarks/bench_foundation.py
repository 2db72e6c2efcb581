"""Timings of the foundation: dataset loading vs parsing, audio and score rendering.

Run:  .venv/bin/python benchmarks/bench_foundation.py
Prints a table; the figures go in the README and the issue notes, never in tests.
"""

from __future__ import annotations

import time
from statistics import median

import numpy as np

from musiclib.audio import synthesize
from musiclib.datasets import load_chorale_bars, load_chorales, load_folk
from musiclib.display import score_svg
from musiclib.representation import NoteList, notes_from_stream


def timed(fn, repeat: int = 5) -> float:
    """Median wall time of ``fn()`` in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return median(times)


def main() -> None:
    from music21 import corpus

    rows = []
    rows.append(("load chorales (331 pieces)", timed(load_chorales)))
    rows.append(("load O'Neill's (1,838 tunes)", timed(lambda: load_folk("oneills"))))
    rows.append(("load Han folk songs (1,224)", timed(lambda: load_folk("han"))))
    rows.append(("load chorale bars (4,068 rolls)", timed(load_chorale_bars)))
    names = ["bach/bwv347", "bach/bwv269", "bach/bwv10.7", "bach/bwv153.1", "bach/bwv86.6"]
    per_piece = timed(lambda: [corpus.parse(n, forceSource=True) for n in names], repeat=1) / len(names)
    rows.append(("parse one chorale from music21 (forceSource)", per_piece))
    rows.append(("  -> parse all 331 chorales (estimate)", per_piece * 331))

    rng = np.random.default_rng(0)
    lengths = rng.choice([0.25, 0.5, 0.75, 1.0, 1.5], size=200)
    onsets = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    keep = onsets < 60  # 60 quarters = 30 s at 120 bpm
    melody = NoteList.from_arrays(rng.integers(55, 85, keep.sum()), onsets[keep], lengths[keep])
    for inst in ("piano", "flute", "strings"):
        rows.append((f"synthesize 30 s melody, {inst}, 16 kHz", timed(lambda i=inst: synthesize(melody, instrument=i,
                                                                                              bpm=120))))
    rows.append(("synthesize 30 s melody, piano, 44.1 kHz",
                 timed(lambda: synthesize(melody, bpm=120, sr=44100))))
    chorale = notes_from_stream(corpus.parse("bach/bwv347"))
    rows.append(("score SVG: 4 bars of a chorale", timed(lambda: score_svg(chorale.window(0, 17)))))
    rows.append(("score SVG: a whole chorale (1 page)", timed(lambda: score_svg(chorale))))
    rows.append(("score SVG: a 30 s melody", timed(lambda: score_svg(melody))))
    width = max(len(r[0]) for r in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
