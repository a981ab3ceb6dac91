"""API shapes of the partner's worklist."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec

from coordination.partner.worklist import WorklistLine


class StepOut(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    title: str | None
    status: str
    start: date | None


class WorklistLineOut(msgspec.Struct, kw_only=True):
    person_id: UUID
    name: str
    open_sections: list[str]
    consent_needed: bool
    """No consent opens the identity section: a minimal card; « consentement à demander »."""
    can_record_progress: bool
    steps: list[StepOut]
    referral_id: UUID | None


def line_out(line: WorklistLine) -> WorklistLineOut:
    return WorklistLineOut(
        person_id=line.person_id,
        name=line.name,
        open_sections=line.open_sections,
        consent_needed=line.consent_needed,
        can_record_progress=line.can_record_progress,
        steps=[StepOut(**s) for s in line.steps],
        referral_id=line.referral_id,
    )
