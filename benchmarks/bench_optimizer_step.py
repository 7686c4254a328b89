"""One optimizer step on 10 million float32 parameters, against the memory floor and torch.

The floor: the bytes the update must read and write (parameters, gradient and
state read, parameters and state written) at the bandwidth np.add(a, b, out=c)
reaches on this machine in the same run.

The two ratios are timed in two processes of the same run. Ours against the floor
runs in a child process that never imports torch: once torch has run an operation,
its OpenMP worker threads keep spinning for a while after each step and take one of
the machine's two cores from whatever runs next (measured in three runs: our step took
1.5-1.8 x the floor alone and 2.1-2.6 x the same floor with torch's threads spinning
beside it). Ours
against torch runs in this process, interleaved, so both sides share that cost.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from common import interleaved_medians, torch_or_none

from rmsprop_edu import Parameter
from rmsprop_edu.optim import Adagrad, Adam, RMSProp

N = 10_000_000
SIZES = (4_000_000, 3_000_000, 2_000_000, 1_000_000)  # a handful of arrays, 10 M in all
# arrays the update reads + writes, in units of one parameter vector
TRAFFIC = {"RMSProp": 3 + 2, "Adam": 4 + 3, "Adagrad": 3 + 2}
TORCH_CLASS = {"RMSProp": "RMSprop", "Adam": "Adam", "Adagrad": "Adagrad"}
OPTIMIZERS = {"RMSProp": RMSProp, "Adam": Adam, "Adagrad": Adagrad}


def _problem() -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(n, dtype=np.float32) for n in SIZES]
    grads = [rng.standard_normal(n, dtype=np.float32) * 0.1 for n in SIZES]
    return data, grads


def _ours(name: str, data: list[np.ndarray], grads: list[np.ndarray]) -> RMSProp | Adam | Adagrad:
    params = [Parameter(d.copy()) for d in data]
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    return OPTIMIZERS[name](params)


def floor_times(repeats: int = 9) -> dict[str, dict[str, float]]:
    """Median seconds of our step and of the np.add floor for each optimizer (no torch here)."""
    data, grads = _problem()
    a, b, c = (np.ones(N, np.float32) for _ in range(3))
    out = {}
    for name in OPTIMIZERS:
        ours = _ours(name, data, grads)
        t = interleaved_medians({"ours": ours.step, "add": lambda: np.add(a, b, out=c)}, repeats=repeats)
        bandwidth = 3 * 4 * N / t["add"]  # bytes per second np.add moves
        out[name] = {"ours": t["ours"], "floor": TRAFFIC[name] * 4 * N / bandwidth}
    return out


def torch_times(repeats: int = 9) -> dict[str, dict[str, float]] | None:
    """Median seconds of our step and torch.optim's (foreach, default threads), interleaved."""
    torch = torch_or_none()
    if torch is None:
        return None
    data, grads = _problem()
    out = {}
    for name in OPTIMIZERS:
        ours = _ours(name, data, grads)
        tparams = [torch.tensor(d) for d in data]
        for p, g in zip(tparams, grads, strict=True):
            p.grad = torch.tensor(g)
        theirs = getattr(torch.optim, TORCH_CLASS[name])(tparams, foreach=True)
        out[name] = interleaved_medians({"ours": ours.step, "torch": theirs.step}, repeats=repeats)
    return out


def rows(repeats: int = 9) -> list[dict[str, object]]:
    child = subprocess.run(
        [sys.executable, __file__, "--floor-json", str(repeats)], capture_output=True, text=True, check=True
    )
    floors = json.loads(child.stdout)
    versus_torch = torch_times(repeats)
    out = []
    for name in OPTIMIZERS:
        f = floors[name]
        vs_floor = f["ours"] / f["floor"]
        row: dict[str, object] = {
            "row": f"optimizer step: {name}, 10 M float32",
            "ours": f"{1e3 * f['ours']:.1f} ms",
            "baseline": f"floor {1e3 * f['floor']:.1f} ms",
            "ratio": f"{vs_floor:.2f} x floor",
            "target": "<= 1.7 x floor; >= 1.6 x faster than torch",
            "met": vs_floor <= 1.7,
        }
        if versus_torch is not None:
            t = versus_torch[name]
            speedup = t["torch"] / t["ours"]
            row["baseline"] += f"; torch {1e3 * t['torch']:.1f} ms (ours {1e3 * t['ours']:.1f} ms beside it)"
            row["ratio"] += f"; {speedup:.2f} x faster than torch"
            row["met"] = f"floor {'yes' if vs_floor <= 1.7 else 'NO'}; torch {'yes' if speedup >= 1.6 else 'NO'}"
        else:
            row["ratio"] += "; torch not installed: no comparison"
        out.append(row)
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--floor-json":
        print(json.dumps(floor_times(int(sys.argv[2]))))
    else:
        for r in rows():
            print(r)
