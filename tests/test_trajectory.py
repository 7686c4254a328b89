"""Trajectories, sweeps and fair comparisons on the toy surfaces."""

from __future__ import annotations

import numpy as np
import pytest

from rmsprop_edu import fair_race, run_trajectory, surfaces, sweep, tune_lr
from rmsprop_edu.optim import SGD, Adagrad, Adam, RMSProp


def test_first_steps_by_hand_on_booth():
    booth = surfaces.get("booth")
    # at (0, 0): a = x + 2y - 7 = -7, b = 2x + y - 5 = -5, grad = (2a + 4b, 4a + 2b) = (-34, -38)
    tr = run_trajectory(booth, SGD, 2, start=(0.0, 0.0), lr=0.01)
    np.testing.assert_allclose(tr.grads[0], [-34.0, -38.0])
    np.testing.assert_allclose(tr.points[1], [0.34, 0.38])
    assert tr.losses[0] == pytest.approx(49 + 25)
    # RMSProp's first step is lr/sqrt(1 - rho) per coordinate (sign of -g): 0.01/0.1 = 0.1
    tr = run_trajectory(booth, RMSProp, 1, start=(0.0, 0.0), lr=0.01)
    np.testing.assert_allclose(tr.points[1], [0.1, 0.1], rtol=1e-6)
    np.testing.assert_allclose(tr.effective_lr[0], [0.01 / 3.4, 0.01 / 3.8], rtol=1e-6)


def test_record_shapes_and_label():
    tr = run_trajectory(surfaces.get("rosenbrock"), Adam, 30, lr=0.05)
    assert tr.points.shape == (31, 2) and tr.losses.shape == (31,)
    assert tr.grads.shape == (30, 2) and tr.effective_lr.shape == (30, 2)
    np.testing.assert_array_equal(tr.points[0], [-1.5, 2.0])
    assert tr.label == "Adam(lr=0.05)" and tr.diverged_at is None


@pytest.mark.parametrize(
    "opt_cls,hyper", [(SGD, {"momentum": 0.9}), (RMSProp, {"centered": True}), (Adam, {}), (Adagrad, {})]
)
def test_sweep_equals_run_trajectory_exactly(opt_cls, hyper):
    rosenbrock = surfaces.noisy(surfaces.get("rosenbrock"), 0.3, seed=1)
    lrs = np.array([1e-4, 3e-4, 1e-3, 3e-3])
    starts = np.array([[-1.5, 2.0], [0.0, 0.0], [1.2, -0.5], [-1.0, 1.0]])
    result = sweep(rosenbrock, opt_cls, 200, lrs=lrs, starts=starts, **hyper)
    for i in range(4):
        single = run_trajectory(rosenbrock, opt_cls, 200, start=starts[i], lr=lrs[i], **hyper)
        np.testing.assert_array_equal(result.paths[:, i], single.points)
        np.testing.assert_array_equal(result.losses[:, i], single.losses)
        np.testing.assert_array_equal(result.effective_lr[:, i], single.effective_lr)
        assert result.final_losses[i] == single.losses[-1]


def test_diverging_runs_are_frozen_and_reported():
    result = sweep(surfaces.get("rosenbrock"), SGD, 300, lrs=[1e-3, 0.1])
    assert np.isfinite(result.final_losses[0]) and result.final_losses[1] == np.inf
    assert result.diverged_at[0] == -1 and 0 < result.diverged_at[1] < 300
    tr = run_trajectory(surfaces.get("rosenbrock"), SGD, 300, lr=0.1)
    assert tr.diverged_at == result.diverged_at[1]
    assert np.isnan(tr.points[-1]).all()


def test_tune_lr_uses_the_plotted_horizon():
    booth = surfaces.get("booth")
    tuned = tune_lr(booth, SGD, 100, grid=np.logspace(-4, -1, 7))
    losses = np.array([run_trajectory(booth, SGD, 100, lr=lr).losses[-1] for lr in tuned.grid])
    finite = np.where(np.isfinite(losses), losses, np.inf)
    # lrs 0.01, 0.03 and 0.1 all converge (8e-15, 8e-31, 6e-17 from 1458; 0.003 is at 1e-2): a tie to within
    # 1e-12 of the descent, which the smallest of them wins
    assert np.all(finite[4:] < 1e-12 * 1458) and np.all(finite[:4] > 1e-2)
    assert tuned.lr == pytest.approx(0.01)
    assert "by the loss at step 100" in tuned.how and "won by the smaller lr" in tuned.how


