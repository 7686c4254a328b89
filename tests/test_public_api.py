"""The examples are written against the public API only: what they import, a user may import."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


def private_imports(source: str) -> list[str]:
    """Every ``rmsprop_edu`` module or name starting with ``_`` that ``source`` imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rmsprop_edu"):
            parts = node.module.split(".")  # type: ignore[union-attr]
            found += [node.module for part in parts if part.startswith("_")]
            found += [f"{node.module}.{alias.name}" for alias in node.names if alias.name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("rmsprop_edu") and "._" in a.name]
    return found


def test_the_private_import_finder_finds_private_imports():
    # the detector itself, on sources that do and do not import private names
    assert private_imports("from rmsprop_edu._validation import check_lr") == ["rmsprop_edu._validation"]
    assert private_imports("from rmsprop_edu.optim import _blockwise") == ["rmsprop_edu.optim._blockwise"]
    assert private_imports("import rmsprop_edu.optim._blockwise") == ["rmsprop_edu.optim._blockwise"]
    assert private_imports("from rmsprop_edu.optim.checks import check_lr\nimport numpy as np") == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_import_nothing_private(path):
    assert EXAMPLES, "no examples found"
    assert private_imports(path.read_text()) == []


def test_the_validators_an_optimizer_needs_are_public():
    checks = importlib.import_module("rmsprop_edu.optim.checks")
    for name in ("check_lr", "check_betas", "check_bool", "check_positive", "check_nonnegative", "check_unit_interval"):
        assert name in checks.__all__ and callable(getattr(checks, name))
    with pytest.raises(ValueError, match=r"rho must be in \[0, 1\), got 1.5"):
        checks.check_unit_interval("rho", 1.5)
