"""A real front end: JupyterLab in headless Chromium runs notebook 01 and moves a slider.

Skipped unless Chromium (Debian's ``chromium`` package), Playwright's Python package and
JupyterLab are installed (Playwright drives the system Chromium: no browser download). Run it
alone with::

    apt-get install -y chromium && pip install -e ".[test,browser]" && python -m pytest -m browser tests/test_browser.py

It copies notebook 01 to a temporary folder, starts JupyterLab there on 127.0.0.1 with a
random token, opens the notebook, runs every cell, moves the explorer's lr slider, and
checks that the figure's pixels changed and that no error appeared in the page or a cell.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOTEBOOK = "01_start_here.ipynb"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def jupyterlab(tmp_path):
    pytest.importorskip("jupyterlab")
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, tmp_path / NOTEBOOK)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    env.pop("MPLBACKEND", None)  # the notebook draws with the inline backend, as a student's Jupyter does
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}",
            "--LabApp.news_url=",
            "--LabServerApp.extensions_in_dev_mode=False",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab did not start within 60 s")
                time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_notebook_01_runs_in_jupyterlab_and_its_slider_redraws_the_figure(jupyterlab, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    base, token = jupyterlab
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", timeout=120_000)
        page.wait_for_selector(".jp-Notebook", timeout=120_000)
        # JupyterLab may ask which kernel to start (it does when it has no saved preference)
        choose = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
        try:
            choose.click(timeout=15_000)
        except sync_api.TimeoutError:
            pass
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()

        # the explorer: its controls and the image they redraw
        image = page.locator(".jp-OutputArea .widget-image").first
        try:
            image.wait_for(state="visible", timeout=180_000)
        except Exception:
            page.screenshot(path=str(tmp_path / "no_explorer.png"), full_page=True)
            raise
        image.scroll_into_view_if_needed()
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=180_000)
        before = image.screenshot()

        readout = page.locator(".widget-slider:has(label:text-is('lr')) .widget-readout").first
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("0.1")
        page.keyboard.press("Enter")
        deadline = time.monotonic() + 30
        after = before
        while after == before and time.monotonic() < deadline:
            page.wait_for_timeout(250)
            after = image.screenshot()
        error_outputs = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        cell_errors = [t for t in error_outputs.all_inner_texts() if "Error" in t or "Traceback" in t]
        browser.close()
    assert after != before, "moving the lr slider did not change the figure's pixels within 30 s"
    assert not cell_errors, cell_errors
    assert not [e for e in errors if "favicon" not in e], errors
