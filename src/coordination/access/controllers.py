"""HTTP API of the access package: consents, the access journal, and the development login.

Every route declares its (section, action) in ``opt``: the ``access`` dependency asks the gate first, and
the request's session commits (the gate's journal row with the change; handlers never commit). When a
worker gives (records), withdraws or renews a consent on the person's behalf, the person is told in their
inbox, in the same transaction (the access events' subscribers). The session, the principal and the
request id come as one context (:mod:`coordination.access.context`), declared once per controller.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import pagination
from coordination.access import recorded, services
from coordination.access.context import CONTEXT_DEPENDENCIES, Context
from coordination.access.declared import Access
from coordination.access.gate import require_role_permission
from coordination.access.policy import Basis
from coordination.access.principal import Principal
from coordination.access.schemas import (
    ConsentOut,
    DevTokenOut,
    DevTokenRequest,
    DevUserOut,
    GiveConsent,
    JournalPage,
    RenewConsent,
    WithdrawConsent,
)
from coordination.directory.models import Organisation, User
from coordination.errors import NotFound
from coordination.shapes import from_row

CONSENTS_READ = {"section": "consents", "action": "read"}
CONSENTS_WRITE = {"section": "consents", "action": "write"}
JOURNAL_READ = {"section": "journal", "action": "read"}


RECORDING = (
    "le gate (consents, write) est demandé par access.recorded, le service partagé par l'API, les pages et "
    "les orientations, avant toute lecture du formulaire signé"
)


async def _consent_answer(session: AsyncSession, person_id: UUID, consent_id: UUID) -> ConsentOut:
    """One consent as the person's list shows it (with its history)."""
    return services.consent_out(await services.list_consents(session, person_id), consent_id)


async def _recorded(request: Request, ctx: Context, person_id: UUID, record, *consent_id: UUID) -> ConsentOut:
    """A worker records what the person signed on paper: the multipart form (values and the signed file),
    one service of :mod:`.recorded` (``record`` with the consent's id, if any), the consent it wrote."""
    values = await recorded.multipart_values(request, ctx.settings)
    consent = await record(
        ctx,
        person_id,
        *consent_id,
        recorded.Draft(values),
        uploads=recorded.uploads_for(request, ctx.settings),
    )
    return await _consent_answer(ctx.session, person_id, consent.id)


def _recording(path: str, status_code: int, *, summary: str, description: str):
    """The route of a recording from paper: a multipart body up to the signed form's ceiling, the gate
    asked by :mod:`.recorded` itself (see :data:`RECORDING`)."""
    return post(
        path,
        opt={**CONSENTS_WRITE, "gate": RECORDING},
        status_code=status_code,
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
        summary=summary,
        description=description,
    )


class ConsentController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/consents"
    tags = ["consentements"]
    dependencies = CONTEXT_DEPENDENCIES

    @get("/", opt=CONSENTS_READ, summary="Consentements de la personne, avec leur historique")
    async def list_consents(self, ctx: Context, access: Access, person_id: UUID) -> list[ConsentOut]:
        return await services.list_consents(ctx.session, person_id)

    @post(
        "/",
        opt=CONSENTS_WRITE,
        status_code=HTTP_201_CREATED,
        summary="Donner son consentement (la personne elle-même)",
    )
    async def give(self, ctx: Context, access: Access, person_id: UUID, data: GiveConsent) -> ConsentOut:
        consent = await services.give_consent(
            ctx.session,
            ctx.principal,
            person_id,
            recipient_organisation_id=data.recipient_organisation_id,
            sections=data.sections,
            purpose=data.purpose,
            expires_at=data.expires_at,
            legal_basis=data.legal_basis,
            channel=data.channel,
            evidence_document_id=data.evidence_document_id,
        )
        return await _consent_answer(ctx.session, person_id, consent.id)

    @post(
        "/{consent_id:uuid}/withdraw",
        opt=CONSENTS_WRITE,
        status_code=HTTP_200_OK,
        summary="Retirer un consentement (effet immédiat)",
    )
    async def withdraw(
        self,
        ctx: Context,
        access: Access,
        person_id: UUID,
        consent_id: UUID,
        data: WithdrawConsent | None = None,
    ) -> ConsentOut:
        body = data or WithdrawConsent()
        await services.withdraw_consent(
            ctx.session,
            ctx.principal,
            person_id,
            consent_id,
            channel=body.channel,
            evidence_document_id=body.evidence_document_id,
            note=body.note,
        )
        return await _consent_answer(ctx.session, person_id, consent_id)

    @post(
        "/{consent_id:uuid}/renew",
        opt=CONSENTS_WRITE,
        status_code=HTTP_201_CREATED,
        summary="Renouveler un consentement (nouveau consentement, l'ancien est remplacé)",
    )
    async def renew(
        self, ctx: Context, access: Access, person_id: UUID, consent_id: UUID, data: RenewConsent
    ) -> ConsentOut:
        new = await services.renew_consent(ctx.session, ctx.principal, person_id, consent_id, data)
        return await _consent_answer(ctx.session, person_id, new.id)

    @_recording(
        "/recorded",
        HTTP_201_CREATED,
        summary="Enregistrer un consentement signé sur papier, formulaire joint (multipart/form-data)",
        description="Champs : recipient_organisation_id, sections (répété ou séparé par des virgules), "
        "purpose, expires_at (ISO 8601 avec fuseau), channel (paper | interview), legal_basis, title, et "
        "file : le formulaire signé, déposé dans le dossier (catégorie consent_form) dans la même étape. "
        "Jamais au profit de son propre organisme ; santé et situation sociale : DPO seulement.",
    )
    async def record(
        self, request: Request[Principal, str, State], ctx: Context, person_id: UUID
    ) -> ConsentOut:
        return await _recorded(request, ctx, person_id, recorded.record_consent)

    @_recording(
        "/{consent_id:uuid}/withdraw/recorded",
        HTTP_200_OK,
        summary="Enregistrer le retrait demandé par écrit, demande signée jointe (multipart/form-data)",
        description="Champs : reason (obligatoire), channel (paper | interview), title, et file : la "
        "demande signée de la personne, déposée dans son dossier dans la même étape.",
    )
    async def record_withdrawal(
        self, request: Request[Principal, str, State], ctx: Context, person_id: UUID, consent_id: UUID
    ) -> ConsentOut:
        return await _recorded(request, ctx, person_id, recorded.record_withdrawal, consent_id)

    @_recording(
        "/{consent_id:uuid}/renew/recorded",
        HTTP_201_CREATED,
        summary="Enregistrer un renouvellement signé sur papier, formulaire joint (multipart/form-data)",
        description="Champs : expires_at (ISO 8601 avec fuseau), channel (paper | interview), title, et "
        "file : le formulaire signé. Mêmes règles que l'enregistrement d'un consentement.",
    )
    async def record_renewal(
        self, request: Request[Principal, str, State], ctx: Context, person_id: UUID, consent_id: UUID
    ) -> ConsentOut:
        return await _recorded(request, ctx, person_id, recorded.record_renewal, consent_id)


