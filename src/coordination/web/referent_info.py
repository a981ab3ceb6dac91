"""The person's referent on the pages, read through the gate with the referent package's own use cases
and shapes (:mod:`coordination.referent.use_cases`), and the helpers of the referent's forms."""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.clock import BRUSSELS, now, today
from coordination.dossier.context import FileRequest
from coordination.referent import services, use_cases
from coordination.referent.policies import referent_policies
from coordination.referent.schemas import ReferentOut


async def current_referent(ctx: FileRequest, person_id: UUID) -> tuple[ReferentOut | None, list[ReferentOut]]:
    """``(referent, history)`` as the API's ``ReferentOut``; ``(None, [])`` when refused or unassigned."""
    policies = referent_policies(ctx.settings.policies_dir)
    return await use_cases.readable_referent(ctx, person_id, policies)


async def referent_contact(
    session: AsyncSession, referent: ReferentOut | None
) -> dict[str, str | None] | None:
    """How the person reaches her referent (:func:`coordination.referent.services.adviser_contact`). Only
    for a referent already read through the gate (:func:`current_referent`)."""
    if referent is None:
        return None
    return await services.adviser_contact(session, referent.adviser_id)


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


def contact_instant(day_text: str, time_text: str, errors: dict[str, str]) -> datetime | None:
    """The contact's instant from the Brussels day and hour typed (no hour: now for today, else noon)."""
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
