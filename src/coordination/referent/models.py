"""Referent links, advisers and orientation decisions.

``referent_links`` (created by the access package, extended here): who is a person's single referent, over
which period. A link names either one user (a Forem adviser, a CPAS social worker) or a team's shared
portfolio (Forem e-advisers), inside an organisation. The database itself guarantees at most ONE active
link per person (partial unique index on ``person_id`` where ``ended_at IS NULL``, on SQLite and
PostgreSQL alike): a second active referent is impossible even through an import. A handover ends the old
link (``ended_at``, ``end_reason``) and opens a new one with its reason and handover note, in one
transaction. The access gate reads the active link: a former referent loses the ``referent`` basis at the
handover.

The link also keeps the orientation it was opened with (computed and chosen track, the override reason,
which the database requires whenever the two differ), the first-contact deadline and the last contact.

``advisers``: who can be a referent, with a capacity, a sector cluster (grappe), the bassins covered and
the languages spoken (used by the worklists and the bulk assignment). ``orientations``: every orientation
decision of a person's file, latest first wins.

Enumerations are plain strings with CHECK constraints (portable, readable in SQL).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import Entity, while_open
from coordination.db.types import JSON, DateTimeUTC

REFERENT_KINDS = ("forem_adviser", "eadviser_team", "cpas_social_worker")
TRACKS = ("digital", "e_adviser", "sectoral", "socio_professional")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_OVERRIDE_HAS_REASON = (
    "chosen_track IS NULL OR computed_track IS NULL OR chosen_track = computed_track "
    "OR (override_reason IS NOT NULL AND length(override_reason) > 0)"
)


class Adviser(Entity):
    """A possible referent: one user, or one e-adviser team's shared portfolio."""

    __tablename__ = "advisers"
    __table_args__ = (
        CheckConstraint("(user_id IS NOT NULL) <> (team IS NOT NULL)", name="user_or_team"),
        CheckConstraint(_in("kind", REFERENT_KINDS), name="kind_known"),
        CheckConstraint("capacity >= 0", name="capacity_positive"),
        UniqueConstraint("organisation_id", "team", name="uq_advisers_organisation_team"),
    )

    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True, unique=True)
    team: Mapped[str | None] = mapped_column(String(80), nullable=True)
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    """Most people in the portfolio at once (a team: the whole shared portfolio)."""
    cluster: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """Sector cluster (grappe) of a sector referent."""
    bassins: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=lambda: ["fr"])
    tracks: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    """Tracks this referent takes people from (the bulk assignment never crosses them)."""
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """Professional phone the people followed call (a team line for e-advisers)."""
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Professional e-mail shown to the people followed (else the account's e-mail)."""


class ReferentLink(Entity):
    __tablename__ = "referent_links"
    __table_args__ = (
        CheckConstraint("(referent_user_id IS NOT NULL) <> (team IS NOT NULL)", name="user_or_team"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="period"),
        CheckConstraint(_in("kind", REFERENT_KINDS), name="kind_known"),
        CheckConstraint(_OVERRIDE_HAS_REASON, name="override_has_reason"),
        Index(
            "uq_referent_links_one_active",
            "person_id",
            unique=True,
            **while_open(),
        ),
        Index("ix_referent_links_user_active", "referent_user_id", "ended_at"),
        Index("ix_referent_links_person_ended", "person_id", "ended_at"),  # a person's previous referent
        Index("ix_referent_links_adviser_active", "adviser_id", "ended_at"),
        Index(  # a team's shared portfolio, for the gate's query filter
            "ix_referent_links_team_active",
            "organisation_id",
            "team",
            **while_open(),
        ),
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
    # --- referent package extension
    kind: Mapped[str] = mapped_column(String(24), nullable=False, default="forem_adviser")
    adviser_id: Mapped[UUID | None] = mapped_column(ForeignKey("advisers.id"), nullable=True)
    started_by_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    ended_by_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    """Why the period ended (the handover reason), kept on the closed link for the history."""
    computed_track: Mapped[str | None] = mapped_column(String(24), nullable=True)
    chosen_track: Mapped[str | None] = mapped_column(String(24), nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_contact_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    """Last day (Europe/Brussels) for this referent's first contact; NULL for the digital track."""
    last_contact_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class Orientation(Entity):
    """One orientation decision (append-only): the latest one is the person's current track."""

    __tablename__ = "orientations"
    __table_args__ = (
        CheckConstraint("proximity_score BETWEEN 0 AND 9", name="score_range"),
        CheckConstraint(_in("computed_track", TRACKS), name="computed_known"),
        CheckConstraint(_in("chosen_track", TRACKS), name="chosen_known"),
        CheckConstraint(_OVERRIDE_HAS_REASON, name="override_has_reason"),
        Index("ix_orientations_person_created", "person_id", "created_at"),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    proximity_score: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    digital_autonomy: Mapped[bool] = mapped_column(Boolean, nullable=False)
    computed_track: Mapped[str] = mapped_column(String(24), nullable=False)
    chosen_track: Mapped[str] = mapped_column(String(24), nullable=False)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    cluster: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """Sector cluster (grappe) the person's project belongs to, for the sectoral track."""
    young: Mapped[bool] = mapped_column(Boolean, nullable=False)
    start_on: Mapped[date] = mapped_column(Date, nullable=False)
    first_contact_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    digital_move_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    matrix_version: Mapped[str] = mapped_column(String(80), nullable=False)
    rules_version: Mapped[str] = mapped_column(String(80), nullable=False)
    decided_by_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
