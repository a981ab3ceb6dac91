"""Which registry services fit a person: bassin, public, theme, language, capacity, agreement in force.

The person's facts (bassin, language) come from the dossier after the caller passed the gate on the
identity section; the services and agreements come from the cadastre's services. Pure matching in
:func:`match`, unit-testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.cadastre import services as cadastre
from coordination.cadastre.models import Agreement, PartnerProfile, Service
from coordination.cadastre.rules import accepts_steps
from coordination.directory.models import Organisation
from coordination.dossier.models import Person
from coordination.dossier.services.trajectory import open_steps_by_service


@dataclass(frozen=True)
class Filters:
    """What the sender narrows the registry by (the person's own language when none is given)."""

    theme: str | None = None
    public: str | None = None
    language: str | None = None
    everything: bool = False
    """Also the services that do not fit (each with why not)."""


@dataclass(frozen=True)
class Fit:
    service: Service
    organisation_name: str
    agreement: Agreement | None
    in_bassin: bool
    language_ok: bool
    public_ok: bool
    theme_ok: bool
    places_taken: int

    @property
    def places_left(self) -> int | None:
        if self.service.capacity is None:
            return None
        return max(0, self.service.capacity - self.places_taken)

    @property
    def full(self) -> bool:
        return self.places_left == 0

    @property
    def agreement_active(self) -> bool:
        return self.agreement is not None

    @property
    def fits(self) -> bool:
        return (
            self.in_bassin
            and self.language_ok
            and self.public_ok
            and self.theme_ok
            and self.agreement_active
            and not self.full
            and self.service.status == "active"
        )


def _norm(value: str) -> str:
    return value.strip().casefold()


def theme_matches(service: Service, theme: str | None) -> bool:
    """The registry has no theme field: a theme is searched in the name, other name and description."""
    if not theme:
        return True
    haystack = " ".join(filter(None, [service.name, service.alternate_name, service.description]))
    return _norm(theme) in _norm(haystack)


def match(
    service: Service,
    *,
    bassin: str | None,
    language: str | None,
    public: str | None,
    theme: str | None,
) -> tuple[bool, bool, bool, bool]:
    """(in_bassin, language_ok, public_ok, theme_ok). A service without languages or publics listed
    is open to all; a person without a bassin matches no bassin-limited service."""
    areas = {_norm(a) for a in service.service_areas or []}
    in_bassin = not areas or (bassin is not None and _norm(bassin) in areas)
    languages = {_norm(x) for x in service.languages or []}
    language_ok = not languages or language is None or _norm(language) in languages
    publics = {_norm(x) for x in service.publics or []}
    public_ok = public is None or not publics or _norm(public) in publics
    return in_bassin, language_ok, public_ok, theme_matches(service, theme)


async def active_agreement(
    session: AsyncSession, organisation_id: UUID, on_date: date, bassin: str | None = None
) -> Agreement | None:
    """The partner's agreement in force on ``on_date``; one covering the bassin preferred."""
    candidates = [
        a
        for a in await cadastre.list_agreements(session, organisation_id=organisation_id)
        if accepts_steps(a.status, a.start_date, a.end_date, on_date, on_date)
    ]
    if bassin:
        covering = [a for a in candidates if not a.territory or bassin in a.territory]
        candidates = covering or candidates
    return max(candidates, key=lambda a: a.end_date, default=None)


async def places_taken(session: AsyncSession, service_ids: list[UUID]) -> dict[UUID, int]:
    """Places in use per service: the dossier's open trajectory steps (planned or ongoing) there."""
    return await open_steps_by_service(session, service_ids)


ANY = Filters()
"""No narrowing: every service, with how it fits the person's bassin."""


async def fits_for(
    session: AsyncSession, person: Person, today: date, wanted: Filters = ANY, only: list[UUID] | None = None
) -> list[Fit]:
    """Every registry service (or those ``only``) with how it fits the person's bassin and what the
    sender narrows by (``wanted``); the caller filters."""
    services = await cadastre.list_services(session)
    if only is not None:
        kept = set(only)
        services = [s for s in services if s.id in kept]
    names = (
        dict(
            (
                await session.execute(
                    select(Organisation.id, Organisation.name).where(
                        Organisation.id.in_({s.organisation_id for s in services})
                    )
                )
            ).all()
        )
        if services
        else {}
    )
    taken = await places_taken(session, [s.id for s in services])
    agreements: dict[UUID, Agreement | None] = {}
    out = []
    for service in services:
        if service.organisation_id not in agreements:
            agreements[service.organisation_id] = await active_agreement(
                session, service.organisation_id, today, person.bassin
            )
        in_bassin, language_ok, public_ok, theme_ok = match(
            service, bassin=person.bassin, language=wanted.language, public=wanted.public, theme=wanted.theme
        )
        out.append(
            Fit(
                service=service,
                organisation_name=names.get(service.organisation_id, ""),
                agreement=agreements[service.organisation_id],
                in_bassin=in_bassin,
                language_ok=language_ok,
                public_ok=public_ok,
                theme_ok=theme_ok,
                places_taken=taken.get(service.id, 0),
            )
        )
    return out


async def partner_kind_of(session: AsyncSession, organisation_id: UUID) -> str | None:
    """The registry's kind of the partner (``cisp``, ``mire``…); ``None`` without a registry entry."""
    return await session.scalar(
        select(PartnerProfile.partner_kind).where(PartnerProfile.organisation_id == organisation_id)
    )
