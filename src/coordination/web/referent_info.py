"""The person's referent, read through the gate with the referent package's own services and shapes."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.gate import check_access
from coordination.access.principal import Principal
from coordination.settings import Settings


async def current_referent(
    session: AsyncSession, principal: Principal, person_id: UUID, *, request_id: str, settings: Settings
):
    """``(referent, history)`` as the API's ``ReferentOut``; ``(None, [])`` when refused or unassigned."""
    from coordination.referent import services
    from coordination.referent.controllers import _names, _policies, link_out

    decision = await check_access(
        session,
        principal,
        person_id=person_id,
        section=services.SECTION,
        action="read",
        request_id=request_id,
        raise_on_deny=False,
    )
    if not decision.allowed:
        return None, []
    links = await services.history(session, person_id)
    names = await _names(session, links)
    policies = _policies(settings)
    history = [link_out(link, names, policies, principal) for link in links]
    active = next((h for h in history if h.ended_at is None), None)
    return active, history


async def referent_contact(session: AsyncSession, referent) -> dict[str, str | None] | None:
    """How the person reaches her referent: the adviser's professional phone and e-mail (the adviser
    profile's, else the e-mail of the adviser's account). Only for a referent already read through the
    gate (:func:`current_referent`)."""
    from coordination.directory.models import User
    from coordination.referent.models import Adviser

    if referent is None or referent.adviser_id is None:
        return None
    adviser = await session.get(Adviser, referent.adviser_id)
    if adviser is None:
        return None
    email = adviser.email
    if not email and adviser.user_id is not None:
        user = await session.get(User, adviser.user_id)
        email = user.email if user else None
    return {"phone": adviser.phone, "email": email}
