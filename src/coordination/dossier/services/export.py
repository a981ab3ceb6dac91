"""Right of access (GDPR art. 15): everything held on the person, as JSON and as a readable French PDF.

The export itself goes through the gate with the ``export`` action per section (journaled like any
access); consents and the access journal come from the access package's services.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
    journal_rows: bool = True,
) -> dict[str, Any]:
    """``journal_rows``: the stored rows too (the JSON export); the PDF shows the visits only."""
    from coordination.access import services as access_services

    data = msgspec.to_builtins(await fileview.read_file(session, person, sections, catalogue, retention))
    data["generated_at"] = datetime.now(UTC).isoformat()
    if with_consents:
        data["consents"] = msgspec.to_builtins(await access_services.list_consents(session, person.id))
    if with_journal:
        from coordination.access.journal_visits import export_journal

        # one read of every row of the file's journal: the rows as stored (JSON: they are the data) and
        # the same rows grouped into visits, as the person's journal page shows them (JSON and PDF)
        rows, visits = await export_journal(session, person.id, with_rows=journal_rows)
        if journal_rows:
            data["access_journal"] = rows
        data["access_visits"] = [v.as_dict() for v in visits]
    return data


async def render_pdf(data: dict[str, Any], catalogue: IcfCatalogue) -> bytes:
    """Through the shared renderer: off the event loop, and no external resource is ever fetched."""
    from coordination.dossier.services.export_labels import FILTERS
    from coordination.reports import render_pdf_async

    return await render_pdf_async(
        "dossier/export.html", {"d": data, "items": {i.code: i.label for i in catalogue.items}, **FILTERS}
    )
