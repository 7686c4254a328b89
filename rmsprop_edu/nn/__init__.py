"""A tiny autograd-free neural-network toolkit: layers with hand-written backward passes."""

from .clip import clip_grad_norm, clip_grad_value
from .layers import Dropout, Embedding, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from .losses import BCEWithLogits, MSELoss, SoftmaxCrossEntropy
from .module import Module, Sequential
from .recurrent import GRU, LSTM, RNN, LastStep

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "BCEWithLogits",
    "Dropout",
    "Embedding",
    "LastStep",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "Module",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "Tanh",
    "clip_grad_norm",
    "clip_grad_value",
]
