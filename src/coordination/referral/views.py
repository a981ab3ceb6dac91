"""Turning referral rows into API shapes (card for the partner, full view from the file)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access import journal
from coordination.access.policy import SECTION_LABELS_FR, Basis, Section
from coordination.access.principal import Principal
from coordination.cadastre.models import Service
from coordination.directory.models import Organisation
from coordination.referral import rules, schemas, services
from coordination.referral.models import Referral, ReferralHistory
from coordination.referral.search import Fit


async def _names(session: AsyncSession, referrals: list[Referral]) -> tuple[dict, dict]:
    """Service names and organisation names (both ends) of these referrals, each in one query (none for no
    referral)."""
    if not referrals:
        return {}, {}
    service_ids = {r.service_id for r in referrals}
    org_ids = {r.to_organisation_id for r in referrals} | {r.from_organisation_id for r in referrals}
    return await _name_by_id(session, Service, service_ids), await _name_by_id(session, Organisation, org_ids)


async def _name_by_id(session: AsyncSession, model: type[Service | Organisation], ids: set[UUID]) -> dict:
    return dict((await session.execute(select(model.id, model.name).where(model.id.in_(ids)))).all())


def _columns(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The row's values of these columns, by name (the API fields that show a column as it is)."""
    return {name: getattr(row, name) for name in names}


_HISTORY_COLUMNS = tuple(f for f in schemas.HistoryOut.__struct_fields__ if f != "label")
"""Every field of a history entry but its French label is the row's column of the same name."""
_SHARED_COLUMNS = (
    "id",
    "service_id",
    "reason_category",
    "sent_at",
    "deadline",
    "refusal_reason",
    "refusal_text",
    "agreed_start_date",
)
"""What the partner's card and the file's view show of the referral's row as it is."""
_FILE_COLUMNS = (
    "person_id",
    "agreement_id",
    "from_user_id",
    "from_organisation_id",
    "reason",
    "plan_objective_id",
    "outside_bassin_reason",
    "consent_id",
    "consent_expires_at",
    "answered_at",
    "closed_at",
    "trajectory_step_id",
    "version",
)
"""What the file's view adds of the row as it is."""


def _history_out(rows: list[ReferralHistory]) -> list[schemas.HistoryOut]:
    return [
        schemas.HistoryOut(
            label=rules.HISTORY_LABELS_FR.get(h.event, h.event), **_columns(h, _HISTORY_COLUMNS)
        )
        for h in rows
    ]


async def _shared(
    session: AsyncSession,
    r: Referral,
    service_names: dict,
    referral_rules: rules.ReferralRules,
    now: datetime,
) -> dict[str, Any]:
    """What the partner's card and the file's view both say of a referral: its effective status and
    consent state (computed on read, never waiting for the daily sweep), its service and its answer."""
    state = await services.effective_consent_state(session, r, now)
    status = services.effective_status(r, clock.brussels_day(now))
    return {
        **_columns(r, _SHARED_COLUMNS),
        "status": status,
        "status_label": rules.STATUS_LABELS_FR[status],
        "service_name": service_names.get(r.service_id, ""),
        "reason_category_label": referral_rules.reason_categories.get(r.reason_category, r.reason_category),
        "consent_state": state,
        "consent_state_label": rules.CONSENT_LABELS_FR[state],
    }


async def cards(
    session: AsyncSession, referrals: list[Referral], referral_rules: rules.ReferralRules, now: datetime
) -> list[schemas.ReferralCard]:
    svc, _ = await _names(session, referrals)
    return [_card(r, await _shared(session, r, svc, referral_rules, now)) for r in referrals]


def _card(r: Referral, shared: dict[str, Any]) -> schemas.ReferralCard:
    """The partner's card: what the person agreed to share appears only while the consent is in force."""
    in_force = shared["consent_state"] == rules.CONSENT_GIVEN
    return schemas.ReferralCard(
        **shared,
        person_first_name=r.person_first_name,
        person_bassin=r.person_bassin,
        consent_in_force=in_force,
        person_id=r.person_id if in_force else None,
        reason=r.reason if in_force else None,
        consented_sections=list(r.requested_sections) if in_force else None,
        trajectory_step_id=r.trajectory_step_id if in_force else None,
    )


