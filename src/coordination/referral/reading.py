"""The composed reads of referrals, one function per screen or answer, shared by the API and the pages:
the registry's services that fit a person (and the sending form built on them), a file's referrals,
one referral, the partner's cards, the person's own referrals.

Each asks the gate what it needs (through :mod:`coordination.referral.services`) and shapes rows with
:mod:`coordination.referral.views`; the handlers parse, call one of these, and answer."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.gate import check_sections
from coordination.access.principal import Principal
from coordination.directory.models import User
from coordination.dossier.models import Person
from coordination.dossier.services.common import get_person
from coordination.dossier.services.plan import read_plan
from coordination.errors import Forbidden, NotFound
from coordination.referral import schemas, services, views
from coordination.referral.context import Context
from coordination.referral.models import Referral
from coordination.referral.search import Filters, Fit, fits_for, partner_kind_of

# --- the registry's services for a person ------------------------------------------------------------


async def fitting_services(ctx: Context, person_id: UUID, filters: Filters) -> tuple[Person, list[Fit]]:
    """Every service of the registry with how it fits the person, best first (fitting, in her bassin, by
    name). Only a sender asks; the caller's gate has read the person's identity."""
    services.require_sender(ctx.principal)
    person = await get_person(ctx.session, person_id)
    wanted = replace(filters, language=filters.language or person.language)
    found = await fits_for(ctx.session, person, ctx.today, wanted)
    found.sort(key=lambda f: (not f.fits, not f.in_bassin, f.service.name))
    return person, found


def matches(found: list[Fit], everything: bool) -> list[schemas.ServiceMatch]:
    return [views.match_out(f) for f in found if everything or f.fits]


@dataclass(frozen=True)
class SendForm:
    """The sending form of a file: the services found, the one chosen, what to ask by default."""

    person: Person
    matches: list[schemas.ServiceMatch]
    chosen: schemas.ServiceMatch | None
    objectives: list = field(default_factory=list)
    default_sections: tuple[str, ...] = ()


async def send_form(ctx: Context, person_id: UUID, filters: Filters, service_id: UUID | None) -> SendForm:
    """The search and, once a service is chosen, the plan's objectives (when the gate lets the sender
    read the plan) and the sections that kind of partner needs by default (rules as data)."""
    await ctx.require(person_id, "identity", "read")
    person, found = await fitting_services(ctx, person_id, filters)
    if service_id is None:
        return SendForm(
            person, matches(found, filters.everything), None, [], ctx.rules.default_sections(None)
        )
    chosen = next((views.match_out(f) for f in found if f.service.id == service_id), None)
    if chosen is None:
        raise NotFound("Service introuvable au cadastre.", code="service-not-found")
    decisions = await check_sections(
        ctx.session,
        ctx.principal,
        person_id=person_id,
        sections=["plan"],
        action="read",
        request_id=ctx.request_id,
    )
    objectives = (
        list((await read_plan(ctx.session, person_id)).objectives) if decisions["plan"].allowed else []
    )
    defaults = ctx.rules.default_sections(await partner_kind_of(ctx.session, chosen.organisation_id))
    return SendForm(person, matches(found, filters.everything), chosen, objectives, defaults)


# --- referrals from the file -------------------------------------------------------------------------


async def file_referrals(ctx: Context, person_id: UUID) -> list[schemas.ReferralOut]:
    """The person's referrals with their history (``trajectory``/read through the gate)."""
    found = await services.for_person(ctx, person_id)
    return await views.full(ctx.session, found, ctx.rules, ctx.at)


async def full_one(ctx: Context, referral: Referral) -> schemas.ReferralOut:
    [out] = await views.full(ctx.session, [referral], ctx.rules, ctx.at)
    return out


async def referral_in_file(ctx: Context, referral_id: UUID) -> schemas.ReferralOut:
    return await full_one(ctx, await services.one_in_file(ctx, referral_id))


def own_person(principal: Principal) -> UUID:
    """The person's own space: only for a principal who is a person."""
    if principal.person_id is None:
        raise Forbidden("Cet espace est celui de la personne accompagnée.", code="not-a-person")
    return principal.person_id


async def my_referral(ctx: Context, referral_id: UUID) -> schemas.ReferralOut:
    person_id = own_person(ctx.principal)
    referral = await services.one_in_file(ctx, referral_id)
    if referral.person_id != person_id:
        raise NotFound("Orientation introuvable.", code="referral-not-found")
    return await full_one(ctx, referral)


async def user_names(session: AsyncSession, referrals: list[schemas.ReferralOut]) -> dict[UUID, str]:
    """The names of the senders and of everyone in the referrals' histories (for the pages)."""
    ids = {h.by_user_id for r in referrals for h in r.history if h.by_user_id} | {
        r.from_user_id for r in referrals
    }
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows.all()}


@dataclass(frozen=True)
class FileScreen:
    """A file's referrals as its page shows them: whose file, the referrals, who acted on them."""

    person: Person
    referrals: list[schemas.ReferralOut]
    names: dict[UUID, str]


async def file_screen(ctx: Context, person_id: UUID) -> FileScreen:
    referrals = await file_referrals(ctx, person_id)
    names = await user_names(ctx.session, referrals)
    return FileScreen(await get_person(ctx.session, person_id), referrals, names)


# --- the partner's cards -----------------------------------------------------------------------------


async def card(ctx: Context, referral: Referral) -> schemas.ReferralCard:
    """The partner's card (after an answer, or opened from its inbox): shown, so journaled."""
    [out] = await views.shown_cards(ctx.session, ctx.principal, [referral], ctx.rules, ctx.at, ctx.request_id)
    return out


async def received_cards(ctx: Context, status: str | None) -> list[schemas.ReferralCard]:
    """The partner's inbox; each card shown writes one row on that person's journal (basis ``referral``)."""
    found = await services.received(ctx.session, ctx.principal, status)
    return await views.shown_cards(ctx.session, ctx.principal, found, ctx.rules, ctx.at, ctx.request_id)


async def received_card(ctx: Context, referral_id: UUID) -> schemas.ReferralCard:
    return await card(ctx, await services.received_one(ctx.session, ctx.principal, referral_id))
