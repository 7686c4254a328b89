"""`claim`: a sentence in a lesson, checked by the numbers it is about.

A notebook that says "RMSProp ends closer than Adagrad" should fail the day that
stops being true (another machine, another NumPy, another BLAS thread count).
Write the sentence as a claim, right after the cell that measures it::

    claim(rms_dist < ada_dist, "RMSProp ends closer than Adagrad", rms_dist=rms_dist, ada_dist=ada_dist)

which prints ``✓ RMSProp ends closer than Adagrad (rms_dist = 0.0006, ada_dist = 1.1)``,
or raises :class:`ClaimFailed` with the same measured values when the condition is false.

`between` is the one helper for "about 57 steps" sentences: say the range in the prose
and assert the same range in the check.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


class ClaimFailed(AssertionError):
    """A sentence of a lesson that its own measurements contradict."""


def _show(value: object) -> str:
    """A measured value, short: 3 significant digits for reals, arrays and lists abbreviated."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        return f"{x:.3g}" if math.isfinite(x) else str(x)
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        array = np.asarray(value)
        if array.dtype.kind in "fiub":
            items = [_show(x.item()) for x in array.reshape(-1)]
            shown = items if len(items) <= 8 else [*items[:3], "...", *items[-3:]]
            return "[" + ", ".join(shown) + "]"
    return str(value)


def _values(measured: dict[str, object]) -> str:
    if not measured:
        return ""
    return " (" + ", ".join(f"{name} = {_show(value)}" for name, value in measured.items()) + ")"


def claim(condition: object, statement: str, **measured: object) -> None:
    """Check one sentence of a lesson against the numbers it is about.

    Args:
        condition: the sentence as a boolean expression of measured values
            (a NumPy boolean, or an array whose every element must be true).
        statement: the sentence, as the prose says it.
        **measured: the values the condition was computed from, shown either way.

    Prints ``✓ statement (values)`` when it holds (it returns nothing, so a claim on a
    cell's last line is shown once).

    Raises:
        ClaimFailed: the condition is false; the message repeats the statement and
            every measured value, so the failing run says what changed.
    """
    if not isinstance(statement, str) or not statement:
        raise ValueError(f"statement must be a non-empty sentence, got {statement!r}")
    holds = bool(np.all(np.asarray(condition, dtype=bool)))
    if not holds:
        raise ClaimFailed(f"✗ claim contradicted by this run: {statement}{_values(measured)}")
    print(f"✓ {statement}{_values(measured)}")


def between(value: object, low: float, high: float) -> bool:
    """``low <= value <= high`` for a number or every element of an array (NaN is never between).

    Args:
        value: a number, or an array-like of numbers (an empty one is never between).
        low: the lower bound, included.
        high: the upper bound, included; ``low <= high`` or ValueError.
    """
    if not low <= high:
        raise ValueError(f"between needs low <= high, got low={low!r}, high={high!r}")
    array = np.asarray(value, dtype=float)
    return bool(array.size > 0 and np.all((array >= low) & (array <= high)))
