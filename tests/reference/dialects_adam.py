"""Adam-family dialect cases, and their recorder into tests/data/dialect_traces_adam.npz.

The cases (``ADAM_DIALECT_CASES``) are read by tests/test_dialects_adam.py, which builds
``Opt.preset(library, params, **hyper)`` on our side. Run this file in environments with
the libraries (never needed by the package or its tests)::

    KERAS_BACKEND=jax /work/venv_jax/bin/python tests/reference/dialects_adam.py optax keras
    /work/venv_tf/bin/python tests/reference/dialects_adam.py tf1

Each run replaces the traces of the libraries it names and keeps the others. Same problem,
seeding and float64 discipline as record_dialects.py (RMSProp's): JAX's x64 mode, Keras
floatx float64, TF1 float64 variables with every hyperparameter a float64 tensor.

Only the settings a case names are passed to the library: every other setting takes
*that library's own default*, so a trace also checks the preset's defaults. Our names map
to optax's (b1, b2, eps, eps_root, weight_decay: the ``*w`` alias), Keras's (beta_1,
beta_2, epsilon, amsgrad, weight_decay) and TF1's (beta1, beta2, epsilon). ``lr_gamma``
becomes a table of learning rates, one per step, built as the test builds them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import seed_of
from problem import STEPS, make_problem

OUT = Path(__file__).resolve().parents[1] / "data" / "dialect_traces_adam.npz"


def _case(optimizer: str, library: str, kind: str, hyper: dict[str, Any], **extra: Any) -> dict[str, Any]:
    name = f"{optimizer.lower()}_{library}_{kind}"
    return {"name": name, "optimizer": optimizer, "library": library, "hyper": hyper, **extra}


def _cases() -> list[dict[str, Any]]:
    out = []
    schedule = {"hyper": {"lr": 0.05}, "lr_gamma": 0.95}
    # Adam: all four libraries. optax has no default lr; "weight_decay" in optax is optax.adamw's.
    for lib in ("keras", "optax", "tf1"):
        out.append(_case("Adam", lib, "default", {"lr": 0.01} if lib == "optax" else {}))
        out.append(_case("Adam", lib, "schedule", **schedule))
        out.append(_case("Adam", lib, "large_eps", {"lr": 0.05, "eps": 2.0}))
        out.append(_case("Adam", lib, "betas", {"lr": 0.02, "betas": (0.5, 0.9), "eps": 1e-3}))
    for lib in ("keras", "optax"):
        out.append(_case("Adam", lib, "weight_decay", {"lr": 0.01, "weight_decay": 0.1}))
        out.append(_case("Adam", lib, "amsgrad", {"lr": 0.02, "amsgrad": True}))
        out.append(_case("Adam", lib, "amsgrad_schedule", {"lr": 0.05, "amsgrad": True, "eps": 0.1}, lr_gamma=0.95))
    out.append(_case("Adam", "optax", "eps_root", {"lr": 0.01, "eps_root": 1e-2}))
    # AdamW: Keras, optax (TF1 has none)
    for lib in ("keras", "optax"):
        out.append(_case("AdamW", lib, "default", {"lr": 0.01} if lib == "optax" else {}))
        out.append(_case("AdamW", lib, "schedule", {"lr": 0.05, "weight_decay": 0.1}, lr_gamma=0.95))
        out.append(_case("AdamW", lib, "weight_decay", {"lr": 0.01, "weight_decay": 0.3}))
        out.append(_case("AdamW", lib, "large_eps", {"lr": 0.05, "eps": 2.0, "weight_decay": 0.1}))
    out.append(_case("AdamW", "keras", "amsgrad", {"lr": 0.02, "amsgrad": True, "weight_decay": 0.1}))
    out.append(_case("AdamW", "optax", "eps_root", {"lr": 0.01, "eps_root": 1e-2}))
    # NAdam: Keras (Nadam), optax (nadam = adam with nesterov=True; nadamw for weight decay)
    for lib in ("keras", "optax"):
        out.append(_case("NAdam", lib, "default", {"lr": 0.01} if lib == "optax" else {}))
        out.append(_case("NAdam", lib, "schedule", **schedule))
        out.append(_case("NAdam", lib, "weight_decay", {"lr": 0.01, "weight_decay": 0.1}))
        out.append(_case("NAdam", lib, "large_eps", {"lr": 0.05, "eps": 2.0}))
    out.append(_case("NAdam", "optax", "eps_root", {"lr": 0.01, "eps_root": 1e-2}))
    # Adamax: Keras, optax (adamaxw for weight decay)
    for lib in ("keras", "optax"):
        out.append(_case("Adamax", lib, "default", {"lr": 0.01} if lib == "optax" else {}))
        out.append(_case("Adamax", lib, "schedule", **schedule))
        out.append(_case("Adamax", lib, "weight_decay", {"lr": 0.01, "weight_decay": 0.1}))
        out.append(_case("Adamax", lib, "large_eps", {"lr": 0.05, "eps": 0.5}))
    # RAdam: optax only
    out.append(_case("RAdam", "optax", "default", {"lr": 0.01}))
    out.append(_case("RAdam", "optax", "schedule", **schedule))
    out.append(_case("RAdam", "optax", "large_eps", {"lr": 0.05, "eps": 2.0}))
    out.append(_case("RAdam", "optax", "betas", {"lr": 0.02, "betas": (0.8, 0.99)}))
    out.append(_case("RAdam", "optax", "eps_root", {"lr": 0.01, "eps_root": 1e-2}))
    return out


#: every (optimizer, library) case; ``hyper`` in rmsprop_edu's names with that library's meaning.
ADAM_DIALECT_CASES: list[dict[str, Any]] = _cases()

Trace = list[np.ndarray]


def lr_table(case: dict[str, Any]) -> np.ndarray:
    """The learning rate of every step, as the test's ``group["lr"] *= lr_gamma`` produces it."""
    lrs = [case["hyper"]["lr"]]
    for _ in range(STEPS - 1):
        lrs.append(lrs[-1] * case["lr_gamma"])
    return np.array(lrs, dtype=np.float64)


