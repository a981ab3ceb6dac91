"""Visa HTTP API through the full app: stateless checklist, stored visa behind the access gate, decision,
certificate. Uses the shared ``client``/``app``/``database`` fixtures (SQLite and PostgreSQL)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import uuid4

import msgspec
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "visa"))
from visa_builders import base, with_pay

from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import Person
from coordination.factories import TrajectoryStepFactory
from tests.fixtures.world import World, make_world


async def headers(world: World, role: Role, org: str | None, name: str = "Test") -> dict[str, str]:
    """A real user of the world (the decision files a document and notifies the submitter: both name a
    ``users`` row), signed in."""
    key = f"visa-{len(world.users)}"
    await world.add_users({key: (name, role, org)}, subject_prefix="visa-test")
    return world.headers(key)


@dataclass
class VisaWorld(World):
    person: Person | None = None


@pytest.fixture
async def world(database, settings) -> VisaWorld:
    """The shared world with a CPAS paying a RIS to Marie Dupont since 2025 and the partner employing her."""
    world = await make_world(
        database, settings,
        {"cpas": ("CPAS de Namur", OrganisationKind.CPAS), "partner": ("Brasserie du Pont", OrganisationKind.PARTNER)},
        {}, cls=VisaWorld, bassin=None,
    )  # fmt: skip
    world.person = await world.add_person(
        registered_at=None, ris_at="cpas", mandates_from=date(2025, 1, 1),
        first_name="Marie", last_name="Dupont", bassin=None,
    )  # fmt: skip
    return world


CONTRACT = msgspec.to_builtins(base())


async def test_stateless_checklist_needs_only_authentication(app, client, world):
    anon = await client.post("/api/v1/visa/checklist", json=CONTRACT)
    assert anon.status_code == 401
    r = await client.post(
        "/api/v1/visa/checklist",
        json=CONTRACT,
        headers=await headers(world, Role.PARTNER_OPERATOR, None),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["rule_set_version"] and len(body["results"]) == 33
    bad = await client.post(
        "/api/v1/visa/checklist",
        json={"kind": "open_ended", "salary": 1},
        headers=await headers(world, Role.PARTNER_OPERATOR, None),
    )
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")


async def test_stored_visa_flow_through_the_gate(app, client, world, database):
    social = await headers(world, Role.CPAS_SOCIAL_WORKER, "cpas", "Assistante sociale")
    other = await headers(world, Role.CPAS_SOCIAL_WORKER, "cpas", "Autre assistante")
    outsider = await headers(world, Role.PARTNER_OPERATOR, "partner", "Partenaire sans consentement")
    url = f"/api/v1/persons/{world.person.id}/visas"

    denied = await client.post(url, json=CONTRACT, headers=outsider)
    assert denied.status_code == 403

    created = await client.post(
        url, json=msgspec.to_builtins(with_pay(base(), gross_monthly=1500)), headers=social
    )
    assert created.status_code == 201, created.text
    visa = created.json()
    assert visa["verdict"] == "non_conforme" and created.headers["etag"] == '"1"'

    listed = await client.get(url, headers=social)
    assert [v["id"] for v in listed.json()] == [visa["id"]]

    vurl = f"/api/v1/visas/{visa['id']}"
    own = await client.post(
        f"{vurl}/decision", json={"decision": "refused", "reason": "x"}, headers={**social, "If-Match": '"1"'}
    )
    assert own.status_code == 403  # the submitter cannot decide
    no_match = await client.post(
        f"{vurl}/decision", json={"decision": "refused", "reason": "x"}, headers=other
    )
    assert no_match.status_code == 428
    approve = await client.post(
        f"{vurl}/decision", json={"decision": "approved"}, headers={**other, "If-Match": '"1"'}
    )
    assert approve.status_code == 409  # blocking failure
    refused = await client.post(
        f"{vurl}/decision",
        json={"decision": "refused", "reason": "Salaire sous le minimum."},
        headers={**other, "If-Match": '"1"'},
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["signature"]

    again = await client.post(
        f"{vurl}/decision", json={"decision": "refused", "reason": "y"}, headers={**other, "If-Match": "*"}
    )
    assert again.status_code == 409

    check = await client.get(f"{vurl}/verification", headers=other)
    assert check.json()["signature_valid"] is True

    pdf = await client.get(f"{vurl}/certificate.pdf", headers=other)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_bad_contract_input_gets_french_problem_details_and_writes_nothing(
    app, client, world, database
):
    """Issue 18: a sector minimum without a source, a negative amount, a signature before the birth date."""
    social = await headers(world, Role.CPAS_SOCIAL_WORKER, "cpas", "Assistante sociale")
    url = f"/api/v1/persons/{world.person.id}/visas"
    before = (await client.get(url, headers=social)).json()
    no_source = msgspec.to_builtins(base())
    no_source["pay"]["sector_minimum"] = {"monthly_full_time": 2200.0}
    negative = msgspec.to_builtins(base())
    negative["pay"]["gross_monthly"] = -10
    before_birth = msgspec.to_builtins(base())
    before_birth["signature_date"] = "1989-01-01"
    cases = [
        (no_source, "source"),
        (negative, "ne peut pas être négatif"),
        (before_birth, "précède la date de naissance"),
    ]
    for payload, words in cases:
        for target in (url, "/api/v1/visa/checklist"):
            r = await client.post(target, json=payload, headers=social)
            assert r.status_code == 400, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            body = r.json()
            assert body["detail"].startswith("Le contrat décrit n'est pas valide")
            assert words in body["detail"], body["detail"]
            assert "Expected" not in body["detail"]
    assert (await client.get(url, headers=social)).json() == before


async def test_hours_worked_beyond_the_approved_contract_are_told_once(app, client, world, database):
    """Issue 18, point 9: a person paid for 19 h a week with 38, 38 and 40 h of attendance recorded."""
    import datetime as dt

    from sqlalchemy import select
    from visa_builders import week, with_schedule

    from coordination.events import DomainEvent
    from coordination.inbox.models import Notification
    from coordination.visa.attendance import notify_gaps

    social = await headers(world, Role.CPAS_SOCIAL_WORKER, "cpas", "Assistante sociale")
    decider = await headers(world, Role.CPAS_SOCIAL_WORKER, "cpas", "Décideuse")
    half = with_pay(
        with_schedule(base(weekly_hours=19), shifts=week("08:00", "11:48", brk=0)), gross_monthly=1200
    )
    created = await client.post(
        f"/api/v1/persons/{world.person.id}/visas", json=msgspec.to_builtins(half), headers=social
    )
    assert created.status_code == 201 and created.json()["verdict"] == "conforme", created.text
    vurl = f"/api/v1/visas/{created.json()['id']}"
    week1 = {"period_start": "2025-06-02", "period_end": "2025-06-08", "hours_worked": 38}
    pending = await client.post(f"{vurl}/attendance", json=week1, headers=social)
    assert pending.status_code == 409  # only an approved contract takes attendance
    approved = await client.post(
        f"{vurl}/decision", json={"decision": "approved"}, headers={**decider, "If-Match": '"1"'}
    )
    assert approved.status_code == 200, approved.text

    async with database.sessionmaker() as session:
        step = TrajectoryStepFactory.build(
            person_id=world.person.id,
            kind="job",
            organisation_id=world.orgs["partner"].id,
            title=None,
            status="planned",
        )
        session.add(step)
        await session.commit()
    for start, hours in (("2025-06-02", 38), ("2025-06-09", 38), ("2025-06-16", 40), ("2025-06-23", 19.5)):
        end = (dt.date.fromisoformat(start) + dt.timedelta(days=6)).isoformat()
        r = await client.post(
            f"{vurl}/attendance",
            json={"period_start": start, "period_end": end, "hours_worked": hours, "step_id": str(step.id)},
            headers=social,
        )
        assert r.status_code == 201, r.text
    foreign_step = {
        **week1,
        "period_start": "2025-06-30",
        "period_end": "2025-07-06",
        "step_id": str(uuid4()),
    }
    unknown_step = await client.post(f"{vurl}/attendance", json=foreign_step, headers=social)
    assert unknown_step.status_code == 404  # a step of another file (or none) is not this contract's step
    twice = await client.post(f"{vurl}/attendance", json=week1, headers=social)
    assert twice.status_code == 409 and "déjà" in twice.json()["detail"]
    negative = await client.post(f"{vurl}/attendance", json={**week1, "hours_worked": -1}, headers=social)
    assert negative.status_code == 400 and "négatif" in negative.json()["detail"]

    listed = (await client.get(f"{vurl}/attendance", headers=decider)).json()
    assert [(p["hours_paid"], p["gap"], p["over_tolerance"]) for p in listed] == [
        (19.0, 19.0, True),
        (19.0, 19.0, True),
        (19.0, 21.0, True),
        (19.0, 0.5, False),
    ]

    async with database.sessionmaker() as session:
        assert await notify_gaps(session, dt.date(2025, 6, 16)) == 2  # the third week is not over yet
        await session.commit()
    async with database.sessionmaker() as session:
        assert await notify_gaps(session, dt.date(2025, 7, 1)) == 1  # told once per period
        await session.commit()
        assert await notify_gaps(session, dt.date(2025, 7, 1)) == 0
        notes = (await session.scalars(select(Notification).where(Notification.kind == "visa_hours"))).all()
    to_person = [n for n in notes if n.recipient_person_id == world.person.id]
    to_workers = [n for n in notes if n.recipient_user_id is not None]
    assert len(to_person) == 3 and len(to_workers) == 3  # the decider (no referent link in this file)
    async with (
        database.sessionmaker() as session
    ):  # each report is an event of the outbox, told by its subscriber
        kinds = (
            await session.scalars(select(DomainEvent.kind).where(DomainEvent.person_id == world.person.id))
        ).all()
    assert kinds.count("visa_hours_over_contract") == 3
    assert "38 h de présence" in to_person[0].body_fr and "19 h payées" in to_person[0].body_fr


async def test_the_api_decides_through_the_use_case_the_pages_use(app, client, world, database, monkeypatch):
    """Issue 21: one decision service (signature, certificate, event) for the API and the web page; the
    page's twin is test_visa_pages_flow.test_the_page_decides_through_the_use_case_the_api_uses."""
    from sqlalchemy import select

    from coordination.events import DomainEvent
    from coordination.visa import use_cases

    calls = []
    real = use_cases.Visas.record_decision

    async def spy(self, *args, **kwargs):
        calls.append(kwargs["decision"])
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(use_cases.Visas, "record_decision", spy)
    social = await headers(world, Role.CPAS_SOCIAL_WORKER, "cpas", "Assistante sociale")
    decider = await headers(world, Role.CPAS_SOCIAL_WORKER, "cpas", "Décideuse")
    created = await client.post(f"/api/v1/persons/{world.person.id}/visas", json=CONTRACT, headers=social)
    assert created.status_code == 201, created.text
    decided = await client.post(
        f"/api/v1/visas/{created.json()['id']}/decision",
        json={"decision": "approved"},
        headers={**decider, "If-Match": created.headers["etag"]},
    )
    assert decided.status_code == 200, decided.text
    assert [c.value for c in calls] == ["approved"]
    async with database.sessionmaker() as session:
        event = await session.scalar(select(DomainEvent).where(DomainEvent.kind == "visa_decided"))
    assert event is not None and str(event.subject_id) == created.json()["id"]


