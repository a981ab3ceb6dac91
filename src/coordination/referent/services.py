"""Referent services: orientation decisions, the one active referent, documented handovers, contacts.

Every write checks what it can in code first (clear French problem details), and the database has the
last word: the partial unique index refuses a second active link, a CHECK refuses an override without a
reason. Services ``flush()``; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock, events
from coordination.access import mandates
from coordination.access.principal import Principal
from coordination.clock import brussels_day
from coordination.directory.models import User
from coordination.dossier.models import FileEvent, Person
from coordination.errors import Conflict, NotFound, Unprocessable
from coordination.events import DomainEvent
from coordination.formatting import day_fr
from coordination.referent.events import FirstContactOverdue, ReferentHandedOver
from coordination.referent.models import Adviser, Orientation, ReferentLink
from coordination.referent.orientation import (
    Choice,
    OverrideWithoutReason,
    ScoreOutOfRange,
    Situation,
    Track,
    first_contact_due,
    local_date,
    orient,
)
from coordination.referent.policies import ReferentPolicies
from coordination.referent.schemas import OrientationIn

SECTION = "trajectory"
KIND_LABELS_FR = {
    "forem_adviser": "Conseiller·ère de référence du Forem",
    "eadviser_team": "Équipe e-conseil du Forem (portefeuille partagé)",
    "cpas_social_worker": "Assistant·e social·e du CPAS",
}


def record_event(
    session: AsyncSession, principal: Principal | None, person_id: UUID, kind: str, summary: str
):
    session.add(
        FileEvent(
            person_id=person_id,
            section=SECTION,
            kind=kind,
            summary=summary[:300],
            actor_user_id=principal.user_id if principal else None,
            actor_organisation_id=principal.organisation_id if principal else None,
        )
    )


async def get_person(session: AsyncSession, person_id: UUID) -> Person:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("Dossier introuvable.", "person-not-found")
    return person


async def get_adviser(session: AsyncSession, adviser_id: UUID | None) -> Adviser:
    adviser = await session.get(Adviser, adviser_id) if adviser_id else None
    if adviser is None or not adviser.active:
        raise Unprocessable(
            f"Conseiller inconnu ou inactif : « {adviser_id} ». Choisissez un conseiller de la liste.",
            "unknown-adviser",
            adviser_id=str(adviser_id),
        )
    return adviser


async def portfolio_sizes(session: AsyncSession) -> dict[UUID, int]:
    rows = await session.execute(
        select(ReferentLink.adviser_id, func.count())
        .where(ReferentLink.ended_at.is_(None), ReferentLink.adviser_id.is_not(None))
        .group_by(ReferentLink.adviser_id)
    )
    return {adviser_id: count for adviser_id, count in rows if adviser_id is not None}


async def portfolio_size(session: AsyncSession, adviser_id: UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(ReferentLink.adviser_id == adviser_id, ReferentLink.ended_at.is_(None))
        )
        or 0
    )


async def ensure_room(session: AsyncSession, adviser: Adviser, extra: int = 0) -> None:
    load = await portfolio_size(session, adviser.id) + extra
    if load >= adviser.capacity:
        raise Conflict(
            f"{adviser.display_name} a atteint sa capacité ({load} personnes suivies pour {adviser.capacity} "
            "places) : choisissez un autre conseiller ou augmentez d'abord sa capacité.",
            "adviser-over-capacity",
            capacity=adviser.capacity,
            load=load,
        )


async def active_link(session: AsyncSession, person_id: UUID) -> ReferentLink | None:
    return await session.scalar(
        select(ReferentLink).where(ReferentLink.person_id == person_id, ReferentLink.ended_at.is_(None))
    )


async def history(session: AsyncSession, person_id: UUID) -> list[ReferentLink]:
    rows = await session.scalars(
        select(ReferentLink).where(ReferentLink.person_id == person_id).order_by(ReferentLink.started_at)
    )
    return list(rows)


async def latest_orientation(session: AsyncSession, person_id: UUID) -> Orientation | None:
    return await session.scalar(
        select(Orientation)
        .where(Orientation.person_id == person_id)
        .order_by(Orientation.created_at.desc(), Orientation.id.desc())
        .limit(1)
    )


def _track(value: str | None) -> Track | None:
    if value is None:
        return None
    try:
        return Track(value)
    except ValueError as exc:
        raise Unprocessable(
            f"Parcours inconnu : « {value} » (attendu : {', '.join(t.value for t in Track)}).",
            "unknown-track",
        ) from exc


async def decide_orientation(
    session: AsyncSession,
    principal: Principal | None,
    person: Person,
    policies: ReferentPolicies,
    asked: OrientationIn | None = None,
    now: datetime | None = None,
) -> Orientation:
    """Record an orientation (``asked``: the adviser's inputs, each defaulting to the file's; none: the
    file's score and autonomy), and carry it onto the active link."""
    asked = asked or OrientationIn()
    now = now or clock.now()
    today = local_date(now, policies.rules)
    score = person.proximity_score if asked.proximity_score is None else asked.proximity_score
    autonomy = person.digital_autonomy if asked.digital_autonomy is None else asked.digital_autonomy
    if score is None or autonomy is None:
        raise Unprocessable(
            "Le score de proximité à l'emploi et l'autonomie numérique déclarée sont nécessaires pour orienter.",
            "orientation-inputs-missing",
        )
    previous = await latest_orientation(session, person.id)
    registered_on = (await mandates.status(session, person.id)).forem_registered_on
    start = (registered_on or today) if previous is None else today
    situation = Situation(score, bool(autonomy), start, person.birth_date, registered_on or start)
    chosen = _track(asked.chosen_track)
    try:
        result = orient(
            policies.matrix,
            policies.rules,
            situation,
            Choice(chosen, asked.override_reason) if chosen else None,
        )
    except ScoreOutOfRange as exc:
        raise Unprocessable(str(exc), "score-out-of-range", score=str(score)) from exc
    except OverrideWithoutReason as exc:
        raise Unprocessable(str(exc), "override-reason-required") from exc
    row = Orientation(
        person_id=person.id,
        proximity_score=score,
        digital_autonomy=bool(autonomy),
        computed_track=result.computed_track.value,
        chosen_track=result.chosen_track.value,
        override_reason=result.override_reason,
        cluster=(asked.cluster or "").strip() or (previous.cluster if previous else None),
        young=result.young,
        start_on=result.start,
        first_contact_due=result.first_contact_due,
        digital_move_due=result.digital_move_due,
        matrix_version=result.matrix_version,
        rules_version=result.rules_version,
        decided_by_user_id=principal.user_id if principal else None,
        created_at=now,
    )
    session.add(row)
    link = await active_link(session, person.id)
    if link is not None:
        link.computed_track, link.chosen_track = row.computed_track, row.chosen_track
        link.override_reason = row.override_reason
        if link.last_contact_at is None:
            link.first_contact_due = row.first_contact_due
    labels = policies.matrix.labels_fr
    summary = f"Orientation : parcours {labels[result.chosen_track]}"
    if result.overridden:
        summary += f" (calculé : {labels[result.computed_track]} ; motif : {result.override_reason})"
    record_event(session, principal, person.id, "orientation", summary)
    await session.flush()
    return row


async def ensure_orientation(
    session: AsyncSession, person: Person, policies: ReferentPolicies, now: datetime | None = None
) -> Orientation | None:
    """The person's current orientation; computed from the file's score and autonomy when there is none."""
    current = await latest_orientation(session, person.id)
    if current is not None or person.proximity_score is None or person.digital_autonomy is None:
        return current
    try:
        return await decide_orientation(session, None, person, policies, None, now)
    except Unprocessable:
        return None


@dataclass(frozen=True)
class Opening:
    """A link to open: for whom, with which adviser, why, from when (default: now). A link opened with a
    handover note takes over from a former referent, and its file event says so."""

    person: Person
    adviser: Adviser
    reason: str
    note: str | None = None
    at: datetime | None = None

    @property
    def event(self) -> str:
        return "referent_handover" if self.note else "referent_assigned"


async def open_link(
    session: AsyncSession, principal: Principal | None, policies: ReferentPolicies, opening: Opening
) -> ReferentLink:
    """Open the person's active link. The caller checked there is none; the database re-checks."""
    person, adviser, reason = opening.person, opening.adviser, opening.reason
    now = opening.at or clock.now()
    orientation = await ensure_orientation(session, person, policies, now)
    first_link = not await session.scalar(select(func.count()).where(ReferentLink.person_id == person.id))
    due: date | None = None
    if orientation is not None:
        due = (
            orientation.first_contact_due
            if first_link
            else first_contact_due(
                Track(orientation.chosen_track),
                local_date(now, policies.rules),
                orientation.young,
                policies.rules,
            )
        )
    link = ReferentLink(
        person_id=person.id,
        kind=adviser.kind,
        adviser_id=adviser.id,
        referent_user_id=adviser.user_id,
        team=adviser.team,
        organisation_id=adviser.organisation_id,
        started_at=now,
        reason=reason.strip()[:300],
        handover_note=(opening.note or "").strip() or None,
        started_by_user_id=principal.user_id if principal else None,
        computed_track=orientation.computed_track if orientation else None,
        chosen_track=orientation.chosen_track if orientation else None,
        override_reason=orientation.override_reason if orientation else None,
        first_contact_due=due,
    )
    session.add(link)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent writer opened another active link first
        raise _second_active() from exc
    record_event(
        session, principal, person.id, opening.event, f"Référent : {adviser.display_name} — {reason.strip()}"
    )
    return link


def _second_active(current: ReferentLink | None = None, name: str | None = None) -> Conflict:
    since = f" depuis le {day_fr(current.started_at)}" if current is not None else ""
    who = f" ({name}{since})" if name else since
    return Conflict(
        f"Cette personne a déjà un référent actif{who}. Un changement de référent passe par une passation "
        "documentée (motif et note de passation).",
        "referent-already-active",
    )


async def assign(
    session: AsyncSession, principal: Principal | None, policies: ReferentPolicies, opening: Opening
) -> ReferentLink:
    """The person's first (or next, after an ended one) referent: a reason, no active link, room left."""
    if not (opening.reason or "").strip():
        raise Unprocessable("Le motif de l'attribution est obligatoire.", "reason-required")
    current = await active_link(session, opening.person.id)
    if current is not None:
        holder = await session.get(Adviser, current.adviser_id) if current.adviser_id else None
        raise _second_active(current, holder.display_name if holder else None)
    await ensure_room(session, opening.adviser)
    return await open_link(session, principal, policies, opening)


async def handover(
    session: AsyncSession,
    principal: Principal | None,
    person: Person,
    adviser: Adviser,
    policies: ReferentPolicies,
    *,
    reason: str,
    note: str,
    now: datetime | None = None,
) -> tuple[ReferentLink, ReferentLink]:
    """End the active link and open the new one, with the mandatory reason and handover note."""
    if not (reason or "").strip():
        raise Unprocessable("Le motif de la passation est obligatoire.", "handover-reason-required")
    if not (note or "").strip():
        raise Unprocessable(
            "La note de passation est obligatoire : elle informe le nouveau référent.",
            "handover-note-required",
        )
    current = await active_link(session, person.id)
    if current is None:
        raise Conflict(
            "Cette personne n'a pas de référent actif : attribuez-en un plutôt que de faire une passation.",
            "no-active-referent",
        )
    if current.adviser_id == adviser.id:
        raise Conflict("Ce conseiller est déjà le référent actif de la personne.", "same-referent")
    await ensure_room(session, adviser)
    now = now or clock.now()
    current.ended_at = now
    current.end_reason = reason.strip()[:300]
    current.ended_by_user_id = principal.user_id if principal else None
    await session.flush()
    new = await open_link(session, principal, policies, Opening(person, adviser, reason, note, now))
    await events.record(
        session,
        ReferentHandedOver(
            person_id=person.id,
            former_link_id=current.id,
            new_link_id=new.id,
            actor_user_id=principal.user_id if principal else None,
        ),
    )
    return current, new


# --- telling people: services record events, :mod:`coordination.referent.notices` writes the notices ----


async def link_users(session: AsyncSession, link: ReferentLink) -> list[UUID]:
    """Who holds a link: the named referent, or every member of the e-adviser team sharing the portfolio."""
    if link.referent_user_id is not None:
        return [link.referent_user_id]
    if link.team and link.organisation_id:
        rows = await session.scalars(
            select(User.id)
            .where(User.team == link.team, User.organisation_id == link.organisation_id)
            .order_by(User.id)
        )
        return list(rows)
    return []


def links_awaiting_first_contact() -> Select:
    """The active links with no contact yet: their "first contact overdue" mark in the outbox is still
    needed (the outbox's retention keeps it, see :mod:`coordination.events.retention`)."""
    return select(ReferentLink.id).where(
        ReferentLink.ended_at.is_(None), ReferentLink.last_contact_at.is_(None)
    )


async def notify_overdue_first_contacts(session: AsyncSession, now: datetime | None = None) -> int:
    """Record :class:`FirstContactOverdue` for each active link whose first contact is overdue (due date
    passed in Brussels, no contact yet), once per link: a link already announced in the outbox is skipped.
    Returns how many links were announced. Idempotent: run it daily."""
    today = brussels_day(now or clock.now())
    told = select(DomainEvent.subject_id).where(
        DomainEvent.kind == FirstContactOverdue.kind, DomainEvent.subject_id.is_not(None)
    )
    rows = (
        await session.execute(
            select(ReferentLink.id, ReferentLink.person_id)
            .where(
                ReferentLink.ended_at.is_(None),
                ReferentLink.last_contact_at.is_(None),
                ReferentLink.first_contact_due.is_not(None),
                ReferentLink.first_contact_due < today,
                ReferentLink.id.not_in(told),
            )
            .order_by(ReferentLink.first_contact_due)
        )
    ).all()
    for link_id, person_id in rows:
        await events.record(session, FirstContactOverdue(person_id=person_id, link_id=link_id, today=today))
    await session.flush()
    return len(rows)


async def record_contact(
    session: AsyncSession,
    principal: Principal | None,
    person_id: UUID,
    *,
    at: datetime | None = None,
    note: str | None = None,
) -> ReferentLink:
    link = await active_link(session, person_id)
    if link is None:
        raise Conflict("Cette personne n'a pas de référent actif.", "no-active-referent")
    now = clock.now()
    at = at or now
    if at.tzinfo is None:
        raise Unprocessable("La date du contact doit préciser son fuseau horaire.", "contact-date-invalid")
    if at > now or at < link.started_at:
        raise Unprocessable(
            "La date du contact doit se situer entre le début du suivi par ce référent et maintenant.",
            "contact-date-invalid",
        )
    if link.last_contact_at is None or at > link.last_contact_at:
        link.last_contact_at = at
    summary = "Contact avec le référent" + (f" : {note.strip()}" if note and note.strip() else "")
    record_event(session, principal, person_id, "referent_contact", summary)
    await session.flush()
    return link


async def adviser_for(session: AsyncSession, principal: Principal) -> Adviser:
    """The caller's own adviser profile (their own, or their e-adviser team's shared portfolio)."""
    adviser = await session.scalar(select(Adviser).where(Adviser.user_id == principal.user_id))
    if adviser is None and principal.team and principal.organisation_id:
        adviser = await session.scalar(
            select(Adviser).where(
                Adviser.team == principal.team, Adviser.organisation_id == principal.organisation_id
            )
        )
    if adviser is None:
        raise NotFound("Vous n'avez pas de portefeuille de référent.", "no-portfolio")
    return adviser


async def handover_candidates(session: AsyncSession, person_id: UUID) -> list[tuple[Adviser, int]]:
    """Who may take the person over, with their current load: the active advisers of the current
    referent's organisation, the current one excepted (a handover stays inside the organisation that
    holds the link; another organisation is a referral)."""
    current = await active_link(session, person_id)
    if current is None:
        return []
    query = (
        select(Adviser)
        .where(Adviser.active.is_(True), Adviser.organisation_id == current.organisation_id)
        .order_by(Adviser.display_name)
    )
    if current.adviser_id is not None:
        query = query.where(Adviser.id != current.adviser_id)
    advisers = list(await session.scalars(query))
    sizes = await portfolio_sizes(session)
    return [(a, sizes.get(a.id, 0)) for a in advisers]


async def adviser_names(session: AsyncSession, links: list[ReferentLink]) -> dict[UUID, str]:
    """The display names of the advisers holding ``links``, in one query."""
    ids = {link.adviser_id for link in links if link.adviser_id}
    if not ids:
        return {}
    return {a.id: a.display_name for a in await session.scalars(select(Adviser).where(Adviser.id.in_(ids)))}


async def adviser_contact(session: AsyncSession, adviser_id: UUID | None) -> dict[str, str | None] | None:
    """How a person reaches her referent: the adviser's professional phone and e-mail (the adviser
    profile's, else the e-mail of the adviser's account). The caller read the referent through the gate."""
    adviser = await session.get(Adviser, adviser_id) if adviser_id else None
    if adviser is None:
        return None
    email = adviser.email
    if not email and adviser.user_id is not None:
        user = await session.get(User, adviser.user_id)
        email = user.email if user else None
    return {"phone": adviser.phone, "email": email}
