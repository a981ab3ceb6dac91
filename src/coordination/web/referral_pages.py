"""Referral pages, on top of ``coordination.referral``'s services (the same gate calls as its API):

* from a person's file, the referent (or the CPAS social worker) searches the registry's services that fit
  the person and sends a referral, the person's consent asked in the same step (in their space), or
  recorded now from the form she signed on paper, uploaded with the referral (multipart; for the partner
  only, never health/social: ``docs/decisions/consent-provenance.md``);
* the referrals of a file, with their status and history; withdrawal by the sender;
* the partner's inbox of received referrals (cards: nothing of the file before the person's consent);
  accept with a start date, refuse with a reason from the list, or put on the waiting list;
* the person's own referrals: status and history, consent given or declined in one click, withdrawal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from coordination.access import recorded
from coordination.access.policy import SECTION_LABELS_FR, Section
from coordination.access.principal import Principal
from coordination.dossier.rules import STEP_KIND_LABELS
from coordination.errors import BadRequest, NotFound, ProblemError, problem_for_exception
from coordination.referral import reading, rules, services
from coordination.referral.context import Context
from coordination.referral.declarations import (
    CARD,
    CONSENTS_WRITE,
    FILE_REFERRALS,
    PARTNER_ANSWER,
    REFERRAL_USE_CASE,
    TRAJECTORY_READ,
    TRAJECTORY_WRITE,
)
from coordination.referral.dependencies import CONTEXT_DEPENDENCIES
from coordination.referral.models import Referral
from coordination.settings import Settings
from coordination.web.csrf import as_list, checked_form
from coordination.web.filedata import PLAIN_WORDS, role_may
from coordination.web.render import page

SENDABLE_SECTIONS = ("identity", "project", "plan", "progress", "documents", "social", "health")
"""Sections a referral may ask the person to share (the trajectory is always added: the step lives there)."""
SEND_FIELDS = ("reason_category", "reason", "plan_objective_id", "outside_bassin_reason", "consent_mode")
SEND_ERROR_FIELDS = {
    "reason": "reason",
    "unknown-reason-category": "reason_category",
    "outside-bassin": "outside_bassin_reason",
    "unknown-section": "sections",
    "consent-form-required": "consent_file",
}
"""Which field a refusal of the referral service is about (anything else is said above the form)."""


STEP_KINDS = {"": "Selon le motif de l'orientation", **STEP_KIND_LABELS}
"""The step the partner may create on acceptance, labelled as the trajectory names it (the domain's table)."""
STATUS_BADGES = {
    "sent": "warn",
    "waiting_list": "warn",
    "accepted": "ok",
    "refused": "bad",
    "withdrawn": "neutral",
    "expired": "bad",
}
CONSENT_BADGES = {
    "requested": "warn",
    "given": "ok",
    "declined": "neutral",
    "withdrawn": "neutral",
    "expired": "neutral",
    "ended": "neutral",
}
MESSAGES = {
    "envoyee": "Orientation envoyée. Le partenaire est prévenu ; vous suivrez sa réponse ici.",
    "retiree": "Orientation retirée. Le partenaire et la personne sont prévenus.",
    "accord": "Accord enregistré. Le partenaire peut maintenant voir les parties du dossier demandées.",
    "refus-accord": "Vous n'avez pas donné votre accord : l'orientation est retirée. Votre référent est prévenu.",
    "accord-retire": "Accord retiré : le partenaire ne voit plus votre dossier, dès maintenant.",
    "acceptee": "Orientation acceptée : l'étape est ajoutée au parcours de la personne.",
    "refusee": "Refus enregistré. Le référent et la personne sont prévenus.",
    "attente": "Orientation mise en liste d'attente. Le référent et la personne sont prévenus.",
}


def _uuid(value: Any, message: str) -> UUID:
    try:
        return UUID(str(value or ""))
    except ValueError as exc:
        raise BadRequest(message) from exc


def _uuid_or_none(value: Any) -> UUID | None:
    try:
        return UUID(str(value or ""))
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


def _date(value: Any, message: str) -> date:
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError as exc:
        raise BadRequest(message) from exc


def _file_url(person_id: UUID, ok: str | None = None, referral_id: UUID | None = None) -> str:
    url = f"/dossiers/{person_id}/orientations"
    if ok:
        url += f"?ok={ok}"
    if referral_id:
        url += f"#orientation-{referral_id}"
    return url


def _common() -> dict:
    return {
        "status_badges": STATUS_BADGES,
        "consent_badges": CONSENT_BADGES,
        "plain": PLAIN_WORDS,
    }


def _section_titles(sections: list[str] | tuple[str, ...]) -> list[str]:
    return [SECTION_LABELS_FR[Section(s)] for s in sections]


async def _new_page(
    request: Request,
    ctx: Context,
    person_id: UUID,
    filters: reading.Filters,
    service: UUID | None,
    *,
    values: dict | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The search and the sending form; after a refused sending, the same form with what was typed and
    each message by its field (``errors``: field name → French message)."""
    form = await reading.send_form(ctx, person_id, filters, service)
    return page(
        request,
        "referral_new.html",
        status_code=status_code,
        values=values or {},
        errors=errors or {},
        person_id=person_id,
        person=form.person,
        matches=form.matches,
        filters={
            "theme": filters.theme or "",
            "public": filters.public or "",
            "langue": filters.language or "",
            "tous": filters.everything,
        },
        chosen=form.chosen,
        objectives=form.objectives,
        reason_categories=ctx.rules.reason_categories,
        deadline_days=ctx.rules.deadline_working_days,
        consent_months=ctx.rules.consent_default_months,
        sendable=SENDABLE_SECTIONS,
        default_sections=form.default_sections,
        titles=dict(zip(SENDABLE_SECTIONS, _section_titles(SENDABLE_SECTIONS), strict=True)),
        can_record=role_may(ctx.principal, "consents", "write"),
        **_common(),
    )


def _send_input(person_id: UUID, form: Any, mode: str) -> services.SendInput:
    """The sending form as the service's input (the same as the API's JSON body)."""
    return services.SendInput(
        person_id=person_id,
        service_id=_uuid(form.get("service_id"), "Choisissez le service."),
        reason_category=str(form.get("reason_category") or ""),
        reason=str(form.get("reason") or ""),
        sections=[s for s in as_list(form.get("sections")) if s in SENDABLE_SECTIONS],
        plan_objective_id=(
            _uuid(form.get("plan_objective_id"), "Objectif inconnu.")
            if _text(form.get("plan_objective_id"))
            else None
        ),
        outside_bassin_reason=_text(form.get("outside_bassin_reason")),
        consent_mode=mode,
        consent_channel=_text(form.get("consent_channel")) if mode == "record" else None,
    )


def _recording(request: Request, settings: Settings, values: Mapping[str, Any]) -> services.Recording:
    """A form's recording: its values (read by the service after the gate) and where its file goes."""
    return services.Recording(recorded.Draft(values), recorded.uploads_for(request, settings))


def _typed(form: Any) -> dict:
    """What the sender typed, to fill the form again after a refusal."""
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in SEND_FIELDS}
    values["sections"] = [s for s in as_list(form.get("sections")) if s in SENDABLE_SECTIONS]
    return values


