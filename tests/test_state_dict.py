"""state_dict / load_state_dict and save / load: resumable bit for bit, never half-loaded."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp

CONFIGS = [
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.01}),
    (RMSProp, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (Adadelta, {}),
    (Adam, {"lr": 0.01, "amsgrad": True}),
    (AdamW, {"lr": 0.01}),
    (NAdam, {"lr": 0.01}),
    (Adamax, {"lr": 0.01}),
    (RAdam, {"lr": 0.01}),
]
IDS = [c.__name__ for c, _ in CONFIGS]


def make(opt_cls, hyper, seed=0):
    rng = np.random.default_rng(seed)
    params = [Parameter(rng.normal(size=(3, 4)), name="w"), Parameter(rng.normal(size=4), name="b")]
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": hyper.get("lr", 0.01) / 2}]
    return params, opt_cls(groups, **hyper)


def train(params, opt, steps, start):
    for t in range(start, start + steps):
        for i, p in enumerate(params):
            p.grad = 0.7 * p.data + 0.1 * np.cos(t + i + np.arange(p.data.size).reshape(p.data.shape))
        opt.step()


@pytest.mark.parametrize("opt_cls,hyper", CONFIGS, ids=IDS)
def test_resume_from_a_file_is_bit_identical(opt_cls, hyper, tmp_path):
    # Train 30 steps straight ...
    params, opt = make(opt_cls, hyper)
    train(params, opt, 30, 0)
    # ... or 12 steps, save, load into a fresh optimizer (and fresh copies of the params), 18 more.
    params2, opt2 = make(opt_cls, hyper)
    train(params2, opt2, 12, 0)
    opt2.save(tmp_path / "opt.npz")
    params3 = [Parameter(p.data.copy(), name=p.name) for p in params2]
    _, opt3 = make(opt_cls, {**hyper})
    opt3 = opt_cls([{"params": params3[:1]}, {"params": params3[1:]}], **hyper)
    opt3.load(tmp_path / "opt.npz")
    assert opt3.param_groups[1]["lr"] == opt2.param_groups[1]["lr"]  # group settings restored
    train(params3, opt3, 18, 12)
    for p, q in zip(params, params3, strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    for p, q in zip(params, params3, strict=True):
        np.testing.assert_array_equal(opt.effective_lr(p), opt3.effective_lr(q))


@pytest.mark.parametrize("opt_cls,hyper", CONFIGS, ids=IDS)
def test_state_dict_holds_plain_values_and_copies(opt_cls, hyper):
    params, opt = make(opt_cls, hyper)
    train(params, opt, 3, 0)
    sd = opt.state_dict()

    def plain(x):
        if isinstance(x, dict):
            return all(isinstance(k, (str, int)) and plain(v) for k, v in x.items())
        if isinstance(x, list):
            return all(plain(v) for v in x)
        return isinstance(x, (bool, int, float, str, np.ndarray))

    assert plain(sd)
    assert sd["state"][0]["step"] == 3
    array = next(v for v in sd["state"][0].values() if isinstance(v, np.ndarray))
    array += 1.0  # a copy: the optimizer's state is not touched
    assert not np.array_equal(array, next(v for v in opt.state[params[0]].values() if isinstance(v, np.ndarray)))


def broken(sd, edit):
    sd = json.loads(json.dumps({k: v for k, v in sd.items() if k != "state"}))
    sd["state"] = {}
    edit(sd)
    return sd


def test_load_state_dict_rejects_bad_input_and_changes_nothing():
    params, opt = make(RMSProp, {"lr": 0.01, "momentum": 0.5})
    train(params, opt, 3, 0)
    good = opt.state_dict()
    before = opt.state_dict()

    def with_state(edit):
        sd = opt.state_dict()
        edit(sd)
        return sd

    cases = [
        ({**good, "optimizer": "Adam"}, "was saved by 'Adam', cannot load it into RMSProp"),
        ({**good, "format_version": 99}, "format_version must be 1, got 99"),
        ({k: v for k, v in good.items() if k != "state"}, "state_dict keys must be"),
        ({**good, "param_groups": good["param_groups"][:1]}, "has 1 parameter groups, this optimizer has 2"),
        (with_state(lambda sd: sd["param_groups"][0].update(rho=2.0)), r"rho must be in \[0, 1\), got 2.0"),
        (
            with_state(lambda sd: sd["param_groups"][1].update(params=[5])),
            r"refers to parameters \[5\], expected \[1\]",
        ),
        (
            with_state(lambda sd: sd["state"][0].update(square_avg=np.zeros((4, 3)))),
            r"square_avg must be an array of shape \(3, 4\)",
        ),
        (with_state(lambda sd: sd["state"][0].update(square_avg=np.zeros((3, 4), np.float32))), "dtype float64"),
        (with_state(lambda sd: sd["state"][1].update(square_avg=np.full(4, np.nan))), "square_avg contains non-finite"),
        (with_state(lambda sd: sd["state"][0].pop("momentum_buffer")), "must have keys"),
        (with_state(lambda sd: sd["state"][0].update(step=-1)), "step must be a whole number >= 0, got -1"),
        (
            with_state(lambda sd: sd["state"].update({7: sd["state"][0]})),
            r"refers to parameter 7; valid indices are 0..1",
        ),
    ]
    for sd, message in cases:
        with pytest.raises(ValueError, match=message):
            opt.load_state_dict(sd)
        after = opt.state_dict()
        assert after["param_groups"] == before["param_groups"]
        for i in before["state"]:
            for key in before["state"][i]:
                np.testing.assert_array_equal(before["state"][i][key], after["state"][i][key])


def test_load_rejects_missing_foreign_and_corrupted_files(tmp_path):
    params, opt = make(Adam, {"lr": 0.01})
    train(params, opt, 2, 0)
    before = opt.state_dict()
    with pytest.raises(ValueError, match=r"could not read optimizer state from .*missing.npz"):
        opt.load(tmp_path / "missing.npz")
    corrupted = tmp_path / "corrupted.npz"
    opt.save(corrupted)
    data = corrupted.read_bytes()
    corrupted.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="could not read optimizer state"):
        opt.load(corrupted)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.zeros(3))
    with pytest.raises(ValueError, match="could not read optimizer state"):
        opt.load(foreign)
    other = tmp_path / "sgd.npz"
    params_sgd, sgd = make(SGD, {"momentum": 0.9})
    train(params_sgd, sgd, 1, 0)
    sgd.save(other)
    with pytest.raises(ValueError, match="was saved by 'SGD', cannot load it into Adam"):
        opt.load(other)
    after = opt.state_dict()
    np.testing.assert_array_equal(before["state"][0]["exp_avg"], after["state"][0]["exp_avg"])


def test_save_writes_no_pickle(tmp_path):
    params, opt = make(NAdam, {})
    train(params, opt, 2, 0)
    opt.save(tmp_path / "n.npz")
    with np.load(tmp_path / "n.npz", allow_pickle=False) as npz:  # would raise if pickled
        assert "state/0/exp_avg" in npz.files
        meta = json.loads(str(npz["__meta__"]))
    assert meta["optimizer"] == "NAdam" and meta["state"]["0"]["step"] == 2
    assert 0 < meta["state"]["0"]["mu_product"] < 1


@pytest.mark.parametrize(
    "opt_cls,key,value,message",
    [
        (Adam, "exp_avg_sq", -1.0, r"exp_avg_sq is an average of squares and cannot be negative, got -1.0"),
        (RMSProp, "square_avg", -0.5, r"square_avg is an average of squares and cannot be negative"),
        (Adagrad, "sum", -2.0, r"sum is an average of squares and cannot be negative"),
        (NAdam, "mu_product", 5.0, r"mu_product must be in \[0, 1\], got 5.0"),
        (Adam, "step", 0, r"step is 0 but state is present"),
    ],
)
def test_load_state_dict_refuses_impossible_state(opt_cls, key, value, message):
    # Each of these would make the next step divide by zero or take a root of a negative.
    params, opt = make(opt_cls, {"lr": 0.01})
    train(params, opt, 2, 0)
    before = opt.state_dict()
    bad = opt.state_dict()
    if isinstance(bad["state"][0][key], np.ndarray):
        bad["state"][0][key][...] = value
    else:
        bad["state"][0][key] = value
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(bad)
    after = opt.state_dict()["state"][0]
    for name, array in before["state"][0].items():  # nothing changed
        np.testing.assert_array_equal(after[name], array)


def test_an_array_lr_is_saved_loaded_and_copied(tmp_path):
    p = Parameter(np.ones((3, 2)))
    lrs = np.array([[0.1], [0.01], [0.001]]) * np.ones((3, 2))
    opt = RMSProp([p], lr=lrs)
    p.grad = np.ones((3, 2))
    opt.step()
    snapshot = opt.state_dict()
    assert snapshot["param_groups"][0]["lr"] is not opt.param_groups[0]["lr"]  # a copy, as documented
    opt.save(tmp_path / "sweep.npz")
    q = Parameter(p.data.copy())
    other = RMSProp([q], lr=np.ones((3, 2)))
    other.load(tmp_path / "sweep.npz")
    np.testing.assert_array_equal(other.param_groups[0]["lr"], lrs)
    p.grad = q.grad = np.ones((3, 2))
    opt.step()
    other.step()
    np.testing.assert_array_equal(p.data, q.data)


def test_save_names_a_missing_folder_and_writes_a_normal_file_mode(tmp_path):
    import os

    params, opt = make(SGD, {"momentum": 0.9})
    train(params, opt, 1, 0)
    with pytest.raises(FileNotFoundError, match=r"cannot save optimizer state to .*nodir.*o.npz.*does not exist"):
        opt.save(tmp_path / "nodir" / "o.npz")
    assert list(tmp_path.iterdir()) == []
    opt.save(tmp_path / "o.npz")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "o.npz").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_pickle_is_refused_without_suggesting_to_allow_it(tmp_path):
    import pickle

    _, opt = make(SGD, {})
    (tmp_path / "p.npz").write_bytes(pickle.dumps({"state": 1}))
    with pytest.raises(ValueError, match=r"not an .npz file written by save\(\)") as info:
        opt.load(tmp_path / "p.npz")
    assert "allow_pickle" not in str(info.value)
