"""Every plotting function runs headless and draws the artists a reader needs."""

from __future__ import annotations

import base64
import io
import itertools
import re

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from PIL import Image

from rmsprop_edu import run_trajectory, surfaces, sweep, viz
from rmsprop_edu.optim import SGD, Adagrad, RMSProp


@pytest.fixture(scope="module")
def race():
    surface = surfaces.get("rosenbrock")
    return surface, [run_trajectory(surface, SGD, 60, lr=1e-3, momentum=0.9), run_trajectory(surface, RMSProp, 60)]


def test_contours_use_log_levels_colourbar_and_mark_minima():
    ax = viz.plot_contours(surfaces.get("goldstein_price"))
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    assert len(ax.figure.axes) == 2  # the colour bar
    assert "log" in ax.figure.axes[1].get_ylabel()
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    np.testing.assert_allclose(stars[0].get_xydata(), [[0.0, -1.0]])


def test_race_figure_has_paths_labels_markers_and_caption(race):
    surface, trajectories = race
    fig = viz.race_figure(surface, trajectories, caption="tuned on a grid")
    left, right = fig.axes[0], fig.axes[1]
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert "SGD(lr=0.001, momentum=0.9)" in labels and "RMSProp()" in labels
    markers = {line.get_marker() for line in left.get_lines()}
    assert {"o", "X"} <= markers  # start and end
    assert right.get_yscale() == "log" and right.get_xlabel() == "step"
    assert any("tuned on a grid" in text.get_text() for text in fig.texts)


def test_3d_view_draws_the_paths(race):
    surface, trajectories = race
    ax = viz.plot_surface_3d(surface, trajectories)
    assert len(ax.get_lines()) == 2 and ax.get_zlabel().startswith("log10")


def test_gif_has_the_expected_number_of_frames(race, tmp_path):
    surface, trajectories = race
    path = viz.animate_race(surface, trajectories, tmp_path / "race.gif", frames=12, fps=5)
    with Image.open(path) as gif:
        assert gif.n_frames == 12


def test_animation_html_for_notebooks(race):
    surface, trajectories = race
    html = viz.animate_race(surface, trajectories, None, frames=4)  # steps 0, 20, 40, 60 of 60
    assert "<script" in html
    # matplotlib's JS player embeds each frame as a base64 PNG: decode them all
    found = re.findall(r'frames\[(\d+)\] = "data:image/png;base64,(.*?)"', html, re.S)
    assert [int(i) for i, _ in found] == [0, 1, 2, 3]
    frames = [np.asarray(Image.open(io.BytesIO(base64.b64decode(data.replace("\\\n", ""))))) for _, data in found]
    assert all(f.shape == frames[0].shape for f in frames)
    for before, after in itertools.pairwise(frames):
        assert (before != after).any(axis=-1).sum() > 500  # the paths, their heads and the counter move
    # each path is drawn in its colour (C1 for SGD, C2 for RMSProp), so its pixels grow from frame to frame
    for colour in ("#ff7f0e", "#2ca02c"):
        rgb = np.array(matplotlib.colors.to_rgb(colour)) * 255
        counts = [int((np.abs(f[..., :3] - rgb).sum(axis=-1) < 30).sum()) for f in frames]
        assert all(a < b for a, b in itertools.pairwise(counts)), (colour, counts)


def test_decay_contrast_marks_time_constant_and_half_life():
    fig = viz.decay_contrast_figure(lr=0.01, rho=0.9, steps=120, switch_at=60)
    right = fig.axes[1]
    labels = [t.get_text() for t in right.get_legend().get_texts()]
    assert "time constant 1/(1-rho) = 10 steps" in labels
    assert "half-life ln0.5/ln(rho) = 6.6 steps" in labels
    xs = sorted(line.get_xdata()[0] for line in right.get_lines() if len(set(line.get_xdata())) == 1)
    assert xs == pytest.approx([60, 60 + np.log(0.5) / np.log(0.9), 70])


def test_effective_lr_sensitivity_and_theory_plots(race):
    surface, trajectories = race
    ax = viz.plot_effective_lr(trajectories[1])
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "log"
    lrs = np.logspace(-4, -1, 5)
    results = {c.__name__: (lrs, sweep(surface, c, 50, lrs=lrs).final_losses) for c in (SGD, Adagrad)}
    ax = viz.plot_sensitivity(results, horizon=50)
    assert ax.get_xscale() == "log" and "after 50 steps" in ax.get_ylabel()
    fig = viz.quadratic_theory_figure(condition=10, steps=50)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "stability edge lr = 2/lambda_max = 0.2" in labels


def test_network_lr_bands_and_heatmap():
    steps = np.arange(0, 100, 10)
    stats = {"0.weight": np.tile(np.array([1e-4, 2e-4, 5e-4, 1e-3, 2e-3]), (10, 1))}
    ax = viz.plot_lr_bands(steps, stats, ceiling=1e6)
    assert ax.get_legend().get_texts()[0].get_text() == "0.weight (median)"
    assert "ceiling lr/eps = 1e+06" in ax.get_legend().get_texts()[1].get_text()
    assert len(ax.collections) == 1  # the 10-90 % band
    assert len(viz.plot_lr_bands(steps, stats, show_minmax=True).collections) == 2  # and the min-max band
    ax = viz.plot_lr_heatmap(np.abs(np.random.default_rng(0).normal(size=(4, 3))) + 1e-3)
    assert ax.images and len(ax.figure.axes) == 2


def test_rates_that_are_all_zero_get_a_linear_axis_and_no_warning():
    # lr = 0 makes every effective learning rate 0: a log axis would warn and show nothing.
    import warnings

    steps = np.arange(1, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = viz.plot_lr_bands(steps, {"w": np.zeros((5, 5))})
        assert ax.get_yscale() == "linear"
        assert any("every effective learning rate is 0" in t.get_text() for t in ax.texts)
        ax = viz.plot_lr_bands(steps, {"w": np.full((5, 5), 0.1)})
        assert ax.get_yscale() == "log"