class FileReferralPages(Controller):
    """The referrals of one file, and sending a new one (referent, CPAS social worker)."""

    path = "/dossiers/{person_id:uuid}/orientations"
    dependencies = CONTEXT_DEPENDENCIES

    @get("/", opt=FILE_REFERRALS)
    async def list_for_file(
        self, request: Request, ctx: Context, person_id: UUID, ok: str | None = None
    ) -> Response:
        screen = await reading.file_screen(ctx, person_id)
        principal = ctx.principal
        sender = principal.role.value in rules.SENDER_ROLES
        return page(
            request,
            "referrals_file.html",
            person_id=person_id,
            first_name=screen.person.first_name,
            referrals=screen.referrals,
            names=screen.names,
            can_send=sender and role_may(principal, "trajectory", "write"),
            own_organisation=principal.organisation_id,
            can_record=sender and role_may(principal, "consents", "write"),
            message=MESSAGES.get(ok or ""),
            **_common(),
        )

    @get("/nouvelle", opt={"section": ("identity", "plan"), "action": "read", "gate": REFERRAL_USE_CASE})
    async def new(
        self,
        request: Request,
        ctx: Context,
        person_id: UUID,
        theme: str | None = Parameter(default=None, max_length=100),
        public: str | None = Parameter(default=None, max_length=100),
        langue: str | None = Parameter(default=None, max_length=8),
        tous: bool = False,
        service: UUID | None = None,
    ) -> Response:
        filters = reading.Filters(
            theme=_text(theme), public=_text(public), language=_text(langue), everything=tous
        )
        return await _new_page(request, ctx, person_id, filters, service)

    @post(
        "/",
        opt={"section": ("identity", "trajectory", "consents"), "action": "write", "gate": REFERRAL_USE_CASE},
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
    )
    async def send(self, request: Request, settings: Settings, ctx: Context, person_id: UUID) -> Response:
        recorded.precheck_length(request, settings)
        form = await checked_form(request)
        record = form.get("consent_mode") == "record"
        try:
            referral = await services.send(
                ctx,
                _send_input(person_id, form, "record" if record else "request"),
                _recording(request, settings, form) if record else None,
            )
        except ProblemError as exc:
            await ctx.session.rollback()  # nothing sent, nothing journaled as sent
            return await _new_page(
                request,
                ctx,
                person_id,
                reading.Filters(),
                _uuid_or_none(form.get("service_id")),
                values=_typed(form),
                errors={SEND_ERROR_FIELDS.get(exc.code, "form"): exc.detail},
                status_code=problem_for_exception(request, exc).status_code
                or exc.status,  # as the error page
            )
        return Redirect(_file_url(person_id, "envoyee", referral.id), status_code=303)


