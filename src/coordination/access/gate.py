"""The access gate: the one function every read or write of a person's file goes through.

Usage in a handler (declare what the route touches, then ask the gate before touching it)::

    @get("/persons/{person_id:uuid}/plan", opt={"section": "plan", "action": "read"})
    async def read_plan(request, db_session, request_id, person_id: UUID) -> ...:
        await check_access(db_session, request.user, person_id=person_id, section="plan",
                           action="read", request_id=request_id)
        ... read ...
        await db_session.commit()   # ALSO for reads: the journal row is in this transaction

What it does, in order:

1. loads the person (unknown → 404 *not journaled*: there is no file, so no file's journal to write to,
   and the caller gets the same answer for a person that never existed; the app log keeps the request);
2. asks the policy which bases could allow (role, section, action) at all, and checks in the database
   only the facts for those bases — never from a cache, so a withdrawal or an expiry counts on the very
   next request in every process:
   * ``self``: the caller is the person (``principal.person_id``);
   * ``mandate``: a Forem worker and the person is a registered job seeker; or a CPAS worker and that
     CPAS pays the person's RIS (``persons.ris_cpas_id``);
   * ``referent``: the caller (or the caller's team in the same organisation) holds the active link;
   * ``consent``: an active consent (not expired, not withdrawn, not superseded) of the person to the
     caller's organisation, naming the section;
   * ``oversight``: the role itself (only the data-protection officer has such lines);
3. asks Casbin for each held basis in the order self, mandate, referent, consent, oversight; the first
   allowed basis is the decision's basis;
4. appends the decision to the person's journal chain in the SAME session (allowed or denied);
5. on a denial: commits the journal row (so the refusal is recorded even though the request fails) and
   raises 403 problem details saying in French which basis is missing.

Cost: two round trips on PostgreSQL — the facts query (which also locks the person's journal head and
reserves the sequence numbers, :func:`journal.reserve_cte`) and the append (rows + head in one statement)
— for one decision (:func:`check_access`) as for a whole file (:func:`check_sections`: facts read once,
each section decided in memory, one multi-row append). The statements are built once per shape, so a
decision compiles nothing.

Hard rules on top of the policy (defence in depth, in case ``policy.csv`` is ever mis-edited): the CPAS
social section is only reachable by the person, by the CPAS that pays their RIS, or by a consent naming
it; the health section only by the person or a consent naming it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import BindParameter, and_, bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from coordination.access import journal
from coordination.access.models import ENDING_EVENT_KINDS, Consent, ConsentEvent
from coordination.access.policy import (
    ACTION_LABELS_FR,
    SECTION_LABELS_FR,
    Action,
    Basis,
    Policy,
    Section,
    default_policy,
)
from coordination.access.principal import Principal
from coordination.db.base import utcnow
from coordination.directory.models import OrganisationKind
from coordination.dossier.models import Person
from coordination.errors import BadRequest, Forbidden, NotFound
from coordination.referent.models import ReferentLink

logger = logging.getLogger("coordination.access.gate")

ALLOW = "allow"
DENY = "deny"

MISSING_FR = {
    Basis.SELF: "être la personne elle-même",
    Basis.MANDATE: "un mandat légal de votre organisme sur ce dossier",
    Basis.REFERENT: "être le référent actif de la personne",
    Basis.CONSENT: "un consentement actif de la personne envers votre organisme couvrant cette section",
    Basis.OVERSIGHT: "la fonction de délégué à la protection des données",
}


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    person_id: UUID
    section: str
    action: str
    basis: Basis | None
    consent_id: UUID | None
    journal_id: UUID
    reason: str | None = None
    """French explanation of a denial (also stored in the journal)."""


@dataclass(frozen=True)
class Facts:
    """What the database says about this caller and this person, read in this request."""

    forem_registered: bool
    ris_cpas_id: UUID | None
    is_referent: bool
    consents: tuple[tuple[UUID, frozenset[str]], ...] = ()
    """The caller's organisation's consents in force (id, sections named), latest expiry first."""
    head: tuple[int, str] | None = None
    """PostgreSQL: the journal chain's last (seq, hash), the head locked and the sequence numbers of this
    request's rows reserved by the same query (see :func:`journal.reserve_cte`)."""

    def consent_for(self, section: str) -> UUID | None:
        for consent_id, sections in self.consents:
            if section in sections:
                return consent_id
        return None


