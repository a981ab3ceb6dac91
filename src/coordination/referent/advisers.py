"""The advisers' directory: who may hold portfolios, their capacity and activity. Touches no person's
file (the routes are public to the gate); the roles are checked here, the same for every caller."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.directory.models import Organisation, Role
from coordination.errors import NotFound, Unprocessable
from coordination.referent import schemas, services
from coordination.referent.models import REFERENT_KINDS, TRACKS, Adviser
from coordination.referent.roles import ADVISER_ROLES, require_role

READERS = (*ADVISER_ROLES, Role.ADMIN)


def adviser_version(adviser: Adviser) -> int:
    """An adviser row has no version column: its last change, in microseconds, is its version."""
    return int(adviser.updated_at.timestamp() * 1_000_000)


async def directory(session: AsyncSession, principal: Principal) -> list[tuple[Adviser, int]]:
    """Every adviser, by name, with their current load."""
    require_role(principal, READERS)
    sizes = await services.portfolio_sizes(session)
    rows = await session.scalars(select(Adviser).order_by(Adviser.display_name))
    return [(a, sizes.get(a.id, 0)) for a in rows]


async def read_adviser(session: AsyncSession, principal: Principal, adviser_id: UUID) -> tuple[Adviser, int]:
    require_role(principal, READERS)
    adviser = await session.get(Adviser, adviser_id)
    if adviser is None:
        raise NotFound("Conseiller introuvable.", "unknown-adviser")
    return adviser, await services.portfolio_size(session, adviser.id)


def _check_identity(data: schemas.AdviserIn) -> None:
    if data.kind not in REFERENT_KINDS:
        raise Unprocessable(f"Type de référent inconnu : « {data.kind} ».", "unknown-referent-kind")
    if (data.kind == "eadviser_team") != (data.team is not None) or (data.user_id is None) == (
        data.team is None
    ):
        raise Unprocessable(
            "Une équipe e-conseil se décrit par son équipe (team), un conseiller ou un assistant social par "
            "son utilisateur (user_id) : l'un ou l'autre, selon le type.",
            "adviser-identity",
        )
    unknown = [t for t in data.tracks if t not in TRACKS]
    if unknown:
        raise Unprocessable(f"Parcours inconnus : {', '.join(unknown)}.", "unknown-track")


async def create_adviser(session: AsyncSession, principal: Principal, data: schemas.AdviserIn) -> Adviser:
    """A new portfolio (administrators only): one per adviser, or per e-adviser team of an organisation."""
    require_role(principal, (Role.ADMIN,))
    _check_identity(data)
    if await session.get(Organisation, data.organisation_id) is None:
        raise Unprocessable("Organisation inconnue.", "unknown-organisation")
    same = (
        Adviser.user_id == data.user_id
        if data.user_id
        else (Adviser.team == data.team) & (Adviser.organisation_id == data.organisation_id)
    )
    if await session.scalar(select(Adviser.id).where(same)) is not None:
        raise Unprocessable("Ce conseiller ou cette équipe a déjà un portefeuille.", "adviser-exists")
    adviser = Adviser(**{f: getattr(data, f) for f in data.__struct_fields__})
    session.add(adviser)
    await session.flush()
    return adviser


async def change_adviser(
    session: AsyncSession,
    principal: Principal,
    adviser_id: UUID,
    data: schemas.AdviserPatch,
    check_version: Callable[[int], None],
) -> tuple[Adviser, int]:
    """Capacity or activity (administrators only). ``check_version`` refuses a stale or missing
    ``If-Match`` against the row read for update."""
    require_role(principal, (Role.ADMIN,))
    adviser = await session.get(Adviser, adviser_id, with_for_update=True)
    if adviser is None:
        raise NotFound("Conseiller introuvable.", "unknown-adviser")
    check_version(adviser_version(adviser))
    if data.capacity is not None:
        adviser.capacity = data.capacity
    if data.active is not None:
        adviser.active = data.active
    load = await services.portfolio_size(session, adviser.id)
    return adviser, load
