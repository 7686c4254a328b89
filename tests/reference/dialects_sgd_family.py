"""SGD, Adagrad, Adadelta (and RMSProp's weight decay) as optax, Keras 3 and TF1 compute them.

The cases (``SGD_FAMILY_CASES``) and their recorder, which writes
tests/data/dialect_traces_sgd_family.npz. Run it in environments with those libraries
(never needed by the package or its tests)::

    KERAS_BACKEND=jax /work/venv_jax/bin/python tests/reference/dialects_sgd_family.py optax keras
    /work/venv_tf/bin/python tests/reference/dialects_sgd_family.py tf1

Each run replaces the traces of the libraries it names and keeps the others. Same
problem, seeding and float64 discipline as record_dialects.py (RMSProp's recorder):
JAX's x64 mode, Keras floatx float64, TF1 float64 variables with every hyperparameter
passed as a float64 tensor. A case's ``hyper`` uses rmsprop_edu's names with the
library's meaning (the test passes it to ``Opt.preset(library, ...)`` unchanged); a
setting the case leaves out is not passed to the library either, so the library's own
default is what the preset must reproduce. ``lr_gamma``: a schedule over a table of
learning rates built exactly as the test builds them (lr, then multiplied by lr_gamma
before every later step).

Translations (ours -> theirs):

* optax: ``optax.sgd(lr, momentum, nesterov)``, ``optax.adagrad(lr,
  initial_accumulator_value, eps)``, ``optax.adadelta(lr, rho, eps, weight_decay)``;
* Keras: ``keras.optimizers.SGD(learning_rate, momentum, nesterov, weight_decay)``,
  ``Adagrad(learning_rate, initial_accumulator_value, epsilon, weight_decay)``,
  ``Adadelta(learning_rate, rho, epsilon, weight_decay)``, ``RMSprop(learning_rate, rho,
  epsilon, momentum, centered, weight_decay)``;
* TF1: ``tf.compat.v1.train.GradientDescentOptimizer(lr)`` without momentum,
  ``MomentumOptimizer(lr, momentum, use_nesterov)`` with it; ``AdagradOptimizer(lr,
  initial_accumulator_value)``; ``AdadeltaOptimizer(lr, rho, epsilon)``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import seed_of
from problem import STEPS, make_problem

OUT = Path(__file__).resolve().parents[1] / "data" / "dialect_traces_sgd_family.npz"


def _case(optimizer: str, library: str, label: str, hyper: dict[str, Any], lr_gamma: float | None = None) -> dict:
    case = {"name": f"{optimizer.lower()}_{library}_{label}", "optimizer": optimizer, "library": library}
    case["hyper"] = hyper
    if lr_gamma is not None:
        case["lr_gamma"] = lr_gamma
    return case


SGD_FAMILY_CASES: list[dict[str, Any]] = [
    # SGD: optax (lr outside the buffer, no dampening, no weight decay)
    _case("SGD", "optax", "plain", {"lr": 0.05}),
    _case("SGD", "optax", "momentum", {"lr": 0.05, "momentum": 0.9}),
    _case("SGD", "optax", "nesterov", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    _case("SGD", "optax", "schedule_momentum", {"lr": 0.1, "momentum": 0.9}, lr_gamma=0.95),
    _case("SGD", "optax", "nesterov_no_momentum", {"lr": 0.05, "nesterov": True}),
    # SGD: Keras (lr inside the buffer, decoupled weight decay, default lr 0.01)
    _case("SGD", "keras", "default", {}),
    _case("SGD", "keras", "momentum", {"lr": 0.05, "momentum": 0.9}),
    _case("SGD", "keras", "nesterov", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    _case("SGD", "keras", "schedule_momentum", {"lr": 0.1, "momentum": 0.9}, lr_gamma=0.95),
    _case("SGD", "keras", "schedule_nesterov", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, lr_gamma=0.95),
    _case("SGD", "keras", "weight_decay", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}),
    _case("SGD", "keras", "schedule_weight_decay", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05}, 0.95),
    _case("SGD", "keras", "nesterov_no_momentum", {"lr": 0.05, "nesterov": True}),
    # SGD: TF1 (GradientDescentOptimizer / MomentumOptimizer: lr outside the buffer)
    _case("SGD", "tf1", "plain", {"lr": 0.05}),
    _case("SGD", "tf1", "schedule_plain", {"lr": 0.1}, lr_gamma=0.95),
    _case("SGD", "tf1", "momentum", {"lr": 0.05, "momentum": 0.9}),
    _case("SGD", "tf1", "nesterov", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    _case("SGD", "tf1", "schedule_momentum", {"lr": 0.1, "momentum": 0.9}, lr_gamma=0.95),
    _case("SGD", "tf1", "schedule_nesterov", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, lr_gamma=0.95),
    # Adagrad: optax (G from 0.1, eps 1e-7 inside the root)
    _case("Adagrad", "optax", "lr", {"lr": 0.1}),
    _case("Adagrad", "optax", "schedule", {"lr": 0.2}, lr_gamma=0.95),
    _case("Adagrad", "optax", "large_eps", {"lr": 0.1, "eps": 0.1}),
    _case("Adagrad", "optax", "initial_zero", {"lr": 0.1, "initial_accumulator_value": 0.0}),
    # Adagrad: Keras (as optax, default lr 1e-3, decoupled weight decay)
    _case("Adagrad", "keras", "default", {}),
    _case("Adagrad", "keras", "lr", {"lr": 0.1}),
    _case("Adagrad", "keras", "schedule", {"lr": 0.2}, lr_gamma=0.95),
    _case("Adagrad", "keras", "weight_decay", {"lr": 0.1, "weight_decay": 0.1}),
    _case("Adagrad", "keras", "schedule_weight_decay", {"lr": 0.2, "weight_decay": 0.05}, lr_gamma=0.95),
    _case("Adagrad", "keras", "large_eps", {"lr": 0.1, "eps": 0.1}),
    _case("Adagrad", "keras", "initial_accumulator", {"lr": 0.1, "initial_accumulator_value": 1.0}),
    # Adagrad: TF1 (G from 0.1, no epsilon)
    _case("Adagrad", "tf1", "lr", {"lr": 0.1}),
    _case("Adagrad", "tf1", "schedule", {"lr": 0.2}, lr_gamma=0.95),
    _case("Adagrad", "tf1", "initial_accumulator", {"lr": 0.1, "initial_accumulator_value": 1e-3}),
    # RMSProp: Keras's decoupled weight decay (the other RMSProp dialects: record_dialects.py)
    _case("RMSProp", "keras", "weight_decay", {"lr": 0.01, "weight_decay": 0.1}),
    _case("RMSProp", "keras", "schedule_weight_decay", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.1}, 0.97),
    _case("RMSProp", "keras", "centered_weight_decay", {"lr": 0.01, "centered": True, "weight_decay": 0.2}),
    # Adadelta: optax (lr required; weight_decay is L2)
    _case("Adadelta", "optax", "lr", {"lr": 1.0}),
    _case("Adadelta", "optax", "schedule", {"lr": 1.0}, lr_gamma=0.95),
    _case("Adadelta", "optax", "weight_decay", {"lr": 1.0, "weight_decay": 0.1}),
    _case("Adadelta", "optax", "tuned", {"lr": 0.5, "rho": 0.95, "eps": 1e-4}),
    # Adadelta: Keras (lr 1e-3, rho 0.95, eps 1e-7, decoupled weight decay)
    _case("Adadelta", "keras", "default", {}),
    _case("Adadelta", "keras", "lr", {"lr": 1.0}),
    _case("Adadelta", "keras", "schedule", {"lr": 1.0}, lr_gamma=0.95),
    _case("Adadelta", "keras", "weight_decay", {"lr": 1.0, "weight_decay": 0.1}),
    _case("Adadelta", "keras", "schedule_weight_decay", {"lr": 1.0, "weight_decay": 0.05}, lr_gamma=0.95),
    _case("Adadelta", "keras", "tuned", {"lr": 0.5, "rho": 0.9, "eps": 1e-4}),
    # Adadelta: TF1 (lr 1e-3, rho 0.95, eps 1e-8)
    _case("Adadelta", "tf1", "default", {}),
    _case("Adadelta", "tf1", "lr", {"lr": 1.0}),
    _case("Adadelta", "tf1", "schedule", {"lr": 1.0}, lr_gamma=0.95),
    _case("Adadelta", "tf1", "tuned", {"lr": 0.5, "rho": 0.9, "eps": 1e-4}),
]

Trace = list[np.ndarray]


def lr_table(case: dict[str, Any]) -> np.ndarray:
    """The learning rate of every step, as the test's ``group["lr"] *= lr_gamma`` produces it."""
    lrs = [case["hyper"]["lr"]]
    for _ in range(STEPS - 1):
        lrs.append(lrs[-1] * case["lr_gamma"])
    return np.array(lrs, dtype=np.float64)


