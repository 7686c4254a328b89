"""rmsprop_edu: learn how gradient-descent optimizers work, in pure NumPy."""

from typing import Any

from . import data, nn, optim, surfaces
from .claims import ClaimFailed, between, claim
from .gradcheck import check_gradients
from .parameter import Parameter
from .train import EffectiveLRRecorder, History, fit
from .trajectory import fair_race, run_trajectory, sweep, tune_lr

__version__ = "0.1.0"  # the one place the version is written: pyproject.toml reads it from here

__all__ = [
    "ClaimFailed",
    "EffectiveLRRecorder",
    "History",
    "Parameter",
    "__version__",
    "between",
    "check_gradients",
    "claim",
    "data",
    "fair_race",
    "fit",
    "nn",
    "optim",
    "run_trajectory",
    "surfaces",
    "sweep",
    "tune_lr",
    "viz",
]


def __getattr__(name: str) -> Any:
    # viz needs matplotlib, so it is imported on first use only.
    if name == "viz":
        import importlib

        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'rmsprop_edu' has no attribute {name!r}")
