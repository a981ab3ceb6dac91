"""The inbox page of every user (the person's first): their notifications, the unread count shown in the
header, mark one or all read, open what a notification is about in one click.

Only the caller's own notifications are read (``coordination.inbox.services``). A worker's notification that
names a person is shown through the gate and journaled on that person's chain (``inbox.present``); once the
gate refuses, a redacted notice replaces it.

A notice telling the person that someone recorded (or renewed) a consent on her behalf carries a button
that withdraws that consent in one click (CSRF-protected; through the gate and the same service as her
space, :func:`coordination.access.services.withdraw_consent`).
"""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from coordination.access import notices as consent_notices
from coordination.access import services as consents
from coordination.access.context import CONTEXT_DEPENDENCIES, Context
from coordination.access.principal import Principal
from coordination.errors import Conflict
from coordination.inbox import services as inbox
from coordination.web.csrf import checked_form
from coordination.web.render import page as render_page

OWN_INBOX = {"public": "boîte de réception de l'utilisateur connecté : uniquement ses propres notifications"}
PAGE_SIZE = 30
_UNREAD_KEY = "web_unread"

MESSAGES = {
    "tout-lu": "Tout est marqué comme lu.",
    "accord-retire": "Accord retiré : l'organisme n'a plus accès à votre dossier, dès maintenant.",
    "accord-deja-termine": "Cet accord n'était déjà plus en vigueur : rien n'a changé.",
}

_UUID = r"[0-9a-fA-F-]{36}"
_LINKS = (
    (re.compile(rf"^/api/v1/me/referrals/({_UUID})$"), "/mon-espace/orientations#orientation-{0}"),
    (re.compile(rf"^/api/v1/referrals/received/({_UUID})$"), "/orientations/recues/{0}"),
    (re.compile(rf"^/api/v1/referrals/({_UUID})$"), "/orientations/{0}"),
    (re.compile(rf"^/api/v1/visas/({_UUID})/?$"), "/visa/{0}"),
    (re.compile(rf"^/api/v1/persons/({_UUID})(/.*)?$"), "/dossiers/{0}"),
)


def web_link(link: str | None) -> str | None:
    """The page a notification leads to. Other packages store API links; the pages have their own."""
    if not link:
        return None
    for pattern, target in _LINKS:
        match = pattern.match(link)
        if match:
            return target.format(match.group(1))
    if link.startswith("/") and not link.startswith(("//", "/api/")):
        return link
    return None


async def load_unread(request: Request, principal: Principal) -> int:
    """Unread notifications of the signed-in user, once per request, for the header badge. Read in its own
    short session: the page's own session and transaction stay untouched."""
    state = request.scope.setdefault("state", {})
    if _UNREAD_KEY not in state:
        db = request.app.state.db
        async with db.sessionmaker() as session:
            state[_UNREAD_KEY] = await inbox.unread_count(session, principal)
    return state[_UNREAD_KEY]


def unread_of(request: Request) -> int | None:
    return request.scope.get("state", {}).get(_UNREAD_KEY)


def _set_unread(request: Request, unread: int) -> None:
    request.scope.setdefault("state", {})[_UNREAD_KEY] = unread


def withdrawable(principal: Principal, note) -> bool:
    """A notice to the person herself about a consent recorded or renewed on her behalf."""
    return (
        note.kind in consent_notices.WITHDRAWABLE_NOTICES
        and note.subject_id is not None
        and principal.person_id is not None
        and note.recipient_person_id == principal.person_id
    )


class InboxPages(Controller):
    path = "/notifications"
    dependencies = CONTEXT_DEPENDENCIES

    @get("/", opt=OWN_INBOX)
    async def inbox_page(
        self,
        request: Request,
        ctx: Context,
        filtre: str | None = Parameter(default=None, max_length=16),
        page: Annotated[int, Parameter(ge=1, le=10_000)] = 1,
        ok: str | None = None,
    ) -> Response:
        unread_only = filtre == "non-lues"
        found = await inbox.shown_page(
            ctx, inbox.Query(PAGE_SIZE, unread_only, offset=(page - 1) * PAGE_SIZE)
        )
        _set_unread(request, found.unread)
        items = [
            {
                "id": s.note.id,
                "kind_label": inbox.KINDS.get(s.note.kind, "Notification"),
                "title": s.title,
                "body": s.body,
                "created_at": s.note.created_at,
                "read": s.note.read_at is not None,
                "link": web_link(s.link),
                "withdraw": withdrawable(ctx.principal, s.note),
            }
            for s in found.items
        ]
        return render_page(
            request,
            "inbox.html",
            items=items,
            total=found.total,
            unread_count=found.unread,
            unread_only=unread_only,
            page_number=page,
            has_more=found.has_more,
            message=MESSAGES.get(ok or ""),
        )

    @post("/{notification_id:uuid}/lue", opt=OWN_INBOX)
    async def mark_read(self, request: Request, ctx: Context, notification_id: UUID) -> Response:
        form = await checked_form(request)
        read = str(form.get("lue", "1")) != "0"
        await inbox.mark(ctx.session, ctx.principal, notification_id, read=read)
        back = "/notifications" + ("?filtre=non-lues" if form.get("filtre") == "non-lues" else "")
        return Redirect(f"{back}#notification-{notification_id}", status_code=303)

    @post("/{notification_id:uuid}/ouvrir", opt=OWN_INBOX)
    async def open_one(self, request: Request, ctx: Context, notification_id: UUID) -> Response:
        """Mark read and go to what the notification is about, in one click."""
        await checked_form(request)
        shown = await inbox.mark_shown(ctx, notification_id, read=True)
        return Redirect(web_link(shown.link) or "/notifications", status_code=303)

    @post("/{notification_id:uuid}/retirer-accord", opt={"section": "consents", "action": "write"})
    async def withdraw_consent(self, request: Request, ctx: Context, notification_id: UUID) -> Response:
        """One click from the notice: withdraw the consent it is about (hers, named by the notice the
        server wrote, never by the form), and mark the notice read."""
        await checked_form(request)
        session, principal = ctx.session, ctx.principal
        note = await inbox.get_mine(session, principal, notification_id)
        if not withdrawable(principal, note):
            raise Conflict("Cette notification ne porte pas sur un accord à retirer.", code="not-a-consent")
        person_id = note.recipient_person_id
        await ctx.require(person_id, "consents", "write")
        try:
            await consents.withdraw_consent(session, principal, person_id, note.subject_id)
        except Conflict:  # raised before anything is written: the gate's journal row stays
            ok = "accord-deja-termine"
        else:
            ok = "accord-retire"
        await inbox.mark(session, principal, notification_id, read=True)
        return Redirect(f"/notifications?ok={ok}#notification-{notification_id}", status_code=303)

    @post("/tout-lu", opt=OWN_INBOX)
    async def mark_all(self, request: Request, ctx: Context) -> Response:
        await checked_form(request)
        await inbox.mark_all_read(ctx.session, ctx.principal)
        return Redirect("/notifications?ok=tout-lu", status_code=303)
