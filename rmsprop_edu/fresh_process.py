"""Run a student's function in a fresh Python process, so that a notebook's changes cannot change a grade.

A graded notebook runs the student's cells and the teacher's test cells in one Python
(the kernel). A student's cell may change the package in memory, on purpose or not
(``checker.RTOL = 1``, ``optim.RMSProp = MyRMSProp``, ``np.allclose = lambda *a, **k: True``);
checked in that Python, such a change would change the verdict of this part and of every
part after it. So the classroom kit's checks run elsewhere:

1. :func:`ship` writes the student's function as a small program: its source (from the
   notebook), the notebook definitions it uses (helper functions, by their source), the
   modules it uses (``import numpy as np``) and the values it uses (pickled). Functions that
   live in an importable module travel by reference.
2. :func:`run_in_fresh_process` starts ``python`` with that program, which imports the
   package from disk, runs the check there and writes the verdict to a file. The notebook's
   changes never reach it; the process is stopped if it outlives its time.
3. :func:`fingerprint` describes the package's and numpy's names (functions by their code,
   numbers by their value, arrays by a hash of their bytes). Comparing the notebook's
   fingerprint with the fresh one names what the notebook changed; comparing the fresh one
   before and after the student's function ran names what the function changed (that part
   then scores zero).

This contains mistakes, not attacks: code written to defeat the grader (replacing the test
cell's ``grade`` itself, say) runs in the same kernel as the test cells and can fake a pass,
as in any nbgrader assignment. The teacher sees the notebook's changes listed in the feedback.
"""

from __future__ import annotations

import ast
import base64
import dis
import hashlib
import inspect
import json
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

WATCHED = ("rmsprop_edu", "numpy", "numpy.linalg", "numpy.random")  # module names, and rmsprop_edu's submodules
STARTUP_SECONDS = 30.0  # what a fresh Python may take to start on a loaded machine, on top of the check's time


class CannotShip(Exception):
    """The student's function uses something that cannot be sent to another process."""


# ----------------------------------------------------------------------------- the program
def _global_names(code: types.CodeType) -> Iterator[str]:
    """The global names a code object reads, its nested functions' and comprehensions' included."""
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            yield instruction.argval
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _global_names(const)


def _by_reference(value: Any) -> bool:
    """True when ``value`` is importable as ``module.qualname`` (so pickle sends its name, not its code)."""
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not isinstance(module, str) or module == "__main__" or not isinstance(qualname, str) or "<" in qualname:
        return False
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return found is value


def _function_source(fn: types.FunctionType, name: str) -> tuple[str, int]:
    """(source, first line) of a notebook function, dedented, as its cell holds it; a lambda becomes ``name = ...``."""
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as error:
        raise CannotShip(f"the source of {fn.__qualname__} cannot be found ({error}); define it with def") from None
    source = textwrap.dedent("".join(lines))
    if fn.__name__ != "<lambda>":
        return source, first
    try:
        lambdas = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Lambda)]
    except SyntaxError:
        lambdas = []
    if len(lambdas) != 1:
        raise CannotShip(f"the lambda called {name} cannot be told apart on its line; define it with def")
    return f"{name} = {ast.get_source_segment(source, lambdas[0])}", first + lambdas[0].lineno - 1


