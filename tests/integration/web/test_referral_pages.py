"""Referral pages: the referent searches and sends (consent asked in the same step), the partner sees a
card only, the person agrees in one click, the partner accepts (step created) or refuses; everyone sees
the status and history, and the inbox tells each of them."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import func, select

from coordination.clock import today as brussels_today
from coordination.referral.models import Referral
from coordination.web.render import day_fr
from tests.integration.web.conftest import csrf_from, person_ids, sign_in

SERVICE_TREMPLIN = "Préformation cariste et magasinier"
SERVICE_DUO = "Mentorat vers l'emploi"
"""The demo's mentoring service serves Liège and Verviers: for Julie (Charleroi) it is out of her bassin,
which the referent explains (``OUTSIDE_BASSIN``)."""
OUTSIDE_BASSIN = "Mentorat possible à distance, la personne se déplace à Liège une fois par mois."


async def _service_id(client, person_id, service_name: str) -> str:
    """The service's id from the search page, every service listed (those outside the bassin too)."""
    search = await client.get(f"/dossiers/{person_id}/orientations/nouvelle", params={"tous": "true"})
    assert search.status_code == 200, search.text
    block = unescape(search.text).split(service_name, 1)[1]
    return re.search(r'href="\?service=([0-9a-f-]{36})', block).group(1)


async def _send(client, person_id, service_name: str, reason: str) -> str:
    """As the signed-in referent: search, choose the service, send; returns the referral id."""
    service_id = await _service_id(client, person_id, service_name)
    form = await client.get(
        f"/dossiers/{person_id}/orientations/nouvelle", params={"service": service_id, "tous": "true"}
    )
    assert form.status_code == 200, form.text
    assert "L'accord de la personne" in unescape(form.text)
    data = {
        "csrf_token": csrf_from(form.text),
        "service_id": service_id,
        "reason_category": "training",
        "reason": reason,
        "sections": ["project", "plan"],
        "consent_mode": "request",
    }
    if 'id="outside_bassin_reason"' in form.text:
        data["outside_bassin_reason"] = OUTSIDE_BASSIN
    response = await client.post(f"/dossiers/{person_id}/orientations", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"/dossiers/{person_id}/orientations?ok=envoyee#orientation-")
    return location.rsplit("orientation-", 1)[1]


