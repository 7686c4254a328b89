"""Recurrent layers with backpropagation through time written out step by step.

All are batch-first: ``x: (B, T, D)`` -> hidden states ``hs: (B, T, H)``. The
input projection of every time step is one matrix product before the loop
(``x W_x + b`` for the whole sequence), and the weight gradients are one matrix
product after the backward loop, so only the recurrence itself is a Python loop.
As in CS231n, each cell's step is a small function whose lines are the equations
of its class docstring (``_lstm_step`` and ``_lstm_step_backward``, the same for
the GRU); the class runs the loop over time. The RNN's step is two lines, written
in its loop.

Notation: ``dX`` is d(loss)/dX. Going back through time, ``dh_prev`` is what step
t + 1 sends back to h_t (as in CS231n's ``dprev_h``), so the gradient reaching h_t
is ``dh = dhs[:, t] + dh_prev``: from the output at step t and from the steps after it.

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
    """Whether truncated BPTT stops the gradient between step t and step t - 1."""
    return truncate is not None and t > 0 and t % truncate == 0


def _ifgo(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The LSTM's gate blocks i, f, g, o of ``a: (..., 4H)``, as views (writing into one writes into ``a``)."""
    hid = a.shape[-1] // 4
    return a[..., :hid], a[..., hid : 2 * hid], a[..., 2 * hid : 3 * hid], a[..., 3 * hid :]


def _rzn(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The GRU's gate blocks r, z, n of ``a: (..., 3H)``, as views (writing into one writes into ``a``)."""
    hid = a.shape[-1] // 3
    return a[..., :hid], a[..., hid : 2 * hid], a[..., 2 * hid :]


class _Recurrent(Module):
    """What the three cells share: the weights W_x, W_h, b, the checks, and the weight gradients."""

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

    def _weight_grads(
        self, x: np.ndarray, h0: np.ndarray, hs: np.ndarray, da: np.ndarray, du: np.ndarray, input_grad: bool
    ) -> np.ndarray | None:
        """Add dW_x, dW_h and db into ``.grad`` for the whole sequence at once; return dx (None if not wanted).

        Args:
            x: (B, T, D), the inputs.
            h0: (B, H), the initial state.
            hs: (B, T, H), the hidden states.
            da: (B, T, G*H), the gradient at the input side x_t W_x + b of every step
                (G = 1, 4, 3 blocks for the RNN, the LSTM, the GRU).
            du: (B, T, G*H), the gradient at the hidden side h_{t-1} W_h. The RNN and the LSTM
                add the two sides before any nonlinearity, so they pass ``du=da``; the GRU does not.
            input_grad: whether to compute dx.

        Returns:
            dx: (B, T, D), or None if ``input_grad`` is False.
        """
        h_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)  # h_{t-1} of every step t
        flat_x, flat_h = x.reshape(-1, self.input_size), h_prev.reshape(-1, self.hidden_size)
        # explicit widths: -1 cannot be inferred when the batch is empty (B = 0)
        rows, width = flat_x.shape[0], da.shape[-1]
        flat_da, flat_du = da.reshape(rows, width), du.reshape(rows, width)
        self.W_x.accumulate_grad(flat_x.T @ flat_da, owned=True)  # dW_x = sum_t x_t^T da_t
        self.W_h.accumulate_grad(flat_h.T @ flat_du, owned=True)  # dW_h = sum_t h_{t-1}^T du_t
        self.b.accumulate_grad(flat_da.sum(axis=0), owned=True)  # db = sum_t da_t (and over the batch)
        return da @ self.W_x.data.T if input_grad else None  # dx_t = da_t W_x^T


