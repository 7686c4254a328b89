"""Adamax: Adam with the infinity norm in place of the root mean square."""

from __future__ import annotations

import numpy as np

from .._validation import check_betas, check_bool, check_lr, check_nonnegative, check_positive
from .base import Group, Optimizer, State


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7.1), with torch.optim.Adamax's semantics.

    Algorithm (one step, element-wise)::

        g <- -g                              if maximize
        g <- g + weight_decay*theta          (L2 penalty)
        m <- beta1*m + (1 - beta1)*g                 exp_avg
        u <- max(beta2*u, |g| + eps)                 exp_inf, eps inside the max
        theta <- theta - lr/(1 - beta1^t) * m / u

    ``u`` is an exponentially weighted infinity norm: it needs no bias
    correction, and it never lets a single large gradient be forgotten slowly
    the way a squared average does.

    Effective learning rate: ``lr / u`` (applied to the direction ``m_hat``).

    Args:
        lr: in [0, inf). Default 2e-3.
        betas: each in [0, 1). Default (0.9, 0.999).
        eps: in (0, inf) (torch allows 0; here a zero gradient would then give 0/0). Default 1e-8.
        weight_decay: in [0, inf). Default 0.
        maximize: ascend instead of descend.
    """

    defaults = {"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "maximize": False}
    checks = {
        "lr": check_lr,
        "betas": check_betas,
        "eps": check_positive,
        "weight_decay": check_nonnegative,
        "maximize": check_bool,
    }
    state_names = ("exp_avg", "exp_inf")
    nonnegative_state = ("exp_inf",)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """theta <- theta - lr/(1-beta1^t) * m/u, with u the decaying maximum of |g|."""
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2).
        (beta1, beta2), t = group["betas"], state["step"]
        m, u = state["exp_avg"], state["exp_inf"]
        new_g = np.multiply(grad, 1.0 - beta1, out=scratch[0])
        m *= beta1
        m += new_g  # m <- beta1*m + (1-beta1)*g
        abs_g = np.abs(grad, out=scratch[0])
        abs_g += group["eps"]
        u *= beta2
        np.maximum(u, abs_g, out=u)  # u <- max(beta2*u, |g| + eps)
        step = np.divide(m, u, out=scratch[0])
        step *= group["lr"] / (1.0 - beta1**t)
        param -= step  # theta <- theta - lr/(1-beta1^t) * m/u

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        np.divide(group["lr"], state["exp_inf"], out=out)  # lr / u
