"""The rmsprop-edu command line: the tour writes its figures; bad arguments give one clear line."""

from __future__ import annotations

import itertools
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image, ImageSequence

from rmsprop_edu.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "rmsprop_edu", *args], capture_output=True, text=True, timeout=300)


def assert_drawn(pixels, min_size=(1000, 500)):
    """``pixels`` (H, W, 3) are a figure with something plotted: big enough, and not blank.

    An empty white canvas has one colour; empty axes with titles and labels have grey
    antialiased text (about 250 colours, pixel std ~25) but no colour. Curves, paths and
    bands are drawn in colour, so a real figure also has coloured pixels (chroma > 60): at
    least 0.1 % of them, about what one 2-pt curve across one panel of three gives.
    """
    height, width, _ = pixels.shape
    assert min_size[0] <= width <= 4000 and min_size[1] <= height <= 4000, (width, height)
    colours = len(np.unique(pixels.reshape(-1, 3), axis=0))
    chroma = pixels.max(axis=2).astype(int) - pixels.min(axis=2)
    assert colours > 100 and pixels.std() > 20 and np.mean(chroma > 60) > 0.001, (colours, pixels.std())


def assert_figure(path, min_size=(1000, 500)):
    """The file decodes as an image, and that image is a drawn figure (:func:`assert_drawn`)."""
    with Image.open(path) as image:
        assert_drawn(np.asarray(image.convert("RGB")), min_size)


def assert_animation(path, frames):
    """The GIF has ``frames`` frames, the last one a drawn figure, and it moves: the frames differ."""
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == frames
        shots = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)]
    assert_drawn(shots[-1], min_size=(500, 400))
    changed = [not np.array_equal(a, b) for a, b in itertools.pairwise(shots)]
    assert sum(changed) >= 0.9 * (frames - 1)  # the paths grow (and the legend's rates change) frame by frame
    assert np.mean(np.any(shots[0] != shots[-1], axis=2)) > 0.002  # the last frame shows a path the first does not


