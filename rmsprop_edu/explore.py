"""Explorers: a figure and the sliders that redraw it, safe to run without a front end.

An explorer is an object with

* ``figure``: its matplotlib Figure;
* ``controls``: name -> ipywidgets control (empty when ipywidgets is not installed);
* ``update(**values)``: exactly what moving those controls does; it returns after the
  figure is redrawn, so it can be called from a script or a test as well.

Displayed in Jupyter (JupyterLab, classic Notebook, VS Code) it shows the controls above an
image of the figure that each move redraws. Without a front end (nbconvert, nbclient, a
documentation build, nbviewer) it is shown as a static PNG of its current state.

Why no ``ipywidgets.interact`` and no ``Output`` widget: a headless client such as nbclient
(which runs the notebooks in the tests) imitates the Output widget by sending messages on
the kernel's shell channel while it waits for the cell's reply on that same channel, and
now and then that blocks the run for minutes (jupyter/nbclient#312, jupyter/nbconvert#2029).
An explorer redraws into an ``Image`` widget instead, so no cell ever waits on a front end.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import check_int, check_range
from .optim import SGD, Adagrad, Adam, Optimizer, RMSProp
from .surfaces import Surface, get
from .trajectory import run_trajectory

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "DecayExplorer",
    "DialectExplorer",
    "Explorer",
    "MomentumExplorer",
    "RaceExplorer",
    "heavy_ball_rate",
    "recovery_steps",
]


def _ipywidgets() -> Any | None:
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


class Explorer:
    """Base class: a figure, named controls and ``update``.

    Subclasses set ``self.figure``, ``self.values`` (the current setting of every control)
    and write ``redraw()`` and ``make_controls(widgets)``.
    """

    figure: Figure
    values: dict[str, Any]
    #: dots per inch of the image shown in the widget and of the static PNG (an 11-inch figure
    #: is 1100 px: text of 9 pt and more stays at least 9 pt on a 100-dpi screen)
    dpi: float = 100

    def __init__(self) -> None:
        self._controls: dict[str, Any] | None = None
        self._image: Any = None
        self._view: Any = None
        self._canvas_view: Any = None
        #: Whether the explorer is shown on an interactive canvas (ipympl), which redraws the whole figure at each move
        self.full_draws = False

    # -------------------------------------------------------------- subclass API
    def check(self, name: str, value: Any) -> Any:
        """Validate one control's value (override); return the normalised value.

        Args:
            name: the control's name, a key of ``values``.
            value: the value asked for.
        """
        return value

    def redraw(self) -> None:
        """Redraw ``self.figure`` from ``self.values`` (override)."""
        raise NotImplementedError

    def make_controls(self, widgets: Any) -> dict[str, Any]:
        """Return name -> ipywidgets control, each starting at ``self.values[name]`` (override).

        Args:
            widgets: the ``ipywidgets`` module.
        """
        return {}

    # ------------------------------------------------------------------ public
    def update(self, **values: Any) -> None:
        """Set some controls' values (unknown names are errors), redraw, and return.

        Every value is checked before anything changes, so a bad value leaves the
        explorer as it was.
        """
        unknown = sorted(set(values) - set(self.values))
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.update got unknown control(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(sorted(self.values))}"
            )
        checked = {name: self.check(name, value) for name, value in values.items()}
        self.values.update(checked)
        self.redraw()
        if self._image is not None:
            self._image.value = self.png()
        if self._canvas_view is not None:
            self.figure.canvas.draw_idle()
        if self._controls:
            for name, value in checked.items():
                control = self._controls.get(name)
                if control is not None and control.value != value:
                    control.value = value

    @property
    def controls(self) -> dict[str, Any]:
        """The controls, name -> ipywidgets control (made on first use; empty without ipywidgets)."""
        if self._controls is None:
            widgets = _ipywidgets()
            self._controls = self.make_controls(widgets) if widgets is not None else {}
            for name, control in self._controls.items():
                control.observe(self._on_change(name), names="value")
        return self._controls

    def _on_change(self, name: str) -> Callable[[Mapping[str, Any]], None]:
        def handler(change: Mapping[str, Any]) -> None:
            if self.values.get(name) != change["new"]:
                self.update(**{name: change["new"]})

        return handler

    def _agg(self) -> Any:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        if not isinstance(self.figure.canvas, FigureCanvasAgg):
            FigureCanvasAgg(self.figure)
        self.figure.set_dpi(self.dpi)
        return self.figure.canvas

    def render(self) -> None:
        """Draw the figure on its Agg canvas (override to redraw less, e.g. by blitting)."""
        self._agg().draw()

    def png(self) -> bytes:
        """The figure as PNG bytes, as the widget and the static view show it.

        Encoded at a fast zlib level: a slider move re-encodes it.
        """
        from PIL import Image

        self.render()
        canvas = self._agg()
        width, height = canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def widget(self, png: bytes | None = None) -> Any:
        """The controls above the image, as one ipywidgets box (None without ipywidgets).

        Args:
            png: the figure's PNG if already drawn (saves drawing it again for the first view).
        """
        widgets = _ipywidgets()
        if widgets is None:
            return None
        if self._view is None:
            self._image = widgets.Image(value=self.png() if png is None else png, format="png")
            self._view = widgets.VBox([widgets.HBox(list(self.controls.values())), self._image])
        return self._view

    def canvas_widget(self) -> Any:
        """The controls above the figure on an interactive ipympl canvas (``pip install ipympl``).

        Unlike :meth:`widget`'s image, the canvas reports mouse clicks (a click on the race
        explorer's contours moves its start there); each move redraws the whole figure.
        """
        try:
            from ipympl.backend_nbagg import Canvas, FigureManager
        except ImportError as error:
            raise ImportError("canvas_widget() needs ipympl: pip install ipympl (or use widget())") from error
        widgets = _ipywidgets()
        assert widgets is not None  # ipympl depends on ipywidgets
        if self._canvas_view is None:
            self.full_draws = True
            for artist in self.figure.findobj(lambda a: a.get_animated()):
                artist.set_animated(False)  # no blitting: a full draw shows everything
            canvas = Canvas(self.figure)
            FigureManager(canvas, 0)
            self._canvas_view = widgets.VBox([widgets.HBox(list(self.controls.values())), canvas])
        return self._canvas_view

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # The static PNG goes in every bundle: a front end without widgets (nbviewer, a docs
        # build) shows it; one with widgets prefers the widget view.
        png = self.png()  # drawn once: the widget's image is the static PNG too
        view = self.widget(png)
        bundle: dict[str, Any] = {"text/plain": f"<{type(self).__name__}: {self._describe()}>"}
        if view is not None:
            bundle.update(view._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["image/png"] = png
        return bundle

    def _describe(self) -> str:
        return ", ".join(f"{k}={_short(v)}" for k, v in self.values.items())


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(getattr(value, "__name__", value))


def _sgd(v: Mapping[str, Any]) -> dict[str, Any]:
    return {"lr": v["lr"], "momentum": v["beta1"]}


def _adagrad(v: Mapping[str, Any]) -> dict[str, Any]:
    return {"lr": v["lr"], "eps": v["eps"]}


def _rmsprop(v: Mapping[str, Any]) -> dict[str, Any]:
    return {"lr": v["lr"], "rho": v["rho"], "eps": v["eps"]}


def _adam(v: Mapping[str, Any]) -> dict[str, Any]:
    return {"lr": v["lr"], "betas": (v["beta1"], v["beta2"]), "eps": v["eps"]}


#: the race explorer's contenders: name -> (class, the settings it takes from the controls).
#: SGD's momentum is the beta1 slider: both are the decay of the gradient's running average.
RACERS: dict[str, tuple[type[Optimizer], Callable[[Mapping[str, Any]], dict[str, Any]]]] = {
    "SGD+momentum": (SGD, _sgd),
    "Adagrad": (Adagrad, _adagrad),
    "RMSProp": (RMSProp, _rmsprop),
    "Adam": (Adam, _adam),
}
_FLOOR = 1e-16  # losses below this are drawn at it (log axis)


class RaceExplorer(Explorer):
    """Several optimizers racing on a toy surface with shared settings.

    The figure shows their paths over the contours, loss against step, and each one's last
    per-coordinate effective learning rate.

    The contours are drawn once; a move redraws only the paths, losses and labels over a
    saved background (blitting), so that it answers within about 0.1 s.

    Args:
        surface: a surface name (see :data:`rmsprop_edu.surfaces.NAMES`).
        optimizers: names from ``RACERS`` (``SGD+momentum``, ``Adagrad``, ``RMSProp``, ``Adam``).
        lr: the learning rate they all use, in [1e-4, 1] (log slider).
        rho: RMSProp's decay of the average of squares, in [0.5, 0.999].
        beta1: Adam's first-moment decay, and SGD's momentum, in [0, 0.99].
        beta2: Adam's second-moment decay, in [0.5, 0.9999].
        eps: in [1e-10, 1] (log slider).
        steps: in [10, 1000].
        x0, y0: the start, within the surface's plotted bounds (default: the surface's start).
    """

    def __init__(
        self,
        surface: str = "rosenbrock",
        optimizers: tuple[str, ...] = ("SGD+momentum", "Adagrad", "RMSProp", "Adam"),
        lr: float = 0.01,
        rho: float = 0.9,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        steps: int = 300,
        x0: float | None = None,
        y0: float | None = None,
    ) -> None:
        super().__init__()
        self.values = {}
        self.values["surface"] = self.check("surface", surface)
        self._surface = get(self.values["surface"])
        start = self._surface.start
        given = {
            "optimizers": optimizers,
            "lr": lr,
            "rho": rho,
            "beta1": beta1,
            "beta2": beta2,
            "eps": eps,
            "steps": steps,
            "x0": start[0] if x0 is None else x0,
            "y0": start[1] if y0 is None else y0,
        }
        self.values.update({name: self.check(name, value) for name, value in given.items()})
        self._layout_key: tuple[Any, ...] = ()
        self._low_decade = 100
        self._runs: dict[tuple[Any, ...], Any] = {}
        self.redraw()
        # a click on the contours sets the start, on canvases that report clicks (ipympl: canvas_widget())
        self.figure.canvas.mpl_connect("button_press_event", self._on_click)

    def _on_click(self, event: Any) -> None:
        """Move the start to a left click on the contours (rounded to the start sliders' 0.05 steps)."""
        if event.inaxes is not self._ax_path or event.button != 1 or event.xdata is None:
            return
        (x_low, x_high), (y_low, y_high) = self._surface.bounds
        x = min(max(round(event.xdata / 0.05) * 0.05, x_low), x_high)
        y = min(max(round(event.ydata / 0.05) * 0.05, y_low), y_high)
        self.update(x0=round(x, 10), y0=round(y, 10))

    # ------------------------------------------------------------------ checks
    def check(self, name: str, value: Any) -> Any:
        """Check one control: surface, optimizer names, a number in its slider's range, or the start.

        The surface and the optimizers must be known names (at least one optimizer); the
        start must lie within the surface's plotted bounds.

        Args:
            name: the control's name, a key of ``values``.
            value: the value asked for.
        """
        from ._validation import check_choice
        from .surfaces import NAMES

        if name == "surface":
            return check_choice("surface", value, list(NAMES))
        if name == "optimizers":
            chosen = (value,) if isinstance(value, str) else tuple(value)
            for one in chosen:
                check_choice("optimizers", one, list(RACERS))
            if not chosen:
                raise ValueError(f"optimizers must name at least one of {', '.join(RACERS)}, got none")
            return chosen
        ranges = {
            "lr": (1e-4, 1.0),
            "rho": (0.5, 0.999),
            "beta1": (0.0, 0.99),
            "beta2": (0.5, 0.9999),
            "eps": (1e-10, 1.0),
        }
        if name in ranges:
            return check_range(name, value, *ranges[name], high_open=False)
        if name == "steps":
            return check_int("steps", value, 10, 1000)
        if name in ("x0", "y0"):
            surface = get(self.values["surface"]) if "surface" in self.values else self._surface
            low, high = surface.bounds[0 if name == "x0" else 1]
            return check_range(name, value, low, high, high_open=False)
        return value

    def update(self, **values: Any) -> None:
        """As :meth:`Explorer.update`, and a new surface brings its own start.

        A new surface moves the start to that surface's own start unless ``x0``/``y0`` are
        given with it.
        """
        if "surface" in values and values["surface"] != self.values["surface"]:
            surface = get(self.check("surface", values["surface"]))
            values = {"x0": surface.start[0], "y0": surface.start[1], **values}
            previous = self.values["surface"]
            self.values["surface"] = values["surface"]  # the start is checked against the new bounds
            try:
                super().update(**values)
            except Exception:
                self.values["surface"] = previous
                raise
            return
        super().update(**values)

    # ----------------------------------------------------------------- drawing
    def trajectories(self) -> dict[str, Any]:
        """The runs drawn for the current values: name -> :class:`~rmsprop_edu.trajectory.Trajectory`."""
        v = self.values
        runs = {}
        for name in v["optimizers"]:
            cls, settings = RACERS[name][0], RACERS[name][1](v)
            # a move changes only the runs whose settings it touches (rho: RMSProp's alone)
            key = (name, v["surface"], v["steps"], v["x0"], v["y0"], tuple(sorted(settings.items())))
            if key not in self._runs:
                self._runs[key] = run_trajectory(self._surface, cls, v["steps"], start=(v["x0"], v["y0"]), **settings)
            runs[name] = self._runs[key]
        drawn = [id(tr) for tr in runs.values()]
        self._runs = {key: tr for key, tr in self._runs.items() if id(tr) in drawn}  # keep only what is drawn
        return runs

    def _build(self) -> None:
        """Build the figure and its static layer: contours, axes, start marker.

        Redone when the surface, the steps or the start change.
        """
        from matplotlib.figure import Figure

        from . import viz

        self._surface = get(self.values["surface"])
        if not hasattr(self, "figure"):
            self.figure = Figure(figsize=(11, 4.8), dpi=self.dpi)
        self.figure.clear()
        self._ax_path, self._ax_loss = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
        viz.plot_contours(self._surface, ax=self._ax_path)
        self._ax_path.set_title(self._surface.name, fontsize=10)
        v = self.values
        self._paths, self._ends, self._losses = {}, {}, {}
        for i, name in enumerate(RACERS):
            colour = f"C{i + 1}"
            blit = not self.full_draws  # blitted artists are animated: left out of the background's full draw
            (self._paths[name],) = self._ax_path.plot([], [], "-", color=colour, lw=1.6, label=name, animated=blit)
            (self._ends[name],) = self._ax_path.plot([], [], "X", color=colour, ms=9, mec="black", animated=blit)
            (self._losses[name],) = self._ax_loss.semilogy([], [], color=colour, label=name, animated=blit)
        self._ax_path.plot([v["x0"]], [v["y0"]], "o", color="white", ms=7, mec="black", label="start")
        f_min = self._surface.f_min if math.isfinite(self._surface.f_min) else 0.0
        f0 = float(self._surface.value(np.array([v["x0"], v["y0"]]))) - f_min
        self._ax_loss.set(
            xlabel="step",
            ylabel=f"f - f_min (below {_FLOOR:.0e} drawn at it)",
            xlim=(0, v["steps"]),
            ylim=(10.0**self._low_decade, max(f0, 1.0) * 10),
        )
        self._ax_loss.axhline(_FLOOR, color="grey", lw=0.8, ls=":")
        self._ax_loss.grid(alpha=0.3)
        self._readout = self._ax_loss.set_title("", fontsize=9, loc="left")
        self._readout.set_animated(not self.full_draws)
        handles = [self._paths[name] for name in v["optimizers"]]
        self.figure.legend(handles, v["optimizers"], loc="lower center", ncol=len(handles), fontsize=9, frameon=False)
        # room above the loss panel for one readout line per optimizer, and no more
        self.figure.subplots_adjust(left=0.06, right=0.98, bottom=0.2, top=0.93 - 0.04 * len(handles), wspace=0.22)
        # the readout's column heads are static (drawn once, in the background): a move redraws only the numbers
        left = self._ax_loss.get_position().x0
        self.figure.text(left, 0.985, "after the last step:  f - f_min,  effective lr (x, y)", fontsize=9, va="top")
        self._layout_key = self._layout()
        self._background: Any = None

    def redraw(self) -> None:
        """Redraw the racers' paths, end markers, loss curves and readout for the current values.

        A run whose settings did not change is reused; the static layer (contours, axes,
        legend) is rebuilt only when what it depends on (``_layout()``) changes, e.g. when
        a loss leaves the loss axis.
        """
        if self._layout_key[:5] != self._layout()[:5]:
            self._surface = get(self.values["surface"])
        f_min = self._surface.f_min if math.isfinite(self._surface.f_min) else 0.0
        runs = self.trajectories()
        # the loss axis reaches one decade below the lowest loss drawn (whole decades, so that
        # most moves keep the saved background and only a new lowest decade redraws it all)
        lowest = min(float(np.nanmin(np.maximum(tr.losses - f_min, _FLOOR))) for tr in runs.values())
        decade = math.floor(math.log10(lowest)) - 1
        if not decade + 4 > self._low_decade >= decade:  # redrawn only when a loss leaves the axis or
            self._low_decade = decade  # four empty decades sit below the lowest
        if self._layout_key != self._layout():
            self._build()
        lines = []
        for name in RACERS:
            tr = runs.get(name)
            for artist in (self._paths[name], self._ends[name], self._losses[name]):
                artist.set_visible(tr is not None)
            if tr is None:
                continue
            points = tr.points[np.isfinite(tr.points).all(axis=1)]
            self._paths[name].set_data(points[:, 0], points[:, 1])
            self._ends[name].set_data([points[-1, 0]], [points[-1, 1]])
            gap = np.maximum(tr.losses - f_min, _FLOOR)
            self._losses[name].set_data(np.arange(len(gap)), gap)
            if tr.diverged_at is not None:
                lines.append(f"{name}: diverged at step {tr.diverged_at}")
            else:
                rate = tr.effective_lr[-1]
                lines.append(f"{name}:  {tr.losses[-1] - f_min:.2g},  ({rate[0]:.2g}, {rate[1]:.2g})")
        self._readout.set_text("\n".join(lines))

    def _layout(self) -> tuple[Any, ...]:
        """What the static layer (contours, axes limits, legend) depends on."""
        v = self.values
        return (v["surface"], v["steps"], v["x0"], v["y0"], v["optimizers"], self._low_decade)

    def _dynamic(self) -> list[Any]:
        return [*self._paths.values(), *self._ends.values(), *self._losses.values(), self._readout]

    def render(self) -> None:
        """Blit: restore the saved background and draw only the paths, losses and readout over it.

        The background (contours, axes, legend) is saved by the first full draw after a rebuild.
        """
        canvas = self._agg()
        if self.full_draws:
            canvas.draw()
            return
        if self._background is None:
            canvas.draw()  # animated artists are left out of a full draw: the background
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        canvas.restore_region(self._background)
        for artist in self._dynamic():
            if artist.get_visible():
                self.figure.draw_artist(artist)

    def make_controls(self, widgets: Any) -> dict[str, Any]:
        """Make the race's controls: surface and optimizer pickers, a slider for each setting.

        lr and eps on log sliders; rho, beta1 (also SGD's momentum), beta2, steps, and the start
        within the surface's bounds.

        Args:
            widgets: the ``ipywidgets`` module.
        """
        from .surfaces import NAMES

        v = self.values
        (x_low, x_high), (y_low, y_high) = self._surface.bounds
        return {
            "surface": widgets.Dropdown(options=list(NAMES), value=v["surface"], description="surface"),
            "optimizers": widgets.SelectMultiple(options=list(RACERS), value=v["optimizers"], description="race"),
            "lr": widgets.FloatLogSlider(value=v["lr"], base=10, min=-4, max=0, step=0.125, description="lr"),
            "rho": widgets.FloatSlider(value=v["rho"], min=0.5, max=0.999, step=0.001, description="rho"),
            "beta1": widgets.FloatSlider(value=v["beta1"], min=0, max=0.99, step=0.01, description="beta1 / mu"),
            "beta2": widgets.FloatSlider(value=v["beta2"], min=0.5, max=0.9999, step=0.0001, description="beta2"),
            "eps": widgets.FloatLogSlider(value=v["eps"], base=10, min=-10, max=0, step=0.5, description="eps"),
            "steps": widgets.IntSlider(value=v["steps"], min=10, max=1000, step=10, description="steps"),
            "x0": widgets.FloatSlider(value=v["x0"], min=x_low, max=x_high, step=0.05, description="start x"),
            "y0": widgets.FloatSlider(value=v["y0"], min=y_low, max=y_high, step=0.05, description="start y"),
        }


def recovery_steps(
    rho: float, g_before: float, g_after: float, within: float = 0.1, v_switch: float | None = None
) -> int:
    """Steps RMSProp's rate takes to settle after the gradient's size switches.

    Counted from the switch from ``g_before`` to ``g_after`` until RMSProp's rate lr/sqrt(v)
    is within ``within`` (10 %) of its new level ``lr/|g_after|`` (eps neglected).

    After k steps at the new size, v_k = g_after^2 + (v_0 - g_after^2) rho^k, with v_0 the average at
    the switch: ``v_switch``, or g_before^2 (the default) when the old average had settled. The rate
    is within 10 % once v_k / g_after^2 lies in [1/1.1^2, 1/0.9^2], so k is the first whole number with
    ``|v_0/g_after^2 - 1| rho^k <= bound`` (bound 1/0.81 - 1 when v must fall, 1 - 1/1.21 when it must rise).

    Args:
        rho: RMSProp's decay, in (0, 1).
        g_before: the gradient's size before the switch.
        g_after: its size after the switch (not 0).
        within: the relative tolerance on the rate. Default 0.1 (10 %).
        v_switch: the average v at the switch; None (the default) takes ``g_before**2``.
    """
    v_0 = g_before**2 if v_switch is None else v_switch
    ratio = v_0 / g_after**2 - 1.0
    if ratio == 0.0:
        return 0
    # v must fall (the gradient shrank): the rate is too small until v/g_after^2 <= 1/0.9^2
    bound = 1.0 / (1.0 - within) ** 2 - 1.0 if ratio > 0 else 1.0 - 1.0 / (1.0 + within) ** 2
    if abs(ratio) <= bound:
        return 0
    return math.ceil(math.log(bound / abs(ratio)) / math.log(rho))


class DecayExplorer(Explorer):
    """Adagrad's and RMSProp's effective learning rates when the gradient's size switches.

    The gradient stream switches from ``g_before`` to ``g_after`` at step ``switch``; the
    rates are measured with the real optimizers, with the closed forms, RMSProp's time
    constant 1/(1 - rho), its half-life ln 0.5 / ln rho and the recovery time
    (:func:`recovery_steps`) marked.

    Args:
        rho: RMSProp's decay, in [0.5, 0.999].
        g_before, g_after: gradient sizes, in [1e-3, 1e3].
        switch: the step of the switch, in [10, steps - 100].
        lr: both optimizers' learning rate (the rates are drawn in units of lr).
        steps: length of the stream, in [100, 10000].
    """

    def __init__(
        self,
        rho: float = 0.9,
        g_before: float = 1.0,
        g_after: float = 0.1,
        switch: int = 200,
        lr: float = 0.01,
        steps: int = 1000,
    ) -> None:
        super().__init__()
        from matplotlib.figure import Figure

        self.lr = check_range("lr", lr, 0.0, math.inf, low_open=True)
        self.steps = check_int("steps", steps, 100, 10_000)
        self.values = {}
        self.values = {
            "rho": self.check("rho", rho),
            "g_before": self.check("g_before", g_before),
            "g_after": self.check("g_after", g_after),
            "switch": self.check("switch", switch),
        }
        self.figure = Figure(figsize=(11, 4.6))
        self._ax = self.figure.subplots()
        ax = self._ax
        t = np.arange(1, self.steps + 1)
        (self._ada,) = ax.semilogy(t, np.ones(self.steps), color="C0", lw=2.2, label="Adagrad (measured)")
        (self._ada_form,) = ax.semilogy(t, np.ones(self.steps), "k:", lw=1.2, label="closed forms")
        (self._rms,) = ax.semilogy(t, np.ones(self.steps), color="C3", lw=2.2, label="RMSProp (measured)")
        (self._rms_form,) = ax.semilogy(t, np.ones(self.steps), "k:", lw=1.2)
        self._switch = ax.axvline(0, color="grey", lw=1, ls="--", label="switch")
        self._tau = ax.axvspan(0, 1, color="C3", alpha=0.12, label="time constant 1/(1-rho) after the switch")
        self._recovered = ax.axvline(0, color="C3", lw=1.2, ls="-.", label="RMSProp within 10% of lr/|g_after|")
        ax.set(xlabel="step t", ylabel="effective learning rate / lr", xlim=(1, self.steps))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=9, frameon=False)
        self.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.28, top=0.87)
        self.redraw()

    def check(self, name: str, value: Any) -> Any:
        """Check one control: rho in [0.5, 0.999], gradient sizes in [1e-3, 1e3], switch in [10, steps - 100].

        Args:
            name: the control's name, a key of ``values``.
            value: the value asked for.
        """
        if name == "rho":
            return check_range("rho", value, 0.5, 0.999, high_open=False)
        if name in ("g_before", "g_after"):
            return check_range(name, value, 1e-3, 1e3, high_open=False)
        if name == "switch":
            return check_int("switch", value, 10, self.steps - 100)
        return value

    def stream(self) -> np.ndarray:
        """The gradient fed to both optimizers at steps 1..``steps``: g_before up to ``switch``, then g_after."""
        v = self.values
        return np.where(np.arange(1, self.steps + 1) <= v["switch"], v["g_before"], v["g_after"])

    def measured(self) -> tuple[np.ndarray, np.ndarray]:
        """Adagrad's and RMSProp's effective rates after each step, divided by lr."""
        from .optim import Adagrad
        from .parameter import Parameter

        a, r = Parameter(np.zeros(1)), Parameter(np.zeros(1))
        adagrad, rmsprop = Adagrad([a], lr=self.lr), RMSProp([r], lr=self.lr, rho=self.values["rho"])
        rates = np.empty((2, self.steps))
        for k, g in enumerate(self.stream()):
            a.grad = np.array([g])
            r.grad = np.array([g])
            adagrad.step()
            rmsprop.step()
            rates[0, k] = adagrad.effective_lr(a)[0] / self.lr
            rates[1, k] = rmsprop.effective_lr(r)[0] / self.lr
        return rates[0], rates[1]

    def closed_forms(self) -> tuple[np.ndarray, np.ndarray]:
        """The closed forms of the rates / lr: 1/sqrt(sum of g^2) for Adagrad, 1/sqrt(v_t) for RMSProp.

        v_t is the rho^(t-k)-weighted sum of (1 - rho) g_k^2 (eps neglected).
        """
        g2 = self.stream() ** 2
        rho = self.values["rho"]
        t = np.arange(1, self.steps + 1)
        v_before = self.values["g_before"] ** 2 * (1 - rho**t)
        s = self.values["switch"]
        after = t > s
        v = v_before.copy()
        v[after] = g2[after] + (v_before[s - 1] - g2[after]) * rho ** (t[after] - s)
        return 1 / np.sqrt(np.cumsum(g2)), 1 / np.sqrt(v)

    def redraw(self) -> None:
        """Redraw both measured rates and their closed forms, the markers and the title.

        The markers are the switch, RMSProp's time constant after it and the step where its rate
        has recovered; the title gives those numbers.
        """
        v = self.values
        ada, rms = self.measured()
        ada_form, rms_form = self.closed_forms()
        self._ada.set_ydata(ada)
        self._rms.set_ydata(rms)
        self._ada_form.set_ydata(ada_form)
        self._rms_form.set_ydata(rms_form)
        s, rho = v["switch"], v["rho"]
        tau, half_life = 1 / (1 - rho), math.log(0.5) / math.log(rho)
        # the average at the switch: g_before^2 (1 - rho^s), not yet settled when s is short next to 1/(1 - rho)
        k = recovery_steps(rho, v["g_before"], v["g_after"], v_switch=v["g_before"] ** 2 * (1 - rho**s))
        self._switch.set_xdata([s, s])
        self._tau.set_x(s)
        self._tau.set_width(tau)
        self._recovered.set_xdata([s + k, s + k])
        shown = np.concatenate([ada, rms])
        self._ax.set_ylim(shown.min() / 2, shown.max() * 2)
        adagrad_note = (
            "Adagrad's sum still holds the larger old gradients, so its rate barely moves"
            if v["g_after"] < v["g_before"]
            else "Adagrad's rate falls: its sum grows with every new gradient"
        )
        self._ax.set_title(
            f"|g| {v['g_before']:.3g} -> {v['g_after']:.3g} at step {s}, rho = {rho:.3g}: time constant "
            f"{tau:.3g} steps, half-life {half_life:.3g} steps\nRMSProp's rate is within 10% of lr/|g_after| "
            f"{k} steps after the switch; {adagrad_note}",
            fontsize=10,
            loc="left",
        )

    def make_controls(self, widgets: Any) -> dict[str, Any]:
        """Make the sliders: rho, the gradient sizes before and after the switch (log), the step of the switch.

        Args:
            widgets: the ``ipywidgets`` module.
        """
        v = self.values
        log = {"base": 10, "min": -3, "max": 3, "step": 0.25}
        return {
            "rho": widgets.FloatSlider(value=v["rho"], min=0.5, max=0.999, step=0.001, description="rho"),
            "g_before": widgets.FloatLogSlider(value=v["g_before"], description="|g| before", **log),
            "g_after": widgets.FloatLogSlider(value=v["g_after"], description="|g| after", **log),
            "switch": widgets.IntSlider(
                value=v["switch"], min=10, max=self.steps - 100, step=10, description="switch at"
            ),
        }


