"""Run a student's update rule against the real optimizer and name the mistake, if any.

The check runs the student's function for ``STEPS`` steps on a small seeded
problem whose gradient depends on the parameters, next to the library's own
optimizer. If the trajectories differ, it runs a catalogue of known mistakes
(eps inside the root, a forgotten square root, rho and 1 - rho swapped, ...) on
the same problem and reports the one the student's trajectory matches.
The hyperparameters of the check are chosen so that every mistake shows
(eps = 0.1, so that its placement matters; rho = 0.9, so that a swap is visible).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import optim
from ..parameter import Parameter

STEPS = 12
RTOL = 1e-9


@dataclass
class CheckResult:
    """The verdict: ``passed``, a ``diagnosis`` name and a friendly ``message``."""

    exercise: str
    passed: bool
    diagnosis: str
    message: str
    step: int | None = None

    def __repr__(self) -> str:
        mark = "PASSED" if self.passed else "NOT YET"
        return f"[{mark}] {self.exercise}: {self.message}"

    def _repr_html_(self) -> str:
        colour = "#e6f4ea" if self.passed else "#fdecea"
        title = "Correct" if self.passed else f"Not yet: {self.diagnosis.replace('_', ' ')}"
        return (
            f'<div style="background:{colour};padding:.6em 1em;border-radius:6px">'
            f"<b>{html.escape(self.exercise)}: {html.escape(title)}</b><br>{html.escape(self.message)}</div>"
        )


@dataclass
class Exercise:
    name: str
    state: tuple[str, ...]  # names of the state arrays, in signature order
    hyper: dict[str, float]  # the hyperparameters the check uses
    uses_t: bool
    reference: Callable[[], list[np.ndarray]]  # theta after each step, from the real optimizer
    mistakes: dict[str, tuple[Callable[..., Any], str]] = field(default_factory=dict)


def _problem() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """theta0, curvature a and per-step noise: gradients of very different sizes."""
    rng = np.random.default_rng(2024)
    theta0 = np.array([2.0, -1.0, 0.5, -0.05])
    a = np.array([3.0, 0.5, 10.0, 0.2])
    noise = 0.1 * rng.standard_normal((STEPS, 4))
    return theta0, a, noise


def _gradient(theta: np.ndarray, step: int) -> np.ndarray:
    _, a, noise = _problem()
    return a * theta + noise[step]


def _reference_run(make: Callable[[list[Parameter]], optim.Optimizer]) -> list[np.ndarray]:
    theta0, _, _ = _problem()
    p = Parameter(theta0.copy())
    opt = make([p])
    out = []
    for step in range(STEPS):
        p.grad = _gradient(p.data, step)
        opt.step()
        out.append(p.data.copy())
    return out


def _run(fn: Callable[..., Any], exercise: Exercise) -> list[np.ndarray]:
    """Run an update function; raise ValueError with a friendly message on bad output."""
    theta0, _, _ = _problem()
    theta = theta0.copy()
    state = [np.zeros(4) for _ in exercise.state]
    out = []
    for step in range(STEPS):
        args: list[Any] = [theta.copy(), _gradient(theta, step), *(s.copy() for s in state)]
        if exercise.uses_t:
            args.append(step + 1)
        result = fn(*args, *exercise.hyper.values())
        expected = 1 + len(exercise.state)
        if not isinstance(result, tuple) or len(result) != expected:
            names = ", ".join(["theta", *exercise.state])
            raise ValueError(
                f"return a tuple ({names}); got {type(result).__name__}"
                + (f" of length {len(result)}" if isinstance(result, tuple) else "")
            )
        arrays = [np.asarray(r, dtype=np.float64) for r in result]
        for name, array in zip(["theta", *exercise.state], arrays, strict=True):
            if array.shape != (4,):
                raise ValueError(f"{name} should keep the shape (4,) of the parameters; got {array.shape}")
        theta, state = arrays[0], arrays[1:]
        out.append(theta.copy())
    return out


def _first_difference(a: list[np.ndarray], b: list[np.ndarray]) -> tuple[int, int] | None:
    for step, (x, y) in enumerate(zip(a, b, strict=True)):
        if not np.allclose(x, y, rtol=RTOL, atol=1e-12):
            return step, int(np.argmax(np.abs(x - y)))
    return None


def check(name: str, fn: Callable[..., Any]) -> CheckResult:
    """Check the student's ``fn`` for exercise ``name`` ("sgd_momentum", "adagrad",
    "rmsprop", "adam" or "adamw")."""
    if name not in EXERCISES:
        raise ValueError(f"exercise must be one of {', '.join(map(repr, EXERCISES))}, got {name!r}")
    exercise = EXERCISES[name]
    try:
        student = _run(fn, exercise)
    except NotImplementedError as error:
        return CheckResult(name, False, "not_implemented", f"{error}. The docstring says what to compute.")
    except ValueError as error:
        return CheckResult(name, False, "wrong_return_value", str(error))
    except Exception as error:  # the student's code raised: report it kindly
        return CheckResult(name, False, "raised_an_exception", f"your function raised {type(error).__name__}: {error}")
    if not all(np.isfinite(theta).all() for theta in student):
        step = next(i for i, theta in enumerate(student) if not np.isfinite(theta).all())
        hint = " (bias correction with t - 1 divides by 1 - beta^0 = 0)" if exercise.uses_t and step == 0 else ""
        return CheckResult(name, False, "nan_or_inf", f"theta became NaN or inf at step {step + 1}{hint}", step + 1)
    reference = exercise.reference()
    difference = _first_difference(student, reference)
    if difference is None:
        return CheckResult(name, True, "correct", f"matches the reference optimizer to 1e-9 over {STEPS} steps.")
    step, coordinate = difference
    where = f"First difference at step {step + 1}, coordinate {coordinate}."
    for diagnosis, (variant, explanation) in exercise.mistakes.items():
        try:
            candidate = _run(variant, exercise)
        except (ArithmeticError, ValueError):
            continue
        if _first_difference(student, candidate) is None:
            return CheckResult(name, False, diagnosis, f"{explanation} {where}", step + 1)
    return CheckResult(
        name,
        False,
        "differs",
        f"{where} It matches none of the usual mistakes: print theta and the state for the "
        "first two steps and compare them with the formulas in the docstring.",
        step + 1,
    )


# ------------------------------------------------------------------------ the mistakes
def _sgd_variants() -> dict[str, tuple[Callable[..., Any], str]]:
    def sign(theta, g, v, t, lr, mu):
        v = g.copy() if t == 1 else mu * v + g
        return theta + lr * v, v

    def no_state(theta, g, v, t, lr, mu):
        return theta - lr * g, g.copy()

    def ema(theta, g, v, t, lr, mu):
        v = mu * v + (1 - mu) * g
        return theta - lr * v, v

    return {
        "sign_of_the_update": (sign, "The update goes uphill: subtract lr*velocity, do not add it."),
        "state_not_carried": (
            no_state,
            "The velocity is not carried from one step to the next: use the velocity you are given.",
        ),
        "momentum_as_average": (
            ema,
            "You average (mu*v + (1 - mu)*g); torch's momentum adds the full gradient: v <- mu*v + g.",
        ),
    }


def _adagrad_variants() -> dict[str, tuple[Callable[..., Any], str]]:
    def inside(theta, g, s, lr, eps):
        s = s + g**2
        return theta - lr * g / np.sqrt(s + eps), s

    def no_sqrt(theta, g, s, lr, eps):
        s = s + g**2
        return theta - lr * g / (s + eps), s

    def sign(theta, g, s, lr, eps):
        s = s + g**2
        return theta + lr * g / (np.sqrt(s) + eps), s

    def no_state(theta, g, s, lr, eps):
        s = g**2
        return theta - lr * g / (np.sqrt(s) + eps), s

    def average(theta, g, s, lr, eps):
        s = 0.9 * s + 0.1 * g**2
        return theta - lr * g / (np.sqrt(s) + eps), s

    return {
        "eps_inside_sqrt": (inside, "eps is inside the square root: Adagrad divides by sqrt(G) + eps."),
        "sqrt_forgotten": (no_sqrt, "The square root is missing: divide by sqrt(G) + eps, not G + eps."),
        "sign_of_the_update": (sign, "The update goes uphill: subtract it."),
        "state_not_carried": (no_state, "The sum of squares restarts every step: add grad^2 to the sum you are given."),
        "average_instead_of_sum": (
            average,
            "You keep a decaying average (that is RMSProp); Adagrad keeps the plain sum.",
        ),
    }


def _rmsprop_variants() -> dict[str, tuple[Callable[..., Any], str]]:
    def inside(theta, g, v, lr, rho, eps):
        v = rho * v + (1 - rho) * g**2
        return theta - lr * g / np.sqrt(v + eps), v

    def no_sqrt(theta, g, v, lr, rho, eps):
        v = rho * v + (1 - rho) * g**2
        return theta - lr * g / (v + eps), v

    def swapped(theta, g, v, lr, rho, eps):
        v = (1 - rho) * v + rho * g**2
        return theta - lr * g / (np.sqrt(v) + eps), v

    def sign(theta, g, v, lr, rho, eps):
        v = rho * v + (1 - rho) * g**2
        return theta + lr * g / (np.sqrt(v) + eps), v

    def no_state(theta, g, v, lr, rho, eps):
        v = (1 - rho) * g**2
        return theta - lr * g / (np.sqrt(v) + eps), v

    def not_squared(theta, g, v, lr, rho, eps):
        v = rho * v + (1 - rho) * np.abs(g)
        return theta - lr * g / (np.sqrt(v) + eps), v

    return {
        "eps_inside_sqrt": (
            inside,
            "eps is inside the square root (Keras's placement); this exercise uses torch's: sqrt(v) + eps.",
        ),
        "sqrt_forgotten": (no_sqrt, "The square root is missing: divide by sqrt(v) + eps."),
        "rho_swapped": (
            swapped,
            "rho and 1 - rho are swapped: v <- rho*v + (1 - rho)*g^2 keeps most of the old average.",
        ),
        "sign_of_the_update": (sign, "The update goes uphill: subtract it."),
        "state_not_carried": (
            no_state,
            "The average is not carried between steps: start from the square_avg you are given.",
        ),
        "gradient_not_squared": (not_squared, "The average must be of the squared gradient g^2, not of |g|."),
    }


def _adam_core(
    theta,
    g,
    m,
    v,
    t,
    lr,
    b1,
    b2,
    eps,
    *,
    correct=True,
    shift=0,
    inside=False,
    sqrt=True,
    swap=False,
    one_minus_swap=False,
    sign=-1.0,
    carry=True,
):
    if not carry:
        m, v = np.zeros_like(m), np.zeros_like(v)
    if swap:
        b1, b2 = b2, b1
    if one_minus_swap:
        m = (1 - b1) * m + b1 * g
    else:
        m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    tt = t + shift
    m_hat = m / (1 - b1**tt) if correct else m
    v_hat = v / (1 - b2**tt) if correct else v
    denominator = np.sqrt(v_hat + eps) if inside else (np.sqrt(v_hat) if sqrt else v_hat) + eps
    return theta + sign * lr * m_hat / denominator, m, v


def _adam_variants() -> dict[str, tuple[Callable[..., Any], str]]:
    def make(**kw):
        return lambda theta, g, m, v, t, lr, b1, b2, eps: _adam_core(theta, g, m, v, t, lr, b1, b2, eps, **kw)

    return {
        "bias_correction_missing": (
            make(correct=False),
            "There is no bias correction: divide m by 1 - beta1^t and v by 1 - beta2^t.",
        ),
        "bias_correction_off_by_one": (
            make(shift=1),
            "The bias correction uses t + 1; t is already 1 at the first step.",
        ),
        "eps_inside_sqrt": (make(inside=True), "eps is inside the square root: Adam divides by sqrt(v_hat) + eps."),
        "sqrt_forgotten": (make(sqrt=False), "The square root is missing: divide by sqrt(v_hat) + eps."),
        "betas_swapped": (make(swap=True), "beta1 and beta2 are swapped: beta1 belongs to m (the mean), beta2 to v."),
        "beta_and_one_minus_beta_swapped": (
            make(one_minus_swap=True),
            "beta1 and 1 - beta1 are swapped in m's update.",
        ),
        "sign_of_the_update": (make(sign=1.0), "The update goes uphill: subtract it."),
        "state_not_carried": (
            make(carry=False),
            "m and v are not carried between steps: update the m and v you are given.",
        ),
    }


def _adamw_variants() -> dict[str, tuple[Callable[..., Any], str]]:
    def coupled(theta, g, m, v, t, lr, b1, b2, eps, wd):
        return _adam_core(theta, g + wd * theta, m, v, t, lr, b1, b2, eps)

    def no_lr(theta, g, m, v, t, lr, b1, b2, eps, wd):
        return _adam_core(theta * (1 - wd), g, m, v, t, lr, b1, b2, eps)

    def after(theta, g, m, v, t, lr, b1, b2, eps, wd):
        theta, m, v = _adam_core(theta, g, m, v, t, lr, b1, b2, eps)
        return theta * (1 - lr * wd), m, v

    def no_decay(theta, g, m, v, t, lr, b1, b2, eps, wd):
        return _adam_core(theta, g, m, v, t, lr, b1, b2, eps)

    def no_correction(theta, g, m, v, t, lr, b1, b2, eps, wd):
        return _adam_core(theta * (1 - lr * wd), g, m, v, t, lr, b1, b2, eps, correct=False)

    return {
        "weight_decay_coupled": (
            coupled,
            "The weight decay is coupled (added to the gradient, L2 style); "
            "AdamW decays theta directly: theta*(1 - lr*wd).",
        ),
        "weight_decay_without_lr": (no_lr, "The decay factor should be 1 - lr*weight_decay, not 1 - weight_decay."),
        "weight_decay_after_the_step": (
            after,
            "Decay theta before Adam's step, as torch does (theta*(1 - lr*wd), then the step).",
        ),
        "weight_decay_missing": (
            no_decay,
            "There is no weight decay at all: multiply theta by 1 - lr*weight_decay first.",
        ),
        "bias_correction_missing": (
            no_correction,
            "There is no bias correction: divide m by 1 - beta1^t and v by 1 - beta2^t.",
        ),
    }


EXERCISES: dict[str, Exercise] = {
    "sgd_momentum": Exercise(
        "sgd_momentum",
        ("velocity",),
        {"lr": 0.05, "momentum": 0.9},
        True,
        lambda: _reference_run(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9)),
        _sgd_variants(),
    ),
    "adagrad": Exercise(
        "adagrad",
        ("sum_sq",),
        {"lr": 0.1, "eps": 0.1},
        False,
        lambda: _reference_run(lambda ps: optim.Adagrad(ps, lr=0.1, eps=0.1)),
        _adagrad_variants(),
    ),
    "rmsprop": Exercise(
        "rmsprop",
        ("square_avg",),
        {"lr": 0.01, "rho": 0.9, "eps": 0.1},
        False,
        lambda: _reference_run(lambda ps: optim.RMSProp(ps, lr=0.01, rho=0.9, eps=0.1)),
        _rmsprop_variants(),
    ),
    "adam": Exercise(
        "adam",
        ("m", "v"),
        {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 0.1},
        True,
        lambda: _reference_run(lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.95), eps=0.1)),
        _adam_variants(),
    ),
    "adamw": Exercise(
        "adamw",
        ("m", "v"),
        {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 0.1, "weight_decay": 0.5},
        True,
        lambda: _reference_run(lambda ps: optim.AdamW(ps, lr=0.01, betas=(0.8, 0.95), eps=0.1, weight_decay=0.5)),
        _adamw_variants(),
    ),
}

__all__ = ["EXERCISES", "CheckResult", "check"]
