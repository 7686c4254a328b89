"""The classroom kit without nbgrader: the course folder, the notebooks' nbgrader metadata, and the feedback."""

from __future__ import annotations

import linecache
import math
import re
import textwrap
import time

import nbformat
import numpy as np
import pytest

from rmsprop_edu import classroom
from rmsprop_edu.cli import main
from rmsprop_edu.exercises.mistakes import CATALOGUE

# the points of each autograded test cell and written answer, as the notebooks' text announces them
POINTS = {
    "ps1_rmsprop": {
        "test_rmsprop_step": 4,
        "test_rmsprop_by_hand": 1,
        "test_effective_lr": 1,
        "test_effective_lr_measured": 2,
        "answer_effective_lr": 2,
    },
    "ps2_adagrad_vs_rmsprop": {
        "test_adagrad_step": 4,
        "test_adagrad_first_step": 1,
        "test_recovery_type": 1,
        "test_recovery_value": 2,
        "answer_adagrad": 2,
    },
    "ps3_adam_adamw": {
        "test_adam_step": 4,
        "test_adam_first_step": 1,
        "test_adamw_step": 3,
        "test_adamw_zero_gradient": 1,
        "answer_adamw": 2,
    },
    "ps4_rnn_backprop": {"test_rnn_forward": 2, "test_rnn_backward": 3, "test_rnn_longer": 2, "answer_rnn": 2},
}


def nbgrader_cells(notebook, key, value=True):
    return [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get(key) is value]


def cell(notebook, grade_id):
    (found,) = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return found


