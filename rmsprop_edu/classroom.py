"""Classroom kit: graded assignments for nbgrader, built from the exercises.

    from rmsprop_edu.classroom import write_course

    write_course("optimizers_course")   # nbgrader_config.py and source/<assignment>/<assignment>.ipynb

A teacher then generates the student versions, hands them out, collects them and lets
nbgrader grade them (``teacher_commands`` prints the commands). Four assignments, each
built from the package's exercises (:mod:`rmsprop_edu.exercises`):

* ``ps1_rmsprop``: RMSProp's step and its effective learning rate;
* ``ps2_adagrad_vs_rmsprop``: Adagrad, and how long RMSProp takes to forget (a computed number);
* ``ps3_adam_adamw``: Adam with bias correction, then AdamW's decoupled decay;
* ``ps4_rnn_backprop``: backpropagation through a tanh RNN, verified with :func:`rmsprop_edu.gradcheck.check_gradients`.

Each has solution regions (``### BEGIN SOLUTION``), autograded test cells with points
(some of them hidden), a visible "check your work" cell and a written answer graded by hand.

The test cells call :func:`grade` (or :func:`grade_rnn`): a failure raises an
AssertionError whose text is the checker's diagnosis (the mistake's name, what is wrong,
the first step and values that differ, a hint), so nbgrader's feedback teaches. A student's
function gets ``seconds`` (10) to finish each check and its prints are hidden; a cell
that runs longer than nbgrader's per-cell timeout (30 s in the written config) is
interrupted and scores zero, and the rest of the notebook is still graded.

nbformat (installed with Jupyter, or with the ``classroom`` extra) is imported only when
a notebook is built.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import re
import signal
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from . import fresh_process
from .exercises import solutions
from .exercises.checker import EXERCISES, CheckResult, check
from .exercises.mistakes import Mistake

#: What a student's function gets to finish one check, in seconds.
CHECK_SECONDS = 10.0
#: The per-cell limit of nbgrader in the written config, in seconds.
CELL_TIMEOUT = 30

# ----------------------------------------------------------------------------- hints in steps
#: Each exercise's hints in steps (a nudge, the formulas, the idea in words), printed by :func:`hint`.
HINTS: dict[str, tuple[str, str, str]] = {
    "rmsprop": (
        "Two lines: first update the average square_avg, then move theta. The order matters.",
        "square_avg <- rho*square_avg + (1 - rho)*grad**2, then theta <- theta - lr*grad/(np.sqrt(square_avg) + eps). "
        "eps goes outside the square root.",
        "RMSProp divides each coordinate's gradient by a running estimate of its typical size, the root of a "
        "decaying mean of its squares: big, noisy coordinates take small steps, small steady ones large steps.",
    ),
    "adagrad": (
        "Like RMSProp, but the squares are summed, never forgotten: sum_sq only grows.",
        "sum_sq <- sum_sq + grad**2, then theta <- theta - lr*grad/(np.sqrt(sum_sq) + eps).",
        "Adagrad is RMSProp with an infinite window: every past gradient counts forever, so the effective "
        "learning rate lr/(sqrt(sum_sq) + eps) can only shrink.",
    ),
    "adam": (
        "Keep two averages, m of grad and v of grad**2, then correct both for starting at zero.",
        "m <- beta1*m + (1 - beta1)*grad; v <- beta2*v + (1 - beta2)*grad**2; m_hat = m/(1 - beta1**t); "
        "v_hat = v/(1 - beta2**t); theta <- theta - lr*m_hat/(np.sqrt(v_hat) + eps). Return m and v, not the hats.",
        "Adam is RMSProp's scaling applied to a momentum-averaged gradient; the bias corrections undo the pull "
        "towards zero of averages that start at zero (t is 1 at the first step).",
    ),
    "adamw": (
        "Shrink theta first, then take exactly Adam's step with the raw gradient.",
        "theta <- theta*(1 - lr*weight_decay), then return adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps).",
        "Decoupled weight decay pulls every weight towards zero at the same rate, whatever its gradient history; "
        "added to the gradient instead (L2), the decay would be divided by sqrt(v_hat) like the gradient.",
    ),
    "rnn": (
        "Go backwards in time. At each step the gradient reaching h_t comes from the output at t AND from step t+1.",
        "dh = dhs[:, t] + dh_next; da = dh*(1 - hs[:, t]**2); dW_x += x_t^T da; dW_h += h_{t-1}^T da; db += sum of da; "
        "dx[:, t] = da W_x^T; dh_next = da W_h^T. What is left in dh_next after step 0 is dh0.",
        "Backpropagation through time is ordinary backprop on the unrolled network: the same W_h is used at every "
        "step, so its gradient is the sum over the steps, and each h_t feeds both the output and the next step.",
    ),
}


def hint(exercise: str, level: int = 1) -> None:
    """Print hint ``level`` (1, 2, or 3 for the idea in words) for ``exercise``.

    Args:
        exercise: ``"rmsprop"``, ``"adagrad"``, ``"adam"``, ``"adamw"`` or ``"rnn"``.
        level: 1 (a nudge), 2 (the formulas) or 3 (the idea in words).
    """
    if exercise not in HINTS:
        raise ValueError(f"exercise must be one of {', '.join(map(repr, HINTS))}, got {exercise!r}")
    if level not in (1, 2, 3):
        raise ValueError(f"level must be 1, 2 or 3, got {level!r}")
    name = ("Hint 1", "Hint 2", "The idea in words")[level - 1]
    more = f" (next: hint({exercise!r}, {level + 1}))" if level < 3 else ""
    print(f"{name}: {HINTS[exercise][level - 1]}{more}")


# ----------------------------------------------------------------------------- checks with limits
class _TimeLimit(BaseException):
    """Raised by the alarm; a BaseException so that neither the student's code nor the checker catches it."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ``_TimeLimit`` after ``seconds`` (Unix, main thread); elsewhere no limit (nbgrader's still holds)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# what a check supplies in place of the student's own: AdamW's check runs the student's decay with the reference
# Adam step, so that one mistake in adam_step does not also fail adamw_step
_GIVEN: dict[str, dict[str, Any]] = {"adamw": {"adam_step": solutions.adam_step}}

_SHIP_HINT = (
    "define each function with def at the top level of a cell, using only NumPy, your other functions and plain values."
)
_TIME_LIMIT = (
    "Your function did not finish within {seconds:g} s, so the check stopped it.\n"
    "Hint: look for a loop that never ends (a `while` whose condition never changes), "
    "or work that grows with every step."
)


def _contained(name: str, run: Callable[[], CheckResult], seconds: float) -> CheckResult:
    """``run()`` with a time limit and the student's prints hidden (their amount is reported on failure)."""
    printed = io.StringIO()
    try:
        with _time_limit(seconds), contextlib.redirect_stdout(printed):
            result = run()
    except _TimeLimit:
        return CheckResult(name, False, "time_limit", _TIME_LIMIT.format(seconds=seconds))
    if not result.passed and printed.tell() > 0:
        result.message += f"\n(Your function printed {printed.tell()} characters; the check hid them.)"
    return result


