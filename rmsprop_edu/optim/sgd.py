"""Stochastic gradient descent, with heavy-ball or Nesterov momentum."""

from __future__ import annotations

import numpy as np

from .._validation import check_bool, check_lr, check_nonnegative, check_range, check_unit_interval
from .base import Group, Optimizer, State


class SGD(Optimizer):
    r"""Gradient descent with optional momentum (torch.optim.SGD semantics).

    Algorithm (one step, element-wise; ``g`` is the gradient)::

        g <- -g                      if maximize
        g <- g + weight_decay*theta  (L2 penalty)
        if momentum > 0:
            b <- g                                  when b is new (first step with momentum on)
            b <- momentum*b + (1 - dampening)*g     afterwards
            direction <- g + momentum*b   if nesterov else  b
        else:
            direction <- g
        theta <- theta - lr*direction

    Note where lr enters: torch (and this class) keep lr *outside* the buffer ``b``
    (Sutskever et al. 2013 put it inside; the two agree while lr is constant).
    As in torch, the buffer starts as the first gradient it sees, undamped, also when
    momentum is switched on after some plain steps; switched off, it is kept, and
    resumes if momentum comes back.

    Effective learning rate: ``lr`` everywhere (the multiplier applied to ``direction``).

    Args:
        lr: step size α, in [0, inf). Default 1e-3 (torch 2.x).
        momentum: μ, in [0, 1). Default 0.
        dampening: in [0, 1]. Default 0.
        weight_decay: L2 coefficient, in [0, inf). Default 0.
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend instead of descend.

    References: Polyak (1964), "Some methods of speeding up the convergence of
    iteration methods"; Sutskever, Martens, Dahl, Hinton (2013), "On the
    importance of initialization and momentum in deep learning".
    """

    defaults = {
        "lr": 1e-3,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
        "maximize": False,
    }
    checks = {
        "lr": check_lr,
        "momentum": check_unit_interval,
        "dampening": lambda name, value: check_range(name, value, 0.0, 1.0, high_open=False),
        "weight_decay": check_nonnegative,
        "nesterov": check_bool,
        "maximize": check_bool,
    }
    state_names = ("momentum_buffer",)

    def needed_state(self, group: Group) -> tuple[str, ...]:
        return ("momentum_buffer",) if group["momentum"] > 0 else ()

    def check_consistency(self, group: Group) -> None:
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening = 0, "
                f"got momentum={group['momentum']} and dampening={group['dampening']}"
            )

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """theta <- theta - lr*g; with momentum, theta <- theta - lr*b after b <- mu*b + g.

        The same step in plain NumPy, allocating freely: ``sgd_momentum_step`` in
        :mod:`rmsprop_edu.exercises.solutions` (tests/test_exercises.py proves them equal).
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2).
        if group["momentum"] > 0:
            direction = self._momentum_direction(grad, state, group, out=scratch[0])  # b, or g + mu*b
        else:
            direction = grad
        step = np.multiply(direction, group["lr"], out=scratch[0])
        param -= step  # theta <- theta - lr*direction

    @staticmethod
    def _momentum_direction(grad: np.ndarray, state: State, group: Group, out: np.ndarray) -> np.ndarray:
        """b <- mu*b + (1-dampening)*g (b <- g at its first step, as torch); the direction is b,
        or g + mu*b with nesterov."""
        b, mu = state["momentum_buffer"], group["momentum"]
        if "momentum_buffer" in state["new_state"]:
            b[...] = grad  # b <- g (torch: buf = clone(g))
        else:
            b *= mu
            new_g = np.multiply(grad, 1.0 - group["dampening"], out=out)
            b += new_g  # b <- mu*b + (1-dampening)*g
        if not group["nesterov"]:
            return b
        look_ahead = np.multiply(b, mu, out=out)
        look_ahead += grad  # g + mu*b
        return look_ahead

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        out[...] = group["lr"]
