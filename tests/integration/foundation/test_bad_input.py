"""Issue 20 item 9, each reproduced first: bad input gets a French 400, never a 500, and changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from coordination.directory.models import Role
from coordination.dossier.models import Person
from tests.integration.access import seed

PROBLEM = "application/problem+json"


def assert_clear_400(response) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["detail"]


async def test_nul_character_in_a_text_field_is_400_and_stores_nothing(client, database, auth_headers):
    async with database.sessionmaker() as session:
        forem = seed.org(session, seed.OrganisationKind.FOREM)
        worker = seed.user(session, Role.FOREM_REFERENT, forem)
        await session.commit()
        before = await session.scalar(select(func.count()).select_from(Person))
    response = await client.post(
        "/api/v1/persons",
        json={
            "niss": "85071412330",
            "first_name": "Ju\u0000lie",
            "last_name": "Martin",
            "forem_registered": True,
            "bassin": "Charleroi",
        },
        headers=auth_headers(worker, org_kind="forem"),
    )
    assert_clear_400(response)
    assert "caractère" in response.json()["detail"]
    async with database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == before


async def test_huge_inbox_page_or_bad_cursor_is_400(client, database, auth_headers):
    async with database.sessionmaker() as session:
        forem = seed.org(session, seed.OrganisationKind.FOREM)
        worker = seed.user(session, Role.FOREM_REFERENT, forem)
        await session.commit()
    headers = auth_headers(worker, org_kind="forem")
    assert_clear_400(await client.get("/api/v1/inbox", params={"page_size": str(10**20)}, headers=headers))
    assert_clear_400(
        await client.get("/api/v1/inbox", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=headers)
    )


async def test_a_visa_in_year_9999_is_answered(client, database, auth_headers):
    """Every date of a contract pushed to the last day of year 9999: a verdict or a clear refusal."""
    from tests.integration.visa.test_visa_api import CONTRACT

    async with database.sessionmaker() as session:
        cpas = seed.org(session, seed.OrganisationKind.CPAS)
        worker = seed.user(session, Role.CPAS_SOCIAL_WORKER, cpas)
        await session.commit()
    headers = auth_headers(worker, org_kind="cpas")
    dates = [k for k, v in CONTRACT.items() if isinstance(v, str) and v[:2] == "20" and v[4:5] == "-"]
    assert dates, "the sample contract has no date to push to year 9999"
    for key in [*dates, None]:
        edge = (
            {**CONTRACT, key: "9999-12-31"}
            if key
            else {k: "9999-12-31" if k in dates else v for k, v in CONTRACT.items()}
        )
        response = await client.post("/api/v1/visa/checklist", json=edge, headers=headers)
        assert response.status_code in (200, 400), (key, response.text)
        if response.status_code == 400:
            assert response.headers["content-type"].startswith(PROBLEM) and response.json()["detail"]


async def test_outcomes_since_year_one_is_answered(client, database, auth_headers):
    async with database.sessionmaker() as session:
        partner_org = seed.org(session, seed.OrganisationKind.PARTNER)
        manager = seed.user(session, Role.PARTNER_MANAGER, partner_org)
        await session.commit()
    headers = auth_headers(manager, org_kind="partner")
    for params in (
        {"since": "0001-01-01"},
        {"until": "9999-12-31"},
        {"since": "0001-01-01", "until": "9999-12-31"},
    ):
        response = await client.get("/api/v1/referral-outcomes", params=params, headers=headers)
        assert response.status_code in (200, 400), (params, response.text)
        if response.status_code == 400:
            assert response.headers["content-type"].startswith(PROBLEM)


async def test_nul_in_a_query_or_a_form_is_400(client, database, auth_headers):
    async with database.sessionmaker() as session:
        forem = seed.org(session, seed.OrganisationKind.FOREM)
        worker = seed.user(session, Role.FOREM_REFERENT, forem)
        await session.commit()
    headers = auth_headers(worker, org_kind="forem")
    assert_clear_400(await client.get("/api/v1/inbox", params={"kind": "a\u0000b"}, headers=headers))
    form = await client.post(
        "/connexion", content=b"subject=a%00b", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert_clear_400(form) if form.headers["content-type"].startswith(PROBLEM) else None
    assert form.status_code == 400


async def test_form_bodies_are_capped_like_the_api(client, settings):
    """A url-encoded body above 1 MiB is refused before it is read whole, on every route (the version
    upload route's own ceiling is the document limit)."""
    big = b"a=" + b"x" * (settings.max_request_body_bytes + 1)
    response = await client.post(
        "/connexion", content=big, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


async def test_api_writes_with_the_cookie_need_the_csrf_header(client, database, issuer):
    """The session cookie alone (a cross-site form or a JSON body sent as text/plain) cannot write."""
    async with database.sessionmaker() as session:
        forem = seed.org(session, seed.OrganisationKind.FOREM)
        worker = seed.user(session, Role.FOREM_REFERENT, forem)
        await session.commit()
        before = await session.scalar(select(func.count()).select_from(Person))
    token = issuer.issue(worker, org_kind="forem")
    body = b'{"niss": "85071412330", "first_name": "Julie", "last_name": "Martin", "forem_registered": true}'
    client.cookies.set("coordination_token", token)
    forged = await client.post("/api/v1/persons", content=body, headers={"content-type": "text/plain"})
    assert forged.status_code == 403 and forged.json()["type"].endswith("/csrf")
    read = await client.get("/api/v1/inbox")  # reads by cookie still work (the pages use them)
    assert read.status_code == 200
    client.cookies.set("coordination_csrf", "c" * 43)
    with_header = await client.post(
        "/api/v1/persons",
        content=body,
        headers={"content-type": "application/json", "x-csrf-token": "c" * 43},
    )
    assert with_header.status_code == 201, with_header.text
    async with database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == before + 1


async def test_an_oversized_multipart_form_is_refused_before_it_is_read(client, settings):
    announced = settings.max_upload_bytes + settings.max_request_body_bytes + 1
    response = await client.post(
        "/connexion",
        content=b"--x\r\n",
        headers={"content-type": "multipart/form-data; boundary=x", "content-length": str(announced)},
    )
    assert response.status_code == 413
