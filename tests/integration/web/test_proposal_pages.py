"""The proposals page: a partner manager proposes a new name for their organisation, the registry
administrator approves or rejects it (issue 15, names with provenance)."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from coordination.cadastre.proposal_models import OrganisationProposal
from coordination.directory.models import Organisation, OrganisationKind, Role
from coordination.factories import PartnerProfileFactory
from tests.fixtures.world import make_world
from tests.integration.web.conftest import form_token, sign_in

PAGE = "/cadastre/propositions"


async def _world(database, settings) -> Organisation:
    """The shared world with a Forem and a CISP (a registered partner): its manager and operator, and the
    registry's administrator; users signed in by subject."""
    world = await make_world(
        database, settings,
        {"forem": ("Forem", OrganisationKind.FOREM),
         "cisp": ("CISP L'Envol", OrganisationKind.PARTNER, {"bce_number": "0403170701"})},
        {"claire": ("Claire Responsable", Role.PARTNER_MANAGER, "cisp"),
         "gestion": ("Gestionnaire Forem", Role.ADMIN, "forem"),
         "operatrice": ("Opératrice", Role.PARTNER_OPERATOR, "cisp")},
        bassin=None, subject_prefix="",
    )  # fmt: skip
    cisp = world.orgs["cisp"]
    await world.add(PartnerProfileFactory.build(organisation_id=cisp.id, partner_kind="cisp"))
    return cisp


async def _org_name(database, org_id) -> str:
    async with database.sessionmaker() as session:
        return (await session.get(Organisation, org_id)).name


async def test_manager_proposes_and_administrator_approves_through_the_pages(client, database, settings):
    cisp = await _world(database, settings)
    await sign_in(client, "claire")
    assert 'href="/cadastre/propositions"' in (await client.get("/cadastre")).text
    page = await client.get(PAGE)
    assert page.status_code == 200 and "Votre fiche aujourd'hui" in unescape(page.text)

    token = await form_token(client, PAGE)
    bad = await client.post(PAGE, data={"csrf_token": token, "tax_id": "0403170702"})
    assert bad.status_code == 422 and "modulo 97" in unescape(bad.text)
    async with database.sessionmaker() as session:
        assert (await session.scalars(select(OrganisationProposal))).all() == []

    sent = await client.post(
        PAGE,
        data={"csrf_token": token, "name": "CISP L'Envol Charleroi", "comment": "Nouveau nom statutaire"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    listed = unescape((await client.get(sent.headers["location"])).text)
    assert "Votre proposition est envoyée" in listed and "CISP L'Envol Charleroi" in listed
    assert await _org_name(database, cisp.id) == "CISP L'Envol"

    await sign_in(client, "gestion")
    admin_page = unescape((await client.get(PAGE)).text)
    assert "Fiches à vérifier" in admin_page and "Proposé par Claire Responsable" in admin_page
    async with database.sessionmaker() as session:
        proposal = await session.scalar(select(OrganisationProposal))
    token = await form_token(client, PAGE)
    no_reason = await client.post(
        f"{PAGE}/{proposal.id}/decision", data={"csrf_token": token, "decision": "refuser"}
    )
    assert no_reason.status_code == 422 and "motif du refus" in unescape(no_reason.text)
    approved = await client.post(
        f"{PAGE}/{proposal.id}/decision",
        data={"csrf_token": token, "decision": "approuver"},
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    assert await _org_name(database, cisp.id) == "CISP L'Envol Charleroi"


async def test_the_page_is_closed_to_other_roles(client, database, settings):
    await _world(database, settings)
    await sign_in(client, "operatrice")
    assert (await client.get(PAGE)).status_code == 403
