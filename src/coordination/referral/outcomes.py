"""Referral outcomes for the registry: per service and per partner, referrals received, acceptance
rate, median response time, refusal reasons, and alerts on the thresholds of
``policies/referral_rules.toml``. Aggregates only: no person, no name.

The cadastre may import :func:`outcomes_by` for its own pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.cadastre.models import Service
from coordination.directory.models import Organisation, Role
from coordination.errors import Forbidden
from coordination.referral import rules, schemas, views
from coordination.referral.context import Context
from coordination.referral.models import Referral


@dataclass(frozen=True)
class Period:
    """Referrals sent from ``since`` to ``until`` (Brussels days, both included; open when ``None``)."""

    since: date | None = None
    until: date | None = None


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(since, time.min, tzinfo=clock.BRUSSELS) if since else None
    end = datetime.combine(until, time.max, tzinfo=clock.BRUSSELS) if until else None
    return start, end


async def _rows(
    session: AsyncSession, since: date | None, until: date | None, organisation_id: UUID | None, today: date
) -> list[tuple[UUID, UUID, rules.AnsweredReferral]]:
    start, end = _bounds(since, until)
    stmt = select(
        Referral.service_id,
        Referral.to_organisation_id,
        Referral.status,
        Referral.deadline,
        Referral.sent_at,
        Referral.answered_at,
        Referral.refusal_reason,
    )
    if start:
        stmt = stmt.where(Referral.sent_at >= start)
    if end:
        stmt = stmt.where(Referral.sent_at <= end)
    if organisation_id:
        stmt = stmt.where(Referral.to_organisation_id == organisation_id)
    out = []
    for row in await session.execute(stmt):
        status = rules.EXPIRED if row.status == rules.SENT and today > row.deadline else row.status
        out.append(
            (
                row.service_id,
                row.to_organisation_id,
                rules.AnsweredReferral(status, row.sent_at, row.answered_at, row.refusal_reason),
            )
        )
    return out


async def outcomes_by(
    session: AsyncSession,
    key: str,
    today: date,
    period: Period,
    organisation_id: UUID | None = None,
) -> dict[UUID, rules.Outcome]:
    """The outcome of the referrals sent in ``period``, by ``"service"`` or by ``"partner"``."""
    groups: dict[UUID, list[rules.AnsweredReferral]] = {}
    for service_id, org_id, item in await _rows(session, period.since, period.until, organisation_id, today):
        groups.setdefault(org_id if key == "partner" else service_id, []).append(item)
    return {k: rules.outcome(items) for k, items in groups.items()}


async def _names_of(session: AsyncSession, column_id, column_name, ids: list[UUID]) -> dict[UUID, Any]:
    if not ids:
        return {}
    rows = await session.execute(select(column_id, column_name).where(column_id.in_(ids)))
    return {key: name for key, name in rows.all()}


async def service_owners(session: AsyncSession, service_ids: list[UUID]) -> dict[UUID, UUID]:
    return await _names_of(session, Service.id, Service.organisation_id, service_ids)


OUTCOME_ROLES = frozenset({Role.PARTNER_MANAGER, Role.PARTNER_OPERATOR})
"""A partner's own services, in raw counts and days (its own work, operational). Every other reader gets
the registry's figures (``/api/v1/cadastre/referral-outcomes``): by month at the finest, small counts
masked and the whole table audited, so that no count is recovered by subtraction (issue 19)."""


async def partner_report(ctx: Context, period: Period, *, alerts_only: bool = False) -> schemas.OutcomesOut:
    """The caller's own services and organisation: raw counts, rates and alerts (a partner only), on the
    request's Brussels day and under its rules."""
    principal, referral_rules, session = ctx.principal, ctx.rules, ctx.session
    if principal.role not in OUTCOME_ROLES:
        raise Forbidden(
            "Ces chiffres bruts sont ceux d'un partenaire sur ses propres services. Les résultats des "
            "orientations de tous les partenaires se lisent au cadastre, par mois et sous secret "
            "statistique : /api/v1/cadastre/referral-outcomes.",
            code="outcomes-role",
        )
    own, today = principal.organisation_id, ctx.today
    by_service = await outcomes_by(session, "service", today, period, own)
    by_partner = await outcomes_by(session, "partner", today, period, own)
    owners = await service_owners(session, list(by_service))
    svc_names = await _names_of(session, Service.id, Service.name, list(by_service))
    org_names = await _names_of(session, Organisation.id, Organisation.name, list(by_partner))
    svc = [
        views.outcome_out(k, svc_names.get(k, ""), v, referral_rules, owners.get(k))
        for k, v in by_service.items()
    ]
    partners = [
        views.outcome_out(k, org_names.get(k, ""), v, referral_rules, k) for k, v in by_partner.items()
    ]
    if alerts_only:
        svc = [o for o in svc if o.alerts]
        partners = [o for o in partners if o.alerts]
    return schemas.OutcomesOut(
        since=period.since,
        until=period.until,
        rules_version=referral_rules.version,
        services=sorted(svc, key=lambda o: o.name),
        partners=sorted(partners, key=lambda o: o.name),
    )
