"""RAdam: Adam whose adaptive step is switched on gradually, when v can be trusted."""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_betas, check_bool, check_lr, check_nonnegative, check_positive
from .base import Group, Optimizer, State


class RAdam(Optimizer):
    r"""Rectified Adam (Liu et al., 2020), with torch.optim.RAdam's semantics and defaults.

    Algorithm (one step, element-wise; ``t`` is the step count)::

        g <- -g ; g <- g + weight_decay*theta        (maximize, L2 penalty, by the base class; or, with
                                                      decoupled_weight_decay, theta <- theta*(1 - lr*wd))
        m <- beta1*m + (1 - beta1)*g ;  m_hat <- m / (1 - beta1^t)     exp_avg, starts at 0
        v <- beta2*v + (1 - beta2)*g^2                                 exp_avg_sq, starts at 0
        rho_inf <- 2/(1 - beta2) - 1
        rho_t <- rho_inf - 2*t*beta2^t / (1 - beta2^t)       length of the approximated SMA
        if rho_t > 5:                                         v's variance is tractable (torch's threshold)
            r_t <- sqrt((rho_t - 4)(rho_t - 2)rho_inf / ((rho_inf - 4)(rho_inf - 2)rho_t))
            inv_denom <- sqrt(1 - beta2^t) / (sqrt(v) + eps)       = 1/denom, eps added BEFORE the
                                                                   correction (eps_hat, torch) ...
            inv_denom <- 1 / (sqrt(v/(1 - beta2^t) + eps_root) + eps)   ... or after it, if not eps_hat (optax)
            theta <- theta - lr * r_t * m_hat * inv_denom
        else:                                                 warm-up: plain momentum SGD
            theta <- theta - lr * m_hat

    The paper's Algorithm 2 rectifies when rho_t > 4; torch (and this class) when
    rho_t > 5, optax when rho_t >= 5 (its ``threshold``): the same steps unless rho_t is
    exactly 5.

    The step is formed as 1/denom times m, not m/denom (as torch does): where v is 0,
    inv_denom is sqrt(1 - beta2^t)/eps (1/(sqrt(eps_root) + eps) without eps_hat), so
    1/eps must be finite in the parameter's dtype (float16: eps >= 1.53e-5). RAdam
    therefore overrides ``smallest_eps``, and step() refuses a smaller eps (other
    optimizers only need eps above 0 in the dtype).

    Effective learning rate: ``lr * r_t / denom`` once rectified, ``lr`` during the
    first steps (with the default beta2, the first 5).

    torch puts eps on the uncorrected root (``eps_hat``, as Adam's Keras/TF1 form) and
    optax on the corrected one; they part when eps is not small against sqrt(v).

    Args:
        lr: in [0, inf). Default 1e-3.
        betas: each in [0, 1). Default (0.9, 0.999).
        eps: in (0, inf) (torch allows 0; here a zero gradient would then give 0/0), and 1/eps
            must be finite in the parameter's dtype (float16: eps >= 1.53e-5). Default 1e-8.
        weight_decay: in [0, inf). Default 0.
        decoupled_weight_decay: apply weight_decay as AdamW does (theta <- theta*(1 - lr*wd)
            before the update) instead of adding wd*theta to the gradient. Default False.
        maximize: ascend instead of descend.
        eps_hat: eps on the uncorrected root, denom = (sqrt(v) + eps)/sqrt(1 - beta2^t).
            Default True (torch); False gives optax's sqrt(v_hat + eps_root) + eps.
        eps_root: in [0, inf), added to v_hat inside the root (optax); only with eps_hat=False.
            Default 0.

    The dialects (``RAdam.preset(name, params, **overrides)``; checked against traces
    recorded from optax, tests/test_dialects_adam.py):

    ========  ======  =====  ========================  ============  ==================
    preset    lr      eps    eps placed                weight_decay  (library)
    ========  ======  =====  ========================  ============  ==================
    pytorch   1e-3    1e-8   (sqrt(v) + eps)/sqrt(c2)  L2            torch.optim.RAdam
    optax     (none)  1e-8   sqrt(v_hat + er) + eps    (none)        optax.radam
    ========  ======  =====  ========================  ============  ==================

    Keras 3 has no RAdam (keras.optimizers lists none), nor has TF1 (tf.compat.v1.train).

    Reference: Liu et al. (2020), "On the variance of the adaptive learning rate
    and beyond", ICLR.
    """

    defaults = {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "decoupled_weight_decay": False,
        "maximize": False,
        "eps_hat": True,
        "eps_root": 0.0,
    }
    checks = {
        "lr": check_lr,
        "betas": check_betas,
        "eps": check_positive,
        "weight_decay": check_nonnegative,
        "decoupled_weight_decay": check_bool,
        "maximize": check_bool,
        "eps_hat": check_bool,
        "eps_root": check_nonnegative,
    }
    state_names = ("exp_avg", "exp_avg_sq")
    squares_gradient = True
    nonnegative_state = ("exp_avg_sq",)

    #: library -> settings of that library's RAdam (see the class docstring).
    PRESETS = {
        "pytorch": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8},
        "optax": {"betas": (0.9, 0.999), "eps": 1e-8, "eps_hat": False},
    }
    PRESET_LACKS = {
        "pytorch": {"eps_root": "torch.optim.RAdam has no eps_root"},
        "optax": {
            "weight_decay": "optax.radam has no weight decay (and optax has no radamw)",
            "decoupled_weight_decay": "optax.radam has no weight decay (and optax has no radamw)",
        },
    }

    def check_consistency(self, group: Group) -> None:
        """Refuse eps_root with eps_hat: eps_root goes inside the root of the corrected v_hat.

        Args:
            group: the checked hyperparameters of one group (or the defaults), name -> value.
        """
        if group["eps_hat"] and group["eps_root"] > 0:
            raise ValueError("eps_root (optax) needs eps_hat=False: it goes inside the root of the corrected v_hat")

    def smallest_eps(self, dtype: np.dtype) -> tuple[float, str]:
        """The smallest ``eps`` whose reciprocal is finite in ``dtype``, and why.

        sqrt(1 - beta2^t) / (sqrt(v) + eps) is formed before it meets m: where the gradient
        has been 0 that is 1/eps times 0, so 1/eps must be finite (in float16, eps >= 1.532e-5).

        Args:
            dtype: a floating-point dtype of a parameter.
        """
        one = dtype.type(1)
        with np.errstate(over="ignore", divide="ignore"):
            eps = one / np.finfo(dtype).max
            while not np.isfinite(one / eps):
                eps = np.nextafter(eps, one)
        return float(eps), f"1/eps overflows {dtype} (largest {float(np.finfo(dtype).max):.3g})"

    @staticmethod
    def rectification(beta2: float, t: int) -> float | None:
        """r_t, or None while rho_t <= 5 (the warm-up steps).

        Args:
            beta2: the decay of the squared-gradient average, in [0, 1).
            t: the step count, 1 at the first step.
        """
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * t * beta2**t / (1.0 - beta2**t)
        if rho_t <= 5.0:
            return None
        return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """Adam's step scaled by r_t once rho_t > 5; plain momentum (lr*m_hat) before that.

        eps_hat=False (optax) changes only ``inv_denom`` (``_inverse_denominator``).

        Args:
            param: the parameter's values (one block of them), updated in place.
            grad: its gradient, with maximize and L2 decay applied; read only.
            state: views of ``exp_avg`` and ``exp_avg_sq``, and ``"step"`` (see :meth:`Optimizer.update`).
            group: the hyperparameters, ``lr`` in ``param``'s dtype (maybe an array).
            scratch: one array like ``param``, free to overwrite.
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2), or
        # with decoupled_weight_decay theta <- theta*(1 - lr*wd) (as AdamW).
        (beta1, beta2), t = group["betas"], state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # scratch[0] holds new_g, then new_sq, then inv_denom and step: each is dead once the next is written.
        new_g = np.multiply(grad, 1.0 - beta1, out=scratch[0])
        m *= beta1
        m += new_g  # m <- beta1*m + (1-beta1)*g
        new_sq = np.multiply(grad, grad, out=scratch[0])
        new_sq *= 1.0 - beta2
        v *= beta2
        v += new_sq  # v <- beta2*v + (1-beta2)*g^2
        step_size = group["lr"] / (1.0 - beta1**t)  # lr / (1 - beta1^t)
        r_t = self.rectification(beta2, t)
        if r_t is None:  # warm-up
            step = np.multiply(m, step_size, out=scratch[0])
            param -= step  # theta <- theta - lr*m_hat
            return
        inv_denom = self._inverse_denominator(state, group, out=scratch[0])  # sqrt(1-beta2^t)/(sqrt(v)+eps) if eps_hat
        step = np.multiply(inv_denom, m, out=inv_denom)  # m * inv_denom (inv_denom is not needed after this)
        step *= step_size * r_t
        param -= step  # theta <- theta - lr*r_t*m_hat*inv_denom

    @staticmethod
    def _inverse_denominator(state: State, group: Group, out: np.ndarray) -> np.ndarray:
        """Write inv_denom = 1/denom into ``out`` and return it: sqrt(1 - beta2^t) / (sqrt(v) + eps)."""
        if not group["eps_hat"]:
            return RAdam._inverse_denominator_corrected(state, group, out)
        root_plus_eps = np.sqrt(state["exp_avg_sq"], out=out)
        root_plus_eps += group["eps"]  # sqrt(v) + eps
        return np.divide(math.sqrt(1.0 - group["betas"][1] ** state["step"]), root_plus_eps, out=out)

    @staticmethod
    def _inverse_denominator_corrected(state: State, group: Group, out: np.ndarray) -> np.ndarray:
        """eps_hat=False (optax): out <- 1/(sqrt(v/(1 - beta2^t) + eps_root) + eps)."""
        under_root = np.divide(state["exp_avg_sq"], 1.0 - group["betas"][1] ** state["step"], out=out)  # v_hat
        under_root += group["eps_root"]  # v_hat + eps_root
        denom = np.sqrt(under_root, out=out)
        denom += group["eps"]  # denom <- sqrt(v_hat + eps_root) + eps
        return np.divide(1.0, denom, out=out)  # inv_denom <- 1/denom

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write lr * r_t / denom into ``out`` once rectified; lr during the warm-up steps.

        Args:
            state: the parameter's state after its most recent step.
            group: the hyperparameters that step used, ``lr`` in the parameter's dtype.
            out: an array like the parameter, overwritten.
        """
        r_t = self.rectification(group["betas"][1], state["step"])
        if r_t is None:
            out[...] = group["lr"]
            return
        self._inverse_denominator(state, group, out=out)
        out *= group["lr"] * r_t  # lr * r_t / denom