class RNN(_Recurrent):
    """Elman RNN.

    Forward, for t = 0, ..., T-1::

        a_t = x_t W_x + h_{t-1} W_h + b
        h_t = tanh(a_t)

    Backward, for t = T-1, ..., 0 (dh_t: the gradient reaching h_t from the output and from step t + 1)::

        dh_t = dhs_t + da_{t+1} W_h^T
        da_t = dh_t * (1 - h_t^2)
        dW_x = sum_t x_t^T da_t,   dW_h = sum_t h_{t-1}^T da_t,   db = sum_t da_t
        dx_t = da_t W_x^T,   dh0 = da_0 W_h^T

    Shapes: x: (B, T, D), h0: (B, H), W_x: (D, H), W_h: (H, H), b: (H,), hs: (B, T, H).
    W_h starts orthogonal.

    Args:
        input_size: D >= 1, the number of input features.
        hidden_size: H >= 1, the size of the hidden state.
        rng (np.random.Generator | int | None): a Generator or an int seed for the initial weights
            (None, the default: fresh entropy).
        dtype: float32 or float64, of the parameters and of the inputs ``forward`` accepts.
        truncate: k >= 1 for truncated BPTT (the gradient stops between steps t and t - 1 at every
            positive multiple t of k), or None (default) for full BPTT.
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
        """Run the sequence.

        Args:
            x: (B, T, D), the inputs.
            state: (B, H), the initial state h0 (zeros if None).

        Returns:
            hs: (B, T, H), the hidden state of every step.
        """
        _check_sequence("RNN", x, self.input_size, self.dtype)
        batch, steps, _ = x.shape
        h = h0 = _initial("RNN initial state", state, batch, self.hidden_size, self.dtype)
        a = x @ self.W_x.data + self.b.data  # x_t W_x + b for every step at once; the loop adds h_{t-1} W_h
        hs = np.empty((batch, steps, self.hidden_size), dtype=self.dtype)
        w_h = self.W_h.data
        for t in range(steps):
            a_t = a[:, t]
            a_t += h @ w_h  # a_t = x_t W_x + h_{t-1} W_h + b
            h = hs[:, t] = np.tanh(a_t)  # h_t = tanh(a_t)
        self._cache = (x, h0, hs)
        self.last_state = h
        return hs

    def backward(self, dhs: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate through time; add dW_x, dW_h, db into ``.grad`` and set ``dh0``.

        Args:
            dhs: (B, T, H), the gradient at every hidden state.
            input_grad: whether to compute dx.

        Returns:
            dx: (B, T, D), or None if ``input_grad`` is False.
        """
        x, h0, hs = self._cached(self._cache)
        da = np.empty_like(hs)
        dh_prev = np.zeros_like(h0)  # nothing comes back from after the last step
        w_h_t = self.W_h.data.T
        for t in reversed(range(hs.shape[1])):
            dh = dhs[:, t] + dh_prev  # dh_t = dhs_t + da_{t+1} W_h^T
            h = hs[:, t]
            da[:, t] = dh * (1 - h * h)  # da_t = dh_t * (1 - h_t^2), through tanh
            dh_prev = np.zeros_like(h0) if _cut(t, self.truncate) else da[:, t] @ w_h_t  # da_t W_h^T
        self.dh0 = dh_prev
        # a_t adds x_t W_x and h_{t-1} W_h, so both weights see the same da
        return self._weight_grads(x, h0, hs, da=da, du=da, input_grad=input_grad)


