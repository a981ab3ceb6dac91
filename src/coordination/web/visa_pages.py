"""Visa pages: the contract form, the instant checklist (explanations and legal references), stored
requests on a person's file, the decision, and the PDF certificate (served by the API's gated route)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.gate import check_access
from coordination.errors import BadRequest, Conflict, Unprocessable
from coordination.settings import Settings
from coordination.web.csrf import checked_form
from coordination.web.errors import WEB_EXCEPTION_HANDLERS
from coordination.web.filedata import request_id_of, role_may
from coordination.web.render import page
from coordination.web.session import require_user
from coordination.web.visa_data import DECISION_LABELS, RESULT_BADGES, STATUS_LABELS, contract_title
from coordination.web.visa_form import (
    CATEGORY_LABELS,
    KIND_LABELS,
    TRISTATE,
    contract_from_form,
    form_values,
    groups,
    key_terms,
)

SECTION = "contracts"
STATUS_LABELS_FR = {
    "conforme": "Conforme",
    "non_conforme": "Non conforme",
    "a_verifier": "À vérifier",
    "sans_objet": "Sans objet",
}
SEVERITY_LABELS = {"blocking": "bloquant", "warning": "avertissement"}
DECISIONS = {k: v for k, v in DECISION_LABELS.items()}


def _form_context(person_id: str | None, values: dict | None = None, correcting: Any = None) -> dict:
    return {
        "kinds": KIND_LABELS,
        "categories": CATEGORY_LABELS,
        "tristate": TRISTATE,
        "person_id": person_id or "",
        "values": values or {},
        "correcting": correcting,
        "form_groups": groups(),
    }


def _parse_or_page(request: Request, form: dict, correcting: Any = None, fragment: bool = False):
    """(contract, None), or (None, the form again with what was typed and the French error).

    A plain post gets a 400 page; an HTMX request gets 200 (HTMX swaps only successful answers): the
    error fragment in place of the checklist, or the whole page when the target is the body."""
    try:
        return contract_from_form(form), None
    except BadRequest as exc:
        htmx = bool(request.headers.get("hx-request"))
        status = 200 if htmx else 400
        if htmx and fragment:
            return None, page(request, "_visa_form_error.html", status_code=status, form_error=exc.detail)
        context = _form_context(str(form.get("person_id") or ""), form, correcting)
        return None, page(request, "visa_form.html", status_code=status, form_error=exc.detail, **context)


def _checklist_context(checklist) -> dict:
    results = checklist["results"] if isinstance(checklist, dict) else checklist.results
    return {
        "checklist": checklist,
        "results": results,
        "status_labels": STATUS_LABELS_FR,
        "severity_labels": SEVERITY_LABELS,
        "badges": RESULT_BADGES,
    }


async def _gate(request: Request, db_session: AsyncSession, principal, person_id: UUID, action: str) -> None:
    await check_access(
        db_session,
        principal,
        person_id=person_id,
        section=SECTION,
        action=action,
        request_id=request_id_of(request),
    )


def answers_from_form(form: dict, items: list[dict]) -> list[dict]:
    """The decider's answers to the open items: a checkbox ``checked_<ID>`` and a note ``note_<ID>`` each;
    an item with neither is not answered (the service then says which ones are missing)."""
    answers = []
    for item in items:
        cid = item["check_id"]
        checked = bool(form.get(f"checked_{cid}"))
        note = str(form.get(f"note_{cid}") or "").strip()
        if checked or note:
            answers.append({"check_id": cid, "checked": checked, "note": note})
    return answers


async def _show(
    request: Request,
    db_session: AsyncSession,
    principal,
    visa_id: UUID,
    *,
    typed: dict | None = None,
    form_error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The visa page; after a refused decision, again with what the decider typed and why it was refused."""
    from coordination.visa import attendance, services

    visa = await services.get(db_session, visa_id)
    await _gate(request, db_session, principal, visa.person_id, "read")
    hours = await attendance.comparisons(db_session, visa)
    await db_session.commit()
    status = getattr(visa.status, "value", visa.status)
    decision = getattr(visa.decision, "value", visa.decision)
    return page(
        request,
        "visa_show.html",
        status_code=status_code,
        visa=visa,
        title=contract_title(visa.contract or {}),
        terms=key_terms(visa.contract or {}),
        status_label=STATUS_LABELS.get(status, status),
        decision_label=DECISION_LABELS.get(decision or "", ""),
        decided=status == "decided",
        returned=status == "returned",
        can_correct=status == "returned" and role_may(principal, SECTION, "write"),
        can_decide=role_may(principal, SECTION, "decide") and status != "decided",
        own_submission=visa.submitted_by == principal.user_id,
        open_items=services.open_items(visa.checklist),
        typed=typed or {},
        form_error=form_error,
        hours=hours,
        can_record_hours=(
            decision in ("approved", "approved_with_reservations")
            and role_may(principal, "progress", "write")
        ),
        decisions={
            k: v
            for k, v in DECISIONS.items()
            if visa.verdict != "non_conforme" or not k.startswith("approved")
        },
        **_checklist_context(visa.checklist),
    )


