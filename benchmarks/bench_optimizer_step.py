"""One optimizer step on 10 million float32 parameters, against the memory floor and torch.

The floor: the bytes the update must read and write (parameters, gradient and
state read, parameters and state written) at the bandwidth np.add(a, b, out=c)
reaches on this machine in the same run.
"""

from __future__ import annotations

import numpy as np
from common import interleaved_medians, torch_or_none

from rmsprop_edu import Parameter
from rmsprop_edu.optim import Adagrad, Adam, RMSProp

N = 10_000_000
SIZES = (4_000_000, 3_000_000, 2_000_000, 1_000_000)  # a handful of arrays, 10 M in all
# arrays the update reads + writes, in units of one parameter vector
TRAFFIC = {"RMSProp": 3 + 2, "Adam": 4 + 3, "Adagrad": 3 + 2}
TORCH_CLASS = {"RMSProp": "RMSprop", "Adam": "Adam", "Adagrad": "Adagrad"}


def bandwidth(repeats: int = 9) -> float:
    a, b, c = (np.ones(N, np.float32) for _ in range(3))
    t = interleaved_medians({"add": lambda: np.add(a, b, out=c)}, repeats=repeats)["add"]
    return 3 * 4 * N / t  # bytes per second


def rows(repeats: int = 9) -> list[dict[str, object]]:
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(n, dtype=np.float32) for n in SIZES]
    grads = [rng.standard_normal(n, dtype=np.float32) * 0.1 for n in SIZES]
    a, b, c = (np.ones(N, np.float32) for _ in range(3))
    out = []
    for name, cls in (("RMSProp", RMSProp), ("Adam", Adam), ("Adagrad", Adagrad)):
        params = [Parameter(d.copy()) for d in data]
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        ours = cls(params)
        sides = {"ours": ours.step, "floor (np.add)": lambda: np.add(a, b, out=c)}
        if torch is not None:
            tparams = [torch.tensor(d) for d in data]
            for p, g in zip(tparams, grads, strict=True):
                p.grad = torch.tensor(g)
            theirs = getattr(torch.optim, TORCH_CLASS[name])(tparams, foreach=True)
            sides["torch"] = theirs.step
        t = interleaved_medians(sides, repeats=repeats)
        floor = TRAFFIC[name] * 4 * N / (3 * 4 * N / t["floor (np.add)"])
        vs_floor = t["ours"] / floor
        row = {
            "row": f"optimizer step: {name}, 10 M float32",
            "ours": f"{1e3 * t['ours']:.1f} ms",
            "baseline": f"floor {1e3 * floor:.1f} ms",
            "ratio": f"{vs_floor:.2f} x floor",
            "target": "<= 1.7 x floor; >= 1.6 x faster than torch",
            "met": vs_floor <= 1.7,
        }
        if torch is not None:
            speedup = t["torch"] / t["ours"]
            row["baseline"] += f"; torch {1e3 * t['torch']:.1f} ms"
            row["ratio"] += f"; {speedup:.2f} x faster than torch"
            row["met"] = row["met"] and speedup >= 1.6
        else:
            row["ratio"] += "; torch not installed: no comparison"
        out.append(row)
    return out


if __name__ == "__main__":
    for r in rows():
        print(r)
