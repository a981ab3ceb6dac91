"""Pages of proposed changes to an organisation's name, kind and BCE number (``/cadastre/propositions``).

A partner manager sees their organisation's asserted facts, proposes a change and follows their proposals;
the registry administrator sees the proposals waiting for verification and approves or rejects them (a
reason is required to reject). The rules live in :mod:`coordination.cadastre.proposals`; these pages touch
no person's file (role-guarded like the registry API)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.cadastre import proposals, rules
from coordination.cadastre import services as svc
from coordination.directory.models import Role
from coordination.errors import Forbidden, ProblemError
from coordination.web.csrf import checked_form
from coordination.web.errors import WEB_EXCEPTION_HANDLERS
from coordination.web.render import page
from coordination.web.session import require_user

PAGE = proposals.PROPOSALS_PAGE
REGISTRY = {"public": "cadastre des partenariats (propositions de modification) : aucun dossier de personne"}
MESSAGES = {
    "proposee": "Votre proposition est envoyée : elle prendra effet une fois vérifiée par l'administrateur.",
    "approuvee": "La proposition est approuvée : la fiche est modifiée.",
    "refusee": "La proposition est refusée ; le responsable en est informé.",
}


def _keeper_or_manager(principal: Principal) -> Principal:
    if not (rules.is_keeper(principal) or principal.role is Role.PARTNER_MANAGER):
        raise Forbidden(
            "Ces pages sont réservées à l'administrateur du cadastre et aux responsables partenaires."
        )
    return principal


def _text(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


class ProposalPages(Controller):
    path = PAGE
    exception_handlers = WEB_EXCEPTION_HANDLERS
    include_in_schema = False

    async def _render(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        *,
        message: str | None = None,
        error: str | None = None,
        status_code: int = 200,
        form: dict[str, Any] | None = None,
    ) -> Response:
        keeper = rules.is_keeper(principal)
        rows = await proposals.list_proposals(db_session, principal)
        entry = None
        if not keeper and principal.organisation_id is not None:
            try:
                org, profile = await svc.get_organisation(db_session, principal.organisation_id)
                entry = svc.organisation_out(org, profile)
            except ProblemError:
                entry = None
        items = [proposals.proposal_out(p, name) for p, name in rows]
        return page(
            request,
            "cadastre_proposals.html",
            status_code=status_code,
            keeper=keeper,
            entry=entry,
            pending=[p for p in items if p.status == "pending"],
            decided=[p for p in items if p.status != "pending"][:50],
            field_labels=proposals.FIELD_LABELS_FR,
            kinds=rules.PARTNER_KIND_LABELS,
            message=message,
            error=error,
            form=form or {},
        )

    @get("/", opt=REGISTRY)
    async def show(self, request: Request, db_session: AsyncSession, ok: str | None = None) -> Response:
        principal = _keeper_or_manager(await require_user(request))
        return await self._render(request, db_session, principal, message=MESSAGES.get(ok or ""))

    @post("/", opt=REGISTRY)
    async def propose(self, request: Request, db_session: AsyncSession) -> Response:
        principal = await require_user(request)
        form = await checked_form(request)
        _keeper_or_manager(principal)
        if principal.organisation_id is None:
            raise Forbidden("Seul un responsable partenaire propose une modification de sa fiche.")
        values: dict[str, Any] = {"comment": _text(form.get("comment"))}
        for field in ("name", "partner_kind", "tax_id"):
            if _text(form.get(field)) is not None:
                values[field] = _text(form.get(field))
        try:
            await proposals.propose(db_session, principal.organisation_id, values, principal)
        except ProblemError as exc:
            if exc.status not in (409, 422):
                raise
            await db_session.rollback()
            return await self._render(
                request, db_session, principal, error=exc.detail, status_code=exc.status, form=dict(form)
            )
        await db_session.commit()
        return Redirect(f"{PAGE}?ok=proposee", status_code=303)

    @post("/{proposal_id:uuid}/decision", opt=REGISTRY)
    async def decide(self, request: Request, db_session: AsyncSession, proposal_id: UUID) -> Response:
        principal = await require_user(request)
        form = await checked_form(request)
        _keeper_or_manager(principal)
        approve = str(form.get("decision", "")) == "approuver"
        if str(form.get("decision", "")) not in ("approuver", "refuser"):
            return await self._render(
                request, db_session, principal, error="Choisissez d'approuver ou de refuser.", status_code=422
            )
        try:
            await proposals.decide(
                db_session, proposal_id, principal, approve=approve, reason=_text(form.get("reason"))
            )
        except ProblemError as exc:
            if exc.status not in (409, 422):
                raise
            await db_session.rollback()
            return await self._render(
                request, db_session, principal, error=exc.detail, status_code=exc.status
            )
        await db_session.commit()
        return Redirect(f"{PAGE}?ok={'approuvee' if approve else 'refusee'}", status_code=303)
