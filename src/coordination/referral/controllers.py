"""HTTP API of referrals. Thin: each handler takes the referral context (provided once per controller,
:mod:`coordination.referral.dependencies`), calls one service or composed read, and returns; the request's
session commits. Routes touching the file declare (section, action) and the services call the gate; the
partner's card routes and the aggregated outcomes touch no file and say why
(:mod:`coordination.referral.declarations`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from coordination.access import recorded
from coordination.access.declared import Access
from coordination.referral import outcomes, reading, schemas, services, views
from coordination.referral.context import Context
from coordination.referral.declarations import (
    AGGREGATES,
    CARD,
    CONSENTS_WRITE,
    FILE_REFERRALS,
    PARTNER_ANSWER,
    SENDING,
    TRAJECTORY_READ,
    TRAJECTORY_WRITE,
    VOCABULARY,
)
from coordination.referral.dependencies import CONTEXT_DEPENDENCIES, PERIOD_DEPENDENCIES, RULES_DEPENDENCIES
from coordination.referral.outcomes import Period
from coordination.referral.rules import ReferralRules
from coordination.settings import Settings


def _step(path: str, opt: dict[str, Any], summary: str, **more: Any) -> HTTPRouteHandler:
    """A step on one referral (consent, answer, withdrawal): a POST that changes it and answers 200 with
    the referral as the caller reads it afterwards."""
    return post(path, opt=opt, status_code=HTTP_200_OK, summary=summary, **more)


async def _recording(request: Request, settings: Settings) -> services.Recording:
    """A recording's multipart form (its values, read after the gate) and where its signed file goes."""
    values = await recorded.multipart_values(request, settings)
    return services.Recording(recorded.Draft(values), recorded.uploads_for(request, settings))


class _ReferralRoutes(Controller):
    """What every referral controller shares: its tag and the referral context (a controller with no
    route of its own: Litestar registers the subclasses)."""

    tags = ["orientations"]
    dependencies = CONTEXT_DEPENDENCIES


class PersonReferralController(_ReferralRoutes):
    """From the person's file: find a service, send a referral, follow the person's referrals."""

    path = "/api/v1/persons/{person_id:uuid}"

    @get(
        "/referral-services",
        opt={"section": "identity", "action": "read"},
        summary="Services du cadastre adaptés à la personne (bassin, public, thème, langue, places, convention)",
    )
    async def search(
        self,
        access: Access,
        ctx: Context,
        person_id: UUID,
        theme: str | None = Parameter(default=None, max_length=100),
        public: str | None = Parameter(default=None, max_length=100),
        language: str | None = Parameter(default=None, max_length=8),
        all_services: bool = Parameter(
            default=False, description="Aussi les services qui ne conviennent pas"
        ),
    ) -> list[schemas.ServiceMatch]:
        filters = reading.Filters(theme=theme, public=public, language=language, everything=all_services)
        _person, found = await reading.fitting_services(ctx, person_id, filters)
        return reading.matches(found, all_services)

    @get(
        "/referrals",
        opt=FILE_REFERRALS,
        summary="Orientations de la personne",
    )
    async def list_for_person(self, ctx: Context, person_id: UUID) -> list[schemas.ReferralOut]:
        return await reading.file_referrals(ctx, person_id)

    @post(
        "/referrals",
        opt=SENDING,
        status_code=HTTP_201_CREATED,
        summary="Orienter la personne vers un service (le consentement est demandé dans la même étape)",
    )
    async def send(self, ctx: Context, person_id: UUID, data: schemas.SendReferral) -> schemas.ReferralOut:
        referral = await services.send(ctx, services.SendInput.from_api(person_id, data))
        return await reading.full_one(ctx, referral)

    @post(
        "/referrals/recorded",
        opt=SENDING,
        status_code=HTTP_201_CREATED,
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
        summary="Orienter la personne avec son accord signé sur papier, formulaire joint (multipart/form-data)",
        description="Parties : referral (l'orientation en JSON, comme POST …/referrals, avec consent.mode "
        "« record »), file (le formulaire signé, déposé dans le dossier dans la même étape), title. L'accord "
        "va au partenaire seulement : jamais à l'organisme de celui qui l'enregistre, jamais santé ni "
        "situation sociale.",
    )
    async def send_recorded(
        self, request: Request, settings: Settings, ctx: Context, person_id: UUID
    ) -> schemas.ReferralOut:
        referral = await services.send_recorded(ctx, person_id, await _recording(request, settings))
        return await reading.full_one(ctx, referral)


