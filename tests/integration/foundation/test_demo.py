"""``coordination demo``'s data set: every role can sign in and finds something to explore."""

from __future__ import annotations

from sqlalchemy import func, select

from coordination.access.models import Consent
from coordination.demo import load_demo_data
from coordination.directory.models import Role, User
from coordination.dossier.models import Person


async def test_demo_loads_once_with_every_role_and_a_living_file(settings, database, client, auth_headers):
    lines = await load_demo_data(settings)
    assert await load_demo_data(settings) == lines  # idempotent
    async with database.sessionmaker() as session:
        roles = set((await session.scalars(select(User.role))).all())
        people = await session.scalar(select(func.count()).select_from(Person))
        consents = await session.scalar(select(func.count()).select_from(Consent))
        julie = await session.scalar(select(User).where(User.subject == "julie"))
        sophie = await session.scalar(select(User).where(User.subject == "sophie"))
    assert roles >= {r for r in Role if r is not Role.FOREM_EADVISER} | {Role.FOREM_EADVISER}
    assert people >= 5 and consents >= 1
    own = await client.get("/api/v1/me/file", headers=auth_headers(julie))
    assert own.status_code == 200, own.text
    assert own.json()["identity"]["first_name"] == "Julie"
    listed = await client.get("/api/v1/persons", headers=auth_headers(sophie, org_kind="forem"))
    assert listed.status_code == 200 and listed.json()["items"]
