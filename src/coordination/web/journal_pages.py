"""The journal as people read it: one line per visit (:mod:`coordination.access.journal_visits`), the
refusals apart and explained, the stored rows on demand (``<details>``), a filter by organisation and by
period, the newest first.

Two readers: the person (her own file, from ``/mon-espace/journal``, in :mod:`coordination.web.me_pages`)
and the data-protection officer (every file, ``/journal``, behind the same role check as
``GET /api/v1/journal``). Both group the same way, and so does the person's PDF export. A filter typed
wrong is said next to its field, the page still shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.gate import require_role_permission
from coordination.access.journal_visits import (
    REFUSAL_EXPLAINED_FR,
    VisitFilter,
    organisations_seen,
    read_visits,
)
from coordination.access.policy import Basis
from coordination.access.principal import Principal
from coordination.clock import today
from coordination.web.render import page as render_page

VISITS_PAGE = 30
REFUSALS_PAGE = 10
DPO_DEFAULT_DAYS = 30
"""The DPO's view opens on the last 30 days (every file: a bounded period keeps the grouping cheap)."""


@dataclass
class JournalQuery:
    """The filter as typed (shown back in the form) and as understood (given to the query)."""

    typed: dict[str, str]
    organisation_id: UUID | None = None
    since: date | None = None
    until: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def link(self, **changes: Any) -> str:
        """The query string of this filter with ``changes`` (page numbers)."""
        values = {k: v for k, v in {**self.typed, **changes}.items() if v not in ("", None, False)}
        return "?" + urlencode(values)


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "Date invalide : choisissez un jour dans le calendrier (par exemple 2026-12-06)."
        return None


def parse_query(organisme: str, du: str, au: str, default_since: date | None = None) -> JournalQuery:
    query = JournalQuery(typed={"organisme": organisme, "du": du, "au": au})
    if organisme:
        try:
            query.organisation_id = UUID(organisme)
        except ValueError:
            query.errors["organisme"] = "Organisme inconnu : choisissez-le dans la liste."
    query.since = _day(du, "du", query.errors)
    query.until = _day(au, "au", query.errors)
    if query.since and query.until and query.since > query.until:
        query.errors["au"] = "La fin de la période doit suivre son début."
        query.until = None
    if not du and default_since is not None:
        query.since = default_since
        query.typed["du"] = default_since.isoformat()
    return query


async def journal_context(
    session: AsyncSession,
    query: JournalQuery,
    *,
    person_id: UUID | None,
    exclude_user_id: UUID | None,
    page: int,
    refusals_page: int,
) -> dict[str, Any]:
    """Visits and refusals of one page, the filter's choices and the paging links."""
    where = VisitFilter(
        person_id=person_id,
        organisation_id=query.organisation_id,
        since=query.since,
        until=query.until,
        exclude_user_id=exclude_user_id,
    )
    visits, total = await read_visits(
        session,
        VisitFilter(**{**where.__dict__, "decision": "allow"}),
        limit=VISITS_PAGE,
        offset=(page - 1) * VISITS_PAGE,
    )
    refusals, refused = await read_visits(
        session,
        VisitFilter(**{**where.__dict__, "decision": "deny"}),
        limit=REFUSALS_PAGE,
        offset=(refusals_page - 1) * REFUSALS_PAGE,
    )
    return {
        "visits": visits,
        "total": total,
        "refusals": refusals,
        "refused": refused,
        "refusal_explained": REFUSAL_EXPLAINED_FR,
        "organisations": await organisations_seen(session, person_id),
        "query": query,
        "page_number": page,
        "refusals_page": refusals_page,
        "has_more": page * VISITS_PAGE < total,
        "more_refusals": refusals_page * REFUSALS_PAGE < refused,
    }


class JournalPages(Controller):
    path = "/journal"

    @get("/", opt={"section": "journal", "action": "read"})
    async def all_files(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        page: Annotated[int, Parameter(ge=1, le=100_000)] = 1,
        refus: Annotated[int, Parameter(ge=1, le=100_000)] = 1,
        organisme: Annotated[str, Parameter(max_length=40)] = "",
        du: Annotated[str, Parameter(max_length=20)] = "",
        au: Annotated[str, Parameter(max_length=20)] = "",
    ) -> Response:
        require_role_permission(principal, "journal", "read", Basis.OVERSIGHT)
        query = parse_query(organisme, du, au, default_since=today() - timedelta(days=DPO_DEFAULT_DAYS))
        context = await journal_context(
            db_session, query, person_id=None, exclude_user_id=None, page=page, refusals_page=refus
        )
        return render_page(request, "dpo_journal.html", status_code=400 if query.errors else 200, **context)