def _fresh_check(
    name: str,
    task: str,
    arguments: dict[str, Any],
    functions: dict[str, Callable[..., Any]],
    seconds: float,
    given: dict[str, Any] | None = None,
) -> CheckResult:
    """Run ``task`` on the student's ``functions`` in a fresh Python (see :mod:`rmsprop_edu.fresh_process`).

    The verdict says what this notebook changed in rmsprop_edu or numpy, if anything (the
    fresh Python does not see it); a function that changes them while it is checked fails.
    """
    try:
        program = fresh_process.ship(functions, given)
    except fresh_process.CannotShip as error:
        message = f"The grader runs your function in a fresh Python, and could not send it there: {error}.\n"
        return CheckResult(name, False, "cannot_send_to_the_grader", f"{message}Hint: {_SHIP_HINT}")
    reply = fresh_process.run_in_fresh_process(task, arguments, program, seconds)
    if reply.get("outcome") == "timeout":
        return CheckResult(name, False, "time_limit", _TIME_LIMIT.format(seconds=seconds))
    if reply.get("outcome") == "no_reply":
        message = (
            f"The check stopped without a verdict (its Python exited with code {reply['returncode']}): "
            f"{reply['stderr'].strip()[-300:] or 'no message'}\n"
            "Hint: does your function call exit(), or end the process some other way?"
        )
        return CheckResult(name, False, "no_verdict", message)
    result = CheckResult(**reply["result"])
    for replaced in program["replaced"]:
        result.message += (
            f"\nNote: your function calls {replaced}; the check used the reference {replaced} in its place, "
            f"so that a mistake in yours costs points once, in {replaced}'s own test."
        )
    notebook_changes = fresh_process.changed(reply["pristine"], fresh_process.fingerprint())
    if notebook_changes:
        they = "it" if len(notebook_changes) == 1 else "they"
        result.message += (
            f"\nNote: this notebook changed {fresh_process.name_some(notebook_changes)} in memory. The check ran "
            f"in a fresh Python with rmsprop_edu and numpy as installed, so {they} did not count."
        )
    return result


def run_check(exercise: str, fn: Callable[..., Any], seconds: float = CHECK_SECONDS) -> CheckResult:
    """The checker's verdict on ``fn``, never raising: what a student runs before submitting.

    The check runs in a fresh Python process, as the autograder's does: what the notebook
    changed in rmsprop_edu or numpy does not count (the verdict names it), and a function that
    changes them while it is checked fails.

    Args:
        exercise: ``"sgd_momentum"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"`` or ``"adamw"``.
        fn: the student's update rule, with the signature of ``templates.<exercise>_step``.
        seconds: how long ``fn`` may take over the whole check before it is stopped.

    Returns:
        The :class:`~rmsprop_edu.exercises.CheckResult` (it displays as a short explanation).
    """
    if exercise not in EXERCISES:
        raise ValueError(f"exercise must be one of {', '.join(map(repr, EXERCISES))}, got {exercise!r}")
    arguments = {"exercise": exercise, "seconds": seconds}
    return _fresh_check(exercise, "check", arguments, {"fn": fn}, seconds, _GIVEN.get(exercise))


def _failure(result: CheckResult) -> AssertionError:
    return AssertionError(f"Mistake: {result.diagnosis}\n{result}")


def grade(exercise: str, fn: Callable[..., Any], seconds: float = CHECK_SECONDS) -> None:
    """The autograder's test: :func:`run_check`, raising the diagnosis as an AssertionError if it fails.

    It prints the verdict when ``fn`` passes, and returns nothing: nbgrader would read a
    returned value as the cell's partial credit.

    Args:
        exercise: the exercise's name, as for :func:`run_check`.
        fn: the student's update rule.
        seconds: the time limit of the check.

    Raises:
        AssertionError: with the mistake's name, what is wrong, the first step and values that
            differ, and a hint.
    """
    result = run_check(exercise, fn, seconds)
    if not result.passed:
        raise _failure(result)
    print(result)


# bound when the test cells import this module, before any student cell runs
_asarray, _float64 = np.asarray, np.float64


def _show(value: Any) -> str:
    """A number or an array of numbers as plain Python lists (``[0.9, 1.2]``); anything else as its repr."""
    if value is None or isinstance(value, str):
        return repr(value)
    try:
        return repr(_asarray(value, dtype=_float64).tolist())
    except (TypeError, ValueError):
        return repr(value)


def expect_close(what: str, yours: Any, expected: Any, hint: str, rtol: float = 1e-9) -> None:
    """Raise an AssertionError that shows both values and a hint unless ``yours`` is close to ``expected``.

    Args:
        what: what is compared, e.g. ``"theta after one step"``.
        yours: the student's value.
        expected: the right value.
        hint: what to look at if they differ.
        rtol: the relative tolerance.

    Raises:
        AssertionError: when the values differ (or ``yours`` is not a number or array of numbers).
    """
    try:
        mine, want = _asarray(yours, dtype=_float64), _asarray(expected, dtype=_float64)
    except (TypeError, ValueError):
        same = False
    else:  # compared in plain Python: a notebook that reassigns np.allclose cannot change the answer
        pairs = zip(mine.ravel().tolist(), want.ravel().tolist(), strict=True) if mine.shape == want.shape else None
        same = pairs is not None and all(abs(a - b) <= 1e-12 + rtol * abs(b) for a, b in pairs)
    if not same:
        raise AssertionError(f"{what}: yours {_show(yours)}, expected {_show(expected)}.\nHint: {hint}")


# ----------------------------------------------------------------------------- the tanh RNN exercise
def _rnn_backward(
    dhs: np.ndarray,
    cache: tuple[np.ndarray, ...],
    *,
    carry: bool = True,
    tanh_grad: str = "full",
    previous_state: bool = True,
    transpose: bool = True,
    initial_grad: bool = True,
) -> tuple[np.ndarray, ...]:
    """Backpropagation through time of the reference forward's ``cache``; each switch is one mistake."""
    x, h0, w_x, w_h, hs = cache
    dx, dw_x, dw_h = np.zeros_like(x), np.zeros_like(w_x), np.zeros_like(w_h)
    db = np.zeros(w_h.shape[0])
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        dh = dhs[:, t] + dh_next if carry else dhs[:, t]  # dh_t = dhs_t + da_{t+1} W_h^T
        h = hs[:, t]
        da = {"full": dh * (1 - h * h), "none": dh, "unsquared": dh * (1 - h)}[tanh_grad]
        h_prev = hs[:, t - 1] if t > 0 else h0
        dx[:, t] = da @ w_x.T
        dw_x += x[:, t].T @ da
        dw_h += (h_prev if previous_state else h).T @ da
        db += da.sum(axis=0)
        dh_next = da @ (w_h.T if transpose else w_h)
    return dx, dh_next if initial_grad else np.zeros_like(h0), dw_x, dw_h, db


