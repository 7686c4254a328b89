"""A small, explicit training loop, and a recorder of per-parameter effective learning rates.

    history = fit(model, loss, optimizer, (X, y), epochs=50, batch_size=64,
                  metric="accuracy", callbacks=[recorder], progress=False)

Every step: zero the gradients, forward, loss, backward, optional clipping,
``optimizer.step()``, optional schedule step, callbacks. A non-finite loss (or a
non-finite gradient refused by the optimizer) stops training with a
:class:`DivergenceWarning` that says what to try; the History so far is returned.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import check_int, check_range
from .data import minibatches
from .nn.clip import clip_grad_norm
from .nn.losses import Loss
from .nn.module import Module, Rng, as_generator
from .optim.base import Optimizer
from .optim.schedules import Schedule

Callback = Callable[[int, Optimizer, Module], None]


class DivergenceWarning(UserWarning):
    """Training stopped because the loss or a gradient stopped being finite."""


@dataclass
class History:
    """What happened during :func:`fit`.

    Attributes:
        steps: the step count after each optimizer step (1, 2, ...).
        losses: the minibatch loss before each step, one entry per step.
        metrics: name -> list of (step, value), evaluated every ``eval_every`` steps and
            at the end (``train_loss``, ``train_accuracy``, ``eval_loss``, ...).
        grad_norms: the gradient norm before clipping at each step, if clipping was on.
        diverged_at: the step at which training stopped on a non-finite loss or gradient, or None.
        message: what stopped it and what to try ("" if nothing did).
        seconds: the wall-clock time of the run.
    """

    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    metrics: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    grad_norms: list[float] = field(default_factory=list)
    diverged_at: int | None = None
    message: str = ""
    seconds: float = 0.0

    def metric(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of one metric as arrays.

        Args:
            name: a metric's name, such as ``"train_loss"``; an unknown name gives empty arrays.
        """
        pairs = self.metrics.get(name, [])
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])

    def final(self, name: str) -> float:
        """The last recorded value of metric ``name`` (the one evaluated at the end).

        Args:
            name: a recorded metric's name, such as ``"eval_accuracy"``.
        """
        return self.metrics[name][-1][1]


def accuracy(pred: np.ndarray, target: np.ndarray) -> float:
    """Fraction of rows whose largest logit is the target class.

    For one output column: whose logit sign matches a 0/1 target.

    Args:
        pred: (N, C) logits, or (N, 1) for two classes.
        target: (N,) class indices, or 0/1 labels with one column.
    """
    if pred.shape[-1] == 1:
        return float(np.mean((pred[..., 0] > 0) == (np.asarray(target).reshape(pred.shape[:-1]) > 0.5)))
    return float(np.mean(np.argmax(pred, axis=-1) == target))


def _evaluate(
    model: Module, loss: Loss, data: tuple[np.ndarray, np.ndarray], metric: Any, prefix: str
) -> dict[str, float]:
    was_training = model.training
    model.eval()
    x, y = data
    pred = model(x)
    out = {f"{prefix}loss": loss(pred, y)}
    if metric is not None:
        fn = accuracy if metric == "accuracy" else metric
        name = metric if isinstance(metric, str) else getattr(metric, "__name__", "metric")
        out[f"{prefix}{name}"] = float(fn(pred, y))
    model.train(was_training)
    return out


