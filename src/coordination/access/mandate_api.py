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
from coordination.access.context import CONTEXT_DEPENDENCIES, Context
from coordination.access.declared import Access
from coordination.access.mandate_schemas import AssertMandate, EndMandate, MandateOut
from coordination.access.models import MandateKind
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
    dependencies = CONTEXT_DEPENDENCIES

    @get(
        "/",
        opt={"section": "identity", "action": "read"},
        summary="Mandats légaux déclarés, avec l'historique",
    )
    async def list_mandates(self, ctx: Context, access: Access, person_id: UUID) -> list[MandateOut]:
        return await mandates.list_mandates(ctx.session, person_id)

    @post(
        "/",
        opt={"section": "identity", "action": "write", "gate": ASSERTION},
        status_code=HTTP_201_CREATED,
        summary="Déclarer un mandat de son propre organisme (inscription au Forem, RIS payé par ce CPAS)",
    )
    async def assert_mandate(self, ctx: Context, person_id: UUID, data: AssertMandate) -> MandateOut:
        asserter = mandates.Asserter.of(ctx.principal)
        kind = MandateKind(data.kind)
        mandate = await mandates.assert_mandate(
            ctx.session, asserter, person_id, kind=kind, started_on=data.started_on, ground=data.ground
        )
        return await _out(ctx.session, mandate)

    @post(
        "/{mandate_id:uuid}/end",
        opt={"section": "identity", "action": "write", "gate": ASSERTION},
        status_code=HTTP_200_OK,
        summary="Clore un mandat de son propre organisme",
    )
    async def end_mandate(
        self, ctx: Context, person_id: UUID, mandate_id: UUID, data: EndMandate
    ) -> MandateOut:
        asserter = mandates.Asserter.of(ctx.principal)
        mandate = await mandates.end_mandate(
            ctx.session, asserter, person_id, mandate_id, ended_on=data.ended_on, ground=data.ground
        )
        return await _out(ctx.session, mandate)


ROUTES = [MandateController]
