"""End-to-end: real browser, real server, demo data."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import settled, shot, sign_in

pytestmark = pytest.mark.e2e


def test_beneficiary_withdraws_a_consent_in_one_click_and_reads_the_journal(page, server):
    sign_in(page, server, "Julie Martin")
    assert page.url.endswith("/mon-espace")
    assert page.get_by_role("heading", name="Bonjour Julie").is_visible()
    shot(page, "mon-espace")
    # give, then withdraw, one click each
    page.get_by_role("button", name=re.compile(r"^Autoriser ")).first.click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Consentement enregistré").is_visible()
    withdraw = page.get_by_role("button", name=re.compile(r"^Retirer l'accès de "))
    count = withdraw.count()
    assert count >= 1
    withdraw.first.click()
    settled(page)
    assert page.get_by_role("status").filter(has_text="Consentement retiré").is_visible()
    assert page.get_by_role("button", name=re.compile(r"^Retirer l'accès de ")).count() == count - 1
    shot(page, "mon-espace-apres-retrait")
    page.get_by_role("link", name="Voir tout l'historique des consultations").click()
    assert page.get_by_role("heading", name="Qui a consulté mon dossier").is_visible()
    page.get_by_role("link", name="Afficher aussi mes propres consultations").click()
    assert page.locator(".journal li").count() > 0
    assert "consentements" in page.locator(".journal").inner_text()
    shot(page, "journal")


def test_withdrawal_takes_access_away_from_the_partner_at_once(page, server):
    sign_in(page, server, "Julie Martin")
    # the mentoring association runs no step of hers yet: she gives it access with the full form
    page.get_by_text("Donner un autre accès").click()
    page.get_by_label("Organisme", exact=True).select_option(label="Duo Mentorat Wallonie")
    for section in ("identity", "plan", "trajectory", "progress"):  # what the one-click offer shares
        page.locator(f'input[type="checkbox"][name="sections"][value="{section}"]').check()
    page.get_by_label(re.compile("^Pourquoi")).fill("Préparer mon mentorat")
    page.get_by_role("button", name="Donner mon accord").click()
    settled(page)
    sign_in(page, server, "Inès Moreau")
    page.goto(server + "/dossiers?nom=martin")
    page.get_by_role("link", name="Julie Martin").click()
    settled(page)
    file_url = page.url
    assert "accès restreint" not in page.locator("#section-progress").inner_text()
    shot(page, "dossier-partenaire")
    sign_in(page, server, "Julie Martin")
    # every access she gave the association: a journey run earlier on this worker's server (the partner's)
    # may have given one too, and one left would keep the file open
    withdraw = page.get_by_role("button", name="Retirer l'accès de Duo Mentorat Wallonie")
    for _ in range(5):
        if not withdraw.count():
            break
        withdraw.first.click()
        settled(page)
    assert not withdraw.count(), "an access to Duo Mentorat Wallonie is still listed after its withdrawal"
    sign_in(page, server, "Inès Moreau")
    page.goto(file_url)
    assert page.get_by_text("Vous n'avez accès à aucune partie de ce dossier").is_visible()
    shot(page, "dossier-partenaire-apres-retrait")


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
    # wait for the signed-in page itself: a load state can be reached before the form's navigation starts
    page.locator("header").get_by_text("Régis Lemaire").wait_for()
    assert "Régis Lemaire" in page.locator("header").inner_text()


def test_referent_opens_the_worklist_then_a_file(page, server):
    sign_in(page, server, "Sophie Lambert")
    assert page.url.endswith("/portefeuille")
    assert page.get_by_role("heading", name="Mes personnes").is_visible()
    shot(page, "portefeuille")
    first = page.locator("table a[href^='/dossiers/']").first
    name = first.inner_text()
    first.click()
    settled(page)
    assert page.get_by_role("heading", name=f"Dossier de {name}").is_visible()
    # a section the referent may not read says so in plain French
    health = page.locator("#section-health")
    assert "Vous ne pouvez pas voir cette partie du dossier" in health.inner_text()
    shot(page, "dossier")


def test_regulator_browses_the_cadastre_on_a_phone(page, server):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, "Régis Lemaire")
    assert page.url.endswith("/cadastre")
    page.get_by_role("link", name="Comparer les partenaires").click()
    settled(page)
    assert page.locator("svg.chart").count() == 2
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "no horizontal scrolling of the whole page on a phone"
    shot(page, "cadastre-comparaison-telephone")


def test_social_worker_checks_a_contract_instantly(page, server):
    sign_in(page, server, "Nadia Dubois")
    page.goto(server + "/visa/nouveau")
    page.get_by_label("Type de contrat ou de convention").select_option("fixed_term")
    page.get_by_label("Date de début").fill("2026-12-01")
    page.get_by_label("Heures par semaine").fill("10")
    page.get_by_label("Temps plein de référence (heures)").fill("38")
    page.get_by_label("Jours « d'essai » non payés prévus avant le contrat").fill("3")
    page.get_by_role("button", name="Vérifier le contrat").click()
    page.locator("#checklist").wait_for()
    assert "Résultat" in page.locator("#checklist h2").inner_text()
    assert "Référence légale" in page.locator("#checklist").text_content()
    assert page.url.endswith("/visa/nouveau"), "the checklist came through HTMX without leaving the form"
    shot(page, "visa-controle")
