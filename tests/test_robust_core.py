"""Robustness of the optimizer core: gradients of every form a student writes, torch-valid
hyperparameters, float16, bad files, sweep == run_trajectory bit for bit, momentum switched
on mid-run. Every expected value is derived by hand in the test (or computed in float64 here),
never read back from the implementation."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rmsprop_edu import Parameter, run_trajectory, surfaces, sweep
from rmsprop_edu.optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp

ALL = [SGD, Adagrad, RMSProp, Adadelta, Adam, AdamW, NAdam, Adamax, RAdam]
ADAPTIVE = [Adagrad, RMSProp, Adadelta, Adam, AdamW, NAdam, Adamax, RAdam]


def snapshot(params, opt):
    return [p.data.copy() for p in params], opt.state_dict()


def assert_unchanged(before, params, opt):
    for old, p in zip(before[0], params, strict=True):
        np.testing.assert_array_equal(old, p.data)
    after = opt.state_dict()
    assert before[1]["param_groups"] == after["param_groups"]
    assert before[1]["state"].keys() == after["state"].keys()
    for i, entry in before[1]["state"].items():
        assert entry.keys() == after["state"][i].keys()
        for key, value in entry.items():
            np.testing.assert_array_equal(value, after["state"][i][key])


# ------------------------------------------------------------------- item 1: gradient forms
def test_a_scalar_parameter_steps_with_the_numpy_scalar_that_arithmetic_returns():
    p = Parameter(3.0)
    opt = SGD([p], lr=0.1)
    p.grad = 2 * p.data  # arithmetic on a 0-d array gives np.float64, not an ndarray
    opt.step()
    assert p.data.shape == () and p.data.dtype == np.float64
    assert float(p.data) == pytest.approx(3.0 - 0.1 * 6.0, abs=1e-15)  # theta - lr*g, by hand


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_numpy_float_scalar_is_a_parameter_of_its_own_dtype(dtype):
    p = Parameter(dtype(2.0))
    assert p.data.shape == () and p.data.dtype == dtype and p.data.flags.writeable
    p.grad = 2 * p.data  # a NumPy scalar of the same dtype
    assert isinstance(p.grad, np.ndarray) and p.grad.dtype == dtype and float(p.grad) == 4.0
    SGD([p], lr=0.25).step()
    assert p.data.dtype == dtype and float(p.data) == 1.0  # 2 - 0.25*4, exact in every dtype


def test_integer_scalar_data_is_still_refused_with_a_message():
    with pytest.raises(TypeError, match=r"data must be a floating-point array, got dtype int64; convert it first"):
        Parameter(3)


@pytest.mark.parametrize(
    "given,expected",
    [
        (0.5, 0.5),  # a Python float
        (2, 2.0),  # a Python int
        (np.float32(0.25), 0.25),  # a NumPy scalar of the parameter's dtype
    ],
    ids=["float", "int", "numpy-scalar"],
)
def test_python_and_numpy_numbers_are_gradients_of_a_scalar_parameter(given, expected):
    p = Parameter(np.float32(1.0))
    p.grad = given
    assert isinstance(p.grad, np.ndarray) and p.grad.shape == () and p.grad.dtype == np.float32
    assert float(p.grad) == expected


def test_a_python_number_takes_the_parameters_dtype():
    p = Parameter(np.zeros((), np.float32))
    p.grad = 0.1
    assert p.grad.dtype == np.float32 and p.grad == np.float32(0.1)  # rounded once, to float32


def test_a_nested_list_of_the_parameters_shape_is_a_gradient():
    p = Parameter(np.zeros((2, 2), np.float32), name="w")
    opt = SGD([p], lr=0.5)
    p.grad = [[1, 2.0], [np.float64(3.0), -4]]
    assert p.grad.dtype == np.float32 and p.grad.shape == (2, 2)
    opt.step()
    np.testing.assert_array_equal(p.data, [[-0.5, -1.0], [-1.5, 2.0]])  # 0 - 0.5*g, by hand


def test_an_ndarray_of_the_right_shape_and_dtype_is_kept_without_a_copy():
    p = Parameter(np.zeros(3))
    g = np.ones(3)
    p.grad = g
    assert p.grad is g
    view = np.ones((3, 2))[:, 0]  # non-contiguous, still no copy
    p.grad = view
    assert p.grad is view


BAD_ASSIGNMENTS = [
    (
        np.ones(3),
        ValueError,
        r"parameter 'w': gradient shape \(3,\) does not match parameter shape \(2,\)",
    ),
    (
        np.ones(2, np.float32),
        TypeError,
        r"parameter 'w': gradient dtype float32 does not match parameter dtype float64; "
        r"convert it: g\.astype\(np\.float64\)",
    ),
    (
        0.5,
        ValueError,
        r"gradient shape \(\) does not match parameter shape \(2,\); "
        r"for the same value everywhere write np\.full\(\(2,\), g\)",
    ),
    ([1.0, 2.0, 3.0], ValueError, r"gradient shape \(3,\) does not match parameter shape \(2,\)"),
    ([[1.0], [2.0, 3.0]], ValueError, r"parameter 'w': could not read the gradient list \[\[1.0\], \[2.0, 3.0\]\]"),
    (["a", "b"], TypeError, r"parameter 'w': a gradient must hold numbers, got \['a', 'b'\]"),
    (True, TypeError, r"parameter 'w': a gradient must hold numbers, got True"),
    ("0.5", TypeError, r"parameter 'w': \.grad must be an ndarray of shape \(2,\) and dtype float64"),
    (np.array([1, 2]), TypeError, r"gradient dtype int64 does not match parameter dtype float64"),
]


@pytest.mark.parametrize("grad,error,message", BAD_ASSIGNMENTS)
def test_a_bad_gradient_is_refused_where_it_is_assigned(grad, error, message):
    p = Parameter(np.zeros(2), name="w")
    good = np.ones(2)
    p.grad = good
    with pytest.raises(error, match=message):
        p.grad = grad
    assert p.grad is good  # the failed assignment changed nothing


def test_a_numpy_scalar_of_another_dtype_is_refused_like_an_array_of_another_dtype():
    p = Parameter(np.float64(1.0), name="s")
    with pytest.raises(
        TypeError, match=r"parameter 's': gradient dtype float32 does not match parameter dtype float64; convert it"
    ):
        p.grad = np.float32(1.0)
    assert p.grad is None


def test_a_python_number_that_overflows_float16_is_refused():
    p = Parameter(np.zeros(2, np.float16), name="h")
    with pytest.raises(ValueError, match=r"parameter 'h': gradient value\(s\) beyond float16's largest 65504"):
        p.grad = [1e6, 0.0]
    assert p.grad is None


def test_accumulate_grad_still_sums_and_adopts_owned_arrays():
    p = Parameter(np.zeros(3, np.float32))
    fresh = np.ones(3, np.float32)
    p.accumulate_grad(fresh, owned=True)
    assert p.grad is fresh
    p.accumulate_grad(np.full(3, 2.0))  # float64 input is added into the float32 gradient
    np.testing.assert_array_equal(p.grad, [3.0, 3.0, 3.0])
    assert p.grad.dtype == np.float32
    with pytest.raises(ValueError, match=r"gradient shape \(2,\) does not match parameter shape \(3,\)"):
        p.accumulate_grad(np.ones(2))


# ------------------------------------------------------------- item 5: torch-valid hyperparameters
def test_a_0d_array_lr_and_array_betas_are_accepted():
    p = Parameter(np.array([1.0, -2.0]))
    opt = Adam([p], lr=np.array(0.1), betas=np.array([0.9, 0.999]))
    group = opt.param_groups[0]
    assert type(group["lr"]) is float and group["lr"] == 0.1
    assert group["betas"] == (0.9, 0.999) and all(type(b) is float for b in group["betas"])
    p.grad = np.array([0.5, -4.0])
    opt.step()
    # Adam's first step by hand: m_hat = g, v_hat = g^2, theta <- theta - lr*g/(|g| + eps)
    np.testing.assert_allclose(p.data, [1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 + 0.1 * 4.0 / (4.0 + 1e-8)], rtol=1e-15)


def test_0d_arrays_are_accepted_for_every_real_hyperparameter():
    p = Parameter(np.array([1.0]))
    opt = SGD([p], lr=np.array(1), momentum=np.array(0.5, np.float32), dampening=np.array(0.0))
    assert opt.param_groups[0]["lr"] == 1.0 and opt.param_groups[0]["momentum"] == 0.5
    p.grad = np.array([1.0])
    opt.step()
    p.grad = np.array([1.0])
    opt.step()
    assert p.data[0] == 1.0 - 1.0 - 1.5  # b1 = 1, b2 = 0.5*1 + 1 = 1.5


@pytest.mark.parametrize(
    "hyper,message",
    [
        ({"lr": np.array(-0.1)}, r"lr must be in \[0, inf\), got array\(-0.1\)"),
        ({"lr": np.array(True)}, r"lr must be a real number, got array\(True\)"),
        ({"betas": np.array([0.9, 1.0])}, r"betas\[1\] must be in \[0, 1\), got 1.0"),
        ({"betas": np.array([0.9])}, r"betas must be a pair \(beta1, beta2\) with each in \[0, 1\)"),
        ({"betas": np.array([[0.9, 0.999]])}, r"betas must be a pair \(beta1, beta2\)"),
    ],
)
def test_bad_array_hyperparameters_still_get_a_sentence(hyper, message):
    with pytest.raises(ValueError, match=message):
        Adam([Parameter(np.zeros(2))], **hyper)


def test_an_array_lr_of_the_parameters_shape_stays_an_array():
    p = Parameter(np.zeros(3))
    lr = np.array([0.1, 0.2, 0.3])
    opt = SGD([p], lr=lr)
    assert opt.param_groups[0]["lr"] is lr
    p.grad = np.ones(3)
    opt.step()
    np.testing.assert_array_equal(p.data, [-0.1, -0.2, -0.3])


# ------------------------------------------------------------------------- item 8: float16
def test_float16_cannot_hold_the_default_eps():
    # why the check exists, shown with plain NumPy: 1e-8 rounds to 0 in float16, and then a
    # coordinate whose gradient is 0 divides 0 by sqrt(0) + 0
    assert np.float16(1e-8) == 0 and np.float16(1e-10) == 0
    with np.errstate(invalid="ignore"):
        assert np.isnan(np.float16(0) / (np.sqrt(np.float16(0)) + np.float16(1e-8)))
    # RAdam divides sqrt(1 - beta2^t) by sqrt(v) + eps before multiplying by m: a surviving
    # but tiny eps overflows to inf, and inf * 0 is nan
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(np.float16(1) / np.float16(1e-6) * np.float16(0))


@pytest.mark.parametrize("opt_cls", ADAPTIVE, ids=[c.__name__ for c in ADAPTIVE])
def test_float16_never_turns_a_zero_gradient_into_a_silent_nan(opt_cls):
    p = Parameter(np.array([1.0, -1.0], np.float16), name="h")
    # a step float16 can see (its ulp at 1 is ~1e-3); no weight decay, so a zero gradient means no move
    opt = opt_cls([p], lr=1.0 if opt_cls is Adadelta else 0.1, weight_decay=0.0)
    before = snapshot([p], opt)
    p.grad = np.array([0.0, 0.5], np.float16)
    try:
        opt.step()
    except ValueError as error:
        message = str(error)
        assert re.search(r"parameter 'h' \(index 0\): eps=\S+ is too small for float16", message), message
        assert_unchanged(before, [p], opt)
        suggested = float(re.search(r"use eps >= (\S+) \(or float32 parameters\)$", message).group(1))
        opt.param_groups[0]["eps"] = suggested  # the eps the message names must work
        opt.step()
    assert np.isfinite(p.data).all(), p.data
    assert p.data[0] == np.float16(1.0)  # zero gradient: no move
    assert p.data[1] < -1.0  # a positive gradient moves the coordinate down


@pytest.mark.parametrize(
    "opt_cls,eps,ok",
    [
        (Adam, 1e-8, False),
        (Adam, 6e-8, True),  # above float16's smallest positive 5.96e-8: 0/eps = 0
        (Adagrad, 1e-10, False),
        (Adadelta, 1e-6, True),  # Adadelta's default survives in float16
        (RAdam, 1e-6, False),  # survives, but 1/eps overflows float16
        (RAdam, 2e-5, True),
    ],
)
def test_float16_eps_threshold(opt_cls, eps, ok):
    p = Parameter(np.zeros(2, np.float16))
    opt = opt_cls([p], eps=eps)
    for _ in range(7):  # RAdam's rectified branch starts at step 6
        p.grad = np.array([0.0, 0.25], np.float16)
        if ok:
            opt.step()
            assert np.isfinite(p.data).all() and p.data[0] == 0
        else:
            with pytest.raises(ValueError, match=rf"eps={eps:g} is too small for float16"):
                opt.step()
            assert opt.state == {}
            return


@pytest.mark.parametrize(
    "dtype,lr,message",
    [
        (np.float16, 1e5, r"parameter 0: lr=100000 does not fit float16 \(largest 65504\)"),
        (np.float16, 1e-8, r"parameter 0: lr=1e-08 rounds to 0 in float16, so the step would do nothing; use lr >= "),
        (np.float32, 1e-46, r"lr=1e-46 rounds to 0 in float32"),
    ],
)
def test_an_lr_the_parameters_dtype_cannot_hold_is_refused(dtype, lr, message):
    # lr enters the update in the parameter's dtype: 1e5 is inf in float16 (and inf * 0 = nan),
    # 1e-8 is 0 in float16
    with np.errstate(over="ignore"):
        assert np.isinf(np.float16(1e5)) and np.float16(1e-8) == 0 and np.float32(1e-46) == 0
    p = Parameter(np.ones(2, dtype))
    opt = SGD([p], lr=lr)
    p.grad = np.array([0.0, 1.0], dtype)
    with pytest.raises(ValueError, match=message):
        opt.step()
    np.testing.assert_array_equal(p.data, [1.0, 1.0])


def test_float32_and_float64_keep_tiny_eps():
    for dtype in (np.float32, np.float64):
        p = Parameter(np.zeros(2, dtype))
        opt = Adam([p], eps=1e-30)
        p.grad = np.array([0.0, 1.0], dtype)
        opt.step()
        assert p.data[0] == 0 and p.data[1] == pytest.approx(-1e-3, rel=1e-6)  # lr*g/(|g| + eps)


# ---------------------------------------------------------------------------- item 9: files
def test_loading_a_npy_file_is_a_value_error_and_changes_nothing(tmp_path):
    p = Parameter(np.ones(2))
    opt = Adam([p], lr=0.1)
    p.grad = np.ones(2)
    opt.step()
    before = snapshot([p], opt)
    path = tmp_path / "x.npy"
    np.save(path, np.arange(3.0))
    with pytest.raises(ValueError, match=r"x\.npy' holds one array \(written by np\.save\), not an \.npz"):
        opt.load(path)
    assert_unchanged(before, [p], opt)


@pytest.mark.parametrize("bad", [5, None, "01", [0.5]])
def test_a_state_dict_group_whose_params_is_not_a_list_of_indices_is_a_value_error(bad):
    p = Parameter(np.ones(2))
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(2)
    opt.step()
    before = snapshot([p], opt)
    sd = opt.state_dict()
    sd["param_groups"][0]["params"] = bad
    with pytest.raises(ValueError, match=r"state_dict parameter group 0: params must be a list of parameter indices"):
        opt.load_state_dict(sd)
    assert_unchanged(before, [p], opt)


def test_add_param_group_with_params_an_int_is_a_type_error_and_adds_nothing():
    # as the constructor and torch do: the wrong kind of object is a TypeError (documented)
    p = Parameter(np.ones(2))
    opt = SGD([p], lr=0.1)
    with pytest.raises(TypeError, match=r"a parameter group's 'params' must be a list of Parameters, got int"):
        opt.add_param_group({"params": 5})
    assert len(opt.param_groups) == 1


# ------------------------------------------------------------ item 10: sweep == run_trajectory
SWEEP_CASES = [
    (SGD, {"momentum": 0.9, "nesterov": True}),
    (SGD, {"momentum": 0.9, "dampening": 0.2, "weight_decay": 0.1}),
    (Adagrad, {"lr_decay": 0.01}),
    (RMSProp, {"centered": True, "momentum": 0.5}),
    (RMSProp, {"bias_correction": True, "eps_in_sqrt": True, "lr_in_momentum": True, "momentum": 0.5}),
    (Adadelta, {"weight_decay": 0.1}),
    (Adam, {}),
    (Adam, {"amsgrad": True, "weight_decay": 0.1}),
    (AdamW, {}),
    (NAdam, {}),
    (NAdam, {"decoupled_weight_decay": True, "weight_decay": 0.1}),
    (Adamax, {}),
    (RAdam, {}),
    (RAdam, {"decoupled_weight_decay": True, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "opt_cls,hyper", SWEEP_CASES, ids=[f"{c.__name__}-{'-'.join(h) or 'default'}" for c, h in SWEEP_CASES]
)
def test_sweep_equals_run_trajectory_bit_for_bit(opt_cls, hyper, dtype):
    # a start near 0 (small ulps) makes a one-ulp difference in any lr-dependent factor visible
    surface = surfaces.noisy(surfaces.get("rosenbrock"), 0.3, seed=1)
    lrs = np.array([0.0013, 0.0029, 0.0071, 0.023, 0.11])
    start = np.array([0.01, -0.02], dtype)
    result = sweep(surface, opt_cls, 25, lrs=lrs, starts=start, **hyper)
    assert result.paths is not None and result.paths.dtype == dtype
    for i, lr in enumerate(lrs):
        single = run_trajectory(surface, opt_cls, 25, start=start, lr=lr, **hyper)
        np.testing.assert_array_equal(result.paths[:, i], single.points)
        np.testing.assert_array_equal(result.effective_lr[:, i], single.effective_lr)


@pytest.mark.parametrize(
    "opt_cls,hyper", SWEEP_CASES, ids=[f"{c.__name__}-{'-'.join(h) or 'default'}" for c, h in SWEEP_CASES]
)
def test_an_array_lr_gives_each_element_what_its_scalar_lr_gives(opt_cls, hyper):
    # the invariant under sweep(): element i of an (R, n) parameter with an (R, n) lr array moves
    # exactly as a lone (n,) parameter with the scalar lr[i]; lr given in float64 acts as its
    # float32 rounding, as a scalar lr does
    rng = np.random.default_rng(3)
    lrs = np.exp(rng.uniform(np.log(1e-4), np.log(0.1), 12))
    start = (0.01 * rng.normal(size=(12, 3))).astype(np.float32)
    grads = [(rng.normal(size=(12, 3)) * np.exp(rng.normal(size=(12, 3)))).astype(np.float32) for _ in range(8)]
    many = Parameter(start.copy())
    opt = opt_cls([many], lr=np.repeat(lrs[:, None], 3, axis=1), **hyper)
    for g in grads:
        many.grad = g
        opt.step()
    for i, lr in enumerate(lrs):
        one = Parameter(start[i].copy())
        single = opt_cls([one], lr=lr, **hyper)
        for g in grads:
            one.grad = g[i].copy()
            single.step()
        np.testing.assert_array_equal(many.data[i], one.data, err_msg=f"row {i}, lr={lr}")
        np.testing.assert_array_equal(opt.effective_lr(many)[i], single.effective_lr(one))


# -------------------------------------------------------- item 11: momentum switched on mid-run
def test_sgd_momentum_switched_on_mid_run_starts_its_buffer_at_the_gradient():
    p = Parameter(np.array([1.0]))
    opt = SGD([p], lr=0.1, momentum=0.0, dampening=0.5)
    p.grad = np.array([1.0])
    opt.step()  # theta = 1 - 0.1*1 = 0.9
    opt.param_groups[0]["momentum"] = 0.9
    p.grad = np.array([2.0])
    opt.step()  # torch: buf = clone(g) = 2 (no dampening at creation); theta = 0.9 - 0.1*2 = 0.7
    assert p.data[0] == pytest.approx(0.7, abs=1e-15)
    p.grad = np.array([1.0])
    opt.step()  # buf = 0.9*2 + (1 - 0.5)*1 = 2.3; theta = 0.7 - 0.23 = 0.47
    assert p.data[0] == pytest.approx(0.47, abs=1e-15)
    assert set(opt.state_dict()["state"][0]) == {"step", "momentum_buffer"}
    # switched off, the buffer is kept; switched on again it resumes (torch keeps the buffer too)
    opt.param_groups[0]["momentum"] = 0.0
    p.grad = np.array([1.0])
    opt.step()  # theta = 0.47 - 0.1 = 0.37
    opt.param_groups[0]["momentum"] = 0.5
    p.grad = np.array([1.0])
    opt.step()  # buf = 0.5*2.3 + 0.5*1 = 1.65; theta = 0.37 - 0.165 = 0.205
    assert p.data[0] == pytest.approx(0.205, abs=1e-15)


def test_sgd_momentum_from_the_first_step_still_starts_at_the_gradient():
    p = Parameter(np.array([0.0]))
    opt = SGD([p], lr=1.0, momentum=0.5, dampening=0.5)
    p.grad = np.array([1.0])
    opt.step()  # buf = 1
    p.grad = np.array([1.0])
    opt.step()  # buf = 0.5*1 + 0.5*1 = 1
    assert p.data[0] == -2.0


def test_settings_are_checked_again_whenever_they_change_between_steps():
    # step() skips re-checking a group whose settings are the very objects it checked last time;
    # any new value (a float, a tuple) and any array lr (mutable in place) must be checked again.
    p = Parameter(np.ones(2))
    opt = Adam([p], lr=np.full(2, 0.1))
    p.grad = np.ones(2)
    opt.step()
    opt.param_groups[0]["lr"][1] = -1.0  # changed in place: same object
    before = p.data.copy()
    with pytest.raises(ValueError, match="lr given as an array must hold finite floats in"):
        opt.step()
    np.testing.assert_array_equal(p.data, before)
    opt.param_groups[0]["lr"] = 0.1
    opt.step()
    opt.param_groups[0]["betas"] = (0.9, 1.5)
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\), got 1.5"):
        opt.step()
