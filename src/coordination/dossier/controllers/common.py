"""Small helpers shared by the dossier controllers.

``icf``, ``retention``, ``niss_key`` and ``today`` are re-exported for the other domains that still import
them from here (cadastre, visa, access, worklist pages); their homes are :mod:`coordination.dossier.context`,
:mod:`coordination.dossier.niss` and :mod:`coordination.clock`. Remove these names once nobody imports them.
"""

from __future__ import annotations

from typing import Any

from litestar import Response

from coordination.clock import today
from coordination.dossier.context import icf, retention
from coordination.dossier.niss import niss_key
from coordination.http_utils import etag_for

__all__ = ["icf", "niss_key", "retention", "today", "with_etag"]


def with_etag(content: Any, version: int, status_code: int = 200) -> Response:
    return Response(content, status_code=status_code, headers={"ETag": etag_for(version)})
