"""Visa HTTP API (thin): stateless checklist, stored requests on a person's file, decision, certificate.

Every route touching a person's file passes the access gate with section ``contracts`` through
:func:`authorize`, the one place that calls ``coordination.access.gate.check_access``.
"""

from __future__ import annotations

from uuid import UUID

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.dossier.controllers.common import retention
from coordination.dossier.services.documents import discard_object
from coordination.errors import ProblemError
from coordination.http_utils import etag_for, require_if_match
from coordination.keys import signing_key
from coordination.settings import Settings
from coordination.storage.factory import build_scanner
from coordination.visa import attendance, certificate, services
from coordination.visa.checks import Checklist, run_checklist
from coordination.visa.contract import Contract
from coordination.visa.models import VisaStatus
from coordination.visa.schemas import AttendanceIn, AttendanceOut, DecisionIn, VerificationOut, VisaOut
from coordination.visa.validation import EXCEPTION_HANDLERS

SECTION = "contracts"


async def decide_with_certificate(
    request: Request,
    db_session: AsyncSession,
    settings: Settings,
    visa,
    decision,
    reason,
    principal,
    answers: list[dict] | None = None,
):
    """Sign the decision and, once decided, file the signed certificate in the person's file (contracts
    section), then commit; the API and the web page both decide through here. Object first, row second:
    if the commit fails the stored PDF is removed."""
    key = await anyio.to_thread.run_sync(signing_key, settings)
    visa = await services.decide(db_session, visa, decision, reason, principal, key, answers=answers)
    if visa.status is not VisaStatus.DECIDED:
        await db_session.commit()
        return visa
    _, object_key = await services.file_certificate(
        db_session,
        visa,
        principal,
        store=request.app.state.store,
        scanner=_scanner(request, settings),
        retention=retention(settings),
        max_size=settings.max_upload_bytes,
    )
    try:
        await db_session.commit()
    except BaseException:
        await discard_object(request.app.state.store, object_key)
        raise
    return visa


def _scanner(request: Request, settings: Settings):
    scanner = request.app.state.get("scanner")
    if scanner is None:
        scanner = build_scanner(settings)
        request.app.state["scanner"] = scanner
    return scanner


async def authorize(
    request: Request, db_session: AsyncSession, person_id: UUID, action: str, section: str = SECTION
) -> None:
    """Ask the access gate (it journals the access in this session; the handler commits)."""
    from coordination.access.gate import check_access

    request_id = request.scope.get("state", {}).get("request_id", "")
    await check_access(
        db_session, request.user, person_id=person_id, section=section, action=action, request_id=request_id
    )


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

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        opt={"section": SECTION, "action": "write"},
        summary="Soumettre un contrat pour visa",
    )
    async def submit(
        self, request: Request, db_session: AsyncSession, access: Access, person_id: UUID, data: Contract
    ) -> Response[VisaOut]:
        visa = await services.submit(db_session, person_id, data, request.user)
        await db_session.commit()
        return _out(visa, HTTP_201_CREATED)

    @get("/", opt={"section": SECTION, "action": "read"}, summary="Visas du dossier")
    async def list_visas(self, access: Access, db_session: AsyncSession, person_id: UUID) -> list[VisaOut]:
        rows = [VisaOut.of(v) for v in await services.list_for_person(db_session, person_id)]
        await db_session.commit()  # the journal row of this read
        return rows