def heavy_ball_rate(lr: np.ndarray, momentum: np.ndarray, eigenvalues: tuple[float, ...]) -> np.ndarray:
    """Per-step contraction of SGD with momentum on a quadratic with these Hessian eigenvalues.

    SGD with momentum in torch's form: b <- mu b + g, theta <- theta - lr b. The contraction is
    the largest spectral radius over the eigenvalues of the 2x2 iteration
    [[1 + mu - lr*lam, -mu], [1, 0]] acting on (theta_t, theta_t-1).

    Its eigenvalues solve z^2 - (1 + mu - lr*lam) z + mu = 0; a value >= 1 means divergence.

    Args:
        lr: learning rates (any shape; broadcast with ``momentum``).
        momentum: momenta mu (broadcast with ``lr``).
        eigenvalues: the Hessian's eigenvalues lam.
    """
    lr, momentum = np.broadcast_arrays(np.asarray(lr, float), np.asarray(momentum, float))
    radius = np.zeros(lr.shape)
    for lam in eigenvalues:
        trace = 1 + momentum - lr * lam
        disc = np.sqrt((trace**2 - 4 * momentum).astype(complex))
        roots = np.maximum(abs((trace + disc) / 2), abs((trace - disc) / 2))
        radius = np.maximum(radius, roots)
    return radius


