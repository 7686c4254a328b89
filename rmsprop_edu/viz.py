"""Plots that show what optimizers do (matplotlib conventions).

Every function takes ``ax=None`` (or makes its own Figure when it needs several
panels), returns the Axes or Figure, and never calls ``plt.show()``.
matplotlib is imported inside the functions only, so ``import rmsprop_edu``
stays light.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import check_range
from .surfaces import Surface
from .trajectory import Trajectory

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _plt() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: Axes | None, **subplot: Any) -> Axes:
    if ax is not None:
        return ax
    _, new = _plt().subplots(figsize=(6.4, 5.2), subplot_kw=subplot)
    return new


def _grid(surface: Surface, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    (x0, x1), (y0, y1) = surface.bounds
    x, y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    return x, y, surface.value(np.stack([x, y], axis=-1))


# ------------------------------------------------------------------------------- surfaces
def plot_contours(surface: Surface, ax: Axes | None = None, levels: int = 30, resolution: int = 250) -> Axes:
    """Filled contours of ``surface`` over its bounds, log-spaced where its range demands
    it, with its minima marked by white stars and a colour bar."""
    from matplotlib import colors

    ax = _axes(ax)
    x, y, z = _grid(surface, resolution)
    if surface.log_levels:
        shifted = z - surface.f_min + 1e-3
        bounds = np.logspace(np.log10(shifted.min()), np.log10(shifted.max()), levels)
        filled = ax.contourf(x, y, shifted, levels=bounds, norm=colors.LogNorm(), cmap="viridis")
        label = "f - f_min (log scale)" if surface.f_min else "f (log scale)"
    else:
        filled = ax.contourf(x, y, z, levels=levels, cmap="viridis")
        label = "f"
    if surface.log_levels:
        from matplotlib.ticker import LogFormatterSciNotation, LogLocator

        ax.figure.colorbar(
            filled, ax=ax, label=label, shrink=0.85, ticks=LogLocator(), format=LogFormatterSciNotation()
        )
    else:
        ax.figure.colorbar(filled, ax=ax, label=label, shrink=0.85)
    if len(surface.minima):
        ax.plot(surface.minima[:, 0], surface.minima[:, 1], "*", color="white", ms=14, mec="black", label="minimum")
    ax.set(xlabel="x", ylabel="y", xlim=surface.bounds[0], ylim=surface.bounds[1])
    ax.set_title(f"{surface.name}: {surface.teaches}", fontsize=9, wrap=True)
    return ax


def plot_paths(
    surface: Surface, trajectories: Sequence[Trajectory], ax: Axes | None = None, contours: bool = True
) -> Axes:
    """Each trajectory over the contours: a line from a circle (start) to a cross (end),
    labelled with the optimizer's settings."""
    ax = _axes(ax)
    if contours:
        plot_contours(surface, ax=ax)
    for i, tr in enumerate(trajectories):
        colour = f"C{(i + 1) % 10}"
        points = tr.points[np.isfinite(tr.points).all(axis=1)]
        ax.plot(points[:, 0], points[:, 1], "-", color=colour, lw=1.6, label=tr.label)
        ax.plot(*points[0], "o", color=colour, ms=7, mec="black")
        ax.plot(*points[-1], "X", color=colour, ms=9, mec="black")
    ax.set(xlim=surface.bounds[0], ylim=surface.bounds[1])
    ax.legend(loc="upper left", fontsize=7, framealpha=0.85)
    return ax


def plot_losses(trajectories: Sequence[Trajectory], surface: Surface | None = None, ax: Axes | None = None) -> Axes:
    """Loss against step for each trajectory (log scale; minus f_min when it is known)."""
    ax = _axes(ax)
    f_min = surface.f_min if surface is not None and math.isfinite(surface.f_min) else 0.0
    log = surface is None or math.isfinite(surface.f_min)
    for i, tr in enumerate(trajectories):
        values = tr.losses - f_min
        (ax.semilogy if log else ax.plot)(
            np.maximum(values, 1e-16) if log else values, color=f"C{(i + 1) % 10}", label=tr.label
        )
    ax.set(xlabel="step", ylabel="f - f_min" if f_min else "f")
    ax.set_title("loss against step", fontsize=10)
    ax.legend(fontsize=7)
    return ax


