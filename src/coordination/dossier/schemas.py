"""API shapes of the shared file (msgspec Structs). Field names English; values a person reads French.

Input Structs forbid unknown fields, so a typo is a 400 rather than a silently ignored change; partial
updates use ``msgspec.UNSET`` to tell "absent" from "set to null".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from coordination.access.mandate_schemas import MandateOut
from coordination.pagination import Page

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Text200 = Annotated[str, Meta(min_length=1, max_length=200)]
LongText = Annotated[str, Meta(max_length=10_000)]
Score = Annotated[int, Meta(ge=0, le=9)]
Qualifier = Annotated[int, Meta(ge=0, le=4)]
Hours = Annotated[float, Meta(ge=0, le=1000)]

StepKind = Literal[
    "orientation", "training", "immersion", "mentoring", "pfi", "art60", "art61", "job", "other"
]
StepStatus = Literal["planned", "ongoing", "completed", "dropped_out", "cancelled"]
ContractKind = Literal["cdi", "cdd", "interim", "art60", "art61", "independent", "other"]
ObjectiveStatus = Literal["proposed", "agreed", "in_progress", "achieved", "abandoned"]
Party = Literal["person", "forem", "cpas", "partner"]
CommitmentStatus = Literal["pending", "done", "not_done", "cancelled"]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


# --- person / identity -----------------------------------------------------------------------------


class PersonCreate(Input):
    niss: Annotated[str, Meta(max_length=20)]
    first_name: Name
    last_name: Name
    birth_date: date | None = None
    email: Annotated[str, Meta(max_length=200)] | None = None
    phone: Annotated[str, Meta(max_length=40)] | None = None
    address: Annotated[str, Meta(max_length=300)] | None = None
    language: Annotated[str, Meta(max_length=8)] = "fr"
    bassin: Annotated[str, Meta(max_length=80)] | None = None
    forem_registered: bool = False
    """Asserted at once as a mandate by the creating worker: only a Forem worker may say so."""
    forem_registered_on: date | None = None
    ris_cpas_id: UUID | None = None
    """Asserted at once as a mandate: only a worker of that very CPAS may say so."""
    mandate_ground: Annotated[str, Meta(max_length=300)] | None = None
    """The ground of the mandate asserted at creation (default: « déclaré à l'ouverture du dossier »)."""
    inami_return_to_work: bool = False
    proximity_score: Score | None = None
    digital_autonomy: bool | None = None


class PersonUpdate(Input):
    first_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType = UNSET
    birth_date: date | UnsetType | None = UNSET
    email: Annotated[str, Meta(max_length=200)] | UnsetType | None = UNSET
    phone: Annotated[str, Meta(max_length=40)] | UnsetType | None = UNSET
    address: Annotated[str, Meta(max_length=300)] | UnsetType | None = UNSET
    language: Annotated[str, Meta(max_length=8)] | UnsetType = UNSET
    bassin: Annotated[str, Meta(max_length=80)] | UnsetType | None = UNSET
    forem_registered: bool | UnsetType = UNSET
    """Refused: a mandate fact is asserted by the mandated organisation (``…/mandates``), not edited."""
    forem_registered_on: date | UnsetType | None = UNSET
    ris_cpas_id: UUID | UnsetType | None = UNSET
    inami_return_to_work: bool | UnsetType = UNSET
    proximity_score: Score | UnsetType | None = UNSET
    digital_autonomy: bool | UnsetType | None = UNSET


class Statuses(msgspec.Struct, kw_only=True):
    forem_registered: bool
    forem_registered_on: date | None
    ris_cpas_id: UUID | None
    inami_return_to_work: bool
    mandates: list[MandateOut] = msgspec.field(default_factory=list)
    """The current mandate assertions behind ``forem_registered``/``ris_cpas_id``: who said so, when."""


class PersonOut(msgspec.Struct, kw_only=True):
    id: UUID
    niss: str
    niss_masked: str
    first_name: str
    last_name: str
    birth_date: date | None
    email: str | None
    phone: str | None
    address: str | None
    language: str
    bassin: str | None
    statuses: Statuses
    proximity_score: int | None
    digital_autonomy: bool | None
    version: int
    created_at: datetime
    updated_at: datetime


class PersonSummary(msgspec.Struct, kw_only=True):
    """A row of a search or list: no full NISS, no contact details."""

    id: UUID
    niss_masked: str
    first_name: str
    last_name: str
    bassin: str | None
    forem_registered: bool
    ris: bool
    proximity_score: int | None
    last_activity_at: datetime | None


class PersonPage(Page, kw_only=True):
    """A page of people the reader may see, in a stable order (last name, first name, id). Keyset
    pagination: pass ``next_cursor`` back as ``cursor`` for the next page. ``has_more`` rather than a
    total: a count would read every matching file."""

    items: list[PersonSummary]


# --- profile sections ------------------------------------------------------------------------------


class SectionWrite(Input):
    content: dict[str, Any]


class SectionOut(msgspec.Struct, kw_only=True):
    person_id: UUID
    section: str
    label: str
    content: dict[str, Any]
    version: int
    updated_at: datetime | None


# --- action plan -----------------------------------------------------------------------------------


class CommitmentCreate(Input):
    party: Party
    description: Annotated[str, Meta(min_length=1, max_length=2000)]
    organisation_id: UUID | None = None
    due_date: date | None = None


class CommitmentUpdate(Input):
    description: Annotated[str, Meta(min_length=1, max_length=2000)] | UnsetType = UNSET
    due_date: date | UnsetType | None = UNSET
    status: CommitmentStatus | UnsetType = UNSET


class ObjectiveCreate(Input):
    title: Text200
    description: LongText | None = None
    due_date: date | None = None
    status: ObjectiveStatus = "proposed"
    commitments: list[CommitmentCreate] = msgspec.field(default_factory=list)


class ObjectiveUpdate(Input):
    title: Text200 | UnsetType = UNSET
    description: LongText | UnsetType | None = UNSET
    due_date: date | UnsetType | None = UNSET
    status: ObjectiveStatus | UnsetType = UNSET


class CommitmentOut(msgspec.Struct, kw_only=True):
    id: UUID
    objective_id: UUID
    party: str
    party_label: str
    organisation_id: UUID | None
    description: str
    due_date: date | None
    status: str
    status_label: str
    version: int


class ObjectiveOut(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    description: str | None
    due_date: date | None
    status: str
    status_label: str
    version: int
    created_at: datetime
    updated_at: datetime
    commitments: list[CommitmentOut]


class PlanOut(msgspec.Struct, kw_only=True):
    person_id: UUID
    objectives: list[ObjectiveOut]


class PlanHistoryOut(msgspec.Struct, kw_only=True):
    id: UUID
    objective_id: UUID
    commitment_id: UUID | None
    author_user_id: UUID | None
    change: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


# --- trajectory, progress, assessments -------------------------------------------------------------


class StepCreate(Input):
    kind: StepKind
    organisation_id: UUID
    service_id: UUID | None = None
    agreement_id: UUID | None = None
    title: Annotated[str, Meta(max_length=200)] | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: StepStatus = "planned"
    job_contract_kind: ContractKind | None = None
    job_duration_months: Annotated[int, Meta(ge=0, le=600)] | None = None
    training_qualifying: bool | None = None
    exit_date: date | None = None


class StepUpdate(Input):
    title: Annotated[str, Meta(max_length=200)] | UnsetType | None = UNSET
    service_id: UUID | UnsetType | None = UNSET
    agreement_id: UUID | UnsetType | None = UNSET
    start_date: date | UnsetType | None = UNSET
    end_date: date | UnsetType | None = UNSET
    status: StepStatus | UnsetType = UNSET
    job_contract_kind: ContractKind | UnsetType | None = UNSET
    job_duration_months: Annotated[int, Meta(ge=0, le=600)] | UnsetType | None = UNSET
    training_qualifying: bool | UnsetType | None = UNSET
    exit_date: date | UnsetType | None = UNSET


class StepOut(msgspec.Struct, kw_only=True):
    id: UUID
    person_id: UUID
    kind: str
    kind_label: str
    organisation_id: UUID
    service_id: UUID | None
    agreement_id: UUID | None
    title: str | None
    start_date: date | None
    end_date: date | None
    status: str
    status_label: str
    job_contract_kind: str | None
    job_duration_months: int | None
    training_qualifying: bool | None
    exit_date: date | None
    version: int


class ProgressCreate(Input):
    note: Annotated[str, Meta(max_length=10_000)] | None = None
    attendance_hours: Hours | None = None
    milestone: Annotated[str, Meta(max_length=200)] | None = None


class ProgressOut(msgspec.Struct, kw_only=True):
    id: UUID
    step_id: UUID
    organisation_id: UUID
    author_user_id: UUID
    note: str | None
    attendance_hours: float | None
    milestone: str | None
    created_at: datetime


class AssessmentItem(Input):
    item_code: Annotated[str, Meta(min_length=1, max_length=32)]
    qualifier: Qualifier
    comment: Annotated[str, Meta(max_length=2000)] | None = None


class AssessmentCreate(Input):
    items: Annotated[list[AssessmentItem], Meta(min_length=1, max_length=60)]
    assessed_on: date | None = None


class AssessmentOut(msgspec.Struct, kw_only=True):
    id: UUID
    step_id: UUID
    organisation_id: UUID
    item_code: str
    item_label: str
    qualifier: int
    qualifier_label: str
    assessed_on: date
    comment: str | None


class ProgressView(msgspec.Struct, kw_only=True):
    person_id: UUID
    entries: list[ProgressOut]
    assessments: list[AssessmentOut]


class IcfItemOut(msgspec.Struct, kw_only=True):
    code: str
    domain: str
    label: str
    description: str


class IcfCatalogueOut(msgspec.Struct, kw_only=True):
    version: str
    qualifiers: dict[str, str]
    items: list[IcfItemOut]


# --- documents -------------------------------------------------------------------------------------


class DocumentVersionOut(msgspec.Struct, kw_only=True):
    number: int
    filename: str
    media_type: str
    size: int
    sha256: str
    scan_status: str
    uploaded_by: UUID | None
    created_at: datetime
    available: bool


class DocumentOut(msgspec.Struct, kw_only=True):
    id: UUID
    person_id: UUID
    title: str
    category: str
    section: str
    retention_rule: str
    retention_label: str
    retain_until: date | None
    current_version: int
    version: int
    created_at: datetime
    deleted_at: datetime | None
    deletion_reason: str | None
    versions: list[DocumentVersionOut]


class PresignedOut(msgspec.Struct, kw_only=True):
    url: str
    expires_at: datetime


# --- timeline --------------------------------------------------------------------------------------


class EventOut(msgspec.Struct, kw_only=True):
    id: UUID
    section: str
    kind: str
    summary: str
    subject_id: UUID | None
    actor_user_id: UUID | None
    actor_organisation_id: UUID | None
    occurred_at: datetime


class EventPage(Page, kw_only=True):
    """One page of a file's timeline (keyset: pass ``next_cursor`` as ``cursor``)."""

    items: list[EventOut]
