"""Proposed changes to an organisation's name, kind and BCE number, verified by the registry administrator.

Why: those three facts name an organisation in every person's journal and consent list, and decide whether
it may be a CPAS. Whoever they empower never asserts them alone (``shared/DOMAIN.md``): the registry
administrator (:func:`coordination.cadastre.rules.is_keeper`) asserts them, checked against the BCE; a
partner manager proposes, and the change takes effect only when an administrator approves. Either way the
manager is told the outcome in the inbox: the services record :mod:`.events`, whose subscribers
(:mod:`.notices`) write the notices in the same transaction.

Services ``flush()``; the request's session (or the task runner) commits. A refused request raises before anything is added, so the
session holds nothing to write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from coordination import clock, events
from coordination.access.principal import Principal
from coordination.cadastre import rules
from coordination.cadastre.entries import registry_entry
from coordination.cadastre.events import ProposalDecided, ProposalMade
from coordination.cadastre.models import PartnerProfile
from coordination.cadastre.proposal_models import PROPOSABLE_FIELDS, OrganisationProposal
from coordination.cadastre.validation import Problems, check_organisation, unprocessable
from coordination.directory.models import Organisation, OrganisationKind, Role
from coordination.errors import Conflict, Forbidden, NotFound, ProblemError
from coordination.shapes import from_row

FIELD_LABELS_FR = {"name": "nom", "partner_kind": "type d'organisation", "tax_id": "numéro BCE"}
STATUS_LABELS_FR = {"pending": "en attente de vérification", "approved": "approuvée", "rejected": "refusée"}
PROPOSALS_PAGE = "/cadastre/propositions"

Comment = Annotated[str, msgspec.Meta(max_length=1000)]


class ProposalIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    partner_kind: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    tax_id: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    comment: Comment | None = None


class DecisionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Comment | None = None
    """Mandatory to reject (the manager reads it); optional to approve."""


class ProposalOut(msgspec.Struct, kw_only=True):
    id: UUID
    organisation_id: UUID
    organisation_name: str
    """The organisation's current name (the one in force)."""
    status: str
    status_label: str
    old_values: dict[str, Any]
    new_values: dict[str, Any]
    comment: str | None
    proposed_by: UUID
    proposed_by_name: str
    proposed_at: datetime
    decided_by: UUID | None
    decided_by_name: str | None
    decided_at: datetime | None
    decision_reason: str | None
    version: int


def invalid(problems: Problems) -> ProblemError:
    return unprocessable(problems, "invalid-proposal", "Proposition invalide")


def asserted_values(org: Organisation, profile: PartnerProfile) -> dict[str, Any]:
    """The facts in force, in the API's vocabulary (BCE number normalised, no separators)."""
    return {"name": org.name, "partner_kind": profile.partner_kind, "tax_id": org.bce_number}


