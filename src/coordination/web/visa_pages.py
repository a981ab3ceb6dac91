"""Visa pages: the requests waiting in the worker's organisation, the contract form, the instant checklist
(explanations and legal references), a stored request, asking a colleague to decide (four eyes), the
decision, attendance, and the certificate (the stored PDF, served by the API's gated route).

Why every refused form comes back as a page: a social worker who typed forty fields of a contract, or a
decider who wrote notes on each open item, must never lose them to an error page. Each refusal re-renders
the same page with everything typed and a French message under each wrong field; every write that succeeds
redirects to a page that says what was done (« ok » in the query string, a fixed message, no user text)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect

from coordination.access.declared import Access
from coordination.access.principal import Principal
from coordination.errors import BadRequest, Conflict, ProblemError, Unprocessable
from coordination.visa import services
from coordination.visa.checks import run_checklist
from coordination.visa.checks.base import STATUS_LABELS_FR
from coordination.visa.context import provide_visa_context
from coordination.visa.models import Decision, VisaStatus
from coordination.visa.schemas import AttendanceIn
from coordination.visa.use_cases import SECTION, Visas, gate, provide_visas
from coordination.web.access import WEB_ACCESS
from coordination.web.csrf import checked_form
from coordination.web.filedata import role_may
from coordination.web.render import page
from coordination.web.visa_data import (
    DECISION_LABELS,
    RESULT_BADGES,
    STATUS_LABELS,
    contract_title,
    visa_item,
)
from coordination.web.visa_form import (
    BY_NAME,
    CATEGORY_LABELS,
    FORM_INVALID,
    KIND_LABELS,
    TRISTATE,
    contract_from_form,
    form_values,
    groups,
    key_terms,
)

SEVERITY_LABELS = {"blocking": "bloquant", "warning": "avertissement"}
DECISIONS = dict(DECISION_LABELS)

MESSAGES = {
    "demande": "Demande de visa enregistrée dans le dossier. Une autre personne habilitée de votre "
    "organisation doit maintenant la décider : demandez-le à un·e collègue ci-dessous.",
    "correction": "Contrat corrigé et contrôlé à nouveau : la demande attend une nouvelle décision.",
    "approved": "Décision signée : visa accordé. Le certificat est rangé dans les documents du dossier "
    "et la personne en est avertie.",
    "approved_with_reservations": "Décision signée : visa accordé avec réserves. Le certificat est rangé "
    "dans les documents du dossier et la personne en est avertie.",
    "refused": "Décision signée : visa refusé. Le certificat est rangé dans les documents du dossier et la "
    "personne en est avertie.",
    "returned": "Demande renvoyée pour correction : la personne qui l'a soumise la voit dans sa demande.",
    "presences": "Présences enregistrées et comparées aux heures payées par le contrat.",
}
"""What each successful write says on the page it leads to (fixed texts: nothing from the query is shown)."""


def _form_context(
    person_id: str | None,
    values: dict | None = None,
    correcting: Any = None,
    field_errors: dict[str, str] | None = None,
    form_error: str | None = None,
) -> dict:
    errors = field_errors or {}
    return {
        "kinds": KIND_LABELS,
        "categories": CATEGORY_LABELS,
        "tristate": TRISTATE,
        "person_id": person_id or "",
        "values": values or {},
        "correcting": correcting,
        "form_groups": groups(),
        "field_errors": errors,
        "error_links": [
            (name, BY_NAME[name].full_label if name in BY_NAME else name, msg) for name, msg in errors.items()
        ],
        "form_error": form_error,
    }


def _htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _parse_or_page(request: Request, form: dict, correcting: Any = None):
    """(contract, None), or (None, the form page again with what was typed and each field's message).

    A plain post gets the page with 400. An HTMX post gets it with 200 (HTMX swaps only successful
    answers) and is told to replace the whole body: the check's fragment target would show the messages
    far from their fields. The page comes back without HTMX on the form, so the next check is a plain
    post that re-renders every field (no stale message left beside a corrected field)."""
    try:
        return contract_from_form(form), None
    except BadRequest as exc:
        fields = dict(exc.extra.get("fields") or {}) if exc.code == FORM_INVALID else {}
        context = _form_context(
            str(form.get("person_id") or ""),
            form,
            correcting,
            field_errors=fields,
            form_error=None if fields else exc.detail,
        )
        headers = {"HX-Retarget": "body", "HX-Reswap": "innerHTML show:top"} if _htmx(request) else None
        status = 200 if _htmx(request) else 400
        return None, page(request, "visa_form.html", status_code=status, headers=headers, **context)


def _checklist_context(checklist) -> dict:
    results = checklist["results"] if isinstance(checklist, dict) else checklist.results
    return {
        "checklist": checklist,
        "results": results,
        "status_labels": STATUS_LABELS_FR,
        "severity_labels": SEVERITY_LABELS,
        "badges": RESULT_BADGES,
    }


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


@dataclasses.dataclass(frozen=True)
class Refused:
    """A form of the visa page refused (422): shown again with what was typed and, beside each wrong
    field, why (``error``: a refusal that belongs to no field)."""

    typed: dict = dataclasses.field(default_factory=dict)
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    error: str | None = None


NOTHING_REFUSED = Refused()


async def _show(
    request: Request,
    visas: Visas,
    visa_id: UUID,
    *,
    message: str | None = None,
    decision_form: Refused = NOTHING_REFUSED,
    hours_form: Refused = NOTHING_REFUSED,
) -> Response:
    """The visa page; after a refused decision (or request to a colleague) or attendance, again with what
    was typed and, beside each wrong field, why it was refused."""
    nothing_refused = decision_form == hours_form == NOTHING_REFUSED
    screen = await visas.screen(visa_id)
    visa, principal = screen.visa, visas.principal
    status = visa.status.value
    decision = visa.decision.value if visa.decision else None
    return page(
        request,
        "visa_show.html",
        status_code=200 if nothing_refused else 422,
        visa=visa,
        item=visa_item(visa),
        title=contract_title(visa.contract or {}),
        terms=key_terms(visa.contract or {}),
        status_label=STATUS_LABELS.get(status, status),
        decision_label=DECISION_LABELS.get(decision or "", ""),
        decided=status == "decided",
        returned=status == "returned",
        can_correct=status == "returned" and role_may(principal, SECTION, "write"),
        can_decide=role_may(principal, SECTION, "decide") and status != "decided",
        own_submission=screen.own_submission,
        colleagues=screen.colleagues,
        open_items=screen.open_items,
        typed=decision_form.typed,
        form_error=decision_form.error,
        field_errors=decision_form.errors,
        hours=screen.hours,
        hours_typed=hours_form.typed,
        hours_errors=hours_form.errors,
        can_record_hours=(
            decision in ("approved", "approved_with_reservations")
            and role_may(principal, "progress", "write")
        ),
        decisions={
            k: v
            for k, v in DECISIONS.items()
            if visa.verdict != "non_conforme" or not k.startswith("approved")
        },
        message=message,
        **_checklist_context(visa.checklist),
    )


def _decision_errors(exc: ProblemError) -> dict[str, str]:
    """The field each refusal of a decision belongs to, so its message sits beside it."""
    if exc.code == "visa-reason":
        return {"reason": exc.detail}
    if exc.code == "visa-open-items":
        missing = exc.extra.get("missing") or []
        return {
            f"note_{cid}": "Cochez « J'ai vérifié ce point » et notez ce que vous avez constaté (3 caractères au moins)."
            for cid in missing
        }
    if exc.code == "visa-blocking-failure":
        return {"decision": exc.detail}
    if exc.code and exc.code.startswith("visa-answer"):
        return {"decision": exc.detail}
    return {}


def _ok_message(ok: str, colleague: str | None = None) -> str | None:
    if ok == "collegue":
        return (
            f"Demande de décision envoyée à {colleague} : la demande apparaît dans ses notifications et dans "
            "la liste des visas à décider."
            if colleague
            else None
        )
    return MESSAGES.get(ok)


WEB_DEPENDENCIES = {
    **WEB_ACCESS,
    "visa_context": Provide(provide_visa_context, sync_to_thread=False),
    "visas": Provide(provide_visas, sync_to_thread=False),
}
"""The declared gate for the lists, the visa context and the request's use cases (as
the API's)."""

HOURS_FIELDS = {
    "attendance-hours": "hours_worked",
    "attendance-period": "period_end",
    "attendance-outside-contract": "period_start",
    "attendance-duplicate": "period_start",
}
"""The field each refusal of an attendance period belongs to."""


def _period_from_form(form: dict) -> tuple[dt.date | None, dt.date | None, float, dict[str, str]]:
    """(first day, last day, hours, errors): a French message per field that could not be read."""
    errors: dict[str, str] = {}
    start = end = None
    hours = 0.0
    try:
        start = dt.date.fromisoformat(str(form.get("period_start") or ""))
    except ValueError:
        errors["period_start"] = "Indiquez le premier jour de la période (une date)."
    try:
        end = dt.date.fromisoformat(str(form.get("period_end") or form.get("period_start") or ""))
    except ValueError:
        errors["period_end"] = (
            "Indiquez le dernier jour de la période (une date), ou laissez vide pour un jour."
        )
    try:
        hours = float(str(form.get("hours_worked") or "").replace(",", ".").strip())
    except ValueError:
        errors["hours_worked"] = "Indiquez le nombre d'heures prestées, par exemple 38 ou 7,5."
    return start, end, hours, errors


def _person_of_form(form: dict) -> UUID:
    try:
        return UUID(str(form.get("person_id") or ""))
    except ValueError as exc:
        raise BadRequest(
            "Pour enregistrer une demande de visa, ouvrez-la depuis le dossier de la personne."
        ) from exc


def _uuid_or_none(value: Any) -> UUID | None:
    try:
        return UUID(str(value or ""))
    except ValueError:
        return None


class VisaPages(Controller):
    path = "/visa"
    dependencies = WEB_DEPENDENCIES

    @get("/", opt={"section": SECTION, "action": "read", "list": True})
    async def waiting(self, request: Request, access: Access, visas: Visas) -> Response:
        """The visa requests of the worker's organisation still open (waiting for a decision or for a
        correction), the newest first, each with its date, contract, employer and submitter; only files
        the gate lets the worker read are listed, and each line shown is journaled."""
        readable = access.readable
        assert readable is not None  # a list route: the dependency gave the predicate or refused
        principal = visas.principal
        items = [visa_item(visa, name) for visa, name in await visas.waiting(readable)]
        mine = [i for i in items if i.raw.submitted_by == principal.user_id]
        to_decide = [i for i in items if i.raw.submitted_by != principal.user_id and i.status == "submitted"]
        others = [i for i in items if i not in mine and i not in to_decide]
        return page(
            request,
            "visa_list.html",
            to_decide=to_decide,
            mine=mine,
            others=others,
            can_decide=role_may(principal, SECTION, "decide"),
        )

    @get("/nouveau", opt={"public": "formulaire de contrat vide : aucun dossier lu"})
    async def form(self, request: Request, principal: Principal, personne: UUID | None = None) -> Response:
        return page(request, "visa_form.html", **_form_context(str(personne) if personne else None))

    @post("/controle", opt={"public": "contrôle sans état d'un contrat : ne lit ni n'écrit aucun dossier"})
    async def check(self, request: Request, principal: Principal) -> Response:
        form = await checked_form(request)
        contract, error_page = _parse_or_page(request, form)
        if error_page is not None:
            return error_page
        context = _checklist_context(run_checklist(contract))
        if _htmx(request):
            return page(request, "_visa_checklist.html", **context)
        return page(
            request, "visa_form.html", **_form_context(str(form.get("person_id") or ""), form), **context
        )

    @post("/demandes", opt=gate("write"))
    async def submit(self, request: Request, visas: Visas) -> Response:
        form = await checked_form(request)
        person_id = _person_of_form(form)
        contract, error_page = _parse_or_page(request, form)
        if error_page is not None:
            return error_page
        await visas.require(person_id, SECTION, "write")
        visa = await visas.submit(person_id, contract)
        return Redirect(f"/visa/{visa.id}?ok=demande", status_code=303)

    @get("/{visa_id:uuid}", opt=gate("read"))
    async def show(
        self, request: Request, visas: Visas, visa_id: UUID, ok: str = "", collegue: UUID | None = None
    ) -> Response:
        """The visa page; ``ok`` names what the write that led here did (« demande », « collegue »…)."""
        name = None
        if ok == "collegue" and collegue is not None:
            name = await visas.colleague_name(collegue)
        return await _show(request, visas, visa_id, message=_ok_message(ok, name))

    @post("/{visa_id:uuid}/collegue", opt=gate("write"))
    async def ask_colleague(self, request: Request, visas: Visas, visa_id: UUID) -> Response:
        """The submitter asks a named colleague to decide (four eyes): the colleague is told in their
        notifications, with a link to the request. Nothing of the visa changes."""
        form = await checked_form(request)
        visa = await visas.open(visa_id, "write")
        colleague = _uuid_or_none(form.get("colleague"))
        try:
            await visas.ask_colleague(visa, colleague, str(form.get("note") or ""))
        except Unprocessable as exc:
            return await _show(
                request, visas, visa_id, decision_form=Refused(errors={"colleague": exc.detail})
            )
        return Redirect(f"/visa/{visa_id}?ok=collegue&collegue={colleague}", status_code=303)

    @post("/{visa_id:uuid}/decision", opt=gate("decide"))
    async def decide(self, request: Request, visas: Visas, visa_id: UUID) -> Response:
        """The same decision as the API's (:meth:`Visas.record_decision`: signed, certificate filed); a refusal
        comes back as the page, with the decider's typed answers and the reason."""
        form = await checked_form(request)
        visa = await visas.open(visa_id, "decide")
        try:
            decision = Decision(str(form.get("decision") or ""))
        except ValueError:
            refused = Refused(form, {"decision": "Choisissez une décision."})
            return await _show(request, visas, visa_id, decision_form=refused)
        try:
            decided = await visas.record_decision(
                visa,
                decision=decision,
                reason=str(form.get("reason") or "").strip() or None,
                answers=answers_from_form(form, services.open_items(visa.checklist)),
            )
        except (Unprocessable, Conflict) as exc:
            fields = _decision_errors(exc)
            if not fields and not isinstance(exc, Unprocessable):
                raise
            # nothing was decided: undone, then the page again with what was typed
            await visas.session.rollback()
            refused = Refused(form, fields, exc.detail)
            return await _show(request, visas, visa_id, decision_form=refused)
        await visas.commit_filed(decided.certificate_key)
        return Redirect(f"/visa/{visa_id}?ok={decision.value}", status_code=303)

    @post("/{visa_id:uuid}/presences", opt=gate("write", section="progress"))
    async def record_hours(self, request: Request, visas: Visas, visa_id: UUID) -> Response:
        """A partner records the hours worked over a day or a week under the approved contract."""
        form = await checked_form(request)
        visa = await visas.open(visa_id, "write", section="progress")
        start, end, hours, errors = _period_from_form(form)
        if not errors:
            assert start is not None and end is not None  # read without error
            try:
                period = AttendanceIn(
                    period_start=start,
                    period_end=end,
                    hours_worked=hours,
                    note=str(form.get("note") or "") or None,
                )
                await visas.record_attendance(visa, period)
            except (Unprocessable, Conflict) as exc:
                field = HOURS_FIELDS.get(exc.code or "")
                if field is None:
                    raise
                errors[field] = exc.detail
        if errors:
            await visas.session.rollback()  # nothing recorded: the page again with what was typed
            return await _show(request, visas, visa_id, hours_form=Refused(form, errors))
        return Redirect(f"/visa/{visa_id}?ok=presences#titre-heures", status_code=303)

    @get("/{visa_id:uuid}/correction", opt=gate("read"))
    async def correction(self, request: Request, visas: Visas, visa_id: UUID) -> Response:
        """The contract form filled with the stored contract, to correct a request returned for correction."""
        visa = await visas.open(visa_id, "read")
        if visa.status is VisaStatus.DECIDED:
            raise Conflict("Ce visa est déjà décidé : il ne peut plus être modifié.", code="visa-decided")
        context = _form_context(str(visa.person_id), form_values(visa.contract or {}), visa)
        return page(request, "visa_form.html", **context, **_checklist_context(visa.checklist))

    @post("/{visa_id:uuid}/contrat", opt=gate("write"))
    async def resubmit(self, request: Request, visas: Visas, visa_id: UUID) -> Response:
        """Resubmit the corrected contract: checked again, the request waits for a decision again."""
        form = await checked_form(request)
        visa = await visas.open(visa_id, "write")
        contract, error_page = _parse_or_page(request, form, visa)
        if error_page is not None:
            return error_page
        if str(form.get("visa_version") or "") != str(visa.version):
            raise Conflict(
                "Cette demande a changé entre-temps (décision ou autre correction) : rechargez-la.",
                code="stale",
            )
        await visas.resubmit(visa, contract)
        return Redirect(f"/visa/{visa_id}?ok=correction", status_code=303)
