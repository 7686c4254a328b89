"""The Module convention: forward caches what backward needs; backward adds into .grad."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..parameter import Parameter

Rng = np.random.Generator | int | None


def as_generator(rng: Rng) -> np.random.Generator:
    """A ``np.random.Generator`` from a Generator or an int seed (never global state)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator or an int seed, got {type(rng).__name__}")


def check_float_dtype(dtype: Any) -> np.dtype:
    """``np.dtype(dtype)`` if it is float32 or float64, the two dtypes the layers support."""
    resolved = np.dtype(dtype)
    if resolved not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {resolved}")
    return resolved


class Module:
    """Base class of layers and of the models built from them (losses are not Modules: see ``losses.Loss``).

    * ``forward(x)`` (also ``module(x)``) computes the output and caches exactly
      what ``backward`` needs;
    * ``backward(dout, input_grad=True)`` returns the gradient with respect to the input and
      **adds** each parameter's gradient into its ``.grad`` (so gradients of
      several losses or time steps accumulate until ``zero_grad()``);
    * ``parameters()`` lists the Parameters in a stable order, each named by its path:
      in ``Sequential(Embedding(...), RNN(...), Linear(...))`` they are ``"0.weight"``,
      ``"1.W_x"``, ``"1.W_h"``, ``"1.b"``, ``"2.weight"`` and ``"2.bias"``.
    """

    training: bool = True

    def __init__(self) -> None:
        self._params: dict[str, Parameter] = {}
        self._children: dict[str, Module] = {}
        self.training = True

    # ---------------------------------------------------------------- structure
    def add_parameter(self, name: str, data: np.ndarray) -> Parameter:
        """Register ``data`` as this module's Parameter ``name`` and return it.

        Args:
            name: the parameter's name within this module (``"weight"``, ``"W_h"``).
            data: the initial value, wrapped as it is in a Parameter.
        """
        param = Parameter(data, name=name)
        self._params[name] = param
        return param

    def add_module(self, name: str, module: Module) -> Module:
        """Register ``module`` as the child ``name`` (its parameters become ``name.*``) and return it.

        Args:
            name: the child's name, the prefix of its parameters' names.
            module: a Module (anything else raises TypeError).
        """
        if not isinstance(module, Module):
            raise TypeError(f"{name} must be a Module, got {type(module).__name__}")
        self._children[name] = module
        return module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Yield (dotted name, Parameter): this module's own first, then each child's, in order.

        Args:
            prefix: prepended to every name (a parent passes ``"child_name."``); default ``""``.
        """
        for name, param in self._params.items():
            yield prefix + name, param
        for child_name, child in self._children.items():
            yield from child.named_parameters(prefix + child_name + ".")

    def parameters(self) -> list[Parameter]:
        """The Parameters in a stable order; each one's ``.name`` is its full dotted name."""
        out = []
        for name, param in self.named_parameters():
            param.name = name
            out.append(param)
        return out

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad = None``)."""
        for param in self.parameters():
            param.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=False``: eval mode) here and in every child; return self.

        Args:
            mode: True (default) for training mode, False for eval mode.
        """
        self.training = mode
        for child in self._children.values():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Set eval mode (Dropout becomes the identity) here and in every child; return self."""
        return self.train(False)

    # ------------------------------------------------------------------ compute
    def forward(self, x: Any) -> Any:
        """Compute the output and cache exactly what ``backward`` needs (override).

        Args:
            x: the input; its type and shape depend on the module.
        """
        raise NotImplementedError

    def backward(self, dout: Any, input_grad: bool = True) -> Any:
        """Add the parameters' gradients into ``.grad`` and return d(loss)/d(input).

        Args:
            dout: d(loss)/d(output), shaped like the output of ``forward``.
            input_grad: False when the caller has no use for d(loss)/d(input), as for a
                network's first layer, whose input is data: the layer then does not compute
                it and returns None. In ``Linear`` and the recurrent layers that skips a matrix
                product; an activation then has nothing left to compute. ``Sequential`` passes
                it to its first module only; ``Embedding`` returns None either way (integer inputs).

        Returns:
            d(loss)/d(input), shaped like the input of ``forward``, or None (see ``input_grad``).
        """
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Same as ``forward(*args, **kwargs)``."""
        return self.forward(*args, **kwargs)

    def _cached(self, cache: Any) -> Any:
        if cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() called before forward()")
        return cache

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={tuple(v.data.shape)}" for k, v in self._params.items())
        children = "".join(f"\n  ({k}): {v!r}".replace("\n", "\n  ") for k, v in self._children.items())
        return f"{type(self).__name__}({inner}){children}"


class Sequential(Module):
    """Modules applied in order; parameters named by position, ``"0.weight"``, ``"0.bias"``, ``"2.weight"``, ..."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __getitem__(self, index: int) -> Module:
        return list(self._children.values())[index]

    def __len__(self) -> int:
        return len(self._children)

    def forward(self, x: Any) -> Any:
        """Apply the modules in order, each to the previous one's output.

        Args:
            x: the input of the first module.
        """
        for module in self._children.values():
            x = module(x)
        return x

    def backward(self, dout: Any, input_grad: bool = True) -> Any:
        """Backward through the modules in reverse order; ``input_grad`` reaches the first only.

        Every other module's input gradient is needed: it is the gradient at the output of the module before.

        Args:
            dout: d(loss)/d(output of the last module).
            input_grad: passed to the first module's ``backward``: False when the input is data.
        """
        modules = list(self._children.values())
        for module in reversed(modules[1:]):
            dout = module.backward(dout)
        return modules[0].backward(dout, input_grad=input_grad) if modules else dout
