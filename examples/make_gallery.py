"""Regenerate the figures in docs/gallery/ (run: python examples/make_gallery.py).

Every race is tuned fairly: each optimizer's lr is picked on a log grid by its
loss at the same horizon that is plotted, and the caption says so.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from rmsprop_edu import fair_race, surfaces, sweep, viz
from rmsprop_edu.optim import SGD, Adagrad, Adam, RMSProp

CONTENDERS = [(SGD, {"momentum": 0.9}), (Adagrad, {}), (RMSProp, {}), (Adam, {})]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rosenbrock = surfaces.get("rosenbrock")
    trajectories, caption = fair_race(rosenbrock, CONTENDERS, steps=500)
    title = "Rosenbrock race: which optimizers follow the curved valley to the minimum at (1, 1)?"  # as the tour's
    viz.race_figure(rosenbrock, trajectories, caption, title=title).savefig(out / "race_rosenbrock.png", dpi=110)
    viz.decay_contrast_figure().savefig(out / "decay_contrast.png", dpi=110)
    viz.animate_race(rosenbrock, trajectories, out / "race_rosenbrock.gif", frames=50, fps=10, caption=caption)
    viz.quadratic_theory_figure().savefig(out / "quadratic_theory.png", dpi=110)
    fig, ax = plt.subplots(figsize=(7, 4.8))
    lrs = np.logspace(-4, 1, 41)  # the race's grid, widened as far as its tuning went
    results = {
        cls.__name__ + ", momentum 0.9" * ("momentum" in hyper): (
            lrs,
            sweep(rosenbrock, cls, 500, lrs=lrs, **hyper).final_losses,
        )
        for cls, hyper in CONTENDERS
    }
    viz.plot_sensitivity(results, horizon=500, ax=ax)
    ax.set_title(
        "Rosenbrock, 500 steps from (-1.5, 2): final loss against lr (x: diverged)\n"
        "momentum wins but diverges above lr 3e-3; Adagrad's best is a single lucky lr near 1.8",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(out / "sensitivity_rosenbrock.png", dpi=110)
    plt.close("all")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "gallery")
