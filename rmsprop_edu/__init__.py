"""rmsprop_edu: learn how gradient-descent optimizers work, in pure NumPy."""

from . import optim
from .parameter import Parameter

__version__ = "0.1.0"

__all__ = ["Parameter", "__version__", "optim"]
