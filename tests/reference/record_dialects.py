"""Record RMSProp traces from optax and Keras 3 into tests/data/dialect_traces.npz.

Run it in an environment with those libraries (never needed by the package or its tests)::

    pip install jax jaxlib optax keras numpy
    KERAS_BACKEND=jax python tests/reference/record_dialects.py

Same problem and gradients as record_torch.py; float64 throughout (JAX's x64 mode,
Keras floatx float64). Our names map to optax's (decay, eps, initial_scale,
eps_in_sqrt, centered, momentum, bias_correction) and Keras's (rho, epsilon,
momentum, centered).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import DIALECT_CASES, seed_of  # noqa: E402
from problem import STEPS, make_problem  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "data" / "dialect_traces.npz"
PRESET_DEFAULTS = {"optax": {"rho": 0.9, "eps": 1e-8}, "keras": {"lr": 1e-3, "rho": 0.9, "eps": 1e-7}}


def settings(case: dict[str, Any]) -> dict[str, Any]:
    return {**PRESET_DEFAULTS[case["library"]], **case["hyper"]}


def record_optax(case: dict[str, Any]) -> list[np.ndarray]:
    h = settings(case)
    opt = optax.rmsprop(
        learning_rate=h["lr"],
        decay=h["rho"],
        eps=h["eps"],
        initial_scale=h.get("initial_square_avg", 0.0),
        eps_in_sqrt=h.get("eps_in_sqrt", True),
        centered=h.get("centered", False),
        momentum=h.get("momentum"),
        bias_correction=h.get("bias_correction", False),
    )
    problem = make_problem(seed_of(case["name"]))
    params = [jnp.asarray(p) for p in problem.p0]
    state = opt.init(params)
    traces = [[np.asarray(p)] for p in params]
    for t in range(STEPS):
        grads = [jnp.asarray(problem.grad(i, np.asarray(p), t)) for i, p in enumerate(params)]
        updates, state = opt.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        for i, p in enumerate(params):
            traces[i].append(np.asarray(p))
    return [np.stack(tr) for tr in traces]


def record_keras(case: dict[str, Any]) -> list[np.ndarray]:
    keras.config.set_floatx("float64")
    h = settings(case)
    opt = keras.optimizers.RMSprop(
        learning_rate=h["lr"],
        rho=h["rho"],
        epsilon=h["eps"],
        momentum=h.get("momentum", 0.0),
        centered=h.get("centered", False),
    )
    problem = make_problem(seed_of(case["name"]))
    variables = [keras.Variable(p, dtype="float64") for p in problem.p0]
    traces = [[np.asarray(v.numpy())] for v in variables]
    for t in range(STEPS):
        grads = [
            keras.ops.convert_to_tensor(problem.grad(i, np.asarray(v.numpy()), t), dtype="float64")
            for i, v in enumerate(variables)
        ]
        opt.apply_gradients(zip(grads, variables, strict=True))
        for i, v in enumerate(variables):
            traces[i].append(np.asarray(v.numpy()))
    return [np.stack(tr) for tr in traces]


def main() -> None:
    arrays: dict[str, np.ndarray] = {}
    for case in DIALECT_CASES:
        record = record_optax if case["library"] == "optax" else record_keras
        for i, trace in enumerate(record(case)):
            arrays[f"{case['name']}/trace_{i}"] = trace
    arrays["__versions__"] = np.array(f"optax {optax.__version__}, jax {jax.__version__}, keras {keras.__version__}")
    np.savez_compressed(OUT, **arrays)  # type: ignore[arg-type]
    print(f"wrote {len(DIALECT_CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
