"""Web test helpers: demo directory seeded, a sign-in through the real development login page."""

from __future__ import annotations

import re

import pytest

from coordination.demo.directory import seed_directory

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


@pytest.fixture
async def directory(database):
    async with database.sessionmaker() as session:
        found = await seed_directory(session)
        await session.commit()
    return found


async def sign_in(client, subject: str) -> None:
    """Use the development sign-in page like a browser would (cookie + CSRF token)."""
    page = await client.get("/connexion")
    assert page.status_code == 200, page.text
    response = await client.post(
        "/connexion",
        data={"csrf_token": csrf_from(page.text), "subject": subject, "suivant": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


async def form_token(client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_from(page.text)


@pytest.fixture
def demo(settings, database, demo_seed) -> None:
    """The real demo (``coordination demo``): this test's database is a copy of the demo loaded once per
    worker (``demo_seed``, tests/integration/conftest.py); here the keys and documents it wrote beside its
    rows are copied into this test's folders."""
    demo_seed.copy_files_to(settings)


async def person_ids(database) -> dict[str, object]:
    """First name → person id of the demo files."""
    from sqlalchemy import select

    from coordination.dossier.models import Person

    async with database.sessionmaker() as session:
        rows = await session.execute(select(Person.first_name, Person.id))
        return {first: pid for first, pid in rows}
