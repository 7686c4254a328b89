"""Rewrite the README's dialect tables from the optimizers' presets.

Run from the repository root: python docs/make_dialect_tables.py
(tests/test_dialect_tables.py fails when the README and the presets disagree).
"""

from rmsprop_edu.optim.dialects import write_readme

if __name__ == "__main__":
    print("README dialect tables " + ("rewritten" if write_readme("README.md") else "already up to date"))
