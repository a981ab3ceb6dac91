"""Right of access (GDPR art. 15): everything held on the person, as JSON and as a readable French PDF.

The export itself goes through the gate with the ``export`` action per section (journaled like any
access); consents and the access journal come from the access package's services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import services as access_services
from coordination.access.journal_visits import export_journal
from coordination.clock import BRUSSELS, now
from coordination.dossier.context import DossierContext
from coordination.dossier.models import Person
from coordination.dossier.rules import IcfCatalogue
from coordination.dossier.services import fileview
from coordination.dossier.services.common import get_person
from coordination.dossier.services.export_labels import FILTERS
from coordination.errors import BadRequest
from coordination.reports import render_pdf_async

EXPORT_SECTIONS = (*fileview.FILE_SECTIONS, "consents", "journal")
"""What an export may hold: every part of the file, the consents and the access journal (each gated)."""


async def build_export(
    session: AsyncSession,
    person: Person,
    sections: set[str],
    dossier: DossierContext,
    *,
    with_consents: bool,
    with_journal: bool,
    journal_rows: bool = True,
) -> dict[str, Any]:
    """``journal_rows``: the stored rows too (the JSON export); the PDF shows the visits only."""
    data = msgspec.to_builtins(await fileview.read_file(session, person, sections, dossier))
    data["generated_at"] = now().isoformat()
    if with_consents:
        data["consents"] = msgspec.to_builtins(await access_services.list_consents(session, person.id))
    if with_journal:
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


@dataclass(frozen=True)
class ExportFile:
    """An export ready to send: its content (builtins for JSON, bytes for PDF), type and file name."""

    content: Any
    media_type: str
    filename: str


def check_format(fmt: str) -> None:
    if fmt not in ("json", "pdf"):
        raise BadRequest("Format d'export inconnu : json ou pdf.", "unknown-format")


async def export_file(
    session: AsyncSession, ctx: DossierContext, person_id: UUID, fmt: str, sections: set[str]
) -> ExportFile:
    """The export of the ``sections`` the gate allowed (each decision journaled by the route's ``access``
    dependency; 403 when none), as JSON or PDF. The journal says "exported" only for an export that
    exists: a failed rendering raises, and the request's session rolls the journal rows back."""
    check_format(fmt)
    person = await get_person(session, person_id)
    data = await build_export(
        session,
        person,
        sections & set(fileview.FILE_SECTIONS),
        ctx,
        with_consents="consents" in sections,
        with_journal="journal" in sections,
        journal_rows=fmt == "json",
    )
    if fmt == "json":
        return ExportFile(data, "application/json", "mes-donnees.json")
    return ExportFile(await render_pdf(data, ctx.icf), "application/pdf", "mes-donnees.pdf")
