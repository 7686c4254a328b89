"""Record RMSProp traces from optax, Keras 3 and TF1 into tests/data/dialect_traces.npz.

Run it in environments with those libraries (never needed by the package or its tests)::

    pip install jax jaxlib optax keras numpy          # one venv
    KERAS_BACKEND=jax python tests/reference/record_dialects.py optax keras
    pip install tensorflow numpy                     # another venv (its own keras and ml_dtypes)
    python tests/reference/record_dialects.py tf1

Each run replaces the traces of the libraries it names and keeps the others, so the
two environments can fill one file. Same problem and gradients as record_torch.py;
float64 throughout (JAX's x64 mode, Keras floatx float64, TF1 float64 variables
with every hyperparameter passed as a float64 tensor: a Python float would become
a float32 tensor and be rounded before TF casts it to the variable's dtype).

Our names map to optax's (decay, eps, initial_scale, eps_in_sqrt, centered,
momentum, bias_correction), Keras's (rho, epsilon, momentum, centered) and TF1's
(decay, epsilon, momentum, centered). A case's ``lr_gamma`` becomes a schedule
over a table of learning rates built exactly as the test builds them (lr, then
multiplied by lr_gamma before every later step), so both sides see the same bits.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import DIALECT_CASES, seed_of
from problem import STEPS, make_problem

OUT = Path(__file__).resolve().parents[1] / "data" / "dialect_traces.npz"
# Each library's own defaults, in our names (optax and TF1 have no default lr).
LIBRARY_DEFAULTS = {
    "optax": {"rho": 0.9, "eps": 1e-8},
    "keras": {"lr": 1e-3, "rho": 0.9, "eps": 1e-7},
    "tf1": {"rho": 0.9, "eps": 1e-10},
}

Trace = list[np.ndarray]


def settings(case: dict[str, Any]) -> dict[str, Any]:
    return {**LIBRARY_DEFAULTS[case["library"]], **case["hyper"]}


def lr_table(case: dict[str, Any]) -> np.ndarray:
    """The learning rate of every step, as the test's ``group["lr"] *= lr_gamma`` produces it."""
    lrs = [settings(case)["lr"]]
    for _ in range(STEPS - 1):
        lrs.append(lrs[-1] * case.get("lr_gamma", 1.0))
    return np.array(lrs, dtype=np.float64)


def start(case: dict[str, Any]) -> tuple[Any, Trace]:
    problem = make_problem(seed_of(case["name"]))
    return problem, [p.copy() for p in problem.p0]


def record_optax(case: dict[str, Any]) -> list[np.ndarray]:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax

    h = settings(case)
    table = jnp.asarray(lr_table(case))
    learning_rate: float | Callable[[Any], Any] = (lambda count: table[count]) if "lr_gamma" in case else h["lr"]
    opt = optax.rmsprop(
        learning_rate=learning_rate,
        decay=h["rho"],
        eps=h["eps"],
        initial_scale=h.get("initial_square_avg", 0.0),
        eps_in_sqrt=h.get("eps_in_sqrt", True),
        centered=h.get("centered", False),
        momentum=h.get("momentum"),
        nesterov=False,
        bias_correction=h.get("bias_correction", False),
    )
    problem, p0 = start(case)
    params = [jnp.asarray(p) for p in p0]
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
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import jax

    jax.config.update("jax_enable_x64", True)
    import keras

    assert keras.backend.backend() == "jax", "set KERAS_BACKEND=jax"
    keras.config.set_floatx("float64")
    h = settings(case)
    table = lr_table(case)

    class Table(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step: Any) -> Any:
            return keras.ops.take(keras.ops.convert_to_tensor(table, dtype="float64"), step)

    opt = keras.optimizers.RMSprop(
        learning_rate=Table() if "lr_gamma" in case else h["lr"],
        rho=h["rho"],
        epsilon=h["eps"],
        momentum=h.get("momentum", 0.0),
        centered=h.get("centered", False),
    )
    problem, p0 = start(case)
    variables = [keras.Variable(p, dtype="float64") for p in p0]
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


def record_tf1(case: dict[str, Any]) -> list[np.ndarray]:
    import tensorflow as tf

    h = settings(case)
    table = lr_table(case)
    step = [0]

    def f64(x: float) -> Any:
        return tf.constant(x, dtype=tf.float64)

    opt = tf.compat.v1.train.RMSPropOptimizer(
        learning_rate=lambda: f64(table[step[0]]),  # read again at every apply_gradients (eager mode)
        decay=f64(h["rho"]),
        momentum=f64(h.get("momentum", 0.0)),
        epsilon=f64(h["eps"]),
        centered=h.get("centered", False),
    )
    problem, p0 = start(case)
    variables = [tf.Variable(p, dtype=tf.float64) for p in p0]
    traces = [[v.numpy().copy()] for v in variables]
    for t in range(STEPS):
        step[0] = t
        grads = [tf.constant(problem.grad(i, v.numpy(), t), dtype=tf.float64) for i, v in enumerate(variables)]
        opt.apply_gradients(list(zip(grads, variables, strict=True)))
        for i, v in enumerate(variables):
            traces[i].append(v.numpy().copy())
    return [np.stack(tr) for tr in traces]


def versions(library: str) -> str:
    if library == "optax":
        import jax
        import optax

        return f"optax: optax {optax.__version__}, jax {jax.__version__}"
    if library == "keras":
        import jax
        import keras

        return f"keras: keras {keras.__version__} ({keras.backend.backend()} backend), jax {jax.__version__}"
    import tensorflow as tf

    return f"tf1: tensorflow {tf.__version__} (tf.compat.v1.train.RMSPropOptimizer, eager)"


RECORDERS = {"optax": record_optax, "keras": record_keras, "tf1": record_tf1}


def main(libraries: list[str]) -> None:
    unknown = set(libraries) - set(RECORDERS)
    if unknown or not libraries:
        raise SystemExit(f"usage: record_dialects.py LIBRARY... with LIBRARY in {sorted(RECORDERS)}")
    arrays: dict[str, np.ndarray] = {}
    notes: dict[str, str] = {}
    if OUT.exists():  # keep what other environments recorded
        with np.load(OUT) as old:
            kept = {c["name"] for c in DIALECT_CASES if c["library"] not in libraries}
            arrays = {k: old[k] for k in old.files if k.split("/")[0] in kept}
            for note in str(old["__versions__"]).split("; "):
                library = note.split(":")[0]
                if library in LIBRARY_DEFAULTS and library not in libraries:
                    notes[library] = note
    cases = [c for c in DIALECT_CASES if c["library"] in libraries]
    for case in cases:
        for i, trace in enumerate(RECORDERS[case["library"]](case)):
            arrays[f"{case['name']}/trace_{i}"] = trace
    for library in libraries:
        notes[library] = versions(library)
    arrays["__versions__"] = np.array("; ".join(notes[k] for k in sorted(notes)))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)  # type: ignore[arg-type]
    print(f"wrote {len(cases)} cases ({', '.join(libraries)}) to {OUT}; {arrays['__versions__']}")


if __name__ == "__main__":
    main(sys.argv[1:])
