"""The visa's use cases, one function each, shared by the API (:mod:`coordination.visa.controllers`) and
the web pages (:mod:`coordination.web.visa_pages`): a handler parses its input, calls one of these and
answers. None of them commits (the request's session does, on success); the one exception, a filed
certificate whose object must be removed if the commit fails, is :func:`filing.commit_or_discard`, called
by the handler after the use case.

Every function that reads or writes a stored request opens it through :func:`open_visa`, so no path to a
person's file skips the access gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import events
from coordination.access.filter import Readable, bases_of, journal_shown
from coordination.access.gate import check_access
from coordination.access.principal import Principal
from coordination.directory.models import User
from coordination.dossier.models import Person
from coordination.errors import Conflict, Unprocessable
from coordination.visa import attendance, filing, services
from coordination.visa.context import VisaContext
from coordination.visa.events import VisaDecisionAsked
from coordination.visa.models import Decision, VisaRequest, VisaStatus

SECTION = "contracts"
WAITING_LIMIT = 50
"""Requests shown on the waiting list (the newest first); a CPAS team has a few dozen at most."""
NOTE_TO_COLLEAGUE_MAX = 500


async def open_visa(
    session: AsyncSession,
    actor: Principal,
    visa_id: UUID,
    action: str,
    *,
    request_id: str,
    section: str = SECTION,
) -> VisaRequest:
    """The stored request, once the gate allowed ``action`` on its person's file (the route's path names
    the visa, not the person: the declared ``access`` dependency cannot decide it before the handler).
    A refusal is a 403 whose journal row the request's session keeps."""
    visa = await services.get(session, visa_id)
    await check_access(
        session, actor, person_id=visa.person_id, section=section, action=action, request_id=request_id
    )
    return visa


@dataclass(frozen=True)
class Decided:
    visa: VisaRequest
    certificate_key: str | None = None
    """The stored certificate's object when the visa was decided (not for a return): the handler commits
    through :func:`filing.commit_or_discard`."""


async def decide(
    session: AsyncSession,
    visa: VisaRequest,
    actor: Principal,
    context: VisaContext,
    *,
    decision: Decision,
    reason: str | None,
    answers: list[dict[str, Any]] | None = None,
) -> Decided:
    """Sign the decision and, once decided, file the signed certificate in the person's file (contracts
    section). The notices follow from the decision's event (:mod:`coordination.visa.notices`)."""
    key = await context.signing_key()
    visa = await services.decide(session, visa, decision, reason, actor, key, answers=answers)
    if visa.status is not VisaStatus.DECIDED:
        return Decided(visa)
    _, object_key = await filing.file_certificate(
        session,
        visa,
        actor,
        store=context.store,
        scanner=context.scanner,
        retention=context.retention,
        max_size=context.max_size,
    )
    return Decided(visa, object_key)


@dataclass(frozen=True)
class CertificateFile:
    """What a certificate download serves: the stored PDF of a decided visa (``object_key``), or the
    draft of a visa not yet decided (``draft``, rendered and never stored)."""

    filename: str
    object_key: str | None = None
    filed_key: str | None = None
    """Set when this request filed the certificate (a visa decided before certificates were kept)."""
    draft: bytes | None = None


async def certificate(
    session: AsyncSession, visa: VisaRequest, actor: Principal, context: VisaContext
) -> CertificateFile:
    """A decided visa's certificate is the PDF filed in the person's documents at the decision: every
    download streams those stored bytes (a visa decided before they were kept has its certificate filed
    once, on its first download). A visa not yet decided gets a draft, not stored."""
    filename = filing.certificate_filename(visa)
    if visa.status is not VisaStatus.DECIDED:
        return CertificateFile(filename, draft=await filing.render_pdf(visa))
    version = await filing.stored_certificate(session, visa)
    filed_key = None
    if version is None:
        _, filed_key = await filing.file_certificate(
            session,
            visa,
            actor,
            store=context.store,
            scanner=context.scanner,
            retention=context.retention,
            max_size=context.max_size,
        )
        version = await filing.stored_certificate(session, visa)
    assert version is not None  # just filed
    return CertificateFile(filename, object_key=version.object_key, filed_key=filed_key)


