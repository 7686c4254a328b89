"""Adam and AdamW: momentum + RMSProp scaling + bias correction."""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_betas, check_bool, check_lr, check_nonnegative, check_positive
from .base import Group, Optimizer, State


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), with torch.optim.Adam's semantics and defaults.

    Algorithm (one step, element-wise; ``t`` is the step count, c1 = 1 - beta1^t, c2 = 1 - beta2^t)::

        g <- -g                              if maximize      (done by the base class)
        g <- g + weight_decay*theta          (L2 penalty, by the base class; or, with decoupled_weight_decay,
                                              theta <- theta*(1 - lr*weight_decay): AdamW)
        m <- beta1*m + (1 - beta1)*g         exp_avg (momentum), starts at 0
        v <- beta2*v + (1 - beta2)*g^2       exp_avg_sq (RMSProp's average), starts at 0
        denom <- sqrt(v)/sqrt(c2) + eps      = sqrt(v_hat) + eps, eps OUTSIDE the root (torch, optax) ...
        denom <- sqrt(v/c2 + eps_root) + eps     ... or, if eps_root > 0, also inside (optax's eps_root)
        denom <- (sqrt(v) + eps)/sqrt(c2)        ... or, if eps_hat, on the UNcorrected root (Keras, TF1)
        theta <- theta - lr/c1 * m/denom     = lr * m_hat/denom, m_hat = m/c1

      with amsgrad, denom is computed from v_max (max_exp_avg_sq, starts at 0) in place of v:
        v_max <- max(v_max, v)               (torch, Keras) ...
        v_max <- max(v_max, v/c2)            ... or, with amsgrad_bias_corrected (optax.amsgrad): v_max
                                             then holds bias-corrected values, so denom uses c2 <- 1

    Three pieces: momentum (``m``), RMSProp's per-coordinate scaling (``v``), and
    bias correction (both averages start at 0, so early averages are too small by
    the factors ``1 - beta^t``). With ``beta1 = 0`` it *is* ``RMSProp(rho=beta2,
    bias_correction=True)``.

    ``eps_hat`` is Kingma & Ba's "more efficient" form (section 2): ``alpha_t =
    lr*sqrt(c2)/c1`` and ``theta <- theta - alpha_t*m/(sqrt(v) + eps_hat)``. It equals the
    default with ``eps`` replaced by ``eps/sqrt(c2)``, which is ``1/sqrt(1 - beta2) ~ 32`` times
    larger at the first step (``beta2 = 0.999``): the two agree while ``eps << sqrt(v_hat)``
    and part when eps is large (``eps = 2``, say).

    Effective learning rate: ``lr / denom`` (with denom as above for each option),
    the multiplier applied to the direction ``m_hat``.

    Args:
        lr: in [0, inf). Default 1e-3.
        betas: (beta1, beta2), each in [0, 1). Default (0.9, 0.999).
        eps: in (0, inf) (torch allows 0; here a zero gradient would then give 0/0). Default 1e-8.
        weight_decay: in [0, inf): the L2 coefficient added to the gradient, or with
            decoupled_weight_decay the decay rate of theta <- theta*(1 - lr*wd). Default 0.
        amsgrad: use the running maximum of ``v`` (Reddi, Kale & Kumar, 2018).
        maximize: ascend instead of descend.
        decoupled_weight_decay: decay the weights as AdamW does, theta <- theta*(1 - lr*wd)
            before the update, instead of adding wd*theta to the gradient (Keras's and
            optax's weight decay). Default False.
        eps_hat: put eps on the uncorrected root, denom = (sqrt(v) + eps)/sqrt(1 - beta2^t)
            (Keras, TF1, Lua torch). Default False.
        eps_root: in [0, inf), added to v_hat inside the root, denom = sqrt(v_hat + eps_root) + eps
            (optax's eps_root). Default 0. eps_root > 0 together with eps_hat is refused (two
            placements at once; no library has both).
        amsgrad_bias_corrected: with amsgrad, keep the maximum of the bias-corrected v_hat
            instead of v (optax.amsgrad). Default False (torch, Keras); unused without amsgrad.
            Refused with eps_hat only when amsgrad is also on.

    The dialects (``Adam.preset(name, params, **overrides)``; every row checked against
    traces recorded from the library, tests/test_dialects_adam.py):

    ========  ======  =====  ====================  ============  ============  ================================
    preset    lr      eps    eps placed            weight_decay  amsgrad max   (library)
    ========  ======  =====  ====================  ============  ============  ================================
    pytorch   1e-3    1e-8   sqrt(v_hat) + eps     L2            of v          torch.optim.Adam
    keras     1e-3    1e-7   eps_hat               decoupled     of v          keras.optimizers.Adam
    optax     (none)  1e-8   sqrt(v_hat+er) + eps  decoupled\*   of v_hat      optax.adam, optax.amsgrad
    tf1       1e-3    1e-8   eps_hat               (none)        (none)        tf.compat.v1.train.AdamOptimizer
    ========  ======  =====  ====================  ============  ============  ================================

    \*optax.adam has no weight decay; ``weight_decay=`` in the optax preset is optax.adamw's
    (decoupled, ``theta <- theta - lr*(update + wd*theta)``). er: eps_root. "(none)": optax has no default lr.

    Reference: Kingma & Ba (2015), "Adam: a method for stochastic optimization", ICLR.
    """

    defaults = {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
        "maximize": False,
        "decoupled_weight_decay": False,
        "eps_hat": False,
        "eps_root": 0.0,
        "amsgrad_bias_corrected": False,
    }
    checks = {
        "lr": check_lr,
        "betas": check_betas,
        "eps": check_positive,
        "weight_decay": check_nonnegative,
        "amsgrad": check_bool,
        "maximize": check_bool,
        "decoupled_weight_decay": check_bool,
        "eps_hat": check_bool,
        "eps_root": check_nonnegative,
        "amsgrad_bias_corrected": check_bool,
    }
    state_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    squares_gradient = True
    nonnegative_state = ("exp_avg_sq", "max_exp_avg_sq")

    #: library -> settings of that library's Adam (see the class docstring).
    PRESETS = {
        "pytorch": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8},
        "keras": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7, "eps_hat": True, "decoupled_weight_decay": True},
        "optax": {"betas": (0.9, 0.999), "eps": 1e-8, "decoupled_weight_decay": True, "amsgrad_bias_corrected": True},
        "tf1": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "eps_hat": True},
    }
    PRESET_LACKS = {
        "pytorch": {"eps_root": "torch.optim.Adam has no eps_root"},
        "keras": {"eps_root": "keras.optimizers.Adam has no eps_root"},
        "optax": {},
        "tf1": {
            "amsgrad": "tf.compat.v1.train.AdamOptimizer has no amsgrad",
            "weight_decay": "tf.compat.v1.train.AdamOptimizer has no weight decay",
            "eps_root": "tf.compat.v1.train.AdamOptimizer has no eps_root",
        },
    }

    def check_consistency(self, group: Group) -> None:
        """Refuse two eps placements at once: eps_hat with eps_root > 0, or with amsgrad and amsgrad_bias_corrected.

        Args:
            group: the checked hyperparameters of one group (or the defaults), name -> value.
        """
        if group["eps_hat"] and group["eps_root"] > 0:
            raise ValueError("eps_root (optax) and eps_hat (Keras, TF1) cannot be combined: choose one placement")
        if group["eps_hat"] and group["amsgrad"] and group["amsgrad_bias_corrected"]:
            raise ValueError("amsgrad_bias_corrected (optax) and eps_hat (Keras, TF1) cannot be combined")

    def needed_state(self, group: Group) -> tuple[str, ...]:
        """The state these settings use: m and v (exp_avg, exp_avg_sq), plus v_max (max_exp_avg_sq) with amsgrad.

        Args:
            group: the checked hyperparameters of the parameter's group.
        """
        return ("exp_avg", "exp_avg_sq") + ("max_exp_avg_sq",) * group["amsgrad"]

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """One step, default path: theta <- theta - lr/c1 * m/(sqrt(v)/sqrt(c2) + eps), from the two averages.

        The options (amsgrad, eps_root, eps_hat) change only ``denom``: ``_denominator``.
        The same step in plain NumPy, allocating freely: ``adam_step`` in
        ``rmsprop_edu.exercises.solutions`` (tests/test_exercises.py proves them equal).

        Args:
            param: the parameter's values (one block of them), updated in place.
            grad: its gradient, with maximize and L2 decay applied; read only.
            state: views of ``exp_avg``, ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``,
                and ``"step"`` (see :meth:`Optimizer.update`).
            group: the hyperparameters, ``lr`` in ``param``'s dtype (maybe an array).
            scratch: one array like ``param``, free to overwrite.
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2),
        # or with decoupled_weight_decay theta <- theta*(1 - lr*wd).
        # scratch[0] holds new_g, then new_sq, then denom, then step: each is dead once the next is written.
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
            self._update_max(state, group, out=scratch[0])  # v_max <- max(v_max, v) (or max(v_max, v/c2))
        denom = self._denominator(state, group, out=scratch[0])  # denom <- sqrt(v)/sqrt(c2) + eps by default
        step = np.divide(m, denom, out=scratch[0])
        step *= group["lr"] / (1.0 - beta1**t)  # lr/c1 * m/denom = lr * m_hat/denom
        param -= step  # theta <- theta - lr * m_hat/denom

    @staticmethod
    def _denominator(state: State, group: Group, out: np.ndarray) -> np.ndarray:
        """Write denom into ``out`` and return it: sqrt(v)/sqrt(c2) + eps by default.

        ``denom_v`` and ``denom_c2`` are the average and the bias correction that denom
        uses: (v, c2) by default, (v_max, c2) with amsgrad, and (v_max, 1) with
        amsgrad_bias_corrected, whose v_max already holds bias-corrected values.
        """
        denom_v, denom_c2 = Adam._denominator_inputs(state, group)
        if group["eps_hat"]:
            return Adam._denominator_eps_hat(denom_v, denom_c2, group["eps"], out)
        if group["eps_root"] > 0:
            return Adam._denominator_eps_root(denom_v, denom_c2, group["eps"], group["eps_root"], out)
        denom = np.sqrt(denom_v, out=out)
        denom /= math.sqrt(denom_c2)
        denom += group["eps"]  # denom <- sqrt(v)/sqrt(c2) + eps
        return denom

    # The options, each in its own helper.
    @staticmethod
    def _denominator_inputs(state: State, group: Group) -> tuple[np.ndarray, float]:
        """(denom_v, denom_c2): (v, c2) by default; (v_max, c2) with amsgrad; (v_max, 1) if amsgrad_bias_corrected."""
        if not group["amsgrad"]:
            return state["exp_avg_sq"], 1.0 - group["betas"][1] ** state["step"]
        if group["amsgrad_bias_corrected"]:
            return state["max_exp_avg_sq"], 1.0  # v_max is already a maximum of bias-corrected averages
        return state["max_exp_avg_sq"], 1.0 - group["betas"][1] ** state["step"]

    @staticmethod
    def _update_max(state: State, group: Group, out: np.ndarray) -> None:
        """amsgrad: v_max <- max(v_max, v) (torch, Keras), or max(v_max, v/c2) (optax.amsgrad)."""
        v, v_max = state["exp_avg_sq"], state["max_exp_avg_sq"]
        if group["amsgrad_bias_corrected"]:
            v_hat = np.divide(v, 1.0 - group["betas"][1] ** state["step"], out=out)  # v_hat = v/c2
            np.maximum(v_max, v_hat, out=v_max)  # v_max <- max(v_max, v_hat)
            return
        np.maximum(v_max, v, out=v_max)  # v_max <- max(v_max, v)

    @staticmethod
    def _denominator_eps_hat(v: np.ndarray, c2: float, eps: float, out: np.ndarray) -> np.ndarray:
        """eps_hat: out <- (sqrt(v) + eps) / sqrt(c2), Kingma & Ba's section-2 form (Keras, TF1)."""
        denom = np.sqrt(v, out=out)
        denom += eps
        denom /= math.sqrt(c2)  # denom <- (sqrt(v) + eps)/sqrt(c2)
        return denom

    @staticmethod
    def _denominator_eps_root(v: np.ndarray, c2: float, eps: float, eps_root: float, out: np.ndarray) -> np.ndarray:
        """eps_root > 0: out <- sqrt(v/c2 + eps_root) + eps (optax)."""
        under_root = np.divide(v, c2, out=out)  # v_hat
        under_root += eps_root  # v_hat + eps_root
        denom = np.sqrt(under_root, out=out)
        denom += eps  # denom <- sqrt(v/c2 + eps_root) + eps
        return denom

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write lr/denom into ``out``, with denom as the step used it (eps_hat, eps_root, amsgrad).

        Args:
            state: the parameter's state after its most recent step.
            group: the hyperparameters that step used, ``lr`` in the parameter's dtype.
            out: an array like the parameter, overwritten.
        """
        self._denominator(state, group, out=out)
        np.divide(group["lr"], out, out=out)  # lr / denom


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2019): Adam with *decoupled* weight decay.

    Algorithm: first ``theta <- theta * (1 - lr*weight_decay)`` (the base class does it:
    ``decoupled_weight_decay`` is always True here), then exactly Adam's step with the raw
    gradient (no L2 term inside ``m`` and ``v``). With coupled L2 (Adam's weight_decay) the
    decay is divided by sqrt(v_hat) like the gradient, so coordinates with large gradients
    are barely regularised; decoupling makes every weight shrink by the same factor.

    Defaults are Adam's except ``weight_decay=1e-2`` (torch.optim.AdamW); Adam's options
    (eps_hat, eps_root, amsgrad) apply unchanged. Effective learning rate: as Adam's (the
    decay factor is not included).

    The dialects (``AdamW.preset(name, params, **overrides)``), as Adam's with:

    ========  ======  =====  =============  ============  =================================
    preset    lr      eps    eps placed     weight_decay  (library)
    ========  ======  =====  =============  ============  =================================
    pytorch   1e-3    1e-8   sqrt(v_hat)+e  1e-2          torch.optim.AdamW
    keras     1e-3    1e-7   eps_hat        4e-3          keras.optimizers.AdamW
    optax     (none)  1e-8   sqrt(v_hat)+e  1e-4          optax.adamw (no amsgrad)
    ========  ======  =====  =============  ============  =================================

    TF1 has no AdamW (tf.compat.v1.train has AdamOptimizer only; AdamWOptimizer lived in
    tf.contrib, removed in TF 2).

    Reference: Loshchilov & Hutter (2019), "Decoupled weight decay
    regularization", ICLR.
    """

    defaults = {**Adam.defaults, "weight_decay": 1e-2, "decoupled_weight_decay": True}
    coupled_weight_decay = False

    PRESETS = {
        "pytorch": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2},
        "keras": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 4e-3, "eps_hat": True},
        "optax": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-4},
    }
    PRESET_LACKS = {
        "pytorch": {"eps_root": "torch.optim.AdamW has no eps_root"},
        "keras": {"eps_root": "keras.optimizers.AdamW has no eps_root"},
        "optax": {"amsgrad": "optax.adamw has no amsgrad"},
    }

    def check_consistency(self, group: Group) -> None:
        """Adam's checks, and refuse ``decoupled_weight_decay=False``: AdamW's decay is always decoupled.

        Args:
            group: the checked hyperparameters of one group (or the defaults), name -> value.
        """
        super().check_consistency(group)
        if not group["decoupled_weight_decay"]:
            raise ValueError("AdamW's weight decay is always decoupled; use Adam for the L2 penalty")
