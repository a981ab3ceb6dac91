"""Visas of a person's contracts, through the visa package's services (called only after the gate allowed
the « contrats » section), shaped for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.visa import services
from coordination.web.visa_form import KIND_LABELS

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
    "a_verifier": "à vérifier",
}
RESULT_BADGES = {"conforme": "ok", "non_conforme": "bad", "a_verifier": "warn", "sans_objet": "neutral"}


@dataclass(frozen=True)
class VisaItem:
    """One visa request as a line of a list: what tells two requests apart at a glance (when, which
    employer and job, who submitted it, where it stands)."""

    id: UUID
    title: str
    employer: str
    function: str
    kind_label: str
    submitted_at: Any
    submitted_by_name: str
    status: str
    status_label: str
    verdict: str
    verdict_label: str
    decided_at: Any
    decided_by_name: str | None
    person_id: UUID
    person_name: str | None = None
    raw: Any = None


def _kind_label(contract: dict[str, Any]) -> str:
    kind = str(contract.get("kind") or "")
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize() or "Contrat")


def contract_title(contract: dict[str, Any]) -> str:
    """« Contrat de travail à durée indéterminée — Boulangerie Lenoir », in French, with the employer."""
    name = contract.get("employer_name")
    return f"{_kind_label(contract)}{' — ' + str(name) if name else ''}"


def visa_item(visa: Any, person_name: str | None = None) -> VisaItem:
    status = getattr(visa.status, "value", visa.status)
    decision = getattr(visa.decision, "value", visa.decision)
    label = (
        DECISION_LABELS.get(decision, STATUS_LABELS.get(status, status))
        if decision
        else STATUS_LABELS.get(status, status)
    )
    contract = visa.contract or {}
    return VisaItem(
        id=visa.id,
        title=contract_title(contract),
        employer=str(contract.get("employer_name") or "employeur non indiqué"),
        function=str(contract.get("function") or ""),
        kind_label=_kind_label(contract),
        submitted_at=visa.created_at,
        submitted_by_name=visa.submitted_by_name,
        status=status,
        status_label=label,
        verdict=visa.verdict,
        verdict_label=VERDICT_LABELS.get(visa.verdict, visa.verdict),
        decided_at=visa.decided_at,
        decided_by_name=visa.decided_by_name,
        person_id=visa.person_id,
        person_name=person_name,
        raw=visa,
    )


async def visas_of_person(session: AsyncSession, person_id: UUID) -> list[VisaItem]:
    return [visa_item(v) for v in await services.list_for_person(session, person_id)]