#: The catalogued mistakes of the RNN's backward pass, each a wrong ``rnn_backward`` with its diagnosis.
RNN_MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "tanh_derivative_missing",
        partial(_rnn_backward, tanh_grad="none"),
        "The gradient skips tanh's derivative: you use da_t = dh_t.",
        "h_t = tanh(a_t), so da_t = dh_t * (1 - h_t^2); h_t is in the cache.",
    ),
    Mistake(
        "tanh_derivative_not_squared",
        partial(_rnn_backward, tanh_grad="unsquared"),
        "tanh's derivative is written 1 - h_t instead of 1 - h_t^2.",
        "d tanh(a)/da = 1 - tanh(a)^2 = 1 - h_t^2.",
    ),
    Mistake(
        "gradient_not_carried_through_time",
        partial(_rnn_backward, carry=False),
        "The gradient does not flow back through time: each step sees only dhs_t, the gradient from its output.",
        "h_t also feeds step t+1: dh_t = dhs_t + da_{t+1} W_h^T (keep dh_next from the step after).",
    ),
    Mistake(
        "W_h_not_transposed",
        partial(_rnn_backward, transpose=False),
        "Going back from a_t to h_{t-1} you multiply by W_h instead of its transpose.",
        "a_t = ... + h_{t-1} W_h, so dh_{t-1} gets da_t W_h^T (shapes agree either way when W_h is square).",
    ),
    Mistake(
        "current_state_in_dW_h",
        partial(_rnn_backward, previous_state=False),
        "dW_h uses h_t; but step t multiplies W_h by the previous state h_{t-1}.",
        "dW_h = sum_t h_{t-1}^T da_t, with h_{-1} = h0.",
    ),
    Mistake(
        "dh0_missing",
        partial(_rnn_backward, initial_grad=False),
        "dh0 is zero: the gradient that reaches the initial state is dropped.",
        "After the loop, dh_next (= da_0 W_h^T) is the gradient with respect to h0: return it.",
    ),
)


def _rnn_problem(seed: int, batch: int, steps: int, inputs: int, hidden: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((batch, steps, inputs)),
        "h0": 0.5 * rng.standard_normal((batch, hidden)),
        "W_x": rng.standard_normal((inputs, hidden)) / np.sqrt(inputs),
        "W_h": 0.8 * rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),  # not symmetric: W_h != W_h^T
        "b": 0.1 * rng.standard_normal(hidden),
        "target": rng.standard_normal((batch, steps, hidden)),
    }


_RNN_GRADS = ("dx", "dh0", "dW_x", "dW_h", "db")


def _rnn_fail(diagnosis: str, what: str, hint: str, where: str | None = None) -> CheckResult:
    return CheckResult("rnn", False, diagnosis, f"{what}\nHint: {hint}", None, where)


def _check_rnn(
    rnn_forward: Callable[..., Any],
    rnn_backward: Callable[..., Any],
    seed: int,
    shape: tuple[int, int, int, int],
    backward: bool,
) -> CheckResult:
    from .gradcheck import check_gradients
    from .nn import RNN, MSELoss
    from .nn.module import Module

    batch, steps, inputs, hidden = shape
    problem = _rnn_problem(seed, batch, steps, inputs, hidden)
    x, h0, target = problem["x"], problem["h0"], problem["target"]
    weights = {k: problem[k] for k in ("W_x", "W_h", "b")}

    # the reference: rmsprop_edu.nn.RNN with the same weights
    reference = RNN(inputs, hidden)
    for name, value in weights.items():
        getattr(reference, name).data[...] = value
    ref_hs = reference.forward(x.copy(), state=h0.copy())
    loss = MSELoss()
    loss(ref_hs, target)
    dhs = loss.backward()

    shapes = (
        f"x ({batch}, {steps}, {inputs}), h0 ({batch}, {hidden}), W_x ({inputs}, {hidden}), W_h ({hidden}, {hidden})"
    )
    try:
        out = rnn_forward(x.copy(), h0.copy(), *(w.copy() for w in weights.values()))
        hs, cache = out
        hs = np.asarray(hs, dtype=np.float64)
    except Exception as error:  # the student's code: any error is reported, not raised
        return _rnn_fail(
            "raised_an_exception",
            f"rnn_forward failed: {type(error).__name__}: {error}",
            f"it takes {shapes} and b ({hidden},) and returns (hs, cache), hs of shape ({batch}, {steps}, {hidden}).",
        )
    if hs.shape != ref_hs.shape:
        return _rnn_fail(
            "wrong_shape", f"hs has shape {hs.shape}; expected {ref_hs.shape}.", "hs[:, t] is h_t, (B, H)."
        )
    close = np.isclose(hs, ref_hs, rtol=1e-9, atol=1e-12)
    if not close.all():
        b, t, j = (int(i) for i in np.argwhere(~close)[np.argmin(np.argwhere(~close)[:, 1])])
        return _rnn_fail(
            "forward_differs",
            f"Your forward pass differs from rmsprop_edu.nn.RNN first at step t = {t}, hs[{b}, {t}, {j}]: "
            f"yours {hs[b, t, j]:.10g}, expected {ref_hs[b, t, j]:.10g}.",
            "h_t = tanh(x_t W_x + h_{t-1} W_h + b), starting from the given h0 (h_{-1} = h0).",
            f"hs[{b}, {t}, {j}]",
        )
    if not backward:
        return CheckResult("rnn", True, "correct", "Correct: your forward pass matches rmsprop_edu.nn.RNN.")

    try:
        grads = tuple(np.asarray(g, dtype=np.float64) for g in rnn_backward(dhs.copy(), cache))
        if len(grads) != 5:
            raise ValueError(f"it returned {len(grads)} arrays")
    except Exception as error:
        return _rnn_fail(
            "raised_an_exception",
            f"rnn_backward failed: {type(error).__name__}: {error}",
            "rnn_backward(dhs, cache) returns five arrays: dx, dh0, dW_x, dW_h, db.",
        )
    expected_shapes = (x.shape, h0.shape, weights["W_x"].shape, weights["W_h"].shape, weights["b"].shape)
    for name, g, want in zip(_RNN_GRADS, grads, expected_shapes, strict=True):
        if g.shape != want:
            return _rnn_fail(
                "wrong_shape", f"{name} has shape {g.shape}; expected {want}.", "Each gradient has its array's shape."
            )

    class StudentRNN(Module):
        """The student's two functions as a Module, so that check_gradients can test them."""

        def __init__(self) -> None:
            super().__init__()
            self.h0 = self.add_parameter("h0", h0.copy())
            self.W_x = self.add_parameter("W_x", weights["W_x"].copy())
            self.W_h = self.add_parameter("W_h", weights["W_h"].copy())
            self.b = self.add_parameter("b", weights["b"].copy())

        def forward(self, inp: np.ndarray) -> np.ndarray:
            hs, self._cache = rnn_forward(inp, self.h0.data, self.W_x.data, self.W_h.data, self.b.data)
            return np.asarray(hs)

        def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray:
            dx, dh0, dw_x, dw_h, db = rnn_backward(dout, self._cache)
            for p, g in ((self.h0, dh0), (self.W_x, dw_x), (self.W_h, dw_h), (self.b, db)):
                p.accumulate_grad(np.asarray(g, dtype=np.float64))
            return np.asarray(dx)

    try:
        report = check_gradients(StudentRNN(), MSELoss(), x.copy(), target)
    except Exception as error:
        return _rnn_fail(
            "raised_an_exception",
            f"the gradient check could not run your functions: {type(error).__name__}: {error}",
            "rnn_forward must not change its arguments in place, and rnn_backward must use only dhs and the cache.",
        )
    if report.max_error < 1e-7:
        message = (
            "Correct: your gradients agree with finite differences (rmsprop_edu.check_gradients) to "
            f"{report.max_error:.1e} or better.\n{report}"
        )
        return CheckResult("rnn", True, "correct", message)

    worst = max(report.checks, key=lambda c: c.max_relative_error)
    label = "dx" if worst.name == "input" else f"d{worst.name}"
    where = f"{label}{list(worst.worst_index)}"
    values = f"yours {worst.analytic:.10g}, finite differences {worst.numeric:.10g}"
    what, hint_text, diagnosis = (
        "Your backward pass differs from the finite-difference gradients.",
        "Compare dh at each step with the formulas in rnn_backward's docstring; run hint('rnn', 1).",
        "gradient_differs",
    )
    for mistake in RNN_MISTAKES:
        variant = mistake.step(dhs, (x, h0, weights["W_x"], weights["W_h"], ref_hs))
        if all(np.allclose(g, v, rtol=1e-9, atol=1e-12) for g, v in zip(grads, variant, strict=True)):
            what, hint_text, diagnosis = mistake.what, mistake.hint, mistake.diagnosis
            break
    message = (
        f"{what}\nWorst gradient at {where}: {values} (relative error {worst.max_relative_error:.1e}).\n"
        f"Hint: {hint_text}\nGradient check (rmsprop_edu.check_gradients):\n{report}"
    )
    return CheckResult("rnn", False, diagnosis, message, None, where)


