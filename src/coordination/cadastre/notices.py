"""The registry's inbox notices: administrators told of a proposal to verify, partner managers told of
its outcome (subscribers of :mod:`coordination.cadastre.events`, wired in :mod:`coordination.wiring`), and
partner managers told of records awaiting their yearly verification (the daily task's step).

Why here: :mod:`.proposals` records what happened and never has to remember who must read about it, nor
import the inbox."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.cadastre.events import ProposalDecided, ProposalMade
from coordination.cadastre.proposal_models import OrganisationProposal
from coordination.cadastre.proposals import FIELD_LABELS_FR, PROPOSALS_PAGE
from coordination.cadastre.schemas import VerificationAlert
from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.inbox.models import Notification
from coordination.inbox.services import notify_organisation, notify_users

VERIFICATION_NOTICE = "cadastre-verification"


def describe_changes(proposal: OrganisationProposal) -> str:
    parts = []
    for field, new in proposal.new_values.items():
        old = proposal.old_values.get(field)
        parts.append(f"{FIELD_LABELS_FR[field]} : « {old or '—'} » → « {new or '—'} »")
    return " ; ".join(parts)


async def _proposal_and_org(session: AsyncSession, proposal_id) -> tuple[OrganisationProposal, Organisation]:
    proposal = await session.get(OrganisationProposal, proposal_id)
    if proposal is None:  # recorded in this very transaction: absent only if the caller broke it
        raise LookupError(f"proposal {proposal_id} not found")
    org = await session.get(Organisation, proposal.organisation_id)
    if org is None:
        raise LookupError(f"organisation {proposal.organisation_id} not found")
    return proposal, org


async def tell_administrators(session: AsyncSession, event: ProposalMade) -> None:
    """Every registry administrator (an admin of the Forem, or of no organisation) but the proposer."""
    proposal, org = await _proposal_and_org(session, event.proposal_id)
    keepers = await session.scalars(
        select(User.id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(
            User.role == Role.ADMIN,
            or_(User.organisation_id.is_(None), Organisation.kind == OrganisationKind.FOREM),
        )
        .order_by(User.id)
    )
    await notify_users(
        session,
        list(keepers),
        exclude_user_id=event.actor_user_id,
        kind="organisation_proposal",
        title_fr=f"Fiche à vérifier : {org.name}",
        body_fr=(
            f"{proposal.proposed_by_name} propose une modification de la fiche de {org.name} "
            f"({describe_changes(proposal)}). Vérifiez-la auprès de la BCE avant de l'approuver."
        ),
        link=PROPOSALS_PAGE,
        subject_id=proposal.id,
    )


async def tell_managers(session: AsyncSession, event: ProposalDecided) -> None:
    """The organisation's partner managers (the proposer among them) read the outcome in their inbox."""
    proposal, org = await _proposal_and_org(session, event.proposal_id)
    if proposal.status == "approved":
        title = "Modification de votre fiche approuvée"
        body = (
            f"L'administrateur du cadastre a approuvé la modification proposée par {proposal.proposed_by_name} "
            f"({describe_changes(proposal)}). Elle est en vigueur."
        )
    else:
        title = "Modification de votre fiche refusée"
        body = (
            f"L'administrateur du cadastre a refusé la modification proposée par {proposal.proposed_by_name} "
            f"({describe_changes(proposal)}). Motif : {proposal.decision_reason}"
        )
    await notify_organisation(
        session,
        org.id,
        roles={Role.PARTNER_MANAGER.value},
        exclude_user_id=event.actor_user_id,
        kind="organisation_proposal_decided",
        title_fr=title,
        body_fr=body,
        link=PROPOSALS_PAGE,
        subject_id=proposal.id,
    )


async def tell_verification_due(session: AsyncSession, alerts: list[VerificationAlert]) -> int:
    """One inbox notice per record to each partner manager of its organisation, unless one about the same
    record is still unread; returns how many were sent."""
    unread = await session.execute(
        select(Notification.recipient_user_id, Notification.subject_id).where(
            Notification.kind == VERIFICATION_NOTICE, Notification.read_at.is_(None)
        )
    )
    pending = {(user, subject) for user, subject in unread.all()}
    sent = 0
    for alert in alerts:
        managers = await session.scalars(
            select(User.id).where(
                User.organisation_id == alert.organisation_id, User.role == Role.PARTNER_MANAGER
            )
        )
        fresh = [user for user in managers if (user, alert.id) not in pending]
        await notify_users(
            session,
            fresh,
            kind=VERIFICATION_NOTICE,
            title_fr="Cadastre : une fiche attend sa vérification",
            body_fr=alert.message + " Mettez-la à jour si besoin ; le Forem la vérifiera.",
            link=f"/cadastre/partenaires/{alert.organisation_id}",
            subject_id=alert.id,
        )
        sent += len(fresh)
    return sent
