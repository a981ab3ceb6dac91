"""The visa's use cases, shared by the API (:mod:`coordination.visa.controllers`) and the web pages
(:mod:`coordination.web.visa_pages`): a handler parses its input, calls one method of :class:`Visas` and
answers.

``Visas`` is built once per request by a dependency (:func:`provide_visas`) from what every use case needs:
the session, the acting principal, the request id the gate journals (its
:class:`~coordination.access.scope.RequestScope`), and the visa context (signing key,
document store, antivirus, retention rules). None of its methods commits (the request's session does, on
success); the one exception, a filed certificate whose object must be removed if the commit fails, is
:meth:`Visas.commit_filed`, called by the handler after the use case.

Every method that reads or writes a stored request opens it through :meth:`Visas.open`, so no path to a
person's file skips the access gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import events
from coordination.access.filter import Readable, bases_of, journal_shown
from coordination.access.principal import Principal
from coordination.access.scope import RequestScope
from coordination.directory.models import User
from coordination.dossier.models import Person
from coordination.errors import Conflict, Unprocessable
from coordination.visa import attendance, filing, services
from coordination.visa.context import VisaContext
from coordination.visa.contract import Contract
from coordination.visa.events import VisaDecisionAsked
from coordination.visa.models import Decision, VisaRequest, VisaStatus
from coordination.visa.schemas import AttendanceIn

SECTION = "contracts"


def gate(action: str, section: str = SECTION) -> dict[str, str]:
    """The declared gate of a visa route (``opt``): the file's section it opens, and what it does there
    (a visa is in ``contracts``; its attendance is progress data)."""
    return {"section": section, "action": action}


WAITING_LIMIT = 50
"""Requests shown on the waiting list (the newest first); a CPAS team has a few dozen at most."""
NOTE_TO_COLLEAGUE_MAX = 500


@dataclass(frozen=True)
class Decided:
    visa: VisaRequest
    certificate_key: str | None = None
    """The stored certificate's object when the visa was decided (not for a return): the handler commits
    through :meth:`Visas.commit_filed`."""


@dataclass(frozen=True)
class CertificateFile:
    """What a certificate download serves: the stored PDF of a decided visa (``object_key``), or the
    draft of a visa not yet decided (``draft``, rendered and never stored)."""

    filename: str
    object_key: str | None = None
    filed_key: str | None = None
    """Set when this request filed the certificate (a visa decided before certificates were kept)."""
    draft: bytes | None = None


@dataclass(frozen=True)
class VisaScreen:
    """Everything the visa page shows about one request, read under one gate decision."""

    visa: VisaRequest
    hours: list[attendance.Comparison]
    open_items: list[dict[str, Any]]
    own_submission: bool
    colleagues: list[tuple[UUID, str]] = field(default_factory=list)


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


@dataclass(frozen=True)
class Visas(RequestScope):
    """The visa use cases of one request, for one principal (the scope the gate journals: a form that
    names the person asks it through ``require``)."""

    context: VisaContext

    async def open(self, visa_id: UUID, action: str, section: str = SECTION) -> VisaRequest:
        """The stored request, once the gate allowed ``action`` on its person's file (the route's path
        names the visa, not the person: the declared ``access`` dependency cannot decide it before the
        handler). A refusal is a 403 whose journal row the request's session keeps."""
        visa = await services.get(self.session, visa_id)
        await self.require(visa.person_id, section, action)
        return visa

    async def submit(self, person_id: UUID, contract: Contract) -> VisaRequest:
        return await services.submit(self.session, person_id, contract, self.principal)

    async def resubmit(self, visa: VisaRequest, contract: Contract) -> VisaRequest:
        return await services.resubmit(self.session, visa, contract, self.principal)

    async def record_decision(
        self,
        visa: VisaRequest,
        *,
        decision: Decision,
        reason: str | None,
        answers: list[dict[str, Any]] | None = None,
    ) -> Decided:
        """Sign the decision and, once decided, file the signed certificate in the person's file
        (contracts section). The notices follow from the decision's event (:mod:`.notices`)."""
        key = await self.context.signing_key()
        visa = await services.decide(
            self.session, visa, decision, reason, self.principal, key, answers=answers
        )
        if visa.status is not VisaStatus.DECIDED:
            return Decided(visa)
        _, object_key = await filing.file_certificate(self.session, visa, self.principal, self.context)
        return Decided(visa, object_key)

    async def record_attendance(self, visa: VisaRequest, period: AttendanceIn) -> attendance.Comparison:
        """One period of hours worked under the approved contract, compared with what it pays."""
        row = await attendance.record(self.session, visa, self.principal, period)
        return attendance.compare(visa.contract or {}, row)

    async def commit_filed(self, object_key: str | None) -> None:
        """After a use case that filed a certificate: commit, or remove the object if the commit fails."""
        await filing.commit_or_discard(self.session, self.context.store, object_key)

    async def certificate(self, visa: VisaRequest) -> CertificateFile:
        """A decided visa's certificate is the PDF filed in the person's documents at the decision: every
        download streams those stored bytes (a visa decided before they were kept has its certificate
        filed once, on its first download). A visa not yet decided gets a draft, not stored."""
        filename = filing.certificate_filename(visa)
        if visa.status is not VisaStatus.DECIDED:
            return CertificateFile(filename, draft=await filing.render_pdf(visa))
        version = await filing.stored_certificate(self.session, visa)
        filed_key = None
        if version is None:
            _, filed_key = await filing.file_certificate(self.session, visa, self.principal, self.context)
            version = await filing.stored_certificate(self.session, visa)
        assert version is not None  # just filed
        return CertificateFile(filename, object_key=version.object_key, filed_key=filed_key)

    async def signature_valid(self, visa: VisaRequest) -> bool:
        key = await self.context.signing_key()
        return services.verify_visa(visa, key.public_key())

    async def colleague_name(self, user_id: UUID) -> str | None:
        """A colleague's name, for the page confirming a request for decision (only of the actor's own
        organisation: an identifier typed in the address shows no one else's name)."""
        user = await self.session.get(User, user_id)
        return user.display_name if user and user.organisation_id == self.principal.organisation_id else None

    async def ask_colleague(self, visa: VisaRequest, colleague_id: UUID | None, note: str) -> None:
        """The submitter asks a named colleague to decide (four eyes): the colleague is told (the
        event's notice), nothing of the visa changes. A French 422 (``visa-colleague``) when the
        colleague is not one of those who may decide."""
        if visa.status is not VisaStatus.SUBMITTED:
            raise Conflict("Cette demande n'attend pas de décision.", code="visa-not-waiting")
        if colleague_id is None or colleague_id not in dict(await colleagues_for(self.session, visa)):
            raise Unprocessable("Choisissez la personne qui décidera, dans la liste.", code="visa-colleague")
        await events.record(
            self.session,
            VisaDecisionAsked(
                person_id=visa.person_id,
                visa_id=visa.id,
                colleague_user_id=colleague_id,
                actor_user_id=self.principal.user_id,
                note=note.strip()[:NOTE_TO_COLLEAGUE_MAX] or None,
            ),
        )

    async def screen(self, visa_id: UUID) -> VisaScreen:
        """The request, its attendance compared with the contract, its open items and, for its submitter
        while it waits, the colleagues who may decide it."""
        visa = await self.open(visa_id, "read")
        own = visa.submitted_by == self.principal.user_id
        waiting = visa.status is VisaStatus.SUBMITTED
        return VisaScreen(
            visa=visa,
            hours=await attendance.comparisons(self.session, visa),
            open_items=services.open_items(visa.checklist),
            own_submission=own,
            colleagues=await colleagues_for(self.session, visa) if own and waiting else [],
        )

    async def waiting(self, readable: Readable, limit: int = WAITING_LIMIT) -> list[tuple[VisaRequest, str]]:
        """The open requests of the actor's organisation (waiting for a decision or a correction), the
        newest first, with the person's name; only files the gate lets the actor read, each one shown
        journaled."""
        if self.principal.organisation_id is None:
            return []
        rows = (
            await self.session.execute(
                select(VisaRequest, Person.first_name, Person.last_name)
                .join(Person, Person.id == VisaRequest.person_id)
                .where(
                    readable.where,
                    VisaRequest.organisation_id == self.principal.organisation_id,
                    VisaRequest.status != VisaStatus.DECIDED,
                )
                .order_by(VisaRequest.created_at.desc())
                .limit(limit)
            )
        ).all()
        ids = list(dict.fromkeys(visa.person_id for visa, _, _ in rows))
        bases = await bases_of(self.session, readable, ids)
        shown = [(i, *bases[i]) for i in ids]
        await journal_shown(self.session, self.principal, self.request_id, shown, sections=(SECTION,))
        return [(visa, f"{first} {last}") for visa, first, last in rows]


def provide_visas(
    db_session: AsyncSession, principal: Principal, request_id: str, visa_context: VisaContext
) -> Visas:
    """The ``visas`` dependency (API and pages alike; ``principal`` is provided per router)."""
    return Visas(db_session, principal, request_id, visa_context)
