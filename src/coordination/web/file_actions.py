"""More actions on a person's file, each through the gate and the dossier/access services like the API:

* an ICF assessment by a partner on its own step (items from the catalogue ``policies/icf_items.toml``);
* a new version of a document, and the deletion of a document (reason required; the retention rule in
  force is shown before and recorded with the deletion);
* the consents of the person; a consent she signed on paper recorded by a worker (or the DPO), the
  signed form uploaded in the same form, and a withdrawal she asked for in writing (signed request and
  reason), both through :mod:`coordination.access.recorded` like the API's ``…/recorded`` routes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect

from coordination.access import recorded
from coordination.access import services as consents
from coordination.access.declared import Access
from coordination.access.policy import FILE_SECTIONS
from coordination.clock import BRUSSELS, now
from coordination.directory.models import Role
from coordination.dossier import schemas
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.services import trajectory
from coordination.dossier.services.common import get_person
from coordination.dossier.services.document_access import BY_DOCUMENT
from coordination.dossier.services.document_uploads import (
    ROUTE_BODY_CEILING,
    Incoming,
    remove_document,
    upload_version,
)
from coordination.errors import BadRequest, Conflict, ProblemError
from coordination.referent import services as referent
from coordination.referent.policies import referent_policies
from coordination.web.access import WEB_ACCESS
from coordination.web.csrf import checked_form
from coordination.web.filedata import ASSESSMENT_ROWS, PLAIN_WORDS, back, convert, role_may
from coordination.web.me_pages import DURATIONS, recipients_of
from coordination.web.referent_info import (
    CONTACT_FIELDS,
    HANDOVER_FIELDS,
    contact_instant,
    current_referent,
    field_of,
)
from coordination.web.render import page
from coordination.web.uploads import MULTIPART_OVERHEAD, file_chunks, uploaded_file

FILE_PAGE_DEPENDENCIES = {**WEB_ACCESS, **DOSSIER_CONTEXT}


def assessment_items(form: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows ``item_<n>`` / ``qualifier_<n>`` / ``comment_<n>`` of the form; a row without an item is
    skipped, a row with an item needs a level."""
    items = []
    for n in range(ASSESSMENT_ROWS):
        code = str(form.get(f"item_{n}") or "").strip()
        if not code:
            continue
        level = str(form.get(f"qualifier_{n}") or "").strip()
        if not level.isdigit():
            raise BadRequest("Choisissez un niveau (0 à 4) pour chaque item évalué.")
        comment = str(form.get(f"comment_{n}") or "").strip() or None
        items.append({"item_code": code, "qualifier": int(level), "comment": comment})
    if not items:
        raise BadRequest("Choisissez au moins un item à évaluer.")
    return items


def version_sent(form: dict[str, Any]) -> Callable[[int], None]:
    """The page's stale-write check: the version the form was drawn with (hidden field) must still be the
    document's (409 otherwise; the API's is ``If-Match``)."""

    def check(current: int) -> None:
        if str(form.get("version") or "") != str(current):
            raise Conflict("Ce document a changé entre-temps : rechargez la page.", "stale")

    return check


RECORDING = "le gate (consents, write) est demandé par access.recorded, le service partagé avec l'API"