def run_rnn_check(
    rnn_forward: Callable[..., Any],
    rnn_backward: Callable[..., Any],
    seed: int = 0,
    shape: tuple[int, int, int, int] = (2, 4, 3, 5),
    seconds: float = CHECK_SECONDS,
    backward: bool = True,
) -> CheckResult:
    """Check a student's tanh RNN: forward against :class:`rmsprop_edu.nn.RNN`, backward with finite differences.

    The backward pass is verified with :func:`rmsprop_edu.gradcheck.check_gradients` (every element of
    dW_x, dW_h, db, dh0 and dx); a wrong one is matched against ``RNN_MISTAKES`` to name the mistake.

    Args:
        rnn_forward: ``rnn_forward(x, h0, W_x, W_h, b) -> (hs, cache)``.
        rnn_backward: ``rnn_backward(dhs, cache) -> (dx, dh0, dW_x, dW_h, db)``.
        seed: the seed of the random problem.
        shape: (batch B, steps T, inputs D, hidden H).
        seconds: the time limit of the whole check.
        backward: False to check the forward pass only.

    Returns:
        A :class:`~rmsprop_edu.exercises.CheckResult` named ``"rnn"``.
    """
    arguments = {"seed": seed, "shape": list(shape), "backward": backward, "seconds": seconds}
    functions = {"rnn_forward": rnn_forward, "rnn_backward": rnn_backward}
    return _fresh_check("rnn", "rnn", arguments, functions, seconds)


def grade_rnn(
    rnn_forward: Callable[..., Any],
    rnn_backward: Callable[..., Any],
    seed: int = 0,
    shape: tuple[int, int, int, int] = (2, 4, 3, 5),
    seconds: float = CHECK_SECONDS,
    backward: bool = True,
) -> None:
    """The autograder's test of the RNN: :func:`run_rnn_check`, raising the diagnosis if it fails.

    Like :func:`grade`, it prints the verdict when the check passes and returns nothing.

    Args:
        rnn_forward: the student's forward pass.
        rnn_backward: the student's backward pass.
        seed: the seed of the random problem.
        shape: (batch B, steps T, inputs D, hidden H).
        seconds: the time limit of the check.
        backward: False to check the forward pass only.

    Raises:
        AssertionError: with the mistake's name, the worst gradient element and a hint.
    """
    result = run_rnn_check(rnn_forward, rnn_backward, seed, shape, seconds, backward)
    if not result.passed:
        raise _failure(result)
    print(result)


# ----------------------------------------------------------------------------- the fresh process's side
def _rnn_forward(x: np.ndarray, h0: np.ndarray, w_x: np.ndarray, w_h: np.ndarray, b: np.ndarray) -> tuple[Any, ...]:
    """The reference forward pass, written as the solution is; ``cache`` is what ``_rnn_backward`` reads."""
    hs = np.zeros((x.shape[0], x.shape[1], h0.shape[1]))
    h = h0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w_x + h @ w_h + b)  # h_t = tanh(x_t W_x + h_{t-1} W_h + b)
        hs[:, t] = h
    return hs, (x, h0, w_x, w_h, hs)


def _worker() -> None:
    """The fresh process's main (see :mod:`rmsprop_edu.fresh_process`): read the request, check, write the reply.

    It first checks the reference solution, so that every module and cache the check uses is
    loaded before the package's fingerprint is taken; then it rebuilds the student's functions,
    checks them within the time limit and compares the fingerprint again.
    """
    import dataclasses
    import json
    import sys

    request = json.loads(sys.stdin.read())
    arguments = request["arguments"]
    name = arguments.get("exercise", "rnn")
    run: Callable[[dict[str, Any]], CheckResult]
    if request["task"] == "check":
        warm_up: dict[str, Any] = {"fn": getattr(solutions, f"{name}_step")}

        def run(functions: dict[str, Any]) -> CheckResult:
            return check(name, functions["fn"])

    else:
        warm_up = {"rnn_forward": _rnn_forward, "rnn_backward": _rnn_backward}
        seed, backward = arguments["seed"], arguments["backward"]
        batch, steps, inputs, hidden = arguments["shape"]

        def run(functions: dict[str, Any]) -> CheckResult:
            shape = (batch, steps, inputs, hidden)
            return _check_rnn(functions["rnn_forward"], functions["rnn_backward"], seed, shape, backward)

    with contextlib.redirect_stdout(io.StringIO()):
        assert run(warm_up).passed
    pristine = fresh_process.fingerprint()
    try:
        namespace = fresh_process.rebuild(request["program"])
    except Exception as error:
        what = f"Your function could not be rebuilt in the grader's Python: {type(error).__name__}: {error}"
        result = CheckResult(name, False, "cannot_send_to_the_grader", f"{what}\nHint: {_SHIP_HINT}")
    else:
        try:
            result = _contained(name, lambda: run(namespace), arguments["seconds"])
        except SystemExit as stop:
            what = f"Your function called exit() (SystemExit: {stop.code!r}), which would end the check."
            result = CheckResult(name, False, "called_exit", f"{what}\nHint: end it with return, not exit().")
    changes = fresh_process.changed(pristine, fresh_process.fingerprint())
    if changes:
        message = (
            f"While it was checked, your function changed {fresh_process.name_some(changes)}, in the grader's own "
            "rmsprop_edu or numpy. This part scores zero: an update rule computes with its arguments and changes "
            "nothing else.\nHint: remove the lines that assign to rmsprop_edu's or numpy's names "
            "(`np.sqrt = ...`, `optim.RMSProp.update = ...`); try ideas like that in a notebook of your own."
        )
        result = CheckResult(name, False, "changed_the_package", message)
    reply = {"result": dataclasses.asdict(result), "pristine": pristine}
    Path(request["reply"]).write_text(json.dumps(reply), encoding="utf-8")


# ----------------------------------------------------------------------------- notebook cells
@dataclass(frozen=True)
class Cell:
    """One cell of an assignment, in nbgrader's terms.

    Attributes:
        kind: ``"markdown"`` (instructions), ``"code"`` (given code), ``"solution"`` (the student
            writes it), ``"tests"`` (autograded), ``"answer"`` (a written answer graded by hand).
        source: the cell's text; solution regions between ``### BEGIN SOLUTION`` and ``### END SOLUTION``.
        grade_id: nbgrader's unique name of the cell (solution, tests and answer cells).
        points: the points of a tests or answer cell.
    """

    kind: str
    source: str
    grade_id: str | None = None
    points: float = 0.0


