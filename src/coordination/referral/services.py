"""Referral workflow: send (with the consent asked in the same step), consent, answer, withdraw, read.

Every function checks everything BEFORE adding rows, so a 4xx leaves nothing written (the request's
session is rolled back anyway). A use case takes the request's context (``ctx``: its session, who acts,
the request id, the rules, the calendar, the instant) and asks the access gate through it
(``ctx.require``, journaled, a refusal is a 403) for each part of the person's file it reads or writes:

* sending: ``identity``/read (the card snapshot: first name, bassin, language), ``trajectory``/write
  (orienting the person), and ``consents``/write when the worker records the consent;
* the person's consent: ``consents``/write on the basis ``self``;
* the partner's acceptance: ``trajectory``/write on the basis ``consent`` (the step it will run),
  so nothing is written in the file before the person agreed;
* reading a referral in the file: ``trajectory``/read.

The partner's card (service, reason category, first name, bassin) is this package's own snapshot,
not the file; the partner reaches the file only through the gate, with the person's consent.

What happened is recorded as an event (:mod:`coordination.referral.events`); the messages to the partner,
the sender and the person are its subscribers (:mod:`coordination.referral.notices`), in the same
transaction. These functions flush and never commit: the request's session or the task runner does
(the recorded-consent routes store the signed form first, see :mod:`coordination.access.recorded`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Concatenate, ParamSpec, cast
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from coordination import clock
from coordination.access import recorded
from coordination.access import services as consents
from coordination.access.gate import active_consents_query
from coordination.access.models import ConsentChannel
from coordination.access.principal import Principal
from coordination.cadastre import services as cadastre
from coordination.cadastre.models import Service
from coordination.directory.models import Organisation
from coordination.dossier import schemas as dossier_schemas
from coordination.dossier.models import Person, PlanObjective
from coordination.dossier.services.common import get_owned, get_person, record_event
from coordination.dossier.services.trajectory import create_step
from coordination.errors import BadRequest, Forbidden, NotFound, PreconditionFailed, ProblemError
from coordination.events import record
from coordination.formatting import day_fr
from coordination.referral import events, rules
from coordination.referral.calendar import CalendarError
from coordination.referral.context import Context  # also reached as services.Context by the demo
from coordination.referral.models import Referral, ReferralHistory
from coordination.referral.schemas import GiveConsent, SendReferral, WithdrawConsent
from coordination.referral.search import Fit, fits_for, partner_kind_of
from coordination.validation_messages import french

REASON_MAX = 2000


def problem(exc: rules.RuleViolation) -> ProblemError:
    return ProblemError(exc.status, exc.code, str(exc))


def _history(referral: Referral, event: str, ctx: Context | None, note: str | None = None) -> ReferralHistory:
    principal = ctx.principal if ctx else None
    return ReferralHistory(
        referral_id=referral.id,
        event=event,
        status=referral.status,
        at=ctx.at if ctx else clock.now(),
        by_user_id=principal.user_id if principal else None,
        by_organisation_id=principal.organisation_id if principal else None,
        by_person=bool(principal and principal.person_id == referral.person_id),
        note=note,
    )


def _file_event(ctx: Context, referral: Referral, kind: str, summary: str) -> None:
    record_event(
        ctx.session,
        ctx.principal,
        person_id=referral.person_id,
        section="trajectory",
        kind=kind,
        summary=summary,
        subject_id=referral.id,
    )


async def _announce(
    ctx: Context, kind: type[events.ReferralEvent], referral: Referral, **values: Any
) -> None:
    """Record what happened to the referral (its subscribers tell whom it concerns, in the same
    transaction), with the identifiers every referral event carries: the referral, the person, who acted."""
    event = kind(
        referral_id=referral.id, person_id=referral.person_id, actor_user_id=ctx.principal.user_id, **values
    )
    await record(ctx.session, event)


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            "Cette orientation vient d'être modifiée par quelqu'un d'autre : rechargez-la."
        ) from exc


async def get_referral(session: AsyncSession, referral_id: UUID) -> Referral:
    referral = await session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("Orientation introuvable.", code="referral-not-found")
    return referral


StepArgs = ParamSpec("StepArgs")
Step = Callable[Concatenate[Context, Referral, StepArgs], Awaitable[Referral]]
"""A service that changes one referral: ``(ctx, referral, ...)`` (consent, answer, withdrawal);
its own arguments follow, checked against the service's signature."""


async def step(
    ctx: Context,
    referral_id: UUID,
    action: Step[StepArgs],
    *args: StepArgs.args,
    **values: StepArgs.kwargs,
) -> Referral:
    """Load the referral and apply the one step service that takes it (the API and the pages alike; the
    service calls the gate)."""
    return await action(ctx, await get_referral(ctx.session, referral_id), *args, **values)


