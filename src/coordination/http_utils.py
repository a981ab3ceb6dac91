"""ETag / If-Match helpers: a stale write is answered 412 and changes nothing."""

from __future__ import annotations

from litestar import Request

from coordination.errors import PreconditionFailed, ProblemError


def etag_for(version: int) -> str:
    return f'"{version}"'


def require_if_match(request: Request, current_version: int) -> None:
    """Refuse a write without ``If-Match`` (428) or with a stale one (412)."""
    header = request.headers.get("if-match")
    if not header:
        raise ProblemError(428)
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    if "*" in candidates:
        return
    if etag_for(current_version) not in candidates:
        raise PreconditionFailed(
            "Ce contenu a été modifié par quelqu'un d'autre depuis votre lecture : rechargez-le avant de réessayer.",
            current_etag=etag_for(current_version),
        )