def _caption(fig: Figure, caption: str | None, width: int, fontsize: float) -> float:
    """Put ``caption`` under the axes, wrapped to ``width`` characters; return the figure
    fraction it takes, for ``tight_layout(rect=...)`` to keep the axes clear of it."""
    if not caption:
        return 0.0
    wrapped = textwrap.fill(caption, width)
    fig.text(0.5, 0.01, wrapped, ha="center", va="bottom", fontsize=fontsize)
    lines = wrapped.count("\n") + 1
    return 0.015 + lines * fontsize * 1.35 / 72 / fig.get_figheight()


def race_figure(
    surface: Surface, trajectories: Sequence[Trajectory], caption: str | None = None, title: str | None = None
) -> Figure:
    """The race (paths on the contours) beside the loss-against-step panel, with the
    caption that says how the contenders were tuned."""
    plt = _plt()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.4), gridspec_kw={"width_ratios": [1.15, 1]})
    plot_paths(surface, trajectories, ax=left)
    plot_losses(trajectories, surface, ax=right)
    steps = len(trajectories[0].losses) - 1 if trajectories else 0
    fig.suptitle(title or f"{surface.name}: {steps} steps from {tuple(surface.start)}", fontsize=12)
    fig.tight_layout(rect=(0, _caption(fig, caption, 190, 8), 1, 1))
    return fig


def plot_surface_3d(
    surface: Surface, trajectories: Sequence[Trajectory] = (), ax: Axes | None = None, resolution: int = 80
) -> Axes:
    """The surface in 3-D (log height where the surface uses log levels) with the paths on it."""
    ax = _axes(ax, projection="3d")
    x, y, z = _grid(surface, resolution)

    def height(values: np.ndarray) -> np.ndarray:
        return np.log10(values - surface.f_min + 1e-3) if surface.log_levels else values

    ax3d: Any = ax
    ax3d.plot_surface(x, y, height(z), cmap="viridis", alpha=0.6, linewidth=0)
    for i, tr in enumerate(trajectories):
        ok = np.isfinite(tr.points).all(axis=1)
        ax.plot(
            tr.points[ok, 0], tr.points[ok, 1], height(tr.losses[ok]), color=f"C{(i + 1) % 10}", lw=2, label=tr.label
        )
    ax.set(xlabel="x", ylabel="y", zlabel="log10(f - f_min)" if surface.log_levels else "f")
    ax.set_title(f"{surface.name} in 3-D", fontsize=10)
    if len(trajectories):
        ax.legend(fontsize=7)
    return ax


# ------------------------------------------------------------------------------ animation
def animate_race(
    surface: Surface,
    trajectories: Sequence[Trajectory],
    path: str | os.PathLike[str] | None = None,
    frames: int = 60,
    fps: int = 12,
    caption: str | None = None,
) -> Any:
    """Animate the race; each legend entry shows the optimizer's current effective
    learning rate (x and y). With ``path`` ending in .gif, writes a GIF with Pillow
    (no ffmpeg) and returns the path; with ``path=None`` returns HTML/JS for a notebook."""
    from matplotlib import animation

    check_range("frames", frames, 2, 10_000)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 5.4))
    plot_contours(surface, ax=ax)
    steps = len(trajectories[0].losses) - 1
    frame_steps = np.unique(np.linspace(0, steps, frames).astype(int))
    lines, heads = [], []
    for i, tr in enumerate(trajectories):
        colour = f"C{(i + 1) % 10}"
        (line,) = ax.plot([], [], "-", color=colour, lw=1.8, label=tr.label)
        (head,) = ax.plot([], [], "o", color=colour, ms=8, mec="black")
        lines.append(line)
        heads.append(head)
    legend = ax.legend(handles=lines, loc="upper left", fontsize=7, framealpha=0.85)
    counter = ax.text(0.98, 0.02, "", transform=ax.transAxes, ha="right", color="white", fontsize=9)
    fig.tight_layout(rect=(0, _caption(fig, caption, 120, 7), 1, 1))

    def draw(k: int) -> list[Any]:
        step = int(frame_steps[k])
        for tr, line, head, text in zip(trajectories, lines, heads, legend.get_texts(), strict=True):
            shown = tr.points[: step + 1]
            shown = shown[np.isfinite(shown).all(axis=1)]
            line.set_data(shown[:, 0], shown[:, 1])
            head.set_data([shown[-1, 0]], [shown[-1, 1]])
            rate = tr.effective_lr[step - 1] if step > 0 else np.array([np.nan, np.nan])
            text.set_text(f"{tr.label}  eff. lr = ({rate[0]:.2g}, {rate[1]:.2g})")
        counter.set_text(f"step {step}")
        return [*lines, *heads, counter]

    anim = animation.FuncAnimation(fig, draw, frames=len(frame_steps), interval=1000 / fps, blit=False)
    try:
        if path is None:
            return anim.to_jshtml()
        anim.save(os.fspath(path), writer=animation.PillowWriter(fps=fps))
        return path
    finally:
        plt.close(fig)


