"""Names with provenance: an organisation's name, kind and BCE number are asserted by the registry
administrator; a partner manager only proposes, and is told the outcome in the inbox (issue 15, point 5)."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import UUID, uuid4

from sqlalchemy import func, select

from coordination.cadastre.proposal_models import OrganisationProposal
from coordination.directory.models import Organisation, OrganisationKind, Role
from coordination.events.models import DomainEvent
from coordination.factories import UserFactory
from coordination.inbox.models import Notification
from tests.integration.cadastre.conftest import direct_session, org_payload

API = "/api/v1/cadastre"
FORGED = "Forem — Direction régionale de Charleroi"


async def _create_org(client, world, **extra) -> dict:
    response = await client.post(f"{API}/organisations", json=org_payload(**extra), headers=world.keeper)
    assert response.status_code == 201, response.text
    return response.json()


async def _account(database, world, role: Role, organisation_id, name: str) -> dict[str, str]:
    """A user row (so the inbox can address them) and a token for it."""
    user_id = uuid4()
    async with direct_session(database) as session:
        session.add(
            UserFactory.build(
                id=user_id,
                subject=str(user_id),
                display_name=name,
                role=role,
                organisation_id=UUID(str(organisation_id)) if organisation_id else None,
            )
        )
        await session.commit()
    kind = OrganisationKind.FOREM if role is Role.ADMIN else OrganisationKind.PARTNER
    user = SimpleNamespace(
        id=user_id,
        display_name=name,
        role=role,
        organisation_id=UUID(str(organisation_id)) if organisation_id else None,
        organisation_kind=kind,
        team=None,
        person_id=None,
    )
    return {"Authorization": f"Bearer {world.app.state.identity.dev_issuer.issue(user)}"}


async def _proposal_count(database) -> int:
    async with direct_session(database) as session:
        return int(await session.scalar(select(func.count()).select_from(OrganisationProposal)) or 0)


async def _name_of(database, organisation_id) -> str:
    async with direct_session(database) as session:
        return (await session.get(Organisation, UUID(organisation_id))).name


async def test_a_partner_manager_cannot_rename_their_organisation_directly(client, world, database):
    """Point 5 reproduced: the manager's PATCH of the name used to rename the organisation at once."""
    org = await _create_org(client, world)
    url = f"{API}/organisations/{org['id']}"
    manager = {**world.manager(org["id"]), "If-Match": '"1"'}

    for change in ({"name": FORGED}, {"tax_id": "0202239951"}, {"partner_kind": "mire"}):
        refused = await client.patch(url, json=change, headers=manager)
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("asserted-by-registry-administrator")
        assert "proposez la modification" in refused.json()["detail"]
    assert await _name_of(database, org["id"]) == "CISP L'Envol"
    assert (await client.get(url, headers=world.keeper)).json()["tax_id"] == "0403170701"

    # the same values sent back with an ordinary edit are no change: the edit goes through
    same = await client.patch(
        url,
        json={
            "name": "CISP L'Envol",
            "tax_id": "BE 0403.170.701",
            "partner_kind": "cisp",
            "description": "x",
        },
        headers=manager,
    )
    assert same.status_code == 200, same.text
    # the administrator still edits directly
    renamed = await client.patch(
        url, json={"name": "CISP L'Envol asbl"}, headers={**world.keeper, "If-Match": same.headers["etag"]}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "CISP L'Envol asbl"


async def test_a_proposal_takes_effect_once_the_administrator_approves_and_the_manager_is_told(
    client, world, database
):
    org = await _create_org(client, world)
    manager = await _account(database, world, Role.PARTNER_MANAGER, org["id"], "Claire Responsable")
    admin = await _account(database, world, Role.ADMIN, world.forem.id, "Gestionnaire Forem")

    proposed = await client.post(
        f"{API}/organisations/{org['id']}/proposals",
        json={"name": "CISP L'Envol Charleroi", "tax_id": "0202.239.951", "comment": "Fusion des ASBL"},
        headers=manager,
    )
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    assert body["status"] == "pending"
    assert body["old_values"] == {"name": "CISP L'Envol", "tax_id": "0403170701"}
    assert body["new_values"] == {"name": "CISP L'Envol Charleroi", "tax_id": "0202239951"}
    assert body["proposed_by_name"] == "Claire Responsable"
    assert body["proposed_at"]
    # nothing changes before the administrator verifies
    assert await _name_of(database, org["id"]) == "CISP L'Envol"

    admin_inbox = (await client.get("/api/v1/inbox/", headers=admin)).json()["items"]
    assert [n["kind"] for n in admin_inbox] == ["organisation_proposal"]

    pending = await client.get(f"{API}/proposals?status=pending", headers=admin)
    assert [p["id"] for p in pending.json()] == [body["id"]]

    approved = await client.post(f"{API}/proposals/{body['id']}/approval", json={}, headers=admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by_name"] == "Gestionnaire Forem"
    assert approved.json()["decided_at"]
    entry = (await client.get(f"{API}/organisations/{org['id']}", headers=world.keeper)).json()
    assert (entry["name"], entry["tax_id"]) == ("CISP L'Envol Charleroi", "0202239951")

    items = (await client.get("/api/v1/inbox/", headers=manager)).json()["items"]
    assert [n["kind"] for n in items] == ["organisation_proposal_decided"]
    assert "approuvé" in items[0]["body"] and "CISP L'Envol Charleroi" in items[0]["body"]

    again = await client.post(f"{API}/proposals/{body['id']}/rejection", json={"reason": "x"}, headers=admin)
    assert again.status_code == 409


async def test_a_rejection_needs_a_reason_changes_nothing_and_the_manager_reads_why(client, world, database):
    org = await _create_org(client, world)
    manager = await _account(database, world, Role.PARTNER_MANAGER, org["id"], "Claire Responsable")
    proposed = await client.post(
        f"{API}/organisations/{org['id']}/proposals", json={"name": FORGED}, headers=manager
    )
    assert proposed.status_code == 201, proposed.text
    url = f"{API}/proposals/{proposed.json()['id']}"

    no_reason = await client.post(f"{url}/rejection", json={}, headers=world.keeper)
    assert no_reason.status_code == 422
    assert "motif du refus" in no_reason.json()["detail"]
    assert (await client.get(url, headers=world.keeper)).json()["status"] == "pending"

    # the manager cannot decide on their own proposal
    assert (await client.post(f"{url}/approval", json={}, headers=manager)).status_code == 403

    rejected = await client.post(
        f"{url}/rejection", json={"reason": "Le nom ne correspond pas à la BCE."}, headers=world.keeper
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert await _name_of(database, org["id"]) == "CISP L'Envol"
    items = (await client.get("/api/v1/inbox/", headers=manager)).json()["items"]
    assert items[0]["kind"] == "organisation_proposal_decided"
    assert "Le nom ne correspond pas à la BCE." in items[0]["body"]


async def test_bad_proposals_get_french_problems_and_write_nothing(client, world, database):
    org = await _create_org(client, world)
    other = await _create_org(client, world, name="MIRE Hainaut", bce="0202239951")
    url = f"{API}/organisations/{org['id']}/proposals"
    manager = world.manager(org["id"])

    cases = [
        ({"tax_id": "0403170702"}, manager, 422, "modulo 97"),
        ({"comment": "rien"}, manager, 422, "au moins un"),
        ({"name": "CISP L'Envol"}, manager, 422, "déjà celles"),
        ({"name": "   "}, manager, 422, "vide"),
        ({"partner_kind": "cpas"}, manager, 422, "CPAS"),
        ({"partner_kind": "inconnu"}, manager, 422, "Valeur inconnue"),
        ({"tax_id": "0202239951"}, manager, 409, "déjà utilisé"),
        ({"name": "X", "colour": "red"}, manager, 400, "invalides"),
        ({"name": "X"}, world.manager(other["id"]), 403, "responsable de cette organisation"),
        ({"name": "X"}, world.keeper, 403, "responsable de cette organisation"),
        ({"name": "X"}, world.regulator, 403, "responsables partenaires"),
    ]
    for payload, headers, status, words in cases:
        response = await client.post(url, json=payload, headers=headers)
        assert response.status_code == status, (payload, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert words in response.json()["detail"], (payload, response.json()["detail"])
    assert (await client.post(url, content=b"[1, 2]", headers=manager)).status_code == 400
    missing = await client.post(
        f"{API}/organisations/{uuid4()}/proposals", json={"name": "X"}, headers=manager
    )
    assert missing.status_code == 403
    assert await _proposal_count(database) == 0

    first = await client.post(url, json={"name": "Nouveau nom"}, headers=manager)
    assert first.status_code == 201
    second = await client.post(url, json={"name": "Encore un autre"}, headers=manager)
    assert second.status_code == 409 and "attend déjà" in second.json()["detail"]
    assert await _proposal_count(database) == 1

    unknown = await client.post(f"{API}/proposals/{uuid4()}/approval", json={}, headers=world.keeper)
    assert unknown.status_code == 404
    bad_status = await client.get(f"{API}/proposals?status=maybe", headers=world.keeper)
    assert bad_status.status_code == 400


async def test_a_proposal_overtaken_by_the_administrator_cannot_be_approved(client, world, database):
    org = await _create_org(client, world)
    manager = world.manager(org["id"])
    proposed = await client.post(
        f"{API}/organisations/{org['id']}/proposals", json={"name": "Nom proposé"}, headers=manager
    )
    assert proposed.status_code == 201
    renamed = await client.patch(
        f"{API}/organisations/{org['id']}",
        json={"name": "Nom vérifié"},
        headers={**world.keeper, "If-Match": "*"},
    )
    assert renamed.status_code == 200, renamed.text
    stale = await client.post(
        f"{API}/proposals/{proposed.json()['id']}/approval", json={}, headers=world.keeper
    )
    assert stale.status_code == 409
    assert "a changé depuis la proposition" in stale.json()["detail"]
    assert await _name_of(database, org["id"]) == "Nom vérifié"


async def test_each_manager_sees_only_their_organisation_s_proposals(client, world):
    org = await _create_org(client, world)
    other = await _create_org(client, world, name="MIRE Hainaut", bce="0202239951")
    mine = await client.post(
        f"{API}/organisations/{org['id']}/proposals", json={"name": "A"}, headers=world.manager(org["id"])
    )
    theirs = await client.post(
        f"{API}/organisations/{other['id']}/proposals", json={"name": "B"}, headers=world.manager(other["id"])
    )
    assert mine.status_code == theirs.status_code == 201
    listed = await client.get(f"{API}/proposals", headers=world.manager(org["id"]))
    assert [p["id"] for p in listed.json()] == [mine.json()["id"]]
    hidden = await client.get(f"{API}/proposals/{theirs.json()['id']}", headers=world.manager(org["id"]))
    assert hidden.status_code == 404
    everything = await client.get(f"{API}/proposals", headers=world.keeper)
    assert {p["id"] for p in everything.json()} == {mine.json()["id"], theirs.json()["id"]}
    assert (await client.get(f"{API}/proposals", headers=world.regulator)).status_code == 403


async def test_proposal_events_are_recorded_with_their_notices_in_one_transaction(client, world, database):
    """The service records the event; the inbox notice is its subscriber's, written in the same
    transaction: a proposal refused on its way to the database leaves neither."""
    org = await _create_org(client, world)
    manager = await _account(database, world, Role.PARTNER_MANAGER, org["id"], "Claire Responsable")
    admin = await _account(database, world, Role.ADMIN, world.forem.id, "Gestionnaire Forem")
    url = f"{API}/organisations/{org['id']}/proposals"

    proposed = await client.post(url, json={"name": "CISP L'Envol Charleroi"}, headers=manager)
    assert proposed.status_code == 201, proposed.text
    proposal_id = UUID(proposed.json()["id"])
    async with direct_session(database) as session:
        made = (
            await session.scalars(select(DomainEvent).where(DomainEvent.kind == "organisation_proposal_made"))
        ).all()
        assert [e.subject_id for e in made] == [proposal_id]
        assert made[0].person_id is None and made[0].payload["proposal_id"] == str(proposal_id)
        notices = (
            await session.scalars(select(Notification).where(Notification.subject_id == proposal_id))
        ).all()
        assert [n.kind for n in notices] == ["organisation_proposal"]

    # a second proposal is refused (one is pending): no event, no notice
    refused = await client.post(url, json={"name": "Autre nom"}, headers=manager)
    assert refused.status_code == 409
    rejected = await client.post(
        f"{API}/proposals/{proposal_id}/rejection", json={"reason": "BCE à vérifier"}, headers=admin
    )
    assert rejected.status_code == 200, rejected.text
    async with direct_session(database) as session:
        kinds = (await session.scalars(select(DomainEvent.kind).order_by(DomainEvent.occurred_at))).all()
        assert [k for k in kinds if k.startswith("organisation_proposal")] == [
            "organisation_proposal_made",
            "organisation_proposal_decided",
        ]
        told = await session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "organisation_proposal")
        )
        assert told == 1
