"""The referent's worklist and the workers' file search, with the referent and dossier services and the
gate asked for each person listed (the same way as ``/api/v1/referents/me/portfolio`` and
``/api/v1/persons``)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.params import Parameter

from coordination.access.declared import Access
from coordination.dossier import schemas
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.niss import NISS_KEY
from coordination.dossier.services import persons
from coordination.dossier.services.person_files import search_persons
from coordination.errors import BadRequest, Forbidden
from coordination.referent import use_cases
from coordination.referent.policies import ReferentPolicies, provide_policies
from coordination.referent.roles import ADVISER_ROLES
from coordination.web.access import WEB_ACCESS
from coordination.web.render import fields_of, page

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


class WorklistPages(Controller):
    path = "/"
    dependencies = {
        **WEB_ACCESS,
        **DOSSIER_CONTEXT,
        **NISS_KEY,
        "policies": Provide(provide_policies, sync_to_thread=False),
    }

    @get("/portefeuille", opt={"section": "trajectory", "action": "read", "list": True})
    async def portfolio(
        self,
        request: Request,
        ctx: FileRequest,
        access: Access,
        policies: ReferentPolicies,
        inactifs: Annotated[int | None, Parameter(ge=1, le=3650)] = None,
        ok: Annotated[str | None, Parameter(max_length=20)] = None,
    ) -> Response:
        """The same worklist as ``/api/v1/referents/me/portfolio`` and ``…/alerts``
        (:func:`coordination.referent.use_cases.my_worklist`), with this page's refusal for other roles."""
        if ctx.principal.role not in ADVISER_ROLES:
            raise Forbidden("Cette page est réservée aux conseillers et assistants sociaux référents.")
        assert access.readable is not None  # a list route: the dependency gave the predicate or refused
        found = await use_cases.my_worklist(
            ctx.session, ctx.principal, policies, access.readable, ctx.request_id, stale_days=inactifs
        )
        labels = policies.matrix.labels_fr
        return page(
            request,
            "worklist.html",
            **fields_of(found),
            track_label=lambda t: labels.get(t, t) if t else "—",
            overdue=sum(1 for i in found.items if i.first_contact_overdue),
            stale=sum(1 for i in found.items if i.stale),
            message=CONFIRMATIONS.get(ok or ""),
        )

    @get("/dossiers", opt={"section": "identity", "action": "read", "list": True})
    async def search(
        self,
        request: Request,
        ctx: FileRequest,
        access: Access,
        niss_key: bytes,
        nom: Annotated[str | None, Parameter(max_length=100)] = None,
        niss: Annotated[str | None, Parameter(max_length=20)] = None,
        bassin: Annotated[str | None, Parameter(max_length=80)] = None,
        statut: str | None = None,
        suite: Annotated[str | None, Parameter(max_length=1000)] = None,
    ) -> Response:
        """The search of ``GET /api/v1/persons`` (:func:`~coordination.dossier.services.person_files.
        search_persons`): the gate's predicate in the database, one journal row per file shown; the
        regulator and the person get the refusal page."""
        readable = access.readable
        assert readable is not None  # a list route: the dependency gave the predicate or refused
        if statut and statut not in STATUS_FILTERS:
            raise BadRequest("Filtre de statut inconnu.")
        searched = bool(nom or niss or bassin or statut)
        found = schemas.PersonPage(items=[], page_size=PAGE_SIZE, has_more=False)
        if searched:
            filters = persons.ListFilters(name=nom, bassin=bassin, status=statut or None)
            found = await search_persons(
                ctx, readable, niss_key, niss, filters, cursor=suite, page_size=PAGE_SIZE
            )
        return page(
            request,
            "search.html",
            results=found.items,
            searched=searched,
            has_more=found.has_more,
            next_cursor=found.next_cursor,
            query={"nom": nom or "", "niss": niss or "", "bassin": bassin or "", "statut": statut or ""},
            statuses=STATUS_FILTERS,
        )
