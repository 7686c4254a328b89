"""Explorers: update() is what a slider does, and nothing in them can block a headless run."""

import json
from pathlib import Path

import numpy as np
import pytest

from rmsprop_edu import run_trajectory, surfaces
from rmsprop_edu.explore import RaceExplorer
from rmsprop_edu.optim import Adam, RMSProp

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def _path(explorer, name="RMSProp"):
    xs, ys = explorer._paths[name].get_data()
    return np.column_stack([xs, ys])


def test_update_redraws_each_run_with_the_new_values():
    explorer = RaceExplorer(optimizers=("RMSProp", "Adam"), lr=0.01, rho=0.9, steps=50)
    explorer.update(lr=0.05, rho=0.99, beta1=0.8, eps=1e-6)
    rosenbrock = surfaces.get("rosenbrock")
    rms = run_trajectory(rosenbrock, RMSProp, 50, lr=0.05, rho=0.99, eps=1e-6).points
    adam = run_trajectory(rosenbrock, Adam, 50, lr=0.05, betas=(0.8, 0.999), eps=1e-6).points
    np.testing.assert_array_equal(_path(explorer, "RMSProp"), rms)
    np.testing.assert_array_equal(_path(explorer, "Adam"), adam)
    assert not explorer._paths["Adagrad"].get_visible()  # not racing: not drawn
    assert "Adam:  " in explorer._readout.get_text()


def test_sgd_takes_its_momentum_from_beta1_and_the_start_can_move():
    from rmsprop_edu.optim import SGD

    explorer = RaceExplorer(surface="quadratic", optimizers=("SGD+momentum",), lr=0.02, beta1=0.5, steps=30)
    explorer.update(x0=-2.0, y0=1.5)
    expected = run_trajectory(surfaces.get("quadratic"), SGD, 30, start=(-2.0, 1.5), lr=0.02, momentum=0.5).points
    np.testing.assert_array_equal(_path(explorer, "SGD+momentum"), expected)


def test_a_new_surface_starts_from_its_own_start_point():
    explorer = RaceExplorer(optimizers=("Adam",), steps=20)
    explorer.update(surface="himmelblau")
    assert (explorer.values["x0"], explorer.values["y0"]) == tuple(surfaces.get("himmelblau").start)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"lr": 3.0}, r"lr must be in \[0.0001, 1\], got 3.0"),
        ({"rho": 1.0}, r"rho must be in \[0.5, 0.999\], got 1.0"),
        ({"steps": 5}, r"steps must be in \[10, 1000\], got 5"),
        (
            {"optimizers": ("SGD",)},
            r"optimizers must be one of 'SGD\+momentum', 'Adagrad', 'RMSProp', 'Adam', got 'SGD'",
        ),
        ({"x0": 7.0}, r"x0 must be in \[-2, 2\], got 7.0"),
        ({"surface": "himmelblau", "x0": 9.0}, r"x0 must be in \[-5, 5\], got 9.0"),
        ({"momentum": 0.9}, r"unknown control\(s\) 'momentum'"),
    ],
)
def test_a_bad_value_is_refused_and_changes_nothing(values, message):
    explorer = RaceExplorer(steps=20)
    before, path = dict(explorer.values), _path(explorer).copy()
    with pytest.raises(ValueError, match=message):
        explorer.update(**{"steps": 30, **values})
    assert explorer.values == before
    np.testing.assert_array_equal(_path(explorer), path)


def test_moving_a_control_is_calling_update():
    pytest.importorskip("ipywidgets")
    explorer = RaceExplorer(steps=20)
    explorer.widget()
    image_before = explorer._image.value
    explorer.controls["lr"].value = 0.1
    assert explorer.values["lr"] == 0.1
    assert explorer._image.value != image_before  # the image shown was redrawn
    explorer.update(steps=40)
    assert explorer.controls["steps"].value == 40  # and update moves the control too


def test_a_blitted_redraw_gives_the_same_pixels_as_a_full_draw():
    explorer = RaceExplorer(steps=40)
    explorer.png()  # the background is saved here
    explorer.update(lr=0.003, rho=0.95)
    blitted = explorer.png()
    fresh = RaceExplorer(steps=40, lr=0.003, rho=0.95).png()
    assert blitted == fresh


