"""Access declared on the route, enforced by one dependency.

A route says once what it touches: ``opt={"section": …, "action": …}`` (and ``"list": True`` for a list).
A handler that takes the ``access`` parameter gets the gate's answer before its body runs:

* one section on one file (``{person_id}`` in the path): :func:`gate.check_access`, 403 journaled on a
  refusal; a route whose section is a path parameter (``/sections/{section}``) is decided for that one;
* several sections on one file: every section decided and journaled, 403 when none is allowed, the
  allowed ones handed to the handler;
* a list: the gate's predicate (:func:`filter.require_readable`), 403 for a role that may list no one.

So a handler cannot forget the gate: ``coordination policy check`` fails on any route with ``{person_id}``
that neither takes ``access`` nor names, in ``opt["gate"]``, why it decides otherwise (the listed
exceptions: opening a file, asserting a mandate, a document whose section depends on the document).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.filter import Readable, require_readable
from coordination.access.gate import AccessDecision, check_access, check_sections
from coordination.access.principal import Principal
from coordination.db.engine import keep_on_failure, kept_on_failure
from coordination.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Access:
    """The gate's answer for this request, as the route declared it."""

    person_id: UUID | None = None
    decision: AccessDecision | None = None
    """One section on one file: the allowed decision (a refusal never reaches the handler)."""
    sections: frozenset[str] = field(default_factory=frozenset)
    """The sections allowed (for one section: that one)."""
    readable: Readable | None = None
    """A list: which persons the caller may see, as SQL."""
    refusals: dict[str, str] = field(default_factory=dict)
    """Several sections: the French reason of each section refused (a page can say what is missing)."""


def _declared(opt: dict) -> tuple[str, ...]:
    raw = opt.get("section")
    if raw is None:
        return ()
    return (raw,) if isinstance(raw, str) else tuple(str(s) for s in raw)


async def provide_access(request: Request, db_session: AsyncSession, request_id: str) -> Access:
    """The API's dependency: the principal is the verified token's (the auth middleware's)."""
    return await decide(request, db_session, request.user, request_id)


async def decide(request: Request, db_session: AsyncSession, principal: Principal, request_id: str) -> Access:
    """The gate for this request, from the route's declaration (API and web pages alike).

    A refusal raised here never reaches the session dependency's clean-up (Litestar does not close the
    request's generator dependencies when a later dependency fails), so the transaction is ended here:
    the gate's denial rows are committed (it asked for it: :func:`keep_on_failure`); anything else (an
    unknown file) is rolled back and the connection goes back to the pool at once."""
    try:
        return await _decide(request, db_session, principal, request_id)
    except BaseException:
        if kept_on_failure(db_session):
            await db_session.commit()
        elif db_session.in_transaction():
            await db_session.rollback()
        raise


async def _decide(
    request: Request, db_session: AsyncSession, principal: Principal, request_id: str
) -> Access:
    opt = request.route_handler.opt or {}
    sections, action = _declared(opt), str(opt.get("action") or "")
    if not sections or not action:
        raise RuntimeError(f"route {request.url.path} takes `access` but declares no section/action")
    if opt.get("list"):
        return Access(readable=require_readable(db_session, principal, sections[0], action))
    person_id = request.path_params.get("person_id")
    if opt.get("own"):  # the person's own space (/me/…): her file, whatever the path says
        if principal.person_id is None:
            raise NotFound("Aucun dossier personnel n'est associé à votre compte.", "no-own-file")
        person_id = principal.person_id
    if person_id is None:
        raise RuntimeError(f"route {request.url.path} takes `access` without a person")
    chosen = request.path_params.get("section")
    if chosen is not None and len(sections) > 1:  # /sections/{section}: decided for that one
        if str(chosen) not in sections:  # not a part of any file: nothing to journal
            raise NotFound(
                f"Partie du dossier inconnue : « {chosen} ». Parties possibles : {', '.join(sections)}.",
                "unknown-section",
            )
        sections = (str(chosen),)
    if len(sections) == 1:
        decision = await check_access(
            db_session,
            principal,
            person_id=person_id,
            section=sections[0],
            action=action,
            request_id=request_id,
        )
        return Access(person_id=person_id, decision=decision, sections=frozenset(sections))
    refusal = Forbidden(
        "Vous ne pouvez exporter aucune partie de ce dossier."
        if action == "export"
        else "Vous n'avez accès à aucune partie de ce dossier.",
        "access-denied",
    )
    try:
        decisions = await check_sections(
            db_session,
            principal,
            person_id=person_id,
            sections=list(sections),
            action=action,
            request_id=request_id,
        )
    except Forbidden as exc:  # no such file: the same words as a file with nothing allowed
        raise refusal from exc
    allowed = frozenset(s for s, d in decisions.items() if d.allowed)
    if not allowed:
        keep_on_failure(db_session)  # the request fails, its refusals stay in the journal
        raise refusal
    refusals = {s: d.reason or "Accès refusé." for s, d in decisions.items() if not d.allowed}
    return Access(person_id=person_id, sections=allowed, refusals=refusals)