async def _partner(session: AsyncSession, referral: Referral) -> Organisation:
    org = await session.get(Organisation, referral.to_organisation_id)
    if org is None:  # a foreign key: never missing
        raise NotFound("Organisation introuvable.", code="organisation-not-found")
    return org


async def _service_and_org(session: AsyncSession, referral: Referral) -> tuple[Service, Organisation]:
    return await cadastre.get_service(session, referral.service_id), await _partner(session, referral)


# --- effective state -------------------------------------------------------------------------------


def effective_status(referral: Referral, today: date) -> str:
    """A referral still ``sent`` after its deadline is expired, whether or not the sweep ran yet."""
    if referral.status == rules.SENT and today > referral.deadline:
        return rules.EXPIRED
    return referral.status


async def consent_in_force(session: AsyncSession, referral: Referral, now: datetime) -> bool:
    """Asked of the access package on every call (never cached): a withdrawal counts at once."""
    if referral.consent_id is None:
        return False
    # never earlier than the wall clock: a consent given earlier in this very request counts
    rows = await session.execute(
        active_consents_query(referral.person_id, referral.to_organisation_id, max(now, clock.now()))
    )
    return any(row.id == referral.consent_id for row in rows)


async def effective_consent_state(session: AsyncSession, referral: Referral, now: datetime) -> str:
    if referral.consent_state != rules.CONSENT_GIVEN:
        return referral.consent_state
    if await consent_in_force(session, referral, now):
        return rules.CONSENT_GIVEN
    return rules.CONSENT_EXPIRED if now >= referral.consent_expires_at else rules.CONSENT_WITHDRAWN


async def end_consent_with_referral(
    session: AsyncSession, referral: Referral, ctx: Context | None, reason_fr: str
) -> bool:
    """The referral is over without the partner taking the person in (refused, withdrawn by the worker,
    expired): the consent given for it has lost its purpose and ends now (an ``ended`` consent event, who
    and why), so the partner is refused on its very next request. The person is told by the caller's
    message about the referral itself. ``False`` when no consent of this referral is in force.

    Takes the session apart from ``ctx``: the daily sweep (:mod:`coordination.referral.tasks`) expires
    referrals with no one acting, so with no context."""
    if referral.consent_id is None or referral.consent_state != rules.CONSENT_GIVEN:
        return False
    ended = await consents.end_for_purpose(
        session,
        referral.consent_id,
        ctx.principal.user_id if ctx else None,
        reason_fr,
        now=max(ctx.at, clock.now()) if ctx else None,
        told_by_caller=True,
    )
    if ended:
        referral.consent_state = rules.CONSENT_ENDED
        session.add(_history(referral, "consent_ended", ctx, reason_fr))
    return ended


# --- sending ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendInput:
    person_id: UUID
    service_id: UUID
    reason_category: str
    reason: str
    sections: list[str]
    plan_objective_id: UUID | None = None
    outside_bassin_reason: str | None = None
    consent_mode: str = "request"
    """``request``: asked to the person in their space; ``record``: she signed the form on paper, and the
    worker records it now, the signed form uploaded in the same step (``send(..., recording)``): never to
    the worker's own organisation, never health/social (``docs/decisions/consent-provenance.md``)."""
    consent_channel: str | None = None
    consent_evidence_document_id: UUID | None = None
    """Refused when set: an id of a document already in the file is never evidence (kept so that an old
    client gets a clear answer rather than a silent ignore)."""
    consent_expires_at: datetime | None = None

    @classmethod
    def from_api(cls, person_id: UUID, data: SendReferral) -> SendInput:
        """The API's body (JSON, or the ``referral`` part of the recorded route's multipart form)."""
        return cls(
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
        )


@dataclass(frozen=True)
class Recording:
    """A worker's recording of what the person signed on paper: the form's values (read only after the
    gate) and where its uploaded file goes. The API's multipart routes and the pages build it alike."""

    signed: recorded.Draft
    uploads: recorded.Uploads


def _consent_end(ctx: Context, wanted: datetime | None) -> datetime:
    if wanted is not None:
        return consents.validate_expiry(wanted, ctx.at)
    months = ctx.rules.consent_default_months
    end_day = ctx.today + timedelta(days=round(months * 30.44))
    return datetime.combine(end_day, time(23, 59), tzinfo=clock.BRUSSELS).astimezone(UTC)


def purpose_fr(service_name: str, organisation_name: str, category_label: str) -> str:
    return f"Orientation vers « {service_name} » ({organisation_name}) : {category_label.lower()}."[:500]


async def send(
    ctx: Context,
    data: SendInput,
    recording: Recording | None = None,
) -> Referral:
    """Send a referral; its consent is asked to the person (``request``) or, when she signed the form on
    paper, recorded now from the form uploaded in the same request (``record``, ``recording``):
    every check first, then the form is stored, then the rows (see :mod:`coordination.access.recorded`)."""
    # the file first, through the gate: whoever may not orient this person is refused (and journaled)
    # before anything about the request is looked at
    await ctx.require(data.person_id, "identity", "read")
    await ctx.require(data.person_id, "trajectory", "write")
    return await _send_gated(ctx, data, recording)


