"""End-to-end referral journey in a real browser: the referent sends from the file (consent asked in the
same step), the person sees it in her inbox and agrees in one click, the partner accepts; screenshots of
each new page (desktop and phone) as test artefacts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coordination.clock import today as brussels_today
from tests.e2e.conftest import settled, shot, sign_in

pytestmark = pytest.mark.e2e

SERVICE = "Préformation cariste et magasinier"
PARTNER = "CISP L'Envol"


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"horizontal scrolling on a phone ({width}px)"


def test_referral_sent_consented_and_accepted(page, server):
    sign_in(page, server, "Sophie Lambert")
    page.goto(server + "/dossiers?nom=martin")
    page.get_by_role("link", name="Julie Martin").click()
    page.get_by_role("link", name="Orientations vers les partenaires").click()
    page.get_by_role("link", name="Orienter vers un service").click()
    assert page.get_by_role("heading", name=re.compile("Orienter Julie Martin")).is_visible()
    shot(page, "orientation-recherche")
    page.get_by_role("link", name=f"Choisir {SERVICE}").click()
    page.get_by_label("Type de demande").select_option("training")
    page.get_by_label(re.compile("^Motif")).fill("Projet de cariste confirmé en entretien.")
    shot(page, "orientation-envoi")
    page.get_by_role("button", name="Envoyer l'orientation").click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Orientation envoyée").is_visible()
    shot(page, "orientations-dossier")

    # the person: unread count in the header, her inbox, one click to agree (on a phone)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, "Julie Martin")
    assert page.locator(".inbox-link .count").is_visible()
    page.locator(".inbox-link").click()
    # the demo already asks her for another service of the same CISP: the newest notice is this one
    assert page.get_by_role("heading", name=f"Votre accord est demandé pour {PARTNER}").first.is_visible()
    _no_horizontal_scroll(page)
    shot(page, "notifications-telephone")
    page.locator("#contenu").get_by_role(
        "button", name=re.compile(f"^Voir : Votre accord est demandé pour {PARTNER}")
    ).first.click()
    settled(page)
    assert "/mon-espace/orientations" in page.url
    _no_horizontal_scroll(page)
    shot(page, "mes-orientations-telephone")
    asked = page.locator("section.ask", has_text=SERVICE)
    asked.get_by_role("button", name=f"J'accepte de partager avec {PARTNER}").click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Accord enregistré").is_visible()
    shot(page, "mes-orientations-apres-accord-telephone")

    # the partner: its inbox, the card, accept with a start date
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, server, "Paul Henrard")
    page.get_by_role("link", name="Orientations reçues").click()
    shot(page, "orientations-recues")
    page.locator("tr", has_text=SERVICE).filter(has_text="Julie").get_by_role(
        "link", name="Julie"
    ).first.click()
    assert page.get_by_role("link", name="Ouvrir le dossier partagé").is_visible()
    start = (brussels_today() + timedelta(days=10)).isoformat()
    page.get_by_label("Date de début convenue").fill(start)
    shot(page, "orientation-recue")
    page.get_by_role("button", name="Accepter", exact=True).click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Orientation acceptée").is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _no_horizontal_scroll(page)
    shot(page, "orientation-recue-telephone")
    page.goto(server + "/orientations/recues")
    _no_horizontal_scroll(page)
    shot(page, "orientations-recues-telephone")

    # the referent sees the answer and its history
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, server, "Sophie Lambert")
    page.locator(".inbox-link").click()
    assert page.get_by_role("heading", name="Orientation acceptée").first.is_visible()
    shot(page, "notifications-referente")


def test_dpo_journal_and_the_consents_page_on_a_phone(page, server):
    sign_in(page, server, "Claire Renard")
    assert page.url.endswith("/journal")
    assert page.get_by_role("heading", name="Journal des accès à tous les dossiers").is_visible()
    shot(page, "journal-dpo")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _no_horizontal_scroll(page)
    shot(page, "journal-dpo-telephone")
    sign_in(page, server, "Sophie Lambert")
    page.goto(server + "/dossiers?nom=martin")
    page.get_by_role("link", name="Julie Martin").click()
    page.get_by_role("link", name="Consentements", exact=True).click()
    assert page.get_by_role("heading", name="Enregistrer un accord signé sur papier").is_visible()
    assert page.get_by_label("Formulaire signé").is_visible()
    _no_horizontal_scroll(page)
    shot(page, "consentements-dossier-telephone")
