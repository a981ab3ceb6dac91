"""Consent records, their events, and the access journal with its per-person hash chain.

Consents follow ISO/IEC TS 27560 (as in OpenSPP's ``spp_consent``): who consents, to which recipient
organisation, for which sections (data categories), for which purpose, on which legal basis, until when
(mandatory), recorded by whom, through which channel, with which evidence. A consent row never changes
after it is given: withdrawal, renewal and expiry are rows of ``consent_events`` so the history stays
complete. A consent is *active* when ``expires_at`` is in the future and no ``withdrawn``/``renewed``
event exists for it (a renewal is a new consent that supersedes the old one).

The journal is append-only. Each row carries ``seq`` (1, 2, … per person), ``prev_hash`` and
``row_hash = sha256(canonical fields | prev_hash)``; ``access_journal_heads`` keeps each person's last
``seq``/hash so that removing the LAST row is detected too. The chain is per person so that accesses to
different files never wait for each other.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.db.base import Base, Entity, new_id, utcnow, while_open
from coordination.db.types import GUID, JSON, DateTimeUTC
from coordination.directory.models import Organisation, enum_column
from coordination.dossier.models import Person


class ConsentChannel(enum.StrEnum):
    SELF = "self"
    """Given by the person in their own space (the evidence is their authenticated action)."""
    PAPER = "paper"
    """A signed form, recorded by a worker; the scanned form is the evidence document."""
    INTERVIEW = "interview"
    """Given orally during an interview and recorded by the worker with a signed note as evidence."""


class ConsentEventKind(enum.StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"
    RENEWED = "renewed"
    """Superseded by a new consent (``successor_id``) with a later expiry."""
    EXPIRED = "expired"
    """Written by the expiry sweep for the history; the gate does not need it (it compares dates)."""
    ENDED = "ended"
    """Ended before its date because its purpose ended (e.g. the referral it was given for was refused,
    withdrawn by the worker or expired): who ended it (``by_user_id``, NULL for a scheduled sweep) and
    why (``note``). Not the person's withdrawal: the history says so honestly."""


ENDING_EVENT_KINDS = (ConsentEventKind.WITHDRAWN, ConsentEventKind.RENEWED, ConsentEventKind.ENDED)
"""Events after which a consent gives no access any more (expiry is a date, compared directly)."""


class Consent(Entity):
    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_lookup", "person_id", "recipient_organisation_id", "expires_at"),
        # a partner's readable set: the consents in force naming her organisation (gate's query filter)
        Index(
            "ix_consents_recipient_expiry",
            "recipient_organisation_id",
            "expires_at",
            postgresql_include=["person_id"],
        ),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    recipient_organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    sections: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    """Data categories covered: a subset of ``policy.FILE_SECTIONS``."""
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(80), nullable=False, default="consent")
    """GDPR art. 6.1.a (``consent``); health/social data also art. 9.2.a — recorded for the person."""
    given_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
    recorded_by_user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    channel: Mapped[ConsentChannel] = mapped_column(enum_column(ConsentChannel), nullable=False)
    evidence_document_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """The signed form (a document of the file); NULL when the evidence is the person's own action."""
    renews_id: Mapped[UUID | None] = mapped_column(ForeignKey("consents.id"), nullable=True)


class ConsentEvent(Base):
    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_consent", "consent_id", "kind"),)

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    consent_id: Mapped[UUID] = mapped_column(ForeignKey("consents.id"), nullable=False)
    kind: Mapped[ConsentEventKind] = mapped_column(enum_column(ConsentEventKind), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False, default=utcnow)
    by_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    channel: Mapped[ConsentChannel | None] = mapped_column(enum_column(ConsentChannel), nullable=True)
    evidence_document_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    successor_id: Mapped[UUID | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)


