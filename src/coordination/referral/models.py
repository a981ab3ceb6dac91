"""Referrals of a person to a partner's service, and their history.

The referral *card* (service, reason category, the person's first name and bassin) is a snapshot taken
when the referral is sent, by a sender who passed the access gate on the file: the partner reads the
card from this table, never from the file. Everything else of the file stays behind the gate until the
person's consent (``consent_id``, an ``access`` consent to the partner's organisation) is given.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import Entity, VersionedEntity, utcnow
from coordination.db.types import GUID, JSON, DateTimeUTC
from coordination.referral.rules import CONSENT_STATES, STATUSES


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Referral(VersionedEntity):
    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("consent_state", CONSENT_STATES), name="consent_state_known"),
        CheckConstraint(
            "status != 'accepted' OR agreed_start_date IS NOT NULL", name="accepted_has_start_date"
        ),
        CheckConstraint("status != 'refused' OR refusal_reason IS NOT NULL", name="refused_has_reason"),
        Index("ix_referrals_to_org_status_person", "to_organisation_id", "status", "person_id"),
        Index("ix_referrals_service_sent", "service_id", "sent_at"),
        # the gate asks, for each consent in force, whether the referral it was given for has ended
        Index("ix_referrals_consent", "consent_id"),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    from_user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    from_organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    service_id: Mapped[UUID] = mapped_column(ForeignKey("cadastre_services.id"), nullable=False)
    to_organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    agreement_id: Mapped[UUID | None] = mapped_column(ForeignKey("cadastre_agreements.id"), nullable=True)
    """The partner's agreement in force when the referral was sent (the step is attached to it)."""
    reason_category: Mapped[str] = mapped_column(String(32), nullable=False)
    """Code of ``[reason_categories]`` in ``policies/referral_rules.toml``: all the partner sees of the
    reason before consent."""
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    """Free text for the partner, shown only once the person's consent is in force."""
    plan_objective_id: Mapped[UUID | None] = mapped_column(ForeignKey("plan_objectives.id"), nullable=True)
    requested_sections: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    """Sections of the file the consent covers (the referent's choice plus the trajectory)."""
    outside_bassin_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    person_first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    person_bassin: Mapped[str | None] = mapped_column(String(80), nullable=True)
    consent_state: Mapped[str] = mapped_column(String(16), nullable=False, default="requested")
    consent_id: Mapped[UUID | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    consent_expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
    """End date asked for the consent (the consent row carries the one actually given)."""
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="sent")
    sent_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False, default=utcnow)
    deadline: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    """Last day (Europe/Brussels) for the partner's answer: N working days after the sending day."""
    answered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    """The partner's first answer (accepted, refused or waiting list): the response time."""
    answered_by_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    refusal_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    refusal_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    agreed_start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    trajectory_step_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """The dossier's step created on acceptance (no foreign key: the dossier owns its table)."""
    reminders_sent: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    rules_version: Mapped[str] = mapped_column(String(80), nullable=False)


class ReferralHistory(Entity):
    """Append-only: every change of status or consent, every reminder. Never updated."""

    __tablename__ = "referral_history"
    __table_args__ = (Index("ix_referral_history_referral_at", "referral_id", "at"),)

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id"), nullable=False)
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    """Status of the referral after the event."""
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False, default=utcnow)
    by_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    by_organisation_id: Mapped[UUID | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    by_person: Mapped[bool] = mapped_column(default=False, nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
