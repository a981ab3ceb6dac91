"""Referent API on SQLite (and PostgreSQL when configured): orientation, one active referent, handover,
import, worklist, alerts, bulk assignment, and the bad inputs that must write nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from coordination.clock import today as brussels_today
from coordination.db.base import utcnow
from coordination.factories import ReferentLinkFactory
from coordination.referent.models import Orientation, ReferentLink


async def count(world, model, **where) -> int:
    async with world.database.sessionmaker() as s:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return int(await s.scalar(query))


def url(world, name: str, tail: str = "referent") -> str:
    return f"/api/v1/persons/{world.pid(name)}/{tail}"


# --- orientation ---------------------------------------------------------------------------------------


async def test_orientation_computed_then_overridden_with_reason(client, world):
    h = world.headers("anna")
    r = await client.post(url(world, "lea", "orientation"), json={}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["computed_track"] == body["chosen_track"] == "sectoral"
    assert body["first_contact_due"] == "2025-03-10" and not body["overridden"]

    r = await client.post(
        url(world, "lea", "orientation"),
        json={"chosen_track": "socio_professional", "override_reason": "Difficultés de mobilité importantes"},
        headers=h,
    )
    assert r.status_code == 201
    body = r.json()
    assert body["computed_track"] == "sectoral" and body["chosen_track"] == "socio_professional"
    assert body["overridden"] and body["override_reason"] == "Difficultés de mobilité importantes"
    got = (await client.get(url(world, "lea", "orientation"), headers=world.headers("lea"))).json()
    assert got["chosen_track"] == "socio_professional" and got["computed_track_label"] == "Sectoriel"


async def test_young_person_gets_one_month_and_digital_move(client, world):
    r = await client.post(url(world, "nina", "orientation"), json={}, headers=world.headers("anna"))
    body = r.json()
    assert body["chosen_track"] == "digital" and body["young"]
    assert body["first_contact_due"] is None and body["digital_move_due"] == "2025-02-10"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"chosen_track": "sectoral", "proximity_score": 8}, "override-reason-required"),
        (
            {"chosen_track": "sectoral", "proximity_score": 8, "override_reason": "  "},
            "override-reason-required",
        ),
        ({"proximity_score": 10}, "score-out-of-range"),
        ({"proximity_score": -1}, "score-out-of-range"),
        ({"chosen_track": "bogus"}, "unknown-track"),
    ],
)
async def test_bad_orientation_is_refused_and_writes_nothing(client, world, payload, code):
    r = await client.post(url(world, "marc", "orientation"), json=payload, headers=world.headers("anna"))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"].endswith(code) and problem["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await count(world, Orientation, person_id=world.pid("marc")) == 0


async def test_orientation_needs_inputs(client, world):
    r = await client.post(url(world, "omar", "orientation"), json={}, headers=world.headers("anna"))
    assert r.status_code == 422 and r.json()["type"].endswith("orientation-inputs-missing")


# --- one active referent ---------------------------------------------------------------------------------


async def test_assign_then_second_active_referent_is_refused(client, world):
    h = world.headers("anna")
    anna = str(world.advisers["anna"].id)
    r = await client.post(
        url(world, "lea"), json={"adviser_id": anna, "reason": "Orientation initiale"}, headers=h
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["referent_name"] == "Anna Conseillère" and body["chosen_track"] == "sectoral"
    assert body["first_contact_due"] == "2025-03-10"

    bob = str(world.advisers["bob"].id)
    r = await client.post(url(world, "lea"), json={"adviser_id": bob, "reason": "Autre"}, headers=h)
    assert r.status_code == 409 and r.json()["type"].endswith("referent-already-active")
    assert "passation" in r.json()["detail"]
    assert await count(world, ReferentLink, person_id=world.pid("lea")) == 1


async def test_unknown_adviser_and_adviser_over_capacity(client, world):
    h = world.headers("anna")
    r = await client.post(
        url(world, "lea"),
        json={"adviser_id": "0190f0e0-0000-7000-8000-000000000000", "reason": "x"},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["type"].endswith("unknown-adviser")
    bob = str(world.advisers["bob"].id)  # capacity 1
    assert (
        await client.post(url(world, "lea"), json={"adviser_id": bob, "reason": "x"}, headers=h)
    ).status_code == 201
    r = await client.post(url(world, "marc"), json={"adviser_id": bob, "reason": "x"}, headers=h)
    assert r.status_code == 409 and r.json()["type"].endswith("adviser-over-capacity")
    assert r.json()["capacity"] == 1
    assert await count(world, ReferentLink, person_id=world.pid("marc")) == 0


async def test_database_refuses_a_second_active_row(world):
    p, a = world.persons["lea"], world.advisers["anna"]
    async with world.database.sessionmaker() as s:
        for _ in range(2):
            s.add(
                ReferentLinkFactory.build(
                    person_id=p.id,
                    referent_user_id=a.user_id,
                    organisation_id=a.organisation_id,
                    reason="insertion directe",
                    kind="forem_adviser",
                )
            )
        with pytest.raises(IntegrityError):
            await s.flush()


async def test_database_refuses_an_override_without_reason(world):
    p, a = world.persons["lea"], world.advisers["anna"]
    async with world.database.sessionmaker() as s:
        s.add(
            ReferentLinkFactory.build(
                person_id=p.id,
                referent_user_id=a.user_id,
                organisation_id=a.organisation_id,
                reason="insertion directe",
                computed_track="digital",
                chosen_track="sectoral",
            )
        )
        with pytest.raises(IntegrityError):
            await s.flush()


# --- handover -----------------------------------------------------------------------------------------------


async def test_handover_documented_and_seen_by_both_referents_and_the_person(client, world):
    h = world.headers("anna")
    anna, team = str(world.advisers["anna"].id), str(world.advisers["team"].id)
    await client.post(
        url(world, "lea"), json={"adviser_id": anna, "reason": "Orientation initiale"}, headers=h
    )

    for payload, status, code in (
        ({"adviser_id": team, "reason": "Changement", "note": "  "}, 422, "handover-note-required"),
        ({"adviser_id": team, "reason": "", "note": "Note"}, 422, "handover-reason-required"),
        ({"adviser_id": anna, "reason": "x", "note": "y"}, 409, "same-referent"),
    ):
        r = await client.post(url(world, "lea", "referent/handover"), json=payload, headers=h)
        assert r.status_code == status and r.json()["type"].endswith(code), r.text
    r = await client.post(
        url(world, "lea", "referent/handover"), json={"adviser_id": team, "reason": "x"}, headers=h
    )
    assert r.status_code == 400  # note missing entirely

    r = await client.post(
        url(world, "lea", "referent/handover"),
        json={"adviser_id": team, "reason": "Passage à distance", "note": "Autonome, préfère la visio."},
        headers=h,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["former"]["ended_at"] and body["former"]["end_reason"] == "Passage à distance"
    assert (
        body["new"]["kind"] == "eadviser_team"
        and body["new"]["handover_note"] == "Autonome, préfère la visio."
    )

    history = (await client.get(url(world, "lea", "referent/history"), headers=h)).json()
    assert [x["referent_name"] for x in history] == ["Anna Conseillère", "Équipe e-conseil Liège"]

    mine = (await client.get(url(world, "lea"), headers=world.headers("lea"))).json()
    assert mine["referent_name"] == "Équipe e-conseil Liège" and mine["since_date"]

    # the note was written for the new referent: the former one (still reading Léa's file under Forem's
    # mandate) reads the reason, never the note (issue 15, point 7)
    for who, side, note in (("anna", "former", None), ("eva", "new", "Autonome, préfère la visio.")):
        seen = (await client.get("/api/v1/referents/me/handovers", headers=world.headers(who))).json()
        assert [(x["role"], x["note"], x["reason"]) for x in seen] == [(side, note, "Passage à distance")]


async def test_former_referent_loses_the_referent_basis(client, world):
    """Rita is a CPAS RIS beneficiary, not a Forem job seeker: Anna reads her file only as her referent."""
    from coordination.referent import services
    from coordination.referent.policies import referent_policies

    policies = referent_policies(client.app.state.settings.policies_dir)
    async with world.database.sessionmaker() as s:
        rita = await s.get(type(world.persons["rita"]), world.pid("rita"))
        await services.assign(s, None, policies, services.Opening(rita, world.advisers["anna"], "Test"))
        await s.commit()
    assert (await client.get(url(world, "rita"), headers=world.headers("anna"))).status_code == 200
    r = await client.post(
        url(world, "rita", "referent/handover"),
        json={"adviser_id": str(world.advisers["nadia"].id), "reason": "Suivi CPAS", "note": "PIIS en cours"},
        headers=world.headers("nadia"),
    )
    assert r.status_code == 201, r.text
    r = await client.get(url(world, "rita"), headers=world.headers("anna"))
    assert r.status_code == 403


# --- contacts, worklist, alerts --------------------------------------------------------------------------------


async def test_portfolio_overdue_first_and_alerts(client, world):
    h = world.headers("anna")
    anna = str(world.advisers["anna"].id)
    for name in ("lea", "marc"):
        assert (
            await client.post(url(world, name), json={"adviser_id": anna, "reason": "x"}, headers=h)
        ).status_code == 201
    async with world.database.sessionmaker() as s:  # Léa's deadline is far in the future, Marc's long gone
        await s.execute(
            update(ReferentLink)
            .where(ReferentLink.person_id == world.pid("lea"))
            .values(first_contact_due=brussels_today() + timedelta(days=40))
        )
        await s.commit()
    items = (await client.get("/api/v1/referents/me/portfolio", headers=h)).json()["items"]
    assert [i["first_name"] for i in items] == ["Marc", "Lea"]
    assert items[0]["first_contact_overdue"] and not items[1]["first_contact_overdue"]
    alerts = (await client.get("/api/v1/referents/me/alerts", headers=h)).json()
    assert {(a["kind"], a["person_id"]) for a in alerts} >= {
        ("first_contact_overdue", str(world.pid("marc")))
    }
    assert all("Marc" in a["message"] for a in alerts if a["kind"] == "first_contact_overdue")

    r = await client.post(url(world, "marc", "referent/contacts"), json={"note": "Appel"}, headers=h)
    assert r.status_code == 201 and r.json()["last_contact_at"]
    items = (await client.get("/api/v1/referents/me/portfolio", headers=h)).json()["items"]
    assert not any(i["first_contact_overdue"] for i in items)
    stale = (await client.get("/api/v1/referents/me/portfolio?stale_days=1", headers=h)).json()
    assert stale["stale_days"] == 1 and stale["adviser"]["load"] == 2


async def test_contact_date_in_future_refused(client, world):
    h = world.headers("anna")
    await client.post(
        url(world, "lea"), json={"adviser_id": str(world.advisers["anna"].id), "reason": "x"}, headers=h
    )
    future = (utcnow() + timedelta(days=2)).isoformat()
    r = await client.post(url(world, "lea", "referent/contacts"), json={"contacted_at": future}, headers=h)
    assert r.status_code == 422 and r.json()["type"].endswith("contact-date-invalid")


async def test_partner_cannot_assign_without_consent(client, world):
    r = await client.post(
        url(world, "lea"),
        json={"adviser_id": str(world.advisers["anna"].id), "reason": "x"},
        headers=world.headers("paul"),
    )
    assert r.status_code == 403
    assert await count(world, ReferentLink) == 0


# --- import ---------------------------------------------------------------------------------------------------


async def test_csv_import_refused_line_by_line(client, world):
    h = world.headers("anna")
    anna, bob = world.advisers["anna"].id, world.advisers["bob"].id
    await client.post(url(world, "marc"), json={"adviser_id": str(bob), "reason": "x"}, headers=h)
    csv_text = "\n".join(
        [
            "person_id;adviser_id;reason",
            f"{world.pid('lea')};{anna};Import Forem",
            f"{world.pid('marc')};{anna};Import Forem",
            f"{world.pid('nina')};0190f0e0-0000-7000-8000-000000000000;Import Forem",
            f"pas-un-uuid;{anna};Import Forem",
            f"{world.pid('lea')};{anna};Doublon",
            f"{world.pid('omar')};{anna};",
        ]
    )
    r = await client.post("/api/v1/referents/import", content=csv_text.encode(), headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["refused"]) == (1, 5)
    codes = [(line["line"], line["status"], line["code"]) for line in body["lines"]]
    assert codes == [
        (2, "created", None),
        (3, "refused", "referent-already-active"),
        (4, "refused", "unknown-adviser"),
        (5, "refused", "invalid-id"),
        (6, "refused", "referent-already-active"),
        (7, "refused", "reason-required"),
    ]
    assert all(line["detail"] for line in body["lines"][1:])
    assert await count(world, ReferentLink, ended_at=None) == 2


async def test_csv_without_header_is_a_clear_400(client, world):
    r = await client.post("/api/v1/referents/import", content=b"a,b\n1,2\n", headers=world.headers("anna"))
    assert r.status_code == 400 and r.json()["type"].endswith("csv-header")


# --- bulk assignment --------------------------------------------------------------------------------------------


async def test_bulk_assignment_dry_run_then_apply(client, world):
    h = world.headers("anna")
    r = await client.post("/api/v1/referents/bulk-assignment", json={}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dry_run"] and body["optimal"] and body["applied"] == 0
    assert await count(world, ReferentLink) == 0
    assert body["cost"]["total"] <= body["greedy_cost"]["total"]
    placed = {a["person_id"]: a["adviser_name"] for a in body["assigned"]}
    assert placed[str(world.pid("lea"))] == "Anna Conseillère"  # sectoral, Liège
    assert placed[str(world.pid("nina"))] == "Équipe e-conseil Liège"  # digital
    reasons = {u["person_id"]: u["reason"] for u in body["unassigned"]}
    assert reasons[str(world.pid("omar"))] == "not_oriented"
    assert str(world.pid("rita")) not in placed  # no Forem mandate on a CPAS-only file

    r = await client.post("/api/v1/referents/bulk-assignment", json={"apply": True}, headers=h)
    assert r.status_code == 200 and r.json()["applied"] == len(placed)
    assert await count(world, ReferentLink, ended_at=None) == len(placed)
    again = (await client.post("/api/v1/referents/bulk-assignment", json={}, headers=h)).json()
    assert again["assigned"] == []


async def test_bulk_assignment_is_for_advisers_only(client, world):
    r = await client.post("/api/v1/referents/bulk-assignment", json={}, headers=world.headers("paul"))
    assert r.status_code == 403


# --- advisers ---------------------------------------------------------------------------------------------------


async def test_advisers_directory(client, world):
    payload = {
        "kind": "forem_adviser",
        "organisation_id": str(world.orgs["forem"].id),
        "display_name": "Nouvelle conseillère",
        "capacity": 30,
        "team": "econseil-liege",
    }
    r = await client.post("/api/v1/advisers", json=payload, headers=world.headers("admin"))
    assert r.status_code == 422 and r.json()["type"].endswith("adviser-identity")
    assert (
        await client.post("/api/v1/advisers", json=payload, headers=world.headers("anna"))
    ).status_code == 403
    listed = (await client.get("/api/v1/advisers", headers=world.headers("anna"))).json()
    assert {a["display_name"] for a in listed} >= {"Anna Conseillère", "Équipe e-conseil Liège"}
    bob = f"/api/v1/advisers/{world.advisers['bob'].id}"
    # a change without If-Match is refused (428), a stale one too (412), and nothing changes
    assert (await client.patch(bob, json={"capacity": 0}, headers=world.headers("admin"))).status_code == 428
    read = await client.get(bob, headers=world.headers("admin"))
    etag = read.headers["etag"]
    stale = {**world.headers("admin"), "If-Match": '"1"'}
    assert (await client.patch(bob, json={"capacity": 0}, headers=stale)).status_code == 412
    assert (await client.get(bob, headers=world.headers("admin"))).json()["capacity"] == read.json()[
        "capacity"
    ]
    r = await client.patch(bob, json={"capacity": 0}, headers={**world.headers("admin"), "If-Match": etag})
    assert r.status_code == 200 and r.json()["capacity"] == 0
    assert r.headers["etag"] != etag
    # the old ETag is now stale: a second writer holding it loses (412), the first write stays
    again = {**world.headers("admin"), "If-Match": etag}
    assert (await client.patch(bob, json={"capacity": 5}, headers=again)).status_code == 412
    assert (await client.get(bob, headers=world.headers("admin"))).json()["capacity"] == 0
