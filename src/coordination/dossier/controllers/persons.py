"""People: create, find by NISS, search and list, identity, the full file, the timeline, the export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import pagination
from coordination.access import mandates
from coordination.access.declared import Access
from coordination.access.gate import check_access
from coordination.db.base import utcnow
from coordination.dossier import schemas
from coordination.dossier.controllers.common import icf, niss_key, retention, with_etag
from coordination.dossier.controllers.export import EXPORT_SECTIONS, export_response
from coordination.dossier.guard import allowed_sections
from coordination.dossier.rules import load_icf
from coordination.dossier.services import fileview, persons
from coordination.dossier.services.common import get_person
from coordination.errors import Conflict, Forbidden
from coordination.http_utils import require_if_match
from coordination.settings import Settings

ALL = fileview.FILE_SECTIONS


def _no_mandate_to_open() -> Forbidden:
    """The one answer to a caller who may not open (or read) the file of this NISS, whether it exists."""
    return Forbidden(
        "Vous ne pouvez pas ouvrir ce dossier : aucun mandat de votre organisme ne couvre cette personne.",
        "access-denied",
    )


class PersonController(Controller):
    path = "/api/v1/persons"
    tags = ["Dossier"]

    @post("/", opt={"section": "identity", "action": "write"})
    async def create(
        self, request: Request, db_session: AsyncSession, settings: Settings, data: schemas.PersonCreate
    ) -> Response[schemas.PersonOut]:
        """Open a file. The mandates claimed with it are checked first (on the request alone); then a NISS
        that already has a file answers 409 only to a caller who may read that file, and to anyone else the
        very 403 a caller without mandate gets for a new file, the attempt journaled on the existing file:
        holding a NISS never tells whether that person is followed. A new file is gated once it exists in
        the transaction; a refusal rolls everything back (no file, so no journal to keep)."""
        persons.check_creation(request.user, data)
        key = niss_key(request, settings)
        rid = request.scope.get("state", {}).get("request_id", "")
        existing = await persons.find_by_niss(db_session, data.niss, key)
        if existing is None:
            try:
                person = await persons.create_person(db_session, request.user, data, key)
            except persons.DuplicatePerson:  # a concurrent creation won: answer as for an existing file
                await db_session.rollback()
                existing = await persons.find_by_niss(db_session, data.niss, key)
        if existing is not None:
            decision = await check_access(
                db_session,
                request.user,
                person_id=existing.id,
                section="identity",
                action="read",
                request_id=rid,
                raise_on_deny=False,
            )
            if not decision.allowed:
                await db_session.commit()  # the attempt stays in that file's journal
                raise _no_mandate_to_open()
            raise Conflict("Un dossier existe déjà pour ce numéro NISS.", "duplicate-person")
        decision = await check_access(
            db_session,
            request.user,
            person_id=person.id,
            section="identity",
            action="write",
            request_id=rid,
            raise_on_deny=False,
        )
        if not decision.allowed:
            await db_session.rollback()
            raise _no_mandate_to_open()
        out = await persons.read_person_out(db_session, person)
        await db_session.commit()
        return with_etag(out, person.version, 201)

    @get("/", opt={"section": "identity", "action": "read", "list": True})
    async def search(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        request_id: str,
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
        if niss:
            person = await persons.find_by_niss(db_session, niss, niss_key(request, settings))
            items = []
            # A real attempt on one file: journaled as a denial when refused, and answered like an unknown
            # number (a 403 would tell anyone holding a NISS that this person has a file).
            if person is not None and await allowed_sections(request, db_session, person.id, ["identity"]):
                items = [persons.summary_out(person, None, await mandates.status(db_session, person.id))]
            return schemas.PersonPage(items=items, page_size=page_size, has_more=False)
        filters = persons.ListFilters(
            name=name,
            bassin=bassin,
            status=status,
            track=track,
            referent_user_id=referent,
            stale_days=stale_days,
        )
        query = persons.filtered_query(filters, readable, utcnow())
        return await persons.visible_page(
            db_session, request.user, request_id, query, readable, cursor=cursor, page_size=page_size
        )

    @get("/{person_id:uuid}", opt={"section": "identity", "action": "read"})
    async def read(
        self, request: Request, db_session: AsyncSession, access: Access, person_id: UUID
    ) -> Response[schemas.PersonOut]:
        person = await get_person(db_session, person_id)
        out = await persons.read_person_out(db_session, person)
        await db_session.commit()
        return with_etag(out, person.version)

    @patch("/{person_id:uuid}", opt={"section": "identity", "action": "write"})
    async def update(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        person_id: UUID,
        data: schemas.PersonUpdate,
    ) -> Response[schemas.PersonOut]:
        person = await get_person(db_session, person_id)
        require_if_match(request, person.version)
        await persons.update_identity(db_session, request.user, person, data)
        out = await persons.read_person_out(db_session, person)
        await db_session.commit()
        return with_etag(out, person.version)

    @get("/{person_id:uuid}/file", opt={"section": ALL, "action": "read"})
    async def full_file(
        self, request: Request, db_session: AsyncSession, access: Access, settings: Settings, person_id: UUID
    ) -> dict[str, Any]:
        """Every section the reader may see, in one answer (the others are left out, each refusal journaled)."""
        sections = set(access.sections)
        person = await get_person(db_session, person_id)
        result = await fileview.read_file(db_session, person, sections, icf(settings), retention(settings))
        await db_session.commit()
        return fileview.to_builtins(result)

    @get("/{person_id:uuid}/timeline", opt={"section": ALL, "action": "read"})
    async def timeline(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        person_id: UUID,
        cursor: Annotated[str | None, Parameter(max_length=pagination.CURSOR_MAX_LENGTH)] = None,
        page_size: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> schemas.EventPage:
        """The file's events, newest first, only from the sections the reader may see (403 when none);
        keyset pagination like every API list (``next_cursor``)."""
        sections = set(access.sections)
        after = pagination.decode(cursor, datetime, UUID)
        events = await fileview.timeline(db_session, person_id, sections, limit=page_size + 1, after=after)
        await db_session.commit()
        has_more = len(events) > page_size
        events = events[:page_size]
        next_cursor = pagination.encode(events[-1].occurred_at, events[-1].id) if has_more else None
        return schemas.EventPage(
            items=events, page_size=page_size, has_more=has_more, next_cursor=next_cursor
        )


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


class ExportController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/export"
    tags = ["Dossier"]

    @get("/", opt={"section": EXPORT_SECTIONS, "action": "export"})
    async def export(
        self,
        access: Access,
        db_session: AsyncSession,
        settings: Settings,
        person_id: UUID,
        format: str = "json",
    ) -> Response:
        """Right-of-access export (JSON or PDF), itself journaled section by section."""
        return await export_response(db_session, settings, person_id, format, set(access.sections))
