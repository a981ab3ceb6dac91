"""Open-data export of the registry, shaped after Open Referral HSDS 3.0.

Only registry facts: organisations, services, funding (agreements). No person, no user: who verified an
entry (``assured_by``) is left out, only when (``assured_date``) is published. Extensions not in HSDS are
prefixed ``x_`` as the standard suggests for profiles.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.cadastre import rules
from coordination.cadastre import services as svc
from coordination.directory.models import Organisation

HSDS_VERSION = "3.0"


async def open_data(session: AsyncSession, now: datetime) -> dict[str, Any]:
    today = clock.brussels_day(now)
    names = dict((await session.execute(select(Organisation.id, Organisation.name))).all())
    services_by_org: dict = {}
    for service in await svc.list_services(session):
        services_by_org.setdefault(service.organisation_id, []).append(_service(service))
    funding_by_org: dict = {}
    for agreement in await svc.list_agreements(session):
        funding_by_org.setdefault(agreement.organisation_id, []).append(_funding(agreement, names, today))
    organizations = [
        {
            "id": str(org.id),
            "name": org.name,
            "alternate_name": profile.alternate_name,
            "description": profile.description,
            "email": profile.email,
            "website": profile.website,
            "tax_status": None,
            "tax_id": org.bce_number,
            "legal_status": profile.legal_status,
            "x_partner_kind": profile.partner_kind,
            "x_partner_kind_label": rules.PARTNER_KIND_LABELS[profile.partner_kind],
            "x_bassin": org.bassin,
            "x_status": profile.status,
            "x_assured_date": profile.assured_date.isoformat() if profile.assured_date else None,
            "last_modified": profile.updated_at.isoformat(),
            "services": services_by_org.get(org.id, []),
            "funding": funding_by_org.get(org.id, []),
        }
        for org, profile in await svc.list_organisations(session)
    ]
    return {
        "hsds_version": HSDS_VERSION,
        "publisher": "Forem — cadastre des partenariats",
        "generated_at": now.isoformat(),
        "license": "CC-BY-4.0",
        "organizations": organizations,
    }


def _service(service) -> dict[str, Any]:
    return {
        "id": str(service.id),
        "organization_id": str(service.organisation_id),
        "name": service.name,
        "alternate_name": service.alternate_name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": service.status,
        "eligibility_description": service.eligibility_description,
        "application_process": service.application_process,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "assured_date": service.assured_date.isoformat() if service.assured_date else None,
        "last_modified": service.updated_at.isoformat(),
        "languages": [{"code": code} for code in service.languages or []],
        "service_areas": [{"name": area, "extent_type": "bassin"} for area in service.service_areas or []],
        "capacities": (
            [{"maximum": service.capacity, "unit": {"name": service.capacity_unit}}]
            if service.capacity is not None
            else []
        ),
        "x_publics": list(service.publics or []),
    }


def _funding(agreement, names: dict, today) -> dict[str, Any]:
    return {
        "id": str(agreement.id),
        "organization_id": str(agreement.organisation_id),
        "source": names.get(agreement.funder_id),
        "x_reference": agreement.reference,
        "x_title": agreement.title,
        "x_kind": agreement.kind,
        "x_kind_label": rules.AGREEMENT_KIND_LABELS[agreement.kind],
        "x_start_date": agreement.start_date.isoformat(),
        "x_end_date": agreement.end_date.isoformat(),
        "x_amount_eur": str(svc.cents_to_euros(agreement.funding_cents))
        if agreement.funding_cents is not None
        else None,
        "x_target_entrants": agreement.target_entrants,
        "x_target_positive_exits": agreement.target_positive_exits,
        "x_territory": list(agreement.territory or []),
        "x_publics": list(agreement.publics or []),
        "x_status": rules.effective_status(agreement.status, agreement.end_date, today),
    }
