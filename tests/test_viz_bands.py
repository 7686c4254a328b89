"""Effective-learning-rate figures for runs too short to have a record: a note, never a traceback."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from PIL import Image

from rmsprop_edu import EffectiveLRRecorder, data, fit, nn, viz
from rmsprop_edu.cli import main
from rmsprop_edu.optim import RMSProp


def _not_blank(path) -> bool:
    """The PNG decodes and holds more than one colour (text or lines were drawn)."""
    with Image.open(path) as image:
        image.load()
        pixels = np.asarray(image.convert("L"))
    return pixels.size > 0 and int(pixels.max()) - int(pixels.min()) > 100 and (pixels < 128).mean() > 1e-4


def _tiny_run(every: int, steps: int, snapshot: str) -> EffectiveLRRecorder:
    x, y = data.xor(40, rng=0)
    model = nn.Sequential(nn.Linear(2, 8, rng=1), nn.ReLU(), nn.Linear(8, 2, rng=2))
    recorder = EffectiveLRRecorder(model, every=every, snapshots=[snapshot])
    optimizer = RMSProp(model.parameters())
    fit(model, nn.SoftmaxCrossEntropy(), optimizer, (x, y), steps=steps, callbacks=[recorder], progress=False)
    return recorder


def test_a_run_shorter_than_every_draws_a_note(tmp_path):
    recorder = _tiny_run(every=10, steps=3, snapshot="0.weight")
    assert recorder.steps == []  # 3 steps, a record every 10: nothing recorded

    fig = viz.network_lr_figure(recorder, title="too short", ceiling=1e6)
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("no records yet: the run was shorter than every=10" in note for note in notes), notes
    fig.savefig(tmp_path / "short.png", dpi=80)
    assert _not_blank(tmp_path / "short.png")

    ax = viz.plot_lr_bands(np.asarray(recorder.steps), recorder.stats, recorder.percentiles)
    assert any(t.get_text().startswith("no records yet") for t in ax.texts)
    assert ax.get_legend() is None and not ax.lines


def test_network_figure_gives_each_tensor_its_own_panel():
    recorder = _tiny_run(every=2, steps=6, snapshot="2.weight")
    fig = viz.network_lr_figure(recorder, ceiling=1e6)
    titles = [ax.get_title() for ax in fig.axes]
    for name in ("0.weight (2x8)", "0.bias (8)", "2.weight (8x2)", "2.bias (2)"):
        assert name in titles
    assert any(title.startswith("2.weight: each weight's effective lr at step 6") for title in titles)
    panels = [ax for ax in fig.axes if ax.get_title() in ("0.weight (2x8)", "2.bias (2)")]
    assert all(ax.get_yscale() == "log" for ax in panels)
    assert [t.get_text() for t in fig.legends[0].get_texts()][-1].startswith("ceiling lr/eps = 1e+06")


def test_cli_train_for_one_epoch_writes_a_figure(tmp_path, capsys):
    # 64 sequences in batches of 32: two steps, fewer than a recorder's usual interval
    command = ["train", "--model", "rnn", "--dataset", "sine", "--optimizer", "adam", "--epochs", "1"]
    code = main([*command, "--out", str(tmp_path), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    png = tmp_path / "train_rnn_sine_adam.png"
    assert png.exists() and _not_blank(png)


def test_single_axes_bands_keep_the_legend_outside_and_refuse_unknown_placements():
    steps = np.arange(10, 60, 10)
    stats = {name: np.tile([1e-3, 1e-2, 1e-1, 1.0, 10.0], (5, 1)) * k for k, name in enumerate(("a", "b"), start=1)}
    ax = viz.plot_lr_bands(steps, stats)
    anchor = ax.get_legend().get_bbox_to_anchor().transformed(ax.transAxes.inverted())
    assert anchor.x0 > 1.0  # right of the axes, over no band
    assert len(ax.collections) == 2 and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="legend must be one of"):
        viz.plot_lr_bands(steps, stats, legend="outsde")
