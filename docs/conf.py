"""Sphinx configuration of the course website.

Build it (offline, warnings are errors) from the repository root::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The notebooks are rendered from their committed outputs (never executed here): ``docs/notebooks``
is a symbolic link to ``../notebooks``, so the site always shows the committed versions.
Nothing on any page is loaded from another host: MathJax is copied into ``_static/mathjax``
from the sphinx-mathjax-offline package, and ipywidgets' JavaScript (which would come from a
CDN) is left out; the explorers show the static image stored with each notebook.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # the package from this checkout, installed or not
sys.path.insert(0, str(DOCS / "_ext"))

import rmsprop_edu  # noqa: E402

project = "rmsprop_edu"
author = "The rmsprop_edu team"
copyright = "The rmsprop_edu team, MIT licence"
release = version = rmsprop_edu.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # copies MathJax 3 into _static/mathjax: no CDN
    "folded",  # docs/_ext/folded.py: the {solution} directive (a <details> block)
    "api_checks",  # docs/_ext/api_checks.py: warn on a public name without summary or documented argument
]

root_doc = "index"
exclude_patterns = ["_build", "_generated", "**.ipynb_checkpoints", "notebooks/**/*.md", "README.md"]
suppress_warnings: list[str] = []

# --- notebooks: committed outputs only -------------------------------------------------------
nb_execution_mode = "off"
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # its default loads require.js and the widget manager from a CDN
# An explorer's output holds a widget view and a static PNG of its first state; without a kernel
# the widget cannot render, so the site shows the PNG.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# --- maths: MathJax served from the built site ------------------------------------------------
mathjax_path = "mathjax/tex-chtml.js"

# --- API reference ----------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_default_options = {"members": True, "show-inheritance": True}
autoclass_content = "class"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True
nitpicky = True
# Names from outside the package (numpy, matplotlib, the standard library) are not linked: the
# site is offline, so there is no intersphinx inventory to resolve them against.
nitpick_ignore_regex = [
    ("py:.*", r"(np|numpy|npt|matplotlib|mpl|plt|ipywidgets|typing|collections|pathlib|os|io)\..*"),
    ("py:.*", r"(Any|Callable|Iterable|Iterator|Mapping|Sequence|Literal|Self|ndarray|ArrayLike|NDArray)"),
    ("py:.*", r"(Figure|Axes|Axes3D|FuncAnimation|Path|PathLike|TextIO|Generator|TypeVar|DTypeLike)"),
    ("py:class", r"(int|float|str|bool|bytes|dict|list|tuple|object|type|None|complex|slice)"),
    ("py:class", r"argparse\..*"),
    # private bases shown by show-inheritance: their public methods are documented on each subclass
    ("py:class", r"rmsprop_edu\.nn\.(recurrent\._Recurrent|losses\.Loss)"),
]

# --- theme --------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "rmsprop_edu"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "navbar_end": ["theme-switcher", "navbar-icon-links"],  # no version switcher (it would fetch a JSON)
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False
html_copy_source = False


def _fold_hidden_cells(app, docname: str, source: list[str]) -> None:
    """Fold the cells a notebook keeps folded in Jupyter (``source_hidden``): their answers stay hidden."""
    if not docname.startswith("notebooks/"):
        return
    nb = json.loads(source[0])
    for cell in nb.get("cells", []):
        hidden = cell.get("metadata", {}).get("jupyter", {})
        if hidden.get("source_hidden"):
            tags = cell["metadata"].setdefault("tags", [])
            tags.append("hide-cell" if hidden.get("outputs_hidden") else "hide-input")
    source[0] = json.dumps(nb)


def _write_dialect_tables() -> None:
    """Write the dialect tables from the presets, each optimizer's under its own heading."""
    import re

    from rmsprop_edu.optim.dialects import readme_section

    text = re.sub(r"^\*\*(\w+)\*\*$", r"## \1", readme_section(), flags=re.MULTILINE)
    out = DOCS / "_generated" / "dialect_tables.md"
    out.parent.mkdir(exist_ok=True)
    if not out.exists() or out.read_text(encoding="utf-8") != text:  # unchanged: keep Sphinx's cache valid
        out.write_text(text, encoding="utf-8")


def setup(app):
    """Connect the hooks of this site."""
    _write_dialect_tables()
    app.connect("source-read", _fold_hidden_cells)
