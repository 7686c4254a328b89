"""The exercise checker passes correct solutions and names each mistake.

Every wrong implementation below is written here, independently of the checker's own
catalogue, the way a student might write it.
"""

from __future__ import annotations

import numpy as np
import pytest

from rmsprop_edu.exercises import EXERCISES, check, solutions, templates


@pytest.mark.parametrize("name", list(EXERCISES))
def test_reference_solutions_pass(name):
    result = check(name, getattr(solutions, f"{name}_step"))
    assert result.passed and result.diagnosis == "correct", result


@pytest.mark.parametrize("name", list(EXERCISES))
def test_templates_say_not_implemented(name):
    result = check(name, getattr(templates, f"{name}_step"))
    assert not result.passed and result.diagnosis == "not_implemented"
    assert "not written yet" in result.message


def test_in_place_updates_are_accepted():
    def rmsprop_in_place(theta, grad, v, lr, rho, eps):
        v *= rho
        v += (1 - rho) * grad * grad
        theta -= lr * grad / (np.sqrt(v) + eps)
        return theta, v

    assert check("rmsprop", rmsprop_in_place).passed


# ------------------------------------------------------------------ RMSProp mistakes
def rms_eps_inside(theta, g, v, lr, rho, eps):
    v = rho * v + (1 - rho) * g * g
    return theta - lr * g / np.sqrt(v + eps), v


def rms_no_sqrt(theta, g, v, lr, rho, eps):
    v = rho * v + (1 - rho) * g * g
    return theta - lr * g / (v + eps), v


def rms_swapped(theta, g, v, lr, rho, eps):
    v = (1 - rho) * v + rho * g * g
    return theta - lr * g / (np.sqrt(v) + eps), v


def rms_sign(theta, g, v, lr, rho, eps):
    v = rho * v + (1 - rho) * g * g
    return theta + lr * g / (np.sqrt(v) + eps), v


def rms_forgets(theta, g, v, lr, rho, eps):
    new_v = rho * np.zeros_like(v) + (1 - rho) * g * g  # ignores the incoming v
    return theta - lr * g / (np.sqrt(new_v) + eps), new_v


# -------------------------------------------------------------------- Adam mistakes
def adam_no_correction(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adam_t_plus_one(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1 ** (t + 1)), v / (1 - b2 ** (t + 1))
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_t_minus_one(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat, v_hat = m / (1 - b1 ** (t - 1)), v / (1 - b2 ** (t - 1))
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_eps_inside(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * (m / (1 - b1**t)) / np.sqrt(v / (1 - b2**t) + eps), m, v


def adam_betas_swapped(theta, g, m, v, t, lr, b1, b2, eps):
    m = b2 * m + (1 - b2) * g
    v = b1 * v + (1 - b1) * g * g
    return theta - lr * (m / (1 - b2**t)) / (np.sqrt(v / (1 - b1**t)) + eps), m, v


# ------------------------------------------------------------------- AdamW mistakes
def adamw_coupled(theta, g, m, v, t, lr, b1, b2, eps, wd):
    g = g + wd * theta  # L2 regularisation, not decoupled decay
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


# ------------------------------------------------------------- SGD / Adagrad mistakes
def sgd_sign(theta, g, vel, t, lr, mu):
    vel = g if t == 1 else mu * vel + g
    return theta + lr * vel, vel


def adagrad_forgets(theta, g, s, lr, eps):
    s = g * g  # should be s + g*g
    return theta - lr * g / (np.sqrt(s) + eps), s


def adagrad_eps_inside(theta, g, s, lr, eps):
    s = s + g * g
    return theta - lr * g / np.sqrt(s + eps), s


MISTAKES = [
    ("rmsprop", rms_eps_inside, "eps_inside_sqrt"),
    ("rmsprop", rms_no_sqrt, "sqrt_forgotten"),
    ("rmsprop", rms_swapped, "rho_swapped"),
    ("rmsprop", rms_sign, "sign_of_the_update"),
    ("rmsprop", rms_forgets, "state_not_carried"),
    ("adam", adam_no_correction, "bias_correction_missing"),
    ("adam", adam_t_plus_one, "bias_correction_off_by_one"),
    ("adam", adam_eps_inside, "eps_inside_sqrt"),
    ("adam", adam_betas_swapped, "betas_swapped"),
    ("adamw", adamw_coupled, "weight_decay_coupled"),
    ("sgd_momentum", sgd_sign, "sign_of_the_update"),
    ("adagrad", adagrad_forgets, "state_not_carried"),
    ("adagrad", adagrad_eps_inside, "eps_inside_sqrt"),
]


@pytest.mark.parametrize("name,fn,diagnosis", MISTAKES, ids=[f"{n}-{d}" for n, _, d in MISTAKES])
def test_each_mistake_is_named(name, fn, diagnosis):
    result = check(name, fn)
    assert not result.passed
    assert result.diagnosis == diagnosis, result
    assert "First difference at step" in result.message


def test_t_minus_one_is_caught_as_a_division_by_zero():
    result = check("adam", adam_t_minus_one)
    assert result.diagnosis == "nan_or_inf" and "t - 1" in result.message and result.step == 1


def test_exceptions_wrong_returns_and_unknown_mistakes_are_reported_kindly():
    def crashes(theta, g, v, lr, rho, eps):
        return theta - lr * g / (np.sqrt(v) + eps[0]), v  # eps is a float

    result = check("rmsprop", crashes)
    assert result.diagnosis == "raised_an_exception" and "TypeError" in result.message

    def returns_one_thing(theta, g, v, lr, rho, eps):
        return theta

    result = check("rmsprop", returns_one_thing)
    assert result.diagnosis == "wrong_return_value" and "return a tuple (theta, square_avg)" in result.message

    def strange(theta, g, v, lr, rho, eps):
        v = rho * v + (1 - rho) * g * g
        return theta - 2 * lr * g / (np.sqrt(v) + eps), v

    result = check("rmsprop", strange)
    assert result.diagnosis == "differs" and "none of the usual mistakes" in result.message
    assert "rmsprop" in repr(result) and "<div" in result._repr_html_()
    with pytest.raises(ValueError, match="exercise must be one of"):
        check("lion", strange)
