"""Rendering time of the two sound engines on a 30-second four-part chorale.

Run:  .venv/bin/python benchmarks/bench_sound.py
Prints the median of 5 runs per engine; the target for the soundfont engine is < 0.5 s.
The figures go in the README and the issue notes, never in tests.
"""

from __future__ import annotations

import time
from statistics import median

from musiclib.audio import render_soundfont, synthesize
from musiclib.representation import NoteList


def chorale_30s(bpm: float = 80.0) -> NoteList:
    """A real chorale (the shipped dataset) cut to 30 s, or four voices of quarter notes."""
    quarters = 30.0 * bpm / 60.0
    try:
        from musiclib.datasets import load_chorales

        piece = max(load_chorales(), key=lambda p: p.notes.end)
        notes = piece.notes.window(0.0, quarters)
        if len(notes):
            return notes
    except Exception as exc:  # datasets not built: a synthetic chorale of the same density
        print(f"(datasets unavailable: {exc}; using four voices of quarter notes)")
    steps = int(quarters)
    pitches, onsets, parts = [], [], []
    for part, base in enumerate((72, 64, 57, 48)):
        for k in range(steps):
            pitches.append(base + (0, 2, 4, 5, 7, 5, 4, 2)[k % 8])
            onsets.append(float(k))
            parts.append(part)
    return NoteList.from_arrays(pitches, onsets, [1.0] * len(onsets), part=parts)


def main() -> None:
    notes = chorale_30s()
    print(f"{len(notes)} notes, {notes.end * 60 / 80:.1f} s of music at 80 BPM, 16 kHz")
    for name, fn in (("soundfont (piano)", lambda: render_soundfont(notes, instrument="piano", bpm=80)),
                     ("soundfont (organ)", lambda: render_soundfont(notes, instrument="organ", bpm=80)),
                     ("additive (organ)", lambda: synthesize(notes, instrument="organ", bpm=80))):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        print(f"{name:20s} median {median(times):.3f} s  (min {min(times):.3f}, max {max(times):.3f})")


if __name__ == "__main__":
    main()