class ReferralController(_ReferralRoutes):
    path = "/api/v1/referrals"

    # --- the file side: referent, CPAS worker, the person -------------------------------------

    @get("/{referral_id:uuid}", opt=TRAJECTORY_READ, summary="Une orientation et son historique")
    async def read(self, ctx: Context, referral_id: UUID) -> schemas.ReferralOut:
        return await reading.referral_in_file(ctx, referral_id)

    @_step(
        "/{referral_id:uuid}/consent",
        CONSENTS_WRITE,
        "Donner son accord (la personne) ou l'enregistrer avec sa preuve (le travailleur)",
    )
    async def give_consent(
        self,
        ctx: Context,
        referral_id: UUID,
        data: schemas.GiveConsent | None = None,
    ) -> schemas.ReferralOut:
        return await _as_file_reads_it(ctx, referral_id, services.give_consent, data)

    @_step(
        "/{referral_id:uuid}/consent/recorded",
        CONSENTS_WRITE,
        "Enregistrer l'accord signé sur papier, formulaire joint (multipart/form-data)",
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
        description="Champs : file (le formulaire signé), channel (paper | interview), title. Pour le "
        "partenaire destinataire seulement, jamais santé ni situation sociale.",
    )
    async def record_consent(
        self, request: Request, settings: Settings, ctx: Context, referral_id: UUID
    ) -> schemas.ReferralOut:
        recording = await _recording(request, settings)
        return await _as_file_reads_it(ctx, referral_id, services.record_consent, recording)

    @_step(
        "/{referral_id:uuid}/consent/withdraw/recorded",
        CONSENTS_WRITE,
        "Enregistrer le retrait demandé par écrit, demande signée jointe (multipart/form-data)",
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
        description="Champs : file (la demande signée), reason (obligatoire), channel, title.",
    )
    async def record_withdrawal(
        self, request: Request, settings: Settings, ctx: Context, referral_id: UUID
    ) -> schemas.ReferralOut:
        recording = await _recording(request, settings)
        return await _as_file_reads_it(ctx, referral_id, services.record_withdrawal, recording)

    @_step(
        "/{referral_id:uuid}/consent/decline",
        CONSENTS_WRITE,
        "La personne refuse de partager : l'orientation est retirée",
    )
    async def decline_consent(
        self,
        ctx: Context,
        referral_id: UUID,
        data: schemas.DeclineConsent | None = None,
    ) -> schemas.ReferralOut:
        note = (data or schemas.DeclineConsent()).note
        return await _as_file_reads_it(ctx, referral_id, services.decline_consent, note)

    @_step(
        "/{referral_id:uuid}/consent/withdraw",
        CONSENTS_WRITE,
        "Retirer l'accord donné pour cette orientation (effet immédiat)",
    )
    async def withdraw_consent(
        self,
        ctx: Context,
        referral_id: UUID,
        data: schemas.WithdrawConsent | None = None,
    ) -> schemas.ReferralOut:
        return await _as_file_reads_it(ctx, referral_id, services.withdraw_consent, data)

    @_step(
        "/{referral_id:uuid}/withdraw", TRAJECTORY_WRITE, "Retirer l'orientation (le référent ou la personne)"
    )
    async def withdraw(
        self,
        ctx: Context,
        referral_id: UUID,
        data: schemas.WithdrawReferral | None = None,
    ) -> schemas.ReferralOut:
        reason = (data or schemas.WithdrawReferral()).reason
        return await _as_file_reads_it(ctx, referral_id, services.withdraw, reason=reason)

    # --- the partner side ----------------------------------------------------------------------

    @get("/received", opt=CARD, summary="Boîte du partenaire : orientations reçues (cartes)")
    async def received(
        self,
        ctx: Context,
        status: str | None = Parameter(default=None, max_length=16),
    ) -> list[schemas.ReferralCard]:
        """Each card shown writes one row on that person's journal (basis ``referral``)."""
        return await reading.received_cards(ctx, status)

    @get("/received/{referral_id:uuid}", opt=CARD, summary="Une carte d'orientation reçue")
    async def received_one(self, ctx: Context, referral_id: UUID) -> schemas.ReferralCard:
        return await reading.received_card(ctx, referral_id)

    @_step(
        "/{referral_id:uuid}/accept",
        TRAJECTORY_WRITE,
        "Accepter : une étape du parcours est créée chez le partenaire (accord de la personne requis)",
    )
    async def accept(
        self, ctx: Context, referral_id: UUID, data: schemas.AcceptReferral
    ) -> schemas.ReferralCard:
        answer = services.Acceptance(data.agreed_start_date, data.step_kind, data.note)
        return await _as_partner_reads_it(ctx, referral_id, services.accept, answer)

    @_step("/{referral_id:uuid}/refuse", PARTNER_ANSWER, "Refuser (motif de la liste)")
    async def refuse(
        self, ctx: Context, referral_id: UUID, data: schemas.RefuseReferral
    ) -> schemas.ReferralCard:
        return await _as_partner_reads_it(
            ctx, referral_id, services.refuse, reason=data.reason, text=data.text
        )

    @_step("/{referral_id:uuid}/waiting-list", PARTNER_ANSWER, "Mettre en liste d'attente")
    async def waiting_list(
        self,
        ctx: Context,
        referral_id: UUID,
        data: schemas.WaitingListIn | None = None,
    ) -> schemas.ReferralCard:
        note = (data or schemas.WaitingListIn()).note
        return await _as_partner_reads_it(ctx, referral_id, services.waiting_list, note=note)


