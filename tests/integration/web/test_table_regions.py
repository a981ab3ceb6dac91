"""Issue 17: every table of the pages sits in a named, keyboard-focusable scroll region (axe
« scrollable-region-focusable »), checked on the pages whose tables were known to miss one (the consents
of a file, the referrals a partner received) with rows in them, and on every other table page the demo
fills. The phone check with a real browser is ``tests/e2e/test_phone_pages.py``."""

from __future__ import annotations

import re
from html import unescape

from coordination.directory.models import OrganisationKind, Role
from coordination.factories import OrganisationFactory, UserFactory
from tests.integration.web.conftest import csrf_from, person_ids, sign_in
from tests.integration.web.test_referral_pages import SERVICE_TREMPLIN, _send

TABLE = re.compile(r"<table\b")
REGION_THEN_TABLE = re.compile(
    r'<div class="table-wrap[^"]*" role="region" aria-label="[^"]+" tabindex="0"[^>]*>\s*<table\b'
)


def tables_in_regions(html: str) -> int:
    """The number of tables, all of them opened right inside a named focusable region."""
    main = html.split("<main", 1)[1]
    tables = len(TABLE.findall(main))
    assert tables == len(REGION_THEN_TABLE.findall(main)), "a table outside a focusable scroll region"
    return tables


async def test_consents_and_received_referrals_scroll_in_named_regions(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    referral_id = await _send(client, julie, SERVICE_TREMPLIN, "Projet logistique confirmé en entretien.")
    await sign_in(client, "julie")
    mine = await client.get("/mon-espace/orientations")
    agreed = await client.post(
        f"/orientations/{referral_id}/consentement",
        data={"csrf_token": csrf_from(mine.text)},
        follow_redirects=False,
    )
    assert agreed.status_code == 303, agreed.text

    await sign_in(client, "sophie")
    consents = await client.get(f"/dossiers/{julie}/consentements")
    assert consents.status_code == 200
    assert "CISP L'Envol" in unescape(consents.text)
    assert tables_in_regions(consents.text) == 1
    for path in ("/portefeuille", "/dossiers?nom=martin", f"/dossiers/{julie}"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert tables_in_regions(page.text) >= 1, path

    await sign_in(client, "paul")
    received = await client.get("/orientations/recues")
    assert "Julie" in unescape(received.text)
    assert tables_in_regions(received.text) == 1
    assert tables_in_regions((await client.get("/mes-suivis")).text) >= 1


async def test_an_empty_received_list_draws_no_empty_table(client, demo, database):
    """A partner the demo never referred anyone to (every demo partner has referrals: one is added)."""
    async with database.sessionmaker() as session:
        partner = OrganisationFactory.build(name="Atelier sans orientation", kind=OrganisationKind.PARTNER)
        operator = UserFactory.build(
            subject="atelier-vide", role=Role.PARTNER_OPERATOR, organisation_id=partner.id
        )
        session.add(partner)
        await session.flush()
        session.add(operator)
        await session.commit()
    await sign_in(client, "atelier-vide")
    received = await client.get("/orientations/recues")
    assert "Aucune orientation" in unescape(received.text)
    assert tables_in_regions(received.text) == 0