def _lstm_step(a: np.ndarray, c_prev: np.ndarray, gates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One LSTM step forward.

    Args:
        a: (B, 4H), the pre-activation a_t = x_t W_x + h_{t-1} W_h + b.
        c_prev: (B, H), the cell c_{t-1}.
        gates: (B, 4H), receives i, f, g, o for backward.

    Returns:
        h_t, c_t and tanh(c_t), each (B, H); backward needs the last one.
    """
    a_i, a_f, a_g, a_o = _ifgo(a)
    i = sigmoid(a_i)
    f = sigmoid(a_f)
    g = np.tanh(a_g)
    o = sigmoid(a_o)
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    np.concatenate([i, f, g, o], axis=-1, out=gates)  # kept for backward
    return h, c, tanh_c


def _lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, c_prev: np.ndarray, tanh_c: np.ndarray, gates: np.ndarray, da: np.ndarray
) -> np.ndarray:
    """One LSTM step backward.

    Args:
        dh: (B, H), dh_t, the gradient reaching h_t.
        dc: (B, H), f_{t+1} * dc_{t+1}, what step t + 1 sends back to c_t.
        c_prev: (B, H), the cell c_{t-1}.
        tanh_c: (B, H), tanh(c_t), saved by the forward step.
        gates: (B, 4H), the forward step's i, f, g, o.
        da: (B, 4H), receives da_i, da_f, da_g, da_o.

    Returns:
        f * dc_t, (B, H): what reaches c_{t-1}.
    """
    i, f, g, o = _ifgo(gates)
    dc = dc + dh * o * (1 - tanh_c * tanh_c)  # dc_t, adding the path through h_t = o * tanh(c_t)
    da_i = dc * g * i * (1 - i)
    da_f = dc * c_prev * f * (1 - f)
    da_g = dc * i * (1 - g * g)
    da_o = dh * tanh_c * o * (1 - o)
    np.concatenate([da_i, da_f, da_g, da_o], axis=-1, out=da)  # da_t = [da_i, da_f, da_g, da_o]
    return dc * f


class LSTM(_Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), gates in the order i, f, g, o.

    Forward, for t = 0, ..., T-1 (``_lstm_step``)::

        a_t = x_t W_x + h_{t-1} W_h + b = [a_i, a_f, a_g, a_o]
        i = sigmoid(a_i),   f = sigmoid(a_f),   g = tanh(a_g),   o = sigmoid(a_o)
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    Backward, for t = T-1, ..., 0 (``_lstm_step_backward``; gates without a subscript are step t's)::

        dh_t = dhs_t + da_{t+1} W_h^T
        dc_t = f_{t+1} * dc_{t+1} + dh_t * o * (1 - tanh(c_t)^2)
        da_i = dc_t * g * i * (1 - i)
        da_f = dc_t * c_{t-1} * f * (1 - f)
        da_g = dc_t * i * (1 - g^2)
        da_o = dh_t * tanh(c_t) * o * (1 - o)
        dW_x = sum_t x_t^T da_t,   dW_h = sum_t h_{t-1}^T da_t,   db = sum_t da_t
        dx_t = da_t W_x^T,   dh0 = da_0 W_h^T,   dc0 = f_0 * dc_0

    Shapes: x: (B, T, D), state (h0, c0): (B, H) each, W_x: (D, 4H), W_h: (H, 4H), b: (4H,),
    hs: (B, T, H). The forget gate's bias starts at 1, so the cell remembers by default.

    Args:
        input_size: D >= 1, the number of input features.
        hidden_size: H >= 1, the size of the hidden (and cell) state.
        rng (np.random.Generator | int | None): a Generator or an int seed for the initial weights
            (None, the default: fresh entropy).
        dtype: float32 or float64, of the parameters and of the inputs ``forward`` accepts.
        truncate: k >= 1 for truncated BPTT (the gradient stops between steps t and t - 1 at every
            positive multiple t of k), or None (default) for full BPTT.
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
        _, b_f, _, _ = _ifgo(self.b.data)
        b_f[:] = 1.0
        self.dc0: np.ndarray | None = None

    def forward(self, x: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Run the sequence.

        Args:
            x: (B, T, D), the inputs.
            state: a pair (h0, c0), each (B, H) (zeros if None).

        Returns:
            hs: (B, T, H), the hidden state of every step.
        """
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
        a = x @ self.W_x.data + self.b.data  # x_t W_x + b for every step at once
        gates = np.empty((batch, steps, 4 * hid), dtype=self.dtype)  # i, f, g, o
        cs, hs, tanh_cs = (np.empty((batch, steps, hid), dtype=self.dtype) for _ in range(3))
        w_h = self.W_h.data
        for t in range(steps):
            a_t = a[:, t] + h @ w_h  # a_t = x_t W_x + h_{t-1} W_h + b
            h, c, tanh_c = _lstm_step(a_t, c, gates[:, t])
            hs[:, t], cs[:, t], tanh_cs[:, t] = h, c, tanh_c
        self._cache = (x, h0, c0, gates, cs, hs, tanh_cs)
        self.last_state = (h, c)
        return hs

    def backward(self, dhs: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate through time; add dW_x, dW_h, db into ``.grad`` and set ``dh0`` and ``dc0``.

        Args:
            dhs: (B, T, H), the gradient at every hidden state.
            input_grad: whether to compute dx.

        Returns:
            dx: (B, T, D), or None if ``input_grad`` is False.
        """
        x, h0, c0, gates, cs, hs, tanh_cs = self._cached(self._cache)
        da = np.empty_like(gates)
        dh_prev, dc_prev = np.zeros_like(h0), np.zeros_like(c0)  # nothing comes back from after the last step
        w_h_t = self.W_h.data.T
        for t in reversed(range(hs.shape[1])):
            c_prev = cs[:, t - 1] if t > 0 else c0
            dh = dhs[:, t] + dh_prev  # dh_t = dhs_t + da_{t+1} W_h^T
            dc_prev = _lstm_step_backward(dh, dc_prev, c_prev, tanh_cs[:, t], gates[:, t], da[:, t])
            if _cut(t, self.truncate):
                dh_prev, dc_prev = np.zeros_like(h0), np.zeros_like(c0)
            else:
                dh_prev = da[:, t] @ w_h_t  # da_t W_h^T
        self.dh0, self.dc0 = dh_prev, dc_prev
        # a_t adds x_t W_x and h_{t-1} W_h, so both weights see the same da
        return self._weight_grads(x, h0, hs, da=da, du=da, input_grad=input_grad)


def _gru_step(a: np.ndarray, u: np.ndarray, h_prev: np.ndarray, gates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One GRU step forward.

    Args:
        a: (B, 3H), the input side a_t = x_t W_x + b.
        u: (B, 3H), the hidden side u_t = h_{t-1} W_h + b_h.
        h_prev: (B, H), the state h_{t-1}.
        gates: (B, 3H), receives r, z, n for backward.

    Returns:
        h_t and u_n, each (B, H); backward needs u_n.
    """
    a_r, a_z, a_n = _rzn(a)
    u_r, u_z, u_n = _rzn(u)
    r = sigmoid(a_r + u_r)
    z = sigmoid(a_z + u_z)
    n = np.tanh(a_n + r * u_n)
    h = (1 - z) * n + z * h_prev
    np.concatenate([r, z, n], axis=-1, out=gates)  # kept for backward
    return h, u_n


def _gru_step_backward(
    dh: np.ndarray, h_prev: np.ndarray, gates: np.ndarray, u_n: np.ndarray, da: np.ndarray, du: np.ndarray
) -> np.ndarray:
    """One GRU step backward.

    Args:
        dh: (B, H), dh_t, the gradient reaching h_t.
        h_prev: (B, H), the state h_{t-1}.
        gates: (B, 3H), the forward step's r, z, n.
        u_n: (B, H), the forward step's u_n.
        da: (B, 3H), receives da_r, da_z, da_n (the input side).
        du: (B, 3H), receives du_r, du_z, du_n (the hidden side).

    Returns:
        dh_t * z, (B, H): what reaches h_{t-1} directly, without W_h.
    """
    r, z, n = _rzn(gates)
    da_n = dh * (1 - z) * (1 - n * n)
    da_z = dh * (h_prev - n) * z * (1 - z)
    da_r = da_n * u_n * r * (1 - r)
    np.concatenate([da_r, da_z, da_n], axis=-1, out=da)  # da_t = [da_r, da_z, da_n]
    np.concatenate([da_r, da_z, da_n * r], axis=-1, out=du)  # du_t = [da_r, da_z, da_n * r]
    return dh * z


class GRU(_Recurrent):
    """Gated recurrent unit (Cho et al., 2014), torch's formulation, gates in the order r, z, n.

    Forward, for t = 0, ..., T-1 (``_gru_step``). The input side a and the hidden side u
    are kept apart, because the reset gate r multiplies u_n alone::

        a_t = x_t W_x + b         = [a_r, a_z, a_n]
        u_t = h_{t-1} W_h + b_h   = [u_r, u_z, u_n]
        r = sigmoid(a_r + u_r),   z = sigmoid(a_z + u_z),   n = tanh(a_n + r * u_n)
        h_t = (1 - z) * n + z * h_{t-1}

    Backward, for t = T-1, ..., 0 (``_gru_step_backward``; gates without a subscript are step t's)::

        dh_t = dhs_t + dh_{t+1} * z_{t+1} + du_{t+1} W_h^T
        da_n = dh_t * (1 - z) * (1 - n^2)
        da_z = dh_t * (h_{t-1} - n) * z * (1 - z)
        da_r = da_n * u_n * r * (1 - r)
        du_t = [da_r, da_z, da_n * r]
        dW_x = sum_t x_t^T da_t,   db = sum_t da_t,   dW_h = sum_t h_{t-1}^T du_t,   db_h = sum_t du_t
        dx_t = da_t W_x^T,   dh0 = dh_0 * z_0 + du_0 W_h^T

    Shapes: x: (B, T, D), h0: (B, H), W_x: (D, 3H), b: (3H,), W_h: (H, 3H), b_h: (3H,), hs: (B, T, H).

    Args:
        input_size: D >= 1, the number of input features.
        hidden_size: H >= 1, the size of the hidden state.
        rng (np.random.Generator | int | None): a Generator or an int seed for the initial weights
            (None, the default: fresh entropy).
        dtype: float32 or float64, of the parameters and of the inputs ``forward`` accepts.
        truncate: k >= 1 for truncated BPTT (the gradient stops between steps t and t - 1 at every
            positive multiple t of k), or None (default) for full BPTT.
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
        """Run the sequence.

        Args:
            x: (B, T, D), the inputs.
            state: (B, H), the initial state h0 (zeros if None).

        Returns:
            hs: (B, T, H), the hidden state of every step.
        """
        _check_sequence("GRU", x, self.input_size, self.dtype)
        batch, steps, _ = x.shape
        hid = self.hidden_size
        h = h0 = _initial("GRU initial state", state, batch, hid, self.dtype)
        a = x @ self.W_x.data + self.b.data  # a_t = x_t W_x + b for every step at once
        gates = np.empty((batch, steps, 3 * hid), dtype=self.dtype)  # r, z, n
        u_ns = np.empty((batch, steps, hid), dtype=self.dtype)  # backward needs u_n, which r multiplies
        hs = np.empty((batch, steps, hid), dtype=self.dtype)
        w_h, b_h = self.W_h.data, self.b_h.data
        for t in range(steps):
            u = h @ w_h + b_h  # u_t = h_{t-1} W_h + b_h
            h, u_n = _gru_step(a[:, t], u, h, gates[:, t])
            hs[:, t], u_ns[:, t] = h, u_n
        self._cache = (x, h0, gates, u_ns, hs)
        self.last_state = h
        return hs

    def backward(self, dhs: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate through time; add dW_x, db, dW_h, db_h into ``.grad`` and set ``dh0``.

        Args:
            dhs: (B, T, H), the gradient at every hidden state.
            input_grad: whether to compute dx.

        Returns:
            dx: (B, T, D), or None if ``input_grad`` is False.
        """
        x, h0, gates, u_ns, hs = self._cached(self._cache)
        da, du = np.empty_like(gates), np.empty_like(gates)
        dh_prev = np.zeros_like(h0)  # nothing comes back from after the last step
        w_h_t = self.W_h.data.T
        for t in reversed(range(hs.shape[1])):
            h_prev = hs[:, t - 1] if t > 0 else h0
            dh = dhs[:, t] + dh_prev  # dh_t = dhs_t + dh_{t+1} * z_{t+1} + du_{t+1} W_h^T
            dh_direct = _gru_step_backward(dh, h_prev, gates[:, t], u_ns[:, t], da[:, t], du[:, t])
            dh_prev = np.zeros_like(h0) if _cut(t, self.truncate) else dh_direct + du[:, t] @ w_h_t
        self.dh0 = dh_prev
        self.b_h.accumulate_grad(du.reshape(-1, du.shape[-1]).sum(axis=0))  # db_h = sum_t du_t
        return self._weight_grads(x, h0, hs, da=da, du=du, input_grad=input_grad)


class LastStep(Module):
    """Many-to-one readout: ``hs: (B, T, H)`` -> ``hs[:, -1]: (B, H)``; backward puts dout at the last step."""

    def __init__(self) -> None:
        super().__init__()
        self._shape: tuple[int, ...] | None = None

    def forward(self, hs: np.ndarray) -> np.ndarray:
        """Forward: the last hidden state, ``hs: (B, T, H)`` -> ``(B, H)``; caches the shape.

        Args:
            hs: (B, T, H), the hidden states of a recurrent layer.
        """
        self._shape = hs.shape
        return hs[:, -1]

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backward: dhs: (B, T, H), zero but for dout at the last step (None without input_grad).

        Args:
            dout: (B, H), the gradient at the last hidden state.
            input_grad: whether to return dhs (False: return None).
        """
        shape = self._cached(self._shape)
        if not input_grad:  # its only output is the input gradient
            return None
        dhs = np.zeros(shape, dtype=dout.dtype)
        dhs[:, -1] = dout
        return dhs
