"""Learning-rate schedules, applied through ``optimizer.param_groups``.

A schedule remembers each group's lr when it is made (the base lr) and, at every
``step()``, sets ``group["lr"] = base_lr * factor(t)`` where t counts the steps
taken so far (t = 0 before the first). Call it after ``optimizer.step()``::

    schedule = cosine(opt, total_steps=1000)
    for ...:
        opt.step()
        schedule.step()

``inverse_sqrt`` decays like 1/sqrt(t): the same shape as the decay Adagrad builds
into every coordinate on a steady gradient, which is the point of comparing them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .._validation import check_int, check_range
from .base import Optimizer


class Schedule:
    """lr(t) = base_lr * factor(t) for every parameter group."""

    def __init__(self, optimizer: Optimizer, factor: Callable[[int], float], name: str) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a schedule needs an Optimizer, got {type(optimizer).__name__}")
        self.optimizer, self.factor, self.name = optimizer, factor, name
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.t = 0
        self._apply()

    def _apply(self) -> None:
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = base * self.factor(self.t)

    def step(self) -> None:
        """Advance one step and set the new lr in every group."""
        self.t += 1
        self._apply()

    def lr_at(self, t: int) -> list[float]:
        """Each group's lr at step t (without changing anything)."""
        return [base * self.factor(t) for base in self.base_lrs]

    def __repr__(self) -> str:
        return f"{self.name} schedule at t={self.t}, lr={[g['lr'] for g in self.optimizer.param_groups]}"


def _whole(name: str, value: int, low: int = 1) -> int:
    return check_int(name, value, low)


def constant(optimizer: Optimizer) -> Schedule:
    """lr(t) = lr."""
    return Schedule(optimizer, lambda t: 1.0, "constant")


def step_decay(optimizer: Optimizer, every: int, gamma: float = 0.1) -> Schedule:
    """lr(t) = lr * gamma^floor(t / every)."""
    every = _whole("every", every)
    check_range("gamma", gamma, 0.0, 1.0, low_open=True, high_open=False)
    return Schedule(optimizer, lambda t: gamma ** (t // every), f"step(every={every}, gamma={gamma})")


def exponential(optimizer: Optimizer, gamma: float) -> Schedule:
    """lr(t) = lr * gamma^t."""
    check_range("gamma", gamma, 0.0, 1.0, low_open=True, high_open=False)
    return Schedule(optimizer, lambda t: gamma**t, f"exponential(gamma={gamma})")


def cosine(optimizer: Optimizer, total_steps: int, min_factor: float = 0.0) -> Schedule:
    """lr(t) = lr * (m + (1 - m) (1 + cos(pi t / T)) / 2), held at m * lr after T steps."""
    total = _whole("total_steps", total_steps)
    check_range("min_factor", min_factor, 0.0, 1.0, high_open=False)

    def factor(t: int) -> float:
        return min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * min(t, total) / total))

    return Schedule(optimizer, factor, f"cosine(total_steps={total})")


def linear_warmup(optimizer: Optimizer, warmup_steps: int) -> Schedule:
    """lr(t) = lr * min(1, (t + 1) / W): ramps up over the first W steps, then constant."""
    warmup = _whole("warmup_steps", warmup_steps)
    return Schedule(optimizer, lambda t: min(1.0, (t + 1) / warmup), f"linear_warmup({warmup})")


def inverse_sqrt(optimizer: Optimizer) -> Schedule:
    """lr(t) = lr / sqrt(t + 1): the 1/sqrt(t) decay that Adagrad applies implicitly."""
    return Schedule(optimizer, lambda t: 1.0 / math.sqrt(t + 1), "inverse_sqrt")


__all__ = ["Schedule", "constant", "cosine", "exponential", "inverse_sqrt", "linear_warmup", "step_decay"]
