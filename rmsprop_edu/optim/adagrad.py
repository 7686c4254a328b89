"""Adagrad: per-coordinate step sizes from the sum of all past squared gradients."""

from __future__ import annotations

import numpy as np

from .._validation import check_bool, check_lr, check_nonnegative, check_positive
from ..parameter import Parameter
from .base import Group, Optimizer, State


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), with torch.optim.Adagrad's semantics and defaults.

    Algorithm (one step, element-wise; ``t`` is the step count)::

        g <- -g                              if maximize
        g <- g + weight_decay*theta          (L2 penalty)
        lr_t <- lr / (1 + (t - 1)*lr_decay)
        G <- G + g^2                         sum, starts at initial_accumulator_value
        theta <- theta - lr_t * g / (sqrt(G) + eps)      eps OUTSIDE the root

    ``G`` only grows, so every coordinate's step only shrinks: on a constant
    gradient the effective learning rate is lr / (|g|*sqrt(t) + eps). That is
    RMSProp with an infinite window (rho -> 1 without the 1 - rho factor).

    Effective learning rate: ``lr_t / (sqrt(G) + eps)``.

    Args:
        lr: in [0, inf). Default 1e-2.
        lr_decay: in [0, inf). Default 0.
        weight_decay: L2 coefficient, in [0, inf). Default 0.
        initial_accumulator_value: where ``G`` starts, in [0, inf). Default 0.
        eps: in (0, inf) (torch allows 0; here a zero gradient would then give 0/0). Default 1e-10.
        maximize: ascend instead of descend.

    Reference: Duchi, Hazan & Singer (2011), "Adaptive subgradient methods for
    online learning and stochastic optimization", JMLR 12.
    """

    defaults = {
        "lr": 1e-2,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
        "maximize": False,
    }
    checks = {
        "lr": check_lr,
        "lr_decay": check_nonnegative,
        "weight_decay": check_nonnegative,
        "initial_accumulator_value": check_nonnegative,
        "eps": check_positive,
        "maximize": check_bool,
    }
    state_names = ("sum",)
    squares_gradient = True
    nonnegative_state = ("sum",)

    def init_state(self, param: Parameter, group: Group) -> State:
        return {"sum": np.full_like(param.data, group["initial_accumulator_value"])}

    @staticmethod
    def _lr_t(state: State, group: Group) -> float:
        return group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])  # lr_t

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """theta <- theta - lr_t * g / (sqrt(G) + eps), with G <- G + g^2 (the sum never forgets).

        The same step in plain NumPy, allocating freely: ``adagrad_step`` in
        :mod:`rmsprop_edu.exercises.solutions` (tests/test_exercises.py proves them equal).
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2).
        big_g = state["sum"]
        new_sq = np.multiply(grad, grad, out=scratch[0])
        big_g += new_sq  # G <- G + g^2
        denom = np.sqrt(big_g, out=scratch[0])
        denom += group["eps"]  # denom <- sqrt(G) + eps
        step = np.divide(grad, denom, out=scratch[0])
        step *= self._lr_t(state, group)
        param -= step  # theta <- theta - lr_t * g/denom

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        np.sqrt(state["sum"], out=out)
        out += group["eps"]
        np.divide(self._lr_t(state, group), out, out=out)  # lr_t / (sqrt(G) + eps)
