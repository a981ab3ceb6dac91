"""Who is told what about a visa: the person and the submitter of a decision, the colleague asked to
decide, and the referent, the decider and the person when the hours worked exceed the contract.

These are the subscribers of :mod:`coordination.visa.events` (wired in :mod:`coordination.wiring`): the
visa services record what happened and never write to the inbox themselves, so a decision and its
notices commit or roll back together."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.models import User
from coordination.formatting import day_fr
from coordination.inbox.services import notify, notify_users
from coordination.referent.services import active_link, link_users
from coordination.visa.attendance import Comparison, Monitoring, compare
from coordination.visa.events import HoursOverContract, VisaDecided, VisaDecisionAsked
from coordination.visa.labels import decision_label, kind_label
from coordination.visa.models import AttendancePeriod, VisaRequest

PERSON_LINK = "/mon-espace"
"""The person's own space (web); the contract and its certificate are among their documents."""
HOURS_KIND = "visa_hours"


def worker_link(visa_id) -> str:
    """The visa's page, where a worker follows the request."""
    return f"/visa/{visa_id}"


async def tell_visa_decided(session: AsyncSession, event: VisaDecided) -> None:
    """The person and the submitter are told of a decision (the decider is never the submitter)."""
    visa = await session.get(VisaRequest, event.visa_id)
    if visa is None:
        return
    label, kind, when = decision_label(visa.decision), kind_label(visa.contract), day_fr(visa.decided_at)
    decider = visa.decided_by_name or "La personne qui décide"
    await notify(
        session,
        person_id=visa.person_id,
        kind="visa_decided",
        title_fr="Décision sur votre contrat",
        body_fr=(
            f"{decider} a rendu sa décision le {when} sur le contrat proposé ({kind}) : {label}. Le "
            "certificat est dans les documents de votre dossier ; parlez-en avec votre référent·e si vous "
            "avez une question."
        ),
        link=PERSON_LINK,
        subject_id=visa.id,
    )
    await notify_users(
        session,
        [visa.submitted_by],
        exclude_user_id=event.actor_user_id,
        kind="visa_decided",
        title_fr=f"Visa : {label}",
        body_fr=(
            f"{decider} a décidé le {when} du contrat soumis ({kind}) : {label}."
            + (f" Commentaire : {visa.decision_reason}" if visa.decision_reason else "")
        ),
        link=worker_link(visa.id),
        subject_id=visa.id,
    )


async def tell_decision_asked(session: AsyncSession, event: VisaDecisionAsked) -> None:
    """The colleague chosen by the submitter finds the request in their notifications."""
    visa = await session.get(VisaRequest, event.visa_id)
    if visa is None:
        return
    asker = await session.get(User, event.actor_user_id)
    employer = str((visa.contract or {}).get("employer_name") or "employeur non indiqué")
    await notify_users(
        session,
        [event.colleague_user_id],
        exclude_user_id=event.actor_user_id,
        kind="visa_decision_asked",
        title_fr="Un visa attend votre décision",
        body_fr=(
            f"{asker.display_name if asker else 'Un·e collègue'} vous demande de décider du visa d'un "
            f"contrat ({kind_label(visa.contract)}, {employer})."
            + (f" Message : {event.note}" if event.note else "")
        ),
        link=worker_link(visa.id),
        subject_id=visa.id,
    )


def _hours(value: float) -> str:
    """« 38 h », « 19,5 h » (a plain space: the sentence may wrap there)."""
    return f"{value:g}".replace(".", ",") + " h"


def _hours_facts(period: AttendancePeriod, result: Comparison) -> str:
    when = f"du {day_fr(period.period_start)} au {day_fr(period.period_end)}"
    return (
        f"{_hours(result.hours_worked)} de présence enregistrées {when} pour "
        f"{_hours(result.hours_paid or 0)} payées par le contrat approuvé, soit {_hours(result.gap or 0)} "
        f"de plus que le contrat (tolérance {_hours(result.tolerance)})."
    )


async def tell_hours_over_contract(session: AsyncSession, event: HoursOverContract) -> None:
    """The referent (or the e-adviser team), the visa's decider and the person are told once of a period
    worked beyond what the contract pays."""
    period = await session.get(AttendancePeriod, event.attendance_id)
    visa = await session.get(VisaRequest, event.visa_id)
    if period is None or visa is None:
        return
    rules = Monitoring(event.tolerance_hours_per_week)
    facts_fr = _hours_facts(period, compare(visa.contract or {}, period, rules))
    link = await active_link(session, visa.person_id)
    users = (await link_users(session, link)) if link is not None else []
    if visa.decided_by is not None:
        users.append(visa.decided_by)
    await notify_users(
        session,
        users,
        kind=HOURS_KIND,
        title_fr="Heures prestées au-delà du contrat",
        body_fr=facts_fr + " Vérifiez avec l'employeur que toutes les heures sont payées.",
        link=worker_link(visa.id),
        subject_id=visa.id,
    )
    await notify(
        session,
        person_id=visa.person_id,
        kind=HOURS_KIND,
        title_fr="Vos heures de travail et votre contrat",
        body_fr=facts_fr + " Toute heure prestée doit être payée : parlez-en avec votre référent·e.",
        link=PERSON_LINK,
        subject_id=visa.id,
    )
