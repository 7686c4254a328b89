"""Datasets made on the spot from a seed: nothing is downloaded.

Every function takes ``rng`` (a ``np.random.Generator`` or an int seed) and a
``dtype``; the same seed gives the same data. Classification sets return
``(X, y)`` with integer labels; sequence sets return batch-first arrays.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ._validation import check_bool, check_int, check_nonnegative, check_range
from .nn.module import Rng, as_generator, check_float_dtype


def _count(name: str, value: int, low: int = 1) -> int:
    return check_int(name, value, low)


# -------------------------------------------------------------------- classification in 2-D
def spirals(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, rng: Rng = 0, dtype: object = np.float64):
    """K interleaved spiral arms (the CS231n toy set): X (K*n, 2), y (K*n,) in [0, K).

    Args:
        n_per_class: n >= 1, the points on each arm.
        classes: K >= 2, the number of arms.
        noise: >= 0, the standard deviation of the Gaussian noise added to each point's angle.
        rng: a ``np.random.Generator`` or an int seed (default 0).
        dtype: float32 or float64, of X.
    """
    n, k = _count("n_per_class", n_per_class), _count("classes", classes, 2)
    check_nonnegative("noise", noise)
    gen = as_generator(rng)
    radius = np.tile(np.linspace(0.0, 1.0, n), k)
    label = np.repeat(np.arange(k), n)
    angle = label * 2 * np.pi / k + radius * 4 + gen.normal(scale=noise, size=n * k)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return x.astype(check_float_dtype(dtype)), label


def moons(n: int = 200, noise: float = 0.1, rng: Rng = 0, dtype: object = np.float64):
    """Two interleaving half circles: X (n, 2), y (n,) in {0, 1}.

    Args:
        n: >= 2, the number of points (n // 2 in class 0, the rest in class 1).
        noise: >= 0, the standard deviation of the Gaussian noise added to each coordinate.
        rng: a ``np.random.Generator`` or an int seed (default 0).
        dtype: float32 or float64, of X.
    """
    n = _count("n", n, 2)
    check_nonnegative("noise", noise)
    gen = as_generator(rng)
    half = n // 2
    t0, t1 = np.linspace(0, np.pi, half), np.linspace(0, np.pi, n - half)
    x = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    x += gen.normal(scale=noise, size=x.shape)
    return x.astype(check_float_dtype(dtype)), np.repeat([0, 1], [half, n - half])


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, rng: Rng = 0, dtype: object = np.float64):
    """A small circle inside a large one: X (n, 2), y (n,) (1 = inner).

    Args:
        n: >= 2, the number of points (n // 2 on the outer circle, the rest on the inner one).
        noise: >= 0, the standard deviation of the Gaussian noise added to each coordinate.
        factor: the inner circle's radius, in (0, 1); the outer one's is 1.
        rng: a ``np.random.Generator`` or an int seed (default 0).
        dtype: float32 or float64, of X.
    """
    n = _count("n", n, 2)
    check_nonnegative("noise", noise)
    check_range("factor", factor, 0.0, 1.0, low_open=True)
    gen = as_generator(rng)
    half = n // 2
    angle = gen.uniform(0, 2 * np.pi, n)
    radius = np.where(np.arange(n) < half, 1.0, factor)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1) + gen.normal(scale=noise, size=(n, 2))
    return x.astype(check_float_dtype(dtype)), (np.arange(n) >= half).astype(np.int64)


def xor(n: int = 200, noise: float = 0.1, rng: Rng = 0, dtype: object = np.float64):
    """Four blobs at (+-1, +-1), label 1 where the signs differ: not linearly separable.

    Returns X (n, 2) and y (n,) in {0, 1}.

    Args:
        n: >= 4, the number of points, each at a corner drawn uniformly.
        noise: >= 0, the standard deviation of the Gaussian noise added to each coordinate.
        rng: a ``np.random.Generator`` or an int seed (default 0).
        dtype: float32 or float64, of X.
    """
    n = _count("n", n, 4)
    check_nonnegative("noise", noise)
    gen = as_generator(rng)
    corners = gen.integers(0, 4, n)
    signs = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=np.float64)[corners]
    x = signs + gen.normal(scale=noise, size=(n, 2))
    return x.astype(check_float_dtype(dtype)), (corners >= 2).astype(np.int64)


# ------------------------------------------------------------------------------- streams
def drifting_regression(
    steps: int = 4000,
    dim: int = 10,
    drift_every: int = 1000,
    noise: float = 0.1,
    rng: Rng = 0,
    dtype: object = np.float64,
):
    """A non-stationary stream: y_t = x_t . w(t) + noise, where w jumps every ``drift_every`` samples.

    w jumps to a new random vector. Returns X (steps, dim), y (steps, 1) and
    W (steps, dim), the true weights at each sample. An optimizer must keep adapting to
    track it: one whose steps only shrink (Adagrad) falls further behind at every jump.

    Args:
        steps: >= 1, the number of samples.
        dim: >= 1, the number of features.
        drift_every: >= 1, the samples between jumps of w (each new w is drawn from N(0, I)).
        noise: >= 0, the standard deviation of the Gaussian noise on y.
        rng: a ``np.random.Generator`` or an int seed (default 0).
        dtype: float32 or float64, of X, y and W.
    """
    steps, dim, drift_every = _count("steps", steps), _count("dim", dim), _count("drift_every", drift_every)
    check_nonnegative("noise", noise)
    gen = as_generator(rng)
    segments = gen.normal(size=(math.ceil(steps / drift_every), dim))
    w = segments[np.arange(steps) // drift_every]
    x = gen.normal(size=(steps, dim))
    y = np.sum(x * w, axis=1, keepdims=True) + gen.normal(scale=noise, size=(steps, 1))
    f = check_float_dtype(dtype)
    return x.astype(f), y.astype(f), w.astype(f)


def sparse_features(
    n: int = 1000, dim: int = 20, rare: int = 10, rare_rate: float = 0.02, rng: Rng = 0, dtype: object = np.float64
):
    """Binary classification where the last ``rare`` features are rarely non-zero but very informative.

    Think rare words. X (n, dim), y (n,). Per-coordinate step sizes (Adagrad) learn their
    weights much faster than a global one.

    Args:
        n: >= 1, the number of samples.
        dim: >= 2, the number of features.
        rare: the number of rare features, in [1, dim - 1] (at least one feature is common).
        rare_rate: the probability that a rare feature is non-zero, in (0, 1].
        rng: a ``np.random.Generator`` or an int seed (default 0).
        dtype: float32 or float64, of X.
    """
    n, dim = _count("n", n), _count("dim", dim, 2)
    rare = check_int("rare", rare, 1, dim - 1)  # at least one common feature
    check_range("rare_rate", rare_rate, 0.0, 1.0, low_open=True, high_open=False)
    gen = as_generator(rng)
    common = gen.normal(size=(n, dim - rare))
    rare_x = (gen.random((n, rare)) < rare_rate) * gen.uniform(0.5, 1.5, (n, rare))
    w_common = gen.normal(scale=0.3, size=dim - rare)
    w_rare = gen.choice([-4.0, 4.0], size=rare)
    logits = common @ w_common + rare_x @ w_rare
    y = (gen.random(n) < 1 / (1 + np.exp(-logits))).astype(np.int64)
    return np.concatenate([common, rare_x], axis=1).astype(check_float_dtype(dtype)), y


# ----------------------------------------------------------------------------- sequences
def sine_forecasting(n: int = 64, steps: int = 40, rng: Rng = 0, dtype: object = np.float64):
    """Noisy sine waves of random frequency and phase; predict the next value at every step.

    X (n, steps, 1), Y (n, steps, 1) with Y[:, t] = X[:, t + 1].

    Args:
        n: >= 1, the number of sequences.
        steps: >= 2, the length of each sequence.
        rng: a ``np.random.Generator`` or an int seed (default 0).
        dtype: float32 or float64, of X and Y.
    """
    n, steps = _count("n", n), _count("steps", steps, 2)
    gen = as_generator(rng)
    freq = gen.uniform(0.1, 0.3, (n, 1))
    phase = gen.uniform(0, 2 * np.pi, (n, 1))
    t = np.arange(steps + 1)
    wave = np.sin(freq * t + phase) + gen.normal(scale=0.02, size=(n, steps + 1))
    f = check_float_dtype(dtype)
    return wave[:, :-1, None].astype(f), wave[:, 1:, None].astype(f)


def adding_problem(n: int = 256, steps: int = 30, rng: Rng = 0, dtype: object = np.float64):
    """Hochreiter & Schmidhuber's long-memory test: the sum of two marked values far apart.

    Each step has a random value in [0, 1] and a marker; exactly two steps are marked, one
    in each half. The target is the sum of the two marked values. X (n, steps, 2), y (n, 1).
    Predicting 1 always gives MSE ~0.167.

    Args:
        n: >= 1, the number of sequences.
        steps: >= 2, the length of each sequence; the first marker is in [0, steps // 2), the
            second in [steps // 2, steps).
        rng: a ``np.random.Generator`` or an int seed (default 0).
        dtype: float32 or float64, of X and y.
    """
    n, steps = _count("n", n), _count("steps", steps, 2)
    gen = as_generator(rng)
    values = gen.random((n, steps))
    markers = np.zeros((n, steps))
    first = gen.integers(0, steps // 2, n)
    second = gen.integers(steps // 2, steps, n)
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    y = (values * markers).sum(axis=1, keepdims=True)
    f = check_float_dtype(dtype)
    return np.stack([values, markers], axis=2).astype(f), y.astype(f)


_REBER = {  # state -> [(symbol, next state)]
    0: [("T", 1), ("P", 2)],
    1: [("S", 1), ("X", 3)],
    2: [("T", 2), ("V", 4)],
    3: [("X", 2), ("S", 5)],
    4: [("P", 3), ("V", 5)],
}
REBER_SYMBOLS = "BTSXPVE"


def _reber(gen: np.random.Generator) -> str:
    out, state = ["B"], 0
    while state != 5:
        symbol, state = _REBER[state][gen.integers(2)]
        out.append(symbol)
    return "".join(out) + "E"


def embedded_reber(n: int = 100, rng: Rng = 0) -> list[str]:
    """Strings of the embedded Reber grammar: B, T or P, a Reber string, the *same* T or P, E.

    Predicting that second T/P needs memory across the whole string.

    Args:
        n: >= 1, the number of strings.
        rng: a ``np.random.Generator`` or an int seed (default 0).
    """
    n = _count("n", n)
    gen = as_generator(rng)
    out = []
    for _ in range(n):
        branch = "TP"[gen.integers(2)]
        out.append(f"B{branch}{_reber(gen)}{branch}E")
    return out


def one_hot(strings: list[str], alphabet: str = REBER_SYMBOLS, dtype: object = np.float64) -> list[np.ndarray]:
    """Each string as a (len, len(alphabet)) one-hot array.

    Args:
        strings: the strings; every character must be in ``alphabet``.
        alphabet: the symbols, in the order of the one-hot columns (default ``REBER_SYMBOLS``, "BTSXPVE").
        dtype: float32 or float64, of the arrays.
    """
    index = {c: i for i, c in enumerate(alphabet)}
    eye = np.eye(len(alphabet), dtype=check_float_dtype(dtype))
    return [eye[[index[c] for c in s]] for s in strings]


_SUBJECTS = [
    "the optimizer",
    "a gradient",
    "the learning rate",
    "every step",
    "the loss",
    "a student",
    "momentum",
    "the network",
]
_VERBS = ["follows", "shrinks", "remembers", "divides", "scales", "forgets", "measures", "watches"]
_OBJECTS = [
    "the valley",
    "the squared gradients",
    "each weight",
    "the noise",
    "the minimum",
    "its history",
    "the slope",
    "a saddle",
]
_ENDINGS = [".", ".", ".", " again.", " slowly.", " at last.", " in the dark.", " with care."]

#: the word grammar of :func:`char_corpus`: a line is subject, verb, object and ending, each drawn
#: uniformly from these lists (so a lesson can check whether sampled text follows the grammar).
CORPUS_GRAMMAR: dict[str, tuple[str, ...]] = {
    "subjects": tuple(_SUBJECTS),
    "verbs": tuple(_VERBS),
    "objects": tuple(_OBJECTS),
    "endings": tuple(_ENDINGS),
}


def char_corpus(sentences: int = 400, rng: Rng = 0) -> str:
    """A small English-like corpus made from a word grammar (subject verb object ending).

    For character-level language models: regular enough to learn in seconds, varied enough
    that sampling shows what was learned.

    Args:
        sentences: >= 1, the number of lines, each ending in a newline.
        rng: a ``np.random.Generator`` or an int seed (default 0).
    """
    sentences = _count("sentences", sentences)
    gen = as_generator(rng)
    lines = []
    for _ in range(sentences):
        parts = [
            _SUBJECTS[gen.integers(len(_SUBJECTS))],
            _VERBS[gen.integers(len(_VERBS))],
            _OBJECTS[gen.integers(len(_OBJECTS))],
        ]
        lines.append(" ".join(parts) + _ENDINGS[gen.integers(len(_ENDINGS))])
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ batches
def minibatches(
    *arrays: np.ndarray, batch_size: int = 32, shuffle: bool = True, rng: Rng = 0
) -> Iterator[tuple[np.ndarray, ...]]:
    """One pass over the arrays (same first axis) in batches; shuffled from ``rng`` if asked.

    The last batch may be smaller.

    Args:
        *arrays: one or more arrays with the same length along the first axis.
        batch_size: >= 1, the rows per batch.
        shuffle: whether to visit the rows in a random order (default True) or in order.
        rng: a ``np.random.Generator`` or an int seed for the order (default 0).
    """
    if not arrays:
        raise ValueError("minibatches needs at least one array")
    n = len(arrays[0])
    for a in arrays:
        if len(a) != n:
            raise ValueError(f"all arrays must have the same length, got {[len(a) for a in arrays]}")
    batch_size = _count("batch_size", batch_size)
    shuffle = check_bool("shuffle", shuffle)
    order = as_generator(rng).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        index = order[start : start + batch_size]
        yield tuple(a[index] for a in arrays)


__all__ = [
    "CORPUS_GRAMMAR",
    "REBER_SYMBOLS",
    "adding_problem",
    "char_corpus",
    "circles",
    "drifting_regression",
    "embedded_reber",
    "minibatches",
    "moons",
    "one_hot",
    "sine_forecasting",
    "sparse_features",
    "spirals",
    "xor",
]
