"""Timing helpers shared by the benchmarks: interleaved repeats, medians, ratios.

These machines are shared and noisy, so no benchmark reports an absolute time
alone: each row times its own baseline in the same run, the two sides
interleaved (A, B, A, B, ...), after a warm-up, and reports the ratio of medians.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def interleaved_medians(sides: dict[str, Callable[[], object]], repeats: int = 9, warmup: int = 2) -> dict[str, float]:
    """Median wall time (seconds) of each callable, timed in turn round after round."""
    for _ in range(warmup):
        for fn in sides.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeats):
        for name, fn in sides.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def torch_or_none():
    """torch if it is importable (it is never a dependency of the package), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def machine_line() -> str:
    import numpy as np

    torch = torch_or_none()
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}"
    )
