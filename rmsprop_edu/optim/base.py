"""The optimizer base class: all the plumbing, none of the maths.

A subclass declares its hyperparameters (``defaults``, and ``checks`` from
:mod:`rmsprop_edu.optim.checks`), the names of its per-parameter state arrays
(``state_names``), and writes two short methods: ``update(param, grad, state,
group, scratch)``, one in-place update of one (piece of a) parameter written as the
paper writes it, and ``effective_lr_from_state(state, group, out)``, the element-wise
multiplier that update applied to the direction it stepped along.

What ``step()`` does, in this order, identically for every optimizer:

1. **check** every group's hyperparameters (unknown keys, ranges; a group whose
   settings did not change since the last step is not checked again) and every
   parameter that has a gradient (shape, dtype, finiteness, an ``eps``/``lr`` its
   dtype cannot hold: :mod:`.checks`); parameters whose ``.grad`` is None are
   skipped. Any error is raised **before** anything is modified;
2. **init state** of a parameter at its first step (``init_state``; new entries
   when a setting such as momentum is switched on later);
3. **begin step**: ``state["step"] += 1``, then ``begin_step`` (scalar state, NAdam);
4. **per block** of the parameter (:mod:`._blockwise`: cache-sized blocks, threads,
   scratch memory, lr in the parameter's dtype): the **gradient with maximize and
   L2 weight decay** (``g <- -g``; ``g <- g + weight_decay*theta``, on a scratch copy:
   ``param.grad`` is never modified), or with ``decoupled_weight_decay`` the **weights'
   decay** (``theta <- theta*(1 - lr*wd)``), then the subclass's **update**.

``state_dict``/``load_state_dict`` and ``save``/``load`` live in :mod:`.state_io`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from ..parameter import Parameter
from . import dialects, state_io
from ._blockwise import Blockwise, lr_in_dtype
from .checks import Check, check_known_keys, check_parameter, checked_group, param_groups_from

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
    #: every per-element state array it may keep (``needed_state(group)`` says which are used).
    state_names: ClassVar[tuple[str, ...]] = ()
    #: names of per-parameter scalar state (besides ``step``), updated in ``begin_step``.
    scalar_state_names: ClassVar[tuple[str, ...]] = ()
    #: how many scratch vectors ``update`` needs.
    n_scratch: ClassVar[int] = 1
    #: if True, the base class adds ``weight_decay * theta`` to the gradient (L2); AdamW sets False.
    coupled_weight_decay: ClassVar[bool] = True
    #: True when the update squares the gradient, so ``step()`` refuses entries above ``sqrt(dtype max)``.
    squares_gradient: ClassVar[bool] = False
    #: state arrays that cannot be negative (averages of squares), checked by load_state_dict.
    nonnegative_state: ClassVar[tuple[str, ...]] = ()
    #: bytes per block of one array (512 KiB, from benchmarks/bench_optimizer_step.py) in ``optim._blockwise``.
    chunk_bytes: ClassVar[int] = 1 << 19
    #: threads that share the blocks of a large parameter. Set to 1 to stay on one core.
    threads: ClassVar[int] = os.cpu_count() or 1
    #: ``library -> settings`` to compute as that library does (:mod:`.dialects`).
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {}
    #: ``library -> {setting it lacks: why}``; the preset refuses those settings (:mod:`.dialects`).
    PRESET_LACKS: ClassVar[dict[str, dict[str, str]]] = {}

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
        self._applied: dict[int, Group] = {}  # group index -> the hyperparameters of its last step
        self._validated: dict[int, Group] = {}  # for checks.checked_group and checks.check_parameter:
        self._limits_ok: set[tuple] = set()  # settings as last checked; (dtype, eps, lr) checked already
        self._blocks = Blockwise()
        for group in param_groups_from(name, params):
            self.add_param_group(group)

    @classmethod
    def preset(cls, library: str, params: Any, **overrides: Any) -> Optimizer:
        """This optimizer as ``library`` configures it by default, then ``overrides`` (:mod:`.dialects`).

        Args:
            library: one of the class's ``PRESETS`` (``"pytorch"``, ``"keras"``, ...).
            params: the parameters, as for the constructor.
            **overrides: replace the preset's settings (one the library lacks is refused: ``PRESET_LACKS``).
        """
        return dialects.preset(cls, library, params, overrides)

    # ------------------------------------------------------------------ groups
    def _checked(self, hyper: Mapping[str, Any]) -> Group:
        """Validate every hyperparameter with the shared helpers; return normalised values."""
        out = {key: self.checks[key](key, value) for key, value in hyper.items()}
        self.check_consistency(out)
        return out

    def check_consistency(self, group: Group) -> None:
        """Constraints between hyperparameters (override; e.g. nesterov needs momentum).

        Args:
            group: the checked hyperparameters of one group (or the defaults), name -> value.
        """

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add ``{"params": [...], **overrides}``; missing hyperparameters take the defaults.

        ``TypeError`` if ``params`` is not Parameters (as torch), ``ValueError`` for a missing
        ``params``, a bad hyperparameter or a Parameter already managed; nothing is added then.

        Args:
            group: ``{"params": [...], **overrides}``; ``params`` is a Parameter or an
                iterable of Parameters, the other keys are this optimizer's hyperparameters.
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
        self._index = {p: i for i, p in enumerate(self._params())}  # for messages: "parameter 3"

    def _params(self) -> list[Parameter]:
        return [p for group in self.param_groups for p in group["params"]]

    # ------------------------------------------------------------- subclass API
    def needed_state(self, group: Group) -> tuple[str, ...]:
        """The state arrays these settings use (default: all; SGD's buffer only if momentum > 0).

        Args:
            group: the checked hyperparameters of the parameter's group.
        """
        return self.state_names

    def init_state(self, param: Parameter, group: Group) -> State:
        """Fresh state for ``param``: zeros for each needed array (override to change).

        Args:
            param: the parameter whose state this is (its ``data`` gives shape and dtype).
            group: the checked hyperparameters of its group.
        """
        return {name: np.zeros_like(param.data) for name in self.needed_state(group)}

    def begin_step(self, state: State, group: Group) -> None:
        """After ``state["step"] += 1``, before the blocks' updates: scalar state (NAdam's P_t).

        Args:
            state: the parameter's state (``"step"`` already counts this step); update it in place.
            group: the checked hyperparameters of its group.
        """

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: State, group: Group, scratch: list[np.ndarray]
    ) -> None:
        """Update ``param`` in place: one step of the algorithm (override).

        ``grad`` already has maximize and L2 decay applied and must not be modified; ``state``
        holds views of the state arrays (same shape as ``param``), ``"step"``, the scalar
        state, and ``"new_state"``: the names of the entries created at this step, still as
        ``init_state`` made them (all of them at the first step; a momentum buffer when
        momentum is switched on later). ``group["lr"]`` is in ``param``'s dtype; it may be an
        array shaped like ``param`` (a sweep gives each element its own lr), so write
        ``lr * x``, never ``float(lr)``. ``scratch`` holds ``n_scratch`` arrays of ``param``'s
        shape and dtype, free to overwrite.

        Args:
            param: the parameter's values (one block of them), updated in place.
            grad: its gradient, with maximize and L2 decay applied; read only.
            state: views of the state arrays, ``"step"``, the scalar state and ``"new_state"``.
            group: the hyperparameters, ``lr`` in ``param``'s dtype (maybe an array).
            scratch: ``n_scratch`` arrays like ``param``, free to overwrite.
        """
        raise NotImplementedError

    def effective_lr_from_state(self, state: State, group: Group, out: np.ndarray) -> None:
        """Write the element-wise multiplier of the most recent step into ``out``.

        Args:
            state: the parameter's state after that step.
            group: the hyperparameters that step used, ``lr`` in the parameter's dtype.
            out: an array like the parameter, overwritten.
        """
        raise NotImplementedError

    def smallest_eps(self, dtype: np.dtype) -> tuple[float, str]:
        """The smallest ``eps`` free of 0/0 in ``dtype`` (its smallest positive number), and why.

        Args:
            dtype: a floating-point dtype of a parameter.
        """
        smallest = float(np.finfo(dtype).smallest_subnormal)
        return smallest, f"it rounds to 0 in {dtype} (whose smallest positive number is {smallest:.3g})"

    def check_scalar_state(self, where: str, state: State) -> None:
        """Ranges of scalar state (override: NAdam's mu_product lies in [0, 1]).

        Args:
            where: names the parameter in messages (``"state of parameter 0"``).
            state: the parameter's state to check, as loaded.
        """

    # ---------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient (``None``, as torch does), or zero them in place.

        Args:
            set_to_none: True (the default) sets each ``.grad`` to None; False fills it with zeros.
        """
        for p in self._params():
            p.zero_grad(set_to_none)

    def step(self) -> None:
        """Update every parameter that has a gradient; everything is checked first (module docstring)."""
        todo: list[tuple[Group, Parameter]] = []
        checked = [checked_group(self, index, group) for index, group in enumerate(self.param_groups)]
        for group, hyper in zip(self.param_groups, checked, strict=True):
            for p in group["params"]:
                if p.grad is not None:
                    check_parameter(self, p, hyper)
                    todo.append((hyper, p))
        for index, (group, hyper) in enumerate(zip(self.param_groups, checked, strict=True)):
            group.update(hyper)  # nothing failed: the normalised values go back into the groups
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
            self._blocks.apply(self, p, state, hyper, new_state)

    # ----------------------------------------------------- effective learning rate
    def effective_lr(self, p: Parameter) -> np.ndarray:
        """The element-wise multiplier the most recent step applied to ``p``'s direction.

        An array like ``p.data``, all NaN before ``p``'s first step; each optimizer's docstring
        defines it. It uses the most recent ``step()``'s settings (a later lr change does not count).

        Args:
            p: a Parameter this optimizer manages (``ValueError`` otherwise).
        """
        state = self.state.get(p)
        out = np.full(p.data.shape, np.nan, dtype=p.data.dtype)
        for index, group in enumerate(self.param_groups):
            if any(q is p for q in group["params"]):
                if state is not None and state["step"] > 0:
                    applied = lr_in_dtype(self._applied.get(index, group), out.dtype)
                    self.effective_lr_from_state(state, applied, out)
                return out
        raise ValueError(f"{p!r} is not managed by this optimizer")

    # ------------------------------------------- state I/O (see :mod:`.state_io`)
    state_dict = state_io.state_dict
    load_state_dict = state_io.load_state_dict
    save = state_io.save
    load = state_io.load

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines += [f"  group {i}: {len(group['params'])} parameter(s)"]
            lines += [f"    {k}: {v}" for k, v in group.items() if k != "params"]
        return "\n".join([*lines, ")"])