class JournalController(Controller):
    path = "/api/v1"
    tags = ["journal des accès"]
    dependencies = CONTEXT_DEPENDENCIES

    @get(
        "/persons/{person_id:uuid}/journal",
        opt=JOURNAL_READ,
        summary="Qui a consulté ce dossier, quand, pourquoi",
    )
    async def person_journal(
        self,
        ctx: Context,
        access: Access,
        person_id: UUID,
        cursor: str | None = Parameter(default=None, max_length=pagination.CURSOR_MAX_LENGTH),
        page_size: int = Parameter(default=50, ge=1, le=500),
    ) -> JournalPage:
        return await _journal_page(ctx, person_id, cursor, page_size)

    @get(
        "/journal",
        opt=JOURNAL_READ,
        summary="Journal de tous les dossiers (délégué à la protection des données)",
    )
    async def all_journals(
        self,
        ctx: Context,
        cursor: str | None = Parameter(default=None, max_length=pagination.CURSOR_MAX_LENGTH),
        page_size: int = Parameter(default=50, ge=1, le=500),
    ) -> JournalPage:
        require_role_permission(ctx.principal, "journal", "read", Basis.OVERSIGHT)
        return await _journal_page(ctx, None, cursor, page_size)


async def _journal_page(
    ctx: Context, person_id: UUID | None, cursor: str | None, page_size: int
) -> JournalPage:
    """Keyset pagination, as every API list: the next page starts after the last row shown (in one file's
    chain, its sequence number; across all files, the instant and the id)."""
    one_file = person_id is not None
    after = pagination.decode(cursor, int) if one_file else pagination.decode(cursor, datetime, UUID)
    items, total = await services.read_journal(
        ctx.session, person_id=person_id, limit=page_size + 1, offset=0, after=after
    )
    has_more = len(items) > page_size
    items = items[:page_size]
    next_cursor = None
    if has_more:
        last = items[-1]
        next_cursor = pagination.encode(last.seq) if one_file else pagination.encode(last.at, last.id)
    return JournalPage(
        items=items, total=total, page_size=page_size, has_more=has_more, next_cursor=next_cursor
    )


class DevLoginController(Controller):
    """Development login (embedded default only): pick a demo user, get a token. 404 in production."""

    path = "/api/v1/dev"
    tags = ["développement"]
    include_in_schema = False

    @staticmethod
    def _issuer(state: State):
        identity = state.identity
        if state.settings.is_production or identity.dev_issuer is None:
            raise NotFound()
        return identity.dev_issuer

    @get("/users", opt={"public": "connexion de développement"})
    async def users(self, state: State, db_session: AsyncSession) -> list[DevUserOut]:
        self._issuer(state)
        users = (await db_session.scalars(select(User).order_by(User.role, User.subject))).all()
        return [from_row(u, DevUserOut, role=u.role.value) for u in users]

    @post("/token", opt={"public": "connexion de développement"}, status_code=HTTP_200_OK)
    async def token(self, state: State, db_session: AsyncSession, data: DevTokenRequest) -> DevTokenOut:
        issuer = self._issuer(state)
        ttl = timedelta(minutes=max(1, min(data.ttl_minutes, 24 * 60)))
        token = await issue_token_for_subject(db_session, issuer, data.subject, ttl)
        return DevTokenOut(access_token=token, expires_in=int(ttl.total_seconds()), subject=data.subject)


async def issue_token_for_subject(db_session: AsyncSession, issuer, subject: str, ttl: timedelta) -> str:
    row = (
        await db_session.execute(
            select(User, Organisation.kind)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .where(User.subject == subject)
        )
    ).first()
    if row is None:
        raise NotFound(f"Utilisateur inconnu : « {subject} ».", code="unknown-user")
    user, kind = row
    return issuer.issue(user, ttl, org_kind=kind.value if kind else None)


ROUTES = [ConsentController, JournalController, DevLoginController]
