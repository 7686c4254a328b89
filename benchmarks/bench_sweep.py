"""1,000 RMSProp runs x 1,000 steps on Rosenbrock: one vectorised sweep against the same runs one at a time.

The one-at-a-time baseline is timed on a sample of runs (every 50th learning rate) and scaled to 1,000.
"""

from __future__ import annotations

import time

import numpy as np

from rmsprop_edu import run_trajectory, surfaces, sweep
from rmsprop_edu.optim import RMSProp


def rows() -> list[dict[str, object]]:
    rosenbrock = surfaces.get("rosenbrock")
    lrs = np.logspace(-4, -1, 1000)
    sweep(rosenbrock, RMSProp, 10, lrs=lrs)  # warm-up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = sweep(rosenbrock, RMSProp, 1000, lrs=lrs)
        times.append(time.perf_counter() - start)
    t_sweep = float(np.median(times))
    sample = lrs[::50]
    start = time.perf_counter()
    singles = [run_trajectory(rosenbrock, RMSProp, 1000, lr=lr) for lr in sample]
    t_one = (time.perf_counter() - start) / len(sample) * len(lrs)
    same = all(s.losses[-1] == result.final_losses[i * 50] for i, s in enumerate(singles))
    speedup = t_one / t_sweep
    return [
        {
            "row": "sweep: 1,000 RMSProp runs x 1,000 steps, Rosenbrock",
            "ours": f"{t_sweep:.3f} s",
            "baseline": f"one at a time {t_one:.1f} s (20 runs timed, scaled)",
            "ratio": f"{speedup:.0f} x faster; same numbers: {same}",
            "target": "< 1 s and >= 50 x faster",
            "met": t_sweep < 1.0 and speedup >= 50 and same,
        }
    ]


if __name__ == "__main__":
    for r in rows():
        print(r)
