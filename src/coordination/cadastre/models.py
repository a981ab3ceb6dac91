"""Registry tables: partner profiles, services, agreements.

Why a 1:1 ``cadastre_partners`` table rather than new columns on ``organisations``: the directory table
belongs to the foundation (it decides legal mandates for the access gate); the registry's own facts
(kind of operator, verification, description) change at another pace, are edited by other people
(partner managers) and carry their own version for ETag/If-Match. An organisation is *in the registry*
when it has a profile; the directory keeps name, BCE number and bassin.

Vocabularies are plain strings with CHECK constraints (the values live in :mod:`.rules`), like the dossier
tables: portable, readable in SQL, no PostgreSQL enum type to migrate. Money is stored in cents
(integer): exact, and SQLite has no decimal type.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from coordination.cadastre.rules import (
    AGREEMENT_KINDS,
    AGREEMENT_STATUSES,
    CLOSED_REASONS,
    PARTNER_KINDS,
    PARTNER_STATUSES,
    SERVICE_STATUSES,
)
from coordination.db.base import Base, VersionedEntity
from coordination.db.types import GUID, JSON, DateTimeUTC


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _known(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """The column holds a word of its vocabulary (constraint ``<column>_known``)."""
    return CheckConstraint(_in(column, values), name=f"{column}_known")


class VerifiedEntity(VersionedEntity):
    """A registry record Forem verifies: an entry, a service or an agreement carry the same three columns."""

    __abstract__ = True

    assured_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    """HSDS: when Forem last verified the entry (its Europe/Brussels day); kept apart from ``updated_at``."""
    assured_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    """The verification's instant (UTC): the entry is "modifié depuis la vérification" when
    ``updated_at > assured_at``. Verifying sets only the ``assured_*`` columns, never ``updated_at``."""
    # ``assured_by`` is the verifier's user id (token ``sub``); no foreign key, so that an account removed
    # from the directory later does not erase who verified what.
    assured_by: Mapped[UUID | None] = mapped_column(GUID, nullable=True)


class Described:
    """What HSDS calls the same on an organisation and a service: another name, a description, and a
    generic contact address (never a person's)."""

    alternate_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PartnerProfile(Described, VerifiedEntity):
    """The registry entry of an organisation (HSDS ``organization`` fields where one fits)."""

    __tablename__ = "cadastre_partners"
    __table_args__ = (
        _known("partner_kind", PARTNER_KINDS),
        _known("status", PARTNER_STATUSES),
    )

    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False, unique=True)
    partner_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    website: Mapped[str | None] = mapped_column(String(300), nullable=True)
    legal_status: Mapped[str | None] = mapped_column(String(80), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")


class Service(Described, VerifiedEntity):
    """A service an organisation offers (HSDS ``service``)."""

    __tablename__ = "cadastre_services"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        _known("status", SERVICE_STATUSES),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_positive"),
    )

    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    status: Mapped[str] = mapped_column(String(24), nullable=False, default="active")
    publics: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    """Target publics (e.g. ``NEET``, ``bénéficiaires RIS``)."""
    service_areas: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    """Bassins where the service is delivered (HSDS ``service_area``)."""
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capacity_unit: Mapped[str] = mapped_column(String(40), nullable=False, default="places")
    eligibility_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    application_process: Mapped[str | None] = mapped_column(Text, nullable=True)
    minimum_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    maximum_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    languages: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    """ISO 639-1 codes (``fr``, ``nl``, ``de``, ``en`` …)."""


class Agreement(VerifiedEntity):
    """A convention between a partner and its funder (Forem or a CPAS)."""

    __tablename__ = "cadastre_agreements"
    __table_args__ = (
        _known("kind", AGREEMENT_KINDS),
        _known("status", AGREEMENT_STATUSES),
        CheckConstraint(
            "closed_reason IS NULL OR " + _in("closed_reason", CLOSED_REASONS), name="reason_known"
        ),
        CheckConstraint("end_date >= start_date", name="dates_order"),
        CheckConstraint("funding_cents IS NULL OR funding_cents >= 0", name="funding_positive"),
    )

    reference: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    funder_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    funding_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    target_entrants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    target_positive_exits: Mapped[int | None] = mapped_column(Integer, nullable=True)
    territory: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    """Bassins covered."""
    publics: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)


class EvaluationReport(Base):
    """The evaluation PDF of a year, rendered once and served again while the figures stay the same.

    ``digest`` is the SHA-256 of the protected figures, the definition and the template version it was
    rendered from: a download recomputes the figures (cheap) and re-renders (slow, WeasyPrint) only when
    the digest differs. One row per year: a new rendering replaces the old one."""

    __tablename__ = "cadastre_evaluation_reports"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    rendered_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
