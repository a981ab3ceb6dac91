"""Shared steps of the issue-17 journeys: the two screens every journey is run on, and a page visit that
is scanned by axe-core (serious/critical violations fail) and photographed."""

from __future__ import annotations

from tests.e2e.conftest import axe_check, settled, shot

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENS = {"bureau": DESKTOP, "telephone": PHONE}


WIDEST = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def seen(page, name: str) -> None:
    """The page as it is now: no serious/critical axe violation, no horizontal scrolling on a phone,
    a full-page screenshot kept as an artefact."""
    settled(page)
    axe_check(page, name=name)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"] + 1:
        wide = page.evaluate(WIDEST)
        raise AssertionError(f"{name}: horizontal scrolling ({width}px), widest: {wide}")
    shot(page, name)