def _text(source: str) -> str:
    return textwrap.dedent(source).strip("\n")


def _md(source: str) -> Cell:
    return Cell("markdown", _text(source))


def _code(source: str) -> Cell:
    return Cell("code", _text(source))


def _solution(grade_id: str, source: str) -> Cell:
    return Cell("solution", _text(source), grade_id)


def _tests(grade_id: str, points: float, source: str) -> Cell:
    return Cell("tests", _text(source), grade_id, points)


def _answer(grade_id: str, points: float, source: str) -> Cell:
    return Cell("answer", _text(source), grade_id, points)


def _check_your_work(exercise: str, call: str) -> Cell:
    lines = [
        "# Check your work before you submit: the autograder runs this same check.",
        call,
        f"# Stuck? Run hint({exercise!r}, 1), then hint({exercise!r}, 2), then hint({exercise!r}, 3): the idea.",
    ]
    return Cell("code", "\n".join(lines))


def _graded_step(exercise: str, points: int, reference: str, note: str = "") -> list[Cell]:
    """The three cells of an update-rule exercise: the solution, a check-your-work cell, the autograded check.

    The solution is ``exercises.solutions.<exercise>_step`` itself (its body between the solution markers; a
    final ``return theta, ...`` of plain names stays visible), so the notebook and the package cannot drift.
    """
    name = f"{exercise}_step"
    source = inspect.getsource(getattr(solutions, name))
    lines = source.splitlines()
    first_statement = ast.parse(source).body[0].body[1]  # type: ignore[attr-defined]  # after the docstring
    body = lines[first_statement.lineno - 1 :]
    given = [body.pop()] if re.fullmatch(r"\s*return \w+(, \w+)*", body[-1]) else []
    source = "\n".join([lines[0], "    ### BEGIN SOLUTION", *body, "    ### END SOLUTION", *given])
    comment = (
        f"# Autograded ({points} points): 12 steps next to rmsprop_edu.optim.{reference} on a noisy quadratic{note}."
    )
    test = "\n".join([comment, "from rmsprop_edu.classroom import grade", "", f'grade("{exercise}", {name})'])
    return [
        Cell("solution", source, name),
        _check_your_work(exercise, f'run_check("{exercise}", {name})'),
        Cell("tests", test, f"test_{name}", points),
    ]


_SETUP = _code(
    """
    import numpy as np

    from rmsprop_edu.classroom import hint, run_check
    """
)


# The hidden tests compare with numbers computed here, when the course is written, so that what a notebook
# changes in the package's memory cannot change them at grading time.
def _measured_rmsprop_rate() -> dict[str, str]:
    """RMSProp's square_avg after 6 seeded steps and the rate of the last step, measured (exact reprs)."""
    from . import optim
    from .parameter import Parameter

    rng = np.random.default_rng(7)
    p = Parameter(rng.standard_normal(5))
    opt = optim.RMSProp([p], lr=0.03, rho=0.8, eps=0.05)
    for _ in range(6):
        before = p.data.copy()
        p.grad = rng.standard_normal(5) * [1.0, 10.0, 0.1, 3.0, 0.01]
        opt.step()
    rate = (before - p.data) / p.grad
    return {"square_avg": repr(opt.state[p]["square_avg"].tolist()), "rate": repr(rate.tolist())}


def _recovery_steps() -> int:
    from .explore import recovery_steps

    return recovery_steps(0.9, 1.0, 0.1)


def _ps1() -> list[Cell]:
    return [
        _md(
            """
            # Problem set 1: RMSProp's step and its effective learning rate

            Write RMSProp's update yourself, then measure the learning rate it really applies to each
            coordinate. Write your code where it says `YOUR CODE HERE` (delete the `raise` line);
            the cells marked *check your work* run the same checks as the autograder and name your
            mistake, if any. Do not change the other cells.

            RMSProp (Tieleman & Hinton, 2012), as `torch.optim.RMSprop` (torch calls `rho` `alpha`):

            $$v \\leftarrow \\rho v + (1-\\rho) g^2, \\qquad
              \\theta \\leftarrow \\theta - \\frac{\\mathrm{lr}}{\\sqrt{v} + \\epsilon}\\, g$$

            with `eps` **outside** the square root and `v` (`square_avg`) starting at zeros.
            """
        ),
        _SETUP,
        _md(
            """
            ## 1. The step (5 points)

            `rmsprop_step(theta, grad, square_avg, lr, rho, eps)` returns `(theta, square_avg)`,
            all NumPy arrays of the shape of `theta`. Return new arrays or update in place: both are fine.
            """
        ),
        *_graded_step("rmsprop", 4, "RMSProp"),
        _tests(
            "test_rmsprop_by_hand",
            1,
            """
            # Autograded (1 point): a step worked out by hand, on a 2-D array.
            from rmsprop_edu.classroom import expect_close

            ### BEGIN HIDDEN TESTS
            # v = 0.5*0 + 0.5*g^2 = [[2, 0.5], [8, 0.125]]; the step 0.1*g/sqrt(v) is 0.1*sqrt(2)*sign(g)
            _g = np.array([[2.0, -1.0], [4.0, 0.5]])
            _theta, _v = rmsprop_step(np.ones((2, 2)), _g, np.zeros((2, 2)), 0.1, 0.5, 0.0)
            expect_close("square_avg after one step", _v, [[2.0, 0.5], [8.0, 0.125]],
                         "square_avg <- rho*square_avg + (1 - rho)*grad**2")
            _s = 0.1 * np.sqrt(2.0)
            expect_close("theta after one step", _theta, [[1 - _s, 1 + _s], [1 - _s, 1 - _s]],
                         "theta <- theta - lr*grad/(sqrt(square_avg) + eps)")
            ### END HIDDEN TESTS
            """,
        ),
        _md(
            """
            ## 2. The effective learning rate (3 points)

            RMSProp moves each coordinate by `rate * grad`, with a rate of its own:
            `effective_lr(square_avg, lr, eps)` returns that rate, an array like `square_avg`
            (the average *after* the step's update).
            """
        ),
        _solution(
            "effective_lr",
            """
            def effective_lr(square_avg, lr, eps):
                ### BEGIN SOLUTION
                return lr / (np.sqrt(square_avg) + eps)
                ### END SOLUTION
            """,
        ),
        _tests(
            "test_effective_lr",
            1,
            """
            # Autograded (1 point): a gradient that stays 2.0 for long makes square_avg 4.0: the rate is lr/2.
            from rmsprop_edu.classroom import expect_close

            expect_close("effective_lr(4.0, lr=0.01, eps=0)", effective_lr(np.array([4.0]), 0.01, 0.0), [0.005],
                         "the rate is lr/(sqrt(square_avg) + eps)")
            """,
        ),
        _tests(
            "test_effective_lr_measured",
            2,
            """
            # Autograded (2 points): your rate against the one rmsprop_edu.optim.RMSProp really applies.
            from rmsprop_edu.classroom import expect_close

            ### BEGIN HIDDEN TESTS
            # measured when this course was written (classroom._measured_rmsprop_rate): RMSProp(lr=0.03, rho=0.8,
            # eps=0.05) ran 6 steps of seeded gradients; its square_avg, and the rate (theta before - after)/grad
            # of the last step
            _square_avg = np.array({square_avg})
            _measured = np.array({rate})
            expect_close("effective_lr against the measured rate", effective_lr(_square_avg, 0.03, 0.05), _measured,
                         "use the average after the step's update, and eps outside the root", rtol=1e-7)
            ### END HIDDEN TESTS
            """.format(**_measured_rmsprop_rate()),
        ),
        _md(
            """
            ## 3. In words (2 points, graded by hand)

            The gradient of one coordinate stays at $g$ for a long time. What does its effective learning
            rate become, and so how long is its step? What changes when $g$ is 1000 times smaller than `eps`?
            """
        ),
        _answer(
            "answer_effective_lr",
            2,
            """
            ### BEGIN SOLUTION
            `square_avg` settles at $g^2$, so the rate is lr/(|g| + eps) and the step lr·g/(|g| + eps) ≈ lr·sign(g):
            RMSProp's steps have a size set by lr, whatever the gradient's scale. When |g| ≪ eps the rate is
            lr/eps, a ceiling, and the step is lr·g/eps, plain gradient descent with learning rate lr/eps.
            ### END SOLUTION
            """,
        ),
    ]


