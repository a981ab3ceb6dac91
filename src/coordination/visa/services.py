"""Visa workflow: submit a contract for a person, decide (signed), re-check pending requests.

The state rules are plain functions (:func:`check_transition`) so they are tested without a database; the
async functions only load, apply and flush. A decided visa is immutable: every write path goes through
:func:`check_transition`, which refuses anything once the status is ``decided``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock, events
from coordination.access.policy import default_policy
from coordination.access.principal import Principal
from coordination.directory.models import Role
from coordination.errors import Conflict, Forbidden, NotFound, Unprocessable
from coordination.visa import signing
from coordination.visa.checks import Checklist, Verdict, run_checklist
from coordination.visa.contract import Contract
from coordination.visa.events import VisaDecided
from coordination.visa.models import Decision, VisaRequest, VisaStatus
from coordination.visa.parameters import ParameterSet

DECIDE_SECTION, DECIDE_ACTION = "contracts", "decide"


def decider_roles() -> frozenset[Role]:
    """The roles that may decide a visa: read from the access policy (``policies/policy.csv``), so the
    four-eyes rule here and the gate's answer can never disagree (issue 18: the code once named e-advisers,
    whom the policy refuses)."""
    return frozenset(
        Role(line.role)
        for line in default_policy().lines
        if line.section == DECIDE_SECTION and line.action == DECIDE_ACTION
    )


OPEN_STATUSES = ("a_verifier", "non_conforme")
NOTE_MIN = 3
NOTE_MAX = 1000


def check_transition(
    status: VisaStatus,
    decision: Decision,
    actor: Principal,
    submitted_by: UUID,
    verdict: str,
    reason: str | None,
) -> VisaStatus:
    """The next status, or a French error saying why this actor may not take this decision now."""
    if status is VisaStatus.DECIDED:
        raise Conflict("Ce visa est déjà décidé : il ne peut plus être modifié.", code="visa-decided")
    if status is VisaStatus.RETURNED:
        raise Conflict("Ce visa attend une correction du contrat avant toute décision.", code="visa-returned")
    if actor.role not in decider_roles():
        raise Forbidden(
            "Seul un assistant social du CPAS ou un conseiller de référence du Forem peut décider d'un visa.",
            code="visa-role",
        )
    if actor.user_id == submitted_by:
        raise Forbidden(
            "La personne qui a soumis le contrat ne peut pas décider de son visa.", code="visa-own-submission"
        )
    if (
        decision in (Decision.APPROVED, Decision.APPROVED_WITH_RESERVATIONS)
        and verdict == Verdict.NON_CONFORME
    ):
        raise Conflict(
            "Le contrôle est non conforme sur un point bloquant : le visa ne peut pas être accordé.",
            code="visa-blocking-failure",
        )
    if decision is not Decision.APPROVED and not (reason and reason.strip()):
        raise Unprocessable(
            "Un commentaire est obligatoire pour un refus, des réserves ou un renvoi.", code="visa-reason"
        )
    return VisaStatus.RETURNED if decision is Decision.RETURNED else VisaStatus.DECIDED


def open_items(checklist: dict[str, Any]) -> list[dict[str, Any]]:
    """The checklist's open items: every point « à vérifier », and every warning found non conforme (a
    blocking failure makes the verdict « non conforme », which cannot be approved at all)."""
    return [
        {"check_id": r["id"], "title": r["title"], "status": r["status"], "explanation": r["explanation"]}
        for r in checklist.get("results", [])
        if r["status"] in OPEN_STATUSES
    ]


def check_answers(
    decision: Decision, items: list[dict[str, Any]], answers: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """The answers to store with the decision, or a French 422 saying which open item lacks one.

    Approving (with or without reservations) a visa with open items requires, for each item, that the
    decider checked it by hand and wrote what they found. A refusal or a return may carry answers too."""
    by_id: dict[str, dict[str, Any]] = {}
    open_ids = {i["check_id"] for i in items}
    for a in answers or []:
        cid = str(a.get("check_id", ""))
        if cid not in open_ids:
            raise Unprocessable(
                f"Le point « {cid} » n'est pas un point ouvert de ce contrôle.", code="visa-answer-unknown"
            )
        if cid in by_id:
            raise Unprocessable(f"Le point « {cid} » a reçu deux réponses.", code="visa-answer-twice")
        note = str(a.get("note") or "").strip()
        if len(note) > NOTE_MAX:
            raise Unprocessable(
                f"La note du point « {cid} » dépasse {NOTE_MAX} caractères.", code="visa-answer-too-long"
            )
        by_id[cid] = {"checked": bool(a.get("checked")), "note": note}
    if decision in (Decision.APPROVED, Decision.APPROVED_WITH_RESERVATIONS):
        lacking = [
            i["title"]
            for i in items
            if not by_id.get(i["check_id"], {}).get("checked")
            or len(by_id.get(i["check_id"], {}).get("note", "")) < NOTE_MIN
        ]
        if lacking:
            raise Unprocessable(
                "Pour accorder ce visa, vérifiez vous-même chaque point ouvert et notez ce que vous avez "
                "constaté. Sans réponse : " + " ; ".join(lacking) + ".",
                code="visa-open-items",
                missing=[i["check_id"] for i in items if i["title"] in lacking],
            )
    return [{**i, **by_id[i["check_id"]]} for i in items if i["check_id"] in by_id]


def signed_payload(visa: VisaRequest) -> dict[str, Any]:
    """What the signature covers: the contract, the checklist and the decision, with their identifiers."""
    return {
        "visa_id": str(visa.id),
        "person_id": str(visa.person_id),
        "contract": visa.contract,
        "checklist": visa.checklist,
        "decision": {
            "decision": visa.decision.value if visa.decision else None,
            "decided_by": str(visa.decided_by) if visa.decided_by else None,
            "decided_by_name": visa.decided_by_name,
            "reason": visa.decision_reason,
            "decided_at": visa.decided_at.isoformat() if visa.decided_at else None,
            "rule_set_version": visa.rule_set_version,
            # only when answered, so that visas signed before this field existed still verify
            **({"open_item_answers": visa.open_item_answers} if visa.open_item_answers else {}),
        },
    }


def verify_visa(visa: VisaRequest, public_key: ec.EllipticCurvePublicKey) -> bool:
    return bool(visa.signature) and signing.verify(public_key, signed_payload(visa), visa.signature or "")


def _checklist_json(contract: Contract, params: ParameterSet | None) -> tuple[Checklist, dict[str, Any]]:
    checklist = run_checklist(contract, params=params)
    return checklist, msgspec.to_builtins(checklist)


async def submit(
    session: AsyncSession,
    person_id: UUID,
    contract: Contract,
    actor: Principal,
    params: ParameterSet | None = None,
) -> VisaRequest:
    checklist, checklist_json = _checklist_json(contract, params)
    visa = VisaRequest(
        person_id=person_id,
        submitted_by=actor.user_id,
        submitted_by_name=actor.display_name,
        organisation_id=actor.organisation_id,
        contract=msgspec.to_builtins(contract),
        checklist=checklist_json,
        rule_set_version=checklist.rule_set_version,
        verdict=checklist.verdict.value,
        status=VisaStatus.SUBMITTED,
    )
    session.add(visa)
    await session.flush()
    return visa


async def get(session: AsyncSession, visa_id: UUID) -> VisaRequest:
    visa = await session.get(VisaRequest, visa_id)
    if visa is None:
        raise NotFound("Demande de visa introuvable.", code="visa-not-found")
    return visa


async def list_for_person(session: AsyncSession, person_id: UUID) -> list[VisaRequest]:
    rows = await session.scalars(
        select(VisaRequest).where(VisaRequest.person_id == person_id).order_by(VisaRequest.created_at.desc())
    )
    return list(rows)


async def resubmit(
    session: AsyncSession,
    visa: VisaRequest,
    contract: Contract,
    actor: Principal,
    params: ParameterSet | None = None,
) -> VisaRequest:
    """A corrected contract for a request that was returned (or is still pending)."""
    if visa.status is VisaStatus.DECIDED:
        raise Conflict("Ce visa est déjà décidé : il ne peut plus être modifié.", code="visa-decided")
    checklist, checklist_json = _checklist_json(contract, params)
    visa.contract = msgspec.to_builtins(contract)
    visa.checklist = checklist_json
    visa.rule_set_version = checklist.rule_set_version
    visa.verdict = checklist.verdict.value
    visa.verdict_changed = False
    visa.status = VisaStatus.SUBMITTED
    visa.submitted_by, visa.submitted_by_name = actor.user_id, actor.display_name
    await session.flush()
    return visa


async def decide(
    session: AsyncSession,
    visa: VisaRequest,
    decision: Decision,
    reason: str | None,
    actor: Principal,
    key: ec.EllipticCurvePrivateKey,
    now: datetime | None = None,
    answers: list[dict[str, Any]] | None = None,
) -> VisaRequest:
    status = check_transition(visa.status, decision, actor, visa.submitted_by, visa.verdict, reason)
    visa.open_item_answers = check_answers(decision, open_items(visa.checklist), answers) or None
    visa.status = status
    visa.decision = decision
    visa.decided_by, visa.decided_by_name = actor.user_id, actor.display_name
    visa.decision_reason = reason.strip() if reason else None
    visa.decided_at = (now or clock.now()).replace(microsecond=0)
    payload = signed_payload(visa)
    visa.content_hash = signing.content_hash(payload)
    visa.signature = signing.sign(key, payload)
    visa.signing_key_fingerprint = signing.fingerprint(key.public_key())
    await session.flush()
    if visa.status is VisaStatus.DECIDED:  # a return for correction is not a decision: nobody is told
        await events.record(
            session, VisaDecided(person_id=visa.person_id, visa_id=visa.id, actor_user_id=actor.user_id)
        )
    return visa


async def recheck_pending(session: AsyncSession, params: ParameterSet) -> list[UUID]:
    """Re-run pending requests under a new rule set; flag and return those whose verdict changed."""
    rows = await session.scalars(select(VisaRequest).where(VisaRequest.status != VisaStatus.DECIDED))
    changed = []
    for visa in rows:
        if visa.rule_set_version == params.version:
            continue
        try:
            contract = msgspec.convert(visa.contract, Contract)
        except msgspec.ValidationError:
            # stored before a consistency rule existed (e.g. a signature before the birth date): it
            # cannot be re-checked as is; flag it so that someone corrects it
            visa.verdict_changed = True
            changed.append(visa.id)
            continue
        checklist, checklist_json = _checklist_json(contract, params)
        if checklist.verdict.value != visa.verdict:
            visa.verdict_changed = True
            changed.append(visa.id)
        visa.checklist, visa.verdict, visa.rule_set_version = (
            checklist_json,
            checklist.verdict.value,
            params.version,
        )
    await session.flush()
    return changed
