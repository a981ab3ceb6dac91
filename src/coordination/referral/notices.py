"""Who is told what when a referral changes, in plain French. Never a NISS, never a last name to a
partner before consent: the partner's messages carry the first name and the service only.

The workers' items name the person, so they carry ``about_person_id``: the inbox journals each showing on
the person's chain (the sender's through the gate; the partner's on the basis ``referral``, like its cards)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.inbox.services import notify, notify_organisation, notify_users
from coordination.referral.models import Referral

PARTNER_ROLES = ("partner_operator", "partner_manager")


# Links lead to the web pages (the inbox page follows them; the API has the same resources under
# /api/v1/me/referrals, /api/v1/referrals and /api/v1/referrals/received).


def person_link(referral: Referral) -> str:
    return f"/mon-espace/orientations#orientation-{referral.id}"


def worker_link(referral: Referral) -> str:
    return f"/orientations/{referral.id}"


def partner_link(referral: Referral) -> str:
    return f"/orientations/recues/{referral.id}"


async def to_person(session: AsyncSession, referral: Referral, kind: str, title: str, body: str) -> None:
    await notify(
        session,
        person_id=referral.person_id,
        kind=kind,
        title_fr=title,
        body_fr=body,
        link=person_link(referral),
        subject_id=referral.id,
    )


async def to_sender(
    session: AsyncSession, referral: Referral, kind: str, title: str, body: str, *, actor: UUID | None
) -> None:
    await notify_users(
        session,
        [referral.from_user_id],
        exclude_user_id=actor,
        kind=kind,
        title_fr=title,
        body_fr=body,
        link=worker_link(referral),
        subject_id=referral.id,
        about_person_id=referral.person_id,
    )


async def to_partner(
    session: AsyncSession, referral: Referral, kind: str, title: str, body: str, *, actor: UUID | None
) -> None:
    await notify_organisation(
        session,
        referral.to_organisation_id,
        roles=PARTNER_ROLES,
        exclude_user_id=actor,
        kind=kind,
        title_fr=title,
        body_fr=body,
        link=partner_link(referral),
        subject_id=referral.id,
        about_person_id=referral.person_id,
        about_basis="referral",
    )
