"""The exercises: write each update rule yourself, then check it.

    from rmsprop_edu.exercises import check

    def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
        ...                                     # your update
        return theta, square_avg

    check("rmsprop", rmsprop_step)              # says "Correct", or names the mistake

Every function takes the parameters ``theta``, the gradient ``grad`` and the
optimizer's state arrays (all NumPy arrays of the same shape), then, for Adam and
AdamW, the step count ``t`` (1 at the first step), then the hyperparameters as
plain floats. It returns the new ``theta`` and the new state as a tuple, in the
order of the signature. The state starts at zeros. Updating the arrays in place
(``v *= rho``) or returning new ones (``v = rho*v + ...``) are both fine: the
checker passes copies and reads what you return.

The semantics are torch.optim's (see the docstrings in ``rmsprop_edu.optim``).
Reference solutions are in ``rmsprop_edu.exercises.solutions``: try first!
"""

from __future__ import annotations

import numpy as np


def _not_written(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"{name} is not written yet: write your own function with this signature "
        "(its docstring has the maths) and check it with rmsprop_edu.exercises.check"
    )


def sgd_momentum_step(
    theta: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, momentum: float
) -> tuple[np.ndarray, np.ndarray]:
    """SGD with heavy-ball momentum, as torch.optim.SGD(lr=lr, momentum=momentum).

    The update::

        velocity <- momentum*velocity + grad
        theta    <- theta - lr*velocity

    torch sets velocity = grad at the first step; since velocity starts at zeros,
    the formula above does exactly that. Note that lr stays *outside* the velocity.

    Args:
        theta: the parameters, a 1-D array.
        grad: the gradient at theta, shaped like theta.
        velocity: the momentum buffer, shaped like theta (zeros before the first step).
        lr: the learning rate.
        momentum: the decay of the velocity, in [0, 1).

    Returns:
        (theta, velocity)
    """
    raise _not_written("sgd_momentum_step")


def adagrad_step(
    theta: np.ndarray, grad: np.ndarray, sum_sq: np.ndarray, lr: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Adagrad, as torch.optim.Adagrad(lr=lr, eps=eps).

    The update::

        sum_sq <- sum_sq + grad^2                        the plain sum of every squared gradient
        theta  <- theta - lr * grad / (sqrt(sum_sq) + eps)       eps OUTSIDE the root

    Args:
        theta: the parameters, a 1-D array.
        grad: the gradient at theta, shaped like theta.
        sum_sq: the sum of every squared gradient so far, shaped like theta (zeros before the first step).
        lr: the learning rate.
        eps: added to sqrt(sum_sq), outside the root, so the division never is by zero.

    Returns:
        (theta, sum_sq)
    """
    raise _not_written("adagrad_step")


def rmsprop_step(
    theta: np.ndarray, grad: np.ndarray, square_avg: np.ndarray, lr: float, rho: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """RMSProp, as torch.optim.RMSprop(lr=lr, alpha=rho, eps=eps).

    The update::

        square_avg <- rho*square_avg + (1 - rho)*grad^2     a decaying average of squared gradients
        theta      <- theta - lr * grad / (sqrt(square_avg) + eps)      eps OUTSIDE the root

    Args:
        theta: the parameters, a 1-D array.
        grad: the gradient at theta, shaped like theta.
        square_avg: the decaying average of squared gradients, shaped like theta (zeros before
            the first step).
        lr: the learning rate.
        rho: the decay of square_avg, in [0, 1) (torch's ``alpha``).
        eps: added to sqrt(square_avg), outside the root, so the division never is by zero.

    Returns:
        (theta, square_avg)
    """
    raise _not_written("rmsprop_step")


def adam_step(
    theta: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam, as torch.optim.Adam(lr=lr, betas=(beta1, beta2), eps=eps).

    The update (t is 1 at the first step)::

        m     <- beta1*m + (1 - beta1)*grad               average of the gradient
        v     <- beta2*v + (1 - beta2)*grad^2             average of its square
        m_hat =  m / (1 - beta1^t)                        bias corrections: m and v start at 0
        v_hat =  v / (1 - beta2^t)
        theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)     eps OUTSIDE the root

    Return m and v, not m_hat and v_hat.

    Args:
        theta: the parameters, a 1-D array.
        grad: the gradient at theta, shaped like theta.
        m: the average of the gradient, shaped like theta (zeros before the first step).
        v: the average of the squared gradient, shaped like theta (zeros before the first step).
        t: the step count, 1 at the first step.
        lr: the learning rate.
        beta1: the decay of m, in [0, 1).
        beta2: the decay of v, in [0, 1).
        eps: added to sqrt(v_hat), outside the root.

    Returns:
        (theta, m, v)
    """
    raise _not_written("adam_step")


def adamw_step(
    theta: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AdamW, as torch.optim.AdamW(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay).

    The update::

        theta <- theta * (1 - lr*weight_decay)          decoupled decay, first
        then Adam's step (adam_step) with the raw gradient: the decay never enters m or v

    Args:
        theta: the parameters, a 1-D array.
        grad: the gradient at theta (without decay), shaped like theta.
        m: the average of the gradient, shaped like theta (zeros before the first step).
        v: the average of the squared gradient, shaped like theta (zeros before the first step).
        t: the step count, 1 at the first step.
        lr: the learning rate; it also scales the decay.
        beta1: the decay of m, in [0, 1).
        beta2: the decay of v, in [0, 1).
        eps: added to sqrt(v_hat), outside the root.
        weight_decay: the decoupled decay coefficient: theta shrinks by the factor 1 - lr*weight_decay.

    Returns:
        (theta, m, v)
    """
    raise _not_written("adamw_step")
