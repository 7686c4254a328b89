"""Ready-made recipes: the networks, problems and runs behind the CLI, the examples and notebook 04.

    model = mlp((2, 64, 64, 3), rng=1)       # the 2-64-64-3 ReLU MLP, layer seeds 1, 2, 3
    run = train_with_recorder("mlp", "spirals", RMSProp, lr=0.01, epochs=100)
    trajectories, caption = run_race(surfaces.get("booth"), [SGD, RMSProp], steps=200)

Each recipe is a few lines of the public API (``nn``, ``data``, :func:`~rmsprop_edu.train.fit`,
:class:`~rmsprop_edu.train.EffectiveLRRecorder`, :func:`~rmsprop_edu.trajectory.fair_race`)
with its seeds written down, so that every place that trains "the spirals MLP" builds the
same network from the same random numbers. The command line only parses arguments and
calls these.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import data
from ._validation import check_choice, check_int
from .nn.layers import Linear, ReLU
from .nn.losses import Loss, MSELoss, SoftmaxCrossEntropy
from .nn.module import Module, Rng, Sequential, as_generator
from .nn.recurrent import LSTM, RNN, LastStep
from .optim.base import Optimizer
from .surfaces import Surface
from .train import DivergenceWarning, EffectiveLRRecorder, History, fit
from .trajectory import Trajectory, fair_race, run_trajectory

#: the datasets of :func:`problem` for ``kind="mlp"`` (classification of 2-D points)
MLP_DATASETS = ("spirals", "moons", "circles", "xor")
#: the datasets of :func:`problem` for ``kind="rnn"`` (regression on sequences)
RNN_DATASETS = ("sine", "adding")


def mlp(
    sizes: Sequence[int],
    activation: Callable[[], Module] = ReLU,
    rng: Rng = 0,
    hidden_init: str = "he",
    output_init: str = "xavier",
    dtype: object = np.float64,
) -> Sequential:
    """A multilayer perceptron: Linear, activation, ..., Linear, with no activation after the last.

    ``mlp((2, 64, 64, 3), rng=1)`` is ``Sequential(Linear(2, 64, rng=1, init_="he"), ReLU(),
    Linear(64, 64, rng=2, init_="he"), ReLU(), Linear(64, 3, rng=3))``, the very same numbers.

    Args:
        sizes: the widths, input first and output last, at least two of them (one Linear layer
            per consecutive pair).
        activation: makes the layer put after each hidden Linear, called once per hidden layer
            (a class such as ``nn.ReLU`` or ``nn.Tanh``).
        rng: an int seed ``s`` gives Linear layer ``k`` (counted from 0) its own generator, seeded
            ``s + k``, so that a layer's initial weights depend on its seed alone; a
            ``np.random.Generator`` (or None: fresh entropy) is drawn from by each layer in
            turn, first to last.
        hidden_init: how the hidden Linear layers draw their weights: ``"he"`` (He normal, for
            ReLU) or ``"xavier"`` (Xavier uniform, for tanh or sigmoid).
        output_init: the same for the last Linear layer; Xavier by default, as no ReLU follows it.
        dtype: float32 or float64.

    Returns:
        The ``nn.Sequential``. Its Linear layers sit at the even indices, so its parameters are
        named ``0.weight``, ``0.bias``, ``2.weight``, ...

    Raises:
        ValueError: a size is not a whole number >= 1, fewer than two sizes, a negative seed, or
            an unknown init.
        TypeError: ``activation`` does not make a Module, or ``rng`` is neither a seed nor a Generator.
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
        raise ValueError(f"sizes must be a sequence of at least two widths (input, ..., output), got {sizes!r}")
    widths = [check_int(f"sizes[{i}]", size, 1) for i, size in enumerate(sizes)]
    check_choice("hidden_init", hidden_init, ["xavier", "he"])
    check_choice("output_init", output_init, ["xavier", "he"])
    if not callable(activation):
        raise TypeError(f"activation must make a Module when called (e.g. nn.ReLU), got {activation!r}")
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        first_seed = check_int("rng", rng, 0)
        seeds: list[Rng] = [first_seed + k for k in range(len(widths) - 1)]
    else:
        shared = as_generator(rng)  # raises TypeError for anything else
        seeds = [shared] * (len(widths) - 1)
    layers: list[Module] = []
    last = len(widths) - 2
    for k, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        init_ = output_init if k == last else hidden_init
        layers.append(Linear(n_in, n_out, rng=seeds[k], dtype=dtype, init_=init_))
        if k < last:
            layer = activation()
            if not isinstance(layer, Module):
                raise TypeError(f"activation must make a Module when called (e.g. nn.ReLU), got {layer!r}")
            layers.append(layer)
    return Sequential(*layers)


