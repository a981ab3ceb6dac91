"""A person's file for workers and partners: the sections the reader may see (a plain message with the
missing basis for the others), timeline, referent, plan, trajectory, progress entry on one's own steps,
documents (upload with a progress bar, download through the API's gated route), contracts and visas."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.clock import today as brussels_today
from coordination.dossier import schemas
from coordination.dossier.controllers.common import icf
from coordination.dossier.models import TrajectoryStep
from coordination.dossier.services import trajectory
from coordination.dossier.services.common import get_owned
from coordination.errors import BadRequest
from coordination.settings import Settings
from coordination.web.access import WEB_ACCESS
from coordination.web.csrf import checked_form
from coordination.web.errors import WEB_EXCEPTION_HANDLERS
from coordination.web.file_actions import ASSESSMENT_ROWS
from coordination.web.filedata import (
    SECTION_TITLES,
    file_view_of,
    request_id_of,
    role_may,
)
from coordination.web.referent_info import current_referent
from coordination.web.render import page
from coordination.web.session import require_user
from coordination.web.uploads import CATEGORY_CHOICES, receive_upload

FILE_READ = {"section": (*SECTION_TITLES.keys(),), "action": "read"}
MESSAGES = {
    "progression": "Progression enregistrée. Elle apparaît dans le dossier et son historique.",
    "document": "Document déposé.",
    "objectif": "Objectif ajouté au plan d'action.",
    "evaluation": "Évaluation enregistrée. Elle apparaît dans la progression de la personne.",
    "version": "Nouvelle version déposée. Les versions précédentes restent consultables.",
    "suppression": "Document supprimé. Le motif et la règle de conservation sont enregistrés.",
}


def _convert(data: dict[str, Any], type_: type) -> Any:
    try:
        return msgspec.convert(data, type_, strict=False)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"Données invalides : {exc}.") from exc


def _optional(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


def _hours(value: Any) -> float | None:
    text = str(value or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise BadRequest("Les heures de présence doivent être un nombre (par exemple 12,5).") from exc


def _back(person_id: UUID, ok: str, anchor: str) -> Redirect:
    return Redirect(f"/dossiers/{person_id}?ok={ok}#{anchor}", status_code=303)


UPLOAD_BY_CATEGORY = (
    "la section dépend de la catégorie choisie dans le formulaire : receive_upload appelle le gate"
)


class FilePages(Controller):
    path = "/dossiers/{person_id:uuid}"
    exception_handlers = WEB_EXCEPTION_HANDLERS
    dependencies = WEB_ACCESS
    include_in_schema = False

    @get("/", opt=FILE_READ)
    async def file(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        person_id: UUID,
        ok: str | None = None,
    ) -> Response:
        principal = await require_user(request)
        rid = request_id_of(request)
        view = await file_view_of(
            db_session, person_id, allowed=set(access.sections), refusals=access.refusals, settings=settings
        )
        referent, history = await current_referent(
            db_session, principal, person_id, request_id=rid, settings=settings
        )
        visas = []
        if "contracts" in view.allowed:
            from coordination.web.visa_data import visas_of_person

            visas = await visas_of_person(db_session, person_id)
        await db_session.commit()
        own_steps = [
            s
            for s in view.data.get("trajectory", [])
            if principal.organisation_id is not None and s.organisation_id == principal.organisation_id
        ]
        return page(
            request,
            "file.html",
            status_code=200 if view.allowed else 403,
            view=view,
            titles=SECTION_TITLES,
            referent=referent,
            referent_history=history,
            visas=visas,
            own_steps=own_steps if role_may(principal, "progress", "write") else [],
            can_upload=role_may(principal, "documents", "upload") and "documents" in view.allowed,
            can_plan=role_may(principal, "plan", "write") and "plan" in view.allowed,
            can_delete=role_may(principal, "documents", "delete") and "documents" in view.allowed,
            can_consents=role_may(principal, "consents", "read"),
            icf=icf(settings),
            assessment_rows=ASSESSMENT_ROWS,
            categories=CATEGORY_CHOICES,
            message=MESSAGES.get(ok or ""),
            today=brussels_today().isoformat(),
        )

    @post("/etapes/{step_id:uuid}/progression", opt={"section": "progress", "action": "write"})
    async def add_progress(
        self, request: Request, db_session: AsyncSession, access: Access, person_id: UUID, step_id: UUID
    ) -> Response:
        principal = await require_user(request)
        form = await checked_form(request)
        step = await get_owned(db_session, TrajectoryStep, step_id, person_id, "Étape")
        data = _convert(
            {
                "note": _optional(form.get("note")),
                "attendance_hours": _hours(form.get("attendance_hours")),
                "milestone": _optional(form.get("milestone")),
            },
            schemas.ProgressCreate,
        )
        await trajectory.add_progress(db_session, principal, step, data)
        await db_session.commit()
        return _back(person_id, "progression", "section-progress")

    @post("/plan/objectifs", opt={"section": "plan", "action": "write"})
    async def add_objective(
        self, request: Request, db_session: AsyncSession, access: Access, person_id: UUID
    ) -> Response:
        from coordination.dossier.services import plan

        principal = await require_user(request)
        form = await checked_form(request)
        commitments = []
        for party in ("person", "forem", "cpas", "partner"):
            text = _optional(form.get(f"engagement_{party}"))
            if text:
                commitments.append({"party": party, "description": text})
        if principal.organisation_id:
            for c in commitments:
                if c["party"] == (principal.organisation_kind.value if principal.organisation_kind else None):
                    c["organisation_id"] = str(principal.organisation_id)
        data = _convert(
            {
                "title": _optional(form.get("title")) or "",
                "description": _optional(form.get("description")),
                "due_date": _optional(form.get("due_date")),
                "status": "proposed",
                "commitments": commitments,
            },
            schemas.ObjectiveCreate,
        )
        await plan.create_objective(db_session, principal, person_id, data)
        await db_session.commit()
        return _back(person_id, "objectif", "section-plan")

    @post(
        "/documents",
        opt={"section": "documents", "action": "upload", "gate": UPLOAD_BY_CATEGORY},
        request_max_body_size=4 * 1024 * 1024 * 1024,
    )
    async def upload(
        self, request: Request, db_session: AsyncSession, settings: Settings, person_id: UUID
    ) -> Response:
        principal = await require_user(request)
        await receive_upload(request, db_session, settings, principal, person_id)
        return _back(person_id, "document", "section-documents")


def file_url(person_id: UUID) -> str:
    return "/dossiers/" + quote(str(person_id))
