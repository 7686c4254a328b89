"""Dialects: one optimizer as each library configures it, through ``Opt.preset(library, params)``.

The same name does not mean the same update in every library: Keras puts Adam's ε on
the uncorrected root, starts Adagrad's accumulator at 0.1 and decays weights decoupled;
TF1 starts RMSProp's average at 1. Each optimizer class lists, in ``PRESETS``, the
settings (in rmsprop_edu's names) that make it compute what that library computes:

    >>> from rmsprop_edu import Parameter
    >>> from rmsprop_edu.optim import RMSProp
    >>> opt = RMSProp.preset("keras", [Parameter([1.0, 2.0])])
    >>> opt.param_groups[0]["rho"], opt.param_groups[0]["eps_in_sqrt"]
    (0.9, True)

Overrides use rmsprop_edu's argument names with **that library's meaning** (the preset
has already switched on the knobs that give them that meaning: in a Keras preset
``weight_decay`` is Keras's decoupled decay). A library without a default learning rate
(optax, TF1) makes the preset ask for ``lr=``; a library without the optimizer, or a
setting the library does not have, is refused with a message naming both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .checks import check_choice

if TYPE_CHECKING:
    from .base import Optimizer

#: the libraries every optimizer is compared with, in the order tables list them.
LIBRARIES = ("pytorch", "keras", "optax", "tf1")


def preset(cls: type[Optimizer], library: str, params: Any, overrides: Mapping[str, Any]) -> Optimizer:
    """``cls`` configured as ``library`` configures it by default, then ``overrides``."""
    names = [*LIBRARIES, *(name for name in cls.PRESETS if name not in LIBRARIES)]
    check_choice("preset", library, names)
    if library not in cls.PRESETS:
        has = ", ".join(repr(name) for name in names if name in cls.PRESETS)
        raise ValueError(f"{library} has no {cls.__name__}: there is no {library!r} preset (presets: {has})")
    for setting, why in cls.PRESET_LACKS.get(library, {}).items():
        if setting in overrides:
            raise ValueError(f"the {library!r} preset of {cls.__name__} has no {setting!r}: {why}")
    settings = {**cls.PRESETS[library], **overrides}
    if "lr" not in settings:
        raise ValueError(f"the {library!r} preset has no default learning rate ({library} has none); pass lr=...")
    return cls(params, **settings)


def available(cls: type[Optimizer]) -> dict[str, bool]:
    """library -> whether ``cls`` has a preset for it (the combinations that do not exist are False)."""
    return {library: library in cls.PRESETS for library in LIBRARIES}
