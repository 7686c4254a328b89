"""Bad input gets a clear error, and a failed step changes nothing."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp

ALL = [SGD, Adagrad, RMSProp, Adadelta, Adam, AdamW, NAdam, Adamax, RAdam]

# optimizer, bad settings, the message it must give (a regular expression)
INVALID = [
    (SGD, {"lr": -0.1}, r"lr must be in \[0, inf\), got -0.1"),
    (SGD, {"lr": float("nan")}, r"lr must be finite, got nan"),
    (SGD, {"lr": "0.1"}, r"lr must be a real number, got '0.1'"),
    (SGD, {"momentum": 1.0}, r"momentum must be in \[0, 1\), got 1.0"),
    (SGD, {"momentum": -0.5}, r"momentum must be in \[0, 1\), got -0.5"),
    (SGD, {"dampening": 1.5}, r"dampening must be in \[0, 1\], got 1.5"),
    (SGD, {"nesterov": True}, r"nesterov=True requires momentum > 0 and dampening = 0"),
    (SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, r"requires momentum > 0 and dampening = 0"),
    (SGD, {"nesterov": 1}, r"nesterov must be True or False, got 1"),
    (SGD, {"weight_decay": -1e-4}, r"weight_decay must be in \[0, inf\), got -0.0001"),
    (SGD, {"lrr": 0.1}, r"SGD\(\) got unknown argument 'lrr'; allowed: "),
    (Adagrad, {"lr_decay": -1}, r"lr_decay must be in \[0, inf\), got -1"),
    (Adagrad, {"initial_accumulator_value": -0.1}, r"initial_accumulator_value must be in \[0, inf\)"),
    (Adagrad, {"eps": -1e-10}, r"eps must be in \(0, inf\), got -1e-10"),
    (Adagrad, {"eps": 0.0}, r"eps must be in \(0, inf\), got 0.0"),
    (RMSProp, {"rho": 1.5}, r"rho must be in \[0, 1\), got 1.5"),
    (RMSProp, {"rho": 1.0}, r"rho must be in \[0, 1\), got 1.0"),
    (RMSProp, {"alpha": 0.9}, r"RMSProp\(\) got unknown argument 'alpha'"),
    (RMSProp, {"eps": -1.0}, r"eps must be in \(0, inf\), got -1.0"),
    (RMSProp, {"eps": 0}, r"eps must be in \(0, inf\), got 0"),
    (Adam, {"eps": 0.0}, r"eps must be in \(0, inf\), got 0.0"),
    (Adadelta, {"eps": 0.0}, r"eps must be in \(0, inf\), got 0.0"),
    (NAdam, {"eps": 0.0}, r"eps must be in \(0, inf\), got 0.0"),
    (Adamax, {"eps": 0.0}, r"eps must be in \(0, inf\), got 0.0"),
    (RAdam, {"eps": 0.0}, r"eps must be in \(0, inf\), got 0.0"),
    (RMSProp, {"centered": "yes"}, r"centered must be True or False, got 'yes'"),
    (RMSProp, {"initial_square_avg": -1.0}, r"initial_square_avg must be in \[0, inf\)"),
    (Adadelta, {"rho": -0.1}, r"rho must be in \[0, 1\), got -0.1"),
    (Adam, {"betas": (0.9, 1.0)}, r"betas\[1\] must be in \[0, 1\), got 1.0"),
    (Adam, {"betas": (-0.1, 0.999)}, r"betas\[0\] must be in \[0, 1\), got -0.1"),
    (Adam, {"betas": 0.9}, r"betas must be a pair \(beta1, beta2\)"),
    (Adam, {"amsgrad": None}, r"amsgrad must be True or False, got None"),
    (AdamW, {"weight_decay": -0.01}, r"weight_decay must be in \[0, inf\)"),
    (NAdam, {"momentum_decay": -1}, r"momentum_decay must be in \[0, inf\)"),
    (Adamax, {"betas": (0.9,)}, r"betas must be a pair"),
    (RAdam, {"eps": float("inf")}, r"eps must be finite, got inf"),
]


@pytest.mark.parametrize("opt_cls,settings,message", INVALID, ids=[f"{c.__name__}-{s}" for c, s, _ in INVALID])
def test_invalid_settings_raise_a_clear_error(opt_cls, settings, message):
    with pytest.raises(ValueError, match=message):
        opt_cls([Parameter(np.zeros(2))], **settings)


@pytest.mark.parametrize("opt_cls,settings,message", INVALID, ids=[f"{c.__name__}-{s}" for c, s, _ in INVALID])
def test_invalid_settings_in_a_group_raise_too(opt_cls, settings, message):
    if "unknown argument" in message:
        message = "unknown argument"
    with pytest.raises(ValueError, match=message):
        opt_cls([{"params": [Parameter(np.zeros(2))], **settings}])


def test_every_hyperparameter_has_a_check():
    for opt_cls in ALL:
        assert set(opt_cls.checks) == set(opt_cls.defaults), opt_cls.__name__


def test_rmsprop_preset_errors():
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match=r"preset must be one of 'pytorch', 'keras', 'optax', 'tf1', 'hinton'"):
        RMSProp.preset("caffe", [p])
    with pytest.raises(ValueError, match=r"the 'optax' preset has no default learning rate"):
        RMSProp.preset("optax", [p])


def test_params_must_be_parameters():
    with pytest.raises(TypeError, match="params must be Parameters or parameter-group dicts, got ndarray"):
        SGD([np.zeros(3)])
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="appears more than once"):
        SGD([{"params": [p]}, {"params": [p]}])


def test_integer_data_is_refused():
    with pytest.raises(TypeError, match="data must be a floating-point array, got dtype int64"):
        Parameter(np.array([1, 2, 3]))
    p = Parameter(np.zeros(3), name="w")
    opt = SGD([p], lr=0.1)
    p.data = np.array([1, 2, 3])
    p.grad = np.ones(3)
    with pytest.raises(TypeError, match=r"parameter 'w' .* must hold a floating-point ndarray"):
        opt.step()


def make_two(opt_cls, **hyper):
    a = Parameter(np.array([1.0, 2.0]), name="a")
    b = Parameter(np.array([[3.0, 4.0]]), name="b")
    opt = opt_cls([a, b], **hyper)
    for _ in range(3):  # build up some state first
        a.grad, b.grad = np.array([0.1, -0.2]), np.array([[0.3, 0.4]])
        opt.step()
    return a, b, opt


def snapshot(a, b, opt):
    return a.data.copy(), b.data.copy(), opt.state_dict()


def assert_same(before, after):
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    sd0, sd1 = before[2], after[2]
    assert sd0["param_groups"] == sd1["param_groups"]
    assert sd0["state"].keys() == sd1["state"].keys()
    for i in sd0["state"]:
        for key, value in sd0["state"][i].items():
            np.testing.assert_array_equal(value, sd1["state"][i][key])


# a wrong shape or dtype is refused where it is assigned (Parameter.grad checks it), the
# values when the step reads them; either way nothing moves
BAD_GRADS = [
    (
        np.array([[0.1, 0.2, 0.3]]),
        ValueError,
        r"parameter 'b': gradient shape \(1, 3\) does not match parameter shape \(1, 2\)",
    ),
    (
        np.array([[1, 2]]),
        TypeError,
        r"parameter 'b': gradient dtype int64 does not match parameter dtype float64; convert it",
    ),
    (np.array([[np.nan, 1.0]]), FloatingPointError, r"parameter 'b' \(index 1\): gradient has 1 non-finite value"),
    (
        np.array([[np.inf, -np.inf]]),
        FloatingPointError,
        r"gradient has 2 non-finite value\(s\) \(nan or inf\); nothing was updated",
    ),
    ([[0.1, 0.2, 0.3]], ValueError, r"parameter 'b': gradient shape \(1, 3\) does not match parameter shape"),
]


@pytest.mark.parametrize("opt_cls", ALL, ids=[c.__name__ for c in ALL])
@pytest.mark.parametrize("grad,error,message", BAD_GRADS, ids=["shape", "dtype", "nan", "inf", "list"])
def test_a_bad_gradient_changes_nothing(opt_cls, grad, error, message):
    a, b, opt = make_two(opt_cls)
    before = snapshot(a, b, opt)
    a.grad = np.array([0.5, 0.5])  # a is fine and comes first: it must not be updated either
    with pytest.raises(error, match=message):
        b.grad = grad
        opt.step()
    assert_same(before, snapshot(a, b, opt))


def test_data_reshaped_after_its_gradient_was_set_stops_the_step():
    a, b, opt = make_two(Adam)
    before = snapshot(a, b, opt)
    a.grad, b.grad = np.array([0.5, 0.5]), np.array([[0.5, 0.5]])
    b.data = np.zeros((2, 1))
    with pytest.raises(ValueError, match=r"parameter 'b' \(index 1\): gradient shape \(1, 2\) does not match"):
        opt.step()
    b.data = before[1].copy()
    assert_same(before, snapshot(a, b, opt))


@pytest.mark.parametrize("opt_cls", ALL, ids=[c.__name__ for c in ALL])
def test_a_bad_hyperparameter_set_between_steps_changes_nothing(opt_cls):
    a, b, opt = make_two(opt_cls)
    before = snapshot(a, b, opt)
    opt.param_groups[0]["lr"] = -1.0  # e.g. a broken schedule
    a.grad, b.grad = np.array([0.5, 0.5]), np.array([[0.5, 0.5]])
    with pytest.raises(ValueError, match=re.escape("lr must be in [0, inf), got -1.0")):
        opt.step()
    opt.param_groups[0]["lr"] = before[2]["param_groups"][0]["lr"]
    assert_same(before, snapshot(a, b, opt))


def test_parameters_without_gradient_are_skipped():
    a, b = Parameter(np.array([1.0])), Parameter(np.array([2.0]))
    opt = Adam([a, b], lr=0.1)
    a.grad = np.array([1.0])
    opt.step()
    assert b.data[0] == 2.0 and b not in opt.state
    assert np.isnan(opt.effective_lr(b)).all()  # no step taken: nothing applied yet
    assert a.data[0] == pytest.approx(0.9)


def test_effective_lr_before_the_first_step_is_nan_and_keeps_dtype():
    p = Parameter(np.zeros((2, 3), dtype=np.float32))
    rate = RMSProp([p]).effective_lr(p)
    assert rate.shape == (2, 3) and rate.dtype == np.float32 and np.isnan(rate).all()


@pytest.mark.parametrize("opt_cls", ALL, ids=[c.__name__ for c in ALL])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(opt_cls, dtype):
    p = Parameter(np.linspace(-1, 1, 40000, dtype=dtype).reshape(200, 200))  # more than one chunk
    opt = opt_cls([p], weight_decay=0.01, maximize=True) if opt_cls is not SGD else opt_cls([p], momentum=0.9)
    for _ in range(3):
        p.grad = (0.5 * p.data).astype(dtype)
        opt.step()
    assert p.data.dtype == dtype
    assert opt.effective_lr(p).dtype == dtype
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == dtype


def test_grad_is_not_modified_by_maximize_or_weight_decay():
    p = Parameter(np.array([1.0, 2.0]))
    g = np.array([0.5, -0.5])
    p.grad = g.copy()
    Adam([p], maximize=True, weight_decay=0.1).step()
    np.testing.assert_array_equal(p.grad, g)


def test_zero_grad_sets_none_or_zeros():
    p = Parameter(np.ones(2))
    opt = SGD([p])
    p.grad = np.ones(2)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad, 0.0)
    opt.zero_grad()
    assert p.grad is None


def test_eps_zero_would_turn_a_zero_gradient_into_nan():
    # Why eps > 0 is enforced: with eps = 0 a coordinate whose gradient has always been 0
    # divides 0 by sqrt(0). Computed by hand with NumPy, this is the nan the check prevents.
    with np.errstate(invalid="ignore"):
        assert np.isnan(np.float64(0.0) / (np.sqrt(0.0) + 0.0))
    p = Parameter(np.ones(2))
    opt = Adam([p], eps=1e-12)  # the smallest eps is still fine
    p.grad = np.zeros(2)
    opt.step()
    np.testing.assert_array_equal(p.data, [1.0, 1.0])


def test_construction_mistakes_get_a_sentence():
    w, v = Parameter(np.zeros(2)), Parameter(np.zeros(3))
    with pytest.raises(
        TypeError, match=r"Adam\(\) takes a list of Parameters, got a single Parameter: write Adam\(\[p\]\)"
    ):
        Adam(w)
    with pytest.raises(TypeError, match=r"params mixes Parameters and parameter-group dicts"):
        Adam([w, {"params": [v]}])
    with pytest.raises(TypeError, match=r"a parameter group's 'params' must be a list of Parameters, got NoneType"):
        Adam([{"params": None}])
    with pytest.raises(TypeError, match=r"params must be a list of Parameters or of parameter-group dicts, got dict"):
        Adam({"params": [w]})


def test_a_float32_gradient_whose_square_overflows_is_refused_and_nothing_moves():
    # 1e20 squared is 1e40, beyond float32's max 3.4e38: the state would become inf for good.
    a, b = Parameter(np.ones(2, np.float32)), Parameter(np.ones(2, np.float32))
    opt = RMSProp([a, b])
    a.grad, b.grad = np.ones(2, np.float32), np.ones(2, np.float32)
    opt.step()
    before = (a.data.copy(), b.data.copy(), opt.state_dict())
    a.grad = np.ones(2, np.float32)
    b.grad = np.array([1e20, 1.0], np.float32)
    with pytest.raises(FloatingPointError, match=r"gradient entries up to 1e\+20 overflow float32 when squared"):
        opt.step()
    np.testing.assert_array_equal(a.data, before[0])
    np.testing.assert_array_equal(b.data, before[1])
    after = opt.state_dict()
    assert [s["step"] for s in after["state"].values()] == [1, 1]
    np.testing.assert_array_equal(after["state"][0]["square_avg"], before[2]["state"][0]["square_avg"])
    # SGD and Adamax never square the gradient: the same gradient is a legal step for them
    p = Parameter(np.ones(2, np.float32))
    sgd = SGD([p], lr=1e-21)
    p.grad = np.array([1e20, 1.0], np.float32)
    sgd.step()
    np.testing.assert_allclose(p.data, [0.9, 1.0], rtol=1e-6)


def test_a_read_only_parameter_stops_the_step_before_anything_moves():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = Adam([a, b])
    a.grad, b.grad = np.ones(2), np.ones(2)
    frozen = np.ones(2)
    frozen.flags.writeable = False
    b.data = frozen
    with pytest.raises(ValueError, match=r"parameter 1: .data is read-only"):
        opt.step()
    np.testing.assert_array_equal(a.data, [1.0, 1.0])
    assert opt.state == {}


def test_changing_a_parameters_dtype_after_its_first_step_is_an_error():
    p = Parameter(np.ones(2))
    opt = RMSProp([p])
    p.grad = np.ones(2)
    opt.step()
    p.data = p.data.astype(np.float32)
    p.grad = np.ones(2, np.float32)
    with pytest.raises(TypeError, match=r"dtype float32 no longer matches its state square_avg \(float64\)"):
        opt.step()


def test_effective_lr_of_a_foreign_parameter_is_an_error():
    opt = RMSProp([Parameter(np.ones(2))])
    with pytest.raises(ValueError, match="is not managed by this optimizer"):
        opt.effective_lr(Parameter(np.ones(2)))


def test_a_misspelled_key_set_between_steps_is_an_error():
    p = Parameter(np.ones(2))
    opt = SGD([p], lr=0.1)
    opt.param_groups[0]["momentun"] = 0.9
    p.grad = np.ones(2)
    with pytest.raises(ValueError, match=r"SGD parameter group 0 got unknown argument 'momentun'; allowed: "):
        opt.step()
    np.testing.assert_array_equal(p.data, [1.0, 1.0])