class ReferralPages(Controller):
    """One referral: actions of the sender, the person and the partner; the partner's inbox."""

    path = "/orientations"
    dependencies = CONTEXT_DEPENDENCIES

    @get("/{referral_id:uuid}", opt=TRAJECTORY_READ)
    async def one(self, ctx: Context, referral_id: UUID) -> Response:
        """Where a notification leads: the page of the referral for whoever reads it."""
        principal = ctx.principal
        if principal.role.value in rules.PARTNER_ROLES:
            return Redirect(f"/orientations/recues/{referral_id}", status_code=303)
        referral = await services.one_in_file(ctx, referral_id)
        if principal.person_id == referral.person_id:
            return Redirect(f"/mon-espace/orientations#orientation-{referral_id}", status_code=303)
        return Redirect(_file_url(referral.person_id, None, referral_id), status_code=303)

    @post("/{referral_id:uuid}/retrait", opt={"section": ("trajectory", "consents"), "action": "write"})
    async def withdraw(self, request: Request, ctx: Context, referral_id: UUID) -> Response:
        reason = _text((await checked_form(request)).get("reason"))
        referral = await services.step(ctx, referral_id, services.withdraw, reason=reason)
        return _back(ctx.principal, referral, "retiree")

    @post(
        "/{referral_id:uuid}/consentement",
        opt=CONSENTS_WRITE,
        request_max_body_size=recorded.ROUTE_BODY_CEILING,
    )
    async def give_consent(
        self, request: Request, settings: Settings, ctx: Context, referral_id: UUID
    ) -> Response:
        """The person agrees (one click), or a worker records the agreement she signed on paper, the
        signed form uploaded with it (as ``POST /api/v1/referrals/{id}/consent/recorded``)."""
        recorded.precheck_length(request, settings)
        form = await checked_form(request)
        referral = await services.get_referral(ctx.session, referral_id)
        if ctx.principal.person_id == referral.person_id:
            await services.give_consent(ctx, referral)
        else:
            signed = {**form, "channel": form.get("consent_channel")}
            await services.record_consent(ctx, referral, _recording(request, settings, signed))
        return _back(ctx.principal, referral, "accord")

    @post("/{referral_id:uuid}/consentement/refus", opt=CONSENTS_WRITE)
    async def decline_consent(self, request: Request, ctx: Context, referral_id: UUID) -> Response:
        note = _text((await checked_form(request)).get("note"))
        referral = await services.step(ctx, referral_id, services.decline_consent, note)
        return _back(ctx.principal, referral, "refus-accord")

    @post("/{referral_id:uuid}/consentement/retrait", opt=CONSENTS_WRITE)
    async def withdraw_consent(self, request: Request, ctx: Context, referral_id: UUID) -> Response:
        await checked_form(request)
        referral = await services.step(ctx, referral_id, services.withdraw_consent)
        return _back(ctx.principal, referral, "accord-retire")

    # --- the partner's inbox ----------------------------------------------------------------------

    @get("/recues", opt=CARD)
    async def received(
        self,
        request: Request,
        ctx: Context,
        statut: str | None = Parameter(default=None, max_length=16),
        ok: str | None = None,
    ) -> Response:
        status = statut if statut in rules.STATUSES else None
        cards = await reading.received_cards(ctx, status)
        open_first = sorted(cards, key=lambda c: (c.status not in rules.OPEN_STATUSES, c.deadline))
        return page(
            request,
            "referrals_received.html",
            cards=open_first,
            status=status,
            statuses=rules.STATUS_LABELS_FR,
            message=MESSAGES.get(ok or ""),
            today=ctx.today,
            **_common(),
        )

    @get("/recues/{referral_id:uuid}", opt=CARD)
    async def received_one(
        self,
        request: Request,
        ctx: Context,
        referral_id: UUID,
        ok: str | None = None,
    ) -> Response:
        card = await reading.received_card(ctx, referral_id)
        return page(
            request,
            "referral_received.html",
            card=card,
            refusal_reasons=ctx.rules.refusal_reasons,
            step_kinds=STEP_KINDS,
            can_answer=card.status in rules.OPEN_STATUSES,
            consented_labels=_section_titles(card.consented_sections or []),
            default_start=(ctx.today + timedelta(days=7)).isoformat(),
            message=MESSAGES.get(ok or ""),
            **_common(),
        )

    @post("/{referral_id:uuid}/acceptation", opt=TRAJECTORY_WRITE)
    async def accept(self, request: Request, ctx: Context, referral_id: UUID) -> Response:
        form = await checked_form(request)
        kind = _text(form.get("step_kind"))
        if kind is not None and kind not in STEP_KINDS:
            raise BadRequest("Type d'étape inconnu.")
        start = _date(form.get("agreed_start_date"), "Indiquez la date de début convenue.")
        answer = services.Acceptance(start, kind, _text(form.get("note")))
        await services.step(ctx, referral_id, services.accept, answer)
        return _received(referral_id, "acceptee")

    @post("/{referral_id:uuid}/refus", opt=PARTNER_ANSWER)
    async def refuse(self, request: Request, ctx: Context, referral_id: UUID) -> Response:
        form = await checked_form(request)
        reason, text = str(form.get("reason") or ""), _text(form.get("text"))
        await services.step(ctx, referral_id, services.refuse, reason=reason, text=text)
        return _received(referral_id, "refusee")

    @post("/{referral_id:uuid}/attente", opt=PARTNER_ANSWER)
    async def waiting_list(self, request: Request, ctx: Context, referral_id: UUID) -> Response:
        note = _text((await checked_form(request)).get("note"))
        await services.step(ctx, referral_id, services.waiting_list, note=note)
        return _received(referral_id, "attente")


