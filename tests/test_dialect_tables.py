"""The README's dialect tables are generated from the presets, and say what the presets do."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rmsprop_edu import Parameter
from rmsprop_edu.optim import Adagrad, AdamW, RAdam
from rmsprop_edu.optim.dialects import BEGIN, END, readme_section, table

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_readme_tables_are_the_generated_ones():
    block = README[README.index(BEGIN) + len(BEGIN) : README.index(END)]
    assert block.strip() == readme_section().strip(), "README drifted: run python docs/make_dialect_tables.py"


def test_a_table_row_is_what_the_preset_builds():
    # Keras's Adagrad (keras/src/optimizers/adagrad.py): lr 1e-3, accumulator starts at 0.1, epsilon 1e-7
    # inside the root, decoupled weight decay; read the row and build the preset: they must agree.
    row = next(line for line in table(Adagrad).splitlines() if line.startswith("| `keras`"))
    assert row.split(" | ")[1:6] == ["0.001", "0.1", "1e-07", "yes", "decoupled"]
    group = Adagrad.preset("keras", [Parameter(np.zeros(2))]).param_groups[0]
    assert (group["lr"], group["initial_accumulator_value"], group["eps"]) == (1e-3, 0.1, 1e-7)
    assert group["eps_in_sqrt"] and group["decoupled_weight_decay"]


def test_libraries_without_the_optimizer_are_named():
    assert "No tf1 preset: tf1 has no AdamW." in table(AdamW)
    assert "No keras, tf1 preset: keras and tf1 have no RAdam." in table(RAdam)
