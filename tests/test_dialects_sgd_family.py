"""SGD, Adagrad, Adadelta and RMSProp presets against optax, Keras 3, TF1 and torch.

Four layers: traces recorded from the libraries (tests/reference/dialects_sgd_family.py,
float64, to 1e-10; the pytorch presets against torch_traces.npz); each library's own
published unit-test values reproduced through the presets (the source file is cited
above each test); the new knobs by hand (decoupled_weight_decay, eps_in_sqrt,
lr_in_momentum, nesterov_needs_momentum) with their effective learning rates; and the
presets' refusals. The tests never import optax, jax, keras, tensorflow or torch.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reference.cases import TORCH_CASES, seed_of
from reference.dialects_sgd_family import SGD_FAMILY_CASES
from reference.problem import replay
from test_reference_traces import FLOOR, TOLERANCE, run_case, worst_against, worst_relative_error

import rmsprop_edu.optim as optim
from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adadelta, Adagrad, RMSProp
from rmsprop_edu.optim.dialects import available

TRACES = np.load(Path(__file__).parent / "data" / "dialect_traces_sgd_family.npz")
TORCH = np.load(Path(__file__).parent / "data" / "torch_traces.npz")
CLASSES = [SGD, Adagrad, Adadelta, RMSProp]


def run(case: dict[str, Any], **extra: Any) -> list[np.ndarray]:
    """The case's class through ``preset(case's library)``; each parameter's trajectory."""
    cls = getattr(optim, case["optimizer"])
    settings = {**case["hyper"], **extra}
    return replay(seed_of(case["name"]), case, lambda ps: cls.preset(case["library"], ps, **settings))


def worst(case: dict[str, Any], traces: list[np.ndarray], recorded: Any = TRACES) -> float:
    return worst_against(recorded, case, traces)


def case_named(name: str) -> dict[str, Any]:
    return next(c for c in SGD_FAMILY_CASES if c["name"] == name)


# ------------------------------------------------------------------ recorded traces
@pytest.mark.parametrize("case", SGD_FAMILY_CASES, ids=[c["name"] for c in SGD_FAMILY_CASES])
def test_preset_matches_the_real_library(case: dict[str, Any]) -> None:
    traces = run(case)
    error = worst(case, traces)
    assert error < TOLERANCE["float64"], f"{case['name']}: worst relative error {error:.3g}"
    assert max(np.abs(tr[-1] - tr[0]).max() for tr in traces) > 1e-5  # the trace really moves


TORCH_FAMILY = [
    c for c in TORCH_CASES if c["optimizer"] in {"SGD", "Adagrad", "Adadelta", "RMSProp"} and "dtype" not in c
]


@pytest.mark.parametrize("case", TORCH_FAMILY, ids=[c["name"] for c in TORCH_FAMILY])
def test_pytorch_preset_matches_torch(case: dict[str, Any]) -> None:
    # The pytorch preset is the class's own defaults: it reproduces every torch trace
    # (groups included) exactly as the class does.
    cls = getattr(optim, case["optimizer"])
    preset = cls.PRESETS["pytorch"]
    assert {k: cls.defaults[k] for k in preset} == preset
    error = max(
        worst_relative_error(ours, TORCH[f"{case['name']}/trace_{i}"], FLOOR["float64"])
        for i, ours in enumerate(run_case(case))
    )
    assert error < TOLERANCE["float64"]


def test_every_case_is_recorded_with_the_pinned_versions() -> None:
    assert {c["name"] for c in SGD_FAMILY_CASES} == {k.split("/")[0] for k in TRACES.files} - {"__versions__"}
    versions = str(TRACES["__versions__"])
    assert "optax 0.2.8" in versions and "keras 3.15.1" in versions and "tensorflow 2.21.0" in versions
    recorded = {(c["optimizer"], c["library"]) for c in SGD_FAMILY_CASES}
    for cls in (SGD, Adagrad, Adadelta):
        assert available(cls) == dict.fromkeys(("pytorch", "keras", "optax", "tf1"), True)
        assert {(cls.__name__, lib) for lib in ("optax", "keras", "tf1")} <= recorded
    # every library's weight decay and a schedule are recorded wherever the library has them
    for optimizer, library in recorded:
        names = [c for c in SGD_FAMILY_CASES if (c["optimizer"], c["library"]) == (optimizer, library)]
        if optimizer != "RMSProp":
            assert any("lr_gamma" in c for c in names), (optimizer, library)
        lacks_decay = "weight_decay" in getattr(optim, optimizer).PRESET_LACKS.get(library, {})
        assert lacks_decay != any("weight_decay" in c["hyper"] for c in names), (optimizer, library)


