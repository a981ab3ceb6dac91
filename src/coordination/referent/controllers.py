"""HTTP routes of the single referent: parse, call the use case, shape the answer. ``ROUTES`` is
collected by ``app.py``.

Every route that touches a person's file declares ``opt={"section": "trajectory", "action": ...}``: the
``access`` dependency asks the gate for that person before the handler runs (lists get the gate's
predicate and journal each person shown). The advisers' directory touches no file
(``opt={"public": ...}``). The use cases come bound to the request's session, principal, request id and
rule files (``referents``, :class:`coordination.referent.use_cases.Referents`, declared once per
controller); the request's session commits (handlers never do).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter

from coordination.access.declared import Access
from coordination.access.filter import Readable
from coordination.http_utils import etag_for, require_if_match
from coordination.referent import advisers, presenters, schemas, services, use_cases
from coordination.referent.models import Adviser
from coordination.referent.policies import provide_policies
from coordination.referent.use_cases import Referents

SECTION = services.SECTION
READ = {"section": SECTION, "action": "read"}
WRITE = {"section": SECTION, "action": "write"}
LIST = {**READ, "list": True}
DIRECTORY = {"public": "annuaire des conseillers : aucun dossier de personne"}
StaleDays = Annotated[int | None, Parameter(ge=1, le=3650)]


DEPENDENCIES = {
    "policies": Provide(provide_policies, sync_to_thread=False),
    "referents": Provide(use_cases.provide_referents, sync_to_thread=False),
}


class _ReferentRoutes(Controller):
    """What every referent controller shares: its tag, the rule files and the bound use cases (a
    controller with no route of its own: Litestar registers the subclasses)."""

    tags = ["Référent unique"]
    dependencies = DEPENDENCIES


class PersonReferentController(_ReferentRoutes):
    path = "/api/v1/persons/{person_id:uuid}"

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


class MyPortfolioController(_ReferentRoutes):
    path = "/api/v1/referents/me"

    @get("/portfolio", opt=LIST)
    async def portfolio(
        self, access: Access, referents: Referents, stale_days: StaleDays = None
    ) -> schemas.PortfolioOut:
        found = await referents.worklist(_readable(access), stale_days)
        return schemas.PortfolioOut(
            adviser=presenters.adviser_out(found.adviser, found.load),
            stale_days=found.stale_days,
            items=found.items,
        )

    @get("/alerts", opt=LIST)
    async def alerts(
        self, access: Access, referents: Referents, stale_days: StaleDays = None
    ) -> list[schemas.AlertOut]:
        found = await referents.worklist(_readable(access), stale_days)
        return [presenters.alert_out(a) for a in found.alerts]

    @get("/handovers", opt=READ)
    async def handovers(self, referents: Referents) -> list[schemas.MyHandoverOut]:
        """Handovers the caller gave or received (see :func:`use_cases.my_handovers`)."""
        return await referents.handovers()


def _readable(access: Access) -> Readable:
    assert access.readable is not None  # a list route: the dependency gave the predicate or refused
    return access.readable


class ReferentOperationsController(_ReferentRoutes):
    path = "/api/v1/referents"

    @post("/import", opt=WRITE, status_code=200)
    async def import_csv(self, request: Request, referents: Referents) -> schemas.ImportOut:
        """CSV body (``person_id,adviser_id,reason``); each line is accepted or refused on its own."""
        return await referents.import_csv(await request.body())

    @post("/bulk-assignment", opt=WRITE, status_code=200)
    async def bulk_assignment(
        self, referents: Referents, data: schemas.BulkIn | None = None
    ) -> schemas.BulkOut:
        """Optimal assignment of the people without a referent that the caller may handle; dry run by default."""
        return await referents.bulk_assignment(data or schemas.BulkIn())


class AdviserController(_ReferentRoutes):
    path = "/api/v1/advisers"

    @get("/", opt=DIRECTORY)
    async def list_advisers(self, referents: Referents) -> list[schemas.AdviserOut]:
        return await referents.advisers()

    @post("/", opt=DIRECTORY, status_code=201)
    async def create_adviser(
        self, referents: Referents, data: schemas.AdviserIn
    ) -> Response[schemas.AdviserOut]:
        return _with_adviser_etag(await referents.create_adviser(data), 0, 201)

    @get("/{adviser_id:uuid}", opt=DIRECTORY)
    async def read_adviser(self, referents: Referents, adviser_id: UUID) -> Response[schemas.AdviserOut]:
        """One adviser, with the ``ETag`` an administrator sends back in ``If-Match`` to change it."""
        return _with_adviser_etag(*await referents.read_adviser(adviser_id))

    @patch("/{adviser_id:uuid}", opt=DIRECTORY)
    async def update_adviser(
        self, request: Request, referents: Referents, adviser_id: UUID, data: schemas.AdviserPatch
    ) -> Response[schemas.AdviserOut]:
        """Capacity or activity; ``If-Match`` with the adviser's ``ETag`` (428 without, 412 when stale)."""
        changed = await referents.change_adviser(
            adviser_id, data, lambda version: require_if_match(request, version)
        )
        return _with_adviser_etag(*changed)


def _with_adviser_etag(adviser: Adviser, load: int, status_code: int = 200) -> Response[schemas.AdviserOut]:
    return Response(
        presenters.adviser_out(adviser, load),
        status_code=status_code,
        headers={"ETag": etag_for(advisers.adviser_version(adviser))},
    )


ROUTES = [PersonReferentController, MyPortfolioController, ReferentOperationsController, AdviserController]
