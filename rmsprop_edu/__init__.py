"""rmsprop_edu: learn how gradient-descent optimizers work, in pure NumPy."""

from typing import Any

from . import optim, surfaces
from .parameter import Parameter
from .trajectory import fair_race, run_trajectory, sweep, tune_lr

__version__ = "0.1.0"

__all__ = ["Parameter", "__version__", "fair_race", "optim", "run_trajectory", "surfaces", "sweep", "tune_lr", "viz"]


def __getattr__(name: str) -> Any:
    # viz imports matplotlib's machinery when used, so it is loaded only on first access.
    if name == "viz":
        import importlib

        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'rmsprop_edu' has no attribute {name!r}")
