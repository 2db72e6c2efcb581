"""Benchmark: score 1,000 generated melodies with musiclib.metrics (target <= 60 s on 2 cores).

    .venv/bin/python benchmarks/bench_metrics.py

Synthetic melodies of 128 steps (random walks on the C-major scale) stand in for a
reference set, a candidate set, a training corpus (2,000 melodies) and held-out humans,
so the benchmark needs no dataset. Prints wall and CPU seconds per stage.
"""

from __future__ import annotations

import time

import numpy as np

from musiclib.metrics import WindowIndex, compare_sets, frechet_distance, originality_baseline, set_features
from musiclib.representation import MelodyVocabulary

V = MelodyVocabulary()
SCALE = [60, 62, 64, 65, 67, 69, 71, 72, 74, 76]


def walks(n: int, length: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        seq = np.full(length, V.HOLD, np.int64)
        k, t = int(rng.integers(2, 7)), 0
        while t < length:
            seq[t] = V.pitch_to_token(SCALE[k])
            k = int(np.clip(k + rng.choice([-2, -1, 0, 1, 2]), 0, len(SCALE) - 1))
            t += int(rng.choice([1, 2, 2, 4, 4, 8]))
        out.append(seq)
    return out


def main() -> None:
    reference, candidate = walks(1000, 128, 1), walks(1000, 128, 2)
    training, held_out = walks(2000, 128, 3), walks(200, 128, 4)
    stages = {}

    def timed(name, fn):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        stages[name] = (time.perf_counter() - t, time.process_time() - c)
        return out

    ref = timed("features, reference (1,000)", lambda: set_features(reference, name="reference"))
    cand = timed("features, candidate (1,000)", lambda: set_features(candidate, name="candidate"))
    comp = timed("compare_sets (9 features)", lambda: compare_sets(ref, cand))
    fd = timed("frechet_distance (200 bootstraps)", lambda: frechet_distance(ref, cand, n_boot=200))
    index = timed("WindowIndex", lambda: WindowIndex(training))
    base = timed("originality_baseline", lambda: originality_baseline(held_out, index, 128))
    rep = timed("originality report (1,000)", lambda: index.report(candidate))
    for name, (wall, cpu) in stages.items():
        print(f"{name:<36} {wall:6.2f} s wall  {cpu:6.2f} s CPU")
    total = sum(w for w, _ in stages.values())
    print(f"{'total':<36} {total:6.2f} s wall  (target <= 60 s)")
    print(f"mean overlap {comp.mean_overlap:.3f}, Frechet {fd}, copies flagged "
          f"{int(base.copies(rep).sum())} of {len(candidate)}")


if __name__ == "__main__":
    main()
