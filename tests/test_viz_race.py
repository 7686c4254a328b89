"""The race figures a student reads: legends outside the data, a marked plotting floor,
3-D paths drawn above the surface, an animation whose first frame says what it shows,
readable text; and the README Gallery captions, each checked against its figure."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from rmsprop_edu import run_trajectory, surfaces, viz
from rmsprop_edu.optim import SGD, Adam, RMSProp

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bowl_runs():
    """On the quadratic RMSProp's loss falls below 1e-16 within 300 steps; SGD's does not."""
    bowl = surfaces.get("quadratic")
    return bowl, [run_trajectory(bowl, SGD, 300, lr=1e-3), run_trajectory(bowl, RMSProp, 300, lr=0.03)]


@pytest.fixture(scope="module")
def saddle_runs():
    saddle = surfaces.get("saddle")
    return saddle, [run_trajectory(saddle, cls, 60, lr=0.01) for cls in (SGD, RMSProp, Adam)]


def extent(artist):
    return artist.get_window_extent(artist.figure.canvas.get_renderer())


def test_loss_plot_marks_the_plotting_floor_only_when_something_is_clipped(bowl_runs):
    bowl, runs = bowl_runs
    assert runs[1].losses.min() < viz.LOSS_FLOOR < runs[0].losses.min()
    ax = viz.plot_losses(runs, bowl)
    floor = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(floor) == 1 and np.allclose(floor[0].get_ydata(), viz.LOSS_FLOOR)
    notes = [text.get_text() for text in ax.texts]
    assert any("values below 1e-16 drawn at 1e-16" in note for note in notes)
    assert ax.get_ylim()[0] < viz.LOSS_FLOOR  # the note has room under the line
    ax = viz.plot_losses(runs[:1], bowl)
    assert not [line for line in ax.get_lines() if line.get_linestyle() == ":"] and not ax.texts


def test_path_and_loss_legends_sit_under_the_axes_inside_the_figure(bowl_runs):
    bowl, runs = bowl_runs
    for ax in (viz.plot_paths(bowl, runs), viz.plot_losses(runs, bowl)):
        ax.figure.canvas.draw()
        legend, axes_box, figure_box = extent(ax.get_legend()), extent(ax), ax.figure.bbox
        assert legend.y1 < axes_box.y0  # below the axes: it cannot cover a path or a minimum
        assert legend.y0 >= figure_box.y0 and legend.x0 >= figure_box.x0 and legend.x1 <= figure_box.x1
    _, given = plt.subplots()
    viz.plot_paths(bowl, runs, ax=given)  # a caller's axes: the legend still goes under it
    assert given.get_legend() is not None
    assert viz.plot_paths(bowl, runs, legend=False).get_legend() is None
    assert viz.plot_losses(runs, bowl, legend=False).get_legend() is None


def test_race_figure_has_one_legend_under_both_panels_and_readable_text(saddle_runs):
    saddle, runs = saddle_runs
    fig = viz.race_figure(saddle, runs, caption="nothing tuned: lr = 0.01 for all")
    fig.canvas.draw()
    left, right = fig.axes[0], fig.axes[1]
    assert right.get_legend() is None  # the colours are shared: one legend serves both panels
    legend = extent(left.get_legend())
    assert [t.get_text() for t in left.get_legend().get_texts()] == [tr.label for tr in runs]
    for ax in (left, right):  # on the saddle the old in-axes legend hid the RMSProp and Adam paths
        assert legend.y1 < extent(ax).y0
    caption = next(text for text in fig.texts if "nothing tuned" in text.get_text())
    assert extent(caption).y1 < legend.y0 and extent(caption).y0 >= 0
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
    assert min(sizes) >= 8  # 8 pt at the figure's 13-inch width


def test_race_figure_legend_fits_long_labels_and_keeps_the_minimum_entry():
    rosenbrock = surfaces.get("rosenbrock")
    runs = [run_trajectory(rosenbrock, RMSProp, 20, lr=1e-3, centered=True, momentum=0.9, eps=1e-6) for _ in range(4)]
    fig = viz.race_figure(rosenbrock, runs)
    fig.canvas.draw()
    legend = fig.axes[0].get_legend()
    assert "minimum" in [t.get_text() for t in legend.get_texts()]
    box = extent(legend)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.x1 and box.y0 >= 0


def test_3d_paths_are_drawn_above_the_surface_and_clipped_to_the_square():
    rosenbrock = surfaces.get("rosenbrock")
    runs = [run_trajectory(rosenbrock, Adam, 40, lr=1.78), run_trajectory(rosenbrock, SGD, 40, lr=1e-3, momentum=0.9)]
    assert (runs[0].points[:, 1] > rosenbrock.bounds[1][1]).any()  # Adam's first sign step leaves the square
    ax = viz.plot_surface_3d(rosenbrock, runs)
    assert ax.computed_zorder is False
    surface = ax.collections[0]
    paths = ax.get_lines()
    assert len(paths) == 2 and all(line.get_zorder() > surface.get_zorder() for line in paths)
    x, y, _ = paths[0].get_data_3d()
    shown = np.isfinite(x)
    (x0, x1), (y0, y1) = rosenbrock.bounds
    assert (~shown).any() and ((x[shown] >= x0) & (x[shown] <= x1) & (y[shown] >= y0) & (y[shown] <= y1)).all()
    ax.figure.canvas.draw()
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        assert len([t for t in axis.get_ticklabels() if t.get_text()]) <= 7  # few enough not to overlap
    assert ax.get_legend() is not None and viz.plot_surface_3d(rosenbrock, runs, legend=False).get_legend() is None


def test_animation_first_frame_says_before_the_first_step_and_never_nan(saddle_runs, tmp_path, monkeypatch):
    saddle, runs = saddle_runs
    frames_seen = []
    real = viz._save_gif_blitted

    def spy(fig, legend, trajectories, moving, draw, frames, path, fps):
        def recording(k, texts, with_label):
            out = draw(k, texts, with_label)
            frames_seen.append([t.get_text() for t in texts])
            return out

        assert extent(legend).y1 < extent(fig.axes[0]).y0  # the legend is under the axes
        return real(fig, legend, trajectories, moving, recording, frames, path, fps)

    monkeypatch.setattr(viz, "_save_gif_blitted", spy)
    path = viz.animate_race(saddle, runs, tmp_path / "race.gif", frames=7, fps=5, caption="lr = 0.01 for all")
    with Image.open(path) as gif:
        assert gif.n_frames == 7
    assert frames_seen[0] == ["eff. lr: before the first step"] * len(runs)
    step = int(np.linspace(0, 60, 7).astype(int)[1])
    rate = runs[1].effective_lr[step - 1]
    assert frames_seen[1][1] == f"eff. lr = ({rate[0]:.2g}, {rate[1]:.2g})"
    assert not any("nan" in text for frame in frames_seen for text in frame)


def test_sensitivity_legend_goes_under_the_axes_and_marks_the_floor():
    lrs = np.array([1e-3, 1e-2, 1e-1])
    ax = viz.plot_sensitivity({"A": (lrs, np.array([1.0, 1e-20, np.inf])), "B": (lrs, np.array([2.0, 1.0, 0.5]))}, 10)
    ax.figure.canvas.draw()
    assert extent(ax.get_legend()).y1 < extent(ax).y0
    assert any("plotting floor" in t.get_text() for t in ax.get_legend().get_texts())
    crosses = [line for line in ax.get_lines() if line.get_marker() == "x"]
    assert len(crosses) == 1 and np.allclose(crosses[0].get_xdata(), [1e-1])


# ------------------------------------------------------------------- the README Gallery
def load_gallery():
    spec = importlib.util.spec_from_file_location("make_gallery", ROOT / "examples" / "make_gallery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gallery():
    module = load_gallery()
    rosenbrock, trajectories, _ = module.rosenbrock_race()
    checks = module.caption_checks(
        trajectories, module.sensitivity(rosenbrock), viz.decay_contrast_figure(), viz.quadratic_theory_figure()
    )
    return module, checks


def test_every_gallery_caption_statement_holds_for_its_figure(gallery):
    _, checks = gallery
    false = [(statement, measured) for statement, holds, measured in checks if not holds]
    assert not false, f"README Gallery captions contradicted by their figures: {false}"


def test_every_checked_statement_is_in_the_readme_gallery_word_for_word(gallery):
    module, checks = gallery
    text = module.gallery_text((ROOT / "README.md").read_text())
    missing = [statement for statement, _, _ in checks if statement not in text]
    assert not missing, f"checked statements missing from the README Gallery: {missing}"


def test_the_committed_gif_has_one_frame_every_10_steps(gallery):
    module, _ = gallery
    text = module.gallery_text((ROOT / "README.md").read_text())
    assert "one frame every 10 steps" in text
    with Image.open(ROOT / "docs" / "gallery" / "race_rosenbrock.gif") as gif:
        assert gif.n_frames == module.GIF_FRAMES == module.STEPS // 10 + 1
