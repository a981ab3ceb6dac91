"""Issue 17: a referral's consent asks by default for what the service needs, progress included (rules as
data, ``policies/referral_rules.toml``), so the partner who accepted records progress from her worklist
and the file."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from coordination.clock import today as brussels_today
from tests.integration.web.conftest import csrf_from, person_ids, sign_in

SERVICE_TREMPLIN = "Préformation cariste et magasinier"


async def test_default_consent_lets_the_accepting_partner_record_progress(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    search = unescape((await client.get(f"/dossiers/{julie}/orientations/nouvelle")).text)
    service_id = re.search(r'href="\?service=([0-9a-f-]{36})"', search.split(SERVICE_TREMPLIN, 1)[1]).group(1)
    form = await client.get(f"/dossiers/{julie}/orientations/nouvelle", params={"service": service_id})
    checked = re.findall(r'name="sections" value="([a-z]+)" checked', form.text)
    assert "progress" in checked and "social" not in checked and "health" not in checked
    sent = await client.post(
        f"/dossiers/{julie}/orientations",
        data={
            "csrf_token": csrf_from(form.text),
            "service_id": service_id,
            "reason_category": "training",
            "reason": "Projet logistique confirmé.",
            "sections": checked,  # as the page offers them: the referent changed nothing
            "consent_mode": "request",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    referral_id = sent.headers["location"].rsplit("orientation-", 1)[1]

    await sign_in(client, "julie")
    mine = await client.get("/mon-espace/orientations")
    agreed = await client.post(
        f"/orientations/{referral_id}/consentement",
        data={"csrf_token": csrf_from(mine.text)},
        follow_redirects=False,
    )
    assert agreed.status_code == 303, agreed.text

    await sign_in(client, "paul")
    card = await client.get(f"/orientations/recues/{referral_id}")
    start = brussels_today() + timedelta(days=7)
    accepted = await client.post(
        f"/orientations/{referral_id}/acceptation",
        data={"csrf_token": csrf_from(card.text), "agreed_start_date": start.isoformat(), "step_kind": ""},
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text

    worklist = unescape((await client.get("/mes-suivis")).text)
    assert f'href="/dossiers/{julie}#section-progress">Noter la progression' in worklist
    file_page = await client.get(f"/dossiers/{julie}")
    action = re.search(r'action="(/dossiers/[0-9a-f-]{36}/etapes/[0-9a-f-]{36}/progression)"', file_page.text)
    assert action, "the progress form is offered on the partner's own step"
    saved = await client.post(
        action.group(1),
        data={
            "csrf_token": csrf_from(file_page.text),
            "note": "Présent et motivé",
            "attendance_hours": "6",
            "milestone": "",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    after = unescape((await client.get(saved.headers["location"])).text)
    assert "Progression enregistrée" in after and "Présent et motivé" in after
