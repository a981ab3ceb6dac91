"""Issue 17: the visa's page and certificate speak French: dates in words in Brussels, amounts in euros,
hours without « 38.0 », labels rather than code keys."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
from tests.unit.visa.visa_builders import base

from coordination.visa import certificate
from coordination.visa.checks import run_checklist
from coordination.visa.models import Decision, VisaRequest, VisaStatus
from coordination.web.visa_data import contract_title, visa_item
from coordination.web.visa_form import key_terms


def _decided() -> VisaRequest:
    contract = base()
    return VisaRequest(
        id=uuid.uuid4(),
        person_id=uuid.uuid4(),
        submitted_by=uuid.uuid4(),
        submitted_by_name="Nadia Dubois",
        contract=msgspec.to_builtins(contract),
        checklist=msgspec.to_builtins(run_checklist(contract)),
        rule_set_version="test",
        verdict="conforme",
        status=VisaStatus.DECIDED,
        decision=Decision.APPROVED,
        decided_by_name="Thomas Leclercq",
        decided_at=dt.datetime(2026, 12, 5, 23, 10, tzinfo=dt.UTC),
        created_at=dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC),
    )


def test_the_certificate_dates_the_decision_in_brussels_in_words():
    html = certificate.render_html(_decided())
    assert "6 décembre 2026 à 00:10" in html and "UTC" not in html
    assert "1 juin 2025" in html and "01/06/2025" not in html
    assert "2\u202f300,00\u00a0€ brut / mois" in html
    assert "38\u00a0h sur 38\u00a0h" in html and "38.0" not in html


def test_the_page_terms_and_list_line_are_in_words():
    visa = _decided()
    terms = dict(key_terms(visa.contract))
    assert terms["Type"] == "Contrat de travail à durée indéterminée"
    assert terms["Début"] == "1 juin 2025" and terms["Signature"] == "20 mai 2025" and terms["Fin"] == "—"
    assert (
        terms["Heures par semaine"] == "38\u00a0h" and terms["Salaire brut mensuel"] == "2\u202f300,00\u00a0€"
    )
    assert terms["Périodicité du paiement"] == "Deux fois par mois"
    assert contract_title(visa.contract) == "Contrat de travail à durée indéterminée — Brasserie du Pont"
    item = visa_item(visa, "Sophie Lemaire")
    assert (item.employer, item.submitted_by_name, item.status_label) == (
        "Brasserie du Pont",
        "Nadia Dubois",
        "visa accordé",
    )
    assert (
        item.kind_label == "Contrat de travail à durée indéterminée" and item.function == "commis de cuisine"
    )
