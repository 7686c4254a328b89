"""Reference solutions to the exercises in ``templates``, written the way a student would.

Try the exercises first! Each function returns new arrays; updating in place
(``v *= rho; v += (1 - rho) * grad**2``) is just as correct.
"""

from __future__ import annotations

import numpy as np


def sgd_momentum_step(theta, grad, velocity, lr, momentum):
    """SGD with heavy-ball momentum: velocity <- momentum*velocity + grad, theta <- theta - lr*velocity."""
    velocity = momentum * velocity + grad  # = grad at the first step, since velocity starts at 0
    theta = theta - lr * velocity
    return theta, velocity


def adagrad_step(theta, grad, sum_sq, lr, eps):
    """Adagrad: sum_sq <- sum_sq + grad^2, theta <- theta - lr * grad / (sqrt(sum_sq) + eps)."""
    sum_sq = sum_sq + grad**2
    theta = theta - lr * grad / (np.sqrt(sum_sq) + eps)
    return theta, sum_sq


def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
    """RMSProp: square_avg <- rho*square_avg + (1 - rho)*grad^2, theta <- theta - lr*grad/(sqrt(square_avg) + eps)."""
    square_avg = rho * square_avg + (1 - rho) * grad**2
    theta = theta - lr * grad / (np.sqrt(square_avg) + eps)
    return theta, square_avg


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    """Adam: both averages, their bias corrections, then theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v


def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    """AdamW: theta <- theta * (1 - lr*weight_decay) first, then Adam's step with the raw gradient."""
    theta = theta * (1 - lr * weight_decay)  # decoupled: the decay never enters m or v
    return adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)