# ------------------------------------------------------------------ effective learning rates
def _log_scale_if_positive(ax: Axes, *values: np.ndarray) -> None:
    """Log y-axis for rates, unless nothing is positive (lr = 0 makes every rate 0): then
    a linear axis and a note, where a log axis would only warn and show nothing."""
    if any(np.any(np.asarray(v) > 0) for v in values):
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.7, "every effective learning rate is 0 (lr = 0?)", transform=ax.transAxes, ha="center")


def plot_effective_lr(trajectory: Trajectory, ax: Axes | None = None) -> Axes:
    """The effective learning rate of each coordinate (x, y) against step, log scale."""
    ax = _axes(ax)
    steps = np.arange(1, len(trajectory.effective_lr) + 1)
    for k, name in enumerate("xy"):
        ax.plot(steps, trajectory.effective_lr[:, k], label=f"coordinate {name}")
    _log_scale_if_positive(ax, trajectory.effective_lr)
    ax.set(xlabel="step", ylabel="effective learning rate")
    ax.set_title(f"{trajectory.label}: per-coordinate effective learning rate", fontsize=9)
    ax.legend()
    return ax


def decay_contrast_figure(
    lr: float = 0.01,
    rho: float = 0.9,
    gradient: float = 1.0,
    steps: int = 300,
    switch_at: int = 150,
    factor: float = 0.1,
    eps: float = 1e-8,
) -> Figure:
    """Adagrad's and RMSProp's effective learning rates on the same gradient stream,
    measured from the real optimizers, with the closed forms drawn on top.

    Left: a constant gradient ``g``: Adagrad's rate lr/(|g| sqrt(t) + eps) keeps
    falling, RMSProp's lr/(|g| sqrt(1 - rho^t) + eps) settles at lr/|g|.
    Right: the gradient shrinks by ``factor`` at ``switch_at``: RMSProp's rate
    recovers within a few time constants 1/(1 - rho) (half-life ln 0.5/ln rho),
    Adagrad's hardly moves, because its sum remembers every old gradient.
    """
    from .optim import Adagrad, RMSProp
    from .parameter import Parameter

    check_range("rho", rho, 0.0, 1.0, low_open=True)
    plt = _plt()
    fig, panels = plt.subplots(1, 2, figsize=(13, 4.8))
    t = np.arange(1, steps + 1)
    streams = [np.full(steps, gradient), np.where(t <= switch_at, gradient, gradient * factor)]
    tau, half_life = 1 / (1 - rho), math.log(0.5) / math.log(rho)
    for ax, stream, shifted in zip(panels, streams, (False, True), strict=True):
        measured = {}
        for cls, kwargs in ((Adagrad, {"lr": lr, "eps": eps}), (RMSProp, {"lr": lr, "rho": rho, "eps": eps})):
            p = Parameter(np.zeros(1))
            opt = cls([p], **kwargs)
            rates = []
            for g in stream:
                p.grad = np.array([g])
                opt.step()
                rates.append(opt.effective_lr(p)[0])
            measured[cls.__name__] = np.array(rates)
        # closed forms from the accumulators: G_t = sum g^2, v_t = sum (1-rho) rho^(t-s) g_s^2
        big_g = np.cumsum(stream**2)
        v = np.array([(1 - rho) * np.sum(rho ** (k - np.arange(1, k + 1)) * stream[:k] ** 2) for k in t])
        ax.semilogy(t, measured["Adagrad"], color="C0", lw=3, alpha=0.5, label="Adagrad, measured")
        ax.semilogy(
            t, lr / (np.sqrt(big_g) + eps), "--", color="C0", label="Adagrad closed form lr/(sqrt(sum g^2) + eps)"
        )
        ax.semilogy(t, measured["RMSProp"], color="C3", lw=3, alpha=0.5, label=f"RMSProp (rho={rho}), measured")
        ax.semilogy(t, lr / (np.sqrt(v) + eps), "--", color="C3", label="RMSProp closed form lr/(sqrt(v_t) + eps)")
        if shifted:
            ax.axvline(switch_at, color="grey", lw=1)
            ax.axvspan(switch_at, switch_at + tau, color="C3", alpha=0.08)
            ax.axvline(switch_at + tau, color="C3", ls=":", lw=1.2, label=f"time constant 1/(1-rho) = {tau:.0f} steps")
            ax.axvline(
                switch_at + half_life,
                color="C1",
                ls=":",
                lw=1.2,
                label=f"half-life ln0.5/ln(rho) = {half_life:.1f} steps",
            )
            ax.axhline(
                lr / (gradient * factor),
                color="k",
                lw=0.8,
                ls="-.",
                label=f"lr/|g| after the switch = {lr / (gradient * factor):g}",
            )
            ax.set_title(
                f"|g| drops from {gradient:g} to {gradient * factor:g} at step {switch_at}: "
                "RMSProp recovers, Adagrad does not",
                fontsize=10,
            )
        else:
            ax.axhline(lr / gradient, color="k", lw=0.8, ls="-.", label=f"lr/|g| = {lr / gradient:g}")
            ax.set_title(
                f"constant |g| = {gradient:g}: Adagrad decays like 1/sqrt(t), RMSProp settles at lr/|g|", fontsize=10
            )
        ax.set(xlabel="step t", ylabel="effective learning rate")
        if shifted:
            ax.legend(fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 0.07))
        else:
            ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(
        f"Same gradient stream, same lr = {lr}: Adagrad's rate only shrinks, RMSProp's follows the recent gradients",
        fontsize=12,
    )
    fig.tight_layout()
    return fig


