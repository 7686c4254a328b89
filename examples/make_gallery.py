"""Regenerate the figures in docs/gallery/ (run: python examples/make_gallery.py).

Every race is tuned fairly: each optimizer's lr is picked on a log grid by its loss at
the same horizon that is plotted, and the caption says so.

The README's Gallery captions say what these figures show. ``caption_checks`` measures
each of those statements (in the README's own words) from the same computations that
draw the figures; ``main`` prints them with ``claim`` and stops before writing if one is
false, and tests/test_viz_race.py asserts them, so a caption cannot drift from its figure.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from rmsprop_edu import between, claim, fair_race, surfaces, sweep, viz
from rmsprop_edu.optim import SGD, Adagrad, Adam, RMSProp

CONTENDERS = [(SGD, {"momentum": 0.9}), (Adagrad, {}), (RMSProp, {}), (Adam, {})]
LABELS = ["SGD, momentum 0.9", "Adagrad", "RMSProp", "Adam"]
STEPS = 500
GIF_FRAMES = STEPS // 10 + 1  # one frame every 10 steps, the start included
SENSITIVITY_LRS = np.logspace(-4, 1, 41)  # the race's 21-value grid, twice as fine


def rosenbrock_race() -> tuple:
    """The README's race: Rosenbrock, 500 steps, every contender tuned at that horizon."""
    rosenbrock = surfaces.get("rosenbrock")
    trajectories, caption = fair_race(rosenbrock, CONTENDERS, STEPS)
    return rosenbrock, trajectories, caption


def sensitivity(rosenbrock: surfaces.Surface) -> dict[str, np.ndarray]:
    """Final loss after 500 steps for each lr in SENSITIVITY_LRS (inf: diverged), one vectorised sweep each."""
    return {
        label: sweep(rosenbrock, cls, STEPS, lrs=SENSITIVITY_LRS, keep_paths=False, **hyper).final_losses
        for label, (cls, hyper) in zip(LABELS, CONTENDERS, strict=True)
    }


def spikes(losses: np.ndarray, factor: float = 1.5, window: int = 20, start: int = 50) -> list[int]:
    """Steps after ``start`` where the loss first rises above ``factor`` times its minimum over
    the previous ``window`` steps (one entry per spike)."""
    above = [bool(losses[t] > factor * losses[t - window : t].min()) for t in range(start, len(losses))]
    return [start + i for i, hit in enumerate(above) if hit and (i == 0 or not above[i - 1])]


def _line(ax: plt.Axes, label: str) -> Line2D:
    return next(line for line in ax.get_lines() if line.get_label() == label)


