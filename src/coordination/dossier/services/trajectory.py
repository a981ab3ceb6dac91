"""Trajectory steps at partners, and the progress notes and ICF assessments partners write on them.

The rule "a partner writes only on steps of its own organisation" is checked here, before anything is
added to the session, so a refused write leaves no row (the gate's journal row records the attempt).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.cadastre.claims import check_step_claims
from coordination.directory.models import Organisation, OrganisationKind
from coordination.dossier import schemas
from coordination.dossier.context import DossierContext
from coordination.dossier.models import Assessment, ProgressEntry, TrajectoryStep
from coordination.dossier.rules import (
    STATUS_LABELS,
    STEP_KIND_LABELS,
    IcfCatalogue,
    RuleViolation,
    StepFacts,
    check_step,
    may_write_progress,
)
from coordination.dossier.services.common import (
    add_recorded,
    checked_changes,
    get_owned,
    out_of,
    record_about,
    rows_of_person,
    rule_error,
    write_changes,
)
from coordination.errors import Forbidden

OUTCOME_FIELDS = ("job_contract_kind", "job_duration_months", "training_qualifying", "exit_date")


def _facts(values: dict) -> StepFacts:
    facts: dict[str, Any] = {k: values.get(k) for k in StepFacts.__slots__}
    return StepFacts(**facts)


def _check(values: dict) -> None:
    try:
        check_step(_facts(values))
    except RuleViolation as exc:
        raise rule_error(exc) from exc


def _partner_only_own(principal: Principal, step_org: UUID, what: str) -> None:
    if principal.organisation_kind is OrganisationKind.PARTNER and principal.organisation_id != step_org:
        raise Forbidden(
            f"Votre organisation ne peut {what} que sur les étapes qu'elle organise elle-même.",
            "not-own-step",
        )


async def create_step(
    session: AsyncSession, principal: Principal, person_id: UUID, data: schemas.StepCreate
) -> TrajectoryStep:
    values = msgspec.structs.asdict(data)
    _check(values)
    org = await session.get(Organisation, data.organisation_id)
    if org is None:
        raise rule_error(RuleViolation("L'organisation partenaire est inconnue.", "unknown-organisation"))
    _partner_only_own(principal, data.organisation_id, "créer une étape")
    await check_step_claims(
        session, data.organisation_id, data.service_id, data.agreement_id, data.start_date, data.end_date,
        attaching=True,
    )  # fmt: skip
    step = TrajectoryStep(person_id=person_id, created_by=principal.user_id, **values)
    summary = f"{STEP_KIND_LABELS[step.kind]} chez {org.name} ({STATUS_LABELS[step.status]})."
    await add_recorded(session, principal, step, "trajectory", "step_created", summary)
    return step


async def update_step(
    session: AsyncSession, principal: Principal, step: TrajectoryStep, data: schemas.StepUpdate
) -> TrajectoryStep:
    _partner_only_own(principal, step.organisation_id, "modifier")
    changes = checked_changes(data, "step", step.status)
    current = {c: getattr(step, c) for c in StepFacts.__slots__}
    _check({**current, **changes})
    claims = {
        c: changes.get(c, getattr(step, c)) for c in ("service_id", "agreement_id", "start_date", "end_date")
    }
    await check_step_claims(
        session, step.organisation_id, **claims,
        attaching="agreement_id" in changes and changes["agreement_id"] != step.agreement_id,
    )  # fmt: skip
    before = await write_changes(session, step, changes)
    if before:
        summary = f"{STEP_KIND_LABELS[step.kind]} mise à jour (statut : {STATUS_LABELS[step.status]})."
        record_about(session, principal, step, "trajectory", "step_updated", summary)
    return step


def _written_on(step: TrajectoryStep, principal: Principal) -> dict[str, UUID]:
    """The columns a progress note and an assessment share: the step written on, its file and partner,
    and the author."""
    return {
        "step_id": step.id,
        "person_id": step.person_id,
        "organisation_id": step.organisation_id,
        "author_user_id": principal.user_id,
    }


def _own_step_only(principal: Principal, step: TrajectoryStep) -> None:
    if not may_write_progress(step.organisation_id, principal.organisation_id):
        raise Forbidden(
            "Seule l'organisation qui mène cette étape peut y noter la progression.", "not-own-step"
        )


async def add_progress(
    session: AsyncSession, principal: Principal, person_id: UUID, step_id: UUID, data: schemas.ProgressCreate
) -> ProgressEntry:
    """A progress note on a step of this file, by the organisation running the step (API and file page)."""
    step = await get_owned(session, TrajectoryStep, step_id, person_id, "Étape")
    _own_step_only(principal, step)
    if data.note is None and data.attendance_hours is None and data.milestone is None:
        raise rule_error(
            RuleViolation("Une note, des heures de présence ou une étape franchie sont attendues.", "empty")
        )
    entry = ProgressEntry(**_written_on(step, principal), **msgspec.structs.asdict(data))
    what = data.milestone or ("présence notée" if data.attendance_hours is not None else "note de suivi")
    summary = f"Progression ({STEP_KIND_LABELS[step.kind]}) : {what}."
    await add_recorded(session, principal, entry, "progress", "progress_added", summary)
    return entry


async def add_assessments(
    session: AsyncSession,
    principal: Principal,
    person_id: UUID,
    step_id: UUID,
    data: schemas.AssessmentCreate,
    ctx: DossierContext,
) -> list[Assessment]:
    """ICF items assessed on a step of this file (items from the catalogue in force; undated: the Brussels
    day of the request), by the organisation running the step (API and file page)."""
    step = await get_owned(session, TrajectoryStep, step_id, person_id, "Étape")
    _own_step_only(principal, step)
    for item in data.items:  # validate everything before adding anything
        try:
            ctx.icf.check(item.item_code, item.qualifier)
        except RuleViolation as exc:
            raise rule_error(exc) from exc
    rows = [
        Assessment(
            **_written_on(step, principal),
            item_code=item.item_code,
            qualifier=item.qualifier,
            assessed_on=data.assessed_on or ctx.today,
            comment=item.comment,
        )
        for item in data.items
    ]
    session.add_all(rows)
    await session.flush()
    summary = f"Évaluation de {len(rows)} item(s) ({STEP_KIND_LABELS[step.kind]})."
    record_about(session, principal, step, "progress", "assessment_added", summary)
    return rows


def step_out(s: TrajectoryStep) -> schemas.StepOut:
    return out_of(
        schemas.StepOut, s, kind_label=STEP_KIND_LABELS[s.kind], status_label=STATUS_LABELS[s.status]
    )


def progress_out(p: ProgressEntry) -> schemas.ProgressOut:
    return out_of(schemas.ProgressOut, p)


def assessment_out(a: Assessment, catalogue: IcfCatalogue) -> schemas.AssessmentOut:
    item = catalogue.get(a.item_code)
    return out_of(
        schemas.AssessmentOut,
        a,
        item_label=item.label if item else a.item_code,
        qualifier_label=catalogue.qualifiers.get(a.qualifier, str(a.qualifier)),
    )


async def read_steps(session: AsyncSession, person_id: UUID) -> list[TrajectoryStep]:
    return await rows_of_person(
        session,
        TrajectoryStep,
        person_id,
        TrajectoryStep.start_date.is_(None),
        TrajectoryStep.start_date,
        TrajectoryStep.created_at,
    )


async def read_progress(
    session: AsyncSession, person_id: UUID, catalogue: IcfCatalogue
) -> schemas.ProgressView:
    entries = await rows_of_person(session, ProgressEntry, person_id, ProgressEntry.created_at)
    assessments = await rows_of_person(
        session, Assessment, person_id, Assessment.assessed_on, Assessment.item_code
    )
    return schemas.ProgressView(
        person_id=person_id,
        entries=[progress_out(e) for e in entries],
        assessments=[assessment_out(a, catalogue) for a in assessments],
    )


OPEN_STEP_STATUSES = ("planned", "ongoing")
"""A step that still holds a place at its service (not finished, not cancelled)."""


async def open_steps_by_service(session: AsyncSession, service_ids: list[UUID]) -> dict[UUID, int]:
    """How many trajectory steps are still open (planned or ongoing) at each of these services.

    A count only, across all files: no person, no step content, so no gate (the registry's capacity view
    and the referral search use it to tell whether a service still has room). Services without an open
    step are absent from the result."""
    ids = list(dict.fromkeys(i for i in service_ids if i is not None))
    if not ids:
        return {}
    rows = await session.execute(
        select(TrajectoryStep.service_id, func.count())
        .where(TrajectoryStep.service_id.in_(ids), TrajectoryStep.status.in_(OPEN_STEP_STATUSES))
        .group_by(TrajectoryStep.service_id)
    )
    return {service_id: int(n) for service_id, n in rows if service_id is not None}