def _betas(h: dict[str, Any], names: tuple[str, str]) -> dict[str, float]:
    return dict(zip(names, h["betas"], strict=True)) if "betas" in h else {}


def record_optax(case: dict[str, Any]) -> Trace:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax

    h = case["hyper"]
    kw: dict[str, Any] = {**_betas(h, ("b1", "b2"))}
    kw.update({k: h[k] for k in ("eps", "eps_root", "weight_decay") if k in h})
    if "lr_gamma" in case:
        table = jnp.asarray(lr_table(case))
        kw["learning_rate"] = lambda count: table[count]
    else:
        kw["learning_rate"] = h["lr"]
    decayed = "weight_decay" in h
    alias = {
        "Adam": optax.adamw if decayed else (optax.amsgrad if h.get("amsgrad") else optax.adam),
        "AdamW": optax.adamw,
        "NAdam": optax.nadamw if decayed else optax.nadam,
        "Adamax": optax.adamaxw if decayed else optax.adamax,
        "RAdam": optax.radam,
    }[case["optimizer"]]
    opt = alias(**kw)
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


def record_keras(case: dict[str, Any]) -> Trace:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import jax

    jax.config.update("jax_enable_x64", True)
    import keras

    assert keras.backend.backend() == "jax", "set KERAS_BACKEND=jax"
    keras.config.set_floatx("float64")
    h = case["hyper"]
    kw: dict[str, Any] = {**_betas(h, ("beta_1", "beta_2"))}
    kw.update({theirs: h[ours] for ours, theirs in [("eps", "epsilon"), ("amsgrad", "amsgrad")] if ours in h})
    kw.update({k: h[k] for k in ("weight_decay",) if k in h})
    if "lr_gamma" in case:
        table = lr_table(case)

        class Table(keras.optimizers.schedules.LearningRateSchedule):
            def __call__(self, step: Any) -> Any:
                return keras.ops.take(keras.ops.convert_to_tensor(table, dtype="float64"), step)

        kw["learning_rate"] = Table()
    elif "lr" in h:
        kw["learning_rate"] = h["lr"]
    cls = {"Adam": "Adam", "AdamW": "AdamW", "NAdam": "Nadam", "Adamax": "Adamax"}[case["optimizer"]]
    opt = getattr(keras.optimizers, cls)(**kw)
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


# TF1's defaults (tf.compat.v1.train.AdamOptimizer), passed as float64 tensors: a Python float
# would become a float32 tensor and be rounded before TF casts it to the variable's dtype.
TF1_ADAM_DEFAULTS = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}


def record_tf1(case: dict[str, Any]) -> Trace:
    import tensorflow as tf

    assert case["optimizer"] == "Adam"
    h = {**TF1_ADAM_DEFAULTS, **case["hyper"]}
    table = lr_table(case) if "lr_gamma" in case else np.full(STEPS, h["lr"])
    step = [0]

    def f64(x: float) -> Any:
        return tf.constant(x, dtype=tf.float64)

    opt = tf.compat.v1.train.AdamOptimizer(
        learning_rate=lambda: f64(table[step[0]]),  # read again at every apply_gradients (eager mode)
        beta1=f64(h["betas"][0]),
        beta2=f64(h["betas"][1]),
        epsilon=f64(h["eps"]),
    )
    problem = make_problem(seed_of(case["name"]))
    variables = [tf.Variable(p, dtype=tf.float64) for p in problem.p0]
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

    return f"tf1: tensorflow {tf.__version__} (tf.compat.v1.train.AdamOptimizer, eager)"


RECORDERS = {"optax": record_optax, "keras": record_keras, "tf1": record_tf1}


def main(libraries: list[str]) -> None:
    unknown = set(libraries) - set(RECORDERS)
    if unknown or not libraries:
        raise SystemExit(f"usage: dialects_adam.py LIBRARY... with LIBRARY in {sorted(RECORDERS)}")
    arrays: dict[str, np.ndarray] = {}
    notes: dict[str, str] = {}
    if OUT.exists():  # keep what other environments recorded
        with np.load(OUT) as old:
            kept = {c["name"] for c in ADAM_DIALECT_CASES if c["library"] not in libraries}
            arrays = {k: old[k] for k in old.files if k.split("/")[0] in kept}
            for note in str(old["__versions__"]).split("; "):
                library = note.split(":")[0]
                if library in RECORDERS and library not in libraries:
                    notes[library] = note
    cases = [c for c in ADAM_DIALECT_CASES if c["library"] in libraries]
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