def test_converged_runs_tie_and_the_smaller_lr_wins():
    # RMSProp on the axis-aligned bowl for 60 steps: every lr from 0.1 to 1e4 ends below
    # 1e-20 (from 23.1), ordered by nothing but how far the first sign-like step flew.
    # Picking the raw minimum would choose lr = 1e4, whose first step lands at f ~ 1e9.
    bowl = surfaces.get("quadratic")
    tuned = tune_lr(bowl, RMSProp, 60, grid=np.logspace(-4, 4, 33))
    converged = tuned.grid[tuned.final_losses < 1e-20]
    assert converged.min() == pytest.approx(0.1) and converged.max() == pytest.approx(1e4)
    assert tuned.final_losses.argmin() > np.searchsorted(tuned.grid, 1.0)  # the raw minimum is a huge lr
    assert tuned.lr == pytest.approx(0.1) and not tuned.widened


def test_a_float32_start_runs_in_float32():
    rosenbrock = surfaces.get("rosenbrock")
    t32 = run_trajectory(rosenbrock, RMSProp, 100, start=np.array([-1.5, 2.0], np.float32), lr=0.01)
    t64 = run_trajectory(rosenbrock, RMSProp, 100, start=[-1.5, 2.0], lr=0.01)
    for array in (t32.points, t32.losses, t32.grads, t32.effective_lr):
        assert array.dtype == np.float32
    assert t64.points.dtype == np.float64
    # the same path up to float32 rounding (amplified a little by the curved valley)
    np.testing.assert_allclose(t32.points, t64.points, atol=1e-2)
    assert not np.array_equal(t32.points, t64.points.astype(np.float32))


