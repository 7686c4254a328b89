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

To pause and resume, save the schedule's state beside the optimizer's, as in torch:
the group's lr alone is not enough (a new schedule would take the decayed lr as its
base and start again at t = 0)::

    saved = {"optimizer": opt.state_dict(), "schedule": schedule.state_dict()}
    ...
    opt = RMSProp(model.parameters());  schedule = cosine(opt, total_steps=1000)
    opt.load_state_dict(saved["optimizer"]);  schedule.load_state_dict(saved["schedule"])

A parameter group added after the schedule was made (``add_param_group``) takes its lr
at that moment as its base and follows the same factor(t) from the next ``step()`` on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._validation import check_int, check_range
from .base import Optimizer


class Schedule:
    """lr(t) = base_lr * factor(t) for every parameter group.

    Args:
        optimizer: the Optimizer whose groups' lr it sets; each group's lr when the schedule
            is made is that group's base lr.
        factor: ``t -> factor(t)``, the multiplier of the base lr after t steps (``factor(0)``
            applies at once).
        name: names the schedule in ``repr`` and in :meth:`state_dict` (a state loads only into a
            schedule of the same name).
    """

    def __init__(self, optimizer: Optimizer, factor: Callable[[int], float], name: str) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a schedule needs an Optimizer, got {type(optimizer).__name__}")
        self.optimizer, self.factor, self.name = optimizer, factor, name
        self.base_lrs: list[Any] = []
        self.t = 0
        self._apply()

    def _sync_groups(self) -> None:
        """Take the base lr of any group added since the schedule last looked."""
        groups = self.optimizer.param_groups
        if len(groups) < len(self.base_lrs):
            raise ValueError(
                f"the optimizer has {len(groups)} parameter group(s) but the schedule was made for "
                f"{len(self.base_lrs)}; groups cannot be removed under a schedule: make a new schedule"
            )
        self.base_lrs += [_copy(group["lr"]) for group in groups[len(self.base_lrs) :]]

    def _apply(self) -> None:
        self._sync_groups()
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = base * self.factor(self.t)

    def step(self) -> None:
        """Advance one step and set the new lr in every group."""
        self.t += 1
        self._apply()

    def lr_at(self, t: int) -> list[float]:
        """Each group's lr at step t (without changing anything).

        Args:
            t: the step count, 0 before the first step.
        """
        self._sync_groups()
        return [base * self.factor(t) for base in self.base_lrs]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's position, ``{"name", "t", "base_lrs"}``, in plain Python values (array lrs copied).

        Save it beside ``optimizer.state_dict()``; the factor itself is not saved, it is rebuilt
        by the constructor (``cosine(opt, total_steps=...)``) before loading.
        """
        self._sync_groups()
        return {"name": self.name, "t": self.t, "base_lrs": [_copy(base) for base in self.base_lrs]}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore ``t`` and the base lrs from :meth:`state_dict`; set every group's lr to ``base_lr * factor(t)``.

        Everything is checked first; on an error a ``ValueError`` says what is wrong and
        nothing is changed.

        Args:
            state_dict: what :meth:`state_dict` returned, for as many groups as the optimizer has.
        """
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"name", "t", "base_lrs"}:
            got = sorted(map(str, state_dict)) if isinstance(state_dict, Mapping) else type(state_dict).__name__
            raise ValueError(f"a schedule's state_dict has the keys ['base_lrs', 'name', 't'], got {got}")
        if state_dict["name"] != self.name:
            raise ValueError(
                f"this schedule state was saved by {state_dict['name']!r}; it cannot be loaded into {self.name!r}: "
                "make the same schedule first"
            )
        t = check_int("schedule state t", state_dict["t"], 0)
        bases = state_dict["base_lrs"]
        groups = self.optimizer.param_groups
        if not isinstance(bases, (list, tuple)) or len(bases) != len(groups):
            n = len(bases) if isinstance(bases, (list, tuple)) else type(bases).__name__
            raise ValueError(f"schedule state has {n} base lr(s); the optimizer has {len(groups)} parameter group(s)")
        checked = []
        for i, base in enumerate(bases):
            if isinstance(base, np.ndarray):
                if not (np.isfinite(base).all() and (base >= 0).all()):
                    raise ValueError(f"schedule state base_lrs[{i}] must hold finite values >= 0")
                checked.append(base.copy())
            else:
                checked.append(check_range(f"schedule state base_lrs[{i}]", base, 0.0, math.inf))
        self.t, self.base_lrs = t, checked
        self._apply()

    def __repr__(self) -> str:
        return f"{self.name} schedule at t={self.t}, lr={[g['lr'] for g in self.optimizer.param_groups]}"


