"""The algorithm boxes of the optimizers' docstrings, checked by hand on steps small enough to follow.

Each expected value is derived here from the box's formula (or from an independent form of it,
such as a weighted variance), never by calling the code under test twice.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adagrad, Adam, Adamax, RMSProp


def run(opt_cls, grads, theta0=0.0, lr_at=None, **hyper):
    """Thetas after each step of ``opt_cls`` on a one-element parameter fed ``grads``; lr_at: {step: new lr}."""
    p = Parameter(np.array([theta0]))
    opt = opt_cls([p], **hyper)
    thetas = []
    for t, g in enumerate(grads, start=1):
        if lr_at and t in lr_at:
            opt.param_groups[0]["lr"] = lr_at[t]
        p.grad = np.array([g])
        opt.step()
        thetas.append(float(p.data[0]))
    return thetas, opt, p


# ---------------------------------------------------------------- RMSProp, centred and bias-corrected (A1)
@pytest.mark.parametrize("eps_in_sqrt", [False, True])
def test_rmsprop_centered_bias_corrected_divides_by_the_weighted_standard_deviation(eps_in_sqrt):
    # Box: c = 1 - rho^t, v_hat = v/c, gbar_hat = gbar/c, s = v_hat - gbar_hat^2. With v and gbar starting at
    # 0, v_hat and gbar_hat are the weighted mean of g^2 and of g with weights (1-rho)*rho^(t-k)/c, so s is
    # the weighted variance of the gradients seen. rho = 0.5, g = 1 then 3: step 1 has one gradient (s = 0);
    # step 2 weighs them 1/3 and 2/3: mean 7/3, mean square 19/3, s = 19/3 - 49/9 = 8/9.
    lr, eps, rho = 0.1, 0.25, 0.5
    (t1, t2), _, _ = run(
        RMSProp, [1.0, 3.0], lr=lr, rho=rho, eps=eps, centered=True, bias_correction=True, eps_in_sqrt=eps_in_sqrt
    )

    def denom(s):
        return math.sqrt(s + eps) if eps_in_sqrt else math.sqrt(s) + eps

    assert t1 == pytest.approx(-lr * 1.0 / denom(0.0), rel=1e-14)
    assert t1 - t2 == pytest.approx(lr * 3.0 / denom(8.0 / 9.0), rel=1e-12)
    # the other reading of the box, (v - gbar^2)/c = (4.75 - 1.75^2)/0.75 = 2.25, would step 1.59 times less
    assert abs((t1 - t2) - lr * 3.0 / denom(2.25)) > 0.1 * (t1 - t2)


def test_rmsprop_bias_corrected_without_centering_is_v_hat():
    # s = v_hat = v/(1 - rho^t): rho = 0.5, g = 2 then 4: v_2 = 0.25*4 + 0.5*16 = 9, c = 0.75, v_hat = 12.
    (t1, t2), _, _ = run(RMSProp, [2.0, 4.0], lr=0.1, rho=0.5, eps=0.5, bias_correction=True)
    assert t1 == pytest.approx(-0.1 * 2.0 / (2.0 + 0.5), rel=1e-14)  # v_hat_1 = g^2
    assert t1 - t2 == pytest.approx(0.1 * 4.0 / (math.sqrt(12.0) + 0.5), rel=1e-12)


# ---------------------------------------------------------------- Adam's amsgrad_bias_corrected (A2)
def test_adam_amsgrad_bias_corrected_divides_by_the_largest_v_hat_without_correcting_again():
    # betas (0.5, 0.5), g = 2, 1, 1. Box: v_max <- max(v_max, v/c2), then denom = sqrt(v_max) + eps (c2 <- 1).
    #   v: 2, 1.5, 1.25;  c2: 0.5, 0.75, 0.875;  v_hat: 4, 2, 1.428...;  v_max stays 4: denom = 2 + eps.
    #   m: 1, 1, 1;       c1: 0.5, 0.75, 0.875;  m_hat: 2, 4/3, 8/7.
    lr, eps = 0.1, 1e-3
    grads = [2.0, 1.0, 1.0]
    thetas, opt, p = run(Adam, grads, lr=lr, eps=eps, betas=(0.5, 0.5), amsgrad=True, amsgrad_bias_corrected=True)
    steps = -np.diff([0.0, *thetas])
    assert steps == pytest.approx([lr * m_hat / (2.0 + eps) for m_hat in (2.0, 4 / 3, 8 / 7)], rel=1e-12)
    assert opt.state[p]["max_exp_avg_sq"][0] == pytest.approx(4.0, rel=1e-15)
    # torch's amsgrad keeps max(v) = 2 and corrects it at each step: denom = sqrt(2)/sqrt(c2) + eps
    thetas, _, _ = run(Adam, grads, lr=lr, eps=eps, betas=(0.5, 0.5), amsgrad=True)
    steps = -np.diff([0.0, *thetas])
    expected = [lr * m_hat / (math.sqrt(2.0 / c2) + eps) for m_hat, c2 in ((2.0, 0.5), (4 / 3, 0.75), (8 / 7, 0.875))]
    assert steps == pytest.approx(expected, rel=1e-12)


def test_adam_refuses_eps_hat_with_amsgrad_bias_corrected_only_when_amsgrad_is_on():
    p = [Parameter(np.zeros(2))]
    Adam(p, eps_hat=True, amsgrad_bias_corrected=True)  # amsgrad off: the flag is unused, accepted
    with pytest.raises(ValueError, match="amsgrad_bias_corrected"):
        Adam(p, eps_hat=True, amsgrad=True, amsgrad_bias_corrected=True)
    with pytest.raises(ValueError, match="eps_root"):
        Adam(p, eps_hat=True, eps_root=1e-8)


# ---------------------------------------------------------------- SGD, lr inside the buffer with dampening (B13)
def test_sgd_lr_in_momentum_with_dampening_by_hand():
    # Box: b <- lr*g when new, then b <- mu*b + (1-dampening)*lr*g, theta <- theta - b.
    # mu 0.9, dampening 0.5, g = 2, 4, -1, lr 0.1 then 0.01 at step 3:
    #   b1 = 0.1*2 = 0.2 (undamped);  b2 = 0.18 + 0.5*0.1*4 = 0.38;  b3 = 0.342 + 0.5*0.01*(-1) = 0.337.
    hyper = {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}
    thetas, _, _ = run(SGD, [2.0, 4.0, -1.0], lr_at={3: 0.01}, lr_in_momentum=True, **hyper)
    assert -np.diff([0.0, *thetas]) == pytest.approx([0.2, 0.38, 0.337], rel=1e-12)
    # torch's form (lr outside): b1 = 2, b2 = 1.8 + 2 = 3.8, b3 = 3.42 - 0.5 = 2.92, steps lr*b: the same while lr
    # is constant, then 0.01*2.92: the buffer has forgotten that its old gradients were taken at lr 0.1.
    thetas, _, _ = run(SGD, [2.0, 4.0, -1.0], lr_at={3: 0.01}, **hyper)
    assert -np.diff([0.0, *thetas]) == pytest.approx([0.2, 0.38, 0.0292], rel=1e-12)


def test_sgd_nesterov_without_momentum_check_lifts_only_the_momentum_requirement():
    p = [Parameter(np.zeros(2))]
    SGD(p, nesterov=True, nesterov_needs_momentum=False)  # momentum 0: plain SGD
    with pytest.raises(ValueError, match="dampening"):
        SGD(p, nesterov=True, nesterov_needs_momentum=False, momentum=0.9, dampening=0.1)


# ---------------------------------------------------------------- Adagrad's effective learning rate (A9)
def test_adagrad_effective_lr_on_a_constant_gradient():
    # With G_0 = 0, eps outside the root and lr_decay 0: G_t = t*g^2, so lr_t/denom = lr/(|g|*sqrt(t) + eps).
    lr, g, eps = 0.1, -2.0, 1e-3
    p = Parameter(np.array([0.0]))
    opt = Adagrad([p], lr=lr, eps=eps)
    for t in range(1, 6):
        p.grad = np.array([g])
        opt.step()
        assert float(opt.effective_lr(p)[0]) == pytest.approx(lr / (abs(g) * math.sqrt(t) + eps), rel=1e-13)
    # the formula needs G_0 = 0: Keras's 0.1 start gives lr/(sqrt(0.1 + t*g^2) + eps) instead
    p = Parameter(np.array([0.0]))
    opt = Adagrad([p], lr=lr, eps=eps, initial_accumulator_value=0.1)
    p.grad = np.array([g])
    opt.step()
    assert float(opt.effective_lr(p)[0]) == pytest.approx(lr / (math.sqrt(0.1 + g * g) + eps), rel=1e-13)


# ---------------------------------------------------------------- Adamax's infinity norm (A6)
def test_adamax_remembers_a_spike_at_full_size_until_it_decays_below_the_current_gradient():
    # u <- max(beta2*u, |g| + eps): after a spike G = 100 and then |g| = 1, u = 0.5^k * 100 while that
    # exceeds 1 + eps (k <= 6: 1.5625), then 1 + eps (k = 7: 0.78 < 1).
    lr, eps = 0.1, 1e-8
    p = Parameter(np.array([0.0]))
    opt = Adamax([p], lr=lr, eps=eps, betas=(0.9, 0.5))
    p.grad = np.array([100.0])
    opt.step()
    assert opt.state[p]["exp_inf"][0] == 100.0 + eps  # at full size, no (1 - beta2) factor
    for k in range(1, 9):
        p.grad = np.array([1.0])
        opt.step()
        assert opt.state[p]["exp_inf"][0] == max(0.5**k * (100.0 + eps), 1.0 + eps), k  # halving is exact
    # Adam's sqrt(v) after the same spike holds sqrt(1 - beta2)*G (beta2 = 0.999: about 0.03*G)
    q = Parameter(np.array([0.0]))
    adam = Adam([q])
    q.grad = np.array([100.0])
    adam.step()
    assert math.sqrt(adam.state[q]["exp_avg_sq"][0]) == pytest.approx(math.sqrt(0.001) * 100.0, rel=1e-12)


def test_a_centered_variance_that_rounds_below_zero_is_clamped_not_nan():
    # At step 1 with bias correction, v_hat = g^2 and gbar_hat = g exactly in real numbers, so
    # s = v_hat - gbar_hat^2 = 0; in floating point it is a hair above or below 0, and below 0
    # its square root would be NaN (as in torch). Clamped, denom is eps and the step lr*g/eps.
    rng = np.random.default_rng(0)
    g = rng.normal(size=1000)
    p = Parameter(np.zeros(1000))
    opt = RMSProp([p], lr=1e-3, rho=0.99, centered=True, bias_correction=True, eps=1e-8)
    p.grad = g.copy()
    opt.step()
    state = opt.state[p]
    c = 1.0 - 0.99**1
    raw = state["square_avg"] - state["grad_avg"] ** 2 / c  # c*s before the clamp, from the stored averages
    assert (raw < 0).any()  # the case the clamp is for does occur on ordinary gradients
    assert np.isfinite(p.data).all()
    below = raw <= 0
    np.testing.assert_allclose(p.data[below], -1e-3 * g[below] / 1e-8, rtol=1e-14)  # denom = sqrt(0) + eps
