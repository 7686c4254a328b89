"""Exercises: write an update rule yourself and let the checker name your mistake.

    from rmsprop_edu.exercises import check

    def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
        ...                                   # your code
        return theta, square_avg

    check("rmsprop", rmsprop_step)            # "Correct", or e.g. "eps is inside the square root"

Exercises: ``sgd_momentum``, ``adagrad``, ``rmsprop``, ``adam``, ``adamw``. The stubs,
with their signatures and maths, are in ``templates``; reference solutions, to read
after trying, in ``solutions``; the catalogue of mistakes the checker knows, in
``mistakes``.
"""

from . import templates
from .checker import (
    EXERCISES,
    CheckResult,
    check,
    check_adagrad,
    check_adam,
    check_adamw,
    check_rmsprop,
    check_sgd_momentum,
)

__all__ = [
    "EXERCISES",
    "CheckResult",
    "check",
    "check_adagrad",
    "check_adam",
    "check_adamw",
    "check_rmsprop",
    "check_sgd_momentum",
    "templates",
]
