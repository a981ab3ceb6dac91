"""What the dossier's API controllers share: the ``ETag`` of an answer (their dependencies are the
dossier's ``ctx``, :data:`coordination.dossier.context.DOSSIER_CONTEXT`)."""

from __future__ import annotations

from typing import Any

from litestar import Response

from coordination.http_utils import etag_for


def with_etag(content: Any, version: int, status_code: int = 200) -> Response:
    return Response(content, status_code=status_code, headers={"ETag": etag_for(version)})
