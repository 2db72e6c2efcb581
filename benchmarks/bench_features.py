"""Figures and timings of musiclib.features on more melodies than notebook 02 uses.

Run:  .venv/bin/python benchmarks/bench_features.py [n_melodies]
Renders test-split melodies (chorale sopranos and O'Neill's tunes on the 16th grid,
16 quarters each, piano, 100 BPM), recovers them from audio and prints pYIN pitch
accuracy, onset F1, tempo error, the timbre classifier's held-out accuracy, the
Krumhansl-Schmuckler agreement with the datasets' music21 keys, and timings.
The figures go in the issue notes, never in tests.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from musiclib import features as F
from musiclib.audio import INSTRUMENTS, synthesize
from musiclib.datasets import load_chorales, load_folk

SR = 16_000
BPM = 100.0


def main(n: int = 40) -> None:
    chorales, oneills, han = load_chorales(), load_folk("oneills"), load_folk("han")
    half = n // 2
    melodies = ([p.melody.window(0, 16) for p in chorales.split("test") if p.on_grid][:half]
                + [p.melody.window(0, 16) for p in oneills.split("test") if p.on_grid][:half])
    start = time.perf_counter()
    F.pitch_track(synthesize(melodies[0], sr=SR), SR)  # numba compile (cached on disk after)
    print(f"first pYIN call (compile or cache load): {time.perf_counter() - start:.1f} s")

    rows, seconds, pyin_time = [], 0.0, 0.0
    for m in melodies:
        y = synthesize(m, instrument="piano", bpm=BPM, sr=SR)
        seconds += y.size / SR
        t0 = time.perf_counter()
        tr = F.pitch_track(y, SR, fmin=100.0, fmax=1000.0, frame_length=512, hop_length=128)
        pyin_time += time.perf_counter() - t0
        tr_default = F.pitch_track(y, SR)
        ref = np.unique(m.onset) * 60 / BPM
        rows.append([
            F.raw_pitch_accuracy(tr.f0, F.reference_f0(m, tr.times, bpm=BPM)),
            F.raw_pitch_accuracy(tr.f0, F.reference_f0(m, tr.times, bpm=BPM, margin=0.05)),
            F.raw_pitch_accuracy(tr_default.f0, F.reference_f0(m, tr_default.times, bpm=BPM)),
            F.onset_f1(F.onset_times(y, SR), ref, window=0.05).f1,
            abs(F.estimate_tempo(y, SR) / BPM - 1),
        ])
    r = np.array(rows)
    print(f"{len(melodies)} melodies, {seconds:.0f} s of audio (piano, {BPM:g} BPM)")
    print(f"pYIN within 50 cents, 32 ms window: {r[:, 0].mean():.3f} (min {r[:, 0].min():.3f});"
          f" away from note changes {r[:, 1].mean():.3f}")
    print(f"pYIN within 50 cents, default 64 ms window: {r[:, 2].mean():.3f}")
    print(f"onset F1 at 50 ms: {r[:, 3].mean():.3f} (min {r[:, 3].min():.3f})")
    print(f"tempo error: mean {100 * r[:, 4].mean():.2f} %, max {100 * r[:, 4].max():.2f} %")
    print(f"pYIN (32 ms window) speed: {pyin_time / seconds:.3f} s per second of audio")

    rng = np.random.default_rng(1)
    X, labels, group = [], [], []
    for g, m in enumerate(melodies):
        for name in INSTRUMENTS:
            y = synthesize(m.window(0, 8).transpose(int(rng.integers(-7, 8))), instrument=name,
                           bpm=float(rng.uniform(80, 130)), sr=SR, gain=float(rng.uniform(0.3, 0.9)))
            X.append(F.timbre_vector(y, SR))
            labels.append(name)
            group.append(g)
    X, labels, group = np.array(X), np.array(labels), np.array(group)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    accs = []
    for fold in range(4):  # 4-fold cross-validation by melody
        test = group % 4 == fold
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
        clf.fit(X[~test], labels[~test])
        accs.append(clf.score(X[test], labels[test]))
    print(f"timbre classifier, 4-fold by melody: accuracy {np.mean(accs):.3f} "
          f"(folds {' '.join(f'{a:.3f}' for a in accs)}), {len(X)} clips")

    for name, corpus in (("chorales", chorales), ("oneills", oneills), ("han", han)):
        t0 = time.perf_counter()
        agree = np.mean([(k.tonic, k.mode) == (p.key_tonic, p.key_mode)
                         for p in corpus for k in [F.estimate_key(p.notes)]])
        print(f"KS key = music21 key ({name}, {len(corpus)} pieces): {agree:.3f} "
              f"[{1000 * (time.perf_counter() - t0) / len(corpus):.2f} ms per piece]")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
