"""The rmsprop-edu command line: the tour writes its figures; bad arguments give one clear line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PIL import Image

from rmsprop_edu.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "rmsprop_edu", *args], capture_output=True, text=True, timeout=300)


def test_tour_writes_every_figure_and_an_index(tmp_path):
    out = tmp_path / "tour"
    result = run("tour", "--out", str(out), "--quick", "--no-progress")
    assert result.returncode == 0, result.stderr
    for name in ("race_rosenbrock.png", "race_rosenbrock.gif", "decay_contrast.png", "mlp_effective_lr.png"):
        assert (out / name).stat().st_size > 10_000, name
        assert f'src="{name}"' in (out / "index.html").read_text()
    with Image.open(out / "race_rosenbrock.gif") as gif:
        assert gif.n_frames == 30
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
            ]
        )
        == 0
    )
    assert (tmp_path / "race_booth.png").exists()
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
    assert (tmp_path / "train_mlp_xor_adam.png").exists()


def test_list_names_everything(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    for name in ("rosenbrock", "moving_bowl", "rmsprop", "adamw", "keras", "tf1", "spirals", "adding"):
        assert name in text


@pytest.mark.parametrize(
    "args,message",
    [
        (["race", "--surface", "everest", "--optimizers", "sgd"], "unknown surface 'everest'; choose from quadratic"),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd,adamm"],
            "unknown optimizer 'adamm'; choose from adadelta",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd", "--lr", "-1"],
            "learning rates must be in [0, inf), got -1",
        ),
        (
            ["race", "--surface", "booth", "--optimizers", "sgd,adam", "--lr", "0.1", "0.2", "0.3"],
            "--lr takes one value or one per optimizer (2), got 3",
        ),
        (["race", "--surface", "booth", "--optimizers", "sgd", "--steps", "0"], "must be at least 1, got 0"),
        (["train", "--model", "rnn", "--dataset", "spirals", "--optimizer", "sgd"], "does not suit --model rnn"),
        (["tour", "--out", "/proc/forbidden/tour"], "cannot write to output folder '/proc/forbidden/tour'"),
    ],
)
def test_bad_arguments_give_one_line_and_a_nonzero_exit(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_shows_examples():
    for command in ([], ["tour"], ["race"], ["train"]):
        result = run(*command, "--help")
        assert result.returncode == 0 and "examples:" in result.stdout
