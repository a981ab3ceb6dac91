"""API shapes of the access package (msgspec). Field names English, texts for people French."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from coordination.pagination import Page


class ConsentAct(msgspec.Struct, kw_only=True):
    """What every act on a consent (give, withdraw, renew) may say of how it came in: the channel and,
    for a worker recording it from paper, the signed form on the file. One base, so the three bodies and
    the history's events cannot drift apart; each subclass keeps its own name (and OpenAPI component)."""

    channel: str | None = None
    evidence_document_id: UUID | None = None


class ConsentActIn(ConsentAct, kw_only=True, forbid_unknown_fields=True):
    """A request body acting on a consent: an unknown field is refused."""


class GiveConsent(ConsentActIn, kw_only=True, forbid_unknown_fields=True):
    """A consent given by the person themself (channel ``self``) or recorded by a worker from a signed
    form (channel ``paper``/``interview``, ``evidence_document_id`` required)."""

    recipient_organisation_id: UUID
    sections: list[str]
    purpose: str
    expires_at: datetime
    legal_basis: str = "consent"


class WithdrawConsent(ConsentActIn, kw_only=True, forbid_unknown_fields=True):
    """Optional: a worker recording a withdrawal received on paper says how (the person needs nothing)."""

    note: str | None = None


class RenewConsent(ConsentActIn, kw_only=True, forbid_unknown_fields=True):
    expires_at: datetime


class ConsentEventOut(ConsentAct, kw_only=True):
    """One act in a consent's history, with how it came in (the base's channel and signed form)."""

    kind: str
    label: str
    at: datetime
    by_user_id: UUID | None = None
    successor_id: UUID | None = None
    note: str | None = None


class ConsentOut(msgspec.Struct, kw_only=True):
    id: UUID
    person_id: UUID
    recipient_organisation_id: UUID
    recipient_organisation_name: str | None
    sections: list[str]
    section_labels: list[str]
    purpose: str
    legal_basis: str
    given_at: datetime
    expires_at: datetime
    recorded_by_user_id: UUID
    channel: str
    evidence_document_id: UUID | None
    evidence: str
    """In words: « votre propre action » or « formulaire signé (document …) »."""
    status: str
    """``active`` | ``withdrawn`` | ``expired`` | ``renewed``."""
    status_label: str
    renews_id: UUID | None
    history: list[ConsentEventOut]


class JournalEntryOut(msgspec.Struct, kw_only=True):
    id: UUID
    person_id: UUID
    seq: int
    at: datetime
    user_id: UUID
    user_name: str
    organisation_id: UUID | None
    organisation_name: str | None
    role: str
    role_label: str
    section: str | None
    section_label: str | None
    document_id: UUID | None
    action: str
    action_label: str
    decision: str
    basis: str | None
    basis_label: str | None
    consent_id: UUID | None
    request_id: str
    reason: str | None
    sentence: str
    """One readable French sentence: who did what, when, on which basis."""


class JournalPage(Page, kw_only=True):
    items: list[JournalEntryOut]
    total: int


class DevUserOut(msgspec.Struct, kw_only=True):
    subject: str
    display_name: str
    role: str
    organisation_id: UUID | None
    person_id: UUID | None


class DevTokenRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    subject: str
    ttl_minutes: int = 480


class DevTokenOut(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    subject: str
