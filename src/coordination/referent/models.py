"""Referent links: who is a person's single referent, over which period.

Minimal on purpose (created by the access package, extended by the referent package): a link names either
one user (a Forem adviser, a CPAS social worker) or a team's shared portfolio (Forem e-advisers), inside
an organisation. The database itself guarantees at most ONE active link per person (partial unique index
on ``person_id`` where ``ended_at IS NULL``, on SQLite and PostgreSQL alike): a second active referent is
impossible even through an import. A handover ends the old link (``ended_at``) and opens a new one with
its reason and handover note, in one transaction. The access gate reads the active link: a former
referent loses the ``referent`` basis at the handover.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import Entity
from coordination.db.types import DateTimeUTC


class ReferentLink(Entity):
    __tablename__ = "referent_links"
    __table_args__ = (
        CheckConstraint("(referent_user_id IS NOT NULL) <> (team IS NOT NULL)", name="user_or_team"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="period"),
        Index(
            "uq_referent_links_one_active",
            "person_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_referent_links_user_active", "referent_user_id", "ended_at"),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    referent_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    team: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """A team's shared portfolio (e-advisers): every member of the team in that organisation is referent."""
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    reason: Mapped[str] = mapped_column(String(300), nullable=False)
    """Why this link started (orientation, handover reason, import)."""
    handover_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Written by the former referent for the new one at a handover."""
