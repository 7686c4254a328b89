"""Shared test plumbing."""

import sys

import pytest


@pytest.fixture(autouse=True)
def close_figures():
    """Close every pyplot figure a test opened (without importing matplotlib for tests that never did)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
