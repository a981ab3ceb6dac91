"""What the dossier's API controllers share: their dependencies and the ``ETag`` of an answer."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Request, Response
from litestar.di import Provide

from coordination.dossier.context import DOSSIER_CONTEXT
from coordination.dossier.services.common import VersionCheck
from coordination.http_utils import etag_for, require_if_match


def with_etag(content: Any, version: int, status_code: int = 200) -> Response:
    return Response(content, status_code=status_code, headers={"ETag": etag_for(version)})


def provide_if_match(request: Request) -> VersionCheck:
    """A write's precondition, called with the row's current version: the client's ``If-Match`` must name
    it (428 without the header, 412 when stale). A dependency so a write handler takes the check it needs,
    not the whole request."""
    return partial(require_if_match, request)


DOSSIER_API = {**DOSSIER_CONTEXT, "if_match": Provide(provide_if_match, sync_to_thread=False)}
"""The API controllers' dependencies: the dossier's context and the ``If-Match`` check."""
