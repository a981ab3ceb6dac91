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

from sqlalchemy import ColumnElement, and_, case, exists, false, func, literal, or_, select, true, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import journal
from coordination.access.gate import (
    _consents,
    _holds_mandate,
    _in_force,
    _links,
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

LIST_ACTION = "list"
"""The journal's action for a file shown as a line of a list, a search or a worklist."""


@dataclass(frozen=True)
class Readable:
    """The persons a principal may act on for one section and action, as SQL on ``persons``."""

    where: ColumnElement[bool]
    basis: ColumnElement[str]
    """Which basis holds for each selected person (the first in preference order, as the gate keeps)."""
    consent_id: ColumnElement
    """The consent the basis rests on, when it is a consent (else NULL)."""
    bases: tuple[Basis, ...]


def _uuid(value: UUID | None):
    return literal(value, type_=GUID())


def _consent_naming(section: str, organisation_id: UUID, now: datetime, dialect: str):
    """The latest-ending consent in force of the person to ``organisation_id`` naming ``section``."""
    if dialect == "postgresql":
        named = type_coerce(_consents.c.sections, JSONB).contains(func.jsonb_build_array(literal(section)))
    else:
        items = func.json_each(_consents.c.sections).table_valued("value")
        named = exists(select(1).select_from(items).where(items.c.value == section))
    return (
        select(_consents.c.id)
        .where(
            _consents.c.person_id == _persons.c.id,
            *_in_force(
                _uuid(organisation_id), literal(now, type_=_consents.c.expires_at.type), brussels_day(now)
            ),
            named,
        )
        .order_by(_consents.c.expires_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def _referent(principal: Principal):
    holder = _links.c.referent_user_id == _uuid(principal.user_id)
    if principal.team and principal.organisation_id:
        holder = or_(
            holder,
            and_(
                _links.c.team == principal.team, _links.c.organisation_id == _uuid(principal.organisation_id)
            ),
        )
    return exists().where(_links.c.person_id == _persons.c.id, _links.c.ended_at.is_(None), holder)


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
    plan = _plan(principal, None, section, action, policy)  # type: ignore[arg-type]  # no person: sets
    clauses: list[tuple[Basis, ColumnElement[bool]]] = []
    consent = None
    for basis, tag in plan.checks:
        if basis is Basis.MANDATE and tag == "forem":
            clauses.append((basis, _holds_mandate(MandateKind.FOREM_REGISTRATION)))
        elif basis is Basis.MANDATE and tag == "cpas":
            clauses.append((basis, _holds_mandate(MandateKind.RIS, _uuid(principal.organisation_id))))
        elif basis is Basis.REFERENT:
            clauses.append((basis, _referent(principal)))
        elif basis is Basis.CONSENT and principal.organisation_id is not None:
            consent = _consent_naming(section, principal.organisation_id, now, dialect)
            clauses.append((basis, consent.is_not(None)))
    if plan.final is Basis.OVERSIGHT:
        clauses.append((Basis.OVERSIGHT, true()))
    if not clauses:
        return None
    where = or_(*(clause for _, clause in clauses))
    basis = case(*((clause, literal(b.value)) for b, clause in clauses), else_=literal(None))
    consent_id = (
        case((basis == Basis.CONSENT.value, consent), else_=None) if consent is not None else literal(None)
    )
    return Readable(where=where, basis=basis, consent_id=consent_id, bases=tuple(b for b, _ in clauses))


def self_only(principal: Principal) -> ColumnElement[bool]:
    """For the person's own views: her own file and nothing else."""
    if principal.person_id is None:
        return false()
    return _persons.c.id == _uuid(principal.person_id)


def require_readable(
    session: AsyncSession, principal: Principal, section: str, action: str = "read"
) -> Readable:
    """:func:`readable`, or 403 (nothing read, nothing journaled) for a role that may list no one."""
    found = readable(principal, section, action, dialect=session.get_bind().dialect.name)
    if found is None:
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
) -> None:
    """One ``list`` row per file actually shown (``shown``: person id, basis, consent id), in the request's
    transaction; files not shown get nothing. Each row names the sections the line shows."""
    for person_id, basis, consent_id in shown:
        entries = [
            journal.Entry(
                action=LIST_ACTION,
                decision="allow",
                section=section,
                basis=basis,
                consent_id=consent_id if basis == Basis.CONSENT.value else None,
            )
            for section in sections
        ]
        await journal.append_entries(
            session, person_id=person_id, principal=principal, request_id=request_id, entries=entries
        )
