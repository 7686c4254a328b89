"""dialects.compare: two optimizers on one problem, where they part ways and which setting explains it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rmsprop_edu.optim import SGD, Adagrad, RMSProp
from rmsprop_edu.optim.dialects import compare


def bowl(theta: np.ndarray, t: int) -> np.ndarray:
    return np.array([2.0, 20.0, 0.2]) * theta  # f = x^2 + 10 y^2 + 0.1 z^2


START = np.array([1.0, -2.0, 3.0])


def test_the_same_optimizer_twice_never_parts():
    result = compare(lambda ps: RMSProp(ps, lr=0.01), lambda ps: RMSProp(ps, lr=0.01), START, bowl, steps=50)
    assert result.first_step is None and result.differing == {} and not result.gaps.any()
    assert "agree" in str(result)


def test_the_first_gap_is_the_hand_computed_difference_of_one_step():
    # RMSProp, rho 0.9, lr 0.01, from theta = 1 with g = 2: v = 0.1 * 4, step = lr * 2 / (sqrt(0.4) + eps)
    result = compare(
        lambda ps: RMSProp(ps, lr=0.01, rho=0.9, eps=1e-8),
        lambda ps: RMSProp(ps, lr=0.01, rho=0.9, eps=0.1),
        np.array([1.0]),
        lambda th, t: 2.0 * th,
        steps=3,
    )
    a = 1.0 - 0.01 * 2.0 / (math.sqrt(0.4) + 1e-8)
    b = 1.0 - 0.01 * 2.0 / (math.sqrt(0.4) + 0.1)
    assert result.gaps[1] == pytest.approx(abs(a - b) / max(a, b), rel=1e-12)
    assert result.first_step == 1 and result.differing == {"eps": (1e-8, 0.1)}
    assert result.closing["eps"] == 0.0  # with b's eps set to a's, they are the same optimizer


def test_adagrad_ported_from_keras_is_fixed_first_by_its_initial_accumulator():
    # Keras starts Adagrad's sum of squares at 0.1 (torch: 0) and puts a larger eps inside the root:
    # on gradients of size ~1 the 0.1 head start dominates the difference, eps hardly matters.
    result = compare(
        lambda ps: Adagrad.preset("pytorch", ps, lr=0.1),
        lambda ps: Adagrad.preset("keras", ps, lr=0.1),
        START,
        bowl,
        steps=100,
    )
    assert set(result.differing) == {"eps", "eps_in_sqrt", "initial_accumulator_value", "decoupled_weight_decay"}
    assert result.first_step == 1 and result.final_gap > 1e-3
    assert result.best_knob == "initial_accumulator_value"
    assert result.closing["initial_accumulator_value"] < 1e-3 * result.final_gap


def test_a_setting_that_b_cannot_take_alone_is_reported_as_nan():
    # nesterov needs momentum in torch's SGD: copying nesterov=True alone into a momentum-free SGD fails
    result = compare(
        lambda ps: SGD(ps, lr=0.01, momentum=0.9, nesterov=True),
        lambda ps: SGD(ps, lr=0.01),
        START,
        bowl,
        steps=20,
    )
    assert math.isnan(result.closing["nesterov"]) and result.closing["momentum"] > 0
    assert result.best_knob == "momentum"


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="steps must be in"):
        compare(lambda ps: SGD(ps), lambda ps: SGD(ps), START, bowl, steps=0)
    with pytest.raises(ValueError, match="tol must be in"):
        compare(lambda ps: SGD(ps), lambda ps: SGD(ps), START, bowl, tol=-1.0)