class _Program:
    """What the fresh process executes to rebuild the student's names: imports, values, then definitions."""

    def __init__(self, given: dict[str, Any]) -> None:
        self.given = given  # names the check supplies itself, in place of the notebook's
        self.replaced: list[str] = []
        self.names: dict[str, Any] = {}
        self.imports: list[str] = []
        self.values: dict[str, Any] = {}
        self.definitions: list[dict[str, Any]] = []

    def add(self, name: str, value: Any) -> None:
        if name in self.names:
            if self.names[name] is not value:
                raise CannotShip(f"two different objects are called {name}")
            return
        self.names[name] = value
        if isinstance(value, types.ModuleType):
            self.imports.append(f"import {value.__name__} as {name}")
        elif isinstance(value, types.FunctionType) and not _by_reference(value):
            self._add_function(name, value)
        else:
            try:
                pickle.dumps(value)
            except Exception as error:
                raise CannotShip(f"{name} ({type(value).__name__}) cannot be sent to a fresh Python: {error}") from None
            self.values[name] = value

    def _add_function(self, name: str, fn: types.FunctionType) -> None:
        if fn.__closure__:
            raise CannotShip(
                f"{fn.__qualname__} uses variables of the function that defines it; define it at the top of a cell"
            )
        source, first = _function_source(fn, name)
        defines = name if fn.__name__ == "<lambda>" else fn.__name__
        filename = fn.__code__.co_filename
        self.definitions.append(
            {"name": name, "defines": defines, "source": source, "first": first, "filename": filename}
        )
        for used in dict.fromkeys(_global_names(fn.__code__)):
            if used in self.given:
                if used not in self.replaced:
                    self.replaced.append(used)
                self.add(used, self.given[used])
            elif used in fn.__globals__:  # else a builtin, or a name the function will miss here too
                self.add(used, fn.__globals__[used])

    def request(self) -> dict[str, Any]:
        return {
            "imports": self.imports,
            "values": base64.b64encode(pickle.dumps(self.values)).decode("ascii"),
            "definitions": self.definitions,
            "replaced": self.replaced,
        }


def ship(functions: dict[str, Callable[..., Any]], given: dict[str, Any] | None = None) -> dict[str, Any]:
    """The program that rebuilds ``functions`` (name -> the student's function) in a fresh namespace.

    Args:
        functions: the names the check needs, e.g. ``{"fn": rmsprop_step}``.
        given: names that the functions' own names are replaced by, e.g. ``{"adam_step": reference}``
            (the reply's ``"replaced"`` lists those the functions use).

    Returns:
        A JSON-ready description: import lines, pickled values, and each definition's source
        with the file name and line it came from (so that errors point at the student's line).

    Raises:
        CannotShip: something the functions use cannot be rebuilt in another process.
    """
    program = _Program(given or {})
    for name, fn in functions.items():
        program.add(name, fn)
    return program.request()


def rebuild(program: dict[str, Any]) -> dict[str, Any]:
    """Execute a program written by :func:`ship` and return its namespace (in the fresh process).

    Args:
        program: what :func:`ship` returned, after its trip through JSON.
    """
    import linecache

    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    for line in program["imports"]:
        exec(line, namespace)
    namespace.update(pickle.loads(base64.b64decode(program["values"])))
    for definition in program["definitions"]:
        padded = "\n" * (definition["first"] - 1) + definition["source"]
        filename = definition["filename"]
        linecache.cache[filename] = (len(padded), None, padded.splitlines(True), filename)
        exec(compile(padded, filename, "exec"), namespace)
        if definition["name"] != definition["defines"]:
            namespace[definition["name"]] = namespace[definition["defines"]]
    return namespace


# ----------------------------------------------------------------------------- what changed
def _describe(value: Any, depth: int = 0) -> str | None:
    """A description of ``value`` that is equal in two processes when the value is the same; None to ignore it."""
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if value is None or isinstance(value, bool | int | float | complex | str | bytes):
        return repr(value)
    if isinstance(value, np.ndarray):
        digest = hashlib.sha1(np.ascontiguousarray(value).tobytes()).hexdigest()[:16]
        return f"array {value.dtype} {value.shape} {digest}"
    if isinstance(value, tuple | frozenset):
        if depth >= 2:
            return f"{type(value).__name__} of {len(value)}"
        return f"({', '.join(str(_describe(v, depth + 1)) for v in value)})"
    if isinstance(value, list | dict | set):  # caches fill up as the package is used: not compared
        return None
    if isinstance(value, types.FunctionType):
        code = hashlib.sha1(value.__code__.co_code).hexdigest()[:12]
        defaults = _describe(value.__defaults__, depth + 1)
        return f"function {value.__module__}.{value.__qualname__} {code} {defaults}"
    if isinstance(value, classmethod | staticmethod | property):
        parts = (getattr(value, "__func__", None), getattr(value, "fget", None), getattr(value, "fset", None))
        return f"{type(value).__name__} " + " ".join(str(_describe(p, depth)) for p in parts if p is not None)
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    if callable(value) and isinstance(name, str):
        return f"{type(value).__name__} {getattr(value, '__module__', None)}.{name}"
    return f"instance of {type(value).__module__}.{type(value).__qualname__}"


