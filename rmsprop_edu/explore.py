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
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import check_int, check_range
from .optim import Adam, Optimizer, RMSProp
from .surfaces import Surface, get
from .trajectory import run_trajectory

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Explorer", "RaceExplorer"]


def _ipywidgets() -> Any | None:
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


class Explorer:
    """Base class: a figure, named controls and ``update``. Subclasses set ``self.figure``,
    ``self.values`` (the current setting of every control) and write ``redraw()`` and
    ``make_controls(widgets)``."""

    figure: Figure
    values: dict[str, Any]
    #: dots per inch of the image shown in the widget and of the static PNG
    dpi: float = 80

    def __init__(self) -> None:
        self._controls: dict[str, Any] | None = None
        self._image: Any = None
        self._view: Any = None

    # -------------------------------------------------------------- subclass API
    def check(self, name: str, value: Any) -> Any:
        """Validate one control's value (override); return the normalised value."""
        return value

    def redraw(self) -> None:
        """Redraw ``self.figure`` from ``self.values`` (override)."""
        raise NotImplementedError

    def make_controls(self, widgets: Any) -> dict[str, Any]:
        """name -> ipywidgets control, each starting at ``self.values[name]`` (override)."""
        return {}

    # ------------------------------------------------------------------ public
    def update(self, **values: Any) -> None:
        """Set some controls' values (unknown names are errors), redraw, and return.

        Every value is checked before anything changes, so a bad value leaves the
        explorer as it was."""
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
        if self._controls:
            for name, value in checked.items():
                control = self._controls.get(name)
                if control is not None and control.value != value:
                    control.value = value

    @property
    def controls(self) -> dict[str, Any]:
        """name -> ipywidgets control (made on first use; empty without ipywidgets)."""
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

    def png(self) -> bytes:
        """The figure as PNG bytes, as the widget and the static view show it."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.dpi)
        return buffer.getvalue()

    def widget(self) -> Any:
        """The controls above the image, as one ipywidgets box (None without ipywidgets)."""
        widgets = _ipywidgets()
        if widgets is None:
            return None
        if self._view is None:
            self._image = widgets.Image(value=self.png(), format="png")
            self._view = widgets.VBox([widgets.HBox(list(self.controls.values())), self._image])
        return self._view

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # The static PNG goes in every bundle: a front end without widgets (nbviewer, a docs
        # build) shows it; one with widgets prefers the widget view.
        bundle: dict[str, Any] = {
            "image/png": self.png(),
            "text/plain": f"<{type(self).__name__}: {self._describe()}>",
        }
        view = self.widget()
        if view is not None:
            bundle.update(view._repr_mimebundle_(include=include, exclude=exclude) or {})
            bundle["image/png"] = self.png()
        return bundle

    def _describe(self) -> str:
        return ", ".join(f"{k}={_short(v)}" for k, v in self.values.items())


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(getattr(value, "__name__", value))


_OPTIMIZERS: dict[str, type[Optimizer]] = {"RMSProp": RMSProp, "Adam": Adam}


class RaceExplorer(Explorer):
    """RMSProp (or Adam) on a toy surface: the path over the contours and the loss.

    Args:
        surface: a :class:`~rmsprop_edu.surfaces.Surface` or its name (default Rosenbrock).
        optimizer: ``"RMSProp"`` or ``"Adam"``.
        lr: learning rate, in [1e-4, 1] on the log slider.
        rho: RMSProp's decay of the squared-gradient average, in [0.5, 0.999]
            (Adam's beta2 when ``optimizer="Adam"``).
        steps: steps drawn, in [10, 2000].
    """

    def __init__(
        self,
        surface: Surface | str = "rosenbrock",
        optimizer: str = "RMSProp",
        lr: float = 0.01,
        rho: float = 0.9,
        steps: int = 300,
    ) -> None:
        super().__init__()
        from matplotlib.figure import Figure

        from . import viz

        self.surface = get(surface) if isinstance(surface, str) else surface
        self.values = {}
        self.values = {
            "optimizer": self.check("optimizer", optimizer),
            "lr": self.check("lr", lr),
            "rho": self.check("rho", rho),
            "steps": self.check("steps", steps),
        }
        # A Figure outside pyplot: shown only by the explorer, never a second time by the
        # inline backend when a redraw marks it stale.
        self.figure = Figure(figsize=(11, 4.4))
        self._ax_path, self._ax_loss = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
        viz.plot_contours(self.surface, ax=self._ax_path)
        (self._path,) = self._ax_path.plot([], [], "-", color="C1", lw=1.6)
        (self._end,) = self._ax_path.plot([], [], "X", color="C1", ms=9, mec="black")
        self._ax_path.plot(*self.surface.start, "o", color="C1", ms=7, mec="black")
        (self._loss,) = self._ax_loss.semilogy([], [], color="C1")
        self._ax_loss.set(xlabel="step", ylabel="f - f_min (drawn at >= 1e-16)")
        self._ax_loss.grid(alpha=0.3)
        self.redraw()
        self.figure.tight_layout()

    def check(self, name: str, value: Any) -> Any:
        if name == "optimizer":
            if value not in _OPTIMIZERS:
                raise ValueError(f"optimizer must be one of {', '.join(map(repr, _OPTIMIZERS))}, got {value!r}")
            return value
        if name == "lr":
            return check_range("lr", value, 1e-4, 1.0, high_open=False)
        if name == "rho":
            return check_range("rho", value, 0.5, 0.999, high_open=False)
        if name == "steps":
            return check_int("steps", value, 10, 2000)
        return value

    def trajectory(self) -> Any:
        """The run the figure shows, for the current values."""
        v = self.values
        settings: dict[str, Any] = {"lr": v["lr"]}
        if v["optimizer"] == "RMSProp":
            settings["rho"] = v["rho"]
        else:
            settings["betas"] = (0.9, v["rho"])
        return run_trajectory(self.surface, _OPTIMIZERS[v["optimizer"]], v["steps"], **settings)

    def redraw(self) -> None:
        tr = self.trajectory()
        finite = np.isfinite(tr.points).all(axis=1)
        points = tr.points[finite]
        self._path.set_data(points[:, 0], points[:, 1])
        self._end.set_data([points[-1, 0]], [points[-1, 1]])
        f_min = self.surface.f_min if math.isfinite(self.surface.f_min) else 0.0
        gap = np.maximum(tr.losses - f_min, 1e-16)
        self._loss.set_data(np.arange(len(gap)), gap)
        self._ax_loss.set_xlim(0, len(gap) - 1)
        shown = gap[np.isfinite(gap)]
        self._ax_loss.set_ylim(max(shown.min() / 3, 1e-17), shown.max() * 3)
        rate = tr.effective_lr[-1]
        end = (
            f"diverged at step {tr.diverged_at}"
            if tr.diverged_at is not None
            else f"ends at ({points[-1, 0]:.3g}, {points[-1, 1]:.3g})"
        )
        v = self.values
        decay = "rho" if v["optimizer"] == "RMSProp" else "beta2"
        self._ax_loss.set_title(
            f"{v['optimizer']} lr={v['lr']:.3g}, {decay}={v['rho']:.3g}: {end}\n"
            f"last effective lr = ({rate[0]:.3g}, {rate[1]:.3g})",
            fontsize=10,
        )

    def make_controls(self, widgets: Any) -> dict[str, Any]:
        v = self.values
        return {
            "optimizer": widgets.Dropdown(options=list(_OPTIMIZERS), value=v["optimizer"], description="optimizer"),
            "lr": widgets.FloatLogSlider(value=v["lr"], base=10, min=-4, max=0, step=0.125, description="lr"),
            "rho": widgets.FloatSlider(value=v["rho"], min=0.5, max=0.999, step=0.001, description="rho / beta2"),
            "steps": widgets.IntSlider(value=v["steps"], min=10, max=2000, step=10, description="steps"),
        }
