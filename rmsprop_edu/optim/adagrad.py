"""Adagrad: per-coordinate step sizes from the sum of all past squared gradients."""

from __future__ import annotations

import numpy as np

from .._validation import check_bool, check_lr, check_nonnegative, check_positive
from ..parameter import Parameter
from .base import Group, Optimizer, State


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), with torch.optim.Adagrad's semantics and defaults.

    Algorithm (one step, element-wise; ``t`` is the step count)::

        g <- -g                              if maximize      (done by the base class)
        g <- g + weight_decay*theta          (L2 penalty, by the base class; or, with decoupled_weight_decay,
                                              theta <- theta*(1 - lr*weight_decay) before the step)
        G <- G + g^2                         sum, starts at initial_accumulator_value (0)
        denom <- sqrt(G) + eps               eps OUTSIDE the root (torch) ...
        denom <- sqrt(G + eps)               ... or inside, if eps_in_sqrt (keras, optax)
        lr_t <- lr / (1 + (t - 1)*lr_decay)  = lr with lr_decay 0 (the default)
        theta <- theta - lr_t * g/denom

    ``G`` only grows (and ``lr_t`` never grows), so each coordinate's effective learning
    rate ``lr_t/denom`` only shrinks; the step itself also depends on the new ``g``. On a
    constant gradient ``g``, with ``G`` starting at 0, eps outside the root and lr_decay 0,
    the effective learning rate at step ``t`` is ``lr / (|g|*sqrt(t) + eps)``. That is
    RMSProp with an infinite window (``rho -> 1`` without the ``1 - rho`` factor).

    Effective learning rate: ``lr_t / denom``, i.e. ``lr_t / (sqrt(G) + eps)`` or
    ``lr_t / sqrt(G + eps)``.

    Args:
        lr: in [0, inf). Default 1e-2.
        lr_decay: in [0, inf). Default 0.
        weight_decay: L2 coefficient, in [0, inf). Default 0.
        initial_accumulator_value: where ``G`` starts, in [0, inf). Default 0.
        eps: in (0, inf) (torch allows 0; here a zero gradient would then give 0/0). Default 1e-10.
        maximize: ascend instead of descend.
        eps_in_sqrt: put eps inside the square root, g/sqrt(G + eps), as Keras, optax
            and d2l write it. Default False (torch).
        decoupled_weight_decay: shrink the weights, theta <- theta*(1 - lr*weight_decay),
            before the step instead of adding weight_decay*theta to the gradient (Keras 3's
            ``weight_decay``). Default False. The shrink uses ``lr``, not ``lr_t``.

    The dialects (``Adagrad.preset(name, params, **overrides)``):

    ========  ======  ========  ===========  ===========  ============  ========
    preset    lr      eps       eps placed   G starts at  weight_decay  lr_decay
    ========  ======  ========  ===========  ===========  ============  ========
    pytorch   1e-2    1e-10     outside      0            L2            yes
    keras     1e-3    1e-7      inside       0.1          decoupled     (none)
    optax     (none)  1e-7      inside       0.1          (none)        (none)
    tf1       (none)  (none)\*  inside       0.1          (none)        (none)
    ========  ======  ========  ===========  ===========  ============  ========

    "(none)": that library has no such setting, and the preset refuses it (optax and
    TF1 also have no default lr, so their presets ask for ``lr=``). \*TF1's
    ``AdagradOptimizer`` has no epsilon at all (``theta <- theta - lr*g*rsqrt(G)``) and
    refuses an initial accumulator <= 0, so ``G > 0`` always; since eps must be > 0 here,
    the tf1 preset puts ``TF1_EPS`` = 1e-44 (near float32's smallest positive number)
    inside the root, where ``G >= initial_accumulator_value`` (0.1) absorbs it exactly:
    ``sqrt(G + 1e-44) == sqrt(G)`` in float32 and float64 (float16 parameters refuse it).
    optax divides by ``sqrt(G + eps)`` only where ``G > 0`` (0 elsewhere, the same step since
    then ``g = 0``). Each row is checked against traces recorded from
    the library (tests/reference/dialects_sgd_family.py).

    Reference: Duchi, Hazan & Singer (2011), "Adaptive subgradient methods for
    online learning and stochastic optimization", JMLR 12.
    """

    defaults = {
        "lr": 1e-2,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
        "maximize": False,
        "eps_in_sqrt": False,
        "decoupled_weight_decay": False,
    }
    checks = {
        "lr": check_lr,
        "lr_decay": check_nonnegative,
        "weight_decay": check_nonnegative,
        "initial_accumulator_value": check_nonnegative,
        "eps": check_positive,
        "maximize": check_bool,
        "eps_in_sqrt": check_bool,
        "decoupled_weight_decay": check_bool,
    }
    state_names = ("sum",)
    squares_gradient = True
    nonnegative_state = ("sum",)

    #: TF1's Adagrad has no epsilon, so its preset puts this tiny float32 number inside the root, where
    #: ``G >= 0.1`` absorbs it (float16 refuses it).
    TF1_EPS = 1e-44
    _NO_LR_DECAY = "Adagrad's lr_decay is torch's alone"
    #: library -> hyperparameters of that library's Adagrad (see the class docstring).
    PRESETS = {
        "pytorch": {"lr": 1e-2, "eps": 1e-10, "initial_accumulator_value": 0.0},
        "keras": {
            "lr": 1e-3,
            "eps": 1e-7,
            "eps_in_sqrt": True,
            "initial_accumulator_value": 0.1,
            "decoupled_weight_decay": True,
        },
        "optax": {"eps": 1e-7, "eps_in_sqrt": True, "initial_accumulator_value": 0.1},
        "tf1": {"eps": TF1_EPS, "eps_in_sqrt": True, "initial_accumulator_value": 0.1},
    }
    PRESET_LACKS = {
        "keras": {"lr_decay": f"keras.optimizers.Adagrad has none ({_NO_LR_DECAY}; use a learning-rate schedule)"},
        "optax": {
            "lr_decay": f"optax.adagrad has none ({_NO_LR_DECAY}; use a schedule as learning_rate)",
            "weight_decay": "optax.adagrad has no weight decay; optax.chain(optax.add_decayed_weights(wd), "
            "optax.adagrad(...)) is L2, Adagrad(params, **Adagrad.PRESETS['optax'], lr=..., weight_decay=wd)",
        },
        "tf1": {
            "lr_decay": f"tf.compat.v1.train.AdagradOptimizer has none ({_NO_LR_DECAY})",
            "weight_decay": "tf.compat.v1.train.AdagradOptimizer has no weight decay (TF1 adds an L2 term "
            "to the loss: Adagrad's own weight_decay outside a preset)",
            "eps": "tf.compat.v1.train.AdagradOptimizer has no epsilon (it divides by sqrt(G), G >= "
            "initial_accumulator_value > 0)",
        },
    }

    def init_state(self, param: Parameter, group: Group) -> State:
        """The sum G, starting at ``initial_accumulator_value`` (Keras, optax, TF1: 0.1).

        Args:
            param: the parameter whose state this is (its ``data`` gives shape and dtype).
            group: the checked hyperparameters of its group.
        """
        return {"sum": np.full_like(param.data, group["initial_accumulator_value"])}

    @staticmethod
    def _lr_t(state: State, group: Group) -> float:
        """lr_t = lr / (1 + (t - 1)*lr_decay): lr itself with lr_decay 0 (the default)."""
        return group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])  # lr_t

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """One step, default path: theta <- theta - lr * g/(sqrt(G) + eps), with G <- G + g^2 (it never forgets).

        eps_in_sqrt changes only ``denom`` (``_denominator``), lr_decay only lr_t (``_lr_t``).
        The same step in plain NumPy, allocating freely: ``adagrad_step`` in
        ``rmsprop_edu.exercises.solutions`` (tests/test_exercises.py proves them equal).

        Args:
            param: the parameter's values (one block of them), updated in place.
            grad: its gradient, with maximize and L2 decay applied; read only.
            state: views of the sum ``sum`` (G), and ``"step"`` (see :meth:`Optimizer.update`).
            group: the hyperparameters, ``lr`` in ``param``'s dtype (maybe an array).
            scratch: one array like ``param``, free to overwrite.
        """
        # Already done by the base class: step count t, g <- -g if maximize, g <- g + wd*theta (L2), or
        # with decoupled_weight_decay theta <- theta*(1 - lr*wd).
        # scratch[0] holds new_sq, then denom, then step: each is dead once the next is written.
        big_g = state["sum"]
        new_sq = np.multiply(grad, grad, out=scratch[0])
        big_g += new_sq  # G <- G + g^2
        denom = self._denominator(big_g, group, out=scratch[0])  # denom <- sqrt(G) + eps (sqrt(G + eps) if eps_in_sqrt)
        step = np.divide(grad, denom, out=scratch[0])
        step *= self._lr_t(state, group)  # lr_t * g/denom
        param -= step  # theta <- theta - lr_t * g/denom

    @staticmethod
    def _denominator(big_g: np.ndarray, group: Group, out: np.ndarray) -> np.ndarray:
        """Write denom into ``out`` and return it: sqrt(G) + eps, or sqrt(G + eps) with eps_in_sqrt."""
        if group["eps_in_sqrt"]:
            big_g_plus_eps = np.add(big_g, group["eps"], out=out)
            return np.sqrt(big_g_plus_eps, out=out)  # denom <- sqrt(G + eps)
        denom = np.sqrt(big_g, out=out)
        denom += group["eps"]  # denom <- sqrt(G) + eps
        return denom

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write lr_t/denom into ``out``: lr_t / (sqrt(G) + eps), or lr_t / sqrt(G + eps).

        Args:
            state: the parameter's state after its most recent step.
            group: the hyperparameters that step used, ``lr`` in the parameter's dtype.
            out: an array like the parameter, overwritten.
        """
        self._denominator(state["sum"], group, out=out)
        np.divide(self._lr_t(state, group), out, out=out)  # lr_t / denom
