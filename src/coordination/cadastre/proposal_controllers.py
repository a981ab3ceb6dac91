"""``/api/v1/cadastre``: proposals to change an organisation's name, kind or BCE number (thin layer).

A partner manager proposes for their own organisation; the registry administrator lists, approves or rejects
(:mod:`.proposals` checks who may do what). Registry routes touch no person's file.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coordination.cadastre import proposals
from coordination.cadastre.api_root import CadastreApi
from coordination.cadastre.dependencies import RegistryContext
from coordination.cadastre.guards import READ, WRITE, registry_keeper, registry_writer
from coordination.cadastre.proposal_models import PROPOSAL_STATUSES
from coordination.cadastre.schemas import sent_fields
from coordination.errors import BadRequest

Ctx = NamedDependency[RegistryContext]


def _status(status: str | None) -> str | None:
    if status is not None and status not in PROPOSAL_STATUSES:
        raise BadRequest(
            f"Statut inconnu « {status} » (attendu : {', '.join(PROPOSAL_STATUSES)}).", "validation-error"
        )
    return status


async def _decide(ctx: Ctx, proposal_id: UUID, data: Any, *, approve: bool) -> proposals.ProposalOut:
    values = sent_fields(data, proposals.DecisionIn)
    proposal, org = await proposals.decide(
        ctx.session, proposal_id, ctx.principal, approve=approve, reason=values.get("reason")
    )
    return proposals.proposal_out(proposal, org.name)


class ProposalController(CadastreApi):
    """Proposals to change an organisation's name, kind or BCE number."""

    @post("/organisations/{organisation_id:uuid}/proposals", guards=[registry_writer], opt=WRITE)
    async def propose(
        self, ctx: Ctx, organisation_id: FromPath[UUID], data: JSONBody[dict[str, Any]]
    ) -> proposals.ProposalOut:
        """A partner manager proposes a new name, kind or BCE number; it takes effect once approved."""
        values = sent_fields(data, proposals.ProposalIn)
        proposal, org = await proposals.propose(ctx.session, organisation_id, values, ctx.principal)
        return proposals.proposal_out(proposal, org.name)

    @get("/proposals", guards=[registry_writer], opt=READ)
    async def list_proposals(
        self, ctx: Ctx, status: FromQuery[str | None] = None, organisation_id: FromQuery[UUID | None] = None
    ) -> list[proposals.ProposalOut]:
        """Administrators see every proposal; a partner manager those of their organisation."""
        rows = await proposals.list_proposals(
            ctx.session, ctx.principal, status=_status(status), organisation_id=organisation_id
        )
        return [proposals.proposal_out(p, name) for p, name in rows]

    @get("/proposals/{proposal_id:uuid}", guards=[registry_writer], opt=READ)
    async def get_proposal(self, ctx: Ctx, proposal_id: FromPath[UUID]) -> proposals.ProposalOut:
        return await proposals.proposal_view(ctx.session, proposal_id, ctx.principal)

    @post("/proposals/{proposal_id:uuid}/approval", guards=[registry_keeper], opt=WRITE, status_code=200)
    async def approve(
        self, ctx: Ctx, proposal_id: FromPath[UUID], data: JSONBody[dict[str, Any] | None] = None
    ) -> proposals.ProposalOut:
        """The administrator approves after checking against the BCE: the new values take effect."""
        return await _decide(ctx, proposal_id, data or {}, approve=True)

    @post("/proposals/{proposal_id:uuid}/rejection", guards=[registry_keeper], opt=WRITE, status_code=200)
    async def reject(
        self, ctx: Ctx, proposal_id: FromPath[UUID], data: JSONBody[dict[str, Any]]
    ) -> proposals.ProposalOut:
        """The administrator rejects, with a reason the manager reads in their inbox."""
        return await _decide(ctx, proposal_id, data, approve=False)


ROUTES = [ProposalController]
