"""HTTP API of referrals. Thin: each handler builds a :class:`~.services.Context`, calls one service,
commits, and shapes the answer. Routes touching the file declare (section, action) and the services
call the gate; the partner's card routes and the aggregated outcomes touch no file and say why."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import recorded
from coordination.access.declared import Access
from coordination.access.principal import Principal
from coordination.db.base import utcnow
from coordination.directory.models import Role
from coordination.dossier.services.common import get_person
from coordination.errors import Forbidden
from coordination.referral import outcomes, rules, schemas, services, views
from coordination.referral.calendar import load_calendar
from coordination.referral.search import fits_for
from coordination.settings import Settings

CARD = {
    "public": "carte d'orientation du partenaire destinataire : instantané (service, catégorie de motif, prénom, "
    "bassin) pris à l'envoi par un travailleur passé par le gate ; rien du dossier ; chaque carte montrée "
    "est journalisée sur la chaîne de la personne (base « referral »)"
}
PARTNER_ANSWER = {
    "public": "réponse du partenaire destinataire à sa carte d'orientation (refus, liste d'attente) : "
    "n'ouvre rien du dossier"
}
AGGREGATES = {"public": "chiffres agrégés par service et partenaire, sans aucune donnée personnelle"}
VOCABULARY = {"public": "listes de motifs (règles), sans donnée personnelle"}


def referral_rules(settings: Settings) -> rules.ReferralRules:
    return rules.load_rules(Path(settings.policies_dir))


def context(request: Request, settings: Settings, request_id: str) -> services.Context:
    return services.Context(
        principal=request.user,
        request_id=request_id,
        rules=referral_rules(settings),
        calendar=load_calendar(Path(settings.policies_dir)),
        now=utcnow(),
    )


async def _full_one(db_session: AsyncSession, ctx: services.Context, referral) -> schemas.ReferralOut:
    [out] = await views.full(db_session, [referral], ctx.rules, ctx.at)
    return out


async def _card_one(db_session: AsyncSession, ctx: services.Context, referral) -> schemas.ReferralCard:
    """The partner's card after an answer: shown, so journaled like the inbox's cards."""
    [out] = await views.shown_cards(db_session, ctx.principal, [referral], ctx.rules, ctx.at, ctx.request_id)
    return out


REFERRAL_USE_CASE = (
    "une orientation demande plusieurs décisions du gate (identité, parcours, plan, consentements) selon ce "
    "qu'elle contient : le service referral.services les demande, le même pour l'API et les pages"
)


class PersonReferralController(Controller):
    """From the person's file: find a service, send a referral, follow the person's referrals."""

    path = "/api/v1/persons/{person_id:uuid}"
    tags = ["orientations"]

    @get(
        "/referral-services",
        opt={"section": "identity", "action": "read"},
        summary="Services du cadastre adaptés à la personne (bassin, public, thème, langue, places, convention)",
    )
    async def search(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        person_id: UUID,
        theme: str | None = Parameter(default=None, max_length=100),
        public: str | None = Parameter(default=None, max_length=100),
        language: str | None = Parameter(default=None, max_length=8),
        all_services: bool = Parameter(
            default=False, description="Aussi les services qui ne conviennent pas"
        ),
    ) -> list[schemas.ServiceMatch]:
        if request.user.role.value not in rules.SENDER_ROLES:
            raise Forbidden(
                "Seuls les référents et assistants sociaux orientent une personne.", code="not-a-sender"
            )
        person = await get_person(db_session, person_id)
        found = await fits_for(
            db_session,
            bassin=person.bassin,
            language=language or person.language,
            public=public,
            theme=theme,
            today=rules.today_brussels(utcnow()),
        )
        await db_session.commit()
        found.sort(key=lambda f: (not f.fits, not f.in_bassin, f.service.name))
        return [views.match_out(f) for f in found if all_services or f.fits]

    @get(
        "/referrals",
        opt={"section": "trajectory", "action": "read", "gate": REFERRAL_USE_CASE},
        summary="Orientations de la personne",
    )
    async def list_for_person(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        person_id: UUID,
    ) -> list[schemas.ReferralOut]:
        ctx = context(request, settings, request_id)
        found = await services.for_person(db_session, ctx, person_id)
        out = await views.full(db_session, found, ctx.rules, ctx.at)
        await db_session.commit()
        return out

    @post(
        "/referrals",
        opt={"section": "trajectory", "action": "write", "gate": REFERRAL_USE_CASE},
        status_code=HTTP_201_CREATED,
        summary="Orienter la personne vers un service (le consentement est demandé dans la même étape)",
    )
    async def send(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        person_id: UUID,
        data: schemas.SendReferral,
    ) -> schemas.ReferralOut:
        ctx = context(request, settings, request_id)
        referral = await services.send(
            db_session,
            ctx,
            services.SendInput(
                person_id=person_id,
                service_id=data.service_id,
                reason_category=data.reason_category,
                reason=data.reason,
                sections=list(data.sections),
                plan_objective_id=data.plan_objective_id,
                outside_bassin_reason=data.outside_bassin_reason,
                consent_mode=data.consent.mode,
                consent_channel=data.consent.channel,
                consent_evidence_document_id=data.consent.evidence_document_id,
                consent_expires_at=data.consent.expires_at,
            ),
        )
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    @post(
        "/referrals/recorded",
        opt={"section": "trajectory", "action": "write", "gate": REFERRAL_USE_CASE},
        status_code=HTTP_201_CREATED,
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
        summary="Orienter la personne avec son accord signé sur papier, formulaire joint (multipart/form-data)",
        description="Parties : referral (l'orientation en JSON, comme POST …/referrals, avec consent.mode "
        "« record »), file (le formulaire signé, déposé dans le dossier dans la même étape), title. L'accord "
        "va au partenaire seulement : jamais à l'organisme de celui qui l'enregistre, jamais santé ni "
        "situation sociale.",
    )
    async def send_recorded(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        person_id: UUID,
    ) -> schemas.ReferralOut:
        ctx = context(request, settings, request_id)
        values = await recorded.multipart_values(request, settings)
        referral = await services.send_recorded(
            db_session, ctx, person_id, recorded.Draft(values), recorded.uploads_for(request, settings)
        )
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out


class ReferralController(Controller):
    path = "/api/v1/referrals"
    tags = ["orientations"]

    # --- the file side: referent, CPAS worker, the person -------------------------------------

    @get(
        "/{referral_id:uuid}",
        opt={"section": "trajectory", "action": "read"},
        summary="Une orientation et son historique",
    )
    async def read(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
    ) -> schemas.ReferralOut:
        ctx = context(request, settings, request_id)
        referral = await services.one_in_file(db_session, ctx, referral_id)
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    @post(
        "/{referral_id:uuid}/consent",
        opt={"section": "consents", "action": "write"},
        status_code=HTTP_200_OK,
        summary="Donner son accord (la personne) ou l'enregistrer avec sa preuve (le travailleur)",
    )
    async def give_consent(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
        data: schemas.GiveConsent | None = None,
    ) -> schemas.ReferralOut:
        ctx = context(request, settings, request_id)
        body = data or schemas.GiveConsent()
        referral = await services.get_referral(db_session, referral_id)
        await services.give_consent(
            db_session,
            ctx,
            referral,
            channel=body.channel,
            evidence_document_id=body.evidence_document_id,
            expires_at=body.expires_at,
        )
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    @post(
        "/{referral_id:uuid}/consent/recorded",
        opt={"section": "consents", "action": "write"},
        status_code=HTTP_200_OK,
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
        summary="Enregistrer l'accord signé sur papier, formulaire joint (multipart/form-data)",
        description="Champs : file (le formulaire signé), channel (paper | interview), title. Pour le "
        "partenaire destinataire seulement, jamais santé ni situation sociale.",
    )
    async def record_consent(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
    ) -> schemas.ReferralOut:
        ctx = context(request, settings, request_id)
        values = await recorded.multipart_values(request, settings)
        referral = await services.get_referral(db_session, referral_id)
        referral = await services.give_consent(
            db_session,
            ctx,
            referral,
            signed=recorded.Draft(values),
            uploads=recorded.uploads_for(request, settings),
        )
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    @post(
        "/{referral_id:uuid}/consent/withdraw/recorded",
        opt={"section": "consents", "action": "write"},
        status_code=HTTP_200_OK,
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
        summary="Enregistrer le retrait demandé par écrit, demande signée jointe (multipart/form-data)",
        description="Champs : file (la demande signée), reason (obligatoire), channel, title.",
    )
    async def record_withdrawal(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
    ) -> schemas.ReferralOut:
        ctx = context(request, settings, request_id)
        values = await recorded.multipart_values(request, settings)
        referral = await services.get_referral(db_session, referral_id)
        referral = await services.withdraw_consent(
            db_session,
            ctx,
            referral,
            signed=recorded.Draft(values),
            uploads=recorded.uploads_for(request, settings),
        )
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    @post(
        "/{referral_id:uuid}/consent/decline",
        opt={"section": "consents", "action": "write"},
        status_code=HTTP_200_OK,
        summary="La personne refuse de partager : l'orientation est retirée",
    )
    async def decline_consent(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
        data: schemas.DeclineConsent | None = None,
    ) -> schemas.ReferralOut:
        ctx = context(request, settings, request_id)
        referral = await services.get_referral(db_session, referral_id)
        await services.decline_consent(db_session, ctx, referral, (data or schemas.DeclineConsent()).note)
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    @post(
        "/{referral_id:uuid}/consent/withdraw",
        opt={"section": "consents", "action": "write"},
        status_code=HTTP_200_OK,
        summary="Retirer l'accord donné pour cette orientation (effet immédiat)",
    )
    async def withdraw_consent(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
        data: schemas.WithdrawConsent | None = None,
    ) -> schemas.ReferralOut:
        ctx = context(request, settings, request_id)
        body = data or schemas.WithdrawConsent()
        referral = await services.get_referral(db_session, referral_id)
        await services.withdraw_consent(
            db_session,
            ctx,
            referral,
            channel=body.channel,
            evidence_document_id=body.evidence_document_id,
            note=body.note,
        )
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    @post(
        "/{referral_id:uuid}/withdraw",
        opt={"section": "trajectory", "action": "write"},
        status_code=HTTP_200_OK,
        summary="Retirer l'orientation (le référent ou la personne)",
    )
    async def withdraw(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
        data: schemas.WithdrawReferral | None = None,
    ) -> schemas.ReferralOut:
        ctx = context(request, settings, request_id)
        referral = await services.get_referral(db_session, referral_id)
        await services.withdraw(db_session, ctx, referral, reason=(data or schemas.WithdrawReferral()).reason)
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    # --- the partner side ----------------------------------------------------------------------

    @get("/received", opt=CARD, summary="Boîte du partenaire : orientations reçues (cartes)")
    async def received(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        status: str | None = Parameter(default=None, max_length=16),
    ) -> list[schemas.ReferralCard]:
        """Each card shown writes one row on that person's journal (basis ``referral``)."""
        found = await services.received(db_session, request.user, status)
        out = await views.shown_cards(
            db_session, request.user, found, referral_rules(settings), utcnow(), request_id
        )
        await db_session.commit()
        return out

    @get("/received/{referral_id:uuid}", opt=CARD, summary="Une carte d'orientation reçue")
    async def received_one(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
    ) -> schemas.ReferralCard:
        referral = await services.received_one(db_session, request.user, referral_id)
        [card] = await views.shown_cards(
            db_session, request.user, [referral], referral_rules(settings), utcnow(), request_id
        )
        await db_session.commit()
        return card

    @post(
        "/{referral_id:uuid}/accept",
        opt={"section": "trajectory", "action": "write"},
        status_code=HTTP_200_OK,
        summary="Accepter : une étape du parcours est créée chez le partenaire (accord de la personne requis)",
    )
    async def accept(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
        data: schemas.AcceptReferral,
    ) -> schemas.ReferralCard:
        ctx = context(request, settings, request_id)
        referral = await services.get_referral(db_session, referral_id)
        await services.accept(
            db_session,
            ctx,
            referral,
            agreed_start_date=data.agreed_start_date,
            step_kind=data.step_kind,
            note=data.note,
        )
        out = await _card_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    @post(
        "/{referral_id:uuid}/refuse",
        opt=PARTNER_ANSWER,
        status_code=HTTP_200_OK,
        summary="Refuser (motif de la liste)",
    )
    async def refuse(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
        data: schemas.RefuseReferral,
    ) -> schemas.ReferralCard:
        ctx = context(request, settings, request_id)
        referral = await services.get_referral(db_session, referral_id)
        await services.refuse(db_session, ctx, referral, reason=data.reason, text=data.text)
        out = await _card_one(db_session, ctx, referral)
        await db_session.commit()
        return out

    @post(
        "/{referral_id:uuid}/waiting-list",
        opt=PARTNER_ANSWER,
        status_code=HTTP_200_OK,
        summary="Mettre en liste d'attente",
    )
    async def waiting_list(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
        data: schemas.WaitingListIn | None = None,
    ) -> schemas.ReferralCard:
        ctx = context(request, settings, request_id)
        referral = await services.get_referral(db_session, referral_id)
        await services.waiting_list(db_session, ctx, referral, note=(data or schemas.WaitingListIn()).note)
        out = await _card_one(db_session, ctx, referral)
        await db_session.commit()
        return out


