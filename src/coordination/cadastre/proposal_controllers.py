"""``/api/v1/cadastre``: proposals to change an organisation's name, kind or BCE number (thin layer).

A partner manager proposes for their own organisation; the registry administrator lists, approves or rejects
(:mod:`.proposals` checks who may do what). Registry routes touch no person's file.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.cadastre import proposals
from coordination.cadastre.guards import READ, WRITE, principal_of, registry_keeper, registry_writer
from coordination.cadastre.proposal_models import PROPOSAL_STATUSES
from coordination.directory.models import Organisation
from coordination.errors import BadRequest

DbSession = NamedDependency[AsyncSession]


def decode(data: Any, shape: type[msgspec.Struct]) -> dict[str, Any]:
    """Validate a JSON object against ``shape``; return only the fields the client sent."""
    if not isinstance(data, dict):
        raise BadRequest("Un objet JSON est attendu.")
    try:
        struct = msgspec.convert(data, shape)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"Les données envoyées sont invalides : {exc}", "validation-error") from exc
    return {name: getattr(struct, name) for name in data if name in struct.__struct_fields__}


def _status(status: str | None) -> str | None:
    if status is not None and status not in PROPOSAL_STATUSES:
        raise BadRequest(
            f"Statut inconnu « {status} » (attendu : {', '.join(PROPOSAL_STATUSES)}).", "validation-error"
        )
    return status


class ProposalController(Controller):
    path = "/api/v1/cadastre"
    tags = ["cadastre"]

    @post("/organisations/{organisation_id:uuid}/proposals", guards=[registry_writer], opt=WRITE)
    async def propose(
        self,
        request: Request,
        db_session: DbSession,
        organisation_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
    ) -> proposals.ProposalOut:
        """A partner manager proposes a new name, kind or BCE number; it takes effect once approved."""
        values = decode(data, proposals.ProposalIn)
        proposal, org = await proposals.propose(db_session, organisation_id, values, principal_of(request))
        out = proposals.proposal_out(proposal, org.name)
        await db_session.commit()
        return out

    @get("/proposals", guards=[registry_writer], opt=READ)
    async def list_proposals(
        self,
        request: Request,
        db_session: DbSession,
        status: FromQuery[str | None] = None,
        organisation_id: FromQuery[UUID | None] = None,
    ) -> list[proposals.ProposalOut]:
        """Administrators see every proposal; a partner manager those of their organisation."""
        rows = await proposals.list_proposals(
            db_session, principal_of(request), status=_status(status), organisation_id=organisation_id
        )
        return [proposals.proposal_out(p, name) for p, name in rows]

    @get("/proposals/{proposal_id:uuid}", guards=[registry_writer], opt=READ)
    async def get_proposal(
        self, request: Request, db_session: DbSession, proposal_id: FromPath[UUID]
    ) -> proposals.ProposalOut:
        proposal = await proposals.get_proposal(db_session, proposal_id, principal_of(request))
        org = await db_session.get(Organisation, proposal.organisation_id)
        return proposals.proposal_out(proposal, org.name if org else "")

    @post("/proposals/{proposal_id:uuid}/approval", guards=[registry_keeper], opt=WRITE, status_code=200)
    async def approve(
        self,
        request: Request,
        db_session: DbSession,
        proposal_id: FromPath[UUID],
        data: JSONBody[dict[str, Any] | None] = None,
    ) -> proposals.ProposalOut:
        """The administrator approves after checking against the BCE: the new values take effect."""
        values = decode(data or {}, proposals.DecisionIn)
        proposal, org = await proposals.decide(
            db_session, proposal_id, principal_of(request), approve=True, reason=values.get("reason")
        )
        out = proposals.proposal_out(proposal, org.name)
        await db_session.commit()
        return out

    @post("/proposals/{proposal_id:uuid}/rejection", guards=[registry_keeper], opt=WRITE, status_code=200)
    async def reject(
        self,
        request: Request,
        db_session: DbSession,
        proposal_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
    ) -> proposals.ProposalOut:
        """The administrator rejects, with a reason the manager reads in their inbox."""
        values = decode(data, proposals.DecisionIn)
        proposal, org = await proposals.decide(
            db_session, proposal_id, principal_of(request), approve=False, reason=values.get("reason")
        )
        out = proposals.proposal_out(proposal, org.name)
        await db_session.commit()
        return out


ROUTES = [ProposalController]
