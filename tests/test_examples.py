"""The examples run, and the custom optimizer example behaves as its docstring says."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np

from rmsprop_edu import Parameter

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_custom_lion_first_steps_by_hand(tmp_path):
    lion = load("custom_optimizer").Lion
    p = Parameter(np.array([3.0, -2.0]))
    opt = lion([p], lr=0.05, weight_decay=0.1)
    # step 1: m = 0, c = 0.1*g, sign(c) = sign(g) = [+, -]; theta*(1 - 0.005) - 0.05*sign(c)
    p.grad = np.array([6.0, -40.0])
    opt.step()
    np.testing.assert_allclose(p.data, [3.0 * 0.995 - 0.05, -2.0 * 0.995 + 0.05], rtol=1e-15)
    np.testing.assert_allclose(opt.effective_lr(p), [0.05 / 0.6, 0.05 / 4.0], rtol=1e-15)
    # step 2 with g = [-1, 1]: m = 0.01*[6, -40] = [0.06, -0.4]; c = 0.9*m + 0.1*g = [-0.046, -0.26]
    before = p.data.copy()
    p.grad = np.array([-1.0, 1.0])
    opt.step()
    np.testing.assert_allclose(p.data, before * 0.995 - 0.05 * np.array([-1.0, -1.0]), rtol=1e-15)
    # the base class gives it state_dict/save/load for free
    opt.save(tmp_path / "lion.npz")
    q = Parameter(p.data.copy())
    opt2 = lion([q], lr=0.05, weight_decay=0.1)
    opt2.load(tmp_path / "lion.npz")
    assert opt2.state[q]["step"] == 2


def test_custom_optimizer_script_runs():
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "custom_optimizer.py")], capture_output=True, text=True, check=True
    )
    assert "step 200" in out.stdout