async def signature_valid(visa: VisaRequest, context: VisaContext) -> bool:
    key = await context.signing_key()
    return services.verify_visa(visa, key.public_key())


async def colleagues_for(session: AsyncSession, visa: VisaRequest) -> list[tuple[UUID, str]]:
    """Who may decide this request: people of the submitter's organisation whose role decides visas
    (the access policy says which), never the submitter (four eyes)."""
    if visa.organisation_id is None:
        return []
    rows = await session.execute(
        select(User.id, User.display_name)
        .where(
            User.organisation_id == visa.organisation_id,
            User.role.in_([r.value for r in services.decider_roles()]),
            User.id != visa.submitted_by,
        )
        .order_by(User.display_name)
    )
    return [(row[0], row[1]) for row in rows]


async def colleague_name(session: AsyncSession, actor: Principal, user_id: UUID) -> str | None:
    """A colleague's name, for the page confirming a request for decision (only of the actor's own
    organisation: an identifier typed in the address shows no one else's name)."""
    user = await session.get(User, user_id)
    return user.display_name if user and user.organisation_id == actor.organisation_id else None


async def ask_colleague(
    session: AsyncSession, visa: VisaRequest, actor: Principal, colleague_id: UUID | None, note: str
) -> None:
    """The submitter asks a named colleague to decide (four eyes): the colleague is told (the event's
    notice), nothing of the visa changes. A French 422 (``visa-colleague``) when the colleague is not
    one of those who may decide."""
    if visa.status is not VisaStatus.SUBMITTED:
        raise Conflict("Cette demande n'attend pas de décision.", code="visa-not-waiting")
    if colleague_id is None or colleague_id not in dict(await colleagues_for(session, visa)):
        raise Unprocessable("Choisissez la personne qui décidera, dans la liste.", code="visa-colleague")
    await events.record(
        session,
        VisaDecisionAsked(
            person_id=visa.person_id,
            visa_id=visa.id,
            colleague_user_id=colleague_id,
            actor_user_id=actor.user_id,
            note=note.strip()[:NOTE_TO_COLLEAGUE_MAX] or None,
        ),
    )


@dataclass(frozen=True)
class VisaScreen:
    """Everything the visa page shows about one request, read under one gate decision."""

    visa: VisaRequest
    hours: list[attendance.Comparison]
    open_items: list[dict[str, Any]]
    own_submission: bool
    colleagues: list[tuple[UUID, str]] = field(default_factory=list)


async def visa_screen(
    session: AsyncSession, actor: Principal, visa_id: UUID, *, request_id: str
) -> VisaScreen:
    """The request, its attendance compared with the contract, its open items and, for its submitter
    while it waits, the colleagues who may decide it."""
    visa = await open_visa(session, actor, visa_id, "read", request_id=request_id)
    own = visa.submitted_by == actor.user_id
    waiting = visa.status is VisaStatus.SUBMITTED
    return VisaScreen(
        visa=visa,
        hours=await attendance.comparisons(session, visa),
        open_items=services.open_items(visa.checklist),
        own_submission=own,
        colleagues=await colleagues_for(session, visa) if own and waiting else [],
    )


async def waiting_requests(
    session: AsyncSession,
    actor: Principal,
    readable: Readable,
    *,
    request_id: str,
    limit: int = WAITING_LIMIT,
) -> list[tuple[VisaRequest, str]]:
    """The open requests of the actor's organisation (waiting for a decision or a correction), the newest
    first, with the person's name; only files the gate lets the actor read, each one shown journaled."""
    if actor.organisation_id is None:
        return []
    rows = (
        await session.execute(
            select(VisaRequest, Person.first_name, Person.last_name)
            .join(Person, Person.id == VisaRequest.person_id)
            .where(
                readable.where,
                VisaRequest.organisation_id == actor.organisation_id,
                VisaRequest.status != VisaStatus.DECIDED,
            )
            .order_by(VisaRequest.created_at.desc())
            .limit(limit)
        )
    ).all()
    ids = list(dict.fromkeys(visa.person_id for visa, _, _ in rows))
    bases = await bases_of(session, readable, ids)
    await journal_shown(session, actor, request_id, [(i, *bases[i]) for i in ids], sections=(SECTION,))
    return [(visa, f"{first} {last}") for visa, first, last in rows]
