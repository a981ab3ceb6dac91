"""Tables of the shared file. ``Person`` is the file itself; the sections hang off it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import VersionedEntity


class Person(VersionedEntity):
    """One person, one file: the keyed NISS hash is unique, so a duplicate cannot be created."""

    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint(
            "proximity_score IS NULL OR (proximity_score BETWEEN 0 AND 9)", name="proximity_score_range"
        ),
    )

    niss_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    niss: Mapped[str] = mapped_column(String(11), nullable=False)
    """Kept for the person's own export and official exchanges; never indexed, never logged."""
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="fr")
    bassin: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    """Bassin de vie (employment area)."""
    forem_registered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    """Registered job seeker: gives Forem its legal mandate on the file."""
    forem_registered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ris_cpas_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True, index=True
    )
    """The CPAS paying the revenu d'intégration: gives that CPAS its legal mandate."""
    inami_return_to_work: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    proximity_score: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    """Employment-proximity score 0–9 (0 = closest to a job, as Forem's matrix reads it)."""
    digital_autonomy: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
