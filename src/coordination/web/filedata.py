"""What the file's pages share: the sections' titles, what each part holds in plain words, whether a role
could ever do something (to show a form or not), their dependencies, and turning a form into the API's
body type. The file itself is read by the dossier's service
(:mod:`coordination.dossier.services.file_screen`), through the gate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import msgspec
from litestar.response import Redirect

from coordination.access.policy import SECTION_LABELS_FR, Section, default_policy
from coordination.access.principal import Principal
from coordination.errors import BadRequest
from coordination.validation_messages import french

ASSESSMENT_ROWS = 4
"""Item rows offered by the assessment form (empty rows are ignored)."""

SECTION_TITLES = {
    "identity": "Identité et coordonnées",
    "project": "Projet professionnel",
    "plan": "Plan d'action",
    "trajectory": "Parcours",
    "progress": "Progression",
    "social": "Situation sociale (CPAS)",
    "health": "Santé et constats psycho-médico-sociaux",
    "documents": "Documents",
    "contracts": "Contrats et visas",
}

PLAIN_WORDS = {
    "identity": "vos nom, date de naissance, coordonnées et statuts (inscription au Forem, revenu d'intégration)",
    "project": "votre projet professionnel (le métier que vous visez)",
    "plan": "votre plan d'action : vos objectifs et ce que chacun s'engage à faire",
    "trajectory": "votre parcours : formations, stages, accompagnements, emplois",
    "progress": "les notes de suivi et les évaluations des organismes qui vous accompagnent",
    "social": "votre situation sociale connue du CPAS (couverte par le secret professionnel)",
    "health": "les informations de santé et les constats psycho-médico-sociaux",
    "documents": "vos documents (CV, attestations…)",
    "contracts": "vos contrats et les visas juridiques de ces contrats",
}
"""What each part of the file holds, in words a person reads without training."""


def convert(
    data: dict[str, Any],
    type_: type,
    what: str = "Données invalides",
    labels: Mapping[str, str] | None = None,
) -> Any:
    """The form's values as the API's body type: the same validation, a French 400 when refused, naming
    the field by its label on the form (``labels``) rather than its API name."""
    try:
        return msgspec.convert(data, type_, strict=False)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"{what} : {french(str(exc), labels)}.") from exc


def back(person_id: UUID, ok: str, anchor: str) -> Redirect:
    """Back to the file, its message shown and the changed part in view."""
    return Redirect(f"/dossiers/{person_id}?ok={ok}#{anchor}", status_code=303)


def role_may(principal: Principal, section: str, action: str) -> bool:
    """Whether the role could ever do this (to show a form or not). Not a decision: the submitted form
    goes through the gate, which checks the facts and journals. Asking the gate here would write a
    journal row on every page view for an action nobody took."""
    return bool(default_policy().bases_for(principal.role.value, section, action))


def section_label(section: str) -> str:
    return SECTION_LABELS_FR.get(Section(section), section)
