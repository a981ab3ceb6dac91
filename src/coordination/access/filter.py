"""The gate as a query filter: which persons may this principal act on, as SQL (data filtering).

:func:`coordination.access.gate.check_access` answers for one file; a list cannot ask it about every file
(a million files, a million "refused" rows in strangers' journals). :func:`readable` gives, for a
principal, a section and an action, a predicate on ``persons`` built from the very same pieces as the
single-file decision: the policy and hard rules decide which bases count (:func:`gate._plan`), and each
basis becomes the SQL of its fact (a current mandate assertion, the active referent link, a consent in
force naming the section, the person herself). A list then selects, orders and cuts its page in the
database, and journals only the files it shows (:func:`journal_shown`).

``tests/integration/access/test_filter_equivalence.py`` proves, over random worlds, that the predicate
selects exactly the persons for which ``check_access`` allows, for every role and section, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import journal
from coordination.access.gate import (
    _consents,
    _hard_rule_allows,
    _in_force,
    _links,
    _mandates,
    _persons,
    _plan,
)
from coordination.access.models import MandateKind
from coordination.access.policy import Basis, Policy, default_policy
from coordination.access.principal import Principal
from coordination.clock import brussels_day
from coordination.db.base import utcnow
from coordination.db.types import GUID
from coordination.errors import Forbidden

ID_CHUNK = 10_000
"""Ids per statement when a bulk operation names many people (PostgreSQL takes 32,767 parameters)."""
ROWS_PER_APPEND = 1_000
"""Journal rows per append (each row binds about 20 parameters)."""
LIST_ACTION = "list"
"""The journal's action for a file shown as a line of a list, a search or a worklist."""


@dataclass(frozen=True)
class Readable:
    """The persons a principal may act on for one section and action, as SQL on ``persons``."""

    where: ColumnElement[bool]
    """The set as SQL on ``persons``, index-driven, never a Python loop over files: one probe per basis
    OR'ed (the list's order index walked, each fact's index probed per person), or, on PostgreSQL when
    every basis is selective, ``id = ANY(ARRAY(<the facts' person ids>))`` built once
    (``docs/decisions/gate-as-a-list-filter.md``)."""
    probe: ColumnElement[bool]
    """The same set as correlated ``EXISTS`` per person: for a column computed on rows another filter
    selected (a worklist's "which sections are open"), where ``where`` may be a set built once."""
    basis: ColumnElement[str]
    """Which basis holds for a selected person (the first in preference order, as the gate keeps):
    computed for the rows shown only (:func:`bases_of`)."""
    consent_id: ColumnElement
    """The consent the basis rests on, when it is a consent (else NULL)."""
    bases: tuple[Basis, ...]


def _uuid(value: UUID | None):
    return literal(value, type_=GUID())


def _named(section: str, dialect: str):
    """The consent row names ``section`` (JSON list of sections)."""
    if dialect == "postgresql":
        return type_coerce(_consents.c.sections, JSONB).contains(func.jsonb_build_array(literal(section)))
    items = func.json_each(_consents.c.sections).table_valued("value")
    return exists(select(1).select_from(items).where(items.c.value == section))


def _consents_in_force(section: str, organisation_id: UUID, now: datetime, dialect: str):
    return (
        _consents.c.recipient_organisation_id == _uuid(organisation_id),
        *_in_force(
            _uuid(organisation_id), literal(now, type_=_consents.c.expires_at.type), brussels_day(now)
        )[1:],
        _named(section, dialect),
    )


def _holder(principal: Principal):
    holder = _links.c.referent_user_id == _uuid(principal.user_id)
    if principal.team and principal.organisation_id:
        holder = or_(
            holder,
            and_(
                _links.c.team == principal.team, _links.c.organisation_id == _uuid(principal.organisation_id)
            ),
        )
    return holder


def _current_mandates(kind: MandateKind, organisation_id: UUID | None = None):
    conditions = [_mandates.c.kind == kind.value, _mandates.c.ended_at.is_(None)]
    if organisation_id is not None:
        conditions.append(_mandates.c.organisation_id == _uuid(organisation_id))
    return conditions


