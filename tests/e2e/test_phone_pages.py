"""Issue 17, the phone (390×844) on every page that shows a table: each table sits in a named, focusable
scroll region (axe « scrollable-region-focusable »: a keyboard user can scroll a wide table), the page never
scrolls sideways, axe-core finds nothing serious or critical, no id is used twice (SVG charts included), the
header and its menu take at most a fifth of the first screen, and the page names its favicon.

The pages are those known to have missed a region (the data-protection officer's journal, the referrals
received, the consents) and every other template that prints a ``<table>`` (audit: ``grep -rn "<table"
src/coordination/web/templates``), each reached as the user who works on it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import settled, sign_in
from tests.e2e.journeys import PHONE, seen

pytestmark = pytest.mark.e2e

TABLES_OUTSIDE_A_REGION = """() => [...document.querySelectorAll('main table')]
  .filter(t => !t.closest('[role=region][tabindex="0"][aria-label]'))
  .map(t => (t.querySelector('caption') || t).textContent.trim().slice(0, 60))"""

DUPLICATE_IDS = """() => { const seen = {}; const twice = [];
  for (const e of document.querySelectorAll('[id]')) { if (seen[e.id]) twice.push(e.id); seen[e.id] = 1; }
  return twice; }"""

HEADER_BOTTOM = """() => document.querySelector('header.site-header').getBoundingClientRect().bottom"""


def checked(page, name: str, *, tables: bool = True) -> None:
    """The page as a phone user gets it, with every rule of the issue."""
    seen(page, name)
    outside = page.evaluate(TABLES_OUTSIDE_A_REGION)
    assert outside == [], f"{name}: tables outside a focusable scroll region: {outside}"
    if tables:
        assert page.locator("main table").count() >= 1, f"{name}: the page was meant to show a table"
    assert page.evaluate(DUPLICATE_IDS) == [], f"{name}: ids used twice"
    bottom = page.evaluate(HEADER_BOTTOM)
    assert bottom <= PHONE["height"] / 5, f"{name}: the header ends at {bottom}px (> a fifth of 844px)"
    assert page.locator('head link[rel="icon"]').count() == 1, f"{name}: no favicon"


def test_every_table_page_on_a_phone(page, server):
    """Nothing is written: the other journeys share this server (a consent given here would take the
    person's one-click offers away from them). The consents and received referrals with rows in them are
    checked by ``tests/integration/web/test_table_regions.py``; here they are scanned as the demo has them."""
    page.set_viewport_size(PHONE)
    icon = page.request.get(server + "/static/favicon.svg")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")

    # the referent: her people, a search, a file (plan, trajectory, assessments), its consents
    sign_in(page, server, "Sophie Lambert")
    page.goto(server + "/portefeuille")
    checked(page, "telephone-tableaux-portefeuille")
    page.goto(server + "/dossiers?nom=martin")
    checked(page, "telephone-tableaux-recherche")
    page.get_by_role("link", name="Julie Martin").click()
    settled(page)
    checked(page, "telephone-tableaux-dossier")
    file_url = page.url.split("?")[0].split("#")[0]
    page.goto(file_url + "/consentements")
    checked(page, "telephone-tableaux-consentements", tables=False)

    # the CPAS worker: her visa requests
    sign_in(page, server, "Nadia Dubois")
    page.goto(server + "/visa")
    checked(page, "telephone-tableaux-visas", tables=False)

    # the partner: the people she follows, the referrals she received
    sign_in(page, server, "Paul Henrard")
    page.goto(server + "/mes-suivis")
    checked(page, "telephone-tableaux-mes-suivis")
    sign_in(page, server, "Inès Moreau")
    page.goto(server + "/orientations/recues")
    checked(page, "telephone-tableaux-orientations-recues", tables=False)

    # the data-protection officer: the journal of every file
    sign_in(page, server, "Claire Renard")
    page.goto(server + "/journal")
    checked(page, "telephone-tableaux-journal-dpd", tables=False)
    assert page.locator("ul.journal > li.visit").count() >= 1, "the officer's journal shows visits"

    # the regulator: the registry, a comparison (two SVG charts: their ids unique), a partner page
    sign_in(page, server, "Régis Lemaire")
    page.goto(server + "/cadastre/")
    checked(page, "telephone-tableaux-cadastre")
    page.locator('input[name="p"]').nth(0).check()
    page.locator('input[name="p"]').nth(1).check()
    page.get_by_role("button", name="Comparer la sélection").click()
    settled(page)
    assert page.locator("svg.chart").count() == 2
    checked(page, "telephone-tableaux-comparaison")
    page.get_by_role("table", name="Chiffres par partenaire").get_by_role("link").first.click()
    settled(page)
    checked(page, "telephone-tableaux-partenaire", tables=False)

    # the administrator: the directory and its journal
    sign_in(page, server, "Administrateur")
    page.goto(server + "/annuaire")
    checked(page, "telephone-tableaux-annuaire")
    page.goto(server + "/annuaire/journal")
    checked(page, "telephone-tableaux-annuaire-journal", tables=False)
