"""Adadelta: RMSProp whose learning rate is a running RMS of past updates."""

from __future__ import annotations

import numpy as np

from .._validation import check_bool, check_lr, check_nonnegative, check_positive, check_unit_interval
from .base import Group, Optimizer, State


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), with torch.optim.Adadelta's semantics and defaults.

    Algorithm (one step, element-wise)::

        g <- -g                              if maximize      (done by the base class)
        g <- g + weight_decay*theta          (L2 penalty, by the base class; or, with decoupled_weight_decay,
                                              theta <- theta*(1 - lr*weight_decay) before the step)
        v <- rho*v + (1 - rho)*g^2                           square_avg, starts at 0
        r <- sqrt(u + eps) / sqrt(v + eps)                   delta_ratio, eps INSIDE both roots
        dx <- r*g
        u <- rho*u + (1 - rho)*dx^2                          acc_delta, starts at 0
        theta <- theta - lr*dx

    Zeiler's "units" argument: ``r`` has the units of theta divided by the units
    of g, so ``dx`` has the units of theta, as a Newton step does; ``lr`` (1.0 by
    default) is a plain multiplier that the paper does not have.

    Effective learning rate: ``lr * r = lr * RMS[dx]_{t-1} / RMS[g]_t``, stored
    as ``delta_ratio`` because ``u`` has moved on by the time anyone asks.

    Args:
        lr: in [0, inf). Default 1.0.
        rho: decay of both averages, in [0, 1). Default 0.9.
        eps: in (0, inf) (torch allows 0; here a zero gradient would then give 0/0). Default 1e-6.
        weight_decay: in [0, inf). Default 0. The L2 coefficient, or the decoupled
            decay rate with decoupled_weight_decay.
        maximize: ascend instead of descend.
        decoupled_weight_decay: shrink the weights, theta <- theta*(1 - lr*weight_decay),
            before the step instead of adding weight_decay*theta to the gradient (Keras 3's
            ``weight_decay``). Default False.

    The dialects (``Adadelta.preset(name, params, **overrides)``):

    ========  ======  =====  ======  ============
    preset    lr      rho    eps     weight_decay
    ========  ======  =====  ======  ============
    pytorch   1.0     0.9    1e-6    L2
    keras     1e-3    0.95   1e-7    decoupled
    optax     (none)  0.9    1e-6    L2
    tf1       1e-3    0.95   1e-8    (none)
    ========  ======  =====  ======  ============

    All four put eps inside both roots, as here. optax's ``weight_decay`` is
    ``add_decayed_weights`` before ``scale_by_adadelta``: L2, as torch. optax's
    learning_rate defaults to None, which skips ``scale_by_learning_rate`` and with it
    the sign flip (``optax.adadelta()`` then climbs the loss), so the optax preset asks
    for ``lr=``. "(none)": TF1's AdadeltaOptimizer has no weight decay; the preset
    refuses it. Each row is checked against traces recorded from the library
    (tests/reference/dialects_sgd_family.py).

    Reference: Zeiler (2012), "ADADELTA: an adaptive learning rate method",
    arXiv:1212.5701.
    """

    defaults = {
        "lr": 1.0,
        "rho": 0.9,
        "eps": 1e-6,
        "weight_decay": 0.0,
        "maximize": False,
        "decoupled_weight_decay": False,
    }
    checks = {
        "lr": check_lr,
        "rho": check_unit_interval,
        "eps": check_positive,
        "weight_decay": check_nonnegative,
        "maximize": check_bool,
        "decoupled_weight_decay": check_bool,
    }
    state_names = ("square_avg", "acc_delta", "delta_ratio")
    squares_gradient = True
    nonnegative_state = ("square_avg", "acc_delta")
    n_scratch = 2

    #: library -> hyperparameters of that library's Adadelta (see the class docstring).
    PRESETS = {
        "pytorch": {"lr": 1.0, "rho": 0.9, "eps": 1e-6},
        "keras": {"lr": 1e-3, "rho": 0.95, "eps": 1e-7, "decoupled_weight_decay": True},
        "optax": {"rho": 0.9, "eps": 1e-6},
        "tf1": {"lr": 1e-3, "rho": 0.95, "eps": 1e-8},
    }
    PRESET_LACKS = {
        "tf1": {
            "weight_decay": "tf.compat.v1.train.AdadeltaOptimizer has no weight decay (TF1 adds an L2 term "
            "to the loss: Adadelta's own weight_decay outside a preset)",
        },
    }

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """One step: theta <- theta - lr*dx, dx = sqrt(u + eps)/sqrt(v + eps) * g: the step's own RMS over g's.

        Args:
            param: the parameter's values (one block of them), updated in place.
            grad: its gradient, with maximize and L2 decay applied; read only.
            state: views of ``square_avg``, ``acc_delta`` and ``delta_ratio``,
                and ``"step"`` (see :meth:`Optimizer.update`).
            group: the hyperparameters, ``lr`` in ``param``'s dtype (maybe an array).
            scratch: 2 arrays like ``param``, free to overwrite.
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2), or
        # with decoupled_weight_decay theta <- theta*(1 - lr*wd).
        # scratch[0] holds new_sq, then rms_g, then dx, then step: each is dead once the next is written;
        # state["delta_ratio"] holds rms_dx until it becomes r.
        rho, eps = group["rho"], group["eps"]
        v, u = state["square_avg"], state["acc_delta"]
        new_sq = np.multiply(grad, grad, out=scratch[0])
        new_sq *= 1.0 - rho
        v *= rho
        v += new_sq  # v <- rho*v + (1-rho)*g^2
        rms_dx = np.add(u, eps, out=state["delta_ratio"])
        np.sqrt(rms_dx, out=rms_dx)  # sqrt(u + eps)
        rms_g = np.add(v, eps, out=scratch[0])
        np.sqrt(rms_g, out=rms_g)  # sqrt(v + eps)
        ratio = np.divide(rms_dx, rms_g, out=rms_dx)  # r <- sqrt(u + eps) / sqrt(v + eps)
        dx = np.multiply(ratio, grad, out=scratch[0])  # dx <- r*g
        new_dx_sq = np.multiply(dx, dx, out=scratch[1])
        new_dx_sq *= 1.0 - rho
        u *= rho
        u += new_dx_sq  # u <- rho*u + (1-rho)*dx^2
        step = np.multiply(dx, group["lr"], out=dx)  # lr*dx
        param -= step  # theta <- theta - lr*dx

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write lr * r into ``out``, with r = RMS[dx]_{t-1} / RMS[g]_t as the step stored it.

        Args:
            state: the parameter's state after its most recent step.
            group: the hyperparameters that step used, ``lr`` in the parameter's dtype.
            out: an array like the parameter, overwritten.
        """
        np.multiply(state["delta_ratio"], group["lr"], out=out)  # lr * r
