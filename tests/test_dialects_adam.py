"""The Adam family's dialect presets (Adam, AdamW, NAdam, Adamax, RAdam) against the libraries.

Traces recorded from optax 0.2.8, Keras 3.15 and TF 2.21's tf.compat.v1 by
tests/reference/dialects_adam.py (float64); the tests never import those libraries.
The metric and tolerance are test_reference_traces.py's. Further down: each knob's
hand-checked first step, and the libraries' own published unit-test values reproduced
through the presets.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reference.cases import seed_of
from reference.dialects_adam import ADAM_DIALECT_CASES
from reference.problem import STEPS, replay
from test_reference_traces import TOLERANCE, worst_against

from rmsprop_edu import Parameter, optim
from rmsprop_edu.optim import Adam, Adamax, AdamW, NAdam, RAdam
from rmsprop_edu.optim.dialects import available

TRACES = np.load(Path(__file__).parent / "data" / "dialect_traces_adam.npz")
CASES = {c["name"]: c for c in ADAM_DIALECT_CASES}


def run(case: dict[str, Any], preset: str | None = None, **extra: Any) -> list[np.ndarray]:
    """``Opt.preset`` on the case's problem; each parameter's trajectory, (STEPS + 1, *shape)."""
    cls = getattr(optim, case["optimizer"])
    return replay(
        seed_of(case["name"]), case, lambda ps: cls.preset(preset or case["library"], ps, **{**case["hyper"], **extra})
    )


def worst(case: dict[str, Any], traces: list[np.ndarray]) -> float:
    return worst_against(TRACES, case, traces)


@pytest.mark.parametrize("case", ADAM_DIALECT_CASES, ids=list(CASES))
def test_preset_matches_the_real_library(case: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    if case["optimizer"] == "RAdam" and case["library"] == "optax":  # b2^t as optax computes it (below)
        monkeypatch.setattr(RAdam, "rectification", staticmethod(rectification_as_optax))
    traces = run(case)
    error = worst(case, traces)
    assert error < TOLERANCE["float64"], f"{case['name']}: worst relative error {error:.3g}"
    assert np.abs(traces[1][-1] - traces[1][0]).max() > 1e-3  # the trace really moves


def test_every_case_is_recorded_with_the_stated_versions() -> None:
    assert set(CASES) == {k.split("/")[0] for k in TRACES.files} - {"__versions__"}
    versions = str(TRACES["__versions__"])
    assert "optax 0.2.8" in versions and "keras 3.15.1" in versions and "tensorflow 2.21.0" in versions


# --------------------------------------------------------------------------- the rectification of optax
# optax.radam computes b2^t with XLA's integer power (binary exponentiation), Python with pow():
# the two differ in the last bit, and rho_t = rho_inf - 2t*b2^t/(1 - b2^t) subtracts two numbers
# near 2000, so that bit becomes ~1e-13 in r_t and up to 2.4e-10 (relative, on a coordinate
# passing near 1e-4) after 60 steps. Our RAdam keeps Python's power (torch's traces are bit-exact);
# below, b2^t is taken as optax takes it, and the preset then matches optax's trace to 1e-10.


def xla_integer_pow(x: float, n: int) -> float:
    """x**n by binary exponentiation, as XLA's integer_pow (optax: ``b2**count_inc``)."""
    acc, base = 1.0, x
    while n:
        if n & 1:
            acc *= base
        base *= base
        n >>= 1
    return acc


def rectification_as_optax(beta2: float, t: int) -> float | None:
    # optax/_src/transform.py, scale_by_radam: ro = ro_inf - 2*t*b2^t/(1 - b2^t), rectified when
    # ro >= threshold (5), r = sqrt((ro-4)(ro-2)ro_inf / ((ro_inf-4)(ro_inf-2)ro))
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    b2t = xla_integer_pow(beta2, t)
    rho_t = rho_inf - 2.0 * t * b2t / (1.0 - b2t)
    if rho_t < 5.0:
        return None
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


