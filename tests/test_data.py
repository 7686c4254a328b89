"""The generated datasets: shapes, seeds, and the properties each one promises."""

from __future__ import annotations

import numpy as np
import pytest

from rmsprop_edu import data


def test_seeded_and_shaped():
    a, b = data.spirals(50, 4, rng=1), data.spirals(50, 4, rng=1)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[0].shape == (200, 2) and set(np.unique(a[1])) == {0, 1, 2, 3}
    assert not np.array_equal(a[0], data.spirals(50, 4, rng=2)[0])
    assert data.spirals(10, 3, dtype=np.float32)[0].dtype == np.float32
    for make in (data.moons, data.circles, data.xor):
        x, y = make(120, rng=0)
        assert x.shape == (120, 2) and set(np.unique(y)) == {0, 1}


def test_xor_labels_follow_the_signs():
    x, y = data.xor(400, noise=0.05, rng=0)
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int))


def test_drifting_regression_jumps_at_every_drift():
    x, y, w = data.drifting_regression(300, 4, drift_every=100, noise=0.0, rng=0)
    np.testing.assert_allclose(y[:, 0], np.sum(x * w, axis=1))
    assert (w[:100] == w[0]).all() and not np.allclose(w[99], w[100]) and not np.allclose(w[199], w[200])


def test_sparse_features_are_rare():
    x, _ = data.sparse_features(2000, dim=20, rare=10, rare_rate=0.02, rng=0)
    rate = np.mean(x[:, 10:] != 0)
    assert 0.01 < rate < 0.03 and np.mean(x[:, :10] != 0) == 1.0


def test_sequences():
    x, y = data.sine_forecasting(8, 30, rng=0)
    assert x.shape == y.shape == (8, 30, 1)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])  # the target is the next value
    x, y = data.adding_problem(100, 20, rng=0)
    assert x.shape == (100, 20, 2) and y.shape == (100, 1)
    assert (x[:, :, 1].sum(axis=1) == 2).all()
    assert (x[:, :10, 1].sum(axis=1) == 1).all()  # one marker in each half
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * x[:, :, 1]).sum(axis=1))


def test_embedded_reber_strings_follow_the_grammar():
    strings = data.embedded_reber(200, rng=0)
    for s in strings:
        assert s[0] == "B" and s[-1] == "E" and s[1] in "TP" and s[-2] == s[1]
        inner = s[2:-2]
        assert inner[0] == "B" and inner[-1] == "E" and set(inner) <= set(data.REBER_SYMBOLS)
    encoded = data.one_hot(strings[:3])
    assert encoded[0].shape == (len(strings[0]), 7) and (encoded[0].sum(axis=1) == 1).all()


def test_char_corpus_is_deterministic_text():
    text = data.char_corpus(50, rng=0)
    assert text == data.char_corpus(50, rng=0) and text.count("\n") == 50
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyz .\n")


def test_minibatches_cover_every_row_once():
    x, y = np.arange(10)[:, None], np.arange(10)
    batches = list(data.minibatches(x, y, batch_size=4, rng=0))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in batches])) == list(range(10))
    again = list(data.minibatches(x, y, batch_size=4, rng=0))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(batches, again, strict=True))
    with pytest.raises(ValueError, match="same length"):
        list(data.minibatches(x, y[:5]))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"classes must be in \[2, inf\), got 1"):
        data.spirals(10, 1)
    with pytest.raises(ValueError, match=r"noise must be in \[0, inf\), got -0.1"):
        data.moons(10, noise=-0.1)
    with pytest.raises(ValueError, match="steps must be a whole number, got 2.5"):
        data.adding_problem(10, 2.5)
