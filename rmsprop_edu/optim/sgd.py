"""Stochastic gradient descent, with heavy-ball or Nesterov momentum."""

from __future__ import annotations

import numpy as np

from .._validation import check_bool, check_lr, check_nonnegative, check_range, check_unit_interval
from .base import Group, Optimizer, State


class SGD(Optimizer):
    r"""Gradient descent with optional momentum (torch.optim.SGD semantics).

    Algorithm (one step, element-wise; ``g`` is the gradient)::

        g <- -g                      if maximize      (done by the base class)
        g <- g + weight_decay*theta  (L2 penalty, by the base class; or, with decoupled_weight_decay,
                                      theta <- theta*(1 - lr*weight_decay) before the step)
        theta <- theta - lr*g                       momentum 0 (the default)

        with momentum > 0, lr outside the buffer (torch):
            b <- g                                  when b is new (first step with momentum on) ...
            b <- momentum*b + (1 - dampening)*g     ... afterwards
            direction <- g + momentum*b             if nesterov (direction <- b otherwise)
            theta <- theta - lr*direction

        with momentum > 0 and lr_in_momentum (Keras), lr enters the buffer instead:
            b <- lr*g                               when b is new ...
            b <- momentum*b + (1 - dampening)*lr*g  ... afterwards: g enters scaled by (1 - dampening)*lr
            theta <- theta - (lr*g + momentum*b)    if nesterov (theta <- theta - b otherwise)

    Note where lr enters: torch (and this class) keep lr *outside* the buffer ``b``
    (Sutskever et al. 2013 and Keras put it inside; the two agree while lr is constant,
    and differ as soon as a schedule changes lr: the buffer then remembers old steps
    at their old lr). As in torch, the buffer starts as the first gradient it sees,
    undamped, also when momentum is switched on after some plain steps; switched off,
    it is kept, and resumes if momentum comes back.

    Effective learning rate: ``lr`` everywhere, the multiplier applied to ``g`` or
    ``direction``. With lr_in_momentum it is the scale of each gradient as it enters the
    buffer (times 1 - dampening, after the buffer's first step) and, with nesterov, of
    the step's own lr*g.

    Args:
        lr: step size α, in [0, inf). Default 1e-3 (torch >= 2.2; before, lr was required).
        momentum: μ, in [0, 1). Default 0.
        dampening: in [0, 1]. Default 0. The gradient enters the buffer scaled by
            (1 - dampening), except at the buffer's first step.
        weight_decay: in [0, inf). Default 0. The L2 coefficient, or the decoupled
            decay rate with decoupled_weight_decay.
        nesterov: Nesterov momentum. Needs momentum > 0 (unless nesterov_needs_momentum
            is False) and, whenever momentum > 0, dampening 0.
        maximize: ascend instead of descend.
        decoupled_weight_decay: shrink the weights, theta <- theta*(1 - lr*weight_decay),
            before the step instead of adding weight_decay*theta to the gradient (Keras 3's
            ``weight_decay``). Default False.
        lr_in_momentum: accumulate ``(1 - dampening)*lr*g`` in the buffer and step by it
            (Keras's m <- mu*m - lr*g, theta <- theta + m) instead of accumulating
            ``(1 - dampening)*g`` and stepping by ``lr*b``. Default False (torch).
            Identical while lr is constant.
        nesterov_needs_momentum: refuse nesterov=True with momentum 0, as torch does.
            Default True. False: nesterov with momentum 0 is plain SGD, as Keras, optax
            and TF1 accept it (Keras's own golden test uses ``SGD(nesterov=True)``). It
            lifts only the momentum requirement: with momentum > 0, nesterov still
            needs dampening 0.

    The dialects (``SGD.preset(name, params, **overrides)``):

    ========  ======  ===============  ===============  ===============  =====================
    preset    lr      lr enters        weight_decay     dampening        nesterov, momentum 0
    ========  ======  ===============  ===============  ===============  =====================
    pytorch   1e-3    after buffer     L2               yes              refused
    keras     1e-2    inside buffer    decoupled        (none)           plain SGD
    optax     (none)  after buffer     (none)           (none)           plain SGD
    tf1       (none)  after buffer     (none)           (none)           plain SGD
    ========  ======  ===============  ===============  ===============  =====================

    optax is ``optax.sgd(lr, momentum, nesterov)`` (``trace`` then
    ``scale_by_learning_rate``); tf1 is ``tf.compat.v1.train.GradientDescentOptimizer(lr)``
    for momentum 0 and ``MomentumOptimizer(lr, momentum, use_nesterov=nesterov)``
    otherwise (with momentum 0 the two compute the same). All three start the buffer at
    0, which equals torch's b <- g without dampening. "(none)": that library has no
    such setting, and the preset refuses it. Each row is checked against traces
    recorded from the library (tests/reference/dialects_sgd_family.py).

    References: Polyak (1964), "Some methods of speeding up the convergence of
    iteration methods"; Sutskever, Martens, Dahl, Hinton (2013), "On the
    importance of initialization and momentum in deep learning".
    """

    defaults = {
        "lr": 1e-3,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
        "maximize": False,
        "decoupled_weight_decay": False,
        "lr_in_momentum": False,
        "nesterov_needs_momentum": True,
    }
    checks = {
        "lr": check_lr,
        "momentum": check_unit_interval,
        "dampening": lambda name, value: check_range(name, value, 0.0, 1.0, high_open=False),
        "weight_decay": check_nonnegative,
        "nesterov": check_bool,
        "maximize": check_bool,
        "decoupled_weight_decay": check_bool,
        "lr_in_momentum": check_bool,
        "nesterov_needs_momentum": check_bool,
    }
    state_names = ("momentum_buffer",)
    n_scratch = 2  # lr_in_momentum with nesterov needs lr*g and mu*b at once

    #: library -> hyperparameters of that library's SGD (see the class docstring).
    PRESETS = {
        "pytorch": {"lr": 1e-3},
        "keras": {"lr": 1e-2, "lr_in_momentum": True, "decoupled_weight_decay": True, "nesterov_needs_momentum": False},
        "optax": {"nesterov_needs_momentum": False},
        "tf1": {"nesterov_needs_momentum": False},
    }
    PRESET_LACKS = {
        "keras": {"dampening": "keras.optimizers.SGD has no dampening"},
        "optax": {
            "dampening": "optax.sgd has no dampening",
            "weight_decay": "optax.sgd has no weight decay; optax.chain(optax.add_decayed_weights(wd), "
            "optax.sgd(...)) is L2, SGD(params, **SGD.PRESETS['optax'], lr=..., weight_decay=wd)",
        },
        "tf1": {
            "dampening": "tf.compat.v1.train.MomentumOptimizer has no dampening",
            "weight_decay": "tf.compat.v1.train's GradientDescentOptimizer and MomentumOptimizer have no "
            "weight decay (TF1 adds an L2 term to the loss: SGD's own weight_decay outside a preset)",
        },
    }

    def needed_state(self, group: Group) -> tuple[str, ...]:
        """The momentum buffer b if momentum > 0; plain SGD keeps no state.

        Args:
            group: the checked hyperparameters of the parameter's group.
        """
        return ("momentum_buffer",) if group["momentum"] > 0 else ()

    def check_consistency(self, group: Group) -> None:
        """Nesterov needs momentum > 0 (momentum 0 allowed if nesterov_needs_momentum is off), then dampening 0.

        Args:
            group: the checked hyperparameters of one group (or the defaults), name -> value.
        """
        if not group["nesterov"]:
            return
        if group["momentum"] == 0 and not group["nesterov_needs_momentum"]:
            return  # nesterov without momentum is plain SGD (Keras, optax, TF1)
        if group["momentum"] <= 0 or group["dampening"] != 0:
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening = 0, "
                f"got momentum={group['momentum']} and dampening={group['dampening']}"
            )

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """One step: theta <- theta - lr*g by default; with momentum, the two forms of the class docstring.

        torch's form (``_momentum_direction``): b <- mu*b + (1-dampening)*g (b <- g when new),
        theta <- theta - lr*b (lr*(g + mu*b) with nesterov); Keras's, with lr_in_momentum:
        ``_step_with_lr_in_momentum``. The same step in plain NumPy, allocating freely:
        ``sgd_momentum_step`` in ``rmsprop_edu.exercises.solutions`` (tests/test_exercises.py
        proves them equal).

        Args:
            param: the parameter's values (one block of them), updated in place.
            grad: its gradient, with maximize and L2 decay applied; read only.
            state: views of the momentum buffer ``momentum_buffer`` (when momentum > 0),
                and ``"step"`` (see :meth:`Optimizer.update`).
            group: the hyperparameters, ``lr`` in ``param``'s dtype (maybe an array).
            scratch: 2 arrays like ``param``, free to overwrite.
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2), or
        # with decoupled_weight_decay theta <- theta*(1 - lr*wd).
        if group["momentum"] == 0:  # the default: plain gradient descent
            step = np.multiply(grad, group["lr"], out=scratch[0])
            param -= step  # theta <- theta - lr*g
        elif not group["lr_in_momentum"]:  # torch: lr outside the buffer
            direction = self._momentum_direction(grad, state, group, out=scratch[0])  # b, or g + mu*b (nesterov)
            # scratch[0] is reused: the direction (when it lives there) is not needed after this
            step = np.multiply(direction, group["lr"], out=scratch[0])
            param -= step  # theta <- theta - lr*direction
        else:  # Keras: lr inside the buffer
            self._step_with_lr_in_momentum(param, grad, state, group, out=scratch[0], spare=scratch[1])

    @staticmethod
    def _momentum_direction(grad: np.ndarray, state: State, group: Group, out: np.ndarray) -> np.ndarray:
        """The momentum direction: b, or g + mu*b with nesterov, after updating b.

        b <- mu*b + (1-dampening)*g (b <- g at its first step, as torch). ``out`` holds
        (1-dampening)*g, then g + mu*b.
        """
        b, mu = state["momentum_buffer"], group["momentum"]
        if "momentum_buffer" in state["new_state"]:
            b[...] = grad  # b <- g (torch: buf = clone(g))
        else:
            b *= mu
            new_g = np.multiply(grad, 1.0 - group["dampening"], out=out)
            b += new_g  # b <- mu*b + (1-dampening)*g
        if not group["nesterov"]:
            return b
        look_ahead = np.multiply(b, mu, out=out)
        look_ahead += grad  # g + mu*b
        return look_ahead

    @staticmethod
    def _step_with_lr_in_momentum(
        param: np.ndarray, grad: np.ndarray, state: State, group: Group, out: np.ndarray, spare: np.ndarray
    ) -> None:
        """The step with lr_in_momentum (Keras): lr enters the buffer.

        b <- mu*b + (1-dampening)*lr*g (b <- lr*g when new), then theta <- theta - b, or
        theta <- theta - (lr*g + mu*b) with nesterov.
        """
        b, mu = state["momentum_buffer"], group["momentum"]
        lr_g = np.multiply(grad, group["lr"], out=out)  # lr*g
        if "momentum_buffer" in state["new_state"]:
            b[...] = lr_g  # b <- lr*g (Keras: m <- 0*mu - lr*g)
        elif group["dampening"] == 0:
            b *= mu
            b += lr_g  # b <- mu*b + lr*g
        else:
            b *= mu
            damped_lr_g = np.multiply(lr_g, 1.0 - group["dampening"], out=out)  # (1-dampening)*lr*g
            b += damped_lr_g  # b <- mu*b + (1-dampening)*lr*g
        if not group["nesterov"]:
            param -= b  # theta <- theta - b
            return
        # nesterov with momentum > 0 implies dampening 0 (check_consistency): out still holds lr*g
        look_ahead = np.multiply(b, mu, out=spare)
        look_ahead += lr_g  # lr*g + mu*b
        param -= look_ahead  # theta <- theta - (lr*g + mu*b)

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write lr into ``out``: SGD scales every direction by lr alone.

        Args:
            state: the parameter's state after its most recent step.
            group: the hyperparameters that step used, ``lr`` in the parameter's dtype.
            out: an array like the parameter, overwritten.
        """
        out[...] = group["lr"]