async def test_referral_sent_consented_accepted_through_the_pages(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    search = unescape((await client.get(f"/dossiers/{julie}/orientations/nouvelle")).text)
    assert SERVICE_TREMPLIN in search and "convient" in search
    referral_id = await _send(client, julie, SERVICE_TREMPLIN, "Projet logistique confirmé en entretien.")
    listing = unescape((await client.get(f"/dossiers/{julie}/orientations")).text)
    assert "Orientation envoyée" in listing and "demandé à la personne" in listing

    # the partner: a card only, nothing of the file before consent
    await sign_in(client, "paul")
    inbox = unescape((await client.get("/orientations/recues")).text)
    assert "Julie" in inbox and "Martin" not in inbox.split("<main", 1)[1]
    card = unescape((await client.get(f"/orientations/recues/{referral_id}")).text)
    assert "Projet logistique" not in card, "the free-text reason waits for the person's consent"
    assert "vous ne voyez rien de son dossier" in card
    # Julie shares her trajectory and progress with this CISP (the demo's own consent): her project waits
    # for the referral's consent
    file_page = unescape((await client.get(f"/dossiers/{julie}")).text)
    project = re.search(r'id="section-project">(.*?)</section>', file_page, re.S).group(1)
    assert "Vous ne pouvez pas voir cette partie du dossier" in project
    notes = unescape((await client.get("/notifications")).text)
    assert "Nouvelle orientation : Julie" in notes

    # the person: told in her inbox (count in the header), agrees in one click
    await sign_in(client, "julie")
    space = unescape((await client.get("/mon-espace")).text)
    assert re.search(r'class="count">\d+<', space), "unread count in the header"
    assert "Votre accord est demandé pour CISP L'Envol" in unescape((await client.get("/notifications")).text)
    mine = await client.get("/mon-espace/orientations")
    assert "J'accepte de partager avec CISP L'Envol" in unescape(mine.text)
    agreed = await client.post(
        f"/orientations/{referral_id}/consentement",
        data={"csrf_token": csrf_from(mine.text)},
        follow_redirects=False,
    )
    assert agreed.status_code == 303, agreed.text
    assert agreed.headers["location"].startswith("/mon-espace/orientations?ok=accord")

    # the partner now reads the reason and the consented parts, and accepts with a start date
    await sign_in(client, "paul")
    card = await client.get(f"/orientations/recues/{referral_id}")
    text = unescape(card.text)
    assert "Projet logistique confirmé" in text and "Ouvrir le dossier partagé" in text
    file_page = unescape((await client.get(f"/dossiers/{julie}")).text)
    assert "Projet professionnel" in file_page
    health = re.search(r'id="section-health">(.*?)</section>', file_page, re.S).group(1)
    assert "Vous ne pouvez pas voir cette partie du dossier" in health
    start = brussels_today() + timedelta(days=14)
    accepted = await client.post(
        f"/orientations/{referral_id}/acceptation",
        data={"csrf_token": csrf_from(card.text), "agreed_start_date": start.isoformat(), "step_kind": ""},
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text
    assert "Orientation acceptée : l'étape est ajoutée" in unescape(
        (await client.get(accepted.headers["location"])).text
    )

    # the referent and the person see the status and its history
    await sign_in(client, "sophie")
    listing = unescape((await client.get(f"/dossiers/{julie}/orientations")).text)
    assert "acceptée" in listing and "Orientation acceptée" in listing and day_fr(start) in listing
    await sign_in(client, "julie")
    mine = unescape((await client.get("/mon-espace/orientations")).text)
    assert "Consentement donné" in mine and "par vous" in mine and "acceptée" in mine
    assert "CISP L'Envol a dit oui" in unescape((await client.get("/notifications")).text)


async def test_partner_refuses_with_a_reason_and_another_partner_cannot_answer(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    referral_id = await _send(client, julie, SERVICE_DUO, "Mentorat souhaité.")

    # another organisation cannot answer: a French 403 page, nothing written
    await sign_in(client, "paul")
    token = csrf_from((await client.get("/notifications")).text)
    assert (await client.get(f"/orientations/recues/{referral_id}")).status_code == 404
    before = await _status(database, referral_id)
    wrong = await client.post(
        f"/orientations/{referral_id}/refus", data={"csrf_token": token, "reason": "timing"}
    )
    assert wrong.status_code == 403
    assert "Seule l'organisation à qui l'orientation est adressée" in unescape(wrong.text)
    assert await _status(database, referral_id) == before == "sent"

    await sign_in(client, "ines")
    card = await client.get(f"/orientations/recues/{referral_id}")
    assert "Mettre en liste d'attente" in unescape(card.text)
    missing = await client.post(
        f"/orientations/{referral_id}/refus", data={"csrf_token": csrf_from(card.text), "reason": "nope"}
    )
    assert missing.status_code == 400 and "Traceback" not in missing.text
    refused = await client.post(
        f"/orientations/{referral_id}/refus",
        data={"csrf_token": csrf_from(card.text), "reason": "no_capacity", "text": "Groupe complet."},
        follow_redirects=False,
    )
    assert refused.status_code == 303, refused.text
    assert await _status(database, referral_id) == "refused"

    await sign_in(client, "julie")
    mine = unescape((await client.get("/mon-espace/orientations")).text)
    assert "refusée" in mine and "Plus de place disponible" in mine


async def test_person_declines_in_one_click_and_the_referral_is_withdrawn(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    referral_id = await _send(client, julie, SERVICE_DUO, "Mentorat.")
    await sign_in(client, "julie")
    mine = await client.get("/mon-espace/orientations")
    declined = await client.post(
        f"/orientations/{referral_id}/consentement/refus",
        data={"csrf_token": csrf_from(mine.text)},
        follow_redirects=False,
    )
    assert declined.status_code == 303, declined.text
    assert await _status(database, referral_id) == "withdrawn"
    page = unescape((await client.get("/mon-espace/orientations?ok=refus-accord")).text)
    assert "refusé par la personne" in page


async def test_sender_withdraws_and_a_beneficiary_cannot_search_services(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    referral_id = await _send(client, julie, SERVICE_TREMPLIN, "Essai.")
    listing = await client.get(f"/dossiers/{julie}/orientations")
    withdrawn = await client.post(
        f"/orientations/{referral_id}/retrait",
        data={"csrf_token": csrf_from(listing.text), "reason": "Autre piste trouvée."},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    assert await _status(database, referral_id) == "withdrawn"
    await sign_in(client, "julie")
    assert (await client.get(f"/dossiers/{julie}/orientations/nouvelle")).status_code == 403
    async with database.sessionmaker() as session:
        made = await session.scalar(
            select(func.count()).select_from(Referral).where(Referral.reason == "Essai.")
        )
        assert made == 1


async def _status(database, referral_id: str) -> str:
    from uuid import UUID

    async with database.sessionmaker() as session:
        return (await session.get(Referral, UUID(referral_id))).status


async def test_referent_sends_with_the_signed_form_or_records_it_later(client, demo, database, settings):
    """The referral's recorded consent on the pages: the signed form uploaded with the referral (or with
    the "record the agreement" action), for the partner only and never health/social; refusals write
    nothing."""
    from pathlib import Path

    from coordination.access.models import Consent
    from coordination.dossier.models import Document

    pdf = {"file": ("formulaire-signe.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf")}

    def objects() -> int:
        root = Path(settings.documents_dir)
        return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0

    async def counts() -> tuple[int, int, int]:
        async with database.sessionmaker() as s:
            return tuple(
                [
                    int(await s.scalar(select(func.count()).select_from(m)))
                    for m in (Referral, Consent, Document)
                ]
            )

    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    service_id = await _service_id(client, julie, SERVICE_DUO)
    form = await client.get(
        f"/dossiers/{julie}/orientations/nouvelle", params={"service": service_id, "tous": "true"}
    )
    html = unescape(form.text)
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert 'name="evidence_document_id"' not in html
    fields = {
        "csrf_token": csrf_from(form.text),
        "service_id": service_id,
        "reason_category": "mentoring",
        "reason": "Mentorat souhaité, accord signé au guichet.",
        "sections": ["project", "plan"],
        "consent_mode": "record",
        "consent_channel": "paper",
        "outside_bassin_reason": OUTSIDE_BASSIN,
    }
    before, stored = await counts(), objects()
    no_file = await client.post(f"/dossiers/{julie}/orientations", data=fields)
    assert no_file.status_code == 400 and "formulaire signé" in unescape(no_file.text)
    health = await client.post(
        f"/dossiers/{julie}/orientations", data={**fields, "sections": ["project", "health"]}, files=pdf
    )
    assert health.status_code == 403 and "santé" in unescape(health.text)
    assert await counts() == before and objects() == stored

    sent = await client.post(
        f"/dossiers/{julie}/orientations", data=fields, files=pdf, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    referral_id = sent.headers["location"].rsplit("orientation-", 1)[1]
    async with database.sessionmaker() as s:
        referral = await s.get(Referral, referral_id)
        consent = await s.get(Consent, referral.consent_id)
        document = await s.get(Document, consent.evidence_document_id)
    assert (
        referral.consent_state == "given" and consent.recipient_organisation_id == referral.to_organisation_id
    )
    assert document.category == "consent_form" and objects() == stored + 1

    # later: a referral whose consent was asked, recorded from the file's referral page with the form
    pending = await _send(client, julie, SERVICE_TREMPLIN, "Projet logistique.")
    listing = await client.get(f"/dossiers/{julie}/orientations")
    assert f'action="/orientations/{pending}/consentement" enctype="multipart/form-data"' in listing.text
    token = csrf_from(listing.text)
    refused = await client.post(f"/orientations/{pending}/consentement", data={"csrf_token": token})
    assert refused.status_code == 400 and "formulaire signé" in unescape(refused.text)
    done = await client.post(
        f"/orientations/{pending}/consentement",
        data={"csrf_token": token, "consent_channel": "paper"},
        files=pdf,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    async with database.sessionmaker() as s:
        assert (await s.get(Referral, pending)).consent_state == "given"
