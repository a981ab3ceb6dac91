"""Referral outcomes for regulators: by month at the finest, small counts masked, the masking audited
against every figure of the year (on each engine)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from coordination.cadastre import audit
from coordination.cadastre.policy import load_policy
from coordination.cadastre.referral_figures import MEASURES, _relations, month_label
from coordination.directory.models import OrganisationKind, Role
from coordination.factories import OrganisationFactory, PersonFactory, ServiceFactory, UserFactory
from coordination.referral.models import Referral
from tests.integration.cadastre.conftest import direct_session

URL = "/api/v1/cadastre/referral-outcomes"
POLICY = load_policy(Path(__file__).resolve().parents[3] / "policies")


async def _referrals(session, world) -> dict:
    """Big partner: 12 referrals in March 2025 (9 accepted, 3 refused), 10 in April (all accepted);
    medium partner: 6 in January, 8 in March, 9 in April; small partner: 2 in March (1 accepted, 1 refused); one sent on 31 December 2024 at 23:30 UTC, which is
    1 January 2025 in Brussels."""
    big, small, medium = (
        OrganisationFactory.build(name=f"{size} partenaire", kind=OrganisationKind.PARTNER, bassin=None)
        for size in ("Grand", "Petit", "Moyen")
    )
    session.add_all([big, small, medium])
    await session.flush()
    user = UserFactory.build(
        subject="ref", display_name="Référente", role=Role.FOREM_REFERENT, organisation_id=world.forem.id
    )
    person = PersonFactory.build(first_name="Aïcha", last_name="Test", bassin=None)
    services = {
        o.id: ServiceFactory.build(organisation_id=o.id, name=f"Service de {o.name}")
        for o in (big, small, medium)
    }
    session.add_all([user, person, *services.values()])
    await session.flush()

    def referral(org, sent: datetime, status: str) -> Referral:
        return Referral(
            person_id=person.id, from_user_id=user.id, from_organisation_id=world.forem.id,
            service_id=services[org.id].id, to_organisation_id=org.id, reason_category="other",
            reason="—", requested_sections=["trajectory"], person_first_name="Aïcha",
            consent_expires_at=sent + timedelta(days=365), status=status, sent_at=sent,
            deadline=(sent + timedelta(days=10)).date(), rules_version="test",
            agreed_start_date=sent.date() if status == "accepted" else None,
            refusal_reason="full" if status == "refused" else None,
        )  # fmt: skip

    march, april = datetime(2025, 3, 10, 9, tzinfo=UTC), datetime(2025, 4, 7, 9, tzinfo=UTC)
    rows = [referral(big, march, "accepted" if i < 9 else "refused") for i in range(12)]
    rows += [referral(big, april, "accepted") for _ in range(10)]
    rows += [referral(small, march, "accepted"), referral(small, march, "refused")]
    rows += [referral(medium, datetime(2025, 1, 20, 9, tzinfo=UTC), "accepted") for _ in range(6)]
    rows += [referral(medium, march, "accepted") for _ in range(8)]
    rows += [referral(medium, april, "accepted" if i < 5 else "refused") for i in range(9)]
    rows.append(referral(big, datetime(2024, 12, 31, 23, 30, tzinfo=UTC), "accepted"))  # 2025 in Brussels
    session.add_all(rows)
    await session.commit()
    return {"big": big.id, "small": small.id}


async def test_referral_outcomes_by_month_with_small_counts_masked_and_audited(client, world, database):
    async with direct_session(database) as session:
        ids = await _referrals(session, world)
    response = await client.get(URL, params={"year": 2025}, headers=world.regulator)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["window"] == "mois"
    # never finer than a month
    assert {row["month"] for row in body["months"]} == {"2025-01", "2025-03", "2025-04"}
    assert all(len(row["month"]) == 7 for row in body["partner_months"])
    # every published count is ≥ min_cell or 0; every count from 1 to 4 is masked
    tables = [body["overall"], *body["partners"], *body["months"], *body["partner_months"]]
    for row in tables:
        for measure in MEASURES:
            assert row[measure] is None or row[measure] == 0 or row[measure] >= POLICY.min_cell, row
    small = next(r for r in body["partners"] if r["partner_id"] == str(ids["small"]))
    assert small["received"] is None and small["accepted"] is None
    truth = {
        ("Grand partenaire", "2025-01"): 1, ("Grand partenaire", "2025-03"): 12,
        ("Grand partenaire", "2025-04"): 10, ("Moyen partenaire", "2025-01"): 6,
        ("Moyen partenaire", "2025-03"): 8, ("Moyen partenaire", "2025-04"): 9,
        ("Petit partenaire", "2025-03"): 2,
    }  # fmt: skip
    labels = {(name, month): f"{name} — {month_label(2025, int(month[-2:]))}" for name, month in truth}
    shown = [r for r in body["partner_months"] if r["received"] is not None]
    assert shown  # large cells stay published…
    for row in body["partner_months"]:
        key = next(k for k, label in labels.items() if label == row["label"])
        assert row["received"] in (None, truth[key])  # …with their true value
    assert body["overall"]["received"] == 48
    # the audit: from every published figure, no masked count is pinned down
    cells, values = {}, {}
    for table, dim in (("partners", "partner"), ("months", "month"), ("partner_months", "partner_month")):
        for row in body[table]:
            key = (dim, row.get("partner_id"), row.get("month"))
            cells[key] = row
    cells[("all", None, None)] = body["overall"]
    hidden = set()
    for key, row in cells.items():
        for measure in MEASURES:
            values[(key, measure)] = row[measure] if row[measure] is not None else 0
            if row[measure] is None:
                hidden.add((key, measure))
    assert hidden
    # the reader does not know the masked values: they are unknowns of the program (their 0 is unused)
    relations = _relations(
        [("all", None)]
        + [("partner", r["partner_id"]) for r in body["partners"]]
        + [("month", r["month"]) for r in body["months"]]
        + [("partner_month", (r["partner_id"], r["month"])) for r in body["partner_months"]]
    )

    def cell_of(key, measure):
        dim, value = key
        if dim == "all":
            return (("all", None, None), measure)
        if dim == "partner":
            return (("partner", value, None), measure)
        if dim == "month":
            return (("month", None, value), measure)
        return (("partner_month", value[0], value[1]), measure)

    constraints = [audit.total_of(cell_of(*r[0]), [cell_of(*c) for c in r[1:]]) for r in relations]
    ranges = {cell: audit.Audit(values, constraints, 1, set(hidden)).interval(cell) for cell in hidden}
    for cell, (lo, hi) in ranges.items():
        assert hi - lo >= 1, (cell, lo, hi)


async def test_referral_outcomes_are_for_regulators_only(client, world, database):
    async with direct_session(database) as session:
        ids = await _referrals(session, world)
    assert (await client.get(URL, params={"year": 2025})).status_code == 401
    assert (
        await client.get(URL, params={"year": 2025}, headers=world.manager(ids["big"]))
    ).status_code == 403
    assert (await client.get(URL, headers=world.regulator)).status_code == 400
    empty = await client.get(URL, params={"year": 2030}, headers=world.regulator)
    assert empty.status_code == 200 and empty.json()["partners"] == [] and empty.json()["overall"] is None