RADAM_OPTAX = [c for c in ADAM_DIALECT_CASES if c["optimizer"] == "RAdam"]


@pytest.mark.parametrize("case", RADAM_OPTAX, ids=[c["name"] for c in RADAM_OPTAX])
def test_radam_optax_with_our_power_is_off_by_rounding_only(case: dict[str, Any]) -> None:
    # Our RAdam as it is (Python's b2^t): within 1e-9 of optax; the rest is that bit (test below).
    assert worst(case, run(case)) < 1e-9


def test_radam_power_is_the_whole_gap() -> None:
    # both forms agree to the last few bits on every step of the recorded runs...
    for t in range(1, STEPS + 1):
        ours, theirs = RAdam.rectification(0.999, t), rectification_as_optax(0.999, t)
        assert (ours is None) == (theirs is None)
        if ours is not None and theirs is not None:
            assert abs(ours - theirs) < 2e-11 * ours  # 1.1e-11 at t = 6, where r_t is smallest
    # ...while the powers themselves differ by a few ulps (5 at most, t <= 60)
    for t in range(1, STEPS + 1):
        assert abs(xla_integer_pow(0.999, t) - 0.999**t) <= 5 * math.ulp(0.999**t)


# --------------------------------------------------------------------------- each switch matters
@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("adam_keras_large_eps", {"eps_hat": False}),  # eps on the corrected root instead
        ("adam_tf1_large_eps", {"eps_hat": False}),
        ("adamw_keras_large_eps", {"eps_hat": False}),
        ("adam_optax_eps_root", {"eps_root": 0.0}),
        ("adam_optax_amsgrad_schedule", {"amsgrad_bias_corrected": False}),  # max of v, as torch
        ("adam_keras_weight_decay", {"decoupled_weight_decay": False}),  # L2 instead
        ("adam_optax_weight_decay", {"decoupled_weight_decay": False}),
        ("nadam_optax_default", {"constant_momentum": False}),  # torch's schedule, psi = 0.004
        ("nadam_optax_eps_root", {"eps_root": 0.0}),
        ("nadam_keras_weight_decay", {"decoupled_weight_decay": False}),
        ("adamax_keras_large_eps", {"eps_outside_max": False}),
        ("adamax_keras_weight_decay", {"decoupled_weight_decay": False}),
        ("adamax_optax_weight_decay", {"decoupled_weight_decay": False}),
        ("radam_optax_large_eps", {"eps_hat": True}),  # torch's placement
    ],
)
def test_each_dialect_switch_matters(name: str, changes: dict[str, Any]) -> None:
    assert worst(CASES[name], run(CASES[name], **changes)) > 1e-3


def test_keras_nadam_is_torch_nadam_with_momentum_decay_one() -> None:
    # Keras's mu_t = beta1*(1 - 0.5*0.96^t) is torch's schedule with psi = 1: the pytorch
    # preset with Keras's numbers reproduces the Keras trace; with torch's psi it does not.
    case = CASES["nadam_keras_default"]
    keras_numbers = {"lr": 1e-3, "eps": 1e-7}
    assert worst(case, run(case, preset="pytorch", momentum_decay=1.0, **keras_numbers)) < TOLERANCE["float64"]
    assert worst(case, run(case, preset="pytorch", **keras_numbers)) > 1e-3


def test_pytorch_presets_are_the_class_defaults() -> None:
    # so the torch traces of tests/test_reference_traces.py check the pytorch presets
    for cls in (Adam, AdamW, NAdam, Adamax, RAdam):
        opt = cls.preset("pytorch", [Parameter(np.zeros(2))])
        group = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
        assert group == cls.defaults, cls.__name__