def plot_sensitivity(
    results: Mapping[str, tuple[np.ndarray, np.ndarray]], horizon: int | None = None, ax: Axes | None = None
) -> Axes:
    """Final loss against learning rate for each optimizer (from :func:`~rmsprop_edu.trajectory.sweep`).
    ``results`` maps a label to ``(lrs, final_losses)``; diverged runs (inf) are marked at the top."""
    ax = _axes(ax)
    top = max(float(np.max(np.where(np.isfinite(f), f, -np.inf))) for _, f in results.values())
    for i, (label, (lrs, finals)) in enumerate(results.items()):
        colour = f"C{(i + 1) % 10}"
        ok = np.isfinite(finals)
        ax.loglog(lrs[ok], np.maximum(finals[ok], 1e-16), "o-", color=colour, ms=3, label=label)
        if (~ok).any():
            ax.plot(lrs[~ok], np.full((~ok).sum(), top * 10), "x", color=colour, ms=6)
    ax.set(xlabel="learning rate", ylabel=f"loss after {horizon} steps" if horizon else "final loss")
    ax.set_title("learning-rate sensitivity (x: diverged)", fontsize=10)
    ax.legend(fontsize=7)
    return ax


def quadratic_theory_figure(condition: float = 10.0, momentum: float = 0.9, steps: int = 200) -> Figure:
    """Gradient descent and heavy-ball momentum on f = (x^2 + condition*y^2)/2: measured
    contraction rate per step against lr, beside the theory (GD: max |1 - lr*lambda|,
    stable only for lr < 2/lambda_max; momentum: spectral radius of its 2x2 iteration)."""
    from .optim import SGD
    from .surfaces import quadratic
    from .trajectory import sweep

    plt = _plt()
    surface = quadratic(condition)
    lams = np.array([1.0, condition])
    lrs = np.logspace(-3, math.log10(4.0 / condition), 60)
    fig, ax = plt.subplots(figsize=(8, 5))

    def measured(mu: float) -> np.ndarray:
        result = sweep(surface, SGD, steps, lrs=lrs, momentum=mu, keep_paths=False)
        start = surface.value(np.asarray(surface.start))
        with np.errstate(divide="ignore"):
            return np.where(
                np.isfinite(result.final_losses), (result.final_losses / start) ** (1 / (2 * steps)), np.nan
            )

    def momentum_radius(lr: float, mu: float) -> float:
        return max(max(abs(np.linalg.eigvals(np.array([[1 + mu - lr * lam, -mu], [1.0, 0.0]])))) for lam in lams)

    gd_theory = np.max(np.abs(1 - np.outer(lrs, lams)), axis=1)
    ax.semilogx(lrs, gd_theory, "-", color="C0", label="GD theory: max |1 - lr*lambda|")
    ax.semilogx(lrs, measured(0.0), "o", color="C0", ms=4, label=f"GD measured ({steps} steps)")
    ax.semilogx(
        lrs,
        [momentum_radius(lr, momentum) for lr in lrs],
        "-",
        color="C3",
        label=f"momentum {momentum} theory: spectral radius",
    )
    ax.semilogx(lrs, measured(momentum), "s", color="C3", ms=4, label=f"momentum {momentum} measured")
    ax.axvline(2 / lams.max(), color="k", ls="--", label=f"stability edge lr = 2/lambda_max = {2 / lams.max():g}")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set(xlabel="learning rate", ylabel="contraction per step (|error| ratio)", ylim=(0, 1.5))
    ax.set_title(f"f = (x^2 + {condition:g} y^2)/2: below 1 converges, above 1 diverges", fontsize=11)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ------------------------------------------------------- effective learning rates in a network
