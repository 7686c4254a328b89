"""The exercise checker passes correct solutions and names each mistake.

Every wrong implementation below is written here, independently of the checker's own
catalogue (rmsprop_edu/exercises/mistakes.py), the way a student might write it.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from rmsprop_edu import exercises
from rmsprop_edu.exercises import EXERCISES, check, solutions, templates
from rmsprop_edu.exercises.checker import STEPS, THETA0, _reference, _run, gradient


# ---------------------------------------------------------------- the right answers
@pytest.mark.parametrize("name", list(EXERCISES))
def test_reference_solutions_pass(name):
    result = check(name, getattr(solutions, f"{name}_step"))
    assert result.passed and result.diagnosis == "correct", result
    assert result.step is None and result.where is None
    assert repr(result).startswith(f"[PASSED] {name}: Correct")
    # the named shortcut is the same check
    assert getattr(exercises, f"check_{name}")(getattr(solutions, f"{name}_step")).passed


def test_the_reference_is_the_optimizer_and_its_first_step_checks_by_hand():
    g = gradient(THETA0, 0)
    square_avg = 0.1 * g**2  # rho = 0.9
    theta1 = THETA0 - 0.01 * g / (np.sqrt(square_avg) + 0.1)
    np.testing.assert_allclose(_reference("rmsprop")[0, 0], theta1, rtol=1e-14)
    np.testing.assert_allclose(_reference("rmsprop")[0, 1], square_avg, rtol=1e-14)
    m, v = 0.2 * g, 0.05 * g**2  # betas (0.8, 0.95); at t = 1 m_hat = g, v_hat = g^2
    np.testing.assert_allclose(_reference("adam")[0, 1:], [m, v], rtol=1e-14)
    np.testing.assert_allclose(_reference("adam")[0, 0], THETA0 - 0.01 * g / (np.abs(g) + 0.1), rtol=1e-13)
    assert _reference("adam").shape == (STEPS, 3, 4)


def test_the_gradient_depends_on_theta_and_spans_orders_of_magnitude():
    assert not np.allclose(gradient(THETA0, 0), gradient(2 * THETA0, 0))
    sizes = np.abs(gradient(THETA0, 0))
    assert sizes.max() / sizes.min() > 20


@pytest.mark.parametrize("name", list(EXERCISES))
def test_templates_say_not_implemented_kindly(name):
    result = check(name, getattr(templates, f"{name}_step"))
    assert not result.passed and result.diagnosis == "not_implemented"
    assert "is not written yet" in result.message and f"templates.{name}_step" in result.message
    assert result.step is None


def test_in_place_updates_are_accepted_returned_or_not():
    def rmsprop_in_place(theta, grad, v, lr, rho, eps):
        v *= rho
        v += (1 - rho) * grad * grad
        theta -= lr * grad / (np.sqrt(v) + eps)
        return theta, v

    def rmsprop_in_place_no_return(theta, grad, v, lr, rho, eps):
        v *= rho
        v += (1 - rho) * grad * grad
        theta -= lr * grad / (np.sqrt(v) + eps)

    def adam_lists(theta, grad, m, v, t, lr, b1, b2, eps):
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        step = lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        return [list(theta - step), list(m), list(v)]  # plain lists are fine too

    assert check("rmsprop", rmsprop_in_place).passed
    assert check("rmsprop", rmsprop_in_place_no_return).passed
    assert check("adam", adam_lists).passed


def test_a_state_rebound_instead_of_changed_in_place_is_named_with_an_explanation():
    def rmsprop_half_in_place(theta, grad, v, lr, rho, eps):
        v = rho * v + (1 - rho) * grad * grad  # a new array: the given one stays at zero
        theta -= lr * grad / (np.sqrt(v) + eps)

    result = check("rmsprop", rmsprop_half_in_place)
    assert result.diagnosis == "state_not_carried"
    # theta is right at step 1, but the square_avg handed back is still zero
    assert result.step == 1 and result.where is not None and result.where.startswith("square_avg[")
    assert "returns nothing" in result.message and "`v *= rho` changes it" in result.message


# ------------------------------------------------------------ SGD momentum mistakes
def sgd_sign(theta, g, vel, lr, mu):
    vel = mu * vel + g
    return theta + lr * vel, vel


def sgd_plain(theta, g, vel, lr, mu):
    return theta - lr * g, g  # forgets the old velocity


def sgd_average(theta, g, vel, lr, mu):
    vel = mu * vel + (1 - mu) * g
    return theta - lr * vel, vel


def sgd_lr_inside(theta, g, vel, lr, mu):
    vel = mu * vel + lr * g
    return theta - vel, vel


def sgd_late_velocity(theta, g, vel, lr, mu):
    theta = theta - lr * vel
    vel = mu * vel + g
    return theta, vel


def sgd_nesterov(theta, g, vel, lr, mu):
    vel = mu * vel + g
    return theta - lr * (g + mu * vel), vel


# ------------------------------------------------------------------ Adagrad mistakes
def adagrad_forgets(theta, g, s, lr, eps):
    s = g * g  # should be s + g*g
    return theta - lr * g / (np.sqrt(s) + eps), s


def adagrad_eps_inside(theta, g, s, lr, eps):
    s = s + g * g
    return theta - lr * g / np.sqrt(s + eps), s


def adagrad_no_sqrt(theta, g, s, lr, eps):
    s += g * g
    return theta - lr * g / (s + eps), s


def adagrad_like_rmsprop(theta, g, s, lr, eps):
    s = 0.9 * s + 0.1 * g * g
    return theta - lr * g / (np.sqrt(s) + eps), s


def adagrad_old_sum(theta, g, s, lr, eps):
    theta = theta - lr * g / (np.sqrt(s) + eps)
    return theta, s + g * g


# ------------------------------------------------------------------ RMSProp mistakes
def rms_eps_inside(theta, g, v, lr, rho, eps):
    v = rho * v + (1 - rho) * g * g
    return theta - lr * g / np.sqrt(v + eps), v


def rms_no_sqrt(theta, g, v, lr, rho, eps):
    v = rho * v + (1 - rho) * g * g
    return theta - lr * g / (v + eps), v


def rms_no_eps(theta, g, v, lr, rho, eps):
    v = rho * v + (1 - rho) * g * g
    return theta - lr * g / np.sqrt(v), v


def rms_swapped(theta, g, v, lr, rho, eps):
    v = (1 - rho) * v + rho * g * g
    return theta - lr * g / (np.sqrt(v) + eps), v


def rms_sign(theta, g, v, lr, rho, eps):
    v = rho * v + (1 - rho) * g * g
    return theta + lr * g / (np.sqrt(v) + eps), v


def rms_ignores_incoming(theta, g, v, lr, rho, eps):
    new_v = rho * np.zeros_like(v) + (1 - rho) * g * g
    return theta - lr * g / (np.sqrt(new_v) + eps), new_v


def rms_returns_old_state(theta, g, v, lr, rho, eps):
    new_v = rho * v + (1 - rho) * g * g
    return theta - lr * g / (np.sqrt(new_v) + eps), v  # returns the v it was given


def rms_abs(theta, g, v, lr, rho, eps):
    v = rho * v + (1 - rho) * abs(g)
    return theta - lr * g / (np.sqrt(v) + eps), v


def rms_step_before_average(theta, g, v, lr, rho, eps):
    theta = theta - lr * g / (np.sqrt(v) + eps)
    v = rho * v + (1 - rho) * g * g
    return theta, v


# --------------------------------------------------------------------- Adam mistakes
def adam_no_correction(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adam_corrects_only_v(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * m / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def adam_t_plus_one(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1 ** (t + 1)), v / (1 - b2 ** (t + 1))
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_zero_based(theta, g, m, v, t, lr, b1, b2, eps):
    step = t - 1  # "the first step is step 0"
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**step), v / (1 - b2**step)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_eps_inside(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * (m / (1 - b1**t)) / np.sqrt(v / (1 - b2**t) + eps), m, v


def adam_no_sqrt(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * (m / (1 - b1**t)) / (v / (1 - b2**t) + eps), m, v


def adam_betas_exchanged(theta, g, m, v, t, lr, b1, b2, eps):
    m = b2 * m + (1 - b2) * g
    v = b1 * v + (1 - b1) * g * g
    return theta - lr * (m / (1 - b2**t)) / (np.sqrt(v / (1 - b1**t)) + eps), m, v


def adam_beta1_swapped(theta, g, m, v, t, lr, b1, b2, eps):
    m = (1 - b1) * m + b1 * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def adam_sign(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta + lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def adam_returns_old_state(theta, g, m, v, t, lr, b1, b2, eps):
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * g * g
    return theta - lr * (m_new / (1 - b1**t)) / (np.sqrt(v_new / (1 - b2**t)) + eps), m, v


def adam_returns_the_hats(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m, v = m / (1 - b1**t), v / (1 - b2**t)  # the corrected values overwrite the averages
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adam_kingma_ba(theta, g, m, v, t, lr, b1, b2, eps):
    # Kingma & Ba (2015), end of section 2: "the order of computation could be improved"
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    alpha_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
    return theta - alpha_t * m / (np.sqrt(v) + eps), m, v


def adam_returns_state_first(theta, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return m, v, theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)


def rms_returns_swapped(theta, g, v, lr, rho, eps):
    v = rho * v + (1 - rho) * g * g
    return v, theta - lr * g / (np.sqrt(v) + eps)


# -------------------------------------------------------------------- AdamW mistakes
def adamw_coupled(theta, g, m, v, t, lr, b1, b2, eps, wd):
    g = g + wd * theta  # L2 regularisation, not decoupled decay
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def adamw_no_lr_in_decay(theta, g, m, v, t, lr, b1, b2, eps, wd):
    theta = theta - wd * theta
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def adamw_decay_last(theta, g, m, v, t, lr, b1, b2, eps, wd):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return theta * (1 - lr * wd), m, v


def adamw_is_adam(theta, g, m, v, t, lr, b1, b2, eps, wd):
    return solutions.adam_step(theta, g, m, v, t, lr, b1, b2, eps)


def adamw_eps_inside(theta, g, m, v, t, lr, b1, b2, eps, wd):
    theta = theta * (1 - lr * wd)
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return theta - lr * (m / (1 - b1**t)) / np.sqrt(v / (1 - b2**t) + eps), m, v


def adamw_kingma_ba(theta, g, m, v, t, lr, b1, b2, eps, wd):
    return adam_kingma_ba(theta * (1 - lr * wd), g, m, v, t, lr, b1, b2, eps)


MISTAKES = [
    ("sgd_momentum", sgd_sign, "sign_of_the_update"),
    ("sgd_momentum", sgd_plain, "state_not_carried"),
    ("sgd_momentum", sgd_average, "momentum_as_average"),
    ("sgd_momentum", sgd_lr_inside, "lr_inside_velocity"),
    ("sgd_momentum", sgd_late_velocity, "velocity_updated_after_the_step"),
    ("sgd_momentum", sgd_nesterov, "nesterov_instead_of_heavy_ball"),
    ("adagrad", adagrad_forgets, "state_not_carried"),
    ("adagrad", adagrad_eps_inside, "eps_inside_sqrt"),
    ("adagrad", adagrad_no_sqrt, "sqrt_forgotten"),
    ("adagrad", adagrad_like_rmsprop, "average_instead_of_sum"),
    ("adagrad", adagrad_old_sum, "state_updated_after_the_step"),
    ("rmsprop", rms_eps_inside, "eps_inside_sqrt"),
    ("rmsprop", rms_no_sqrt, "sqrt_forgotten"),
    ("rmsprop", rms_no_eps, "eps_missing"),
    ("rmsprop", rms_swapped, "rho_swapped"),
    ("rmsprop", rms_sign, "sign_of_the_update"),
    ("rmsprop", rms_ignores_incoming, "state_not_carried"),
    ("rmsprop", rms_returns_old_state, "state_not_carried"),
    ("rmsprop", rms_abs, "gradient_not_squared"),
    ("rmsprop", rms_step_before_average, "state_updated_after_the_step"),
    ("adam", adam_no_correction, "bias_correction_missing"),
    ("adam", adam_corrects_only_v, "bias_correction_missing"),
    ("adam", adam_t_plus_one, "bias_correction_off_by_one"),
    ("adam", adam_zero_based, "bias_correction_off_by_one"),
    ("adam", adam_eps_inside, "eps_inside_sqrt"),
    ("adam", adam_no_sqrt, "sqrt_forgotten"),
    ("adam", adam_betas_exchanged, "betas_exchanged"),
    ("adam", adam_beta1_swapped, "beta_swapped"),
    ("adam", adam_sign, "sign_of_the_update"),
    ("adam", adam_returns_old_state, "state_not_carried"),
    ("adam", adam_returns_the_hats, "bias_corrected_state_returned"),
    ("adam", adam_kingma_ba, "kingma_ba_efficient_form"),
    ("adam", adam_returns_state_first, "wrong_return_order"),
    ("rmsprop", rms_returns_swapped, "wrong_return_order"),
    ("adamw", adamw_kingma_ba, "kingma_ba_efficient_form"),
    ("adamw", adamw_coupled, "weight_decay_coupled"),
    ("adamw", adamw_no_lr_in_decay, "weight_decay_without_lr"),
    ("adamw", adamw_decay_last, "weight_decay_after_the_step"),
    ("adamw", adamw_is_adam, "weight_decay_missing"),
    ("adamw", adamw_eps_inside, "eps_inside_sqrt"),
]


@pytest.mark.parametrize("name,fn,diagnosis", MISTAKES, ids=[f"{n}-{f.__name__}" for n, f, _ in MISTAKES])
def test_each_mistake_is_named(name, fn, diagnosis):
    result = check(name, fn)
    assert not result.passed
    assert result.diagnosis == diagnosis, result
    assert f"First difference at step {result.step}, {result.where}: yours " in result.message
    assert "Hint: " in result.message


def test_where_and_when_the_first_difference_is_reported():
    result = check("rmsprop", rms_eps_inside)
    # at step 1 sqrt(0.1 g^2 + 0.1) vs sqrt(0.1 g^2) + 0.1 differ most where |g| is smallest in relative terms...
    assert result.step == 1 and result.where is not None and result.where.startswith("theta[")
    # ...and a mistake in the state alone is located in the state
    result = check("sgd_momentum", sgd_lr_inside)
    assert result.step == 1 and result.where is not None and result.where.startswith("velocity[")
    expected = gradient(THETA0, 0)[int(result.where[9])]
    assert f"expected {expected:.10g}" in result.message
    # the Adam student who counts from 0 divides by 1 - beta^0 = 0 at the very first step
    result = check("adam", adam_zero_based)
    assert result.step == 1 and "t - 1" in result.message and "division by zero" in result.message


def test_a_swapped_return_is_named_not_blamed_on_a_division_by_zero():
    result = check("rmsprop", rms_returns_swapped)
    assert result.diagnosis == "wrong_return_order"
    assert "your function returns (square_avg, theta)" in result.message
    assert "return theta, square_avg" in result.message and "division by zero" not in result.message
    result = check("adam", adam_returns_state_first)
    assert "your function returns (m, v, theta)" in result.message and "return theta, m, v" in result.message


def test_returning_m_hat_and_v_hat_as_the_state_is_named():
    result = check("adam", adam_returns_the_hats)
    assert "you return m_hat and v_hat as the state" in result.message
    assert "none of the usual mistakes" not in result.message
    # theta is right at step 1 (t = 1: the step uses m_hat either way); the state returned is not:
    # m_hat = m / (1 - 0.8) = 5 m
    assert result.step == 1 and result.where is not None and result.where.startswith("m[")


def test_kingma_and_ba_efficient_form_is_recognised_as_a_valid_variant():
    result = check("adam", adam_kingma_ba)
    assert not result.passed and result.diagnosis == "kingma_ba_efficient_form"
    assert "valid textbook variant" in result.message and "only in where eps goes" in result.message
    assert "eps added after the bias correction" in result.message
    assert "eps/sqrt(1 - beta2^t) added to sqrt(v_hat)" in result.message
    # the claim in the message, by hand: sqrt(v_hat) = sqrt(v)/sqrt(c) with c = 1 - beta2^t, so their step
    # lr sqrt(c)/(1 - beta1^t) m/(sqrt(v) + eps) = lr m_hat/(sqrt(v_hat) + eps/sqrt(c))
    b1, b2, eps, lr = 0.8, 0.95, 0.1, 0.01
    m, v, t = np.array([0.3, -0.2]), np.array([0.04, 0.09]), 3
    c = 1 - b2**t
    kingma_ba = lr * np.sqrt(c) / (1 - b1**t) * m / (np.sqrt(v) + eps)
    np.testing.assert_allclose(kingma_ba, lr * (m / (1 - b1**t)) / (np.sqrt(v / c) + eps / np.sqrt(c)), rtol=1e-14)
    assert not np.allclose(kingma_ba, lr * (m / (1 - b1**t)) / (np.sqrt(v / c) + eps), rtol=1e-3)


# ---------------------------------------------------------- failures of another kind
def test_an_exception_is_reported_with_its_text_and_line():
    def crashes(theta, g, v, lr, rho, eps):
        return theta - lr * g / (np.sqrt(v) + eps[0]), v  # eps is a float

    result = check("rmsprop", crashes)
    assert result.diagnosis == "raised_an_exception" and result.step == 1
    assert "TypeError at step 1" in result.message and "not subscriptable" in result.message
    assert "in crashes: `return theta - lr * g / (np.sqrt(v) + eps[0]), v" in result.message

    def broadcasts_badly(theta, g, v, lr, rho, eps):  # a ValueError from NumPy is the student's, too
        v = rho * v + (1 - rho) * g[:3] ** 2  # shapes (4,) and (3,)
        return theta - lr * g / (np.sqrt(v) + eps), v

    result = check("rmsprop", broadcasts_badly)
    assert result.diagnosis == "raised_an_exception" and "ValueError" in result.message
    assert "could not be broadcast" in result.message and "in broadcasts_badly" in result.message

    def fails_later(theta, g, m, v, t, lr, b1, b2, eps):
        if t == 3:
            raise RuntimeError("only two steps written so far")
        return solutions.adam_step(theta, g, m, v, t, lr, b1, b2, eps)

    result = check("adam", fails_later)
    assert result.diagnosis == "raised_an_exception" and result.step == 3
    assert "only two steps written so far" in result.message


@pytest.mark.parametrize(
    "returned,expected",
    [
        (lambda theta, v: theta, "return a tuple (theta, square_avg); got an array of shape (4,)"),
        (lambda theta, v: (theta, v, v), "return a tuple (theta, square_avg); got a tuple of 3 values"),
        (lambda theta, v: (theta[:, None], v), "theta should keep the shape (4,) of theta; got shape (4, 1)"),
        (lambda theta, v: (theta, "v"), "square_avg should be a NumPy array of shape (4,); got a str"),
        (lambda theta, v: None, "returned None; end it with `return theta, square_avg`"),
    ],
    ids=["one-array", "three-values", "shape", "string", "none"],
)
def test_a_wrong_return_value_is_explained(returned, expected):
    def student(theta, g, v, lr, rho, eps):
        new_v = rho * v + (1 - rho) * g * g
        return returned(theta - lr * g / (np.sqrt(new_v) + eps), new_v)

    result = check("rmsprop", student)
    assert result.diagnosis == "wrong_return_value" and not result.passed
    assert expected in result.message, result


def test_a_wrong_signature_is_explained_before_calling():
    def with_t(theta, g, velocity, t, lr, momentum):  # the old signature, with t
        raise AssertionError("never called")

    result = check("sgd_momentum", with_t)
    assert result.diagnosis == "wrong_signature"
    assert "with 5 arguments, as sgd_momentum_step(theta, grad, velocity, lr, momentum)" in result.message
    assert "with_t(theta, g, velocity, t, lr, momentum) cannot take them" in result.message
    # *args functions and defaults are fine
    assert check("sgd_momentum", lambda *args: solutions.sgd_momentum_step(*args)).passed


def test_nan_is_reported_with_its_step():
    def subtracts(theta, g, v, lr, rho, eps):
        v = rho * v - (1 - rho) * g * g  # minus: v < 0 and its root is NaN
        return theta - lr * g / (np.sqrt(v) + eps), v

    result = check("rmsprop", subtracts)
    assert result.diagnosis == "nan_or_inf" and result.step == 1
    assert "NaN or inf" in result.message and "yours nan" in result.message
    assert "square root of a negative" in result.message


def test_float32_is_almost_correct_and_an_unknown_mistake_differs():
    def in_float32(theta, g, v, lr, rho, eps):
        theta, g, v = (np.float32(x) for x in (theta, g, v))
        v = np.float32(rho) * v + np.float32(1 - rho) * g * g
        return theta - np.float32(lr) * g / (np.sqrt(v) + np.float32(eps)), v

    result = check("rmsprop", in_float32)
    assert result.diagnosis == "almost_correct" and "float32" in result.message

    def double_lr(theta, g, v, lr, rho, eps):
        v = rho * v + (1 - rho) * g * g
        return theta - 2 * lr * g / (np.sqrt(v) + eps), v

    result = check("rmsprop", double_lr)
    assert result.diagnosis == "differs" and "none of the usual mistakes" in result.message


def test_repr_and_html_are_short_and_friendly():
    result = check("rmsprop", rms_eps_inside)
    text = repr(result)
    assert text.startswith("[NOT YET] rmsprop: eps is inside the square root")
    assert str(result) == text and len(text.splitlines()) == 3
    assert "\n    First difference at step 1, theta[" in text and "\n    Hint: This exercise follows torch" in text
    page = result._repr_html_()
    assert page.startswith("<div") and "not yet (eps_inside_sqrt)" in page and "<br>" in page
    assert "sqrt(square_avg + eps)" in page
    assert "correct" in check("rmsprop", solutions.rmsprop_step)._repr_html_()
    with pytest.raises(ValueError, match="exercise must be one of 'sgd_momentum', 'adagrad'"):
        check("lion", rms_eps_inside)


# ------------------------------------------------------- the catalogue stays sound
@pytest.mark.parametrize("name", list(EXERCISES))
def test_every_catalogued_mistake_is_distinguishable_and_named(name):
    exercise = EXERCISES[name]
    reference = _reference(name)
    runs = [(m.diagnosis, _run(m.step, exercise).trajectory) for m in exercise.mistakes]
    for diagnosis, trajectory in runs:
        assert np.isfinite(trajectory).all()
        assert not np.allclose(trajectory, reference, rtol=1e-6), diagnosis
    for i, (first, a) in enumerate(runs):
        for second, b in runs[i + 1 :]:
            if first != second:
                assert not np.allclose(a, b, rtol=1e-6), (first, second)
    for mistake in exercise.mistakes:
        assert check(name, mistake.step).diagnosis == mistake.diagnosis


def test_importing_the_exercises_loads_nothing_heavy():
    code = (
        "import sys, rmsprop_edu.exercises; "
        "print(sorted(m for m in ('matplotlib', 'tqdm', 'torch', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