async def send_recorded(ctx: Context, person_id: UUID, recording: Recording) -> Referral:
    """The API's one-step send with a recorded consent: a multipart form whose ``referral`` part is the
    JSON of :class:`~coordination.referral.schemas.SendReferral` (``consent.mode`` ``record``) and whose
    ``file`` part is the signed form. Decoded only after the gate."""
    await ctx.require(person_id, "identity", "read")
    await ctx.require(person_id, "trajectory", "write")
    try:
        data = msgspec.json.decode(recording.signed.text("referral") or "null", type=SendReferral)
    except msgspec.DecodeError as exc:
        raise BadRequest(
            f"Partie « referral » invalide (l'orientation en JSON est attendue) : {french(str(exc))}",
            code="bad-request",
        ) from exc
    if data.consent.mode != "record":
        raise BadRequest(
            "Cette route enregistre l'accord signé : « consent.mode » vaut « record ».", code="consent-mode"
        )
    return await _send_gated(ctx, SendInput.from_api(person_id, data), recording)


def require_sender(principal: Principal) -> None:
    """Only a Forem adviser or a CPAS social worker of an organisation orients a person."""
    if principal.role.value not in rules.SENDER_ROLES or principal.organisation_id is None:
        raise Forbidden(
            "Seuls les conseillers du Forem et les assistants sociaux du CPAS orientent une personne.",
            code="not-a-sender",
        )


