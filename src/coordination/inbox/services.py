"""The inbox: notifications for every user, the person first.

How another package tells someone something changed (in the caller's transaction: the notification is
committed with the change, or vanishes with it)::

    from coordination.inbox.services import notify, notify_organisation

    await notify(
        session,
        person_id=person.id,                  # the person themself (whichever account is theirs)
        kind="visa_decided",                  # a short code, see KINDS below (free, max 40 chars)
        title_fr="Décision sur votre contrat",
        body_fr="Le CPAS a rendu sa décision sur le contrat proposé.",
        link="/mon-espace/visas/<id>",
        subject_id=visa.id,
    )
    await notify(session, recipient_user_id=referent_user_id, kind=..., title_fr=..., body_fr=...)
    await notify_organisation(session, organisation_id, kind=..., roles={"partner_operator"}, ...)

Rules, enforced here:
* plain French, short: the title at most 200 characters, the body at most 2,000;
* never a NISS: any 11-digit number (with or without the usual separators) is masked before storing;
* exactly one of ``recipient_user_id`` / ``person_id``; :func:`notify_users` and
  :func:`notify_organisation` take ``exclude_user_id`` so an actor is not told about their own action.
  The person is always told when someone ELSE acted on their file or on their behalf.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, literal, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import journal
from coordination.access.context import Context
from coordination.access.gate import check_access
from coordination.access.principal import Principal
from coordination.db.base import utcnow
from coordination.directory.models import Role, User
from coordination.errors import NotFound, ProblemError
from coordination.inbox.models import Notification

KINDS = {
    "referral_sent": "Nouvelle orientation",
    "referral_received": "Orientation reçue",
    "referral_answered": "Réponse à une orientation",
    "referral_withdrawn": "Orientation retirée",
    "referral_reminder": "Rappel : orientation sans réponse",
    "referral_expired": "Orientation sans réponse",
    "consent_requested": "Consentement demandé",
    "consent_given": "Consentement donné",
    "consent_withdrawn": "Consentement retiré",
    "consent_renewed": "Consentement renouvelé",
    "consent_ended": "Consentement terminé",
    "consent_expiring": "Consentement bientôt échu",
    "referent_handover": "Changement de référent",
    "first_contact_overdue": "Premier contact en retard",
    "document_added": "Nouveau document",
    "visa_decided": "Décision de visa",
    "organisation_proposal": "Fiche du cadastre à vérifier",
    "organisation_proposal_decided": "Vérification de votre fiche du cadastre",
    "visa_hours": "Heures prestées au-delà du contrat",
}
"""Known kinds (for filters and the web page's icons). Other packages may use new codes."""

_NISS_LIKE = re.compile(r"(?<!\d)\d{2}[.\s-]?\d{2}[.\s-]?\d{2}[.\s-]?\d{3}[.\s-]?\d{2}(?!\d)")
MASK = "[numéro masqué]"
TITLE_MAX = 200
BODY_MAX = 2000


def scrub(text: str) -> str:
    """Mask anything that looks like a national register number (11 digits, usual separators)."""
    return _NISS_LIKE.sub(MASK, text)


def _clean(text: str, limit: int) -> str:
    text = scrub((text or "").strip())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


async def notify(
    session: AsyncSession,
    *,
    recipient_user_id: UUID | None = None,
    person_id: UUID | None = None,
    kind: str,
    title_fr: str,
    body_fr: str,
    link: str | None = None,
    subject_id: UUID | None = None,
    about_person_id: UUID | None = None,
    about_basis: str | None = None,
) -> Notification:
    """Add one notification for one user, or for the person (``person_id``). Flushes nothing: it is
    written with the caller's next flush/commit.

    ``about_person_id``: set it when a worker's notification carries a person's data (their name, a note
    about them): it is then shown only while the gate lets the worker read that person's identity, and each
    showing is journaled on the person's chain (:func:`present`). ``about_basis="referral"``: the recipient
    is the partner a referral was sent to, who reads the card's snapshot without the gate; the showing is
    journaled on that basis."""
    if (recipient_user_id is None) == (person_id is None):
        raise ValueError("notify() needs exactly one of recipient_user_id or person_id")
    note = Notification(
        recipient_user_id=recipient_user_id,
        recipient_person_id=person_id,
        kind=kind[:40],
        title_fr=_clean(title_fr, TITLE_MAX),
        body_fr=_clean(body_fr, BODY_MAX),
        link=(link or None) and link[:300],
        subject_id=subject_id,
        about_person_id=about_person_id,
        about_basis=about_basis,
    )
    session.add(note)
    return note


async def notify_users(
    session: AsyncSession,
    user_ids: Iterable[UUID],
    *,
    exclude_user_id: UUID | None = None,
    **message,
) -> list[Notification]:
    """The same notification for several users (duplicates and the excluded actor skipped)."""
    out = []
    for user_id in dict.fromkeys(user_ids):
        if user_id is not None and user_id != exclude_user_id:
            out.append(await notify(session, recipient_user_id=user_id, **message))
    return out


async def notify_organisation(
    session: AsyncSession,
    organisation_id: UUID,
    *,
    roles: Iterable[str] | None = None,
    exclude_user_id: UUID | None = None,
    **message,
) -> list[Notification]:
    """Every user of an organisation (optionally only some roles): e.g. a partner's operators."""
    stmt = select(User.id).where(User.organisation_id == organisation_id)
    if roles is not None:
        stmt = stmt.where(User.role.in_([Role(r) for r in roles]))
    user_ids = list((await session.scalars(stmt.order_by(User.id))).all())
    return await notify_users(session, user_ids, exclude_user_id=exclude_user_id, **message)


# --- reading ---------------------------------------------------------------------------------------


def _mine(principal: Principal):
    clauses = [Notification.recipient_user_id == principal.user_id]
    if principal.person_id is not None:
        clauses.append(Notification.recipient_person_id == principal.person_id)
    return or_(*clauses)


@dataclass(frozen=True)
class Query:
    """Which of the caller's own notifications a page shows, newest first: ``limit`` of them (only the
    unread ones, or of one ``kind``), after ``offset`` rows or ``before`` the (created_at, id) of the last
    one already shown (keyset pagination)."""

    limit: int
    unread_only: bool = False
    kind: str | None = None
    offset: int = 0
    before: tuple[datetime, UUID] | None = None


async def list_for(
    session: AsyncSession, principal: Principal, query: Query
) -> tuple[list[Notification], int, int]:
    """(page, total matching, unread count) of the caller's own notifications. The page holds one row more
    than ``query.limit`` when another page follows."""
    base = select(Notification).where(_mine(principal))
    if query.unread_only:
        base = base.where(Notification.read_at.is_(None))
    if query.kind:
        base = base.where(Notification.kind == query.kind)
    page = base.order_by(Notification.created_at.desc(), Notification.id.desc())
    if query.before is not None:
        columns = (Notification.created_at, Notification.id)
        key = tuple_(*(literal(v, type_=c.type) for v, c in zip(query.before, columns, strict=True)))
        page = page.where(tuple_(*columns) < key)
    rows = (await session.scalars(page.limit(query.limit + 1).offset(query.offset))).all()
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    return list(rows), total, await unread_count(session, principal)


async def unread_count(session: AsyncSession, principal: Principal) -> int:
    """How many of the caller's own notifications are unread: the list's counter and every page's badge."""
    unread = (
        select(func.count()).select_from(Notification).where(_mine(principal), Notification.read_at.is_(None))
    )
    return int(await session.scalar(unread) or 0)


async def get_mine(session: AsyncSession, principal: Principal, notification_id: UUID) -> Notification:
    note = await session.get(Notification, notification_id)
    if note is None or not (
        note.recipient_user_id == principal.user_id
        or (principal.person_id is not None and note.recipient_person_id == principal.person_id)
    ):
        raise NotFound("Notification introuvable.", code="notification-not-found")
    return note


async def mark(
    session: AsyncSession, principal: Principal, notification_id: UUID, *, read: bool
) -> Notification:
    note = await get_mine(session, principal, notification_id)
    note.read_at = (note.read_at or utcnow()) if read else None
    await session.flush()
    return note


async def mark_all_read(session: AsyncSession, principal: Principal, now: datetime | None = None) -> int:
    result = await session.execute(
        update(Notification)
        .where(_mine(principal), Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) or 0  # a CursorResult for an UPDATE


# --- showing ---------------------------------------------------------------------------------------

REDACTED_TITLE = "Notification sur un dossier que vous ne consultez plus"
REDACTED_BODY = (
    "Cette notification concerne une personne dont vous ne pouvez plus consulter le dossier : son contenu "
    "n'est plus affiché."
)
ABOUT_SECTION = "identity"
"""A notification about a person names them: showing it is a read of their identity."""


@dataclass(frozen=True)
class Shown:
    """A notification as the caller may see it now."""

    note: Notification
    title: str
    body: str
    link: str | None
    redacted: bool = False


async def present(
    session: AsyncSession, principal: Principal, notes: Iterable[Notification], request_id: str
) -> list[Shown]:
    """What the caller is shown of their notifications, in the caller's transaction.

    A notification about a person (``about_person_id``) is a read of that person's file: the gate decides,
    and journals one row per notification shown on the person's chain, with the reader's current basis
    (referent, mandate, consent …), or the item's own ``about_basis`` (a partner's referral item). When the
    gate refuses (a former referent who lost the file), only a redacted notice is shown. The person's own notifications and those about no one are shown as written."""
    out = []
    for note in notes:
        if note.about_person_id is None or note.recipient_user_id != principal.user_id:
            out.append(Shown(note, note.title_fr, note.body_fr, note.link))
            continue
        if note.about_basis is not None:
            entry = journal.Entry("read", "allow", section=ABOUT_SECTION, basis=note.about_basis)
            await journal.append_entries(
                session,
                person_id=note.about_person_id,
                principal=principal,
                request_id=request_id,
                entries=[entry],
            )
            out.append(Shown(note, note.title_fr, note.body_fr, note.link))
            continue
        try:
            decision = await check_access(
                session,
                principal,
                person_id=note.about_person_id,
                section=ABOUT_SECTION,
                action="read",
                request_id=request_id,
                raise_on_deny=False,
            )
            allowed = decision.allowed
        except ProblemError as exc:  # an erased file: nothing left to show
            if exc.status != 404:
                raise
            allowed = False
        if allowed:
            out.append(Shown(note, note.title_fr, note.body_fr, note.link))
        else:
            out.append(Shown(note, REDACTED_TITLE, REDACTED_BODY, None, redacted=True))
    return out


@dataclass(frozen=True)
class ShownPage:
    """One page of the caller's notifications as shown, with the counts the API and the page display."""

    items: list[Shown]
    total: int
    unread: int
    has_more: bool


async def shown_page(ctx: Context, query: Query) -> ShownPage:
    """One page of the caller's own notifications, shown through the gate (:func:`present`), for the API
    and the page alike. The one more row read to know whether another page follows is neither shown nor
    journaled."""
    rows, total, unread = await list_for(ctx.session, ctx.principal, query)
    shown = await present(ctx.session, ctx.principal, rows[: query.limit], ctx.request_id)
    return ShownPage(shown, total, unread, has_more=len(rows) > query.limit)


async def mark_shown(ctx: Context, notification_id: UUID, *, read: bool) -> Shown:
    """Mark one of the caller's notifications, and show it as the list does (through the gate): the API's
    answer to a mark, and where the page's « open » leads."""
    note = await mark(ctx.session, ctx.principal, notification_id, read=read)
    [shown] = await present(ctx.session, ctx.principal, [note], ctx.request_id)
    return shown
