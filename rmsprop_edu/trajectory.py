"""Run the real optimizers on toy surfaces: one trajectory, a vectorised sweep, a fair race.

``run_trajectory`` steps a real optimizer on a ``Parameter`` holding one point.
``sweep`` runs many learning rates and/or start points at once: one
``Parameter`` of shape ``(R, 2)`` and an ``lr`` array of the same shape, so the
very same optimizer code advances all R runs in lock-step, and each run gets
exactly the numbers ``run_trajectory`` gives it. ``tune_lr`` and ``fair_race``
pick each optimizer's learning rate on a log grid by its loss at the same
horizon that is plotted, and say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import check_range
from .optim.base import Optimizer
from .parameter import Parameter
from .surfaces import Surface

#: a run counts as diverged once a coordinate leaves this box (or turns non-finite)
DIVERGED = 1e6


@dataclass
class Trajectory:
    """One optimizer's path on a surface.

    Attributes:
        points: (steps + 1, 2), the start then the point after each step.
        losses: (steps + 1,), f at each point (at the step it was reached).
        grads: (steps, 2), the gradient used at each step.
        effective_lr: (steps, 2), ``optimizer.effective_lr`` after each step.
        diverged_at: the step at which the run left the box |x| < 1e6 or turned
            non-finite (later entries are NaN), or None.
    """

    optimizer: str
    hyperparameters: dict[str, Any]
    surface: str
    points: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    effective_lr: np.ndarray
    diverged_at: int | None = None

    @property
    def label(self) -> str:
        """``"RMSProp(lr=0.01, rho=0.9)"``: the name and every non-default setting."""
        settings = ", ".join(f"{k}={_short(v)}" for k, v in self.hyperparameters.items())
        return f"{self.optimizer}({settings})"


def _short(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _check_steps(steps: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise ValueError(f"steps must be a whole number, got {steps!r}")
    check_range("steps", steps, 1, math.inf)
    return int(steps)


def run_trajectory(
    surface: Surface,
    optimizer_cls: type[Optimizer],
    steps: int,
    start: object = None,
    **hyperparameters: Any,
) -> Trajectory:
    """Run ``optimizer_cls(**hyperparameters)`` for ``steps`` steps on ``surface`` from ``start``
    (default: the surface's own start); see :class:`Trajectory`."""
    result = sweep(surface, optimizer_cls, steps, starts=None if start is None else [start], **hyperparameters)
    assert result.paths is not None and result.losses is not None
    diverged = result.diverged_at[0]
    return Trajectory(
        optimizer=optimizer_cls.__name__,
        hyperparameters=dict(hyperparameters),
        surface=surface.name,
        points=result.paths[:, 0],
        losses=result.losses[:, 0],
        grads=result.grads[:, 0],
        effective_lr=result.effective_lr[:, 0],
        diverged_at=None if diverged < 0 else int(diverged),
    )


@dataclass
class SweepResult:
    """R runs advanced together. ``final_losses`` (R,) is inf for diverged runs."""

    lrs: np.ndarray  # (R,)
    starts: np.ndarray  # (R, 2)
    final_points: np.ndarray  # (R, 2)
    final_losses: np.ndarray  # (R,)
    diverged_at: np.ndarray  # (R,), -1 where the run did not diverge
    paths: np.ndarray | None = None  # (steps + 1, R, 2) if keep_paths
    losses: np.ndarray | None = None  # (steps + 1, R) if keep_paths
    grads: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 2)))  # (steps, R, 2) if keep_paths
    effective_lr: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 2)))  # (steps, R, 2) if keep_paths


