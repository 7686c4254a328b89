"""Weight initialisers; each takes an explicit ``np.random.Generator``."""

from __future__ import annotations

import math

import numpy as np


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
    """Glorot & Bengio (2010): U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).

    Keeps the variance of activations and gradients about constant through tanh/sigmoid layers.
    """
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
    """He et al. (2015): N(0, 2 / fan_in), for ReLU layers (which zero half their inputs)."""
    return (rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in)).astype(dtype)


def orthogonal(rows: int, cols: int, rng: np.random.Generator, dtype: np.dtype, gain: float = 1.0) -> np.ndarray:
    """Saxe et al. (2014): a (semi-)orthogonal matrix.

    Repeated multiplication by it neither grows nor shrinks vectors, which helps recurrent
    weights at the start of training.
    """
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # make the decomposition unique
    q = q if rows >= cols else q.T
    return (gain * q[:rows, :cols]).astype(dtype)