def _watched(name: str) -> bool:
    return name in WATCHED or name.startswith("rmsprop_edu.")


def fingerprint() -> dict[str, str]:
    """Each watched module's names (and the methods of the package's classes), described by ``_describe``."""
    prints: dict[str, str] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not _watched(module_name):
            continue
        for attr, value in list(vars(module).items()):
            if attr.startswith("__"):
                continue
            key = f"{module_name}.{attr}"
            described = _describe(value)
            if described is not None:
                prints[key] = described
            if isinstance(value, type) and value.__module__ == module_name:
                for method, member in list(vars(value).items()):
                    if method.startswith("__") and method not in ("__init__", "__call__"):
                        continue
                    described = _describe(member)
                    if described is not None:
                        prints[f"{key}.{method}"] = described
    return prints


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The names described differently in ``after`` than in ``before`` (names only one side has are ignored).

    Args:
        before: a :func:`fingerprint`.
        after: a later one, or another process's.
    """
    return sorted(key for key in before.keys() & after.keys() if before[key] != after[key])


def name_some(names: list[str], most: int = 3) -> str:
    """``"a, b and c"``, or ``"a, b, c and 4 more"``.

    Args:
        names: the names, at least one.
        most: how many to write out.
    """
    shown = names[:most]
    more = len(names) - len(shown)
    if more:
        return f"{', '.join(shown)} and {more} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


# ----------------------------------------------------------------------------- the two processes
def _package_root() -> str:
    return str(Path(__file__).resolve().parents[1])


def run_in_fresh_process(
    task: str, arguments: dict[str, Any], program: dict[str, Any], seconds: float
) -> dict[str, Any]:
    """Run ``task`` (a name in :mod:`rmsprop_edu.classroom`'s worker table) in a fresh Python and return its reply.

    Args:
        task: what the worker runs, e.g. ``"check"`` or ``"rnn"``.
        arguments: the task's JSON-ready arguments.
        program: the student's functions, from :func:`ship`.
        seconds: the task's own time limit; the process is killed ``STARTUP_SECONDS`` later.

    Returns:
        The worker's reply (a dict), with ``"printed"``: how many characters the process wrote
        to its output. ``{"outcome": "timeout"}`` or ``{"outcome": "no_reply", ...}`` if it
        gave none.
    """
    with tempfile.TemporaryDirectory(prefix="rmsprop_edu_check_") as folder:
        reply_path = Path(folder) / "reply.json"
        request = {"task": task, "arguments": arguments, "program": program, "reply": str(reply_path)}
        boot = f"import sys; sys.path[0] = {_package_root()!r}; from rmsprop_edu.classroom import _worker; _worker()"
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        try:
            done = subprocess.run(
                [sys.executable, "-c", boot],
                input=json.dumps(request),
                capture_output=True,
                text=True,
                timeout=seconds + STARTUP_SECONDS,
                env=env,
            )
        except subprocess.TimeoutExpired:
            return {"outcome": "timeout"}
        if not reply_path.exists():
            return {"outcome": "no_reply", "returncode": done.returncode, "stderr": done.stderr[-600:]}
        reply: dict[str, Any] = json.loads(reply_path.read_text(encoding="utf-8"))
    reply["printed"] = len(done.stdout)
    return reply


__all__ = ["CannotShip", "changed", "fingerprint", "name_some", "rebuild", "run_in_fresh_process", "ship"]
