"""NAdam: Adam with Nesterov momentum and a momentum schedule."""

from __future__ import annotations

import numpy as np

from .._validation import check_betas, check_bool, check_lr, check_nonnegative, check_positive, check_range
from ..parameter import Parameter
from .base import Group, Optimizer, State


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016), with torch.optim.NAdam's semantics and defaults.

    Algorithm (one step, element-wise; ``t`` is the step count, ``psi`` the
    momentum_decay)::

        g <- -g ; g <- g + weight_decay*theta        (maximize, L2 penalty, by the base class; or, with
                                                      decoupled_weight_decay, theta <- theta*(1 - lr*wd))
        mu_t <- beta1*(1 - 0.5*0.96^(t*psi))          momentum schedule (Keras: psi = 1)
                                                      (mu_t <- beta1 if constant_momentum, optax)
        mu_{t+1} <- beta1*(1 - 0.5*0.96^((t+1)*psi))  (beta1 if constant_momentum)
        P_t <- P_{t-1}*mu_t                           mu_product, P_0 = 1 (begin_step, before update)
        m <- beta1*m + (1 - beta1)*g                  exp_avg, starts at 0
        v <- beta2*v + (1 - beta2)*g^2                exp_avg_sq, starts at 0
        denom <- sqrt(v / (1 - beta2^t)) + eps        eps OUTSIDE the root (torch, Keras, optax)
                                                      (sqrt(v / (1 - beta2^t) + eps_root) + eps if eps_root > 0)
        theta <- theta - lr*(1 - mu_t)/(1 - P_t) * g/denom                  grad_term
        theta <- theta - lr*mu_{t+1}/(1 - P_t*mu_{t+1}) * m/denom           momentum_term

    The two terms are the Nesterov look-ahead: the current gradient plus the
    momentum that the *next* step will apply. With constant_momentum, ``P_t = beta1^t`` and
    the step is ``lr*((1 - beta1)/(1 - beta1^t)*g + beta1/(1 - beta1^(t+1))*m)/denom``:
    optax.nadam (Adam with ``nesterov=True``). Keras's Nadam is ``psi = 1``.

    Effective learning rate: ``lr / denom``, the multiplier applied to the
    look-ahead direction ``(1 - mu_t)/(1 - P_t)*g + mu_{t+1}/(1 - P_t*mu_{t+1})*m``.

    Args:
        lr: in [0, inf). Default 2e-3.
        betas: each in [0, 1). Default (0.9, 0.999).
        eps: in (0, inf) (torch allows 0; here a zero gradient would then give 0/0). Default 1e-8.
        weight_decay: in [0, inf). Default 0.
        decoupled_weight_decay: apply weight_decay as AdamW does (theta <- theta*(1 - lr*wd)
            before the update) instead of adding wd*theta to the gradient. Default False.
        momentum_decay: psi, in [0, inf). Default 4e-3 (torch); Keras's schedule is psi = 1.
        maximize: ascend instead of descend.
        constant_momentum: mu_t = beta1 at every step (optax.nadam); momentum_decay is then
            unused. Default False.
        eps_root: in [0, inf), added to v_hat inside the root (optax's eps_root). Default 0.

    The dialects (``NAdam.preset(name, params, **overrides)``; checked against traces
    recorded from each library, tests/test_dialects_adam.py):

    ========  ======  =====  =======================  ============  =====================
    preset    lr      eps    mu_t                     weight_decay  (library)
    ========  ======  =====  =======================  ============  =====================
    pytorch   2e-3    1e-8   b1(1-0.5*0.96^(0.004t))  L2            torch.optim.NAdam
    keras     1e-3    1e-7   b1(1-0.5*0.96^t)         decoupled     keras.optimizers.Nadam
    optax     (none)  1e-8   b1 (constant)            decoupled\*   optax.nadam / nadamw
    ========  ======  =====  =======================  ============  =====================

    \*optax.nadam has no weight decay; ``weight_decay=`` in the optax preset is optax.nadamw's.
    TF1 has no NAdam (tf.compat.v1.train has no NadamOptimizer).

    Reference: Dozat (2016), "Incorporating Nesterov momentum into Adam", ICLR workshop.
    """

    defaults = {
        "lr": 2e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum_decay": 4e-3,
        "decoupled_weight_decay": False,
        "maximize": False,
        "constant_momentum": False,
        "eps_root": 0.0,
    }
    checks = {
        "lr": check_lr,
        "betas": check_betas,
        "eps": check_positive,
        "weight_decay": check_nonnegative,
        "decoupled_weight_decay": check_bool,
        "momentum_decay": check_nonnegative,
        "maximize": check_bool,
        "constant_momentum": check_bool,
        "eps_root": check_nonnegative,
    }
    state_names = ("exp_avg", "exp_avg_sq")
    scalar_state_names = ("mu_product",)
    squares_gradient = True
    nonnegative_state = ("exp_avg_sq",)
    n_scratch = 2

    #: library -> settings of that library's NAdam (see the class docstring).
    PRESETS = {
        "pytorch": {"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8, "momentum_decay": 4e-3},
        "keras": {
            "lr": 1e-3,
            "betas": (0.9, 0.999),
            "eps": 1e-7,
            "momentum_decay": 1.0,
            "decoupled_weight_decay": True,
        },
        "optax": {"betas": (0.9, 0.999), "eps": 1e-8, "constant_momentum": True, "decoupled_weight_decay": True},
    }
    PRESET_LACKS = {
        "pytorch": {"eps_root": "torch.optim.NAdam has no eps_root"},
        "keras": {
            "momentum_decay": "keras.optimizers.Nadam fixes mu_t = beta1*(1 - 0.5*0.96^t) (momentum_decay = 1)",
            "eps_root": "keras.optimizers.Nadam has no eps_root",
        },
        "optax": {
            "momentum_decay": "optax.nadam's momentum is constant, mu_t = b1",
        },
    }

    def init_state(self, param: Parameter, group: Group) -> State:
        """Zeros for m and v, as Adam's, and the product of momenta P_0 = 1 (``mu_product``).

        Args:
            param: the parameter whose state this is (its ``data`` gives shape and dtype).
            group: the checked hyperparameters of its group.
        """
        return {**super().init_state(param, group), "mu_product": 1.0}

    @staticmethod
    def _mu(group: Group, t: int) -> float:
        """mu_t = beta1*(1 - 0.5*0.96^(t*psi)), or beta1 with constant_momentum."""
        if group["constant_momentum"]:
            return group["betas"][0]
        return group["betas"][0] * (1.0 - 0.5 * 0.96 ** (t * group["momentum_decay"]))

    def check_scalar_state(self, where: str, state: State) -> None:
        """Check that ``mu_product`` lies in [0, 1]: a product of momenta mu_t in [0, 1), or 1 before any step.

        Args:
            where: names the parameter in messages (``"state of parameter 0"``).
            state: the parameter's state to check, as loaded.
        """
        check_range(f"{where}: mu_product", state["mu_product"], 0.0, 1.0, high_open=False)

    def begin_step(self, state: State, group: Group) -> None:
        """Multiply this step's momentum into the product: P_t <- P_{t-1}*mu_t.

        Args:
            state: the parameter's state, ``"step"`` already t; ``mu_product`` is updated in place.
            group: the checked hyperparameters of its group (betas, momentum_decay, constant_momentum).
        """
        state["mu_product"] *= self._mu(group, state["step"])  # P_t <- P_{t-1}*mu_t

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """One step, default path: Adam's averages, then Nesterov's look-ahead inside Adam.

        The step mixes the new gradient (weight 1-mu_t) and the momentum one step ahead
        (weight mu_{t+1}). constant_momentum changes only mu (``_mu``), eps_root only
        ``denom`` (``_denominator``).

        Args:
            param: the parameter's values (one block of them), updated in place.
            grad: its gradient, with maximize and L2 decay applied; read only.
            state: views of ``exp_avg`` and ``exp_avg_sq``, the scalar ``mu_product`` (P_t),
                and ``"step"`` (see :meth:`Optimizer.update`).
            group: the hyperparameters, ``lr`` in ``param``'s dtype (maybe an array).
            scratch: 2 arrays like ``param``, free to overwrite.
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2), or
        # with decoupled_weight_decay theta <- theta*(1 - lr*wd) (as AdamW), mu_product P_t.
        beta1, beta2 = group["betas"]
        lr, t, product = group["lr"], state["step"], state["mu_product"]
        mu, mu_next = self._mu(group, t), self._mu(group, t + 1)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # scratch[0] holds new_g, then new_sq, then denom: each is dead once the next is written.
        new_g = np.multiply(grad, 1.0 - beta1, out=scratch[0])
        m *= beta1
        m += new_g  # m <- beta1*m + (1-beta1)*g
        new_sq = np.multiply(grad, grad, out=scratch[0])
        new_sq *= 1.0 - beta2
        v *= beta2
        v += new_sq  # v <- beta2*v + (1-beta2)*g^2
        denom = self._denominator(state, group, out=scratch[0])  # denom <- sqrt(v_hat) + eps (eps_root: inside too)
        grad_term = np.divide(grad, denom, out=scratch[1])
        grad_term *= lr * (1.0 - mu) / (1.0 - product)
        param -= grad_term  # theta <- theta - lr*(1-mu_t)/(1-P_t) * g/denom
        # scratch[1] is reused: grad_term is not needed after this
        momentum_term = np.divide(m, denom, out=scratch[1])
        momentum_term *= lr * mu_next / (1.0 - product * mu_next)
        param -= momentum_term  # theta <- theta - lr*mu_{t+1}/(1-P_t*mu_{t+1}) * m/denom

    @staticmethod
    def _denominator(state: State, group: Group, out: np.ndarray) -> np.ndarray:
        """Write denom into ``out`` and return it: sqrt(v_hat) + eps (sqrt(v_hat + eps_root) + eps, optax)."""
        under_root = np.divide(state["exp_avg_sq"], 1.0 - group["betas"][1] ** state["step"], out=out)  # v_hat
        if group["eps_root"] > 0:
            under_root += group["eps_root"]  # v_hat + eps_root (optax)
        denom = np.sqrt(under_root, out=out)
        denom += group["eps"]  # denom <- sqrt(v_hat) + eps, or sqrt(v_hat + eps_root) + eps
        return denom

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write lr/denom into ``out``, the scale of the look-ahead direction.

        Args:
            state: the parameter's state after its most recent step.
            group: the hyperparameters that step used, ``lr`` in the parameter's dtype.
            out: an array like the parameter, overwritten.
        """
        self._denominator(state, group, out=out)
        np.divide(group["lr"], out, out=out)  # lr / denom
