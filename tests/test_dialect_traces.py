"""RMSProp's dialect presets against traces recorded from optax and Keras 3 (float64).

Recorded by tests/reference/record_dialects.py; the tests never import optax, jax or keras.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reference.cases import DIALECT_CASES, seed_of
from reference.problem import STEPS, make_problem

from rmsprop_edu import Parameter
from rmsprop_edu.optim import RMSProp

TRACES = np.load(Path(__file__).parent / "data" / "dialect_traces.npz")


def run(case: dict[str, Any], preset: str | None = None) -> list[np.ndarray]:
    problem = make_problem(seed_of(case["name"]))
    params = [Parameter(p.copy()) for p in problem.p0]
    opt = RMSProp.preset(preset or case["preset"], params, **case["hyper"])
    traces = [[p.data.copy()] for p in params]
    for t in range(STEPS):
        for i, p in enumerate(params):
            p.grad = problem.grad(i, p.data, t)
        opt.step()
        for i, p in enumerate(params):
            traces[i].append(p.data.copy())
    return [np.stack(tr) for tr in traces]


def worst(case: dict[str, Any], traces: list[np.ndarray]) -> float:
    errors = []
    for i, ours in enumerate(traces):
        ref = TRACES[f"{case['name']}/trace_{i}"]
        errors.append(np.max(np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-6)))
    return float(max(errors))


@pytest.mark.parametrize("case", DIALECT_CASES, ids=[c["name"] for c in DIALECT_CASES])
def test_preset_matches_the_real_library(case):
    traces = run(case)
    error = worst(case, traces)
    assert error < 1e-10, f"{case['name']}: worst relative error {error:.3g}"
    assert np.abs(traces[1][-1] - traces[1][0]).max() > 1e-3  # the trace really moves


def test_the_dialects_really_differ():
    # The same hyperparameters through the pytorch preset (eps outside the root, lr outside the
    # buffer) do not reproduce optax's or Keras's traces when eps is large.
    for name in ("optax_large_eps", "keras_large_eps"):
        case = next(c for c in DIALECT_CASES if c["name"] == name)
        settings = {"rho": 0.9, **case["hyper"]}
        as_torch = run({**case, "hyper": settings}, preset="pytorch")
        assert worst(case, as_torch) > 1e-2
