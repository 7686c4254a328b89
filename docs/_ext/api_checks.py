"""Check the API entries: a docstring for every public name, and every argument documented.

A public function, method or class without a docstring is a warning (an error under ``-W``), and so
is each argument missing from its ``Args:`` section; the arguments missing are also listed in
``<outdir>/undocumented_arguments.txt`` (empty when every one is documented). Runs after napoleon has
turned the Google-style sections into fields: an argument counts as documented when a ``:param name:``
field (from ``Args:``) or an attribute field names it. Names imported from outside the package (such
as ``dataclass`` in a module that uses it) are not checked.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)
_FIELD = re.compile(r"^\s*:(?:param|parameter|arg|argument|key|keyword|ivar|var|cvar)\s+(?:[^:]*\s)?\*{0,2}(\w+):")
_ATTRIBUTE = re.compile(r"^\s*\.\. attribute:: (\w+)")


def _parameters(obj):
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [
        p.name
        for p in signature.parameters.values()
        if p.name not in ("self", "cls")
        and not p.name.startswith("_")
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _check(app, what, name, obj, options, lines):
    if what not in ("function", "method", "class", "exception"):
        return
    if name.rsplit(".", 1)[-1].startswith("_"):
        return
    module = getattr(obj, "__module__", None) or ""
    if module != "rmsprop_edu" and not module.startswith("rmsprop_edu."):
        # a name imported from elsewhere (``dataclass`` from dataclasses): not ours to document
        return
    if not any(line.strip() for line in lines):
        logger.warning("%s %s has no docstring", what, name, type="api_checks")
        return
    if what in ("class", "exception"):
        init = obj.__dict__.get("__init__") if isinstance(obj, type) else None
        if init is None:
            # a dataclass's generated __init__ has the fields for arguments
            init = getattr(obj, "__init__", None) if "__dataclass_fields__" in getattr(obj, "__dict__", {}) else None
        params = _parameters(init) if init is not None else []
    else:
        params = _parameters(obj)
    documented = set()
    for line in lines:
        match = _FIELD.match(line) or _ATTRIBUTE.match(line)
        if match:
            documented.add(match.group(1))
    missing = [p for p in params if p not in documented]
    if missing:
        message = f"{what} {name}: argument(s) not documented: {', '.join(missing)}"
        logger.warning(message, type="api_checks")
        app.env.rmsprop_edu_undocumented = {*getattr(app.env, "rmsprop_edu_undocumented", ()), message}


def _report(app, exception):
    if exception is not None:
        return
    found = sorted(getattr(app.env, "rmsprop_edu_undocumented", ()))
    Path(app.outdir, "undocumented_arguments.txt").write_text("".join(f"{m}\n" for m in found), encoding="utf-8")
    if found:
        logger.info(
            "api_checks: %d API entries have undocumented arguments (listed in undocumented_arguments.txt)",
            len(found),
        )


def setup(app):
    """Check every docstring autodoc renders, after napoleon has parsed it."""
    app.setup_extension("sphinx.ext.napoleon")
    app.connect("autodoc-process-docstring", _check, priority=900)
    app.connect("build-finished", _report)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
