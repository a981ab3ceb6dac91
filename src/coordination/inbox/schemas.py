"""API shapes of the inbox."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class NotificationOut(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    kind_label: str
    title: str
    body: str
    link: str | None
    subject_id: UUID | None
    created_at: datetime
    read: bool
    read_at: datetime | None


class InboxPage(msgspec.Struct, kw_only=True):
    items: list[NotificationOut]
    total: int
    unread: int
    page_size: int
    has_more: bool
    next_cursor: str | None = None


class MarkedAll(msgspec.Struct, kw_only=True):
    marked: int
