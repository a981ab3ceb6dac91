"""The referent's use cases as the API and the pages call them: by identifiers, one function each.

Writes (orient, assign, hand over, record a contact) find the person and the adviser and call the
services; composed reads (the person's referent and history, the adviser's worklist, the handovers given
or received) assemble their queries and journal what they show. The access gate was asked by the
caller's ``access`` dependency for the routes about one person; the lists filter by the gate's predicate
(:mod:`coordination.access.filter`) and journal each file shown. Nothing here commits: the request's
session does (or the page's runner)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access.filter import Readable, bases_of, journal_shown
from coordination.access.principal import Principal
from coordination.access.scope import RequestScope
from coordination.db.engine import keep_on_failure
from coordination.errors import NotFound
from coordination.referent import advisers, bulk, importer, presenters, schemas, services, worklist
from coordination.referent.models import Adviser, ReferentLink
from coordination.referent.orientation import local_date
from coordination.referent.policies import ReferentPolicies
from coordination.referent.roles import ADVISER_ROLES, require_role

SECTION = services.SECTION


# --- one person's referent ------------------------------------------------------------------------


async def referent_history(
    session: AsyncSession, reader: Principal, person_id: UUID, policies: ReferentPolicies
) -> list[schemas.ReferentOut]:
    """Every link of the person, oldest first, as ``reader`` may see them (the handover note only for the
    new referent and the person). The caller asked the gate."""
    links = await services.history(session, person_id)
    names = await services.adviser_names(session, links)
    return [presenters.link_out(link, names, policies, reader) for link in links]


async def readable_referent(
    scope: RequestScope, person_id: UUID, policies: ReferentPolicies
) -> tuple[schemas.ReferentOut | None, list[schemas.ReferentOut]]:
    """``(active, history)`` for a page that shows the referent beside other parts of the file: the gate
    is asked here (without raising); ``(None, [])`` when refused or unassigned."""
    if not (await scope.decide(person_id, SECTION, "read")).allowed:
        return None, []
    history = await referent_history(scope.session, scope.principal, person_id, policies)
    return next((h for h in history if h.ended_at is None), None), history


@dataclass(frozen=True)
class Referents(RequestScope):
    """The referent use cases for one request and one principal: the ``referents`` dependency of the
    API's controllers (:func:`provide_referents`), so a route parses, calls one method and returns. For
    the routes about one person, the gate was asked by the route's ``access`` dependency before any of
    these runs; the lists get the gate's predicate from it, and the operations on many files (handovers,
    import) ask it file by file through the scope."""

    policies: ReferentPolicies

    async def orientation(self, person_id: UUID) -> schemas.OrientationOut:
        """The latest orientation, or 404. The read was allowed and journaled by the gate: the journal
        row is kept even when there is nothing to show (someone did look)."""
        row = await services.latest_orientation(self.session, person_id)
        if row is None:
            keep_on_failure(self.session)
            raise NotFound("Cette personne n'a pas encore été orientée.", "no-orientation")
        return presenters.orientation_out(row, self.policies)

    async def orient(self, person_id: UUID, data: schemas.OrientationIn) -> schemas.OrientationOut:
        person = await services.get_person(self.session, person_id)
        row = await services.decide_orientation(self.session, self.principal, person, self.policies, data)
        return presenters.orientation_out(row, self.policies)

    async def active(self, person_id: UUID) -> schemas.ReferentOut:
        """The active link, or 404 (the gate's journal row of the allowed read is kept)."""
        link = await services.active_link(self.session, person_id)
        if link is None:
            keep_on_failure(self.session)
            raise NotFound("Cette personne n'a pas encore de référent.", "no-active-referent")
        return await self._shown(link)

    async def history(self, person_id: UUID) -> list[schemas.ReferentOut]:
        return await referent_history(self.session, self.principal, person_id, self.policies)

    async def assign(self, person_id: UUID, data: schemas.AssignIn) -> schemas.ReferentOut:
        person = await services.get_person(self.session, person_id)
        adviser = await services.get_adviser(self.session, data.adviser_id)
        opening = services.Opening(person, adviser, data.reason)
        link = await services.assign(self.session, self.principal, self.policies, opening)
        return presenters.link_out(link, {adviser.id: adviser.display_name}, self.policies, self.principal)

    async def hand_over(self, person_id: UUID, data: schemas.HandoverIn) -> schemas.HandoverOut:
        """The documented handover (the person and both referents are told: see
        :mod:`coordination.referent.notices`), answered to its author (who wrote the note, so reads it)."""
        person = await services.get_person(self.session, person_id)
        adviser = await services.get_adviser(self.session, data.adviser_id)
        former, new = await services.handover(
            self.session, self.principal, person, adviser, self.policies, reason=data.reason, note=data.note
        )
        names = await services.adviser_names(self.session, [former, new])
        return schemas.HandoverOut(
            former=presenters.link_out(former, names, self.policies),
            new=presenters.link_out(new, names, self.policies),
        )

    async def record_contact(self, person_id: UUID, data: schemas.ContactIn) -> schemas.ReferentOut:
        link = await services.record_contact(
            self.session, self.principal, person_id, at=data.contacted_at, note=data.note
        )
        return await self._shown(link)

    async def _shown(self, link: ReferentLink) -> schemas.ReferentOut:
        """A link as the caller may read it (the handover note only for whom :func:`may_read_note` lets)."""
        names = await services.adviser_names(self.session, [link])
        return presenters.link_out(link, names, self.policies, self.principal)

    # --- the adviser's own work, and the operations on many files ---------------------------------

    async def worklist(self, readable: Readable, stale_days: int | None) -> Worklist:
        return await my_worklist(
            self.session, self.principal, self.policies, readable, self.request_id, stale_days=stale_days
        )

    async def handovers(self) -> list[schemas.MyHandoverOut]:
        return await my_handovers(self)

    async def import_csv(self, body: bytes) -> schemas.ImportOut:
        """CSV body (``person_id,adviser_id,reason``); each line is accepted or refused on its own."""
        lines = await importer.import_upload(self, self.policies, body)
        created = sum(1 for line in lines if line.status == "created")
        return schemas.ImportOut(
            created=created,
            refused=len(lines) - created,
            lines=lines,
        )

    async def bulk_assignment(self, body: schemas.BulkIn) -> schemas.BulkOut:
        result = await bulk.run(self.session, self.principal, self.policies, body, self.request_id)
        return presenters.bulk_out(result, dry_run=not body.apply)

    # --- the advisers' directory (no file) ------------------------------------------------------------

    async def advisers(self) -> list[schemas.AdviserOut]:
        found = await advisers.directory(self.session, self.principal)
        return [presenters.adviser_out(a, load) for a, load in found]

    async def create_adviser(self, data: schemas.AdviserIn) -> Adviser:
        return await advisers.create_adviser(self.session, self.principal, data)

    async def read_adviser(self, adviser_id: UUID) -> tuple[Adviser, int]:
        return await advisers.read_adviser(self.session, self.principal, adviser_id)

    async def change_adviser(
        self, adviser_id: UUID, data: schemas.AdviserPatch, if_match: Callable[[int], None]
    ) -> tuple[Adviser, int]:
        return await advisers.change_adviser(self.session, self.principal, adviser_id, data, if_match)


def provide_referents(
    db_session: AsyncSession, principal: Principal, policies: ReferentPolicies, request_id: str
) -> Referents:
    """The ``referents`` dependency (``principal`` and ``request_id`` are provided per router, ``policies``
    per controller)."""
    return Referents(db_session, principal, request_id, policies)


# --- the adviser's own worklist -------------------------------------------------------------------


@dataclass(frozen=True)
class Worklist:
    adviser: Adviser
    items: list[schemas.WorkItemOut]
    load: int
    alerts: list[worklist.Alert]
    stale_days: int


async def my_worklist(
    session: AsyncSession,
    principal: Principal,
    policies: ReferentPolicies,
    readable: Readable,
    request_id: str,
    *,
    stale_days: int | None = None,
) -> Worklist:
    """The caller's portfolio, filtered by the gate's predicate in the query, with its load and alerts;
    one ``list`` journal row per file shown. For advisers and social workers only."""
    require_role(principal, ADVISER_ROLES)
    now = clock.now()
    days = stale_days or policies.rules.stale_after_days
    adviser = await services.adviser_for(session, principal)
    items = await worklist.portfolio(
        session,
        adviser,
        policies.rules,
        now=now,
        stale_days=days,
        track_label=lambda track: presenters.track_label(policies, track),
        readable=readable.where,
    )
    ids = [item.person_id for item in items]
    bases = await bases_of(session, readable, ids)
    await journal_shown(session, principal, request_id, [(i, *bases[i]) for i in ids], sections=(SECTION,))
    load = await services.portfolio_size(session, adviser.id)
    alerts = worklist.alerts(items, adviser, today=local_date(now, policies.rules), stale_days=days)
    return Worklist(adviser=adviser, items=items, load=load, alerts=alerts, stale_days=days)


# --- the handovers an adviser gave or received ----------------------------------------------------


async def _handover_pairs(
    session: AsyncSession, adviser: Adviser
) -> list[tuple[str, ReferentLink, ReferentLink | None]]:
    """``(side, new link, former link)`` for each handover the adviser received (``new``) or gave
    (``former``), the most recent first."""
    received = await session.scalars(
        select(ReferentLink).where(
            ReferentLink.adviser_id == adviser.id, ReferentLink.handover_note.is_not(None)
        )
    )
    given = await session.scalars(
        select(ReferentLink).where(
            ReferentLink.adviser_id == adviser.id, ReferentLink.end_reason.is_not(None)
        )
    )
    pairs: list[tuple[str, ReferentLink, ReferentLink | None]] = []
    for link in received:
        former = await session.scalar(
            select(ReferentLink).where(
                ReferentLink.person_id == link.person_id, ReferentLink.ended_at == link.started_at
            )
        )
        pairs.append(("new", link, former))
    for link in given:
        successor = await session.scalar(
            select(ReferentLink).where(
                ReferentLink.person_id == link.person_id, ReferentLink.started_at == link.ended_at
            )
        )
        if successor is not None:
            pairs.append(("former", successor, link))
    return sorted(pairs, key=lambda p: p[1].started_at, reverse=True)


async def my_handovers(scope: RequestScope) -> list[schemas.MyHandoverOut]:
    """Handovers the caller gave or received, each shown through the gate (one journal row on the
    person's chain, with the reader's current basis). The person's name and the handover reason only
    while the gate allows; the handover note only to the new referent, and only while the gate allows:
    a former referent who lost the file never reads it again."""
    session, principal = scope.session, scope.principal
    require_role(principal, ADVISER_ROLES)
    adviser = await services.adviser_for(session, principal)
    pairs = await _handover_pairs(session, adviser)
    names = await services.adviser_names(session, [p[1] for p in pairs] + [p[2] for p in pairs if p[2]])
    result = []
    for side, new, former in pairs:
        decision = await scope.decide(new.person_id, SECTION, "read")
        person_name = None
        if decision.allowed:
            person = await services.get_person(session, new.person_id)
            person_name = f"{person.first_name} {person.last_name}"
        result.append(
            schemas.MyHandoverOut(
                person_id=new.person_id,
                person_name=person_name,
                role=side,
                at=new.started_at,
                reason=new.reason if decision.allowed else None,
                note=new.handover_note if decision.allowed and side == "new" else None,
                former_referent=names.get(former.adviser_id) if former and former.adviser_id else None,
                new_referent=names.get(new.adviser_id, "—") if new.adviser_id else (new.team or "—"),
            )
        )
    return result
