"""Exercises: write an update rule yourself and let the checker name your mistake.

    from rmsprop_edu.exercises import check, templates
    def rmsprop_step(theta, grad, square_avg, lr, rho, eps):
        ...                                   # your code
        return theta, square_avg
    check("rmsprop", rmsprop_step)            # "Correct", or e.g. "eps is inside the square root"

The stubs with their docstrings are in ``templates``; reference solutions, to read
after trying, in ``solutions``.
"""

from . import templates
from .checker import EXERCISES, CheckResult, check

__all__ = ["EXERCISES", "CheckResult", "check", "templates"]
