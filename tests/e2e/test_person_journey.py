"""Issue 17, the person, through the pages only: her referent with phone and e-mail, the journal one line
per visit (details on demand, refusals apart), filtered by organisation and by period, then her data
exported as PDF and JSON from her space. Desktop and phone; every page scanned by axe-core."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from coordination.clock import today as brussels_today
from tests.e2e.conftest import settled, sign_in
from tests.e2e.journeys import SCREENS, seen

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("screen", ["bureau", "telephone"])
def test_read_the_journal_filter_it_and_export(page, server, screen):
    # someone from the Forem opened her file today (the journal has a visit to show)
    sign_in(page, server, "Sophie Lambert")
    page.goto(server + "/dossiers?nom=martin")
    page.get_by_role("link", name="Julie Martin").click()
    settled(page)

    page.set_viewport_size(SCREENS[screen])
    sign_in(page, server, "Julie Martin")
    seen(page, f"personne-{screen}-1-mon-espace")
    referent = page.locator("section", has=page.get_by_role("heading", name="Votre référent"))
    assert "Téléphone" in referent.inner_text() and "Courriel" in referent.inner_text()

    page.get_by_role("link", name="Voir tout l'historique des consultations").click()
    assert page.get_by_role("heading", name="Qui a consulté mon dossier").is_visible()
    visits = page.locator("ul.journal > li.visit")
    sophie = visits.filter(has_text="Sophie Lambert")
    assert sophie.count() >= 1
    first = sophie.first
    assert "a consulté" in first.inner_text()
    first.locator("summary").click()
    assert first.locator("details ul").is_visible(), "the stored rows on demand"
    assert page.get_by_role("heading", name="Demandes refusées", exact=False).is_visible()
    seen(page, f"personne-{screen}-2-journal")

    # filter: one organisation, then a period with nothing in it
    forem = page.locator("#organisme option", has_text="Forem").first.get_attribute("value")
    page.get_by_label("Organisme").select_option(forem)
    page.get_by_role("button", name="Filtrer").click()
    settled(page)
    assert "organisme=" in page.url
    assert page.locator("ul.journal > li.visit").filter(has_text="Sophie Lambert").count() >= 1
    seen(page, f"personne-{screen}-3-journal-forem")
    long_ago = (brussels_today() - timedelta(days=800)).isoformat()
    page.get_by_label("Du").fill(long_ago)
    page.get_by_label("Au").fill(long_ago)
    page.get_by_role("button", name="Filtrer").click()
    settled(page)
    assert page.locator("ul.journal > li.visit").count() == 0
    assert page.get_by_text(
        "Aucune consultation par une autre personne que vous sur cette période"
    ).is_visible()
    seen(page, f"personne-{screen}-4-journal-periode-vide")

    # her data: PDF and JSON from her space
    page.goto(server + "/mon-espace")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Télécharger mes données (PDF)").first.click()
    assert Path(pdf.value.path()).read_bytes()[:5] == b"%PDF-"
    with page.expect_download() as raw:
        page.get_by_role("link", name="Télécharger mes données (JSON)").first.click()
    data = json.loads(Path(raw.value.path()).read_text(encoding="utf-8"))
    assert data["identity"]["first_name"] == "Julie" and data["access_visits"]
