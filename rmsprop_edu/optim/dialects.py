"""Dialects: one optimizer as each library configures it, through ``Opt.preset(library, params)``.

The same name does not mean the same update in every library: Keras puts Adam's ε on
the uncorrected root, starts Adagrad's accumulator at 0.1 and decays weights decoupled;
TF1 starts RMSProp's average at 1. Each optimizer class lists, in ``PRESETS``, the
settings (in rmsprop_edu's names) that make it compute what that library computes:

    >>> from rmsprop_edu import Parameter
    >>> from rmsprop_edu.optim import RMSProp
    >>> opt = RMSProp.preset("keras", [Parameter([1.0, 2.0])])
    >>> opt.param_groups[0]["rho"], opt.param_groups[0]["eps_in_sqrt"]
    (0.9, True)

Overrides use rmsprop_edu's argument names with **that library's meaning** (the preset
has already switched on the knobs that give them that meaning: in a Keras preset
``weight_decay`` is Keras's decoupled decay). A library without a default learning rate
(optax, TF1) makes the preset ask for ``lr=``; a library without the optimizer, or a
feature the library does not have (``amsgrad`` in TF1, ``maximize`` outside torch), is
refused with a message naming both. The dialect knobs themselves (``eps_hat``,
``eps_in_sqrt``, ``lr_in_momentum``, ...) can be overridden on purpose, to see what that
one difference does: the optimizer is then no longer that library's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..parameter import Parameter
from .checks import check_choice

if TYPE_CHECKING:
    from .base import Optimizer

#: the libraries every optimizer is compared with, in the order tables list them.
LIBRARIES = ("pytorch", "keras", "optax", "tf1")
#: settings no optimizer of that library has (each class adds its own in ``PRESET_LACKS``).
LIBRARY_LACKS = {
    library: {"maximize": f"{library} has no maximize (negate the loss instead)"}
    for library in ("keras", "optax", "tf1")
}


def preset(cls: type[Optimizer], library: str, params: Any, overrides: Mapping[str, Any]) -> Optimizer:
    """``cls`` configured as ``library`` configures it by default, then ``overrides``.

    Args:
        cls: the optimizer class.
        library: one of ``cls.PRESETS`` (``"pytorch"``, ``"keras"``, ``"optax"``, ...).
        params: the parameters, as for the constructor.
        overrides: hyperparameters that replace the preset's; a setting the library lacks is refused.
    """
    names = [*LIBRARIES, *(name for name in cls.PRESETS if name not in LIBRARIES)]
    check_choice("preset", library, names)
    if library not in cls.PRESETS:
        has = ", ".join(repr(name) for name in names if name in cls.PRESETS)
        raise ValueError(f"{library} has no {cls.__name__}: there is no {library!r} preset (presets: {has})")
    lacks = {**LIBRARY_LACKS.get(library, {}), **cls.PRESET_LACKS.get(library, {})}
    for setting, why in lacks.items():
        if setting in overrides:
            raise ValueError(f"the {library!r} preset of {cls.__name__} has no {setting!r}: {why}")
    settings = {**cls.PRESETS[library], **overrides}
    if "lr" not in settings:
        raise ValueError(f"the {library!r} preset has no default learning rate ({library} has none); pass lr=...")
    return cls(params, **settings)


def available(cls: type[Optimizer]) -> dict[str, bool]:
    """Which libraries ``cls`` has a preset for: library -> bool (False for the combinations that do not exist)."""
    return {library: library in cls.PRESETS for library in LIBRARIES}


# ---------------------------------------------------------------------------- porting
@dataclass
class Comparison:
    """What :func:`compare` found: where two optimizers part ways, and which setting explains it.

    Attributes:
        differing: setting -> (value in a, value in b), for the settings that differ.
        gaps: (steps + 1,) the largest ``|theta_a - theta_b| / max(|theta_a|, |theta_b|, floor)`` after each step.
        first_step: the first step whose gap exceeds ``tol`` (None: they agree throughout).
        closing: setting -> the final gap when b takes a's value of that one setting
            (nan where b does not accept it); the setting with the smallest is the one to fix first.
    """

    differing: dict[str, tuple[Any, Any]]
    gaps: np.ndarray
    first_step: int | None
    closing: dict[str, float] = field(default_factory=dict)

    @property
    def final_gap(self) -> float:
        """The relative gap after the last step (``gaps[-1]``)."""
        return float(self.gaps[-1])

    @property
    def best_knob(self) -> str | None:
        """The single setting that, copied from a into b, leaves the smallest final gap."""
        finite = {k: v for k, v in self.closing.items() if np.isfinite(v)}
        return min(finite, key=lambda k: finite[k]) if finite else None

    def __str__(self) -> str:
        if self.first_step is None:
            return f"the two agree to {self.final_gap:.2g} over {len(self.gaps) - 1} steps"
        lines = [
            f"they part at step {self.first_step} and end {self.final_gap:.3g} apart (relative)",
            *(f"  {k}: {a!r} vs {b!r}" for k, (a, b) in self.differing.items()),
        ]
        if self.best_knob is not None:
            lines.append(f"copying {self.best_knob} from a into b leaves {self.closing[self.best_knob]:.3g}")
        return "\n".join(lines)


def compare(
    make_a: Callable[[list[Parameter]], Optimizer],
    make_b: Callable[[list[Parameter]], Optimizer],
    theta0: Any,
    gradient: Callable[[np.ndarray, int], np.ndarray],
    steps: int = 100,
    tol: float = 1e-6,
) -> Comparison:
    """Run two optimizers from the same start on the same problem and say where they differ.

    Args:
        make_a: ``params -> optimizer``, e.g. ``lambda ps: Adam.preset("keras", ps)``.
        make_b: the same for the other optimizer.
        theta0: the common start (an array; copied).
        gradient: ``gradient(theta, t)`` -> the gradient at ``theta`` at step ``t`` (each
            optimizer sees the gradient at its own point, as in a real port).
        steps: how many steps, >= 1.
        tol: the relative gap that counts as parting ways.

    Example: ``compare(lambda ps: RMSProp.preset("pytorch", ps), lambda ps: RMSProp.preset("keras",
    ps, lr=1e-2), np.ones(3), lambda th, t: 2 * th)`` names rho and eps_in_sqrt, among others.
    """
    from .checks import check_int, check_positive

    steps = check_int("steps", steps, 1)
    tol = check_positive("tol", tol)
    start = np.array(theta0, copy=True)
    if start.dtype.kind != "f":
        start = start.astype(np.float64)
    pa, pb = Parameter(start.copy()), Parameter(start.copy())
    first, second = make_a([pa]), make_b([pb])
    a, b = _settings(first), _settings(second)
    differing = {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if not _same(a.get(k), b.get(k))}
    if type(first) is not type(second):
        differing = {"optimizer": (type(first).__name__, type(second).__name__), **differing}
    gaps = _gaps(first, pa, second, pb, gradient, steps)
    over = np.flatnonzero(gaps > tol)
    closing: dict[str, float] = {}
    if type(first) is type(second):
        for key in differing:
            pa, pb = Parameter(start.copy()), Parameter(start.copy())
            try:
                fixed = type(second)([pb], **{**b, key: a[key]})
            except (ValueError, TypeError):
                closing[key] = float("nan")  # b does not accept a's value of this setting alone
                continue
            closing[key] = float(_gaps(make_a([pa]), pa, fixed, pb, gradient, steps)[-1])
    return Comparison(differing, gaps, int(over[0]) if over.size else None, closing)


def _settings(opt: Optimizer) -> dict[str, Any]:
    return {k: v for k, v in opt.param_groups[0].items() if k != "params"}


def _same(x: Any, y: Any) -> bool:
    return type(x) is type(y) and bool(np.all(np.asarray(x) == np.asarray(y)))


def _gaps(
    opt_a: Optimizer,
    pa: Parameter,
    opt_b: Optimizer,
    pb: Parameter,
    gradient: Callable[[np.ndarray, int], np.ndarray],
    steps: int,
) -> np.ndarray:
    """Step both optimizers on their own parameters (same start) and return the relative gap after each step."""
    start = pa.data.copy()
    floor = max(float(np.abs(start).max(initial=0.0)), 1e-12) * 1e-3
    gaps = np.zeros(steps + 1)
    for t in range(steps):
        pa.grad, pb.grad = gradient(pa.data.copy(), t), gradient(pb.data.copy(), t)
        opt_a.step()
        opt_b.step()
        scale = np.maximum(np.maximum(np.abs(pa.data), np.abs(pb.data)), floor)
        gaps[t + 1] = float(np.max(np.abs(pa.data - pb.data) / scale, initial=0.0))
    return gaps


# ------------------------------------------------------------------ tables for the README
#: how a table heads each setting; a setting not listed is headed by its own name.
HEADINGS = {
    "lr": "lr",
    "eps": "ε",
    "eps_in_sqrt": "ε inside √",
    "eps_hat": "ε on the uncorrected √v (ε̂)",
    "eps_root": "ε_root inside √",
    "eps_outside_max": "ε outside the max",
    "initial_square_avg": "v starts at",
    "initial_accumulator_value": "G starts at",
    "decoupled_weight_decay": "weight decay",
    "lr_in_momentum": "lr inside the momentum buffer",
    "bias_correction": "bias correction",
    "constant_momentum": "constant μ",
    "momentum_decay": "ψ (μ_t schedule)",
    "amsgrad_bias_corrected": "amsgrad keeps the max of v̂",
    "nesterov_needs_momentum": "nesterov needs momentum",
}


def _cell(setting: str, row: Mapping[str, Any], lacks: Mapping[str, str]) -> str:
    """How a table prints ``setting`` in one preset's row.

    ``row`` is the preset's resolved settings (defaults, then the preset); ``lacks`` what it
    refuses. A setting the library does not have, or one the row's other settings make
    unused, is not printed as if it applied: "none" for the weight-decay style where the
    preset refuses ``weight_decay``, "—" for ψ where the momentum is constant.
    """
    value = row[setting]
    if setting == "decoupled_weight_decay":
        if "weight_decay" in lacks:
            return "none"
        return "decoupled" if value else "L2"
    if setting == "momentum_decay" and row.get("constant_momentum"):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return "(" + ", ".join(f"{v:g}" for v in value) + ")"
    return f"{value:g}" if isinstance(value, float) else str(value)


def table(cls: type[Optimizer]) -> str:
    """A markdown table of ``cls``'s presets, one row per preset.

    Columns: lr, ε, and every setting on which two presets differ, in rmsprop_edu's names;
    the refused overrides are listed in the last column. A weight-decay style is printed
    "none" where the preset refuses ``weight_decay``, ψ "—" where ``constant_momentum``
    leaves it unused.
    """
    rows = [name for name in (*LIBRARIES, *cls.PRESETS) if name in cls.PRESETS]
    rows = list(dict.fromkeys(rows))
    resolved = {name: {**cls.defaults, **cls.PRESETS[name]} for name in rows}
    lacks = {name: {**LIBRARY_LACKS.get(name, {}), **cls.PRESET_LACKS.get(name, {})} for name in rows}
    varying = [
        k
        for k in cls.defaults
        if k in ("lr", "eps") or (len({_cell(k, resolved[name], lacks[name]) for name in rows}) > 1 and k != "lr")
    ]
    head = ["preset", *(HEADINGS.get(k, k) for k in varying), "refuses"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in rows:
        cells = [f"`{name}`"]
        for k in varying:
            given = k in cls.PRESETS[name]
            cells.append("(none: pass `lr=`)" if k == "lr" and not given else _cell(k, resolved[name], lacks[name]))
        cells.append(", ".join(f"`{k}`" for k in sorted(lacks[name])) or "")
        lines.append("| " + " | ".join(cells) + " |")
    missing = [library for library in LIBRARIES if library not in cls.PRESETS]
    if missing:
        verb = "has" if len(missing) == 1 else "have"
        lines.append(f"\nNo {', '.join(missing)} preset: {' and '.join(missing)} {verb} no {cls.__name__}.")
    return "\n".join(lines)


def readme_section() -> str:
    """The README's dialect tables, one per optimizer, as :func:`table` writes them."""
    from . import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp

    order = (SGD, Adagrad, RMSProp, Adadelta, Adam, AdamW, NAdam, Adamax, RAdam)
    parts = [f"**{cls.__name__}**\n\n{table(cls)}" for cls in order]
    return "\n\n".join(parts) + "\n"


BEGIN, END = (
    "<!-- dialect tables: generated by `python docs/make_dialect_tables.py` -->",
    "<!-- end of dialect tables -->",
)


def write_readme(path: str = "README.md") -> bool:
    """Rewrite the block between BEGIN and END in ``path``; True if it changed.

    Args:
        path: the file to rewrite, which holds both markers. Default ``"README.md"``.
    """
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + readme_section() + text[stop:]
    if new != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
    return new != text
