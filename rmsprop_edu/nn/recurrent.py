"""Recurrent layers with backpropagation through time written out step by step.

All are batch-first: ``x`` (B, T, D) -> hidden states ``hs`` (B, T, H). The
input projection of every time step is one matrix product before the loop
(``x W_x`` for the whole sequence), and the weight gradients are one matrix
product after the backward loop, so only the recurrence itself is a Python loop.

``truncate=k`` (truncated BPTT) stops the gradient from flowing from step t back
to step t-1 whenever t is a positive multiple of k: the sequence is cut into
windows of k steps for the backward pass (the forward pass is unchanged).
After ``backward``, ``dh0`` (and ``dc0`` for the LSTM) hold the gradient with
respect to the initial state; after ``forward``, ``last_state`` holds the final one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_int
from . import init
from .layers import sigmoid
from .module import Module, Rng, as_generator, check_float_dtype


def _check_sequence(layer: str, x: np.ndarray, features: int, dtype: np.dtype) -> None:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{layer} expects a NumPy array, got {type(x).__name__}")
    if x.ndim != 3:
        raise ValueError(
            f"{layer} expects a batch of sequences of shape (B, T, {features}), got an array of rank {x.ndim} "
            f"with shape {x.shape}" + ("; add a batch axis with x[None]" if x.ndim == 2 else "")
        )
    if x.shape[-1] != features:
        raise ValueError(f"{layer} expects {features} input features, got shape {x.shape}")
    if x.shape[1] == 0:  # refused here: with no steps there is no last state, and backward has nothing to do
        raise ValueError(f"{layer} needs sequences of at least one time step (T >= 1), got shape {x.shape} with T = 0")
    if x.dtype != dtype:
        raise TypeError(f"{layer} expects {dtype} input (the dtype it was built with), got {x.dtype}")


def _initial(name: str, state: Any, batch: int, hidden: int, dtype: np.dtype) -> np.ndarray:
    if state is None:
        return np.zeros((batch, hidden), dtype=dtype)
    state = np.asarray(state)
    if state.shape != (batch, hidden) or state.dtype != dtype:
        raise ValueError(f"{name} must have shape {(batch, hidden)} and dtype {dtype}, got {state.shape} {state.dtype}")
    return state


def _cut(t: int, truncate: int | None) -> bool:
    return truncate is not None and t > 0 and t % truncate == 0


class _Recurrent(Module):
    def __init__(self, input_size: int, hidden_size: int, gates: int, rng: Rng, dtype: object, truncate: int | None):
        super().__init__()
        check_int("input_size", input_size, 1)
        check_int("hidden_size", hidden_size, 1)
        if truncate is not None:
            check_int("truncate", truncate, 1)
        self.input_size, self.hidden_size, self.truncate = input_size, hidden_size, truncate
        self.dtype = check_float_dtype(dtype)
        gen = as_generator(rng)
        d, h = input_size, hidden_size
        self.W_x = self.add_parameter("W_x", init.xavier_uniform(d, gates * h, gen, self.dtype))
        blocks = [init.orthogonal(h, h, gen, self.dtype) for _ in range(gates)]
        self.W_h = self.add_parameter("W_h", np.concatenate(blocks, axis=1))
        self.b = self.add_parameter("b", np.zeros(gates * h, dtype=self.dtype))
        self._cache: Any = None
        self.last_state: Any = None
        self.dh0: np.ndarray | None = None

    def _accumulate(
        self, x: np.ndarray, h_prev: np.ndarray, d_x_part: np.ndarray, d_h_part: np.ndarray, input_grad: bool = True
    ) -> np.ndarray | None:
        """Weight gradients for the whole sequence at once; returns dx (B, T, D) (None if not wanted)."""
        flat_x, flat_h = x.reshape(-1, self.input_size), h_prev.reshape(-1, self.hidden_size)
        # explicit widths: -1 cannot be inferred when the batch is empty (B = 0)
        rows, width = flat_x.shape[0], d_x_part.shape[-1]
        dxp, dhp = d_x_part.reshape(rows, width), d_h_part.reshape(rows, width)
        self.W_x.accumulate_grad(flat_x.T @ dxp, owned=True)  # dW_x = sum_t x_t^T da_t
        self.W_h.accumulate_grad(flat_h.T @ dhp, owned=True)  # dW_h = sum_t h_{t-1}^T da_t
        self.b.accumulate_grad(dxp.sum(axis=0), owned=True)
        return d_x_part @ self.W_x.data.T if input_grad else None  # dx_t = da_t W_x^T


class RNN(_Recurrent):
    """Elman RNN: h_t = tanh(x_t W_x + h_{t-1} W_h + b).

    Shapes: x (B, T, D), h0 (B, H), W_x (D, H), W_h (H, H), b (H,), hs (B, T, H).
    W_h starts orthogonal. Backward: with a_t the pre-activation,
    da_t = (dh_t + da_{t+1} W_h^T) * (1 - h_t^2).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        rng: Rng = None,
        dtype: object = np.float64,
        truncate: int | None = None,
    ):
        super().__init__(input_size, hidden_size, 1, rng, dtype, truncate)

    def forward(self, x: np.ndarray, state: np.ndarray | None = None) -> np.ndarray:
        _check_sequence("RNN", x, self.input_size, self.dtype)
        batch, steps, _ = x.shape
        h = h0 = _initial("RNN initial state", state, batch, self.hidden_size, self.dtype)
        a = x @ self.W_x.data + self.b.data  # the input part of every step at once
        hs = np.empty((batch, steps, self.hidden_size), dtype=self.dtype)
        w_h = self.W_h.data
        for t in range(steps):
            pre = a[:, t]
            pre += h @ w_h
            h = hs[:, t] = np.tanh(pre)
        self._cache = (x, h0, hs)
        self.last_state = h
        return hs

    def backward(self, dhs: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        x, h0, hs = self._cached(self._cache)
        da = np.empty_like(hs)
        dh_next = np.zeros_like(h0)
        w_h_t = self.W_h.data.T
        for t in range(hs.shape[1] - 1, -1, -1):
            dh = dhs[:, t] + dh_next
            h = hs[:, t]
            da[:, t] = dh * (1 - h * h)  # through tanh
            dh_next = np.zeros_like(h0) if _cut(t, self.truncate) else da[:, t] @ w_h_t
        self.dh0 = dh_next
        h_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
        return self._accumulate(x, h_prev, da, da, input_grad)


class LSTM(_Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), gates in the order i, f, g, o:

        [i, f, g, o] = [sigmoid, sigmoid, tanh, sigmoid](x_t W_x + h_{t-1} W_h + b)
        c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t)

    Shapes: W_x (D, 4H), W_h (H, 4H), b (4H,), state (h0, c0) each (B, H). The forget
    gate's bias starts at 1, so the cell remembers by default.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        rng: Rng = None,
        dtype: object = np.float64,
        truncate: int | None = None,
    ):
        super().__init__(input_size, hidden_size, 4, rng, dtype, truncate)
        self.b.data[hidden_size : 2 * hidden_size] = 1.0
        self.dc0: np.ndarray | None = None

    def forward(self, x: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        _check_sequence("LSTM", x, self.input_size, self.dtype)
        batch, steps, _ = x.shape
        hid = self.hidden_size
        if state is not None and not (isinstance(state, tuple) and len(state) == 2):
            raise TypeError(
                f"LSTM state must be a pair (h0, c0) of arrays of shape ({batch}, {hid}), got {type(state).__name__}"
            )
        h0, c0 = state if state is not None else (None, None)
        h = h0 = _initial("LSTM initial h", h0, batch, hid, self.dtype)
        c = c0 = _initial("LSTM initial c", c0, batch, hid, self.dtype)
        a = x @ self.W_x.data + self.b.data
        gates = np.empty((batch, steps, 4 * hid), dtype=self.dtype)
        cs, hs = (np.empty((batch, steps, hid), dtype=self.dtype) for _ in range(2))
        for t in range(steps):
            pre = a[:, t] + h @ self.W_h.data
            gate = gates[:, t]
            gate[:, : 2 * hid] = sigmoid(pre[:, : 2 * hid])  # i, f
            gate[:, 2 * hid : 3 * hid] = np.tanh(pre[:, 2 * hid : 3 * hid])  # g
            gate[:, 3 * hid :] = sigmoid(pre[:, 3 * hid :])  # o
            i, f, g, o = (gate[:, k * hid : (k + 1) * hid] for k in range(4))
            c = cs[:, t] = f * c + i * g
            h = hs[:, t] = o * np.tanh(c)
        self._cache = (x, h0, c0, gates, cs, hs)
        self.last_state = (h, c)
        return hs

    def backward(self, dhs: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        x, h0, c0, gates, cs, hs = self._cached(self._cache)
        hid = self.hidden_size
        da = np.empty_like(gates)
        dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
        for t in range(hs.shape[1] - 1, -1, -1):
            i, f, g, o = (gates[:, t, k * hid : (k + 1) * hid] for k in range(4))
            c_prev = cs[:, t - 1] if t > 0 else c0
            tanh_c = np.tanh(cs[:, t])
            dh = dhs[:, t] + dh_next
            dc = dc_next + dh * o * (1 - tanh_c * tanh_c)  # through h = o tanh(c)
            d = da[:, t]
            d[:, :hid] = dc * g * i * (1 - i)  # di through sigmoid
            d[:, hid : 2 * hid] = dc * c_prev * f * (1 - f)  # df
            d[:, 2 * hid : 3 * hid] = dc * i * (1 - g * g)  # dg through tanh
            d[:, 3 * hid :] = dh * tanh_c * o * (1 - o)  # do
            if _cut(t, self.truncate):
                dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
            else:
                dh_next, dc_next = d @ self.W_h.data.T, dc * f
        self.dh0, self.dc0 = dh_next, dc_next
        h_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
        return self._accumulate(x, h_prev, da, da, input_grad)


class GRU(_Recurrent):
    """Gated recurrent unit (Cho et al., 2014), torch's formulation, gates r, z, n:

        r = sigmoid(x W_xr + h W_hr + b_r),  z = sigmoid(x W_xz + h W_hz + b_z)
        n = tanh(x W_xn + r * (h W_hn + b_hn) + b_n)
        h_t = (1 - z) * n + z * h_{t-1}

    Shapes: W_x (D, 3H), W_h (H, 3H), b (3H,) on the input side, b_h (3H,) inside.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        rng: Rng = None,
        dtype: object = np.float64,
        truncate: int | None = None,
    ):
        super().__init__(input_size, hidden_size, 3, rng, dtype, truncate)
        self.b_h = self.add_parameter("b_h", np.zeros(3 * hidden_size, dtype=self.dtype))

    def forward(self, x: np.ndarray, state: np.ndarray | None = None) -> np.ndarray:
        _check_sequence("GRU", x, self.input_size, self.dtype)
        batch, steps, _ = x.shape
        hid = self.hidden_size
        h = h0 = _initial("GRU initial state", state, batch, hid, self.dtype)
        a = x @ self.W_x.data + self.b.data
        gates = np.empty((batch, steps, 3 * hid), dtype=self.dtype)  # r, z, n
        hw_n = np.empty((batch, steps, hid), dtype=self.dtype)
        hs = np.empty((batch, steps, hid), dtype=self.dtype)
        for t in range(steps):
            hw = h @ self.W_h.data + self.b_h.data
            r = sigmoid(a[:, t, :hid] + hw[:, :hid])
            z = sigmoid(a[:, t, hid : 2 * hid] + hw[:, hid : 2 * hid])
            n = np.tanh(a[:, t, 2 * hid :] + r * hw[:, 2 * hid :])
            gates[:, t, :hid], gates[:, t, hid : 2 * hid], gates[:, t, 2 * hid :] = r, z, n
            hw_n[:, t] = hw[:, 2 * hid :]
            h = hs[:, t] = (1 - z) * n + z * h
        self._cache = (x, h0, gates, hw_n, hs)
        self.last_state = h
        return hs

    def backward(self, dhs: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        x, h0, gates, hw_n, hs = self._cached(self._cache)
        hid = self.hidden_size
        d_x_part, d_h_part = np.empty_like(gates), np.empty_like(gates)
        dh_next = np.zeros_like(h0)
        for t in range(hs.shape[1] - 1, -1, -1):
            r, z, n = gates[:, t, :hid], gates[:, t, hid : 2 * hid], gates[:, t, 2 * hid :]
            h_prev = hs[:, t - 1] if t > 0 else h0
            dh = dhs[:, t] + dh_next
            dan = dh * (1 - z) * (1 - n * n)  # through n = tanh(...)
            daz = dh * (h_prev - n) * z * (1 - z)
            dar = dan * hw_n[:, t] * r * (1 - r)
            d_x_part[:, t, :hid], d_x_part[:, t, hid : 2 * hid], d_x_part[:, t, 2 * hid :] = dar, daz, dan
            d_h_part[:, t, :hid], d_h_part[:, t, hid : 2 * hid], d_h_part[:, t, 2 * hid :] = dar, daz, dan * r
            dh_next = np.zeros_like(h0) if _cut(t, self.truncate) else dh * z + d_h_part[:, t] @ self.W_h.data.T
        self.dh0 = dh_next
        h_prev_all = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
        self.b_h.accumulate_grad(d_h_part.reshape(-1, 3 * hid).sum(axis=0))
        return self._accumulate(x, h_prev_all, d_x_part, d_h_part, input_grad)


class LastStep(Module):
    """Many-to-one readout helper: hs (B, T, H) -> hs[:, -1] (B, H)."""

    def __init__(self) -> None:
        super().__init__()
        self._shape: tuple[int, ...] | None = None

    def forward(self, hs: np.ndarray) -> np.ndarray:
        self._shape = hs.shape
        return hs[:, -1]

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray:
        shape = self._cached(self._shape)
        dhs = np.zeros(shape, dtype=dout.dtype)
        dhs[:, -1] = dout
        return dhs
