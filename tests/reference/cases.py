"""The hyperparameter combinations whose traces are recorded from the reference libraries.

Names are ours (``rho`` for RMSProp's decay); each recorder translates them.
``groups``: per-group overrides; parameter 0 goes in the first group and the
others in the second. ``lr_gamma``: before every step after the first, every
group's lr is multiplied by this factor (a schedule changing ``param_groups``).
"""

from __future__ import annotations

import zlib
from typing import Any

TORCH_CASES: list[dict[str, Any]] = [
    # SGD
    {"name": "sgd_plain", "optimizer": "SGD", "hyper": {"lr": 0.05}},
    {"name": "sgd_momentum", "optimizer": "SGD", "hyper": {"lr": 0.05, "momentum": 0.9}},
    {"name": "sgd_dampening", "optimizer": "SGD", "hyper": {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}},
    {"name": "sgd_nesterov", "optimizer": "SGD", "hyper": {"lr": 0.05, "momentum": 0.9, "nesterov": True}},
    {"name": "sgd_weight_decay", "optimizer": "SGD", "hyper": {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}},
    {"name": "sgd_maximize", "optimizer": "SGD", "hyper": {"lr": 0.01, "momentum": 0.5, "maximize": True}},
    {"name": "sgd_default", "optimizer": "SGD", "hyper": {}},
    {"name": "sgd_schedule", "optimizer": "SGD", "hyper": {"lr": 0.1, "momentum": 0.9}, "lr_gamma": 0.95},
    # Adagrad
    {"name": "adagrad_default", "optimizer": "Adagrad", "hyper": {}},
    {"name": "adagrad_lr", "optimizer": "Adagrad", "hyper": {"lr": 0.1}},
    {"name": "adagrad_lr_decay", "optimizer": "Adagrad", "hyper": {"lr": 0.1, "lr_decay": 0.01}},
    {"name": "adagrad_weight_decay", "optimizer": "Adagrad", "hyper": {"lr": 0.1, "weight_decay": 0.1}},
    {
        "name": "adagrad_initial_acc",
        "optimizer": "Adagrad",
        "hyper": {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3},
    },
    {"name": "adagrad_maximize", "optimizer": "Adagrad", "hyper": {"lr": 0.05, "maximize": True}},
    # RMSProp
    {"name": "rmsprop_default", "optimizer": "RMSProp", "hyper": {}},
    {"name": "rmsprop_rho", "optimizer": "RMSProp", "hyper": {"lr": 0.003, "rho": 0.9, "eps": 1e-2}},
    {"name": "rmsprop_momentum", "optimizer": "RMSProp", "hyper": {"lr": 0.003, "momentum": 0.9}},
    {"name": "rmsprop_centered", "optimizer": "RMSProp", "hyper": {"lr": 0.003, "centered": True}},
    {
        "name": "rmsprop_centered_momentum",
        "optimizer": "RMSProp",
        "hyper": {"lr": 0.003, "centered": True, "momentum": 0.8, "rho": 0.95},
    },
    {"name": "rmsprop_weight_decay", "optimizer": "RMSProp", "hyper": {"lr": 0.01, "weight_decay": 0.1}},
    {"name": "rmsprop_maximize", "optimizer": "RMSProp", "hyper": {"lr": 0.005, "maximize": True}},
    {
        "name": "rmsprop_groups",
        "optimizer": "RMSProp",
        "hyper": {"lr": 0.01},
        "groups": [{"lr": 0.003}, {"momentum": 0.5, "centered": True}],
    },
    {"name": "rmsprop_schedule", "optimizer": "RMSProp", "hyper": {"lr": 0.02, "momentum": 0.9}, "lr_gamma": 0.97},
    {"name": "rmsprop_float32", "optimizer": "RMSProp", "hyper": {"momentum": 0.5}, "dtype": "float32"},
    # Adadelta
    {"name": "adadelta_default", "optimizer": "Adadelta", "hyper": {}},
    {"name": "adadelta_tuned", "optimizer": "Adadelta", "hyper": {"lr": 0.5, "rho": 0.95, "eps": 1e-4}},
    {"name": "adadelta_weight_decay", "optimizer": "Adadelta", "hyper": {"weight_decay": 0.1}},
    {"name": "adadelta_maximize", "optimizer": "Adadelta", "hyper": {"maximize": True}},
    # Adam
    {"name": "adam_default", "optimizer": "Adam", "hyper": {}},
    {"name": "adam_lr", "optimizer": "Adam", "hyper": {"lr": 0.01}},
    {"name": "adam_amsgrad", "optimizer": "Adam", "hyper": {"lr": 0.01, "amsgrad": True}},
    {"name": "adam_weight_decay", "optimizer": "Adam", "hyper": {"lr": 0.01, "weight_decay": 0.1}},
    {"name": "adam_maximize", "optimizer": "Adam", "hyper": {"lr": 0.005, "maximize": True}},
    {"name": "adam_betas", "optimizer": "Adam", "hyper": {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3}},
    {"name": "adam_schedule", "optimizer": "Adam", "hyper": {"lr": 0.05}, "lr_gamma": 0.95},
    {"name": "adam_float32", "optimizer": "Adam", "hyper": {"lr": 0.01}, "dtype": "float32"},
    # AdamW
    {"name": "adamw_default", "optimizer": "AdamW", "hyper": {}},
    {"name": "adamw_tuned", "optimizer": "AdamW", "hyper": {"lr": 0.01, "weight_decay": 0.1}},
    {"name": "adamw_amsgrad", "optimizer": "AdamW", "hyper": {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}},
    {"name": "adamw_maximize", "optimizer": "AdamW", "hyper": {"lr": 0.005, "maximize": True}},
    # NAdam
    {"name": "nadam_default", "optimizer": "NAdam", "hyper": {}},
    {"name": "nadam_tuned", "optimizer": "NAdam", "hyper": {"lr": 0.01, "momentum_decay": 0.01}},
    {"name": "nadam_weight_decay", "optimizer": "NAdam", "hyper": {"lr": 0.01, "weight_decay": 0.1}},
    {"name": "nadam_maximize", "optimizer": "NAdam", "hyper": {"lr": 0.005, "maximize": True}},
    {
        "name": "nadam_decoupled",
        "optimizer": "NAdam",
        "hyper": {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
    },
    # Adamax
    {"name": "adamax_default", "optimizer": "Adamax", "hyper": {}},
    {"name": "adamax_tuned", "optimizer": "Adamax", "hyper": {"lr": 0.01, "betas": (0.8, 0.99)}},
    {"name": "adamax_weight_decay", "optimizer": "Adamax", "hyper": {"lr": 0.01, "weight_decay": 0.1}},
    {"name": "adamax_maximize", "optimizer": "Adamax", "hyper": {"lr": 0.005, "maximize": True}},
    # RAdam (with beta2 = 0.99 the warm-up, rho_t <= 5, lasts 5 steps; the default 0.999 also 5)
    {"name": "radam_default", "optimizer": "RAdam", "hyper": {}},
    {"name": "radam_tuned", "optimizer": "RAdam", "hyper": {"lr": 0.01, "betas": (0.9, 0.99)}},
    {"name": "radam_weight_decay", "optimizer": "RAdam", "hyper": {"lr": 0.01, "weight_decay": 0.1}},
    {"name": "radam_maximize", "optimizer": "RAdam", "hyper": {"lr": 0.005, "maximize": True}},
    {
        "name": "radam_decoupled",
        "optimizer": "RAdam",
        "hyper": {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
    },
]


def seed_of(name: str) -> int:
    """Each case's problem is seeded from its name, so cases can be added anywhere."""
    return zlib.crc32(name.encode())


# RMSProp dialects recorded from optax, Keras 3 and TF1's tf.compat.v1.train.RMSPropOptimizer
# (tests/reference/record_dialects.py). Each case builds RMSProp.preset(preset, params, **hyper) on
# our side; ``library`` says which library recorded it. The ``*_schedule_momentum`` cases change lr
# every step: only then can one see where lr enters the momentum buffer (lr_in_momentum).
DIALECT_CASES: list[dict[str, Any]] = [
    {"name": "optax_default", "library": "optax", "preset": "optax", "hyper": {"lr": 0.01}},
    {"name": "optax_momentum", "library": "optax", "preset": "optax", "hyper": {"lr": 0.003, "momentum": 0.9}},
    {"name": "optax_centered", "library": "optax", "preset": "optax", "hyper": {"lr": 0.01, "centered": True}},
    {
        "name": "optax_centered_momentum",
        "library": "optax",
        "preset": "optax",
        "hyper": {"lr": 0.003, "centered": True, "momentum": 0.8},
    },
    {"name": "optax_large_eps", "library": "optax", "preset": "optax", "hyper": {"lr": 0.01, "eps": 0.1}},
    {
        "name": "optax_bias_correction",
        "library": "optax",
        "preset": "optax",
        "hyper": {"lr": 0.01, "bias_correction": True},
    },
    {
        "name": "optax_eps_outside",
        "library": "optax",
        "preset": "optax",
        "hyper": {"lr": 0.01, "eps_in_sqrt": False, "eps": 0.1},
    },
    {
        "name": "optax_initial_scale",
        "library": "optax",
        "preset": "optax",
        "hyper": {"lr": 0.01, "initial_square_avg": 0.5},
    },
    {"name": "keras_default", "library": "keras", "preset": "keras", "hyper": {}},
    {"name": "keras_lr", "library": "keras", "preset": "keras", "hyper": {"lr": 0.01}},
    {"name": "keras_momentum", "library": "keras", "preset": "keras", "hyper": {"lr": 0.003, "momentum": 0.9}},
    {"name": "keras_centered", "library": "keras", "preset": "keras", "hyper": {"lr": 0.01, "centered": True}},
    {
        "name": "keras_centered_momentum",
        "library": "keras",
        "preset": "keras",
        "hyper": {"lr": 0.003, "centered": True, "momentum": 0.8, "rho": 0.95},
    },
    {"name": "keras_large_eps", "library": "keras", "preset": "keras", "hyper": {"lr": 0.01, "eps": 0.1}},
    # lr schedules, bias correction with centring, and TF1 (accumulator starts at 1, eps 1e-10 inside the root)
    {
        "name": "optax_schedule_momentum",
        "library": "optax",
        "preset": "optax",
        "hyper": {"lr": 0.02, "momentum": 0.9},
        "lr_gamma": 0.9,
    },
    # Centred and bias-corrected, the variance estimate of step 1 is exactly v/c - (gbar/c)^2 = 0, so
    # the first step is lr*g/sqrt(eps): with eps = 1e-8 a jump of ~100*g made of rounding noise.
    {
        "name": "optax_centered_bias_correction",
        "library": "optax",
        "preset": "optax",
        "hyper": {"lr": 0.01, "centered": True, "bias_correction": True, "eps": 1e-2},
    },
    {
        "name": "optax_adam_like",
        "library": "optax",
        "preset": "optax",
        "hyper": {"lr": 0.01, "rho": 0.99, "eps_in_sqrt": False, "bias_correction": True},
    },
    {
        "name": "keras_schedule_momentum",
        "library": "keras",
        "preset": "keras",
        "hyper": {"lr": 0.02, "momentum": 0.9},
        "lr_gamma": 0.9,
    },
    {"name": "tf1_default", "library": "tf1", "preset": "tf1", "hyper": {"lr": 0.01}},
    {"name": "tf1_momentum", "library": "tf1", "preset": "tf1", "hyper": {"lr": 0.003, "momentum": 0.9}},
    {"name": "tf1_centered", "library": "tf1", "preset": "tf1", "hyper": {"lr": 0.01, "centered": True}},
    {
        "name": "tf1_centered_momentum",
        "library": "tf1",
        "preset": "tf1",
        "hyper": {"lr": 0.003, "centered": True, "momentum": 0.8, "rho": 0.95},
    },
    {"name": "tf1_large_eps", "library": "tf1", "preset": "tf1", "hyper": {"lr": 0.01, "eps": 0.1}},
    {
        "name": "tf1_schedule_momentum",
        "library": "tf1",
        "preset": "tf1",
        "hyper": {"lr": 0.02, "momentum": 0.9},
        "lr_gamma": 0.9,
    },
]
