"""nbgrader plugins of the classroom kit (imported by the course's ``nbgrader_config.py``, which needs nbgrader).

``ShortTracebacks`` runs when nbgrader writes a student's feedback: a failed test cell's
error keeps its text (the checker's diagnosis: the mistake, where, a hint) and loses the
traceback, whose lines would show the code around the failing call, hidden tests included;
the test cells' warnings (their standard error) are left out too.
The teacher's copy (``autograded/``) keeps the full traceback.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class ShortTracebacks(Preprocessor):
    """Replace the traceback of each failed test cell by its error's name and message."""

    enabled = Bool(True, help="Whether nbgrader runs this preprocessor").tag(config=True)  # nbconvert's default: off

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        """Shorten the error outputs of an autograded (``grade``) code cell; leave other cells alone."""
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            kept = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    continue  # warnings, with the grading machine's file paths and the lines that caused them
                kept.append(output)
            cell["outputs"] = kept
        return cell, resources


__all__ = ["ShortTracebacks"]