_consents = Consent.__table__
_events = ConsentEvent.__table__
_links = ReferentLink.__table__
_persons = Person.__table__

_ENDING_EVENTS = tuple(kind.value for kind in ENDING_EVENT_KINDS)  # withdrawn, renewed, ended


def _in_force(organisation_id, now):
    """The conditions for a consent row to be in force for ``organisation_id`` at ``now``."""
    # ``kind = … OR kind = …`` rather than ``IN (…)``: an IN list is an "expanding" parameter, rewritten in
    # the SQL text on every execution; equalities keep the statement fully precompiled.
    ending = or_(*(_events.c.kind == kind for kind in _ENDING_EVENTS))
    ended = exists().where(and_(_events.c.consent_id == _consents.c.id, ending))
    return (
        _consents.c.recipient_organisation_id == organisation_id,
        _consents.c.expires_at > now,
        _consents.c.given_at <= now,
        ~ended,
    )


def active_consents_query(person_id: UUID, organisation_id: UUID, now: datetime):
    """Consents of ``person_id`` to ``organisation_id`` that are in force at ``now``."""
    return (
        select(_consents.c.id, _consents.c.sections)
        .where(_consents.c.person_id == person_id, *_in_force(organisation_id, now))
        .order_by(_consents.c.expires_at.desc())
    )


def _param(name: str, column) -> BindParameter:
    return bindparam(name, type_=column.type)


@lru_cache(maxsize=64)
def _facts_statement(referent: bool, team: bool, consents: bool, reserve: bool):
    """The facts query for one shape, built once (bound parameters ``person_id``, ``user_id``, ``team``,
    ``organisation_id``, ``now``, ``count``): executing a prebuilt statement costs no statement building
    nor cache-key walk, which was most of the gate's CPU."""
    person_id = _param("person_id", _persons.c.id)
    now = _param("now", _consents.c.expires_at)
    columns = [_persons.c.forem_registered, _persons.c.ris_cpas_id]
    if referent:
        holder = _links.c.referent_user_id == _param("user_id", _links.c.referent_user_id)
        if team:
            holder = or_(
                holder,
                and_(
                    _links.c.team == _param("team", _links.c.team),
                    _links.c.organisation_id == _param("organisation_id", _links.c.organisation_id),
                ),
            )
        is_referent = exists().where(_links.c.person_id == _persons.c.id, _links.c.ended_at.is_(None), holder)
        columns.append(is_referent.label("is_referent"))
    if reserve:
        head = journal.reserve_cte()
        columns.append(select(head.c.seq).scalar_subquery().label("head_seq"))
        columns.append(select(head.c.head_hash).scalar_subquery().label("head_hash"))
    query = select(*columns).where(_persons.c.id == person_id)
    if consents:
        organisation_id = _param("organisation_id", _consents.c.recipient_organisation_id)
        joined = _persons.outerjoin(
            _consents, and_(_consents.c.person_id == _persons.c.id, *_in_force(organisation_id, now))
        )
        query = (
            query.add_columns(_consents.c.id.label("consent_id"), _consents.c.sections)
            .select_from(joined)
            .order_by(_consents.c.expires_at.desc())
        )
    return query