def plot_lr_bands(
    steps: np.ndarray,
    stats: Mapping[str, np.ndarray],
    percentiles: Sequence[float] = (0, 10, 50, 90, 100),
    ax: Axes | None = None,
    show_minmax: bool = False,
    ceiling: float | None = None,
) -> Axes:
    """Per-parameter bands of effective learning rates over training.

    ``stats`` maps a parameter name to an array ``(len(steps), len(percentiles))``
    of the percentiles of its effective learning rates (as the training recorder
    stores them); the median is drawn as a line and the 10-90 % band shaded (and the
    min-max band, faintly, if ``show_minmax``). ``ceiling`` (e.g. lr/eps) is drawn as
    a dotted line: coordinates whose gradient is about zero sit there.
    """
    ax = _axes(ax)
    levels = list(percentiles)
    for i, (name, values) in enumerate(stats.items()):
        colour = f"C{i % 10}"
        median = values[:, levels.index(50)] if 50 in levels else values[:, len(levels) // 2]
        ax.plot(steps, median, color=colour, label=f"{name} (median)")
        if 10 in levels and 90 in levels:
            ax.fill_between(steps, values[:, levels.index(10)], values[:, levels.index(90)], color=colour, alpha=0.2)
        if show_minmax:
            ax.fill_between(steps, values[:, 0], values[:, -1], color=colour, alpha=0.06)
    if ceiling is not None:
        ax.axhline(ceiling, color="k", ls=":", lw=1, label=f"ceiling lr/eps = {ceiling:.0e} (gradient ~ 0)")
    _log_scale_if_positive(ax, *stats.values())
    ax.set(xlabel="training step", ylabel="effective learning rate")
    ax.set_title("effective learning rate of each parameter tensor: median and 10-90% band", fontsize=10)
    ax.legend(fontsize=7)
    return ax


def plot_lr_heatmap(matrix: np.ndarray, ax: Axes | None = None, title: str = "effective learning rate") -> Axes:
    """One weight matrix's effective learning rates (log colour scale), element by element."""
    from matplotlib import colors

    ax = _axes(ax)
    values = np.asarray(matrix)
    if values.ndim == 1:
        values = values[None, :]
    positive = values[values > 0]
    norm = colors.LogNorm(vmin=positive.min(), vmax=positive.max()) if positive.size else None
    image = ax.imshow(values, aspect="auto", cmap="magma", norm=norm, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="effective lr (log)" if norm is not None else "effective lr")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="output unit (column)", ylabel="input unit (row)")
    ax.set_title(title, fontsize=10)
    return ax


def network_lr_figure(
    recorder: Any, heatmap: str | None = None, title: str | None = None, ceiling: float | None = None
) -> Figure:
    """Two panels from an :class:`~rmsprop_edu.train.EffectiveLRRecorder`: per-parameter
    bands of effective learning rates over training, and the heatmap of one weight
    matrix's effective learning rates at the last record (``heatmap``: its name, default
    the first snapshot the recorder kept)."""
    plt = _plt()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1.3, 1]})
    plot_lr_bands(np.asarray(recorder.steps), recorder.stats, recorder.percentiles, ax=left, ceiling=ceiling)
    snapshots = recorder.snapshots
    name = heatmap or next(iter(snapshots), None)
    if name is not None and len(snapshots.get(name, ())):
        step = recorder.steps[-1]
        plot_lr_heatmap(
            snapshots[name][-1],
            ax=right,
            title=f"{name}: each weight's effective lr at step {step}\n(bright columns: units whose gradient is ~0)",
        )
    else:
        right.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


__all__ = [
    "animate_race",
    "decay_contrast_figure",
    "network_lr_figure",
    "plot_contours",
    "plot_effective_lr",
    "plot_losses",
    "plot_lr_bands",
    "plot_lr_heatmap",
    "plot_paths",
    "plot_sensitivity",
    "plot_surface_3d",
    "quadratic_theory_figure",
    "race_figure",
]
