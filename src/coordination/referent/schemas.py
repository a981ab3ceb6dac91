"""API shapes of the referent package (field names English, texts for people French)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

Text = Annotated[str, msgspec.Meta(max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(max_length=80)]


class Input(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A request body: an unknown field is refused (a typo is never silently ignored)."""


class OrientationIn(Input):
    proximity_score: int | None = None
    """0–9; default: the score on the file."""
    digital_autonomy: bool | None = None
    chosen_track: Short | None = None
    """An adviser's choice; differs from the computed track only with ``override_reason``."""
    override_reason: LongText | None = None
    cluster: Short | None = None


class OrientationOut(msgspec.Struct, kw_only=True):
    person_id: UUID
    proximity_score: int
    digital_autonomy: bool
    computed_track: str
    computed_track_label: str
    chosen_track: str
    chosen_track_label: str
    overridden: bool
    override_reason: str | None
    cluster: str | None
    young: bool
    start_on: date
    first_contact_due: date | None
    digital_move_due: date | None
    matrix_version: str
    rules_version: str
    decided_at: datetime


class AssignIn(Input):
    adviser_id: UUID
    reason: Text


class HandoverIn(AssignIn):
    """An assignment that takes over from the active referent, with the note the new one reads."""

    note: LongText


class ContactIn(Input):
    contacted_at: datetime | None = None
    note: Text | None = None


class ReferentOut(msgspec.Struct, kw_only=True):
    id: UUID
    person_id: UUID
    kind: str
    kind_label: str
    referent_name: str
    adviser_id: UUID | None
    organisation_id: UUID
    since: datetime
    since_date: date
    """Start day in Europe/Brussels."""
    ended_at: datetime | None
    reason: str
    end_reason: str | None
    handover_note: str | None
    computed_track: str | None
    chosen_track: str | None
    track_label: str | None
    override_reason: str | None
    first_contact_due: date | None
    last_contact_at: datetime | None


class HandoverOut(msgspec.Struct, kw_only=True):
    former: ReferentOut
    new: ReferentOut


class AdviserIn(Input):
    kind: Short
    organisation_id: UUID
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    capacity: Annotated[int, msgspec.Meta(ge=0, le=100_000)]
    user_id: UUID | None = None
    team: Short | None = None
    cluster: Short | None = None
    bassins: list[Short] = msgspec.field(default_factory=list)
    languages: list[Short] = msgspec.field(default_factory=lambda: ["fr"])
    tracks: list[Short] = msgspec.field(default_factory=list)
    phone: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    """Professional phone shown to the people followed (a team line for e-advisers)."""
    email: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    """Professional e-mail shown to the people followed."""


class AdviserPatch(Input):
    capacity: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = None
    active: bool | None = None


class AdviserOut(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    kind_label: str
    display_name: str
    organisation_id: UUID
    user_id: UUID | None
    team: str | None
    capacity: int
    load: int
    over_capacity: bool
    cluster: str | None
    bassins: list[str]
    languages: list[str]
    tracks: list[str]
    active: bool
    phone: str | None = None
    email: str | None = None


class WorkItemOut(msgspec.Struct, kw_only=True):
    person_id: UUID
    first_name: str
    last_name: str
    track: str | None
    track_label: str | None
    since: datetime
    first_contact_due: date | None
    first_contact_overdue: bool
    digital_move_due: date | None
    next_due: date | None
    last_contact_at: datetime | None
    last_activity_at: datetime | None
    stale: bool


class PortfolioOut(msgspec.Struct, kw_only=True):
    adviser: AdviserOut
    stale_days: int
    items: list[WorkItemOut]


class AlertOut(msgspec.Struct, kw_only=True):
    kind: str
    message: str
    person_id: UUID | None = None
    due: date | None = None


class MyHandoverOut(msgspec.Struct, kw_only=True):
    person_id: UUID
    person_name: str | None
    """Shown when the gate lets the caller read the person's trajectory."""
    role: str
    """``former`` or ``new``: the caller's side of the handover."""
    at: datetime
    reason: str | None
    """``None`` once the gate refuses the caller the person's file."""
    note: str | None
    """The handover note: for the new referent only, while the gate allows."""
    former_referent: str | None
    new_referent: str


class WeightsIn(Input):
    cluster_mismatch: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 40
    bassin_mismatch: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 30
    language_mismatch: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 60
    continuity_break: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 20
    load: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 20
    unassigned: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)] = 10_000


class BulkIn(Input):
    apply: bool = False
    """Dry run unless true."""
    weights: WeightsIn | None = None


class BulkAssignedOut(msgspec.Struct, kw_only=True):
    person_id: UUID
    adviser_id: UUID
    adviser_name: str


class BulkUnassignedOut(msgspec.Struct, kw_only=True):
    person_id: UUID
    reason: str
    detail: str


class BulkOut(msgspec.Struct, kw_only=True):
    dry_run: bool
    applied: int
    optimal: bool
    cost: dict[str, int]
    greedy_cost: dict[str, int]
    seconds: float
    assigned: list[BulkAssignedOut]
    unassigned: list[BulkUnassignedOut]
    stats: dict[str, int]


class ImportLineOut(msgspec.Struct, kw_only=True):
    """One line of an import as judged (the importer's own report, answered as it is)."""

    line: int
    person_id: str
    status: str
    """``created`` or ``refused``."""
    code: str | None = None
    detail: str | None = None


class ImportOut(msgspec.Struct, kw_only=True):
    created: int
    refused: int
    lines: list[ImportLineOut]
