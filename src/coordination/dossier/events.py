"""What happens in a person's file that others react to, as domain events (see :mod:`coordination.events`).

Identifiers only: the subscribers (:mod:`coordination.dossier.notices`) read titles and names themselves."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from coordination.events import Event


class DocumentAdded(Event, frozen=True, kw_only=True):
    """A document, or a new version of one (``new_version``), was added to the file.

    ``actor_person_id`` is set when the person added it herself: she is not told what she just did.
    ``told_by_caller``: the caller's own message already names the document (a consent's signed form, a
    visa's certificate), so the person gets one message, not two."""

    kind: ClassVar[str] = "document_added"
    subject_field: ClassVar[str | None] = "document_id"
    document_id: UUID
    new_version: bool = False
    actor_user_id: UUID | None = None
    actor_organisation_id: UUID | None = None
    actor_person_id: UUID | None = None
    told_by_caller: bool = False