class MyReferralsController(Controller):
    """The person's own referrals, in their space."""

    path = "/api/v1/me/referrals"
    tags = ["mon espace"]

    @get(
        "/",
        opt={"section": "trajectory", "action": "read"},
        summary="Mes orientations, leur statut et leur historique",
    )
    async def mine(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
    ) -> list[schemas.ReferralOut]:
        person_id = _own_person(request.user)
        ctx = context(request, settings, request_id)
        found = await services.for_person(db_session, ctx, person_id)
        out = await views.full(db_session, found, ctx.rules, ctx.at)
        await db_session.commit()
        return out

    @get(
        "/{referral_id:uuid}",
        opt={"section": "trajectory", "action": "read"},
        summary="Une de mes orientations",
    )
    async def one(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        request_id: str,
        referral_id: UUID,
    ) -> schemas.ReferralOut:
        person_id = _own_person(request.user)
        ctx = context(request, settings, request_id)
        referral = await services.one_in_file(db_session, ctx, referral_id)
        if referral.person_id != person_id:
            from coordination.errors import NotFound

            raise NotFound("Orientation introuvable.", code="referral-not-found")
        out = await _full_one(db_session, ctx, referral)
        await db_session.commit()
        return out


def _own_person(principal: Principal) -> UUID:
    if principal.person_id is None:
        raise Forbidden("Cet espace est celui de la personne accompagnée.", code="not-a-person")
    return principal.person_id


