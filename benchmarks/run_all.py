"""Run every benchmark and print one table of ratios measured in the same run.

    python benchmarks/run_all.py            # writes benchmarks/results.md too

torch is optional: where it is importable it is the baseline of the rows that
compare against it; where it is not, those rows say so and the others still run.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import machine_line  # noqa: E402

MODULES = ["bench_optimizer_step", "bench_mlp_rnn", "bench_sweep", "bench_explore", "bench_import"]


def _met(met: object) -> str:
    """A row meets its target (True/False), or says which of its targets it meets (a string)."""
    return met if isinstance(met, str) else ("yes" if met else "NO")


def main() -> None:
    start = time.perf_counter()
    rows: list[dict[str, object]] = []
    for name in MODULES:
        if not (HERE / f"{name}.py").exists():
            continue
        module = importlib.import_module(name)
        print(f"running {name} ...", flush=True)
        rows.extend(module.rows())
    header = "| row | ours | baseline (same run) | ratio | target | met |\n|---|---|---|---|---|---|"
    lines = [
        f"| {r['row']} | {r['ours']} | {r['baseline']} | {r['ratio']} | {r['target']} | {_met(r['met'])} |"
        for r in rows
    ]
    table = "\n".join([header, *lines])
    text = (
        f"# Benchmark results\n\nMachine: {machine_line()}\n\n"
        "Medians of interleaved repeats after a warm-up; every ratio is measured within the same run.\n\n"
        f"{table}\n\nTotal benchmark time: {time.perf_counter() - start:.0f} s\n"
    )
    print("\n" + text)
    (HERE / "results.md").write_text(text)


if __name__ == "__main__":
    main()
