"""One step (or two) small enough to check by hand, for every optimizer.

theta = [1, -2] and g = [0.5, -4] throughout; each expected value is derived
in the comment above it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp

THETA = np.array([1.0, -2.0])
G = np.array([0.5, -4.0])


def steps(opt_cls, n=1, preset=None, **hyper):
    p = Parameter(THETA.copy())
    opt = RMSProp.preset(preset, [p], **hyper) if preset else opt_cls([p], **hyper)
    for _ in range(n):
        p.grad = G.copy()
        opt.step()
    return p.data, opt, p


def test_sgd_plain():
    # theta - lr*g = [1 - 0.1*0.5, -2 + 0.1*4]
    np.testing.assert_allclose(steps(SGD, lr=0.1)[0], [0.95, -1.6], rtol=1e-15)


def test_sgd_momentum_two_steps():
    # step 1: b = g, same as plain SGD -> [0.95, -1.6]
    # step 2: b = 0.9*g + g = 1.9*g -> [0.95 - 0.1*1.9*0.5, -1.6 + 0.1*1.9*4] = [0.855, -0.84]
    np.testing.assert_allclose(steps(SGD, 2, lr=0.1, momentum=0.9)[0], [0.855, -0.84], rtol=1e-14)


def test_sgd_nesterov():
    # b = g; d = g + 0.9*b = 1.9*g -> [1 - 0.095, -2 + 0.76]
    np.testing.assert_allclose(steps(SGD, lr=0.1, momentum=0.9, nesterov=True)[0], [0.905, -1.24], rtol=1e-14)


def test_adagrad():
    # G = g^2, so the step is lr*g/(|g| + eps) = 0.1*sign(g) (eps = 1e-10 shifts the 10th digit)
    theta, opt, p = steps(Adagrad, lr=0.1)
    np.testing.assert_allclose(theta, [0.9, -1.9], rtol=1e-9)
    # second step: G = 2*g^2, step = 0.1/sqrt(2) in each coordinate
    theta, opt, p = steps(Adagrad, 2, lr=0.1)
    np.testing.assert_allclose(theta, [0.9 - 0.1 / math.sqrt(2), -1.9 + 0.1 / math.sqrt(2)], rtol=1e-9)
    # effective lr = 0.1/(sqrt(2)*|g|)
    np.testing.assert_allclose(opt.effective_lr(p), [0.1 / (math.sqrt(2) * 0.5), 0.1 / (math.sqrt(2) * 4)], rtol=1e-9)


def test_rmsprop_first_step_is_lr_over_sqrt_one_minus_rho():
    # v = (1 - 0.99)*g^2, sqrt(v) = 0.1*|g|: the step is lr*g/(0.1*|g| + eps), about
    # lr/0.1 = 10*lr = 0.1 per coordinate
    theta, opt, p = steps(RMSProp, lr=0.01)
    d = 0.1 * np.abs(G) + 1e-8
    np.testing.assert_allclose(theta, THETA - 0.01 * G / d, rtol=1e-14)
    np.testing.assert_allclose(theta, [0.9, -1.9], rtol=1e-6)
    np.testing.assert_allclose(opt.effective_lr(p), 0.01 / d, rtol=1e-14)


def test_rmsprop_centered():
    # v = 0.01*g^2, gbar = 0.01*g, v - gbar^2 = 0.0099*g^2, root = 0.0995*|g|
    # step = 0.01*g/(0.0995*|g| + eps), about 0.01/0.0995 = 0.10050378 per coordinate
    theta = steps(RMSProp, lr=0.01, centered=True)[0]
    np.testing.assert_allclose(theta, THETA - 0.01 * G / (math.sqrt(0.0099) * np.abs(G) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(theta, [1 - 0.10050378, -2 + 0.10050378], rtol=1e-6)


def test_rmsprop_eps_inside_the_root():
    # v = 0.01*g^2 = [0.0025, 0.16]; d = sqrt(v + 0.01) = [sqrt(0.0125), sqrt(0.17)]
    # step = 0.01*g/d = [0.0447214, -0.0970143]
    theta = steps(RMSProp, lr=0.01, eps=0.01, eps_in_sqrt=True)[0]
    np.testing.assert_allclose(theta, [1 - 0.005 / math.sqrt(0.0125), -2 + 0.04 / math.sqrt(0.17)], rtol=1e-14)
    np.testing.assert_allclose(theta, [0.9552786, -1.9029857], atol=1e-7)


def test_rmsprop_bias_correction_makes_the_first_step_lr():
    # v_hat = v/(1 - 0.99) = g^2: step = lr*sign(g)
    np.testing.assert_allclose(steps(RMSProp, lr=0.01, bias_correction=True)[0], [0.99, -1.99], rtol=1e-9)


def test_tf1_preset_starts_the_accumulator_at_one():
    # v = 0.9*1 + 0.1*g^2 = [0.925, 2.5]; step = 0.01*g/sqrt(v + 1e-10)
    theta = steps(None, preset="tf1", lr=0.01)[0]
    np.testing.assert_allclose(theta, [1 - 0.005 / math.sqrt(0.925), -2 + 0.04 / math.sqrt(2.5)], rtol=1e-9)
    np.testing.assert_allclose(theta, [0.99480125, -1.97470178], atol=1e-8)


def test_rmsprop_momentum_lr_placement_agrees_while_lr_is_constant():
    # Two steps with a constant lr: lr outside (torch) and inside (keras) the buffer agree.
    a = steps(RMSProp, 2, lr=0.01, momentum=0.9)[0]
    b = steps(RMSProp, 2, lr=0.01, momentum=0.9, lr_in_momentum=True)[0]
    np.testing.assert_allclose(a, b, rtol=1e-14)
    # step 1: lr*g/d1 with d1 = 0.1*|g| + eps; step 2: lr*b with b = 0.9*g/d1 + g/d2 and
    # d2 = sqrt(1 - 0.99^2)*|g| + eps
    d1 = 0.1 * np.abs(G) + 1e-8
    d2 = math.sqrt(1 - 0.99**2) * np.abs(G) + 1e-8
    np.testing.assert_allclose(a, THETA - 0.01 * G / d1 - 0.01 * (0.9 * G / d1 + G / d2), rtol=1e-14)


def test_adadelta_first_step_does_not_depend_on_the_gradient_scale():
    # v = 0.1*g^2; r = sqrt(0 + eps)/sqrt(v + eps); dx = r*g ~ sqrt(eps/0.1)*sign(g) = 3.162e-3
    theta, opt, p = steps(Adadelta)
    r = np.sqrt(1e-6) / np.sqrt(0.1 * G**2 + 1e-6)
    np.testing.assert_allclose(theta, np.array(THETA) - r * G, rtol=1e-15)
    np.testing.assert_allclose(theta, [0.99683779, -1.99683772], atol=1e-8)
    np.testing.assert_allclose(opt.effective_lr(p), r, rtol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    # m_hat = g, v_hat = g^2: step = lr*g/(|g| + eps) = 0.1*sign(g)
    theta, opt, p = steps(Adam, lr=0.1)
    np.testing.assert_allclose(theta, THETA - 0.1 * G / (np.abs(G) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(theta, [0.9, -1.9], rtol=1e-7)
    np.testing.assert_allclose(opt.effective_lr(p), 0.1 / (np.abs(G) + 1e-8), rtol=1e-14)


def test_adamw_decays_before_stepping():
    # theta*(1 - 0.1*0.1) = [0.99, -1.98], then Adam's 0.1*sign(g)
    theta = steps(AdamW, lr=0.1, weight_decay=0.1)[0]
    np.testing.assert_allclose(theta, 0.99 * np.array(THETA) - 0.1 * G / (np.abs(G) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(theta, [0.89, -1.88], rtol=1e-7)


def test_adamax():
    # m = 0.1*g, u = |g| + eps; step = lr/(1 - 0.9) * 0.1*g/|g| = 0.1*sign(g)
    np.testing.assert_allclose(steps(Adamax, lr=0.1)[0], [0.9, -1.9], rtol=1e-8)


def test_nadam():
    # mu_1 = 0.9*(1 - 0.5*0.96^0.004), mu_2 = 0.9*(1 - 0.5*0.96^0.008), P_1 = mu_1
    # m = 0.1*g, d = |g|: step = lr*sign(g)*[(1 - mu_1)/(1 - mu_1) + 0.1*mu_2/(1 - mu_1*mu_2)]
    mu1 = 0.9 * (1 - 0.5 * 0.96**0.004)
    mu2 = 0.9 * (1 - 0.5 * 0.96**0.008)
    step = 0.1 * (1 + 0.1 * mu2 / (1 - mu1 * mu2))
    assert step == pytest.approx(0.10564518, abs=1e-8)
    np.testing.assert_allclose(steps(NAdam, lr=0.1)[0], [1 - step, -2 + step], rtol=1e-8)


def test_radam_warm_up_is_momentum_sgd():
    # rho_inf = 1999, rho_1 = 1999 - 2*0.999/0.001 = 1 <= 5: step = lr*m_hat = lr*g
    theta, opt, p = steps(RAdam, lr=0.1)
    np.testing.assert_allclose(theta, [0.95, -1.6], rtol=1e-12)
    np.testing.assert_allclose(opt.effective_lr(p), [0.1, 0.1])
