"""A first look: the same gradient stream, four optimizers, and what each does with it.

Run it: python examples/quickstart.py
"""

from __future__ import annotations

import numpy as np

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adagrad, Adam, RMSProp


def rosenbrock_grad(xy: np.ndarray) -> tuple[float, np.ndarray]:
    x, y = xy
    value = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    return value, np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def main() -> None:
    print("1. Effective learning rate on a constant gradient g = [1.0, 0.01] (lr = 0.01)")
    print("   Adagrad keeps shrinking (1/sqrt(t)); RMSProp (rho = 0.9) settles at lr/|g|.\n")
    print(f"   {'step':>5} | {'Adagrad x':>10} {'Adagrad y':>10} | {'RMSProp x':>10} {'RMSProp y':>10}")
    a, r = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    adagrad, rmsprop = Adagrad([a], lr=0.01), RMSProp([r], lr=0.01, rho=0.9)
    for t in range(1, 1001):
        a.grad = r.grad = np.array([1.0, 0.01])
        adagrad.step()
        rmsprop.step()
        if t in (1, 10, 100, 1000):
            ea, er = adagrad.effective_lr(a), rmsprop.effective_lr(r)
            print(f"   {t:>5} | {ea[0]:10.4f} {ea[1]:10.4f} | {er[0]:10.4f} {er[1]:10.4f}")

    print("\n2. Rosenbrock from (-1.5, 2), 2000 steps (minimum 0 at (1, 1)); settings from tests/test_convergence.py")
    runs = [
        (SGD, {"lr": 1e-3, "momentum": 0.9}),
        (Adagrad, {"lr": 1.0}),
        (RMSProp, {"lr": 3e-4, "momentum": 0.9}),
        (Adam, {"lr": 0.03}),
    ]
    for opt_cls, hyper in runs:
        p = Parameter(np.array([-1.5, 2.0]))
        opt = opt_cls([p], **hyper)
        losses = []
        for _ in range(2000):
            loss, p.grad = rosenbrock_grad(p.data)
            losses.append(loss)
            opt.step()
        settings = ", ".join(f"{k}={v}" for k, v in hyper.items())
        print(
            f"   {opt_cls.__name__ + '(' + settings + ')':38s} loss after 100: {losses[100]:9.2e}"
            f"   after 2000: {rosenbrock_grad(p.data)[0]:9.2e}   at {np.round(p.data, 3)}"
        )


if __name__ == "__main__":
    main()