def _check_request(ctx: Context, data: SendInput) -> None:
    """What the request says on its own: the reason category, the reason, the consent mode."""
    try:
        ctx.rules.check_reason_category(data.reason_category)
    except rules.RuleViolation as exc:
        raise problem(exc) from exc
    reason = (data.reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise BadRequest(
            f"Indiquez le motif de l'orientation ({REASON_MAX} caractères au plus).", code="reason"
        )
    if data.consent_mode not in ("request", "record"):
        raise BadRequest("Mode de consentement : « request » ou « record ».", code="consent-mode")


@dataclass(frozen=True)
class _Sending:
    """A referral about to be written: every check made, every value computed."""

    data: SendInput
    person: Person
    service: Service
    org: Organisation
    fit: Fit
    sections: list[str]
    outside: str | None
    deadline: date
    consent_end: datetime
    category_label: str

    @property
    def purpose(self) -> str:
        return purpose_fr(self.service.name, self.org.name, self.category_label)


async def _registry_fit(ctx: Context, data: SendInput, person: Person) -> Fit:
    """The service as the registry has it today: active, under an agreement, with a place, in the
    person's bassin (or a reason to leave it)."""
    service = await cadastre.get_service(ctx.session, data.service_id)
    [fit] = await fits_for(ctx.session, person, ctx.today, only=[service.id])
    if service.status != "active":
        raise ProblemError(
            409, "service-inactive", "Ce service n'accueille plus personne (statut au cadastre)."
        )
    if fit.agreement is None:
        raise ProblemError(
            409,
            "agreement-closed",
            "Ce partenaire n'a pas de convention en cours : l'orientation ne peut pas être envoyée.",
        )
    if fit.full:
        raise ProblemError(
            409,
            "service-full",
            "Ce service est complet (toutes ses places sont occupées). Choisissez un autre service.",
        )
    if not fit.in_bassin and not (data.outside_bassin_reason or "").strip():
        raise BadRequest(
            "Ce service ne dessert pas le bassin de la personne : expliquez pourquoi l'orienter hors de son "
            "bassin (outside_bassin_reason).",
            code="outside-bassin",
        )
    return fit


async def _sending(ctx: Context, data: SendInput, person: Person) -> _Sending:
    fit = await _registry_fit(ctx, data, person)
    service = fit.service
    org = await ctx.session.get(Organisation, service.organisation_id)
    if org is None:
        raise NotFound("Organisation introuvable.", code="organisation-not-found")
    requested = list(data.sections) or list(
        ctx.rules.default_sections(await partner_kind_of(ctx.session, service.organisation_id))
    )
    try:
        deadline = ctx.rules.deadline(ctx.today, ctx.calendar)
    except CalendarError as exc:
        raise ProblemError(503, "holiday-calendar", str(exc)) from exc
    return _Sending(
        data=data,
        person=person,
        service=service,
        org=org,
        fit=fit,
        sections=consents.validate_sections(
            rules.consented_sections(requested, ctx.rules.consent_always_sections)
        ),
        outside=(data.outside_bassin_reason or "").strip() or None,
        deadline=deadline,
        consent_end=_consent_end(ctx, data.consent_expires_at),
        category_label=ctx.rules.reason_categories[data.reason_category],
    )


async def _send_gated(ctx: Context, data: SendInput, recording: Recording | None) -> Referral:
    require_sender(ctx.principal)
    _check_request(ctx, data)
    person = await get_person(ctx.session, data.person_id)
    if data.plan_objective_id is not None:
        await ctx.require(data.person_id, "plan", "read")
        await get_owned(
            ctx.session, PlanObjective, data.plan_objective_id, data.person_id, "Objectif du plan"
        )
    form = None
    if data.consent_mode == "record":
        await ctx.require(data.person_id, "consents", "write")
        form = _signed_form(recording, data.consent_evidence_document_id)
    sending = await _sending(ctx, data, person)
    if form is None:
        return await _write_sent(ctx, sending, None)
    terms = consents.check_terms(
        recipient_organisation_id=sending.service.organisation_id,
        sections=sending.sections,
        purpose=sending.purpose,
        expires_at=sending.consent_end,
    )
    channel = await recorded.check_recording(
        ctx.session, ctx.principal, data.person_id, terms, data.consent_channel
    )

    async def rows(document_id: UUID) -> Referral:
        return await _write_sent(ctx, sending, (channel, document_id))

    return await recorded.with_signed_form(
        ctx.session, ctx.principal, data.person_id, *form, "Formulaire de consentement signé", rows
    )


async def _write_sent(
    ctx: Context, sending: _Sending, recorded_as: tuple[ConsentChannel, UUID] | None
) -> Referral:
    """The referral's rows and events, every check made (and, when recorded, the form stored)."""
    principal, data, service, fit = ctx.principal, sending.data, sending.service, sending.fit
    if fit.agreement is None:  # checked by _registry_fit; said again for the type checker
        raise ProblemError(409, "agreement-closed", "Ce partenaire n'a pas de convention en cours.")
    referral = Referral(
        person_id=sending.person.id,
        from_user_id=principal.user_id,
        from_organisation_id=principal.organisation_id,
        service_id=service.id,
        to_organisation_id=service.organisation_id,
        agreement_id=fit.agreement.id,
        reason_category=data.reason_category,
        reason=data.reason.strip(),
        plan_objective_id=data.plan_objective_id,
        requested_sections=sending.sections,
        outside_bassin_reason=sending.outside if not fit.in_bassin else None,
        person_first_name=sending.person.first_name,
        person_bassin=sending.person.bassin,
        consent_state=rules.CONSENT_REQUESTED,
        consent_expires_at=sending.consent_end,
        status=rules.SENT,
        sent_at=ctx.at,
        deadline=sending.deadline,
        reminders_sent=[],
        rules_version=ctx.rules.version,
    )
    ctx.session.add(referral)
    await ctx.session.flush()
    ctx.session.add(_history(referral, "sent", ctx))
    _file_event(
        ctx,
        referral,
        "referral_sent",
        f"Orientation vers « {service.name} » ({sending.org.name}) envoyée.",
    )
    await _announce(ctx, events.ReferralSent, referral, reason_category_label=sending.category_label)
    if recorded_as is not None:
        await _give(
            ctx,
            referral,
            recorded_as=recorded_as,
            service_name=service.name,
            org_name=sending.org.name,
        )
    else:
        ctx.session.add(_history(referral, "consent_requested", ctx))
        await _announce(ctx, events.ReferralConsentRequested, referral)
    await _flush(ctx.session)
    return referral


# --- consent ---------------------------------------------------------------------------------------


def _signed_form(
    recording: Recording | None, evidence_document_id: UUID | None
) -> tuple[recorded.SignedForm, recorded.Uploads]:
    """The signed form of a recorded consent and where it is stored (after the gate), or a French 400."""
    if evidence_document_id is not None:
        recorded.refuse_evidence_id({"evidence_document_id": str(evidence_document_id)})
    if recording is None:
        raise BadRequest(
            "Pour enregistrer l'accord signé sur papier, joignez le formulaire signé dans la même requête "
            "(multipart/form-data, champ « file »).",
            code="consent-form-missing",
        )
    return recording.signed.signed_form(), recording.uploads


async def _give(
    ctx: Context,
    referral: Referral,
    *,
    recorded_as: tuple[ConsentChannel, UUID] | None,
    service_name: str,
    org_name: str,
) -> None:
    """The consent of the referral: the person's own (``recorded_as`` None), or recorded by a worker from
    the signed form already stored (its channel and document; every rule already checked)."""
    purpose = purpose_fr(service_name, org_name, ctx.rules.reason_categories[referral.reason_category])
    if recorded_as is None:
        consent = await consents.give_consent(
            ctx.session,
            ctx.principal,
            referral.person_id,
            recipient_organisation_id=referral.to_organisation_id,
            sections=list(referral.requested_sections),
            purpose=purpose,
            expires_at=referral.consent_expires_at,
        )
    else:
        terms = consents.check_terms(
            recipient_organisation_id=referral.to_organisation_id,
            sections=list(referral.requested_sections),
            purpose=purpose,
            expires_at=referral.consent_expires_at,
        )
        channel, document_id = recorded_as
        consent = await consents.write_consent(
            ctx.session, ctx.principal, referral.person_id, terms, channel, document_id
        )
    referral.consent_id = consent.id
    referral.consent_state = rules.CONSENT_GIVEN
    by_person = ctx.principal.person_id == referral.person_id
    ctx.session.add(
        _history(referral, "consent_given", ctx, None if by_person else f"canal : {consent.channel.value}")
    )
    labels = rules.section_labels_fr(list(referral.requested_sections))
    _file_event(ctx, referral, "referral_consent_given", f"Consentement donné à {org_name} : {labels}.")
    await _announce(ctx, events.ReferralConsentGiven, referral)


def _require_open(referral: Referral, today: date) -> None:
    status = effective_status(referral, today)
    if status not in rules.OPEN_STATUSES:
        raise ProblemError(
            409,
            "referral-closed",
            f"Cette orientation est {rules.STATUS_LABELS_FR[status]} : plus rien ne peut y être fait.",
        )


async def give_consent(ctx: Context, referral: Referral, asked: GiveConsent | None = None) -> Referral:
    """The person agrees in her space (channel ``self``; ``asked``: the API's body); a worker is refused
    (she records the signed form instead, :func:`record_consent`)."""
    return await _consent(ctx, referral, asked or GiveConsent(), None)


async def record_consent(ctx: Context, referral: Referral, recording: Recording) -> Referral:
    """A worker records the agreement the person signed on paper, the form uploaded in the same step, for
    the partner only, never the worker's own organisation and never health/social. Commits."""
    return await _consent(ctx, referral, GiveConsent(), recording)


async def _consent(
    ctx: Context, referral: Referral, asked: GiveConsent, recording: Recording | None
) -> Referral:
    """Either way: the gate, who may do it how, the referral still open and its consent still asked."""
    await ctx.require(referral.person_id, "consents", "write")
    by_person = ctx.principal.person_id == referral.person_id
    form = None
    if by_person:
        if recording is not None:
            raise BadRequest(
                "Vous donnez votre accord vous-même, en un clic : aucun formulaire n'est à déposer.",
                code="consent-self",
            )
        if asked.evidence_document_id is not None or asked.channel not in (None, "self"):
            consents.person_only(
                ctx.principal, referral.person_id, asked.evidence_document_id, "donner son accord"
            )
            raise BadRequest("Vous agissez vous-même : le canal est « self ».", code="consent-channel")
    else:
        if recording is None:
            consents.person_only(ctx.principal, referral.person_id, None, "donner son accord")
        form = _signed_form(recording, asked.evidence_document_id)
    _require_open(referral, ctx.today)
    if referral.consent_state != rules.CONSENT_REQUESTED:
        raise ProblemError(
            409,
            "consent-not-pending",
            f"Le consentement de cette orientation est déjà {rules.CONSENT_LABELS_FR[referral.consent_state]}.",
        )
    if asked.expires_at is not None:
        referral.consent_expires_at = consents.validate_expiry(asked.expires_at, ctx.at)
    service, org = await _service_and_org(ctx.session, referral)
    if form is None:
        await _give(ctx, referral, recorded_as=None, service_name=service.name, org_name=org.name)
        await _flush(ctx.session)
        return referral
    purpose = purpose_fr(service.name, org.name, ctx.rules.reason_categories[referral.reason_category])
    terms = consents.check_terms(
        recipient_organisation_id=referral.to_organisation_id,
        sections=list(referral.requested_sections),
        purpose=purpose,
        expires_at=referral.consent_expires_at,
    )
    resolved = await recorded.check_recording(
        ctx.session,
        ctx.principal,
        referral.person_id,
        terms,
        (recording.signed.text("channel") if recording else "") or asked.channel,
    )
    referral_id, consent_end = referral.id, referral.consent_expires_at

    async def rows(document_id: UUID) -> Referral:
        current = await get_referral(ctx.session, referral_id)  # the stream ran outside any transaction
        if current.consent_state != rules.CONSENT_REQUESTED:
            raise ProblemError(409, "consent-not-pending", "Le consentement de cette orientation a changé.")
        current.consent_expires_at = consent_end
        await _give(
            ctx,
            current,
            recorded_as=(resolved, document_id),
            service_name=service.name,
            org_name=org.name,
        )
        await _flush(ctx.session)
        return current

    return await recorded.with_signed_form(
        ctx.session, ctx.principal, referral.person_id, *form, "Formulaire de consentement signé", rows
    )


async def decline_consent(ctx: Context, referral: Referral, note: str | None) -> Referral:
    """Only the person declines; without their agreement the referral cannot go on, so it is withdrawn."""
    if ctx.principal.person_id != referral.person_id:
        raise Forbidden(
            "Seule la personne elle-même peut refuser de donner son accord.", code="not-the-person"
        )
    await ctx.require(referral.person_id, "consents", "write")
    _require_open(referral, ctx.today)
    if referral.consent_state != rules.CONSENT_REQUESTED:
        raise ProblemError(
            409, "consent-not-pending", "Aucun accord n'est en attente pour cette orientation."
        )
    referral.consent_state = rules.CONSENT_DECLINED
    ctx.session.add(_history(referral, "consent_declined", ctx, note))
    await _close(ctx, referral, rules.WITHDRAWN, note or "La personne n'a pas donné son accord.")
    org = await _partner(ctx.session, referral)
    _file_event(
        ctx,
        referral,
        "referral_consent_declined",
        f"Accord refusé pour {org.name} ; orientation retirée.",
    )
    await _announce(ctx, events.ReferralConsentDeclined, referral)
    await _flush(ctx.session)
    return referral


async def withdraw_consent(
    ctx: Context, referral: Referral, asked: WithdrawConsent | None = None
) -> Referral:
    """The person withdraws in one click (``asked``: the API's body); a worker is refused (she records
    the signed request instead, :func:`record_withdrawal`)."""
    return await _withdrawal(ctx, referral, asked or WithdrawConsent(), None)


async def record_withdrawal(ctx: Context, referral: Referral, recording: Recording) -> Referral:
    """A worker records a withdrawal with the person's signed request uploaded in the same step and a
    reason (the recording's values ``reason``, ``channel``, ``file``), as
    :func:`coordination.access.recorded.record_withdrawal` (which commits)."""
    return await _withdrawal(ctx, referral, WithdrawConsent(), recording)


async def _withdrawal(
    ctx: Context,
    referral: Referral,
    asked: WithdrawConsent,
    recording: Recording | None,
) -> Referral:
    """Effective at once (the gate reads consents on every request). The referral keeps its status: an
    accepted step stays in the trajectory, the partner simply loses access to the file."""
    await ctx.require(referral.person_id, "consents", "write")
    if referral.consent_id is None or not await consent_in_force(ctx.session, referral, ctx.at):
        raise ProblemError(409, "consent-not-active", "Aucun consentement en vigueur pour cette orientation.")
    if ctx.principal.person_id == referral.person_id:
        await consents.withdraw_consent(
            ctx.session,
            ctx.principal,
            referral.person_id,
            referral.consent_id,
            channel=asked.channel,
            evidence_document_id=asked.evidence_document_id,
            note=asked.note,
        )
        await _after_withdrawal(ctx, referral, asked.note)
        await _flush(ctx.session)
        return referral
    if recording is None:
        consents.person_only(
            ctx.principal, referral.person_id, None, "retirer son accord sans demande signée"
        )
        raise AssertionError("person_only refuses everyone but the person, whose case returned above")
    referral_id, signed = referral.id, recording.signed

    async def after(_consent) -> None:
        current = await get_referral(ctx.session, referral_id)
        await _after_withdrawal(ctx, current, signed.text("reason"))
        await _flush(ctx.session)

    await recorded.record_withdrawal(
        ctx,
        referral.person_id,
        referral.consent_id,
        signed,
        uploads=recording.uploads,
        after=after,
    )
    return await get_referral(ctx.session, referral_id)


async def _after_withdrawal(ctx: Context, referral: Referral, note: str | None) -> None:
    """The referral's side of a withdrawn consent: its state, history, file event, partner and sender told
    (the person is told by the access package when someone else recorded it)."""
    referral.consent_state = rules.CONSENT_WITHDRAWN
    ctx.session.add(_history(referral, "consent_withdrawn", ctx, note))
    org = await _partner(ctx.session, referral)
    _file_event(ctx, referral, "referral_consent_withdrawn", f"Consentement à {org.name} retiré.")
    await _announce(ctx, events.ReferralConsentWithdrawn, referral)


# --- the partner's answer --------------------------------------------------------------------------


def _require_addressee(principal: Principal, referral: Referral) -> None:
    if (
        principal.role.value not in rules.PARTNER_ROLES
        or principal.organisation_id != referral.to_organisation_id
    ):
        raise Forbidden(
            "Seule l'organisation à qui l'orientation est adressée peut y répondre.", code="not-addressee"
        )


async def _transition(ctx: Context, referral: Referral, target: str) -> None:
    current = effective_status(referral, ctx.today)
    try:
        rules.check_transition(current, target)
    except rules.RuleViolation as exc:
        raise problem(exc) from exc


async def _close(ctx: Context, referral: Referral, target: str, note: str | None) -> None:
    await _transition(ctx, referral, target)
    referral.status = target
    referral.closed_at = ctx.at
    if target in (rules.ACCEPTED, rules.REFUSED, rules.WAITING_LIST) and referral.answered_at is None:
        referral.answered_at = ctx.at
        referral.answered_by_user_id = ctx.principal.user_id
    ctx.session.add(_history(referral, target, ctx, note))


@dataclass(frozen=True)
class Acceptance:
    """The partner's acceptance: the start day agreed with the person, the kind of step it creates
    (default: the reason category's, from the rules) and a note for the history."""

    agreed_start_date: date
    step_kind: str | None = None
    note: str | None = None


async def accept(ctx: Context, referral: Referral, answer: Acceptance) -> Referral:
    _require_addressee(ctx.principal, referral)
    await _transition(ctx, referral, rules.ACCEPTED)
    if not await consent_in_force(ctx.session, referral, ctx.at):
        raise ProblemError(
            409,
            "consent-pending",
            "La personne n'a pas (ou plus) donné son accord : l'étape ne peut pas être créée dans son dossier. "
            "Vous pouvez mettre l'orientation en liste d'attente ou la refuser.",
        )
    if answer.agreed_start_date < clock.brussels_day(referral.sent_at):
        raise BadRequest("La date de début ne peut pas précéder l'envoi de l'orientation.", code="start-date")
    await ctx.require(referral.person_id, "trajectory", "write")
    if referral.agreement_id is not None and not await cadastre.agreement_accepts_steps(
        ctx.session, referral.agreement_id, answer.agreed_start_date
    ):
        raise ProblemError(
            409,
            "agreement-closed",
            "La convention du partenaire ne couvre pas cette date de début (close ou terminée avant).",
        )
    service, org = await _service_and_org(ctx.session, referral)
    # the API's and the page's kinds are checked on input; the rule file's are the same vocabulary
    kind = cast(dossier_schemas.StepKind, answer.step_kind or ctx.rules.step_kind(referral.reason_category))
    step = await create_step(
        ctx.session,
        ctx.principal,
        referral.person_id,
        dossier_schemas.StepCreate(
            kind=kind,
            organisation_id=referral.to_organisation_id,
            service_id=referral.service_id,
            agreement_id=referral.agreement_id,
            title=service.name[:200],
            start_date=answer.agreed_start_date,
            status="planned",
        ),
    )
    await _close(ctx, referral, rules.ACCEPTED, answer.note)
    referral.agreed_start_date = answer.agreed_start_date
    referral.trajectory_step_id = step.id
    _file_event(
        ctx,
        referral,
        "referral_accepted",
        f"{org.name} a accepté l'orientation ; début le {day_fr(answer.agreed_start_date)}.",
    )
    await _announce(ctx, events.ReferralAnswered, referral, answer=rules.ACCEPTED)
    await _flush(ctx.session)
    return referral


async def refuse(ctx: Context, referral: Referral, *, reason: str, text: str | None) -> Referral:
    _require_addressee(ctx.principal, referral)
    try:
        code, text = ctx.rules.check_refusal(reason, text)
    except rules.RuleViolation as exc:
        raise problem(exc) from exc
    await _close(ctx, referral, rules.REFUSED, text)
    referral.refusal_reason = code
    referral.refusal_text = text
    service, org = await _service_and_org(ctx.session, referral)
    label = ctx.rules.refusal_reasons[code]
    ended = await end_consent_with_referral(
        ctx.session, referral, ctx, f"{org.name} a refusé l'orientation vers « {service.name} »."
    )
    _file_event(ctx, referral, "referral_refused", f"{org.name} a refusé l'orientation : {label.lower()}.")
    await _announce(
        ctx,
        events.ReferralAnswered,
        referral,
        answer=rules.REFUSED,
        refusal_label=label,
        access_ended=ended,
    )
    await _flush(ctx.session)
    return referral


async def waiting_list(ctx: Context, referral: Referral, *, note: str | None) -> Referral:
    _require_addressee(ctx.principal, referral)
    await _transition(ctx, referral, rules.WAITING_LIST)
    referral.status = rules.WAITING_LIST
    if referral.answered_at is None:
        referral.answered_at = ctx.at
        referral.answered_by_user_id = ctx.principal.user_id
    ctx.session.add(_history(referral, "waiting_list", ctx, note))
    org = await _partner(ctx.session, referral)
    _file_event(ctx, referral, "referral_waiting_list", f"{org.name} a mis l'orientation en liste d'attente.")
    await _announce(ctx, events.ReferralAnswered, referral, answer=rules.WAITING_LIST)
    await _flush(ctx.session)
    return referral


# --- withdrawal ------------------------------------------------------------------------------------


def _require_withdrawer(principal: Principal, referral: Referral) -> bool:
    """``True`` when the person withdraws her own referral; else the caller must be a worker of the
    sending organisation who may still orient her."""
    if principal.person_id == referral.person_id:
        return True
    if (
        principal.role.value not in rules.SENDER_ROLES
        or principal.organisation_id != referral.from_organisation_id
    ):
        raise Forbidden(
            "Seuls la personne et le service qui a envoyé l'orientation peuvent la retirer.",
            code="not-withdrawer",
        )
    return False


async def _withdraw_own_consent(ctx: Context, referral: Referral) -> None:
    """The person ends the referral: the access she gave for it ends with it, in the same step."""
    if referral.consent_id is None:
        return
    await consents.withdraw_consent(
        ctx.session,
        ctx.principal,
        referral.person_id,
        referral.consent_id,
        note="Orientation retirée par la personne.",
    )
    referral.consent_state = rules.CONSENT_WITHDRAWN
    ctx.session.add(_history(referral, "consent_withdrawn", ctx, "avec le retrait de l'orientation"))


async def withdraw(ctx: Context, referral: Referral, *, reason: str | None) -> Referral:
    """By the person themself, or by a worker of the sending organisation who may still orient them."""
    by_person = _require_withdrawer(ctx.principal, referral)
    await ctx.require(referral.person_id, "trajectory", "read" if by_person else "write")
    end_consent = by_person and await consent_in_force(ctx.session, referral, ctx.at)
    if end_consent:  # asked before anything changes: a denial keeps the journal row only
        await ctx.require(referral.person_id, "consents", "write")
    await _close(ctx, referral, rules.WITHDRAWN, (reason or "").strip() or None)
    if end_consent:
        await _withdraw_own_consent(ctx, referral)
    service, org = await _service_and_org(ctx.session, referral)
    ended = False
    if not by_person:
        # the worker ends the referral: the consent given for it has no purpose any more
        ended = await end_consent_with_referral(
            ctx.session,
            referral,
            ctx,
            f"{ctx.principal.display_name} a retiré l'orientation vers « {service.name} » ({org.name}).",
        )
    who = "la personne" if by_person else ctx.principal.display_name
    _file_event(ctx, referral, "referral_withdrawn", f"Orientation vers {org.name} retirée par {who}.")
    await _announce(
        ctx,
        events.ReferralWithdrawn,
        referral,
        by_person=by_person,
        access_ended=bool(ended or end_consent),
    )
    await _flush(ctx.session)
    return referral


# --- reading ---------------------------------------------------------------------------------------


async def history(session: AsyncSession, referral_ids: list[UUID]) -> dict[UUID, list[ReferralHistory]]:
    out: dict[UUID, list[ReferralHistory]] = {i: [] for i in referral_ids}
    if referral_ids:
        rows = await session.scalars(
            select(ReferralHistory)
            .where(ReferralHistory.referral_id.in_(referral_ids))
            .order_by(ReferralHistory.at, ReferralHistory.id)
        )
        for row in rows:
            out[row.referral_id].append(row)
    return out


async def for_person(ctx: Context, person_id: UUID) -> list[Referral]:
    """The person's referrals, through the gate (``trajectory``/read). A partner reading the file with
    consent sees only the referrals addressed to its own organisation."""
    await ctx.require(person_id, "trajectory", "read")
    stmt = select(Referral).where(Referral.person_id == person_id)
    if ctx.principal.role.value in rules.PARTNER_ROLES:
        stmt = stmt.where(Referral.to_organisation_id == ctx.principal.organisation_id)
    return list((await ctx.session.scalars(stmt.order_by(Referral.sent_at.desc()))).all())


async def one_in_file(ctx: Context, referral_id: UUID) -> Referral:
    referral = await get_referral(ctx.session, referral_id)
    await ctx.require(referral.person_id, "trajectory", "read")
    if (
        ctx.principal.role.value in rules.PARTNER_ROLES
        and ctx.principal.organisation_id != referral.to_organisation_id
    ):
        raise NotFound("Orientation introuvable.", code="referral-not-found")
    return referral


async def received(session: AsyncSession, principal: Principal, status: str | None = None) -> list[Referral]:
    """The partner's inbox: referrals addressed to the caller's organisation (cards only)."""
    if principal.role.value not in rules.PARTNER_ROLES or principal.organisation_id is None:
        raise Forbidden(
            "Cette boîte est celle des partenaires qui reçoivent des orientations.", code="not-a-partner"
        )
    stmt = select(Referral).where(Referral.to_organisation_id == principal.organisation_id)
    if status:
        stmt = stmt.where(Referral.status == status)
    return list((await session.scalars(stmt.order_by(Referral.deadline, Referral.sent_at))).all())


async def received_one(session: AsyncSession, principal: Principal, referral_id: UUID) -> Referral:
    referral = await get_referral(session, referral_id)
    if (
        principal.role.value not in rules.PARTNER_ROLES
        or principal.organisation_id != referral.to_organisation_id
    ):
        raise NotFound("Orientation introuvable.", code="referral-not-found")
    return referral