class VisaPages(Controller):
    path = "/visa"
    exception_handlers = WEB_EXCEPTION_HANDLERS
    include_in_schema = False

    @get(["/", "/nouveau"], opt={"public": "formulaire de contrat vide : aucun dossier lu"})
    async def form(self, request: Request, personne: UUID | None = None) -> Response:
        await require_user(request)
        return page(request, "visa_form.html", **_form_context(str(personne) if personne else None))

    @post("/controle", opt={"public": "contrôle sans état d'un contrat : ne lit ni n'écrit aucun dossier"})
    async def check(self, request: Request) -> Response:
        from coordination.visa.checks import run_checklist

        await require_user(request)
        form = await checked_form(request)
        contract, error_page = _parse_or_page(request, form, fragment=True)
        if error_page is not None:
            return error_page
        checklist = run_checklist(contract)
        context = _checklist_context(checklist)
        if request.headers.get("hx-request"):
            return page(request, "_visa_checklist.html", **context)
        return page(
            request, "visa_form.html", **_form_context(str(form.get("person_id") or ""), form), **context
        )

    @post("/demandes", opt={"section": SECTION, "action": "write"})
    async def submit(self, request: Request, db_session: AsyncSession) -> Response:
        from coordination.visa import services

        principal = await require_user(request)
        form = await checked_form(request)
        try:
            person_id = UUID(str(form.get("person_id") or ""))
        except ValueError as exc:
            raise BadRequest(
                "Pour enregistrer une demande de visa, ouvrez-la depuis le dossier de la personne."
            ) from exc
        contract, error_page = _parse_or_page(request, form)
        if error_page is not None:
            return error_page
        await _gate(request, db_session, principal, person_id, "write")
        visa = await services.submit(db_session, person_id, contract, principal)
        await db_session.commit()
        return Redirect(f"/visa/{visa.id}", status_code=303)

    @get("/{visa_id:uuid}", opt={"section": SECTION, "action": "read"})
    async def show(self, request: Request, db_session: AsyncSession, visa_id: UUID) -> Response:
        principal = await require_user(request)
        return await _show(request, db_session, principal, visa_id)

    @post("/{visa_id:uuid}/decision", opt={"section": SECTION, "action": "decide"})
    async def decide(
        self, request: Request, db_session: AsyncSession, settings: Settings, visa_id: UUID
    ) -> Response:
        from coordination.visa import services
        from coordination.visa.controllers import decide_with_certificate
        from coordination.visa.models import Decision

        principal = await require_user(request)
        form = await checked_form(request)
        try:
            decision = Decision(str(form.get("decision") or ""))
        except ValueError as exc:
            raise BadRequest("Choisissez une décision.") from exc
        visa = await services.get(db_session, visa_id)
        await _gate(request, db_session, principal, visa.person_id, "decide")
        reason = str(form.get("reason") or "").strip() or None
        answers = answers_from_form(form, services.open_items(visa.checklist))
        try:
            await decide_with_certificate(
                request, db_session, settings, visa, decision, reason, principal, answers
            )
        except Unprocessable as exc:
            # nothing was decided: the page again, with the decider's typed answers and the reason
            await db_session.rollback()
            return await _show(
                request, db_session, principal, visa_id, typed=form, form_error=exc.detail, status_code=422
            )
        return Redirect(f"/visa/{visa_id}", status_code=303)

    @post("/{visa_id:uuid}/presences", opt={"section": "progress", "action": "write"})
    async def record_hours(self, request: Request, db_session: AsyncSession, visa_id: UUID) -> Response:
        """A partner records the hours worked over a day or a week under the approved contract."""
        import datetime as dt

        from coordination.visa import attendance, services

        principal = await require_user(request)
        form = await checked_form(request)
        visa = await services.get(db_session, visa_id)
        await check_access(
            db_session,
            principal,
            person_id=visa.person_id,
            section="progress",
            action="write",
            request_id=request_id_of(request),
        )
        try:
            start = dt.date.fromisoformat(str(form.get("period_start") or ""))
            end = dt.date.fromisoformat(str(form.get("period_end") or form.get("period_start") or ""))
            hours = float(str(form.get("hours_worked") or "").replace(",", "."))
        except ValueError as exc:
            raise BadRequest("Indiquez la période (dates) et le nombre d'heures prestées.") from exc
        await attendance.record(
            db_session,
            visa,
            principal,
            period_start=start,
            period_end=end,
            hours_worked=hours,
            note=str(form.get("note") or "") or None,
        )
        await db_session.commit()
        return Redirect(f"/visa/{visa_id}#titre-heures", status_code=303)

    @get("/{visa_id:uuid}/correction", opt={"section": SECTION, "action": "read"})
    async def correction(self, request: Request, db_session: AsyncSession, visa_id: UUID) -> Response:
        """The contract form filled with the stored contract, to correct a request returned for correction."""
        from coordination.visa import services

        principal = await require_user(request)
        visa = await services.get(db_session, visa_id)
        await _gate(request, db_session, principal, visa.person_id, "read")
        await db_session.commit()
        if getattr(visa.status, "value", visa.status) == "decided":
            raise Conflict("Ce visa est déjà décidé : il ne peut plus être modifié.", code="visa-decided")
        context = _form_context(str(visa.person_id), form_values(visa.contract or {}), visa)
        return page(request, "visa_form.html", **context, **_checklist_context(visa.checklist))

    @post("/{visa_id:uuid}/contrat", opt={"section": SECTION, "action": "write"})
    async def resubmit(self, request: Request, db_session: AsyncSession, visa_id: UUID) -> Response:
        """Resubmit the corrected contract: checked again, the request waits for a decision again."""
        from coordination.visa import services

        principal = await require_user(request)
        form = await checked_form(request)
        visa = await services.get(db_session, visa_id)
        await _gate(request, db_session, principal, visa.person_id, "write")
        contract, error_page = _parse_or_page(request, form, visa)
        if error_page is not None:
            await db_session.rollback()
            return error_page
        if str(form.get("visa_version") or "") != str(visa.version):
            raise Conflict(
                "Cette demande a changé entre-temps (décision ou autre correction) : rechargez-la.",
                code="stale",
            )
        await services.resubmit(db_session, visa, contract, principal)
        await db_session.commit()
        return Redirect(f"/visa/{visa_id}", status_code=303)
