"""API shapes (msgspec). Field names follow Open Referral HSDS 3.0 where one fits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec

from coordination.errors import BadRequest
from coordination.validation_messages import french

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(max_length=300)]
Count = Annotated[int, msgspec.Meta(ge=0)]
Money = Decimal


class Verified(msgspec.Struct, kw_only=True):
    """What every registry record shows of its verification and version (entries, services, agreements),
    after its own fields (``services._verification_fields`` fills them)."""

    assured_date: date | None
    assured_by: UUID | None
    verification_stale: bool
    """Changed since it was last verified (« modifié depuis la vérification »)."""
    verified_at: datetime | None = None
    """The verification's instant (UTC)."""
    updated_at: datetime
    version: int


class OrganisationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    partner_kind: str
    tax_id: str | None = None
    """BCE/KBO number (HSDS ``tax_id``), mod-97 checked."""
    bassin: str | None = None
    alternate_name: str | None = None
    description: str | None = None
    email: ShortText | None = None
    website: ShortText | None = None
    legal_status: str | None = None
    organisation_id: UUID | None = None
    """Attach the entry to an organisation already in the directory (a CPAS) instead of creating one."""


def _update_of(
    name: str, create: type[msgspec.Struct], *, leave_out: tuple[str, ...] = (), add: tuple = ()
) -> type[msgspec.Struct]:
    """A PATCH body: the create's fields but ``leave_out``, each optional and left out of the encoding
    unless sent, then ``add``; unknown fields refused. Written once, the update cannot drift from the
    create (a new field is editable the day it is added)."""
    optional = [
        (f.name, f.type | None, None) for f in msgspec.structs.fields(create) if f.name not in leave_out
    ]
    return msgspec.defstruct(
        name,
        [*optional, *add],
        kw_only=True,
        forbid_unknown_fields=True,
        omit_defaults=True,
        module=__name__,
    )


OrganisationUpdate = _update_of(
    "OrganisationUpdate",
    OrganisationCreate,
    leave_out=("organisation_id",),
    add=(("status", str | None, None),),
)


class OrganisationOut(Verified):
    id: UUID
    """The directory organisation's id (the one trajectory steps point to)."""
    name: str
    partner_kind: str
    partner_kind_label: str
    tax_id: str | None
    bassin: str | None
    alternate_name: str | None
    description: str | None
    email: str | None
    website: str | None
    legal_status: str | None
    status: str


class ServiceCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    description: str | None = None
    alternate_name: str | None = None
    url: ShortText | None = None
    email: ShortText | None = None
    status: str = "active"
    publics: list[str] = msgspec.field(default_factory=list)
    service_areas: list[str] = msgspec.field(default_factory=list)
    capacity: Count | None = None
    capacity_unit: str = "places"
    eligibility_description: str | None = None
    application_process: str | None = None
    minimum_age: Count | None = None
    maximum_age: Count | None = None
    languages: list[str] = msgspec.field(default_factory=lambda: ["fr"])


ServiceUpdate = _update_of("ServiceUpdate", ServiceCreate)


class ServiceOut(Verified):
    id: UUID
    organization_id: UUID
    name: str
    alternate_name: str | None
    description: str | None
    url: str | None
    email: str | None
    status: str
    publics: list[str]
    service_areas: list[str]
    capacity: int | None
    capacity_unit: str
    eligibility_description: str | None
    application_process: str | None
    minimum_age: int | None
    maximum_age: int | None
    languages: list[str]


class AgreementCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    title: Name
    organisation_id: UUID
    funder_id: UUID
    kind: str
    start_date: date
    end_date: date
    funding_amount: Money | None = None
    """Euros, two decimals."""
    target_entrants: Count | None = None
    target_positive_exits: Count | None = None
    territory: list[str] = msgspec.field(default_factory=list)
    publics: list[str] = msgspec.field(default_factory=list)


AgreementUpdate = _update_of(
    "AgreementUpdate",
    AgreementCreate,
    leave_out=("reference", "organisation_id", "funder_id"),
    add=(("terminate", bool | None, None),),
)
"""``terminate: true`` closes the agreement early (reason ``terminated``)."""


class AgreementOut(Verified):
    id: UUID
    reference: str
    title: str
    organisation_id: UUID
    funder_id: UUID
    kind: str
    kind_label: str
    start_date: date
    end_date: date
    funding_amount: Decimal | None
    target_entrants: int | None
    target_positive_exits: int | None
    territory: list[str]
    publics: list[str]
    status: str
    closed_on: date | None
    closed_reason: str | None
    accepts_new_steps: bool


class AgreementAlert(msgspec.Struct, kw_only=True):
    agreement_id: UUID
    reference: str
    title: str
    organisation_id: UUID
    end_date: date
    days_left: int
    level: str
    message: str


class VerificationAlert(msgspec.Struct, kw_only=True):
    resource: str
    """``organisation``, ``service`` or ``agreement``."""
    id: UUID
    organisation_id: UUID
    label: str
    verified_at: datetime | None
    message: str


class ImportLine(msgspec.Struct, kw_only=True):
    line: int
    ok: bool
    action: str | None = None
    """``created`` or ``updated`` (when the whole file is valid)."""
    errors: list[dict[str, str]] = msgspec.field(default_factory=list)


class ImportReport(msgspec.Struct, kw_only=True):
    resource: str
    imported: bool
    lines: int
    valid_lines: int
    errors: int
    message: str
    report: list[ImportLine]


def sent_fields(data: Any, shape: type[msgspec.Struct]) -> dict[str, Any]:
    """Validate a JSON object against ``shape``; return only the fields the client sent (a PATCH changes
    those and no other). Bad input is a 400 with a French detail."""
    if not isinstance(data, dict):
        raise BadRequest("Un objet JSON est attendu.")
    try:
        struct = msgspec.convert(data, shape)
    except msgspec.ValidationError as exc:
        raise BadRequest(
            f"Les données envoyées sont invalides : {french(str(exc))}.", "validation-error"
        ) from exc
    return {name: getattr(struct, name) for name in data if name in struct.__struct_fields__}
