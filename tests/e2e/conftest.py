"""Browser tests: a real uvicorn server on a free loopback port (migrated temporary SQLite + demo data)
driven by Playwright through Debian's Chromium. Playwright never downloads a browser here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.s3 import PORT_ATTEMPTS, PortTaken, free_port, lost_port_race

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--lang=fr-BE",  # date inputs and messages as a Belgian French-speaking user sees them
]
SERVER_START_SECONDS = 120
SCREENSHOTS = Path(os.environ.get("COORDINATION_E2E_SCREENSHOTS", "/tmp/coordination-e2e"))
"""Screenshots of each page, kept as test artefacts."""


ROOT = Path(__file__).resolve().parents[2]
SEED = """
import asyncio
from coordination.db.migrate import upgrade
from coordination.settings import load_settings
from tests.fixtures.web_demo import seed_web_demo
settings = load_settings(env_file=None)
upgrade(settings.effective_database_url)
asyncio.run(seed_web_demo(settings))
"""


def _start_server(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, str]:
    """uvicorn on a free loopback port, once ``/health/live`` answers."""
    port = free_port()
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "coordination.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        # every xdist worker starts its own server when it reaches the browser tests, which ``make test`` runs
        # last: up to four start together, beside their Chromiums, on a 2-core machine that other runs share
        # (30 s was exceeded at a load average of 13)
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise (PortTaken if lost_port_race(tail) else RuntimeError)("the server stopped: " + tail)
            try:
                if httpx.get(base + "/health/live", timeout=1).status_code == 200:
                    return process, base
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start within {SERVER_START_SECONDS} s")
            time.sleep(0.2)
    except BaseException:
        _stop(process)
        raise


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[str]:
    """Base URL of a live server with the demo data (one per xdist worker, in the worker's own folder)."""
    var = tmp_path_factory.mktemp("e2e-var")
    env = {**os.environ, "COORDINATION_VAR_DIR": str(var), "COORDINATION_ENV": "development"}
    env.pop("COORDINATION_DATABASE_URL", None)
    # Migrate and seed in a child process: this process may already run an event loop (pytest-asyncio).
    subprocess.run([sys.executable, "-c", SEED], env=env, cwd=ROOT, check=True, timeout=120)
    for attempt in range(PORT_ATTEMPTS):
        try:
            process, base = _start_server(env, var / "server.log")
            break
        except PortTaken:
            if attempt == PORT_ATTEMPTS - 1:
                raise
    try:
        yield base
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium package (make system-deps)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            locale="fr-BE",
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser, server):
    """A fresh tab with no cookies."""
    browser.clear_cookies()
    tab = browser.new_page()
    tab.set_default_timeout(15_000)
    tab.base_url = server  # type: ignore[attr-defined]
    try:
        yield tab
    finally:
        tab.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, server: str, display_name: str) -> None:
    page.goto(server + "/connexion")
    page.get_by_role("button", name=f"Se connecter comme {display_name}").click()
    # the signed-in page itself (its header names the user), not only "network idle", which a slow machine
    # can reach before the form's navigation has started
    page.locator("header").get_by_text(display_name, exact=True).first.wait_for()
    page.wait_for_load_state("networkidle")


AXE_BLOCKING_IMPACTS = frozenset({"serious", "critical"})
"""Impacts that fail a journey; minor and moderate findings are reported, not fatal."""


def axe_check(page, *, name: str | None = None) -> list[dict]:
    """Run axe-core (shipped by axe-playwright-python, nothing downloaded) on the page as it is now and fail
    on any serious or critical violation, naming the rule, its help text and the first offending nodes, so a
    failing journey says what to fix. Returns the non-blocking violations for callers that want to log them.

    Call it after each navigation or each change that renders new markup (a form re-rendered with errors,
    a confirmation), e.g. ``axe_check(page, name="visa-form-errors")``."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    blocking = [v for v in violations if v.get("impact") in AXE_BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe-core: {len(blocking)} serious/critical violation(s) on {name or page.url}"]
        for violation in blocking:
            targets = [" ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])[:3]]
            lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} → {targets}")
        raise AssertionError("\n".join(lines))
    return [v for v in violations if v.get("impact") not in AXE_BLOCKING_IMPACTS]
