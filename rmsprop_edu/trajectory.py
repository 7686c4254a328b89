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

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import check_int, check_range
from .optim.base import Optimizer
from .parameter import Parameter
from .surfaces import Surface

#: a run counts as diverged once a coordinate leaves this box (or turns non-finite)
DIVERGED = 1e6


@dataclass
class Trajectory:
    """One optimizer's path on a surface.

    Attributes:
        optimizer: the optimizer's class name (``"RMSProp"``).
        hyperparameters: the settings it was given, ``lr`` included (name -> value).
        surface: the surface's name (``surface.name``).
        points: (steps + 1, 2), the start then the point after each step.
        losses: (steps + 1,), f at each point (at the step it was reached).
        grads: (steps, 2), the gradient used at each step.
        effective_lr: (steps, 2), ``optimizer.effective_lr`` after each step.
        diverged_at: the step at which the run left the box ``|x| < 1e6``, turned
            non-finite, or met a gradient that overflows when squared (the optimizer
            would refuse it: ``|g| >= 1.8e19`` in float32); later entries are NaN. Or None.
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
    return check_int("steps", steps, 1)


def run_trajectory(
    surface: Surface,
    optimizer_cls: type[Optimizer],
    steps: int,
    start: object = None,
    **hyperparameters: Any,
) -> Trajectory:
    """Run ``optimizer_cls(**hyperparameters)`` for ``steps`` steps on ``surface`` from ``start``.

    ``start`` defaults to the surface's own start; see :class:`Trajectory`.

    Args:
        surface: the surface to descend.
        optimizer_cls: the optimizer class, such as :class:`~rmsprop_edu.optim.RMSProp`.
        steps: the number of steps, a whole number >= 1.
        start: the start point (x, y); None (the default) takes ``surface.start``.
        **hyperparameters: the optimizer's settings (``lr`` included; its default lr otherwise).
    """
    if start is not None and np.asarray(start).shape != (2,):
        raise ValueError(
            f"start must be one point (x, y), got an array of shape {np.asarray(start).shape}; use sweep() for many"
        )
    result = sweep(surface, optimizer_cls, steps, starts=None if start is None else [start], **hyperparameters)
    return _run_of(result, 0, surface, optimizer_cls, hyperparameters)


def _run_of(
    result: SweepResult, index: int, surface: Surface, optimizer_cls: type[Optimizer], hyperparameters: dict[str, Any]
) -> Trajectory:
    """Run ``index`` of a sweep that kept its paths, as a :class:`Trajectory`."""
    assert result.paths is not None and result.losses is not None
    diverged = result.diverged_at[index]
    return Trajectory(
        optimizer=optimizer_cls.__name__,
        hyperparameters=dict(hyperparameters),
        surface=surface.name,
        points=result.paths[:, index],
        losses=result.losses[:, index],
        grads=result.grads[:, index],
        effective_lr=result.effective_lr[:, index],
        diverged_at=None if diverged < 0 else int(diverged),
    )


@dataclass
class SweepResult:
    """R runs advanced together. ``final_losses`` (R,) is inf for diverged runs.

    Attributes:
        lrs: (R,) each run's learning rate.
        starts: (R, 2) each run's start point.
        final_points: (R, 2) each run's last point (where it froze, if it diverged).
        final_losses: (R,) the loss at ``final_points``; inf for a diverged run.
        diverged_at: (R,) the step at which each run diverged, -1 where it did not.
        paths: (steps + 1, R, 2) every point, NaN after divergence; None unless the paths were kept.
        losses: (steps + 1, R) the loss at each point; None unless the paths were kept.
        grads: (steps, R, 2) the gradient used at each step; empty unless the paths were kept.
        effective_lr: (steps, R, 2) ``optimizer.effective_lr`` after each step; empty unless
            the paths were kept.
    """

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
    """Run every combination given, in lock-step: ``lrs`` (R,) and/or ``starts`` (R, 2).

    One of them may be omitted or of length 1 and is then broadcast.

    All runs share one ``Parameter`` of shape (R, 2) and one optimizer whose ``lr``
    is an (R, 2) array, so the update is the real optimizer's code; a run that
    diverges is frozen where it left the box and reported with loss inf.
    Paths are kept by default when R <= 100 (``keep_paths``).

    Args:
        surface: the surface to descend.
        optimizer_cls: the optimizer class, such as :class:`~rmsprop_edu.optim.RMSProp`.
        steps: the number of steps, a whole number >= 1.
        lrs: (R,) learning rates, each in [0, inf); None uses ``lr=`` or the optimizer's default.
        starts: a point (x, y) or (R, 2) points; None takes ``surface.start``. float32 starts run in
            float32, anything else in float64.
        keep_paths: keep every point, loss, gradient and effective lr; None (the default) keeps
            them when R <= 100.
        **hyperparameters: the optimizer's other settings (``lr=`` only when ``lrs`` is None).
    """
    steps = _check_steps(steps)
    given = np.asarray(surface.start if starts is None else starts)
    # float32 starts run in float32 (the surfaces' formulas keep the dtype); anything else in float64
    dtype = np.float32 if given.dtype == np.float32 else np.float64
    start_array = np.asarray(given, dtype=dtype)
    if start_array.shape[-1:] != (2,) or start_array.ndim > 2:
        raise ValueError(f"starts must be a point (x, y) or an (R, 2) array of points, got shape {start_array.shape}")
    start_array = start_array.reshape(-1, 2)
    if not np.isfinite(start_array).all():
        raise ValueError(f"starts must be finite, got {start_array[~np.isfinite(start_array).all(axis=1)][0]}")
    if "lr" in hyperparameters and lrs is not None:
        raise ValueError("give the learning rate either as lr= or as lrs=, not both")
    lr_values = hyperparameters.pop("lr", optimizer_cls.defaults["lr"]) if lrs is None else lrs
    lr_array = np.asarray(lr_values, dtype=np.float64).reshape(-1)
    for i, value in enumerate(lr_array):
        check_range("lr" if lrs is None else f"lrs[{i}]", float(value), 0.0, np.inf)
    runs = max(len(lr_array), len(start_array))
    for name, array in (("lrs", lr_array), ("starts", start_array)):
        if len(array) not in (1, runs):
            raise ValueError(f"{name} has {len(array)} entries; expected 1 or {runs}")
    lr_array = np.broadcast_to(lr_array, (runs,)).copy()
    start_array = np.broadcast_to(start_array, (runs, 2)).copy()
    keep = runs <= 100 if keep_paths is None else keep_paths

    p = Parameter(start_array.copy(), name="xy")
    lr_grid = np.repeat(lr_array[:, None], 2, axis=1).astype(dtype)
    scalar_lr = runs == 1
    optimizer = optimizer_cls([p], lr=float(lr_array[0]) if scalar_lr else lr_grid, **hyperparameters)
    alive = np.ones(runs, dtype=bool)
    diverged_at = np.full(runs, -1)
    # The optimizer refuses a whole step if any gradient entry overflows when squared
    # (|g| >= sqrt(max) ~ 1.8e19 in float32, inside the box |x| < 1e6 on Rosenbrock): that
    # run is frozen as diverged instead, the same rule as for an overflowed gradient.
    # The limit and the comparison are in float64, exactly as optim.checks.check_gradient makes them.
    square_limit = float(np.sqrt(float(np.finfo(dtype).max))) if optimizer_cls.squares_gradient else np.inf
    if keep:
        paths = np.full((steps + 1, runs, 2), np.nan, dtype=dtype)
        losses = np.full((steps + 1, runs), np.nan, dtype=dtype)
        grads = np.full((steps, runs, 2), np.nan, dtype=dtype)
        rates = np.full((steps, runs, 2), np.nan, dtype=dtype)
        with np.errstate(over="ignore"):  # a start far out may have a loss beyond float range: inf
            paths[0], losses[0] = p.data, surface.value(p.data, 0)
    with np.errstate(over="ignore", invalid="ignore"):  # a run that blows up is detected below, by value
        for t in range(steps):
            g = surface.grad(p.data, t)
            largest = float(np.abs(g).max(initial=0.0))  # nan when any entry is nan: then not < limit
            if not largest < square_limit:  # some gradient overflowed (or would, squared)
                bad = ~(np.isfinite(g) & (np.abs(g.astype(np.float64)) < square_limit)).all(axis=1)
                diverged_at[bad & alive] = t  # freeze those runs before stepping
                alive &= ~bad
            everyone = bool(alive.all())  # the common case, with no masks to apply
            if not everyone and not alive.any():
                break
            if not everyone:
                frozen = p.data[~alive].copy()
                g[~alive] = 0.0
            p.grad = g
            optimizer.step()
            if not everyone:
                p.data[~alive] = frozen
            if everyone and float(np.abs(p.data).max(initial=0.0)) < DIVERGED:
                if keep:
                    grads[t], rates[t], paths[t + 1] = g, optimizer.effective_lr(p), p.data
                    losses[t + 1] = surface.value(p.data, t + 1)
                continue
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
DEFAULT_GRID = np.logspace(-4, 1, 21)  # four values a decade; tune_lr widens it where the best sits at an edge


@dataclass
class Tuned:
    """The outcome of :func:`tune_lr`: the chosen lr and how it was chosen.

    Attributes:
        optimizer: the optimizer's class name (:func:`fair_race` adds a variant's settings).
        lr: the chosen learning rate.
        grid: every lr tried, sorted (widened grids included).
        final_losses: the loss of each lr of ``grid`` at step ``horizon`` (inf where it diverged).
        horizon: the steps of each tuning run, the horizon the race plots.
        widened: decades added to the grid because the best lr sat at its edge.
        trajectory: the chosen lr's run, taken from the tuning sweep (the very numbers
            :func:`run_trajectory` gives).
    """

    optimizer: str
    lr: float
    grid: np.ndarray
    final_losses: np.ndarray
    horizon: int
    widened: int = 0
    trajectory: Trajectory | None = field(default=None, repr=False)

    @property
    def at_edge(self) -> bool:
        """True when the chosen lr is still the smallest or largest value tried.

        A wider grid might then find a better one: say so beside any figure built from it.
        """
        return len(self.grid) > 1 and self.lr in (self.grid[0], self.grid[-1])

    @property
    def all_diverged(self) -> bool:
        """Whether every lr tried diverged (then ``lr`` is only the smallest value tried)."""
        return not np.isfinite(self.final_losses).any()

    @property
    def range_text(self) -> str:
        """The grid tried, in words (how many log-spaced values, between which bounds)."""
        return _range_text(self.grid)

    @property
    def how(self) -> str:
        """How the lr was chosen, for a caption (the rule, and any widened grid, divergence or edge)."""
        text = _rule(self.range_text, self.horizon)
        if self.widened:
            text += f"; the grid was widened by {self.widened} decade(s) because the best lr sat at its edge"
        if self.all_diverged:
            text += f"; all diverged, so the smallest lr ({self.lr:.3g}) was taken: try smaller learning rates"
        elif self.at_edge:
            text += "; the best lr is still at the edge of the grid, so a wider grid might do better"
        return text


def _rule(grid_text: str, horizon: int) -> str:
    """The tuning rule, in the words every caption uses."""
    return (
        f"lr chosen from {grid_text} by the loss at step {horizon} (the horizon plotted; "
        f"losses within {TIE_RTOL:.0e} (relative) of the best tie, won by the smaller lr), no clipping"
    )


def _range_text(grid: np.ndarray) -> str:
    return f"{len(grid)} log-spaced values in [{grid[0]:.0e}, {grid[-1]:.0e}]"


def _as_grid(grid: object) -> np.ndarray:
    grid_array = DEFAULT_GRID if grid is None else np.sort(np.asarray(grid, dtype=np.float64).reshape(-1))
    if grid_array.size == 0 or not (np.isfinite(grid_array).all() and (grid_array > 0).all()):
        raise ValueError(f"grid must hold positive, finite learning rates, got {grid_array}")
    return grid_array


def _widen(grid: np.ndarray, upward: bool) -> np.ndarray:
    """One more decade of ``grid`` beyond its top (or below its bottom), at the grid's own log spacing."""
    ratio = grid[-1] / grid[-2] if upward else grid[1] / grid[0]
    count = max(1, round(1 / np.log10(ratio)))
    powers = ratio ** np.arange(1, count + 1)
    return grid[-1] * powers if upward else grid[0] / powers[::-1]


