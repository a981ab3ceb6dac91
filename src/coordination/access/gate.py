"""The access gate: the one function every read or write of a person's file goes through.

Who calls it: a route declares what it touches (``opt={"section": "plan", "action": "read"}``) and the
declared gate (:mod:`coordination.access.declared`) calls it before the handler runs; a use case that must
decide itself (the path names a visa or a document, a form names the person) asks through its request's
:class:`~coordination.access.scope.RequestScope` (``await ctx.require(person_id, "plan", "read")``, or
``decide`` to read ``allowed`` without raising). The request's session commits the journal row, refusals
too.

What it does, in order:

1. asks the policy (Casbin, answers memoized: the policy is static) which bases could allow (role,
   section, action), keeps those the hard rules below accept, in the order self, mandate, referent,
   consent, oversight, and settles in Python the ones that need no fact (``self``, ``oversight``, a
   mandate the caller's kind of organisation can never hold) — the plan (:func:`_plan`);
2. checks in the database only the facts the plan still needs — never from a cache, so a withdrawal or an
   expiry counts on the very next request in every process:
   * ``mandate``: a Forem worker and a current Forem-registration assertion exists on the person; or a
     worker of CPAS X and a current assertion says X pays the person's RIS (``mandates``, written only by
     the mandated organisation, see :mod:`coordination.access.mandates`);
   * ``referent``: the caller (or the caller's team in the same organisation) holds the active link;
   * ``consent``: an active consent (not expired, not withdrawn, not superseded, and not given for a
     referral that has ended — refused, withdrawn, expired or past its deadline) of the person to the
     caller's organisation, naming the section;
   the first basis of the plan that holds is the decision's basis; none → a denial;
3. loads the person (unknown → *not journaled*, there is no file hence no journal to write to: 404 for
   the person herself and the data-protection officer, the ordinary 403 refusal for anyone else, so an
   id never tells whether a file exists);
4. appends the decision to the person's journal chain in the SAME transaction (allowed or denied);
5. on a denial: commits the journal row (so the refusal is recorded even though the request fails) and
   raises 403 problem details saying in French which basis is missing.

Cost on PostgreSQL: ONE statement (:func:`_pg_statement`) after the transaction's BEGIN, for one decision
(:func:`check_access`) as for a whole file (:func:`check_sections`): it reads the facts, takes the
decision of each section from its plan, locks the person's journal head, computes the rows' hashes,
inserts them and moves (or, for a file's first row, creates) the head. Its SQL is compiled once per
shape and dialect and run with ``exec_driver_sql`` (:func:`_execute_prebuilt`), so a decision neither
compiles nor looks up a statement cache. (Only a first append that loses the race to create the file's
head appends afterwards through the portable path.) On SQLite (and any other database): the facts query,
the decision in Python, then :func:`journal.append_entries_sync` (lock the head, insert, move the head):
four statements (five for a file's first row).

Hard rules on top of the policy (defence in depth, in case ``policy.csv`` is ever mis-edited): the CPAS
social section is only reachable by the person, by the CPAS that pays their RIS, or by a consent naming
it; the health section only by the person or a consent naming it.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from coordination.access import journal
from coordination.access.models import (
    ENDING_EVENT_KINDS,
    AccessJournalEntry,
    Consent,
    ConsentEvent,
    JournalHead,
    Mandate,
    MandateKind,
)
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
from coordination.clock import brussels_day
from coordination.db.base import new_id, utcnow
from coordination.db.engine import keep_on_failure
from coordination.directory.models import OrganisationKind
from coordination.dossier.models import Person
from coordination.errors import BadRequest, Forbidden, NotFound
from coordination.metrics.registry import record_gate_decisions
from coordination.referent.models import ReferentLink
from coordination.referral.models import Referral
from coordination.referral.rules import ENDED_STATUSES, SENT

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
    """What the database says about this caller and this person, read in this request (SQLite path)."""

    forem_registered: bool
    ris_cpas_id: UUID | None
    """The caller's organisation when it is the CPAS currently asserted to pay the person's RIS."""
    is_referent: bool
    consents: tuple[tuple[UUID, frozenset[str]], ...] = ()
    """The caller's organisation's consents in force (id, sections named), latest expiry first."""

    def consent_for(self, section: str) -> UUID | None:
        for consent_id, sections in self.consents:
            if section in sections:
                return consent_id
        return None


# What a basis needs checked in the database (the other bases are settled in Python, see _plan).
_FOREM = "forem"  # mandate of Forem: the person is a registered job seeker
_CPAS = "cpas"  # mandate of a CPAS: it pays the person's RIS
_REFERENT = "referent"  # the caller (or their team) holds the active referent link
_CONSENT = "consent"  # a consent in force to the caller's organisation names the section


@dataclass(frozen=True)
class _Ask:
    """One question to the gate: who asks, on which file, to do what, in which request (and, for a
    document's download, which document the journal rows name)."""

    principal: Principal
    person_id: UUID
    action: str
    request_id: str
    document_id: UUID | None


_Outcome = tuple[Basis | None, UUID | None, UUID]
"""A section's basis (None: denied), the consent relied on, and the id of its journal row."""


@dataclass(frozen=True)
class _Plan:
    """One section's decision, everything but the per-person facts settled: the bases that the policy
    (Casbin) and the hard rules would accept, in preference order, each either settled in Python
    (self, oversight; a mandate the caller's kind of organisation can never hold) or left as a database
    check. The decision is the first check that holds, else ``final``."""

    section: str
    candidates: tuple[Basis, ...]
    """Every basis the policy names for (role, section, action): what a denial says is missing."""
    checks: tuple[tuple[Basis, str], ...]
    """The accepted bases before ``final`` that depend on facts, with what to check."""
    final: Basis | None
    """The first accepted basis known to hold without the database, or None (a denial)."""

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(tag for _, tag in self.checks)

    def outcome(self, index: int) -> Basis | None:
        return self.checks[index][0] if index < len(self.checks) else self.final


def _settled(basis: Basis, principal: Principal, person_id: UUID) -> bool | str:
    """Whether ``basis`` holds when Python alone can tell, else the database check it needs."""
    if basis is Basis.SELF:
        return principal.person_id is not None and principal.person_id == person_id
    if basis is Basis.MANDATE:
        if principal.organisation_kind is OrganisationKind.FOREM:
            return _FOREM
        if principal.organisation_kind is OrganisationKind.CPAS and principal.organisation_id is not None:
            return _CPAS
        return False
    if basis is Basis.REFERENT:
        return _REFERENT
    if basis is Basis.CONSENT:
        return _CONSENT if principal.organisation_id is not None else False
    return basis is Basis.OVERSIGHT


def _plan(principal: Principal, person_id: UUID, section: str, action: str, policy: Policy) -> _Plan:
    role = principal.role.value
    candidates = tuple(policy.bases_for(role, section, action))
    checks: list[tuple[Basis, str]] = []
    final: Basis | None = None
    for basis in candidates:
        if not (_hard_rule_allows(section, basis, principal) and policy.allows(role, section, action, basis)):
            continue
        held = _settled(basis, principal, person_id)
        if held is True:
            final = basis
            break
        if held is not False:
            checks.append((basis, held))
    return _Plan(section, candidates, tuple(checks), final)


_consents = typing.cast(Table, Consent.__table__)
_events = typing.cast(Table, ConsentEvent.__table__)
_links = typing.cast(Table, ReferentLink.__table__)
_persons = typing.cast(Table, Person.__table__)
_journal = typing.cast(Table, AccessJournalEntry.__table__)
_heads = typing.cast(Table, JournalHead.__table__)
_mandates = typing.cast(Table, Mandate.__table__)
_referrals = typing.cast(Table, Referral.__table__)

_ENDING_EVENTS = tuple(kind.value for kind in ENDING_EVENT_KINDS)  # withdrawn, renewed, ended


def _referral_ended(today):
    """EXISTS the referral this consent was given for, and it has ended: refused, withdrawn, expired, or
    still unanswered after its deadline (``today`` is the Brussels date). A referral's consent ends with
    the referral at that very moment, without waiting for the daily task to write it down."""
    ended_status = or_(*(_referrals.c.status == status for status in ENDED_STATUSES))
    overdue = and_(_referrals.c.status == SENT, _referrals.c.deadline < today)
    return exists().where(_referrals.c.consent_id == _consents.c.id, or_(ended_status, overdue))


def _in_force(organisation_id, now, today):
    """The conditions for a consent row to be in force for ``organisation_id`` at ``now`` (``today``: the
    Brussels date of ``now``)."""
    # ``kind = … OR kind = …`` rather than ``IN (…)``: an IN list is an "expanding" parameter, rewritten in
    # the SQL text on every execution; equalities keep the statement fully precompiled.
    ending = or_(*(_events.c.kind == kind for kind in _ENDING_EVENTS))
    ended = exists().where(and_(_events.c.consent_id == _consents.c.id, ending))
    return (
        _consents.c.recipient_organisation_id == organisation_id,
        _consents.c.expires_at > now,
        _consents.c.given_at <= now,
        ~ended,
        ~_referral_ended(today),
    )


def _holds_mandate(kind: MandateKind, organisation_id=None):
    """EXISTS a current assertion of ``kind`` on the person (of ``organisation_id`` when given): the
    mandate facts are assertions of the mandated organisation (``access.mandates``), never columns of the
    file that the people they empower could edit."""
    conditions = [
        _mandates.c.person_id == _persons.c.id,
        _mandates.c.kind == literal_column(f"'{kind.value}'"),
        _mandates.c.ended_at.is_(None),
    ]
    if organisation_id is not None:
        conditions.append(_mandates.c.organisation_id == organisation_id)
    return exists().where(*conditions)


def active_consents_query(person_id: UUID, organisation_id: UUID, now: datetime):
    """Consents of ``person_id`` to ``organisation_id`` that are in force at ``now``."""
    return (
        select(_consents.c.id, _consents.c.sections)
        .where(_consents.c.person_id == person_id, *_in_force(organisation_id, now, brussels_day(now)))
        .order_by(_consents.c.expires_at.desc())
    )


def _param(name: str, column) -> BindParameter:
    return bindparam(name, type_=column.type)


def _is_referent(team: bool):
    """EXISTS an active referent link of the person held by the caller (or the caller's team)."""
    holder = _links.c.referent_user_id == _param("user_id", _links.c.referent_user_id)
    if team:
        holder = or_(
            holder,
            and_(
                _links.c.team == _param("team", _links.c.team),
                _links.c.organisation_id == _param("organisation_id", _links.c.organisation_id),
            ),
        )
    return exists().where(_links.c.person_id == _persons.c.id, _links.c.ended_at.is_(None), holder)


# --- SQLite (and any other database): facts, then the decision in Python, then journal.append_entries -------


@lru_cache(maxsize=64)
def _facts_statement(referent: bool, team: bool, consents: bool):
    """The facts query for one shape, built once (bound parameters ``person``, ``user_id``, ``team``,
    ``organisation_id``, ``now``): executing a prebuilt statement costs no statement building nor
    cache-key walk."""
    person_id = _param("person", _persons.c.id)
    now = _param("now", _consents.c.expires_at)
    today = _param("today", _referrals.c.deadline)
    organisation_id = _param("organisation_id", _consents.c.recipient_organisation_id)
    columns = [
        _holds_mandate(MandateKind.FOREM_REGISTRATION).label("forem_registered"),
        _holds_mandate(MandateKind.RIS, organisation_id).label("ris_of_caller"),
    ]
    if referent:
        columns.append(_is_referent(team).label("is_referent"))
    query = select(*columns).where(_persons.c.id == person_id)
    if consents:
        joined = _persons.outerjoin(
            _consents, and_(_consents.c.person_id == _persons.c.id, *_in_force(organisation_id, now, today))
        )
        query = (
            query.add_columns(_consents.c.id.label("consent_id"), _consents.c.sections)
            .select_from(joined)
            .order_by(_consents.c.expires_at.desc())
        )
    return query


def _facts(session: Session, principal: Principal, person_id: UUID, tags: set[str]) -> Facts | None:
    """All the facts in ONE query: the person's mandate columns, whether the caller holds the active
    referent link (EXISTS), and the caller's organisation's consents in force (outer join, one row per
    consent; the JSON list of sections is checked in Python, portable across SQLite and PostgreSQL)."""
    referent = _REFERENT in tags
    team = referent and bool(principal.team and principal.organisation_id)
    consents = _CONSENT in tags
    now = utcnow()
    params: dict[str, Any] = {
        "person": person_id,
        "now": now,
        "today": brussels_day(now),
        "organisation_id": principal.organisation_id,
    }
    if referent:
        params["user_id"] = principal.user_id
    if team:
        params["team"] = principal.team
    rows = journal.execute(session, _facts_statement(referent, team, consents), params).all()
    if not rows:
        return None
    first = rows[0]
    found: tuple[tuple[UUID, frozenset[str]], ...] = ()
    if consents:
        found = tuple(
            (row.consent_id, frozenset(row.sections or ())) for row in rows if row.consent_id is not None
        )
    return Facts(
        bool(first.forem_registered),
        principal.organisation_id if first.ris_of_caller else None,
        bool(first.is_referent) if referent else False,
        found,
    )


def _evaluate(plan: _Plan, principal: Principal, facts: Facts) -> tuple[int, UUID | None]:
    """The index of the plan's outcome the facts give, and the consent it rests on (if it does)."""
    for index, (_, tag) in enumerate(plan.checks):
        if tag == _FOREM and facts.forem_registered:
            return index, None
        if tag == _CPAS and facts.ris_cpas_id is not None and facts.ris_cpas_id == principal.organisation_id:
            return index, None
        if tag == _REFERENT and facts.is_referent:
            return index, None
        if tag == _CONSENT:
            consent_id = facts.consent_for(plan.section)
            if consent_id is not None:
                return index, consent_id
    return len(plan.checks), None


def decide_on_facts(
    principal: Principal,
    person_id: UUID,
    section: str,
    action: str,
    facts: Facts,
    policy: Policy | None = None,
) -> tuple[Basis | None, UUID | None]:
    """The basis (None: denied) and the consent relied on that the gate gives for these facts, without a
    database nor a journal row: the pure core of both paths, which the generated matrix checks in full."""
    plan = _plan(principal, person_id, section, action, policy or default_policy())
    index, consent_id = _evaluate(plan, principal, facts)
    return plan.outcome(index), consent_id


def _decide_portable(session: Session, ask: _Ask, plans: list[_Plan]) -> list[_Outcome]:
    """Facts (one query), decisions in Python, then :func:`journal.append_entries_sync` (lock the head,
    one multi-row INSERT, move the head): four statements on SQLite, whatever the number of sections."""
    facts = _facts(session, ask.principal, ask.person_id, {tag for plan in plans for tag in plan.tags})
    if facts is None:
        return _not_found(ask, plans)
    outcomes = []
    for plan in plans:
        index, consent_id = _evaluate(plan, ask.principal, facts)
        outcomes.append((plan.outcome(index), consent_id))
    ids = _append(session, ask, plans, outcomes)
    return _with_ids(outcomes, ids)


def _append(session: Session, ask: _Ask, plans: list[_Plan], outcomes) -> list[UUID]:
    """The decisions' journal rows through :func:`journal.append_entries_sync` (lock the head, insert,
    move the head)."""
    return journal.append_entries_sync(
        session,
        person_id=ask.person_id,
        principal=ask.principal,
        request_id=ask.request_id,
        entries=_entries(ask, plans, outcomes),
    )


def _with_ids(outcomes, ids) -> list[_Outcome]:
    return [
        (basis, consent_id, entry_id) for (basis, consent_id), entry_id in zip(outcomes, ids, strict=True)
    ]


def _entries(ask: _Ask, plans: list[_Plan], outcomes) -> list[journal.Entry]:
    return [
        journal.Entry(
            action=ask.action,
            decision=ALLOW if basis is not None else DENY,
            section=plan.section,
            document_id=ask.document_id,
            basis=basis.value if basis is not None else None,
            consent_id=consent_id,
            reason=None if basis is not None else _denial_reason(plan.section, ask.action, plan.candidates),
        )
        for plan, (basis, consent_id) in zip(plans, outcomes, strict=True)
    ]


def _not_found(ask: _Ask, plans: list[_Plan]):
    """No such person. Only a caller whose access needs no fact of the file (the person herself, the
    data-protection officer) learns that it does not exist (404); anyone else gets the very refusal an
    existing file would give them (403), so an id tells nobody whether a file exists. Nothing is
    journaled: there is no file, hence no journal to write to (the app log keeps the request)."""
    user = str(ask.principal.user_id)
    logger.info("access to unknown person", extra={"request_id": ask.request_id, "user": user})
    if any(plan.final is not None for plan in plans):
        raise NotFound("Dossier introuvable.", code="person-not-found")
    plan = plans[0]
    raise Forbidden(
        _denial_reason(plan.section, ask.action, plan.candidates),
        code="access-denied",
        missing=[b.value for b in plan.candidates],
    )


# --- PostgreSQL: the whole decision and its journal rows in ONE statement -------------------------------


def _by_outcome(index, name: str, count: int, type_):
    """``CASE WHEN <index> = 0 THEN :<name>_0 WHEN <index> = 1 THEN :<name>_1 … END``: the value prepared
    for the outcome the database chose (just the parameter when there is one outcome)."""
    if count == 1:
        return bindparam(f"{name}_0", type_=type_)
    return case(
        *((index == literal_column(str(j)), bindparam(f"{name}_{j}", type_=type_)) for j in range(count))
    )


@lru_cache(maxsize=256)
def _pg_statement(shape: tuple[tuple[str, ...], ...], team: bool):
    """PostgreSQL: facts, decision, journal rows and head in ONE statement, built once per shape (the
    database checks of each section's plan, in order; whether the caller has a team)::

        WITH facts AS MATERIALIZED (SELECT <mandate columns>, EXISTS(<referent link>),
                                           (<consent in force naming section i, latest expiry>) …
                                    FROM persons WHERE id = :person),
             decisions AS (SELECT CASE WHEN <check 0> THEN 0 WHEN … ELSE <n> END AS k_i, <consent> AS cid_i …),
             head AS MATERIALIZED (SELECT seq, head_hash FROM access_journal_heads
                                   WHERE person_id = :person FOR UPDATE),
             start AS (SELECT …, coalesce(seq, 0) AS s0, coalesce(head_hash, <genesis>) AS h_start,
                              <no head> AS fresh FROM decisions LEFT JOIN head ON true),
             chain AS MATERIALIZED (SELECT …, h_0, h_1 … FROM start
                                    JOIN LATERAL (SELECT <sha256 of row 0>) JOIN LATERAL (<row 1, after h_0>) …),
             created AS (INSERT INTO access_journal_heads … WHERE fresh ON CONFLICT DO NOTHING RETURNING …),
             appended AS (INSERT INTO access_journal (…) SELECT … FROM chain WHERE <written> UNION ALL …),
             moved AS (UPDATE access_journal_heads SET seq = s0 + n, head_hash = h_<n-1> … WHERE NOT fresh)
        SELECT k_i, cid_i …, <written> FROM decisions LEFT JOIN chain ON true

    Row i's hash is computed by the database from the canonical JSON the gate prepared for each possible
    outcome, cut at the two values only the database knows (the consent's id and ``seq``, see
    :func:`journal.canonical_pieces`), so it is byte for byte what :func:`journal.row_hash` gives (and
    what ``coordination journal verify`` recomputes).

    The head row is locked by ``FOR UPDATE``, which waits for a concurrent append to the same file to
    commit and then returns the committed head (READ COMMITTED re-reads the locked row); the UPDATE of
    that row later in the statement is the only modification of it. A file without a head yet (its first
    journal rows) gets one from ``created``; if a concurrent first append created it meanwhile, that
    insert waits for it and does nothing, no row is written (``written`` false) and the gate appends
    through :func:`journal.append_entries_sync`, which locks the now existing head. Unknown person: no
    row at all, nothing written.

    No parameter is named like a column of ``access_journal_heads`` (hence ``person``, not
    ``person_id``): SQLAlchemy would add ``SET <column> = :<column>`` to the UPDATE for it."""
    person_id = _param("person", _persons.c.id)
    now = _param("now", _consents.c.expires_at)
    today = _param("today", _referrals.c.deadline)
    organisation_id = _param("organisation_id", _consents.c.recipient_organisation_id)
    tags = {tag for row in shape for tag in row}

    facts_columns = [_persons.c.id.label("pid")]
    if _FOREM in tags:
        facts_columns.append(_holds_mandate(MandateKind.FOREM_REGISTRATION).label(_FOREM))
    if _CPAS in tags:
        facts_columns.append(_holds_mandate(MandateKind.RIS, organisation_id).label(_CPAS))
    if _REFERENT in tags:
        facts_columns.append(_is_referent(team).label(_REFERENT))
    sections = type_coerce(_consents.c.sections, JSONB)
    for i, row in enumerate(shape):
        if _CONSENT in row:
            named = sections.contains(func.jsonb_build_array(bindparam(f"section_{i}", type_=String)))
            consent = (
                select(_consents.c.id)
                .where(_consents.c.person_id == _persons.c.id, *_in_force(organisation_id, now, today), named)
                .order_by(_consents.c.expires_at.desc())
                .limit(1)
                .scalar_subquery()
            )
            facts_columns.append(consent.label(f"c_{i}"))
    facts = select(*facts_columns).where(_persons.c.id == person_id).cte("facts").prefix_with("MATERIALIZED")

    def held(tag: str, i: int):
        return facts.c[f"c_{i}"].is_not(None) if tag == _CONSENT else facts.c[tag]

    decision_columns = [facts.c.pid]
    for i, row in enumerate(shape):
        if row:  # the first check that holds, else the plan's final outcome
            index = case(
                *((held(tag, i), literal_column(str(j))) for j, tag in enumerate(row)),
                else_=literal_column(str(len(row))),
            )
        else:
            index = literal_column("0")
        decision_columns.append(index.label(f"k_{i}"))
        if _CONSENT in row:
            chosen = case((index == literal_column(str(row.index(_CONSENT))), facts.c[f"c_{i}"]))
            decision_columns.append(chosen.label(f"cid_{i}"))
    decisions = select(*decision_columns).cte("decisions")

    head = (
        select(_heads.c.seq, _heads.c.head_hash)
        .where(_heads.c.person_id == person_id)
        .with_for_update()
        .cte("head")
        .prefix_with("MATERIALIZED")
    )
    # the chain's end before this request (the genesis when the file has no journal yet)
    start = select(
        *decisions.c,
        func.coalesce(head.c.seq, literal_column("0")).label("s0"),
        func.coalesce(head.c.head_hash, literal_column(f"'{journal.GENESIS_HASH}'", Text)).label("h_start"),
        head.c.seq.is_(None).label("fresh"),
    ).select_from(decisions.outerjoin(head, true()))
    start = start.cte("start")

    post = bindparam("post", type_=Text)
    joined = start
    prev = start.c.h_start
    hashes = []
    for i, row in enumerate(shape):
        index, count = start.c[f"k_{i}"], len(row) + 1
        if _CONSENT in row:
            consent_json = func.coalesce(
                literal_column("'\"'", Text)
                .concat(cast(start.c[f"cid_{i}"], Text))
                .concat(literal_column("'\"'", Text)),
                literal_column("'null'", Text),
            )
        else:
            consent_json = literal_column("'null'", Text)
        canonical = (
            _by_outcome(index, f"pre_{i}", count, Text)
            .concat(consent_json)
            .concat(_by_outcome(index, f"mid_{i}", count, Text))
            .concat(cast(start.c.s0 + literal_column(str(i + 1)), Text))
            .concat(post)
        )
        link = select(journal.sql_row_hash(canonical, prev).label("h")).correlate(start, *hashes)
        link = link.lateral(f"link_{i}")
        joined = joined.join(link, true())
        hashes.append(link)
        prev = link.c.h
    chain = (
        select(*start.c, *(link.c.h.label(f"h_{i}") for i, link in enumerate(hashes)))
        .select_from(joined)
        .cte("chain")
        .prefix_with("MATERIALIZED")
    )
    last = len(shape)

    # a file's first rows: create its head, unless a concurrent first append created it meanwhile (the
    # insert waits for that transaction; if it committed, nothing is written and the gate falls back)
    created = (
        pg_insert(_heads)
        .from_select(
            ["person_id", "seq", "head_hash", "updated_at"],
            select(chain.c.pid, chain.c.s0 + literal_column(str(last)), chain.c[f"h_{last - 1}"], now).where(
                chain.c.fresh
            ),
        )
        .on_conflict_do_nothing(index_elements=[_heads.c.person_id])
        .returning(_heads.c.person_id)
        .cte("created")
    )
    written = or_(~chain.c.fresh, exists(select(created.c.person_id)))

    common = {
        "person_id": person_id,
        "at": now,
        "user_id": _param("user_id", _journal.c.user_id),
        "user_name": _param("user_name", _journal.c.user_name),
        "organisation_id": organisation_id,
        "organisation_name": _param("organisation_name", _journal.c.organisation_name),
        "format_version": _param("format_version", _journal.c.format_version),
        "role": _param("role", _journal.c.role),
        "document_id": _param("document_id", _journal.c.document_id),
        "action": _param("action", _journal.c.action),
        "request_id": _param("request_id", _journal.c.request_id),
    }
    columns = ("id", *journal.HASHED_FIELDS, "prev_hash", "row_hash")
    rows = []
    for i, row in enumerate(shape):
        index, count = chain.c[f"k_{i}"], len(row) + 1
        values = {
            **common,
            "id": _param(f"id_{i}", _journal.c.id),
            "seq": chain.c.s0 + literal_column(str(i + 1)),
            "section": _param(f"section_{i}", _journal.c.section),
            "decision": _by_outcome(index, f"decision_{i}", count, _journal.c.decision.type),
            "basis": _by_outcome(index, f"basis_{i}", count, _journal.c.basis.type),
            "consent_id": chain.c[f"cid_{i}"]
            if _CONSENT in row
            else cast(null(), _journal.c.consent_id.type),
            "reason": _by_outcome(index, f"reason_{i}", count, _journal.c.reason.type),
            "prev_hash": chain.c.h_start if i == 0 else chain.c[f"h_{i - 1}"],
            "row_hash": chain.c[f"h_{i}"],
        }
        rows.append(select(*(values[name] for name in columns)).select_from(chain).where(written))
    appended = _journal.insert().from_select(list(columns), rows[0] if len(rows) == 1 else union_all(*rows))
    moved = (
        update(_heads)
        .where(_heads.c.person_id == chain.c.pid, ~chain.c.fresh)
        .values(
            seq=chain.c.s0 + literal_column(str(last)), head_hash=chain.c[f"h_{last - 1}"], updated_at=now
        )
    )
    answer = [decisions.c[f"k_{i}"] for i in range(len(shape))]
    answer += [decisions.c[f"cid_{i}"] for i, row in enumerate(shape) if _CONSENT in row]
    return (
        select(*answer, written.label("written"))
        .select_from(decisions.outerjoin(chain, true()))
        .add_cte(created, appended.cte("appended"), moved.cte("moved"))
    )


@dataclass(frozen=True)
class _DriverStatement:
    """A prebuilt statement compiled once for the connection's dialect: its SQL and, per positional
    parameter, the gate's parameter name (or the statement's own constant) and the type's bind
    processor."""

    sql: str
    slots: tuple[tuple[str | None, Any, Callable[[Any], Any] | None], ...]


@lru_cache(maxsize=256)
def _driver_statement(statement, dialect) -> _DriverStatement | None:
    """``statement`` compiled for ``dialect`` once, for :meth:`Connection.exec_driver_sql`; None when the
    dialect's parameters are not positional (or the statement needs rendering per execution), in which
    case the statement goes through the ordinary :meth:`Connection.execute`."""
    compiled = statement.compile(dialect=dialect)
    if not compiled.positional or compiled.literal_execute_params or compiled.post_compile_params:
        return None
    slots = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if bind.required:
            slots.append((bind.key, None, process))
        else:  # a constant of the statement itself (consent event kinds, LIMIT 1)
            value = bind.effective_value
            slots.append((None, process(value) if process is not None else value, None))
    return _DriverStatement(compiled.string, tuple(slots))


def _execute_prebuilt(session: Session, statement, params: dict[str, Any]):
    """Run a prebuilt statement the way :func:`journal.execute` does (after autoflush, on the session's
    connection, in its transaction), but from its SQL compiled once for the dialect, through
    :meth:`Connection.exec_driver_sql`: no compiled-cache lookup (hashing this statement's large cache
    key on every execution was a good part of the decision's Python), no parameter processing by name.
    The connection's events, error wrapping and invalidation on disconnect are the ordinary ones."""
    if session.autoflush:
        session.flush()
    connection = session.connection()
    driver = _driver_statement(statement, connection.dialect)
    if driver is None:
        return connection.execute(statement, params)
    args = []
    for name, value, process in driver.slots:
        if name is not None:
            value = params[name]
            if process is not None:
                value = process(value)
        args.append(value)
    return connection.exec_driver_sql(driver.sql, tuple(args))


@lru_cache(maxsize=1024)
def _encoded_word(value: str | None) -> str:
    """:func:`journal.encode_value` of the vocabulary (roles, actions, sections, bases, decisions, denial
    reasons): a few hundred strings, encoded once."""
    return journal.encode_value(value)


def _decide_pg(session: Session, ask: _Ask, plans: list[_Plan]) -> list[_Outcome]:
    """One statement (:func:`_pg_statement`) on PostgreSQL: the gate's only round trip besides the
    transaction's BEGIN, for one section as for a whole file."""
    principal, person_id, action, document_id = ask.principal, ask.person_id, ask.action, ask.document_id
    now = utcnow()
    request_id = (ask.request_id or "-")[:64]
    team = any(tag == _REFERENT for plan in plans for tag in plan.tags) and bool(
        principal.team and principal.organisation_id
    )
    role = str(principal.role.value)
    organisation_name = journal.organisation_name_sync(session, principal.organisation_id)
    params: dict[str, Any] = {
        "person": person_id,
        "now": now,
        "today": brussels_day(now),
        "organisation_id": principal.organisation_id,
        "organisation_name": organisation_name,
        "format_version": journal.FORMAT_VERSION,
        "user_id": principal.user_id,
        "user_name": principal.display_name,
        "role": role,
        "document_id": document_id,
        "action": action,
        "request_id": request_id,
    }
    if team:
        params["team"] = principal.team
    encode, word = journal.encode_value, _encoded_word
    encoded = {
        "person_id": encode(person_id),
        "at": encode(now),
        "user_id": encode(principal.user_id),
        "user_name": encode(principal.display_name),
        "organisation_id": encode(principal.organisation_id),
        "organisation_name": encode(organisation_name),
        "format_version": encode(journal.FORMAT_VERSION),
        "role": word(role),
        "document_id": encode(document_id),
        "action": word(action),
        "request_id": encode(request_id),
    }
    ids = []
    post = ""
    for i, plan in enumerate(plans):
        entry_id = new_id()
        ids.append(entry_id)
        params[f"id_{i}"] = entry_id
        params[f"section_{i}"] = plan.section
        encoded["section"] = word(plan.section)
        for j in range(len(plan.checks) + 1):
            basis = plan.outcome(j)
            value = basis.value if basis is not None else None
            decision = ALLOW if basis is not None else DENY
            reason = None if basis is not None else _denial_reason(plan.section, action, plan.candidates)
            params[f"basis_{i}_{j}"] = value
            params[f"decision_{i}_{j}"] = decision
            params[f"reason_{i}_{j}"] = reason
            encoded["basis"] = word(value)
            encoded["decision"] = word(decision)
            encoded["reason"] = word(reason)
            pre, mid, post = journal.canonical_pieces(encoded, ("consent_id", "seq"))
            params[f"pre_{i}_{j}"] = pre
            params[f"mid_{i}_{j}"] = mid
    params["post"] = post
    shape = tuple(plan.tags for plan in plans)
    result = _execute_prebuilt(session, _pg_statement(shape, team), params).first()
    if result is None:
        return _not_found(ask, plans)
    outcomes = []
    consents = iter(result[len(plans) : -1])
    for i, plan in enumerate(plans):
        consent_id = next(consents) if _CONSENT in plan.tags else None
        outcomes.append((plan.outcome(result[i]), consent_id))
    if not result[-1]:  # lost the race to create the file's head: nothing was written, append now
        ids = _append(session, ask, plans, outcomes)
    return _with_ids(outcomes, ids)


def _hard_rule_allows(section: str, basis: Basis, principal: Principal) -> bool:
    """Professional secrecy and special-category data, whatever ``policy.csv`` says."""
    if section == Section.SOCIAL:
        return basis in (Basis.SELF, Basis.CONSENT) or (
            basis is Basis.MANDATE and principal.organisation_kind is OrganisationKind.CPAS
        )
    if section == Section.HEALTH:
        return basis in (Basis.SELF, Basis.CONSENT)
    return True


@lru_cache(maxsize=1024)
def _denial_reason(section: str, action: str, candidates: tuple[Basis, ...]) -> str:
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
    session: Session, ask: _Ask, sections: list[str], policy: Policy | None
) -> list[tuple[AccessDecision, _Plan]]:
    """Decide every section and journal every decision. Synchronous, run whole in one
    :meth:`AsyncSession.run_sync` (the statements wait on the driver inside it): one greenlet switch
    per request costs less than one per statement."""
    action = ask.action
    sections = [str(section) for section in sections]
    for section in sections:
        _validate(section, action)
    policy = policy or default_policy()
    plans = [_plan(ask.principal, ask.person_id, section, action, policy) for section in sections]
    decide = _decide_pg if journal.is_postgres(session) else _decide_portable
    outcomes = decide(session, ask, plans)
    return [
        (
            AccessDecision(
                basis is not None,
                ask.person_id,
                plan.section,
                action,
                basis,
                consent_id,
                entry_id,
                None if basis is not None else _denial_reason(plan.section, action, plan.candidates),
            ),
            plan,
        )
        for plan, (basis, consent_id, entry_id) in zip(plans, outcomes, strict=True)
    ]


