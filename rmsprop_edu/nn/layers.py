"""Feed-forward layers, each with its forward pass next to its derivative."""

from __future__ import annotations

import numpy as np

from .._validation import check_choice, check_int, check_range
from . import init
from .module import Module, Rng, as_generator, check_float_dtype


def check_input(layer: str, x: np.ndarray, features: int, dtype: np.dtype) -> None:
    """A clear message for the mistakes people make when wiring layers together."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{layer} expects a NumPy array, got {type(x).__name__}")
    if x.ndim < 1 or x.shape[-1] != features:
        raise ValueError(f"{layer} expects input of shape (..., {features}), got {x.shape}")
    if x.dtype != dtype:
        raise TypeError(
            f"{layer} expects {dtype} input (the dtype it was built with), got {x.dtype}; "
            f"cast it with x.astype(np.{dtype})"
        )


class Linear(Module):
    """y = x W + b, with W the parameter ``weight`` and b the parameter ``bias``.

    Shapes: x: (..., in_features), W: (in_features, out_features), b: (out_features,),
    y: (..., out_features). Backward: dW = x^T dy, db = sum of dy, dx = dy W^T; with
    ``input_grad=False`` it skips dx, a matrix product (the first layer's input is data).

    Args:
        in_features: D_in >= 1, the size of the input's last axis.
        out_features: D_out >= 1, the size of the output's last axis.
        rng (np.random.Generator | int | None): a Generator or an int seed for the initial weights
            (None, the default: fresh entropy).
        dtype: float32 or float64, of the parameters and of the inputs ``forward`` accepts.
        init_: ``"xavier"`` (uniform Glorot, the default) or ``"he"`` (normal, for ReLU layers) for
            the weight; the bias starts at 0.
    """

    def __init__(
        self, in_features: int, out_features: int, rng: Rng = None, dtype: object = np.float64, init_: str = "xavier"
    ) -> None:
        super().__init__()
        check_int("in_features", in_features, 1)
        check_int("out_features", out_features, 1)
        check_choice("init_", init_, ["xavier", "he"])
        self.dtype = check_float_dtype(dtype)
        gen = as_generator(rng)
        draw = init.he_normal if init_ == "he" else init.xavier_uniform
        self.weight = self.add_parameter("weight", draw(in_features, out_features, gen, self.dtype))
        self.bias = self.add_parameter("bias", np.zeros(out_features, dtype=self.dtype))
        self.in_features, self.out_features = in_features, out_features
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Forward: y = x W + b for x: (..., in_features) -> y: (..., out_features); caches x.

        Args:
            x: (..., in_features), of the layer's dtype.
        """
        check_input("Linear", x, self.in_features, self.dtype)
        self._x = x
        out = x @ self.weight.data
        out += self.bias.data
        return out

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Add dW = x^T dy and db = sum of dy into ``.grad``; return dx = dy W^T (None without input_grad).

        Args:
            dout: dy, (..., out_features), shaped like the output of ``forward``.
            input_grad: whether to compute and return dx (False skips the product dy W^T).
        """
        x = self._cached(self._x)
        x2, d2 = x.reshape(-1, self.in_features), dout.reshape(-1, self.out_features)
        self.weight.accumulate_grad(x2.T @ d2, owned=True)  # dW = x^T dy
        self.bias.accumulate_grad(d2.sum(axis=0), owned=True)  # db = sum over the batch of dy
        return dout @ self.weight.data.T if input_grad else None  # dx = dy W^T


class ReLU(Module):
    """y = max(x, 0); dy/dx = 1 where x > 0, else 0.

    Written as torch does, with a selection rather than ``x * mask``: a product would
    give 0 * (-inf) = nan in forward and 0 * inf = nan in backward, where torch gives 0.
    The mask is "not x <= 0", so a NaN input passes through (as in torch) rather than
    being hidden as 0.
    """

    def __init__(self) -> None:
        super().__init__()
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Forward: y = max(x, 0), shaped like x; caches the mask "not x <= 0".

        Args:
            x: an array of any shape.
        """
        self._mask = ~(x <= 0)
        return np.where(self._mask, x, x.dtype.type(0))

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backward: dx = dy where x > 0 (and where x is NaN), else 0.

        Args:
            dout: dy, shaped like x.
            input_grad: whether to return dx (False: return None).
        """
        mask = self._cached(self._mask)
        return np.where(mask, dout, dout.dtype.type(0)) if input_grad else None


class LeakyReLU(Module):
    """y = x for x > 0, slope * x otherwise; dy/dx = 1 for x > 0, slope otherwise.

    Args:
        slope: the slope for x <= 0, in [0, 1) (default 0.01; 0 gives ReLU).
    """

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        self.slope = check_range("slope", slope, 0.0, 1.0)
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Forward: y = x where x > 0, slope * x elsewhere, shaped like x; caches the mask x > 0.

        Args:
            x: an array of any shape.
        """
        self._mask = x > 0
        return np.where(self._mask, x, self.slope * x)

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backward: dx = dy where x > 0, slope * dy elsewhere.

        Args:
            dout: dy, shaped like x.
            input_grad: whether to return dx (False: return None).
        """
        mask = self._cached(self._mask)
        return np.where(mask, dout, self.slope * dout) if input_grad else None


class Tanh(Module):
    """y = tanh(x); dy/dx = 1 - y^2 (so backward needs only the output)."""

    def __init__(self) -> None:
        super().__init__()
        self._y: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Forward: y = tanh(x), shaped like x; caches y.

        Args:
            x: an array of any shape.
        """
        self._y = np.tanh(x)
        return self._y

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backward: dx = dy (1 - y^2), from the cached output.

        Args:
            dout: dy, shaped like x.
            input_grad: whether to return dx (False: return None).
        """
        y = self._cached(self._y)
        return dout * (1 - y * y) if input_grad else None


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x), computed without overflow for large |x|."""
    e = np.exp(-np.abs(x))  # e^-|x| <= 1: no overflow
    # x >= 0: 1 / (1 + e^-x);   x < 0: e^x / (1 + e^x), the same value multiplied through by e^x
    return np.where(x >= 0, 1, e) / (1 + e)


class Sigmoid(Module):
    """y = 1 / (1 + e^-x); dy/dx = y (1 - y)."""

    def __init__(self) -> None:
        super().__init__()
        self._y: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Forward: y = 1 / (1 + e^-x), shaped like x; caches y.

        Args:
            x: an array of any shape.
        """
        self._y = sigmoid(x)
        return self._y

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backward: dx = dy y (1 - y), from the cached output.

        Args:
            dout: dy, shaped like x.
            input_grad: whether to return dx (False: return None).
        """
        y = self._cached(self._y)
        return dout * y * (1 - y) if input_grad else None


class Dropout(Module):
    """Inverted dropout: in training mode y = x * m / (1 - p), with m_j = 0 with probability p, else 1.

    In eval mode (and for p = 0) it is the identity. Backward: dx = dy * m / (1 - p), the same
    scale. The mask comes from the layer's own seeded Generator, so runs are reproducible.

    Args:
        p: the probability of dropping each element, in [0, 1) (default 0.5; 0 is the identity).
        rng (np.random.Generator | int | None): a Generator or an int seed for the masks (None, the
            default: fresh entropy).
    """

    def __init__(self, p: float = 0.5, rng: Rng = None) -> None:
        super().__init__()
        self.p = check_range("p", p, 0.0, 1.0)
        self._rng = as_generator(rng)
        self._scale: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Forward: y = x * m / (1 - p) in training mode (a fresh mask m), x itself in eval mode; caches the scale.

        Args:
            x: an array of any shape; the mask has the same shape.
        """
        if not self.training or self.p == 0:
            self._scale = np.ones((), dtype=x.dtype)
            return x
        keep = self._rng.random(x.shape) >= self.p
        self._scale = (keep / (1 - self.p)).astype(x.dtype)
        return x * self._scale

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backward: dx = dy * m / (1 - p), the forward pass's scale.

        Args:
            dout: dy, shaped like x.
            input_grad: whether to return dx (False: return None).
        """
        scale = self._cached(self._scale)
        return dout * scale if input_grad else None


class Embedding(Module):
    """Rows of a table: ``idx: (...)`` of ints in [0, num) -> ``out: (..., dim)``, out = weight[idx].

    The table is the parameter ``weight: (num, dim)``. Backward scatters dout into the rows that
    were used (np.add.at handles repeated indices). Integer indices have no gradient, so it
    returns None whatever ``input_grad`` says.

    Args:
        num: the number of rows (the vocabulary size), >= 1.
        dim: the size of each row, >= 1.
        rng (np.random.Generator | int | None): a Generator or an int seed for the table, drawn from
            N(0, 0.1^2) (None, the default: fresh entropy).
        dtype: float32 or float64, of the table.
    """

    def __init__(self, num: int, dim: int, rng: Rng = None, dtype: object = np.float64) -> None:
        super().__init__()
        check_int("num", num, 1)
        check_int("dim", dim, 1)
        self.dtype = check_float_dtype(dtype)
        table = as_generator(rng).standard_normal((num, dim)) * 0.1
        self.weight = self.add_parameter("weight", table.astype(self.dtype))
        self.num = num
        self._idx: np.ndarray | None = None

    def forward(self, idx: np.ndarray) -> np.ndarray:
        """Forward: out = weight[idx]: ``idx: (...)`` of ints in [0, num) -> ``(..., dim)``; caches idx.

        Args:
            idx: integer indices of any shape, each in [0, num).
        """
        idx = np.asarray(idx)
        if not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"Embedding expects integer indices, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num):
            raise ValueError(f"Embedding indices must be in [0, {self.num}), got values in [{idx.min()}, {idx.max()}]")
        self._idx = idx
        return self.weight.data[idx]

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> None:
        """Scatter-add dout: (..., dim) into the used rows of ``weight.grad``; return None (integer input).

        Args:
            dout: (..., dim), shaped like the output of ``forward``.
            input_grad: ignored: integer indices have no gradient.
        """
        idx = self._cached(self._idx)
        grad = np.zeros_like(self.weight.data)
        np.add.at(grad, idx, dout)  # each used row gets the sum of its gradients
        self.weight.accumulate_grad(grad)
        return None  # integer indices: no input gradient