class MomentumExplorer(Explorer):
    """SGD with momentum on f = (x^2 + kappa y^2)/2: its convergence-rate map beside a measured path.

    The (lr, momentum) map of the convergence rate (closed form, :func:`heavy_ball_rate`) with
    the current setting marked, beside the trajectory measured with the real
    :class:`~rmsprop_edu.optim.SGD`.

    Args:
        kappa: condition number, in [1, 1000].
        lr: learning rate, in [1e-3, 10] (diverges past 2(1 + momentum)/kappa).
        momentum: in [0, 0.99].
        steps: in [10, 500].
    """

    def __init__(self, kappa: float = 10.0, lr: float = 0.1, momentum: float = 0.5, steps: int = 100) -> None:
        super().__init__()
        from matplotlib import colormaps, colors
        from matplotlib.figure import Figure

        self.values = {}
        self.values = {
            k: self.check(k, v) for k, v in {"kappa": kappa, "lr": lr, "momentum": momentum, "steps": steps}.items()
        }
        self._lrs = np.logspace(-3, 1, 161)
        self._mus = np.linspace(0, 0.99, 100)
        self.figure = Figure(figsize=(11, 4.6))
        self._ax_map, self._ax_path = self.figure.subplots(1, 2)
        cmap = colormaps["magma"].with_extremes(bad="lightgrey")
        self._map = self._ax_map.pcolormesh(
            self._lrs, self._mus, np.ones((100, 161)), norm=colors.LogNorm(1e-3, 1), cmap=cmap, shading="auto"
        )
        self.figure.colorbar(self._map, ax=self._ax_map, label="1 - rate  (brighter: faster)")
        self._ax_map.set(xscale="log", xlabel="lr", ylabel="momentum mu")
        (self._here,) = self._ax_map.plot([], [], "o", color="cyan", ms=9, mec="black")
        (self._path,) = self._ax_path.plot([], [], ".-", color="C1", lw=1.2, ms=3)
        self._ax_path.plot([0], [0], "*", color="black", ms=12)
        self._ax_path.set(xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), xlabel="x", ylabel="y", aspect="equal")
        self.figure.subplots_adjust(left=0.07, right=0.97, bottom=0.12, top=0.86, wspace=0.3)
        self.redraw()

    def check(self, name: str, value: Any) -> Any:
        """Check one control: kappa in [1, 1000], lr in [1e-3, 10], momentum in [0, 0.99], steps in [10, 500].

        Args:
            name: the control's name, a key of ``values``.
            value: the value asked for.
        """
        if name == "kappa":
            return check_range("kappa", value, 1.0, 1000.0, high_open=False)
        if name == "lr":
            return check_range("lr", value, 1e-3, 10.0, high_open=False)
        if name == "momentum":
            return check_range("momentum", value, 0.0, 0.99, high_open=False)
        if name == "steps":
            return check_int("steps", value, 10, 500)
        return value

    def rate(self) -> float:
        """The closed-form per-step contraction at the current setting."""
        v = self.values
        return float(heavy_ball_rate(np.array(v["lr"]), np.array(v["momentum"]), (1.0, v["kappa"])))

    def redraw(self) -> None:
        """Redraw the rate map (only when kappa changed), the marker at (lr, momentum), the path and the titles."""
        from .optim import SGD
        from .surfaces import quadratic

        v = self.values
        if getattr(self, "_map_kappa", None) != v["kappa"]:
            radius = heavy_ball_rate(self._lrs[None, :], self._mus[:, None], (1.0, v["kappa"]))
            gap = np.where(radius < 1, np.clip(1 - radius, 1e-3, 1), np.nan)  # NaN: diverges (grey)
            self._map.set_array(np.ma.masked_invalid(gap).ravel())
            self._map_kappa = v["kappa"]
        self._here.set_data([v["lr"]], [v["momentum"]])
        surface = quadratic(v["kappa"])
        tr = run_trajectory(surface, SGD, v["steps"], start=(1.0, 1.0), lr=v["lr"], momentum=v["momentum"])
        points = tr.points[np.isfinite(tr.points).all(axis=1)]
        self._path.set_data(points[:, 0], points[:, 1])
        rate = self.rate()
        verdict = "diverges" if rate >= 1 else f"contracts x{rate:.3f} per step"
        self._ax_map.set_title(f"kappa = {v['kappa']:.3g}: convergence rate (grey: diverges)", fontsize=10)
        self._ax_path.set_title(f"lr = {v['lr']:.3g}, mu = {v['momentum']:.2f}: {verdict}", fontsize=10)

    def make_controls(self, widgets: Any) -> dict[str, Any]:
        """Make the sliders: kappa and lr (log), momentum, steps.

        Args:
            widgets: the ``ipywidgets`` module.
        """
        v = self.values
        return {
            "kappa": widgets.FloatLogSlider(value=v["kappa"], base=10, min=0, max=3, step=0.125, description="kappa"),
            "lr": widgets.FloatLogSlider(value=v["lr"], base=10, min=-3, max=1, step=0.05, description="lr"),
            "momentum": widgets.FloatSlider(value=v["momentum"], min=0, max=0.99, step=0.01, description="momentum"),
            "steps": widgets.IntSlider(value=v["steps"], min=10, max=500, step=10, description="steps"),
        }