class FileActions(Controller):
    path = "/dossiers/{person_id:uuid}"
    dependencies = FILE_PAGE_DEPENDENCIES

    @post("/etapes/{step_id:uuid}/evaluations", opt={"section": "progress", "action": "write"})
    async def add_assessment(
        self, request: Request, ctx: FileRequest, access: Access, person_id: UUID, step_id: UUID
    ) -> Response:
        form = await checked_form(request)
        raw: dict[str, Any] = {"items": assessment_items(form)}
        if str(form.get("assessed_on") or "").strip():
            raw["assessed_on"] = str(form["assessed_on"]).strip()
        data = convert(
            raw, schemas.AssessmentCreate, "Évaluation invalide", {"assessed_on": "Date de l'évaluation"}
        )
        await trajectory.add_assessments(ctx.session, ctx.principal, person_id, step_id, data, ctx.dossier)
        return back(person_id, "evaluation", "section-progress")

    @post(
        "/documents/{document_id:uuid}/versions",
        opt={"section": ("documents", "contracts"), "action": "upload", "gate": BY_DOCUMENT},
        request_max_body_size=ROUTE_BODY_CEILING,
    )
    async def upload_version(
        self, request: Request, ctx: FileRequest, person_id: UUID, document_id: UUID
    ) -> Response:
        form = await checked_form(request)
        upload = uploaded_file(form, "Choisissez le fichier de la nouvelle version.")
        length = request.headers.get("content-length")
        incoming = Incoming(upload.filename, file_chunks(upload), length, MULTIPART_OVERHEAD)
        await upload_version(ctx, person_id, document_id, incoming, version_sent(form))
        return back(person_id, "version", f"document-{document_id}")

    @post(
        "/documents/{document_id:uuid}/suppression",
        opt={"section": ("documents", "contracts"), "action": "delete", "gate": BY_DOCUMENT},
    )
    async def delete_document(
        self, request: Request, ctx: FileRequest, person_id: UUID, document_id: UUID
    ) -> Response:
        form = await checked_form(request)
        reason = str(form.get("reason") or "")
        await remove_document(ctx, person_id, document_id, reason, version_sent(form))
        return back(person_id, "suppression", f"document-{document_id}")

    # --- consents ---------------------------------------------------------------------------------

    @get("/consentements", opt={"section": "consents", "action": "read"})
    async def consents_page(
        self, request: Request, ctx: FileRequest, access: Access, person_id: UUID, ok: str | None = None
    ) -> Response:
        return await _consents_page(request, ctx, person_id, message=MESSAGES.get(ok or ""), gated=True)

    @post(
        "/consentements",
        opt={"section": "consents", "action": "write", "gate": RECORDING},
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
    )
    async def record_consent(self, request: Request, ctx: FileRequest, person_id: UUID) -> Response:
        """A worker (or the DPO) records a consent the person signed on paper, the form uploaded with it
        (:func:`coordination.access.recorded.record_consent`, as ``POST …/consents/recorded``)."""

        async def record(form: dict[str, Any], uploads: recorded.Uploads) -> Any:
            _, days = DURATIONS.get(str(form.get("duree", "12")), DURATIONS["12"])
            draft = recorded.Draft(form, expires_at=now() + timedelta(days=days))
            return await recorded.record_consent(ctx, person_id, draft, uploads=uploads)

        return await _signed_paper(request, ctx, person_id, record, "enregistre")

    @post(
        "/consentements/{consent_id:uuid}/retrait",
        opt={"section": "consents", "action": "write", "gate": RECORDING},
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
    )
    async def record_withdrawal(
        self, request: Request, ctx: FileRequest, person_id: UUID, consent_id: UUID
    ) -> Response:
        """A worker records the withdrawal the person asked for in writing: her signed request uploaded
        with it and a reason (:func:`coordination.access.recorded.record_withdrawal`)."""

        async def record(form: dict[str, Any], uploads: recorded.Uploads) -> Any:
            return await recorded.record_withdrawal(
                ctx, person_id, consent_id, recorded.Draft(form), uploads=uploads
            )

        return await _signed_paper(request, ctx, person_id, record, "retrait")


MESSAGES = {
    "enregistre": "Consentement enregistré, le formulaire signé déposé dans le dossier. La personne en est "
    "informée dans son espace et peut le retirer en un clic.",
    "retrait": "Retrait enregistré, la demande signée déposée dans le dossier. L'organisme n'a plus accès, dès "
    "maintenant ; la personne en est informée.",
}


async def _signed_paper(
    request: Request,
    ctx: FileRequest,
    person_id: UUID,
    record: Callable[[dict[str, Any], recorded.Uploads], Awaitable[Any]],
    ok: str,
) -> Response:
    """A recording on signed paper (the access package's service, which stores the form and commits):
    back to the consents with ``ok``, or the form again with the refusal in French."""
    recorded.precheck_length(request, ctx.settings)
    form = await checked_form(request)
    try:
        await record(form, recorded.uploads_for(request, ctx.settings))
    except ProblemError as exc:
        return await _refused(request, ctx, person_id, exc, form)
    return Redirect(f"/dossiers/{person_id}/consentements?ok={ok}", status_code=303)


async def _refused(
    request: Request, ctx: FileRequest, person_id: UUID, exc: ProblemError, form: dict[str, Any]
) -> Response:
    """A refused form is shown again with the reason in French (nothing was written); a refusal by the
    gate itself, or about a person that does not exist, stays an error page."""
    await ctx.session.rollback()
    if exc.code in ("access-denied", "csrf-failed") or exc.status in (401, 404):
        raise exc
    return await _consents_page(request, ctx, person_id, error=exc.detail, status_code=exc.status, sent=form)


async def _consents_page(
    request: Request,
    ctx: FileRequest,
    person_id: UUID,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    sent: dict | None = None,
    gated: bool = False,
) -> Response:
    """The consents page. ``gated``: the route's ``access`` dependency already decided (consents, read);
    after a refused recording the page is drawn again, and reading the consents is then its own decision."""
    db_session, principal = ctx.session, ctx.principal
    if not gated:
        await ctx.require(person_id, "consents", "read")
    person = await get_person(db_session, person_id)
    consent_list = await consents.list_consents(db_session, person_id)
    can_record = role_may(principal, "consents", "write") and principal.person_id != person_id
    recipients = await recipients_of(db_session) if can_record else []
    dpo = principal.role is Role.DPO
    return page(
        request,
        "file_consents.html",
        status_code=status_code,
        person_id=person_id,
        person=person,
        consents=consent_list,
        can_record=can_record,
        # never one's own organisation; health and social only for the DPO (access.recorded)
        recipients=[o for o in recipients if o.id != principal.organisation_id],
        durations=DURATIONS,
        file_sections=[s.value for s in FILE_SECTIONS if dpo or s.value not in recorded.SPECIAL_SECTIONS],
        plain=PLAIN_WORDS,
        message=message,
        error=error,
        sent=sent or {},
        is_dpo=dpo,
    )


