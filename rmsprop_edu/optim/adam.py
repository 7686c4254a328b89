"""Adam and AdamW: momentum + RMSProp scaling + bias correction."""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_betas, check_bool, check_lr, check_nonnegative, check_positive
from .base import Group, Optimizer, State


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), with torch.optim.Adam's semantics and defaults.

    Algorithm (one step, element-wise; ``t`` is the step count)::

        g <- -g                              if maximize
        g <- g + weight_decay*theta          (L2 penalty, coupled: see AdamW)
        m <- beta1*m + (1 - beta1)*g         exp_avg (momentum)
        v <- beta2*v + (1 - beta2)*g^2       exp_avg_sq (RMSProp's average)
        v_max <- max(v_max, v)               only if amsgrad; then v_max replaces v below
        m_hat <- m / (1 - beta1^t)           bias corrections
        denom <- sqrt(v)/sqrt(1 - beta2^t) + eps   = sqrt(v_hat) + eps, eps OUTSIDE the root
        theta <- theta - lr * m_hat / denom

    Three pieces: momentum (``m``), RMSProp's per-coordinate scaling (``v``), and
    bias correction (both averages start at 0, so early averages are too small by
    the factors 1 - beta^t). With beta1 = 0 it *is* RMSProp(rho=beta2,
    bias_correction=True).

    Effective learning rate: ``lr / denom = lr / (sqrt(v_hat) + eps)``, the multiplier
    applied to the direction ``m_hat``.

    Args:
        lr: in [0, inf). Default 1e-3.
        betas: (beta1, beta2), each in [0, 1). Default (0.9, 0.999).
        eps: in (0, inf) (torch allows 0; here a zero gradient would then give 0/0). Default 1e-8.
        weight_decay: L2 coefficient added to the gradient, in [0, inf). Default 0.
        amsgrad: use the running maximum of ``v`` (Reddi, Kale & Kumar, 2018).
        maximize: ascend instead of descend.

    Reference: Kingma & Ba (2015), "Adam: a method for stochastic optimization", ICLR.
    """

    defaults = {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
        "maximize": False,
    }
    checks = {
        "lr": check_lr,
        "betas": check_betas,
        "eps": check_positive,
        "weight_decay": check_nonnegative,
        "amsgrad": check_bool,
        "maximize": check_bool,
    }
    state_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    squares_gradient = True
    nonnegative_state = ("exp_avg_sq", "max_exp_avg_sq")

    def needed_state(self, group: Group) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq") + ("max_exp_avg_sq",) * group["amsgrad"]

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """theta <- theta - lr * m_hat / (sqrt(v_hat) + eps), from the two running averages.

        The same step in plain NumPy, allocating freely: ``adam_step`` in
        :mod:`rmsprop_edu.exercises.solutions` (tests/test_exercises.py proves them equal).
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2).
        (beta1, beta2), t = group["betas"], state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        new_g = np.multiply(grad, 1.0 - beta1, out=scratch[0])
        m *= beta1
        m += new_g  # m <- beta1*m + (1-beta1)*g
        new_sq = np.multiply(grad, grad, out=scratch[0])
        new_sq *= 1.0 - beta2
        v *= beta2
        v += new_sq  # v <- beta2*v + (1-beta2)*g^2
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])  # v_max <- max(v_max, v)
        denom = self._denominator(state, group, out=scratch[0])  # denom <- sqrt(v)/sqrt(1-beta2^t) + eps
        step = np.divide(m, denom, out=scratch[0])
        step *= group["lr"] / (1.0 - beta1**t)  # lr * m_hat / denom, m_hat = m/(1-beta1^t)
        param -= step  # theta <- theta - lr * m_hat / denom

    @staticmethod
    def _denominator(state: State, group: Group, out: np.ndarray) -> np.ndarray:
        """out <- sqrt(v) / sqrt(1 - beta2^t) + eps (v_max instead of v with amsgrad)."""
        v = state["max_exp_avg_sq"] if group["amsgrad"] else state["exp_avg_sq"]
        np.sqrt(v, out=out)
        out /= math.sqrt(1.0 - group["betas"][1] ** state["step"])
        out += group["eps"]
        return out

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        self._denominator(state, group, out=out)
        np.divide(group["lr"], out, out=out)  # lr / (sqrt(v_hat) + eps)


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2019): Adam with *decoupled* weight decay.

    Algorithm: first ``theta <- theta * (1 - lr*weight_decay)``, then exactly
    Adam's step with the raw gradient (no L2 term inside ``m`` and ``v``). With
    coupled L2 (Adam's weight_decay) the decay is divided by sqrt(v_hat) like
    the gradient, so coordinates with large gradients are barely regularised;
    decoupling makes every weight shrink by the same factor.

    Defaults are Adam's except ``weight_decay=1e-2`` (torch.optim.AdamW).
    Effective learning rate: as Adam's (the decay factor is not included).

    Reference: Loshchilov & Hutter (2019), "Decoupled weight decay
    regularization", ICLR.
    """

    defaults = {**Adam.defaults, "weight_decay": 1e-2}
    coupled_weight_decay = False

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """theta <- theta*(1 - lr*wd), then Adam's step with the raw gradient (``adamw_step``
        in :mod:`rmsprop_edu.exercises.solutions`). The base class adds no L2 term here."""
        param *= 1.0 - group["lr"] * group["weight_decay"]  # theta <- theta*(1 - lr*wd)
        super().update(param, grad, state, group, scratch)