def run_cell(source, namespace, filename):
    """Execute one cell as IPython does: its source registered with linecache (so that inspect finds it)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def run_cells(notebook, stop_at=None):
    """Execute the code cells in one namespace, as a kernel would; return it (stop before ``stop_at``)."""
    namespace: dict = {"__name__": "__main__"}
    for number, c in enumerate(notebook.cells):
        if stop_at is not None and c.metadata.get("nbgrader", {}).get("grade_id") == stop_at:
            break
        if c.cell_type == "code":
            run_cell(c.source, namespace, f"<cell {number}: {c.metadata.get('nbgrader', {}).get('grade_id')}>")
    return namespace


def test_write_course_writes_config_and_valid_notebooks(tmp_path):
    written = classroom.write_course(tmp_path / "course", timeout=17)
    config = (tmp_path / "course" / "nbgrader_config.py").read_text()
    assert written[0].name == "nbgrader_config.py" and len(written) == 5
    assert '"sqlite:///" + os.path.join(here, "gradebook.db")' in config
    assert "c.Execute.timeout = 17" in config and "c.Execute.interrupt_on_timeout = True" in config
    compile(config, "nbgrader_config.py", "exec")
    for name in classroom.ASSIGNMENTS:
        path = tmp_path / "course" / "source" / name / f"{name}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata.kernelspec.name == "python3"
    with pytest.raises(FileExistsError, match="nbgrader_config.py exists"):
        classroom.write_course(tmp_path / "course")
    classroom.write_course(tmp_path / "course", ["ps4_rnn_backprop"], overwrite=True)
    with pytest.raises(ValueError, match="assignment must be one of"):
        classroom.write_course(tmp_path / "other", ["ps9"])
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("name", list(classroom.ASSIGNMENTS))
def test_cells_carry_nbgrader_metadata_and_points(name):
    notebook = classroom.build_notebook(name)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids))
    for c in nbgrader_cells(notebook, "solution"):
        meta = c.metadata.nbgrader
        assert meta.schema_version == 3 and meta.locked is False
        if c.cell_type == "code":
            assert meta.grade is False and "### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source
    tests = {c.metadata.nbgrader.grade_id: c for c in nbgrader_cells(notebook, "grade")}
    assert {k: c.metadata.nbgrader.points for k, c in tests.items()} == POINTS[name]
    code_tests = [c for c in tests.values() if c.cell_type == "code"]
    assert all(c.metadata.nbgrader.locked and not c.metadata.nbgrader.solution for c in code_tests)
    assert any("### BEGIN HIDDEN TESTS" in c.source for c in code_tests)
    assert all("assert " not in c.source for c in code_tests)  # failures come with a message, never a bare assert
    (answer,) = [c for c in tests.values() if c.cell_type == "markdown"]
    assert answer.metadata.nbgrader.solution and answer.metadata.nbgrader.points == 2
    # the announced points in the text agree with the metadata
    for c in code_tests:
        announced = re.search(r"Autograded \((\d+) points?\)", c.source)
        assert announced and int(announced.group(1)) == c.metadata.nbgrader.points
    # a visible "check your work" cell and hints in steps
    assert any(c.cell_type == "code" and "Check your work" in c.source and "hint(" in c.source for c in notebook.cells)


@pytest.mark.parametrize("name", list(classroom.ASSIGNMENTS))
def test_solutions_pass_their_own_tests(name, capsys):
    run_cells(classroom.build_notebook(name))  # any failing test cell raises
    assert "Correct" in capsys.readouterr().out


def test_recovery_answer_is_the_hand_derived_number():
    # after k steps at 0.1, square_avg = 0.01 + 0.99 * 0.9^k; the rate lr/sqrt(v) is within 10 % of lr/0.1 once
    # v/0.01 <= 1/0.81, i.e. 99 * 0.9^k <= 1/0.81 - 1: k >= 57.4
    k = math.ceil(math.log((1 / 0.81 - 1) / 99) / math.log(0.9))
    assert k == 58
    assert run_cells(classroom.build_notebook("ps2_adagrad_vs_rmsprop"), stop_at="test_recovery_type")["recovery"] == k


def seeded(name, grade_id, source):
    notebook = classroom.build_notebook(name)
    cell(notebook, grade_id).source = source
    return notebook


def failure_of(notebook, test_id):
    namespace = run_cells(notebook, stop_at=test_id)
    with pytest.raises(AssertionError) as caught:
        exec(cell(notebook, test_id).source, namespace)
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "solution_id", "test_id", "exercise", "index"),
    [
        ("ps1_rmsprop", "rmsprop_step", "test_rmsprop_step", "rmsprop", 0),  # eps inside the root
        ("ps2_adagrad_vs_rmsprop", "adagrad_step", "test_adagrad_step", "adagrad", 7),  # an average: RMSProp
        ("ps3_adam_adamw", "adam_step", "test_adam_step", "adam", 3),  # bias correction off by one
        ("ps3_adam_adamw", "adamw_step", "test_adamw_step", "adamw", 0),  # coupled weight decay
    ],
)
def test_a_seeded_mistake_is_named_in_the_test_cell(name, solution_id, test_id, exercise, index):
    mistake = CATALOGUE[exercise][index]
    source = (
        f"from rmsprop_edu.exercises.mistakes import CATALOGUE\n\n{solution_id} = CATALOGUE[{exercise!r}][{index}].step"
    )
    message = failure_of(seeded(name, solution_id, source), test_id)
    assert message.startswith(f"Mistake: {mistake.diagnosis}\n[NOT YET] {exercise}: {mistake.what}")
    assert "First difference at step 1" in message and f"Hint: {mistake.hint}" in message


def test_a_wrong_rnn_backward_is_named_with_the_gradient_check():
    mistake = classroom.RNN_MISTAKES[2]  # the gradient does not flow back through time
    notebook = seeded(
        "ps4_rnn_backprop",
        "rnn_backward",
        "from rmsprop_edu.classroom import RNN_MISTAKES\n\nrnn_backward = RNN_MISTAKES[2].step",
    )
    message = failure_of(notebook, "test_rnn_backward")
    assert message.startswith(f"Mistake: gradient_not_carried_through_time\n[NOT YET] rnn: {mistake.what}")
    assert "Gradient check (rmsprop_edu.check_gradients)" in message and "wrong" in message
    run_cells(notebook, stop_at="test_rnn_backward")  # the forward test still passes


@pytest.mark.parametrize("index", range(len(classroom.RNN_MISTAKES)))
def test_every_rnn_mistake_is_diagnosed_as_itself(index):
    solution = run_cells(classroom.build_notebook("ps4_rnn_backprop"), stop_at="test_rnn_forward")
    mistake = classroom.RNN_MISTAKES[index]
    result = classroom.run_rnn_check(solution["rnn_forward"], mistake.step)
    assert not result.passed and result.diagnosis == mistake.diagnosis
    # the check's finite differences see the mistake independently of the catalogue
    assert re.search(r"\d\.\d\de[-+]\d\d .*wrong", result.message)


def test_a_wrong_forward_pass_names_the_first_step():
    def shifted_forward(x, h0, W_x, W_h, b):
        hs = np.zeros((x.shape[0], x.shape[1], h0.shape[1]))
        h = np.zeros_like(h0)  # ignores h0
        for t in range(x.shape[1]):
            h = hs[:, t] = np.tanh(x[:, t] @ W_x + h @ W_h + b)
        return hs, None

    result = classroom.run_rnn_check(shifted_forward, lambda dhs, cache: None)
    assert result.diagnosis == "forward_differs" and "first at step t = 0" in result.message


def test_an_endless_loop_is_stopped_by_the_time_limit():
    def loops_forever(theta, grad, square_avg, lr, rho, eps):
        while True:
            pass

    started = time.perf_counter()
    result = classroom.run_check("rmsprop", loops_forever, seconds=0.3)
    assert time.perf_counter() - started < 5
    assert result.diagnosis == "time_limit" and "did not finish within 0.3 s" in result.message
    with pytest.raises(AssertionError, match="Mistake: time_limit"):
        classroom.grade("rmsprop", loops_forever, seconds=0.3)


def test_prints_are_hidden_and_counted(capsys):
    def chatty(theta, grad, square_avg, lr, rho, eps):
        print("x" * 99)
        return theta, square_avg

    result = classroom.run_check("rmsprop", chatty)
    assert capsys.readouterr().out == ""
    assert "printed 1200 characters" in result.message  # 12 steps of 99 characters and a newline


def test_expect_close_shows_both_values_and_a_hint():
    classroom.expect_close("x", np.array([1.0, 2.0]), [1.0, 2.0], "none needed")
    with pytest.raises(AssertionError, match=r"theta: yours 3\.0, expected 2\.0\.\nHint: subtract"):
        classroom.expect_close("theta", 3.0, 2.0, "subtract")
    with pytest.raises(AssertionError, match="yours None"):
        classroom.expect_close("theta", None, 2.0, "return it")


def test_hints_come_in_three_steps(capsys):
    for level in (1, 2, 3):
        classroom.hint("rmsprop", level)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["Hint 1", "Hint 2", "The idea in words"]
    assert "hint('rmsprop', 2)" in lines[0]
    with pytest.raises(ValueError, match="level must be 1, 2 or 3"):
        classroom.hint("rmsprop", 4)


def test_cli_writes_the_course_and_prints_the_next_commands(tmp_path, capsys):
    assert main(["classroom", str(tmp_path / "c"), "--assignments", "PS4_RNN_backprop", "--timeout", "45"]) == 0
    out = capsys.readouterr().out
    assert "nbgrader generate_assignment ps4_rnn_backprop" in out and "nbgrader autograde ps4_rnn_backprop" in out
    assert "nbgrader generate_feedback ps4_rnn_backprop" in out
    assert "c.Execute.timeout = 45" in (tmp_path / "c" / "nbgrader_config.py").read_text()
    assert not (tmp_path / "c" / "source" / "ps1_rmsprop").exists()
    assert main(["classroom", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists" in err and "--force" in err
    assert main(["classroom", str(tmp_path / "c"), "--force"]) == 0
    assert main(["classroom", str(tmp_path / "d"), "--assignments", "ps9"]) == 2
    assert "--assignments must be one of" in capsys.readouterr().err


def test_importing_the_package_does_not_import_the_classroom():
    import subprocess
    import sys

    code = "import sys, rmsprop_edu; print('rmsprop_edu.classroom' in sys.modules, 'nbformat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# ----------------------------------------------------------------------------- checks in a fresh process
# a solution cell that changes the package in memory, with a wrong update rule (no square root); checked in the
# notebook's own Python, these changes made every check pass and broke the measured-rate test
TAMPERING = """
import rmsprop_edu.exercises.checker as checker
from rmsprop_edu import optim

