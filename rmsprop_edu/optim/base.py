"""The optimizer base class: all the plumbing, none of the maths.

A subclass declares its hyperparameters (``defaults`` and ``checks``), the names
of its per-parameter state arrays (``state_names``), and writes two short
methods:

* ``update(param, grad, state, group, scratch)``: one in-place update of one
  (piece of a) parameter, written as the paper writes it;
* ``effective_lr_from_state(state, group, out)``: the element-wise multiplier
  that update applied to the direction it stepped along.

The base class does everything else, identically for every optimizer:

* parameter groups (``{"params": [...], "lr": ...}``) whose keys override the
  defaults, validated by one helper with one message format;
* skipping parameters whose ``.grad`` is ``None``;
* checking every gradient (shape, dtype, finiteness) and every hyperparameter
  **before** anything is modified, so that a failed ``step()`` leaves the
  parameters and the state exactly as they were;
* the per-parameter step counter ``state["step"]``;
* ``maximize`` (the gradient's sign is flipped) and coupled L2 weight decay
  (``g <- g + weight_decay * theta``), applied to a scratch copy so that
  ``param.grad`` is never modified;
* cache-sized chunking: large parameters are updated a block at a time, so the
  many small in-place passes of an update stay in cache (see ``chunk_bytes``);
* precision: ``lr`` reaches ``update`` in the parameter's dtype (``np.float32(lr)``
  for a float32 parameter, an array lr cast likewise), so every factor built from
  it (``lr / (1 - beta1^t)``, ...) is computed the same way for a scalar lr and for
  an array lr, and a sweep over many learning rates gives each run exactly the
  numbers of a run on its own; an ``eps`` too small for the dtype (1e-8 rounds to 0
  in float16) is refused instead of turning a zero gradient into 0/0;
* ``state_dict``/``load_state_dict`` and ``save``/``load`` (``.npz``, no pickle).

Scratch memory: each optimizer keeps ``(1 + n_scratch)`` scratch vectors of
``chunk_bytes`` (512 KiB) per dtype it has seen and per worker thread (``threads``,
one per core), however large the model is; a
parameter whose ``.data`` is not C-contiguous is updated in one piece with
scratch arrays allocated for that step.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .._validation import check_known_keys, round_up
from ..parameter import Parameter

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

FORMAT_VERSION = 1

Check = Callable[[str, Any], Any]
State = dict[str, Any]
Group = dict[str, Any]


class Optimizer:
    """Base class of every optimizer in :mod:`rmsprop_edu.optim`.

    Args:
        params: an iterable of :class:`~rmsprop_edu.Parameter`, or a list of dicts
            ``{"params": [...], **overrides}`` (parameter groups).
        **hyperparameters: values that replace the class ``defaults``. Unknown
            names are errors.
    """

    #: hyperparameter name -> default value (torch.optim's, unless documented).
    defaults: dict[str, Any] = {}
    #: hyperparameter name -> validator ``check(name, value) -> normalised value``.
    checks: ClassVar[dict[str, Check]] = {}
    #: names of every per-element state array the optimizer may keep, each shaped
    #: like the parameter; ``needed_state(group)`` says which a group's settings use.
    state_names: ClassVar[tuple[str, ...]] = ()
    #: names of per-parameter scalar state (besides ``step``), updated in ``begin_step``.
    scalar_state_names: ClassVar[tuple[str, ...]] = ()
    #: how many scratch vectors ``update`` needs.
    n_scratch: ClassVar[int] = 1
    #: if True the base class adds ``weight_decay * theta`` to the gradient (L2);
    #: decoupled optimizers (AdamW) set it False and decay the weights themselves.
    coupled_weight_decay: ClassVar[bool] = True
    #: True when the update squares the gradient: then a float32 gradient above
    #: sqrt(float32 max) ~ 1.8e19 would overflow the state to inf, so step() refuses it.
    squares_gradient: ClassVar[bool] = False
    #: state arrays that can never be negative (sums and averages of squares);
    #: load_state_dict refuses a snapshot where they are.
    nonnegative_state: ClassVar[tuple[str, ...]] = ()
    #: bytes per block of one array (512 KiB): small enough that the handful of arrays an
    #: update touches stay in cache between its passes, large enough that two threads
    #: spend their time in NumPy (which releases the GIL) rather than in Python. Chosen by
    #: measurement (benchmarks/bench_optimizer_step.py): 256 KiB to 2 MiB were tried.
    chunk_bytes: ClassVar[int] = 1 << 19
    #: threads that share the blocks of a large parameter (the update is element-wise,
    #: so the result does not depend on it). Set to 1 to stay on one core.
    threads: ClassVar[int] = os.cpu_count() or 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = set(cls.defaults) - set(cls.checks)
        if missing:
            raise TypeError(f"{cls.__name__}: every hyperparameter needs a check; missing {sorted(missing)}")

    def __init__(self, params: Iterable[Parameter] | Iterable[Mapping[str, Any]], **hyperparameters: Any) -> None:
        name = type(self).__name__
        check_known_keys(f"{name}()", hyperparameters, list(type(self).defaults))
        self.defaults = self._checked({**type(self).defaults, **hyperparameters})
        self.param_groups: list[Group] = []
        self.state: dict[Parameter, State] = {}
        self._applied: dict[int, Group] = {}
        self._scratch: dict[tuple[np.dtype, int], list[np.ndarray]] = {}

        if isinstance(params, Parameter):
            raise TypeError(f"{name}() takes a list of Parameters, got a single Parameter: write {name}([p])")
        if isinstance(params, (Mapping, str, bytes)) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}() params must be a list of Parameters or of parameter-group dicts, got {type(params).__name__}"
            )
        items: list[Any] = list(params)
        if not items:
            raise ValueError(f"{name}() got an empty parameter list")
        if all(isinstance(p, Mapping) for p in items):
            for group in items:
                self.add_param_group(group)
        elif all(isinstance(p, Parameter) for p in items):
            self.add_param_group({"params": items})
        elif all(isinstance(p, (Parameter, Mapping)) for p in items):
            raise TypeError(
                f"{name}() params mixes Parameters and parameter-group dicts; "
                'put every Parameter in a group: [{"params": [...]}, {"params": [...], "lr": ...}]'
            )
        else:
            bad = next(p for p in items if not isinstance(p, (Parameter, Mapping)))
            raise TypeError(f"{name}() params must be Parameters or parameter-group dicts, got {type(bad).__name__}")

    # ------------------------------------------------------------------ groups
    def _checked(self, hyper: Mapping[str, Any]) -> Group:
        """Validate every hyperparameter with the shared helpers; return normalised values."""
        out = {key: self.checks.get(key, _no_check)(key, value) for key, value in hyper.items()}
        self.check_consistency(out)
        return out

    def check_consistency(self, group: Group) -> None:
        """Constraints between hyperparameters (override; e.g. nesterov needs momentum)."""

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add ``{"params": [...], **overrides}``; missing hyperparameters take the defaults.

        Raises ``TypeError`` when ``params`` is not a Parameter or a list of them (as the
        constructor and torch do), ``ValueError`` for a missing ``params``, an unknown or
        invalid hyperparameter, or a Parameter already managed; nothing is added then.
        """
        if "params" not in group:
            raise ValueError("a parameter group needs a 'params' entry")
        check_known_keys(f"{type(self).__name__} parameter group", group, ["params", *self.defaults])
        params = group["params"]
        if not isinstance(params, (Parameter, Iterable)) or isinstance(params, (Mapping, str, bytes)):
            raise TypeError(f"a parameter group's 'params' must be a list of Parameters, got {type(params).__name__}")
        params = [params] if isinstance(params, Parameter) else list(params)
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(f"parameter groups hold Parameters, got {type(p).__name__}")
        seen = {p for g in self.param_groups for p in g["params"]}
        if len(set(params)) != len(params) or seen.intersection(params):
            raise ValueError("a Parameter appears more than once among the parameter groups")
        hyper = self._checked({**self.defaults, **{k: v for k, v in group.items() if k != "params"}})
        self.param_groups.append({"params": params, **hyper})

    def _params(self) -> list[Parameter]:
        return [p for group in self.param_groups for p in group["params"]]

    # ------------------------------------------------------------- subclass API
    def needed_state(self, group: Group) -> tuple[str, ...]:
        """The state arrays these settings use (override: e.g. a momentum buffer only
        when momentum > 0). Default: all of ``state_names``."""
        return self.state_names

    def init_state(self, param: Parameter, group: Group) -> State:
        """Fresh state for ``param``: zeros for each needed array (override to change)."""
        return {name: np.zeros_like(param.data) for name in self.needed_state(group)}

    def begin_step(self, state: State, group: Group) -> None:
        """Once per parameter per step, after ``state["step"]`` is incremented and before
        ``update``: advance scalar state (override where needed, e.g. NAdam)."""

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """Update ``param`` in place. ``grad`` already has maximize and L2 decay applied and
        must not be modified; ``state`` holds views of the state arrays (same shape as
        ``param``), ``"step"``, the scalar state, and ``"new_state"``: the names of the
        entries created at this step, still as ``init_state`` made them (all of them at the
        first step; a momentum buffer when momentum is switched on later). ``group["lr"]``
        is in ``param``'s dtype. ``scratch`` holds ``n_scratch`` arrays of ``param``'s shape
        and dtype, free to overwrite."""
        raise NotImplementedError

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write the element-wise multiplier of the most recent step into ``out``."""
        raise NotImplementedError

    def smallest_eps(self, dtype: np.dtype) -> tuple[float, str]:
        """The smallest ``eps`` whose update stays free of nan in ``dtype``, and why.

        Default: the dtype's smallest positive number. A smaller eps rounds to 0
        (1e-8 does in float16), and then a coordinate whose gradient has been 0
        divides 0 by sqrt(0) + 0. Override where eps enters differently (RAdam)."""
        smallest = float(np.finfo(dtype).smallest_subnormal)
        return smallest, f"it rounds to 0 in {dtype} (whose smallest positive number is {smallest:.3g})"

    # ---------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient (``None``, as torch does), or zero them in place."""
        for p in self._params():
            p.zero_grad(set_to_none)

    def _label(self, p: Parameter) -> str:
        index = self._params().index(p)
        return f"parameter {p.name!r} (index {index})" if p.name else f"parameter {index}"

    def _check_dtype_limits(self, p: Parameter, group: Group) -> None:
        """Refuse an eps or lr that the parameter's dtype cannot hold, before anything changes."""
        dtype = p.data.dtype
        eps = group.get("eps")
        if eps is not None:
            key = (type(self), dtype)
            if key not in _SMALLEST_EPS:
                _SMALLEST_EPS[key] = self.smallest_eps(dtype)
            smallest, why = _SMALLEST_EPS[key]
            if eps < smallest:
                instead = " (or float32 parameters)" if dtype.itemsize < 4 else ""
                raise ValueError(
                    f"{self._label(p)}: eps={eps:g} is too small for {dtype}: {why}, so a coordinate whose "
                    f"gradient is 0 would become nan; use eps >= {round_up(smallest)}{instead}"
                )
        # lr enters the update in the parameter's dtype (see _lr_in_dtype): it must survive the cast
        lr = group["lr"]
        if isinstance(lr, np.ndarray):
            if not lr.size:
                return
            high, positive = float(lr.max()), lr[lr > 0]
            low = float(positive.min()) if positive.size else 0.0
        else:
            high = low = lr
        largest, smallest = _range_of(dtype)
        if high > largest:
            raise ValueError(f"{self._label(p)}: lr={high:g} does not fit {dtype} (largest {largest:g})")
        if 0 < low <= smallest / 2:  # rounds to 0 (exactly half rounds to even: 0)
            raise ValueError(
                f"{self._label(p)}: lr={low:g} rounds to 0 in {dtype}, so the step would do nothing; "
                f"use lr >= {round_up(smallest)}"
            )

    def _check_grad(self, p: Parameter) -> None:
        data, grad = p.data, p.grad
        if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.floating):
            raise TypeError(
                f"{self._label(p)} must hold a floating-point ndarray, got {getattr(data, 'dtype', type(data))}"
            )
        if not isinstance(grad, np.ndarray):
            raise TypeError(f"{self._label(p)}: .grad must be an ndarray or None, got {type(grad).__name__}")
        if grad.shape != data.shape:
            raise ValueError(
                f"{self._label(p)}: gradient shape {grad.shape} does not match parameter shape {data.shape}"
            )
        if grad.dtype != data.dtype:
            raise TypeError(
                f"{self._label(p)}: gradient dtype {grad.dtype} does not match parameter dtype {data.dtype}"
            )
        if not data.flags.writeable:
            raise ValueError(f"{self._label(p)}: .data is read-only, so it cannot be updated in place")
        flat = grad.reshape(-1)
        # Fast path, one BLAS read of the gradient: a finite sum of squares means every
        # entry is finite and no square overflows. Only when it is not are the entries
        # examined (the sum itself may overflow where no single square does).
        with np.errstate(over="ignore", invalid="ignore"):
            sum_of_squares = float(np.dot(flat, flat))
        if grad.size and not math.isfinite(sum_of_squares):
            # max and min propagate nan and inf, so two reductions check finiteness without a mask
            largest = max(abs(float(grad.max())), abs(float(grad.min())))
            if not math.isfinite(largest):
                bad = int(np.size(grad) - np.count_nonzero(np.isfinite(grad)))
                raise FloatingPointError(
                    f"{self._label(p)}: gradient has {bad} non-finite value(s) (nan or inf); "
                    "nothing was updated. Try a smaller learning rate or gradient clipping."
                )
            limit = math.sqrt(float(np.finfo(grad.dtype).max))
            if self.squares_gradient and largest >= limit:
                raise FloatingPointError(
                    f"{self._label(p)}: gradient entries up to {largest:.3g} overflow {grad.dtype} when squared "
                    f"(limit {limit:.3g}); nothing was updated. Scale the loss down or clip the gradient "
                    "(rmsprop_edu.nn.clip_grad_norm)."
                )
        for group in self.param_groups:
            lr = group["lr"] if any(q is p for q in group["params"]) else None
            if isinstance(lr, np.ndarray) and lr.shape != data.shape:
                raise ValueError(
                    f"{self._label(p)}: an array lr must have the parameter's shape {data.shape}, got {lr.shape}"
                )
        state = self.state.get(p)
        if state is not None:
            for key in self.state_names:
                if key in state and state[key].shape != data.shape:
                    raise ValueError(
                        f"{self._label(p)}: shape {data.shape} no longer matches its state {state[key].shape}"
                    )
                if key in state and state[key].dtype != data.dtype:
                    raise TypeError(
                        f"{self._label(p)}: dtype {data.dtype} no longer matches its state {key} "
                        f"({state[key].dtype}); cast .data back, or make a new optimizer"
                    )

    def step(self) -> None:
        """Update every parameter that has a gradient; skip those whose ``.grad`` is None.

        All hyperparameters and gradients are checked first; if anything is wrong a
        clear error is raised and nothing has been modified.
        """
        todo: list[tuple[Group, Parameter]] = []
        checked: list[Group] = []
        for index, group in enumerate(self.param_groups):
            # a key added by hand between steps (a typo such as "momentun") would otherwise be ignored
            check_known_keys(f"{type(self).__name__} parameter group {index}", group, ["params", *self.defaults])
            checked.append(self._checked({k: v for k, v in group.items() if k != "params"}))
            for p in group["params"]:
                if p.grad is not None:
                    self._check_grad(p)
                    self._check_dtype_limits(p, checked[-1])
                    todo.append((checked[-1], p))
        for index, (group, hyper) in enumerate(zip(self.param_groups, checked, strict=True)):
            group.update(hyper)
            self._applied[index] = hyper
        for hyper, p in todo:
            state = self.state.get(p)
            new_state: frozenset[str] = frozenset()
            if state is None:
                state = {"step": 0, **self.init_state(p, hyper)}
                self.state[p] = state
                new_state = frozenset(state) - {"step"}
            elif any(name not in state for name in self.needed_state(hyper)):
                # a setting changed between steps (momentum switched on, say)
                fresh = {k: v for k, v in self.init_state(p, hyper).items() if k not in state}
                state.update(fresh)
                new_state = frozenset(fresh)
            state["step"] += 1
            self.begin_step(state, hyper)
            self._apply(p, state, hyper, new_state)

    def _grad_with_decay(self, param: np.ndarray, grad: np.ndarray, group: Group, out: np.ndarray) -> np.ndarray:
        """g <- (-g if maximize) + weight_decay * theta, without touching ``param.grad``."""
        maximize = group.get("maximize", False)
        coupled = self.coupled_weight_decay and not group.get("decoupled_weight_decay", False)
        decay = group.get("weight_decay", 0.0) if coupled else 0.0
        if not maximize and decay == 0.0:
            return grad
        if decay == 0.0:
            return np.negative(grad, out=out)
        np.multiply(param, decay, out=out)  # out <- weight_decay * theta
        if maximize:
            out -= grad  # g <- -g + wd*theta
        else:
            out += grad  # g <- g + wd*theta
        return out

    def _scratch_for(self, dtype: np.dtype, worker: int) -> list[np.ndarray]:
        key = (dtype, worker)
        if key not in self._scratch:
            size = self.chunk_bytes // dtype.itemsize
            self._scratch[key] = [np.empty(size, dtype=dtype) for _ in range(1 + self.n_scratch)]
        return self._scratch[key]

    def _apply(self, p: Parameter, state: State, group: Group, new_state: frozenset[str]) -> None:
        data, grad = p.data, p.grad
        assert grad is not None
        group = _lr_in_dtype(group, data.dtype)
        arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
        scalars = {**{k: v for k, v in state.items() if k not in arrays}, "new_state": new_state}
        if not data.flags.c_contiguous:
            scratch = [np.empty_like(data) for _ in range(1 + self.n_scratch)]
            g = self._grad_with_decay(data, grad, group, scratch[0])
            self.update(data, g, {**state, **scalars}, group, scratch[1:])
            return
        flat_data = data.reshape(-1)
        flat_grad = grad.reshape(-1) if grad.flags.c_contiguous else np.ravel(grad)
        flat_state = {k: v.reshape(-1) for k, v in arrays.items()}
        lr = group["lr"]
        flat_lr = np.ascontiguousarray(lr).reshape(-1) if isinstance(lr, np.ndarray) else None
        n, chunk = flat_data.size, self.chunk_bytes // data.dtype.itemsize
        blocks = [slice(start, min(start + chunk, n)) for start in range(0, n, chunk)]

        def run(worker: int, blocks: list[slice]) -> None:
            buffers = self._scratch_for(data.dtype, worker)
            for block in blocks:
                scratch = [b[: block.stop - block.start] for b in buffers]
                views = {**scalars, **{k: v[block] for k, v in flat_state.items()}}
                hyper = group if flat_lr is None else {**group, "lr": flat_lr[block]}
                g = self._grad_with_decay(flat_data[block], flat_grad[block], hyper, scratch[0])
                self.update(flat_data[block], g, views, hyper, scratch[1:])

        workers = min(self.threads, len(blocks) // 4)
        if workers < 2:
            run(0, blocks)
            return
        # Blocks are disjoint and every update is element-wise, so threads give the same
        # bits as one thread; NumPy releases the GIL inside each ufunc.
        share = -(-len(blocks) // workers)
        futures = [_pool(workers).submit(run, w, blocks[w * share : (w + 1) * share]) for w in range(workers)]
        for future in futures:
            future.result()

    # ----------------------------------------------------- effective learning rate
    def effective_lr(self, p: Parameter) -> np.ndarray:
        """The element-wise multiplier the most recent step applied to ``p``'s direction.

        Returns an array shaped like ``p.data`` (same dtype). Before ``p``'s first
        step it is all NaN: no step has been applied yet. Each optimizer's
        docstring gives its definition. The hyperparameters used are those of the
        most recent ``step()`` (changing ``lr`` afterwards does not change it).
        """
        state = self.state.get(p)
        out = np.full(p.data.shape, np.nan, dtype=p.data.dtype)
        for index, group in enumerate(self.param_groups):
            if any(q is p for q in group["params"]):
                if state is not None and state["step"] > 0:
                    applied = _lr_in_dtype(self._applied.get(index, group), out.dtype)
                    self.effective_lr_from_state(state, applied, out)
                return out
        raise ValueError(f"{p!r} is not managed by this optimizer")

    # ---------------------------------------------------------------- state I/O
    def state_dict(self) -> dict[str, Any]:
        """A snapshot made of plain Python scalars, lists, dicts and NumPy arrays (copies).

        Parameters are referred to by their position across the groups, as torch does.
        """
        index = {p: i for i, p in enumerate(self._params())}
        groups = []
        for group in self.param_groups:
            hyper = {
                k: list(v) if isinstance(v, tuple) else v.copy() if isinstance(v, np.ndarray) else v
                for k, v in group.items()
                if k != "params"
            }
            groups.append({**hyper, "params": [index[p] for p in group["params"]]})
        state = {
            index[p]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for p, s in self.state.items()
            if p in index
        }
        return {
            "format_version": FORMAT_VERSION,
            "optimizer": type(self).__name__,
            "param_groups": groups,
            "state": state,
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a snapshot from :meth:`state_dict`. Everything is checked first; on any
        error a ``ValueError`` says what is wrong and the optimizer is left untouched."""
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise ValueError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        expected = {"format_version", "optimizer", "param_groups", "state"}
        if set(state_dict) != expected:
            raise ValueError(f"state_dict keys must be {sorted(expected)}, got {sorted(map(str, state_dict))}")
        if state_dict["format_version"] != FORMAT_VERSION:
            raise ValueError(
                f"state_dict format_version must be {FORMAT_VERSION}, got {state_dict['format_version']!r}"
            )
        if state_dict["optimizer"] != name:
            raise ValueError(f"state_dict was saved by {state_dict['optimizer']!r}, cannot load it into {name}")
        groups = state_dict["param_groups"]
        if not isinstance(groups, list) or len(groups) != len(self.param_groups):
            n = len(groups) if isinstance(groups, list) else groups
            raise ValueError(f"state_dict has {n} parameter groups, this optimizer has {len(self.param_groups)}")
        params = self._params()
        new_groups = []
        position = 0
        for gi, (saved, group) in enumerate(zip(groups, self.param_groups, strict=True)):
            if not isinstance(saved, Mapping) or set(saved) != {"params", *self.defaults}:
                raise ValueError(f"state_dict parameter group {gi} must have keys params, {', '.join(self.defaults)}")
            want = list(range(position, position + len(group["params"])))
            indices = saved["params"]
            if not isinstance(indices, (list, tuple)) or not all(
                isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in indices
            ):
                raise ValueError(
                    f"state_dict parameter group {gi}: params must be a list of parameter indices "
                    f"such as {want}, got {indices!r}"
                )
            if list(indices) != want:
                raise ValueError(
                    f"state_dict parameter group {gi} refers to parameters {list(saved['params'])}, expected {want}"
                )
            position += len(want)
            new_groups.append(self._checked({k: v for k, v in saved.items() if k != "params"}))
        new_state: dict[Parameter, State] = {}
        saved_state = state_dict["state"]
        if not isinstance(saved_state, Mapping):
            raise ValueError("state_dict['state'] must be a mapping from parameter index to state")
        for key, entry in saved_state.items():
            if isinstance(key, bool) or not isinstance(key, (int, np.integer)) or not 0 <= key < len(params):
                raise ValueError(
                    f"state_dict state refers to parameter {key!r}; valid indices are 0..{len(params) - 1}"
                )
            owner = next(i for i, g in enumerate(self.param_groups) if any(q is params[int(key)] for q in g["params"]))
            new_state[params[int(key)]] = self._checked_state(params[int(key)], int(key), entry, new_groups[owner])
        for group, hyper in zip(self.param_groups, new_groups, strict=True):
            group.update(hyper)
        self._applied = dict(enumerate(new_groups))
        self.state = new_state

    def _checked_state(self, p: Parameter, index: int, entry: Any, group: Group) -> State:
        where = f"state of parameter {index}"
        keys = {"step", *self.scalar_state_names, *self.needed_state(group)}
        allowed = keys | set(self.state_names)
        if not isinstance(entry, Mapping) or not keys <= set(entry) <= allowed:
            got = sorted(entry) if isinstance(entry, Mapping) else type(entry).__name__
            raise ValueError(
                f"{where} must have keys {sorted(keys)} (and optionally {sorted(allowed - keys)}), got {got}"
            )
        step = entry["step"]
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise ValueError(f"{where}: step must be a whole number >= 0, got {step!r}")
        out: State = {"step": int(step)}
        for key in self.scalar_state_names:
            value = entry[key]
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float, np.floating, np.integer))
                or not math.isfinite(value)
            ):
                raise ValueError(f"{where}: {key} must be a finite number, got {value!r}")
            out[key] = float(value)
        for key in sorted(set(entry) & set(self.state_names)):
            array = entry[key]
            if not isinstance(array, np.ndarray) or array.shape != p.data.shape or array.dtype != p.data.dtype:
                got = f"{array.shape} {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__
                raise ValueError(
                    f"{where}: {key} must be an array of shape {p.data.shape} and dtype {p.data.dtype}, got {got}"
                )
            if not np.isfinite(array).all():
                raise ValueError(f"{where}: {key} contains non-finite values")
            if key in self.nonnegative_state and array.size and array.min() < 0:
                raise ValueError(
                    f"{where}: {key} is an average of squares and cannot be negative, got {float(array.min())!r}"
                )
            out[key] = np.array(array, copy=True, order="C")
        if out["step"] == 0 and len(out) > 1:
            raise ValueError(f"{where}: step is 0 but state is present; a parameter with state has taken step >= 1")
        self.check_scalar_state(where, out)
        return out

    def check_scalar_state(self, where: str, state: State) -> None:
        """Ranges of scalar state (override: NAdam's mu_product lies in (0, 1])."""

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`state_dict` to a ``.npz`` file (JSON metadata + arrays, no pickle).

        The file is written to a temporary name first and then renamed, so an
        interrupted save never leaves a half-written file under ``path``.
        """
        import json  # imported here, not at the top: `import rmsprop_edu` stays light
        import tempfile

        sd = self.state_dict()
        arrays: dict[str, np.ndarray] = {}
        meta_state: dict[str, dict[str, Any]] = {}
        for index, entry in sd["state"].items():
            meta_state[str(index)] = {k: v for k, v in entry.items() if not isinstance(v, np.ndarray)}
            for key, value in entry.items():
                if isinstance(value, np.ndarray):
                    arrays[f"state/{index}/{key}"] = value
        for gi, group in enumerate(sd["param_groups"]):
            for key, value in group.items():
                if isinstance(value, np.ndarray):  # an array lr (sweeps): stored beside the state
                    arrays[f"group/{gi}/{key}"] = value
                    group[key] = None
        meta = {k: sd[k] for k in ("format_version", "optimizer", "param_groups")} | {"state": meta_state}
        target = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(target))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"cannot save optimizer state to {target!r}: folder {folder!r} does not exist")
        handle, tmp = tempfile.mkstemp(suffix=".npz", dir=folder)
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # the mode open() would give, not mkstemp's private 0600
            with os.fdopen(handle, "wb") as f:
                arrays["__meta__"] = np.array(json.dumps(meta))
                np.savez(f, **arrays)  # type: ignore[arg-type]
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    def load(self, path: str | os.PathLike[str]) -> None:
        """Restore from a file written by :meth:`save`; a missing, foreign or corrupted
        file raises ``ValueError`` and leaves the optimizer untouched."""
        import json
        import zipfile

        one_array = False
        try:
            # the file is opened here, so that it is closed even when NumPy cannot parse it
            with open(os.fspath(path), "rb") as handle:
                loaded = np.load(handle, allow_pickle=False)
                one_array = not isinstance(loaded, np.lib.npyio.NpzFile)  # np.save's .npy: a bare array
                if not one_array:
                    with loaded as npz:
                        meta = json.loads(str(npz["__meta__"]))
                        arrays = {key: npz[key] for key in npz.files if key != "__meta__"}
        except (KeyError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"could not read optimizer state from {os.fspath(path)!r}: not an .npz file written by save() "
                f"({type(error).__name__})"
            ) from error
        except OSError as error:
            raise ValueError(f"could not read optimizer state from {os.fspath(path)!r}: {error}") from error
        if one_array:
            raise ValueError(
                f"could not read optimizer state: {os.fspath(path)!r} holds one array (written by np.save), "
                "not an .npz file written by save()"
            )
        if not isinstance(meta, dict) or not isinstance(meta.get("state"), dict):
            raise ValueError(f"{os.fspath(path)!r} is not an rmsprop_edu optimizer file")
        try:
            state: dict[int, State] = {int(index): dict(scalars) for index, scalars in meta["state"].items()}
            for name, array in arrays.items():
                kind, index, key = name.split("/", 2) if name.count("/") == 2 else ("", "-1", name)
                if kind == "group":
                    meta["param_groups"][int(index)][key] = array
                else:
                    state[int(index)][key] = array
        except (ValueError, TypeError, KeyError) as error:
            raise ValueError(f"{os.fspath(path)!r} is not a valid rmsprop_edu optimizer file ({error!r})") from error
        meta["state"] = state
        self.load_state_dict(meta)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"  group {i}: {len(group['params'])} parameter(s)")
            lines += [f"    {k}: {v}" for k, v in group.items() if k != "params"]
        return "\n".join([*lines, ")"])


_POOL: list[ThreadPoolExecutor] = []


def _pool(workers: int) -> ThreadPoolExecutor:
    """One process-wide pool of worker threads for large updates, made on first use
    (and imported then too, to keep ``import rmsprop_edu`` light)."""
    from concurrent.futures import ThreadPoolExecutor

    if not _POOL or _POOL[0]._max_workers < workers:
        _POOL[:] = [ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rmsprop_edu")]
    return _POOL[0]


def _no_check(name: str, value: Any) -> Any:
    return value


#: (optimizer class, dtype) -> smallest_eps(dtype), computed once
_SMALLEST_EPS: dict[tuple[type, np.dtype], tuple[float, str]] = {}


@functools.cache
def _range_of(dtype: np.dtype) -> tuple[float, float]:
    """The largest finite value of a floating dtype and its smallest positive one."""
    info = np.finfo(dtype)
    return float(info.max), float(info.smallest_subnormal)


def _lr_in_dtype(group: Group, dtype: np.dtype) -> Group:
    """``group`` with ``lr`` in ``dtype``: a scalar as a NumPy scalar of that dtype, an array cast
    (no copy when it already is). Then ``lr / (1 - beta1^t)`` and the like are computed in the
    parameter's precision, the same way for a scalar lr and for each element of an array lr."""
    lr = group["lr"]
    cast = lr.astype(dtype, copy=False) if isinstance(lr, np.ndarray) else dtype.type(lr)
    return {**group, "lr": cast}
