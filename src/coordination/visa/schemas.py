"""API shapes of the visa (msgspec), published in the OpenAPI."""

from __future__ import annotations

from datetime import datetime
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
