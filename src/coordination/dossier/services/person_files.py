"""Opening a file and finding files: the two person use cases that talk to the gate themselves, shared by
``/api/v1/persons`` and the search page (``coordination.web.worklist_pages``).

Both answer a caller holding a NISS the same way whether that person has a file or not, unless the
caller may read it: holding a number never tells whether someone is followed.
"""

from __future__ import annotations

from coordination.access import mandates
from coordination.access.filter import Readable
from coordination.access.scope import RequestScope
from coordination.clock import now
from coordination.db.engine import keep_on_failure
from coordination.dossier import schemas
from coordination.dossier.context import FileRequest
from coordination.dossier.models import Person
from coordination.dossier.services import persons
from coordination.errors import Conflict, Forbidden


def no_mandate_to_open() -> Forbidden:
    """The one answer to a caller who may not open (or read) the file of this NISS, whether it exists."""
    return Forbidden(
        "Vous ne pouvez pas ouvrir ce dossier : aucun mandat de votre organisme ne couvre cette personne.",
        "access-denied",
    )


async def _refuse_existing(scope: RequestScope, existing: Person):
    """409 to a caller who may read the existing file; to anyone else the 403 of a caller without mandate,
    the attempt staying in that file's journal."""
    if not (await scope.decide(existing.id, "identity", "read")).allowed:
        keep_on_failure(scope.session)  # the attempt stays in that file's journal
        raise no_mandate_to_open()
    raise Conflict("Un dossier existe déjà pour ce numéro NISS.", "duplicate-person")


async def open_file(scope: RequestScope, data: schemas.PersonCreate, niss_key: bytes) -> Person:
    """Open a file. The mandates claimed with it are checked first (on the request alone); then a NISS
    that already has a file answers 409 only to a caller who may read that file, and to anyone else the
    very 403 a caller without mandate gets for a new file, the attempt journaled on the existing file:
    holding a NISS never tells whether that person is followed. A new file is gated once it exists in
    the transaction; a refusal rolls everything back (no file, so no journal to keep)."""
    session = scope.session
    persons.check_creation(scope.principal, data)
    existing = await persons.find_by_niss(session, data.niss, niss_key)
    if existing is None:
        try:
            return await _create_gated(scope, data, niss_key)
        except persons.DuplicatePerson:  # a concurrent creation won: answer as for an existing file
            await session.rollback()
            existing = await persons.find_by_niss(session, data.niss, niss_key)
    if existing is None:  # the concurrent file vanished again: as for a new file without mandate
        raise no_mandate_to_open()
    await _refuse_existing(scope, existing)
    raise AssertionError("unreachable: _refuse_existing always raises")


async def _create_gated(scope: RequestScope, data: schemas.PersonCreate, niss_key: bytes) -> Person:
    person = await persons.create_person(scope.session, scope.principal, data, niss_key)
    if not (await scope.decide(person.id, "identity", "write")).allowed:
        raise no_mandate_to_open()  # the request's session rolls the new file back, its journal row too
    return person


async def search_persons(
    ctx: FileRequest,
    readable: Readable,
    niss_key: bytes,
    niss: str | None,
    filters: persons.ListFilters,
    *,
    cursor: str | None,
    page_size: int,
) -> schemas.PersonPage:
    """By NISS (exact) or a filtered list of the files the reader may read, selected by the gate's
    predicate in the database (keyset pagination). Each file SHOWN is journaled once (action ``list``);
    files not shown are not touched."""
    session, principal, request_id = ctx.session, ctx.principal, ctx.request_id
    if niss:
        person = await persons.find_by_niss(session, niss, niss_key)
        items = []
        # A real attempt on one file: journaled as a denial when refused, and answered like an unknown
        # number (a 403 would tell anyone holding a NISS that this person has a file).
        if person is not None and (await ctx.decide(person.id, "identity", "read")).allowed:
            items = [persons.summary_out(person, None, await mandates.status(session, person.id))]
        return schemas.PersonPage(items=items, page_size=page_size, has_more=False)
    query = persons.filtered_query(filters, readable, now())
    return await persons.visible_page(
        session, principal, request_id, query, readable, cursor=cursor, page_size=page_size
    )
