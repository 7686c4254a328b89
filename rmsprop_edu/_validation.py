"""The one place that turns a bad hyperparameter into a clear message.

Every optimizer validates through these helpers, so that every message has the
same form: ``rho must be in [0, 1), got 1.5``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np


def _describe(value: object) -> str:
    return repr(value)


def check_real(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number.

    A 0-d array of numbers counts as its number (torch accepts a 0-d tensor, and
    ``np.array(0.1)`` is what array arithmetic hands back).

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return check_real(name, value.item())
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {_describe(value)}")
    as_float = float(value)
    if not math.isfinite(as_float):
        raise ValueError(f"{name} must be finite, got {_describe(value)}")
    return as_float


def check_range(
    name: str,
    value: object,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = True,
) -> float:
    """Check that ``low <= value < high`` (brackets chosen by ``low_open``/``high_open``).

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
        low: the lower bound. Default -inf.
        high: the upper bound. Default inf.
        low_open: exclude ``low`` itself, ``(low, ...``. Default False.
        high_open: exclude ``high`` itself, ``..., high)``. Default True.

    >>> check_range("rho", 1.5, 0, 1)
    Traceback (most recent call last):
    ...
    ValueError: rho must be in [0, 1), got 1.5
    """
    as_float = check_real(name, value)
    too_low = as_float <= low if low_open else as_float < low
    too_high = as_float >= high if high_open else as_float > high
    if too_low or too_high:
        raise ValueError(f"{name} must be in {interval(low, high, low_open, high_open)}, got {_describe(value)}")
    return as_float


def interval(low: float, high: float, low_open: bool = False, high_open: bool = True) -> str:
    """Write an interval the way a maths textbook does: ``[0, 1)``, ``[0, inf)``."""

    def fmt(x: float) -> str:
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return f"{x:g}"

    left = "(" if low_open or math.isinf(low) else "["
    right = ")" if high_open or math.isinf(high) else "]"
    return f"{left}{fmt(low)}, {fmt(high)}{right}"


def round_up(value: float, digits: int = 3) -> str:
    """``value`` written with ``digits`` significant digits, rounded up, for a lower bound in a message.

    A student who copies it gets a value that passes (``round_up(5.9604645e-08)`` gives
    ``'5.97e-08'``).
    """
    text = f"{value:.{digits - 1}e}"
    if float(text) < value:
        mantissa, exponent = text.split("e")
        text = f"{float(mantissa) + 10.0 ** (1 - digits):.{digits - 1}f}e{exponent}"
    return f"{float(text):g}"


def check_int(name: str, value: object, low: float = -math.inf, high: float = math.inf) -> int:
    """A whole number (Python or NumPy integer, not a bool or a float) in [low, high].

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
        low: the smallest value allowed. Default -inf.
        high: the largest value allowed. Default inf.

    >>> check_int("steps", 2.5, 1)
    Traceback (most recent call last):
    ...
    ValueError: steps must be a whole number, got 2.5
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, got {_describe(value)}")
    if not low <= int(value) <= high:
        raise ValueError(f"{name} must be in {interval(low, high, high_open=False)}, got {value!r}")
    return int(value)


def check_nonnegative(name: str, value: object) -> float:
    """A size or a coefficient that may be zero, such as weight_decay: ``[0, inf)``.

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
    """
    return check_range(name, value, 0.0, math.inf)


def check_positive(name: str, value: object) -> float:
    """A quantity that is divided by, such as eps in a denominator: ``(0, inf)``.

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
    """
    return check_range(name, value, 0.0, math.inf, low_open=True)


def check_lr(name: str, value: object) -> float | np.ndarray:
    """A learning rate: a number in [0, inf), or a floating-point array of them.

    An array gives every element of the group's parameters its own learning
    rate (it must have their shape); sweeps use it to run many learning rates
    in one vectorised optimizer. A 0-d array is one number, and becomes a float.

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
    """
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if not np.issubdtype(value.dtype, np.floating) or not np.isfinite(value).all() or (value < 0).any():
            raise ValueError(f"{name} given as an array must hold finite floats in [0, inf), got {value!r}")
        return value
    return check_nonnegative(name, value)


def check_unit_interval(name: str, value: object) -> float:
    """Decay rates and momenta: ``[0, 1)``.

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
    """
    return check_range(name, value, 0.0, 1.0)


def check_bool(name: str, value: object) -> bool:
    """A switch: ``True`` or ``False`` (a NumPy bool too), never a truthy number or string.

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def check_betas(name: str, value: object) -> tuple[float, float]:
    """A pair (beta1, beta2), each in [0, 1): a tuple, a list or an array of two numbers.

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
    """
    if isinstance(value, np.ndarray) and value.shape == (2,):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (beta1, beta2) with each in [0, 1), got {_describe(value)}")
    beta1 = check_unit_interval(f"{name}[0]", value[0])
    beta2 = check_unit_interval(f"{name}[1]", value[1])
    return beta1, beta2


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """One of ``choices``, such as a preset's library name.

    Args:
        name: the argument's name, as the error message gives it.
        value: the value to check.
        choices: the allowed values.
    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {_describe(value)}")
    return str(value)


def check_known_keys(what: str, given: object, allowed: Sequence[str]) -> None:
    """Refuse keyword arguments that the receiver does not know (typos are errors).

    Args:
        what: who received them, as the message names it (``"RMSProp()"``).
        given: the names given (a mapping's keys count).
        allowed: the names the receiver knows.
    """
    unknown = sorted(set(given) - set(allowed))  # type: ignore[call-overload]
    if unknown:
        raise ValueError(
            f"{what} got unknown argument{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}"
        )
