"""Issue 20 item 12: without a scanner a document is "non analysé" and anyone but its uploader must
confirm before downloading it (an EICAR inside a .docx was served silently to another worker)."""

from __future__ import annotations

from tests.integration.dossier.conftest import create_person, give_consent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_unscanned_document_needs_confirmation_from_others(client, world, database):
    person = await create_person(client, world)
    uploaded = await client.post(
        f"/api/v1/persons/{person['id']}/documents",
        params={"filename": "cv.pdf", "category": "cv", "title": "CV"},
        content=PDF,
        headers=world.headers("referent"),
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["versions"][0]["scan_status"] == "not_scanned"
    content = f"/api/v1/persons/{person['id']}/documents/{uploaded.json()['id']}/content"
    assert (await client.get(content, headers=world.headers("referent"))).content == PDF  # the uploader
    await give_consent(database, world, person["id"], "cisp", ["documents"])
    asked = await client.get(content, headers=world.headers("cisp"))
    assert asked.status_code == 409
    assert asked.json()["type"].endswith("/not-scanned") and "non analysé" in asked.json()["detail"]
    confirmed = await client.get(content, params={"confirm": "true"}, headers=world.headers("cisp"))
    assert confirmed.status_code == 200 and confirmed.content == PDF


async def test_the_file_page_says_non_analyse(client, world, database):
    person = await create_person(client, world)
    uploaded = await client.post(
        f"/api/v1/persons/{person['id']}/documents",
        params={"filename": "cv.pdf", "category": "cv", "title": "CV"},
        content=PDF,
        headers=world.headers("referent"),
    )
    assert uploaded.status_code == 201
    await give_consent(database, world, person["id"], "cisp", ["documents"])
    client.cookies.set("coordination_token", world.tokens["cisp"])
    page = await client.get(f"/dossiers/{person['id']}")
    assert page.status_code == 200, page.text[:300]
    assert "non analysé" in page.text and "content?confirm=true" in page.text
