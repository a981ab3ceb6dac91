"""Keyset pagination, the one style of every paginated API list: ``cursor`` + ``page_size`` in,
``items`` + ``has_more`` + ``next_cursor`` out.

A cursor is the sort key of the last row shown, opaque to clients (base64url of a JSON list): the next page
starts strictly after it, so rows added meanwhile never shift a page (an offset would repeat or skip rows).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from coordination.errors import BadRequest

CURSOR_MAX_LENGTH = 1000


class Page(msgspec.Struct, kw_only=True):
    """What every page of a paginated API list says besides its ``items`` (each list's own struct adds
    them, and its counts where it has them): one shape, so a client pages every list alike."""

    page_size: int
    has_more: bool
    next_cursor: str | None = None


def encode(*key: Any) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, UUID) else v for v in key]
    raw = json.dumps(values, ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str | None, *kinds: type) -> tuple | None:
    """The key a cursor carries, each part converted to ``kinds`` (datetime, UUID, int), or a French 400."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("shape")
        return tuple(_convert(value, kind) for value, kind in zip(values, kinds, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequest(
            "Curseur de pagination invalide : reprenez la liste depuis le début.", "bad-cursor"
        ) from exc


def _convert(value: Any, kind: type) -> Any:
    if kind is datetime:
        parsed = datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed
    if kind is UUID:
        return UUID(str(value))
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("int")
        return value
    return kind(value)