def test_which_combinations_exist() -> None:
    assert {
        cls.__name__: [lib for lib, ok in available(cls).items() if ok] for cls in (Adam, AdamW, NAdam, Adamax, RAdam)
    } == {
        "Adam": ["pytorch", "keras", "optax", "tf1"],
        "AdamW": ["pytorch", "keras", "optax"],
        "NAdam": ["pytorch", "keras", "optax"],
        "Adamax": ["pytorch", "keras", "optax"],
        "RAdam": ["pytorch", "optax"],
    }
    with pytest.raises(ValueError, match=r"keras has no RAdam"):
        RAdam.preset("keras", [Parameter(np.zeros(2))])
    with pytest.raises(ValueError, match=r"tf1 has no AdamW"):
        AdamW.preset("tf1", [Parameter(np.zeros(2))])


@pytest.mark.parametrize(
    ("cls", "library", "setting", "message"),
    [
        (Adam, "tf1", {"amsgrad": True}, r"'tf1' preset of Adam has no 'amsgrad'"),
        (Adam, "tf1", {"weight_decay": 0.1}, r"'tf1' preset of Adam has no 'weight_decay'"),
        (Adam, "keras", {"eps_root": 1e-8}, r"'keras' preset of Adam has no 'eps_root'"),
        (Adam, "pytorch", {"eps_root": 1e-8}, r"'pytorch' preset of Adam has no 'eps_root'"),
        (AdamW, "optax", {"amsgrad": True}, r"'optax' preset of AdamW has no 'amsgrad': optax.adamw"),
        (NAdam, "keras", {"momentum_decay": 4e-3}, r"'keras' preset of NAdam has no 'momentum_decay'"),
        (NAdam, "optax", {"momentum_decay": 4e-3}, r"'optax' preset of NAdam has no 'momentum_decay'"),
        (RAdam, "optax", {"weight_decay": 0.1}, r"'optax' preset of RAdam has no 'weight_decay'"),
        (Adamax, "keras", {"maximize": True}, r"'keras' preset of Adamax has no 'maximize'"),
    ],
)
def test_a_setting_the_library_lacks_is_refused(cls: type, library: str, setting: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls.preset(library, [Parameter(np.zeros(2))], lr=0.1, **setting)


@pytest.mark.parametrize(
    ("cls", "settings", "message"),
    [
        (Adam, {"eps_hat": True, "eps_root": 1e-8}, r"eps_root \(optax\) and eps_hat"),
        (Adam, {"eps_hat": True, "amsgrad": True, "amsgrad_bias_corrected": True}, r"amsgrad_bias_corrected"),
        (AdamW, {"decoupled_weight_decay": False}, r"AdamW's weight decay is always decoupled"),
        (RAdam, {"eps_root": 1e-8}, r"eps_root \(optax\) needs eps_hat=False"),
        (Adam, {"eps_root": -1.0}, r"eps_root must be in \[0, inf\), got -1"),
        (Adam, {"eps_hat": None}, r"eps_hat must be True or False, got None"),
        (Adam, {"decoupled_weight_decay": 1}, r"decoupled_weight_decay must be True or False"),
        (Adamax, {"eps_outside_max": "yes"}, r"eps_outside_max must be True or False"),
        (NAdam, {"constant_momentum": None}, r"constant_momentum must be True or False"),
        (NAdam, {"eps_root": -1e-3}, r"eps_root must be in \[0, inf\)"),
    ],
)
def test_bad_knob_values_are_refused(cls: type, settings: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls([Parameter(np.zeros(2))], **settings)


# --------------------------------------------------------------------------- first steps by hand
def steps(cls: type, grads: list[float], theta0: float = 1.0, **hyper: Any) -> tuple[list[float], Any, Parameter]:
    """theta after each of the steps with these scalar gradients; the optimizer and parameter."""
    p = Parameter(np.array([theta0]))
    opt = cls([p], **hyper)
    out = []
    for g in grads:
        p.grad = np.array([g])
        opt.step()
        out.append(float(p.data[0]))
    return out, opt, p


def test_adam_eps_hat_first_step_is_kingma_and_ba_section_2() -> None:
    # g = 0.5, lr = 0.1, eps = 0.5: m = 0.05, v = 0.001*0.25 = 2.5e-4; alpha_1 = 0.1*sqrt(0.001)/0.1
    (theta,), _, _ = steps(Adam, [0.5], lr=0.1, eps=0.5, eps_hat=True)
    alpha = 0.1 * math.sqrt(0.001) / 0.1
    assert theta == pytest.approx(1.0 - alpha * 0.05 / (math.sqrt(2.5e-4) + 0.5), rel=1e-14)
    # ...which is the default form with eps/sqrt(1 - beta2): 0.5/0.0316 = 15.8 against sqrt(v_hat) = 0.5
    (default,), _, _ = steps(Adam, [0.5], lr=0.1, eps=0.5)
    assert 1.0 - default == pytest.approx(0.1 * 0.5 / (0.5 + 0.5), rel=1e-14)
    assert (1.0 - theta) / (1.0 - default) == pytest.approx((0.5 + 0.5) / (0.5 + 0.5 / math.sqrt(0.001)), rel=1e-12)


def test_adam_eps_root_first_step() -> None:
    # v_hat = g^2 = 0.25 at the first step: denom = sqrt(0.25 + 0.75) + 1e-8 = 1 + 1e-8
    (theta,), _, _ = steps(Adam, [0.5], lr=0.1, eps_root=0.75)
    assert theta == pytest.approx(1.0 - 0.1 * 0.5 / (1.0 + 1e-8), rel=1e-14)


def test_amsgrad_bias_corrected_keeps_the_largest_v_hat() -> None:
    # g = 1 then 0: v_hat_1 = 1, v_hat_2 = 0.999e-3/(1 - 0.999^2) = 0.49975; m_hat_2 = 0.09/0.19.
    # optax.amsgrad divides by sqrt(max v_hat) = 1; torch by sqrt(max v)/sqrt(1 - 0.999^2) = 0.7073.
    lr = 0.1
    (t1, t2), _, _ = steps(Adam, [1.0, 0.0], lr=lr, amsgrad=True, amsgrad_bias_corrected=True)
    assert t1 - t2 == pytest.approx(lr * (0.09 / 0.19) / (1.0 + 1e-8), rel=1e-12)
    (u1, u2), _, _ = steps(Adam, [1.0, 0.0], lr=lr, amsgrad=True)
    assert u1 - u2 == pytest.approx(lr * (0.09 / 0.19) / (math.sqrt(0.001 / (1 - 0.999**2)) + 1e-8), rel=1e-12)


def test_adam_decoupled_weight_decay_is_adamw() -> None:
    grads = [0.3, -0.2, 0.5, 0.1]
    ours, _, _ = steps(Adam, grads, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)
    adamw, _, _ = steps(AdamW, grads, lr=0.05, weight_decay=0.1)
    assert ours == adamw  # bit for bit


def test_nadam_constant_momentum_first_step_is_optax_nesterov_adam() -> None:
    # optax.nadam: mu_hat = b1*m/(1 - b1^2) + (1 - b1)*g/(1 - b1), m = (1 - b1)*g; denom = |g| + eps
    g, b1, lr = 0.5, 0.9, 0.1
    (theta,), _, _ = steps(NAdam, [g], lr=lr, constant_momentum=True)
    mu_hat = b1 * (1 - b1) * g / (1 - b1**2) + (1 - b1) * g / (1 - b1)
    assert theta == pytest.approx(1.0 - lr * mu_hat / (g + 1e-8), rel=1e-14)


def test_nadam_eps_root_first_step() -> None:
    # v_hat = 0.25; denom = sqrt(0.25 + 0.75) + eps; with beta1 = 0 the step is lr*g/denom
    (theta,), _, _ = steps(NAdam, [0.5], lr=0.1, betas=(0.0, 0.999), eps_root=0.75)
    assert theta == pytest.approx(1.0 - 0.1 * 0.5 / (1.0 + 1e-8), rel=1e-14)


def test_adamax_eps_outside_max_first_and_second_step() -> None:
    # Keras: u_1 = |g| = 0.5, step lr/(1 - b1) * (1 - b1)*g/(u + eps) = 0.1*0.5/(0.5 + 0.25);
    # torch: u_1 = |g| + eps = 0.75, the same first step; they part when g shrinks: at g = 0.01,
    # Keras u_2 = 0.999*0.5, torch u_2 = max(0.999*0.75, 0.26) = 0.74925.
    eps, lr = 0.25, 0.1
    (k1, k2), _, _ = steps(Adamax, [0.5, 0.01], lr=lr, eps=eps, eps_outside_max=True)
    (t1, t2), _, _ = steps(Adamax, [0.5, 0.01], lr=lr, eps=eps)
    assert 1.0 - k1 == pytest.approx(0.1 * 0.5 / 0.75, rel=1e-14) and k1 == pytest.approx(t1, rel=1e-15)
    m2_hat = (0.9 * 0.05 + 0.1 * 0.01) / (1 - 0.81)
    assert k1 - k2 == pytest.approx(lr * m2_hat / (0.999 * 0.5 + eps), rel=1e-13)
    assert t1 - t2 == pytest.approx(lr * m2_hat / (0.999 * 0.75), rel=1e-13)


@pytest.mark.parametrize(
    ("cls", "hyper"),
    [
        (Adam, {"eps_hat": True, "eps": 0.3}),
        (Adam, {"eps_root": 0.2}),
        (Adam, {"amsgrad": True, "amsgrad_bias_corrected": True, "eps": 0.1}),
        (Adam, {"amsgrad": True, "eps_hat": True, "eps": 0.1}),
        (NAdam, {"constant_momentum": True, "eps": 0.1}),
        (NAdam, {"eps_root": 0.2}),
        (Adamax, {"eps_outside_max": True, "eps": 0.3}),
        (RAdam, {"eps_hat": False, "eps": 0.3}),
        (RAdam, {"eps_hat": False, "eps_root": 0.2}),
    ],
)
def test_effective_lr_is_the_step_over_the_gradient(cls: type, hyper: dict[str, Any]) -> None:
    # With beta1 = 0 the direction is the gradient itself (m_hat = g; NAdam's look-ahead too:
    # mu = 0), so the effective learning rate must be -step/g, element by element. Seven
    # steps: RAdam rectifies from the sixth on (beta2 = 0.999).
    rng = np.random.default_rng(3)
    p = Parameter(rng.normal(size=5))
    opt = cls([p], lr=0.1, betas=(0.0, 0.999), **hyper)
    for _ in range(7):
        p.grad = rng.normal(size=5)
        before = p.data.copy()
        opt.step()
    np.testing.assert_allclose(opt.effective_lr(p), (before - p.data) / p.grad, rtol=1e-12)


# --------------------------------------------------------------------------- the libraries' own tests
def apply_sequence(opt_factory: Any, grads: list[np.ndarray], theta0: np.ndarray) -> list[np.ndarray]:
    p = Parameter(theta0.astype(np.float64))
    opt = opt_factory([p])
    out = []
    for g in grads:
        p.grad = np.asarray(g, dtype=np.float64)
        opt.step()
        out.append(p.data.copy())
    return out


@pytest.mark.parametrize("cls", [Adam, AdamW, Adamax, NAdam])
def test_keras_weight_decay_test(cls: type) -> None:
    # keras/src/optimizers/{adam,adamw,adamax,nadam}_test.py, test_weight_decay: var 2, grad 0,
    # lr 1, weight_decay 0.004; three optimizers each take one step on var1 -> 1.9760959 (decimal=6)
    p = Parameter(np.array(2.0))
    for _ in range(3):
        opt = cls.preset("keras", [p], lr=1.0, weight_decay=0.004)
        p.grad = np.array(0.0)
        opt.step()
    assert float(p.data) == pytest.approx(1.9760959, abs=1e-6)


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        (Adam, [0.5, 1.5, 2.5, 3.5]),  # adam_test.py
        (AdamW, [0.4980, 1.4960, 2.494, 3.492]),  # adamw_test.py (default weight_decay 0.004)
        (Adamax, [0.5, 1.5, 2.5, 3.5]),  # adamax_test.py
        (NAdam, [0.4686, 1.4686, 2.4686, 3.4686]),  # nadam_test.py
    ],
)
def test_keras_single_step_tests(cls: type, expected: list[float]) -> None:
    # keras/src/optimizers/*_test.py, test_single_step: lr 0.5, grads [1, 6, 7, 2], vars [1, 2, 3, 4]
    (theta,) = apply_sequence(lambda ps: cls.preset("keras", ps, lr=0.5), [np.array([1.0, 6, 7, 2])], np.arange(1.0, 5))
    np.testing.assert_allclose(theta, expected, rtol=1e-4, atol=1e-4)