async def _as_file_reads_it(
    ctx: Context,
    referral_id: UUID,
    action: services.Step[services.StepArgs],
    *args: services.StepArgs.args,
    **values: services.StepArgs.kwargs,
) -> schemas.ReferralOut:
    """A file-side step, answered with the full view the file reads."""
    referral = await services.step(ctx, referral_id, action, *args, **values)
    return await reading.full_one(ctx, referral)


async def _as_partner_reads_it(
    ctx: Context,
    referral_id: UUID,
    action: services.Step[services.StepArgs],
    *args: services.StepArgs.args,
    **values: services.StepArgs.kwargs,
) -> schemas.ReferralCard:
    """A partner's answer, answered with the card the partner reads."""
    referral = await services.step(ctx, referral_id, action, *args, **values)
    return await reading.card(ctx, referral)


class MyReferralsController(_ReferralRoutes):
    """The person's own referrals, in their space."""

    path = "/api/v1/me/referrals"
    tags = ["mon espace"]

    @get("/", opt=TRAJECTORY_READ, summary="Mes orientations, leur statut et leur historique")
    async def mine(self, ctx: Context) -> list[schemas.ReferralOut]:
        return await reading.file_referrals(ctx, reading.own_person(ctx.principal))

    @get("/{referral_id:uuid}", opt=TRAJECTORY_READ, summary="Une de mes orientations")
    async def one(self, ctx: Context, referral_id: UUID) -> schemas.ReferralOut:
        return await reading.my_referral(ctx, referral_id)


class ReferralOutcomesController(_ReferralRoutes):
    path = "/api/v1/referral-outcomes"
    tags = ["cadastre"]

    @get(
        "/",
        opt=AGGREGATES,
        summary="Résultats bruts des orientations vers les services du partenaire lui-même, avec alertes",
        dependencies=PERIOD_DEPENDENCIES,
    )
    async def outcomes(
        self,
        ctx: Context,
        period: Period,
        organisation_id: UUID | None = None,
        alerts_only: bool = False,
    ) -> schemas.OutcomesOut:
        # organisation_id is accepted and ignored: a partner sees its own figures only
        return await outcomes.partner_report(ctx, period, alerts_only=alerts_only)


class ReferralVocabularyController(Controller):
    path = "/api/v1/referral-rules"
    tags = ["orientations"]
    dependencies = RULES_DEPENDENCIES

    @get("/", opt=VOCABULARY, summary="Catégories de motif, motifs de refus, délai de réponse")
    async def vocabulary(self, referral_rules: ReferralRules) -> schemas.ReferralVocabulary:
        return views.vocabulary(referral_rules)


ROUTES = [
    PersonReferralController,
    ReferralController,
    MyReferralsController,
    ReferralOutcomesController,
    ReferralVocabularyController,
]