def normalised(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field == "tax_id":
        return rules.normalise_bce(str(value)) if str(value).strip() else None
    if field == "name":
        return str(value).strip()
    return value


def asserted_changes(
    org: Organisation, profile: PartnerProfile, values: dict[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """``{field: (current, wanted)}`` for the administrator-asserted fields ``values`` would change.

    A form that sends the fields back unchanged changes nothing here: only a real change needs the
    administrator."""
    current = asserted_values(org, profile)
    changes = {}
    for field in PROPOSABLE_FIELDS:
        if field in values:
            wanted = normalised(field, values[field])
            if wanted != current[field]:
                changes[field] = (current[field], wanted)
    return changes


def forbid_direct_change(
    actor: Principal, org: Organisation, profile: PartnerProfile, values: dict[str, Any]
) -> None:
    """The organisation-edit path: only an administrator changes name, kind or BCE number directly."""
    if rules.is_keeper(actor):
        return
    changes = asserted_changes(org, profile, values)
    if changes:
        fields = ", ".join(FIELD_LABELS_FR[f] for f in changes)
        raise Forbidden(
            f"Le {fields} d'une organisation est vérifié par l'administrateur du cadastre : proposez la "
            f"modification (POST /api/v1/cadastre/organisations/{org.id}/proposals) ; elle prendra effet "
            "une fois approuvée.",
            "asserted-by-registry-administrator",
            fields=sorted(changes),
        )


def proposal_out(proposal: OrganisationProposal, organisation_name: str) -> ProposalOut:
    return from_row(
        proposal,
        ProposalOut,
        organisation_name=organisation_name,
        status_label=STATUS_LABELS_FR[proposal.status],
        old_values=dict(proposal.old_values),
        new_values=dict(proposal.new_values),
        proposed_at=proposal.created_at,
    )


def _check(org: Organisation, values: dict[str, Any]) -> Problems:
    problems = check_organisation({k: v for k, v in values.items() if k in PROPOSABLE_FIELDS}, partial=True)
    if values.get("partner_kind") == "cpas" and org.kind is not OrganisationKind.CPAS:
        problems.append(
            ("partner_kind", "Seule une organisation de type CPAS de l'annuaire peut être un CPAS.")
        )
    if org.kind is OrganisationKind.CPAS and values.get("partner_kind") not in (None, "cpas"):
        problems.append(("partner_kind", "Un CPAS de l'annuaire reste de type CPAS au cadastre."))
    return problems


async def _bce_taken(session: AsyncSession, bce: str | None, organisation_id: UUID) -> bool:
    if not bce:
        return False
    other = await session.scalar(
        select(Organisation.id).where(Organisation.bce_number == bce, Organisation.id != organisation_id)
    )
    return other is not None


async def propose(
    session: AsyncSession, organisation_id: UUID, values: dict[str, Any], actor: Principal
) -> tuple[OrganisationProposal, Organisation]:
    """A partner manager proposes a new name, kind or BCE number for their own organisation."""
    if actor.role is not Role.PARTNER_MANAGER or actor.organisation_id != organisation_id:
        raise Forbidden(
            "Seul un responsable de cette organisation peut proposer une modification de sa fiche.",
            "not-this-organisation-manager",
        )
    org, profile = await registry_entry(session, organisation_id, "organisation-not-found")
    fields = {k: v for k, v in values.items() if k in PROPOSABLE_FIELDS}
    if not fields:
        raise invalid([("name", "Indiquez au moins un nouveau nom, type ou numéro BCE.")])
    if "name" in fields and fields["name"] is not None and not fields["name"].strip():
        raise invalid([("name", "Le nom ne peut pas être vide.")])
    problems = _check(org, fields)
    if problems:
        raise invalid(problems)
    changes = asserted_changes(org, profile, fields)
    if not changes:
        raise invalid([(next(iter(fields)), "Ces valeurs sont déjà celles de la fiche : rien à proposer.")])
    if "tax_id" in changes and await _bce_taken(session, changes["tax_id"][1], org.id):
        raise Conflict("Ce numéro BCE est déjà utilisé par une autre organisation.", "bce-taken")
    pending = await session.scalar(
        select(OrganisationProposal.id).where(
            OrganisationProposal.organisation_id == org.id, OrganisationProposal.status == "pending"
        )
    )
    if pending is not None:
        raise Conflict(
            "Une proposition de modification de cette organisation attend déjà sa vérification.",
            "proposal-pending",
            proposal_id=str(pending),
        )
    comment = (values.get("comment") or "").strip() or None
    proposal = OrganisationProposal(
        organisation_id=org.id,
        status="pending",
        old_values={f: old for f, (old, _) in changes.items()},
        new_values={f: new for f, (_, new) in changes.items()},
        comment=comment,
        proposed_by=actor.user_id,
        proposed_by_name=actor.display_name,
    )
    session.add(proposal)
    await session.flush()
    await events.record(session, ProposalMade(proposal_id=proposal.id, actor_user_id=actor.user_id))
    return proposal, org


async def get_proposal(session: AsyncSession, proposal_id: UUID, actor: Principal) -> OrganisationProposal:
    proposal = await session.get(OrganisationProposal, proposal_id)
    if proposal is None or not _may_see(actor, proposal.organisation_id):
        raise NotFound("Proposition introuvable.", "proposal-not-found")
    return proposal


async def proposal_view(session: AsyncSession, proposal_id: UUID, actor: Principal) -> ProposalOut:
    """One proposal as the API shows it, with its organisation's current name."""
    proposal = await get_proposal(session, proposal_id, actor)
    name = await session.scalar(select(Organisation.name).where(Organisation.id == proposal.organisation_id))
    return proposal_out(proposal, name or "")


def _may_see(actor: Principal, organisation_id: UUID) -> bool:
    return rules.is_keeper(actor) or (
        actor.role is Role.PARTNER_MANAGER and actor.organisation_id == organisation_id
    )


async def list_proposals(
    session: AsyncSession, actor: Principal, *, status: str | None = None, organisation_id: UUID | None = None
) -> list[tuple[OrganisationProposal, str]]:
    """An administrator sees every proposal; a partner manager their own organisation's."""
    stmt = select(OrganisationProposal, Organisation.name).join(
        Organisation, Organisation.id == OrganisationProposal.organisation_id
    )
    if not rules.is_keeper(actor):
        if actor.role is not Role.PARTNER_MANAGER or actor.organisation_id is None:
            raise Forbidden("Les propositions de modification sont réservées aux gestionnaires du cadastre.")
        stmt = stmt.where(OrganisationProposal.organisation_id == actor.organisation_id)
    if organisation_id is not None:
        stmt = stmt.where(OrganisationProposal.organisation_id == organisation_id)
    if status is not None:
        stmt = stmt.where(OrganisationProposal.status == status)
    rows = await session.execute(stmt.order_by(OrganisationProposal.created_at.desc()))
    return [(p, name) for p, name in rows.all()]


async def decide(
    session: AsyncSession,
    proposal_id: UUID,
    actor: Principal,
    *,
    approve: bool,
    reason: str | None,
) -> tuple[OrganisationProposal, Organisation]:
    """The administrator approves (the new values take effect) or rejects (with a reason)."""
    if not rules.is_keeper(actor):
        raise Forbidden(
            "Seul l'administrateur du cadastre vérifie le nom, le type et le numéro BCE d'une organisation.",
            "not-registry-administrator",
        )
    proposal = await get_proposal(session, proposal_id, actor)
    if proposal.status != "pending":
        raise Conflict(
            f"Cette proposition est déjà {STATUS_LABELS_FR[proposal.status]}.", "proposal-already-decided"
        )
    reason = (reason or "").strip() or None
    if not approve and reason is None:
        raise invalid([("reason", "Le motif du refus est obligatoire : le responsable le lira.")])
    org, profile = await registry_entry(session, proposal.organisation_id, "organisation-not-found")
    if approve:
        await _apply(session, proposal, org, profile)
    proposal.status = "approved" if approve else "rejected"
    proposal.decided_by = actor.user_id
    proposal.decided_by_name = actor.display_name
    proposal.decided_at = clock.now()
    proposal.decision_reason = reason
    await _flush_decision(session)
    await events.record(session, ProposalDecided(proposal_id=proposal.id, actor_user_id=actor.user_id))
    return proposal, org


async def _apply(
    session: AsyncSession, proposal: OrganisationProposal, org: Organisation, profile: PartnerProfile
) -> None:
    """The approved values take effect, if the entry still holds the values the proposal started from."""
    current = asserted_values(org, profile)
    if any(current[f] != old for f, old in proposal.old_values.items()):
        raise Conflict(
            "La fiche a changé depuis la proposition : refusez-la, le responsable en fera une nouvelle.",
            "proposal-stale",
        )
    problems = _check(org, proposal.new_values)
    if problems:
        raise invalid(problems)
    new_bce = proposal.new_values.get("tax_id")
    if "tax_id" in proposal.new_values and await _bce_taken(session, new_bce, org.id):
        raise Conflict("Ce numéro BCE est déjà utilisé par une autre organisation.", "bce-taken")
    if "name" in proposal.new_values:
        org.name = proposal.new_values["name"]
    if "tax_id" in proposal.new_values:
        org.bce_number = new_bce
    if "partner_kind" in proposal.new_values:
        profile.partner_kind = proposal.new_values["partner_kind"]
    profile.updated_at = clock.now()  # the entry changed: its version moves and its verification is stale


async def _flush_decision(session: AsyncSession) -> None:
    """Flush; a concurrent change of the proposal or the entry, or a BCE number taken meanwhile, is 409."""
    try:
        await session.flush()
    except StaleDataError as exc:
        await session.rollback()
        raise Conflict(
            "Cette proposition ou la fiche vient d'être modifiée par quelqu'un d'autre : rechargez et recommencez.",
            "proposal-raced",
        ) from exc
    except IntegrityError as exc:  # a BCE number taken by a concurrent write since the check above
        await session.rollback()
        raise Conflict("Ce numéro BCE est déjà utilisé par une autre organisation.", "bce-taken") from exc