def _ps2() -> list[Cell]:
    return [
        _md(
            """
            # Problem set 2: Adagrad vs RMSProp

            Adagrad (Duchi et al., 2011) sums every squared gradient; RMSProp forgets old ones at the rate `rho`.
            Implement Adagrad, then measure how long RMSProp takes to adapt when the gradient changes size.
            Write your code where it says `YOUR CODE HERE` (delete the `raise` line).

            Adagrad, as `torch.optim.Adagrad`:

            $$s \\leftarrow s + g^2, \\qquad
              \\theta \\leftarrow \\theta - \\frac{\\mathrm{lr}}{\\sqrt{s} + \\epsilon}\\, g$$

            with `eps` outside the square root and `s` (`sum_sq`) starting at zeros.
            """
        ),
        _SETUP,
        _md(
            "## 1. Adagrad's step (5 points)\n\n`adagrad_step(theta, grad, sum_sq, lr, eps)` returns `(theta, sum_sq)`."
        ),
        *_graded_step("adagrad", 4, "Adagrad"),
        _tests(
            "test_adagrad_first_step",
            1,
            """
            # Autograded (1 point): with eps = 0, Adagrad's first step is lr*sign(grad), whatever the gradient's size.
            from rmsprop_edu.classroom import expect_close

            ### BEGIN HIDDEN TESTS
            _theta, _s = adagrad_step(np.zeros(3), np.array([1e-3, -5.0, 200.0]), np.zeros(3), 0.1, 0.0)
            expect_close("theta after the first step", _theta, [-0.1, 0.1, -0.1],
                         "the first step divides grad by sqrt(grad^2) = |grad|")
            ### END HIDDEN TESTS
            """,
        ),
        _md(
            """
            ## 2. How long does RMSProp take to forget? (3 points)

            For a long time every gradient of a coordinate has been 1.0, so RMSProp's `square_avg` has settled at 1.0.
            Then every gradient becomes 0.1. With `rho = 0.9` (neglect `eps`), after how many steps at the new size is
            RMSProp's effective rate `lr/sqrt(square_avg)` first within 10 % of its new level `lr/0.1`?
            Compute it (a loop over steps is fine) and store the whole number in `recovery`.
            """
        ),
        _solution(
            "recovery",
            """
            ### BEGIN SOLUTION
            square_avg, recovery = 1.0, 0
            while abs(np.sqrt(0.1**2 / square_avg) - 1) > 0.1:  # the rate relative to its new level lr/0.1
                square_avg = 0.9 * square_avg + 0.1 * 0.1**2
                recovery += 1
            ### END SOLUTION
            print(recovery)
            """,
        ),
        _tests(
            "test_recovery_type",
            1,
            """
            # Autograded (1 point): a whole number of steps.
            if not (isinstance(recovery, (int, np.integer)) and recovery > 0):
                raise AssertionError(f"recovery should be a whole number of steps > 0, got {recovery!r}")
            """,
        ),
        _tests(
            "test_recovery_value",
            2,
            """
            # Autograded (2 points): the number of steps.
            from rmsprop_edu.classroom import expect_close

            ### BEGIN HIDDEN TESTS
            # {steps}: rmsprop_edu.explore.recovery_steps(0.9, 1.0, 0.1) when this course was written
            expect_close("recovery (steps until the rate is within 10 % of lr/0.1)", recovery, {steps},
                         "after k steps square_avg = 0.01 + 0.99*0.9^k: count until 0.1/sqrt(square_avg) is"
                         " in [0.9, 1.1]")
            ### END HIDDEN TESTS
            """.format(steps=_recovery_steps()),
        ),
        _md(
            """
            ## 3. In words (2 points, graded by hand)

            In the same situation, what happens to Adagrad's effective rate after the switch, and why does it never
            recover? Name a kind of problem where Adagrad's behaviour is what you want.
            """
        ),
        _answer(
            "answer_adagrad",
            2,
            """
            ### BEGIN SOLUTION
            Adagrad's sum only grows: after the switch it adds 0.01 per step to a sum that already holds every
            old 1.0, so its rate lr/sqrt(sum) keeps shrinking like 1/sqrt(t) and never comes back to lr/0.1.
            That suits convex problems with sparse features (rare features keep large rates) and a
            fixed budget; RMSProp's window of about 1/(1 - rho) steps suits changing, non-stationary gradients.
            ### END SOLUTION
            """,
        ),
    ]


