"""Visa HTTP API (thin): stateless checklist, stored requests on a person's file, decision, certificate.

Each handler parses its input, calls one use case (:mod:`coordination.visa.use_cases`, shared with the web
pages) and answers; the request's session commits. Routes under a person pass the declared gate
(``access``); routes under a visa open it through :func:`use_cases.open_visa`, which asks the gate for the
visa's person. The principal and the visa context are dependencies declared once per controller.
"""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.access.principal import Principal
from coordination.http_utils import etag_for, require_if_match
from coordination.visa import attendance, filing, services, use_cases
from coordination.visa.checks import Checklist, run_checklist
from coordination.visa.context import API_DEPENDENCIES, VisaContext
from coordination.visa.contract import Contract
from coordination.visa.schemas import AttendanceIn, AttendanceOut, DecisionIn, VerificationOut, VisaOut
from coordination.visa.use_cases import SECTION, open_visa
from coordination.visa.validation import EXCEPTION_HANDLERS


def _out(visa, status_code: int = HTTP_200_OK) -> Response[VisaOut]:
    return Response(VisaOut.of(visa), status_code=status_code, headers={"ETag": etag_for(visa.version)})


@post(
    "/api/v1/visa/checklist",
    status_code=HTTP_200_OK,
    opt={"public": "contrôle sans état d'un contrat : ne lit ni n'écrit aucun dossier"},
    summary="Contrôler un contrat (sans enregistrement)",
    exception_handlers=EXCEPTION_HANDLERS,
)
async def checklist(data: Contract) -> Checklist:
    return run_checklist(data)


class PersonVisaController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/visas"
    tags = ["visa"]
    exception_handlers = EXCEPTION_HANDLERS
    dependencies = API_DEPENDENCIES

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        opt={"section": SECTION, "action": "write"},
        summary="Soumettre un contrat pour visa",
    )
    async def submit(
        self, db_session: AsyncSession, access: Access, principal: Principal, person_id: UUID, data: Contract
    ) -> Response[VisaOut]:
        return _out(await services.submit(db_session, person_id, data, principal), HTTP_201_CREATED)

    @get("/", opt={"section": SECTION, "action": "read"}, summary="Visas du dossier")
    async def list_visas(self, access: Access, db_session: AsyncSession, person_id: UUID) -> list[VisaOut]:
        return [VisaOut.of(v) for v in await services.list_for_person(db_session, person_id)]