KERAS_GOLDEN = {
    # keras/src/optimizers/adam_test.py, test_correctness_with_golden: Adam(amsgrad=True)
    "adam": (Adam, {"amsgrad": True}, np.tile([[0.999], [0.9982], [0.9974], [0.9965], [0.9955]], (1, 10))),
    # adamw_test.py: AdamW(learning_rate=1.0, weight_decay=0.5, epsilon=2)
    "adamw": (
        AdamW,
        {"lr": 1.0, "weight_decay": 0.5, "eps": 2.0},
        np.array(
            [
                [0.4998] * 10,
                [0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382],
                [0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003],
                [0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258],
                [0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159],
            ]
        ),
    ),
    # adamax_test.py: Adamax(learning_rate=0.2, beta_1=0.85, beta_2=0.95, epsilon=1e-6)
    "adamax": (
        Adamax,
        {"lr": 0.2, "betas": (0.85, 0.95), "eps": 1e-6},
        np.array(
            [
                [0.8] * 10,
                [0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691],
                [0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466],
                [0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848],
                [0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126],
            ]
        ),
    ),
    # nadam_test.py: Nadam(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5)
    "nadam": (
        NAdam,
        {"lr": 0.5, "betas": (0.5, 0.67), "eps": 1e-5},
        np.array(
            [
                [0.4281] * 10,
                [-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717],
                [-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084],
                [-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299],
                [-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454],
            ]
        ),
    ),
}