@pytest.mark.parametrize(
    ("name", "changes", "gap"),
    [
        # lr inside Keras's SGD buffer shows only under a schedule
        ("sgd_keras_schedule_momentum", {"lr_in_momentum": False}, 1e-2),
        ("sgd_keras_schedule_nesterov", {"lr_in_momentum": False}, 1e-2),
        # optax and TF1 keep lr outside the buffer, as torch: lr inside would be wrong
        ("sgd_optax_schedule_momentum", {"lr_in_momentum": True}, 1e-2),
        ("sgd_tf1_schedule_momentum", {"lr_in_momentum": True}, 1e-2),
        # Keras's weight_decay is decoupled; as L2 it would be another run
        ("sgd_keras_weight_decay", {"decoupled_weight_decay": False}, 1e-3),
        ("adagrad_keras_weight_decay", {"decoupled_weight_decay": False}, 1e-2),
        ("rmsprop_keras_weight_decay", {"decoupled_weight_decay": False}, 1e-2),
        ("adadelta_keras_weight_decay", {"decoupled_weight_decay": False}, 1e-2),
        # optax's Adadelta weight_decay is L2 (add_decayed_weights before the scaling)
        ("adadelta_optax_weight_decay", {"decoupled_weight_decay": True}, 1e-2),
        # Adagrad: eps inside the root, accumulator from 0.1
        ("adagrad_keras_large_eps", {"eps_in_sqrt": False}, 1e-2),
        ("adagrad_optax_large_eps", {"eps_in_sqrt": False}, 1e-2),
        ("adagrad_tf1_lr", {"initial_accumulator_value": 0.0}, 1e-2),
        ("adagrad_keras_lr", {"initial_accumulator_value": 0.0}, 1e-2),
    ],
)
def test_each_dialect_switch_matters(name: str, changes: dict[str, Any], gap: float) -> None:
    case = case_named(name)
    assert worst(case, run(case, **changes)) > gap


def test_the_dialects_really_differ_from_torch() -> None:
    # The same settings through the pytorch preset do not reproduce the other libraries.
    for name in ("adagrad_keras_lr", "adagrad_optax_lr", "adagrad_tf1_lr", "sgd_keras_schedule_momentum"):
        case = case_named(name)
        assert worst(case, run({**case, "library": "pytorch"})) > 1e-2, name


# ------------------------------------------------------- each library's published values
def steps_of(cls: type, library: str, theta: list[float], grads: list[list[float]], **hyper: Any) -> np.ndarray:
    """theta after one step per gradient, through ``cls.preset(library)``."""
    p = Parameter(np.array(theta, dtype=np.float64))
    opt = cls.preset(library, [p], **hyper)
    for g in grads:
        p.grad = np.array(g, dtype=np.float64)
        opt.step()
    return p.data


@pytest.mark.parametrize("cls", CLASSES)
def test_keras_weight_decay_test(cls: type) -> None:
    # keras/src/optimizers/{sgd,adagrad,adadelta,rmsprop}_test.py, test_weight_decay: var 2,
    # grad 0, lr 1, weight_decay 0.004; var1 is stepped three times -> 1.9760959 (decimal=6).
    theta = steps_of(cls, "keras", [2.0], [[0.0]] * 3, lr=1.0, weight_decay=0.004)
    assert abs(theta[0] - 1.9760959) < 1.5e-6
    assert abs(theta[0] - 2.0 * 0.996**3) < 1e-15  # = 2*(1 - lr*wd)^3


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        # keras/src/optimizers/*_test.py, test_single_step: lr 0.5, var [1, 2, 3, 4],
        # grad [1, 6, 7, 2], one step (rtol = atol = 1e-4)
        (SGD, [0.5, -1.0, -0.5, 3.0]),
        (Adagrad, [0.5233, 1.5007, 2.5005, 3.5061]),
        (Adadelta, [0.9993, 1.9993, 2.9993, 3.9993]),
        (RMSProp, [-0.5811, 0.4189, 1.4189, 2.4189]),
    ],
)
def test_keras_single_step(cls: type, expected: list[float]) -> None:
    theta = steps_of(cls, "keras", [1.0, 2.0, 3.0, 4.0], [[1.0, 6.0, 7.0, 2.0]], lr=0.5)
    np.testing.assert_allclose(theta, expected, rtol=1e-4, atol=1e-4)