def _copy(lr: Any) -> Any:
    return lr.copy() if isinstance(lr, np.ndarray) else lr


def _whole(name: str, value: int, low: int = 1) -> int:
    return check_int(name, value, low)


def constant(optimizer: Optimizer) -> Schedule:
    """lr(t) = lr.

    Args:
        optimizer: the optimizer whose groups' lr it sets; each group's lr now is its base lr.
    """
    return Schedule(optimizer, lambda t: 1.0, "constant")


def step_decay(optimizer: Optimizer, every: int, gamma: float = 0.1) -> Schedule:
    """lr(t) = lr * gamma^floor(t / every).

    Args:
        optimizer: the optimizer whose groups' lr it sets; each group's lr now is its base lr.
        every: steps between two decays, a whole number >= 1.
        gamma: the factor of each decay, in (0, 1]. Default 0.1.
    """
    every = _whole("every", every)
    check_range("gamma", gamma, 0.0, 1.0, low_open=True, high_open=False)
    return Schedule(optimizer, lambda t: gamma ** (t // every), f"step(every={every}, gamma={gamma})")


def exponential(optimizer: Optimizer, gamma: float) -> Schedule:
    """lr(t) = lr * gamma^t.

    Args:
        optimizer: the optimizer whose groups' lr it sets; each group's lr now is its base lr.
        gamma: the factor per step, in (0, 1].
    """
    check_range("gamma", gamma, 0.0, 1.0, low_open=True, high_open=False)
    return Schedule(optimizer, lambda t: gamma**t, f"exponential(gamma={gamma})")


def cosine(optimizer: Optimizer, total_steps: int, min_factor: float = 0.0) -> Schedule:
    """lr(t) = lr * (m + (1 - m) (1 + cos(pi t / T)) / 2), held at m * lr after T steps.

    Args:
        optimizer: the optimizer whose groups' lr it sets; each group's lr now is its base lr.
        total_steps: T, the steps to reach the floor, a whole number >= 1.
        min_factor: m, the floor as a fraction of the base lr, in [0, 1]. Default 0.
    """
    total = _whole("total_steps", total_steps)
    check_range("min_factor", min_factor, 0.0, 1.0, high_open=False)

    def factor(t: int) -> float:
        return min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * min(t, total) / total))

    return Schedule(optimizer, factor, f"cosine(total_steps={total}, min_factor={min_factor})")


def linear_warmup(optimizer: Optimizer, warmup_steps: int) -> Schedule:
    """lr(t) = lr * min(1, (t + 1) / W): ramps up over the first W steps, then constant.

    Args:
        optimizer: the optimizer whose groups' lr it sets; each group's lr now is its base lr.
        warmup_steps: W, a whole number >= 1 (W = 1 is no warm-up).
    """
    warmup = _whole("warmup_steps", warmup_steps)
    return Schedule(optimizer, lambda t: min(1.0, (t + 1) / warmup), f"linear_warmup({warmup})")


def inverse_sqrt(optimizer: Optimizer) -> Schedule:
    """lr(t) = lr / sqrt(t + 1): the 1/sqrt(t) decay that Adagrad applies implicitly.

    Args:
        optimizer: the optimizer whose groups' lr it sets; each group's lr now is its base lr.
    """
    return Schedule(optimizer, lambda t: 1.0 / math.sqrt(t + 1), "inverse_sqrt")


__all__ = ["Schedule", "constant", "cosine", "exponential", "inverse_sqrt", "linear_warmup", "step_decay"]
