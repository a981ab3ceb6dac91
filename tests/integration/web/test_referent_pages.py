"""The referent's pages (issue 17): record a contact from the worklist's overdue flag, hand a person over
with the mandatory reason and note; a refusal re-renders the form with what was typed and the message
next to its field, and writes nothing; a confirmation after every write."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from coordination.referent.models import ReferentLink
from tests.integration.web.conftest import csrf_from, sign_in


async def _overdue_person(client) -> str:
    html = unescape((await client.get("/portefeuille")).text)
    found = re.search(r'href="/dossiers/([0-9a-f-]{36})/contacts">premier contact en retard', html)
    assert found, "the demo gives Sophie at least one overdue first contact, linked to the contact form"
    return found.group(1)


async def _link(database, person_id: str) -> ReferentLink:
    from uuid import UUID

    async with database.sessionmaker() as session:
        return await session.scalar(
            select(ReferentLink).where(
                ReferentLink.person_id == UUID(person_id), ReferentLink.ended_at.is_(None)
            )
        )


async def test_overdue_flag_leads_to_a_contact_form_that_clears_it(client, demo, database):
    await sign_in(client, "sophie")
    pid = await _overdue_person(client)
    form = await client.get(f"/dossiers/{pid}/contacts")
    assert form.status_code == 200, form.text
    token = csrf_from(form.text)
    bad = await client.post(
        f"/dossiers/{pid}/contacts",
        data={"csrf_token": token, "contacted_on": "2001-01-01", "contacted_time": "", "note": "Appel"},
    )
    assert bad.status_code == 422
    page = unescape(bad.text)
    assert 'value="2001-01-01"' in page and ">Appel</textarea>" in page, "what was typed is kept"
    assert 'id="contacted_on-erreur"' in page and "entre le début du suivi" in page
    assert (await _link(database, pid)).last_contact_at is None, "a refused contact writes nothing"

    from coordination.clock import today

    done = await client.post(
        f"/dossiers/{pid}/contacts",
        data={
            "csrf_token": token,
            "contacted_on": today().isoformat(),
            "contacted_time": "",
            "note": "Appel",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/portefeuille?ok=contact"
    assert (await _link(database, pid)).last_contact_at is not None
    after = unescape((await client.get(done.headers["location"])).text)
    assert "Contact enregistré" in after
    assert f'href="/dossiers/{pid}/contacts">premier contact en retard' not in after


async def test_handover_needs_reason_and_note_and_keeps_what_was_typed(client, demo, database):
    await sign_in(client, "sophie")
    pid = await _overdue_person(client)
    form = await client.get(f"/dossiers/{pid}/passation")
    assert form.status_code == 200, form.text
    token = csrf_from(form.text)
    karim = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>Karim Benali', unescape(form.text))
    assert karim, "another adviser of the organisation is offered"
    before = await _link(database, pid)
    missing = await client.post(
        f"/dossiers/{pid}/passation",
        data={"csrf_token": token, "adviser_id": karim.group(1), "reason": "", "note": "Bilan fait"},
    )
    assert missing.status_code == 422
    page = unescape(missing.text)
    assert 'id="reason-erreur"' in page and "motif de la passation est obligatoire" in page
    assert ">Bilan fait</textarea>" in page and "selected>Karim Benali" in page.replace(
        '" selected>', "selected>"
    )
    assert (await _link(database, pid)).id == before.id, "a refused handover changes nothing"

    done = await client.post(
        f"/dossiers/{pid}/passation",
        data={
            "csrf_token": token,
            "adviser_id": karim.group(1),
            "reason": "Réorientation services",
            "note": "Bilan fait",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    now = await _link(database, pid)
    assert now.id != before.id and str(now.adviser_id) == karim.group(1)
    assert "Passation enregistrée" in unescape((await client.get(done.headers["location"])).text)


async def test_the_worklist_page_and_the_api_call_the_same_use_case(client, demo, monkeypatch):
    """``/portefeuille`` and ``/api/v1/referents/me/portfolio`` are one use case
    (:func:`coordination.referent.use_cases.my_worklist`): the same caller gets the same files."""
    from coordination.referent import use_cases

    calls: list[tuple[object, str]] = []
    original = use_cases.my_worklist

    async def spy(session, principal, *args, **kwargs):
        calls.append((principal.user_id, principal.display_name))
        return await original(session, principal, *args, **kwargs)

    monkeypatch.setattr(use_cases, "my_worklist", spy)
    await sign_in(client, "sophie")
    html = unescape((await client.get("/portefeuille")).text)
    token = await client.post("/api/v1/dev/token", json={"subject": "sophie"})
    assert token.status_code == 200, token.text
    api = await client.get(
        "/api/v1/referents/me/portfolio",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert api.status_code == 200, api.text
    assert len(calls) == 2 and calls[0] == calls[1], "the page and the API, for the same adviser"
    shown = set(re.findall(r'href="/dossiers/([0-9a-f-]{36})"', html))
    assert {item["person_id"] for item in api.json()["items"]} == shown