def test_the_static_view_is_a_png_of_the_current_state():
    pytest.importorskip("ipywidgets")
    bundle = RaceExplorer(steps=20)._repr_mimebundle_()
    assert bundle["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_the_explorer_figure_is_not_managed_by_pyplot():
    # a pyplot figure would be shown again by the inline backend after every redraw
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    RaceExplorer(steps=20).update(lr=0.02)
    assert plt.get_fignums() == before


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_uses_the_widgets_that_block_headless_runs(notebook):
    """``interact``/``interactive`` draw through an Output widget, which nbclient imitates by
    writing to the shell channel it is reading the cell's reply from: the run then blocks
    now and then (jupyter/nbclient#312). Notebooks use rmsprop_edu.explore instead."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    for forbidden in ("interact(", "interactive(", "interact_manual(", "widgets.Output(", "Output()"):
        assert forbidden not in code, f"{notebook.name} uses {forbidden!r}; use rmsprop_edu.explore"


# ---------------------------------------------------------------- decay and momentum
def test_recovery_time_closed_form_matches_the_real_rmsprop():
    from rmsprop_edu.explore import DecayExplorer, recovery_steps

    for rho, before, after in [(0.9, 1.0, 0.1), (0.97, 1.0, 0.1), (0.9, 0.1, 1.0), (0.95, 2.0, 0.5)]:
        explorer = DecayExplorer(rho=rho, g_before=before, g_after=after, switch=300)
        _, rms = explorer.measured()
        s = explorer.values["switch"]
        after_switch = rms[s:] * after  # rate / (lr / |g_after|): 1 once recovered
        measured = int(np.argmax(np.abs(after_switch - 1) <= 0.1)) + 1  # steps taken after the switch
        assert abs(measured - recovery_steps(rho, before, after)) <= 1, (rho, before, after, measured)


def test_recovery_time_of_the_lesson_example():
    from rmsprop_edu.explore import recovery_steps

    # rho = 0.9, |g| 1 -> 0.1: 99 * 0.9^k <= 1/0.81 - 1, so k >= ln(0.2346/99)/ln(0.9) = 57.4
    assert recovery_steps(0.9, 1.0, 0.1) == 58


def test_the_explorer_marks_recovery_from_the_average_it_has_at_the_switch():
    # rho = 0.99 and a switch at step 200: v holds only 1 - 0.99^200 = 0.866 of g_before^2, so the
    # real RMSProp recovers sooner than the settled-average formula's 602 steps; the marker follows it.
    from rmsprop_edu.explore import DecayExplorer, recovery_steps

    explorer = DecayExplorer(rho=0.99, g_before=1.0, g_after=0.1, switch=200)
    _, rms = explorer.measured()
    measured = int(np.argmax(np.abs(rms[200:] * 0.1 - 1) <= 0.1)) + 1
    v_200 = 1 - 0.99**200
    assert measured == recovery_steps(0.99, 1.0, 0.1, v_switch=v_200) < recovery_steps(0.99, 1.0, 0.1) == 602
    assert explorer._recovered.get_xdata()[0] == 200 + measured
    assert f"within 10% of lr/|g_after| {measured} steps after the switch" in explorer._ax.get_title(loc="left")


def test_decay_explorer_closed_forms_follow_the_measured_rates():
    from rmsprop_edu.explore import DecayExplorer

    explorer = DecayExplorer(rho=0.95, g_before=3.0, g_after=0.3, switch=150)
    for measured, closed in zip(explorer.measured(), explorer.closed_forms(), strict=True):
        np.testing.assert_allclose(measured, closed, rtol=1e-6)


def test_heavy_ball_rate_is_the_measured_contraction():
    from rmsprop_edu.explore import heavy_ball_rate
    from rmsprop_edu.optim import SGD

    for lr, mu in [(0.1, 0.5), (0.05, 0.9), (0.15, 0.0)]:
        tr = run_trajectory(surfaces.quadratic(10.0), SGD, 300, start=(1.0, 1.0), lr=lr, momentum=mu)
        dist = np.linalg.norm(tr.points, axis=1)
        measured = (dist[300] / dist[200]) ** (1 / 100)
        assert abs(measured - heavy_ball_rate(np.array(lr), np.array(mu), (1.0, 10.0))) < 0.01, (lr, mu)


def test_momentum_explorer_past_the_stability_edge_diverges():
    from rmsprop_edu.explore import MomentumExplorer

    # heavy ball is stable while lr * lambda_max < 2 (1 + mu)
    explorer = MomentumExplorer(kappa=10.0, lr=2 * 1.5 / 10 * 1.05, momentum=0.5, steps=200)
    assert explorer.rate() > 1
    xs, ys = explorer._path.get_data()
    assert np.hypot(xs[-1], ys[-1]) > 10
    explorer.update(lr=2 * 1.5 / 10 * 0.95)
    assert explorer.rate() < 1


def test_dialect_explorer_lists_what_differs_and_draws_hand_checked_rates():
    from rmsprop_edu.explore import DialectExplorer

    explorer = DialectExplorer(first="pytorch", second="tf1", lr=0.01, tiny=1e-5, steps=20)
    # the README's dialect table: rho 0.99 vs 0.9, eps 1e-8 outside vs 1e-10 inside the root, v0 0 vs 1
    assert explorer.differences() == {
        "rho": (0.99, 0.9),
        "eps": (1e-8, 1e-10),
        "eps_in_sqrt": (False, True),
        "initial_square_avg": (0.0, 1.0),
        "lr_in_momentum": (False, True),
    }
    pytorch, tf1 = explorer.rates("first"), explorer.rates("second")
    # step 1, pytorch: v = 0.01 g^2, rate = lr / (0.1 |g| + 1e-8)
    np.testing.assert_allclose(pytorch[0], 0.01 / (0.1 * np.array([1.0, 1e-5]) + 1e-8), rtol=1e-12)
    # step 1, tf1: v = 0.9 * 1 + 0.1 g^2, rate = lr / sqrt(v + 1e-10)
    np.testing.assert_allclose(tf1[0], 0.01 / np.sqrt(0.9 + 0.1 * np.array([1.0, 1e-10]) + 1e-10), rtol=1e-12)
    explorer.update(second="pytorch")
    assert explorer.differences() == {}


def test_the_tour_caption_of_the_decay_figure_states_the_measured_recovery():
    # the tour draws decay_contrast_figure() with its defaults: rho 0.9, a tenfold drop at step 150
    from rmsprop_edu.cli import TOUR_CAPTIONS
    from rmsprop_edu.explore import DecayExplorer

    explorer = DecayExplorer(rho=0.9, g_before=1.0, g_after=0.1, switch=150)
    _, rms = explorer.measured()
    recovered = int(np.argmax(np.abs(rms[150:] * 0.1 - 1) <= 0.1)) + 1  # the real RMSProp, steps after the switch
    assert recovered == 58
    assert "after 58 steps at rho = 0.9" in TOUR_CAPTIONS["decay_contrast.png"]


# ---------------------------------------------------------------- a click sets the start
def _click(explorer, x, y, button=1):
    """A mouse press at data point (x, y) of the path axes, through matplotlib's event machinery."""
    from matplotlib.backend_bases import MouseEvent

    canvas = explorer._agg()
    explorer.png()  # a drawn canvas, so that the axes know where they are
    px, py = explorer._ax_path.transData.transform((x, y))
    MouseEvent("button_press_event", canvas, px, py, button=button)._process()


def test_a_click_on_the_contours_moves_the_start_there():
    from rmsprop_edu.explore import RaceExplorer

    explorer = RaceExplorer(steps=50)
    _click(explorer, 0.52, 1.48)
    assert (explorer.values["x0"], explorer.values["y0"]) == (0.5, 1.5)  # the sliders' 0.05 grid
    for tr in explorer.trajectories().values():
        np.testing.assert_allclose(tr.points[0], [0.5, 1.5])
    np.testing.assert_allclose(explorer._paths["Adam"].get_xydata()[0], [0.5, 1.5])
    _click(explorer, -1.0, 0.0, button=3)  # a right click does nothing
    assert (explorer.values["x0"], explorer.values["y0"]) == (0.5, 1.5)


def test_the_ipympl_canvas_view_draws_everything_and_takes_clicks():
    pytest.importorskip("ipympl", reason="the ipympl canvas view needs ipympl (in the test extra)")
    from ipympl.backend_nbagg import Canvas

    from rmsprop_edu.explore import RaceExplorer

    explorer = RaceExplorer(steps=50)
    view = explorer.canvas_widget()
    assert isinstance(view.children[1], Canvas) and explorer.figure.canvas is view.children[1]
    assert not any(artist.get_animated() for artist in explorer.figure.findobj())  # full draws show the paths
    explorer.png()
    before = np.asarray(explorer._agg().buffer_rgba()).copy()
    _click(explorer, -1.0, 2.0)
    assert (explorer.values["x0"], explorer.values["y0"]) == (-1.0, 2.0)
    explorer.png()  # the canvas's own redraw (draw_idle) waits for the front end; draw it now
    after = np.asarray(explorer._agg().buffer_rgba())
    assert (np.abs(after.astype(int) - before.astype(int)).sum(axis=2) > 0).mean() > 0.001  # the paths moved


def test_the_display_bundle_holds_one_png_as_bytes_drawn_once():
    # a memoryview here is what broke notebook execution once (nbformat rejects it); and the figure
    # is drawn once for the bundle and the widget's first image
    from rmsprop_edu.explore import DecayExplorer

    explorer = DecayExplorer()
    calls = []
    original = explorer.png
    explorer.png = lambda: calls.append(1) or original()  # type: ignore[method-assign]
    bundle = explorer._repr_mimebundle_()
    assert isinstance(bundle["image/png"], bytes) and bundle["image/png"].startswith(b"\x89PNG\r\n\x1a\n")
    assert len(calls) == 1
