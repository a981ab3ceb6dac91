"""Stored visa requests: the contract as submitted, its checklist, and the signed decision.

Why store the checklist and the rule-set version beside the contract: a visa is evidence. A decided visa
must show what was checked, under which law, and must not change afterwards (the service refuses any
write once decided, and the signature over the canonical JSON makes a silent edit detectable).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import Entity, VersionedEntity
from coordination.db.types import GUID, JSON, DateTimeUTC
from coordination.directory.models import enum_column


class VisaStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # waiting for a decision
    RETURNED = "returned"  # sent back for correction; the submitter may resubmit
    DECIDED = "decided"  # final and immutable


class Decision(enum.StrEnum):
    APPROVED = "approved"
    APPROVED_WITH_RESERVATIONS = "approved_with_reservations"
    REFUSED = "refused"
    RETURNED = "returned"


class VisaRequest(VersionedEntity):
    __tablename__ = "visa_requests"
    __table_args__ = (
        Index("ix_visa_requests_person_id_created_at", "person_id", "created_at"),
        Index(
            "ix_visa_requests_organisation_id_status_created_at", "organisation_id", "status", "created_at"
        ),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    """The file the contract belongs to (foreign key since migration ``0009_visa_person``)."""
    submitted_by: Mapped[UUID] = mapped_column(GUID, nullable=False)
    submitted_by_name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    contract: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    rule_set_version: Mapped[str] = mapped_column(String(40), nullable=False)
    verdict: Mapped[str] = mapped_column(String(20), nullable=False)
    verdict_changed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    """Set when a new rule set changed the verdict of a pending request (to be looked at again)."""
    status: Mapped[VisaStatus] = mapped_column(
        enum_column(VisaStatus), nullable=False, default=VisaStatus.SUBMITTED
    )
    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision), nullable=True)
    decided_by: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    decided_by_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    open_item_answers: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    """The decider's answer to each open item (checked by hand, note), signed with the decision and printed
    on the certificate (migration ``0011_visa_rules``)."""
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signature: Mapped[str | None] = mapped_column(Text, nullable=True)
    signing_key_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    certificate_document_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """The signed certificate as filed in the person's documents when the visa was decided: every download
    serves these stored bytes, never a new rendering (migration ``0020_visa_pages``)."""


class AttendancePeriod(Entity):
    """Hours a partner recorded as worked over one period (a day or a week) under an approved contract.

    Why per period and tied to the visa: the working group's case is a person paid for fewer hours than she
    works; only hours over a stated period, set against the hours the approved contract pays for that same
    period, show it. ``alerted_at`` records that the gap was reported, so a daily run tells people once."""

    __tablename__ = "visa_attendance"
    __table_args__ = (UniqueConstraint("visa_id", "period_start"),)

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    visa_id: Mapped[UUID] = mapped_column(ForeignKey("visa_requests.id"), nullable=False)
    step_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """The trajectory step (job, article 60, …) the contract carries out, when the partner names it."""
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    hours_worked: Mapped[float] = mapped_column(Float, nullable=False)
    recorded_by: Mapped[UUID] = mapped_column(GUID, nullable=False)
    recorded_by_name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    alerted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
