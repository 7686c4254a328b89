"""Finite-difference gradient checking for any module + loss (central differences, float64).

The numeric gradient uses the fourth-order central stencil
(-f(θ+2h) + 8 f(θ+h) - 8 f(θ-h) + f(θ-2h)) / 12h, accurate to O(h^4), so that even
elements whose gradient is a thousand times smaller than the loss are checked
to better than 1e-7 (the two-point stencil's rounding error is ~1e-16/h).

    report = check_gradients(model, loss, x, target)
    print(report)            # max relative error per parameter, worst element, verdict

Relative error ``|analytic - numeric| / max(|analytic|, |numeric|, 1e-6)``, the CS231n
convention (the 1e-6 floor compares gradients that are essentially zero, such as an
embedding row no input used, in absolute terms instead of dividing noise by noise):
below 1e-7 the backward pass is right; around 1e-4 suspicious (kinks of
ReLU can cause it); 1e-2 and above it is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .nn.losses import Loss
from .nn.module import Module

FLOOR = 1e-6


@dataclass
class ParameterCheck:
    """One parameter's (or the input's) comparison of the backward gradient with finite differences.

    Attributes:
        name: the parameter's dotted name (``"input"`` for the input).
        max_relative_error: the largest relative error over its elements.
        worst_index: the element where it occurs.
        analytic: backward's gradient at that element.
        numeric: the finite-difference gradient at that element.
    """

    name: str
    max_relative_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float

    @property
    def verdict(self) -> str:
        """The verdict on this parameter's largest relative error (see :func:`verdict`)."""
        return verdict(self.max_relative_error)


def verdict(error: float) -> str:
    """Name a relative error: good below 1e-7, acceptable below 1e-4, suspicious below 1e-2, else wrong.

    Args:
        error: a relative error, >= 0 (NaN counts as wrong).
    """
    if error < 1e-7:
        return "good"
    if error < 1e-4:
        return "acceptable (check for kinks such as ReLU at 0)"
    if error < 1e-2:
        return "suspicious"
    return "wrong"


@dataclass
class GradcheckReport:
    """What :func:`check_gradients` found, one :class:`ParameterCheck` per parameter; ``report[name]`` picks one.

    Attributes:
        checks: one :class:`ParameterCheck` per parameter, in the model's order, then ``"input"`` if checked.
    """

    checks: list[ParameterCheck]

    @property
    def max_error(self) -> float:
        """The largest relative error over every parameter checked (0 if none was)."""
        return max((c.max_relative_error for c in self.checks), default=0.0)

    def __getitem__(self, name: str) -> ParameterCheck:
        return next(c for c in self.checks if c.name == name)

    def __repr__(self) -> str:
        width = max((len(c.name) for c in self.checks), default=4)
        lines = [f"{'parameter':{width}s}  max rel. error  worst element  verdict"]
        for c in self.checks:
            lines.append(f"{c.name:{width}s}  {c.max_relative_error:14.2e}  {c.worst_index!s:13s}  {c.verdict}")
        return "\n".join(lines)


def _relative(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), FLOOR)


def check_gradients(
    model: Module,
    loss: Loss,
    x: Any,
    target: Any,
    h: float = 1e-3,
    forward: Callable[[Module, Any], Any] | None = None,
    check_input: bool = True,
) -> GradcheckReport:
    """Compare every parameter's backward gradient with fourth-order central differences of step ``h``.

    The input's gradient is compared too, for float inputs. The model must be float64.

    ``forward(model, x)`` replaces ``model(x)`` when the model needs more arguments
    (an initial state, say). Dropout must be in eval mode (or seeded per call).

    Args:
        model: the Module to check; its parameters must be float64. Its gradients are reset
            (``zero_grad``) and left holding the backward gradient.
        loss: the Loss applied to the model's output.
        x: the input; a float64 array's entries are perturbed too (restored afterwards).
        target: the target passed to the loss.
        h: the finite-difference step (default 1e-3).
        forward: ``forward(model, x)`` computing the output, when ``model(x)`` is not enough;
            default None, meaning ``model(x)``.
        check_input: whether to check the input's gradient as well (default True), for a float64
            array input whose backward returns a gradient.
    """
    run = forward or (lambda m, inp: m(inp))

    def objective() -> float:
        return loss(run(model, x), target)

    params = model.parameters()
    for p in params:
        if p.data.dtype != np.float64:
            raise TypeError(f"gradient checks need float64 parameters; {p.name} is {p.data.dtype}")
    model.zero_grad()
    objective()
    dx = model.backward(loss.backward())
    analytic = {p.name: p.grad.copy() if p.grad is not None else np.zeros_like(p.data) for p in params}
    checks = []
    targets: list[tuple[str, np.ndarray, np.ndarray]] = [(str(p.name), p.data, analytic[str(p.name)]) for p in params]
    if check_input and isinstance(x, np.ndarray) and x.dtype == np.float64 and dx is not None:
        targets.append(("input", x, np.asarray(dx)))
    for name, array, grad in targets:
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            values = []
            for offset in (2 * h, h, -h, -2 * h):
                array[index] = saved + offset
                values.append(objective())
            array[index] = saved
            numeric[index] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * h)
        errors = _relative(grad, numeric)
        worst = np.unravel_index(int(np.argmax(errors)), errors.shape) if errors.size else ()
        checks.append(
            ParameterCheck(
                name,
                float(errors.max()) if errors.size else 0.0,
                tuple(int(i) for i in worst),
                float(grad[worst]),
                float(numeric[worst]),
            )
        )
    return GradcheckReport(checks)


__all__ = ["GradcheckReport", "ParameterCheck", "check_gradients", "verdict"]
