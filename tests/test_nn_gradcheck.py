"""Every layer, loss and recurrent cell against finite differences (float64, rel. error < 1e-6)."""

from __future__ import annotations

import numpy as np
import pytest

from rmsprop_edu import check_gradients, nn
from rmsprop_edu.gradcheck import verdict

rng = np.random.default_rng(0)
TOL = 1e-6


def assert_good(report):
    assert report.max_error < TOL, f"\n{report}"
    assert all(c.verdict in ("good", "acceptable (check for kinks such as ReLU at 0)") for c in report.checks)


@pytest.mark.parametrize(
    "layer",
    [nn.Tanh(), nn.Sigmoid(), nn.ReLU(), nn.LeakyReLU(0.1)],
    ids=["tanh", "sigmoid", "relu", "leaky_relu"],
)
def test_activation_layers_inside_an_mlp(layer):
    model = nn.Sequential(nn.Linear(3, 5, rng=1), layer, nn.Linear(5, 4, rng=2))
    x = rng.normal(size=(6, 3))
    report = check_gradients(model, nn.SoftmaxCrossEntropy(), x, rng.integers(0, 4, 6))
    assert_good(report)
    assert {c.name for c in report.checks} == {"0.weight", "0.bias", "2.weight", "2.bias", "input"}


def test_linear_on_sequences_with_mse():
    model = nn.Linear(3, 2, rng=0)
    assert_good(check_gradients(model, nn.MSELoss(), rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 2))))


def test_bce_with_logits_and_dropout_in_eval_mode():
    model = nn.Sequential(nn.Linear(4, 3, rng=0), nn.Dropout(0.5, rng=0), nn.Linear(3, 1, rng=1)).eval()
    target = rng.integers(0, 2, size=(8, 1)).astype(np.float64)
    assert_good(check_gradients(model, nn.BCEWithLogits(), rng.normal(size=(8, 4)), target))


def test_dropout_in_training_mode_with_a_fixed_mask():
    drop = nn.Dropout(0.3, rng=5)
    x = rng.normal(size=(4, 6))
    drop(x)
    mask = drop._scale.copy()

    def forward(model, inp):  # reuse the same mask on every evaluation
        model._scale = mask
        return inp * mask

    def backward_check():
        out = forward(drop, x)
        return drop.backward(np.ones_like(out))

    np.testing.assert_array_equal(backward_check(), mask)  # d(x*mask)/dx = mask
    assert set(np.unique(mask)) <= {0.0, 1 / 0.7}


def test_embedding():
    model = nn.Sequential(nn.Embedding(7, 3, rng=0), nn.Linear(3, 2, rng=1))
    idx = np.array([[0, 3, 3], [6, 1, 0]])  # repeated indices accumulate
    assert_good(check_gradients(model, nn.MSELoss(), idx, rng.normal(size=(2, 3, 2))))


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_recurrent_cells(cls):
    cell = cls(3, 4, rng=0)
    report = check_gradients(cell, nn.MSELoss(), rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 6, 4)))
    assert_good(report)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_initial_state_gradients(cls):
    cell = cls(2, 3, rng=1)
    x, target = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 3))
    h0 = rng.normal(size=(2, 3))
    state = (h0, rng.normal(size=(2, 3))) if cls is nn.LSTM else h0
    assert_good(check_gradients(cell, nn.MSELoss(), x, target, forward=lambda m, inp: m.forward(inp, state)))
    # dh0 (and dc0) against finite differences of the initial state itself
    loss = nn.MSELoss()
    cell.zero_grad()
    loss(cell.forward(x, state), target)
    cell.backward(loss.backward())
    h = 1e-5
    for name, array, analytic in [("h0", h0, cell.dh0)] + ([("c0", state[1], cell.dc0)] if cls is nn.LSTM else []):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + h
            up = loss(cell.forward(x, state), target)
            array[index] = saved - h
            down = loss(cell.forward(x, state), target)
            array[index] = saved
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_truncated_bptt_is_the_gradient_of_the_windowed_objective(cls):
    # Truncation at k = 2 means: each window of 2 steps starts from a state treated as a
    # constant. The reference: finite differences of the sum over windows, each run from
    # the fixed state that the full (unperturbed) forward pass reached.
    steps, k = 6, 2
    x, target = rng.normal(size=(2, steps, 3)), rng.normal(size=(2, steps, 4))
    cell = cls(3, 4, rng=2, truncate=k)
    loss = nn.MSELoss()
    hs = cell.forward(x)
    starts = [None]
    for t in range(k, steps, k):
        if cls is nn.LSTM:
            starts.append((hs[:, t - 1].copy(), cell._cache[4][:, t - 1].copy()))
        else:
            starts.append(hs[:, t - 1].copy())

    def windowed() -> float:
        total = 0.0
        for w, start in enumerate(starts):
            sl = slice(w * k, (w + 1) * k)
            out = cell.forward(x[:, sl], start)
            total += float(np.sum((out - target[:, sl]) ** 2)) / target.size
        return total

    cell.zero_grad()
    loss(cell.forward(x), target)
    cell.backward(loss.backward())
    for p in cell.parameters():
        numeric = np.zeros_like(p.data)
        for index in np.ndindex(p.data.shape):
            saved = p.data[index]
            p.data[index] = saved + 1e-5
            up = windowed()
            p.data[index] = saved - 1e-5
            down = windowed()
            p.data[index] = saved
            numeric[index] = (up - down) / 2e-5
        np.testing.assert_allclose(p.grad, numeric, rtol=1e-5, atol=1e-9, err_msg=p.name)
    # and it really differs from the full gradient
    full = cls(3, 4, rng=2)
    full.zero_grad()
    loss(full.forward(x), target)
    full.backward(loss.backward())
    assert not np.allclose(full.parameters()[1].grad, cell.parameters()[1].grad)


def test_many_to_one_readout():
    model = nn.Sequential(nn.GRU(2, 3, rng=0), nn.LastStep(), nn.Linear(3, 1, rng=1))
    assert_good(check_gradients(model, nn.MSELoss(), rng.normal(size=(4, 5, 2)), rng.normal(size=(4, 1))))


def test_report_reads_like_the_usual_interpretation():
    assert verdict(1e-9) == "good" and verdict(1e-3) == "suspicious" and verdict(0.5) == "wrong"

    class Broken(nn.Linear):
        def backward(self, dout):
            dx = super().backward(dout)
            self.weight.grad *= 1.1  # a 10 % mistake
            return dx

    report = check_gradients(Broken(3, 2, rng=0), nn.MSELoss(), rng.normal(size=(4, 3)), rng.normal(size=(4, 2)))
    assert report["weight"].verdict == "wrong" and report["bias"].verdict == "good"
    assert "weight" in repr(report) and "wrong" in repr(report)


def test_sequential_asks_only_its_first_module_to_skip_the_input_gradient():
    class Square(nn.Module):
        """y = x^2, written as a user would: backward takes dout alone."""

        def forward(self, x):
            self._x = x
            return x * x

        def backward(self, dout):
            return 2 * self._x * dout  # dx = 2 x dy

    model = nn.Sequential(nn.Linear(3, 4, rng=0), Square(), nn.Linear(4, 2, rng=1))
    x, target = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    assert_good(check_gradients(model, nn.MSELoss(), x, target))
    loss = nn.MSELoss()
    model.zero_grad()
    loss(model(x), target)
    assert model.backward(loss.backward(), input_grad=False) is None  # as train.fit calls it
