"""API shapes of the visa (msgspec), published in the OpenAPI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from coordination.visa.models import Decision, VisaRequest, VisaStatus


class OpenItemAnswer(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The decider's answer to one open item of the checklist."""

    check_id: Annotated[str, msgspec.Meta(max_length=40)]
    checked: bool
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class DecisionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: Decision
    reason: str | None = msgspec.field(default=None)
    answers: list[OpenItemAnswer] = msgspec.field(default_factory=list)


class VisaOut(msgspec.Struct, kw_only=True):
    id: UUID
    person_id: UUID
    status: VisaStatus
    verdict: str
    verdict_changed: bool
    rule_set_version: str
    submitted_by: UUID
    submitted_by_name: str
    contract: dict[str, Any]
    checklist: dict[str, Any]
    decision: Decision | None
    decided_by: UUID | None
    decided_by_name: str | None
    decision_reason: str | None
    open_item_answers: list[dict[str, Any]] | None
    decided_at: datetime | None
    content_hash: str | None
    signature: str | None
    signing_key_fingerprint: str | None
    version: int
    created_at: datetime

    @classmethod
    def of(cls, v: VisaRequest) -> VisaOut:
        return cls(**{f: getattr(v, f) for f in cls.__struct_fields__})


class VerificationOut(msgspec.Struct, kw_only=True):
    visa_id: UUID
    signed: bool
    signature_valid: bool
    content_hash: str | None
    signing_key_fingerprint: str | None


class AttendanceIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Hours worked over one period (a day or a week) under an approved contract."""

    period_start: date
    period_end: date
    hours_worked: Annotated[float, msgspec.Meta(ge=0, le=168)]
    step_id: UUID | None = None
    note: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class AttendanceOut(msgspec.Struct, kw_only=True):
    """One period with the contract's paid hours and the gap (worked − paid)."""

    period_start: date
    period_end: date
    hours_worked: float
    hours_paid: float | None
    gap: float | None
    tolerance: float
    over_tolerance: bool

    @classmethod
    def of(cls, c) -> AttendanceOut:
        """From an :class:`~coordination.visa.attendance.Comparison`: the same fields by name, its ``over``
        answered as ``over_tolerance``."""
        same = {f: getattr(c, f) for f in cls.__struct_fields__ if f != "over_tolerance"}
        return cls(**same, over_tolerance=c.over)
