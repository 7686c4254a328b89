"""Equivalences between optimizers, and the closed forms the notebooks plot."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adagrad, Adam, AdamW, RMSProp


def run(opt_cls, gradients, theta0, **hyper):
    """Feed a fixed gradient stream; return the trajectory and the effective lrs."""
    p = Parameter(np.array(theta0, dtype=np.float64))
    opt = opt_cls([p], **hyper)
    points, rates = [p.data.copy()], []
    for g in gradients:
        p.grad = np.array(g, dtype=np.float64)
        opt.step()
        points.append(p.data.copy())
        rates.append(opt.effective_lr(p))
    return np.array(points), np.array(rates)


def feedback_run(opt_cls, steps, **hyper):
    """Gradients from the parameters themselves (a quadratic), so differences compound."""
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 3.0, size=(4, 3))
    p = Parameter(rng.normal(size=(4, 3)))
    opt = opt_cls([p], **hyper)
    points = [p.data.copy()]
    for t in range(steps):
        p.grad = a * p.data + 0.1 * np.sin(t + a)
        opt.step()
        points.append(p.data.copy())
    return np.array(points)


def test_adam_without_momentum_is_bias_corrected_rmsprop():
    # Adam(betas=(0, b2)) == RMSProp(rho=b2, bias_correction=True), bit for bit.
    adam = feedback_run(Adam, 100, lr=0.01, betas=(0.0, 0.95), eps=1e-6)
    rmsprop = feedback_run(RMSProp, 100, lr=0.01, rho=0.95, eps=1e-6, bias_correction=True)
    np.testing.assert_array_equal(adam, rmsprop)
    # ...and bias correction really changes things: without it the runs differ.
    plain = feedback_run(RMSProp, 100, lr=0.01, rho=0.95, eps=1e-6)
    assert np.abs(plain - adam).max() > 1e-3


def test_adamw_decay_is_not_divided_by_sqrt_v_hat_while_adam_l2_decay_is():
    # One step by hand (t = 1) on two weights of equal size whose gradients differ 1000-fold.
    theta0, g = np.array([1.0, 1.0]), np.array([0.01, 10.0])
    lr, wd, (beta1, beta2), eps = 0.01, 0.1, (0.9, 0.999), 1e-8

    def first_adam_direction(grad):
        m, v = (1 - beta1) * grad, (1 - beta2) * grad**2  # both averages start at 0
        m_hat, v_hat = m / (1 - beta1), v / (1 - beta2)
        return m_hat / (np.sqrt(v_hat) + eps), np.sqrt(v_hat) + eps

    # AdamW: theta*(1 - lr*wd) - lr*m_hat/(sqrt(v_hat) + eps), m and v from the raw gradient
    direction, _ = first_adam_direction(g)
    adamw_by_hand = theta0 * (1 - lr * wd) - lr * direction
    # Adam + L2: the decay joins the gradient, g' = g + wd*theta, so it is divided by sqrt(v_hat) too
    g_l2 = g + wd * theta0
    direction_l2, denom_l2 = first_adam_direction(g_l2)
    adam_l2_by_hand = theta0 - lr * direction_l2

    results = {}
    for cls in (AdamW, Adam):
        p = Parameter(theta0.copy())
        opt = cls([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)
        p.grad = g.copy()
        opt.step()
        results[cls] = p.data
    np.testing.assert_allclose(results[AdamW], adamw_by_hand, rtol=1e-14, atol=0)
    np.testing.assert_allclose(results[Adam], adam_l2_by_hand, rtol=1e-14, atol=0)

    # The decay's share of each step, measured. AdamW: lr*wd*theta = 1e-3 on both weights, whatever the gradient.
    adamw_decay = (theta0 - lr * direction) - results[AdamW]
    np.testing.assert_allclose(adamw_decay, [1e-3, 1e-3], rtol=1e-12)
    # Adam + L2 steps by lr*(g + wd*theta)/(sqrt(v_hat) + eps): its decay share, lr*wd*theta/(sqrt(v_hat) + eps),
    # is 1e-3/0.11 and 1e-3/10.1: 9x AdamW's on the small-gradient weight, a tenth of it on the large-gradient one.
    adam_l2_decay = (theta0 - results[Adam]) - lr * g / denom_l2
    np.testing.assert_allclose(adam_l2_decay, [1e-3 / 0.11, 1e-3 / 10.1], rtol=1e-6)  # eps = 1e-8 moves them 1e-7


def test_sgd_without_momentum_is_gradient_descent():
    rng = np.random.default_rng(1)
    gradients = rng.normal(size=(50, 3))
    points, rates = run(SGD, gradients, [1.0, 2.0, 3.0], lr=0.1, momentum=0.0)
    expected = np.array([1.0, 2.0, 3.0]) - 0.1 * np.concatenate([np.zeros((1, 3)), np.cumsum(gradients, axis=0)])
    np.testing.assert_allclose(points, expected, rtol=1e-12)
    np.testing.assert_array_equal(rates, 0.1)


def test_adagrad_effective_lr_on_a_constant_gradient():
    # G_t = t*g^2, so lr_eff = lr / (|g|*sqrt(t) + eps): it decays like 1/sqrt(t) forever.
    g = np.array([0.5, -2.0, 3e-3])
    lr, eps = 0.1, 1e-10
    _, rates = run(Adagrad, [g] * 300, np.zeros(3), lr=lr, eps=eps)
    t = np.arange(1, 301)[:, None]
    np.testing.assert_allclose(rates, lr / (np.abs(g) * np.sqrt(t) + eps), rtol=1e-12)


@pytest.mark.parametrize("rho", [0.9, 0.99])
def test_rmsprop_effective_lr_on_a_constant_gradient(rho):
    # v_t = (1 - rho^t)*g^2, so lr_eff = lr / (|g|*sqrt(1 - rho^t) + eps): it settles at lr/|g|.
    g = np.array([0.5, -2.0, 3e-3])
    lr, eps = 0.01, 1e-8
    _, rates = run(RMSProp, [g] * 300, np.zeros(3), lr=lr, rho=rho, eps=eps)
    t = np.arange(1, 301)[:, None]
    np.testing.assert_allclose(rates, lr / (np.abs(g) * np.sqrt(1 - rho**t) + eps), rtol=1e-10)
    # 300 steps are 30 time constants 1/(1 - rho) for rho = 0.9 (rho^300 ~ 2e-14): settled at
    # lr/(|g| + eps); for rho = 0.99 only 3 (rho^300 = 0.049): still 2.5 % above it.
    settled = lr / (np.abs(g) + eps)
    if rho == 0.9:
        np.testing.assert_allclose(rates[-1], settled, rtol=1e-12)
    else:
        np.testing.assert_allclose(rates[-1] / settled, 1 / np.sqrt(1 - 0.99**300), rtol=1e-6)
        assert np.all(rates[-1] / settled > 1.02)


def test_rmsprop_recovers_after_the_gradient_shrinks_and_adagrad_does_not():
    # 200 steps of |g| = 1, then 400 of |g| = 0.01: RMSProp (rho = 0.9) forgets the big
    # gradients within a few dozen steps; Adagrad's sum remembers them forever.
    stream = [np.array([1.0])] * 200 + [np.array([0.01])] * 400
    _, rms = run(RMSProp, stream, [0.0], lr=0.01, rho=0.9)
    _, ada = run(Adagrad, stream, [0.0], lr=0.01)
    assert rms[-1, 0] == pytest.approx(0.01 / (0.01 + 1e-8), rel=1e-6)  # back to lr/|g|
    # Adagrad: G = 200 + 400e-4 = 200.04 -> lr/sqrt(200.04), a hundredth of what it needs
    assert ada[-1, 0] == pytest.approx(0.01 / (math.sqrt(200.04) + 1e-10), rel=1e-9)
    assert rms[-1, 0] / ada[-1, 0] > 100