def readable(
    principal: Principal,
    section: str,
    action: str = "read",
    *,
    dialect: str,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> Readable | None:
    """The predicate, or None when the principal's role may act on NO file by any basis that a list can
    use (the regulator; a person, who has only her own file): such a caller gets 403 before any data is
    read. ``dialect``: the session's (``session.get_bind().dialect.name``)."""
    policy = policy or default_policy()
    now = now or utcnow()
    plan = _plan(principal, None, section, action, policy)  # type: ignore[arg-type]  # no person: a set
    cases: list[tuple[Basis, ColumnElement[bool]]] = []  # the same facts, per selected person
    probes: list[ColumnElement[bool]] = []  # the same facts, as correlated EXISTS per person
    # (correlated to ``persons`` only: a query that also selects from a fact table, e.g. the portfolio's
    # referent_links, must not swallow the probe's own FROM)
    facts: list = []  # the same facts, as the person ids they name (a selective basis)
    dense = False  # a basis that holds for most files (every Forem registration)
    consent = None
    if principal.person_id is not None and Basis.SELF in plan.candidates:
        # the person herself: her own file, when the policy lets her (_plan settles SELF per file)
        role = principal.role.value
        if policy.allows(role, section, action, Basis.SELF) and _hard_rule_allows(
            section, Basis.SELF, principal
        ):
            cases.append((Basis.SELF, _persons.c.id == _uuid(principal.person_id)))
            probes.append(cases[-1][1])
            facts.append(select(_uuid(principal.person_id)))
    for basis, tag in plan.checks:
        if basis is Basis.MANDATE:
            organisation_id = principal.organisation_id if tag == "cpas" else None
            kind = MandateKind.RIS if tag == "cpas" else MandateKind.FOREM_REGISTRATION
            conditions = _current_mandates(kind, organisation_id)
            cases.append(
                (
                    basis,
                    exists().where(_mandates.c.person_id == _persons.c.id, *conditions).correlate(_persons),
                )
            )
            facts.append(select(_mandates.c.person_id).where(*conditions))
            if organisation_id is None:  # every Forem registration: most files
                dense = True
                # A scalar probe (``(SELECT … LIMIT 1) IS NOT NULL``), never an EXISTS: PostgreSQL turns
                # an EXISTS under OR into a hashed subplan when it expects to test many rows, and then
                # hashed all 900,000 registrations before showing the first 20 files (0.5 s at
                # 1,000,000 files, against a few index probes for the page; bench/scale).
                probes.append(
                    select(_mandates.c.id)
                    .where(_mandates.c.person_id == _persons.c.id, *conditions)
                    .limit(1)
                    .correlate(_persons)
                    .scalar_subquery()
                    .is_not(None)
                )
            else:
                probes.append(cases[-1][1])
        elif basis is Basis.REFERENT:
            live = (_links.c.ended_at.is_(None), _holder(principal))
            cases.append(
                (basis, exists().where(_links.c.person_id == _persons.c.id, *live).correlate(_persons))
            )
            probes.append(cases[-1][1])
            facts.append(select(_links.c.person_id).where(*live))
        elif basis is Basis.CONSENT and principal.organisation_id is not None:
            conditions = _consents_in_force(section, principal.organisation_id, now, dialect)
            consent = (
                select(_consents.c.id)
                .where(_consents.c.person_id == _persons.c.id, *conditions)
                .order_by(_consents.c.expires_at.desc())
                .limit(1)
                .scalar_subquery()
            )
            cases.append((basis, consent.is_not(None)))
            probes.append(
                exists().where(_consents.c.person_id == _persons.c.id, *conditions).correlate(_persons)
            )
            facts.append(select(_consents.c.person_id).where(*conditions))
    if plan.final is Basis.OVERSIGHT:
        where: ColumnElement[bool] = true()
        probe: ColumnElement[bool] = true()
        cases.append((Basis.OVERSIGHT, true()))
    elif not probes:
        return None
    else:
        # One correlated EXISTS per basis, OR'ed: PostgreSQL then either walks the list's order index and
        # probes each fact's index per person (a dense set: a Forem worker reads every registered person)
        # or drives from the facts (a referent's 80 links); ``IN (<union of the facts>)`` made it hash the
        # whole union first (every registration: 0.77 s at 200,000 files, against 0.09 s; see
        # bench/scale).
        probe = or_(*probes) if len(probes) > 1 else probes[0]
        where = probe
        if not dense and dialect == "postgresql":
            # Only selective bases (a partner's consents, a CPAS's RIS decisions, a referent's links):
            # drive from the facts. ``ARRAY(<their person ids>)`` is computed once (an InitPlan) and the
            # persons are fetched by primary key, then sorted for the page. With EXISTS, PostgreSQL
            # walked the name index and probed each person's consents: 10,000 probes to fill a page for
            # a partner with 2,000 people among 1,000,000 files (318 ms; bench/scale).
            facts = [fact.correlate(None) for fact in facts]  # never bound to a list's own fact tables
            union = facts[0] if len(facts) == 1 else facts[0].union_all(*facts[1:])
            where = _persons.c.id == func.any(func.array(union.scalar_subquery()))
    basis_of: ColumnElement[str] = case(
        *((clause, literal(b.value)) for b, clause in cases), else_=literal(None)
    )
    consent_id: ColumnElement = (
        case((basis_of == Basis.CONSENT.value, consent), else_=None)  # type: ignore[arg-type]
        if consent is not None
        else literal(None)
    )
    return Readable(
        where=where, probe=probe, basis=basis_of, consent_id=consent_id, bases=tuple(b for b, _ in cases)
    )


async def bases_of(
    session: AsyncSession, found: Readable, person_ids: list[UUID]
) -> dict[UUID, tuple[str | None, UUID | None]]:
    """The basis (and consent) of each shown person, read for those rows only (by chunks: a bulk
    operation may name more people than one statement takes parameters)."""
    found_bases: dict[UUID, tuple[str | None, UUID | None]] = {}
    for start in range(0, len(person_ids), ID_CHUNK):
        chunk = person_ids[start : start + ID_CHUNK]
        rows = await session.execute(
            select(_persons.c.id, found.basis, found.consent_id).where(_persons.c.id.in_(chunk))
        )
        found_bases.update({row[0]: (row[1], row[2]) for row in rows})
    return found_bases


def require_readable(
    session: AsyncSession, principal: Principal, section: str, action: str = "read"
) -> Readable:
    """:func:`readable`, or 403 (nothing read, nothing journaled) for a role that may list no one: the
    regulator, and the person, whose only file is her own (she reads it in her space, not in a list)."""
    found = readable(principal, section, action, dialect=session.get_bind().dialect.name)
    if found is None or set(found.bases) <= {Basis.SELF}:  # nobody, or her own file only: not a list
        raise Forbidden(
            "Votre rôle ne permet pas de lister ou de rechercher des dossiers de personnes.",
            code="list-forbidden",
        )
    return found


async def journal_shown(
    session: AsyncSession,
    principal: Principal,
    request_id: str,
    shown: list[tuple[UUID, str | None, UUID | None]],
    sections: tuple[str, ...] = ("identity",),
    action: str = LIST_ACTION,
) -> None:
    """One ``list`` row per file actually shown (``shown``: person id, basis, consent id), in the request's
    transaction; files not shown get nothing. Each row names the sections the line shows. The whole page
    is journaled in a constant number of statements (:func:`journal.append_many`), not two per line."""
    batches = [
        (
            person_id,
            [
                journal.Entry(
                    action=action,
                    decision="allow",
                    section=section,
                    basis=basis,
                    consent_id=consent_id if basis == Basis.CONSENT.value else None,
                )
                for section in sections
            ],
        )
        for person_id, basis, consent_id in shown
    ]
    # a page is one append; a bulk operation is cut so no statement exceeds the databases' parameter
    # limits (32,767 on PostgreSQL, 32,766 on SQLite: about 20 parameters per journal row)
    per_append = max(1, ROWS_PER_APPEND // max(1, len(sections)))
    for start in range(0, len(batches), per_append):
        await journal.append_many(
            session, principal=principal, request_id=request_id, batches=batches[start : start + per_append]
        )