def test_a_best_lr_at_the_grid_edge_widens_the_grid():
    # On Booth, SGD for 20 steps ends at 1360, 705, 0.52 and 0.19 for lr = 1e-4 ... 0.1 and
    # diverges at lr = 1, so a grid that stops at 1e-3 only bounds the best lr. One value per
    # decade is added (the grid's own spacing) until the choice is interior or `widen`
    # decades are used.
    booth = surfaces.get("booth")
    tuned = tune_lr(booth, SGD, 20, grid=[1e-4, 1e-3], widen=3)
    np.testing.assert_allclose(tuned.grid, [1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    losses = [run_trajectory(booth, SGD, 20, lr=lr).losses[-1] for lr in tuned.grid]
    finite = np.where(np.isfinite(losses), losses, np.inf)
    assert tuned.lr == pytest.approx(0.1) and tuned.lr == tuned.grid[int(np.argmin(finite))]
    assert np.isinf(finite[-1])  # lr = 1 diverges, which is what makes 0.1 a real choice
    assert tuned.widened == 3 and not tuned.at_edge
    assert "widened by 3 decade(s)" in tuned.how

    capped = tune_lr(booth, SGD, 20, grid=[1e-4, 1e-3], widen=1)
    assert capped.lr == pytest.approx(1e-2) and capped.at_edge
    assert "still at the edge" in capped.how
    assert tune_lr(booth, SGD, 20, grid=[1e-4, 1e-3], widen=0).lr == pytest.approx(1e-3)


def test_fair_race_caption_names_widened_and_edge_choices():
    race = [(SGD, {}), (SGD, {"momentum": 0.9}), (RMSProp, {})]
    _, caption = fair_race(surfaces.get("booth"), race, 20, grid=[1e-4, 1e-3])
    assert caption.startswith("Each optimizer's lr chosen from 2 log-spaced values in [1e-04, 1e-03]")
    assert "SGD's best lr sat at the edge, so its grid was widened to" in caption
    assert "SGD(momentum=0.9)'s best lr sat at the edge" in caption
    assert "RMSProp's best lr sat at the edge" in caption


def test_fair_race_caption_states_the_tuning():
    trajectories, caption = fair_race(surfaces.get("booth"), [(SGD, {}), (RMSProp, {})], 50, grid=[1e-3, 1e-2])
    assert [t.optimizer for t in trajectories] == ["SGD", "RMSProp"]
    assert "2 log-spaced values in [1e-03, 1e-02]" in caption and "step 50" in caption


def test_moving_minimum_rmsprop_keeps_up_and_adagrad_falls_behind():
    # Documented ordering (same lr = 0.05, 1000 steps, mean loss over the last 200 steps):
    # RMSProp ~6e-4, Adagrad ~1.1, a factor above 1000.
    moving = surfaces.get("moving_bowl")
    rms = run_trajectory(moving, RMSProp, 1000, lr=0.05).losses[-200:].mean()
    ada = run_trajectory(moving, Adagrad, 1000, lr=0.05).losses[-200:].mean()
    assert rms < 1e-3 and ada > 0.5 and ada / rms > 1000


def test_sparse_gradients_favour_per_coordinate_scaling():
    # Documented ordering, each optimizer tuned on the same grid at the same 1000-step horizon:
    # SGD ~0.39 (y stuck near -0.8), Adagrad ~1e-26 (lr 3.16), RMSProp ~2e-9 (lr 0.056).
    sparse = surfaces.get("sparse_bowl")
    final = {cls.__name__: tune_lr(sparse, cls, 1000).final_losses.min() for cls in (SGD, Adagrad, RMSProp)}
    assert final["SGD"] > 0.1
    assert final["Adagrad"] < final["SGD"] / 100
    assert final["RMSProp"] < final["SGD"] / 100


def test_bad_arguments():
    booth = surfaces.get("booth")
    with pytest.raises(ValueError, match=r"start must be one point \(x, y\), got an array of shape \(2, 2\)"):
        run_trajectory(booth, SGD, 5, start=[[1, 2], [3, 4]])
    with pytest.raises(ValueError, match=r"start must be one point \(x, y\), got an array of shape \(3,\)"):
        run_trajectory(booth, SGD, 5, start=[1, 2, 3])
    with pytest.raises(ValueError, match=r"starts must be finite, got \[nan  0.\]"):
        run_trajectory(booth, SGD, 5, start=[np.nan, 0])
    with pytest.raises(
        ValueError, match=r"starts must be a point \(x, y\) or an \(R, 2\) array of points, got shape \(4,\)"
    ):
        sweep(booth, SGD, 5, starts=[1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"lrs\[1\] must be in \[0, inf\), got -0.1"):
        sweep(booth, SGD, 5, lrs=[0.1, -0.1])
    with pytest.raises(ValueError, match=r"tune_lr chooses lr itself; remove lr=0.1 from Adam's settings"):
        fair_race(booth, [(Adam, {"lr": 0.1})], 5)
    with pytest.raises(ValueError, match=r"steps must be in \[1, inf\), got 0"):
        run_trajectory(booth, SGD, 0)
    with pytest.raises(ValueError, match="lr must be in"):
        run_trajectory(booth, SGD, 5, lr=-1.0)
    with pytest.raises(ValueError, match="starts has 2 entries; expected 1 or 3"):
        sweep(booth, SGD, 5, lrs=[1e-3, 1e-2, 1e-1], starts=[[0, 0], [1, 1]])
    with pytest.raises(ValueError, match="either as lr= or as lrs="):
        sweep(booth, SGD, 5, lrs=[1e-3], lr=0.1)


def test_fair_race_draws_the_very_run_that_run_trajectory_gives():
    # the race reuses the tuning sweep's path of the chosen lr instead of running it again
    rosenbrock = surfaces.get("rosenbrock")
    contenders = [(SGD, {"momentum": 0.9}), (RMSProp, {}), (Adam, {})]
    trajectories, _ = fair_race(rosenbrock, contenders, steps=200)
    for (cls, hyper), tr in zip(contenders, trajectories, strict=True):
        lr = tr.hyperparameters["lr"]
        alone = run_trajectory(rosenbrock, cls, 200, lr=lr, **hyper)
        assert tr.label == alone.label
        for field_name in ("points", "losses", "grads", "effective_lr"):
            np.testing.assert_array_equal(getattr(tr, field_name), getattr(alone, field_name))
        assert tr.diverged_at == alone.diverged_at
