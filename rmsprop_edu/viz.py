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
    """Filled contours of ``surface`` over its bounds, with its minima and a colour bar.

    Levels are log-spaced where its range demands it; the minima are marked by white stars.

    Args:
        surface: the test function to draw, over its ``bounds``.
        ax: the Axes to draw on (default: a new figure's).
        levels: the number of contour levels (default 30).
        resolution: grid points per axis at which the surface is evaluated (default 250).
    """
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


def _legend_columns(labels: Sequence[str], width: float, fontsize: float) -> int:
    """How many legend columns fit side by side in ``width`` inches (rough text metrics)."""
    if not labels:
        return 1
    entries = [len(label) * 0.55 * fontsize / 72 + 0.7 for label in labels]  # text + handle + gap
    if sum(entries) <= width:
        return len(labels)  # one row
    return int(max(1, min(len(labels), width // max(entries))))


def _legend_below(ax: Axes, fontsize: float = 9, drop: float = 0.55, **kwargs: Any) -> Any:
    """The legend under the axes, outside the data, so it never hides a path.

    It sits ``drop`` inches below the axes' bottom edge, clear of the tick labels and the
    x label.
    """
    from matplotlib.transforms import offset_copy

    fig: Any = ax.figure
    labels = [text for text in ax.get_legend_handles_labels()[1] if not text.startswith("_")]
    if kwargs.get("ncol") is None:
        kwargs["ncol"] = _legend_columns(labels, fig.get_figwidth() * 0.95, fontsize)
    anchor = offset_copy(ax.transAxes, fig=fig, y=-drop, units="inches")
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=anchor, fontsize=fontsize, **kwargs)


def _room_below(fig: Any, rows: int, drop: float = 0.55) -> None:
    """Make ``fig`` taller by the height of a one-column legend of ``rows`` entries.

    The legend is placed ``drop`` inches under the axes; the axes keep their own size.
    """
    extra = drop + 0.2 * rows + 0.2
    old_height = fig.get_figheight()
    bottom, top = fig.subplotpars.bottom * old_height, (1 - fig.subplotpars.top) * old_height
    fig.set_figheight(old_height + extra)
    fig.subplots_adjust(bottom=(bottom + extra) / (old_height + extra), top=1 - top / (old_height + extra))


def plot_paths(
    surface: Surface,
    trajectories: Sequence[Trajectory],
    ax: Axes | None = None,
    contours: bool = True,
    legend: bool = True,
) -> Axes:
    """Each trajectory over the contours: a line from a circle (start) to a cross (end).

    Each line is labelled with the optimizer's settings. The legend goes under the axes
    (outside the data, where it cannot cover a path or a minimum); ``legend=False`` leaves
    it to the caller.

    Args:
        surface: the surface the trajectories ran on; sets the axes' limits.
        trajectories: the runs to draw, each in its own colour; non-finite points are left out.
        ax: the Axes to draw on (default: a new figure's, grown to fit the legend).
        contours: whether to draw the surface's contours first (default True).
        legend: whether to add the legend under the axes (default True).
    """
    created = ax is None
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
    if legend:
        _legend_below(ax, ncol=1 if created else None)
        if created:  # our own figure: grow it downwards to make room for the legend
            _room_below(ax.figure, len(trajectories))
    return ax


#: losses are drawn on a log axis, where 0 cannot appear: smaller values are drawn at this floor.
LOSS_FLOOR = 1e-16


def plot_losses(
    trajectories: Sequence[Trajectory],
    surface: Surface | None = None,
    ax: Axes | None = None,
    legend: bool = True,
) -> Axes:
    """Loss against step for each trajectory (log scale; minus f_min when it is known).

    A log axis cannot show 0, so values below ``LOSS_FLOOR`` (1e-16) are drawn at the
    floor; when any is, a dotted line marks the floor and a note says so, so that a flat
    tail there is not read as a stall. The legend goes under the axes (``legend=False``
    leaves it to the caller).

    Args:
        trajectories: the runs, each drawn as its losses against step.
        surface: the surface they ran on, for its f_min (default None: the raw losses, on a log axis).
            A surface whose f_min is not finite gives a linear axis.
        ax: the Axes to draw on (default: a new figure's, grown to fit the legend).
        legend: whether to add the legend under the axes (default True).
    """
    created = ax is None
    ax = _axes(ax)
    f_min = surface.f_min if surface is not None and math.isfinite(surface.f_min) else 0.0
    log = surface is None or math.isfinite(surface.f_min)
    floored = False
    for i, tr in enumerate(trajectories):
        values = tr.losses - f_min
        if log:
            with np.errstate(invalid="ignore"):
                floored |= bool(np.any(values < LOSS_FLOOR))
            values = np.maximum(values, LOSS_FLOOR)
        (ax.semilogy if log else ax.plot)(values, color=f"C{(i + 1) % 10}", label=tr.label)
    if floored:
        from matplotlib.transforms import blended_transform_factory

        ax.axhline(LOSS_FLOOR, color="0.35", ls=":", lw=1.2)
        ax.set_ylim(bottom=LOSS_FLOOR / 30)
        ax.text(
            0.98,
            LOSS_FLOOR / 1.6,
            f"plotting floor: values below {LOSS_FLOOR:.0e} drawn at {LOSS_FLOOR:.0e}",
            transform=blended_transform_factory(ax.transAxes, ax.transData),
            ha="right",
            va="top",
            fontsize=10,
            color="0.25",
        )
    ax.set(xlabel="step", ylabel="f - f_min" if f_min else "f")
    ax.set_title("loss against step", fontsize=10)
    if legend:
        _legend_below(ax, ncol=1 if created else None)
        if created:
            _room_below(ax.figure, len(trajectories))
    return ax


def _caption(fig: Figure, caption: str | None, width: int, fontsize: float) -> float:
    """Put ``caption`` under the axes, wrapped to ``width`` characters; return the figure fraction it takes.

    The fraction is for ``tight_layout(rect=...)``, to keep the axes clear of it.
    """
    if not caption:
        return 0.0
    wrapped = textwrap.fill(caption, width)
    fig.text(0.5, 0.01, wrapped, ha="center", va="bottom", fontsize=fontsize)
    lines = wrapped.count("\n") + 1
    return 0.015 + lines * fontsize * 1.35 / 72 / fig.get_figheight()


def race_figure(
    surface: Surface, trajectories: Sequence[Trajectory], caption: str | None = None, title: str | None = None
) -> Figure:
    """The race (paths on the contours) beside the loss-against-step panel, with the tuning caption.

    The caption says how the contenders were tuned.

    One legend serves both panels (the colours are the same); it sits under them,
    outside the data, so it never covers a path or a minimum. The layout is fixed in
    inches (no layout pass), so the text keeps its size: ticks and labels 10 pt,
    legend and caption 9 pt at the figure's 13-inch width.

    Args:
        surface: the surface the trajectories ran on.
        trajectories: the runs, with the same colours in both panels.
        caption: how the contenders were tuned, wrapped under the legend (default None: none).
        title: the figure's title (default None: the surface's name, the number of steps and the start).
    """
    plt = _plt()
    width, axes_height, fontsize = 13.0, 4.4, 9.0
    labels = [tr.label for tr in trajectories] + (["minimum"] if len(surface.minima) else [])
    ncol = _legend_columns(labels, width - 1.0, fontsize)
    legend_height = 0.25 * math.ceil(len(labels) / ncol) + 0.15 if labels else 0.0
    wrapped = textwrap.fill(caption, 165) if caption else ""
    caption_height = (wrapped.count("\n") + 1) * fontsize * 1.35 / 72 + 0.1 if caption else 0.0
    top, ticks_and_xlabel = 0.95, 0.6  # suptitle + a two-line panel title; tick labels + x label
    height = top + axes_height + ticks_and_xlabel + legend_height + caption_height + 0.1
    fig, (left, right) = plt.subplots(
        1,
        2,
        figsize=(width, height),
        gridspec_kw={
            "width_ratios": [1.15, 1],
            "left": 0.75 / width,
            "right": 1 - 0.3 / width,
            "top": 1 - top / height,
            "bottom": 1 - (top + axes_height) / height,
            "wspace": 0.17,
        },
    )
    plot_paths(surface, trajectories, ax=left, legend=False)
    plot_losses(trajectories, surface, ax=right, legend=False)
    left.set_title(textwrap.fill(f"{surface.name}: {surface.teaches}", 80), fontsize=9)
    if labels:  # attached to the left panel, placed in figure coordinates under both panels
        legend_top = 1 - (top + axes_height + ticks_and_xlabel) / height
        left.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, legend_top),
            bbox_transform=fig.transFigure,
            ncol=ncol,
            fontsize=fontsize,
            frameon=False,
        )
    if caption:
        fig.text(0.5, 0.05 / height, wrapped, ha="center", va="bottom", fontsize=fontsize)
    steps = len(trajectories[0].losses) - 1 if trajectories else 0
    fig.suptitle(title or f"{surface.name}: {steps} steps from {tuple(surface.start)}", fontsize=12, y=1 - 0.1 / height)
    return fig


