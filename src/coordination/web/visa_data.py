"""Visas of a person's contracts, through the visa package's services (called only after the gate allowed
the « contrats » section), shaped for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

STATUS_LABELS = {
    "submitted": "en attente de décision",
    "returned": "renvoyé pour correction",
    "decided": "décidé",
}
DECISION_LABELS = {
    "approved": "visa accordé",
    "approved_with_reservations": "visa accordé avec réserves",
    "refused": "visa refusé",
    "returned": "renvoyé pour correction",
}
VERDICT_LABELS = {
    "conforme": "conforme",
    "non_conforme": "non conforme",
    "non conforme": "non conforme",
    "a_completer": "à compléter",
    "à compléter": "à compléter",
}
RESULT_BADGES = {"conforme": "ok", "non_conforme": "bad", "a_verifier": "warn", "sans_objet": "neutral"}


@dataclass(frozen=True)
class VisaItem:
    id: UUID
    title: str
    status_label: str
    verdict_label: str
    raw: Any


def contract_title(contract: dict[str, Any]) -> str:
    kind = str(contract.get("kind", "contrat")).replace("_", " ")
    employer = contract.get("employer") or {}
    name = employer.get("name") if isinstance(employer, dict) else None
    return f"{kind.capitalize()}{' — ' + name if name else ''}"


def visa_item(visa: Any) -> VisaItem:
    status = getattr(visa.status, "value", visa.status)
    decision = getattr(visa.decision, "value", visa.decision)
    label = (
        DECISION_LABELS.get(decision, STATUS_LABELS.get(status, status))
        if decision
        else STATUS_LABELS.get(status, status)
    )
    return VisaItem(
        id=visa.id,
        title=contract_title(visa.contract or {}),
        status_label=label,
        verdict_label=VERDICT_LABELS.get(visa.verdict, visa.verdict),
        raw=visa,
    )


async def visas_of_person(session: AsyncSession, person_id: UUID) -> list[VisaItem]:
    from coordination.visa import services

    return [visa_item(v) for v in await services.list_for_person(session, person_id)]