@dataclass
class Problem:
    """What :func:`~rmsprop_edu.train.fit` needs besides an optimizer, as :func:`problem` makes it.

    Attributes:
        model: the network, freshly initialised.
        loss: the loss to minimise.
        data: the training pair ``(X, y)``.
        metric: ``"accuracy"`` for the classifiers, None for the regressions.
        clip_norm: the gradient-norm clipping the recipe trains with: 1.0 for the recurrent
            networks (their gradients can explode), None for the MLPs.
    """

    model: Module
    loss: Loss
    data: tuple[np.ndarray, np.ndarray]
    metric: str | None
    clip_norm: float | None


def problem(kind: str, dataset: str, rng: int = 0) -> Problem:
    """A small training problem: a dataset and the network that learns it.

    ``kind="mlp"``: one of :data:`MLP_DATASETS` (300 two-dimensional points; spirals has three
    classes, the others two), learned by ``mlp((2, 64, 64, classes), rng=rng + 1)`` with
    softmax cross-entropy. ``kind="rnn"``: ``"sine"`` (64 sequences of 40 steps, next-value
    forecasting) learned by RNN(1 -> 32) + Linear, or ``"adding"`` (512 sequences of 30 steps,
    the adding problem) learned by LSTM(2 -> 32), its last step, + Linear; both with MSE.

    Args:
        kind: ``"mlp"`` or ``"rnn"``.
        dataset: a name from :data:`MLP_DATASETS` or :data:`RNN_DATASETS`, as ``kind`` asks.
        rng: the seed of the data; the network's layers take the seeds ``rng + 1``, ``rng + 2``, ...

    Returns:
        The :class:`Problem`.
    """
    check_choice("kind", kind, ["mlp", "rnn"])
    check_choice(f"dataset for kind {kind!r}", dataset, MLP_DATASETS if kind == "mlp" else RNN_DATASETS)
    seed = check_int("rng", rng, 0)
    if kind == "mlp":
        makers = {
            "spirals": lambda: data.spirals(100, 3, rng=seed),
            "moons": lambda: data.moons(300, rng=seed),
            "circles": lambda: data.circles(300, rng=seed),
            "xor": lambda: data.xor(300, rng=seed),
        }
        x, y = makers[dataset]()
        classes = int(y.max()) + 1
        return Problem(mlp((2, 64, 64, classes), rng=seed + 1), SoftmaxCrossEntropy(), (x, y), "accuracy", None)
    model: Module
    if dataset == "sine":
        x, y = data.sine_forecasting(64, 40, rng=seed)
        model = Sequential(RNN(1, 32, rng=seed + 1), Linear(32, 1, rng=seed + 2))
    else:
        x, y = data.adding_problem(512, 30, rng=seed)
        model = Sequential(LSTM(2, 32, rng=seed + 1), LastStep(), Linear(32, 1, rng=seed + 2))
    return Problem(model, MSELoss(), (x, y), None, 1.0)


class RecordedRun(NamedTuple):
    """What :func:`train_with_recorder` returns; unpacks as ``history, recorder, optimizer``."""

    history: History
    recorder: EffectiveLRRecorder
    optimizer: Optimizer


