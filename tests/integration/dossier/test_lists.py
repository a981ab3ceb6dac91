"""Issue 16: lists select in the database through the gate's predicate and journal only what they show.

On the previous main one list call by a partner wrote a "refused" row into the journal of every person
in the database, and a person listing wrote her name into strangers' journals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from sqlalchemy import func, select

from coordination.access.models import AccessJournalEntry
from coordination.factories import ServiceFactory, TrajectoryStepFactory
from coordination.referral.models import Referral
from tests.integration.dossier.conftest import create_person, direct, give_consent, niss_for

pytestmark = pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern")


async def _rows(database, **where) -> list[AccessJournalEntry]:
    async with direct(database)() as s:
        query = select(AccessJournalEntry)
        for name, value in where.items():
            query = query.where(getattr(AccessJournalEntry, name) == value)
        return list((await s.scalars(query)).all())


async def _count(database) -> int:
    async with direct(database)() as s:
        return int(await s.scalar(select(func.count()).select_from(AccessJournalEntry)))


async def _people(client, trust, n: int) -> list[dict]:
    return [
        await create_person(
            client, trust, niss_for("800101", f"{300 + i:03d}"), first_name=f"P{i}", last_name=f"N{i:02d}"
        )
        for i in range(n)
    ]


async def test_a_list_journals_only_the_files_it_shows(client, trust, database) -> None:
    people = await _people(client, trust, 5)
    await give_consent(database, trust, people[1]["id"], "cisp", ["identity"])
    await give_consent(database, trust, people[3]["id"], "cisp", ["plan"])  # identity not consented
    before = await _count(database)
    listed = await client.get("/api/v1/persons", params={"name": "p"}, headers=trust.headers("cisp"))
    assert listed.status_code == 200, listed.text
    assert [p["id"] for p in listed.json()["items"]] == [people[1]["id"]]
    rows = [r for r in await _rows(database) if r.user_id == trust.users["cisp"].id]
    assert await _count(database) == before + 1  # exactly one row: the file shown
    (row,) = rows
    assert (row.person_id, row.action, row.decision, row.basis, row.section) == (
        UUID(people[1]["id"]),
        "list",
        "allow",
        "consent",
        "identity",
    )
    assert row.consent_id is not None
    # a partner without any consent lists nobody and touches no journal
    before = await _count(database)
    empty = await client.get("/api/v1/persons", headers=trust.headers("mire"))
    assert empty.status_code == 200 and empty.json()["items"] == []
    assert await _count(database) == before


@pytest.mark.parametrize("who", ["regulator", "person"])
async def test_roles_that_may_list_no_one_get_403_and_touch_nothing(client, trust, database, who) -> None:
    people = await _people(client, trust, 2)
    if who == "person":
        from tests.integration.dossier.test_trust import _beneficiary

        headers = await _beneficiary(database, trust, people[0]["id"])
    else:
        headers = trust.headers(who)
    before = await _count(database)
    for params in ({}, {"name": "p"}, {"niss": niss_for("800101", "300")}):
        response = await client.get("/api/v1/persons", params=params, headers=headers)
        assert response.status_code == 403, (params, response.text)
        assert response.json()["detail"].startswith("Votre rôle ne permet pas")
    assert await _count(database) == before


async def test_a_niss_lookup_of_a_file_one_may_not_read_is_a_journaled_denial(
    client, trust, database
) -> None:
    person = (await _people(client, trust, 1))[0]
    response = await client.get(
        "/api/v1/persons", params={"niss": niss_for("800101", "300")}, headers=trust.headers("cisp")
    )
    assert response.status_code == 200 and response.json()["items"] == []  # like an unknown number
    (denial,) = await _rows(database, person_id=UUID(person["id"]), user_id=trust.users["cisp"].id)
    assert denial.decision == "deny"


async def test_the_partner_worklist(client, trust, database) -> None:
    """The people with an active step or accepted referral at her organisation: full line with consent,
    minimal card otherwise; nobody else appears; each line journaled once."""
    people = await _people(client, trust, 4)
    async with direct(database)() as s:
        service = ServiceFactory.build(organisation_id=trust.orgs["cisp"].id, name="Remobilisation")
        s.add(service)
        await s.flush()
        s.add(
            TrajectoryStepFactory.build(
                person_id=UUID(people[0]["id"]),
                kind="training",
                organisation_id=trust.orgs["cisp"].id,
                title="Remise à niveau",
                start_date=date(2026, 11, 2),
                status="ongoing",
            )
        )
        s.add(
            Referral(
                person_id=UUID(people[1]["id"]),
                from_user_id=trust.users["referent"].id,
                from_organisation_id=trust.orgs["forem"].id,
                service_id=service.id,
                to_organisation_id=trust.orgs["cisp"].id,
                reason_category="other",
                reason="Confiance en soi",
                requested_sections=["identity", "progress"],
                person_first_name="Amina",
                consent_state="requested",
                consent_expires_at=datetime(2027, 6, 1, tzinfo=UTC),
                status="accepted",
                agreed_start_date=date(2026, 12, 14),
                deadline=date(2026, 12, 20),
                rules_version="test",
            )
        )
        await s.commit()
    await give_consent(database, trust, people[0]["id"], "cisp", ["identity", "trajectory", "progress"])
    before = await _count(database)
    response = await client.get("/api/v1/partners/me/worklist", headers=trust.headers("cisp"))
    assert response.status_code == 200, response.text
    lines = {line["person_id"]: line for line in response.json()}
    assert set(lines) == {people[0]["id"], people[1]["id"]}
    full, card = lines[people[0]["id"]], lines[people[1]["id"]]
    assert (
        full["name"] == "P0 N00" and full["consent_needed"] is False and full["can_record_progress"] is True
    )
    assert full["open_sections"] == ["identity", "trajectory", "progress"]
    assert card["name"] == "Amina" and card["consent_needed"] is True and card["open_sections"] == []
    assert await _count(database) == before + 2
    # another partner sees none of them; the regulator is refused
    assert (await client.get("/api/v1/partners/me/worklist", headers=trust.headers("mire"))).json() == []
    assert (
        await client.get("/api/v1/partners/me/worklist", headers=trust.headers("regulator"))
    ).status_code == 403
