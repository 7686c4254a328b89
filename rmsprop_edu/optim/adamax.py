"""Adamax: Adam with the infinity norm in place of the root mean square."""

from __future__ import annotations

import numpy as np

from .._validation import check_betas, check_bool, check_lr, check_nonnegative, check_positive
from .base import Group, Optimizer, State


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7.1), with torch.optim.Adamax's semantics.

    Algorithm (one step, element-wise)::

        g <- -g                              if maximize
        g <- g + weight_decay*theta          (L2 penalty) ... or, if decoupled_weight_decay,
        theta <- theta*(1 - lr*weight_decay) ... decoupled (Keras, optax.adamaxw)
        m <- beta1*m + (1 - beta1)*g                 exp_avg
        u <- max(beta2*u, |g| + eps)                 exp_inf, eps inside the max (torch, optax)
        theta <- theta - lr/(1 - beta1^t) * m / u
      with eps_outside_max (Keras):
        u <- max(beta2*u, |g|)
        theta <- theta - lr/(1 - beta1^t) * m / (u + eps)

    ``u`` is an exponentially weighted infinity norm: it needs no bias
    correction, and it never lets a single large gradient be forgotten slowly
    the way a squared average does. The two eps placements differ where eps is
    comparable to |g|: inside the max, eps is remembered (and decays) with u.

    Effective learning rate: ``lr / u`` (``lr / (u + eps)`` with eps_outside_max),
    applied to the direction ``m_hat``.

    Args:
        lr: in [0, inf). Default 2e-3.
        betas: each in [0, 1). Default (0.9, 0.999).
        eps: in (0, inf) (torch allows 0; here a zero gradient would then give 0/0). Default 1e-8.
        weight_decay: in [0, inf): the L2 coefficient added to the gradient, or with
            decoupled_weight_decay the decay rate of theta <- theta*(1 - lr*wd). Default 0.
        maximize: ascend instead of descend.
        decoupled_weight_decay: decay the weights as AdamW does, theta <- theta*(1 - lr*wd)
            before the update (Keras's and optax.adamaxw's weight decay). Default False.
        eps_outside_max: u <- max(beta2*u, |g|) and divide by u + eps (Keras). Default False.

    The dialects (``Adamax.preset(name, params, **overrides)``; checked against traces
    recorded from each library, tests/test_dialects_adam.py):

    ========  ======  =====  ===================  ============  ========================
    preset    lr      eps    eps placed           weight_decay  (library)
    ========  ======  =====  ===================  ============  ========================
    pytorch   2e-3    1e-8   max(b2*u, |g|+eps)   L2            torch.optim.Adamax
    keras     1e-3    1e-7   u + eps              decoupled     keras.optimizers.Adamax
    optax     (none)  1e-8   max(b2*u, |g|+eps)   decoupled*    optax.adamax / adamaxw
    ========  ======  =====  ===================  ============  ========================

    *optax.adamax has no weight decay; ``weight_decay=`` in the optax preset is optax.adamaxw's.
    TF1 has no Adamax (tf.compat.v1.train has no AdamaxOptimizer).
    """

    defaults = {
        "lr": 2e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "maximize": False,
        "decoupled_weight_decay": False,
        "eps_outside_max": False,
    }
    checks = {
        "lr": check_lr,
        "betas": check_betas,
        "eps": check_positive,
        "weight_decay": check_nonnegative,
        "maximize": check_bool,
        "decoupled_weight_decay": check_bool,
        "eps_outside_max": check_bool,
    }
    state_names = ("exp_avg", "exp_inf")
    nonnegative_state = ("exp_inf",)

    #: library -> settings of that library's Adamax (see the class docstring).
    PRESETS = {
        "pytorch": {"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8},
        "keras": {
            "lr": 1e-3,
            "betas": (0.9, 0.999),
            "eps": 1e-7,
            "eps_outside_max": True,
            "decoupled_weight_decay": True,
        },
        "optax": {"betas": (0.9, 0.999), "eps": 1e-8, "decoupled_weight_decay": True},
    }
    PRESET_LACKS = {
        "keras": {},
        "optax": {},
    }

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """One step: theta <- theta - lr/(1-beta1^t) * m/u, with u the decaying maximum of |g|."""
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2),
        # or with decoupled_weight_decay theta <- theta*(1 - lr*wd).
        (beta1, beta2), t = group["betas"], state["step"]
        m, u = state["exp_avg"], state["exp_inf"]
        new_g = np.multiply(grad, 1.0 - beta1, out=scratch[0])
        m *= beta1
        m += new_g  # m <- beta1*m + (1-beta1)*g
        if group["eps_outside_max"]:
            self._step_eps_outside_max(param, grad, state, group, scratch[0])
            return
        abs_g = np.abs(grad, out=scratch[0])
        abs_g += group["eps"]
        u *= beta2
        np.maximum(u, abs_g, out=u)  # u <- max(beta2*u, |g| + eps)
        step = np.divide(m, u, out=scratch[0])
        step *= group["lr"] / (1.0 - beta1**t)
        param -= step  # theta <- theta - lr/(1-beta1^t) * m/u

    @staticmethod
    def _step_eps_outside_max(param: np.ndarray, grad: np.ndarray, state: State, group: Group, out: np.ndarray) -> None:
        """eps_outside_max (Keras): u <- max(beta2*u, |g|), theta <- theta - lr/(1-beta1^t) * m/(u + eps)."""
        (beta1, beta2), t = group["betas"], state["step"]
        m, u = state["exp_avg"], state["exp_inf"]
        u *= beta2
        np.maximum(u, np.abs(grad, out=out), out=u)  # u <- max(beta2*u, |g|)
        denom = np.add(u, group["eps"], out=out)  # u + eps
        step = np.divide(m, denom, out=out)
        step *= group["lr"] / (1.0 - beta1**t)
        param -= step  # theta <- theta - lr/(1-beta1^t) * m/(u + eps)

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write lr/u into ``out`` (lr/(u + eps) with eps_outside_max)."""
        if group["eps_outside_max"]:
            np.add(state["exp_inf"], group["eps"], out=out)
            np.divide(group["lr"], out, out=out)  # lr / (u + eps)
            return
        np.divide(group["lr"], state["exp_inf"], out=out)  # lr / u
