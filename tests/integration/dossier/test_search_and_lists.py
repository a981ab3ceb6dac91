"""Search by NISS (exact) and by name within the files the reader may read; paginated lists with filters."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import select, update

from coordination import clock
from coordination.access.models import AccessJournalEntry
from coordination.clock import today as brussels_today
from coordination.dossier.models import FileEvent
from coordination.factories import OrientationFactory, ReferentLinkFactory
from tests.integration.dossier.conftest import VALID_NISS, create_person, direct, give_consent, niss_for

pytestmark = [
    pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern"),
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Deprecated 'query' parameter:DeprecationWarning"),
]


async def _cpas_person(client, world, niss: str, first: str, last: str) -> dict:
    """A person only the CPAS has a mandate on (RIS, not a registered job seeker)."""
    response = await client.post(
        "/api/v1/persons",
        json={
            "niss": niss,
            "first_name": first,
            "last_name": last,
            "ris_cpas_id": str(world.orgs["cpas"].id),
            "bassin": "Charleroi",
        },
        headers=world.headers("cpas"),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _search(client, world, who: str, **params) -> dict:
    response = await client.get("/api/v1/persons", params=params, headers=world.headers(who))
    assert response.status_code == 200, response.text
    return response.json()


async def test_search_by_niss_is_exact_and_hides_unreadable_files(client, world, database) -> None:
    person = await create_person(client, world)
    found = await _search(client, world, "referent", niss=VALID_NISS)
    assert [p["id"] for p in found["items"]] == [person["id"]]
    item = found["items"][0]
    assert "niss" not in item and item["niss_masked"] != VALID_NISS and item["niss_masked"].endswith("30")
    formatted = "85.07.14-123.30"
    assert [p["id"] for p in (await _search(client, world, "referent", niss=formatted))["items"]] == [
        person["id"]
    ]
    # Exact: another valid number, even a close one, finds nothing.
    assert (await _search(client, world, "referent", niss=niss_for("850714", "124")))["items"] == []
    invalid = await client.get(
        "/api/v1/persons", params={"niss": "85071412331"}, headers=world.headers("referent")
    )
    assert invalid.status_code == 400 and invalid.json()["type"].endswith("/invalid-niss")

    # A partner without consent gets the same answer as for an unknown number; the attempt is journaled.
    assert (await _search(client, world, "cisp", niss=VALID_NISS))["items"] == []
    async with direct(database)() as s:
        denied = (
            await s.scalars(
                select(AccessJournalEntry).where(
                    AccessJournalEntry.user_id == world.users["cisp"].id,
                    AccessJournalEntry.decision == "deny",
                )
            )
        ).all()
    assert [(e.section, e.action) for e in denied] == [("identity", "read")]
    await give_consent(database, world, person["id"], "cisp", ["identity"])
    assert [p["id"] for p in (await _search(client, world, "cisp", niss=VALID_NISS))["items"]] == [
        person["id"]
    ]


async def test_search_by_name_only_within_readable_files(client, world, database) -> None:
    julie = await create_person(client, world)  # Forem mandate (registered job seeker)
    paul = await _cpas_person(client, world, niss_for("900215", "001"), "Paul", "Martin")  # CPAS only
    await create_person(client, world, niss_for("880101", "015"), first_name="Anne", last_name="Dubois")

    assert [p["id"] for p in (await _search(client, world, "referent", name="martin"))["items"]] == [
        julie["id"]
    ]
    assert [p["id"] for p in (await _search(client, world, "cpas", name="MARTIN"))["items"]] == [paul["id"]]
    assert [p["id"] for p in (await _search(client, world, "referent", name="jul mar"))["items"]] == [
        julie["id"]
    ]
    assert (await _search(client, world, "referent", name="paul"))["items"] == []
    assert (await _search(client, world, "cisp", name="martin"))["items"] == []
    await give_consent(database, world, paul["id"], "cisp", ["identity"])
    assert [p["first_name"] for p in (await _search(client, world, "cisp", name="martin"))["items"]] == [
        "Paul"
    ]
    # Any part of a first or last name matches, whatever the case.
    assert [p["id"] for p in (await _search(client, world, "referent", name="ULIE"))["items"]] == [
        julie["id"]
    ]


async def test_a_filter_given_twice_is_refused_not_silently_replaced(client, world) -> None:
    """``?name=a&name=b`` used to search by the last value only (found by the fuzz's negative mode): the
    caller could not know which filter applied. A filter given once still works."""
    await create_person(client, world)
    twice = await client.get(
        "/api/v1/persons", params=[("name", "martin"), ("name", "dubois")], headers=world.headers("referent")
    )
    assert twice.status_code == 400, twice.text
    assert twice.headers["content-type"].startswith("application/problem+json")
    problem = twice.json()
    assert problem["type"].endswith("/repeated-parameter")
    assert problem["detail"] == "Le paramètre « name » est donné plusieurs fois : donnez-le une seule fois."
    size_twice = await client.get(
        "/api/v1/persons?page_size=5&page_size=50", headers=world.headers("referent")
    )
    assert size_twice.status_code == 400 and "« page_size »" in size_twice.json()["detail"]
    assert len((await _search(client, world, "referent", name="martin"))["items"]) == 1
    # names the route does not take as query parameters (its context, its body) are ignored, as when once
    others = await client.get("/api/v1/persons?ctx=1&ctx=2&data=a&data=b", headers=world.headers("referent"))
    assert others.status_code == 200, others.text


async def test_paginated_list_with_filters(client, world, database) -> None:
    cpas = str(world.orgs["cpas"].id)
    specs = [
        ("Adam", "Aubry", "Charleroi", {}),
        ("Berthe", "Bastin", "Liège", {"inami_return_to_work": True}),
        ("Carl", "Collard", "Charleroi", {"ris_cpas_id": cpas}),
        ("Dina", "Delvaux", "Liège", {}),
        ("Emile", "Evrard", "Charleroi", {}),
    ]
    people = {}
    for index, (first, last, bassin, extra) in enumerate(specs):
        people[last] = await create_person(
            client,
            world,
            niss_for("800101", f"{100 + index:03d}"),
            first_name=first,
            last_name=last,
            bassin=bassin,
            **extra,
        )
        if index == 1:  # files the referent may not read, between the readable ones: pages stay full
            await _cpas_person(client, world, niss_for("810101", "200"), "Bruno", "Baudouin")
            await _cpas_person(client, world, niss_for("810101", "201"), "Bianca", "Baudouin")

    pages, cursor = [], None
    while True:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        body = await _search(client, world, "referent", **params)
        assert body["page_size"] == 2
        pages.append([p["last_name"] for p in body["items"]])
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        cursor = body["next_cursor"]
    assert pages == [["Aubry", "Bastin"], ["Collard", "Delvaux"], ["Evrard"]]
    broken = await client.get(
        "/api/v1/persons", params={"cursor": "pas-un-curseur"}, headers=world.headers("referent")
    )
    assert broken.status_code == 400 and broken.json()["detail"]

    def names(body: dict) -> list[str]:
        return [p["last_name"] for p in body["items"]]

    assert names(await _search(client, world, "referent", bassin="Liège")) == ["Bastin", "Delvaux"]
    assert names(await _search(client, world, "referent", status="inami")) == ["Bastin"]
    assert names(await _search(client, world, "referent", status="ris")) == ["Collard"]
    assert len(names(await _search(client, world, "referent", status="forem"))) == 5
    assert names(await _search(client, world, "referent", status="ris", bassin="Liège")) == []
    bad = await client.get("/api/v1/persons", params={"status": "chomage"}, headers=world.headers("referent"))
    assert bad.status_code == 400 and "statut" in bad.json()["detail"]
    bad_size = await client.get(
        "/api/v1/persons", params={"page_size": 1000}, headers=world.headers("referent")
    )
    assert bad_size.status_code == 400

    # Stale since N days: no event on the file for that long.
    assert names(await _search(client, world, "referent", stale_days=30)) == []
    async with direct(database)() as s:
        await s.execute(
            update(FileEvent)
            .where(FileEvent.person_id == UUID(people["Delvaux"]["id"]))
            .values(occurred_at=clock.now() - timedelta(days=45))
        )
        await s.commit()
    stale = await _search(client, world, "referent", stale_days=30)
    assert names(stale) == ["Delvaux"]
    assert stale["items"][0]["last_activity_at"] is not None
    assert names(await _search(client, world, "referent", stale_days=60)) == []

    # Referent and track filters read the referent package's tables.
    now = clock.now()
    async with direct(database)() as s:
        s.add(
            ReferentLinkFactory.build(
                person_id=UUID(people["Collard"]["id"]),
                referent_user_id=world.users["referent"].id,
                organisation_id=world.orgs["forem"].id,
                started_at=now - timedelta(days=3),
                reason="Orientation",
            )
        )
        for person, track, age in (
            ("Aubry", "sectoral", 10),
            ("Aubry", "digital", 1),
            ("Evrard", "sectoral", 2),
        ):
            s.add(
                OrientationFactory.build(
                    person_id=UUID(people[person]["id"]),
                    proximity_score=3,
                    digital_autonomy=True,
                    computed_track=track,
                    chosen_track=track,
                    young=False,
                    start_on=brussels_today(),
                    matrix_version="test",
                    rules_version="test",
                    created_at=now - timedelta(days=age),
                )
            )
        await s.commit()
    referent_id = str(world.users["referent"].id)
    assert names(await _search(client, world, "referent", referent=referent_id)) == ["Collard"]
    # The latest orientation is the current track: Aubry moved from sectoral to digital.
    assert names(await _search(client, world, "referent", track="digital")) == ["Aubry"]
    assert names(await _search(client, world, "referent", track="sectoral")) == ["Evrard"]
    assert names(await _search(client, world, "referent", track="sectoral", bassin="Liège")) == []
