"""RMSProp: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_bool, check_lr, check_nonnegative, check_positive, check_unit_interval
from ..parameter import Parameter
from .base import Group, Optimizer, State


class RMSProp(Optimizer):
    r"""RMSProp (Tieleman & Hinton, 2012), with torch.optim.RMSprop's semantics and defaults.

    Algorithm (one step, element-wise; ``g`` is the gradient, ``t`` the step count)::

        g <- -g                              if maximize      (done by the base class)
        g <- g + weight_decay*theta          (L2 penalty, by the base class; or, with
                                              decoupled_weight_decay, theta <- theta*(1 - lr*wd))
        v <- rho*v + (1 - rho)*g^2           square_avg, starts at initial_square_avg (0)
        gbar <- rho*gbar + (1 - rho)*g       grad_avg, starts at 0; only if centered
        c <- 1 - rho^t                       if bias_correction (optax's option), else c <- 1
        v_hat <- v/c ;  gbar_hat <- gbar/c
        s <- v_hat                           (s <- v_hat - gbar_hat^2 if centered)
        denom <- sqrt(s) + eps               eps OUTSIDE the root (torch) ...
        denom <- sqrt(s + eps)               ... or inside, if eps_in_sqrt (keras, optax, tf1)
        theta <- theta - lr*g/denom          momentum 0 (the default); with momentum > 0:
            b <- momentum*b + g/denom        b starts at 0 (torch); lr outside the buffer (torch) ...
            b <- momentum*b + lr*g/denom     ... or inside, if lr_in_momentum (keras, tf1, optax)
            theta <- theta - lr*b            (theta <- theta - b if lr_in_momentum)

    Without bias_correction (the default) ``c = 1``, so ``s`` is ``v`` itself (``v - gbar^2`` if
    centered). The code keeps ``c*s`` (``= v``, or ``v - gbar^2/c`` if centered) and takes
    ``sqrt(s)`` as ``sqrt(c*s)/sqrt(c)`` and ``s`` as ``(c*s)/c``, the way Adam takes
    ``sqrt(v)/sqrt(c2)``: the same number up to rounding, and Adam's bits exactly when
    ``beta1 = 0``. Centred and bias-corrected, this is optax's ``scale_by_stddev``: the mean
    is corrected before it is squared. Beware its first step: one gradient has no spread,
    so ``s = 0`` and ``denom`` is ``eps`` (``sqrt(eps)`` with eps_in_sqrt), a step of ``lr*g/eps``.
    Rounding can leave ``c*s`` a hair below 0 (whose square root torch leaves NaN): it is
    clamped at 0.

    Effective learning rate: ``lr / denom``, i.e. ``lr / (sqrt(s) + eps)`` or
    ``lr / sqrt(s + eps)``, with ``s`` as above. With momentum it is the scale applied
    to each new gradient as it enters the buffer, not the size of the step.

    Notation: the decay ``rho`` is torch's ``alpha``, optax's ``decay``, Keras's
    ``rho`` and TF1's ``decay``; we avoid ``alpha`` because papers use it for the
    learning rate.

    Args:
        lr: step size, in [0, inf). Default 1e-2 (torch).
        rho: decay of the squared-gradient average, in [0, 1). Default 0.99. The
            average forgets with time constant 1/(1 - rho) steps (100) and
            half-life ln(0.5)/ln(rho) steps (about 69).
        eps: in (0, inf), added to the root (or inside it); torch allows 0, which turns a zero
            gradient into 0/0. Default 1e-8.
        weight_decay: in [0, inf). Default 0. The L2 coefficient, or the decoupled
            decay rate with decoupled_weight_decay.
        momentum: in [0, 1). Default 0. The buffer b starts at 0, as torch's.
        centered: divide by an estimate of the gradient's standard deviation,
            sqrt(v_hat - gbar_hat^2), instead of its root mean square (Graves, 2013).
        maximize: ascend instead of descend.
        bias_correction: divide the averages by c = 1 - rho^t, as Adam does
            (optax's option; default False). With it, RMSProp equals Adam with
            beta1 = 0.
        eps_in_sqrt: put eps inside the square root. Default False (torch).
        initial_square_avg: the value ``v`` starts from, in [0, inf). Default 0
            (TF1 starts from 1).
        lr_in_momentum: accumulate ``lr*g/denom`` in the momentum buffer instead of
            ``g/denom``. Default False (torch). Identical while lr is constant;
            different as soon as a schedule changes lr.
        decoupled_weight_decay: shrink the weights, theta <- theta*(1 - lr*weight_decay),
            before the step instead of adding weight_decay*theta to the gradient (Keras 3's
            ``weight_decay``, AdamW-style). Default False.

    The dialects (``RMSProp.preset(name, params, **overrides)``):

    ========  ======  =====  ======  ===========  =================  ================  ============
    preset    lr      rho    eps     eps placed   v starts at        lr enters         weight_decay
    ========  ======  =====  ======  ===========  =================  ================  ============
    pytorch   1e-2    0.99   1e-8    outside      0                  after buffer      L2
    keras     1e-3    0.9    1e-7    inside       0                  inside buffer     decoupled
    optax     (none)  0.9    1e-8    inside       0 (initial_scale)  inside buffer     (none)
    tf1       (none)  0.9    1e-10   inside       1                  inside buffer     (none)
    hinton    (none)  0.9    1e-8\*  outside      0                  after buffer\*\*  L2
    ========  ======  =====  ======  ===========  =================  ================  ============

    Every library row (all but hinton) is checked against traces recorded from that
    library (torch.optim for pytorch, tests/test_reference_traces.py; optax 0.2.8,
    Keras 3.15 and TensorFlow 2.21's tf.compat.v1 optimizer for the others,
    tests/test_dialect_traces.py).
    In the keras preset ``weight_decay`` is Keras's own (decoupled, applied before the
    step with the step's lr); optax.rmsprop and TF1's RMSPropOptimizer have no weight
    decay, so those presets refuse it (add it outside a preset: L2, as
    ``optax.chain(optax.add_decayed_weights(wd), optax.rmsprop(...))`` does).

    "(none)": that library has no default learning rate, so the preset asks for
    ``lr=``. The hinton row is the lecture's plain rmsprop: momentum 0 by default.
    \*The lecture gives no epsilon; 1e-8 outside the root is added here only so that
    a zero gradient gives a zero step instead of 0/0. \*\*The lecture mentions
    combining rmsprop with momentum without writing the update; ``momentum=`` in the
    hinton preset uses torch's form (lr after the buffer).

    References: Tieleman & Hinton (2012), Lecture 6e, "rmsprop: Divide the gradient
    by a running average of its recent magnitude", Coursera: Neural Networks for
    Machine Learning, Lecture 6 (often cited as "Lecture 6.5"); Graves (2013),
    "Generating sequences with recurrent neural networks" (centred variant).
    """

    defaults = {
        "lr": 1e-2,
        "rho": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
        "maximize": False,
        "bias_correction": False,
        "eps_in_sqrt": False,
        "initial_square_avg": 0.0,
        "lr_in_momentum": False,
        "decoupled_weight_decay": False,
    }
    checks = {
        "lr": check_lr,
        "rho": check_unit_interval,
        "eps": check_positive,
        "weight_decay": check_nonnegative,
        "momentum": check_unit_interval,
        "centered": check_bool,
        "maximize": check_bool,
        "bias_correction": check_bool,
        "eps_in_sqrt": check_bool,
        "initial_square_avg": check_nonnegative,
        "lr_in_momentum": check_bool,
        "decoupled_weight_decay": check_bool,
    }
    state_names = ("square_avg", "grad_avg", "momentum_buffer")
    squares_gradient = True
    nonnegative_state = ("square_avg",)

    #: library -> hyperparameters of that library's RMSProp (see the class docstring).
    PRESETS = {
        "pytorch": {"lr": 1e-2, "rho": 0.99, "eps": 1e-8},
        "keras": {
            "lr": 1e-3,
            "rho": 0.9,
            "eps": 1e-7,
            "eps_in_sqrt": True,
            "lr_in_momentum": True,
            "decoupled_weight_decay": True,
        },
        # optax.rmsprop chains scale_by_rms -> scale_by_learning_rate -> trace: lr enters the buffer
        "optax": {"rho": 0.9, "eps": 1e-8, "eps_in_sqrt": True, "lr_in_momentum": True},
        "tf1": {"rho": 0.9, "eps": 1e-10, "eps_in_sqrt": True, "initial_square_avg": 1.0, "lr_in_momentum": True},
        "hinton": {"rho": 0.9, "eps": 1e-8},
    }
    PRESET_LACKS = {
        "optax": {
            "weight_decay": "optax.rmsprop has no weight decay; optax.chain(optax.add_decayed_weights(wd), "
            "optax.rmsprop(...)) is L2, RMSProp(params, **RMSProp.PRESETS['optax'], lr=..., weight_decay=wd)",
        },
        "tf1": {
            "weight_decay": "tf.compat.v1.train.RMSPropOptimizer has no weight decay (TF1 adds an L2 term "
            "to the loss: RMSProp's own weight_decay outside a preset)",
        },
    }

    def needed_state(self, group: Group) -> tuple[str, ...]:
        """The state these settings use: v, plus gbar if centered and the momentum buffer if momentum > 0.

        Args:
            group: the checked hyperparameters of the parameter's group.
        """
        return ("square_avg",) + ("grad_avg",) * group["centered"] + ("momentum_buffer",) * (group["momentum"] > 0)

    def init_state(self, param: Parameter, group: Group) -> State:
        """Zeros for each needed array, except v, which starts at ``initial_square_avg`` (TF1: 1).

        Args:
            param: the parameter whose state this is (its ``data`` gives shape and dtype).
            group: the checked hyperparameters of its group.
        """
        state = super().init_state(param, group)
        state["square_avg"].fill(group["initial_square_avg"])  # v_0
        return state

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """One step, default path: theta <- theta - lr*g/(sqrt(v) + eps), with v <- rho*v + (1-rho)*g^2.

        The options change only ``denom`` (centered, bias_correction, eps_in_sqrt:
        ``_denominator``) and the last line (momentum, lr_in_momentum: ``_step_with_momentum``).
        The same step in plain NumPy, allocating freely: ``rmsprop_step`` in
        ``rmsprop_edu.exercises.solutions`` (tests/test_exercises.py proves them equal).

        Args:
            param: the parameter's values (one block of them), updated in place.
            grad: its gradient, with maximize and L2 decay applied; read only.
            state: views of ``square_avg`` (v), plus ``grad_avg`` (gbar) if centered and
                ``momentum_buffer`` if momentum > 0, and ``"step"`` (see :meth:`Optimizer.update`).
            group: the hyperparameters, ``lr`` in ``param``'s dtype (maybe an array).
            scratch: one array like ``param``, free to overwrite.
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2), or
        # with decoupled_weight_decay theta <- theta*(1 - lr*wd).
        # scratch[0] holds new_sq, then denom, then direction, then step: each is dead once the next is written.
        rho, lr, v = group["rho"], group["lr"], state["square_avg"]
        new_sq = np.multiply(grad, grad, out=scratch[0])
        new_sq *= 1.0 - rho
        v *= rho
        v += new_sq  # v <- rho*v + (1-rho)*g^2
        if group["centered"]:
            self._update_grad_avg(state, grad, rho, out=scratch[0])  # gbar <- rho*gbar + (1-rho)*g
        denom = self._denominator(state, group, out=scratch[0])  # denom <- sqrt(s) + eps, s = v by default
        direction = np.divide(grad, denom, out=scratch[0])  # g/denom
        if group["momentum"] > 0:
            self._step_with_momentum(param, direction, state, group)
            return
        step = np.multiply(direction, lr, out=scratch[0])
        param -= step  # theta <- theta - lr*g/denom

    # The options, each in its own helper.
    @staticmethod
    def _update_grad_avg(state: State, grad: np.ndarray, rho: float, out: np.ndarray) -> None:
        """centered: gbar <- rho*gbar + (1-rho)*g, the running mean that _denominator subtracts."""
        gbar = state["grad_avg"]
        gbar *= rho
        new_g = np.multiply(grad, 1.0 - rho, out=out)
        gbar += new_g  # gbar <- rho*gbar + (1-rho)*g

    @staticmethod
    def _step_with_momentum(param: np.ndarray, direction: np.ndarray, state: State, group: Group) -> None:
        """With momentum > 0: b <- mu*b + g/denom, theta <- theta - lr*b (torch).

        With lr_in_momentum: b <- mu*b + lr*g/denom, theta <- theta - b (keras, tf1, optax).
        ``direction`` is g/denom (a scratch array, overwritten here); b starts at 0.
        """
        b, lr = state["momentum_buffer"], group["lr"]
        b *= group["momentum"]
        if group["lr_in_momentum"]:
            lr_direction = np.multiply(direction, lr, out=direction)  # lr*g/denom
            b += lr_direction  # b <- mu*b + lr*g/denom
            param -= b  # theta <- theta - b
            return
        b += direction  # b <- mu*b + g/denom
        step = np.multiply(b, lr, out=direction)
        param -= step  # theta <- theta - lr*b

    def _denominator(self, state: State, group: Group, out: np.ndarray) -> np.ndarray:
        """Write denom into ``out`` and return it: sqrt(s) + eps, or sqrt(s + eps) with eps_in_sqrt.

        s = v_hat (v_hat - gbar_hat^2 if centered), v_hat = v/c, gbar_hat = gbar/c, with
        c = 1 - rho^t under bias_correction and c = 1 otherwise. What is computed is
        ``c_times_s`` = c*s = v (v - gbar^2/c if centered), then sqrt(s) = sqrt(c*s)/sqrt(c),
        as Adam writes sqrt(v)/sqrt(c2), so that RMSProp with bias_correction equals Adam
        with beta1 = 0 to the last bit.
        """
        c = 1.0 - group["rho"] ** state["step"] if group["bias_correction"] else 1.0
        c_times_s = self._centered_c_times_s(state, c, out) if group["centered"] else state["square_avg"]
        if group["eps_in_sqrt"]:
            return self._denominator_eps_in_sqrt(c_times_s, c, group["eps"], out)
        denom = np.sqrt(c_times_s, out=out)  # sqrt(c*s)
        if c != 1.0:
            denom /= math.sqrt(c)  # sqrt(s) = sqrt(c*s)/sqrt(c)
        denom += group["eps"]  # denom <- sqrt(s) + eps
        return denom

    @staticmethod
    def _centered_c_times_s(state: State, c: float, out: np.ndarray) -> np.ndarray:
        """centered: write c*s = v - gbar^2/c into ``out`` and return it (s = v_hat - gbar_hat^2)."""
        gbar = state["grad_avg"]
        c_gbar_hat_sq = np.multiply(gbar, gbar, out=out)  # gbar^2, which is c*gbar_hat^2 when c = 1
        if c != 1.0:
            c_gbar_hat_sq /= c  # c*gbar_hat^2 = gbar^2/c
        c_times_s = np.subtract(state["square_avg"], c_gbar_hat_sq, out=out)  # c*s = v - c*gbar_hat^2
        # a variance is >= 0, but rounding can leave it a hair below (torch then takes sqrt: NaN)
        return np.maximum(c_times_s, 0.0, out=out)

    @staticmethod
    def _denominator_eps_in_sqrt(c_times_s: np.ndarray, c: float, eps: float, out: np.ndarray) -> np.ndarray:
        """eps_in_sqrt (keras, optax, tf1): write denom = sqrt(s + eps) into ``out`` and return it."""
        s = np.divide(c_times_s, c, out=out) if c != 1.0 else c_times_s  # s = (c*s)/c
        s_plus_eps = np.add(s, eps, out=out)
        return np.sqrt(s_plus_eps, out=out)  # denom <- sqrt(s + eps)

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write lr/denom into ``out``: lr / (sqrt(s) + eps), or lr / sqrt(s + eps) (s as in _denominator).

        Args:
            state: the parameter's state after its most recent step.
            group: the hyperparameters that step used, ``lr`` in the parameter's dtype.
            out: an array like the parameter, overwritten.
        """
        self._denominator(state, group, out=out)
        np.divide(group["lr"], out, out=out)  # lr / denom
