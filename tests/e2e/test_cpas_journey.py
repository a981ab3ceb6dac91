"""Issue 17, the CPAS worker's journey, through the pages only, on a desktop and on a phone: find the person,
type a contract, get the checklist, fix a mistake without losing anything typed, ask a colleague (four
eyes), the colleague finds the request, a refusal without a comment is refused beside the comment, the visa
is granted with a confirmation, and the certificate downloaded twice is the same stored PDF. Every page
visited passes axe-core with no serious or critical violation."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.e2e.conftest import axe_check, settled, shot, sign_in

pytestmark = pytest.mark.e2e

VIEWPORTS = {"bureau": {"width": 1366, "height": 768}, "telephone": {"width": 390, "height": 844}}

# Dates are typed, not computed from the machine's clock: the contract is the same whenever the test runs.
CONTRACT_TEXT = {
    "signature_date": "2026-12-07",
    "start_date": "2026-12-14",
    "employer_name": "Brasserie du Pont",
    "employer_bce": "0403170701",
    "joint_committee": "302",
    "function": "Commis de cuisine",
    "weekly_hours": "38",
    "full_time_weekly_hours": "38",
    "schedule.unpaid_presence_minutes_per_week": "0",
    "unpaid_test_days": "0",
    "gross_monthly": "deux mille trois cents",  # the mistake, fixed below
    "pay.sector_minimum.monthly_full_time": "2200",
    "pay.sector_minimum.source": "CCT CP 302, barème commis de cuisine",
    "pay.sector_minimum.valid_from": "2025-01-01",
    "pay.max_days_between_payments": "16",
    "pay.payment_deadline_working_days": "4",
    "birth_date": "1978-09-22",
    "piis.ris_granted_on": "2026-06-01",
    "piis.concluded_on": "2026-07-15",
    "piis.reflection_working_days": "5",
    "piis.evaluation_interval_months": "3",
}
CONTRACT_CHOICES = {
    "kind": "open_ended",
    "written_before_start": "true",
    "worker_category": "manual",
    "schedule_stated": "true",
    "pay.frequency": "twice_monthly",
    "pay.bank_transfer": "true",
    "ris_beneficiary": "true",
    "piis.written": "true",
    "piis.fits_aspirations_and_aptitudes": "true",
}
CONTRACT_BOXES = ("clauses_read", "earlier_fixed_term_contracts?")


def field(page, name: str):
    """A form field by its name (names hold dots: ``schedule.shifts.0.start``)."""
    return page.locator(f'[id="{name}"]')


def visit(page, name: str, viewport: str) -> None:
    settled(page)
    axe_check(page, name=f"{name} ({viewport})")
    shot(page, f"cpas-{viewport}-{name}")


def header_fits_a_fifth_of_the_screen(page) -> None:
    box = page.evaluate(
        "(() => { const h = document.querySelector('header.site-header').getBoundingClientRect();"
        " return {bottom: h.bottom, height: window.innerHeight, width: window.innerWidth,"
        " scroll: document.documentElement.scrollWidth}; })()"
    )
    assert box["bottom"] <= box["height"] / 5, box
    assert box["scroll"] <= box["width"], box  # nothing in the header pushes the page sideways


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_cpas_worker_checks_a_contract_and_a_colleague_grants_the_visa(page, server, viewport, tmp_path):
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page, server, "Nadia Dubois")
    visit(page, "accueil", viewport)
    if viewport == "telephone":
        header_fits_a_fifth_of_the_screen(page)

    # find the person and open the contract form from her file
    page.get_by_role("link", name="Rechercher un dossier").click()
    visit(page, "recherche", viewport)
    page.get_by_label("Nom").first.fill("Lemaire")
    page.get_by_role("button", name=re.compile("^Rechercher")).click()
    visit(page, "resultats", viewport)
    page.get_by_role("link", name="Sophie Lemaire").click()
    visit(page, "dossier", viewport)
    page.get_by_role("link", name="Vérifier un contrat pour cette personne").click()
    visit(page, "formulaire", viewport)

    # type the contract, with one mistake
    for name, value in CONTRACT_CHOICES.items():
        field(page, name).select_option(value)
    for name, value in CONTRACT_TEXT.items():
        field(page, name).fill(value)
    for name in CONTRACT_BOXES:
        field(page, name).check()
    for day in range(5):
        field(page, f"schedule.shifts.{day}.weekday").select_option(str(day + 1))
        field(page, f"schedule.shifts.{day}.start").fill("08:00")
        field(page, f"schedule.shifts.{day}.end").fill("16:06")
        field(page, f"schedule.shifts.{day}.break_minutes").fill("30")
    page.get_by_role("button", name="Vérifier le contrat").click()

    # the mistake is named beside its field; everything typed is still there
    alert = page.locator("#verification.error-summary")
    alert.wait_for()
    assert "Un champ est à corriger" in alert.inner_text()
    wrong = field(page, "gross_monthly")
    assert wrong.get_attribute("aria-invalid") == "true"
    assert "n'est pas un nombre" in page.locator('[id="err-gross_monthly"]').inner_text()
    assert wrong.input_value() == "deux mille trois cents"
    assert field(page, "employer_name").input_value() == "Brasserie du Pont"
    assert field(page, "schedule.shifts.4.end").input_value() == "16:06"
    assert field(page, "piis.concluded_on").input_value() == "2026-07-15"
    assert field(page, "pay.frequency").input_value() == "twice_monthly"
    assert field(page, "clauses_read").is_checked()
    visit(page, "formulaire-erreur", viewport)

    # fixed: the checklist is clean
    wrong.fill("2300")
    page.get_by_role("button", name="Vérifier le contrat").click()
    page.locator("#titre-checklist").wait_for()
    assert "Conforme" in page.locator("#titre-checklist").inner_text()
    assert page.locator(".error-summary").count() == 0
    # the plain post lands on the result (#verification), not on the top of a long form
    assert page.url.endswith("#verification")
    assert field(page, "gross_monthly").get_attribute("aria-invalid") is None
    visit(page, "checklist", viewport)

    # record the request in her file, then ask the colleague who will decide
    page.get_by_role("button", name="Enregistrer la demande de visa dans le dossier").click()
    page.wait_for_url(re.compile(r"/visa/[0-9a-f-]{36}\?ok=demande"))
    assert "Demande de visa enregistrée dans le dossier" in page.get_by_role("status").inner_text()
    visa_url = page.url.split("?")[0]
    visit(page, "demande", viewport)
    page.get_by_label("Demander la décision à").select_option(label="Thomas Leclercq")
    page.get_by_role("button", name="Demander la décision").click()
    settled(page)
    assert "Demande de décision envoyée à Thomas Leclercq" in page.get_by_role("status").inner_text()
    visit(page, "collegue", viewport)

    # the colleague finds it among the requests to decide
    sign_in(page, server, "Thomas Leclercq")
    page.get_by_role("link", name="Visa juridique").click()
    visit(page, "visas-a-decider", viewport)
    if viewport == "telephone":
        header_fits_a_fifth_of_the_screen(page)
    to_decide = page.get_by_role("region", name="Demandes de visa à décider")
    row = to_decide.get_by_role("row").filter(has_text="Brasserie du Pont").first
    assert "Nadia Dubois" in row.inner_text() and "Sophie Lemaire" in row.inner_text()
    assert re.search(r"\d{1,2} \w+ \d{4} à \d\d:\d\d", row.inner_text())
    row.get_by_role("link").first.click()
    page.wait_for_url(visa_url)
    visit(page, "decision", viewport)

    # a refusal needs a comment: refused beside the comment, the choice kept
    page.get_by_label("Visa refusé").check()
    page.get_by_role("button", name="Signer la décision").click()
    page.locator('[id="err-reason"]').wait_for()
    assert "commentaire est obligatoire" in page.locator('[id="err-reason"]').inner_text()
    assert page.get_by_label("Visa refusé").is_checked()
    visit(page, "decision-erreur", viewport)

    # granted: a confirmation, then the certificate, twice the same stored file
    page.get_by_label("Visa accordé", exact=True).check()
    page.get_by_role("button", name="Signer la décision").click()
    page.wait_for_url(re.compile(r"\?ok=approved"))
    assert "Décision signée : visa accordé" in page.get_by_role("status").inner_text()
    visit(page, "visa-accorde", viewport)
    digests = []
    for attempt in range(2):
        with page.expect_download() as info:
            page.get_by_role("link", name="Télécharger le certificat signé (PDF)").click()
        path = tmp_path / f"certificat-{attempt}.pdf"
        info.value.save_as(path)
        body = path.read_bytes()
        assert body.startswith(b"%PDF")
        digests.append(hashlib.sha256(body).hexdigest())
    assert digests[0] == digests[1]
