"""Referral outcomes for the registry: per service and per partner, referrals received, acceptance
rate, median response time, refusal reasons, and alerts on the thresholds of
``policies/referral_rules.toml``. Aggregates only: no person, no name.

The cadastre may import :func:`outcomes_by_service` / :func:`outcomes_by_partner` for its own pages.
"""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.cadastre.models import Service
from coordination.directory.models import Organisation
from coordination.referral import rules
from coordination.referral.models import Referral


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(since, time.min, tzinfo=rules.BRUSSELS) if since else None
    end = datetime.combine(until, time.max, tzinfo=rules.BRUSSELS) if until else None
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


async def outcomes_by_service(
    session: AsyncSession,
    *,
    today: date,
    since: date | None = None,
    until: date | None = None,
    organisation_id: UUID | None = None,
) -> dict[UUID, rules.Outcome]:
    groups: dict[UUID, list[rules.AnsweredReferral]] = {}
    for service_id, _, item in await _rows(session, since, until, organisation_id, today):
        groups.setdefault(service_id, []).append(item)
    return {key: rules.outcome(items) for key, items in groups.items()}


async def outcomes_by_partner(
    session: AsyncSession,
    *,
    today: date,
    since: date | None = None,
    until: date | None = None,
    organisation_id: UUID | None = None,
) -> dict[UUID, rules.Outcome]:
    groups: dict[UUID, list[rules.AnsweredReferral]] = {}
    for _, org_id, item in await _rows(session, since, until, organisation_id, today):
        groups.setdefault(org_id, []).append(item)
    return {key: rules.outcome(items) for key, items in groups.items()}


async def names(session: AsyncSession, service_ids, organisation_ids) -> tuple[dict, dict]:
    services = (
        dict(
            (await session.execute(select(Service.id, Service.name).where(Service.id.in_(service_ids)))).all()
        )
        if service_ids
        else {}
    )
    orgs = (
        dict(
            (
                await session.execute(
                    select(Organisation.id, Organisation.name).where(Organisation.id.in_(organisation_ids))
                )
            ).all()
        )
        if organisation_ids
        else {}
    )
    return services, orgs


async def service_owners(session: AsyncSession, service_ids) -> dict[UUID, UUID]:
    if not service_ids:
        return {}
    return dict(
        (
            await session.execute(
                select(Service.id, Service.organisation_id).where(Service.id.in_(service_ids))
            )
        ).all()
    )