def _ps3() -> list[Cell]:
    return [
        _md(
            """
            # Problem set 3: Adam with bias correction, then AdamW

            Adam (Kingma & Ba, 2015) keeps a mean `m` of the gradient and a mean `v` of its square, and corrects
            both for starting at zero. AdamW (Loshchilov & Hutter, 2019) adds weight decay *decoupled* from them.
            Write your code where it says `YOUR CODE HERE` (delete the `raise` line).

            Adam, as `torch.optim.Adam` (t is 1 at the first step):

            $$m \\leftarrow \\beta_1 m + (1-\\beta_1) g, \\quad v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2, \\quad
              \\hat m = \\frac{m}{1-\\beta_1^t}, \\quad \\hat v = \\frac{v}{1-\\beta_2^t}, \\quad
              \\theta \\leftarrow \\theta - \\frac{\\mathrm{lr}\\, \\hat m}{\\sqrt{\\hat v} + \\epsilon}$$

            Return `m` and `v`, not the corrected values. AdamW: $\\theta \\leftarrow \\theta (1 - \\mathrm{lr}\\cdot
            \\mathrm{weight\\_decay})$ first, then Adam's step with the raw gradient.
            """
        ),
        _SETUP,
        _md(
            "## 1. Adam (5 points)\n\n`adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)` returns `(theta, m, v)`."
        ),
        *_graded_step("adam", 4, "Adam"),
        _tests(
            "test_adam_first_step",
            1,
            """
            # Autograded (1 point): thanks to the bias corrections, Adam's first step is lr*sign(grad) when eps = 0.
            from rmsprop_edu.classroom import expect_close

            ### BEGIN HIDDEN TESTS
            _g = np.array([1e-3, -5.0, 200.0])
            _theta, _m, _v = adam_step(np.zeros(3), _g, np.zeros(3), np.zeros(3), 1, 0.1, 0.9, 0.999, 0.0)
            expect_close("theta after the first step", _theta, [-0.1, 0.1, -0.1],
                         "at t = 1, m_hat = grad and v_hat = grad^2")
            expect_close("m after the first step", _m, [1e-4, -0.5, 20.0], "return m, not m_hat")
            ### END HIDDEN TESTS
            """,
        ),
        _md(
            """
            ## 2. AdamW (4 points)

            `adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay)` returns `(theta, m, v)`;
            you may call your `adam_step` (the check of `adamw_step` puts a correct `adam_step` in its place, so
            a mistake in Adam costs points only once).
            """
        ),
        *_graded_step("adamw", 3, "AdamW", " (with a correct\n# adam_step in place of yours, if you call it)"),
        _tests(
            "test_adamw_zero_gradient",
            1,
            """
            # Autograded (1 point): with a zero gradient, only the decay acts.
            from rmsprop_edu.classroom import expect_close

            ### BEGIN HIDDEN TESTS
            _z = np.zeros(2)
            _theta, _m, _v = adamw_step(np.array([2.0, -4.0]), _z, _z, _z, 1, 0.1, 0.9, 0.999, 1e-8, 0.5)
            expect_close("theta after one step with grad = 0", _theta, [1.9, -3.8],
                         "theta <- theta*(1 - lr*weight_decay), then Adam's step, which moves nothing when"
                         " grad = 0 (if theta is nan, look at your adam_step)")
            expect_close("v after one step with grad = 0", _v, [0.0, 0.0], "the decay never enters m or v")
            ### END HIDDEN TESTS
            """,
        ),
        _md(
            """
            ## 3. In words (2 points, graded by hand)

            Adam's `weight_decay` adds `weight_decay * theta` to the gradient (L2); AdamW shrinks `theta` directly.
            Which weights does the L2 version decay *less*, and why does that matter?
            """
        ),
        _answer(
            "answer_adamw",
            2,
            """
            ### BEGIN SOLUTION
            Added to the gradient, the decay is divided by sqrt(v_hat) like the rest of it, so weights with large
            or noisy gradients (large v) are decayed less, the opposite of a uniform pull towards zero. AdamW
            decays every weight by the same factor 1 - lr·weight_decay, so regularisation does not depend on
            the gradient history, and the best weight_decay depends less on lr.
            ### END SOLUTION
            """,
        ),
    ]


def _ps4() -> list[Cell]:
    return [
        _md(
            """
            # Problem set 4: backpropagation through a tanh RNN

            Write an Elman RNN's forward pass over a few steps and its backward pass through time, then let the
            gradient checker (`rmsprop_edu.check_gradients`, finite differences) verify every element.
            Write your code where it says `YOUR CODE HERE` (delete the `raise` line).

            Forward, for $t = 0, \\dots, T-1$, with $h_{-1} = h_0$:
            $a_t = x_t W_x + h_{t-1} W_h + b$, $\\; h_t = \\tanh(a_t)$.

            Shapes: `x` (B, T, D), `h0` (B, H), `W_x` (D, H), `W_h` (H, H), `b` (H,), `hs` (B, T, H).
            """
        ),
        _SETUP,
        _md(
            """
            ## 1. Forward and backward (7 points)

            `rnn_forward(x, h0, W_x, W_h, b)` returns `(hs, cache)`, with in `cache` whatever your backward needs.
            `rnn_backward(dhs, cache)` takes `dhs` (B, T, H), the gradient of the loss at every hidden state, and
            returns `(dx, dh0, dW_x, dW_h, db)`. Do not change the arguments in place.
            """
        ),
        _solution(
            "rnn_forward",
            """
            def rnn_forward(x, h0, W_x, W_h, b):
                ### BEGIN SOLUTION
                hs = np.zeros((x.shape[0], x.shape[1], h0.shape[1]))
                h = h0
                for t in range(x.shape[1]):
                    h = np.tanh(x[:, t] @ W_x + h @ W_h + b)
                    hs[:, t] = h
                cache = (x, h0, W_x, W_h, hs)
                ### END SOLUTION
                return hs, cache
            """,
        ),
        _solution(
            "rnn_backward",
            """
            def rnn_backward(dhs, cache):
                ### BEGIN SOLUTION
                x, h0, W_x, W_h, hs = cache
                dx, dW_x, dW_h, db = np.zeros_like(x), np.zeros_like(W_x), np.zeros_like(W_h), np.zeros(W_h.shape[0])
                dh_next = np.zeros_like(h0)
                for t in reversed(range(x.shape[1])):
                    dh = dhs[:, t] + dh_next
                    da = dh * (1 - hs[:, t] ** 2)
                    h_prev = hs[:, t - 1] if t > 0 else h0
                    dx[:, t] = da @ W_x.T
                    dW_x += x[:, t].T @ da
                    dW_h += h_prev.T @ da
                    db += da.sum(axis=0)
                    dh_next = da @ W_h.T
                dh0 = dh_next
                ### END SOLUTION
                return dx, dh0, dW_x, dW_h, db
            """,
        ),
        _check_your_work(
            "rnn",
            "from rmsprop_edu.classroom import run_rnn_check\n\nrun_rnn_check(rnn_forward, rnn_backward)",
        ),
        _tests(
            "test_rnn_forward",
            2,
            """
            # Autograded (2 points): your forward pass against rmsprop_edu.nn.RNN (B=2, T=4).
            from rmsprop_edu.classroom import grade_rnn

            grade_rnn(rnn_forward, rnn_backward, backward=False)
            """,
        ),
        _tests(
            "test_rnn_backward",
            3,
            """
            # Autograded (3 points): every gradient against finite differences (rmsprop_edu.check_gradients).
            from rmsprop_edu.classroom import grade_rnn

            grade_rnn(rnn_forward, rnn_backward)
            """,
        ),
        _tests(
            "test_rnn_longer",
            2,
            """
            # Autograded (2 points): another problem.
            from rmsprop_edu.classroom import grade_rnn

            ### BEGIN HIDDEN TESTS
            grade_rnn(rnn_forward, rnn_backward, seed=11, shape=(3, 6, 2, 4))
            ### END HIDDEN TESTS
            """,
        ),
        _md(
            """
            ## 2. In words (2 points, graded by hand)

            Going back in time, each step multiplies the gradient by $\\mathrm{diag}(1 - h_t^2)\\, W_h^T$.
            What happens to the gradient that reaches early steps of a long sequence, and what does that mean for
            learning long-range dependencies? (You may print `np.linalg.norm(dh_next)` at each step to see it.)
            """
        ),
        _answer(
            "answer_rnn",
            2,
            """
            ### BEGIN SOLUTION
            tanh's derivative is at most 1, so when W_h's largest singular value is below 1 the gradient shrinks
            geometrically with every step back (vanishing gradients); above 1 it can grow (exploding). Early
            inputs then barely move the weights, so a plain RNN struggles to learn dependencies over many steps:
            hence gradient clipping, gates (LSTM, GRU) and truncated BPTT.
            ### END SOLUTION
            """,
        ),
    ]


#: The assignments by name, each a function that builds its list of cells.
ASSIGNMENTS: dict[str, Callable[[], list[Cell]]] = {
    "ps1_rmsprop": _ps1,
    "ps2_adagrad_vs_rmsprop": _ps2,
    "ps3_adam_adamw": _ps3,
    "ps4_rnn_backprop": _ps4,
}


