"""API shapes of the inbox."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from coordination.pagination import Page


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


class InboxPage(Page, kw_only=True):
    items: list[NotificationOut]
    total: int
    unread: int


class MarkedAll(msgspec.Struct, kw_only=True):
    marked: int
