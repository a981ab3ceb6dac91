"""HTTP routes of the single referent: parse, call the use case, shape the answer. ``ROUTES`` is
collected by ``app.py``.

Every route that touches a person's file declares ``opt={"section": "trajectory", "action": ...}``: the
``access`` dependency asks the gate for that person before the handler runs (lists get the gate's
predicate and journal each person shown). The advisers' directory touches no file
(``opt={"public": ...}``). The principal, the request id and the rule files are dependencies declared once
per controller; the request's session commits (handlers never do).
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
    dependencies = DEPENDENCIES

    @get("/orientation", opt=READ)
    async def get_orientation(
        self, db_session: AsyncSession, access: Access, policies: ReferentPolicies, person_id: UUID
    ) -> schemas.OrientationOut:
        row = await use_cases.current_orientation(db_session, person_id)
        return presenters.orientation_out(row, policies)

    @post("/orientation", opt=WRITE, status_code=201)
    async def orient(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        policies: ReferentPolicies,
        person_id: UUID,
        data: schemas.OrientationIn,
    ) -> schemas.OrientationOut:
        row = await use_cases.orient_person(db_session, principal, person_id, policies, data)
        return presenters.orientation_out(row, policies)

    @get("/referent", opt=READ)
    async def get_referent(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        policies: ReferentPolicies,
        person_id: UUID,
    ) -> schemas.ReferentOut:
        return await use_cases.active_referent(db_session, principal, person_id, policies)

    @get("/referent/history", opt=READ)
    async def get_history(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        policies: ReferentPolicies,
        person_id: UUID,
    ) -> list[schemas.ReferentOut]:
        return await use_cases.referent_history(db_session, principal, person_id, policies)

    @post("/referent", opt=WRITE, status_code=201)
    async def assign(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        policies: ReferentPolicies,
        person_id: UUID,
        data: schemas.AssignIn,
    ) -> schemas.ReferentOut:
        return await use_cases.assign_referent(
            db_session, principal, person_id, data.adviser_id, policies, reason=data.reason
        )

    @post("/referent/handover", opt=WRITE, status_code=201)
    async def handover(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        policies: ReferentPolicies,
        person_id: UUID,
        data: schemas.HandoverIn,
    ) -> schemas.HandoverOut:
        former, new = await use_cases.hand_over(
            db_session, principal, person_id, data.adviser_id, policies, reason=data.reason, note=data.note
        )
        return await use_cases.handover_out(db_session, former, new, policies)

    @post("/referent/contacts", opt=WRITE, status_code=201)
    async def contact(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        policies: ReferentPolicies,
        person_id: UUID,
        data: schemas.ContactIn,
    ) -> schemas.ReferentOut:
        return await use_cases.record_contact(
            db_session, principal, person_id, policies, at=data.contacted_at, note=data.note
        )


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
