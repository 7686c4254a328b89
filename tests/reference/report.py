"""Print each optimizer's worst relative error against the recorded torch traces.

Run: python tests/reference/report.py   (needs only NumPy and rmsprop_edu)
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_reference_traces import FLOOR, TRACES, run_case, worst_relative_error

from reference.cases import TORCH_CASES


def main() -> None:
    worst: dict[tuple[str, str], float] = defaultdict(float)
    for case in TORCH_CASES:
        dtype = case.get("dtype", "float64")
        for i, ours in enumerate(run_case(case)):
            error = worst_relative_error(ours, TRACES[f"{case['name']}/trace_{i}"], FLOOR[dtype])
            key = (case["optimizer"], dtype)
            worst[key] = max(worst[key], error)
    print(f"{'optimizer':10s} {'dtype':8s} worst relative error over all its cases")
    for (name, dtype), error in sorted(worst.items()):
        print(f"{name:10s} {dtype:8s} {error:.2e}")


if __name__ == "__main__":
    main()
