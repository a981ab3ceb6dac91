"""Composed reads of the registry's screens: a partner's page, the side-by-side comparison, the proposals.

Why: a page used to assemble them itself from half a dozen queries (and import the evaluation lazily);
here each screen is one function, so what a page shows is testable without rendering and the API can
serve the same figures the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.cadastre import proposals, rules
from coordination.cadastre import services as svc
from coordination.cadastre.dependencies import RegistryContext
from coordination.cadastre.evaluation import evaluate, latest_year_with_figures
from coordination.cadastre.referral_figures import referral_outcomes
from coordination.cadastre.schemas import AgreementOut, OrganisationOut, ServiceOut
from coordination.errors import NotFound


async def evaluation_year(ctx: RegistryContext, wanted: int | None) -> int:
    """The year asked for, else the most recent one with figures (never an empty previous year)."""
    return wanted or await latest_year_with_figures(ctx.session, ctx.policy, ctx.today)


def may_evaluate(principal: Principal) -> bool:
    return principal.role in rules.EVALUATION_ROLES


@dataclass
class PartnerOverview:
    org: OrganisationOut
    services: list[ServiceOut]
    agreements: list[AgreementOut]
    year: int
    evaluation: dict[str, Any] | None
    """The protected figures of the year, for the roles that may see them (else None)."""
    row: dict[str, Any] | None = None
    quarters: list[dict[str, Any]] = field(default_factory=list)


async def partner_overview(
    ctx: RegistryContext, organisation_id: UUID, wanted_year: int | None
) -> PartnerOverview:
    """A partner's entry, services and agreements (status as read ``ctx.today``), and its figures."""
    session, today = ctx.session, ctx.today
    org, profile = await svc.get_organisation(session, organisation_id)
    services = await svc.list_services(session, organisation_id=organisation_id)
    agreements = await svc.list_agreements(session, organisation_id=organisation_id, today=today)
    year = await evaluation_year(ctx, wanted_year)
    overview = PartnerOverview(
        org=svc.organisation_out(org, profile),
        services=[svc.service_out(s) for s in services],
        agreements=[svc.agreement_out(a, today) for a in agreements],
        year=year,
        evaluation=await evaluate(session, year, ctx.policy) if may_evaluate(ctx.principal) else None,
    )
    if overview.evaluation is not None:
        key = str(organisation_id)
        overview.row = next(
            (r for r in overview.evaluation.get("partners", []) if str(r["key"]) == key), None
        )
        overview.quarters = [
            r
            for r in overview.evaluation.get("partner_periods", [])
            if (r.get("key") or {}).get("partner_id") == key
        ]
    return overview


@dataclass
class Comparison:
    year: int
    evaluation: dict[str, Any]
    rows: list[dict[str, Any]]
    """The partners compared (all of them when none was chosen)."""
    referrals: dict[str, Any]


async def comparison(ctx: RegistryContext, wanted_year: int | None, partners: list[str]) -> Comparison:
    """The year's protected figures for the chosen partners, with their referral outcomes."""
    year = await evaluation_year(ctx, wanted_year)
    evaluation = await evaluate(ctx.session, year, ctx.policy)
    rows = evaluation.get("partners", [])
    if partners:
        rows = [r for r in rows if str(r["key"]) in partners]
    referrals = await referral_outcomes(ctx.session, year, ctx.policy, ctx.today)
    return Comparison(year=year, evaluation=evaluation, rows=rows, referrals=referrals)


@dataclass
class ProposalsOverview:
    keeper: bool
    """The registry administrator (decides) rather than a partner manager (proposes)."""
    entry: OrganisationOut | None
    """A partner manager's own entry, with the facts a proposal would change."""
    pending: list[proposals.ProposalOut]
    decided: list[proposals.ProposalOut]
    """The latest decisions, newest first."""


DECIDED_SHOWN = 50


async def proposals_overview(session: AsyncSession, principal: Principal) -> ProposalsOverview:
    """What the proposals page shows to this administrator or partner manager."""
    keeper = rules.is_keeper(principal)
    items = [
        proposals.proposal_out(p, name) for p, name in await proposals.list_proposals(session, principal)
    ]
    entry = None
    if not keeper and principal.organisation_id is not None:
        try:
            entry = svc.organisation_out(*await svc.get_organisation(session, principal.organisation_id))
        except NotFound:
            entry = None  # a manager whose organisation is not (yet) in the registry
    return ProposalsOverview(
        keeper=keeper,
        entry=entry,
        pending=[p for p in items if p.status == "pending"],
        decided=[p for p in items if p.status != "pending"][:DECIDED_SHOWN],
    )
