"""A ``solution`` directive: its content folded away in a ``<details>`` block until the reader opens it.

```{solution} Show the solution
...content...
```
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective


class folded(nodes.General, nodes.Element):
    """A block shown closed, with a summary line the reader clicks to open it."""


def _visit_html(self, node: folded) -> None:
    self.body.append('<details class="solution">')
    self.body.append(f"<summary>{self.encode(node['summary'])}</summary>\n")


def _depart_html(self, node: folded) -> None:
    self.body.append("</details>\n")


def _skip(self, node: folded) -> None:
    pass


class SolutionDirective(SphinxDirective):
    """``{solution} [summary]``: fold the content away."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        """Parse the content into a folded node."""
        node = folded(summary=self.arguments[0] if self.arguments else "Solution")
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def setup(app):
    """Register the node and the directive."""
    app.add_node(folded, html=(_visit_html, _depart_html), latex=(_skip, _skip), text=(_skip, _skip))
    app.add_directive("solution", SolutionDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