def sweep(
    surface: Surface,
    optimizer_cls: type[Optimizer],
    steps: int,
    lrs: object = None,
    starts: object = None,
    keep_paths: bool | None = None,
    **hyperparameters: Any,
) -> SweepResult:
    """Run every combination given, in lock-step: ``lrs`` (R,) and/or ``starts`` (R, 2)
    (one of them may be omitted or of length 1 and is then broadcast).

    All runs share one ``Parameter`` of shape (R, 2) and one optimizer whose ``lr``
    is an (R, 2) array, so the update is the real optimizer's code; a run that
    diverges is frozen where it left the box and reported with loss inf.
    Paths are kept by default when R <= 100 (``keep_paths``).
    """
    steps = _check_steps(steps)
    start_array = np.asarray(surface.start if starts is None else starts, dtype=np.float64).reshape(-1, 2)
    if "lr" in hyperparameters and lrs is not None:
        raise ValueError("give the learning rate either as lr= or as lrs=, not both")
    lr_values = hyperparameters.pop("lr", optimizer_cls.defaults["lr"]) if lrs is None else lrs
    lr_array = np.asarray(lr_values, dtype=np.float64).reshape(-1)
    runs = max(len(lr_array), len(start_array))
    for name, array in (("lrs", lr_array), ("starts", start_array)):
        if len(array) not in (1, runs):
            raise ValueError(f"{name} has {len(array)} entries; expected 1 or {runs}")
    lr_array = np.broadcast_to(lr_array, (runs,)).copy()
    start_array = np.broadcast_to(start_array, (runs, 2)).copy()
    keep = runs <= 100 if keep_paths is None else keep_paths

    p = Parameter(start_array.copy(), name="xy")
    lr_grid = np.repeat(lr_array[:, None], 2, axis=1)
    scalar_lr = runs == 1
    optimizer = optimizer_cls([p], lr=float(lr_array[0]) if scalar_lr else lr_grid, **hyperparameters)
    alive = np.ones(runs, dtype=bool)
    diverged_at = np.full(runs, -1)
    if keep:
        paths = np.full((steps + 1, runs, 2), np.nan)
        losses = np.full((steps + 1, runs), np.nan)
        grads = np.full((steps, runs, 2), np.nan)
        rates = np.full((steps, runs, 2), np.nan)
        paths[0], losses[0] = p.data, surface.value(p.data, 0)
    for t in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):  # a run that blows up is detected below, by value
            g = surface.grad(p.data, t)
        bad = ~np.isfinite(g).all(axis=1)
        if bad.any():  # a gradient overflowed: freeze those runs before stepping
            newly = bad & alive
            diverged_at[newly] = t
            alive &= ~bad
        if not alive.any():
            break
        frozen = p.data[~alive].copy()
        g[~alive] = 0.0
        p.grad = g
        optimizer.step()
        p.data[~alive] = frozen
        escaped = alive & ~(np.isfinite(p.data).all(axis=1) & (np.abs(p.data) < DIVERGED).all(axis=1))
        diverged_at[escaped] = t + 1
        alive &= ~escaped
        if keep:
            grads[t, alive | escaped] = g[alive | escaped]
            rates[t, alive | escaped] = optimizer.effective_lr(p)[alive | escaped]
            paths[t + 1, alive] = p.data[alive]
            losses[t + 1, alive] = surface.value(p.data[alive], t + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        final = np.where(alive, surface.value(p.data, steps), np.inf)
    result = SweepResult(lr_array, start_array, p.data.copy(), final, diverged_at)
    if keep:
        result.paths, result.losses, result.grads, result.effective_lr = paths, losses, grads, rates
    return result


# ------------------------------------------------------------------------ fair comparison
DEFAULT_GRID = np.logspace(-4, 0, 17)


@dataclass
class Tuned:
    """The outcome of :func:`tune_lr`: the chosen lr and how it was chosen."""

    optimizer: str
    lr: float
    grid: np.ndarray
    final_losses: np.ndarray
    horizon: int

    @property
    def how(self) -> str:
        return (
            f"lr chosen from {len(self.grid)} log-spaced values in [{self.grid[0]:.0e}, {self.grid[-1]:.0e}] "
            f"by the loss at step {self.horizon} (the horizon plotted), no clipping"
        )


def tune_lr(
    surface: Surface,
    optimizer_cls: type[Optimizer],
    steps: int,
    grid: object = None,
    start: object = None,
    **hyperparameters: Any,
) -> Tuned:
    """Pick the lr from ``grid`` whose run has the lowest loss at ``steps``, the same
    horizon the race will plot (tuning on a shorter horizon would favour fast starters)."""
    grid_array = DEFAULT_GRID if grid is None else np.asarray(grid, dtype=np.float64)
    result = sweep(surface, optimizer_cls, steps, lrs=grid_array, starts=start, keep_paths=False, **hyperparameters)
    best = int(np.argmin(result.final_losses))
    return Tuned(optimizer_cls.__name__, float(grid_array[best]), grid_array, result.final_losses, steps)


def fair_race(
    surface: Surface,
    contenders: list[tuple[type[Optimizer], dict[str, Any]]],
    steps: int,
    grid: object = None,
    start: object = None,
) -> tuple[list[Trajectory], str]:
    """Tune each contender's lr (:func:`tune_lr`), run it, and return the trajectories and
    a caption that states how they were tuned (put it on the figure)."""
    trajectories = []
    how = ""
    for optimizer_cls, hyper in contenders:
        tuned = tune_lr(surface, optimizer_cls, steps, grid=grid, start=start, **hyper)
        trajectories.append(run_trajectory(surface, optimizer_cls, steps, start=start, lr=tuned.lr, **hyper))
        how = tuned.how
    return trajectories, f"Each optimizer's {how}."


__all__ = ["SweepResult", "Trajectory", "Tuned", "fair_race", "run_trajectory", "sweep", "tune_lr"]
