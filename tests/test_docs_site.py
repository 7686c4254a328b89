"""The course website (docs/): it builds offline with warnings as errors, and its pages hold what they promise.

Slow: the build takes about 30 s on two cores. These tests carry the ``docs`` marker (the browser
test carries ``browser`` too) and are skipped unless Sphinx and MyST-NB are installed
(``pip install -e ".[docs]"``). Run them with::

    python -m pytest -o addopts="" -m docs tests/test_docs_site.py

Set ``RMSPROP_EDU_DOCS_HTML`` to a folder already built by
``python -m sphinx -W --keep-going -b html docs docs/_build/html`` to check that build instead
of building again. ``RMSPROP_EDU_DOCS_SHOTS=DIR`` makes the browser test save screenshots of the
landing page, notebook 03 and the optimizers' API page in DIR.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ("index.html", "notebooks/03_adagrad_vs_rmsprop.html", "api/rmsprop_edu.optim.html")

pytestmark = pytest.mark.docs


class _Page(HTMLParser):
    """The parts of one built page these tests read: assets, links, ids, images, folded blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.assets: list[tuple[str, str]] = []  # (tag, url) of scripts, stylesheets, fonts, images
        self.links: list[str] = []
        self.problematic: list[str] = []
        self.ids: set[str] = set()
        self.inline_styles: list[str] = []
        self.images: list[str] = []
        self.details_depth = 0
        self.folded_text: list[str] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        if tag == "script" and a.get("src"):
            self.assets.append(("script", a["src"]))
        if tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower()
            if any(r in rel for r in ("stylesheet", "preload", "icon", "modulepreload", "prefetch")):
                self.assets.append(("link", a["href"]))
        if tag in ("img", "source", "video", "audio", "iframe", "embed") and a.get("src"):
            self.assets.append((tag, a["src"]))
            if tag == "img":
                self.images.append(a["src"])
        if tag == "a" and a.get("href"):
            if "problematic" in (a.get("class") or "").split():
                self.problematic.append(a["href"])  # docutils' link to a docstring's markup error
            else:
                self.links.append(a["href"])
        if tag == "details":
            self.details_depth += 1
        if tag == "style":
            self._in_style = True
        if a.get("style"):
            self.inline_styles.append(a["style"])

    def handle_endtag(self, tag):
        if tag == "details":
            self.details_depth -= 1
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_styles.append(data)
        (self.folded_text if self.details_depth else self.text).append(data)


