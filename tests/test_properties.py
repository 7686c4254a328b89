"""Invariants that must hold for any gradient stream (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
streams = st.integers(1, 25).flatmap(lambda n: arrays(np.float64, (n, 3), elements=finite))


@settings(max_examples=60, deadline=None)
@given(stream=streams, lr=st.floats(1e-4, 1.0), lr_decay=st.floats(0.0, 0.5), init=st.floats(0.0, 2.0))
def test_adagrad_effective_lr_never_increases(stream, lr, lr_decay, init):
    p = Parameter(np.zeros(3))
    opt = Adagrad([p], lr=lr, lr_decay=lr_decay, initial_accumulator_value=init)
    previous = np.full(3, np.inf)
    for g in stream:
        p.grad = g.copy()
        opt.step()
        rate = opt.effective_lr(p)
        assert np.all(rate <= previous)
        previous = rate


@settings(max_examples=60, deadline=None)
@given(stream=streams, rho=st.floats(0.0, 0.999), lr=st.floats(1e-4, 1.0))
def test_rmsprop_effective_lr_stays_within_its_accumulator_bounds(stream, rho, lr):
    # With v_0 = 0, v_t is a weighted average of the g^2 seen so far with total weight
    # 1 - rho^t, so (1 - rho^t)*min g^2 <= v_t <= (1 - rho^t)*max g^2 per coordinate.
    eps = 1e-8
    p = Parameter(np.zeros(3))
    opt = RMSProp([p], lr=lr, rho=rho, eps=eps)
    for t, g in enumerate(stream, start=1):
        p.grad = g.copy()
        opt.step()
        seen = stream[:t] ** 2
        weight = 1 - rho**t
        low = lr / (np.sqrt(weight * seen.max(axis=0)) + eps)
        high = lr / (np.sqrt(weight * seen.min(axis=0)) + eps)
        rate = opt.effective_lr(p)
        assert np.all(rate >= low * (1 - 1e-9))
        assert np.all(rate <= high * (1 + 1e-9))


NO_MOMENTUM = [
    (SGD, {"lr": 0.1}),
    (Adagrad, {"lr": 0.1}),
    (RMSProp, {"lr": 0.01}),
    (RMSProp, {"lr": 0.01, "centered": True}),
    (Adadelta, {}),
]


@settings(max_examples=40, deadline=None)
@given(history=streams, theta=arrays(np.float64, 3, elements=finite), which=st.integers(0, len(NO_MOMENTUM) - 1))
def test_zero_gradient_leaves_parameters_unchanged(history, theta, which):
    # Optimizers without momentum or weight decay: whatever came before, g = 0 moves nothing.
    opt_cls, hyper = NO_MOMENTUM[which]
    p = Parameter(theta.copy())
    opt = opt_cls([p], **hyper)
    for g in history:
        p.grad = g.copy()
        opt.step()
    before = p.data.copy()
    p.grad = np.zeros(3)
    opt.step()
    np.testing.assert_array_equal(p.data, before)


@settings(max_examples=20, deadline=None)
@given(theta=arrays(np.float64, 3, elements=finite))
def test_momentum_optimizers_do_not_move_on_a_zero_gradient_from_rest(theta):
    # With momentum, a zero gradient still moves a parameter that has velocity; from rest
    # (fresh state) it must not.
    for opt_cls in (Adam, AdamW, NAdam, Adamax, RAdam):
        p = Parameter(theta.copy())
        opt = opt_cls([p], **({"weight_decay": 0.0} if opt_cls is AdamW else {}))
        p.grad = np.zeros(3)
        opt.step()
        np.testing.assert_array_equal(p.data, theta)
