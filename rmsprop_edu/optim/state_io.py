"""Saving and restoring an optimizer: ``state_dict``/``load_state_dict`` and ``save``/``load``.

A snapshot is made of plain Python scalars, lists, dicts and NumPy arrays; parameters are
referred to by their position across the groups, as torch does. A file is an ``.npz``
(JSON metadata + arrays, no pickle). Loading checks everything first: a foreign,
corrupted or mismatched snapshot raises ``ValueError`` and leaves the optimizer untouched.
The methods of :class:`~rmsprop_edu.optim.Optimizer` call these functions.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..parameter import Parameter
    from .base import Group, Optimizer, State

FORMAT_VERSION = 1


def state_dict(opt: Optimizer) -> dict[str, Any]:
    """A snapshot made of plain Python scalars, lists, dicts and NumPy arrays (copies).

    Parameters are referred to by their position across the groups, as torch does.

    Args:
        opt: the optimizer (``self`` when called as a method, ``opt.state_dict(...)``).
    """
    index = {p: i for i, p in enumerate(opt._params())}
    groups = []
    for group in opt.param_groups:
        hyper = {
            k: list(v) if isinstance(v, tuple) else v.copy() if isinstance(v, np.ndarray) else v
            for k, v in group.items()
            if k != "params"
        }
        groups.append({**hyper, "params": [index[p] for p in group["params"]]})
    state = {
        index[p]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
        for p, s in opt.state.items()
        if p in index
    }
    return {
        "format_version": FORMAT_VERSION,
        "optimizer": type(opt).__name__,
        "param_groups": groups,
        "state": state,
    }


def load_state_dict(opt: Optimizer, state_dict: Mapping[str, Any]) -> None:
    """Restore a snapshot from :meth:`state_dict`.

    Everything is checked first; on any error a ``ValueError`` says what is wrong and the
    optimizer is left untouched.

    Args:
        opt: the optimizer (``self`` when called as a method, ``opt.load_state_dict(...)``).
        state_dict: a snapshot from :meth:`state_dict` of an optimizer of the same class,
            over parameters of the same number, shapes and dtypes.
    """
    name = type(opt).__name__
    if not isinstance(state_dict, Mapping):
        raise ValueError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
    expected = {"format_version", "optimizer", "param_groups", "state"}
    if set(state_dict) != expected:
        raise ValueError(f"state_dict keys must be {sorted(expected)}, got {sorted(map(str, state_dict))}")
    if state_dict["format_version"] != FORMAT_VERSION:
        raise ValueError(f"state_dict format_version must be {FORMAT_VERSION}, got {state_dict['format_version']!r}")
    if state_dict["optimizer"] != name:
        raise ValueError(f"state_dict was saved by {state_dict['optimizer']!r}, cannot load it into {name}")
    groups = state_dict["param_groups"]
    if not isinstance(groups, list) or len(groups) != len(opt.param_groups):
        n = len(groups) if isinstance(groups, list) else groups
        raise ValueError(f"state_dict has {n} parameter groups, this optimizer has {len(opt.param_groups)}")
    params = opt._params()
    new_groups = []
    position = 0
    for gi, (saved, group) in enumerate(zip(groups, opt.param_groups, strict=True)):
        if not isinstance(saved, Mapping) or set(saved) != {"params", *opt.defaults}:
            raise ValueError(f"state_dict parameter group {gi} must have keys params, {', '.join(opt.defaults)}")
        want = list(range(position, position + len(group["params"])))
        indices = saved["params"]
        if not isinstance(indices, (list, tuple)) or not all(
            isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in indices
        ):
            raise ValueError(
                f"state_dict parameter group {gi}: params must be a list of parameter indices "
                f"such as {want}, got {indices!r}"
            )
        if list(indices) != want:
            raise ValueError(
                f"state_dict parameter group {gi} refers to parameters {list(saved['params'])}, expected {want}"
            )
        position += len(want)
        new_groups.append(opt._checked({k: v for k, v in saved.items() if k != "params"}))
    new_state: dict[Parameter, State] = {}
    saved_state = state_dict["state"]
    if not isinstance(saved_state, Mapping):
        raise ValueError("state_dict['state'] must be a mapping from parameter index to state")
    for key, entry in saved_state.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)) or not 0 <= key < len(params):
            raise ValueError(f"state_dict state refers to parameter {key!r}; valid indices are 0..{len(params) - 1}")
        owner = next(i for i, g in enumerate(opt.param_groups) if any(q is params[int(key)] for q in g["params"]))
        new_state[params[int(key)]] = _checked_state(opt, params[int(key)], int(key), entry, new_groups[owner])
    for group, hyper in zip(opt.param_groups, new_groups, strict=True):
        group.update(hyper)
    opt._applied = dict(enumerate(new_groups))
    opt.state = new_state


def _checked_state(opt: Optimizer, p: Parameter, index: int, entry: Any, group: Group) -> State:
    where = f"state of parameter {index}"
    keys = {"step", *opt.scalar_state_names, *opt.needed_state(group)}
    allowed = keys | set(opt.state_names)
    if not isinstance(entry, Mapping) or not keys <= set(entry) <= allowed:
        got = sorted(entry) if isinstance(entry, Mapping) else type(entry).__name__
        raise ValueError(f"{where} must have keys {sorted(keys)} (and optionally {sorted(allowed - keys)}), got {got}")
    step = entry["step"]
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
        raise ValueError(f"{where}: step must be a whole number >= 0, got {step!r}")
    out: State = {"step": int(step)}
    for key in opt.scalar_state_names:
        value = entry[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.floating, np.integer))
            or not math.isfinite(value)
        ):
            raise ValueError(f"{where}: {key} must be a finite number, got {value!r}")
        out[key] = float(value)
    for key in sorted(set(entry) & set(opt.state_names)):
        array = entry[key]
        if not isinstance(array, np.ndarray) or array.shape != p.data.shape or array.dtype != p.data.dtype:
            got = f"{array.shape} {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__
            raise ValueError(
                f"{where}: {key} must be an array of shape {p.data.shape} and dtype {p.data.dtype}, got {got}"
            )
        if not np.isfinite(array).all():
            raise ValueError(f"{where}: {key} contains non-finite values")
        if key in opt.nonnegative_state and array.size and array.min() < 0:
            raise ValueError(
                f"{where}: {key} is an average of squares and cannot be negative, got {float(array.min())!r}"
            )
        out[key] = np.array(array, copy=True, order="C")
    if out["step"] == 0 and len(out) > 1:
        raise ValueError(f"{where}: step is 0 but state is present; a parameter with state has taken step >= 1")
    opt.check_scalar_state(where, out)
    return out


def save(opt: Optimizer, path: str | os.PathLike[str]) -> None:
    """Write :meth:`state_dict` to a ``.npz`` file (JSON metadata + arrays, no pickle).

    The file is written to a temporary name first and then renamed, so an
    interrupted save never leaves a half-written file under ``path``.

    Args:
        opt: the optimizer (``self`` when called as a method, ``opt.save(...)``).
        path: the file to write (replaced if it exists); its folder must exist.
    """
    import json  # imported here, not at the top: `import rmsprop_edu` stays light
    import tempfile

    sd = state_dict(opt)
    arrays: dict[str, np.ndarray] = {}
    meta_state: dict[str, dict[str, Any]] = {}
    for index, entry in sd["state"].items():
        meta_state[str(index)] = {k: v for k, v in entry.items() if not isinstance(v, np.ndarray)}
        for key, value in entry.items():
            if isinstance(value, np.ndarray):
                arrays[f"state/{index}/{key}"] = value
    for gi, group in enumerate(sd["param_groups"]):
        for key, value in group.items():
            if isinstance(value, np.ndarray):  # an array lr (sweeps): stored beside the state
                arrays[f"group/{gi}/{key}"] = value
                group[key] = None
    meta = {k: sd[k] for k in ("format_version", "optimizer", "param_groups")} | {"state": meta_state}
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save optimizer state to {target!r}: folder {folder!r} does not exist")
    handle, tmp = tempfile.mkstemp(suffix=".npz", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # the mode open() would give, not mkstemp's private 0600
        with os.fdopen(handle, "wb") as f:
            arrays["__meta__"] = np.array(json.dumps(meta))
            np.savez(f, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(opt: Optimizer, path: str | os.PathLike[str]) -> None:
    """Restore from a file written by :meth:`save`.

    A missing, foreign or corrupted file raises ``ValueError`` and leaves the optimizer
    untouched.

    Args:
        opt: the optimizer (``self`` when called as a method, ``opt.load(...)``).
        path: a file written by :meth:`save`.
    """
    import json
    import zipfile

    one_array = False
    try:
        # the file is opened here, so that it is closed even when NumPy cannot parse it
        with open(os.fspath(path), "rb") as handle:
            loaded = np.load(handle, allow_pickle=False)
            one_array = not isinstance(loaded, np.lib.npyio.NpzFile)  # np.save's .npy: a bare array
            if not one_array:
                with loaded as npz:
                    meta = json.loads(str(npz["__meta__"]))
                    arrays = {key: npz[key] for key in npz.files if key != "__meta__"}
    except (KeyError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"could not read optimizer state from {os.fspath(path)!r}: not an .npz file written by save() "
            f"({type(error).__name__})"
        ) from error
    except OSError as error:
        raise ValueError(f"could not read optimizer state from {os.fspath(path)!r}: {error}") from error
    if one_array:
        raise ValueError(
            f"could not read optimizer state: {os.fspath(path)!r} holds one array (written by np.save), "
            "not an .npz file written by save()"
        )
    if not isinstance(meta, dict) or not isinstance(meta.get("state"), dict):
        raise ValueError(f"{os.fspath(path)!r} is not an rmsprop_edu optimizer file")
    try:
        state: dict[int, State] = {int(index): dict(scalars) for index, scalars in meta["state"].items()}
        for name, array in arrays.items():
            kind, index, key = name.split("/", 2) if name.count("/") == 2 else ("", "-1", name)
            if kind == "group":
                meta["param_groups"][int(index)][key] = array
            else:
                state[int(index)][key] = array
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"{os.fspath(path)!r} is not a valid rmsprop_edu optimizer file ({error!r})") from error
    meta["state"] = state
    load_state_dict(opt, meta)
