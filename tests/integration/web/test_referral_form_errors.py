"""Issue 17: a referral the service refuses (no reason, outside the person's bassin without saying why)
re-renders the sending form with what was typed and the French message by its field; nothing is sent."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from coordination.referral.models import Referral
from tests.integration.web.conftest import csrf_from, person_ids, sign_in

SERVICE_TREMPLIN = "Préformation cariste et magasinier"


async def _count(database) -> int:
    async with database.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Referral)))


async def test_a_refused_referral_keeps_what_was_typed(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    search = unescape((await client.get(f"/dossiers/{julie}/orientations/nouvelle")).text)
    service_id = re.search(r'href="\?service=([0-9a-f-]{36})"', search.split(SERVICE_TREMPLIN, 1)[1]).group(1)
    form = await client.get(f"/dossiers/{julie}/orientations/nouvelle", params={"service": service_id})
    before = await _count(database)
    response = await client.post(
        f"/dossiers/{julie}/orientations",
        data={
            "csrf_token": csrf_from(form.text),
            "service_id": service_id,
            "reason_category": "language",
            "reason": "   ",
            "sections": ["identity", "progress"],
            "consent_mode": "request",
        },
    )
    assert response.status_code == 400, response.text
    page = unescape(response.text)
    assert 'id="reason-erreur"' in page and "Indiquez le motif" in page
    assert '<option value="language" selected>' in page, "the category chosen is kept"
    checked = re.findall(r'name="sections" value="([a-z]+)" checked', page)
    assert checked == ["identity", "progress"], "the parts ticked are kept"
    assert SERVICE_TREMPLIN in page, "the same service, the same form"
    assert await _count(database) == before, "nothing sent"
