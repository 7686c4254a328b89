"""Record reference traces from torch.optim into tests/data/torch_traces.npz.

Run it in an environment that has torch (never needed by the package or its tests)::

    pip install torch==2.13.0 numpy
    python tests/reference/record_torch.py

For every case in ``cases.TORCH_CASES`` it builds the shared problem
(``problem.make_problem``), runs the real torch optimizer for ``problem.STEPS``
steps, and stores every parameter's whole trajectory, shape (steps + 1, *shape).
torch's default dtype is set to the case's dtype, so that the scalars torch keeps
as tensors (NAdam's mu_product) have the parameters' precision.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import TORCH_CASES, seed_of
from problem import STEPS, make_problem

OUT = Path(__file__).resolve().parents[1] / "data" / "torch_traces.npz"

TORCH_NAMES = {
    "SGD": "SGD",
    "Adagrad": "Adagrad",
    "RMSProp": "RMSprop",
    "Adadelta": "Adadelta",
    "Adam": "Adam",
    "AdamW": "AdamW",
    "NAdam": "NAdam",
    "Adamax": "Adamax",
    "RAdam": "RAdam",
}


def to_torch(optimizer: str, hyper: dict[str, Any]) -> dict[str, Any]:
    out = dict(hyper)
    if optimizer == "RMSProp" and "rho" in out:
        out["alpha"] = out.pop("rho")  # our rho is torch's alpha
    return out


def record(case: dict[str, Any]) -> dict[str, np.ndarray]:
    dtype = {"float64": torch.float64, "float32": torch.float32}[case.get("dtype", "float64")]
    # torch keeps some per-parameter scalars (NAdam's mu_product) as tensors of the
    # *default* dtype; a float64 run should have float64 scalars too.
    torch.set_default_dtype(dtype)
    problem = make_problem(seed_of(case["name"]))
    params = [torch.tensor(p, dtype=dtype) for p in problem.p0]
    cls = getattr(torch.optim, TORCH_NAMES[case["optimizer"]])
    kwargs = to_torch(case["optimizer"], case["hyper"])
    if "groups" in case:
        g0, g1 = (to_torch(case["optimizer"], g) for g in case["groups"])
        opt = cls([{"params": params[:1], **g0}, {"params": params[1:], **g1}], **kwargs)
    else:
        opt = cls(params, **kwargs)
    traces = [[p.detach().numpy().copy()] for p in params]
    for t in range(STEPS):
        if t > 0 and "lr_gamma" in case:
            for group in opt.param_groups:
                group["lr"] *= case["lr_gamma"]
        for i, p in enumerate(params):
            g = problem.grad(i, p.detach().numpy().astype(np.float64), t)
            p.grad = torch.tensor(g, dtype=dtype)
        opt.step()
        for i, p in enumerate(params):
            traces[i].append(p.detach().numpy().copy())
    return {f"{case['name']}/trace_{i}": np.stack(tr) for i, tr in enumerate(traces)}


def main() -> None:
    torch.set_num_threads(1)
    arrays: dict[str, np.ndarray] = {}
    for case in TORCH_CASES:
        arrays.update(record(case))
    arrays["__versions__"] = np.array(f"torch {torch.__version__}, numpy {np.__version__}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)  # type: ignore[arg-type]
    print(f"wrote {len(TORCH_CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
