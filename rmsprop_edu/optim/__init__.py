"""The optimizers.

Every one is ``Opt(params, **hyperparameters)`` with torch.optim's names and defaults
(RMSProp's ``rho`` is torch's ``alpha``); see :class:`Optimizer`.
"""

from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .base import Optimizer
from .nadam import NAdam
from .radam import RAdam
from .rmsprop import RMSProp
from .sgd import SGD

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RAdam", "RMSProp"]