class AccessJournalEntry(Base):
    """One decision of the gate, allowed or denied. Never updated, never deleted."""

    __tablename__ = "access_journal"
    __table_args__ = (
        UniqueConstraint("person_id", "seq", name="uq_access_journal_person_seq"),
        Index("ix_access_journal_at", "at"),
    )

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    person_id: Mapped[UUID] = mapped_column(GUID, nullable=False)
    """No foreign key: the journal must outlive the file (erasure keeps the proof of accesses)."""
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
    user_id: Mapped[UUID] = mapped_column(GUID, nullable=False)
    user_name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    organisation_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The organisation's name AS IT WAS at the time of access (hashed from format version 2 on): renaming
    an organisation later changes nothing in past rows. Rows of version 1 got it from the migration that
    added the column (the name on that day), outside their hash."""
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    section: Mapped[str | None] = mapped_column(String(32), nullable=True)
    document_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    decision: Mapped[str] = mapped_column(String(8), nullable=False)
    """``allow`` or ``deny``."""
    basis: Mapped[str | None] = mapped_column(String(16), nullable=True)
    consent_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    request_id: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """For a denial: what was missing (French, shown to the person)."""
    format_version: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=1, server_default="1")
    """Which fields the row's hash covers (``journal.HASHED_FIELDS_BY_VERSION``): old rows keep theirs."""
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    row_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class JournalHead(Base):
    """Each person's chain head: the last ``seq`` and ``row_hash``. Detects a removed last row."""

    __tablename__ = "access_journal_heads"

    person_id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    head_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False, default=utcnow)


class MandateKind(enum.StrEnum):
    """The facts that give an organisation a legal mandate on a person's file."""

    FOREM_REGISTRATION = "forem_registration"
    """The person is a registered job seeker at Forem: asserted by a Forem worker (later: Forem's register)."""
    RIS = "ris"
    """CPAS X pays the person's integration income (RIS): asserted by a worker of CPAS X (later: the CPAS's
    own RIS decisions)."""


class Mandate(Entity):
    """One assertion of a mandate fact: who asserted it, for which organisation, from when, on which
    ground, through which source; and, once it ends, who ended it, when and why. Never edited otherwise:
    the history of assertions is the history of who could read the file on a legal basis. The gate reads
    the current rows (``ended_at IS NULL``); at most one current row per (person, kind)."""

    __tablename__ = "mandates"
    __table_args__ = (
        Index(
            "uq_mandates_current",
            "person_id",
            "kind",
            unique=True,
            **while_open(),
        ),
        Index("ix_mandates_person_kind_org", "person_id", "kind", "organisation_id"),
        # the current facts of a kind (or of one CPAS), index-only, for the gate's query filter
        Index(
            "ix_mandates_current_kind_org",
            "kind",
            "organisation_id",
            "person_id",
            **while_open(),
        ),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    kind: Mapped[MandateKind] = mapped_column(enum_column(MandateKind), nullable=False)
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    """The mandated organisation (the CPAS that pays the RIS; the Forem office that registered the person)."""
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    """The date the fact holds from (registration date, RIS decision date), as asserted."""
    ground: Mapped[str] = mapped_column(String(300), nullable=False)
    """On which ground, in French (e.g. « Décision d'octroi du RIS du 3 mars 2026, réf. 2026/114 »)."""
    source: Mapped[str] = mapped_column(String(40), nullable=False)
    """``worker`` (a user of the mandated organisation), ``migration``, or a data feed (``feed:…``)."""
    asserted_by_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    asserted_by_name: Mapped[str] = mapped_column(String(200), nullable=False)
    """Who asserted it, as they were named then (a worker's display name, or the feed's name)."""
    asserted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_by_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    ended_by_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    end_ground: Mapped[str | None] = mapped_column(String(300), nullable=True)

    # Never loaded (``raise``): declared so that a flush inserts the person and the organisation before an
    # assertion added in the same unit of work (seed data builds worlds that way).
    person: Mapped[Person] = relationship(lazy="raise", viewonly=False)
    organisation: Mapped[Organisation] = relationship(lazy="raise", viewonly=False)