def _given(h: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The case's settings that the library has, under the library's names (ours -> theirs)."""
    return {theirs: h[ours] for ours, theirs in names.items() if ours in h}


def _run(case: dict[str, Any], step: Callable[[int, list[np.ndarray]], list[np.ndarray]]) -> Trace:
    """Trajectories of every parameter, ``step(t, grads) -> new parameters``."""
    problem = make_problem(seed_of(case["name"]))
    params = [p.copy() for p in problem.p0]
    traces = [[p.copy()] for p in params]
    for t in range(STEPS):
        grads = [problem.grad(i, p, t) for i, p in enumerate(params)]
        params = step(t, grads)
        for i, p in enumerate(params):
            traces[i].append(np.array(p, dtype=np.float64))
    return [np.stack(tr) for tr in traces]


def record_optax(case: dict[str, Any]) -> Trace:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax

    h, kind = case["hyper"], case["optimizer"]
    table = jnp.asarray(lr_table(case)) if "lr_gamma" in case else None
    learning_rate = (lambda count: table[count]) if table is not None else h["lr"]
    if kind == "SGD":
        opt = optax.sgd(learning_rate, **_given(h, {"momentum": "momentum", "nesterov": "nesterov"}))
    elif kind == "Adagrad":
        names = {"initial_accumulator_value": "initial_accumulator_value", "eps": "eps"}
        opt = optax.adagrad(learning_rate, **_given(h, names))
    elif kind == "Adadelta":
        opt = optax.adadelta(learning_rate, **_given(h, {"rho": "rho", "eps": "eps", "weight_decay": "weight_decay"}))
    else:
        raise ValueError(kind)
    problem_p0 = make_problem(seed_of(case["name"])).p0
    state: list[Any] = [None, [jnp.asarray(p) for p in problem_p0]]
    state[0] = opt.init(state[1])

    def step(t: int, grads: list[np.ndarray]) -> list[np.ndarray]:
        updates, state[0] = opt.update([jnp.asarray(g) for g in grads], state[0], state[1])
        state[1] = optax.apply_updates(state[1], updates)
        return [np.asarray(p) for p in state[1]]

    return _run(case, step)


def record_keras(case: dict[str, Any]) -> Trace:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import jax

    jax.config.update("jax_enable_x64", True)
    import keras

    assert keras.backend.backend() == "jax", "set KERAS_BACKEND=jax"
    keras.config.set_floatx("float64")
    h, kind = case["hyper"], case["optimizer"]
    kwargs: dict[str, Any] = _given(h, {"lr": "learning_rate", "weight_decay": "weight_decay"})
    if "lr_gamma" in case:
        table = lr_table(case)

        class Table(keras.optimizers.schedules.LearningRateSchedule):
            def __call__(self, step: Any) -> Any:
                return keras.ops.take(keras.ops.convert_to_tensor(table, dtype="float64"), step)

        kwargs["learning_rate"] = Table()
    if kind == "SGD":
        opt = keras.optimizers.SGD(**kwargs, **_given(h, {"momentum": "momentum", "nesterov": "nesterov"}))
    elif kind == "Adagrad":
        names = {"initial_accumulator_value": "initial_accumulator_value", "eps": "epsilon"}
        opt = keras.optimizers.Adagrad(**kwargs, **_given(h, names))
    elif kind == "Adadelta":
        opt = keras.optimizers.Adadelta(**kwargs, **_given(h, {"rho": "rho", "eps": "epsilon"}))
    elif kind == "RMSProp":
        names = {"rho": "rho", "eps": "epsilon", "momentum": "momentum", "centered": "centered"}
        opt = keras.optimizers.RMSprop(**kwargs, **_given(h, names))
    else:
        raise ValueError(kind)
    variables = [keras.Variable(p, dtype="float64") for p in make_problem(seed_of(case["name"])).p0]

    def step(t: int, grads: list[np.ndarray]) -> list[np.ndarray]:
        tensors = [keras.ops.convert_to_tensor(g, dtype="float64") for g in grads]
        opt.apply_gradients(zip(tensors, variables, strict=True))
        return [np.asarray(v.numpy()) for v in variables]

    return _run(case, step)


# TF1 turns a Python float into a float32 tensor before casting it to the variable's dtype
# (0.001 -> 0.0010000000474974513), so its defaults are passed as float64 tensors, at their values.
TF1_DEFAULTS = {"Adadelta": {"lr": 1e-3, "rho": 0.95, "eps": 1e-8}}


def record_tf1(case: dict[str, Any]) -> Trace:
    import tensorflow as tf

    kind = case["optimizer"]
    h = {**TF1_DEFAULTS.get(kind, {}), **case["hyper"]}
    now = [0]

    def f64(x: float) -> Any:
        return tf.constant(x, dtype=tf.float64)

    table = lr_table(case) if "lr_gamma" in case else np.full(STEPS, h["lr"])
    kwargs: dict[str, Any] = {"learning_rate": lambda: f64(table[now[0]])}  # read at every apply_gradients
    if kind == "SGD" and "momentum" in h:
        opt = tf.compat.v1.train.MomentumOptimizer(
            **kwargs, momentum=f64(h["momentum"]), use_nesterov=h.get("nesterov", False)
        )
    elif kind == "SGD":
        opt = tf.compat.v1.train.GradientDescentOptimizer(**kwargs)
    elif kind == "Adagrad":
        # a Python float: TF1 checks it is > 0 and fills the float64 slot with it (exactly)
        names = {"initial_accumulator_value": "initial_accumulator_value"}
        opt = tf.compat.v1.train.AdagradOptimizer(**kwargs, **_given(h, names))
    elif kind == "Adadelta":
        opt = tf.compat.v1.train.AdadeltaOptimizer(**kwargs, rho=f64(h["rho"]), epsilon=f64(h["eps"]))
    else:
        raise ValueError(kind)
    variables = [tf.Variable(p, dtype=tf.float64) for p in make_problem(seed_of(case["name"])).p0]

    def step(t: int, grads: list[np.ndarray]) -> list[np.ndarray]:
        now[0] = t
        tensors = [tf.constant(g, dtype=tf.float64) for g in grads]
        opt.apply_gradients(list(zip(tensors, variables, strict=True)))
        return [v.numpy().copy() for v in variables]

    return _run(case, step)


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

    return f"tf1: tensorflow {tf.__version__} (tf.compat.v1.train optimizers, eager)"


RECORDERS = {"optax": record_optax, "keras": record_keras, "tf1": record_tf1}


def main(libraries: list[str]) -> None:
    unknown = set(libraries) - set(RECORDERS)
    if unknown or not libraries:
        raise SystemExit(f"usage: dialects_sgd_family.py LIBRARY... with LIBRARY in {sorted(RECORDERS)}")
    arrays: dict[str, np.ndarray] = {}
    notes: dict[str, str] = {}
    if OUT.exists():  # keep what other environments recorded
        with np.load(OUT) as old:
            kept = {c["name"] for c in SGD_FAMILY_CASES if c["library"] not in libraries}
            arrays = {k: old[k] for k in old.files if k.split("/")[0] in kept}
            for note in str(old["__versions__"]).split("; "):
                library = note.split(":")[0]
                if library in RECORDERS and library not in libraries:
                    notes[library] = note
    cases = [c for c in SGD_FAMILY_CASES if c["library"] in libraries]
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
