"""Shared by the worker route and the person's own space: gated export as JSON or PDF."""

from __future__ import annotations

from uuid import UUID

from litestar import Response
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.dossier.controllers.common import icf, retention
from coordination.dossier.services import export, fileview
from coordination.dossier.services.common import get_person
from coordination.errors import BadRequest
from coordination.settings import Settings

EXPORT_SECTIONS = (*fileview.FILE_SECTIONS, "consents", "journal")


def check_format(fmt: str) -> None:
    if fmt not in ("json", "pdf"):
        raise BadRequest("Format d'export inconnu : json ou pdf.", "unknown-format")


async def export_response(
    db_session: AsyncSession, settings: Settings, person_id: UUID, fmt: str, sections: set[str]
) -> Response:
    """The export of the ``sections`` the route's ``access`` dependency allowed (each decision journaled;
    403 when none)."""
    check_format(fmt)
    person = await get_person(db_session, person_id)
    catalogue = icf(settings)
    data = await export.build_export(
        db_session,
        person,
        sections & set(fileview.FILE_SECTIONS),
        catalogue,
        retention(settings),
        with_consents="consents" in sections,
        with_journal="journal" in sections,
        journal_rows=fmt == "json",
    )
    if fmt == "json":
        await db_session.commit()  # the export's journal rows, stored only now that the answer is ready
        return Response(
            data,
            headers={
                "Content-Disposition": 'attachment; filename="mes-donnees.json"',
                "Cache-Control": "no-store",
            },
        )
    pdf = await export.render_pdf(data, catalogue)
    # the journal says "exported" only for an export that exists: a failed rendering rolls the rows back
    await db_session.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="mes-donnees.pdf"',
            "Cache-Control": "no-store",
        },
    )
