"""End-to-end: real browser, real server, demo data."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_beneficiary_withdraws_a_consent_in_one_click_and_reads_the_journal(page, server):
    sign_in(page, server, "Julie Martin")
    assert page.url.endswith("/mon-espace")
    assert page.get_by_role("heading", name="Bonjour Julie").is_visible()
    shot(page, "mon-espace")
    # give, then withdraw, one click each
    page.get_by_role("button", name=re.compile(r"^Autoriser ")).first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("status").filter(has_text="Consentement enregistré").is_visible()
    withdraw = page.get_by_role("button", name=re.compile(r"^Retirer l'accès de "))
    count = withdraw.count()
    assert count >= 1
    withdraw.first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("status").filter(has_text="Consentement retiré").is_visible()
    assert page.get_by_role("button", name=re.compile(r"^Retirer l'accès de ")).count() == count - 1
    shot(page, "mon-espace-apres-retrait")
    page.get_by_role("link", name="Voir tout l'historique des consultations").click()
    assert page.get_by_role("heading", name="Qui a consulté mon dossier").is_visible()
    page.get_by_role("link", name="Afficher aussi mes propres consultations").click()
    assert page.locator(".journal li").count() > 0
    assert "consentements" in page.locator(".journal").inner_text()
    shot(page, "journal")


def test_keyboard_only_sign_in(page, server):
    page.goto(server + "/connexion")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Aller au contenu principal" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu" or page.url.endswith("#contenu")
    # tab until the regulator's button has the focus, then press Enter
    for _ in range(40):
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.textContent || ''")
        if "Régis Lemaire" in label:
            break
    else:
        raise AssertionError("the regulator's sign-in button cannot be reached with the keyboard")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused button shows a visible focus"
    shot(page, "connexion-clavier")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "Régis Lemaire" in page.locator("header").inner_text()
