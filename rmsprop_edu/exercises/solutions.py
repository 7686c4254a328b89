"""Reference solutions to the exercises, written the way a student would (no peeking first!)."""

from __future__ import annotations

import numpy as np


def sgd_momentum_step(theta, grad, velocity, t, lr, momentum):
    velocity = grad.copy() if t == 1 else momentum * velocity + grad
    return theta - lr * velocity, velocity


def adagrad_step(theta, grad, sum_sq, lr, eps):
    sum_sq = sum_sq + grad**2
    return theta - lr * grad / (np.sqrt(sum_sq) + eps), sum_sq


def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
    square_avg = rho * square_avg + (1 - rho) * grad**2
    return theta - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta = theta * (1 - lr * weight_decay)
    return adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)
