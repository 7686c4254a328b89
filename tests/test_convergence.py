"""Every optimizer converges on a quadratic and on Rosenbrock, with documented settings.

The settings below were chosen by hand (a few learning rates per optimizer);
they are the documented "known good" settings, not tuned to the last digit.
Some optimizers do not settle, and the tolerances say so honestly:

* plain RMSProp keeps bouncing at a scale set by lr (its step does not shrink as
  the gradient does: on a quadratic it reaches 1e-6 and then hovers);
* Adagrad crawls along Rosenbrock's valley (its step keeps shrinking);
* Adadelta stalls on Rosenbrock at a loss of about 1e-2 (its step ratio
  sqrt(u + eps)/sqrt(v + eps) never lets it settle into the valley floor).
"""

from __future__ import annotations

import numpy as np
import pytest

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp


def quadratic(xy):  # f = (x^2 + 10 y^2)/2, minimum 0 at the origin; condition number 10
    return 0.5 * (xy[0] ** 2 + 10 * xy[1] ** 2), np.array([xy[0], 10 * xy[1]])


def rosenbrock(xy):  # f = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1)
    x, y = xy
    value = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    return value, np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def final_loss(fn, start, opt_cls, steps, **hyper):
    p = Parameter(np.array(start, dtype=np.float64))
    opt = opt_cls([p], **hyper)
    for _ in range(steps):
        _, p.grad = fn(p.data)
        opt.step()
    return fn(p.data)[0]


QUADRATIC = [  # optimizer, hyperparameters, steps, tolerance on the final loss (initial 24.5)
    (SGD, {"lr": 0.1}, 500, 1e-12),
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}, 500, 1e-12),
    (Adagrad, {"lr": 0.5}, 500, 1e-12),
    (RMSProp, {"lr": 0.01}, 500, 1e-5),
    (RMSProp, {"lr": 0.003, "momentum": 0.9}, 500, 1e-12),
    (RMSProp, {"lr": 0.01, "centered": True}, 500, 1e-5),
    (Adadelta, {"lr": 1.0}, 2000, 5e-3),
    (Adam, {"lr": 0.05}, 500, 1e-12),
    (AdamW, {"lr": 0.05}, 500, 1e-12),
    (NAdam, {"lr": 0.05}, 500, 1e-12),
    (Adamax, {"lr": 0.05}, 500, 1e-10),
    (RAdam, {"lr": 0.05}, 2000, 1e-12),
]

ROSENBROCK = [  # optimizer, hyperparameters, steps, tolerance on the final loss (initial 12.5)
    (SGD, {"lr": 1e-3, "momentum": 0.9}, 2000, 1e-6),
    (Adagrad, {"lr": 1.0}, 5000, 5e-3),
    (RMSProp, {"lr": 3e-4, "momentum": 0.9}, 2000, 1e-6),
    (Adadelta, {"lr": 0.1}, 5000, 1e-2),
    (Adam, {"lr": 0.03}, 2000, 1e-5),
    (AdamW, {"lr": 0.03, "weight_decay": 1e-4}, 2000, 1e-5),
    (NAdam, {"lr": 0.005}, 5000, 1e-5),
    (Adamax, {"lr": 0.1}, 5000, 1e-6),
    (RAdam, {"lr": 0.01, "betas": (0.9, 0.99)}, 2000, 1e-4),
]


def label(case):
    return f"{case[0].__name__}-{'-'.join(f'{k}={v}' for k, v in case[1].items())}"


@pytest.mark.parametrize("case", QUADRATIC, ids=[label(c) for c in QUADRATIC])
def test_converges_on_quadratic(case):
    opt_cls, hyper, steps, tolerance = case
    assert final_loss(quadratic, [3.0, -2.0], opt_cls, steps, **hyper) < tolerance


@pytest.mark.parametrize("case", ROSENBROCK, ids=[label(c) for c in ROSENBROCK])
def test_converges_on_rosenbrock(case):
    opt_cls, hyper, steps, tolerance = case
    assert final_loss(rosenbrock, [-1.5, 2.0], opt_cls, steps, **hyper) < tolerance


def test_every_optimizer_is_covered():
    import rmsprop_edu.optim as optim

    everyone = {name for name in optim.__all__ if name != "Optimizer"}
    assert {c[0].__name__ for c in QUADRATIC} == everyone
    assert {c[0].__name__ for c in ROSENBROCK} == everyone
