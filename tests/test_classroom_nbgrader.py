"""The classroom kit end to end with the real nbgrader: generate, autograde, feedback (SQLite gradebook).

Slow (a few minutes: one kernel per submission); run it alone with
``python -m pytest -o addopts="" -m nbgrader tests/test_classroom_nbgrader.py``.
"""

from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
import time

import nbformat
import pytest
from test_classroom import TAMPERING  # a notebook that changes the package in memory, with a wrong rule

from rmsprop_edu import classroom
from rmsprop_edu.exercises.mistakes import CATALOGUE

pytest.importorskip("nbgrader")
pytestmark = pytest.mark.nbgrader

TIMEOUT = 4  # nbgrader's per-cell limit in this course: well above any correct cell, short for the endless loop


def catalogue_source(exercise, index):
    seed = f"{exercise}_step = CATALOGUE[{exercise!r}][{index}].step"
    return f"from rmsprop_edu.exercises.mistakes import CATALOGUE\n\n{seed}"


def rnn_source(index):
    return f"from rmsprop_edu.classroom import RNN_MISTAKES\n\nrnn_backward = RNN_MISTAKES[{index}].step"


# student -> (assignment, {solution cell: its seeded source}, [the mistakes the feedback must name])
SUBMISSIONS: dict[str, tuple[str, dict[str, str], list]] = {}
for _i, _m in enumerate(CATALOGUE["rmsprop"]):
    SUBMISSIONS[f"rmsprop{_i}"] = ("ps1_rmsprop", {"rmsprop_step": catalogue_source("rmsprop", _i)}, [_m])
for _i, _m in enumerate(CATALOGUE["adagrad"]):
    SUBMISSIONS[f"adagrad{_i}"] = ("ps2_adagrad_vs_rmsprop", {"adagrad_step": catalogue_source("adagrad", _i)}, [_m])
for _i, _m in enumerate(CATALOGUE["adamw"]):  # one student per AdamW mistake, with an Adam mistake too while any remain
    _seeds, _named = {"adamw_step": catalogue_source("adamw", _i)}, [_m]
    if _i < len(CATALOGUE["adam"]):
        _seeds["adam_step"] = catalogue_source("adam", _i)
        _named.append(CATALOGUE["adam"][_i])
    SUBMISSIONS[f"adam{_i}"] = ("ps3_adam_adamw", _seeds, _named)
for _i, _m in enumerate(classroom.RNN_MISTAKES):
    SUBMISSIONS[f"rnn{_i}"] = ("ps4_rnn_backprop", {"rnn_backward": rnn_source(_i)}, [_m])
SUBMISSIONS["looper"] = (
    "ps1_rmsprop",
    {"rmsprop_step": "def rmsprop_step(theta, grad, square_avg, lr, rho, eps):\n    while True:\n        pass"},
    [],
)
# right numbers, but the function changes the package whenever it runs
MEDDLING = """
def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
    import rmsprop_edu.exercises.checker as checker

    checker.ATOL = 0.5
    square_avg = rho * square_avg + (1 - rho) * grad**2
    theta = theta - lr * grad / (np.sqrt(square_avg) + eps)
    return theta, square_avg
"""
SUBMISSIONS["tamperer"] = ("ps1_rmsprop", {"rmsprop_step": TAMPERING}, [CATALOGUE["rmsprop"][1]])
SUBMISSIONS["meddler"] = ("ps1_rmsprop", {"rmsprop_step": MEDDLING}, [])
# the cell that each seeded solution cell's mistake must score zero in
FAILS = {
    "rmsprop_step": "test_rmsprop_step",
    "adagrad_step": "test_adagrad_step",
    "adam_step": "test_adam_step",
    "adamw_step": "test_adamw_step",
    "rnn_backward": "test_rnn_backward",
}


