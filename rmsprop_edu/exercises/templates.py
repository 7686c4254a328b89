"""Write these yourself, then check them: ``check("rmsprop", rmsprop_step)``.

Each function receives the current parameters ``theta``, the gradient ``grad``,
the optimizer's state, the step count ``t`` (1 at the first step) where needed and
the hyperparameters, and returns the new ``theta`` and the new state, in the order
of the signature. NumPy arrays in, NumPy arrays out; updating in place is fine.
"""

from __future__ import annotations

import numpy as np


def _todo(name: str) -> NotImplementedError:
    return NotImplementedError(f"{name} is not written yet: replace the `raise` with your update")


def sgd_momentum_step(theta: np.ndarray, grad: np.ndarray, velocity: np.ndarray, t: int, lr: float, momentum: float):
    """SGD with heavy-ball momentum (torch's convention):
    velocity <- grad at the first step (t == 1), momentum*velocity + grad afterwards;
    theta <- theta - lr*velocity. Return (theta, velocity)."""
    raise _todo("sgd_momentum_step")


def adagrad_step(theta: np.ndarray, grad: np.ndarray, sum_sq: np.ndarray, lr: float, eps: float):
    """Adagrad: sum_sq <- sum_sq + grad^2; theta <- theta - lr*grad/(sqrt(sum_sq) + eps).
    Return (theta, sum_sq)."""
    raise _todo("adagrad_step")


def rmsprop_step(theta: np.ndarray, grad: np.ndarray, square_avg: np.ndarray, lr: float, rho: float, eps: float):
    """RMSProp: square_avg <- rho*square_avg + (1 - rho)*grad^2;
    theta <- theta - lr*grad/(sqrt(square_avg) + eps). Return (theta, square_avg)."""
    raise _todo("rmsprop_step")


def adam_step(theta, grad, m, v, t: int, lr: float, beta1: float, beta2: float, eps: float):
    """Adam: m <- beta1*m + (1 - beta1)*grad; v <- beta2*v + (1 - beta2)*grad^2;
    m_hat = m/(1 - beta1^t); v_hat = v/(1 - beta2^t); theta <- theta - lr*m_hat/(sqrt(v_hat) + eps).
    Return (theta, m, v)."""
    raise _todo("adam_step")


def adamw_step(theta, grad, m, v, t: int, lr: float, beta1: float, beta2: float, eps: float, weight_decay: float):
    """AdamW: first theta <- theta*(1 - lr*weight_decay) (decoupled decay), then Adam's step
    with the raw gradient. Return (theta, m, v)."""
    raise _todo("adamw_step")
