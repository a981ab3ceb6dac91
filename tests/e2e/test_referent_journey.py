"""Issue 17, the Forem referent, through the pages only: the worklist's overdue first contact → record the
contact (a wrong date first: the message by the field, what was typed kept) → refer the person to a
service that fits (found without "afficher aussi les services qui ne conviennent pas") → hand her over to
a colleague (the missing reason first). Desktop (Sophie Lambert, her Liège person) and phone (Karim
Benali, his Charleroi person); every page scanned by axe-core."""

from __future__ import annotations

import re

import pytest

from coordination.clock import today as brussels_today
from tests.e2e.conftest import settled, sign_in
from tests.e2e.journeys import SCREENS, seen

pytestmark = pytest.mark.e2e

CASES = [
    ("bureau", "Sophie Lambert", "Karim Benali"),
    ("telephone", "Karim Benali", "Sophie Lambert"),
]


@pytest.mark.parametrize(("screen", "referent", "colleague"), CASES)
def test_overdue_contact_then_refer_then_hand_over(page, server, screen, referent, colleague):
    page.set_viewport_size(SCREENS[screen])
    sign_in(page, server, referent)
    page.goto(server + "/portefeuille")
    assert page.get_by_role("heading", name="Mes personnes").is_visible()
    seen(page, f"referent-{screen}-1-portefeuille")

    # 1. the overdue first contact: one click from the flag to the form
    page.get_by_role("link", name=re.compile("^premier contact en retard")).first.click()
    assert page.get_by_role("heading", name=re.compile("^Enregistrer un contact")).is_visible()
    person_id = re.search(r"/dossiers/([0-9a-f-]{36})/contacts", page.url).group(1)
    seen(page, f"referent-{screen}-2-contact")
    page.get_by_label("Jour du contact").fill("2001-01-01")
    page.get_by_label("Note (facultatif)").fill("Entretien téléphonique")
    page.get_by_role("button", name="Enregistrer le contact").click()
    settled(page)
    assert page.locator("#contacted_on-erreur").is_visible(), "the message is next to the date"
    assert page.get_by_label("Note (facultatif)").input_value() == "Entretien téléphonique"
    seen(page, f"referent-{screen}-3-contact-erreur")
    page.get_by_label("Jour du contact").fill(brussels_today().isoformat())
    page.get_by_label("Heure (facultatif)").fill("")
    page.get_by_role("button", name="Enregistrer le contact").click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Contact enregistré").is_visible()
    seen(page, f"referent-{screen}-4-contact-enregistre")

    # 2. refer her: a service that fits is offered as it is
    page.goto(f"{server}/dossiers/{person_id}")
    seen(page, f"referent-{screen}-5-dossier")
    page.get_by_role("link", name="Orientations vers les partenaires").click()
    page.get_by_role("link", name="Orienter vers un service").click()
    seen(page, f"referent-{screen}-6-recherche-service")
    assert page.locator(".badge.ok", has_text="convient").count() >= 1, "a service fits without 'tous'"
    page.locator("a.button:not(.secondary)", has_text="Choisir").first.click()
    page.get_by_label("Type de demande").select_option("mentoring")
    page.get_by_label(re.compile("^Motif")).fill(
        "Souhaite un mentorat vers l'emploi, projet défini en entretien."
    )
    assert page.locator('input[name="sections"][value="progress"]').is_checked(), "progress asked by default"
    seen(page, f"referent-{screen}-7-orientation")
    page.get_by_role("button", name="Envoyer l'orientation").click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Orientation envoyée").is_visible()
    seen(page, f"referent-{screen}-8-orientation-envoyee")

    # 3. hand her over: the reason is mandatory, what was typed stays
    page.goto(f"{server}/dossiers/{person_id}")
    page.get_by_role("link", name="Passer le relais").click()
    seen(page, f"referent-{screen}-9-passation")
    chosen = page.locator("#adviser_id option", has_text=colleague).first.get_attribute("value")
    page.get_by_label("Nouveau référent", exact=True).select_option(chosen)
    page.get_by_label(re.compile("^Note de passation")).fill(
        "Bilan fait ; mentorat demandé, réponse attendue."
    )
    page.get_by_role("button", name="Passer le relais").click()
    settled(page)
    assert page.locator("#reason-erreur").is_visible()
    assert "mentorat demandé" in page.get_by_label(re.compile("^Note de passation")).input_value()
    seen(page, f"referent-{screen}-10-passation-erreur")
    page.get_by_label(re.compile("^Motif de la passation")).fill("Réorganisation des portefeuilles")
    page.get_by_role("button", name="Passer le relais").click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Passation enregistrée").is_visible()
    seen(page, f"referent-{screen}-11-passation-enregistree")
