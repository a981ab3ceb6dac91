"""Small helpers shared by the dossier controllers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response

from coordination.dossier.rules import IcfCatalogue, RetentionPolicy, load_icf, load_retention
from coordination.http_utils import etag_for
from coordination.keys import niss_hash_key
from coordination.settings import Settings

BRUSSELS = ZoneInfo("Europe/Brussels")


def with_etag(content: Any, version: int, status_code: int = 200) -> Response:
    return Response(content, status_code=status_code, headers={"ETag": etag_for(version)})


def today() -> date:
    """Legal dates are evaluated in Europe/Brussels."""
    from datetime import datetime

    return datetime.now(BRUSSELS).date()


def icf(settings: Settings) -> IcfCatalogue:
    return load_icf(Path(settings.policies_dir))


def retention(settings: Settings) -> RetentionPolicy:
    return load_retention(Path(settings.policies_dir))


def niss_key(request: Request, settings: Settings) -> bytes:
    state = request.app.state
    key = state.get("niss_hash_key")
    if key is None:
        key = niss_hash_key(settings)
        state["niss_hash_key"] = key
    return key