def plot_surface_3d(
    surface: Surface,
    trajectories: Sequence[Trajectory] = (),
    ax: Axes | None = None,
    resolution: int = 80,
    legend: bool = True,
) -> Axes:
    """The surface in 3-D (log height where the surface uses log levels) with the paths on it.

    The paths are drawn after the surface (``computed_zorder=False``) and lifted a little
    above it, so a path in a valley is not hidden under the surface's faces; the parts of
    a path outside the plotted square are left out (3-D axes do not clip). Five ticks per
    axis at 8 pt keep the tick labels apart.

    Args:
        surface: the test function to draw, over its ``bounds``.
        trajectories: the runs to draw on it (default none).
        ax: a 3-D Axes to draw on (default: a new figure's).
        resolution: grid points per axis at which the surface is evaluated (default 80).
        legend: whether to add the legend under the axes when there are paths (default True).
    """
    from matplotlib.ticker import MaxNLocator

    created = ax is None
    ax = _axes(ax, projection="3d")
    ax3d: Any = ax
    ax3d.computed_zorder = False  # draw in zorder: surface first, paths on top
    x, y, z = _grid(surface, resolution)

    def height(values: np.ndarray) -> np.ndarray:
        return np.log10(values - surface.f_min + 1e-3) if surface.log_levels else values

    heights = height(z)
    lift = 0.02 * float(np.ptp(heights))
    ax3d.plot_surface(x, y, heights, cmap="viridis", alpha=0.55, linewidth=0, zorder=1)
    (x0, x1), (y0, y1) = surface.bounds
    for i, tr in enumerate(trajectories):
        colour = f"C{(i + 1) % 10}"
        ok = np.isfinite(tr.points).all(axis=1) & np.isfinite(tr.losses)
        inside = (
            ok & (tr.points[:, 0] >= x0) & (tr.points[:, 0] <= x1) & (tr.points[:, 1] >= y0) & (tr.points[:, 1] <= y1)
        )
        px, py = np.where(inside, tr.points[:, 0], np.nan), np.where(inside, tr.points[:, 1], np.nan)
        with np.errstate(invalid="ignore"):
            pz = np.where(inside, height(np.where(ok, tr.losses, np.nan)) + lift, np.nan)
        ax.plot(px, py, pz, color=colour, lw=2, label=tr.label, zorder=3 + i)
        if inside.any():  # start (circle) and end (cross), as in the flat view
            first, last = np.flatnonzero(inside)[[0, -1]]
            for k, marker, size in ((first, "o", 36), (last, "X", 64)):
                ax3d.scatter(px[k], py[k], pz[k], marker=marker, color=colour, s=size, edgecolor="black", zorder=10)
    ax.set(xlabel="x", ylabel="y", zlabel="log10(f - f_min + 1e-3)" if surface.log_levels else "f")
    for axis in (ax3d.xaxis, ax3d.yaxis, ax3d.zaxis):
        axis.set_major_locator(MaxNLocator(5))
    ax.tick_params(labelsize=8)
    ax.set_title(f"{surface.name} in 3-D", fontsize=10)
    if legend and len(trajectories):
        _legend_below(ax, drop=0.05, ncol=1)
        if created:
            _room_below(ax.figure, len(trajectories), drop=0.05)
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
    """Animate the race; each legend entry shows the optimizer's effective learning rate.

    The rate (x and y) is the one after the step shown (the first frame, step 0, is before
    any step and says so). With ``path`` ending in .gif, writes a GIF with Pillow (no
    ffmpeg) and returns the path; with ``path=None`` returns HTML/JS for a notebook.

    The legend sits under the axes, outside the data. The GIF is drawn by blitting: the
    contours are rendered once, and each frame redraws only the paths, their heads, the
    legend and the step counter.

    Args:
        surface: the surface the trajectories ran on, drawn as contours.
        trajectories: the runs, all with the same number of steps (the first one's sets the frames' steps).
        path: where to write the GIF (a ``.gif`` file); None (default) returns HTML/JS instead.
        frames: the number of frames, in [2, 10000), spread evenly over the steps (default 60).
        fps: frames per second (default 12).
        caption: text wrapped under the legend (default None: none).
    """
    from matplotlib import animation

    check_range("frames", frames, 2, 10_000)
    plt = _plt()
    width, axes_height, fontsize = 6.8, 4.6, 9.0
    wrapped = textwrap.fill(caption, 100) if caption else ""
    caption_height = (wrapped.count("\n") + 1) * 8.0 * 1.35 / 72 + 0.1 if caption else 0.0
    top, ticks_and_xlabel, legend_height = 0.6, 0.6, 0.21 * len(trajectories) + 0.15
    height = top + axes_height + ticks_and_xlabel + legend_height + caption_height + 0.1
    fig, ax = plt.subplots(
        figsize=(width, height),
        gridspec_kw={
            "left": 0.75 / width,
            "right": 1 - 0.15 / width,
            "top": 1 - top / height,
            "bottom": 1 - (top + axes_height) / height,
        },
    )
    plot_contours(surface, ax=ax)
    ax.set_title(textwrap.fill(f"{surface.name}: {surface.teaches}", 75), fontsize=9)
    steps = len(trajectories[0].losses) - 1
    frame_steps = np.unique(np.linspace(0, steps, frames).astype(int))
    lines, heads = [], []
    for i, tr in enumerate(trajectories):
        colour = f"C{(i + 1) % 10}"
        (line,) = ax.plot([], [], "-", color=colour, lw=1.8, label=tr.label)
        (head,) = ax.plot([], [], "o", color=colour, ms=8, mec="black")
        lines.append(line)
        heads.append(head)
    legend = ax.legend(
        handles=lines,
        loc="upper center",
        bbox_to_anchor=(0.5, 1 - (top + axes_height + ticks_and_xlabel) / height),
        bbox_transform=fig.transFigure,
        fontsize=fontsize,
        frameon=False,
    )
    counter = ax.text(0.98, 0.02, "", transform=ax.transAxes, ha="right", color="white", fontsize=10)
    if caption:
        fig.text(0.5, 0.05 / height, wrapped, ha="center", va="bottom", fontsize=8)

    def readout(tr: Trajectory, step: int) -> str:
        if step == 0:
            return "eff. lr: before the first step"
        rate = tr.effective_lr[step - 1]
        return f"eff. lr = ({rate[0]:.2g}, {rate[1]:.2g})"

    def draw(k: int, texts: Sequence[Any], with_label: bool) -> list[Any]:
        step = int(frame_steps[k])
        for tr, line, head, text in zip(trajectories, lines, heads, texts, strict=True):
            shown = tr.points[: step + 1]
            shown = shown[np.isfinite(shown).all(axis=1)]
            line.set_data(shown[:, 0], shown[:, 1])
            head.set_data([shown[-1, 0]], [shown[-1, 1]])
            text.set_text(f"{tr.label}  {readout(tr, step)}" if with_label else readout(tr, step))
        counter.set_text(f"step {step}")
        return [*lines, *heads, counter]

    try:
        if path is None:
            anim = animation.FuncAnimation(
                fig, draw, frames=len(frame_steps), fargs=(legend.get_texts(), True), interval=1000 / fps, blit=False
            )
            return anim.to_jshtml()
        _save_gif_blitted(fig, legend, trajectories, [*lines, *heads, counter], draw, len(frame_steps), path, fps)
        return path
    finally:
        plt.close(fig)


