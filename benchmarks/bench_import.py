"""How much `import rmsprop_edu` adds to `import numpy` (fresh interpreters, interleaved)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def time_command(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def rows(repeats: int = 11) -> list[dict[str, object]]:
    ours, base = [], []
    for _ in range(2):  # warm the file cache
        time_command("import rmsprop_edu")
    for _ in range(repeats):
        ours.append(time_command("import rmsprop_edu"))
        base.append(time_command("import numpy"))
    added = statistics.median(ours) - statistics.median(base)
    return [
        {
            "row": "import rmsprop_edu",
            "ours": f"{1e3 * statistics.median(ours):.0f} ms",
            "baseline": f"import numpy {1e3 * statistics.median(base):.0f} ms",
            "ratio": f"adds {added:.3f} s",
            "target": "adds < 0.15 s",
            "met": added < 0.15,
        }
    ]


if __name__ == "__main__":
    for r in rows():
        print(r)
