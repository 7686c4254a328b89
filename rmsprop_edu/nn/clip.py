"""Gradient clipping (in place on ``.grad``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .._validation import check_range
from ..parameter import Parameter


def clip_grad_norm(params: Iterable[Parameter], max_norm: float) -> float:
    """Scale all gradients together so that their joint L2 norm is at most ``max_norm``.

    Returns the norm *before* clipping (log it: it is how you notice exploding gradients).

    Args:
        params: the Parameters; those whose ``.grad`` is None are skipped. Consumed once, so an
            iterator works.
        max_norm: the largest joint norm allowed, > 0; a larger norm scales every gradient by
            ``max_norm / (norm + 1e-6)``.
    """
    check_range("max_norm", max_norm, 0.0, math.inf, low_open=True)
    grads = [p.grad for p in params if p.grad is not None]
    # summed in float64: float32 squares overflow above ~1.8e19, which is exactly when clipping is needed
    total = math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


def clip_grad_value(params: Iterable[Parameter], clip_value: float) -> None:
    """Clip every gradient element to [-clip_value, clip_value].

    Args:
        params: the Parameters; those whose ``.grad`` is None are skipped.
        clip_value: the largest magnitude allowed, > 0.
    """
    check_range("clip_value", clip_value, 0.0, math.inf, low_open=True)
    for p in params:
        if p.grad is not None:
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)