def caption_checks(
    trajectories: list, finals: dict[str, np.ndarray], decay: plt.Figure, theory: plt.Figure
) -> list[tuple[str, bool, dict]]:
    """Each statement of the README's Gallery captions (its exact words), whether this run
    bears it out, and the measured values it was decided from."""
    sgd, ada, rms, adam = trajectories
    final = np.array([tr.losses[-1] for tr in trajectories])
    first = np.array([np.abs(tr.points[1] - tr.points[0]) for tr in (ada, rms, adam)])
    to_minimum = [float(np.linalg.norm(tr.points[-1] - [1.0, 1.0])) for tr in (sgd, adam)]
    rms_spikes = spikes(rms.losses)
    checks = [
        (
            "SGD with momentum ends lowest, then Adam, then Adagrad, and RMSProp last",
            final[0] < final[3] < final[1] < final[2],
            {"finals": final},
        ),
        (
            "SGD with momentum and Adam follow the curved valley to within 0.05 of (1, 1)",
            max(to_minimum) < 0.05,
            {"distances": to_minimum},
        ),
        (
            "The adaptive methods start with sign steps, as long in x as in y",
            bool(np.allclose(first[:, 0], first[:, 1], rtol=1e-6)),
            {"first_steps": first},
        ),
        ("Adagrad's first step leaves the frame", ada.points[1, 1] > 3.0, {"y_after_step_1": ada.points[1, 1]}),
        (
            "its loss falls by less than a factor 2 between steps 50 and 500",
            ada.losses[50] / ada.losses[-1] < 2,
            {"at_50": ada.losses[50], "at_500": ada.losses[-1]},
        ),
        ("RMSProp ends above 0.1", final[2] > 0.1, {"final": final[2]}),
        (
            "its loss spiking up (by more than 1.5×) at least twice after step 50",
            len(rms_spikes) >= 2,
            {"spikes_at": rms_spikes},
        ),
    ]

    sgd_curve, ada_curve, rms_curve, adam_curve = (finals[label] for label in LABELS)
    diverged = SENSITIVITY_LRS[~np.isfinite(sgd_curve)]
    best = int(np.argmin(ada_curve))
    adam_band = adam_curve[(SENSITIVITY_LRS >= 0.1) & (SENSITIVITY_LRS <= 1.34)]
    checks += [
        (
            "SGD with momentum reaches the lowest loss",
            np.nanmin(np.where(np.isfinite(sgd_curve), sgd_curve, np.nan))
            < min(c.min() for c in finals.values() if c is not sgd_curve),
            {"lowest": {label: float(np.min(c[np.isfinite(c)])) for label, c in finals.items()}},
        ),
        (
            "diverges for every lr from 3e-3 up",
            between(diverged.min(), 2.5e-3, 3.5e-3)
            and not np.isfinite(sgd_curve[SENSITIVITY_LRS >= diverged.min()]).any(),
            {"smallest_diverged": diverged.min()},
        ),
        (
            "Adagrad's best is a single sharp dip at lr = 1.78 (both neighbours end more than 10 times higher)",
            np.isclose(SENSITIVITY_LRS[best], 1.78, rtol=1e-3)
            and (ada_curve[[best - 1, best + 1]] > 10 * ada_curve[best]).all(),
            {"best_lr": SENSITIVITY_LRS[best], "best": ada_curve[best], "neighbours": ada_curve[[best - 1, best + 1]]},
        ),
        ("RMSProp never gets below 0.1", rms_curve.min() > 0.1, {"lowest": rms_curve.min()}),
        (
            "Adam stays below 0.01 for every lr from 0.1 to 1.33",
            len(adam_band) == 10 and (adam_band < 0.01).all(),
            {"adam": adam_band},
        ),
    ]

    # the decay contrast, read off the figure itself: the measured curves and the drawn closed forms
    left, right = decay.axes[0], decay.axes[1]
    gap = 0.0  # largest relative gap between a measured curve and its closed form, both panels
    for ax in (left, right):
        for measured, closed in (
            ("Adagrad, measured", "Adagrad closed form lr/(sqrt(sum g^2) + eps)"),
            ("RMSProp (rho=0.9), measured", "RMSProp closed form lr/(sqrt(v_t) + eps)"),
        ):
            a, b = _line(ax, measured).get_ydata(), _line(ax, closed).get_ydata()
            gap = max(gap, float(np.max(np.abs(a / b - 1))))
    t = _line(left, "Adagrad, measured").get_xdata()
    ada_left = _line(left, "Adagrad, measured").get_ydata()
    rms_left = _line(left, "RMSProp (rho=0.9), measured").get_ydata()
    ada_right = _line(right, "Adagrad, measured").get_ydata()
    rms_right = _line(right, "RMSProp (rho=0.9), measured").get_ydata()
    switch, new_level = 150, 0.01 / 0.1
    recovered = int(np.argmax(rms_right[switch:] >= 0.9 * new_level)) + 1  # steps after the switch
    annotation = " ".join(text.get_text() for text in right.texts)
    checks += [
        ("measured curves under the closed forms", gap < 1e-9, {"largest_relative_gap": gap}),
        (
            "Adagrad's rate falls like 1/√t forever",
            bool(np.allclose(ada_left * np.sqrt(t), 0.01, rtol=1e-6)),
            {"rate_times_sqrt_t": ada_left[[0, -1]] * np.sqrt(t[[0, -1]])},
        ),
        ("RMSProp's settles at lr/|g|", between(rms_left[-1] / 0.01, 0.99, 1.01), {"final_rate": rms_left[-1]}),
        (
            "RMSProp's rate needs 58 steps (5.8 time constants 1/(1−ρ)",
            recovered == 58 and "58 steps" in annotation and "5.8 time constants" in annotation,
            {"measured_steps": recovered, "annotation": annotation.replace("\n", " ")},
        ),
        (
            "Adagrad's hardly moves (less than 1 % in the 150 steps after the drop)",
            abs(ada_right[-1] / ada_right[switch - 1] - 1) < 0.01,
            {"change": ada_right[-1] / ada_right[switch - 1] - 1},
        ),
    ]

    # theory meets measurement, read off the figure: measured dots against the theory curves
    ax = theory.axes[0]
    lrs = _line(ax, "GD measured (200 steps)").get_xdata()
    deviation = {}
    stable = {}
    for name, theory_label in (
        ("GD", "GD theory: max |1 - lr*lambda|"),
        ("momentum 0.9", "momentum 0.9 theory: spectral radius"),
    ):
        measured = _line(ax, f"{name} measured" + (" (200 steps)" if name == "GD" else "")).get_ydata()
        ok = np.isfinite(measured)
        deviation[name] = float(np.max(np.abs(measured[ok] - _line(ax, theory_label).get_ydata()[ok])))
        stable[name] = ok
    checks += [
        ("lie within 0.02 of the curves", max(deviation.values()) < 0.02, {"largest_gaps": deviation}),
        (
            "diverges past lr = 2/λ_max = 0.2",
            bool((stable["GD"] == (lrs < 0.2)).all()),
            {"largest_stable": lrs[stable["GD"]].max(), "smallest_diverged": lrs[~stable["GD"]].min()},
        ),
        (
            "stays stable up to 2(1+μ)/λ_max = 0.38",
            bool((stable["momentum 0.9"] == (lrs < 0.38)).all()),
            {"largest_stable": lrs[stable["momentum 0.9"]].max()},
        ),
    ]
    return checks


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rosenbrock, trajectories, caption = rosenbrock_race()
    finals = sensitivity(rosenbrock)
    decay, theory = viz.decay_contrast_figure(), viz.quadratic_theory_figure()
    failed = []
    for statement, holds, measured in caption_checks(trajectories, finals, decay, theory):
        try:
            claim(holds, statement, **measured)
        except AssertionError as error:
            failed.append(str(error))
    if failed:  # a README caption no longer describes its figure: fix the caption first
        raise SystemExit("\n".join(failed))

    title = "Rosenbrock race: which optimizers follow the curved valley to the minimum at (1, 1)?"  # as the tour's
    viz.race_figure(rosenbrock, trajectories, caption, title=title).savefig(out / "race_rosenbrock.png", dpi=110)
    decay.savefig(out / "decay_contrast.png", dpi=110)
    viz.animate_race(rosenbrock, trajectories, out / "race_rosenbrock.gif", frames=GIF_FRAMES, fps=10, caption=caption)
    theory.savefig(out / "quadratic_theory.png", dpi=110)

    fig, ax = plt.subplots(figsize=(8, 5.6))
    fig.subplots_adjust(left=0.11, right=0.97, top=0.92, bottom=0.2)
    viz.plot_sensitivity(
        {label: (SENSITIVITY_LRS, f) for label, f in finals.items()}, horizon=STEPS, ax=ax, legend=False
    )
    ax.set_title(f"Rosenbrock, {STEPS} steps from (-1.5, 2): final loss against lr (x: diverged)", fontsize=11)
    handles = [Line2D([], [], color=f"C{i + 1}", marker="o", ms=4) for i in range(len(LABELS))]
    fig.legend(handles, LABELS, loc="lower center", ncol=len(LABELS), fontsize=10, frameon=False)
    fig.savefig(out / "sensitivity_rosenbrock.png", dpi=110)
    plt.close("all")


def gallery_text(readme: str) -> str:
    """The README's Gallery section, as plain text (markdown emphasis and table escapes removed)."""
    section = readme.split("## Gallery", 1)[1].split("\n## ", 1)[0]
    return re.sub(r"\s+", " ", section.replace("\\|", "|").replace("*", ""))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "gallery")
