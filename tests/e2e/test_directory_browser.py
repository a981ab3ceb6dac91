"""Issue 20 item 8 through the browser: the administrator creates an organisation (after a refused BCE
number, the form kept as typed), an account in it, deactivates it and reads the journal; the pages pass an
axe-core scan (axe-playwright-python ships axe-core; nothing is downloaded)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import shot, sign_in


def assert_accessible(page, name: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def test_administrator_manages_the_directory_through_the_pages(page, server):
    sign_in(page, server, "Administrateur")
    page.get_by_role("link", name="Annuaire", exact=True).click()
    page.wait_for_url("**/annuaire")
    assert page.get_by_role("heading", name="Annuaire", level=1).is_visible()
    assert_accessible(page, "annuaire")

    page.get_by_label("Nom", exact=True).fill("CPAS d'Andenne")
    page.get_by_label("Type", exact=True).select_option("cpas")
    page.get_by_label("Numéro BCE (facultatif)").fill("0212.345.679")
    page.get_by_role("button", name="Créer l'organisation").click()
    alert = page.get_by_role("alert")
    assert "modulo 97" in alert.inner_text()
    assert page.get_by_label("Nom", exact=True).input_value() == "CPAS d'Andenne"  # kept as typed
    assert_accessible(page, "annuaire-erreur")
    shot(page, "annuaire-erreur")

    page.get_by_label("Numéro BCE (facultatif)").fill("0212.345.668")
    page.get_by_role("button", name="Créer l'organisation").click()
    assert "L'organisation est créée." in page.get_by_role("status").inner_text()

    page.get_by_label("Identifiant de connexion").fill("l.martin")
    page.get_by_label("Nom affiché (signe les accès dans le journal)").fill("Léa Martin")
    page.get_by_label("Rôle du nouveau compte").select_option("cpas_social_worker")
    page.get_by_label("Organisation du nouveau compte").select_option(label="CPAS d'Andenne (CPAS)")
    page.get_by_role("button", name="Créer le compte").click()
    assert "Le compte est créé" in page.get_by_role("status").inner_text()

    card = page.locator("li.card", has=page.get_by_role("heading", name="Léa Martin"))
    card.get_by_label("Motif de la désactivation").fill("Fin de contrat")
    card.get_by_role("button", name="Désactiver le compte").click()
    assert "Le compte est désactivé" in page.get_by_role("status").inner_text()
    assert (
        "désactivé le"
        in page.locator("li.card", has=page.get_by_role("heading", name="Léa Martin")).inner_text()
    )
    shot(page, "annuaire")

    page.get_by_role("link", name="journal de l'annuaire").click()
    page.wait_for_url("**/annuaire/journal")
    journal = page.locator("main").inner_text()
    assert "Organisation « CPAS d'Andenne » (cpas) créée." in journal
    assert "Compte de « Léa Martin » désactivé. Motif : Fin de contrat" in journal
    assert "Administrateur [" in journal
    assert_accessible(page, "annuaire-journal")
