"""``/api/v1/inbox``: the caller's own notifications (a person's, a worker's), each written in plain French
by the service that made the change. A worker's notification that names a person is a read of that person's
file: :func:`coordination.inbox.services.present` asks the gate and journals it on the person's chain, and
shows a redacted notice once the gate refuses (a former referent)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK

from coordination import pagination
from coordination.access.context import CONTEXT_DEPENDENCIES, Context
from coordination.inbox import services
from coordination.inbox.schemas import InboxPage, MarkedAll, NotificationOut
from coordination.shapes import from_row

OWN_INBOX = {"public": "boîte de réception de l'utilisateur connecté : uniquement ses propres notifications"}


def notification_out(shown: services.Shown) -> NotificationOut:
    note = shown.note
    return from_row(
        note,
        NotificationOut,
        kind_label=services.KINDS.get(note.kind, "Notification"),
        title=shown.title,
        body=shown.body,
        link=shown.link,
        read=note.read_at is not None,
    )


class InboxController(Controller):
    path = "/api/v1/inbox"
    tags = ["notifications"]
    dependencies = CONTEXT_DEPENDENCIES

    @get("/", opt=OWN_INBOX, summary="Mes notifications, les plus récentes d'abord")
    async def list_inbox(
        self,
        ctx: Context,
        unread: bool = Parameter(default=False, description="Seulement les non lues"),
        kind: str | None = Parameter(default=None, max_length=40),
        cursor: str | None = Parameter(default=None, max_length=pagination.CURSOR_MAX_LENGTH),
        page_size: int = Parameter(default=50, ge=1, le=200),
    ) -> InboxPage:
        """Keyset pagination: pass the answer's ``next_cursor`` as ``cursor`` for the next page."""
        before = pagination.decode(cursor, datetime, UUID)
        found = await services.shown_page(ctx, services.Query(page_size, unread, kind, before=before))
        last = found.items[-1].note if found.items else None
        return InboxPage(
            items=[notification_out(s) for s in found.items],
            total=found.total,
            unread=found.unread,
            page_size=page_size,
            has_more=found.has_more,
            next_cursor=pagination.encode(last.created_at, last.id) if found.has_more and last else None,
        )

    @post("/{notification_id:uuid}/read", opt=OWN_INBOX, status_code=HTTP_200_OK, summary="Marquer comme lue")
    async def mark_read(self, ctx: Context, notification_id: UUID) -> NotificationOut:
        return await _marked(ctx, notification_id, read=True)

    @post(
        "/{notification_id:uuid}/unread",
        opt=OWN_INBOX,
        status_code=HTTP_200_OK,
        summary="Marquer comme non lue",
    )
    async def mark_unread(self, ctx: Context, notification_id: UUID) -> NotificationOut:
        return await _marked(ctx, notification_id, read=False)

    @post("/read-all", opt=OWN_INBOX, status_code=HTTP_200_OK, summary="Tout marquer comme lu")
    async def mark_all(self, ctx: Context) -> MarkedAll:
        return MarkedAll(marked=await services.mark_all_read(ctx.session, ctx.principal))


async def _marked(ctx: Context, notification_id: UUID, *, read: bool) -> NotificationOut:
    """Mark one of the caller's notifications read or unread; the answer shows it as the list does."""
    return notification_out(await services.mark_shown(ctx, notification_id, read=read))


ROUTES = [InboxController]