@functools.cache
def _parse(path: Path) -> _Page:
    page = _Page()
    text = path.read_text(encoding="utf-8")
    page.feed(text)
    # docutils marks a markup error in a docstring by a link to its (unrendered) message; such a link
    # stays in page.links too, so the link check fails on it as well
    page.problematic = re.findall(r'<a href="([^"]+)"><span class="problematic"', text)
    return page


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The built site: RMSPROP_EDU_DOCS_HTML if set, else a fresh build with -W (warnings fail it)."""
    given = os.environ.get("RMSPROP_EDU_DOCS_HTML")
    if given:
        return Path(given)
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_nb")
    pytest.importorskip("pydata_sphinx_theme")
    out = tmp_path_factory.mktemp("site")
    html, doctrees = out / "html", out / "doctrees"
    start = time.perf_counter()
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d", str(doctrees)]
    done = subprocess.run(
        [*command, "docs", str(html)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, f"the docs build failed (warnings are errors):\n{done.stderr[-6000:]}"
    assert elapsed < 300, f"the build took {elapsed:.0f} s"
    return html


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


# ------------------------------------------------------------------ offline: nothing from another host
_REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.IGNORECASE)


def test_no_page_loads_anything_from_another_host(site):
    pages = _pages(site)
    assert len(pages) >= 30, [p.name for p in pages]
    remote = []
    for path in pages:
        page = _parse(path)
        remote += [f"{path.relative_to(site)}: <{tag}> {url}" for tag, url in page.assets if _REMOTE.match(url)]
        for style in page.inline_styles:
            remote += [f"{path.relative_to(site)}: style url {u}" for u in _CSS_URL.findall(style) if _REMOTE.match(u)]
    for css in site.rglob("*.css"):
        remote += [
            f"{css.relative_to(site)}: {u}"
            for u in _CSS_URL.findall(css.read_text("utf-8", "replace"))
            if _REMOTE.match(u)
        ]
    assert not remote, "\n".join(remote[:40])


def test_the_detector_catches_remote_assets():
    # the parser above must see each kind of reference that a CDN would need
    page = _Page()
    page.feed(
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//fonts.example/f.css">'
        '<link rel="preload" href="http://x.example/font.woff2"><style>@font-face{src:url(https://x/f.woff)}</style>'
    )
    assert [u for _, u in page.assets if _REMOTE.match(u)] == [
        "https://cdn.example/x.js",
        "//fonts.example/f.css",
        "http://x.example/font.woff2",
    ]
    assert _CSS_URL.findall(page.inline_styles[0]) == ["https://x/f.woff"]


def test_mathjax_is_served_from_the_site(site):
    script = site / "_static" / "mathjax" / "tex-chtml.js"
    assert script.stat().st_size > 100_000
    assert list((site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    page = _parse(site / "glossary.html")
    mathjax = [url for tag, url in page.assets if "mathjax" in url.lower()]
    assert mathjax == ["_static/mathjax/tex-chtml.js"], mathjax


# ------------------------------------------------------------------ every internal link and anchor resolves
def test_every_internal_link_and_anchor_resolves(site):
    broken = []
    for path in _pages(site):
        for href in _parse(path).links:
            if _REMOTE.match(href) or href.startswith(("mailto:", "javascript:", "data:")):
                continue
            url, fragment = urldefrag(urljoin(path.relative_to(site).as_posix(), href))
            target = site / unquote(urlparse(url).path) if url else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(site)} -> {href} (no file)")
            elif fragment and target.suffix == ".html" and unquote(fragment) not in _parse(target).ids:
                broken.append(f"{path.relative_to(site)} -> {href} (no anchor)")
    assert not broken, "\n".join(broken[:40])


def test_no_markup_errors(site):
    # A docstring's markup error shows as a link to a missing message (docutils' "problematic" node);
    # the build already fails on its warning, and the page must not carry one either.
    problematic = {path.relative_to(site).as_posix(): _parse(path).problematic for path in _pages(site)}
    problematic = {page: hrefs for page, hrefs in problematic.items() if hrefs}
    assert not problematic, problematic


# ------------------------------------------------------------------ the notebooks, as committed
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_page_shows_the_committed_outputs(site, notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    images, checks = 0, []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            images += any(k in data for k in ("image/png", "image/gif", "image/svg+xml"))
            if output.get("output_type") == "stream":
                text = "".join(output["text"])
                checks += [line.strip() for line in text.splitlines() if line.startswith("✓")]
    page = _parse(site / "notebooks" / f"{notebook.stem}.html")
    shown = [src for src in page.images if "_images" in src]
    assert len(shown) == images, (len(shown), images)
    text = " ".join(" ".join(page.text + page.folded_text).split())
    missing = [c for c in checks if " ".join(c.split()) not in text]
    assert checks and not missing, missing[:5]


def test_folded_notebook_cells_stay_folded(site):
    # the cells Jupyter keeps folded hold the exercises' answers: the site folds them too
    for notebook in NOTEBOOKS:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        hidden = [c for c in nb["cells"] if c.get("metadata", {}).get("jupyter", {}).get("source_hidden")]
        page = _parse(site / "notebooks" / f"{notebook.stem}.html")
        folded = " ".join(page.folded_text)
        for cell in hidden:
            first = "".join(cell["source"]).splitlines()[0].strip()
            assert first in folded, (notebook.name, first)
            assert first not in " ".join(page.text), (notebook.name, first)


# ------------------------------------------------------------------ content pages
def test_every_public_name_has_an_api_entry(site):
    import importlib
    import zlib

    raw = (site / "objects.inv").read_bytes()
    body = zlib.decompress(raw.split(b"\n", 4)[4]).decode("utf-8")  # four header lines, then zlib
    documented = {line.split(" ")[0] for line in body.splitlines() if line.split(" ")[1].startswith("py:")}

    def resolve(dotted):
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            for part in parts[i:]:
                obj = getattr(obj, part)
            return obj
        raise ImportError(dotted)

    modules = [
        "rmsprop_edu",
        "rmsprop_edu.optim",
        "rmsprop_edu.nn",
        "rmsprop_edu.exercises",
        "rmsprop_edu.data",
        "rmsprop_edu.surfaces",
        "rmsprop_edu.trajectory",
        "rmsprop_edu.train",
        "rmsprop_edu.gradcheck",
        "rmsprop_edu.viz",
        "rmsprop_edu.explore",
        "rmsprop_edu.recipes",
        "rmsprop_edu.optim.schedules",
        "rmsprop_edu.optim.checks",
        "rmsprop_edu.classroom",
        "rmsprop_edu.fresh_process",
        "rmsprop_edu.cli",
    ]
    by_identity: dict[int, str] = {}
    kept = []  # the objects themselves, so that no id() is reused
    for name in documented:
        try:
            obj = resolve(name)
            kept.append(obj)
            by_identity[id(obj)] = name
        except (ImportError, AttributeError):
            pass
    missing = []
    for module_name in modules:
        module = importlib.import_module(module_name)
        assert f"{module_name}" in documented, module_name
        for name in module.__all__:
            obj = getattr(module, name)
            if name == "__version__" or isinstance(obj, type(module)):
                continue
            if id(obj) not in by_identity:
                missing.append(f"{module_name}.{name}")
    assert not missing, missing


def test_dialect_tables_are_the_presets(site):
    from rmsprop_edu.optim.dialects import readme_section

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell, self.row = [], None, None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.row = []
            elif tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.row is not None:
                self.row.append(" ".join("".join(self.cell).split()))
                self.cell = None
            elif tag == "tr":
                self.rows.append(tuple(self.row))

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Rows()
    parser.feed((site / "dialects.html").read_text(encoding="utf-8"))
    expected = [
        tuple(" ".join(c.replace("`", "").split()) for c in line.strip().strip("|").split("|"))
        for line in readme_section().splitlines()
        if line.startswith("| `")
    ]
    assert len(expected) >= 30
    missing = [row for row in expected if row not in parser.rows]
    assert not missing, missing[:3]


def test_exercise_solutions_are_folded(site):
    page = _parse(site / "exercises.html")
    folded, shown = "".join(page.folded_text), "".join(page.text)
    for name in ("sgd_momentum", "adagrad", "rmsprop", "adam", "adamw"):
        assert f"def {name}_step" in shown  # the stub, open
        assert f"def {name}_step" in folded  # the solution, folded
    # solutions.py's lines appear only inside the folded blocks
    assert "theta = theta * (1 - lr * weight_decay)" in folded
    assert "theta = theta * (1 - lr * weight_decay)" not in shown
    assert "raise _not_written" not in folded


def test_glossary_and_further_reading(site):
    glossary = " ".join(_parse(site / "glossary.html").text)
    for term in (
        "effective learning rate",
        "time constant",
        "half-life",
        "bias correction",
        "ε placement",
        "decoupled weight decay",
        "sign descent",
        "L2 regularisation",
        "stability edge",
    ):
        assert f"term-{term.replace(' ', '-')}" in _parse(site / "glossary.html").ids or term in glossary, term
    reading = " ".join(" ".join(_parse(site / "further_reading.html").text).split())
    for authors, year in [
        ("Tieleman", 2012),
        ("Duchi", 2011),
        ("Zeiler", 2012),
        ("Kingma", 2015),
        ("Loshchilov", 2019),
        ("Dozat", 2016),
        ("Liu", 2020),
        ("Reddi", 2018),
        ("Graves", 2013),
        ("Polyak", 1964),
        ("Nesterov", 1983),
        ("Sutskever", 2013),
    ]:
        assert re.search(rf"{authors}, [^()]*\({year}\)", reading), (authors, year)
    assert "Lecture 6.5" in reading


def test_landing_page_shows_the_gallery(site):
    page = _parse(site / "index.html")
    pngs = sorted(p.name for p in (ROOT / "docs" / "gallery").glob("*.png"))
    assert sorted(Path(src).name for src in page.images if src.endswith(".png")) == pngs
    for name in pngs:
        assert (site / "_images" / name).read_bytes() == (ROOT / "docs" / "gallery" / name).read_bytes()


# ------------------------------------------------------------------ in a real browser
_VISIBLE_TEXT_JS = """() => {
    const body = document.querySelector('main') || document.body;
    const copy = body.cloneNode(true);
    copy.querySelectorAll('pre, code, script, style, mjx-container, .highlight, .output, .cell_output')
        .forEach(e => e.remove());
    return copy.innerText;
}"""


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)")
def test_pages_in_chromium(site):
    sync_api = pytest.importorskip("playwright.sync_api")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    shots = os.environ.get("RMSPROP_EDU_DOCS_SHOTS")
    failures: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            outside: list[str] = []

            def route(r):
                if r.request.url.startswith(base) or r.request.url.startswith("data:"):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            for path in _pages(site):
                rel = path.relative_to(site).as_posix()
                if rel in ("genindex.html", "search.html", "py-modindex.html"):
                    continue
                errors.clear()
                page.goto(base + rel, wait_until="load")
                has_math = page.evaluate("() => document.querySelector('.math') !== null")
                if has_math:
                    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
                    page.evaluate("() => MathJax.startup.promise")
                    typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
                    if typeset == 0:
                        failures.append(f"{rel}: math present but nothing typeset")
                text = page.evaluate(_VISIBLE_TEXT_JS)
                raw = re.findall(r"\\\(|\\\[|\$[^$\n]{1,80}\$", text)
                if raw:
                    failures.append(f"{rel}: raw maths left: {raw[:3]}")
                page.evaluate("() => document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
                page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=20_000)
                bad = page.evaluate("() => [...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.src)")
                if bad:
                    failures.append(f"{rel}: images not loaded: {bad[:3]}")
                if errors:
                    failures.append(f"{rel}: console errors: {errors[:3]}")
                if shots and rel in SHOTS:
                    Path(shots).mkdir(parents=True, exist_ok=True)
                    if rel.startswith("notebooks/"):
                        page.evaluate("() => document.querySelector('#what-s-window-means, h2')?.scrollIntoView()")
                    page.screenshot(path=str(Path(shots) / (rel.replace("/", "_")[:-5] + ".png")))
            browser.close()
            failures += [f"request to another host: {u}" for u in outside]
    finally:
        server.shutdown()
    assert not failures, "\n".join(failures[:40])
