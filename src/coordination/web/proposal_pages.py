"""Pages of proposed changes to an organisation's name, kind and BCE number (``/cadastre/propositions``).

A partner manager sees their organisation's asserted facts, proposes a change and follows their proposals;
the registry administrator sees the proposals waiting for verification and approves or rejects them (a
reason is required to reject). The rules live in :mod:`coordination.cadastre.proposals`; these pages touch
no person's file (role-guarded like the registry API)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect

from coordination.access.principal import Principal
from coordination.cadastre import dependencies as deps
from coordination.cadastre import overview, proposals, rules
from coordination.cadastre.dependencies import RegistryContext
from coordination.directory.models import Role
from coordination.errors import Forbidden, ProblemError
from coordination.web.csrf import checked_form
from coordination.web.render import fields_of, page
from coordination.web.session import require_user

PAGE = proposals.PROPOSALS_PAGE
REGISTRY = {"public": "cadastre des partenariats (propositions de modification) : aucun dossier de personne"}
MESSAGES = {
    "proposee": "Votre proposition est envoyée : elle prendra effet une fois vérifiée par l'administrateur.",
    "approuvee": "La proposition est approuvée : la fiche est modifiée.",
    "refusee": "La proposition est refusée ; le responsable en est informé.",
}
VOCABULARY: dict[str, Any] = {"field_labels": proposals.FIELD_LABELS_FR, "kinds": rules.PARTNER_KIND_LABELS}
"""The words the page shows: the fields a proposal changes, the kinds of partner."""
FORM_ERRORS = (409, 422)
"""Refusals the page shows beside the form (a conflict, an invalid value); any other is an error page."""


async def provide_keeper_or_manager(request: Request) -> Principal:
    """The signed-in keeper or partner manager; a form sent is checked for its CSRF token first, so a
    forged cross-site post is refused as such whoever is signed in."""
    principal = await require_user(request)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        await checked_form(request)  # parsed once: Litestar keeps the form for the handler
    if not (rules.is_keeper(principal) or principal.role is Role.PARTNER_MANAGER):
        raise Forbidden(
            "Ces pages sont réservées à l'administrateur du cadastre et aux responsables partenaires."
        )
    return principal


def _text(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


def _proposed_values(form: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"comment": _text(form.get("comment"))}
    for field in ("name", "partner_kind", "tax_id"):
        if _text(form.get(field)) is not None:
            values[field] = _text(form.get(field))
    return values


async def _render(
    ctx: RegistryContext,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
) -> Response:
    shown = await overview.proposals_overview(ctx.session, ctx.principal)
    return page(
        ctx.request,
        "cadastre_proposals.html",
        status_code=status_code,
        **fields_of(shown),
        **VOCABULARY,
        message=message,
        error=error,
        form=form or {},
    )


async def _refused(ctx: RegistryContext, exc: ProblemError, form: dict[str, Any] | None = None) -> Response:
    """The page again with the refusal's French detail; nothing of the refused request is kept."""
    if exc.status not in FORM_ERRORS:
        raise exc
    await ctx.session.rollback()
    return await _render(ctx, error=exc.detail, status_code=exc.status, form=form)


class ProposalPages(Controller):
    path = PAGE
    dependencies = {**deps.CONTEXT, "principal": Provide(provide_keeper_or_manager)}
    """The registry's context (:mod:`coordination.cadastre.dependencies`) of a keeper or partner manager."""

    @get("/", opt=REGISTRY)
    async def show(self, ctx: RegistryContext, ok: str | None = None) -> Response:
        return await _render(ctx, message=MESSAGES.get(ok or ""))

    @post("/", opt=REGISTRY)
    async def propose(self, ctx: RegistryContext) -> Response:
        form = await checked_form(ctx.request)
        principal = ctx.principal
        if principal.organisation_id is None:
            raise Forbidden("Seul un responsable partenaire propose une modification de sa fiche.")
        try:
            await proposals.propose(ctx.session, principal.organisation_id, _proposed_values(form), principal)
        except ProblemError as exc:
            return await _refused(ctx, exc, form=dict(form))
        return Redirect(f"{PAGE}?ok=proposee", status_code=303)

    @post("/{proposal_id:uuid}/decision", opt=REGISTRY)
    async def decide(self, ctx: RegistryContext, proposal_id: UUID) -> Response:
        form = await checked_form(ctx.request)
        decision = str(form.get("decision", ""))
        if decision not in ("approuver", "refuser"):
            return await _render(ctx, error="Choisissez d'approuver ou de refuser.", status_code=422)
        approve = decision == "approuver"
        try:
            await proposals.decide(
                ctx.session, proposal_id, ctx.principal, approve=approve, reason=_text(form.get("reason"))
            )
        except ProblemError as exc:
            return await _refused(ctx, exc)
        return Redirect(f"{PAGE}?ok={'approuvee' if approve else 'refusee'}", status_code=303)