KERAS_GOLDEN = {
    # keras/src/optimizers/*_test.py, test_correctness_with_golden: x = ones(10), a first
    # step with grad 0.01, then grad = arange(0.1, 1.1, 0.1); x checked before each later
    # step (rtol = atol = 5e-4).
    "sgd": (
        SGD,
        {"nesterov": True},  # momentum 0: Keras accepts it, torch refuses it
        [
            [0.9999] * 10,
            [0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899],
            [0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799],
            [0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699],
            [0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599],
        ],
    ),
    "adagrad": (
        Adagrad,
        {"lr": 0.2, "initial_accumulator_value": 0.3, "eps": 1e-6},
        [
            [0.9963] * 10,
            [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
            [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
            [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
            [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825],
        ],
    ),
    "adadelta": (
        Adadelta,
        {"lr": 1.0, "rho": 0.8, "eps": 1e-6},
        [[v] * 10 for v in (0.9978, 0.9947, 0.9915, 0.9882, 0.9849)],
    ),
    "rmsprop": (RMSProp, {"centered": True}, [[v] * 10 for v in (0.9967, 0.9933, 0.9908, 0.9885, 0.9864)]),
}


@pytest.mark.parametrize("name", list(KERAS_GOLDEN))
def test_keras_golden_sequence(name: str) -> None:
    cls, hyper, golden = KERAS_GOLDEN[name]
    p = Parameter(np.ones(10))
    opt = cls.preset("keras", [p], **hyper)
    p.grad = np.full(10, 0.01)
    opt.step()
    for row in golden:
        np.testing.assert_allclose(p.data, row, rtol=5e-4, atol=5e-4)
        p.grad = np.arange(1, 11) / 10
        opt.step()


def test_tf1_published_values() -> None:
    # tensorflow/python/training/adagrad_test.py, doTestBasic: lr 3, accumulator 0.1,
    # var0 [1, 2] with grad 0.1 and var1 [3, 4] with grad 0.01, three steps.
    var0 = steps_of(Adagrad, "tf1", [1.0, 2.0], [[0.1, 0.1]] * 3, lr=3.0)
    var1 = steps_of(Adagrad, "tf1", [3.0, 4.0], [[0.01, 0.01]] * 3, lr=3.0)
    np.testing.assert_allclose(var0, [-1.6026098728179932, -0.6026098728179932], rtol=1e-6)
    np.testing.assert_allclose(var1, [2.715679168701172, 3.715679168701172], rtol=1e-6)
    # gradient_descent_test.py, testBasic: lr 3, one step
    np.testing.assert_allclose(steps_of(SGD, "tf1", [1.0, 2.0], [[0.1, 0.1]], lr=3.0), [0.7, 1.7], rtol=1e-15)
    # momentum_test.py, doTestBasic: lr 2, momentum 0.9, two steps
    var0 = steps_of(SGD, "tf1", [1.0, 2.0], [[0.1, 0.1]] * 2, lr=2.0, momentum=0.9)
    var1 = steps_of(SGD, "tf1", [3.0, 4.0], [[0.01, 0.01]] * 2, lr=2.0, momentum=0.9)
    np.testing.assert_allclose(var0, [1.0 - 0.2 - 0.19 * 2.0, 2.0 - 0.2 - 0.19 * 2.0], rtol=1e-14)
    np.testing.assert_allclose(var1, [2.98 - 0.019 * 2.0, 3.98 - 0.019 * 2.0], rtol=1e-14)
    # momentum_test.py, testMinimizeSparseResourceVariable: momentum 0, lr 1, loss (var0 @ [4, 5])^2
    # at var0 = [1, 2]: grad 2*14*[4, 5] -> [-111, -138]
    np.testing.assert_allclose(steps_of(SGD, "tf1", [1.0, 2.0], [[112.0, 140.0]], lr=1.0, momentum=0.0), [-111, -138])


def test_tf1_adadelta_published_recurrence() -> None:
    # tensorflow/python/training/adadelta_test.py, doTestBasic: rho 0.95, eps 1e-8, four
    # steps for grad in (0.2, 0.1, 0.01) and lr in (1, 0.5, 0.1), against the recurrence the
    # test writes out (accum, accum_update), rtol 1e-3.
    for grad in (0.2, 0.1, 0.01):
        for lr in (1.0, 0.5, 0.1):
            theta = steps_of(Adadelta, "tf1", [1.0, 2.0], [[grad, grad]] * 4, lr=lr)
            accum = accum_update = total = 0.0
            for _ in range(4):
                accum = 0.95 * accum + 0.05 * grad**2
                update = math.sqrt(accum_update + 1e-8) / math.sqrt(accum + 1e-8) * grad
                accum_update = 0.95 * accum_update + 0.05 * update**2
                total += lr * update
            np.testing.assert_allclose(theta, [1.0 - total, 2.0 - total], rtol=1e-3)


def rosenbrock_grad(theta: np.ndarray) -> np.ndarray:
    x, y = theta
    return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])


@pytest.mark.parametrize(
    ("cls", "hyper"),
    [(SGD, {"lr": 1e-3, "momentum": 0.9}), (Adagrad, {"lr": 1.0}), (Adadelta, {"lr": 0.1}), (RMSProp, {"lr": 5e-3})],
)
def test_optax_alias_test_optimization(cls: type, hyper: dict[str, Any]) -> None:
    # optax/_src/alias_test.py, test_optimization (_OPTIMIZERS_UNDER_TEST): 10000 steps on
    # sum((x - [1, -1, 1])^2) from [-1, 10, 1] and on Rosenbrock (a=1, b=100) from [0, 0]
    # end within rtol = atol = 3e-2 of the minimum.
    problems = [
        (np.array([-1.0, 10.0, 1.0]), np.array([1.0, -1.0, 1.0]), lambda t: 2.0 * (t - np.array([1.0, -1.0, 1.0]))),
        (np.zeros(2), np.array([1.0, 1.0]), rosenbrock_grad),
    ]
    for start, minimum, grad in problems:
        p = Parameter(start.copy())
        opt = cls.preset("optax", [p], **hyper)
        for _ in range(10_000):
            p.grad = grad(p.data)
            opt.step()
        np.testing.assert_allclose(p.data, minimum, rtol=3e-2, atol=3e-2)


# ----------------------------------------------------------------- the knobs by hand
THETA = np.array([1.0, -2.0])
G = np.array([0.5, -4.0])


def first_steps(opt: Any, p: Parameter, lrs: list[float]) -> np.ndarray:
    for lr in lrs:
        opt.param_groups[0]["lr"] = lr
        p.grad = G.copy()
        opt.step()
    return p.data


def test_sgd_lr_in_momentum_by_hand() -> None:
    # lr 0.1 then 0.05, momentum 0.9. Inside: b = 0.1*g, then 0.9*0.1*g + 0.05*g = 0.14*g;
    # theta = THETA - 0.1*g - 0.14*g = THETA - 0.24*g. Torch: b = g, then 1.9*g, step 0.05*1.9*g:
    # THETA - 0.1*g - 0.095*g = THETA - 0.195*g.
    p = Parameter(THETA.copy())
    inside = first_steps(SGD([p], momentum=0.9, lr_in_momentum=True), p, [0.1, 0.05])
    np.testing.assert_allclose(inside, THETA - 0.24 * G, rtol=1e-14)
    p = Parameter(THETA.copy())
    np.testing.assert_allclose(first_steps(SGD([p], momentum=0.9), p, [0.1, 0.05]), THETA - 0.195 * G, rtol=1e-14)
    # nesterov, inside: step 1 = lr*g + 0.9*b = 0.1*g + 0.09*g; step 2: b = 0.14*g,
    # step = 0.05*g + 0.9*0.14*g = 0.176*g; total 0.366*g
    p = Parameter(THETA.copy())
    opt = SGD([p], momentum=0.9, nesterov=True, lr_in_momentum=True)
    np.testing.assert_allclose(first_steps(opt, p, [0.1, 0.05]), THETA - 0.366 * G, rtol=1e-14)


@pytest.mark.parametrize("cls", CLASSES)
def test_decoupled_weight_decay_by_hand(cls: type) -> None:
    # theta <- theta*(1 - lr*wd), then the class's own step: the same step as without decay,
    # from the shrunk weights (the update does not read theta). lr 0.1, wd 0.5: factor 0.95.
    p, q = Parameter(THETA.copy()), Parameter(THETA.copy())
    decayed = cls([p], lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    plain = cls([q], lr=0.1)
    p.grad, q.grad = G.copy(), G.copy()
    decayed.step()
    plain.step()
    np.testing.assert_allclose(p.data - 0.95 * THETA, q.data - THETA, rtol=1e-12)
    # effective lr: the multiplier on g once the decay is taken out, -(step + lr*wd*theta)/g
    np.testing.assert_allclose(decayed.effective_lr(p), -(p.data - 0.95 * THETA) / G, rtol=1e-12)
    if cls is SGD:  # by hand: 0.95*theta - 0.1*g
        np.testing.assert_allclose(p.data, [0.9, -1.5], rtol=1e-15)


def test_adagrad_eps_in_sqrt_by_hand() -> None:
    # G = 0.1 + g^2; step = lr*g/sqrt(G + eps). eps 0.14: g = 0.5 -> sqrt(0.49) = 0.7, step 0.1*0.5/0.7
    p = Parameter(THETA.copy())
    opt = Adagrad([p], lr=0.1, eps=0.14, eps_in_sqrt=True, initial_accumulator_value=0.1)
    p.grad = G.copy()
    opt.step()
    expected_lr = np.array([0.1 / 0.7, 0.1 / math.sqrt(16.24)])
    np.testing.assert_allclose(p.data, THETA - expected_lr * G, rtol=1e-14)
    np.testing.assert_allclose(opt.effective_lr(p), expected_lr, rtol=1e-14)
    np.testing.assert_allclose(opt.effective_lr(p), -(p.data - THETA) / G, rtol=1e-14)


def test_tf1_adagrad_has_no_epsilon() -> None:
    # TF1's preset eps is lost in G >= 0.1 exactly, in float64 and float32.
    for dtype in (np.float64, np.float32):
        big_g = np.array([0.1, 0.1 + 1e-3, 7.0], dtype=dtype)
        assert np.array_equal(big_g + dtype(Adagrad.TF1_EPS), big_g)
        assert dtype(Adagrad.TF1_EPS) > 0
    p = Parameter(THETA.copy())
    opt = Adagrad.preset("tf1", [p], lr=0.1)
    p.grad = G.copy()
    opt.step()
    np.testing.assert_array_equal(p.data, THETA - 0.1 * G / np.sqrt(0.1 + G * G))


def test_nesterov_without_momentum() -> None:
    # Keras, optax and TF1 accept it as plain SGD; torch (and the default) refuse it.
    for library in ("keras", "optax", "tf1"):
        theta = steps_of(SGD, library, [1.0, -2.0], [[0.5, -4.0]], lr=0.1, nesterov=True)
        np.testing.assert_allclose(theta, [0.95, -1.6], rtol=1e-15)
    with pytest.raises(ValueError, match="nesterov=True requires momentum > 0"):
        SGD.preset("pytorch", [Parameter(THETA.copy())], nesterov=True)
    with pytest.raises(ValueError, match="nesterov=True requires momentum > 0 and dampening = 0"):
        SGD([Parameter(THETA.copy())], momentum=0.9, dampening=0.1, nesterov=True, nesterov_needs_momentum=False)


@pytest.mark.parametrize(
    ("cls", "library", "setting", "match"),
    [
        (SGD, "keras", "dampening", "keras.optimizers.SGD has no dampening"),
        (SGD, "optax", "weight_decay", "optax.sgd has no weight decay"),
        (SGD, "tf1", "dampening", "MomentumOptimizer has no dampening"),
        (Adagrad, "keras", "lr_decay", "keras.optimizers.Adagrad has none"),
        (Adagrad, "optax", "weight_decay", "optax.adagrad has no weight decay"),
        (Adagrad, "tf1", "eps", "AdagradOptimizer has no epsilon"),
        (RMSProp, "optax", "weight_decay", "optax.rmsprop has no weight decay"),
        (RMSProp, "tf1", "weight_decay", "RMSPropOptimizer has no weight decay"),
        (Adadelta, "tf1", "weight_decay", "AdadeltaOptimizer has no weight decay"),
    ],
)
def test_a_setting_the_library_lacks_is_refused(cls: type, library: str, setting: str, match: str) -> None:
    with pytest.raises(ValueError, match=f"the '{library}' preset of {cls.__name__} has no '{setting}': .*{match}"):
        cls.preset(library, [Parameter(THETA.copy())], lr=0.1, **{setting: 0.1})


def test_libraries_without_a_default_lr_ask_for_one() -> None:
    for cls, library in [(SGD, "optax"), (SGD, "tf1"), (Adagrad, "optax"), (Adagrad, "tf1"), (Adadelta, "optax")]:
        with pytest.raises(ValueError, match="has no default learning rate"):
            cls.preset(library, [Parameter(THETA.copy())])
    # Keras's defaults, and TF1's Adadelta (learning_rate=0.001)
    for cls, lr in [(SGD, 1e-2), (Adagrad, 1e-3), (Adadelta, 1e-3)]:
        assert cls.preset("keras", [Parameter(THETA.copy())]).param_groups[0]["lr"] == lr
    assert Adadelta.preset("tf1", [Parameter(THETA.copy())]).param_groups[0]["lr"] == 1e-3