@pytest.mark.parametrize("name", list(KERAS_GOLDEN))
def test_keras_golden_sequences(name: str) -> None:
    # test_correctness_with_golden: x = ones(10); one step with grads 0.01, then four with
    # arange(0.1, 1.1, 0.1); x checked after each of the five steps (rtol = atol = 5e-4).
    cls, hyper, golden = KERAS_GOLDEN[name]
    grads = [np.full(10, 0.01)] + [np.arange(1, 11) / 10] * 4
    thetas = apply_sequence(lambda ps: cls.preset("keras", ps, **hyper), grads, np.ones(10))
    np.testing.assert_allclose(np.stack(thetas), golden, rtol=5e-4, atol=5e-4)


def test_keras_golden_needs_the_keras_dialect() -> None:
    # The AdamW golden (eps = 2) is where eps_hat matters: with eps on the corrected root the
    # fifth row is off by far more than Keras's tolerance.
    cls, hyper, golden = KERAS_GOLDEN["adamw"]
    grads = [np.full(10, 0.01)] + [np.arange(1, 11) / 10] * 4
    thetas = apply_sequence(lambda ps: cls.preset("keras", ps, **hyper, eps_hat=False), grads, np.ones(10))
    assert np.abs(np.stack(thetas) - golden).max() > 1e-2
