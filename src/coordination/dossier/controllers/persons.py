"""People: create, find by NISS, search and list, identity, the full file, the timeline, the export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter

from coordination import pagination
from coordination.access.declared import Access
from coordination.dossier import schemas
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.controllers.common import with_etag
from coordination.dossier.export_response import EXPORT_SECTIONS, export_response
from coordination.dossier.niss import NISS_KEY
from coordination.dossier.rules import load_icf
from coordination.dossier.services import fileview, persons
from coordination.dossier.services.common import get_person
from coordination.dossier.services.person_files import open_file, search_persons
from coordination.settings import Settings

ALL = fileview.FILE_SECTIONS


class PersonController(Controller):
    path = "/api/v1/persons"
    tags = ["Dossier"]
    dependencies = {**DOSSIER_CONTEXT, **NISS_KEY}

    @post("/", opt={"section": "identity", "action": "write"})
    async def create(
        self, ctx: FileRequest, niss_key: bytes, data: schemas.PersonCreate
    ) -> Response[schemas.PersonOut]:
        """Open a file (:func:`~coordination.dossier.services.person_files.open_file`: a NISS that already
        has a file is told apart only to a caller who may read it)."""
        person = await open_file(ctx, data, niss_key)
        return with_etag(await persons.read_person_out(ctx.session, person), person.version, 201)

    @get("/", opt={"section": "identity", "action": "read", "list": True})
    async def search(
        self,
        ctx: FileRequest,
        access: Access,
        niss_key: bytes,
        niss: Annotated[str | None, Parameter(max_length=20)] = None,
        name: Annotated[str | None, Parameter(max_length=100)] = None,
        bassin: Annotated[str | None, Parameter(max_length=80)] = None,
        status: str | None = None,
        track: str | None = None,
        referent: UUID | None = None,
        stale_days: Annotated[int | None, Parameter(ge=0, le=3650)] = None,
        cursor: Annotated[str | None, Parameter(max_length=1000)] = None,
        page_size: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> schemas.PersonPage:
        """By NISS (exact) or a filtered list of the files the reader may read, selected by the gate's
        predicate in the database (keyset pagination: ``next_cursor``). Each file SHOWN is journaled once
        (action ``list``); files not shown are not touched. A role that may list no one (the regulator, a
        person) gets 403 before any data is read."""
        readable = access.readable
        assert readable is not None  # a list route: the dependency gave the predicate or refused
        filters = persons.ListFilters(
            name=name,
            bassin=bassin,
            status=status,
            track=track,
            referent_user_id=referent,
            stale_days=stale_days,
        )
        return await search_persons(
            ctx, readable, niss_key, niss, filters, cursor=cursor, page_size=page_size
        )

    @get("/{person_id:uuid}", opt={"section": "identity", "action": "read"})
    async def read(self, ctx: FileRequest, access: Access, person_id: UUID) -> Response[schemas.PersonOut]:
        person = await get_person(ctx.session, person_id)
        return with_etag(await persons.read_person_out(ctx.session, person), person.version)

    @patch("/{person_id:uuid}", opt={"section": "identity", "action": "write"})
    async def update(
        self, ctx: FileRequest, access: Access, person_id: UUID, data: schemas.PersonUpdate
    ) -> Response[schemas.PersonOut]:
        person = await get_person(ctx.session, person_id)
        ctx.if_match(person.version)
        await persons.update_identity(ctx.session, ctx.principal, person, data)
        return with_etag(await persons.read_person_out(ctx.session, person), person.version)

    @get("/{person_id:uuid}/file", opt={"section": ALL, "action": "read"})
    async def full_file(self, ctx: FileRequest, access: Access, person_id: UUID) -> dict[str, Any]:
        """Every section the reader may see, in one answer (the others are left out, each refusal journaled)."""
        return await fileview.file_builtins(ctx.session, person_id, set(access.sections), ctx.dossier)

    @get("/{person_id:uuid}/timeline", opt={"section": ALL, "action": "read"})
    async def timeline(
        self,
        ctx: FileRequest,
        access: Access,
        person_id: UUID,
        cursor: Annotated[str | None, Parameter(max_length=pagination.CURSOR_MAX_LENGTH)] = None,
        page_size: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> schemas.EventPage:
        """The file's events, newest first, only from the sections the reader may see (403 when none);
        keyset pagination like every API list (``next_cursor``)."""
        sections = set(access.sections)
        after = pagination.decode(cursor, datetime, UUID)
        events = await fileview.timeline(ctx.session, person_id, sections, limit=page_size + 1, after=after)
        has_more = len(events) > page_size
        events = events[:page_size]
        next_cursor = pagination.encode(events[-1].occurred_at, events[-1].id) if has_more else None
        return schemas.EventPage(
            items=events, page_size=page_size, has_more=has_more, next_cursor=next_cursor
        )

    @get("/{person_id:uuid}/export", opt={"section": EXPORT_SECTIONS, "action": "export"})
    async def export(
        self, ctx: FileRequest, access: Access, person_id: UUID, format: str = "json"
    ) -> Response:
        """Right-of-access export (JSON or PDF), itself journaled section by section."""
        return await export_response(ctx.session, ctx.dossier, person_id, format, set(access.sections))


class IcfController(Controller):
    path = "/api/v1/icf-items"
    tags = ["Dossier"]

    @get("/", opt={"public": "catalogue des items d'évaluation : aucune donnée personnelle"})
    async def items(self, settings: Settings) -> schemas.IcfCatalogueOut:
        catalogue = load_icf(settings.policies_dir)
        return schemas.IcfCatalogueOut(
            version=catalogue.version,
            qualifiers={str(k): v for k, v in catalogue.qualifiers.items()},
            items=[
                schemas.IcfItemOut(code=i.code, domain=i.domain, label=i.label, description=i.description)
                for i in catalogue.items
            ],
        )