# --- the referent: a contact, a handover (the API's ``…/referent/contacts`` and ``…/referent/handover``) --

REFERENT_READ = {"section": "trajectory", "action": "read"}
REFERENT_WRITE = {"section": "trajectory", "action": "write"}


async def _referent_context(ctx: FileRequest, person_id: UUID) -> dict:
    """The current referent (through the gate) and the person's name when the identity part is open."""
    current, _ = await current_referent(ctx, person_id)
    name = None
    if (await ctx.decide(person_id, "identity", "read")).allowed:
        person = await get_person(ctx.session, person_id)
        name = f"{person.first_name} {person.last_name}"
    return {"referent": current, "name": name, "person_id": person_id}


def _contact_defaults() -> dict[str, str]:
    at = now().astimezone(BRUSSELS)
    return {"contacted_on": at.date().isoformat(), "contacted_time": f"{at:%H:%M}", "note": ""}


def _handover_values(form: dict[str, Any]) -> tuple[dict[str, str], dict[str, str], UUID | None]:
    """What was typed, the French message of each field refused, and the chosen adviser."""
    values = {k: str(form.get(k) or "") for k in ("adviser_id", "reason", "note")}
    errors: dict[str, str] = {}
    adviser_id = None
    try:
        adviser_id = UUID(values["adviser_id"])
    except ValueError:
        errors["adviser_id"] = "Choisissez le nouveau référent dans la liste."
    if len(values["reason"]) > 300:
        errors["reason"] = "Le motif dépasse 300 caractères."
    if len(values["note"]) > 4000:
        errors["note"] = "La note dépasse 4 000 caractères."
    return values, errors, adviser_id


class ReferentActions(Controller):
    """A contact and a handover from the pages, with the referent package's services (never re-written
    here): a refusal re-renders the form with what was typed and the message next to its field."""

    path = "/dossiers/{person_id:uuid}"
    dependencies = FILE_PAGE_DEPENDENCIES

    @get("/contacts", opt=REFERENT_READ)
    async def contact_form(
        self, request: Request, ctx: FileRequest, access: Access, person_id: UUID
    ) -> Response:
        context = await _referent_context(ctx, person_id)
        return page(request, "referent_contact.html", values=_contact_defaults(), errors={}, **context)

    @post("/contacts", opt=REFERENT_WRITE)
    async def record_contact(
        self, request: Request, ctx: FileRequest, access: Access, person_id: UUID
    ) -> Response:
        form = await checked_form(request)
        values = {k: str(form.get(k) or "") for k in ("contacted_on", "contacted_time", "note")}
        errors: dict[str, str] = {}
        if len(values["note"]) > 300:
            errors["form"] = "La note dépasse 300 caractères."
        at = contact_instant(values["contacted_on"], values["contacted_time"], errors)
        if not errors:
            try:
                await referent.record_contact(
                    ctx.session, ctx.principal, person_id, at=at, note=values["note"].strip() or None
                )
                return Redirect("/portefeuille?ok=contact", status_code=303)
            except ProblemError as exc:
                errors[field_of(exc.code, CONTACT_FIELDS)] = exc.detail
        await ctx.session.rollback()  # nothing written: not the contact, not its journal row
        context = await _referent_context(ctx, person_id)
        return page(
            request, "referent_contact.html", status_code=422, values=values, errors=errors, **context
        )

    @get("/passation", opt=REFERENT_READ)
    async def handover_form(
        self, request: Request, ctx: FileRequest, access: Access, person_id: UUID
    ) -> Response:
        context = await _referent_context(ctx, person_id)
        candidates = await referent.handover_candidates(ctx.session, person_id)
        values = {"adviser_id": "", "reason": "", "note": ""}
        return page(
            request, "referent_handover.html", values=values, errors={}, candidates=candidates, **context
        )

    @post("/passation", opt=REFERENT_WRITE)
    async def handover(self, request: Request, ctx: FileRequest, access: Access, person_id: UUID) -> Response:
        form = await checked_form(request)
        values, errors, adviser_id = _handover_values(form)
        if not errors:
            try:
                person = await referent.get_person(ctx.session, person_id)
                adviser = await referent.get_adviser(ctx.session, adviser_id)
                await referent.handover(
                    ctx.session,
                    ctx.principal,
                    person,
                    adviser,
                    referent_policies(ctx.settings.policies_dir),
                    reason=values["reason"],
                    note=values["note"],
                )
                return Redirect("/portefeuille?ok=passation", status_code=303)
            except ProblemError as exc:
                errors[field_of(exc.code, HANDOVER_FIELDS)] = exc.detail
        await ctx.session.rollback()  # nothing written: the link, the notices and the journal row
        context = await _referent_context(ctx, person_id)
        candidates = await referent.handover_candidates(ctx.session, person_id)
        return page(
            request,
            "referent_handover.html",
            status_code=422,
            values=values,
            errors=errors,
            candidates=candidates,
            **context,
        )
