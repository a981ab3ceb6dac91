"""Browser tests: a real uvicorn server on a free loopback port (migrated temporary SQLite + demo data)
driven by Playwright through Debian's Chromium (its headless shell when installed). Playwright never
downloads a browser here."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUMS = ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium")
"""Debian's Chromium builds, the first installed is used. The headless shell (package
``chromium-headless-shell``, the same version's Blink without the desktop browser around it; Playwright's
own default for headless runs) spends about a fifth less CPU on the journeys than the full browser in
headless mode (measured on the CPAS and phone journeys: 54-58 CPU-s against 68-73). The binary itself, not
``/usr/bin/chromium-headless-shell``: that wrapper does not ``exec`` and would outlive a killed browser."""
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


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def _server_process(tmp_path_factory) -> Iterator[tuple[subprocess.Popen, str, Path]]:
    """The worker's server process (:mod:`tests.e2e.serve`: migrate, load the demo, serve), started and not
    waited for: the browser starts meanwhile. Stopped after the browser is closed (``browser`` depends on
    this fixture), so no keep-alive connection of Chromium's holds the server's shutdown."""
    var = tmp_path_factory.mktemp("e2e-var")
    env = {**os.environ, "COORDINATION_VAR_DIR": str(var), "COORDINATION_ENV": "development"}
    env.pop("COORDINATION_DATABASE_URL", None)
    log_path = var / "server.log"
    # the test process binds the port and hands the listening socket down: no other process can take the
    # port between its choice and the server's start (the race :func:`tests.fixtures.s3.free_port` retries)
    with socket.socket() as listening, log_path.open("ab") as log:
        listening.bind(("127.0.0.1", 0))
        listening.listen(128)
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.serve", str(listening.fileno())],
            env=env,
            cwd=ROOT,
            pass_fds=[listening.fileno()],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{listening.getsockname()[1]}"
    try:
        yield process, base, log_path
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def server(_server_process, browser) -> str:
    """Base URL of a live server with the demo data (one per xdist worker, in the worker's own folder),
    once ``/health/live`` answers."""
    process, base, log_path = _server_process
    # every xdist worker starts its own server when it reaches the browser tests, which ``make test`` runs
    # last: up to four start together, beside their Chromiums, on a 2-core machine that other runs share
    # (30 s was exceeded at a load average of 13)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError("the server stopped: " + log_path.read_text(errors="replace")[-2000:])
        try:
            # the request waits in the listening socket's queue until the demo is loaded and uvicorn accepts
            if httpx.get(base + "/health/live", timeout=2).status_code == 200:
                return base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start within {SERVER_START_SECONDS} s")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def browser(tmp_path_factory, _server_process):
    """Chromium, launched while the server process loads the demo; closed before the server stops."""
    from playwright.sync_api import sync_playwright

    chromium = next((path for path in CHROMIUMS if Path(path).exists()), None)
    if chromium is None:
        raise RuntimeError(f"none of {CHROMIUMS} is installed: run make system-deps")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium,
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


SCREENSHOT_QUALITY = 80
"""JPEG quality of the screenshots. A full page kept as JPEG costs Chromium about half the CPU of the same
page as PNG (measured on the file page, 1366×5322: 0.28 s against 0.40 s; on a phone, 390×7448: 0.12 s
against 0.24 s), with text still legible; a viewport-only PNG is cheaper still but loses most of the page."""


def shot(page, name: str) -> Path:
    """A full-page screenshot kept as an artefact (not an assertion)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.jpg"
    page.screenshot(path=str(path), full_page=True, type="jpeg", quality=SCREENSHOT_QUALITY)
    return path


HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"


def settled(page) -> None:
    """Wait until the page the user sees has stopped changing: its document loaded, and no HTMX request,
    swap or settle under way (only the contract form posts through HTMX; the other forms navigate).

    A click or ``goto`` returns once the navigation it started has committed (Playwright waits for the
    navigations an action schedules), so the load awaited here is the new page's. This replaces
    ``wait_for_load_state("networkidle")``, which waits for the same and then for 500 ms without any
    request: half a second after each of the ~150 page changes of the journeys, on every worker."""
    page.wait_for_load_state("load")
    page.wait_for_function(HTMX_IDLE)


def sign_in(page, server: str, display_name: str) -> None:
    page.goto(server + "/connexion")
    page.get_by_role("button", name=f"Se connecter comme {display_name}").click()
    # the signed-in page itself (its header names the user), not only a load state, which a slow machine
    # can reach before the form's navigation has started
    page.locator("header").get_by_text(display_name, exact=True).first.wait_for()
    settled(page)


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
