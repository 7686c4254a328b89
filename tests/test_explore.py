"""Explorers: update() is what a slider does, and nothing in them can block a headless run."""

import json
from pathlib import Path

import numpy as np
import pytest

from rmsprop_edu import run_trajectory, surfaces
from rmsprop_edu.explore import RaceExplorer
from rmsprop_edu.optim import Adam, RMSProp

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def _path(explorer):
    xs, ys = explorer._path.get_data()
    return np.column_stack([xs, ys])


def test_update_redraws_the_run_with_the_new_values():
    explorer = RaceExplorer(lr=0.01, rho=0.9, steps=50)
    explorer.update(lr=0.05, rho=0.99)
    expected = run_trajectory(surfaces.get("rosenbrock"), RMSProp, 50, lr=0.05, rho=0.99).points
    np.testing.assert_array_equal(_path(explorer), expected)
    assert explorer.values == {"optimizer": "RMSProp", "lr": 0.05, "rho": 0.99, "steps": 50}


def test_adam_uses_the_decay_slider_as_beta2():
    explorer = RaceExplorer(optimizer="Adam", lr=0.1, rho=0.95, steps=30)
    expected = run_trajectory(surfaces.get("rosenbrock"), Adam, 30, lr=0.1, betas=(0.9, 0.95)).points
    np.testing.assert_array_equal(_path(explorer), expected)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"lr": 3.0}, r"lr must be in \[0.0001, 1\], got 3.0"),
        ({"rho": 1.0}, r"rho must be in \[0.5, 0.999\], got 1.0"),
        ({"steps": 5}, r"steps must be in \[10, 2000\], got 5"),
        ({"optimizer": "SGD"}, r"optimizer must be one of 'RMSProp', 'Adam', got 'SGD'"),
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