def _as_arrays(name: str, data: Any, params: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """``data = (X, y)`` as two arrays with the same number of rows.

    Python lists are converted; float lists take the model's dtype (so a float32 model gets
    float32).
    """
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence) or len(data) != 2:
        got = f"a {type(data).__name__} of {len(data)}" if isinstance(data, Sequence) else type(data).__name__
        raise ValueError(f"{name} must be a pair (X, y) with one row per example, got {got}")
    dtypes = {p.data.dtype for p in params}
    model_dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64)
    arrays = []
    for part, given in zip("Xy", data, strict=True):
        value = given
        if not isinstance(given, np.ndarray):
            try:
                value = np.asarray(given)
            except ValueError:  # ragged nested lists
                value = np.empty((), dtype=object)
            if value.dtype == object:
                raise ValueError(
                    f"{name}: {part} must be an array with one row per example (a list works if its rows have "
                    f"equal lengths and hold numbers), got a {type(given).__name__} that NumPy cannot convert"
                )
            if np.issubdtype(value.dtype, np.floating):
                value = value.astype(model_dtype)
        if value.ndim == 0:
            raise ValueError(f"{name}: {part} must have one row per example, got a single value {given!r}")
        arrays.append(value)
    x, y = arrays
    if len(x) != len(y):
        raise ValueError(f"{name}: X has {len(x)} rows but y has {len(y)}")
    return x, y


def _progress(total: int, enabled: bool | str) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm  # auto: a widget in notebooks, text in terminals

    return tqdm(total=total, unit="step", leave=False)


