"""Adamax: Adam with the infinity norm in place of the root mean square."""

from __future__ import annotations

import numpy as np

from .._validation import check_betas, check_bool, check_lr, check_nonnegative, check_positive
from .base import Group, Optimizer, State


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7.1), with torch.optim.Adamax's semantics.

    Algorithm (one step, element-wise; ``t`` is the step count)::

        g <- -g                              if maximize      (done by the base class)
        g <- g + weight_decay*theta          (L2 penalty, by the base class; or, with decoupled_weight_decay,
                                              theta <- theta*(1 - lr*weight_decay): Keras, optax.adamaxw)
        m <- beta1*m + (1 - beta1)*g         exp_avg, starts at 0
        u <- max(beta2*u, |g| + eps)         exp_inf, starts at 0; eps inside the max (torch, optax)
                                             (u <- max(beta2*u, |g|) with eps_outside_max, Keras)
        denom <- u                           (denom <- u + eps with eps_outside_max)
        theta <- theta - lr/(1 - beta1^t) * m/denom

    Kingma & Ba's Algorithm 2 has no eps: ``u <- max(beta2*u, |g|)``, ``theta <- theta -
    lr/(1 - beta1^t) * m/u``. ``u`` is an exponentially weighted infinity norm,
    ``u_t = max_k beta2^(t-k)*|g_k|``: its first value is ``|g_1|`` itself, not
    ``(1 - beta2)*|g_1|``, so it needs no bias correction. A single large gradient ``G``
    enters ``u`` at full size and then decays as ``beta2^k*G`` (halving every
    ``ln 2/(1 - beta2) ~ 693`` steps with ``beta2 = 0.999``); until ``beta2^k*G`` falls
    below the current ``|g|``, it alone is ``u``, the divisor of that coordinate's step.
    In Adam's ``sqrt(v)`` the same spike adds at most ``sqrt(1 - beta2)*G ~ 0.03*G``. The
    two eps placements differ where eps is comparable to ``|g|``: inside the max, eps is
    remembered (and decays) with ``u``.

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
        eps_outside_max: ``u <- max(beta2*u, |g|)`` and divide by ``u + eps`` (Keras). Default False.

    The dialects (``Adamax.preset(name, params, **overrides)``; checked against traces
    recorded from each library, tests/test_dialects_adam.py):

    ========  ======  =====  ========================  ============  ========================
    preset    lr      eps    eps placed                weight_decay  (library)
    ========  ======  =====  ========================  ============  ========================
    pytorch   2e-3    1e-8   ``max(b2*u, |g|+eps)``    L2            torch.optim.Adamax
    keras     1e-3    1e-7   ``u + eps``               decoupled     keras.optimizers.Adamax
    optax     (none)  1e-8   ``max(b2*u, |g|+eps)``    decoupled\*   optax.adamax / adamaxw
    ========  ======  =====  ========================  ============  ========================

    \*optax.adamax has no weight decay; ``weight_decay=`` in the optax preset is optax.adamaxw's.
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
        """One step, default path: ``u <- max(beta2*u, |g| + eps)``, ``theta <- theta - lr/(1-beta1^t) * m/u``.

        eps_outside_max changes only what enters the max (``_abs_grad_for_max``) and ``denom``
        (``_denominator``).

        Args:
            param: the parameter's values (one block of them), updated in place.
            grad: its gradient, with maximize and L2 decay applied; read only.
            state: views of ``exp_avg`` and ``exp_inf``, and ``"step"`` (see :meth:`Optimizer.update`).
            group: the hyperparameters, ``lr`` in ``param``'s dtype (maybe an array).
            scratch: one array like ``param``, free to overwrite.
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2),
        # or with decoupled_weight_decay theta <- theta*(1 - lr*wd).
        # scratch[0] holds new_g, then abs_g, then step (and denom with eps_outside_max): each is dead once
        # the next is written.
        (beta1, beta2), t = group["betas"], state["step"]
        m, u = state["exp_avg"], state["exp_inf"]
        new_g = np.multiply(grad, 1.0 - beta1, out=scratch[0])
        m *= beta1
        m += new_g  # m <- beta1*m + (1-beta1)*g
        abs_g = self._abs_grad_for_max(grad, group, out=scratch[0])  # |g| + eps (|g| with eps_outside_max)
        u *= beta2
        np.maximum(u, abs_g, out=u)  # u <- max(beta2*u, |g| + eps)
        denom = self._denominator(u, group, out=scratch[0])  # denom <- u (u + eps with eps_outside_max)
        step = np.divide(m, denom, out=scratch[0])
        step *= group["lr"] / (1.0 - beta1**t)
        param -= step  # theta <- theta - lr/(1-beta1^t) * m/denom

    # The option eps_outside_max (Keras), in two small helpers.
    @staticmethod
    def _abs_grad_for_max(grad: np.ndarray, group: Group, out: np.ndarray) -> np.ndarray:
        """Write what enters the max into ``out`` and return it: |g| + eps, or |g| with eps_outside_max."""
        abs_g = np.abs(grad, out=out)
        if not group["eps_outside_max"]:
            abs_g += group["eps"]  # |g| + eps
        return abs_g

    @staticmethod
    def _denominator(u: np.ndarray, group: Group, out: np.ndarray) -> np.ndarray:
        """Return denom: u itself, or u + eps written into ``out`` with eps_outside_max."""
        if not group["eps_outside_max"]:
            return u  # denom <- u
        return np.add(u, group["eps"], out=out)  # denom <- u + eps

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write lr/denom into ``out``: lr/u (lr/(u + eps) with eps_outside_max).

        Args:
            state: the parameter's state after its most recent step.
            group: the hyperparameters that step used, ``lr`` in the parameter's dtype.
            out: an array like the parameter, overwritten.
        """
        denom = self._denominator(state["exp_inf"], group, out=out)
        np.divide(group["lr"], denom, out=out)  # lr / denom
