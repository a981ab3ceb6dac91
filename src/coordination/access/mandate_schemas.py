"""API shapes of mandate assertions (msgspec), apart so the dossier's schemas can use them without
importing the mandate service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

Ground = Annotated[str, Meta(min_length=1, max_length=300)]


class AssertMandate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The caller's organisation asserts ``kind`` on the person, from ``started_on``, on ``ground``."""

    kind: Literal["forem_registration", "ris"]
    started_on: date
    ground: Ground


class EndMandate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    ended_on: date
    ground: Ground


class MandateOut(msgspec.Struct, kw_only=True):
    id: UUID
    person_id: UUID
    kind: str
    label: str
    organisation_id: UUID
    organisation_name: str | None
    started_on: date
    ground: str
    source: str
    asserted_by_user_id: UUID | None
    asserted_by_name: str
    asserted_at: datetime
    current: bool
    ended_on: date | None = None
    ended_at: datetime | None = None
    ended_by_name: str | None = None
    end_ground: str | None = None
    sentence: str = ""
    """In French, for the person: who said what, when, on which ground."""


__all__ = ["AssertMandate", "EndMandate", "MandateOut"]
