"""RMSProp's dialect presets against traces recorded from optax, Keras 3 and TF1 (float64).

Recorded by tests/reference/record_dialects.py; the tests never import optax, jax,
keras or tensorflow. The metric and tolerance are test_reference_traces.py's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reference.cases import DIALECT_CASES, seed_of
from reference.problem import replay
from test_reference_traces import TOLERANCE, worst_against

from rmsprop_edu.optim import RMSProp

TRACES = np.load(Path(__file__).parent / "data" / "dialect_traces.npz")


def run(case: dict[str, Any], preset: str | None = None, **extra: Any) -> list[np.ndarray]:
    """Our RMSProp.preset on the case's problem; each parameter's trajectory, (STEPS + 1, *shape)."""
    cls = RMSProp
    return replay(
        seed_of(case["name"]), case, lambda ps: cls.preset(preset or case["preset"], ps, **{**case["hyper"], **extra})
    )


def worst(case: dict[str, Any], traces: list[np.ndarray]) -> float:
    return worst_against(TRACES, case, traces)


def case_named(name: str) -> dict[str, Any]:
    return next(c for c in DIALECT_CASES if c["name"] == name)


@pytest.mark.parametrize("case", DIALECT_CASES, ids=[c["name"] for c in DIALECT_CASES])
def test_preset_matches_the_real_library(case: dict[str, Any]) -> None:
    traces = run(case)
    error = worst(case, traces)
    assert error < TOLERANCE["float64"], f"{case['name']}: worst relative error {error:.3g}"
    assert np.abs(traces[1][-1] - traces[1][0]).max() > 1e-3  # the trace really moves


def test_every_library_and_preset_is_recorded() -> None:
    assert {c["library"] for c in DIALECT_CASES} == {"optax", "keras", "tf1"}
    assert all(c["preset"] == c["library"] for c in DIALECT_CASES)
    assert {c["name"] for c in DIALECT_CASES} == {k.split("/")[0] for k in TRACES.files} - {"__versions__"}
    versions = str(TRACES["__versions__"])
    assert "optax 0.2.8" in versions and "keras 3.15.1" in versions and "tensorflow 2.21.0" in versions


def test_optax_disagreement_is_exactly_where_lr_enters_the_buffer() -> None:
    # The known optax disagreement is the lr placement and nothing else: with lr inside the
    # buffer our update reproduces optax's trace to the usual tolerance, and the gap is large.
    case = case_named("optax_schedule_momentum")
    assert worst(case, run(case, lr_in_momentum=True)) < TOLERANCE["float64"]
    assert worst(case, run(case, lr_in_momentum=False)) > 1e-2


@pytest.mark.parametrize("name", ["keras_schedule_momentum", "tf1_schedule_momentum"])
def test_lr_placement_matters_under_a_schedule(name: str) -> None:
    # Keras and TF1 accumulate lr*g/d; the same run with lr outside the buffer is far off,
    # so the schedule cases really test lr_in_momentum.
    case = case_named(name)
    assert worst(case, run(case, lr_in_momentum=False)) > 1e-2


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("keras_large_eps", {"eps_in_sqrt": False}),  # eps outside the root
        ("optax_large_eps", {"eps_in_sqrt": False}),
        ("tf1_large_eps", {"eps_in_sqrt": False}),
        ("tf1_default", {"initial_square_avg": 0.0}),  # TF1's accumulator starts at 1
        ("optax_bias_correction", {"bias_correction": False}),
    ],
)
def test_each_dialect_switch_matters(name: str, changes: dict[str, Any]) -> None:
    case = case_named(name)
    assert worst(case, run(case, **changes)) > 1e-3


def test_the_dialects_really_differ() -> None:
    # The same hyperparameters through the pytorch preset (eps outside the root, lr outside
    # the buffer, v from 0) do not reproduce the other libraries' traces.
    for name in ("optax_large_eps", "keras_large_eps", "tf1_large_eps", "tf1_default"):
        case = case_named(name)
        as_torch = run({**case, "hyper": {"rho": 0.9, **case["hyper"]}}, preset="pytorch")
        assert worst(case, as_torch) > 1e-2, name
