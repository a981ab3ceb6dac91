"""Issue 17, the CPAS worker's visa through the pages: a perfect open-ended contract typed in the form is
« conforme », refused forms come back filled with a message beside each wrong field, every write says what
it did, the colleague is asked and finds the request in her list, and the certificate is the stored PDF."""

from __future__ import annotations

import hashlib
import re
from html import unescape
from uuid import UUID

import pytest
from sqlalchemy import func, select

from tests.integration.web.conftest import csrf_from, person_ids, sign_in
from tests.integration.web.conftest import demo as demo

pytestmark = pytest.mark.usefixtures("demo")

PERFECT_CDI = {
    "kind": "open_ended",
    "signature_date": "2026-12-07",
    "start_date": "2026-12-14",
    "written_before_start": "true",
    "employer_name": "Brasserie du Pont",
    "employer_bce": "0403170701",
    "joint_committee": "302",
    "function": "Commis de cuisine",
    "worker_category": "manual",
    "weekly_hours": "38",
    "full_time_weekly_hours": "38",
    "schedule_stated": "true",
    "schedule.unpaid_presence_minutes_per_week": "0",
    "unpaid_test_days": "0",
    "gross_monthly": "2300",
    "pay.sector_minimum.monthly_full_time": "2200",
    "pay.sector_minimum.source": "CCT CP 302, barème commis de cuisine",
    "pay.sector_minimum.valid_from": "2025-01-01",
    "pay.frequency": "twice_monthly",
    "pay.max_days_between_payments": "16",
    "pay.payment_deadline_working_days": "4",
    "pay.bank_transfer": "true",
    "birth_date": "1990-03-15",
    "ris_beneficiary": "true",
    "clauses_read": "1",
    "earlier_fixed_term_contracts?": "1",
    # a RIS beneficiary: the offer is checked against her signed PIIS
    "piis.written": "true",
    "piis.fits_aspirations_and_aptitudes": "true",
    "piis.ris_granted_on": "2026-06-01",
    "piis.concluded_on": "2026-07-15",
    "piis.reflection_working_days": "5",
    "piis.evaluation_interval_months": "3",
    **{
        f"schedule.shifts.{i}.{k}": v
        for i in range(5)
        for k, v in (("weekday", str(i + 1)), ("start", "08:00"), ("end", "16:06"), ("break_minutes", "30"))
    },
}


async def _submit(client, person, contract=PERFECT_CDI) -> str:
    token = csrf_from((await client.get(f"/visa/nouveau?personne={person}")).text)
    response = await client.post(
        "/visa/demandes",
        data={"csrf_token": token, "person_id": str(person), **contract},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("?ok=demande")
    return response.headers["location"].split("?")[0]


async def test_a_perfect_open_ended_contract_typed_in_the_form_is_conforme(client):
    await sign_in(client, "nadia")
    token = csrf_from((await client.get("/visa/nouveau")).text)
    response = await client.post("/visa/controle", data={"csrf_token": token, **PERFECT_CDI})
    assert response.status_code == 200, response.text
    html = unescape(response.text)
    verdict = re.search(r'id="titre-checklist">Résultat : <span class="badge (\w+)">([^<]+)<', html)
    assert verdict and verdict.groups() == ("ok", "Conforme"), verdict
    assert "À vérifier" not in html and "Non conforme" not in html


async def test_mistakes_come_back_beside_their_fields_with_everything_typed(client, database):
    from coordination.visa.models import VisaRequest

    sophie = (await person_ids(database))["Sophie"]
    await sign_in(client, "nadia")
    token = csrf_from((await client.get(f"/visa/nouveau?personne={sophie}")).text)
    typed = {
        **PERFECT_CDI,
        "gross_monthly": "deux mille",
        "weekly_hours": "-4",
        "schedule.shifts.2.start": "8h",
    }
    async with database.sessionmaker() as s:
        before = await s.scalar(select(func.count()).select_from(VisaRequest))
    for url, headers in (("/visa/demandes", {}), ("/visa/controle", {"HX-Request": "true"})):
        response = await client.post(
            url, data={"csrf_token": token, "person_id": str(sophie), **typed}, headers=headers
        )
        html = unescape(response.text)
        assert response.status_code == (200 if headers else 400), html
        assert "3 champs sont à corriger" in html and 'role="alert"' in html
        for name, words in (
            ("gross_monthly", "n'est pas un nombre"),
            ("weekly_hours", "ne peut pas être négatif"),
            ("schedule.shifts.2.start", "n'est pas une heure"),
        ):
            assert f'aria-describedby="err-{name}"' in html, name
            message = re.search(rf'<p class="field-error" id="err-{re.escape(name)}">([^<]+)</p>', html)
            assert message and words in message.group(1).lower(), (name, message)
        # what was typed is all there, the wrong values too
        for value in ("deux mille", "-4", "8h", "Brasserie du Pont", "CCT CP 302, barème commis de cuisine"):
            assert f'value="{value}"' in html, value
        assert '<option value="twice_monthly" selected>' in html
        if headers:  # HTMX: the whole page replaces the body, the next check is a plain post
            assert response.headers["hx-retarget"] == "body"
            assert 'hx-post="/visa/controle"' not in html
    async with database.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(VisaRequest)) == before