class DialectExplorer(Explorer):
    """Two of RMSProp's library dialects side by side, with the same lr and momentum.

    The dialects are presets (:meth:`RMSProp.preset <rmsprop_edu.optim.Optimizer.preset>`): their
    paths on a surface, and their effective learning rates on one shared gradient stream whose
    second coordinate is tiny (where the place of eps and the starting average matter). The
    settings that differ are listed.

    Args:
        first, second: preset names (``pytorch``, ``keras``, ``optax``, ``tf1``, ``hinton``).
        lr: the learning rate both use, in [1e-4, 1].
        momentum: in [0, 0.99] (where lr enters the momentum buffer differs between dialects).
        tiny: the stream's small gradient, in [1e-9, 1e-1].
        surface: the surface of the paths (default Rosenbrock).
        steps: steps of the paths and of the stream.
    """

    def __init__(
        self,
        first: str = "pytorch",
        second: str = "tf1",
        lr: float = 0.01,
        momentum: float = 0.0,
        tiny: float = 1e-5,
        surface: Surface | str = "rosenbrock",
        steps: int = 200,
    ) -> None:
        super().__init__()
        from matplotlib.figure import Figure

        from . import viz

        self.surface = get(surface) if isinstance(surface, str) else surface
        self.steps = check_int("steps", steps, 10, 2000)
        self.values = {}
        self.values = {
            k: self.check(k, v)
            for k, v in {"first": first, "second": second, "lr": lr, "momentum": momentum, "tiny": tiny}.items()
        }
        self.figure = Figure(figsize=(11, 5.6))
        self._ax_path, self._ax_rate = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
        viz.plot_contours(self.surface, ax=self._ax_path)
        self._paths = [self._ax_path.plot([], [], "-", color=c, lw=1.6)[0] for c in ("C1", "C3")]
        self._rates = [[self._ax_rate.semilogy([], [], ls, color=c)[0] for ls in ("-", "--")] for c in ("C1", "C3")]
        self._ax_rate.set(xlabel="step", ylabel="effective learning rate", xlim=(1, self.steps))
        self._ax_rate.grid(alpha=0.3)
        self.figure.subplots_adjust(left=0.06, right=0.98, bottom=0.25, top=0.8, wspace=0.25)
        self.redraw()

    def check(self, name: str, value: Any) -> Any:
        """Check one control: presets among RMSProp's, lr in [1e-4, 1], momentum in [0, 0.99], tiny in [1e-9, 0.1].

        Args:
            name: the control's name, a key of ``values``.
            value: the value asked for.
        """
        from ._validation import check_choice

        if name in ("first", "second"):
            return check_choice(name, value, list(RMSProp.PRESETS))
        if name == "lr":
            return check_range("lr", value, 1e-4, 1.0, high_open=False)
        if name == "momentum":
            return check_range("momentum", value, 0.0, 0.99, high_open=False)
        if name == "tiny":
            return check_range("tiny", value, 1e-9, 0.1, high_open=False)
        return value

    def settings(self, which: str) -> dict[str, Any]:
        """Every RMSProp setting of preset ``which`` ("first" or "second") with the shared lr and momentum.

        Args:
            which: ``"first"`` or ``"second"``, the control naming the preset.
        """
        return {
            **RMSProp.defaults,
            **RMSProp.PRESETS[self.values[which]],
            "lr": self.values["lr"],
            "momentum": self.values["momentum"],
        }

    def differences(self) -> dict[str, tuple[Any, Any]]:
        """The settings that differ: setting -> (first's value, second's value)."""
        a, b = self.settings("first"), self.settings("second")
        return {k: (a[k], b[k]) for k in a if a[k] != b[k]}

    def rates(self, which: str) -> np.ndarray:
        """(steps, 2) effective learning rates on the shared stream g = (1, tiny).

        Args:
            which: ``"first"`` or ``"second"``, the control naming the preset.
        """
        from .parameter import Parameter

        p = Parameter(np.zeros(2))
        optimizer = RMSProp([p], **self.settings(which))
        out = np.empty((self.steps, 2))
        g = np.array([1.0, self.values["tiny"]])
        for k in range(self.steps):
            p.grad = g.copy()
            optimizer.step()
            out[k] = optimizer.effective_lr(p)
        return out

    def redraw(self) -> None:
        """Redraw both dialects' paths and effective rates (``|g|`` = 1 and tiny), the legends and the title."""
        v = self.values
        t = np.arange(1, self.steps + 1)
        shown = []
        for i, which in enumerate(("first", "second")):
            tr = run_trajectory(self.surface, RMSProp, self.steps, **self.settings(which))
            points = tr.points[np.isfinite(tr.points).all(axis=1)]
            self._paths[i].set_data(points[:, 0], points[:, 1])
            self._paths[i].set_label(f"{v[which]}" + (f" (diverged at {tr.diverged_at})" if tr.diverged_at else ""))
            rates = self.rates(which)
            shown.append(rates)
            for j in range(2):
                self._rates[i][j].set_data(t, rates[:, j])
                size = "1" if j == 0 else f"{v['tiny']:.1g}"
                self._rates[i][j].set_label(f"{v[which]}: |g| = {size}")
        stacked = np.concatenate(shown)
        self._ax_rate.set_ylim(stacked.min() / 3, stacked.max() * 3)
        # legends below the axes: inside they would cover paths or rates
        self._ax_path.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=9)
        self._ax_rate.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=9)
        differ = "; ".join(f"{k}: {_short(a)} vs {_short(b)}" for k, (a, b) in self.differences().items())
        self.figure.suptitle(
            f"RMSProp as {v['first']} vs as {v['second']} (lr {v['lr']:.3g}, momentum {v['momentum']:.2g})\n"
            + textwrap.fill(f"settings that differ: {differ or 'none'}", 150),
            fontsize=10,
        )

    def make_controls(self, widgets: Any) -> dict[str, Any]:
        """Make the controls: a dropdown for each preset, lr (log), momentum, the tiny gradient (log).

        Args:
            widgets: the ``ipywidgets`` module.
        """
        v = self.values
        names = list(RMSProp.PRESETS)
        return {
            "first": widgets.Dropdown(options=names, value=v["first"], description="first"),
            "second": widgets.Dropdown(options=names, value=v["second"], description="second"),
            "lr": widgets.FloatLogSlider(value=v["lr"], base=10, min=-4, max=0, step=0.125, description="lr"),
            "momentum": widgets.FloatSlider(value=v["momentum"], min=0, max=0.99, step=0.01, description="momentum"),
            "tiny": widgets.FloatLogSlider(value=v["tiny"], base=10, min=-9, max=-1, step=0.5, description="tiny |g|"),
        }
