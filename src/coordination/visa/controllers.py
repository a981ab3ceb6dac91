"""Visa HTTP API (thin): stateless checklist, stored requests on a person's file, decision, certificate.

Each handler parses its input, calls one use case (:mod:`coordination.visa.use_cases`, shared with the web
pages) and answers; the request's session commits. Routes under a person pass the declared gate
(``access``); routes under a visa open it through :meth:`Visas.open`, which asks the gate for the visa's
person. The principal, the visa context and the use cases (``visas``) are dependencies declared once per
controller.
"""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.di import Provide
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.dossier.services.document_access import open_object
from coordination.http_utils import etag_for, require_if_match
from coordination.visa import attendance, services
from coordination.visa.checks import Checklist, run_checklist
from coordination.visa.context import VisaContext, provide_visa_context
from coordination.visa.contract import Contract
from coordination.visa.schemas import AttendanceIn, AttendanceOut, DecisionIn, VerificationOut, VisaOut
from coordination.visa.use_cases import Visas, gate, provide_visas
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


API_DEPENDENCIES = {
    "visa_context": Provide(provide_visa_context, sync_to_thread=False),
    "visas": Provide(provide_visas, sync_to_thread=False),
}
"""Declared once per controller: the token's principal, the visa context and the request's use cases."""


class PersonVisaController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/visas"
    tags = ["visa"]
    exception_handlers = EXCEPTION_HANDLERS
    dependencies = API_DEPENDENCIES

    @post("/", status_code=HTTP_201_CREATED, opt=gate("write"), summary="Soumettre un contrat pour visa")
    async def submit(
        self, access: Access, visas: Visas, person_id: UUID, data: Contract
    ) -> Response[VisaOut]:
        return _out(await visas.submit(person_id, data), HTTP_201_CREATED)

    @get("/", opt=gate("read"), summary="Visas du dossier")
    async def list_visas(self, access: Access, db_session: AsyncSession, person_id: UUID) -> list[VisaOut]:
        return [VisaOut.of(v) for v in await services.list_for_person(db_session, person_id)]


class VisaController(Controller):
    path = "/api/v1/visas/{visa_id:uuid}"
    tags = ["visa"]
    dependencies = API_DEPENDENCIES

    @get("/", opt=gate("read"), summary="Lire une demande de visa")
    async def read(self, visas: Visas, visa_id: UUID) -> Response[VisaOut]:
        return _out(await visas.open(visa_id, "read"))

    @put(
        "/contract",
        opt=gate("write"),
        summary="Corriger le contrat et le recontrôler",
        exception_handlers=EXCEPTION_HANDLERS,
    )
    async def resubmit(
        self, request: Request, visas: Visas, visa_id: UUID, data: Contract
    ) -> Response[VisaOut]:
        visa = await visas.open(visa_id, "write")
        require_if_match(request, visa.version)
        return _out(await visas.resubmit(visa, data))

    @post("/decision", status_code=HTTP_200_OK, opt=gate("decide"), summary="Décider du visa")
    async def decide(
        self, request: Request, visas: Visas, visa_id: UUID, data: DecisionIn
    ) -> Response[VisaOut]:
        visa = await visas.open(visa_id, "decide")
        require_if_match(request, visa.version)
        answers = [msgspec.to_builtins(a) for a in data.answers]
        decided = await visas.record_decision(
            visa, decision=data.decision, reason=data.reason, answers=answers
        )
        await visas.commit_filed(decided.certificate_key)
        return _out(decided.visa)

    @post(
        "/attendance",
        status_code=HTTP_201_CREATED,
        opt=gate("write", section="progress"),
        summary="Enregistrer les heures prestées sur une période (contrat approuvé)",
    )
    async def record_attendance(self, visas: Visas, visa_id: UUID, data: AttendanceIn) -> AttendanceOut:
        """Attendance is progress data a partner writes (section ``progress``), tied to the approved
        contract it is compared with."""
        visa = await visas.open(visa_id, "write", section="progress")
        return AttendanceOut.of(await visas.record_attendance(visa, data))

    @get("/attendance", opt=gate("read"), summary="Heures prestées et heures payées par période")
    async def list_attendance(self, visas: Visas, visa_id: UUID) -> list[AttendanceOut]:
        visa = await visas.open(visa_id, "read")
        return [AttendanceOut.of(c) for c in await attendance.comparisons(visas.session, visa)]

    @get("/verification", opt=gate("read"), summary="Vérifier la signature")
    async def verification(self, visas: Visas, visa_id: UUID) -> VerificationOut:
        visa = await visas.open(visa_id, "read")
        return VerificationOut(
            visa_id=visa.id,
            signed=bool(visa.signature),
            signature_valid=await visas.signature_valid(visa),
            content_hash=visa.content_hash,
            signing_key_fingerprint=visa.signing_key_fingerprint,
        )

    @get(
        "/certificate.pdf",
        opt=gate("export"),
        summary="Certificat PDF du visa",
        response_description="Le certificat signé (PDF)",
        media_type="application/pdf",
    )
    async def certificate_pdf(self, visas: Visas, visa_id: UUID) -> Response:
        """The stored certificate of a decided visa (filed on its first download if it was decided before
        certificates were kept), or the draft of a visa not yet decided."""
        found = await visas.certificate(await visas.open(visa_id, "export"))
        await visas.commit_filed(found.filed_key)
        disposition = {"Content-Disposition": f'attachment; filename="{found.filename}"'}
        if found.draft is not None:
            return Response(found.draft, media_type="application/pdf", headers=disposition)
        assert found.object_key is not None  # a decided visa's certificate is stored
        return await _stream_stored(visas.context, found.object_key, disposition)


async def _stream_stored(context: VisaContext, object_key: str, disposition: dict[str, str]) -> Response:
    """The stored PDF, streamed (never loaded whole), closed when the response ends or the client leaves."""
    stream = await open_object(context.store, object_key)
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