def nbgrader(course, *args):
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def visible_text(page):
    """The text a student reads in a feedback page: tags removed, entities decoded, spaces joined."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))


def flat(text):
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    classroom.write_course(root, timeout=TIMEOUT)
    timings = {}
    started = time.perf_counter()
    for name in classroom.ASSIGNMENTS:
        nbgrader(root, "generate_assignment", name)
    timings["generate_assignment"] = time.perf_counter() - started
    for name in classroom.ASSIGNMENTS:  # the teacher's own solutions, submitted as a student
        target = root / "submitted" / "teacher" / name / f"{name}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_bytes((root / "source" / name / f"{name}.ipynb").read_bytes())
    for student, (name, seeds, _) in SUBMISSIONS.items():
        notebook = nbformat.read(root / "source" / name / f"{name}.ipynb", as_version=4)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in seeds:
                cell.source = seeds[grade_id]
        target = root / "submitted" / student / name / f"{name}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(notebook, target)
    for step in ("autograde", "generate_feedback"):
        started = time.perf_counter()
        for name in classroom.ASSIGNMENTS:
            nbgrader(root, step, name)
        timings[step] = time.perf_counter() - started
    print(f"\nnbgrader on {len(SUBMISSIONS) + 4} notebooks:", {k: f"{v:.0f} s" for k, v in timings.items()})
    return root


def grades(course, name, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(name, name, student)
        return {g.name: (g.auto_score, g.max_score) for g in notebook.grades}


def feedback(course, name, student):
    return visible_text((course / "feedback" / student / name / f"{name}.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", list(classroom.ASSIGNMENTS))
def test_generate_assignment_strips_every_solution_and_hidden_test(course, name):
    source = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
    release = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
    released = "\n".join(c.source for c in release.cells)
    assert "BEGIN SOLUTION" not in released and "BEGIN HIDDEN TESTS" not in released
    hidden = []
    for cell in source.cells:
        for region in re.findall(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", cell.source, flags=re.S):
            hidden += [line.strip() for line in region[1].splitlines() if len(line.strip()) > 12]
    assert hidden and not [line for line in hidden if line in released]
    assert released.count("raise NotImplementedError()") == sum(
        c.cell_type == "code" for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")
    )
    assert "YOUR ANSWER HERE" in released


@pytest.mark.parametrize("name", list(classroom.ASSIGNMENTS))
def test_the_teachers_solutions_get_full_marks(course, name):
    scores = grades(course, name, "teacher")
    auto = {k: v for k, v in scores.items() if not k.startswith("answer_")}
    assert auto and all(score == best for score, best in auto.values()), auto
    assert scores[next(k for k in scores if k.startswith("answer_"))][0] is None  # graded by hand, later


@pytest.mark.parametrize("student", [s for s in SUBMISSIONS if s not in ("looper", "meddler")])
def test_a_seeded_mistake_gets_partial_marks_and_named_feedback(course, student):
    name, seeds, mistakes = SUBMISSIONS[student]
    scores = grades(course, name, student)
    for solution in seeds:
        assert scores[FAILS[solution]][0] == 0, (FAILS[solution], scores)
    auto = [v for k, v in scores.items() if not k.startswith("answer_")]
    earned, possible = sum(s for s, _ in auto), sum(b for _, b in auto)
    assert earned < possible, scores
    if len(seeds) == 1:  # one part wrong: the rest of the notebook is still graded
        assert earned > 0, scores
    text = feedback(course, name, student)
    for mistake in mistakes:
        assert f"Mistake: {mistake.diagnosis}" in text
        assert flat(mistake.what) in text and flat(mistake.hint) in text
    assert "First difference at step" in text or "Gradient check" in text
    # the hidden tests' code is not in the feedback, neither in the cells nor in a failing hidden test's traceback
    # (their results and diagnoses are)
    if name == "ps1_rmsprop":
        raw = (course / "feedback" / student / name / f"{name}.html").read_text(encoding="utf-8")
        if scores["test_rmsprop_by_hand"][0] == 0:  # a hidden test that failed: its diagnosis is shown
            assert re.search(r"(square_avg|theta) after one step: yours", text)
        for hidden in ("_g = np.array", "_v, [[2.0, 0.5]", "_square_avg = np.array", "_measured = np.array"):
            assert hidden not in raw, hidden


def test_most_rmsprop_mistakes_fail_the_hidden_hand_worked_step_too(course):
    failed = [
        s
        for s in SUBMISSIONS
        if s.startswith("rmsprop") and grades(course, "ps1_rmsprop", s)["test_rmsprop_by_hand"][0] == 0
    ]
    # one step from a zero start with rho = 0.5 and eps = 0 cannot tell eps's place, a swapped rho or a state not
    # carried: the 12-step check catches those
    assert failed == ["rmsprop1", "rmsprop4", "rmsprop6", "rmsprop7"]


def test_an_endless_loop_is_stopped_and_scores_zero_while_the_rest_is_graded(course):
    scores = grades(course, "ps1_rmsprop", "looper")
    assert scores["test_rmsprop_step"][0] == 0 and scores["test_rmsprop_by_hand"][0] == 0
    assert scores["test_effective_lr"][0] == 1 and scores["test_effective_lr_measured"][0] == 2
    assert f"this cell ran longer than {TIMEOUT} s and was stopped" in feedback(course, "ps1_rmsprop", "looper")


def test_a_notebook_that_changes_the_package_in_memory_changes_no_grade(course):
    scores = grades(course, "ps1_rmsprop", "tamperer")
    assert scores["test_rmsprop_step"][0] == 0 and scores["test_rmsprop_by_hand"][0] == 0  # the rule is wrong
    assert scores["test_effective_lr"][0] == 1 and scores["test_effective_lr_measured"][0] == 2  # the rest is right
    text = feedback(course, "ps1_rmsprop", "tamperer")
    assert "Mistake: sqrt_forgotten" in text
    assert "Note: this notebook changed numpy.allclose, rmsprop_edu.exercises.checker.RTOL, " in text
    assert "so they did not count" in text


def test_a_function_that_changes_the_package_while_checked_scores_zero_there(course):
    scores = grades(course, "ps1_rmsprop", "meddler")
    assert scores["test_rmsprop_step"][0] == 0
    assert scores["test_rmsprop_by_hand"] == (1, 1)  # the numbers are right: the hand-worked step passes
    assert scores["test_effective_lr"][0] == 1 and scores["test_effective_lr_measured"][0] == 2
    text = feedback(course, "ps1_rmsprop", "meddler")
    assert "Mistake: changed_the_package" in text
    assert "your function changed rmsprop_edu.exercises.checker.ATOL, in the grader's own rmsprop_edu" in text


def test_the_readme_workflow_through_an_exchange(tmp_path):
    """Release, fetch, submit, collect, autograde, feedback and export, through an exchange folder.

    One student (nbgrader names students by their login) submits the teacher's solutions with RMSProp's square
    root forgotten: 3 of the 8 autograded points (the step and the hand-worked step fail), and feedback that names
    the mistake.
    """
    course, student, exchange = tmp_path / "course", tmp_path / "student", tmp_path / "exchange"
    classroom.write_course(course, ["ps1_rmsprop"], timeout=TIMEOUT)
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(f"c.Exchange.root = {str(exchange)!r}\n")  # what the README tells the teacher to set
    as_student = ["--course", "rmsprop_edu", f"--Exchange.root={exchange}"]
    student.mkdir()
    nbgrader(course, "generate_assignment", "ps1_rmsprop")
    nbgrader(course, "release_assignment", "ps1_rmsprop")
    nbgrader(student, "fetch_assignment", "ps1_rmsprop", *as_student)
    fetched = student / "ps1_rmsprop" / "ps1_rmsprop.ipynb"
    answers = {  # the student's answers: the teacher's, with one mistake
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in nbformat.read(course / "source" / "ps1_rmsprop" / "ps1_rmsprop.ipynb", as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    answers["rmsprop_step"] = TAMPERING.split("\n\n\n")[1]  # the wrong rule alone
    notebook = nbformat.read(fetched, as_version=4)
    for c in notebook.cells:
        if c.metadata.get("nbgrader", {}).get("solution"):
            c.source = answers[c.metadata["nbgrader"]["grade_id"]]
    nbformat.write(notebook, fetched)
    nbgrader(student, "submit", "ps1_rmsprop", *as_student)
    nbgrader(course, "collect", "ps1_rmsprop")
    (login,) = [p.name for p in (course / "submitted").iterdir()]
    nbgrader(course, "autograde", "ps1_rmsprop")
    nbgrader(course, "generate_feedback", "ps1_rmsprop")
    nbgrader(course, "release_feedback", "ps1_rmsprop")
    nbgrader(student, "fetch_feedback", "ps1_rmsprop", *as_student)
    (page,) = (student / "ps1_rmsprop" / "feedback").glob("*/ps1_rmsprop.html")
    text = visible_text(page.read_text(encoding="utf-8"))
    assert "Mistake: sqrt_forgotten" in text and "Note: this notebook changed" not in text
    nbgrader(course, "export")
    with open(course / "grades.csv", encoding="utf-8", newline="") as grades_file:
        (row,) = csv.DictReader(grades_file)
    assert row["student_id"] == login and float(row["raw_score"]) == 3.0 and float(row["max_score"]) == 10.0
