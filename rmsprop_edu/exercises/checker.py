"""Run a student's update rule next to the real optimizer and name the mistake, if any.

``check(name, fn)`` runs ``fn`` for ``STEPS`` steps on a small seeded problem
whose gradient depends on the parameters (a noisy quadratic with curvatures of
very different sizes), next to the library's own optimizer, and compares theta
and every state array after each step (relative tolerance ``RTOL``). If they
differ, it runs the catalogue of known mistakes in :mod:`.mistakes` on the same
problem and reports the one the student's trajectory matches.

The hyperparameters are chosen so that every mistake shows: eps = 0.1, so that
its placement matters; rho = 0.9 and betas (0.8, 0.95), so that swapping rho and
1 - rho, or beta1 and beta2, changes the numbers.
"""

from __future__ import annotations

import contextlib
import html
import inspect
import io
import itertools
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from .. import optim
from ..parameter import Parameter
from .mistakes import CATALOGUE, Mistake

STEPS = 12
RTOL = 1e-9
ATOL = 1e-12

# The test problem: gradient = CURVATURE * theta + NOISE[step], so the gradients range
# from about 0.01 to 6 in size and change from step to step with theta.
_rng = np.random.default_rng(2024)
THETA0 = np.array([2.0, -1.0, 0.5, -0.05])
CURVATURE = np.array([3.0, 0.5, 10.0, 0.2])
NOISE = 0.1 * _rng.standard_normal((STEPS, THETA0.size))
del _rng


def gradient(theta: np.ndarray, step: int) -> np.ndarray:
    """The gradient the checker feeds at ``step`` (0-based) when the parameters are ``theta``."""
    return CURVATURE * theta + NOISE[step]


@dataclass(frozen=True)
class Exercise:
    """One exercise: the student's signature, the settings of the check and the reference optimizer."""

    name: str
    state: tuple[str, ...]  # names of the state arrays, in the order of the signature
    optimizer_state: tuple[str, ...]  # the same arrays' names in the optimizer's state
    uses_t: bool  # whether the step count t (1 at the first step) follows the state
    hyper: dict[str, float]  # the hyperparameters of the check, in the order of the signature
    make_optimizer: Callable[[list[Parameter]], optim.Optimizer]

    @property
    def arrays(self) -> tuple[str, ...]:
        return ("theta", *self.state)

    @property
    def signature(self) -> str:
        args = ["theta", "grad", *self.state, *(["t"] if self.uses_t else []), *self.hyper]
        return f"{self.name}_step({', '.join(args)})"

    @property
    def returns(self) -> str:
        return f"({', '.join(self.arrays)})"

    @property
    def mistakes(self) -> tuple[Mistake, ...]:
        return CATALOGUE[self.name]


_ADAM = {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 0.1}

EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in (
        Exercise(
            "sgd_momentum",
            ("velocity",),
            ("momentum_buffer",),
            False,
            {"lr": 0.05, "momentum": 0.9},
            lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
        ),
        Exercise(
            "adagrad",
            ("sum_sq",),
            ("sum",),
            False,
            {"lr": 0.1, "eps": 0.1},
            lambda ps: optim.Adagrad(ps, lr=0.1, eps=0.1),
        ),
        Exercise(
            "rmsprop",
            ("square_avg",),
            ("square_avg",),
            False,
            {"lr": 0.01, "rho": 0.9, "eps": 0.1},
            lambda ps: optim.RMSProp(ps, lr=0.01, rho=0.9, eps=0.1),
        ),
        Exercise(
            "adam",
            ("m", "v"),
            ("exp_avg", "exp_avg_sq"),
            True,
            _ADAM,
            lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.95), eps=0.1),
        ),
        Exercise(
            "adamw",
            ("m", "v"),
            ("exp_avg", "exp_avg_sq"),
            True,
            {**_ADAM, "weight_decay": 0.5},
            lambda ps: optim.AdamW(ps, lr=0.01, betas=(0.8, 0.95), eps=0.1, weight_decay=0.5),
        ),
    )
}


@dataclass
class CheckResult:
    """The verdict on one student function.

    Attributes:
        exercise: the exercise's name, e.g. ``"rmsprop"``.
        passed: True when theta and the state match the reference at every step.
        diagnosis: ``"correct"``, or the name of the mistake (``"eps_inside_sqrt"``, ...).
        message: a short friendly explanation: what went wrong, where, and a hint.
        step: the first step (1-based) at which the result differs, if any.
        where: the array and coordinate that first differs, e.g. ``"theta[2]"``.
    """

    exercise: str
    passed: bool
    diagnosis: str
    message: str
    step: int | None = None
    where: str | None = None

    def __repr__(self) -> str:
        mark = "PASSED" if self.passed else "NOT YET"
        return f"[{mark}] {self.exercise}: " + self.message.replace("\n", "\n    ")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        colour = "#e6f4ea" if self.passed else "#fdecea"
        title = "correct" if self.passed else f"not yet ({self.diagnosis})"
        body = html.escape(self.message).replace("\n", "<br>")
        return (
            f'<div style="background:{colour};padding:.6em 1em;border-radius:6px">'
            f"<b>{html.escape(self.exercise)}: {html.escape(title)}</b><br>{body}</div>"
        )


