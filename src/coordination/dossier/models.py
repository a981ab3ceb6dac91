"""Tables of the shared file. ``Person`` is the file itself; the sections hang off it.

Why one row per gated part: the access gate decides per section (identity, project, social, health, plan,
trajectory, progress, documents, …), so each section lives in rows that can be read, written and journaled
on their own: a CPAS-only social row is never fetched for a reader who may not see it.

Enumerations are stored as plain strings with a CHECK constraint (portable between SQLite and PostgreSQL,
readable in SQL, no PostgreSQL enum type to migrate). The value lists below are the single source.
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
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import Entity, VersionedEntity, utcnow
from coordination.db.types import GUID, JSON, DateTimeUTC

STEP_KINDS = ("orientation", "training", "immersion", "mentoring", "pfi", "art60", "art61", "job", "other")
STEP_STATUSES = ("planned", "ongoing", "completed", "dropped_out", "cancelled")
JOB_CONTRACT_KINDS = ("cdi", "cdd", "interim", "art60", "art61", "independent", "other")
PROFILE_SECTIONS = ("project", "social", "health")
OBJECTIVE_STATUSES = ("proposed", "agreed", "in_progress", "achieved", "abandoned")
COMMITMENT_PARTIES = ("person", "forem", "cpas", "partner")
COMMITMENT_STATUSES = ("pending", "done", "not_done", "cancelled")
SCAN_STATUSES = ("pending", "clean", "infected", "not_scanned")
DOCUMENT_CATEGORIES = ("cv", "certificate", "contract", "consent_form", "identity", "payslip", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Person(VersionedEntity):
    """One person, one file: the keyed NISS hash is unique, so a duplicate cannot be created."""

    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint(
            "proximity_score IS NULL OR (proximity_score BETWEEN 0 AND 9)", name="proximity_score_range"
        ),
        Index("ix_persons_name_order", "last_name", "first_name", "id"),  # keyset order of every list
        # the name search (``name ILIKE '%word%'``): trigram GIN indexes on PostgreSQL (migration 0016);
        # SQLite has plain indexes of the same names (it ignores the ``postgresql_*`` options)
        *(
            Index(
                f"ix_persons_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
            for column in ("last_name", "first_name")
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
    # Forem registration and the CPAS paying the RIS are NOT columns of the person: they are mandate
    # assertions (``access.models.Mandate``), written only by the mandated organisation.
    inami_return_to_work: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    proximity_score: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    """Employment-proximity score 0–9 (0 = closest to a job, as Forem's matrix reads it)."""
    digital_autonomy: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class ProfileSection(VersionedEntity):
    """Project, social and health parts of the file: one row each, so each is gated and versioned alone.

    ``content`` is a small JSON document (free text fields the workers fill in); its shape is checked by the
    API schemas, not the database, because the social and health parts evolve with practice.
    """

    __tablename__ = "profile_sections"
    __table_args__ = (
        UniqueConstraint("person_id", "section"),
        CheckConstraint(_in("section", PROFILE_SECTIONS), name="section_known"),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    section: Mapped[str] = mapped_column(String(16), nullable=False)
    content: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    updated_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    organisation_id: Mapped[UUID | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    """The organisation that last wrote it (the CPAS for the social part)."""


class PlanObjective(VersionedEntity):
    """An objective of the action plan, negotiated with the person."""

    __tablename__ = "plan_objectives"
    __table_args__ = (CheckConstraint(_in("status", OBJECTIVE_STATUSES), name="status_known"),)

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="proposed")
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PlanCommitment(VersionedEntity):
    """A reciprocal commitment: what one party (not only the person) will do for an objective."""

    __tablename__ = "plan_commitments"
    __table_args__ = (
        CheckConstraint(_in("party", COMMITMENT_PARTIES), name="party_known"),
        CheckConstraint(_in("status", COMMITMENT_STATUSES), name="status_known"),
    )

    objective_id: Mapped[UUID] = mapped_column(ForeignKey("plan_objectives.id"), nullable=False, index=True)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    party: Mapped[str] = mapped_column(String(16), nullable=False)
    organisation_id: Mapped[UUID | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    """The committed organisation (Forem, the CPAS, a partner); empty when the party is the person."""
    description: Mapped[str] = mapped_column(Text, nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")


class PlanHistory(Entity):
    """Append-only history of the plan: who changed what, with the values before and after."""

    __tablename__ = "plan_history"

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    objective_id: Mapped[UUID] = mapped_column(ForeignKey("plan_objectives.id"), nullable=False, index=True)
    commitment_id: Mapped[UUID | None] = mapped_column(ForeignKey("plan_commitments.id"), nullable=True)
    author_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    change: Mapped[str] = mapped_column(String(32), nullable=False)
    """``objective_created``, ``objective_updated``, ``commitment_added``, ``commitment_updated``."""
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class TrajectoryStep(VersionedEntity):
    """A step of the pathway at a partner; the cadastre reads these for its effectiveness figures."""

    __tablename__ = "trajectory_steps"
    __table_args__ = (
        CheckConstraint(_in("kind", STEP_KINDS), name="kind_known"),
        CheckConstraint(_in("status", STEP_STATUSES), name="status_known"),
        CheckConstraint(
            "job_contract_kind IS NULL OR " + _in("job_contract_kind", JOB_CONTRACT_KINDS),
            name="job_contract_kind_known",
        ),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_order"
        ),
        CheckConstraint(
            "job_duration_months IS NULL OR job_duration_months >= 0", name="job_duration_positive"
        ),
        Index("ix_trajectory_steps_org_status_person", "organisation_id", "status", "person_id"),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    """The partner running the step; only its operators write progress on it."""
    service_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True, index=True)
    """The cadastre service (no foreign key: the cadastre is a separate package with its own migration)."""
    agreement_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True, index=True)
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="planned")
    job_contract_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    job_duration_months: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    training_qualifying: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    exit_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class ProgressEntry(Entity):
    """A partner's note on its own step: immutable once written (a correction is a new entry)."""

    __tablename__ = "progress_entries"
    __table_args__ = (
        CheckConstraint("attendance_hours IS NULL OR attendance_hours >= 0", name="hours_positive"),
    )

    step_id: Mapped[UUID] = mapped_column(ForeignKey("trajectory_steps.id"), nullable=False, index=True)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    author_user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    attendance_hours: Mapped[float | None] = mapped_column(Numeric(6, 2, asdecimal=False), nullable=True)
    milestone: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Assessment(Entity):
    """One ICF-based item scored 0 (no problem) … 4 (complete problem) on a step, on a date."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("qualifier BETWEEN 0 AND 4", name="qualifier_range"),
        Index("ix_assessments_person_item", "person_id", "item_code"),
    )

    step_id: Mapped[UUID] = mapped_column(ForeignKey("trajectory_steps.id"), nullable=False, index=True)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    author_user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    item_code: Mapped[str] = mapped_column(String(32), nullable=False)
    qualifier: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    assessed_on: Mapped[date] = mapped_column(Date, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class Document(VersionedEntity):
    """A document of the file; its bytes are in versions. Deletion is an event kept on the row."""

    __tablename__ = "documents"
    __table_args__ = (CheckConstraint(_in("category", DOCUMENT_CATEGORIES), name="category_known"),)

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False, default="other")
    section: Mapped[str] = mapped_column(String(16), nullable=False, default="documents")
    """``documents`` or ``contracts``: the gate section guarding it."""
    retention_rule: Mapped[str] = mapped_column(String(32), nullable=False)
    """Code of the rule in ``policies/retention.toml`` that applies to this document."""
    retain_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    organisation_id: Mapped[UUID | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    deleted_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    deletion_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    deletion_rule: Mapped[str | None] = mapped_column(String(32), nullable=True)


class DocumentVersion(Entity):
    """One immutable upload. ``purged_at`` is set when the object is removed (deletion, retention)."""

    __tablename__ = "document_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint(_in("scan_status", SCAN_STATUSES), name="scan_status_known"),
    )

    document_id: Mapped[UUID] = mapped_column(ForeignKey("documents.id"), nullable=False, index=True)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    object_key: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    media_type: Mapped[str] = mapped_column(String(120), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    scan_status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    scan_signature: Mapped[str | None] = mapped_column(String(200), nullable=True)
    scanned_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    uploaded_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class FileEvent(Entity):
    """The file's timeline, appended by the services in the same transaction as the change.

    Why a table rather than a UNION over every table at read time: one indexed, paginated query; the gate
    section of each event is stored with it, so filtering to what the reader may see is a ``WHERE section IN``;
    deletions and other events without a row of their own (a document removed) still appear.
    """

    __tablename__ = "file_events"
    __table_args__ = (Index("ix_file_events_person_at", "person_id", "occurred_at"),)

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    section: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    summary: Mapped[str] = mapped_column(String(300), nullable=False)
    """French, shown as is on the timeline."""
    subject_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    actor_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_organisation_id: Mapped[UUID | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False, default=utcnow)
