"""The person's own space: their file in plain words, their referent, their consents, their journal.

Every read goes through the access gate (basis « self »); giving and withdrawing a consent call the
access package's services after the gate, exactly as ``/api/v1/persons/{id}/consents`` does, and take
one click each.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import mandates
from coordination.access import services as consents
from coordination.access.declared import Access
from coordination.access.journal_visits import VisitFilter, read_visits
from coordination.access.policy import FILE_SECTIONS
from coordination.access.principal import Principal
from coordination.clock import now
from coordination.directory.models import Organisation, OrganisationKind
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.export_response import EXPORT_SECTIONS, export_response
from coordination.dossier.services import fileview
from coordination.dossier.services.file_screen import own_file_view
from coordination.errors import BadRequest, NotFound
from coordination.web.access import WEB_ACCESS
from coordination.web.csrf import as_list, checked_form
from coordination.web.filedata import PLAIN_WORDS, SECTION_TITLES
from coordination.web.journal_pages import journal_context, parse_query
from coordination.web.referent_info import current_referent, referent_contact
from coordination.web.render import page as render_page

OWN_READ = {"section": (*fileview.FILE_SECTIONS, "consents", "journal"), "action": "read"}
CONSENTS_WRITE = {"section": "consents", "action": "write"}
JOURNAL_READ = {"section": "journal", "action": "read"}

SUGGESTED_SECTIONS = ("identity", "plan", "trajectory", "progress")
DURATIONS = {"3": ("3 mois", 92), "6": ("6 mois", 183), "12": ("1 an", 365), "24": ("2 ans", 730)}
MESSAGES = {
    "retire": "Consentement retiré. L'organisme n'a plus accès à ces informations, dès maintenant.",
    "donne": "Consentement enregistré. Vous pouvez le retirer à tout moment, en un clic.",
}
JOURNAL_PAGE = 100


def own_person(principal: Principal) -> UUID:
    """The person the signed-in user is; 404 for a worker (this space is the persons')."""
    if principal.person_id is None:
        raise NotFound(
            "Aucun dossier personnel n'est associé à votre compte : cet espace est celui des personnes "
            "accompagnées.",
            code="no-own-file",
        )
    return principal.person_id


async def _gate_own(ctx: FileRequest, section: str, action: str) -> UUID:
    """The gate on the person's own file: she too goes through it (her visits and refusals are journaled).
    Her file's id (404 for a worker)."""
    person_id = own_person(ctx.principal)
    await ctx.require(person_id, section, action)
    return person_id


def _back_to_consents(ok: str) -> Response:
    """After a consent given or withdrawn: back to the consents of the personal space, with its message."""
    return Redirect("/mon-espace?" + urlencode({"ok": ok}) + "#consentements", status_code=303)


async def recipients_of(session: AsyncSession) -> list[Organisation]:
    """Organisations a person may share with (regulators never see a named file)."""
    rows = await session.scalars(
        select(Organisation)
        .where(Organisation.kind != OrganisationKind.REGULATOR)
        .order_by(Organisation.name)
    )
    return list(rows)


def _suggestions(view, active_consents) -> list[dict]:
    """One-click consents: each organisation running a step of the person's pathway without an active
    consent covering that step."""
    covered = {
        c.recipient_organisation_id
        for c in active_consents
        if c.status == "active" and {"trajectory", "progress"} <= set(c.sections)
    }
    found: dict[UUID, dict] = {}
    for step in view.data.get("trajectory", []):
        org = step.organisation_id
        if org in covered or org in found or step.status in ("completed", "cancelled", "dropped_out"):
            continue
        what = step.title or step.kind_label
        found[org] = {
            "organisation_id": org,
            "organisation_name": view.org_names.get(org, "Organisme"),
            "purpose": f"Suivre votre étape « {what} » et y noter vos progrès.",
            "sections": SUGGESTED_SECTIONS,
        }
    return list(found.values())


class MePages(Controller):
    path = "/mon-espace"
    dependencies = DOSSIER_CONTEXT

    @get("/", opt=OWN_READ)
    async def space(self, request: Request, ctx: FileRequest, ok: str | None = None) -> Response:
        db_session, principal, rid = ctx.session, ctx.principal, ctx.request_id
        person_id = own_person(principal)
        view = await own_file_view(db_session, principal, person_id, ctx.dossier, request_id=rid)
        referent, _ = await current_referent(ctx, person_id)
        contact = await referent_contact(db_session, referent)
        await _gate_own(ctx, "consents", "read")
        consent_list = await consents.list_consents(db_session, person_id)
        legal_mandates = (
            await mandates.list_mandates(db_session, person_id) if "identity" in view.allowed else []
        )
        await _gate_own(ctx, "journal", "read")
        others, _ = await read_visits(
            db_session,
            VisitFilter(person_id=person_id, decision="allow", exclude_user_id=principal.user_id),
            limit=5,
        )
        recipients = await recipients_of(db_session)
        return render_page(
            request,
            "me.html",
            view=view,
            titles=SECTION_TITLES,
            plain=PLAIN_WORDS,
            referent=referent,
            referent_contact=contact,
            consents=consent_list,
            mandates=legal_mandates,
            suggestions=_suggestions(view, consent_list),
            recipients=recipients,
            durations=DURATIONS,
            file_sections=[s.value for s in FILE_SECTIONS],
            journal=others,
            message=MESSAGES.get(ok or ""),
        )

    @post("/consentements", opt=CONSENTS_WRITE)
    async def give(self, request: Request, ctx: FileRequest) -> Response:
        person_id = own_person(ctx.principal)
        form = await checked_form(request)
        try:
            recipient = UUID(str(form.get("recipient_organisation_id", "")))
        except ValueError as exc:
            raise BadRequest("Choisissez l'organisme avec lequel partager.") from exc
        _label, days = DURATIONS.get(str(form.get("duree", "12")), DURATIONS["12"])
        await _gate_own(ctx, "consents", "write")
        await consents.give_consent(
            ctx.session,
            ctx.principal,
            person_id,
            recipient_organisation_id=recipient,
            sections=as_list(form.get("sections")),
            purpose=str(form.get("purpose", "")),
            expires_at=now() + timedelta(days=days),
        )
        return _back_to_consents("donne")

    @post("/consentements/{consent_id:uuid}/retrait", opt=CONSENTS_WRITE)
    async def withdraw(self, request: Request, ctx: FileRequest, consent_id: UUID) -> Response:
        person_id = own_person(ctx.principal)
        await checked_form(request)
        await _gate_own(ctx, "consents", "write")
        await consents.withdraw_consent(ctx.session, ctx.principal, person_id, consent_id)
        return _back_to_consents("retire")

    @get(
        "/export",
        opt={"section": EXPORT_SECTIONS, "action": "export", "own": True},
        dependencies=WEB_ACCESS,
    )
    async def export(
        self, ctx: FileRequest, access: Access, format: Annotated[str, Parameter(max_length=10)] = "pdf"
    ) -> Response:
        """Her data as PDF or JSON, from her space: the API's export (same gate, same journal rows)."""
        assert access.person_id is not None  # "own": the dependency found her file or refused
        return await export_response(ctx.session, ctx.dossier, access.person_id, format, set(access.sections))

    @get("/journal", opt=JOURNAL_READ)
    async def journal(
        self,
        request: Request,
        ctx: FileRequest,
        page: Annotated[int, Parameter(ge=1, le=10_000)] = 1,
        refus: Annotated[int, Parameter(ge=1, le=10_000)] = 1,
        moi: bool = False,
        organisme: Annotated[str, Parameter(max_length=40)] = "",
        du: Annotated[str, Parameter(max_length=20)] = "",
        au: Annotated[str, Parameter(max_length=20)] = "",
    ) -> Response:
        """One line per visit, refusals apart, filter by organisation and period (``journal_pages``)."""
        person_id = await _gate_own(ctx, "journal", "read")
        query = parse_query(organisme, du, au)
        if moi:
            query.typed["moi"] = "true"
        context = await journal_context(
            ctx.session,
            query,
            person_id=person_id,
            exclude_user_id=None if moi else ctx.principal.user_id,
            page=page,
            refusals_page=refus,
        )
        return render_page(
            request,
            "my_journal.html",
            status_code=400 if query.errors else 200,
            include_own=moi,
            **context,
        )
