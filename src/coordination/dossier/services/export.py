"""Right of access (GDPR art. 15): everything held on the person, as JSON and as a readable French PDF.

The export itself goes through the gate with the ``export`` action per section (journaled like any
access); consents and the access journal come from the access package's services.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.dossier.models import Person
from coordination.dossier.rules import IcfCatalogue, RetentionPolicy
from coordination.dossier.services import fileview


async def build_export(
    session: AsyncSession,
    person: Person,
    sections: set[str],
    catalogue: IcfCatalogue,
    retention: RetentionPolicy,
    *,
    with_consents: bool,
    with_journal: bool,
) -> dict[str, Any]:
    from coordination.access import services as access_services

    data = msgspec.to_builtins(await fileview.read_file(session, person, sections, catalogue, retention))
    data["generated_at"] = datetime.now(UTC).isoformat()
    if with_consents:
        data["consents"] = msgspec.to_builtins(await access_services.list_consents(session, person.id))
    if with_journal:
        from coordination.access.journal_visits import all_visits

        # one read of every row (the rows stay in the export: they are what is stored), then the same
        # rows grouped into visits, as the person's journal page shows them
        page, _ = await access_services.read_journal(
            session, person_id=person.id, limit=JOURNAL_ROWS_MAX, offset=0
        )
        data["access_journal"] = await _with_purposes(session, msgspec.to_builtins(page))
        data["access_visits"] = [v.as_dict() for v in await all_visits(session, person.id)]
    return data


JOURNAL_ROWS_MAX = 10_000_000
"""The whole journal of one file in one read (a year of daily work is tens of thousands of rows)."""


async def _with_purposes(session: AsyncSession, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each journal entry says why (French ``purpose``): the purpose of the consent it relied on, else its
    legal basis, else the reason of the refusal."""
    from sqlalchemy import select

    from coordination.access.models import Consent

    ids = {e["consent_id"] for e in entries if e.get("consent_id")}
    purposes: dict[str, str] = {}
    if ids:
        rows = await session.execute(
            select(Consent.id, Consent.purpose).where(Consent.id.in_([UUID(i) for i in ids]))
        )
        purposes = {str(cid): purpose for cid, purpose in rows}
    for entry in entries:
        if entry.get("consent_id") in purposes:
            entry["purpose"] = f"Consentement : {purposes[entry['consent_id']]}"
        elif entry.get("basis_label"):
            entry["purpose"] = entry["basis_label"]
        else:
            entry["purpose"] = entry.get("reason") or "Refusé"
    return entries


async def render_pdf(data: dict[str, Any], catalogue: IcfCatalogue) -> bytes:
    """Through the shared renderer: off the event loop, and no external resource is ever fetched."""
    from coordination.dossier.services.export_labels import FILTERS
    from coordination.reports import render_pdf_async

    return await render_pdf_async(
        "dossier/export.html", {"d": data, "items": {i.code: i.label for i in catalogue.items}, **FILTERS}
    )
