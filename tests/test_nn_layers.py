"""Layer behaviour: values by hand, names, dtypes, accumulation, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from rmsprop_edu import nn


def test_linear_forward_and_backward_by_hand():
    layer = nn.Linear(2, 1, rng=0)
    layer.weight.data[:] = [[2.0], [-1.0]]
    layer.bias.data[:] = [0.5]
    x = np.array([[1.0, 3.0]])
    np.testing.assert_allclose(layer(x), [[2 - 3 + 0.5]])
    dx = layer.backward(np.array([[1.0]]))
    np.testing.assert_allclose(dx, [[2.0, -1.0]])
    np.testing.assert_allclose(layer.weight.grad, [[1.0], [3.0]])
    layer(x)
    layer.backward(np.array([[1.0]]))  # backward adds: the gradient doubles
    np.testing.assert_allclose(layer.weight.grad, [[2.0], [6.0]])


def test_softmax_cross_entropy_by_hand_and_stability():
    loss = nn.SoftmaxCrossEntropy()
    # equal logits over 4 classes: loss = log 4; gradient = (1/4 - onehot)/N
    value = loss(np.zeros((1, 4)), np.array([2]))
    assert value == pytest.approx(np.log(4))
    np.testing.assert_allclose(loss.backward(), [[0.25, 0.25, -0.75, 0.25]])
    huge = np.array([[1000.0, 0.0]])
    assert loss(huge, np.array([0])) == pytest.approx(0.0)
    assert loss(huge, np.array([1])) == pytest.approx(1000.0)


def test_bce_with_logits_is_stable():
    loss = nn.BCEWithLogits()
    assert loss(np.array([[0.0]]), np.array([[1.0]])) == pytest.approx(np.log(2))
    assert loss(np.array([[-800.0]]), np.array([[1.0]])) == pytest.approx(800.0)
    assert np.isfinite(loss.backward()).all()


def test_parameter_names_and_order():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Sequential(nn.RNN(3, 4, rng=1)))
    assert [p.name for p in model.parameters()] == ["0.weight", "0.bias", "2.0.W_x", "2.0.W_h", "2.0.b"]
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_end_to_end(dtype):
    model = nn.Sequential(nn.Linear(3, 4, rng=0, dtype=dtype), nn.Tanh(), nn.Linear(4, 2, rng=1, dtype=dtype))
    rnn = nn.LSTM(3, 4, rng=0, dtype=dtype)
    x = np.ones((2, 3), dtype=dtype)
    out = model(x)
    assert out.dtype == dtype and model.backward(np.ones_like(out)).dtype == dtype
    hs = rnn(np.ones((2, 5, 3), dtype=dtype))
    assert hs.dtype == dtype and rnn.backward(np.ones_like(hs)).dtype == dtype
    assert all(p.grad.dtype == dtype for p in [*model.parameters(), *rnn.parameters()])


def test_dropout_is_seeded_and_off_in_eval():
    a, b = nn.Dropout(0.5, rng=3), nn.Dropout(0.5, rng=3)
    x = np.ones((4, 10))
    np.testing.assert_array_equal(a(x), b(x))
    assert 0 < np.count_nonzero(a(x)) < 40
    np.testing.assert_array_equal(a.eval()(x), x)


def test_initialisers_have_the_documented_statistics():
    from rmsprop_edu.nn import init

    gen = np.random.default_rng(0)
    w = init.he_normal(400, 300, gen, np.float64)
    assert w.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    w = init.xavier_uniform(400, 300, gen, np.float64)
    assert np.abs(w).max() <= np.sqrt(6 / 700) and w.std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    q = init.orthogonal(5, 5, gen, np.float64)
    np.testing.assert_allclose(q @ q.T, np.eye(5), atol=1e-12)


def test_clipping():
    from rmsprop_edu import Parameter

    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(1))
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    assert nn.clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(np.sqrt(np.sum(a.grad**2) + np.sum(b.grad**2)), 1.0, rtol=1e-5)
    a.grad = np.array([3.0, -7.0])
    nn.clip_grad_value([a], 2.0)
    np.testing.assert_array_equal(a.grad, [2.0, -2.0])
    with pytest.raises(ValueError, match=r"max_norm must be in \(0, inf\), got 0"):
        nn.clip_grad_norm([a], 0)


def test_clip_grad_norm_of_huge_float32_gradients():
    # |g| = 1e20 in float32: its square (1e40) overflows float32, not the float64 sum.
    # Norm of (1e20, 1e20, 1e20) by hand: sqrt(3) * 1e20; after clipping each entry is 1/sqrt(3).
    from rmsprop_edu import Parameter

    p = Parameter(np.ones(3, np.float32))
    p.grad = np.full(3, 1e20, np.float32)
    assert nn.clip_grad_norm([p], 1.0) == pytest.approx(np.sqrt(3) * 1e20, rel=1e-6)
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad, 1 / np.sqrt(3), rtol=1e-5)


def test_recurrent_layers_take_an_initial_state_through_the_call():
    x = np.ones((2, 3, 1))
    rnn = nn.RNN(1, 4, rng=0)
    h0 = np.full((2, 4), 0.5)
    np.testing.assert_array_equal(rnn(x, h0), rnn.forward(x, h0))
    assert not np.allclose(rnn(x, h0), rnn(x))  # the state is used
    with pytest.raises(
        TypeError, match=r"LSTM state must be a pair \(h0, c0\) of arrays of shape \(2, 4\), got ndarray"
    ):
        nn.LSTM(1, 4, rng=0)(x, h0)


def test_mse_keeps_the_prediction_dtype():
    loss = nn.MSELoss()
    loss(np.ones(3, np.float32), np.zeros(3))
    grad = loss.backward()
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, 2 / 3)


BAD = [
    (lambda: nn.Linear(3, 2)(np.ones((4, 5))), ValueError, r"Linear expects input of shape \(..., 3\), got \(4, 5\)"),
    (
        lambda: nn.Linear(3, 2, dtype=np.float32)(np.ones((4, 3))),
        TypeError,
        "Linear expects float32 input .* got float64",
    ),
    (lambda: nn.Linear(3, 2).backward(np.ones((4, 2))), RuntimeError, r"Linear.backward\(\) called before forward\(\)"),
    (
        lambda: nn.RNN(3, 4)(np.ones((5, 3))),
        ValueError,
        r"RNN expects a batch of sequences of shape \(B, T, 3\), got an array of rank 2",
    ),
    (lambda: nn.LSTM(3, 4)(np.ones((2, 5, 2))), ValueError, "LSTM expects 3 input features"),
    (lambda: nn.GRU(3, 4).backward(np.ones((1, 2, 4))), RuntimeError, "GRU.backward"),
    (
        lambda: nn.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 3])),
        ValueError,
        r"targets must be in \[0, 3\), got values in \[0, 3\]",
    ),
    (lambda: nn.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0.0, 1.0])), TypeError, "integer class targets"),
    (lambda: nn.SoftmaxCrossEntropy().backward(), RuntimeError, "called before forward"),
    (
        lambda: nn.MSELoss()(np.zeros((2, 3)), np.zeros((3, 2))),
        ValueError,
        r"pred shape \(2, 3\) and target shape \(3, 2\) differ",
    ),
    (lambda: nn.BCEWithLogits()(np.zeros((2, 1)), np.full((2, 1), 2.0)), ValueError, r"targets must be in \[0, 1\]"),
    (lambda: nn.Embedding(5, 2)(np.array([0, 5])), ValueError, r"indices must be in \[0, 5\), got values in \[0, 5\]"),
    (lambda: nn.Linear(0, 2), ValueError, r"in_features must be in \[1, inf\), got 0"),
    (lambda: nn.Linear(2.0, 2), ValueError, r"in_features must be a whole number, got 2.0"),
    (lambda: nn.Embedding(3.5, 2), ValueError, r"num must be a whole number, got 3.5"),
    (lambda: nn.GRU(2, 3, truncate=2.5), ValueError, r"truncate must be a whole number, got 2.5"),
    (lambda: nn.Dropout(1.0), ValueError, r"p must be in \[0, 1\), got 1.0"),
    (lambda: nn.Linear(2, 2, dtype=np.int32), ValueError, "dtype must be float32 or float64, got int32"),
    (lambda: nn.Linear(2, 2, rng="seed"), TypeError, "rng must be a numpy Generator or an int seed, got str"),
]


@pytest.mark.parametrize("make,error,message", BAD, ids=[m for *_, m in BAD])
def test_bad_input_gets_a_clear_error(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_skipping_the_input_gradient_keeps_the_parameter_gradients():
    x = np.random.default_rng(0).normal(size=(5, 3))
    grads = []
    for input_grad in (True, False):
        model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=1))
        out = model(x)
        dx = model.backward(np.ones_like(out), input_grad=input_grad)
        assert (dx is None) == (not input_grad)
        grads.append([p.grad.copy() for p in model.parameters()])
    for a, b in zip(*grads, strict=True):
        np.testing.assert_array_equal(a, b)


def _first_layers():
    """Each kind of layer, with an input for it and the gradient of a loss at its output."""
    gen = np.random.default_rng(3)
    seq = gen.normal(size=(2, 4, 3))
    flat = gen.normal(size=(5, 3))
    return {
        "Linear": (lambda: nn.Linear(3, 2, rng=0), flat),
        "RNN": (lambda: nn.RNN(3, 2, rng=0), seq),
        "LSTM": (lambda: nn.LSTM(3, 2, rng=0), seq),
        "GRU": (lambda: nn.GRU(3, 2, rng=0), seq),
        "ReLU": (nn.ReLU, flat),
        "LeakyReLU": (lambda: nn.LeakyReLU(0.1), flat),
        "Tanh": (nn.Tanh, flat),
        "Sigmoid": (nn.Sigmoid, flat),
        "Dropout": (lambda: nn.Dropout(0.5, rng=0), flat),
        "LastStep": (nn.LastStep, seq),
        "Embedding": (lambda: nn.Embedding(6, 2, rng=0), np.array([[0, 5, 5], [1, 2, 0]])),
        "Sequential": (lambda: nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=1)), flat),
    }


@pytest.mark.parametrize("name", list(_first_layers()))
def test_input_grad_false_returns_none_and_the_same_parameter_gradients(name):
    make, x = _first_layers()[name]
    results = {}
    for input_grad in (True, False):
        layer = make()
        out = layer(x)
        dout = np.random.default_rng(4).normal(size=out.shape)
        results[input_grad] = (layer.backward(dout, input_grad=input_grad), [p.grad for p in layer.parameters()])
    (dx, grads), (skipped, grads_skipped) = results[True], results[False]
    assert skipped is None
    assert (dx is None) == (name == "Embedding")  # integer indices have no gradient
    for a, b in zip(grads, grads_skipped, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_matches_the_textbook_formula_and_saturates_without_overflow(dtype):
    from rmsprop_edu.nn.layers import sigmoid

    x = np.linspace(-30, 30, 601).astype(dtype)
    expected = 1 / (1 + np.exp(-x.astype(np.float64)))  # no overflow for |x| <= 30
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(sigmoid(x), expected, rtol=rtol)
    assert sigmoid(x).dtype == dtype
    with np.errstate(over="raise"):  # 1 / (1 + e^-x) would overflow e^-x at x = -1000
        extremes = sigmoid(np.array([-1000.0, 1000.0, np.nan], dtype=dtype))
    assert extremes[0] == 0.0 and extremes[1] == 1.0 and np.isnan(extremes[2])