def test_the_image_checks_refuse_a_blank_figure_and_empty_axes(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blank = plt.figure(figsize=(13, 6.5))
    blank.savefig(tmp_path / "blank.png", dpi=110)
    empty, axes = plt.subplots(1, 3, figsize=(13, 6.5))
    for ax in axes:
        ax.set(title="effective lr", xlabel="step", ylabel="lr (log)", yscale="log")
    empty.savefig(tmp_path / "empty.png", dpi=110)
    axes[0].plot([1, 2, 3], [1, 10, 100], lw=2)
    empty.savefig(tmp_path / "one_curve.png", dpi=110)
    plt.close("all")
    for name in ("blank.png", "empty.png"):
        with pytest.raises(AssertionError):
            assert_figure(tmp_path / name)
    assert_figure(tmp_path / "one_curve.png")


def test_tour_writes_every_figure_and_an_index(tmp_path):
    out = tmp_path / "tour"
    result = run("tour", "--out", str(out), "--quick", "--no-progress")
    assert result.returncode == 0, result.stderr
    for name in ("race_rosenbrock.png", "race_rosenbrock.gif", "decay_contrast.png", "mlp_effective_lr.png"):
        assert f'src="{name}"' in (out / "index.html").read_text()
    for name in ("race_rosenbrock.png", "decay_contrast.png", "mlp_effective_lr.png"):
        assert_figure(out / name)
    assert_animation(out / "race_rosenbrock.gif", frames=30)
    assert "[4/4]" in result.stdout and "accuracy" in result.stdout and "index.html" in result.stdout


def test_race_and_train_commands(tmp_path, capsys):
    assert (
        main(
            [
                "race",
                "--surface",
                "booth",
                "--optimizers",
                "sgd,rmsprop",
                "--steps",
                "50",
                "--lr",
                "0.01",
                "--out",
                str(tmp_path),
                "--gif",
            ]
        )
        == 0
    )
    assert_figure(tmp_path / "race_booth.png")
    assert_animation(tmp_path / "race_booth.gif", frames=50)
    assert "RMSProp(lr=0.01)" in capsys.readouterr().out
    assert (
        main(
            [
                "train",
                "--model",
                "mlp",
                "--dataset",
                "xor",
                "--optimizer",
                "adam",
                "--lr",
                "0.01",
                "--epochs",
                "5",
                "--out",
                str(tmp_path),
                "--no-progress",
            ]
        )
        == 0
    )
    assert "training accuracy" in capsys.readouterr().out
    assert_figure(tmp_path / "train_mlp_xor_adam.png")


def test_list_names_everything(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    for name in ("rosenbrock", "moving_bowl", "rmsprop", "adamw", "keras", "tf1", "spirals", "adding"):
        assert name in text
    # the presets line of each optimizer names exactly the libraries that have it
    assert "  RAdam              pytorch, optax\n" in text
    assert "  Adam               pytorch, keras, optax, tf1\n" in text


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["race", "--surface", "everest", "--optimizers", "sgd"],
            "--surface must be one of 'quadratic', 'rotated_quadratic',",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd,adamm"],
            "--optimizers must be one of 'adadelta', 'adagrad',",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd", "--lr", "-1"],
            "argument --lr: lr must be in [0, inf), got -1",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd", "--lr", "nan"],
            "argument --lr: lr must be finite, got nan",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd", "--lr", "fast"],
            "argument --lr: lr must be a real number, got 'fast'",
        ),
        (  # float("1e-400") is 0.0: refused rather than silently racing with lr = 0
            ["race", "--surface", "booth", "--optimizers", "sgd", "--lr", "1e-400"],
            "argument --lr: lr 1e-400 is outside the range of a float, which would round it to 0; give 0 or a "
            "magnitude from 2.23e-308 to 1.8e+308",
        ),
        (
            ["train", "--model", "mlp", "--dataset", "xor", "--optimizer", "sgd", "--lr", "1e400"],
            "argument --lr: lr 1e400 is outside the range of a float, which would round it to inf",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd,adam", "--lr", "0.1", "0.2", "0.3"],
            "--lr takes one value or one per optimizer (2), got 3",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd", "--steps", "0"],
            "argument --steps: steps must be in [1, inf), got 0",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd", "--steps", "2.5"],
            "argument --steps: steps must be a whole number, got 2.5",
        ),
        (["race", "--surface", "booth", "--optimizers", ","], "--optimizers needs at least one optimizer name"),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd", "--out", "/proc/forbidden/race"],
            "cannot write to output folder '/proc/forbidden/race'",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd", "--out", "race.txt"],
            "--out file type must be one of '.eps',",
        ),
        (
            ["train", "--model", "rnn", "--dataset", "spirals", "--optimizer", "sgd"],
            "--dataset for --model rnn must be one of 'sine', 'adding', got 'spirals'",
        ),
        (
            ["train", "--model", "mlp", "--dataset", "spirals", "--optimizer", "rmsprob"],
            "--optimizer must be one of 'adadelta',",
        ),
        (["train", "--model", "cnn", "--dataset", "spirals", "--optimizer", "sgd"], "argument --model: invalid choice"),
        (
            ["train", "--model", "mlp", "--dataset", "xor", "--optimizer", "sgd", "--epochs", "-3"],
            "argument --epochs: epochs must be in [1, inf), got -3",
        ),
        (
            ["train", "--model", "mlp", "--dataset", "xor", "--optimizer", "sgd", "--out", "/proc/x"],
            "cannot write to output folder '/proc/x'",
        ),
        (["tour", "--out", "/proc/forbidden/tour"], "cannot write to output folder '/proc/forbidden/tour'"),
        (["list", "--surface", "booth"], "unrecognized arguments: --surface booth"),
        (["lst"], "argument {tour,race,train,list}: invalid choice: 'lst'"),
    ],
)
def test_bad_arguments_give_one_line_and_a_nonzero_exit(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_shows_examples():
    for command in ([], ["tour"], ["race"], ["train"], ["list"]):
        result = run(*command, "--help")
        assert result.returncode == 0 and "examples:" in result.stdout


def test_list_help_describes_the_command():
    result = run("list", "--help")
    assert "List the names the other commands accept" in result.stdout
    assert "  rmsprop-edu list\n" in result.stdout


def test_train_checks_every_argument_before_creating_the_output_folder(tmp_path):
    out = tmp_path / "newdir"
    result = run("train", "--dataset", "sine", "--model", "mlp", "--optimizer", "sgd", "--out", str(out))
    assert result.returncode == 2
    assert "--dataset for --model mlp must be one of 'spirals', 'moons', 'circles', 'xor', got 'sine'" in result.stderr
    assert not out.exists()


def test_race_refuses_an_unknown_file_type_before_racing(tmp_path):
    out = tmp_path / "figures" / "race.txt"
    result = run("race", "--surface", "booth", "--optimizers", "sgd", "--out", str(out))
    assert result.returncode == 2 and "got '.txt'" in result.stderr
    assert not out.parent.exists()


def test_divergence_is_reported_once_without_a_python_warning(tmp_path):
    result = run(
        "train", "--model", "mlp", "--dataset", "spirals", "--optimizer", "sgd", "--lr", "1e200",
        "--epochs", "1", "--no-progress", "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "training stopped at step 1: the loss became nan. Try a smaller learning rate (now 1e+200)"
    )
    assert "Warning" not in result.stderr and "cli.py" not in result.stderr


def test_lr_zero_plots_without_warnings_text(tmp_path):
    result = run(
        "train", "--model", "mlp", "--dataset", "spirals", "--optimizer", "sgd", "--lr", "0",
        "--epochs", "1", "--no-progress", "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
    assert_figure(tmp_path / "train_mlp_spirals_sgd.png")


def test_names_ignore_case_and_become_canonical(tmp_path, capsys):
    args = ["race", "--surface", " Booth", "--optimizers", "SGD,RMSprop", "--steps", "20", "--lr", "0.01"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    assert "RMSProp(lr=0.01)" in capsys.readouterr().out
    assert_figure(tmp_path / "race_booth.png")
    args = ["train", "--model", "MLP", "--dataset", "XOR", "--optimizer", "Adam", "--epochs", "1", "--no-progress"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    assert "mlp on xor with Adam(lr=0.001)" in capsys.readouterr().out
    assert_figure(tmp_path / "train_mlp_xor_adam.png")


def test_any_other_warning_becomes_one_line(monkeypatch, capsys):
    from rmsprop_edu import cli

    def list_with_a_warning(args):
        warnings.warn("something odd", RuntimeWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(cli, "cmd_list", list_with_a_warning)
    assert main(["list"]) == 0
    assert capsys.readouterr().err == "rmsprop-edu list: warning: something odd\n"