async def journal_cards(
    session: AsyncSession,
    principal: Principal,
    referrals: list[Referral],
    shown: list[schemas.ReferralCard],
    request_id: str,
) -> None:
    """One journal row per card shown, on that person's chain, in the caller's transaction.

    A card carries the person's first name and bassin (and, once they agreed, their id and the free-text
    reason): the person sees in their journal that the partner's worker read it. Basis ``referral`` (the
    referral sent to the partner's organisation), section ``identity``; the consent is named when the card
    shows what it opened. Cards filtered out are not journaled."""
    by_id = {r.id: r for r in referrals}
    per_person: dict[UUID, list[journal.Entry]] = {}
    for card in shown:
        referral = by_id[card.id]
        consent_id = referral.consent_id if card.consent_in_force else None
        per_person.setdefault(referral.person_id, []).append(
            journal.Entry(
                action="read",
                decision="allow",
                section=Section.IDENTITY.value,
                basis=Basis.REFERRAL.value,
                consent_id=consent_id,
            )
        )
    for person_id, entries in per_person.items():
        await journal.append_entries(
            session, person_id=person_id, principal=principal, request_id=request_id, entries=entries
        )


async def shown_cards(
    session: AsyncSession,
    principal: Principal,
    referrals: list[Referral],
    referral_rules: rules.ReferralRules,
    now: datetime,
    request_id: str,
) -> list[schemas.ReferralCard]:
    """The partner's cards, each journaled on the person's chain (see :func:`journal_cards`)."""
    out = await cards(session, referrals, referral_rules, now)
    await journal_cards(session, principal, referrals, out, request_id)
    return out


async def full(
    session: AsyncSession, referrals: list[Referral], referral_rules: rules.ReferralRules, now: datetime
) -> list[schemas.ReferralOut]:
    svc, orgs = await _names(session, referrals)
    hist = await services.history(session, [r.id for r in referrals])
    return [
        schemas.ReferralOut(
            **await _shared(session, r, svc, referral_rules, now),
            **_columns(r, _FILE_COLUMNS),
            partner_organisation_id=r.to_organisation_id,
            partner_name=orgs.get(r.to_organisation_id, ""),
            from_organisation_name=orgs.get(r.from_organisation_id, ""),
            requested_sections=list(r.requested_sections),
            requested_section_labels=[SECTION_LABELS_FR[Section(s)] for s in r.requested_sections],
            refusal_reason_label=referral_rules.refusal_reasons.get(r.refusal_reason)
            if r.refusal_reason
            else None,
            history=_history_out(hist[r.id]),
        )
        for r in referrals
    ]


WHY_NOT: tuple[tuple[Callable[[Fit], bool], str], ...] = (
    (lambda fit: fit.service.status != "active", "service inactif au cadastre"),
    (lambda fit: not fit.agreement_active, "pas de convention en cours"),
    (lambda fit: fit.full, "complet"),
    (lambda fit: not fit.in_bassin, "hors du bassin de la personne"),
    (lambda fit: not fit.language_ok, "langue de la personne non proposée"),
    (lambda fit: not fit.public_ok, "public non visé"),
    (lambda fit: not fit.theme_ok, "thème différent"),
)
"""Each way a service may not suit the person, with what the sender reads, in the order shown."""


def why_not(fit: Fit) -> list[str]:
    return [label for misses, label in WHY_NOT if misses(fit)]


def match_out(fit: Fit) -> schemas.ServiceMatch:
    s = fit.service
    return schemas.ServiceMatch(
        service_id=s.id,
        service_name=s.name,
        description=s.description,
        organisation_id=s.organisation_id,
        organisation_name=fit.organisation_name,
        service_areas=list(s.service_areas or []),
        publics=list(s.publics or []),
        languages=list(s.languages or []),
        capacity=s.capacity,
        places_left=fit.places_left,
        agreement_id=fit.agreement.id if fit.agreement else None,
        agreement_active=fit.agreement_active,
        in_bassin=fit.in_bassin,
        language_ok=fit.language_ok,
        public_ok=fit.public_ok,
        theme_ok=fit.theme_ok,
        fits=fit.fits,
        why_not=why_not(fit),
    )


def outcome_out(
    key: UUID,
    name: str,
    result: rules.Outcome,
    referral_rules: rules.ReferralRules,
    organisation_id: UUID | None = None,
) -> schemas.OutcomeOut:
    """The outcome figures as computed by :func:`rules.outcome`, field for field, with who they are about
    and the alerts they raise."""
    return schemas.OutcomeOut(
        id=key,
        name=name,
        organisation_id=organisation_id,
        **msgspec.structs.asdict(result),
        alerts=[schemas.Alert(code=c, message=m) for c, m in rules.alerts_for(result, referral_rules)],
    )


def vocabulary(referral_rules: rules.ReferralRules) -> schemas.ReferralVocabulary:
    return schemas.ReferralVocabulary(
        rules_version=referral_rules.version,
        deadline_working_days=referral_rules.deadline_working_days,
        reason_categories=[
            schemas.Choice(code=k, label=v) for k, v in referral_rules.reason_categories.items()
        ],
        refusal_reasons=[schemas.Choice(code=k, label=v) for k, v in referral_rules.refusal_reasons.items()],
    )
