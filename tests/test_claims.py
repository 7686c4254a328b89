"""`claim`: the helper that turns a notebook's sentences into checks."""

import numpy as np
import pytest

from rmsprop_edu import ClaimFailed, between, claim


def test_a_true_claim_prints_the_statement_and_its_values(capsys):
    claim(6e-4 < 1.1, "RMSProp ends closer than Adagrad", rms_dist=6e-4, ada_dist=1.1)
    assert capsys.readouterr().out == "✓ RMSProp ends closer than Adagrad (rms_dist = 0.0006, ada_dist = 1.1)\n"


def test_a_false_claim_raises_with_the_measured_values(capsys):
    with pytest.raises(ClaimFailed, match=r"Adam finishes last \(adam = 1.3e-11, sgd = 3e-13\)"):
        claim(1.3e-11 > 3e-13 and False, "Adam finishes last", adam=1.3e-11, sgd=3e-13)
    assert capsys.readouterr().out == ""  # nothing is shown as checked


def test_a_failed_claim_is_an_assertion_error_so_test_runners_report_it():
    assert issubclass(ClaimFailed, AssertionError)


def test_array_conditions_must_hold_everywhere():
    claim(np.array([True, True]), "both hold")
    with pytest.raises(ClaimFailed):
        claim(np.array([True, False]), "both hold")


def test_values_are_shown_briefly(capsys):
    claim(True, "shown", n=np.int64(57), flag=np.bool_(True), rates=np.array([0.5, 0.25]), x=float("nan"))
    assert capsys.readouterr().out == "✓ shown (n = 57, flag = True, rates = [0.5, 0.25], x = nan)\n"


def test_a_statement_is_required():
    with pytest.raises(ValueError, match="statement must be a non-empty sentence"):
        claim(True, "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (57, True),
        (40, True),
        (80, True),
        (39.9, False),
        (80.1, False),
        (float("nan"), False),
        ([45, 60], True),
        ([45, 90], False),
    ],
)
def test_between_is_inclusive_and_never_true_for_nan(value, expected):
    assert between(value, 40, 80) is expected


def test_between_refuses_an_empty_range():
    with pytest.raises(ValueError, match="low <= high"):
        between(1, 2, 1)
