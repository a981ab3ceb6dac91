"""The access API end to end: tokens (401s), consents give/withdraw/record/renew, journals, dev login."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from uuid import uuid4

from coordination import clock
from coordination.directory.models import OrganisationKind, Role
from tests.fixtures.world import make_world


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def world(database, settings):
    """The shared world (``tests.fixtures.world``) with this file's subjects (dev login lists them)."""
    w = await make_world(
        database, settings,
        {"forem": ("Forem Charleroi", OrganisationKind.FOREM),
         "partner": ("CISP Les Ateliers", OrganisationKind.PARTNER),
         "cpas": ("CPAS de Charleroi", OrganisationKind.CPAS),
         "region": ("Régulateur", OrganisationKind.REGULATOR)},
        {"marie": ("Forem Referent", Role.FOREM_REFERENT, "forem"),
         "karim": ("Partner Operator", Role.PARTNER_OPERATOR, "partner"),
         "dpo": ("Dpo", Role.DPO, "region")},
        subject_prefix="", bassin=None,
    )  # fmt: skip
    person = await w.add_person(registered_at="forem", ris_at="cpas")
    me = await w.add_beneficiary(person.id, key="lea", display_name="Beneficiary", subject="lea")
    return {
        "person": person.id,
        "forem": w.orgs["forem"],
        "partner": w.orgs["partner"],
        "cpas": w.orgs["cpas"],
        "me": me,
        "adviser": w.users["marie"],
        "operator": w.users["karim"],
        "dpo": w.users["dpo"],
    }


def token(issuer, u, kind=None):
    return issuer.issue(u, org_kind=kind.value if kind else None)


def consent_body(org_id, sections=("plan", "progress"), **extra):
    body = {
        "recipient_organisation_id": str(org_id),
        "sections": list(sections),
        "purpose": "Suivi de la formation",
        "expires_at": (clock.now() + timedelta(days=90)).isoformat(),
    }
    body.update(extra)
    return body


