"""The README's dialect tables are generated from the presets, and say what the presets do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp
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


ALL = (SGD, Adagrad, RMSProp, Adadelta, Adam, AdamW, NAdam, Adamax, RAdam)


def _rows(cls):
    """preset -> {heading: cell} from the printed table."""
    lines = [line for line in table(cls).splitlines() if line.startswith("|")]
    head = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = dict(zip(head, cells, strict=True))
    return rows


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_the_weight_decay_column_says_none_exactly_where_the_preset_refuses_weight_decay(cls):
    # Read the printed cell, then try the preset with a weight decay: "none" must mean refused,
    # "L2"/"decoupled" accepted (and the column is printed whenever the presets differ in this).
    rows = _rows(cls)
    for name, row in rows.items():
        accepted = True
        try:
            cls.preset(name, [Parameter(np.zeros(2))], lr=1e-3, weight_decay=0.1)
        except ValueError as error:
            assert "weight_decay" in str(error)
            accepted = False
        cell = row.get("weight decay")
        if cell is None:  # column left out: every preset agrees, so none of them refuses
            assert accepted, name
        else:
            assert (cell != "none") == accepted, (name, cell)
    if cls is SGD:
        assert [rows[n]["weight decay"] for n in ("pytorch", "keras", "optax", "tf1")] == [
            "L2",
            "decoupled",
            "none",
            "none",
        ]


def test_nadam_psi_is_a_dash_where_momentum_is_constant_and_it_is_then_unused():
    rows = _rows(NAdam)
    assert [rows[n]["ψ (μ_t schedule)"] for n in ("pytorch", "keras", "optax")] == ["0.004", "1", "—"]

    def trajectory(**hyper):
        p = Parameter(np.array([1.0, -2.0]))
        opt = NAdam([p], lr=0.1, **hyper)
        for g in ([0.5, 1.0], [-0.3, 2.0], [0.1, -1.0]):
            p.grad = np.array(g)
            opt.step()
        return p.data.copy()

    optax = NAdam.PRESETS["optax"]
    assert np.array_equal(trajectory(**optax, momentum_decay=4e-3), trajectory(**optax, momentum_decay=1.0))
    torch = {k: v for k, v in NAdam.PRESETS["pytorch"].items() if k != "lr"}
    assert not np.allclose(trajectory(**torch), trajectory(**{**torch, "momentum_decay": 1.0}))
