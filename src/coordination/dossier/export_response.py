"""The export as an HTTP answer, shared by the worker's route, the person's API route and her space's page
(:func:`coordination.dossier.services.export.export_file` builds it; this only sets the download headers)."""

from __future__ import annotations

from uuid import UUID

from litestar import Response
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.dossier.context import DossierContext
from coordination.dossier.services.export import EXPORT_SECTIONS, export_file

__all__ = ["EXPORT_SECTIONS", "export_response"]


async def export_response(
    session: AsyncSession, ctx: DossierContext, person_id: UUID, fmt: str, sections: set[str]
) -> Response:
    export = await export_file(session, ctx, person_id, fmt, sections)
    return Response(
        export.content,
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )
