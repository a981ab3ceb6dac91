"""HTTP API of mandate assertions: read them (gated like the identity section), assert or end them (the
mandated organisation only, see :mod:`coordination.access.mandates`).

Asserting a mandate is not reading the file: a Forem worker who registers a person the CPAS opened, or a
CPAS that starts paying a RIS, has no access yet; the assertion is what gives it. So the writes are not
gated by the file's facts but by who asserts (403 for anyone but the mandated organisation), and each is
a dated, attributed row that the person is told about and sees in her space and the timeline. The answer
carries the assertion only, never file data.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import mandates
from coordination.access.declared import Access
from coordination.access.mandate_schemas import AssertMandate, EndMandate, MandateOut
from coordination.access.models import MandateKind
from coordination.access.principal import Principal
from coordination.directory.models import Organisation

ASSERTION = (
    "une déclaration de mandat ne lit pas le dossier : seul l'organisme mandaté la fait (access.mandates)"
)


async def _out(session: AsyncSession, mandate) -> MandateOut:
    name = await session.scalar(select(Organisation.name).where(Organisation.id == mandate.organisation_id))
    return mandates.mandate_out(mandate, name)


class MandateController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/mandates"
    tags = ["mandats"]

    @get(
        "/",
        opt={"section": "identity", "action": "read"},
        summary="Mandats légaux déclarés, avec l'historique",
    )
    async def list_mandates(
        self, access: Access, db_session: AsyncSession, person_id: UUID
    ) -> list[MandateOut]:
        return await mandates.list_mandates(db_session, person_id)

    @post(
        "/",
        opt={"section": "identity", "action": "write", "gate": ASSERTION},
        status_code=HTTP_201_CREATED,
        summary="Déclarer un mandat de son propre organisme (inscription au Forem, RIS payé par ce CPAS)",
    )
    async def assert_mandate(
        self, principal: Principal, db_session: AsyncSession, person_id: UUID, data: AssertMandate
    ) -> MandateOut:
        mandate = await mandates.assert_mandate(
            db_session,
            mandates.Asserter.of(principal),
            person_id,
            kind=MandateKind(data.kind),
            started_on=data.started_on,
            ground=data.ground,
        )
        return await _out(db_session, mandate)

    @post(
        "/{mandate_id:uuid}/end",
        opt={"section": "identity", "action": "write", "gate": ASSERTION},
        status_code=HTTP_200_OK,
        summary="Clore un mandat de son propre organisme",
    )
    async def end_mandate(
        self,
        principal: Principal,
        db_session: AsyncSession,
        person_id: UUID,
        mandate_id: UUID,
        data: EndMandate,
    ) -> MandateOut:
        mandate = await mandates.end_mandate(
            db_session,
            mandates.Asserter.of(principal),
            person_id,
            mandate_id,
            ended_on=data.ended_on,
            ground=data.ground,
        )
        return await _out(db_session, mandate)


ROUTES = [MandateController]
