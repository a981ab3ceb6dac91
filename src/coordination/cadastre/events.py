"""What happens to the registry's proposals, as domain events (see :mod:`coordination.events`).

Identifiers only: the subscribers (:mod:`coordination.cadastre.notices`) read the proposal, its
organisation and its texts themselves."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from coordination.events import Event


class ProposalMade(Event, frozen=True, kw_only=True):
    """A partner manager proposed a new name, kind or BCE number for their organisation."""

    kind: ClassVar[str] = "organisation_proposal_made"
    subject_field: ClassVar[str | None] = "proposal_id"
    proposal_id: UUID
    actor_user_id: UUID | None = None


class ProposalDecided(Event, frozen=True, kw_only=True):
    """The registry administrator approved or rejected a proposal (its status says which)."""

    kind: ClassVar[str] = "organisation_proposal_decided"
    subject_field: ClassVar[str | None] = "proposal_id"
    proposal_id: UUID
    actor_user_id: UUID | None = None
