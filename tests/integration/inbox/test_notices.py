"""The person first: what other packages tell people in their inbox, each asserted on the inbox itself.

* a consent given (recorded), withdrawn or renewed by a worker through the access package's own routes
  tells the person; the person acting themself gets no notice of their own action;
* a consent about to reach its end date tells the person, once;
* a document added to the file by someone else tells the person; their own upload does not;
* a visa decision tells the person and the submitter, and files the signed certificate among the file's
  documents (contracts).

Links lead to web pages, never to the API; no NISS in any notice.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import msgspec

from coordination import clock
from coordination.db.base import utcnow
from coordination.directory.models import Role
from coordination.inbox.tasks import run_notices
from tests.integration.referral.conftest import API, NISS, inbox

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "visa"))
from visa_builders import base

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _kinds(notes: list[dict], kind: str) -> list[dict]:
    return [n for n in notes if n["kind"] == kind]


def _clean(notes: list[dict]) -> None:
    text = json.dumps(notes, ensure_ascii=False)
    assert NISS not in text
    for note in notes:
        assert note["link"] is None or not note["link"].startswith("/api/"), note


def _until(days: int) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


async def test_consents_recorded_withdrawn_renewed_by_a_worker_tell_the_person(client, world) -> None:
    """A worker records (from the signed form uploaded in the same request), renews and withdraws (with
    the signed request and a reason): each tells the person, about that consent."""
    w = world
    url = f"{API}/persons/{w.person_id}/consents"
    form = {"file": ("formulaire.pdf", PDF, "application/pdf")}
    given = await client.post(
        f"{url}/recorded",
        data={
            "recipient_organisation_id": str(w.orgs["cisp"].id),
            "sections": ["plan", "trajectory"],
            "purpose": "Suivi de la formation",
            "expires_at": _until(90),
            "channel": "paper",
        },
        files=form,
        headers=w.h("referent"),
    )
    assert given.status_code == 201, given.text
    consent_id = given.json()["id"]
    notes = await inbox(client, w, "person")
    [note] = _kinds(notes, "consent_given")
    assert "Sophie Lambert" in note["body"] and "CISP Les Ateliers du Pays Noir" in note["title"]
    assert note["link"] == f"/mon-espace#consentement-{consent_id}" and note["subject_id"] == consent_id
    assert _kinds(notes, "document_added") == []  # the consent's notice names the form: one notice

    renewed = await client.post(
        f"{url}/{consent_id}/renew/recorded",
        data={"expires_at": _until(300), "channel": "paper"},
        files=form,
        headers=w.h("referent"),
    )
    assert renewed.status_code == 201, renewed.text
    new_id = renewed.json()["id"]
    [note] = _kinds(await inbox(client, w, "person"), "consent_renewed")
    assert note["subject_id"] == new_id and "renouvellement" in note["body"]

    withdrawn = await client.post(
        f"{url}/{new_id}/withdraw/recorded",
        data={"channel": "paper", "reason": "Lettre signée reçue le 4 mars"},
        files=form,
        headers=w.h("referent"),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    [note] = _kinds(await inbox(client, w, "person"), "consent_withdrawn")
    assert "Sophie Lambert" in note["body"] and "ne voit plus votre dossier" in note["body"]
    assert "Lettre signée reçue le 4 mars" in note["body"]
    _clean(await inbox(client, w, "person"))

    # the person acting themself is not told of their own action
    before = len(await inbox(client, w, "person"))
    own = await client.post(
        url,
        json={
            "recipient_organisation_id": str(w.orgs["mire"].id),
            "sections": ["plan"],
            "purpose": "Coaching",
            "expires_at": _until(60),
        },
        headers=w.h("person"),
    )
    assert own.status_code == 201, own.text
    gone = await client.post(f"{url}/{own.json()['id']}/withdraw", json={}, headers=w.h("person"))
    assert gone.status_code == 200, gone.text
    assert len(await inbox(client, w, "person")) == before


async def test_a_consent_about_to_end_tells_the_person_once(client, world, database) -> None:
    w = world
    url = f"{API}/persons/{w.person_id}/consents"
    soon = await client.post(
        url,
        json={
            "recipient_organisation_id": str(w.orgs["cisp"].id),
            "sections": ["plan"],
            "purpose": "Suivi",
            "expires_at": _until(5),
        },
        headers=w.h("person"),
    )
    later = await client.post(
        url,
        json={
            "recipient_organisation_id": str(w.orgs["mire"].id),
            "sections": ["plan"],
            "purpose": "Coaching",
            "expires_at": _until(200),
        },
        headers=w.h("person"),
    )
    assert soon.status_code == later.status_code == 201
    async with database.sessionmaker() as s:
        first = await run_notices(s, utcnow())
        again = await run_notices(s, utcnow())
        await s.commit()
    assert (first.consents_expiring, again.consents_expiring) == (1, 0)
    [note] = _kinds(await inbox(client, w, "person"), "consent_expiring")
    assert note["subject_id"] == soon.json()["id"] and "CISP Les Ateliers du Pays Noir" in note["title"]
    assert "renouvelez" in note["body"] and note["link"] == f"/mon-espace#consentement-{soon.json()['id']}"
    _clean([note])


async def test_a_document_added_by_someone_else_tells_the_person(client, world) -> None:
    w = world
    url = f"{API}/persons/{w.person_id}/documents"
    up = await client.post(
        url,
        params={
            "filename": "attestation.pdf",
            "category": "certificate",
            "title": "Attestation de formation",
        },
        content=PDF,
        headers=w.h("referent"),
    )
    assert up.status_code == 201, up.text
    [note] = _kinds(await inbox(client, w, "person"), "document_added")
    assert "Attestation de formation" in note["body"] and "Sophie Lambert" in note["body"]
    assert note["link"] == "/mon-espace" and note["subject_id"] == up.json()["id"]
    _clean([note])

    own = await client.post(
        url,
        params={"filename": "cv.pdf", "category": "cv", "title": "Mon CV"},
        content=PDF,
        headers=w.h("person"),
    )
    assert own.status_code == 201, own.text
    assert len(_kinds(await inbox(client, w, "person"), "document_added")) == 1


async def test_a_visa_decision_tells_the_person_and_the_submitter_and_files_the_certificate(
    client, world, database
) -> None:
    w = world
    await w.add_users({"claire": ("Claire Conseillère", Role.FOREM_REFERENT, "forem")})
    claire = w.headers("claire")

    submitted = await client.post(
        f"{API}/persons/{w.person_id}/visas", json=msgspec.to_builtins(base()), headers=w.h("referent")
    )
    assert submitted.status_code == 201, submitted.text
    visa = submitted.json()
    decided = await client.post(
        f"{API}/visas/{visa['id']}/decision",
        json={"decision": "approved"},
        headers={**claire, "If-Match": submitted.headers["etag"]},
    )
    assert decided.status_code == 200, decided.text

    [person] = _kinds(await inbox(client, w, "person"), "visa_decided")
    assert person["link"] == "/mon-espace" and "visa accordé" in person["body"]
    assert "Claire Conseillère" in person["body"]
    [submitter] = _kinds(await inbox(client, w, "referent"), "visa_decided")
    assert submitter["link"] == f"/visa/{visa['id']}" and submitter["subject_id"] == visa["id"]
    assert not _kinds(await inbox(client, w, "person"), "document_added")  # one notice, not two
    _clean([person, submitter])

    # the signed certificate is a document of the file, in the contracts section
    docs = await client.get(f"{API}/persons/{w.person_id}/documents", headers=w.h("referent"))
    assert docs.status_code == 200, docs.text
    items = docs.json()["items"] if isinstance(docs.json(), dict) else docs.json()
    [cert] = [d for d in items if d["title"].startswith("Certificat de visa")]
    assert cert["category"] == "contract"
    # no antivirus in this test app: the filed certificate is « non analysé », so a reader other than
    # the one who filed it confirms before downloading (issue 20)
    url = f"{API}/persons/{w.person_id}/documents/{cert['id']}/content"
    unconfirmed = await client.get(url, headers=w.h("referent"))
    assert unconfirmed.status_code == 409 and "non analysé" in unconfirmed.json()["detail"]
    content = await client.get(url, params={"confirm": "true"}, headers=w.h("referent"))
    assert content.status_code == 200, content.text
    assert content.content.startswith(b"%PDF")