async def test_no_token_and_bad_tokens_are_401_problem(client, database, issuer, settings):
    w = await world(database, settings)
    url = f"/api/v1/persons/{w['person']}/consents"
    r = await client.get(url)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "jeton" in r.json()["detail"].lower()
    good = token(issuer, w["me"])
    head, body, sig = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    now = int(time.time())
    attacks = {
        "alg none": f"{b64u(json.dumps({'alg': 'none', 'kid': issuer.kid}).encode())}.{body}.",
        "hs256 with public key": f"{b64u(json.dumps({'alg': 'HS256', 'kid': issuer.kid}).encode())}.{body}.{sig}",
        "wrong kid": f"{b64u(json.dumps({'alg': 'ES256', 'kid': 'other'}).encode())}.{body}.{sig}",
        "tampered": f"{head}.{b64u(json.dumps({**claims, 'role': 'dpo'}).encode())}.{sig}",
        "expired": issuer.issue(w["me"], exp=now - 3600, iat=now - 7200, nbf=now - 7200),
        "not yet valid": issuer.issue(w["me"], nbf=now + 3600),
        "wrong issuer": issuer.issue(w["me"], iss="https://evil.example"),
        "wrong audience": issuer.issue(w["me"], aud="other"),
        "malformed": "not-a-token",
    }
    for name, bad in attacks.items():
        r = await client.get(url, headers=auth(bad))
        assert r.status_code == 401, name
        assert r.headers["content-type"].startswith("application/problem+json"), name
        assert r.json()["detail"], name
        assert r.headers.get("www-authenticate", "").startswith("Bearer"), name
    r = await client.get(url, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    # the cookie works like the header
    client.cookies.set("coordination_token", good)
    r = await client.get(url)
    client.cookies.clear()
    assert r.status_code == 200


async def test_person_gives_and_withdraws_then_partner_is_refused(client, database, issuer, settings):
    w = await world(database, settings)
    me, op = auth(token(issuer, w["me"])), auth(token(issuer, w["operator"], OrganisationKind.PARTNER))
    base = f"/api/v1/persons/{w['person']}"

    r = await client.get(f"{base}/consents", headers=op)
    assert r.status_code == 403
    assert "consentement" in r.json()["detail"] or "rôle" in r.json()["detail"]

    r = await client.post(f"{base}/consents", json=consent_body(w["partner"].id), headers=me)
    assert r.status_code == 201, r.text
    given = r.json()
    assert given["status"] == "active" and given["channel"] == "self"
    assert given["evidence"].startswith("votre propre action")
    assert [e["kind"] for e in given["history"]] == ["given"]

    # withdrawal: one step, like giving
    r = await client.post(f"{base}/consents/{given['id']}/withdraw", headers=me)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn"
    assert [e["kind"] for e in r.json()["history"]] == ["given", "withdrawn"]
    r = await client.post(f"{base}/consents/{given['id']}/withdraw", headers=me)
    assert r.status_code == 409

    r = await client.get(f"{base}/consents", headers=me)
    assert r.status_code == 200 and len(r.json()) == 1


async def test_consent_validation(client, database, issuer, settings):
    w = await world(database, settings)
    me = auth(token(issuer, w["me"]))
    url = f"/api/v1/persons/{w['person']}/consents"
    past = (clock.now() - timedelta(days=1)).isoformat()
    far = (clock.now() + timedelta(days=4 * 365)).isoformat()
    for body in (
        consent_body(w["partner"].id, sections=()),
        consent_body(w["partner"].id, sections=("journal",)),
        consent_body(w["partner"].id, sections=("nonsense",)),
        consent_body(w["partner"].id, expires_at=past),
        consent_body(w["partner"].id, expires_at=far),
        consent_body(w["partner"].id, purpose=" "),
        consent_body(uuid4()),
    ):
        r = await client.post(url, json=body, headers=me)
        assert r.status_code == 400, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.post(url, json={"sections": ["plan"]}, headers=me)
    assert r.status_code == 400  # expiry mandatory


async def test_worker_records_paper_consent_with_evidence(client, database, issuer, settings):
    """A worker records a consent only with the signed form uploaded in the same request (multipart);
    the JSON path and an id of an existing document are refused (see test_consent_provenance.py)."""
    w = await world(database, settings)
    adv = auth(token(issuer, w["adviser"], OrganisationKind.FOREM))
    url = f"/api/v1/persons/{w['person']}/consents"
    r = await client.post(url, json=consent_body(w["partner"].id), headers=adv)
    assert r.status_code == 403 and r.json()["type"].endswith("consent-form-required")
    r = await client.post(
        url,
        json=consent_body(w["partner"].id, channel="paper", evidence_document_id=str(uuid4())),
        headers=adv,
    )
    assert r.status_code == 403 and r.json()["type"].endswith("consent-form-required")
    body = consent_body(w["partner"].id, channel="paper")
    pdf = {"file": ("formulaire.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
    r = await client.post(f"{url}/recorded", data={**body, "channel": "bicycle"}, files=pdf, headers=adv)
    assert r.status_code == 400 and r.json()["type"].endswith("consent-channel")
    r = await client.post(f"{url}/recorded", data=body, headers=adv)
    assert r.status_code == 400 and r.json()["type"].endswith("consent-form-missing")
    r = await client.post(f"{url}/recorded", data=body, files=pdf, headers=adv)
    assert r.status_code == 201, r.text
    doc = r.json()["evidence_document_id"]
    assert doc and r.json()["channel"] == "paper"
    # renewal: a new consent, the old one marked renewed; the renewal's form is filed too
    new_end = (clock.now() + timedelta(days=300)).isoformat()
    r2 = await client.post(
        f"{url}/{r.json()['id']}/renew/recorded",
        data={"expires_at": new_end, "channel": "paper"},
        files=pdf,
        headers=adv,
    )
    assert r2.status_code == 201, r2.text
    assert r2.json()["renews_id"] == r.json()["id"]
    assert r2.json()["evidence_document_id"] not in (None, doc)
    statuses = {c["id"]: c["status"] for c in (await client.get(url, headers=adv)).json()}
    assert statuses == {r.json()["id"]: "renewed", r2.json()["id"]: "active"}


async def test_person_reads_own_journal_dpo_reads_all(client, database, issuer, settings):
    w = await world(database, settings)
    me = auth(token(issuer, w["me"]))
    op = auth(token(issuer, w["operator"], OrganisationKind.PARTNER))
    dpo = auth(token(issuer, w["dpo"], OrganisationKind.REGULATOR))
    base = f"/api/v1/persons/{w['person']}"
    assert (await client.get(f"{base}/consents", headers=op)).status_code == 403
    r = await client.get(f"{base}/journal", headers=me)
    assert r.status_code == 200
    page = r.json()
    # the partner's refused attempt, then this very read of the journal
    assert page["total"] == 2
    refused = page["items"][1]
    assert refused["decision"] == "deny" and refused["organisation_name"] == "CISP Les Ateliers"
    assert "Refusé" in refused["sentence"] and refused["reason"]
    assert page["items"][0]["basis_label"] == "vous-même"
    # others cannot read it
    assert (await client.get(f"{base}/journal", headers=op)).status_code == 403
    # the DPO reads this file's journal (journaled) and all journals
    assert (await client.get(f"{base}/journal", headers=dpo)).status_code == 200
    r = await client.get("/api/v1/journal", headers=dpo)
    assert r.status_code == 200 and r.json()["total"] >= 3
    assert (await client.get("/api/v1/journal", headers=me)).status_code == 403


async def test_journals_page_by_cursor_newest_first_without_repeating_or_skipping(
    client, database, issuer, settings
):
    """Keyset pagination, as every API list: rows written between two pages never shift a page."""
    w = await world(database, settings)
    me = auth(token(issuer, w["me"]))
    dpo = auth(token(issuer, w["dpo"], OrganisationKind.REGULATOR))
    base = f"/api/v1/persons/{w['person']}"
    for _ in range(3):  # each read of the journal is itself journaled: the chain grows while we page
        assert (await client.get(f"{base}/journal", headers=me)).status_code == 200
    for url, headers in ((f"{base}/journal", me), ("/api/v1/journal", dpo)):
        first = (await client.get(url, params={"page_size": 2}, headers=headers)).json()
        assert first["page_size"] == 2 and len(first["items"]) == 2 and first["has_more"] is True
        ids, seqs, cursor = [], [], None
        while True:
            params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(url, params=params, headers=headers)).json()
            ids += [item["id"] for item in page["items"]]
            seqs += [
                (item["at"], item["seq"]) for item in page["items"] if url.endswith(f"{w['person']}/journal")
            ]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                assert cursor is None
                break
        assert len(ids) == len(set(ids))  # nothing repeated although each read added a row
        assert seqs == sorted(seqs, reverse=True)  # newest first
        assert len(ids) >= first["total"]  # nothing skipped (rows added meanwhile come on the first page)
    bad = await client.get(f"{base}/journal", params={"cursor": "!!"}, headers=me)
    assert bad.status_code == 400 and bad.json()["type"].endswith("/bad-cursor")


async def test_unknown_person_is_refused_like_a_file_without_basis(client, database, issuer, settings):
    """An id tells nobody whether a file exists: a worker gets for an unknown id the 403 a file without
    basis would give; only a caller whose access needs no fact of the file (the DPO) learns it is 404."""
    w = await world(database, settings)
    forem = auth(token(issuer, w["adviser"], OrganisationKind.FOREM))
    partner = auth(token(issuer, w["operator"], OrganisationKind.PARTNER))
    unknown = uuid4()
    r = await client.get(f"/api/v1/persons/{unknown}/consents", headers=forem)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    # the same refusal, word for word, as for an existing file this partner has no basis on
    existing = await client.get(f"/api/v1/persons/{w['person']}/consents", headers=partner)
    missing = await client.get(f"/api/v1/persons/{unknown}/consents", headers=partner)
    assert existing.status_code == missing.status_code == 403
    assert existing.json()["detail"] == missing.json()["detail"]
    r = await client.get(
        f"/api/v1/persons/{unknown}/journal",
        headers=auth(token(issuer, w["dpo"], OrganisationKind.REGULATOR)),
    )
    assert r.status_code == 404


async def test_dev_login(client, database, issuer, settings):
    await world(database, settings)
    r = await client.get("/api/v1/dev/users")
    assert r.status_code == 200 and {u["subject"] for u in r.json()} >= {"lea", "marie"}
    r = await client.post("/api/v1/dev/token", json={"subject": "marie"})
    assert r.status_code == 200
    tok = r.json()["access_token"]
    principal = await issuer.key_source().key_for(issuer.kid)
    assert principal is not None
    r = await client.get("/api/v1/journal", headers=auth(tok))
    assert r.status_code == 403  # authenticated (not 401), but not the DPO
    r = await client.post("/api/v1/dev/token", json={"subject": "nobody"})
    assert r.status_code == 404
