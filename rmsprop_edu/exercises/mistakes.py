"""The catalogue of known mistakes: small, deliberately wrong update rules.

The checker runs each one on its test problem and names the mistake whose
trajectory the student's matches. One entry is not a mistake but a valid textbook
variant with another convention (Kingma & Ba's efficient form of Adam): its
message says so, and what differs. Several variants may share one diagnosis name
(bias correction missing on m only, on v only, or on both); each says precisely
what it does wrong (``what``) and how to fix it (``hint``).

Every function has the signature of its exercise (see ``templates``) and returns
new arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Mistake:
    """A named wrong variant of an update rule.

    Attributes:
        diagnosis: the mistake's name, e.g. ``"sign_of_the_update"``; several variants may share one.
        step: the wrong update rule, with the signature of its exercise's template; returns new arrays.
        what: one sentence saying what this variant does wrong.
        hint: one sentence saying how to fix it.
    """

    diagnosis: str
    step: Callable[..., Any]
    what: str
    hint: str


# --------------------------------------------------------------- SGD with momentum
def _sgd_sign(theta, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return theta + lr * velocity, velocity


def _sgd_no_state(theta, grad, velocity, lr, momentum):
    velocity = grad.copy()  # the incoming velocity is ignored
    return theta - lr * velocity, velocity


def _sgd_average(theta, grad, velocity, lr, momentum):
    velocity = momentum * velocity + (1 - momentum) * grad
    return theta - lr * velocity, velocity


def _sgd_lr_inside(theta, grad, velocity, lr, momentum):
    velocity = momentum * velocity + lr * grad
    return theta - velocity, velocity


def _sgd_velocity_not_used(theta, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return theta - lr * grad, velocity


def _sgd_update_after(theta, grad, velocity, lr, momentum):
    new_theta = theta - lr * velocity  # the old velocity
    return new_theta, momentum * velocity + grad


def _sgd_nesterov(theta, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return theta - lr * (grad + momentum * velocity), velocity


SGD_MOMENTUM = (
    Mistake(
        "sign_of_the_update",
        _sgd_sign,
        "The update goes uphill: theta grows along the velocity.",
        "Subtract: theta <- theta - lr*velocity.",
    ),
    Mistake(
        "state_not_carried",
        _sgd_no_state,
        "The velocity is not carried from one step to the next (this is plain SGD).",
        "Start from the velocity you are given: velocity <- momentum*velocity + grad.",
    ),
    Mistake(
        "velocity_not_used",
        _sgd_velocity_not_used,
        "The velocity is updated correctly, but theta steps along the raw gradient.",
        "Step along the velocity: theta <- theta - lr*velocity.",
    ),
    Mistake(
        "velocity_updated_after_the_step",
        _sgd_update_after,
        "theta steps along the old velocity, before the new gradient has entered it.",
        "Update the velocity first, then step with the new one.",
    ),
    Mistake(
        "momentum_as_average",
        _sgd_average,
        "The velocity is an average, momentum*velocity + (1 - momentum)*grad.",
        "torch's momentum adds the whole gradient: velocity <- momentum*velocity + grad.",
    ),
    Mistake(
        "lr_inside_velocity",
        _sgd_lr_inside,
        "theta is right, but the velocity you return contains lr (Sutskever et al.'s convention).",
        "torch keeps lr outside the buffer: velocity <- momentum*velocity + grad; theta <- theta - lr*velocity. "
        "(The two agree while lr is constant and part ways under a schedule.)",
    ),
    Mistake(
        "nesterov_instead_of_heavy_ball",
        _sgd_nesterov,
        "theta steps along grad + momentum*velocity: that is Nesterov's look-ahead.",
        "Heavy-ball momentum steps along the velocity itself: theta <- theta - lr*velocity.",
    ),
)


# ------------------------------------------------------------------------- Adagrad
def _adagrad_inside(theta, grad, sum_sq, lr, eps):
    sum_sq = sum_sq + grad**2
    return theta - lr * grad / np.sqrt(sum_sq + eps), sum_sq


def _adagrad_no_sqrt(theta, grad, sum_sq, lr, eps):
    sum_sq = sum_sq + grad**2
    return theta - lr * grad / (sum_sq + eps), sum_sq


def _adagrad_no_eps(theta, grad, sum_sq, lr, eps):
    sum_sq = sum_sq + grad**2
    return theta - lr * grad / np.sqrt(sum_sq), sum_sq


def _adagrad_sign(theta, grad, sum_sq, lr, eps):
    sum_sq = sum_sq + grad**2
    return theta + lr * grad / (np.sqrt(sum_sq) + eps), sum_sq


def _adagrad_no_state(theta, grad, sum_sq, lr, eps):
    sum_sq = grad**2  # the incoming sum is ignored
    return theta - lr * grad / (np.sqrt(sum_sq) + eps), sum_sq


def _adagrad_update_after(theta, grad, sum_sq, lr, eps):
    new_theta = theta - lr * grad / (np.sqrt(sum_sq) + eps)  # the old sum
    return new_theta, sum_sq + grad**2


def _adagrad_abs(theta, grad, sum_sq, lr, eps):
    sum_sq = sum_sq + np.abs(grad)
    return theta - lr * grad / (np.sqrt(sum_sq) + eps), sum_sq


def _adagrad_average(theta, grad, sum_sq, lr, eps):
    sum_sq = 0.9 * sum_sq + 0.1 * grad**2
    return theta - lr * grad / (np.sqrt(sum_sq) + eps), sum_sq


ADAGRAD = (
    Mistake(
        "eps_inside_sqrt",
        _adagrad_inside,
        "eps is inside the square root: you divide by sqrt(sum_sq + eps).",
        "This exercise follows torch: divide by sqrt(sum_sq) + eps.",
    ),
    Mistake(
        "sqrt_forgotten",
        _adagrad_no_sqrt,
        "The square root is missing: you divide by sum_sq + eps.",
        "Divide by sqrt(sum_sq) + eps: the root brings g^2 back to the units of g.",
    ),
    Mistake(
        "eps_missing",
        _adagrad_no_eps,
        "eps is missing: you divide by sqrt(sum_sq).",
        "Divide by sqrt(sum_sq) + eps (the check uses a large eps, 0.1, so that it shows).",
    ),
    Mistake("sign_of_the_update", _adagrad_sign, "The update goes uphill.", "Subtract the step from theta."),
    Mistake(
        "state_not_carried",
        _adagrad_no_state,
        "The sum of squares starts again from zero at every step.",
        "Add grad^2 to the sum_sq you are given: sum_sq <- sum_sq + grad^2.",
    ),
    Mistake(
        "state_updated_after_the_step",
        _adagrad_update_after,
        "The step divides by the old sum, before grad^2 has been added.",
        "Update sum_sq first, then divide by its square root.",
    ),
    Mistake(
        "gradient_not_squared",
        _adagrad_abs,
        "The sum is of |grad| instead of grad^2.",
        "Accumulate the squared gradient: sum_sq <- sum_sq + grad^2.",
    ),
    Mistake(
        "average_instead_of_sum",
        _adagrad_average,
        "You keep a decaying average of grad^2: that is RMSProp.",
        "Adagrad keeps the plain sum: sum_sq <- sum_sq + grad^2.",
    ),
)


# ------------------------------------------------------------------------- RMSProp
def _rms_inside(theta, grad, square_avg, lr, rho, eps):
    square_avg = rho * square_avg + (1 - rho) * grad**2
    return theta - lr * grad / np.sqrt(square_avg + eps), square_avg


def _rms_no_sqrt(theta, grad, square_avg, lr, rho, eps):
    square_avg = rho * square_avg + (1 - rho) * grad**2
    return theta - lr * grad / (square_avg + eps), square_avg


def _rms_no_eps(theta, grad, square_avg, lr, rho, eps):
    square_avg = rho * square_avg + (1 - rho) * grad**2
    return theta - lr * grad / np.sqrt(square_avg), square_avg


def _rms_swapped(theta, grad, square_avg, lr, rho, eps):
    square_avg = (1 - rho) * square_avg + rho * grad**2
    return theta - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def _rms_sign(theta, grad, square_avg, lr, rho, eps):
    square_avg = rho * square_avg + (1 - rho) * grad**2
    return theta + lr * grad / (np.sqrt(square_avg) + eps), square_avg


def _rms_no_state(theta, grad, square_avg, lr, rho, eps):
    square_avg = (1 - rho) * grad**2  # the incoming average is ignored
    return theta - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def _rms_update_after(theta, grad, square_avg, lr, rho, eps):
    new_theta = theta - lr * grad / (np.sqrt(square_avg) + eps)  # the old average
    return new_theta, rho * square_avg + (1 - rho) * grad**2


def _rms_abs(theta, grad, square_avg, lr, rho, eps):
    square_avg = rho * square_avg + (1 - rho) * np.abs(grad)
    return theta - lr * grad / (np.sqrt(square_avg) + eps), square_avg


RMSPROP = (
    Mistake(
        "eps_inside_sqrt",
        _rms_inside,
        "eps is inside the square root: you divide by sqrt(square_avg + eps) (Keras's and optax's placement).",
        "This exercise follows torch: divide by sqrt(square_avg) + eps. Notebook 8 shows when the two differ.",
    ),
    Mistake(
        "sqrt_forgotten",
        _rms_no_sqrt,
        "The square root is missing: you divide by square_avg + eps.",
        "Divide by sqrt(square_avg) + eps: the root brings g^2 back to the units of g.",
    ),
    Mistake(
        "eps_missing",
        _rms_no_eps,
        "eps is missing: you divide by sqrt(square_avg).",
        "Divide by sqrt(square_avg) + eps (the check uses a large eps, 0.1, so that it shows).",
    ),
    Mistake(
        "rho_swapped",
        _rms_swapped,
        "rho and 1 - rho are swapped: the new grad^2 gets weight rho and the old average 1 - rho.",
        "square_avg <- rho*square_avg + (1 - rho)*grad^2 keeps most of the old average (rho = 0.9 here).",
    ),
    Mistake("sign_of_the_update", _rms_sign, "The update goes uphill.", "Subtract the step from theta."),
    Mistake(
        "state_not_carried",
        _rms_no_state,
        "The average is not carried between steps: each step sees only its own grad^2.",
        "Start from the square_avg you are given: square_avg <- rho*square_avg + (1 - rho)*grad^2.",
    ),
    Mistake(
        "state_updated_after_the_step",
        _rms_update_after,
        "The step divides by the old average, before the new grad^2 has entered it.",
        "Update square_avg first, then divide by its square root.",
    ),
    Mistake(
        "gradient_not_squared",
        _rms_abs,
        "The average is of |grad| instead of grad^2.",
        "Average the squared gradient: square_avg <- rho*square_avg + (1 - rho)*grad^2.",
    ),
)


# ---------------------------------------------------------------------------- Adam
def _adam(
    theta,
    grad,
    m,
    v,
    t,
    lr,
    beta1,
    beta2,
    eps,
    *,
    correct_m=True,
    correct_v=True,
    t_shift=0,
    eps_placement="outside",
    sqrt=True,
    swap_m=False,
    swap_v=False,
    exchange=False,
    sign=-1.0,
    carry_m=True,
    carry_v=True,
    return_hats=False,
):
    """Adam with switches, each switch one mistake; all switches off is the right answer."""
    if exchange:
        beta1, beta2 = beta2, beta1
    m = m if carry_m else np.zeros_like(m)
    v = v if carry_v else np.zeros_like(v)
    m = (1 - beta1) * m + beta1 * grad if swap_m else beta1 * m + (1 - beta1) * grad
    v = (1 - beta2) * v + beta2 * grad**2 if swap_v else beta2 * v + (1 - beta2) * grad**2
    t = t + t_shift
    m_hat = m / (1 - beta1**t) if correct_m else m
    v_hat = v / (1 - beta2**t) if correct_v else v
    root = np.sqrt(v_hat) if sqrt else v_hat
    if eps_placement == "inside":
        root = np.sqrt(v_hat + eps)
    elif eps_placement == "outside":
        root = root + eps
    if return_hats:
        return theta + sign * lr * m_hat / root, m_hat, v_hat
    return theta + sign * lr * m_hat / root, m, v


def _adam_kingma_ba(theta, grad, m, v, t, lr, beta1, beta2, eps):
    """Kingma & Ba (2015), end of section 2: the bias corrections folded into the step size.

    eps is added to the uncorrected root (Keras's Adam too). Valid, but its eps weighs as
    much as eps/sqrt(1 - beta2^t) added to sqrt(v_hat) in torch's form.
    """
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    alpha_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return theta - alpha_t * m / (np.sqrt(v) + eps), m, v


def _adam_with(**switches: Any) -> Callable[..., Any]:
    return partial(_adam, **switches)


def _decayed_then(adam_step, theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return adam_step(theta * (1 - lr * weight_decay), grad, m, v, t, lr, beta1, beta2, eps)


def _decoupled(adam_step: Callable[..., Any]) -> Callable[..., Any]:
    """The AdamW version of an Adam step: decay theta first, then the (wrong) Adam step.

    A ``partial`` of a module-level function, not a closure, so that it pickles by reference
    (the classroom kit sends a student's function to a fresh Python process).
    """
    return partial(_decayed_then, adam_step)


ADAM = (
    Mistake(
        "bias_correction_missing",
        _adam_with(correct_m=False, correct_v=False),
        "There is no bias correction: m and v are used as they are.",
        "m and v start at 0, so early averages are too small: divide m by 1 - beta1^t and v by 1 - beta2^t.",
    ),
    Mistake(
        "bias_correction_missing",
        _adam_with(correct_m=False),
        "m is not bias-corrected (v is).",
        "Divide m by 1 - beta1^t as well: m_hat = m/(1 - beta1^t).",
    ),
    Mistake(
        "bias_correction_missing",
        _adam_with(correct_v=False),
        "v is not bias-corrected (m is).",
        "Divide v by 1 - beta2^t as well: v_hat = v/(1 - beta2^t).",
    ),
    Mistake(
        "bias_correction_off_by_one",
        _adam_with(t_shift=1),
        "The bias correction uses t + 1.",
        "t is already 1 at the first step: use 1 - beta^t.",
    ),
    Mistake(
        "eps_inside_sqrt",
        _adam_with(eps_placement="inside"),
        "eps is inside the square root: you divide by sqrt(v_hat + eps).",
        "torch's Adam divides by sqrt(v_hat) + eps.",
    ),
    Mistake(
        "sqrt_forgotten",
        _adam_with(sqrt=False),
        "The square root is missing: you divide by v_hat + eps.",
        "Divide by sqrt(v_hat) + eps: the root brings g^2 back to the units of g.",
    ),
    Mistake(
        "eps_missing",
        _adam_with(eps_placement="none"),
        "eps is missing: you divide by sqrt(v_hat).",
        "Divide by sqrt(v_hat) + eps (the check uses a large eps, 0.1, so that it shows).",
    ),
    Mistake(
        "beta_swapped",
        _adam_with(swap_m=True),
        "beta1 and 1 - beta1 are swapped in m's update.",
        "m <- beta1*m + (1 - beta1)*grad keeps most of the old m.",
    ),
    Mistake(
        "beta_swapped",
        _adam_with(swap_v=True),
        "beta2 and 1 - beta2 are swapped in v's update.",
        "v <- beta2*v + (1 - beta2)*grad^2 keeps most of the old v.",
    ),
    Mistake(
        "beta_swapped",
        _adam_with(swap_m=True, swap_v=True),
        "beta and 1 - beta are swapped in both averages.",
        "m <- beta1*m + (1 - beta1)*grad and v <- beta2*v + (1 - beta2)*grad^2 keep most of the old values.",
    ),
    Mistake(
        "betas_exchanged",
        _adam_with(exchange=True),
        "beta1 and beta2 are exchanged.",
        "beta1 belongs to m (the mean of grad), beta2 to v (the mean of grad^2), also in the bias corrections.",
    ),
    Mistake("sign_of_the_update", _adam_with(sign=1.0), "The update goes uphill.", "Subtract the step from theta."),
    Mistake(
        "state_not_carried",
        _adam_with(carry_m=False, carry_v=False),
        "m and v are not carried between steps: each step starts them again from zero.",
        "Update the m and v you are given, and return the new ones.",
    ),
    Mistake(
        "state_not_carried",
        _adam_with(carry_m=False),
        "m is not carried between steps (v is).",
        "Start from the m you are given: m <- beta1*m + (1 - beta1)*grad, and return it.",
    ),
    Mistake(
        "state_not_carried",
        _adam_with(carry_v=False),
        "v is not carried between steps (m is).",
        "Start from the v you are given: v <- beta2*v + (1 - beta2)*grad^2, and return it.",
    ),
    Mistake(
        "bias_corrected_state_returned",
        _adam_with(return_hats=True),
        "theta's step is right, but you return m_hat and v_hat as the state, so the next step averages "
        "bias-corrected values and corrects them again.",
        "Return the raw averages: return theta, m, v (m_hat and v_hat are only for the step).",
    ),
    Mistake(
        "kingma_ba_efficient_form",
        _adam_kingma_ba,
        "This is Kingma & Ba's efficient form of Adam (section 2 of the paper; Keras's Adam too): "
        "alpha_t = lr*sqrt(1 - beta2^t)/(1 - beta1^t) and theta <- theta - alpha_t*m/(sqrt(v) + eps). "
        "It is a valid textbook variant; it differs from this exercise only in where eps goes: "
        "added to the uncorrected sqrt(v), eps weighs as much as eps/sqrt(1 - beta2^t) added to sqrt(v_hat) "
        "(more in the first steps, the same once beta2^t is ~0).",
        "This exercise follows torch: theta <- theta - lr*m_hat/(sqrt(v_hat) + eps), eps added after the bias "
        "correction (with eps = 1e-8 the two forms differ very little; the check uses eps = 0.1 so that it shows).",
    ),
)


# --------------------------------------------------------------------------- AdamW
def _adamw_coupled(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return _adam(theta, grad + weight_decay * theta, m, v, t, lr, beta1, beta2, eps)


def _adamw_no_lr(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return _adam(theta * (1 - weight_decay), grad, m, v, t, lr, beta1, beta2, eps)


def _adamw_decay_after(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta, m, v = _adam(theta, grad, m, v, t, lr, beta1, beta2, eps)
    return theta * (1 - lr * weight_decay), m, v


def _adamw_no_decay(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return _adam(theta, grad, m, v, t, lr, beta1, beta2, eps)


ADAMW = (
    Mistake(
        "weight_decay_coupled",
        _adamw_coupled,
        "The weight decay is coupled: weight_decay*theta is added to the gradient (L2, Adam's weight_decay).",
        "AdamW decouples it: theta <- theta*(1 - lr*weight_decay), then Adam's step with the raw gradient. "
        "Coupled, the decay is divided by sqrt(v_hat) like the gradient.",
    ),
    Mistake(
        "weight_decay_without_lr",
        _adamw_no_lr,
        "theta is multiplied by 1 - weight_decay.",
        "torch's AdamW multiplies by 1 - lr*weight_decay.",
    ),
    Mistake(
        "weight_decay_after_the_step",
        _adamw_decay_after,
        "theta is decayed after Adam's step.",
        "Decay first, as torch does: theta <- theta*(1 - lr*weight_decay), then Adam's step.",
    ),
    Mistake(
        "weight_decay_missing",
        _adamw_no_decay,
        "There is no weight decay: this is Adam.",
        "Multiply theta by 1 - lr*weight_decay first, then take Adam's step.",
    ),
    *(Mistake(m.diagnosis, _decoupled(m.step), m.what, m.hint) for m in ADAM),
)

CATALOGUE: dict[str, tuple[Mistake, ...]] = {
    "sgd_momentum": SGD_MOMENTUM,
    "adagrad": ADAGRAD,
    "rmsprop": RMSPROP,
    "adam": ADAM,
    "adamw": ADAMW,
}
