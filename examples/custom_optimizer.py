"""Write your own optimizer: subclass `Optimizer`, declare hyperparameters, write `update`.

This file builds Lion (Chen et al., 2023, "Symbolic discovery of optimization
algorithms") in about twenty lines. The base class does the rest: parameter
groups, validation, skipping parameters without gradients, step counting,
maximize and the finiteness checks, state_dict/save/load, chunking.

Run it: python examples/custom_optimizer.py
"""

from __future__ import annotations

import numpy as np

from rmsprop_edu import Parameter
from rmsprop_edu.optim import Optimizer
from rmsprop_edu.optim.checks import check_betas, check_bool, check_lr, check_nonnegative


class Lion(Optimizer):
    """Lion: step along the *sign* of an interpolated momentum.

    Algorithm::

        c <- beta1*m + (1 - beta1)*g                  the direction
        theta <- theta - lr*(sign(c) + weight_decay*theta)
        m <- beta2*m + (1 - beta2)*g                  the momentum

    Effective learning rate: lr / |c| (the step is lr*sign(c) = (lr/|c|)*c).
    """

    defaults = {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0, "maximize": False}
    checks = {"lr": check_lr, "betas": check_betas, "weight_decay": check_nonnegative, "maximize": check_bool}
    state_names = ("exp_avg", "direction")
    coupled_weight_decay = False  # Lion decays the weights itself (decoupled, as AdamW)

    def update(self, param, grad, state, group, scratch):
        beta1, beta2 = group["betas"]
        m, c = state["exp_avg"], state["direction"]
        np.multiply(m, beta1, out=c)
        c += (1 - beta1) * grad  # c <- beta1*m + (1-beta1)*g
        param *= 1 - group["lr"] * group["weight_decay"]  # theta <- theta*(1 - lr*wd)
        param -= group["lr"] * np.sign(c)  # theta <- theta - lr*sign(c)
        m *= beta2
        m += (1 - beta2) * grad  # m <- beta2*m + (1-beta2)*g

    def effective_lr_from_state(self, state, group, out):
        np.divide(group["lr"], np.abs(state["direction"]), out=out)  # lr / |c|


if __name__ == "__main__":
    # Minimise f(x, y) = x^2 + 10 y^2 from (3, -2): Lion moves every coordinate by exactly lr.
    p = Parameter(np.array([3.0, -2.0]), name="xy")
    opt = Lion([p], lr=0.05)
    for step in range(1, 201):
        p.grad = np.array([2.0, 20.0]) * p.data
        opt.step()
        if step in (1, 2, 50, 100, 200):
            loss = p.data[0] ** 2 + 10 * p.data[1] ** 2
            print(f"step {step:3d}  xy = {np.round(p.data, 4)}  loss = {loss:.5f}")
    print("Lion's steps are all of size lr (0.05): it hovers within about lr of the minimum.")