async def test_four_eyes_through_the_pages_with_a_confirmation_after_each_step(client, database, monkeypatch):
    from coordination.events import DomainEvent
    from coordination.inbox.models import Notification
    from coordination.visa import certificate
    from coordination.visa.models import VisaRequest

    sophie = (await person_ids(database))["Sophie"]
    await sign_in(client, "nadia")
    visa_url = await _submit(client, sophie)
    html = unescape((await client.get(visa_url + "?ok=demande")).text)
    assert "Demande de visa enregistrée dans le dossier" in html and 'role="status"' in html
    # the submitter may not decide; she asks her colleague, chosen in a list of those who may
    assert 'name="decision"' not in html
    colleagues = dict(re.findall(r'<option value="([0-9a-f-]{36})">([^<]+)</option>', html))
    assert list(colleagues.values()) == ["Thomas Leclercq"]
    refused = await client.post(
        visa_url + "/collegue", data={"csrf_token": csrf_from(html), "colleague": "n'importe qui"}
    )
    assert refused.status_code == 422 and 'id="err-colleague"' in refused.text
    asked = await client.post(
        visa_url + "/collegue",
        data={
            "csrf_token": csrf_from(html),
            "colleague": next(iter(colleagues)),
            "note": "Urgent : début lundi",
        },
        follow_redirects=False,
    )
    assert asked.status_code == 303, asked.text
    page = unescape((await client.get(asked.headers["location"])).text)
    assert "Demande de décision envoyée à Thomas Leclercq" in page
    async with database.sessionmaker() as s:
        note = await s.scalar(select(Notification).where(Notification.kind == "visa_decision_asked"))
        assert note is not None and "Urgent : début lundi" in note.body_fr and note.link == visa_url
        asked_event = await s.scalar(select(DomainEvent).where(DomainEvent.kind == "visa_decision_asked"))
        assert asked_event is not None and asked_event.payload["colleague_user_id"] == next(iter(colleagues))
    # the colleague finds it in the list of requests to decide: date, contract, employer, submitter
    client.cookies.clear()
    await sign_in(client, "thomas")
    listing = unescape((await client.get("/visa")).text)
    to_decide = listing.split('id="titre-a-decider"')[1].split("</section>")[0]
    assert "Sophie Lemaire" in to_decide and "Brasserie du Pont" in to_decide and "Nadia Dubois" in to_decide
    assert "Contrat de travail à durée indéterminée — Commis de cuisine" in to_decide
    assert re.search(r"\d{1,2} décembre 2026 à \d\d:\d\d|\d{1,2} \w+ 20\d\d à \d\d:\d\d", to_decide)
    assert f'href="{visa_url}"' in to_decide
    # a refusal without a comment comes back with the choice kept and the message under the comment
    html = (await client.get(visa_url)).text
    no_reason = await client.post(
        visa_url + "/decision", data={"csrf_token": csrf_from(html), "decision": "refused", "reason": " "}
    )
    assert no_reason.status_code == 422
    again = unescape(no_reason.text)
    assert 'value="refused" checked' in again and 'id="err-reason"' in again
    assert "Un commentaire est obligatoire pour un refus" in again and "<h1>Demande de visa" in again
    nothing = await client.post(visa_url + "/decision", data={"csrf_token": csrf_from(html), "reason": "ok"})
    assert (
        nothing.status_code == 422
        and 'id="err-decision"' in nothing.text
        and ">ok</textarea>" in nothing.text
    )
    decided = await client.post(
        visa_url + "/decision",
        data={"csrf_token": csrf_from(html), "decision": "approved"},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    assert decided.headers["location"].endswith("?ok=approved")
    page = unescape((await client.get(decided.headers["location"])).text)
    assert "Décision signée : visa accordé" in page
    # the certificate: the PDF filed at the decision, the same bytes at every download, never re-rendered
    link = re.search(r'href="(/api/v1/visas/[0-9a-f-]{36}/certificate\.pdf)"', page).group(1)

    def no_rendering(*args, **kwargs):
        raise AssertionError("the certificate was rendered again")

    monkeypatch.setattr(certificate, "render_pdf", no_rendering)
    first, second = await client.get(link), await client.get(link)
    assert first.status_code == second.status_code == 200, first.text
    assert first.content.startswith(b"%PDF") and first.content == second.content
    assert first.headers["content-type"] == "application/pdf"
    from coordination.dossier.models import DocumentVersion

    async with database.sessionmaker() as s:
        visa = await s.get(VisaRequest, UUID(visa_url.rsplit("/", 1)[-1]))
        stored = await s.scalar(
            select(DocumentVersion).where(DocumentVersion.document_id == visa.certificate_document_id)
        )
    assert stored is not None and stored.sha256 == hashlib.sha256(first.content).hexdigest()


async def test_a_visa_decided_before_certificates_were_kept_is_filed_once(client, database):
    from coordination.dossier.models import Document
    from coordination.visa.models import VisaRequest

    sophie = (await person_ids(database))["Sophie"]
    await sign_in(client, "nadia")
    visa_url = await _submit(client, sophie)
    client.cookies.clear()
    await sign_in(client, "thomas")
    html = (await client.get(visa_url)).text
    await client.post(visa_url + "/decision", data={"csrf_token": csrf_from(html), "decision": "approved"})
    visa_id = UUID(visa_url.rsplit("/", 1)[-1])
    async with database.sessionmaker() as s:  # as if decided before migration 0020
        visa = await s.get(VisaRequest, visa_id)
        visa.certificate_document_id = None
        await s.commit()
    link = f"/api/v1/visas/{visa_id}/certificate.pdf"
    first, second = await client.get(link), await client.get(link)
    assert first.status_code == second.status_code == 200 and first.content == second.content
    async with database.sessionmaker() as s:
        visa = await s.get(VisaRequest, visa_id)
        count = await s.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.person_id == sophie, Document.category == "contract")
        )
    assert visa.certificate_document_id is not None and count == 2  # the decision's, then the one filed once


