"""The test problem shared by the reference recorders and the trace tests.

Every trace starts from the same seeded problem: a few parameters of different
shapes, each pulled towards its own target by a diagonal quadratic, plus a
fixed stream of gradient noise::

    g_t = a * (theta_t - c) + noise_t

The gradient depends on the current parameters, so a small error in any step
shows up (and compounds) in every later one. This module imports only NumPy:
the recorders (which import torch, optax or keras) and the tests (which never
do) both build the problem from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

SHAPES: tuple[tuple[int, ...], ...] = ((3,), (2, 4), (2, 3, 2))
STEPS = 60


@dataclass(frozen=True)
class Problem:
    p0: list[np.ndarray]  # initial parameters, one per shape
    a: list[np.ndarray]  # curvature of each coordinate, in [0.5, 2]
    c: list[np.ndarray]  # target of each coordinate
    noise: list[np.ndarray]  # (steps, *shape) gradient noise

    def grad(self, i: int, theta: np.ndarray, t: int) -> np.ndarray:
        """Gradient of parameter ``i`` at 0-based step ``t``."""
        return self.a[i] * (theta - self.c[i]) + self.noise[i][t]


def make_problem(seed: int, steps: int = STEPS, noise_scale: float = 0.1) -> Problem:
    rng = np.random.default_rng(seed)
    p0 = [rng.normal(size=s) for s in SHAPES]
    a = [rng.uniform(0.5, 2.0, size=s) for s in SHAPES]
    c = [rng.normal(size=s) for s in SHAPES]
    noise = [noise_scale * rng.normal(size=(steps, *s)) for s in SHAPES]
    return Problem(p0, a, c, noise)


def replay(
    seed: int, case: dict[str, Any], build: Callable[[list[Any]], Any], dtype: Any = np.float64
) -> list[np.ndarray]:
    """Run ``build(params)`` (an rmsprop_edu optimizer) on the problem of ``seed`` for STEPS steps.

    ``params`` are rmsprop_edu Parameters in ``dtype``; with ``lr_gamma`` in the case, every
    group's lr is multiplied by it before each step after the first, as the recorders' lr tables
    say. Returns each parameter's trajectory, shaped (STEPS + 1, *shape). Imported by the tests
    only (it needs rmsprop_edu, which the recorders' environments do not).
    """
    from rmsprop_edu import Parameter

    dtype = np.dtype(dtype)
    problem = make_problem(seed)
    params = [Parameter(p.astype(dtype)) for p in problem.p0]
    opt = build(params)
    traces = [[p.data.copy()] for p in params]
    for t in range(STEPS):
        if t > 0 and "lr_gamma" in case:
            for group in opt.param_groups:
                group["lr"] *= case["lr_gamma"]
        for i, p in enumerate(params):
            p.grad = problem.grad(i, p.data.astype(np.float64), t).astype(dtype)
        opt.step()
        for i, p in enumerate(params):
            assert p.data.dtype == dtype
            traces[i].append(p.data.copy())
    return [np.stack(tr) for tr in traces]
