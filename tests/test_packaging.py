"""The README is the contract: its commands are the ones CI runs; the import stays light; the wheel is complete."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# CI also runs this file against the installed wheel, from a copy of tests/ outside the source tree.
IN_SOURCE_TREE = (ROOT / "pyproject.toml").exists()


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
    assert "training accuracy: 99.3%" in out  # the MLP example's quoted accuracy


def test_the_tests_import_the_package_they_mean_to():
    import rmsprop_edu

    where = Path(rmsprop_edu.__file__).resolve()
    if IN_SOURCE_TREE:  # the code beside these tests (editable install), not a stale installed copy
        assert where == ROOT / "rmsprop_edu" / "__init__.py"
    else:  # CI's wheel run: the installed package, so a file missing from the wheel fails
        assert where.is_relative_to(Path(sysconfig.get_paths()["purelib"]).resolve()), where


@pytest.mark.skipif(not IN_SOURCE_TREE, reason="builds the wheel from the source tree")
def test_wheel_holds_every_module_py_typed_the_licence_and_the_version(tmp_path):
    # Built from a copy holding only what pyproject.toml needs, so a stale build/ folder cannot
    # add files (and a file the build needs but the copy lacks fails here). About 6 s; pip takes
    # setuptools from the package index (a local one will do).
    src = tmp_path / "src"
    shutil.copytree(ROOT / "rmsprop_edu", src / "rmsprop_edu", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path), str(src)]
    built = subprocess.run(pip, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("rmsprop_edu-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    wanted = {p.relative_to(ROOT).as_posix() for p in (ROOT / "rmsprop_edu").rglob("*.py")}
    wanted.add("rmsprop_edu/py.typed")
    assert {n for n in names if n.startswith("rmsprop_edu/")} == wanted
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    init = (ROOT / "rmsprop_edu" / "__init__.py").read_text()
    version = re.search(r'^__version__ = "([^"]+)"', init, re.M).group(1)
    assert f"\nVersion: {version}\n" in metadata and "\nLicense-Expression: MIT\n" in metadata
    assert wheel.name == f"rmsprop_edu-{version}-py3-none-any.whl"