async def test_the_page_decides_through_the_use_case_the_api_uses(client, database, monkeypatch):
    """Issue 21: the page's decision is the API's (test_visa_api.test_the_api_decides_through_the_use_case_
    the_pages_use): the same use case signs, files the certificate and records the event."""
    from coordination.visa import use_cases
    from coordination.visa.models import VisaRequest

    calls = []
    real = use_cases.Visas.record_decision

    async def spy(self, *args, **kwargs):
        calls.append(kwargs["decision"])
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(use_cases.Visas, "record_decision", spy)
    sophie = (await person_ids(database))["Sophie"]
    await sign_in(client, "nadia")
    visa_url = await _submit(client, sophie)
    client.cookies.clear()
    await sign_in(client, "thomas")
    html = (await client.get(visa_url)).text
    decided = await client.post(
        visa_url + "/decision",
        data={"csrf_token": csrf_from(html), "decision": "approved"},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    assert [c.value for c in calls] == ["approved"]
    async with database.sessionmaker() as s:
        visa = await s.get(VisaRequest, UUID(visa_url.rsplit("/", 1)[-1]))
    assert visa.certificate_document_id is not None  # filed by the use case, committed with the decision


async def test_every_page_names_its_favicon_and_it_is_served(client):
    await sign_in(client, "nadia")
    html = (await client.get("/visa")).text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