def _facts(
    session: Session, principal: Principal, person_id: UUID, needed: set[Basis], journal_rows: int
) -> Facts | None:
    """All the facts in ONE round trip: the person's mandate columns, whether the caller holds the active
    referent link (EXISTS), and the caller's organisation's consents in force (outer join, one row per
    consent; the JSON list of sections is checked in Python, portable across SQLite and PostgreSQL).

    On PostgreSQL the same statement also locks the person's journal head and reserves ``journal_rows``
    sequence numbers (:func:`journal.reserve_cte`), so the decision's journal append afterwards is one
    more round trip: two in all."""
    referent = Basis.REFERENT in needed
    team = referent and bool(principal.team and principal.organisation_id)
    consents = Basis.CONSENT in needed and principal.organisation_id is not None
    reserve = journal_rows > 0 and journal.is_postgres(session)
    params: dict[str, Any] = {"person_id": person_id, "now": utcnow()}
    if referent:
        params["user_id"] = principal.user_id
    if team:
        params["team"] = principal.team
    if team or consents:
        params["organisation_id"] = principal.organisation_id
    if reserve:
        params["count"] = journal_rows
    rows = journal.execute(session, _facts_statement(referent, team, consents, reserve), params).all()
    if not rows:
        return None
    first = rows[0]
    found: tuple[tuple[UUID, frozenset[str]], ...] = ()
    if consents:
        found = tuple(
            (row.consent_id, frozenset(row.sections or ())) for row in rows if row.consent_id is not None
        )
    head = None
    if reserve:
        if first.head_seq is None:  # pragma: no cover - the person row exists, so the upsert ran
            raise RuntimeError("journal head not reserved")
        head = (first.head_seq - journal_rows, first.head_hash)
    return Facts(
        bool(first.forem_registered),
        first.ris_cpas_id,
        bool(first.is_referent) if referent else False,
        found,
        head,
    )


def _has_mandate(principal: Principal, facts: Facts) -> bool:
    if principal.organisation_kind is OrganisationKind.FOREM:
        return facts.forem_registered
    if principal.organisation_kind is OrganisationKind.CPAS:
        return principal.organisation_id is not None and principal.organisation_id == facts.ris_cpas_id
    return False


def _held(basis: Basis, principal: Principal, person_id: UUID, section: str, facts: Facts) -> bool:
    if basis is Basis.SELF:
        return principal.person_id is not None and principal.person_id == person_id
    if basis is Basis.MANDATE:
        return _has_mandate(principal, facts)
    if basis is Basis.REFERENT:
        return facts.is_referent
    if basis is Basis.CONSENT:
        return facts.consent_for(section) is not None
    return basis is Basis.OVERSIGHT


def _hard_rule_allows(section: str, basis: Basis, principal: Principal) -> bool:
    """Professional secrecy and special-category data, whatever ``policy.csv`` says."""
    if section == Section.SOCIAL:
        return basis in (Basis.SELF, Basis.CONSENT) or (
            basis is Basis.MANDATE and principal.organisation_kind is OrganisationKind.CPAS
        )
    if section == Section.HEALTH:
        return basis in (Basis.SELF, Basis.CONSENT)
    return True


def _denial_reason(section: str, action: str, candidates: list[Basis]) -> str:
    what = f"{ACTION_LABELS_FR[Action(action)]} de la section « {SECTION_LABELS_FR[Section(section)]} »"
    if not candidates:
        return f"Accès refusé : votre rôle ne permet jamais la {what}."
    missing = " ; ou ".join(MISSING_FR[b] for b in candidates)
    return f"Accès refusé pour la {what} : il faudrait {missing}."


def _validate(section: str, action: str) -> None:
    if section not in Section.__members__.values():
        raise BadRequest(f"Section inconnue : « {section} ».", code="unknown-section")
    if action not in Action.__members__.values():
        raise BadRequest(f"Action inconnue : « {action} ».", code="unknown-action")


