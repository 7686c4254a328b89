"""`Parameter`: an array that an optimizer updates in place, and its gradient."""

from __future__ import annotations

import numbers
import reprlib

import numpy as np


class Parameter:
    """A trainable array and the gradient that belongs to it.

    Attributes:
        data: floating-point ndarray of any shape; optimizers update it in place,
            so every view of it (a layer's weight, a plotted point) sees the change.
        grad: ndarray with the same shape and dtype as ``data``, or ``None`` when no
            gradient has been computed since the last ``zero_grad()``. Optimizers
            skip parameters whose ``grad`` is ``None``. Assigning checks it on the
            spot, so a mistake is reported on the line that made it: an ndarray of
            the right shape and dtype is kept as it is (no copy); a NumPy scalar
            (``2 * p.data`` when ``p.data`` is 0-d) becomes a 0-d array of its own
            dtype; a Python number or a nested list takes ``data``'s dtype. Any other
            shape or dtype is an error that says what to write instead.
        name: optional label used in error messages, state dicts and plots.

    ``Parameter(data)`` keeps a reference to ``data`` when it already is a writable
    floating-point ndarray (no copy), and converts anything else with
    ``np.asarray``. Integer or boolean data are refused: gradient descent on
    integers would silently round every step away.
    """

    __slots__ = ("_grad", "data", "name")

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
        self._grad: np.ndarray | None = None
        self.name: str | None = name

    @property
    def grad(self) -> np.ndarray | None:
        """The gradient, shaped and typed like ``data``, or None.

        Setting it accepts such an array as it is (no copy), converts a number or a nested list
        to ``data``'s dtype, and refuses anything else with a message saying what to write.
        """
        return self._grad

    @grad.setter
    def grad(self, value: object) -> None:
        data = self.data
        if value is None:
            self._grad = None
        elif (
            isinstance(value, np.ndarray) and value.shape == getattr(data, "shape", None) and value.dtype == data.dtype
        ):
            self._grad = value  # the common case (backward passes, training loops): kept, no copy
        else:
            self._grad = self._as_grad(value)

    def _as_grad(self, value: object) -> np.ndarray:
        """Turn a NumPy scalar, Python number or nested list into a gradient array.

        Otherwise say what is wrong with ``value`` and what to write instead.
        """
        data, label = self.data, self._label()
        if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.floating):
            return value  # type: ignore[return-value]  # .data itself is broken: step() reports it
        if isinstance(value, (bool, np.bool_, str, bytes)) or not isinstance(
            value, (np.ndarray, np.generic, numbers.Real, list, tuple)
        ):
            if isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{label}: a gradient must hold numbers, got {value!r}")
            raise TypeError(
                f"{label}: .grad must be an ndarray of shape {data.shape} and dtype {data.dtype}, "
                f"a number, a nested list or None; got {type(value).__name__} {reprlib.repr(value)}"
            )
        if isinstance(value, (np.ndarray, np.generic)):
            grad = np.asarray(value)  # an ndarray as it is; a NumPy scalar as a 0-d array of its dtype
        else:
            grad = self._from_python(value, label)
        if grad.shape != data.shape:
            hint = ""
            if grad.shape == ():
                hint = f"; for the same value everywhere write np.full({data.shape}, g)"
            elif grad.size == data.size:
                hint = f"; if the order is right, write g.reshape({data.shape})"
            raise ValueError(f"{label}: gradient shape {grad.shape} does not match parameter shape {data.shape}{hint}")
        if grad.dtype != data.dtype:
            raise TypeError(
                f"{label}: gradient dtype {grad.dtype} does not match parameter dtype {data.dtype}; "
                f"convert it: g.astype(np.{data.dtype})"
            )
        return grad

    def _from_python(self, value: object, label: str) -> np.ndarray:
        """A Python number or (nested) list, converted to ``data``'s dtype."""
        try:
            raw = np.asarray(value)
        except (ValueError, TypeError) as error:  # a ragged list
            raise ValueError(f"{label}: could not read the gradient list {reprlib.repr(value)} ({error})") from None
        if raw.dtype.kind not in "iuf":
            raise TypeError(f"{label}: a gradient must hold numbers, got {reprlib.repr(value)}")
        with np.errstate(over="ignore"):
            grad = raw.astype(self.data.dtype)
        if not np.isfinite(grad).all() and np.isfinite(raw).all():
            raise ValueError(
                f"{label}: gradient value(s) beyond {self.data.dtype}'s largest "
                f"{float(np.finfo(self.data.dtype).max):g}, got {reprlib.repr(value)}; scale the loss down"
            )
        return grad

    def _label(self) -> str:
        return f"parameter {self.name!r}" if self.name is not None else "Parameter"

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``."""
        return tuple(self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        """The dtype of ``data``."""
        return self.data.dtype

    @property
    def size(self) -> int:
        """The number of elements of ``data``."""
        return int(self.data.size)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradient (``None``), or fill it with zeros if ``set_to_none=False``.

        Args:
            set_to_none: True (default) sets ``.grad`` to None; False zeroes the existing array in
                place (a gradient that is None stays None).
        """
        if set_to_none or self._grad is None:
            self._grad = None
        else:
            self._grad.fill(0)

    def accumulate_grad(self, g: np.ndarray, owned: bool = False) -> None:
        """Add ``g`` into ``.grad`` (creating it on first use), as backward passes do.

        ``owned=True`` says ``g`` is a fresh array nobody else holds, so it can become
        ``.grad`` without a copy.

        Args:
            g: the gradient to add, shaped like ``.data`` (else ValueError).
            owned: True when ``g`` is fresh and nobody else holds it: on first use it then becomes
                ``.grad`` itself if it already has the parameter's dtype and is C-contiguous;
                otherwise (default False) ``.grad`` starts as a copy.
        """
        if np.shape(g) != self.data.shape:
            raise ValueError(
                f"{self.name or 'Parameter'}: gradient shape {np.shape(g)} does not match "
                f"parameter shape {self.data.shape}"
            )
        if self._grad is None:
            fresh = owned and isinstance(g, np.ndarray) and g.dtype == self.data.dtype and g.flags.c_contiguous
            self._grad = g if fresh else np.array(g, dtype=self.data.dtype, copy=True)
        else:
            self._grad += g

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name is not None else ""
        return f"Parameter({name}shape={self.shape}, dtype={self.dtype})"
