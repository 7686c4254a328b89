"""The README is the contract: its commands are the ones CI runs; the import stays light."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the Quickstart section must hold a bash code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quickstart_has_exactly_two_commands_and_ci_runs_the_test_one_verbatim():
    commands = quickstart_commands()
    assert len(commands) == 2
    install_and_run, install_and_test = commands
    assert install_and_run.startswith("pip install")
    assert "pytest" in install_and_test and "[test]" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert install_and_test in ci


def test_import_does_not_load_matplotlib_tqdm_or_ipywidgets():
    heavy = "('matplotlib', 'tqdm', 'torch', 'ipywidgets')"
    code = f"import sys, rmsprop_edu; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def python_blocks(text: str) -> list[str]:
    """The README's ```python code blocks, in order."""
    blocks, inside, lines = [], False, []
    for line in text.splitlines():
        if line.strip() == "```python":
            inside, lines = True, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("\n".join(lines))
        elif inside:
            lines.append(line)
    return blocks


def test_every_readme_python_block_runs_and_the_quoted_results_hold(tmp_path, monkeypatch, capsys):
    # The README is the contract: each snippet runs as written (figures go to a temporary folder).
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 4
    for code in blocks:
        namespace: dict = {}
        exec(compile(code, "README.md", "exec"), namespace)
        if "tr" in namespace:  # the shapes the README quotes in its comments
            tr = namespace["tr"]
            assert tr.points.shape == (501, 2) and tr.losses.shape == (501,) and tr.effective_lr.shape == (500, 2)
        if "explorer" in namespace:  # the controls the README lists in its explorer example
            quoted = ["beta1", "beta2", "eps", "lr", "optimizers", "rho", "steps", "surface", "x0", "y0"]
            assert sorted(namespace["explorer"].values) == quoted
    out = capsys.readouterr().out
    assert "[NOT YET] rmsprop: eps is inside the square root" in out
    assert "First difference at step 1, theta[1]: yours -0.9899332586, expected -0.9837138055." in out