def _decide_sync(
    session: Session,
    principal: Principal,
    *,
    person_id: UUID,
    sections: list[str],
    action: str,
    request_id: str,
    document_id: UUID | None,
    policy: Policy | None,
) -> tuple[list[AccessDecision], dict[str, list[Basis]]]:
    """Decide every section from ONE facts query, journal every decision in ONE append. Synchronous, run
    whole in one :meth:`AsyncSession.run_sync` (the two statements wait on the driver inside it): the
    decision between them is plain Python, and one greenlet switch per request costs less than one per
    statement."""
    action = str(action)
    sections = [str(section) for section in sections]
    for section in sections:
        _validate(section, action)
    policy = policy or default_policy()
    role = principal.role.value
    candidates = {section: policy.bases_for(role, section, action) for section in sections}
    needed = {basis for bases in candidates.values() for basis in bases}
    facts = _facts(session, principal, person_id, needed, journal_rows=len(sections))
    if facts is None:
        logger.info(
            "access to unknown person", extra={"request_id": request_id, "user": str(principal.user_id)}
        )
        raise NotFound("Dossier introuvable.", code="person-not-found")

    entries: list[journal.Entry] = []
    outcomes: list[tuple[str, Basis | None, UUID | None, str | None]] = []
    for section in sections:
        basis: Basis | None = None
        for candidate in candidates[section]:
            if (
                _held(candidate, principal, person_id, section, facts)
                and _hard_rule_allows(section, candidate, principal)
                and policy.allows(role, section, action, candidate.value)
            ):
                basis = candidate
                break
        consent_id = facts.consent_for(section) if basis is Basis.CONSENT else None
        reason = None if basis is not None else _denial_reason(section, action, candidates[section])
        outcomes.append((section, basis, consent_id, reason))
        entries.append(
            journal.Entry(
                action=action,
                decision=ALLOW if basis is not None else DENY,
                section=section,
                document_id=document_id,
                basis=basis.value if basis else None,
                consent_id=consent_id,
                reason=reason,
            )
        )
    ids = journal.append_entries_sync(
        session,
        person_id=person_id,
        principal=principal,
        request_id=request_id,
        entries=entries,
        reserved=facts.head,
    )
    decisions = [
        AccessDecision(basis is not None, person_id, section, action, basis, consent_id, entry_id, reason)
        for (section, basis, consent_id, reason), entry_id in zip(outcomes, ids, strict=True)
    ]
    return decisions, candidates


async def _decide(session: AsyncSession, principal: Principal, **kwargs: Any):
    return await session.run_sync(lambda sync_session: _decide_sync(sync_session, principal, **kwargs))


async def check_access(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: UUID,
    section: str,
    action: str,
    request_id: str,
    document_id: UUID | None = None,
    raise_on_deny: bool = True,
    policy: Policy | None = None,
) -> AccessDecision:
    """Decide, journal, and (by default) raise 403 on a denial. See the module docstring.

    Round trips on PostgreSQL: two (the facts query, which also locks the journal head; the append).
    On SQLite: four (facts; head lock; insert; head update), all in-process."""
    (decision,), candidates = await _decide(
        session,
        principal,
        person_id=person_id,
        sections=[section],
        action=action,
        request_id=request_id,
        document_id=document_id,
        policy=policy,
    )
    if not decision.allowed and raise_on_deny:
        await session.commit()
        raise Forbidden(
            decision.reason or "Accès refusé.",
            code="access-denied",
            missing=[b.value for b in candidates[decision.section]],
        )
    return decision


async def check_sections(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: UUID,
    sections: list[str],
    action: str,
    request_id: str,
    policy: Policy | None = None,
) -> dict[str, AccessDecision]:
    """One decision (and one journal row) per section, never raising on a denial: for views that show
    the sections the reader may see and leave out the others (full file, timeline, export).

    The facts are read once for all the sections and the rows appended in one step (one multi-row
    INSERT, one head update): two round trips on PostgreSQL whatever the number of sections."""
    if not sections:
        return {}
    decisions, _ = await _decide(
        session,
        principal,
        person_id=person_id,
        sections=list(sections),
        action=action,
        request_id=request_id,
        document_id=None,
        policy=policy,
    )
    return {decision.section: decision for decision in decisions}


def require_role_permission(principal: Principal, section: str, action: str, basis: Basis) -> None:
    """Role-level check for views not about one person (e.g. the DPO's journal of all files)."""
    if not default_policy().allows(principal.role.value, section, action, basis.value):
        raise Forbidden("Accès refusé : votre rôle ne le permet pas.", code="access-denied")