async def test_a_refused_decision_body_is_not_called_a_contract(app, client, world, database):
    """Only a contract's routes lead with « Le contrat décrit n'est pas valide »; a decision refused before
    its handler gets the app's sentence, with the same French message, and the field listed."""
    social = await headers(world, Role.CPAS_SOCIAL_WORKER, "cpas", "Assistante sociale")
    other = await headers(world, Role.CPAS_SOCIAL_WORKER, "cpas", "Autre assistante")
    created = await client.post(f"/api/v1/persons/{world.person.id}/visas", json=CONTRACT, headers=social)
    assert created.status_code == 201, created.text
    vurl = f"/api/v1/visas/{created.json()['id']}"
    decision = await client.post(
        f"{vurl}/decision",
        json={"decision": "refused", "answers": "oui"},
        headers={**other, "If-Match": '"1"'},
    )
    assert decision.status_code == 400
    assert decision.json()["detail"] == "Les données envoyées sont invalides : answers : doit être une liste."
    assert decision.json()["errors"] == [{"field": "answers", "message": "doit être une liste"}]
    contract = await client.put(
        f"{vurl}/contract", json={**CONTRACT, "kind": "zzz"}, headers={**social, "If-Match": '"1"'}
    )
    assert contract.status_code == 400
    assert contract.json()["detail"] == "Le contrat décrit n'est pas valide : kind : valeur inconnue « zzz »."
    assert contract.json()["errors"] == [{"field": "kind", "message": "valeur inconnue « zzz »"}]
