"""Organisations and user accounts."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import Entity
from coordination.db.types import GUID, DateTimeUTC


class OrganisationKind(enum.StrEnum):
    """What an organisation is to the access gate: it decides which legal mandate it can hold."""

    FOREM = "forem"
    CPAS = "cpas"
    PARTNER = "partner"
    REGULATOR = "regulator"


class Role(enum.StrEnum):
    FOREM_REFERENT = "forem_referent"
    FOREM_EADVISER = "forem_eadviser"
    CPAS_SOCIAL_WORKER = "cpas_social_worker"
    PARTNER_OPERATOR = "partner_operator"
    PARTNER_MANAGER = "partner_manager"
    REGULATOR = "regulator"
    BENEFICIARY = "beneficiary"
    DPO = "dpo"
    ADMIN = "admin"


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """Enums stored as their value in a plain string column (portable, readable, no PG enum type)."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Organisation(Entity):
    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind), nullable=False)
    bce_number: Mapped[str | None] = mapped_column(String(10), unique=True, nullable=True)
    """Belgian company number (10 digits, mod-97 checked by the cadastre)."""
    bassin: Mapped[str | None] = mapped_column(String(80), nullable=True)


class User(Entity):
    __tablename__ = "users"

    subject: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    """The identity provider's ``sub`` claim."""
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[Role] = mapped_column(enum_column(Role), nullable=False)
    organisation_id: Mapped[UUID | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    team: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """E-adviser teams share one portfolio; sector referents belong to a cluster (grappe)."""
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    person_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True, unique=True)
    """For a beneficiary: the person they are (the file is theirs)."""
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    """Set by an administrator (directory): the account is refused on its next request, whatever token it
    still holds; the row stays, because journals and referent links name it."""