class VisaController(Controller):
    path = "/api/v1/visas/{visa_id:uuid}"
    tags = ["visa"]
    exception_handlers = EXCEPTION_HANDLERS

    @get("/", opt={"section": SECTION, "action": "read"}, summary="Lire une demande de visa")
    async def read(self, request: Request, db_session: AsyncSession, visa_id: UUID) -> Response[VisaOut]:
        visa = await services.get(db_session, visa_id)
        await authorize(request, db_session, visa.person_id, "read")
        out = _out(visa)
        await db_session.commit()  # the journal row of this read
        return out

    @put(
        "/contract",
        opt={"section": SECTION, "action": "write"},
        summary="Corriger le contrat et le recontrôler",
    )
    async def resubmit(
        self, request: Request, db_session: AsyncSession, visa_id: UUID, data: Contract
    ) -> Response[VisaOut]:
        visa = await services.get(db_session, visa_id)
        await authorize(request, db_session, visa.person_id, "write")
        require_if_match(request, visa.version)
        visa = await services.resubmit(db_session, visa, data, request.user)
        await db_session.commit()
        return _out(visa)

    @post(
        "/decision",
        status_code=HTTP_200_OK,
        opt={"section": SECTION, "action": "decide"},
        summary="Décider du visa",
    )
    async def decide(
        self, request: Request, db_session: AsyncSession, settings: Settings, visa_id: UUID, data: DecisionIn
    ) -> Response[VisaOut]:
        visa = await services.get(db_session, visa_id)
        await authorize(request, db_session, visa.person_id, "decide")
        require_if_match(request, visa.version)
        visa = await decide_with_certificate(
            request,
            db_session,
            settings,
            visa,
            data.decision,
            data.reason,
            request.user,
            [msgspec.to_builtins(a) for a in data.answers],
        )
        return _out(visa)

    @post(
        "/attendance",
        status_code=HTTP_201_CREATED,
        opt={"section": "progress", "action": "write"},
        summary="Enregistrer les heures prestées sur une période (contrat approuvé)",
    )
    async def record_attendance(
        self, request: Request, db_session: AsyncSession, visa_id: UUID, data: AttendanceIn
    ) -> AttendanceOut:
        """Attendance is progress data a partner writes (section ``progress``), tied to the approved
        contract it is compared with."""
        visa = await services.get(db_session, visa_id)
        await authorize(request, db_session, visa.person_id, "write", section="progress")
        row = await attendance.record(
            db_session,
            visa,
            request.user,
            period_start=data.period_start,
            period_end=data.period_end,
            hours_worked=data.hours_worked,
            step_id=data.step_id,
            note=data.note,
        )
        out = AttendanceOut.of(attendance.compare(visa.contract or {}, row))
        await db_session.commit()
        return out

    @get(
        "/attendance",
        opt={"section": SECTION, "action": "read"},
        summary="Heures prestées et heures payées par période",
    )
    async def list_attendance(
        self, request: Request, db_session: AsyncSession, visa_id: UUID
    ) -> list[AttendanceOut]:
        visa = await services.get(db_session, visa_id)
        await authorize(request, db_session, visa.person_id, "read")
        rows = [AttendanceOut.of(c) for c in await attendance.comparisons(db_session, visa)]
        await db_session.commit()
        return rows

    @get("/verification", opt={"section": SECTION, "action": "read"}, summary="Vérifier la signature")
    async def verification(
        self, request: Request, db_session: AsyncSession, settings: Settings, visa_id: UUID
    ) -> VerificationOut:
        visa = await services.get(db_session, visa_id)
        await authorize(request, db_session, visa.person_id, "read")
        key = await anyio.to_thread.run_sync(signing_key, settings)
        await db_session.commit()
        return VerificationOut(
            visa_id=visa.id,
            signed=bool(visa.signature),
            signature_valid=services.verify_visa(visa, key.public_key()),
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
        self, request: Request, db_session: AsyncSession, settings: Settings, visa_id: UUID
    ) -> Response:
        """A decided visa's certificate is the PDF filed in the person's documents at the decision: every
        download streams those stored bytes (a visa decided before they were kept has its certificate
        rendered and filed once, on its first download). A visa not yet decided gets a draft, not stored."""
        visa = await services.get(db_session, visa_id)
        await authorize(request, db_session, visa.person_id, "export")
        filename = f"visa-{visa.id}.pdf"
        if visa.status is VisaStatus.DECIDED:
            version = await services.stored_certificate(db_session, visa)
            if version is None:
                _, object_key = await services.file_certificate(
                    db_session,
                    visa,
                    request.user,
                    store=request.app.state.store,
                    scanner=_scanner(request, settings),
                    retention=retention(settings),
                    max_size=settings.max_upload_bytes,
                )
                try:
                    await db_session.commit()
                except BaseException:
                    await discard_object(request.app.state.store, object_key)
                    raise
                version = await services.stored_certificate(db_session, visa)
            await db_session.commit()
            return await _stream_stored(request, version.object_key, filename)
        try:
            with anyio.fail_after(20):
                pdf, _pages = await anyio.to_thread.run_sync(certificate.render_pdf, visa)
        except (certificate.CertificateError, TimeoutError) as exc:
            raise ProblemError(422, "certificate-render", "Le certificat ne peut pas être produit.") from exc
        await db_session.commit()
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


async def _stream_stored(request: Request, object_key: str, filename: str) -> Response:
    """The stored PDF, streamed (never loaded whole), closed when the response ends or the client leaves."""
    from litestar.background_tasks import BackgroundTask
    from litestar.response import Stream

    from coordination.dossier.controllers.documents import _open

    stream = await _open(request, object_key)  # a store down is a 503, missing bytes a 404
    return Stream(
        stream,
        background=BackgroundTask(stream.aclose),
        media_type="application/pdf",
        headers={
            "Content-Length": str(stream.size),
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


ROUTES = [checklist, PersonVisaController, VisaController]
