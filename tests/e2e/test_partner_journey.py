"""Issue 17, the partner operator, through the pages only: a referral arrives (sent by a referent with the
default consent, agreed by the person in her space), the partner answers it from her referrals, then
records the person's progress from her worklist ``/mes-suivis`` and the file. The partner works on a
phone; every page is scanned by axe-core, then her pages are visited again on a desktop screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coordination.clock import today as brussels_today
from tests.e2e.conftest import settled, sign_in
from tests.e2e.journeys import DESKTOP, PHONE, seen

pytestmark = pytest.mark.e2e

SERVICE = "Mentorat vers l'emploi (6 mois)"
PARTNER = "Duo Mentorat Wallonie"
"""The demo's mentoring partner serves Liège: Julie lives in Charleroi, so the referent shows every service
and says why this one, out of her bassin."""


def test_answer_a_referral_then_record_progress(page, server):
    # a referral to answer: the referent sends it, the person agrees (the partner's work starts after)
    page.set_viewport_size(DESKTOP)
    sign_in(page, server, "Sophie Lambert")
    page.goto(server + "/dossiers?nom=martin")
    page.get_by_role("link", name="Julie Martin").click()
    page.get_by_role("link", name="Orientations vers les partenaires").click()
    page.get_by_role("link", name="Orienter vers un service").click()
    page.get_by_label(re.compile("Afficher aussi les services qui ne conviennent pas")).check()
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("link", name=f"Choisir {SERVICE}").click()
    page.get_by_label("Type de demande").select_option("mentoring")
    page.get_by_label(re.compile("Pourquoi hors du bassin")).fill(
        "Mentorat à distance, une rencontre par mois."
    )
    page.get_by_label(re.compile("^Motif")).fill("Mentorat demandé pour préparer les entretiens d'embauche.")
    page.get_by_role("button", name="Envoyer l'orientation").click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Orientation envoyée").is_visible()
    sign_in(page, server, "Julie Martin")
    page.goto(server + "/mon-espace/orientations")
    page.get_by_role("button", name=f"J'accepte de partager avec {PARTNER}").click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Accord enregistré").is_visible()

    # the partner, on a phone: her referrals, the card, accept
    page.set_viewport_size(PHONE)
    sign_in(page, server, "Inès Moreau")
    page.goto(server + "/orientations/recues")
    seen(page, "partenaire-telephone-1-orientations-recues")
    page.get_by_role("link", name="Julie").first.click()
    seen(page, "partenaire-telephone-2-orientation")
    page.get_by_label("Date de début convenue").fill((brussels_today() + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Accepter", exact=True).click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Orientation acceptée").is_visible()
    seen(page, "partenaire-telephone-3-orientation-acceptee")

    # her worklist: record progress, from the line to the form in the file
    page.goto(server + "/mes-suivis")
    seen(page, "partenaire-telephone-4-mes-suivis")
    row = page.locator("tr", has_text="Julie")
    row.get_by_role("link", name=re.compile("^Noter la progression")).click()
    settled(page)
    seen(page, "partenaire-telephone-5-dossier")
    form = page.locator("form", has=page.get_by_role("button", name="Enregistrer la progression")).first
    form.get_by_label("Note de suivi").fill("Première séance de mentorat : CV revu ensemble.")
    form.get_by_label(re.compile("^Heures de présence")).fill("2,5")
    form.get_by_role("button", name="Enregistrer la progression").click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Progression enregistrée").is_visible()
    assert page.get_by_text("Première séance de mentorat").first.is_visible()
    seen(page, "partenaire-telephone-6-progression-enregistree")
    file_url = page.url.split("?")[0]

    # the same pages on a desktop screen
    page.set_viewport_size(DESKTOP)
    for name, path in (
        ("1-orientations-recues", "/orientations/recues"),
        ("4-mes-suivis", "/mes-suivis"),
    ):
        page.goto(server + path)
        seen(page, f"partenaire-bureau-{name}")
    page.goto(file_url)
    seen(page, "partenaire-bureau-5-dossier")
