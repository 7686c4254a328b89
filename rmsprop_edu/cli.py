"""The ``rmsprop-edu`` command line: ``tour``, ``race``, ``train``, ``list`` and ``classroom``.

Bad arguments give one clear line on stderr and exit status 2, never a traceback;
every argument is checked before anything is created on disk. Any other exception is
a bug: it too is one line (its type, message and place, exit status 1), and
``--traceback`` shows the whole traceback for a bug report.

This module parses arguments, resolves names, and writes files and messages; what the
commands train and race comes from the library (:mod:`rmsprop_edu.recipes`,
:mod:`rmsprop_edu.trajectory`, :mod:`rmsprop_edu.viz`).
"""

from __future__ import annotations

import argparse
import decimal
import html
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import optim, surfaces
from ._validation import check_choice, check_int, check_range
from .recipes import MLP_DATASETS, RNN_DATASETS, run_race, train_with_recorder

OPTIMIZERS = {name.lower(): getattr(optim, name) for name in optim.__all__ if name != "Optimizer"}


class CliError(Exception):
    """A problem with the user's request, reported as one line."""


def _choose(option: str, text: str, choices: Sequence[str]) -> str:
    """The name in ``choices`` that ``text`` means, ignoring case and surrounding spaces."""
    by_key = {choice.lower(): choice for choice in choices}
    key = text.strip().lower()
    if key not in by_key:
        check_choice(option, text, choices)  # raises: "--surface must be one of ..., got 'Everest'"
    return by_key[key]


def _optimizer(name: str, option: str = "--optimizer") -> type[optim.Optimizer]:
    return OPTIMIZERS[_choose(option, name, sorted(OPTIMIZERS))]


def _surface(name: str) -> surfaces.Surface:
    return surfaces.get(_choose("--surface", name, surfaces.NAMES))


def _dataset(model_kind: str, name: str) -> str:
    return _choose(f"--dataset for --model {model_kind}", name, MLP_DATASETS if model_kind == "mlp" else RNN_DATASETS)


def _output_dir(path: str) -> Path:
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".rmsprop_edu_write_test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise CliError(f"cannot write to output folder {str(folder)!r}: {error.strerror or error}") from error
    return folder


def _number(name: str, text: str) -> int | float | str:
    """``text`` as an int or a float if it is one; else the text, which the checks then refuse by name.

    A decimal that a float cannot hold is refused here, not rounded: ``1e-400`` would
    silently become 0 and ``1e400`` inf.
    """
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    if math.isfinite(value) and value != 0 and abs(value) >= sys.float_info.min:
        return value
    try:
        exact = decimal.Decimal(text.strip().replace("_", ""))
    except decimal.InvalidOperation:
        return value
    if exact.is_finite() and exact != 0:
        raise ValueError(
            f"{name} {text.strip()} is outside the range of a float, which would round it to {value:g}; "
            f"give 0 or a magnitude from {sys.float_info.min:.3g} to {sys.float_info.max:.3g}"
        )
    return value