def _save_gif_blitted(
    fig: Figure,
    legend: Any,
    trajectories: Sequence[Trajectory],
    moving: Sequence[Any],
    draw: Any,
    frames: int,
    path: str | os.PathLike[str],
    fps: int,
) -> None:
    """Write the animation as a GIF, blitting the moving artists over a background drawn once.

    The still parts of ``fig`` (contours, axes, legend labels, caption) are rendered once;
    each frame restores them and draws only the ``moving`` artists and a rate readout beside
    each legend entry. The frames are saved as a GIF with one shared palette.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import IdentityTransform
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    for artist in moving:
        artist.set_animated(True)  # left out of canvas.draw(): that draw is the background
    # the legend keeps the fixed labels; shift it left to leave room for the readouts
    anchor = legend.get_bbox_to_anchor()
    legend.set_bbox_to_anchor((0.5 - 0.14, anchor.y1 / fig.bbox.height), fig.transFigure)
    for tr, text in zip(trajectories, legend.get_texts(), strict=True):
        text.set_text(tr.label)
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    readouts = []
    for text in legend.get_texts():
        box = text.get_window_extent()
        readouts.append(
            fig.text(
                box.x1 + 14,
                (box.y0 + box.y1) / 2,
                "",
                transform=IdentityTransform(),
                va="center",
                fontsize=text.get_fontsize(),
                animated=True,
            )
        )
    images = []
    for k in range(frames):
        canvas.restore_region(background)
        draw(k, readouts, False)
        for artist in [*moving, *readouts]:
            fig.draw_artist(artist)
        rgba = bytes(canvas.buffer_rgba())
        images.append(Image.frombuffer("RGBA", canvas.get_width_height(), rgba, "raw", "RGBA", 0, 1).convert("RGB"))
    # one palette for every frame (the last frame holds every colour): no flicker, small file
    palette = images[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    frames_p = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    frames_p[0].save(os.fspath(path), save_all=True, append_images=frames_p[1:], duration=int(1000 / fps), loop=0)


# ------------------------------------------------------------------ effective learning rates
def _log_scale_if_positive(ax: Axes, *values: np.ndarray) -> None:
    """Log y-axis for rates, unless nothing is positive (lr = 0 makes every rate 0).

    Then a linear axis and a note, where a log axis would only warn and show nothing.
    """
    if any(np.any(np.asarray(v) > 0) for v in values):
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.7, "every effective learning rate is 0 (lr = 0?)", transform=ax.transAxes, ha="center")


def plot_effective_lr(trajectory: Trajectory, ax: Axes | None = None) -> Axes:
    """The effective learning rate of each coordinate (x, y) against step, log scale.

    Args:
        trajectory: a run on a 2-D surface; its ``effective_lr`` is drawn from step 1.
        ax: the Axes to draw on (default: a new figure's).
    """
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
    """Adagrad's and RMSProp's effective learning rates on the same gradient stream, with their closed forms.

    The rates are measured from the real optimizers, with the closed forms drawn on top.

    Left: a constant gradient ``g``: Adagrad's rate ``lr/(|g| sqrt(t) + eps)`` keeps
    falling, RMSProp's ``lr/(|g| sqrt(1 - rho^t) + eps)`` settles at ``lr/|g|``.
    Right: the gradient shrinks to ``factor * g`` after step ``switch_at``. RMSProp's
    v is then g_new^2 + (v_switch - g_new^2) rho^k after k steps, so its rate needs
    k = ln((v* - g_new^2)/(v_switch - g_new^2)) / ln(rho) steps to come within 10 % of
    its new level ``lr/|g_new|`` (v* is where the rate is 90 % of that level): about
    2 ln(1/factor) + 1.45 time constants 1/(1 - rho), far longer than one time
    constant or one half-life ln 0.5/ln rho (both drawn for comparison; the arrow
    marks the 10 % recovery). Adagrad's rate hardly moves: its sum remembers every
    old gradient.

    Args:
        lr: the learning rate of both optimizers, > 0 (default 0.01).
        rho: RMSProp's decay, in (0, 1) (default 0.9).
        gradient: the gradient g fed at every step, non-zero and finite (default 1.0).
        steps: the number of steps, >= 2 (default 300).
        switch_at: the last step with gradient g in the right panel, in [1, steps - 1] (default 150).
        factor: the gradient after the switch is ``factor * g``, factor in (0, 1) (default 0.1).
        eps: both optimizers' eps, > 0 (default 1e-8).

    Raises:
        ValueError: ``gradient`` is zero or not finite (both rates would sit at the
            ceiling lr/eps and there would be no ``lr/|g|`` to show), ``factor`` is not in
            (0, 1) (the right panel shows a drop), or ``switch_at`` is not in [1, steps).
    """
    from ._validation import check_int, check_real
    from .optim import Adagrad, RMSProp
    from .parameter import Parameter

    check_range("lr", lr, 0.0, math.inf, low_open=True)
    check_range("rho", rho, 0.0, 1.0, low_open=True)
    gradient = check_real("gradient", gradient)  # a float: an int would make an int gradient stream
    if gradient == 0.0:
        raise ValueError(
            "gradient must be non-zero (with g = 0 both rates sit at the ceiling lr/eps and there is no lr/|g| "
            f"to contrast), got {gradient!r}"
        )
    check_range("factor", factor, 0.0, 1.0, low_open=True)
    check_range("eps", eps, 0.0, math.inf, low_open=True)
    steps = check_int("steps", steps, 2)
    switch_at = check_int("switch_at", switch_at, 1, steps - 1)
    size, new_size = abs(gradient), abs(gradient) * factor
    plt = _plt()
    fig, panels = plt.subplots(1, 2, figsize=(13, 5.6), layout="constrained")
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
            level = lr / (new_size + eps)
            # v after k steps of the new gradient: g_new^2 + (v_switch - g_new^2) rho^k; the rate
            # lr/(sqrt(v) + eps) reaches 90 % of its new level once v <= v_target
            v_switch, v_target = v[switch_at - 1], ((new_size + eps) / 0.9 - eps) ** 2
            k = max(0, math.ceil(math.log((v_target - new_size**2) / (v_switch - new_size**2)) / math.log(rho)))
            ax.axvline(switch_at, color="grey", lw=1)
            ax.axvline(switch_at + tau, color="C3", ls=":", lw=1.2, label=f"time constant 1/(1-rho) = {tau:.0f} steps")
            ax.axvline(
                switch_at + half_life,
                color="C1",
                ls=":",
                lw=1.2,
                label=f"half-life ln0.5/ln(rho) = {half_life:.1f} steps",
            )
            ax.axhline(level, color="k", lw=0.8, ls="-.", label=f"lr/|g| after the switch = {level:.3g}")
            if switch_at + k <= steps:  # the arrow sits in the empty band between the two rates
                y, reached = math.sqrt(measured["RMSProp"][switch_at - 1] * measured["Adagrad"][-1]), switch_at + k
                ax.annotate("", (reached, y), (switch_at, y), arrowprops={"arrowstyle": "<->", "color": "k"})
                ax.vlines(reached, y, measured["RMSProp"][reached - 1], color="k", ls=":", lw=1)
                ax.scatter([reached], [measured["RMSProp"][reached - 1]], color="k", s=25, zorder=5)
                ax.text(
                    switch_at + k / 2,
                    y * 0.85,
                    f"{k} steps to within 10% of lr/|g|\n= {k * (1 - rho):.1f} time constants",
                    ha="center",
                    va="top",
                    fontsize=9,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                )
            ax.set_title(
                f"|g| drops from {size:g} to {new_size:g} after step {switch_at}:\n"
                f"RMSProp's rate recovers in {k} steps, Adagrad's does not",
                fontsize=10,
            )
        else:
            ax.axhline(lr / (size + eps), color="k", lw=0.8, ls="-.", label=f"lr/|g| = {lr / (size + eps):.3g}")
            ax.set_title(
                f"constant |g| = {size:g}: Adagrad decays like 1/sqrt(t), RMSProp settles at lr/|g|", fontsize=10
            )
        ax.set(xlabel="step t", ylabel="effective learning rate")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    fig.suptitle(
        f"Same gradient stream, same lr = {lr:g}: Adagrad's rate only shrinks, RMSProp's follows the recent gradients",
        fontsize=12,
    )
    return fig


def plot_sensitivity(
    results: Mapping[str, tuple[np.ndarray, np.ndarray]],
    horizon: int | None = None,
    ax: Axes | None = None,
    legend: bool = True,
) -> Axes:
    """Final loss against learning rate for each optimizer (from :func:`~rmsprop_edu.trajectory.sweep`).

    ``results`` maps a label to ``(lrs, final_losses)``; diverged runs (inf) are marked
    with an x above the curves. Losses below ``LOSS_FLOOR`` are drawn at the floor (a dotted
    line says so). The legend goes under the axes (``legend=False`` leaves it to the caller).

    Args:
        results: label -> ``(lrs, final_losses)``, two 1-D arrays of the same length.
        horizon: the number of steps of each run, for the y label (default None: "final loss").
        ax: the Axes to draw on (default: a new figure's, grown to fit the legend).
        legend: whether to add the legend under the axes (default True).
    """
    created = ax is None
    ax = _axes(ax)
    top = max(float(np.max(np.where(np.isfinite(f), f, -np.inf))) for _, f in results.values())
    floored = False
    for i, (label, (lrs, finals)) in enumerate(results.items()):
        colour = f"C{(i + 1) % 10}"
        ok = np.isfinite(finals)
        floored |= bool(np.any(finals[ok] < LOSS_FLOOR))
        ax.loglog(lrs[ok], np.maximum(finals[ok], LOSS_FLOOR), "o-", color=colour, ms=3, label=label)
        if (~ok).any():
            ax.plot(lrs[~ok], np.full((~ok).sum(), top * 10), "x", color=colour, ms=6)
    if floored:
        ax.axhline(LOSS_FLOOR, color="0.35", ls=":", lw=1.2, label=f"plotting floor {LOSS_FLOOR:.0e}")
    ax.set(xlabel="learning rate", ylabel=f"loss after {horizon} steps" if horizon else "final loss")
    ax.set_title("learning-rate sensitivity (x: diverged)", fontsize=10)
    if legend:
        _legend_below(ax, ncol=1 if created else None)
        if created:
            _room_below(ax.figure, len(results) + floored)
    return ax


def quadratic_theory_figure(condition: float = 10.0, momentum: float = 0.9, steps: int = 200) -> Figure:
    """Gradient descent and heavy-ball momentum on f = (x^2 + condition*y^2)/2: contraction rate against lr.

    The measured contraction rate per step, beside the theory (GD: ``max |1 - lr*lambda|``,
    stable only for lr < 2/lambda_max; momentum: spectral radius of its 2x2 iteration).
    Runs that left the box ``|x| < 1e6`` within ``steps`` steps are marked by crosses at 1.42.
    Dashed lines mark both edges; the title compares the two methods' best rates (theory).

    Args:
        condition: the curvature along y (along x it is 1): the condition number, for condition >= 1
            (default 10).
        momentum: the heavy-ball coefficient mu of the second method (default 0.9).
        steps: the steps of each measured run (default 200).
    """
    from .optim import SGD
    from .surfaces import quadratic
    from .trajectory import sweep

    plt = _plt()
    surface = quadratic(condition)
    lams = np.array([1.0, condition])
    lrs = np.logspace(-3, math.log10(4.0 / condition), 60)
    fig, ax = plt.subplots(figsize=(10, 5.2))

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
    momentum_theory = np.array([momentum_radius(lr, momentum) for lr in lrs])
    gd_measured, momentum_measured = measured(0.0), measured(momentum)
    ax.semilogx(lrs, gd_theory, "-", color="C0", label="GD theory: max |1 - lr*lambda|")
    ax.semilogx(lrs, gd_measured, "o", color="C0", ms=4, label=f"GD measured ({steps} steps)")
    ax.semilogx(lrs, momentum_theory, "-", color="C3", label=f"momentum {momentum} theory: spectral radius")
    ax.semilogx(lrs, momentum_measured, "s", color="C3", ms=4, label=f"momentum {momentum} measured")
    for name, values, colour in (("GD", gd_measured, "C0"), (f"momentum {momentum}", momentum_measured, "C3")):
        gone = np.isnan(values)  # diverged: no rate to measure, so a cross above the axis' top value
        if gone.any():
            ax.semilogx(lrs[gone], np.full(gone.sum(), 1.42), "x", color=colour, ms=6, label=f"{name}: diverged")
    ax.axvline(2 / lams.max(), color="k", ls="--", label=f"stability edge lr = 2/lambda_max = {2 / lams.max():g}")
    momentum_edge = 2 * (1 + momentum) / lams.max()  # heavy ball is stable while lr*lambda_max < 2(1 + mu)
    ax.axvline(momentum_edge, color="C3", ls="--", label=f"momentum edge lr = 2(1+mu)/lambda_max = {momentum_edge:.3g}")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set(xlabel="learning rate", ylabel="contraction per step (|error| ratio)", ylim=(0, 1.5))
    gd_best = (condition - 1) / (condition + 1)  # at lr = 2/(1 + condition)
    momentum_best = float(momentum_theory.min())
    flat = "flat " if math.isclose(momentum_best, math.sqrt(momentum), rel_tol=1e-3) else "best "
    ax.set_title(
        f"f = (x^2 + {condition:g} y^2)/2: GD's best rate {gd_best:.2f} "
        f"{'beats' if gd_best < momentum_best else 'loses to'} momentum {momentum:g}'s {flat}{momentum_best:.2f}\n"
        "lines: theory; dots: measured; below 1 converges, above 1 diverges",
        fontsize=11,
    )
    ax.legend(fontsize=9, loc="lower left")  # the lower left is empty: every rate there is near 1
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
    colors: Sequence[str] | None = None,
    legend: str | None = "outside",
) -> Axes:
    """Per-parameter bands of effective learning rates over training.

    ``stats`` maps a parameter name to an array ``(len(steps), len(percentiles))``
    of the percentiles of its effective learning rates (as the training recorder
    stores them). Each tensor has its own hue (``colors``; default C0, C1, ...): its
    median is a solid line, its 10-90 % band a light fill edged by thin lines of the
    same hue, so bands that overlap stay apart (the min-max band, faintly, if
    ``show_minmax``). ``ceiling`` (e.g. lr/eps) is drawn as a dotted line: coordinates
    whose gradient is about zero sit there. The legend goes outside the axes, on the
    right (``legend="inside"``: in the best corner; None: no legend). With many tensors,
    :func:`network_lr_figure` gives each its own panel instead.

    A recorder with no records yet (a run shorter than its ``every``) has nothing to
    draw: the axes then carry a note saying so, rather than an error.

    Args:
        steps: the training steps of the records, 1-D.
        stats: parameter name -> ``(len(steps), len(percentiles))`` array of percentiles.
        percentiles: the percentiles of the columns of ``stats`` (default 0, 10, 50, 90, 100).
            The median line is the 50th (else the middle column), the band the 10th to the 90th.
        ax: the Axes to draw on (default: a new figure's).
        show_minmax: whether to draw the first-to-last-column (min-max) band too (default False).
        ceiling: the height of a dotted ceiling line, e.g. lr/eps (default None: no line).
        colors: the tensors' colours, in order and cycled (default None: C0, C1, ...).
        legend: ``"outside"`` (default, right of the axes), ``"inside"`` or None (no legend).
    """
    if legend is not None:
        from ._validation import check_choice

        check_choice("legend", legend, ("outside", "inside"))
    ax = _axes(ax)
    steps = np.asarray(steps)
    ax.set(xlabel="training step", ylabel="effective learning rate")
    if steps.size == 0 or not stats or any(np.asarray(v).size == 0 for v in stats.values()):
        note = "no records yet: the run was shorter than the recorder's interval (every)"
        ax.text(0.5, 0.5, textwrap.fill(note, 40), transform=ax.transAxes, ha="center", va="center", fontsize=10)
        ax.set(xticks=[], yticks=[])  # no data: a 0-1 scale would only suggest some
        return ax
    levels = list(percentiles)
    for i, (name, values) in enumerate(stats.items()):
        colour = colors[i % len(colors)] if colors else f"C{i % 10}"
        median = values[:, levels.index(50)] if 50 in levels else values[:, len(levels) // 2]
        ax.plot(steps, median, color=colour, lw=2, label=f"{name} (median)")
        if 10 in levels and 90 in levels:
            low, high = values[:, levels.index(10)], values[:, levels.index(90)]
            ax.fill_between(steps, low, high, color=colour, alpha=0.12, lw=0)
            for edge in (low, high):  # thin edges keep each band readable where bands overlap
                ax.plot(steps, edge, color=colour, lw=0.6, alpha=0.7)
        if show_minmax:
            ax.fill_between(steps, values[:, 0], values[:, -1], color=colour, alpha=0.05, lw=0)
    if ceiling is not None:
        ax.axhline(ceiling, color="k", ls=":", lw=1, label=f"ceiling lr/eps = {ceiling:.0e} (gradient ~ 0)")
    _log_scale_if_positive(ax, *stats.values())
    ax.set_title("effective learning rate of each parameter tensor: median and 10-90% band", fontsize=10)
    if legend == "outside":
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    elif legend is not None:
        ax.legend(fontsize=8)
    return ax


def plot_lr_heatmap(matrix: np.ndarray, ax: Axes | None = None, title: str = "effective learning rate") -> Axes:
    """One weight matrix's effective learning rates (log colour scale), element by element.

    Args:
        matrix: (rows, columns) rates, rows the input units and columns the output units; a
            1-D array is drawn as one row. The colour scale spans the positive values.
        ax: the Axes to draw on (default: a new figure's).
        title: the panel's title (default "effective learning rate").
    """
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

    for axis, size in ((ax.yaxis, values.shape[0]), (ax.xaxis, values.shape[1])):
        axis.set_major_locator(MaxNLocator(integer=True, nbins=min(size, 9), min_n_ticks=1))
    ax.set(xlabel="output unit (column)", ylabel="input unit (row)")
    ax.grid(False)  # grid lines (axes.grid in a style) would cut through the cells
    ax.set_title(title, fontsize=10)
    return ax


def network_lr_figure(
    recorder: Any, heatmap: str | None = None, title: str | None = None, ceiling: float | None = None
) -> Figure:
    """The effective learning rates an :class:`~rmsprop_edu.train.EffectiveLRRecorder` kept.

    Left: one small panel per parameter tensor (median line and 10-90 % band over
    training, one hue per tensor, the same log range in every panel so they compare at a
    glance, and ``ceiling``, e.g. lr/eps, dotted). Right: the heatmap of one weight matrix's rates
    at the last record (``heatmap``: its name; default the first snapshot the recorder kept).

    A recorder with no records yet (the run was shorter than its ``every``) gives a
    figure with a note that says so, never an error.

    Args:
        recorder: the :class:`~rmsprop_edu.train.EffectiveLRRecorder` after training.
        heatmap: the name of the parameter whose last snapshot is drawn as the heatmap (default
            None: the first snapshot kept); a name without snapshots gives no heatmap.
        title: the figure's title (default None: none).
        ceiling: the height of a dotted ceiling line in each panel, e.g. lr/eps (default None: no line).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import NullLocator

    plt = _plt()
    steps, stats = np.asarray(recorder.steps), recorder.stats
    if steps.size == 0:
        fig, ax = plt.subplots(figsize=(10, 4.5), layout="constrained")
        plot_lr_bands(steps, stats, recorder.percentiles, ax=ax)
        ax.texts[-1].set_text(
            f"no records yet: the run was shorter than every={recorder.every}\n"
            f"(the recorder keeps one record every {recorder.every} steps; train longer or record more often)"
        )
        if title:
            fig.suptitle(textwrap.fill(title, 110), fontsize=11)
        return fig
    snapshots = recorder.snapshots
    name = heatmap or next(iter(snapshots), None)
    shown = name if name is not None and len(snapshots.get(name, ())) else None  # the heatmap's matrix
    has_map = shown is not None
    shapes = {n: p.data.shape for n, p in getattr(recorder, "named", [])}
    cols = max(1, min(3, len(stats)))
    rows = max(1, math.ceil(len(stats) / cols))
    # margins set by hand, in inches (a layout engine would measure every tick label
    # of every panel several times over, which makes this figure several times slower)
    wrapped = textwrap.fill(title, 110) if title else ""
    width, height = 13.5, 1.7 + 2.4 * rows + 0.2 * wrapped.count("\n")
    top = 0.15 + (0.3 + 0.2 * wrapped.count("\n") if title else 0) + (0.5 if has_map else 0.3)
    fig = plt.figure(figsize=(width, height))
    grid = fig.add_gridspec(
        rows,
        cols + has_map,
        width_ratios=[1.0] * cols + [1.6] * has_map,
        left=0.75 / width,
        right=1 - (1.0 if has_map else 0.2) / width,  # room for the colour bar's ticks and label
        bottom=0.95 / height,
        top=1 - top / height,
        wspace=0.3,
        hspace=0.45,
    )
    # one y range for every panel, set by hand: shared axes (sharey) make matplotlib lay out
    # every sibling's log ticks for every panel, many times slower to draw
    levels = list(recorder.percentiles)
    drawn = [levels.index(q) for q in (10, 50, 90) if q in levels] or list(range(len(levels)))
    values_all = np.concatenate([np.ravel(v[:, drawn]) for v in stats.values()] + [np.array([ceiling or 0.0])])
    positive = values_all[values_all > 0]
    limits = (positive.min() / 2, positive.max() * 2) if positive.size else None
    for i, (tensor, values) in enumerate(stats.items()):
        ax = fig.add_subplot(grid[i // cols, i % cols])
        plot_lr_bands(
            steps, {tensor: values}, recorder.percentiles, ax=ax, ceiling=ceiling, colors=[f"C{i % 10}"], legend=None
        )
        shape = "x".join(str(k) for k in shapes.get(tensor, ()))
        ax.set_title(f"{tensor} ({shape})" if shape else tensor, fontsize=10, color=f"C{i % 10}")
        bottom = i + cols >= len(stats)  # no panel below this one: it carries the step axis
        first = i % cols == 0  # the first of its row: it carries the rate axis
        ax.set(xlabel="training step" if bottom else "", ylabel="effective lr" if first else "")
        # every panel has the same ranges, so tick labels on the outer panels are enough
        ax.tick_params(labelsize=8, labelbottom=bottom, labelleft=first or limits is None)
        if limits is not None and ax.get_yscale() == "log":
            ax.set_ylim(*limits)
            ax.yaxis.set_minor_locator(NullLocator())  # decades are enough here, and draw much faster
    handles = [
        Line2D([], [], color="0.25", lw=2, label="median over the tensor's weights"),
        Patch(facecolor="0.25", alpha=0.2, edgecolor="0.25", label="10-90 % of its weights"),
    ]
    if ceiling is not None:
        handles.append(Line2D([], [], color="k", ls=":", lw=1, label=f"ceiling lr/eps = {ceiling:.0e} (gradient ~ 0)"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9, frameon=False)
    if shown is not None:
        plot_lr_heatmap(
            snapshots[shown][-1],
            ax=fig.add_subplot(grid[:, cols]),
            title=f"{shown}: each weight's effective lr at step {steps[-1]}\n"
            "(bright rows and columns: weights whose gradient is ~0)",
        )
    if title:
        fig.suptitle(wrapped, fontsize=11, y=1 - 0.1 / height, va="top")
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