class _BadReturn(Exception):
    """The student's function returned something the checker cannot use."""


class _StudentError(Exception):
    """The student's function raised ``error`` at ``step`` (1-based)."""

    def __init__(self, error: BaseException, step: int) -> None:
        super().__init__(str(error))
        self.error, self.step = error, step


@dataclass
class _Run:
    trajectory: np.ndarray  # (STEPS, len(arrays), size): theta and each state array after each step
    returned_none: bool  # the function returned None and updated its arguments in place


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} values"
    return repr(value) if value is None else f"a {type(value).__name__}"


def _as_array(name: str, value: Any, size: int) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _BadReturn(f"{name} should be a NumPy array of shape ({size},); got {_describe(value)}.") from None
    if array.shape != (size,):
        raise _BadReturn(f"{name} should keep the shape ({size},) of theta; got shape {array.shape}.")
    return array


def _run(fn: Callable[..., Any], exercise: Exercise, t_offset: int = 0) -> _Run:
    """Run the student's ``fn`` for STEPS steps; ``t_offset`` shifts the t passed (a probe)."""
    theta = THETA0.copy()
    state = [np.zeros_like(theta) for _ in exercise.state]
    rows, returned_none = [], False
    for step in range(STEPS):
        given = [theta.copy(), gradient(theta, step), *(s.copy() for s in state)]
        before = [given[0].copy(), *(s.copy() for s in state)]
        t = [step + 1 + t_offset] if exercise.uses_t else []
        try:
            result = fn(*given, *t, *exercise.hyper.values())
        except Exception as error:
            raise _StudentError(error, step + 1) from error
        if result is None:
            in_place = [given[0], *given[2:]]
            if all(np.array_equal(a, b) for a, b in zip(in_place, before, strict=True)):
                raise _BadReturn(f"your function returned None; end it with `return {', '.join(exercise.arrays)}`.")
            result, returned_none = in_place, True
        if not isinstance(result, tuple | list) or len(result) != len(exercise.arrays):
            raise _BadReturn(f"return a tuple {exercise.returns}; got {_describe(result)}.")
        arrays = [_as_array(name, r, theta.size) for name, r in zip(exercise.arrays, result, strict=True)]
        theta, state = arrays[0], arrays[1:]
        rows.append(arrays)
    return _Run(np.array(rows), returned_none)


@cache
def _reference(name: str) -> np.ndarray:
    """The real optimizer's theta and state after each step, shaped like ``_Run.trajectory``."""
    exercise = EXERCISES[name]
    p = Parameter(THETA0.copy())
    opt = exercise.make_optimizer([p])
    rows = []
    for step in range(STEPS):
        p.grad = gradient(p.data, step)
        opt.step()
        rows.append([p.data.copy(), *(opt.state[p][key].copy() for key in exercise.optimizer_state)])
    trajectory = np.array(rows)
    trajectory.flags.writeable = False
    return trajectory


def _matches(a: np.ndarray, b: np.ndarray, rtol: float = RTOL) -> bool:
    return bool(np.allclose(a, b, rtol=rtol, atol=ATOL))


def _first_difference(student: np.ndarray, reference: np.ndarray, exercise: Exercise) -> tuple[int, str, str]:
    """The first step (1-based) at which the runs differ, where ("theta[2]") and the two values there."""
    close = np.isclose(student, reference, rtol=RTOL, atol=ATOL)
    step = int(np.flatnonzero(~close.all(axis=(1, 2)))[0])
    array = int(np.flatnonzero(~close[step].all(axis=1))[0])  # theta first, then the state in order
    gap = np.abs(student[step, array] - reference[step, array])
    gap = np.where(np.isnan(gap), np.inf, np.where(close[step, array], -1.0, gap))
    coordinate = int(np.argmax(gap))
    yours, expected = student[step, array, coordinate], reference[step, array, coordinate]
    return step + 1, f"{exercise.arrays[array]}[{coordinate}]", f"yours {yours:.10g}, expected {expected:.10g}"