def _count(name: str) -> Callable[[str], int]:
    """An argparse ``type``: a whole number >= 1, refused in the words of ``check_int``."""

    def parse(text: str) -> int:
        try:
            return check_int(name, _number(name, text), 1)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _lr(text: str) -> float:
    """An argparse ``type``: a learning rate in [0, inf)."""
    try:
        return check_range("lr", _number("lr", text), 0.0, math.inf)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _say(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(message, flush=True)


# ----------------------------------------------------------------------------- commands
def cmd_list(args: argparse.Namespace) -> int:
    print("surfaces:")
    for name in surfaces.NAMES:
        print(f"  {name:18s} {surfaces.get(name).teaches}")
    print("optimizers (torch.optim defaults; RMSProp's rho is torch's alpha):")
    for name, cls in sorted(OPTIMIZERS.items()):
        defaults = ", ".join(
            f"{k}={v}" for k, v in cls.defaults.items() if k in ("lr", "rho", "betas", "eps", "momentum")
        )
        print(f"  {name:18s} {defaults}")
    print("presets (Opt.preset(library, params, ...); the README's dialect tables say what each sets):")
    for cls in OPTIMIZERS.values():
        if cls.PRESETS:
            print(f"  {cls.__name__:18s} {', '.join(cls.PRESETS)}")
    print("datasets:")
    print(f"  for --model mlp:   {', '.join(MLP_DATASETS)}")
    print(f"  for --model rnn:   {', '.join(RNN_DATASETS)}")
    return 0


def cmd_race(args: argparse.Namespace) -> int:
    from . import viz

    surface = _surface(args.surface)
    classes = [_optimizer(name, "--optimizers") for name in args.optimizers.split(",") if name.strip()]
    if not classes:
        raise CliError("--optimizers needs at least one optimizer name")
    if args.lr is not None and len(args.lr) not in (1, len(classes)):
        raise CliError(f"--lr takes one value or one per optimizer ({len(classes)}), got {len(args.lr)}")
    lrs = None if args.lr is None else (args.lr * len(classes) if len(args.lr) == 1 else args.lr)
    target, gif = _race_targets(args.out, surface.name, args.gif)
    _output_dir(str(target.parent))
    trajectories, caption = run_race(surface, classes, args.steps, lrs, lr_source="on the command line")
    figure = viz.race_figure(surface, trajectories, caption)
    figure.savefig(target, dpi=110)
    print(f"wrote {target}")
    if gif is not None:
        viz.animate_race(surface, trajectories, gif, frames=50, fps=10, caption=caption)
        print(f"wrote {gif}")
    _print_race_table(surface, trajectories)
    return 0


def _race_targets(text: str, surface_name: str, gif: bool) -> tuple[Path, Path | None]:
    """Where ``race --out text`` writes the figure and (with ``--gif``) the animation.

    A name with an image suffix (.png, .svg, .gif, ...) is the figure's file; any other
    name is a folder (``results.v1`` too, and anything ending in /), except a name with
    a well-known non-image type (``race.txt``), refused before the race. Each file gets
    its own name: ``--out r.gif --gif`` writes the figure to r.png and the animation to r.gif.
    """
    import mimetypes

    from matplotlib.backend_bases import FigureCanvasBase

    out = Path(text)
    suffix = out.suffix.lower()
    images = [f".{kind}" for kind in FigureCanvasBase.get_supported_filetypes()]
    surely_folder = text.endswith(("/", os.sep)) or out.is_dir()
    if surely_folder or suffix not in images:
        # Python's built-in table, not the system's, so that every machine gives the same answer
        if suffix and not surely_folder and mimetypes.MimeTypes().guess_type(f"x{suffix}", strict=False)[0]:
            try:
                check_choice("--out file type", suffix, images)
            except ValueError as error:
                raise CliError(f"{error} (for a folder named {text!r}, end it with /)") from None
        out = out / f"race_{surface_name}.png"
    animation = out.with_suffix(".gif") if gif else None
    if animation is not None and out.suffix.lower() == ".gif":
        out = out.with_suffix(".png")  # the animation takes the .gif name the user gave
    return out, animation


def _print_race_table(surface: surfaces.Surface, trajectories: Sequence[Any]) -> None:
    print(f"\n{'optimizer':40s} {'final loss':>12s}  final point")
    for tr in trajectories:
        state = "diverged" if tr.diverged_at is not None else f"{tr.losses[-1]:12.3e}"
        print(f"{tr.label:40s} {state:>12s}  {np.round(tr.points[-1], 4)}")


def cmd_train(args: argparse.Namespace) -> int:
    from . import viz

    opt_cls = _optimizer(args.optimizer)
    dataset = _dataset(args.model, args.dataset)
    out = _output_dir(args.out)  # only once every argument is known to be good
    history, recorder, optimizer = train_with_recorder(
        args.model, dataset, opt_cls, lr=args.lr, epochs=args.epochs, progress=not args.no_progress
    )
    if history.diverged_at is not None:
        print(history.message, file=sys.stderr)
        return 1
    summary = f"{args.model} on {dataset} with {opt_cls.__name__}(lr={optimizer.param_groups[0]['lr']:g}): "
    summary += f"{len(history.steps)} steps, final loss {history.losses[-1]:.4f}"
    if "train_accuracy" in history.metrics:
        summary += f", training accuracy {history.final('train_accuracy'):.1%}"
    print(summary)
    group = optimizer.param_groups[0]
    ceiling = group["lr"] / group["eps"] if group.get("eps") and group["lr"] > 0 else None
    target = out / f"train_{args.model}_{dataset}_{opt_cls.__name__.lower()}.png"
    viz.network_lr_figure(recorder, title=summary, ceiling=ceiling).savefig(target, dpi=110)
    print(f"wrote {target}")
    return 0


TOUR_CAPTIONS = {
    "race_rosenbrock.png": "Four optimizers race down Rosenbrock's curved valley, each with its learning rate tuned "
    "at the plotted horizon; notice which ones reach the minimum at (1, 1) and which stall in the valley.",
    "race_rosenbrock.gif": "The same race animated; the legend shows each optimizer's current per-coordinate "
    "effective learning rate, which is what adaptive methods change as they go.",
    "decay_contrast.png": "Adagrad's effective learning rate only ever shrinks (1/sqrt(t)); RMSProp's follows the "
    "recent gradients: when they shrink tenfold it is back within 10% of lr/|g| after 58 steps at rho = 0.9 "
    "(the arrow), the time it takes to forget the old squares.",
    "mlp_effective_lr.png": "Inside a real network (an MLP learning spirals with RMSProp) every weight gets its own "
    "learning rate: bands per layer over training, and one weight matrix element by element.",
}


def cmd_tour(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import viz

    out = _output_dir(args.out)
    quiet = args.quiet
    started = time.perf_counter()
    steps = 300 if args.quick else 500
    total = 4

    _say(
        f"[1/{total}] racing SGD+momentum, Adagrad, RMSProp and Adam on Rosenbrock ({steps} steps, lr tuned fairly)",
        quiet,
    )
    rosenbrock = surfaces.get("rosenbrock")
    contenders = [(optim.SGD, {"momentum": 0.9}), (optim.Adagrad, {}), (optim.RMSProp, {}), (optim.Adam, {})]
    from .trajectory import fair_race

    trajectories, caption = fair_race(rosenbrock, contenders, steps)
    title = "Rosenbrock race: which optimizers follow the curved valley to the minimum at (1, 1)?"
    viz.race_figure(rosenbrock, trajectories, caption, title=title).savefig(out / "race_rosenbrock.png", dpi=110)
    plt.close("all")

    _say(f"[2/{total}] animating the race (GIF)", quiet)
    viz.animate_race(
        rosenbrock, trajectories, out / "race_rosenbrock.gif", frames=30 if args.quick else 50, fps=10, caption=caption
    )

    _say(f"[3/{total}] the decay contrast: Adagrad vs RMSProp on the same gradient stream", quiet)
    viz.decay_contrast_figure().savefig(out / "decay_contrast.png", dpi=110)
    plt.close("all")

    _say(f"[4/{total}] training an MLP on spirals with RMSProp and recording its effective learning rates", quiet)
    epochs, progress = 60 if args.quick else 100, not quiet and not args.no_progress
    history, recorder, optimizer = train_with_recorder(
        "mlp", "spirals", optim.RMSProp, lr=0.01, epochs=epochs, progress=progress
    )
    accuracy = history.final("train_accuracy")
    group = optimizer.param_groups[0]
    figure = viz.network_lr_figure(
        recorder,
        title=f"MLP 2-64-64-3 on spirals, RMSProp(lr=0.01): training accuracy {accuracy:.1%}",
        ceiling=group["lr"] / group["eps"],
    )
    figure.savefig(out / "mlp_effective_lr.png", dpi=110)
    plt.close("all")

    rows = [(tr.label, "diverged" if tr.diverged_at is not None else f"{tr.losses[-1]:.3e}") for tr in trajectories]
    rows.append((f"MLP on spirals, RMSProp(lr=0.01), {len(history.steps)} steps", f"accuracy {accuracy:.1%}"))
    _write_index(out, rows, caption)
    elapsed = time.perf_counter() - started
    print(f"\n{'run':55s} result")
    for label, result in rows:
        print(f"{label:55s} {result}")
    print(f"\nwrote {len(TOUR_CAPTIONS)} figures and index.html to {out.resolve()} in {elapsed:.1f} s")
    print(f"open {out.resolve() / 'index.html'} in a browser to see them")
    return 0


def _write_index(out: Path, rows: list[tuple[str, str]], caption: str) -> None:
    figures = "\n".join(
        f'<figure><img src="{name}" alt="{html.escape(name)}"><figcaption>{html.escape(text)}</figcaption></figure>'
        for name, text in TOUR_CAPTIONS.items()
    )
    table = "\n".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>" for a, b in rows)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rmsprop_edu tour</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
img{{max-width:100%;border:1px solid #ccc}}figure{{margin:2em 0}}figcaption{{color:#333;margin-top:.4em}}
td{{padding:.2em 1em;border-bottom:1px solid #ddd}}</style></head>
<body><h1>rmsprop_edu: a tour of adaptive optimizers</h1>
<p>{html.escape(caption)}</p>
<table><tr><th>run</th><th>result</th></tr>
{table}
</table>
{figures}
</body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")


def cmd_classroom(args: argparse.Namespace) -> int:
    try:
        import nbformat  # noqa: F401 (only to say what is missing before anything is written)

        from . import classroom
    except ModuleNotFoundError as error:
        raise CliError(f"classroom needs {error.name}: pip install 'rmsprop-edu[classroom]'") from None
    chosen = None
    if args.assignments is not None:
        chosen = [name.strip() for name in args.assignments.split(",") if name.strip()]
        chosen = [_choose("--assignments", name, list(classroom.ASSIGNMENTS)) for name in chosen]
    written = classroom.write_course(args.dir, chosen, timeout=args.timeout, overwrite=args.force)
    for path in written:
        print(f"wrote {path}")
    print()
    print(classroom.teacher_commands(args.dir, chosen))
    return 0


# ------------------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage itself is one --help away)."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the four commands, each with its examples in ``--help``."""
    parser = _Parser(
        prog="rmsprop-edu",
        description="See how gradient-descent optimizers work: races on toy surfaces, effective learning rates.",
        epilog="examples:\n  rmsprop-edu tour\n  rmsprop-edu race --surface beale --optimizers rmsprop,adam --gif\n"
        "  rmsprop-edu train --model mlp --dataset spirals --optimizer rmsprop\n  rmsprop-edu list\n"
        "  rmsprop-edu classroom my_course",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{tour,race,train,list}")
    raw = argparse.RawDescriptionHelpFormatter

    tour = sub.add_parser(
        "tour",
        help="write the key figures and an index.html (20-40 s on 2 cores)",
        description="Write the key figures and an index.html that explains them; this takes 20-40 s on a "
        "2-core machine (it depends on the machine).",
        formatter_class=raw,
        epilog="examples:\n  rmsprop-edu tour\n  rmsprop-edu tour --out my_figures --quick",
    )
    tour.add_argument("--out", default="rmsprop_edu_tour", help="output folder (default: rmsprop_edu_tour)")
    tour.add_argument("--quick", action="store_true", help="fewer steps and frames")
    tour.add_argument("--quiet", action="store_true", help="print only the summary")
    tour.add_argument("--no-progress", action="store_true", help="no progress bar while training")
    tour.set_defaults(run=cmd_tour)

    race = sub.add_parser(
        "race",
        help="race optimizers on a toy surface",
        description="Race optimizers on a toy surface and plot their paths (and, with --gif, an animation).",
        formatter_class=raw,
        epilog="examples:\n  rmsprop-edu race --surface rosenbrock --optimizers sgd,rmsprop,adam\n"
        "  rmsprop-edu race --surface saddle --optimizers rmsprop,adagrad --lr 0.01 --steps 200 --gif\n"
        "  rmsprop-edu race --surface beale --optimizers adam --lr 0.05 --out beale.png\n"
        "without --lr every optimizer's lr is tuned on a log grid at the plotted horizon",
    )
    race.add_argument("--surface", required=True, help=f"one of: {', '.join(surfaces.NAMES)} (any case)")
    race.add_argument("--optimizers", required=True, help="comma-separated, any case, e.g. sgd,rmsprop,adam")
    race.add_argument("--steps", type=_count("steps"), default=500, help="steps per optimizer (default 500)")
    race.add_argument("--lr", type=_lr, nargs="+", help="one lr for all, or one per optimizer (default: tuned)")
    race.add_argument("--gif", action="store_true", help="also write an animated GIF")
    race.add_argument("--out", default=".", help="output folder or .png path (default: current folder)")
    race.set_defaults(run=cmd_race)

    train = sub.add_parser(
        "train",
        help="train a small network and plot its effective learning rates",
        description="Train a small network and plot the effective learning rate of every weight.",
        formatter_class=raw,
        epilog="examples:\n  rmsprop-edu train --model mlp --dataset spirals --optimizer rmsprop\n"
        "  rmsprop-edu train --model rnn --dataset sine --optimizer adam --lr 0.003 --epochs 40",
    )
    train.add_argument("--model", type=str.lower, choices=["mlp", "rnn"], required=True)
    train.add_argument(
        "--dataset", required=True, help=f"mlp: {', '.join(MLP_DATASETS)}; rnn: {', '.join(RNN_DATASETS)} (any case)"
    )
    train.add_argument("--optimizer", required=True, help=f"one of: {', '.join(sorted(OPTIMIZERS))} (any case)")
    train.add_argument("--lr", type=_lr, help="learning rate (default: the optimizer's)")
    train.add_argument("--epochs", type=_count("epochs"), default=60, help="passes over the data (default 60)")
    train.add_argument("--out", default=".", help="output folder (default: current folder)")
    train.add_argument("--no-progress", action="store_true")
    train.set_defaults(run=cmd_train)

    lister = sub.add_parser(
        "list",
        help="list surfaces, optimizers, presets and datasets",
        description="List the names the other commands accept: surfaces, optimizers (with their defaults), "
        "each optimizer's presets, and the datasets for each model.",
        formatter_class=raw,
        epilog="examples:\n  rmsprop-edu list\n  rmsprop-edu list | grep -i adam",
    )
    lister.set_defaults(run=cmd_list)

    course = sub.add_parser(
        "classroom",
        help="write an nbgrader course with four graded assignments",
        description="Write a ready nbgrader course folder: nbgrader_config.py (SQLite gradebook, a time limit "
        "per cell) and source/<assignment>/<assignment>.ipynb for four assignments built from the exercises "
        "(RMSProp, Adagrad vs RMSProp, Adam and AdamW, backprop through a tanh RNN); then print the commands "
        "that generate, hand out, collect, autograde and give feedback. Grading needs nbgrader "
        "(pip install 'rmsprop-edu[classroom]').",
        formatter_class=raw,
        epilog="examples:\n  rmsprop-edu classroom my_course\n"
        "  rmsprop-edu classroom my_course --assignments ps1_rmsprop,ps4_rnn_backprop --timeout 60\n"
        "  rmsprop-edu classroom my_course --force        # rewrite the config and the source notebooks",
    )
    course.add_argument("dir", help="the course folder (created if needed)")
    course.add_argument(
        "--assignments",
        help="comma-separated (default: all): ps1_rmsprop, ps2_adagrad_vs_rmsprop, ps3_adam_adamw, ps4_rnn_backprop",
    )
    course.add_argument(
        "--timeout", type=_count("timeout"), default=30, help="autograder's limit per cell, in seconds (default 30)"
    )
    course.add_argument("--force", action="store_true", help="replace the files if they exist")
    course.set_defaults(run=cmd_classroom)
    for command in (tour, race, train, lister, course):
        command.add_argument("--traceback", action="store_true", help="on an error, show Python's full traceback")
    return parser


def _warning_as_one_line(command: str) -> Callable[..., None]:
    """A ``warnings.showwarning`` that prints only the message, without file and source line."""

    def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        print(f"rmsprop-edu {command}: warning: {message}", file=sys.stderr)

    return show


def _where(error: BaseException) -> str:
    """``file.py:line`` of the innermost frame of the traceback, to quote in a bug report."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "unknown place"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv`` (default: ``sys.argv[1:]``) and return the exit status.

    Args:
        argv: the arguments after the program's name.

    Returns:
        0 on success; 1 for a training run that diverged, or for a bug (one line on stderr);
        2 for a bad argument (one line on stderr; a usage error found by argparse itself exits
        with 2 through ``SystemExit``); 130 when interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():  # restores showwarning on the way out
        warnings.showwarning = _warning_as_one_line(args.command)
        try:
            return int(args.run(args))
        except (CliError, ValueError, TypeError, OSError) as error:
            if args.traceback:
                raise
            print(f"rmsprop-edu {args.command}: error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        except Exception as error:  # a bug, not a bad argument: say so in one line, and how to see it all
            if args.traceback:
                raise
            print(
                f"rmsprop-edu {args.command}: internal error (a bug in rmsprop_edu, please report it): "
                f"{type(error).__name__}: {error} at {_where(error)}; add --traceback to see where it came from",
                file=sys.stderr,
            )
            return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["build_parser", "main"]