class MyReferralPages(Controller):
    """The person's own referrals: status, history, consent in one click, withdrawal."""

    path = "/mon-espace/orientations"
    dependencies = CONTEXT_DEPENDENCIES

    @get("/", opt=TRAJECTORY_READ)
    async def mine(self, request: Request, ctx: Context, ok: str | None = None) -> Response:
        person_id = ctx.principal.person_id
        if person_id is None:
            raise NotFound(
                "Aucun dossier personnel n'est associé à votre compte : cet espace est celui des personnes "
                "accompagnées.",
                code="no-own-file",
            )
        referrals = await reading.file_referrals(ctx, person_id)
        names = await reading.user_names(ctx.session, referrals)
        asks = [r for r in referrals if r.consent_state == "requested" and r.status in rules.OPEN_STATUSES]
        others = [r for r in referrals if r not in asks]
        return page(
            request,
            "my_referrals.html",
            asks=asks,
            others=others,
            names=names,
            message=MESSAGES.get(ok or ""),
            **_common(),
        )


def _received(referral_id: UUID, ok: str) -> Redirect:
    return Redirect(f"/orientations/recues/{referral_id}?ok={ok}", status_code=303)


def _back(principal: Principal, referral: Referral, ok: str) -> Redirect:
    if principal.person_id == referral.person_id:
        return Redirect(f"/mon-espace/orientations?ok={ok}#orientation-{referral.id}", status_code=303)
    return Redirect(_file_url(referral.person_id, ok, referral.id), status_code=303)
