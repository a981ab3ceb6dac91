"""French labels of a visa's decision and of a contract's kind, shared by the services, the notices and
the certificate.

Why a module of its own: the certificate and the services both name decisions and kinds; kept in either
one, the other imported it back (``certificate`` ↔ ``services``, a cycle hidden by imports inside
functions). Labels depend on nothing but the models."""

from __future__ import annotations

from typing import Any

from coordination.visa.models import Decision

DECISION_LABELS_FR = {
    Decision.APPROVED: "Visa accordé",
    Decision.APPROVED_WITH_RESERVATIONS: "Visa accordé avec réserves",
    Decision.REFUSED: "Visa refusé",
    Decision.RETURNED: "Renvoyé pour correction",
}

KIND_LABELS = {
    "open_ended": "Contrat à durée indéterminée",
    "fixed_term": "Contrat à durée déterminée",
    "defined_work": "Contrat pour un travail nettement défini",
    "replacement": "Contrat de remplacement",
    "student": "Contrat d'occupation d'étudiant",
    "pfi": "Formation professionnelle individuelle en entreprise (PFI)",
    "cip": "Convention d'immersion professionnelle",
    "article_60": "Mise à l'emploi article 60 §7",
    "article_61": "Mise à l'emploi article 61",
    "transition_internship": "Stage de transition",
    "first_internship": "Stage First",
}


def kind_label(contract: dict[str, Any] | None) -> str:
    """The contract's kind in lower case, for a sentence (« contrat à durée déterminée »)."""
    kind = (contract or {}).get("kind", "")
    return KIND_LABELS.get(kind, "contrat").lower() if kind else "contrat"


def decision_label(decision: Decision | None) -> str:
    """The decision in lower case, for a sentence (« visa accordé »)."""
    return DECISION_LABELS_FR[decision].lower() if decision else "décidé"
