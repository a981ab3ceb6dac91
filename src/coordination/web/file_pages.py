"""A person's file for workers and partners: the sections the reader may see (a plain message with the
missing basis for the others), timeline, referent, plan, trajectory, progress entry on one's own steps,
documents (upload with a progress bar, download through the API's gated route), contracts and visas."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, Response, get, post

from coordination.access.declared import Access
from coordination.access.principal import Principal
from coordination.dossier import schemas
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.services import plan, trajectory
from coordination.dossier.services.document_uploads import ROUTE_BODY_CEILING
from coordination.dossier.services.file_screen import file_view
from coordination.errors import BadRequest
from coordination.web.access import WEB_ACCESS
from coordination.web.csrf import checked_form
from coordination.web.filedata import ASSESSMENT_ROWS, SECTION_TITLES, back, convert, role_may
from coordination.web.referent_info import current_referent
from coordination.web.render import page
from coordination.web.uploads import CATEGORY_CHOICES, receive_upload
from coordination.web.visa_data import visas_of_person

FILE_READ = {"section": (*SECTION_TITLES.keys(),), "action": "read"}
MESSAGES = {
    "progression": "Progression enregistrée. Elle apparaît dans le dossier et son historique.",
    "document": "Document déposé.",
    "objectif": "Objectif ajouté au plan d'action.",
    "evaluation": "Évaluation enregistrée. Elle apparaît dans la progression de la personne.",
    "version": "Nouvelle version déposée. Les versions précédentes restent consultables.",
    "suppression": "Document supprimé. Le motif et la règle de conservation sont enregistrés.",
}
PARTIES = ("person", "forem", "cpas", "partner")
"""The commitment fields of the objective form (``engagement_<party>``)."""


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


def commitments_of(form: dict[str, Any], principal: Principal) -> list[dict[str, Any]]:
    """The commitments typed in the objective form; the writer's own organisation is named on the
    commitment of its kind."""
    own_kind = principal.organisation_kind.value if principal.organisation_kind else None
    commitments: list[dict[str, Any]] = []
    for party in PARTIES:
        text = _optional(form.get(f"engagement_{party}"))
        if not text:
            continue
        commitment: dict[str, Any] = {"party": party, "description": text}
        if principal.organisation_id and party == own_kind:
            commitment["organisation_id"] = str(principal.organisation_id)
        commitments.append(commitment)
    return commitments


UPLOAD_BY_CATEGORY = (
    "la section dépend de la catégorie choisie dans le formulaire : upload_document appelle le gate"
)


PROGRESS_LABELS = {
    "note": "Note de suivi",
    "attendance_hours": "Heures de présence",
    "milestone": "Étape franchie",
}
OBJECTIVE_LABELS = {
    "title": "Objectif",
    "description": "Description",
    "due_date": "Échéance",
    "commitments": "Engagements réciproques",
}
"""The forms' words for the fields a refusal names (file.html), instead of the API's names."""


class FilePages(Controller):
    path = "/dossiers/{person_id:uuid}"
    dependencies = {**WEB_ACCESS, **DOSSIER_CONTEXT}

    @get("/", opt=FILE_READ)
    async def file(
        self, request: Request, ctx: FileRequest, access: Access, person_id: UUID, ok: str | None = None
    ) -> Response:
        db_session, principal, dossier = ctx.session, ctx.principal, ctx.dossier
        view = await file_view(
            db_session, person_id, dossier, allowed=set(access.sections), refusals=access.refusals
        )
        referent, history = await current_referent(ctx, person_id)
        visas = await visas_of_person(db_session, person_id) if "contracts" in view.allowed else []
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
            icf=dossier.icf,
            assessment_rows=ASSESSMENT_ROWS,
            categories=CATEGORY_CHOICES,
            message=MESSAGES.get(ok or ""),
            today=dossier.today.isoformat(),
        )

    @post("/etapes/{step_id:uuid}/progression", opt={"section": "progress", "action": "write"})
    async def add_progress(
        self, request: Request, ctx: FileRequest, access: Access, person_id: UUID, step_id: UUID
    ) -> Response:
        form = await checked_form(request)
        data = convert(
            {
                "note": _optional(form.get("note")),
                "attendance_hours": _hours(form.get("attendance_hours")),
                "milestone": _optional(form.get("milestone")),
            },
            schemas.ProgressCreate,
            labels=PROGRESS_LABELS,
        )
        await trajectory.add_progress(ctx.session, ctx.principal, person_id, step_id, data)
        return back(person_id, "progression", "section-progress")

    @post("/plan/objectifs", opt={"section": "plan", "action": "write"})
    async def add_objective(
        self, request: Request, ctx: FileRequest, access: Access, person_id: UUID
    ) -> Response:
        form = await checked_form(request)
        data = convert(
            {
                "title": _optional(form.get("title")) or "",
                "description": _optional(form.get("description")),
                "due_date": _optional(form.get("due_date")),
                "status": "proposed",
                "commitments": commitments_of(form, ctx.principal),
            },
            schemas.ObjectiveCreate,
            labels=OBJECTIVE_LABELS,
        )
        await plan.create_objective(ctx.session, ctx.principal, person_id, data)
        return back(person_id, "objectif", "section-plan")

    @post(
        "/documents",
        opt={"section": "documents", "action": "upload", "gate": UPLOAD_BY_CATEGORY},
        request_max_body_size=ROUTE_BODY_CEILING,
    )
    async def upload(self, request: Request, ctx: FileRequest, person_id: UUID) -> Response:
        await receive_upload(request, ctx, person_id)
        return back(person_id, "document", "section-documents")


def file_url(person_id: UUID) -> str:
    return "/dossiers/" + quote(str(person_id))