def train_with_recorder(
    kind: str,
    dataset: str,
    optimizer_cls: type[Optimizer],
    lr: float | None = None,
    epochs: int = 60,
    progress: bool = False,
    rng: int = 0,
) -> RecordedRun:
    """Train a :func:`problem` and record the effective learning rate of every weight.

    Minibatches of 32, shuffled from ``rng``; clipping as the problem says. The
    :class:`~rmsprop_edu.train.EffectiveLRRecorder` records every 5 steps (every step in a run
    of fewer than 50 steps, so that a short run still draws a curve) and keeps full snapshots
    of the first parameter (``0.weight``). A divergence stops training without a Python warning:
    ``history.diverged_at`` and ``history.message`` say what happened.

    Args:
        kind: ``"mlp"`` or ``"rnn"``, as in :func:`problem`.
        dataset: the dataset's name, as in :func:`problem`.
        optimizer_cls: the optimizer class, made with its defaults except ``lr``.
        lr: the learning rate; None: the optimizer's default.
        epochs: passes over the training data.
        progress: show a tqdm progress bar.
        rng: the seed of the data, the network (see :func:`problem`) and the minibatch order.

    Returns:
        The :class:`RecordedRun` ``(history, recorder, optimizer)``.
    """
    setup = problem(kind, dataset, rng)
    epochs = check_int("epochs", epochs, 1)
    hyper = {} if lr is None else {"lr": lr}  # the optimizer checks it
    optimizer = optimizer_cls(setup.model.parameters(), **hyper)
    names = [name for name, _ in setup.model.named_parameters()]
    batch_size = 32
    steps = epochs * math.ceil(len(setup.data[0]) / batch_size)
    # a run shorter than the interval would have no record at all to plot
    recorder = EffectiveLRRecorder(setup.model, every=5 if steps >= 50 else 1, snapshots=[names[0]])
    with warnings.catch_warnings():
        # a divergence is reported once, from history.message, not also as a Python warning
        warnings.simplefilter("ignore", DivergenceWarning)
        history = fit(
            setup.model,
            setup.loss,
            optimizer,
            setup.data,
            epochs=epochs,
            batch_size=batch_size,
            metric=setup.metric,
            callbacks=[recorder],
            progress=progress,
            clip_norm=setup.clip_norm,
            rng=rng,
        )
    return RecordedRun(history, recorder, optimizer)


def run_race(
    surface: Surface,
    optimizer_classes: Sequence[type[Optimizer]],
    steps: int,
    lrs: Sequence[float] | None = None,
    lr_source: str = "by the caller",
) -> tuple[list[Trajectory], str]:
    """Race optimizers (each with its default settings) on a surface from its start point.

    Args:
        surface: the surface to race on.
        optimizer_classes: the contenders.
        steps: steps per contender.
        lrs: one learning rate per contender; None: each lr is tuned on a log grid at the
            horizon ``steps`` (:func:`~rmsprop_edu.trajectory.fair_race`).
        lr_source: where given ``lrs`` came from, for the caption
            (``"Learning rates given by the caller (not tuned)."``).

    Returns:
        The trajectories, in the order of ``optimizer_classes``, and a caption that says how
        their learning rates were chosen (put it on the figure).
    """
    if lrs is None:
        return fair_race(surface, [(cls, {}) for cls in optimizer_classes], steps)
    if len(lrs) != len(optimizer_classes):
        raise ValueError(f"lrs must hold one learning rate per optimizer ({len(optimizer_classes)}), got {len(lrs)}")
    trajectories = [run_trajectory(surface, cls, steps, lr=lr) for cls, lr in zip(optimizer_classes, lrs, strict=True)]
    return trajectories, f"Learning rates given {lr_source} (not tuned)."


__all__ = [
    "MLP_DATASETS",
    "RNN_DATASETS",
    "Problem",
    "RecordedRun",
    "mlp",
    "problem",
    "run_race",
    "train_with_recorder",
]