def _student_line(error: BaseException) -> str:
    """Where in the student's code the error was raised, e.g. 'line 3 in my_rmsprop: `v = ...`'."""
    numpy_dir = os.path.dirname(np.__file__)
    frames = traceback.extract_tb(error.__traceback__)
    for frame in reversed(frames):
        if not frame.filename.startswith(numpy_dir) and frame.filename != __file__:
            code = f": `{frame.line}`" if frame.line else ""
            return f" (line {frame.lineno} in {frame.name}{code})"
    return ""


def _signature_problem(fn: Callable[..., Any], exercise: Exercise) -> str | None:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins and some callables have none: just call them
        return None
    n = 2 + len(exercise.state) + exercise.uses_t + len(exercise.hyper)
    try:
        signature.bind(*range(n))
    except TypeError:
        name = getattr(fn, "__name__", "your function")
        return (
            f"The checker calls your function with {n} arguments, as {exercise.signature}, "
            f"but {name}{signature} cannot take them."
        )
    return None


def _quiet_run(fn: Callable[..., Any], exercise: Exercise, t_offset: int = 0) -> np.ndarray | None:
    """A run of a variant or a probe: None if it fails; prints are swallowed."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return _run(fn, exercise, t_offset).trajectory
    except (_BadReturn, _StudentError):
        return None


def _return_order(fn: Callable[..., Any], exercise: Exercise) -> tuple[str, ...] | None:
    """The order in which ``fn`` returns its arrays, if reordering them makes it right; None if none does.

    Reordering means putting them back in the signature's order (``return square_avg, theta``).
    """
    names = exercise.arrays
    reference = _reference(exercise.name)
    for order in itertools.permutations(names):
        if order == names:
            continue

        def reordered(*args: Any, order: tuple[str, ...] = order) -> Any:
            result = fn(*args)
            if isinstance(result, tuple | list) and len(result) == len(names):
                return tuple(result[order.index(name)] for name in names)
            return result

        probe = _quiet_run(reordered, exercise)
        if probe is not None and _matches(probe, reference):
            return order
    return None


def _diagnose(fn: Callable[..., Any], exercise: Exercise, run: _Run) -> tuple[str, str, str]:
    """(diagnosis, what, hint) for a run that differs from the reference."""
    reference = _reference(exercise.name)
    student = run.trajectory
    # A known mistake: first one matching theta and the state, then one matching theta alone
    # (a student who returns the old state instead of a fresh zero one takes the same path).
    variants = [(m, _quiet_run(m.step, exercise)) for m in exercise.mistakes]
    for mistake, trajectory in variants:
        if trajectory is not None and _matches(student, trajectory):
            return mistake.diagnosis, mistake.what, mistake.hint
    for mistake, trajectory in variants:  # theta alone; a mistake in the state only cannot show here
        if trajectory is not None and _matches(student[:, 0], trajectory[:, 0]):
            if not _matches(trajectory[:, 0], reference[:, 0]):
                return mistake.diagnosis, mistake.what, mistake.hint
    order = _return_order(fn, exercise)
    if order is not None:
        return (
            "wrong_return_order",
            f"Your values are right but returned in the wrong order: your function returns ({', '.join(order)}).",
            f"Return them in the order of the signature: return {', '.join(exercise.arrays)}.",
        )
    if exercise.uses_t:  # does the function become right when t is shifted? Then it counts from elsewhere.
        for offset, uses in ((1, "t - 1"), (-1, "t + 1")):
            probe = _quiet_run(fn, exercise, t_offset=offset)
            if probe is not None and _matches(probe, reference):
                what = f"The step count is off by one: your function behaves as if it used {uses}."
                if offset == 1:
                    what += " At the first step 1 - beta^0 = 0, a division by zero."
                return "bias_correction_off_by_one", what, "t is already 1 at the first step: use 1 - beta^t."
    if not np.isfinite(student).all():
        return (
            "nan_or_inf",
            "Your function produced NaN or inf.",
            "Look for a division by zero (is eps where it should be?) or the square root of a negative "
            "number (a squared average can never go below 0).",
        )
    if _matches(student, reference, rtol=1e-5):
        return (
            "almost_correct",
            "Your numbers agree with the reference to about 5 digits, but not to 9.",
            "Are your arrays float32, or is a constant rounded? The check computes in float64.",
        )
    return (
        "differs",
        "Your result differs from the reference, and matches none of the usual mistakes.",
        "Print theta and the state for the first two steps and compare them with the formulas in the docstring.",
    )


def check(name: str, fn: Callable[..., Any]) -> CheckResult:
    """Check a student's update rule ``fn`` for the exercise ``name``.

    ``name`` is one of ``"sgd_momentum"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"``
    or ``"adamw"``; ``fn`` has the signature of ``templates.<name>_step``. It may
    update its arguments in place (they are copies) and return them, or return new
    arrays. Returns a :class:`CheckResult` that prints as a short explanation.

    Args:
        name: the exercise, one of ``"sgd_momentum"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"``,
            ``"adamw"`` (anything else raises ValueError).
        fn: the student's update rule, called as ``templates.<name>_step`` is.
    """
    if name not in EXERCISES:
        raise ValueError(f"exercise must be one of {', '.join(map(repr, EXERCISES))}, got {name!r}")
    exercise = EXERCISES[name]
    problem = _signature_problem(fn, exercise)
    if problem is not None:
        return CheckResult(name, False, "wrong_signature", f"{problem}\nHint: {_TEMPLATE_HINT.format(name)}")
    with np.errstate(all="ignore"):
        try:
            run = _run(fn, exercise)
        except _StudentError as failure:
            error = failure.error
            if isinstance(error, NotImplementedError):
                message = (
                    f"{exercise.signature} is not written yet (it raises NotImplementedError).\n"
                    f"Hint: {_TEMPLATE_HINT.format(name)}"
                )
                return CheckResult(name, False, "not_implemented", message)
            message = (
                f"Your function raised {type(error).__name__} at step {failure.step}{_student_line(error)}:\n"
                f"{error}\nHint: the arguments are NumPy arrays of shape ({THETA0.size},) and plain floats"
                + (", and t is an int." if exercise.uses_t else ".")
            )
            return CheckResult(name, False, "raised_an_exception", message, failure.step)
        except _BadReturn as bad:
            message = f"Wrong return value: {bad}\nHint: {exercise.signature} returns {exercise.returns}."
            return CheckResult(name, False, "wrong_return_value", message)
        reference = _reference(name)
        if _matches(run.trajectory, reference):
            arrays = ", ".join(exercise.arrays[:-1]) + " and " + exercise.arrays[-1]
            message = f"Correct: {arrays} match the reference optimizer to 1e-9 at each of {STEPS} steps."
            return CheckResult(name, True, "correct", message)
        step, where, values = _first_difference(run.trajectory, reference, exercise)
        diagnosis, what, hint = _diagnose(fn, exercise, run)
    if run.returned_none:
        hint += (
            " (Your function returns nothing, so the checker reads the arrays it was given, as your code left them. "
            "`v = rho*v + ...` makes a new array and leaves the given one unchanged; `v *= rho` changes it. "
            "Simplest: return the new arrays.)"
        )
    message = f"{what}\nFirst difference at step {step}, {where}: {values}.\nHint: {hint}"
    return CheckResult(name, False, diagnosis, message, step, where)


_TEMPLATE_HINT = (
    "the stub rmsprop_edu.exercises.templates.{0}_step has the signature and, in its docstring, the maths; "
    "write your own function like it and check it again."
)


def check_sgd_momentum(fn: Callable[..., Any]) -> CheckResult:
    """Check ``sgd_momentum_step(theta, grad, velocity, lr, momentum) -> (theta, velocity)``.

    Args:
        fn: the student's update rule, with that signature; same as ``check("sgd_momentum", fn)``.
    """
    return check("sgd_momentum", fn)


def check_adagrad(fn: Callable[..., Any]) -> CheckResult:
    """Check ``adagrad_step(theta, grad, sum_sq, lr, eps) -> (theta, sum_sq)``.

    Args:
        fn: the student's update rule, with that signature; same as ``check("adagrad", fn)``.
    """
    return check("adagrad", fn)


def check_rmsprop(fn: Callable[..., Any]) -> CheckResult:
    """Check ``rmsprop_step(theta, grad, square_avg, lr, rho, eps) -> (theta, square_avg)``.

    Args:
        fn: the student's update rule, with that signature; same as ``check("rmsprop", fn)``.
    """
    return check("rmsprop", fn)


def check_adam(fn: Callable[..., Any]) -> CheckResult:
    """Check ``adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)``.

    Args:
        fn: the student's update rule, with that signature; same as ``check("adam", fn)``.
    """
    return check("adam", fn)


def check_adamw(fn: Callable[..., Any]) -> CheckResult:
    """Check ``adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay) -> (theta, m, v)``.

    Args:
        fn: the student's update rule, with that signature; same as ``check("adamw", fn)``.
    """
    return check("adamw", fn)


__all__ = [
    "EXERCISES",
    "CheckResult",
    "check",
    "check_adagrad",
    "check_adam",
    "check_adamw",
    "check_rmsprop",
    "check_sgd_momentum",
]
