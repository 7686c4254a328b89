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


@pytest.mark.parametrize(
    "make,kwargs,message",
    [
        (data.circles, {"noise": float("nan")}, "noise must be finite, got nan"),
        (data.circles, {"noise": -0.1}, r"noise must be in \[0, inf\), got -0.1"),
        (data.circles, {"factor": 1.0}, r"factor must be in \(0, 1\), got 1.0"),
        (data.xor, {"noise": float("nan")}, "noise must be finite, got nan"),
        (data.xor, {"noise": -1}, r"noise must be in \[0, inf\), got -1"),
        (data.xor, {"n": 3}, r"n must be in \[4, inf\), got 3"),
        (data.moons, {"noise": float("inf")}, "noise must be finite, got inf"),
        (data.spirals, {"noise": float("nan")}, "noise must be finite, got nan"),
        (data.spirals, {"n_per_class": 10.0}, "n_per_class must be a whole number, got 10.0"),
        (data.drifting_regression, {"noise": -0.5}, r"noise must be in \[0, inf\), got -0.5"),
        (data.drifting_regression, {"drift_every": 0}, r"drift_every must be in \[1, inf\), got 0"),
        (data.sparse_features, {"dim": 20, "rare": 20}, r"rare must be in \[1, 19\], got 20"),
        (data.sparse_features, {"rare": 2.5}, "rare must be a whole number, got 2.5"),
        (data.sparse_features, {"rare_rate": float("nan")}, "rare_rate must be finite, got nan"),
        (data.sine_forecasting, {"steps": 1}, r"steps must be in \[2, inf\), got 1"),
        (data.embedded_reber, {"n": 0}, r"n must be in \[1, inf\), got 0"),
        (data.char_corpus, {"sentences": 1.5}, "sentences must be a whole number, got 1.5"),
    ],
)
def test_generators_refuse_bad_noise_and_counts(make, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make(**kwargs)


def test_sparse_features_allow_a_single_common_feature():
    x, _ = data.sparse_features(50, dim=5, rare=4, rng=0)
    assert x.shape == (50, 5) and np.mean(x[:, :1] != 0) == 1.0


def test_minibatches_shuffle_must_be_a_bool():
    with pytest.raises(ValueError, match="shuffle must be True or False, got 'no'"):
        list(data.minibatches(np.arange(4), shuffle="no"))
