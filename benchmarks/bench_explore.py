"""A slider move in the race explorer: 4 optimizers x 300 steps on Rosenbrock, redrawn on the Agg canvas.

Each move sets one control to a random value (lr, rho, beta1, beta2 or eps) and times ``update`` (the
four runs, the artists' data, the blitted redraw) plus the PNG the widget shows. The baseline, in the
same run, redraws the same state in full: a new figure with its contours, as a plain matplotlib
figure-per-move would.
"""

from __future__ import annotations

import time

import numpy as np

from rmsprop_edu.explore import RaceExplorer

MOVES = 50


def _random_move(rng: np.random.Generator) -> dict[str, float]:
    control = rng.choice(["lr", "rho", "beta1", "beta2", "eps"])
    value = {
        "lr": 10 ** rng.uniform(-4, -1),
        "rho": rng.uniform(0.5, 0.999),
        "beta1": rng.uniform(0.0, 0.99),
        "beta2": rng.uniform(0.9, 0.9999),
        "eps": 10 ** rng.uniform(-10, -4),
    }[str(control)]
    return {str(control): float(value)}


def rows() -> list[dict[str, object]]:
    rng = np.random.default_rng(0)
    explorer = RaceExplorer(steps=300)
    explorer.png()  # warm-up: the first full draw saves the background
    moves, full = [], []
    for _ in range(MOVES):
        move = _random_move(rng)
        start = time.perf_counter()
        explorer.update(**move)
        explorer.png()
        moves.append(time.perf_counter() - start)
    for _ in range(10):  # the baseline: the same kind of move, drawn from scratch
        move = _random_move(rng)
        start = time.perf_counter()
        RaceExplorer(steps=300, **{**{k: v for k, v in explorer.values.items() if k in move}, **move}).png()
        full.append(time.perf_counter() - start)
    median, p90 = float(np.median(moves)), float(np.percentile(moves, 90))
    baseline = float(np.median(full))
    return [
        {
            "row": f"race explorer: a slider move ({MOVES} random moves), 4 optimizers x 300 steps, Rosenbrock",
            "ours": f"median {median * 1e3:.0f} ms, p90 {p90 * 1e3:.0f} ms",
            "baseline": f"full redraw (new figure + contours) {baseline * 1e3:.0f} ms",
            "ratio": f"{baseline / median:.1f} x faster",
            "target": "median <= 100 ms, p90 <= 200 ms",
            "met": median <= 0.1 and p90 <= 0.2,
        }
    ]


if __name__ == "__main__":
    for row in rows():
        print(row)
