"""HTTP routes of the single referent: parse, call the use case, shape the answer. ``ROUTES`` is
collected by ``app.py``.

Every route that touches a person's file declares ``opt={"section": "trajectory", "action": ...}``: the
``access`` dependency asks the gate for that person before the handler runs (lists get the gate's
predicate and journal each person shown). The advisers' directory touches no file
(``opt={"public": ...}``). The principal, the request id and the rule files are dependencies declared once
per controller, and the person routes get their use cases bound to them (``referents``,
:class:`coordination.referent.use_cases.Referents`); the request's session commits (handlers never do).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.access.principal import Principal
from coordination.http_utils import etag_for, require_if_match
from coordination.referent import advisers, bulk, importer, presenters, schemas, services, use_cases
from coordination.referent.models import Adviser
from coordination.referent.policies import ReferentPolicies, provide_policies
from coordination.referent.use_cases import Referents

SECTION = services.SECTION
READ = {"section": SECTION, "action": "read"}
WRITE = {"section": SECTION, "action": "write"}
LIST = {**READ, "list": True}
DIRECTORY = {"public": "annuaire des conseillers : aucun dossier de personne"}
StaleDays = Annotated[int | None, Parameter(ge=1, le=3650)]


DEPENDENCIES = {"policies": Provide(provide_policies, sync_to_thread=False)}


class PersonReferentController(Controller):
    path = "/api/v1/persons/{person_id:uuid}"
    tags = ["Référent unique"]
    dependencies = {**DEPENDENCIES, "referents": Provide(use_cases.provide_referents, sync_to_thread=False)}

    @get("/orientation", opt=READ)
    async def get_orientation(
        self, access: Access, referents: Referents, person_id: UUID
    ) -> schemas.OrientationOut:
        return await referents.orientation(person_id)

    @post("/orientation", opt=WRITE, status_code=201)
    async def orient(
        self, access: Access, referents: Referents, person_id: UUID, data: schemas.OrientationIn
    ) -> schemas.OrientationOut:
        return await referents.orient(person_id, data)

    @get("/referent", opt=READ)
    async def get_referent(
        self, access: Access, referents: Referents, person_id: UUID
    ) -> schemas.ReferentOut:
        return await referents.active(person_id)

    @get("/referent/history", opt=READ)
    async def get_history(
        self, access: Access, referents: Referents, person_id: UUID
    ) -> list[schemas.ReferentOut]:
        return await referents.history(person_id)

    @post("/referent", opt=WRITE, status_code=201)
    async def assign(
        self, access: Access, referents: Referents, person_id: UUID, data: schemas.AssignIn
    ) -> schemas.ReferentOut:
        return await referents.assign(person_id, data)

    @post("/referent/handover", opt=WRITE, status_code=201)
    async def handover(
        self, access: Access, referents: Referents, person_id: UUID, data: schemas.HandoverIn
    ) -> schemas.HandoverOut:
        return await referents.hand_over(person_id, data)

    @post("/referent/contacts", opt=WRITE, status_code=201)
    async def contact(
        self, access: Access, referents: Referents, person_id: UUID, data: schemas.ContactIn
    ) -> schemas.ReferentOut:
        return await referents.record_contact(person_id, data)


class MyPortfolioController(Controller):
    path = "/api/v1/referents/me"
    tags = ["Référent unique"]
    dependencies = DEPENDENCIES

    @get("/portfolio", opt=LIST)
    async def portfolio(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        policies: ReferentPolicies,
        request_id: str,
        stale_days: StaleDays = None,
    ) -> schemas.PortfolioOut:
        assert access.readable is not None  # a list route: the dependency gave the predicate or refused
        found = await use_cases.my_worklist(
            db_session, principal, policies, access.readable, request_id, stale_days=stale_days
        )
        return schemas.PortfolioOut(
            adviser=presenters.adviser_out(found.adviser, found.load),
            stale_days=found.stale_days,
            items=found.items,
        )

    @get("/alerts", opt=LIST)
    async def alerts(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        policies: ReferentPolicies,
        request_id: str,
        stale_days: StaleDays = None,
    ) -> list[schemas.AlertOut]:
        assert access.readable is not None  # a list route: the dependency gave the predicate or refused
        found = await use_cases.my_worklist(
            db_session, principal, policies, access.readable, request_id, stale_days=stale_days
        )
        return [presenters.alert_out(a) for a in found.alerts]

    @get("/handovers", opt=READ)
    async def handovers(
        self, db_session: AsyncSession, principal: Principal, request_id: str
    ) -> list[schemas.MyHandoverOut]:
        """Handovers the caller gave or received (see :func:`use_cases.my_handovers`)."""
        return await use_cases.my_handovers(db_session, principal, request_id)


class ReferentOperationsController(Controller):
    path = "/api/v1/referents"
    tags = ["Référent unique"]
    dependencies = DEPENDENCIES

    @post("/import", opt=WRITE, status_code=200)
    async def import_csv(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        policies: ReferentPolicies,
        request_id: str,
    ) -> schemas.ImportOut:
        """CSV body (``person_id,adviser_id,reason``); each line is accepted or refused on its own."""
        lines = await importer.import_upload(
            db_session, principal, policies, await request.body(), request_id=request_id
        )
        created = sum(1 for line in lines if line.status == "created")
        return schemas.ImportOut(
            created=created,
            refused=len(lines) - created,
            lines=[schemas.ImportLineOut(**line.__dict__) for line in lines],
        )

    @post("/bulk-assignment", opt=WRITE, status_code=200)
    async def bulk_assignment(
        self,
        db_session: AsyncSession,
        principal: Principal,
        policies: ReferentPolicies,
        request_id: str,
        data: schemas.BulkIn | None = None,
    ) -> schemas.BulkOut:
        """Optimal assignment of the people without a referent that the caller may handle; dry run by default."""
        body = data or schemas.BulkIn()
        result = await bulk.run(db_session, principal, policies, body, request_id)
        return presenters.bulk_out(result, dry_run=not body.apply)


class AdviserController(Controller):
    path = "/api/v1/advisers"
    tags = ["Référent unique"]
    dependencies = DEPENDENCIES

    @get("/", opt=DIRECTORY)
    async def list_advisers(self, db_session: AsyncSession, principal: Principal) -> list[schemas.AdviserOut]:
        return [
            presenters.adviser_out(a, load) for a, load in await advisers.directory(db_session, principal)
        ]

    @post("/", opt=DIRECTORY, status_code=201)
    async def create_adviser(
        self, db_session: AsyncSession, principal: Principal, data: schemas.AdviserIn
    ) -> Response[schemas.AdviserOut]:
        adviser = await advisers.create_adviser(db_session, principal, data)
        return _with_adviser_etag(adviser, 0, 201)

    @get("/{adviser_id:uuid}", opt=DIRECTORY)
    async def read_adviser(
        self, db_session: AsyncSession, principal: Principal, adviser_id: UUID
    ) -> Response[schemas.AdviserOut]:
        """One adviser, with the ``ETag`` an administrator sends back in ``If-Match`` to change it."""
        adviser, load = await advisers.read_adviser(db_session, principal, adviser_id)
        return _with_adviser_etag(adviser, load)

    @patch("/{adviser_id:uuid}", opt=DIRECTORY)
    async def update_adviser(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        adviser_id: UUID,
        data: schemas.AdviserPatch,
    ) -> Response[schemas.AdviserOut]:
        """Capacity or activity; ``If-Match`` with the adviser's ``ETag`` (428 without, 412 when stale)."""
        adviser, load = await advisers.change_adviser(
            db_session, principal, adviser_id, data, lambda version: require_if_match(request, version)
        )
        return _with_adviser_etag(adviser, load)


def _with_adviser_etag(adviser: Adviser, load: int, status_code: int = 200) -> Response[schemas.AdviserOut]:
    return Response(
        presenters.adviser_out(adviser, load),
        status_code=status_code,
        headers={"ETag": etag_for(advisers.adviser_version(adviser))},
    )


ROUTES = [PersonReferentController, MyPortfolioController, ReferentOperationsController, AdviserController]
