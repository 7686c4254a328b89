"""Robustness of everything around the optimizers: fit, layers, schedules, sweeps, tuning, the CLI.

Each test pins one failure reported against the toolkit; the expected values come from
a hand derivation or from an independent run (the same computation done another way),
never from the implementation under test.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from PIL import Image

from rmsprop_edu import Parameter, nn, surfaces
from rmsprop_edu.cli import main, train_with_recorder
from rmsprop_edu.optim import SGD, Adam, RMSProp, schedules
from rmsprop_edu.train import EffectiveLRRecorder, fit
from rmsprop_edu.trajectory import fair_race, run_trajectory, sweep, tune_lr


# ------------------------------------------------------------------------------ fit's data
def _classifier(dtype=np.float64):
    return nn.Sequential(nn.Linear(2, 4, rng=1, dtype=dtype), nn.Tanh(), nn.Linear(4, 2, rng=2, dtype=dtype))


def test_fit_with_steps_on_an_empty_dataset_raises_instead_of_looping_forever():
    model = _classifier()
    outcome: list[BaseException] = []

    def train() -> None:
        try:
            fit(model, nn.SoftmaxCrossEntropy(), SGD(model.parameters()), (np.zeros((0, 2)), np.zeros(0, int)), steps=3)
        except ValueError as error:
            outcome.append(error)

    worker = threading.Thread(target=train, daemon=True)  # before the fix this loop never ended
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "fit(steps=3) on an empty dataset is still looping"
    assert len(outcome) == 1 and "data is empty: X has 0 rows" in str(outcome[0])


def test_fit_converts_python_lists_to_the_models_dtype():
    x = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [0.0, 1.0]]
    y = [0, 1, 1, 0]
    histories = []
    for data in ((x, y), (np.array(x, dtype=np.float32), np.array(y))):  # lists, and the arrays they mean
        model = _classifier(np.float32)
        opt = Adam(model.parameters(), lr=0.01)
        histories.append(fit(model, nn.SoftmaxCrossEntropy(), opt, data, steps=6, batch_size=2, progress=False))
        assert model[0].weight.data.dtype == np.float32
    assert histories[0].losses == histories[1].losses


@pytest.mark.parametrize(
    "data,message",
    [
        (([[1.0, 2.0], [3.0]], [0, 1]), "data: X must be an array with one row per example (a list works if"),
        (([[1.0, 2.0]],), "data must be a pair (X, y) with one row per example, got a tuple of 1"),
        (([[1.0, 2.0]], [0, 1]), "data: X has 1 rows but y has 2"),
    ],
    ids=["ragged", "one-part", "lengths"],
)
def test_fit_says_what_data_it_needs(data, message):
    model = _classifier()
    with pytest.raises(ValueError) as info:
        fit(model, nn.SoftmaxCrossEntropy(), SGD(model.parameters()), data, steps=1, progress=False)
    assert message in str(info.value)


# --------------------------------------------------------------------------------- layers
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_of_infinities_is_zero_or_infinity_as_in_torch(dtype):
    relu = nn.ReLU()
    x = np.array([-np.inf, -2.0, 0.0, 3.0, np.inf, np.nan], dtype=dtype)
    y = relu(x)
    assert y.dtype == dtype
    # max(x, 0) by hand; NaN stays NaN (torch.relu(nan) is nan), it is not hidden as 0
    np.testing.assert_array_equal(y, np.array([0.0, 0.0, 0.0, 3.0, np.inf, np.nan], dtype=dtype))
    assert not np.signbit(y[:3]).any()  # +0, not the -0 that x * 0 gives for negative x
    # the derivative is 1 where x > 0 and 0 elsewhere, so an infinite upstream gradient at x < 0 gives 0;
    # at NaN torch passes the gradient through (its mask is "not x <= 0")
    dx = relu.backward(np.array([np.inf, -np.inf, 5.0, 7.0, np.inf, 2.0], dtype=dtype))
    assert dx.dtype == dtype
    np.testing.assert_array_equal(dx, np.array([0.0, 0.0, 0.0, 7.0, np.inf, 2.0], dtype=dtype))


@pytest.mark.parametrize("layer", [nn.RNN, nn.LSTM, nn.GRU])
def test_recurrent_layers_refuse_empty_sequences_in_forward(layer):
    cell = layer(2, 3, rng=0)
    with pytest.raises(ValueError) as info:
        cell(np.zeros((4, 0, 2)))
    assert str(info.value) == (
        f"{layer.__name__} needs sequences of at least one time step (T >= 1), got shape (4, 0, 2) with T = 0"
    )


@pytest.mark.parametrize("layer", [nn.RNN, nn.LSTM, nn.GRU])
def test_recurrent_layers_take_an_empty_batch(layer):
    cell = layer(2, 3, rng=0)
    hs = cell(np.zeros((0, 5, 2)))
    assert hs.shape == (0, 5, 3)
    dx = cell.backward(np.zeros((0, 5, 3)))
    assert dx.shape == (0, 5, 2)
    for p in cell.parameters():  # a sum over no examples is zero
        np.testing.assert_array_equal(p.grad, np.zeros_like(p.data))


# ------------------------------------------------------------------------------ schedules
SCHEDULES = {
    "cosine": lambda opt: schedules.cosine(opt, total_steps=20),
    "step_decay": lambda opt: schedules.step_decay(opt, every=4, gamma=0.5),
    "exponential": lambda opt: schedules.exponential(opt, gamma=0.9),
    "linear_warmup": lambda opt: schedules.linear_warmup(opt, warmup_steps=8),
    "inverse_sqrt": schedules.inverse_sqrt,
}


def _regression_problem():
    gen = np.random.default_rng(7)
    x = gen.standard_normal((24, 3))
    y = np.sin(x.sum(axis=1, keepdims=True))
    return x, y


def _model(seed: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 8, rng=seed), nn.Tanh(), nn.Linear(8, 1, rng=seed + 1))


def _train(model, opt, schedule, steps: range, data) -> None:
    x, y = data
    loss = nn.MSELoss()
    for step in steps:
        batch = slice(6 * (step % 4), 6 * (step % 4) + 6)  # fixed batches: the step alone picks one
        model.zero_grad()
        loss(model(x[batch]), y[batch])
        model.backward(loss.backward())
        opt.step()
        schedule.step()


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_resuming_optimizer_and_schedule_is_bit_identical(name):
    total, pause = 20, 5
    data = _regression_problem()
    straight = _model(0)
    opt = RMSProp(straight.parameters(), lr=0.01)
    schedule = SCHEDULES[name](opt)
    _train(straight, opt, schedule, range(total), data)

    first = _model(0)
    opt = RMSProp(first.parameters(), lr=0.01)
    schedule = SCHEDULES[name](opt)
    _train(first, opt, schedule, range(pause), data)
    saved = {
        "weights": [p.data.copy() for p in first.parameters()],
        "optimizer": opt.state_dict(),
        "schedule": schedule.state_dict(),
    }

    resumed = _model(100)  # other initial weights: everything must come from the saved state
    for p, w in zip(resumed.parameters(), saved["weights"], strict=True):
        p.data[...] = w
    opt = RMSProp(resumed.parameters(), lr=0.01)
    schedule = SCHEDULES[name](opt)
    opt.load_state_dict(saved["optimizer"])
    schedule.load_state_dict(saved["schedule"])
    _train(resumed, opt, schedule, range(pause, total), data)

    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert np.array_equal(a.data, b.data), a.name
    if name == "cosine":  # lr(20) = 0.01 * (1 + cos(pi)) / 2 = 0, not 0.0125 as a schedule restarted at t = 0 gave
        assert opt.param_groups[0]["lr"] == 0.0


def test_a_schedule_made_after_loading_the_optimizer_finds_its_base_in_its_own_state():
    p = Parameter(np.zeros(2))
    opt = SGD([p], lr=0.1)
    schedule = schedules.cosine(opt, total_steps=20)
    for _ in range(5):
        schedule.step()
    saved_opt, saved_schedule = opt.state_dict(), schedule.state_dict()
    assert saved_schedule == {"name": "cosine(total_steps=20, min_factor=0.0)", "t": 5, "base_lrs": [0.1]}

    fresh = SGD([Parameter(np.zeros(2))], lr=0.1)
    fresh.load_state_dict(saved_opt)  # the group now holds the decayed lr
    resumed = schedules.cosine(fresh, total_steps=20)
    resumed.load_state_dict(saved_schedule)
    assert fresh.param_groups[0]["lr"] == pytest.approx(0.1 * (1 + math.cos(math.pi * 5 / 20)) / 2, rel=1e-15)
    for _ in range(15):
        resumed.step()
    assert fresh.param_groups[0]["lr"] == 0.0


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda sd: {**sd, "name": "exponential(gamma=0.5)"}, "saved by 'exponential(gamma=0.5)'; it cannot be"),
        (lambda sd: {**sd, "t": -1}, "schedule state t must be in [0, inf), got -1"),
        (lambda sd: {**sd, "t": 2.5}, "schedule state t must be a whole number, got 2.5"),
        (lambda sd: {**sd, "base_lrs": [0.1, 0.2]}, "schedule state has 2 base lr(s); the optimizer has 1"),
        (lambda sd: {**sd, "base_lrs": [-0.1]}, "schedule state base_lrs[0] must be in [0, inf), got -0.1"),
        (lambda sd: {"t": 1}, "a schedule's state_dict has the keys ['base_lrs', 'name', 't'], got ['t']"),
    ],
)
def test_loading_a_wrong_schedule_state_is_refused_and_changes_nothing(change, message):
    opt = SGD([Parameter(np.zeros(2))], lr=0.1)
    schedule = schedules.cosine(opt, total_steps=20)
    schedule.step()
    before = (schedule.t, list(schedule.base_lrs), opt.param_groups[0]["lr"])
    with pytest.raises(ValueError) as info:
        schedule.load_state_dict(change(schedule.state_dict()))
    assert message in str(info.value)
    assert (schedule.t, list(schedule.base_lrs), opt.param_groups[0]["lr"]) == before


def test_a_group_added_under_a_schedule_follows_it_from_its_own_lr():
    opt = SGD([Parameter(np.zeros(2))], lr=0.1)
    schedule = schedules.exponential(opt, gamma=0.5)
    schedule.step()
    schedule.step()
    opt.add_param_group({"params": [Parameter(np.zeros(3))], "lr": 1.0})
    schedule.step()  # t = 3: lr = base * 0.5^3 for both groups
    assert [g["lr"] for g in opt.param_groups] == [0.1 * 0.125, 1.0 * 0.125]
    assert schedule.lr_at(5) == [0.1 / 32, 1.0 / 32]
    assert schedule.state_dict()["base_lrs"] == [0.1, 1.0]


# ------------------------------------------------------------------------------- sweeps
def test_a_float32_run_whose_gradient_overflows_when_squared_is_frozen_and_the_others_go_on():
    rosenbrock = surfaces.get("rosenbrock")
    # at (5e5, 0): df/dx = -2(1 - x) - 400 x (y - x^2) ~ 400 x^3 = 5e19 > sqrt(float32 max) = 1.84e19,
    # inside the divergence box |x| < 1e6
    starts = np.array([[5e5, 0.0], [-1.2, 1.0]], dtype=np.float32)
    together = sweep(rosenbrock, Adam, 5, starts=starts, lr=0.01)
    assert together.diverged_at.tolist() == [0, -1]
    assert together.final_losses[0] == np.inf and np.array_equal(together.final_points[0], starts[0])
    alone = sweep(rosenbrock, Adam, 5, starts=starts[1:], lr=0.01)
    assert together.paths is not None and alone.paths is not None
    assert together.paths.dtype == np.float32
    assert np.array_equal(together.paths[:, 1], alone.paths[:, 0])
    assert np.array_equal(together.final_points[1], alone.final_points[0])
    assert np.array_equal(together.final_losses[1], alone.final_losses[0])
    lone = run_trajectory(rosenbrock, Adam, 5, start=starts[0], lr=0.01)
    assert lone.diverged_at == 0 and np.isnan(lone.points[1:]).all()


# ------------------------------------------------------------------ recorder and tuning
def test_the_recorder_names_the_parameters_the_optimizer_does_not_hold_at_the_first_step():
    model = _classifier()
    opt = SGD([model[0].weight, model[0].bias], lr=0.1)
    recorder = EffectiveLRRecorder(model, every=10)
    data = (np.ones((4, 2)), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError) as info:  # steps=3 < every=10: before the fix nothing was ever checked
        fit(model, nn.SoftmaxCrossEntropy(), opt, data, steps=3, callbacks=[recorder], progress=False)
    assert "the optimizer does not hold the model's parameters ['2.weight', '2.bias']" in str(info.value)


def test_tuning_says_all_diverged_when_every_lr_diverged():
    rosenbrock = surfaces.get("rosenbrock")
    # SGD with lr >= 10 from (-1.2, 1): the first step is 10 * |grad| ~ 2e3 long, the next gradient ~ 400 x^3
    tuned = tune_lr(rosenbrock, SGD, 50, grid=[10.0, 100.0], widen=0)
    assert np.isinf(tuned.final_losses).all()
    assert tuned.all_diverged and tuned.lr == 10.0
    assert "all diverged, so the smallest lr (10) was taken" in tuned.how
    assert "wider grid might do better" not in tuned.how
    _, caption = fair_race(rosenbrock, [(SGD, {}), (Adam, {})], 50, grid=[1e-3, 1e-2, 1e-1])
    assert "all diverged" not in caption
    _, caption = fair_race(rosenbrock, [(SGD, {"momentum": 0.9})], 30, grid=[1.0, 10.0])
    assert "SGD(momentum=0.9): all diverged, so the smallest lr" in caption


# ---------------------------------------------------------------------------------- CLI
def test_race_out_with_a_dot_in_a_folder_name_is_a_folder(tmp_path, capsys):
    args = ["race", "--surface", "booth", "--optimizers", "sgd", "--lr", "0.01", "--steps", "5"]
    assert main([*args, "--out", str(tmp_path / "results.v1")]) == 0
    assert (tmp_path / "results.v1" / "race_booth.png").is_file()
    assert main([*args, "--out", str(tmp_path / "notes.txt") + "/"]) == 0  # a trailing / always means a folder
    assert (tmp_path / "notes.txt" / "race_booth.png").is_file()
    capsys.readouterr()


def test_race_out_gif_with_gif_writes_two_files_and_says_so_once_each(tmp_path, capsys):
    out = tmp_path / "r.gif"
    args = ["race", "--surface", "booth", "--optimizers", "sgd", "--lr", "0.01", "--steps", "5", "--gif"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed.count(f"wrote {tmp_path / 'r.png'}") == 1 and printed.count(f"wrote {out}") == 1
    with Image.open(tmp_path / "r.png") as still:
        assert still.format == "PNG"
    with Image.open(out) as animation:
        assert animation.format == "GIF" and animation.n_frames > 1


def test_train_of_fewer_steps_than_the_recorder_interval_still_records():
    history, recorder, _ = train_with_recorder("rnn", "sine", Adam, None, 1, progress=False)
    # sine_forecasting(64, ...) in batches of 32: 2 steps, fewer than the usual interval of 5
    assert history.steps == [1, 2] and recorder.steps == [1, 2]


def test_an_unexpected_exception_in_a_command_is_one_line_naming_it_a_bug(monkeypatch, capsys):
    from rmsprop_edu import cli

    def broken(args):
        raise IndexError("too many indices for array")

    monkeypatch.setattr(cli, "cmd_list", broken)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("rmsprop-edu list: internal error (a bug in rmsprop_edu, please report it): IndexError:")
    assert "add --traceback" in err
    with pytest.raises(IndexError):
        main(["list", "--traceback"])