#: losses within this fraction of (initial loss - best loss) of the best count as ties.
TIE_RTOL = 1e-12


def _choose(losses: np.ndarray, initial: float) -> int:
    """Index of the smallest lr (the grid is sorted) whose loss ties with the best one."""
    best = float(np.min(losses))
    with np.errstate(invalid="ignore", over="ignore"):
        tolerance = TIE_RTOL * abs(initial - best) if np.isfinite(best) else np.inf
        return int(np.flatnonzero(losses <= best + tolerance)[0])


def tune_lr(
    surface: Surface,
    optimizer_cls: type[Optimizer],
    steps: int,
    grid: object = None,
    start: object = None,
    widen: int = 2,
    **hyperparameters: Any,
) -> Tuned:
    """Pick the lr from ``grid`` whose run has the lowest loss at ``steps``, the horizon the race will plot.

    Tuning on a shorter horizon would favour fast starters.

    Losses closer to the best than ``TIE_RTOL`` times the distance the best run descended
    count as ties, and a tie goes to the smaller lr: once several runs have converged to
    round-off (a bowl reaches 1e-24 with one lr and 1e-105 with a larger one), the
    difference says nothing, and the largest lr would win only by its wildest first jump.

    A best lr at the edge of the grid is not a tuned lr, only a bound: then the grid
    grows by a decade on that side (at its own log spacing) and the new values are run
    too, up to ``widen`` decades in all. ``Tuned.how`` says what was done, and whether
    the choice still sits at the edge.

    Args:
        surface: the surface to descend.
        optimizer_cls: the optimizer class, such as :class:`~rmsprop_edu.optim.RMSProp`.
        steps: the horizon: each run's steps, and where its loss is compared.
        grid: the learning rates to try (positive, sorted here); None (the default) is 21 log-spaced
            values in [1e-4, 10].
        start: the start point; None (the default) takes ``surface.start``.
        widen: the most decades to add at an edge of the grid, a whole number >= 0. Default 2.
        **hyperparameters: the optimizer's other settings (not ``lr``).
    """
    if "lr" in hyperparameters:
        raise ValueError(
            f"tune_lr chooses lr itself; remove lr={hyperparameters['lr']!r} from {optimizer_cls.__name__}'s settings"
        )
    grid_array = _as_grid(grid)
    check_int("widen", widen, 0)

    sweeps: list[SweepResult] = []

    def run(lrs: np.ndarray) -> np.ndarray:
        # paths are kept, so that the chosen run need not be run again (fair_race draws it)
        sweeps.append(sweep(surface, optimizer_cls, steps, lrs=lrs, starts=start, **hyperparameters))
        return sweeps[-1].final_losses

    initial = float(np.max(surface.value(np.asarray(surface.start if start is None else start, dtype=float), 0)))
    losses = run(grid_array)
    widened = 0
    while widened < widen and grid_array.size > 1:
        best = _choose(losses, initial)
        if 0 < best < grid_array.size - 1:
            break
        upward = best == grid_array.size - 1
        extra = _widen(grid_array, upward)
        extra_losses = run(extra)
        grid_array = np.concatenate([grid_array, extra] if upward else [extra, grid_array])
        losses = np.concatenate([losses, extra_losses] if upward else [extra_losses, losses])
        widened += 1
    best = _choose(losses, initial)
    chosen = float(grid_array[best])
    result = next(r for r in sweeps if chosen in r.lrs)
    index = int(np.flatnonzero(result.lrs == chosen)[0])
    trajectory = _run_of(result, index, surface, optimizer_cls, {"lr": chosen, **hyperparameters})
    return Tuned(optimizer_cls.__name__, chosen, grid_array, losses, steps, widened, trajectory)


