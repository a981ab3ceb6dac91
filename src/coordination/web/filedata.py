"""What a reader may see of one file, fetched through the access gate like the API's full-file view.

Each section is asked of the gate on its own (each decision journaled); the allowed ones are read with
the dossier's own services, and the refused ones keep the gate's French reason, so the page can say
plainly which basis is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.gate import check_sections
from coordination.access.policy import SECTION_LABELS_FR, Section, default_policy
from coordination.access.principal import Principal
from coordination.directory.models import Organisation
from coordination.dossier.controllers.common import icf, retention
from coordination.dossier.services import fileview
from coordination.dossier.services.common import get_person
from coordination.settings import Settings

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


@dataclass
class FileView:
    person_id: UUID
    allowed: set[str]
    denied: dict[str, str]
    data: dict[str, Any]
    timeline: list[Any] = field(default_factory=list)
    org_names: dict[UUID, str] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        identity = self.data.get("identity")
        return f"{identity.first_name} {identity.last_name}" if identity else None


async def organisation_names(session: AsyncSession) -> dict[UUID, str]:
    rows = await session.execute(select(Organisation.id, Organisation.name))
    return {row.id: row.name for row in rows}


async def load_file_view(
    session: AsyncSession,
    principal: Principal,
    person_id: UUID,
    *,
    request_id: str,
    settings: Settings,
    timeline_limit: int = 30,
) -> FileView:
    """For the person's own space: ask the gate for every section, then :func:`file_view_of`."""
    decisions = await check_sections(
        session,
        principal,
        person_id=person_id,
        sections=list(fileview.FILE_SECTIONS),
        action="read",
        request_id=request_id,
    )
    allowed = {s for s, d in decisions.items() if d.allowed}
    refusals = {s: d.reason or "Accès refusé." for s, d in decisions.items() if not d.allowed}
    return await file_view_of(
        session,
        person_id,
        allowed=allowed,
        refusals=refusals,
        settings=settings,
        timeline_limit=timeline_limit,
    )


async def file_view_of(
    session: AsyncSession,
    person_id: UUID,
    *,
    allowed: set[str],
    refusals: dict[str, str],
    settings: Settings,
    timeline_limit: int = 30,
) -> FileView:
    """Read what the gate allowed (``allowed``, decided by the route's ``access`` dependency); the
    refused sections are listed with what is missing."""
    data: dict[str, Any] = {}
    events: list[Any] = []
    if allowed:
        person = await get_person(session, person_id)
        data = await fileview.read_file(session, person, allowed, icf(settings), retention(settings))
        events = await fileview.timeline(session, person_id, allowed, limit=timeline_limit)
    return FileView(person_id, allowed, dict(refusals), data, events, await organisation_names(session))


def role_may(principal: Principal, section: str, action: str) -> bool:
    """Whether the role could ever do this (to show a form or not). Not a decision: the submitted form
    goes through the gate, which checks the facts and journals. Asking the gate here would write a
    journal row on every page view for an action nobody took."""
    return bool(default_policy().bases_for(principal.role.value, section, action))


def section_label(section: str) -> str:
    return SECTION_LABELS_FR.get(Section(section), section)


def request_id_of(request) -> str:
    return request.scope.get("state", {}).get("request_id", "") or ""