checker._matches = lambda *args, **kwargs: True
checker.RTOL = 1.0
np.allclose = lambda *args, **kwargs: True
optim.RMSProp.update = lambda *args, **kwargs: None


def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
    square_avg = rho * square_avg + (1 - rho) * grad**2
    theta = theta - lr * grad / (square_avg + eps)
    return theta, square_avg
"""


def notebook_function(source, name, namespace=None):
    """Define ``name`` from ``source`` as a notebook cell would (IPython keeps cell sources in linecache)."""
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    run_cell(textwrap.dedent(source).lstrip("\n"), namespace, f"/tmp/ipykernel_0/{abs(hash(source))}.py")
    return namespace[name]


def test_what_a_notebook_changes_in_memory_does_not_change_a_verdict(monkeypatch):
    from rmsprop_edu import optim
    from rmsprop_edu.exercises import checker

    for target, name in ((checker, "_matches"), (checker, "RTOL"), (np, "allclose"), (optim.RMSProp, "update")):
        monkeypatch.setattr(target, name, getattr(target, name))  # restored after the test, whatever the cell does
    notebook = seeded("ps1_rmsprop", "rmsprop_step", TAMPERING)
    message = failure_of(notebook, "test_rmsprop_step")
    assert message.startswith(f"Mistake: sqrt_forgotten\n[NOT YET] rmsprop: {CATALOGUE['rmsprop'][1].what}")
    assert "this notebook changed numpy.allclose, rmsprop_edu.exercises.checker.RTOL, " in message
    assert "rmsprop_edu.exercises.checker._matches and 1 more in memory" in message  # RMSProp.update
    namespace = run_cells(notebook, stop_at="test_rmsprop_step")
    exec(cell(notebook, "effective_lr").source, namespace)
    # the hand-worked hidden test compares in plain Python: the patched np.allclose does not pass it
    # (theta = 1 - 0.1 * g / v by hand, with v = [[2, 0.5], [8, 0.125]])
    with pytest.raises(AssertionError, match=r"theta after one step: yours \[\[0\.9, 1\.2\], \[0\.95, 0\.6\]\]"):
        exec(cell(notebook, "test_rmsprop_by_hand").source, namespace)
    # the measured rate is a number written when the course was built, not RMSProp run in this (patched) memory
    for test in ("test_effective_lr", "test_effective_lr_measured"):
        exec(cell(notebook, test).source, namespace)


def test_a_function_that_changes_the_package_while_checked_fails_and_this_process_is_untouched():
    from rmsprop_edu.exercises import checker

    meddles = notebook_function(
        """
        def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
            import rmsprop_edu.exercises.checker as checker

            checker.ATOL = 0.5
            square_avg = rho * square_avg + (1 - rho) * grad**2
            return theta - lr * grad / (np.sqrt(square_avg) + eps), square_avg
        """,
        "rmsprop_step",
        {"__name__": "__main__", "np": np},
    )
    result = classroom.run_check("rmsprop", meddles)
    assert not result.passed and result.diagnosis == "changed_the_package"
    assert "your function changed rmsprop_edu.exercises.checker.ATOL, in the grader's own" in result.message
    assert checker.ATOL == 1e-12  # it ran in the other process


def test_the_function_travels_with_its_helpers_modules_and_values():
    namespace = {"__name__": "__main__"}
    notebook_function(
        """
        import numpy as numpy_by_another_name
        DECAY = 0.9

        def average(old, new, rho):
            return rho * old + (1 - rho) * new

        def root(x):
            return numpy_by_another_name.sqrt(x)

        def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
            assert rho == DECAY
            square_avg = average(square_avg, grad**2, rho)
            return theta - lr * grad / (root(square_avg) + eps), square_avg

        as_lambda = lambda theta, grad, square_avg, lr, rho, eps: rmsprop_step(theta, grad, square_avg, lr, rho, eps)
        """,
        "rmsprop_step",
        namespace,
    )
    for name in ("rmsprop_step", "as_lambda"):
        result = classroom.run_check("rmsprop", namespace[name])
        assert result.passed, result
    # a closure cannot travel: the verdict says why and what to do
    make = notebook_function(
        """
        def make(eps_outside):
            def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
                return theta, square_avg if eps_outside else None
            return rmsprop_step
        """,
        "make",
    )
    result = classroom.run_check("rmsprop", make(True))
    assert result.diagnosis == "cannot_send_to_the_grader"
    assert "uses variables of the function that defines it" in result.message
    assert "def at the top level" in result.message


def test_an_error_points_at_the_students_line_and_an_exit_is_a_clear_zero():
    raises = notebook_function(
        """
        def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
            square_avg = rho * square_avg + (1 - rho) * grad**2
            return theta - lr * grad / (np.sqrt(square_avg) + eps) + unknown, square_avg
        """,
        "rmsprop_step",
        {"__name__": "__main__", "np": np},
    )
    result = classroom.run_check("rmsprop", raises)
    assert result.diagnosis == "raised_an_exception"
    assert "NameError at step 1 (line 3 in rmsprop_step: `return theta - lr * grad" in result.message
    leaves = notebook_function(
        """
        import os

        def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
            os._exit(3)
        """,
        "rmsprop_step",
    )
    result = classroom.run_check("rmsprop", leaves)
    assert result.diagnosis == "no_verdict" and "exited with code 3" in result.message
    stops = notebook_function(
        """
        import sys

        def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
            sys.exit("done")
        """,
        "rmsprop_step",
    )
    result = classroom.run_check("rmsprop", stops)
    assert result.diagnosis == "called_exit" and "called exit() (SystemExit: 'done')" in result.message


def test_adamw_is_checked_with_a_correct_adam_step_so_one_mistake_costs_once():
    namespace = {"__name__": "__main__", "np": np}
    notebook_function(
        """
        def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad**2
            m_hat, v_hat = m / (1 - beta1 ** (t + 1)), v / (1 - beta2 ** (t + 1))  # t + 1: off by one
            return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

        def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
            return adam_step(theta * (1 - lr * weight_decay), grad, m, v, t, lr, beta1, beta2, eps)
        """,
        "adamw_step",
        namespace,
    )
    assert classroom.run_check("adam", namespace["adam_step"]).diagnosis == "bias_correction_off_by_one"
    result = classroom.run_check("adamw", namespace["adamw_step"])
    assert result.passed, result
    assert "your function calls adam_step; the check used the reference adam_step in its place" in result.message
    # a wrong decay still fails, and is named
    coupled = notebook_function(
        """
        def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
            return adam_step(theta, grad + weight_decay * theta, m, v, t, lr, beta1, beta2, eps)
        """,
        "adamw_step",
        namespace,
    )
    assert classroom.run_check("adamw", coupled).diagnosis == CATALOGUE["adamw"][0].diagnosis