async def _decide(session: AsyncSession, ask: _Ask, sections: list[str], policy: Policy | None):
    decided = await session.run_sync(lambda sync_session: _decide_sync(sync_session, ask, sections, policy))
    record_gate_decisions((d.basis.value if d.basis else None, d.allowed) for d, _ in decided)
    return decided


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

    Round trips on PostgreSQL: one statement (after the transaction's BEGIN). On SQLite: four statements
    (facts; head lock; insert; head update), in-process."""
    ask = _Ask(principal, person_id, str(action), request_id, document_id)
    ((decision, plan),) = await _decide(session, ask, [section], policy)
    if not decision.allowed and raise_on_deny:
        keep_on_failure(session)  # the request fails, its refusal stays in the journal
        raise Forbidden(
            decision.reason or "Accès refusé.",
            code="access-denied",
            missing=[b.value for b in plan.candidates],
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

    Same statements as :func:`check_access` whatever the number of sections: the facts are read once and
    the rows appended together (on PostgreSQL in the one statement)."""
    if not sections:
        return {}
    decided = await _decide(
        session, _Ask(principal, person_id, str(action), request_id, None), sections, policy
    )
    return {decision.section: decision for decision, _ in decided}


def require_role_permission(principal: Principal, section: str, action: str, basis: Basis) -> None:
    """Role-level check for views not about one person (e.g. the DPO's journal of all files)."""
    if not default_policy().allows(principal.role.value, section, action, basis.value):
        raise Forbidden("Accès refusé : votre rôle ne le permet pas.", code="access-denied")
