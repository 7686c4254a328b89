"""Everything an optimizer checks before it changes anything: public, for writing your own.

Two kinds of check, with one message format (``rho must be in [0, 1), got 1.5``):

* **hyperparameters**: the validators a subclass lists in its ``checks`` table.
  Each is ``check(name, value) -> normalised value`` and raises ``ValueError``
  naming the argument, the value and the allowed range::

      from rmsprop_edu.optim import Optimizer
      from rmsprop_edu.optim.checks import check_betas, check_lr

      class Lion(Optimizer):
          defaults = {"lr": 1e-4, "betas": (0.9, 0.99)}
          checks = {"lr": check_lr, "betas": check_betas}

* **gradients and dtypes**: what ``Optimizer.step`` checks of each parameter
  before the first update (shape, dtype, finiteness, an ``eps`` or ``lr`` the
  dtype cannot hold). A subclass does not call these; they are here so that
  every check lives in one file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import (
    check_betas,
    check_bool,
    check_choice,
    check_int,
    check_known_keys,
    check_lr,
    check_nonnegative,
    check_positive,
    check_range,
    check_real,
    check_unit_interval,
    round_up,
)
from ..parameter import Parameter

if TYPE_CHECKING:
    from .base import Optimizer

__all__ = [
    "Check",
    "check_betas",
    "check_bool",
    "check_choice",
    "check_dtype_limits",
    "check_gradient",
    "check_int",
    "check_known_keys",
    "check_lr",
    "check_nonnegative",
    "check_positive",
    "check_range",
    "check_real",
    "check_state_matches",
    "check_unit_interval",
    "param_groups_from",
]

#: a hyperparameter validator, ``check(name, value)``, which returns the normalised value or raises.
Check = Callable[[str, Any], Any]


def check_gradient(label: str, data: Any, grad: Any, squares_gradient: bool) -> None:
    """Refuse a gradient that does not fit its parameter, or that is not finite.

    Args:
        label: names the parameter in messages (``"parameter 'w' (index 0)"``).
        data: the parameter's values, a writeable floating-point array.
        grad: its gradient, which must have the shape and dtype of ``data``.
        squares_gradient: the update squares the gradient, so entries above
            ``sqrt(dtype max)`` would overflow its state and are refused too.
    """
    if not isinstance(data, np.ndarray) or data.dtype.kind != "f":
        raise TypeError(f"{label} must hold a floating-point ndarray, got {getattr(data, 'dtype', type(data))}")
    if not isinstance(grad, np.ndarray):
        raise TypeError(f"{label}: .grad must be an ndarray or None, got {type(grad).__name__}")
    if grad.shape != data.shape:
        raise ValueError(f"{label}: gradient shape {grad.shape} does not match parameter shape {data.shape}")
    if grad.dtype != data.dtype:
        raise TypeError(f"{label}: gradient dtype {grad.dtype} does not match parameter dtype {data.dtype}")
    if not data.flags.writeable:
        raise ValueError(f"{label}: .data is read-only, so it cannot be updated in place")
    flat = grad.reshape(-1)
    # Fast path, one BLAS read of the gradient: a finite sum of squares means every
    # entry is finite and no square overflows. Only when it is not are the entries
    # examined (the sum itself may overflow where no single square does).
    with np.errstate(over="ignore", invalid="ignore"):
        sum_of_squares = float(np.dot(flat, flat))
    if not grad.size or math.isfinite(sum_of_squares):
        return
    # max and min propagate nan and inf, so two reductions check finiteness without a mask
    largest = max(abs(float(grad.max())), abs(float(grad.min())))
    if not math.isfinite(largest):
        bad = int(np.size(grad) - np.count_nonzero(np.isfinite(grad)))
        raise FloatingPointError(
            f"{label}: gradient has {bad} non-finite value(s) (nan or inf); "
            "nothing was updated. Try a smaller learning rate or gradient clipping."
        )
    limit = math.sqrt(float(np.finfo(grad.dtype).max))
    if squares_gradient and largest >= limit:
        raise FloatingPointError(
            f"{label}: gradient entries up to {largest:.3g} overflow {grad.dtype} when squared "
            f"(limit {limit:.3g}); nothing was updated. Scale the loss down or clip the gradient "
            "(rmsprop_edu.nn.clip_grad_norm)."
        )


def check_state_matches(label: str, data: np.ndarray, state: dict[str, Any], names: tuple[str, ...]) -> None:
    """Refuse a parameter whose shape or dtype changed since its state was made.

    Args:
        label: names the parameter in messages.
        data: the parameter's values now.
        state: the parameter's state, name -> array (other entries, such as ``step``, are skipped).
        names: the state arrays to compare with ``data`` (those missing from ``state`` are skipped).
    """
    for key in names:
        if key not in state:
            continue
        if state[key].shape != data.shape:
            raise ValueError(f"{label}: shape {data.shape} no longer matches its state {state[key].shape}")
        if state[key].dtype != data.dtype:
            raise TypeError(
                f"{label}: dtype {data.dtype} no longer matches its state {key} "
                f"({state[key].dtype}); cast .data back, or make a new optimizer"
            )


def check_dtype_limits(
    label: str, data: np.ndarray, lr: Any, eps: float | None, smallest_eps: tuple[float, str]
) -> None:
    """Refuse an ``lr`` or ``eps`` that the parameter's dtype cannot hold.

    ``lr`` enters the update in the parameter's dtype, so it must survive the cast
    (an array lr, used by sweeps, must also have the parameter's shape).

    Args:
        label: names the parameter in messages.
        data: the parameter's values; only their dtype and shape are read.
        lr: the learning rate, a number or an array shaped like ``data``; it must not
            exceed the dtype's largest number, and no positive entry may round to 0.
        eps: the optimizer's eps, or None if it has none; it must be at least ``smallest_eps[0]``.
        smallest_eps: the optimizer's ``smallest_eps(dtype)``: the bound and why.
    """
    dtype = data.dtype
    if eps is not None and eps < smallest_eps[0]:
        smallest, why = smallest_eps
        instead = " (or float32 parameters)" if dtype.itemsize < 4 else ""
        raise ValueError(
            f"{label}: eps={eps:g} is too small for {dtype}: {why}, so a coordinate whose "
            f"gradient is 0 would become nan; use eps >= {round_up(smallest)}{instead}"
        )
    if isinstance(lr, np.ndarray):
        if lr.shape != data.shape:
            raise ValueError(f"{label}: an array lr must have the parameter's shape {data.shape}, got {lr.shape}")
        if not lr.size:
            return
        high, positive = float(lr.max()), lr[lr > 0]
        low = float(positive.min()) if positive.size else 0.0
    else:
        high = low = lr
    info = np.finfo(dtype)
    largest, smallest = float(info.max), float(info.smallest_subnormal)
    if high > largest:
        raise ValueError(f"{label}: lr={high:g} does not fit {dtype} (largest {largest:g})")
    if 0 < low <= smallest / 2:  # rounds to 0 (exactly half rounds to even: 0)
        raise ValueError(
            f"{label}: lr={low:g} rounds to 0 in {dtype}, so the step would do nothing; use lr >= {round_up(smallest)}"
        )


def param_groups_from(name: str, params: Any) -> list[Mapping[str, Any]]:
    """An optimizer's ``params`` argument as a list of parameter groups, or a clear error.

    Accepts a list of Parameters (one group) or a list of dicts ``{"params": [...], **overrides}``;
    a single Parameter, an empty list or a mixture are refused, saying what to write instead.

    Args:
        name: the optimizer's class name, for messages.
        params: what the optimizer was given, any iterable.
    """
    if isinstance(params, Parameter):
        raise TypeError(f"{name}() takes a list of Parameters, got a single Parameter: write {name}([p])")
    if isinstance(params, (Mapping, str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{name}() params must be a list of Parameters or of parameter-group dicts, got {type(params).__name__}"
        )
    items: list[Any] = list(params)
    if not items:
        raise ValueError(f"{name}() got an empty parameter list")
    if all(isinstance(p, Mapping) for p in items):
        return items
    if all(isinstance(p, Parameter) for p in items):
        return [{"params": items}]
    if all(isinstance(p, (Parameter, Mapping)) for p in items):
        raise TypeError(
            f"{name}() params mixes Parameters and parameter-group dicts; "
            'put every Parameter in a group: [{"params": [...]}, {"params": [...], "lr": ...}]'
        )
    bad = next(p for p in items if not isinstance(p, (Parameter, Mapping)))
    raise TypeError(f"{name}() params must be Parameters or parameter-group dicts, got {type(bad).__name__}")


# ------------------------------------------------- what Optimizer.step checks, before anything changes
def checked_group(opt: Optimizer, index: int, group: dict[str, Any]) -> dict[str, Any]:
    """Group ``index``'s hyperparameters, checked, unless they are the very objects checked last time.

    A new value, even an equal one, is checked again, and so is an array lr (it can change in place).

    Args:
        opt: the optimizer (its ``defaults`` and ``checks``, and its record of the last check).
        index: the group's position in ``opt.param_groups``, for messages.
        group: the group, ``{"params": [...], **hyperparameters}``.
    """
    last = opt._validated.get(index)
    if (
        last is not None
        and len(group) == len(last) + 1
        and not isinstance(last["lr"], np.ndarray)
        and all(group.get(k) is v for k, v in last.items())
    ):
        return last
    # a key added by hand between steps (a typo such as "momentun") would otherwise be ignored
    check_known_keys(f"{type(opt).__name__} parameter group {index}", group, ["params", *opt.defaults])
    checked = opt._checked({k: v for k, v in group.items() if k != "params"})
    opt._validated[index] = checked
    return checked


def check_parameter(opt: Optimizer, p: Parameter, group: dict[str, Any]) -> None:
    """Check one parameter that has a gradient: gradient, state, and the dtype's limits on lr and eps.

    Args:
        opt: the optimizer that will update ``p``.
        p: the parameter.
        group: its group's checked hyperparameters.
    """
    index = opt._index[p]
    label = f"parameter {p.name!r} (index {index})" if p.name else f"parameter {index}"
    check_gradient(label, p.data, p.grad, opt.squares_gradient)
    if p in opt.state:
        check_state_matches(label, p.data, opt.state[p], opt.state_names)
    lr, eps = group["lr"], group.get("eps")
    limits = (p.data.dtype, eps, lr)
    if isinstance(lr, np.ndarray) or limits not in opt._limits_ok:  # checked once per setting
        check_dtype_limits(label, p.data, lr, eps, opt.smallest_eps(p.data.dtype))
        if not isinstance(lr, np.ndarray):
            opt._limits_ok.add(limits)
