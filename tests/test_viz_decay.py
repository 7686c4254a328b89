"""decay_contrast_figure: its recovery arrow against the closed form, and clear errors
for settings it cannot draw (a zero gradient used to raise ZeroDivisionError)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from rmsprop_edu import Parameter, viz
from rmsprop_edu.optim import RMSProp


@pytest.mark.parametrize("gradient", [0, 0.0, -0.0])
def test_zero_gradient_is_a_clear_value_error(gradient):
    with pytest.raises(ValueError, match=r"^gradient must be non-zero"):
        viz.decay_contrast_figure(gradient=gradient)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"gradient": math.nan}, r"^gradient must be finite"),
        ({"factor": 0}, r"^factor must be in \(0, 1\), got 0"),
        ({"factor": 1.0}, r"^factor must be in \(0, 1\)"),
        ({"switch_at": 300}, r"^switch_at must be in \[1, 299\], got 300"),
        ({"lr": 0.0}, r"^lr must be in \(0, inf\)"),
        ({"steps": 2.5}, r"^steps must be a whole number"),
    ],
)
def test_settings_it_cannot_draw_name_the_argument(settings, message):
    with pytest.raises(ValueError, match=message):
        viz.decay_contrast_figure(**settings)


def test_negative_and_integer_gradients_draw_like_their_size():
    fig = viz.decay_contrast_figure(gradient=-2, steps=40, switch_at=20)
    assert "|g| drops from 2 to 0.2 after step 20" in fig.axes[1].get_title()


def _measured_recovery(rho: float, drop: float, settle: int, eps: float = 1e-8) -> int:
    """Steps after the drop until RMSProp's measured rate is within 10 % of lr/(|g_new| + eps)."""
    p = Parameter(np.zeros(1))
    opt = RMSProp([p], lr=0.01, rho=rho, eps=eps)
    for _ in range(settle):
        p.grad = np.array([1.0])
        opt.step()
    for k in range(1, 100_000):
        p.grad = np.array([drop])
        opt.step()
        if opt.effective_lr(p)[0] >= 0.9 * 0.01 / (drop + eps):
            return k
    raise AssertionError("never recovered")


@pytest.mark.parametrize(("rho", "factor", "steps", "switch_at"), [(0.9, 0.1, 300, 150), (0.99, 0.01, 3000, 1000)])
def test_recovery_arrow_matches_the_measured_rate(rho, factor, steps, switch_at):
    fig = viz.decay_contrast_figure(rho=rho, factor=factor, steps=steps, switch_at=switch_at)
    k = _measured_recovery(rho, factor, switch_at)
    assert f"recovers in {k} steps" in fig.axes[1].get_title()
    assert any(text.get_text().startswith(f"{k} steps to within 10%") for text in fig.axes[1].texts)
    # and the time constant and half-life stay drawn, for comparison
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert f"time constant 1/(1-rho) = {1 / (1 - rho):.0f} steps" in labels


def test_recovery_time_closed_form_for_a_tenfold_drop():
    # v_k = g_new^2 + (g_old^2 - g_new^2) rho^k; within 10 %: v_k <= g_new^2 / 0.81
    closed = math.log((1 / 0.81 - 1) * 0.01 / (1 - 0.01)) / math.log(0.9)
    assert closed == pytest.approx(57.4, abs=0.05)
    assert _measured_recovery(0.9, 0.1, 150) == math.ceil(closed) == 58