class VisaController(Controller):
    path = "/api/v1/visas/{visa_id:uuid}"
    tags = ["visa"]
    exception_handlers = EXCEPTION_HANDLERS
    dependencies = API_DEPENDENCIES

    @get("/", opt={"section": SECTION, "action": "read"}, summary="Lire une demande de visa")
    async def read(
        self, db_session: AsyncSession, principal: Principal, request_id: str, visa_id: UUID
    ) -> Response[VisaOut]:
        return _out(await open_visa(db_session, principal, visa_id, "read", request_id=request_id))

    @put(
        "/contract",
        opt={"section": SECTION, "action": "write"},
        summary="Corriger le contrat et le recontrôler",
    )
    async def resubmit(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        request_id: str,
        visa_id: UUID,
        data: Contract,
    ) -> Response[VisaOut]:
        visa = await open_visa(db_session, principal, visa_id, "write", request_id=request_id)
        require_if_match(request, visa.version)
        return _out(await services.resubmit(db_session, visa, data, principal))

    @post(
        "/decision",
        status_code=HTTP_200_OK,
        opt={"section": SECTION, "action": "decide"},
        summary="Décider du visa",
    )
    async def decide(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        visa_context: VisaContext,
        request_id: str,
        visa_id: UUID,
        data: DecisionIn,
    ) -> Response[VisaOut]:
        visa = await open_visa(db_session, principal, visa_id, "decide", request_id=request_id)
        require_if_match(request, visa.version)
        decided = await use_cases.decide(
            db_session,
            visa,
            principal,
            visa_context,
            decision=data.decision,
            reason=data.reason,
            answers=[msgspec.to_builtins(a) for a in data.answers],
        )
        await filing.commit_or_discard(db_session, visa_context.store, decided.certificate_key)
        return _out(decided.visa)

    @post(
        "/attendance",
        status_code=HTTP_201_CREATED,
        opt={"section": "progress", "action": "write"},
        summary="Enregistrer les heures prestées sur une période (contrat approuvé)",
    )
    async def record_attendance(
        self,
        db_session: AsyncSession,
        principal: Principal,
        request_id: str,
        visa_id: UUID,
        data: AttendanceIn,
    ) -> AttendanceOut:
        """Attendance is progress data a partner writes (section ``progress``), tied to the approved
        contract it is compared with."""
        visa = await open_visa(
            db_session, principal, visa_id, "write", request_id=request_id, section="progress"
        )
        row = await attendance.record(
            db_session,
            visa,
            principal,
            period_start=data.period_start,
            period_end=data.period_end,
            hours_worked=data.hours_worked,
            step_id=data.step_id,
            note=data.note,
        )
        return AttendanceOut.of(attendance.compare(visa.contract or {}, row))

    @get(
        "/attendance",
        opt={"section": SECTION, "action": "read"},
        summary="Heures prestées et heures payées par période",
    )
    async def list_attendance(
        self, db_session: AsyncSession, principal: Principal, request_id: str, visa_id: UUID
    ) -> list[AttendanceOut]:
        visa = await open_visa(db_session, principal, visa_id, "read", request_id=request_id)
        return [AttendanceOut.of(c) for c in await attendance.comparisons(db_session, visa)]

    @get("/verification", opt={"section": SECTION, "action": "read"}, summary="Vérifier la signature")
    async def verification(
        self,
        db_session: AsyncSession,
        principal: Principal,
        visa_context: VisaContext,
        request_id: str,
        visa_id: UUID,
    ) -> VerificationOut:
        visa = await open_visa(db_session, principal, visa_id, "read", request_id=request_id)
        return VerificationOut(
            visa_id=visa.id,
            signed=bool(visa.signature),
            signature_valid=await use_cases.signature_valid(visa, visa_context),
            content_hash=visa.content_hash,
            signing_key_fingerprint=visa.signing_key_fingerprint,
        )

    @get(
        "/certificate.pdf",
        opt={"section": SECTION, "action": "export"},
        summary="Certificat PDF du visa",
        response_description="Le certificat signé (PDF)",
        media_type="application/pdf",
    )
    async def certificate_pdf(
        self,
        db_session: AsyncSession,
        principal: Principal,
        visa_context: VisaContext,
        request_id: str,
        visa_id: UUID,
    ) -> Response:
        """The stored certificate of a decided visa (filed on its first download if it was decided before
        certificates were kept), or the draft of a visa not yet decided."""
        visa = await open_visa(db_session, principal, visa_id, "export", request_id=request_id)
        found = await use_cases.certificate(db_session, visa, principal, visa_context)
        await filing.commit_or_discard(db_session, visa_context.store, found.filed_key)
        disposition = {"Content-Disposition": f'attachment; filename="{found.filename}"'}
        if found.draft is not None:
            return Response(found.draft, media_type="application/pdf", headers=disposition)
        assert found.object_key is not None  # a decided visa's certificate is stored
        return await _stream_stored(visa_context, found.object_key, disposition)


async def _stream_stored(context: VisaContext, object_key: str, disposition: dict[str, str]) -> Response:
    """The stored PDF, streamed (never loaded whole), closed when the response ends or the client leaves."""
    stream = await filing.open_stored(context.store, object_key)
    return Stream(
        stream,
        background=BackgroundTask(stream.aclose),
        media_type="application/pdf",
        headers={
            "Content-Length": str(stream.size),
            **disposition,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


ROUTES = [checklist, PersonVisaController, VisaController]
