"""A trajectory step's service and agreement must be its organisation's, and the agreement must cover its
dates and still run: refused with a French 422 otherwise, and nothing written."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from coordination.cadastre.claims import claim_problems
from coordination.clock import today as today_brussels
from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import TrajectoryStep
from coordination.factories import AgreementFactory, PartnerProfileFactory, ServiceFactory
from tests.integration.cadastre.conftest import direct_session
from tests.integration.dossier.conftest import VALID_NISS


async def _registry(world):
    """Two partners of the registry, a service each, running agreements and a terminated one of ``own``."""
    today = today_brussels()
    await world.add_organisations(
        {
            "own": ("CISP L'Envol", OrganisationKind.PARTNER),
            "other": ("MIRE Centre", OrganisationKind.PARTNER),
        },
        bassin=None,
    )
    own, other, forem = world.orgs["own"], world.orgs["other"], world.forem
    rows = {
        "service": ServiceFactory.build(organisation_id=own.id, name="Préformation"),
        "other_service": ServiceFactory.build(organisation_id=other.id, name="Jobcoaching"),
        "agreement": AgreementFactory.build(reference="AG-1", title="Préformation", organisation_id=own.id,
                                            funder_id=forem.id, kind="call_for_projects",
                                            start_date=date(2025, 1, 1), end_date=today + timedelta(days=200)),
        "other_agreement": AgreementFactory.build(reference="AG-2", title="Jobcoaching", organisation_id=other.id,
                                                  funder_id=forem.id, kind="call_for_projects",
                                                  start_date=date(2025, 1, 1), end_date=today + timedelta(days=200)),
        "terminated": AgreementFactory.build(reference="AG-3", title="Arrêtée", organisation_id=own.id,
                                             funder_id=forem.id, kind="partnership", start_date=date(2025, 1, 1),
                                             end_date=today + timedelta(days=200), status="closed",
                                             closed_on=today, closed_reason="terminated"),
    }  # fmt: skip
    await world.add(
        *[PartnerProfileFactory.build(organisation_id=o.id, partner_kind="cisp") for o in (own, other)],
        *rows.values(),
    )
    return own, {k: v.id for k, v in rows.items()}


async def test_steps_claim_only_their_organisations_service_and_a_running_agreement(client, world, database):
    own, ids = await _registry(world)
    await world.add_users({"ref": ("Référente", Role.FOREM_REFERENT, "forem")}, subject_prefix="")
    referent = world.headers("ref")
    person = await client.post(
        "/api/v1/persons",
        json={"niss": VALID_NISS, "first_name": "Julie", "last_name": "Martin", "forem_registered": True},
        headers=referent,
    )
    assert person.status_code == 201, person.text
    url = f"/api/v1/persons/{person.json()['id']}/trajectory/steps"
    start = str(today_brussels())

    def step(**extra):
        return {"kind": "training", "organisation_id": str(own.id), "start_date": start, "status": "ongoing",
                **{k: str(v) for k, v in extra.items()}}  # fmt: skip

    refused = {
        "service-not-of-organisation": step(service_id=ids["other_service"]),
        "agreement-not-of-organisation": step(agreement_id=ids["other_agreement"]),
        "agreement-closed": step(agreement_id=ids["terminated"]),
        "agreement-dates": {**step(agreement_id=ids["agreement"]), "start_date": "2024-06-01"},
    }
    for code, body in refused.items():
        response = await client.post(url, json=body, headers=referent)
        assert response.status_code == 422, (code, response.text)
        problem = response.json()
        assert problem["type"].endswith(code), problem
        assert "convention" in problem["detail"] or "service" in problem["detail"]
    async with direct_session(database) as session:
        assert await session.scalar(select(func.count()).select_from(TrajectoryStep)) == 0

    good = await client.post(
        url, json=step(service_id=ids["service"], agreement_id=ids["agreement"]), headers=referent
    )
    assert good.status_code == 201, good.text
    step_url = f"{url}/{good.json()['id']}"
    etag = good.headers.get("etag", "*")
    # an update cannot move the step to another partner's service, nor outside its agreement's dates
    moved = await client.patch(
        step_url, json={"service_id": str(ids["other_service"])}, headers={**referent, "If-Match": etag}
    )
    assert moved.status_code == 422 and moved.json()["type"].endswith("service-not-of-organisation")
    late = await client.patch(
        step_url, json={"end_date": "2040-01-01"}, headers={**referent, "If-Match": etag}
    )
    assert late.status_code == 422 and late.json()["type"].endswith("agreement-dates")


def test_a_step_already_on_an_agreement_that_closed_since_can_still_be_completed():
    agreement = AgreementFactory.build(reference="AG-9", title="t", organisation_id=None, funder_id=None,
                                       kind="partnership", start_date=date(2025, 1, 1), end_date=date(2025, 6, 30),
                                       status="closed")  # fmt: skip
    agreement.organisation_id = org = object()
    on_it = claim_problems(org, None, agreement, date(2025, 2, 1), date(2025, 6, 1), attaching=False,
                           today=date(2025, 9, 1))  # fmt: skip
    assert on_it == []
    new = claim_problems(org, None, agreement, date(2025, 2, 1), None, attaching=True, today=date(2025, 9, 1))
    assert [code for code, _, _ in new] == ["agreement-closed"]
    expired = AgreementFactory.build(reference="AG-8", title="t", kind="partnership", start_date=date(2025, 1, 1),
                                     end_date=date(2025, 6, 30), status="active")  # fmt: skip
    expired.organisation_id = org
    late = claim_problems(org, None, expired, date(2025, 6, 2), None, attaching=True, today=date(2025, 7, 1))
    assert [code for code, _, _ in late] == ["agreement-closed"]  # past its end, before the task closed it