def assignment_cells(assignment: str) -> list[Cell]:
    """The cells of ``assignment``, before they become a notebook.

    Args:
        assignment: one of ``ASSIGNMENTS``.
    """
    if assignment not in ASSIGNMENTS:
        raise ValueError(f"assignment must be one of {', '.join(map(repr, ASSIGNMENTS))}, got {assignment!r}")
    return ASSIGNMENTS[assignment]()


def _nbgrader_metadata(cell: Cell) -> dict[str, Any] | None:
    """The cell's nbgrader metadata (schema 3): solution cells are unlocked, tests locked with points."""
    kinds: dict[str, dict[str, Any]] = {
        "solution": {"grade": False, "solution": True, "locked": False},
        "tests": {"grade": True, "solution": False, "locked": True, "points": cell.points},
        "answer": {"grade": True, "solution": True, "locked": False, "points": cell.points},
    }
    flags = kinds.get(cell.kind)
    if flags is None:
        return None
    return {"grade_id": cell.grade_id, "schema_version": 3, "task": False, **flags}


def build_notebook(assignment: str) -> Any:
    """The nbgrader source notebook of ``assignment``, with solutions and hidden tests, as an nbformat node.

    Args:
        assignment: one of ``ASSIGNMENTS``.

    Returns:
        An ``nbformat.NotebookNode`` (version 4) that passes ``nbformat.validate``.
    """
    import nbformat.v4 as nbf

    cells = []
    for number, cell in enumerate(assignment_cells(assignment)):
        make = nbf.new_markdown_cell if cell.kind in ("markdown", "answer") else nbf.new_code_cell
        # fixed ids, so that the same assignment is the same file from one build to the next
        node = make(cell.source, id=cell.grade_id or f"cell-{number}")
        metadata = _nbgrader_metadata(cell)
        if metadata is not None:
            node.metadata["nbgrader"] = metadata
        cells.append(node)
    notebook = nbf.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


_CONFIG = '''\
"""nbgrader configuration of this course, written by `rmsprop-edu classroom`.

Run nbgrader from this folder. See https://nbgrader.readthedocs.io for the exchange
(release_assignment / collect on JupyterHub) and for every option.
"""

import os

c = get_config()  # noqa: F821 (nbgrader defines get_config)

here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.course_id = {course_id!r}
# the gradebook: an SQLite file in this folder
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")

# the autograder stops a cell after this many seconds (an endless loop, say), records the error,
# and goes on with the next cell: that part scores zero and the rest is still graded
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
c.Execute.error_on_timeout = {{
    "ename": "CellTimeoutError",
    "evalue": "this cell ran longer than {timeout} s and was stopped",
    "traceback": [
        "CellTimeoutError: this cell ran longer than {timeout} s and was stopped (an endless loop?). "
        "It scores zero; the rest of the notebook was still graded."
    ],
}}

# feedback shows every test cell's result and the checker's diagnosis, but not the hidden tests' code:
# ClearHiddenTests removes it from the cells, ShortTracebacks from the error messages
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from rmsprop_edu.nbgrader_plugins import ShortTracebacks  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTests, ShortTracebacks]

# with JupyterHub's exchange, set its folder (shared by teacher and students), e.g.
# c.Exchange.root = "/srv/nbgrader/exchange"
'''


def write_course(
    directory: str | Path,
    assignments: Sequence[str] | None = None,
    timeout: int = CELL_TIMEOUT,
    course_id: str = "rmsprop_edu",
    overwrite: bool = False,
) -> list[Path]:
    """Write a ready nbgrader course: ``nbgrader_config.py`` and ``source/<assignment>/<assignment>.ipynb``.

    Args:
        directory: the course folder (created if needed).
        assignments: which of ``ASSIGNMENTS`` (default: all four).
        timeout: nbgrader's per-cell time limit when autograding, in seconds.
        course_id: nbgrader's course name (used by the exchange).
        overwrite: replace files that exist; without it an existing file is an error and nothing is written.

    Returns:
        The files written, the config first.

    Raises:
        FileExistsError: a file to write exists and ``overwrite`` is False.
        ValueError: an unknown assignment, or a timeout below 1.
    """
    import nbformat

    chosen = list(ASSIGNMENTS) if assignments is None else list(dict.fromkeys(assignments))
    for name in chosen:
        if name not in ASSIGNMENTS:
            raise ValueError(f"assignment must be one of {', '.join(map(repr, ASSIGNMENTS))}, got {name!r}")
    if not chosen:
        raise ValueError("assignments must name at least one assignment")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"timeout must be a whole number of seconds >= 1, got {timeout!r}")
    root = Path(directory)
    config = root / "nbgrader_config.py"
    notebooks = {root / "source" / name / f"{name}.ipynb": name for name in chosen}
    if not overwrite:
        existing = [str(p) for p in (config, *notebooks) if p.exists()]
        if existing:
            raise FileExistsError(f"{existing[0]} exists (use overwrite=True, or --force, to replace it)")
    built = {path: build_notebook(name) for path, name in notebooks.items()}
    for notebook in built.values():
        nbformat.validate(notebook)
    root.mkdir(parents=True, exist_ok=True)
    config.write_text(_CONFIG.format(course_id=course_id, timeout=timeout), encoding="utf-8")
    for path, notebook in built.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, str(path))
    return [config, *built]


def teacher_commands(directory: str | Path, assignments: Sequence[str] | None = None) -> str:
    """The commands a teacher runs next, from generating the student versions to the feedback.

    Args:
        directory: the course folder written by :func:`write_course`.
        assignments: the assignments written (default: all four); the first is the example.

    Returns:
        A few lines of text to print, commands indented.
    """
    chosen = list(ASSIGNMENTS) if not assignments else list(assignments)
    first = chosen[0]
    return "\n".join(
        [
            f"wrote an nbgrader course with {len(chosen)} assignment(s) to {directory}: {', '.join(chosen)}",
            "next (needs nbgrader: pip install 'rmsprop-edu[classroom]'), from the course folder:",
            f"  cd {directory}",
            f"  nbgrader generate_assignment {first}   # the student version, in release/{first}/",
            "hand it out and collect it with JupyterHub's exchange (set c.Exchange.root in nbgrader_config.py):",
            f"  nbgrader release_assignment {first}",
            f"  nbgrader collect {first}",
            "or without an exchange: hand out release/ yourself and put each student's notebook in",
            f"  submitted/<student>/{first}/{first}.ipynb   (nbgrader zip_collect {first} unpacks an LMS download)",
            "then grade, and write each student's feedback:",
            f"  nbgrader autograde {first}",
            "  jupyter lab   # grade the written answers by hand: menu Nbgrader > Formgrader",
            f"  nbgrader generate_feedback {first}   # feedback/<student>/{first}/{first}.html",
            "  nbgrader export   # every grade, in grades.csv",
        ]
    )


__all__ = [
    "ASSIGNMENTS",
    "CELL_TIMEOUT",
    "CHECK_SECONDS",
    "HINTS",
    "RNN_MISTAKES",
    "Cell",
    "assignment_cells",
    "build_notebook",
    "expect_close",
    "grade",
    "grade_rnn",
    "hint",
    "run_check",
    "run_rnn_check",
    "teacher_commands",
    "write_course",
]