OUTCOME_ROLES = frozenset({Role.PARTNER_MANAGER, Role.PARTNER_OPERATOR})
"""A partner's own services, in raw counts and days (its own work, operational). Every other reader gets
the registry's figures (``/api/v1/cadastre/referral-outcomes``): by month at the finest, small counts
masked and the whole table audited, so that no count is recovered by subtraction (issue 19)."""


class ReferralOutcomesController(Controller):
    path = "/api/v1/referral-outcomes"
    tags = ["cadastre"]

    @get(
        "/",
        opt=AGGREGATES,
        summary="Résultats bruts des orientations vers les services du partenaire lui-même, avec alertes",
    )
    async def outcomes(
        self,
        request: Request[Principal, str, State],
        db_session: AsyncSession,
        settings: Settings,
        since: date | None = None,
        until: date | None = None,
        organisation_id: UUID | None = None,
        alerts_only: bool = False,
    ) -> schemas.OutcomesOut:
        principal: Principal = request.user
        if principal.role not in OUTCOME_ROLES:
            raise Forbidden(
                "Ces chiffres bruts sont ceux d'un partenaire sur ses propres services. Les résultats des "
                "orientations de tous les partenaires se lisent au cadastre, par mois et sous secret "
                "statistique : /api/v1/cadastre/referral-outcomes.",
                code="outcomes-role",
            )
        organisation_id = principal.organisation_id  # a partner sees its own figures only
        today = rules.today_brussels(utcnow())
        rr = referral_rules(settings)
        by_service = await outcomes.outcomes_by_service(
            db_session, today=today, since=since, until=until, organisation_id=organisation_id
        )
        by_partner = await outcomes.outcomes_by_partner(
            db_session, today=today, since=since, until=until, organisation_id=organisation_id
        )
        owners = await outcomes.service_owners(db_session, list(by_service))
        svc_names, org_names = await outcomes.names(db_session, list(by_service), list(by_partner))
        svc = [
            views.outcome_out(k, svc_names.get(k, ""), v, rr, owners.get(k)) for k, v in by_service.items()
        ]
        partners = [views.outcome_out(k, org_names.get(k, ""), v, rr, k) for k, v in by_partner.items()]
        if alerts_only:
            svc = [o for o in svc if o.alerts]
            partners = [o for o in partners if o.alerts]
        svc.sort(key=lambda o: o.name)
        partners.sort(key=lambda o: o.name)
        return schemas.OutcomesOut(
            since=since, until=until, rules_version=rr.version, services=svc, partners=partners
        )


class ReferralVocabularyController(Controller):
    path = "/api/v1/referral-rules"
    tags = ["orientations"]

    @get("/", opt=VOCABULARY, summary="Catégories de motif, motifs de refus, délai de réponse")
    async def vocabulary(self, settings: Settings) -> schemas.ReferralVocabulary:
        rr = referral_rules(settings)
        return schemas.ReferralVocabulary(
            rules_version=rr.version,
            deadline_working_days=rr.deadline_working_days,
            reason_categories=[schemas.Choice(code=k, label=v) for k, v in rr.reason_categories.items()],
            refusal_reasons=[schemas.Choice(code=k, label=v) for k, v in rr.refusal_reasons.items()],
        )


ROUTES = [
    PersonReferralController,
    ReferralController,
    MyReferralsController,
    ReferralOutcomesController,
    ReferralVocabularyController,
]