def fit(
    model: Module,
    loss: Loss,
    optimizer: Optimizer,
    data: tuple[np.ndarray, np.ndarray],
    *,
    epochs: int | None = None,
    steps: int | None = None,
    batch_size: int = 32,
    clip_norm: float | None = None,
    schedule: Schedule | None = None,
    eval_data: tuple[np.ndarray, np.ndarray] | None = None,
    metric: str | Callable[[np.ndarray, np.ndarray], float] | None = None,
    eval_every: int | None = None,
    callbacks: Sequence[Callback] = (),
    progress: bool = True,
    rng: Rng = 0,
) -> History:
    """Train ``model`` on ``data = (X, y)`` with minibatches shuffled from ``rng``.

    Give ``epochs`` or ``steps`` (or both: whichever ends first), as whole numbers.
    ``metric`` is ``"accuracy"``, a function ``(pred, target) -> float``, or None; it is
    computed on the training data (and on ``eval_data`` if given) every ``eval_every``
    steps (a whole number >= 1; None: every epoch) and at the end. ``progress`` shows a
    tqdm bar (a widget in notebooks).

    Args:
        model: the network to train (put in training mode).
        loss: the loss, called as ``loss(model(X), y)``.
        optimizer: an optimizer over ``model``'s parameters.
        data: ``(X, y)``, with as many rows of X as of y.
        epochs: passes over ``data``, a whole number >= 1, or None.
        steps: optimizer steps, a whole number >= 1, or None.
        batch_size: rows per minibatch, a whole number >= 1 (the last may be smaller). Default 32.
        clip_norm: clip the gradients' global norm to this, in (0, inf); None (the default) does not clip.
        schedule: a learning-rate schedule over ``optimizer``, stepped after each step; None for none.
        eval_data: ``(X, y)`` to evaluate ``metric`` and the loss on too, or None.
        metric: ``"accuracy"``, a function ``(pred, target) -> float``, or None (no evaluation).
        eval_every: steps between evaluations, a whole number >= 1; None (the default) is once an epoch.
        callbacks: functions ``(step, optimizer, model)`` called after every step (and schedule step).
        progress: show a tqdm progress bar. Default True.
        rng: a seed or a ``numpy.random.Generator`` for the shuffling. Default 0.
    """
    # Everything is checked before the first step, so a bad argument changes nothing.
    if epochs is None and steps is None:
        raise ValueError("fit needs epochs= or steps= (or both)")
    if epochs is not None:
        epochs = check_int("epochs", epochs, 1)
    if steps is not None:
        steps = check_int("steps", steps, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    if clip_norm is not None:
        check_range("clip_norm", clip_norm, 0.0, math.inf, low_open=True)
    if metric is not None and metric != "accuracy" and (isinstance(metric, str) or not callable(metric)):
        raise ValueError(f"metric must be 'accuracy', a function (pred, target) -> float, or None, got {metric!r}")
    if eval_every is not None:
        eval_every = check_int("eval_every", eval_every, 1)
    params = model.parameters()
    x_all, y_all = _as_arrays("data", data, params)
    if eval_data is not None:
        eval_data = _as_arrays("eval_data", eval_data, params)
    if len(x_all) == 0:  # no minibatch would ever come, and `steps=` would wait for one forever
        raise ValueError("data is empty: X has 0 rows; fit needs at least one example")
    per_epoch = math.ceil(len(x_all) / batch_size)
    total = min(x for x in (steps, None if epochs is None else epochs * per_epoch) if x is not None)
    every = per_epoch if eval_every is None else eval_every
    gen = as_generator(rng)
    history = History()
    bar = _progress(total, progress)
    start = time.perf_counter()
    step = 0

    def evaluate() -> None:
        for name, value in _evaluate(model, loss, (x_all, y_all), metric, "train_").items():
            history.metrics.setdefault(name, []).append((step, value))
        if eval_data is not None:
            for name, value in _evaluate(model, loss, eval_data, metric, "eval_").items():
                history.metrics.setdefault(name, []).append((step, value))

    def stop(reason: str) -> None:
        lrs = sorted(
            {g["lr"] if isinstance(g["lr"], float) else float(np.max(g["lr"])) for g in optimizer.param_groups}
        )
        history.diverged_at = step
        history.message = (
            f"training stopped at step {step}: {reason}. "
            f"Try a smaller learning rate (now {', '.join(f'{lr:g}' for lr in lrs)}), "
            "gradient clipping (clip_norm=1.0), or check the inputs for NaN or huge values."
        )
        warnings.warn(history.message, DivergenceWarning, stacklevel=3)

    try:
        model.train()
        while step < total:
            for xb, yb in minibatches(x_all, y_all, batch_size=batch_size, rng=gen):
                if step >= total:
                    break
                model.zero_grad()
                with np.errstate(all="ignore"):  # a blow-up is detected below, by value
                    value = loss(model(xb), yb)
                if not math.isfinite(value):
                    stop(f"the loss became {value}")
                    return history
                with np.errstate(all="ignore"):
                    model.backward(loss.backward(), input_grad=False)
                if clip_norm is not None:
                    history.grad_norms.append(clip_grad_norm(params, clip_norm))
                try:
                    optimizer.step()
                except FloatingPointError as error:
                    stop(f"a gradient was not finite ({error})")
                    return history
                step += 1
                history.steps.append(step)
                history.losses.append(value)
                if schedule is not None:
                    schedule.step()
                for callback in callbacks:
                    callback(step, optimizer, model)
                if metric is not None and step % every == 0:
                    evaluate()
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{value:.4f}", refresh=False)
        if metric is not None and (not history.metrics or history.metrics[next(iter(history.metrics))][-1][0] != step):
            evaluate()
        return history
    finally:
        history.seconds = time.perf_counter() - start
        if bar is not None:
            bar.close()


class EffectiveLRRecorder:
    """A callback for :func:`fit` that records ``optimizer.effective_lr(p)`` every ``every`` steps.

    For every parameter it stores the ``percentiles`` (default min, 10 %, median, 90 %,
    max) of its effective learning rates; for the parameters named in ``snapshots``
    whose size is at most ``max_snapshot_size`` it also stores the full array.

    Memory is bounded: when more than ``max_records`` records have been taken, every
    other record is dropped and ``every`` doubles, so the record count stays below
    ``max_records`` however long training runs (the stats cost
    ``max_records * len(percentiles)`` floats per parameter, the snapshots at most
    ``max_records * max_snapshot_size`` per named parameter).

    Args:
        model: the network whose parameters are recorded (by their ``named_parameters`` names).
        every: steps between records, a whole number >= 1 (it doubles when records are thinned). Default 10.
        percentiles: the percentiles stored per parameter, each in [0, 100]. Default (0, 10, 50, 90, 100).
        snapshots: names of parameters whose full arrays are stored too. Default none.
        max_snapshot_size: a named parameter larger than this (in elements) gets no snapshot,
            a whole number >= 0. Default 10,000.
        max_records: the records kept before thinning, a whole number >= 2. Default 500.
    """

    def __init__(
        self,
        model: Module,
        every: int = 10,
        percentiles: Sequence[float] = (0, 10, 50, 90, 100),
        snapshots: Sequence[str] = (),
        max_snapshot_size: int = 10_000,
        max_records: int = 500,
    ) -> None:
        every = check_int("every", every, 1)
        max_records = check_int("max_records", max_records, 2)
        max_snapshot_size = check_int("max_snapshot_size", max_snapshot_size, 0)
        for i, q in enumerate(percentiles):
            check_range(f"percentiles[{i}]", q, 0, 100, high_open=False)
        self.named = [(name, p) for name, p in model.named_parameters()]
        known = {name for name, _ in self.named}
        for name in snapshots:
            if name not in known:
                raise ValueError(f"snapshot name {name!r} is not a parameter; choose from {sorted(known)}")
        self.every, self.percentiles = every, tuple(percentiles)
        self.max_records, self.max_snapshot_size = max_records, max_snapshot_size
        self.snapshot_names = [n for n, p in self.named if n in snapshots and p.data.size <= max_snapshot_size]
        self.steps: list[int] = []
        self._stats: dict[str, list[np.ndarray]] = {name: [] for name, _ in self.named}
        self._snapshots: dict[str, list[np.ndarray]] = {name: [] for name in self.snapshot_names}
        self._checked: Optimizer | None = None

    def check_optimizer(self, optimizer: Optimizer) -> None:
        """Raise ``ValueError`` naming the model's parameters that ``optimizer`` does not hold.

        It has no effective learning rate for them. Done at the first callback.

        Args:
            optimizer: the optimizer the recorder will ask for effective learning rates.
        """
        held = {id(p) for group in optimizer.param_groups for p in group["params"]}
        missing = [name for name, p in self.named if id(p) not in held]
        if missing:
            raise ValueError(
                f"EffectiveLRRecorder: the optimizer does not hold the model's parameters {missing}, so they have "
                "no effective learning rate; give the optimizer every parameter (model.parameters()), or record "
                "a model made of the parameters it holds"
            )
        self._checked = optimizer

    def __call__(self, step: int, optimizer: Optimizer, model: Module | None = None) -> None:
        """Record every parameter's effective-learning-rate percentiles (and snapshots) if ``step`` is due.

        A step is due every ``every`` steps; past ``max_records`` records every other one is
        dropped and ``every`` doubles. The optimizer is checked at the first call.
        """
        if optimizer is not self._checked:  # at the first step, not only after `every` steps
            self.check_optimizer(optimizer)
        if step % self.every:
            return
        self.steps.append(step)
        for name, p in self.named:
            rates = optimizer.effective_lr(p)
            self._stats[name].append(np.percentile(rates, self.percentiles).astype(np.float64))
            if name in self._snapshots:
                self._snapshots[name].append(rates.copy())
        if len(self.steps) > self.max_records:
            self.steps = self.steps[1::2]
            for store in (self._stats, self._snapshots):
                for name in store:
                    store[name] = store[name][1::2]
            self.every *= 2

    @property
    def stats(self) -> dict[str, np.ndarray]:
        """The recorded percentiles, name -> array of shape ``(records, len(percentiles))``."""
        return {name: np.array(values) for name, values in self._stats.items()}

    @property
    def snapshots(self) -> dict[str, np.ndarray]:
        """The full effective-learning-rate arrays, name -> array of shape ``(records, *shape)``."""
        return {name: np.array(values) for name, values in self._snapshots.items()}


__all__ = ["DivergenceWarning", "EffectiveLRRecorder", "History", "accuracy", "fit"]
