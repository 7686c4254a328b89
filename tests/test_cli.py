"""The rmsprop-edu command line: the tour writes its figures; bad arguments give one clear line."""

from __future__ import annotations

import subprocess
import sys
import warnings

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
    assert (tmp_path / "train_mlp_spirals_sgd.png").stat().st_size > 10_000


def test_names_ignore_case_and_become_canonical(tmp_path, capsys):
    args = ["race", "--surface", " Booth", "--optimizers", "SGD,RMSprop", "--steps", "20", "--lr", "0.01"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    assert (tmp_path / "race_booth.png").exists() and "RMSProp(lr=0.01)" in capsys.readouterr().out
    args = ["train", "--model", "MLP", "--dataset", "XOR", "--optimizer", "Adam", "--epochs", "1", "--no-progress"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    assert "mlp on xor with Adam(lr=0.001)" in capsys.readouterr().out
    assert (tmp_path / "train_mlp_xor_adam.png").exists()


def test_any_other_warning_becomes_one_line(monkeypatch, capsys):
    from rmsprop_edu import cli

    def list_with_a_warning(args):
        warnings.warn("something odd", RuntimeWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(cli, "cmd_list", list_with_a_warning)
    assert main(["list"]) == 0
    assert capsys.readouterr().err == "rmsprop-edu list: warning: something odd\n"
