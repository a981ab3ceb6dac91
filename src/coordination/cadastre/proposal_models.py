"""A partner manager's proposed change to the facts the registry administrator asserts.

An organisation's name, kind and BCE number name it in every person's journal and consent list: whoever
they empower must not assert them alone (``shared/DOMAIN.md``, "Who may assert which fact"). A partner
manager therefore only *proposes* a change; the row keeps who proposed what, when, the values it would
replace, and the administrator's decision (who, when, why). Nothing here changes ``organisations`` until an
administrator approves.

Names are kept as they were (``proposed_by_name``, ``decided_by_name``), and user ids carry no foreign key,
so that a renamed or removed account does not rewrite who asked and who decided.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import VersionedEntity
from coordination.db.types import GUID, JSON, DateTimeUTC

PROPOSAL_STATUSES = ("pending", "approved", "rejected")
PROPOSABLE_FIELDS = ("name", "partner_kind", "tax_id")
"""The facts a partner manager may only propose: name, kind and BCE number (HSDS ``tax_id``)."""


class OrganisationProposal(VersionedEntity):
    __tablename__ = "cadastre_org_proposals"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(repr(s) for s in PROPOSAL_STATUSES) + ")", name="status_known"
        ),
    )

    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending", index=True)
    old_values: Mapped[dict] = mapped_column(JSON, nullable=False)
    """The asserted values the proposal would replace, as they were when it was made."""
    new_values: Mapped[dict] = mapped_column(JSON, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why the manager asks (free text, optional)."""
    proposed_by: Mapped[UUID] = mapped_column(GUID, nullable=False)
    proposed_by_name: Mapped[str] = mapped_column(String(200), nullable=False)
    decided_by: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    decided_by_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
