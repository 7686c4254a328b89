"""How ``Optimizer.step`` runs one parameter's ``update``: in cache-sized blocks, on scratch memory.

Plumbing only; no optimizer maths lives here. Three jobs:

* **the learning rate in the parameter's dtype** (``lr_in_dtype``): ``np.float32(lr)``
  for a float32 parameter, an array lr (sweeps give each element its own) cast
  likewise, so that ``lr / (1 - beta1^t)`` and the like are computed the same way
  for a scalar lr and for each element of an array lr, and a sweep over many
  learning rates gives each run exactly the numbers of a run on its own;
* **blocks**: a parameter larger than ``chunk_bytes`` (512 KiB) is updated a block
  at a time, so the handful of arrays an update touches stay in cache between its
  passes; the blocks of a large parameter are shared by ``threads`` worker threads
  (the update is element-wise, so the bits do not depend on it);
* **scratch**: ``1 + n_scratch`` vectors of ``chunk_bytes`` per dtype and per worker
  thread, made once, however large the model; the first receives the gradient with
  maximize and L2 decay applied, the others are the update's ``scratch``. A
  parameter whose ``.data`` is not C-contiguous is updated in one piece with scratch
  arrays allocated for that step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from ..parameter import Parameter
    from .base import Optimizer

Group = dict[str, Any]


def lr_in_dtype(group: Group, dtype: np.dtype) -> Group:
    """``group`` with ``lr`` in ``dtype``.

    A scalar becomes a NumPy scalar of that dtype, an array is cast (no copy when it already
    is). The one place where an array lr is turned into numbers.
    """
    lr = group["lr"]
    cast = lr.astype(dtype, copy=False) if isinstance(lr, np.ndarray) else dtype.type(lr)
    return {**group, "lr": cast}


class Blockwise:
    """Applies an optimizer's update to a parameter block by block; owns the scratch memory."""

    def __init__(self) -> None:
        self._scratch: dict[tuple[np.dtype, int], list[np.ndarray]] = {}
        self._shaped: dict[tuple[np.dtype, tuple[int, ...]], list[np.ndarray]] = {}  # small parameters' scratch
        self._last_cast: tuple[Group, np.dtype, Group] | None = None

    def apply(self, opt: Optimizer, p: Parameter, state: dict[str, Any], group: Group, new_state: frozenset) -> None:
        """One step of ``opt`` on ``p``: gradient with maximize/decay, then ``opt.update``."""
        data, grad = p.data, p.grad
        assert grad is not None
        group = self._in_dtype(group, data.dtype)
        n, chunk = data.size, opt.chunk_bytes // data.dtype.itemsize
        if n <= chunk and data.flags.c_contiguous:  # one block: the arrays as they are, scratch shaped to match
            key = (data.dtype, data.shape)
            if key not in self._shaped:
                self._shaped[key] = [b[:n].reshape(data.shape) for b in self._buffers(opt, data.dtype, 0)]
            _update(opt, data, grad, {**state, "new_state": new_state}, group, self._shaped[key])
            return
        arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
        scalars = {**{k: v for k, v in state.items() if k not in arrays}, "new_state": new_state}
        if not data.flags.c_contiguous:
            scratch = [np.empty_like(data) for _ in range(1 + opt.n_scratch)]
            _update(opt, data, grad, {**arrays, **scalars}, group, scratch)
            return
        flat_data = data.reshape(-1)
        flat_grad = grad.reshape(-1) if grad.flags.c_contiguous else np.ravel(grad)
        flat_state = {k: v.reshape(-1) for k, v in arrays.items()}
        lr = group["lr"]
        flat_lr = np.ascontiguousarray(lr).reshape(-1) if isinstance(lr, np.ndarray) else None
        blocks = [slice(start, min(start + chunk, n)) for start in range(0, n, chunk)]

        def run(worker: int, blocks: list[slice]) -> None:
            buffers = self._buffers(opt, data.dtype, worker)
            for block in blocks:
                scratch = [b[: block.stop - block.start] for b in buffers]
                views = {**scalars, **{k: v[block] for k, v in flat_state.items()}}
                hyper = group if flat_lr is None else {**group, "lr": flat_lr[block]}
                _update(opt, flat_data[block], flat_grad[block], views, hyper, scratch)

        workers = min(opt.threads, len(blocks) // 4)
        if workers < 2:
            run(0, blocks)
            return
        # Blocks are disjoint and every update is element-wise, so threads give the same
        # bits as one thread; NumPy releases the GIL inside each ufunc.
        share = -(-len(blocks) // workers)
        pool = _pool(workers)
        futures = [pool.submit(run, w, blocks[w * share : (w + 1) * share]) for w in range(workers)]
        for future in futures:
            future.result()

    def _in_dtype(self, group: Group, dtype: np.dtype) -> Group:
        """``lr_in_dtype``, remembered for the group cast last (a scalar lr only: an array can change in place)."""
        last = self._last_cast
        if last is not None and last[0] is group and last[1] == dtype:
            return last[2]
        cast = lr_in_dtype(group, dtype)
        self._last_cast = None if isinstance(group["lr"], np.ndarray) else (group, dtype, cast)
        return cast

    def _buffers(self, opt: Optimizer, dtype: np.dtype, worker: int) -> list[np.ndarray]:
        key = (dtype, worker)
        if key not in self._scratch:
            size = opt.chunk_bytes // dtype.itemsize
            self._scratch[key] = [np.empty(size, dtype=dtype) for _ in range(1 + opt.n_scratch)]
        return self._scratch[key]


def _update(opt: Optimizer, param: np.ndarray, grad: np.ndarray, state: dict, group: Group, scratch: list) -> None:
    g = grad_with_decay(opt, param, grad, group, out=scratch[0])  # maximize, L2
    decay_weights(param, group)  # decoupled weight decay
    opt.update(param, g, state, group, scratch[1:])


def grad_with_decay(opt: Optimizer, param: np.ndarray, grad: np.ndarray, group: Group, out: np.ndarray) -> np.ndarray:
    """``(-g if maximize) + weight_decay*theta``, written into ``out`` (``grad`` itself if neither).

    The L2 term is added only where the optimizer couples it (``opt.coupled_weight_decay``, AdamW
    does not) and the group does not ask for ``decoupled_weight_decay``.

    Args:
        opt: the optimizer.
        param: the parameter's values, theta.
        grad: its gradient, g; not modified.
        group: the hyperparameters (``maximize``, ``weight_decay``, ``decoupled_weight_decay``).
        out: an array like ``param`` to write into.
    """
    maximize = group.get("maximize", False)
    coupled = opt.coupled_weight_decay and not group.get("decoupled_weight_decay", False)
    decay = group.get("weight_decay", 0.0) if coupled else 0.0
    if not maximize and decay == 0.0:
        return grad
    if decay == 0.0:
        return np.negative(grad, out=out)
    np.multiply(param, decay, out=out)  # out <- weight_decay * theta
    return np.subtract(out, grad, out=out) if maximize else np.add(out, grad, out=out)  # -g or g, + wd*theta


def decay_weights(param: np.ndarray, group: Group) -> None:
    """With ``decoupled_weight_decay``: ``theta <- theta*(1 - lr*wd)``, before the update.

    Args:
        param: the parameter's values, theta, changed in place.
        group: the hyperparameters (``lr``, ``weight_decay``, ``decoupled_weight_decay``).
    """
    if group.get("decoupled_weight_decay", False):
        param *= 1.0 - group["lr"] * group["weight_decay"]


_POOL: dict[int, ThreadPoolExecutor] = {}


def _pool(workers: int) -> ThreadPoolExecutor:
    """One process-wide pool of worker threads for large updates.

    Made on first use (and imported then too, to keep ``import rmsprop_edu`` light); remade
    only if it is too small.
    """
    from concurrent.futures import ThreadPoolExecutor

    size = max(_POOL, default=0)
    if size < workers:
        old = _POOL.pop(size, None)
        if old is not None:
            old.shutdown(wait=False)
        _POOL[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rmsprop_edu")
        size = workers
    return _POOL[size]
