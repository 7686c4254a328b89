"""Every optimizer against traces recorded from torch.optim (tests/reference/record_torch.py).

The tests never import torch: the recorded trajectories live in
tests/data/torch_traces.npz and the shared problem is rebuilt from its seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reference.cases import TORCH_CASES, seed_of
from reference.problem import STEPS, replay

import rmsprop_edu.optim as optim
from rmsprop_edu import Parameter

TRACES = np.load(Path(__file__).parent / "data" / "torch_traces.npz")
# float64 traces must agree to 1e-10 (relative); float32 ones to float32 precision.
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}
# Below this magnitude an error counts as absolute: float32 rounding of O(1) values
# is ~1e-7 whatever the size of the coordinate it lands on.
FLOOR = {"float64": 1e-6, "float32": 1e-2}


def run_case(case: dict[str, Any]) -> list[np.ndarray]:
    """Run our optimizer on the case's problem; return each parameter's trajectory."""
    cls = getattr(optim, case["optimizer"])

    def build(params: list[Parameter]) -> optim.Optimizer:
        if "groups" in case:
            g0, g1 = case["groups"]
            return cls([{"params": params[:1], **g0}, {"params": params[1:], **g1}], **case["hyper"])
        return cls(params, **case["hyper"])

    return replay(seed_of(case["name"]), case, build, case.get("dtype", "float64"))


def worst_relative_error(ours: np.ndarray, ref: np.ndarray, floor: float) -> float:
    """max |ours - ref| / max(|ref|, floor) over every coordinate and step."""
    return float(np.max(np.abs(ours.astype(np.float64) - ref) / np.maximum(np.abs(ref), floor)))


def worst_against(recorded: Any, case: dict[str, Any], traces: list[np.ndarray]) -> float:
    """The worst relative error of ``traces`` against the case's recorded float64 trajectories."""
    errors = []
    for i, ours in enumerate(traces):
        ref = recorded[f"{case['name']}/trace_{i}"]
        assert ours.shape == ref.shape == (STEPS + 1, *ref.shape[1:])
        errors.append(worst_relative_error(ours, ref, FLOOR["float64"]))
    return max(errors)


@pytest.mark.parametrize("case", TORCH_CASES, ids=[c["name"] for c in TORCH_CASES])
def test_matches_torch_trace(case: dict[str, Any]) -> None:
    traces = run_case(case)
    worst = 0.0
    for i, ours in enumerate(traces):
        ref = TRACES[f"{case['name']}/trace_{i}"]
        assert ours.shape == ref.shape == (STEPS + 1, *ref.shape[1:])
        worst = max(worst, worst_relative_error(ours, ref, FLOOR[case.get("dtype", "float64")]))
    assert worst < TOLERANCE[case.get("dtype", "float64")], f"{case['name']}: worst relative error {worst:.3g}"
    # The trace must actually move: a test of an optimizer that does nothing would pass trivially.
    assert np.abs(traces[1][-1] - traces[1][0]).max() > 1e-3


def test_every_optimizer_has_reference_cases() -> None:
    covered = {case["optimizer"] for case in TORCH_CASES}
    assert covered == {name for name in optim.__all__ if name != "Optimizer"}
