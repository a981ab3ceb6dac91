"""Issue 15: the facts the gate trusts cannot be forged by the workers they empower.

Each test reproduces an attack found on the previous main (mandates as editable fields, the NISS oracle,
the journal rewritten by a rename, a referral's consent outliving it, empty answers instead of
refusals), then checks the rightful path still works.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select, update

from coordination.access import journal
from coordination.access.models import AccessJournalEntry, Mandate
from coordination.directory.models import Organisation
from coordination.dossier.models import Person
from coordination.inbox.models import Notification
from tests.integration.dossier.conftest import OTHER_NISS, VALID_NISS, create_person, direct

pytestmark = pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern")


async def _beneficiary(database, world, person_id: str) -> dict[str, str]:
    key = f"beneficiary-{person_id}"
    await world.add_beneficiary(person_id, key=key)
    return world.headers(key)


async def _journal(database, person_id: str, **where) -> list[AccessJournalEntry]:
    async with direct(database)() as s:
        query = select(AccessJournalEntry).where(AccessJournalEntry.person_id == UUID(person_id))
        for name, value in where.items():
            query = query.where(getattr(AccessJournalEntry, name) == value)
        return list((await s.scalars(query.order_by(AccessJournalEntry.seq))).all())


async def _count(database, model) -> int:
    async with direct(database)() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


def _ris(started_on: str = "2025-03-01") -> dict:
    return {"kind": "ris", "started_on": started_on, "ground": "Décision d'octroi du RIS n° 2025/114"}


# --- point 3: mandate facts ---------------------------------------------------------------------------


async def test_a_forem_referent_cannot_give_a_cpas_the_file_by_editing_it(client, trust, database) -> None:
    """Reproduces point 3: PATCH ris_cpas_id by a Forem referent opened the file to that CPAS."""
    person = await create_person(client, trust)
    pid = person["id"]
    patched = await client.patch(
        f"/api/v1/persons/{pid}",
        json={"ris_cpas_id": str(trust.orgs["cpas"].id)},
        headers=trust.headers("referent", **{"If-Match": f'"{person["version"]}"'}),
    )
    assert patched.status_code == 403, patched.text
    assert patched.json()["type"].endswith("/mandate-not-editable")
    assert "mandat" in patched.json()["detail"]
    assert (await client.get(f"/api/v1/persons/{pid}", headers=trust.headers("cpas"))).status_code == 403
    # nor by asserting it in the CPAS's name
    forged = await client.post(
        f"/api/v1/persons/{pid}/mandates", json=_ris(), headers=trust.headers("referent")
    )
    assert forged.status_code == 403 and forged.json()["type"].endswith("/mandate-forbidden")
    assert await _count(database, Mandate) == 1  # the referent's own Forem registration only


async def test_the_person_cannot_cut_forem_out_of_her_file(client, trust, database) -> None:
    person = await create_person(client, trust)
    me = await _beneficiary(database, trust, person["id"])
    patched = await client.patch(
        f"/api/v1/persons/{person['id']}",
        json={"forem_registered": False},
        headers={**me, "If-Match": f'"{person["version"]}"'},
    )
    assert patched.status_code == 403 and patched.json()["type"].endswith("/mandate-not-editable")
    (registration,) = person["statuses"]["mandates"]
    ended = await client.post(
        f"/api/v1/persons/{person['id']}/mandates/{registration['id']}/end",
        json={"ended_on": "2026-01-05", "ground": "Je ne veux plus"},
        headers=me,
    )
    assert ended.status_code == 403
    assert (
        await client.get(f"/api/v1/persons/{person['id']}", headers=trust.headers("referent"))
    ).status_code == 200


async def test_only_the_paying_cpas_asserts_and_ends_its_ris(client, trust, database) -> None:
    person = await create_person(client, trust)
    pid = person["id"]
    assert (await client.get(f"/api/v1/persons/{pid}", headers=trust.headers("cpas"))).status_code == 403
    asserted = await client.post(
        f"/api/v1/persons/{pid}/mandates", json=_ris(), headers=trust.headers("cpas")
    )
    assert asserted.status_code == 201, asserted.text
    mandate = asserted.json()
    assert (
        mandate["asserted_by_name"] == "Marc Dubois" and mandate["organisation_name"] == "CPAS de Charleroi"
    )
    assert mandate["source"] == "worker" and mandate["current"] is True
    # the mandate opens the file to that CPAS, social section included; not to the other CPAS
    assert (
        await client.get(f"/api/v1/persons/{pid}/sections/social", headers=trust.headers("cpas"))
    ).status_code == 200
    assert (await client.get(f"/api/v1/persons/{pid}", headers=trust.headers("cpas2"))).status_code == 403
    # another CPAS can neither take it over nor end it
    taken = await client.post(f"/api/v1/persons/{pid}/mandates", json=_ris(), headers=trust.headers("cpas2"))
    assert taken.status_code == 409 and taken.json()["type"].endswith("/mandate-held-elsewhere")
    end = {"ended_on": "2026-01-31", "ground": "Fin du droit au RIS"}
    ended_elsewhere = await client.post(
        f"/api/v1/persons/{pid}/mandates/{mandate['id']}/end", json=end, headers=trust.headers("cpas2")
    )
    assert ended_elsewhere.status_code == 403
    # the person sees who asserted it, in her timeline and her inbox
    me = await _beneficiary(database, trust, pid)
    listed = await client.get(f"/api/v1/persons/{pid}/mandates", headers=me)
    assert listed.status_code == 200
    assert any("Marc Dubois (CPAS de Charleroi) a déclaré" in m["sentence"] for m in listed.json())
    timeline = (await client.get(f"/api/v1/persons/{pid}/timeline", headers=me)).json()["items"]
    assert any(e["kind"] == "mandate_asserted" for e in timeline)
    async with direct(database)() as s:
        told = await s.scalar(
            select(func.count()).where(
                Notification.recipient_person_id == UUID(pid),
                Notification.kind == "mandate_asserted",
                Notification.subject_id == UUID(mandate["id"]),
            )
        )
    assert told == 1
    # the holder ends it: effective on the next request
    ended = await client.post(
        f"/api/v1/persons/{pid}/mandates/{mandate['id']}/end", json=end, headers=trust.headers("cpas")
    )
    assert ended.status_code == 200 and ended.json()["current"] is False
    assert (
        await client.get(f"/api/v1/persons/{pid}/sections/social", headers=trust.headers("cpas"))
    ).status_code == 403


async def test_roles_without_a_mandate_cannot_assert_one(client, trust, database) -> None:
    person = await create_person(client, trust)
    pid = person["id"]
    forem = {"kind": "forem_registration", "started_on": "2025-01-01", "ground": "Inscription"}
    for who, body in (("cisp", forem), ("regulator", forem), ("cisp", _ris()), ("referent", _ris())):
        response = await client.post(f"/api/v1/persons/{pid}/mandates", json=body, headers=trust.headers(who))
        assert response.status_code == 403, (who, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await _count(database, Mandate) == 1


async def test_bad_mandate_assertions_are_clear_and_write_nothing(client, trust, database) -> None:
    person = await create_person(client, trust)
    pid = person["id"]
    cases = [
        (f"/api/v1/persons/{uuid4()}/mandates", _ris(), 404),  # a person who does not exist
        (f"/api/v1/persons/{pid}/mandates", _ris("2999-01-01"), 400),  # in the future
        (f"/api/v1/persons/{pid}/mandates", {**_ris(), "ground": "   "}, 400),  # no ground
        (f"/api/v1/persons/{pid}/mandates", {**_ris(), "kind": "tout"}, 400),  # unknown fact
    ]
    for path, body, status in cases:
        response = await client.post(path, json=body, headers=trust.headers("cpas"))
        assert response.status_code == status, (body, response.text)
        assert response.json()["detail"]
    assert await _count(database, Mandate) == 1


async def test_creating_a_file_asserts_only_the_creators_own_mandate(client, trust, database) -> None:
    refused = await client.post(
        "/api/v1/persons",
        json={
            "niss": VALID_NISS,
            "first_name": "J",
            "last_name": "M",
            "ris_cpas_id": str(trust.orgs["cpas"].id),
        },
        headers=trust.headers("referent"),
    )
    assert refused.status_code == 403 and refused.json()["type"].endswith("/mandate-forbidden")
    assert await _count(database, Person) == 0
    created = await client.post(
        "/api/v1/persons",
        json={
            "niss": VALID_NISS,
            "first_name": "J",
            "last_name": "M",
            "ris_cpas_id": str(trust.orgs["cpas"].id),
        },
        headers=trust.headers("cpas"),
    )
    assert created.status_code == 201, created.text
    (mandate,) = created.json()["statuses"]["mandates"]
    assert mandate["kind"] == "ris" and mandate["asserted_by_name"] == "Marc Dubois"


# --- point 4: no oracle on NISS ------------------------------------------------------------------------


async def test_creating_an_existing_niss_answers_like_no_mandate_and_is_journaled(
    client, trust, database
) -> None:
    """Reproduces point 4: 409 "un dossier existe déjà" told anyone holding a NISS that the person is followed."""
    person = await create_person(client, trust)
    body = {"first_name": "X", "last_name": "Y"}
    for who in ("cisp", "regulator"):
        existing = await client.post(
            "/api/v1/persons", json={**body, "niss": VALID_NISS}, headers=trust.headers(who)
        )
        fresh = await client.post(
            "/api/v1/persons", json={**body, "niss": OTHER_NISS}, headers=trust.headers(who)
        )
        assert existing.status_code == fresh.status_code == 403, (who, existing.text, fresh.text)
        assert existing.json()["detail"] == fresh.json()["detail"]
        assert existing.json()["type"] == fresh.json()["type"]
    denials = await _journal(database, person["id"], decision="deny")
    assert {d.user_id for d in denials} == {trust.users["cisp"].id, trust.users["regulator"].id}
    assert await _count(database, Person) == 1
    # the Forem referent, who may read it, is told it exists
    again = await client.post(
        "/api/v1/persons", json={**body, "niss": VALID_NISS}, headers=trust.headers("referent")
    )
    assert again.status_code == 409


# --- point 5: an honest journal ---------------------------------------------------------------------------


async def test_renaming_an_organisation_does_not_rewrite_the_journal(client, trust, database) -> None:
    """Reproduces point 5: the journal showed names looked up at read time."""
    person = await create_person(client, trust)
    pid = person["id"]
    assert (await client.get(f"/api/v1/persons/{pid}/plan", headers=trust.headers("cisp"))).status_code == 403
    async with direct(database)() as s:
        await s.execute(
            update(Organisation)
            .where(Organisation.id == trust.orgs["cisp"].id)
            .values(name="Forem — Direction régionale de Charleroi")
        )
        await s.commit()
    journal.forget_organisation_names()
    me = await _beneficiary(database, trust, pid)
    items = (await client.get(f"/api/v1/persons/{pid}/journal", headers=me)).json()["items"]
    cisp_rows = [i for i in items if i["user_id"] == str(trust.users["cisp"].id)]
    assert cisp_rows and all(i["organisation_name"] == "CISP Les Ateliers du Pays Noir" for i in cisp_rows)
    assert all("Forem — Direction" not in i["sentence"] for i in cisp_rows)
    # a new access carries the new (verified) name; every row is version 2 and the chains verify
    assert (await client.get(f"/api/v1/persons/{pid}/plan", headers=trust.headers("cisp"))).status_code == 403
    rows = await _journal(database, pid, user_id=trust.users["cisp"].id)
    assert rows[-1].organisation_name == "Forem — Direction régionale de Charleroi"
    assert {r.format_version for r in rows} == {2}
    async with direct(database)() as s:
        assert (await journal.verify_chain(s)).ok


async def test_old_rows_keep_their_format_and_a_downgraded_row_is_caught(client, trust, database) -> None:
    person = await create_person(client, trust)
    pid = UUID(person["id"])
    async with direct(database)() as s:
        last = await s.scalar(
            select(AccessJournalEntry)
            .where(AccessJournalEntry.person_id == pid)
            .order_by(AccessJournalEntry.seq.desc())
        )
        fields = {name: getattr(last, name) for name in journal.HASHED_FIELDS}
        # a row written before the format change: version 1, its name outside the hash
        old = AccessJournalEntry(
            **{**fields, "seq": last.seq + 1, "format_version": 1, "organisation_name": "Nom d'alors"},
            id=uuid4(),
            prev_hash=last.row_hash,
            row_hash=journal.row_hash({**fields, "seq": last.seq + 1}, last.row_hash, 1),
        )
        s.add(old)
        await s.execute(
            update(journal.JournalHead)
            .where(journal.JournalHead.person_id == pid)
            .values(seq=old.seq, head_hash=old.row_hash)
        )
        await s.commit()
        assert (await journal.verify_chain(s)).ok
        # passing a version-2 row off as version 1 (to drop its name from the hash) is detected
        await s.execute(
            update(AccessJournalEntry).where(AccessJournalEntry.id == last.id).values(format_version=1)
        )
        await s.commit()
        report = await journal.verify_chain(s)
    assert not report.ok and any("modifiée" in p for p in report.problems)


# --- point 8: refusals, not empty answers ---------------------------------------------------------------


@pytest.mark.parametrize("route", ["timeline", "documents", "file"])
async def test_multi_section_views_refuse_instead_of_answering_empty(client, trust, database, route) -> None:
    """Reproduces point 8: timeline and documents answered 200 [] where /file answered 403."""
    person = await create_person(client, trust)
    pid = person["id"]
    for who in ("regulator", "cisp"):
        before = len(await _journal(database, pid, decision="deny"))
        response = await client.get(f"/api/v1/persons/{pid}/{route}", headers=trust.headers(who))
        assert response.status_code == 403, (who, response.text)
        assert len(await _journal(database, pid, decision="deny")) > before
        unknown = await client.get(f"/api/v1/persons/{uuid4()}/{route}", headers=trust.headers(who))
        assert unknown.status_code == 403  # an unknown id answers exactly like a file without basis
        assert unknown.json()["detail"] == response.json()["detail"]


async def test_every_person_route_refuses_the_regulator_with_a_journaled_403(
    client, trust, database, app
) -> None:
    """Enumerates the app's routes: every GET under /api/v1/persons/{person_id} answers the regulator (who
    never reads a named file) 403 with a journal row; none answers 200 or an empty list."""
    person = await create_person(client, trust)
    pid = person["id"]
    paths = sorted(
        {
            route.path
            for route in app.routes
            if route.path.startswith("/api/v1/persons/{person_id:uuid}")
            and "GET" in getattr(route, "methods", set())
        }
    )
    assert len(paths) >= 10, paths
    problems = []
    for template in paths:
        path = template.replace("{person_id:uuid}", pid).replace("{section:str}", "project")
        for part in path.split("/"):
            if part.startswith("{"):
                path = path.replace(part, str(uuid4()))
        before = len(await _journal(database, pid, decision="deny"))
        response = await client.get(path, headers=trust.headers("regulator"))
        after = len(await _journal(database, pid, decision="deny"))
        if response.status_code != 403 or after == before:
            problems.append(f"{template} → {response.status_code}, journal +{after - before}")
    assert not problems, "\n".join(problems)
