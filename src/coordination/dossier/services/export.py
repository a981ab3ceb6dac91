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


PDF_DETAILED_VISITS = 150
"""Visits printed one per line in the PDF, the most recent; older ones are summarised by month and visitor
(the JSON export and the journal page keep every one). A year of a busy file (1,000 visits) took WeasyPrint
6 s to lay out line by line, and three screens of near-identical lines answer nobody's question."""

_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def summarise_older_visits(visits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Older visits grouped by Brussels month, visitor and decision, newest month first: how many visits,
    which parts were seen."""
    from coordination.clock import BRUSSELS

    groups: dict[tuple, dict[str, Any]] = {}
    for visit in visits:
        at = datetime.fromisoformat(visit["at"]).astimezone(BRUSSELS)
        key = (at.year, at.month, visit["who"], visit["decision"])
        group = groups.setdefault(
            key,
            {
                "month": f"{_MONTHS_FR[at.month - 1]} {at.year}",
                "who": visit["who"],
                "decision": visit["decision"],
                "visits": 0,
                "sections": [],
            },
        )
        group["visits"] += 1
        group["sections"].extend(s for s in visit.get("sections") or [] if s not in group["sections"])
    return [groups[k] for k in sorted(groups, key=lambda k: (-k[0], -k[1], k[2], k[3]))]


async def render_pdf(data: dict[str, Any], catalogue: IcfCatalogue) -> bytes:
    """Through the shared renderer: off the event loop, and no external resource is ever fetched."""
    from coordination.dossier.services.export_labels import FILTERS
    from coordination.reports import render_pdf_async

    shown = data
    visits = data.get("access_visits")
    if visits is not None and len(visits) > PDF_DETAILED_VISITS:
        shown = {
            **data,
            "access_visits": visits[:PDF_DETAILED_VISITS],
            "older_visits": summarise_older_visits(visits[PDF_DETAILED_VISITS:]),
        }
    return await render_pdf_async(
        "dossier/export.html", {"d": shown, "items": {i.code: i.label for i in catalogue.items}, **FILTERS}
    )