def fair_race(
    surface: Surface,
    contenders: list[tuple[type[Optimizer], dict[str, Any]]],
    steps: int,
    grid: object = None,
    start: object = None,
) -> tuple[list[Trajectory], str]:
    """Tune each contender's lr (:func:`tune_lr`), run it, and return the trajectories and a caption.

    The caption states how they were tuned (put it on the figure).

    Args:
        surface: the surface to descend.
        contenders: ``(optimizer class, settings)`` pairs; the settings must not include ``lr``.
        steps: the horizon each lr is tuned at and each run lasts.
        grid: the learning rates to try, as for :func:`tune_lr` (None: its default grid).
        start: the start point; None (the default) takes ``surface.start``.
    """
    trajectories = []
    tunings = []
    for optimizer_cls, hyper in contenders:
        tuned = tune_lr(surface, optimizer_cls, steps, grid=grid, start=start, **hyper)
        assert tuned.trajectory is not None
        trajectories.append(tuned.trajectory)
        if hyper:  # name the variant: two SGDs in one race must be told apart in the caption
            tuned.optimizer += "(" + ", ".join(f"{k}={v}" for k, v in hyper.items()) + ")"
        tunings.append(tuned)
    return trajectories, _race_caption(tunings, _range_text(_as_grid(grid)), steps)


def _race_caption(tunings: list[Tuned], grid_text: str, steps: int) -> str:
    """The caption saying how the contenders were tuned: one sentence for the common case.

    The exceptions (a widened grid, a choice still at the edge) are named per optimizer, so
    that no figure hides how its contenders were tuned.
    """
    caption = f"Each optimizer's {_rule(grid_text, steps)}."
    notes = []
    for t in tunings:
        if t.widened:
            notes.append(f"{t.optimizer}'s best lr sat at the edge, so its grid was widened to {t.range_text}")
        if t.all_diverged:
            notes.append(f"{t.optimizer}: all diverged, so the smallest lr ({t.lr:.3g}) is shown")
        elif t.at_edge:
            notes.append(f"{t.optimizer}'s best lr ({t.lr:.3g}) is still at the edge of its grid")
    return caption + (" " + "; ".join(notes) + "." if notes else "")


__all__ = ["SweepResult", "Trajectory", "Tuned", "fair_race", "run_trajectory", "sweep", "tune_lr"]
