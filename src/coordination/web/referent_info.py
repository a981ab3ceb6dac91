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


# --- the referent's forms: a contact, a handover ---------------------------------------------------

CONTACT_FIELDS = {"contact-date-invalid": "contacted_on"}
HANDOVER_FIELDS = {
    "handover-reason-required": "reason",
    "handover-note-required": "note",
    "same-referent": "adviser_id",
    "adviser-over-capacity": "adviser_id",
    "unknown-adviser": "adviser_id",
}
"""Which field a refusal of the referent's services is about (anything else is said above the form)."""


def field_of(code: str, fields: dict[str, str]) -> str:
    return fields.get(code, "form")


def contact_instant(day_text: str, time_text: str, errors: dict[str, str]):
    """The contact's instant from the Brussels day and hour typed (no hour: now for today, else noon)."""
    from datetime import date, datetime, time

    from coordination.clock import BRUSSELS, now, today

    try:
        day = date.fromisoformat(day_text.strip())
    except ValueError:
        errors["contacted_on"] = "Date invalide : choisissez le jour du contact dans le calendrier."
        return None
    try:
        hour = time.fromisoformat(time_text.strip()) if time_text.strip() else None
    except ValueError:
        errors["contacted_time"] = "Heure invalide : par exemple 09:30."
        return None
    if hour is None:
        if day == today():
            return now()
        hour = time(12, 0)
    return datetime.combine(day, hour, tzinfo=BRUSSELS)
