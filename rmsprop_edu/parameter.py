"""`Parameter`: an array that an optimizer updates in place, and its gradient."""

from __future__ import annotations

import numpy as np


class Parameter:
    """A trainable array and the gradient that belongs to it.

    Attributes:
        data: floating-point ndarray of any shape; optimizers update it in place,
            so every view of it (a layer's weight, a plotted point) sees the change.
        grad: ndarray with the same shape and dtype as ``data``, or ``None`` when no
            gradient has been computed since the last ``zero_grad()``. Optimizers
            skip parameters whose ``grad`` is ``None``.
        name: optional label used in error messages, state dicts and plots.

    ``Parameter(data)`` keeps a reference to ``data`` when it already is a writable
    floating-point ndarray (no copy), and converts anything else with
    ``np.asarray``. Integer or boolean data are refused: gradient descent on
    integers would silently round every step away.
    """

    __slots__ = ("data", "grad", "name")

    def __init__(self, data: object, name: str | None = None) -> None:
        array = np.asarray(data)
        label = repr(name) if name is not None else "Parameter"
        if not np.issubdtype(array.dtype, np.floating):
            raise TypeError(
                f"{label}: data must be a floating-point array, got dtype {array.dtype}; "
                "convert it first, e.g. np.asarray(data, dtype=np.float64)"
            )
        if not array.flags.writeable:
            raise ValueError(f"{label}: data must be writable (optimizers update it in place)")
        self.data: np.ndarray = array
        self.grad: np.ndarray | None = None
        self.name: str | None = name

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return int(self.data.size)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradient (``None``), or fill it with zeros if ``set_to_none=False``."""
        if set_to_none or self.grad is None:
            self.grad = None
        else:
            self.grad.fill(0)

    def accumulate_grad(self, g: np.ndarray, owned: bool = False) -> None:
        """Add ``g`` into ``.grad`` (creating it on first use), as backward passes do.
        ``owned=True`` says ``g`` is a fresh array nobody else holds, so it can become
        ``.grad`` without a copy."""
        if np.shape(g) != self.data.shape:
            raise ValueError(
                f"{self.name or 'Parameter'}: gradient shape {np.shape(g)} does not match "
                f"parameter shape {self.data.shape}"
            )
        if self.grad is None:
            fresh = owned and isinstance(g, np.ndarray) and g.dtype == self.data.dtype and g.flags.c_contiguous
            self.grad = g if fresh else np.array(g, dtype=self.data.dtype, copy=True)
        else:
            self.grad += g

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name is not None else ""
        return f"Parameter({name}shape={self.shape}, dtype={self.dtype})"
