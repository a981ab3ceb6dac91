"""The referent's worklist and the workers' file search, with the referent and dossier services and the
gate asked for each person listed (the same way as ``/api/v1/referents/me/portfolio`` and
``/api/v1/persons``)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import mandates
from coordination.access.declared import Access
from coordination.access.gate import check_sections
from coordination.access.principal import Principal
from coordination.clock import now
from coordination.dossier.niss import niss_key
from coordination.dossier.services import persons
from coordination.errors import BadRequest, Forbidden
from coordination.referent import use_cases
from coordination.referent.policies import ReferentPolicies, provide_policies
from coordination.referent.roles import ADVISER_ROLES
from coordination.settings import Settings
from coordination.web.access import WEB_ACCESS
from coordination.web.errors import WEB_EXCEPTION_HANDLERS
from coordination.web.render import page

STATUS_FILTERS = {
    "": "Tous",
    "forem": "Inscrit·e au Forem",
    "ris": "Revenu d'intégration (CPAS)",
    "inami": "Retour au travail (INAMI)",
}
PAGE_SIZE = 20
CONFIRMATIONS = {
    "contact": "Contact enregistré. La date du dernier contact est à jour dans votre portefeuille.",
    "passation": "Passation enregistrée. Le nouveau référent et la personne en sont avertis.",
}


async def _visible(session, principal, person_id, request_id: str, section: str) -> bool:
    decisions = await check_sections(
        session, principal, person_id=person_id, sections=[section], action="read", request_id=request_id
    )
    return decisions[section].allowed


class WorklistPages(Controller):
    path = "/"
    exception_handlers = WEB_EXCEPTION_HANDLERS
    dependencies = {
        **WEB_ACCESS,
        "policies": Provide(provide_policies, sync_to_thread=False),
    }
    include_in_schema = False

    @get("/portefeuille", opt={"section": "trajectory", "action": "read", "list": True})
    async def portfolio(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        policies: ReferentPolicies,
        request_id: str,
        inactifs: Annotated[int | None, Parameter(ge=1, le=3650)] = None,
        ok: Annotated[str | None, Parameter(max_length=20)] = None,
    ) -> Response:
        """The same worklist as ``/api/v1/referents/me/portfolio`` and ``…/alerts``
        (:func:`coordination.referent.use_cases.my_worklist`), with this page's refusal for other roles."""
        if principal.role not in ADVISER_ROLES:
            raise Forbidden("Cette page est réservée aux conseillers et assistants sociaux référents.")
        assert access.readable is not None  # a list route: the dependency gave the predicate or refused
        found = await use_cases.my_worklist(
            db_session, principal, policies, access.readable, request_id, stale_days=inactifs
        )
        labels = policies.matrix.labels_fr
        return page(
            request,
            "worklist.html",
            adviser=found.adviser,
            load=found.load,
            items=found.items,
            alerts=found.alerts,
            stale_days=found.stale_days,
            track_label=lambda t: labels.get(t, t) if t else "—",
            overdue=sum(1 for i in found.items if i.first_contact_overdue),
            stale=sum(1 for i in found.items if i.stale),
            message=CONFIRMATIONS.get(ok or ""),
        )

    @get("/dossiers", opt={"section": "identity", "action": "read", "list": True})
    async def search(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        settings: Settings,
        request_id: str,
        nom: Annotated[str | None, Parameter(max_length=100)] = None,
        niss: Annotated[str | None, Parameter(max_length=20)] = None,
        bassin: Annotated[str | None, Parameter(max_length=80)] = None,
        statut: str | None = None,
        suite: Annotated[str | None, Parameter(max_length=1000)] = None,
    ) -> Response:
        """The same search as ``GET /api/v1/persons``: the gate's predicate in the database, one journal
        row per file shown; the regulator and the person get the refusal page."""
        readable = access.readable
        assert readable is not None  # a list route: the dependency gave the predicate or refused
        results, has_more, next_cursor, searched = [], False, None, bool(nom or niss or bassin or statut)
        if statut and statut not in STATUS_FILTERS:
            raise BadRequest("Filtre de statut inconnu.")
        if niss:
            person = await persons.find_by_niss(db_session, niss, niss_key(request, settings))
            if person is not None and await _visible(
                db_session, principal, person.id, request_id, "identity"
            ):
                results = [persons.summary_out(person, None, await mandates.status(db_session, person.id))]
        elif searched:
            filters = persons.ListFilters(name=nom, bassin=bassin, status=statut or None)
            query = persons.filtered_query(filters, readable, now())
            found = await persons.visible_page(
                db_session, principal, request_id, query, readable, cursor=suite, page_size=PAGE_SIZE
            )
            results, has_more, next_cursor = found.items, found.has_more, found.next_cursor
        return page(
            request,
            "search.html",
            results=results,
            searched=searched,
            has_more=has_more,
            next_cursor=next_cursor,
            query={"nom": nom or "", "niss": niss or "", "bassin": bassin or "", "statut": statut or ""},
            statuses=STATUS_FILTERS,
        )
