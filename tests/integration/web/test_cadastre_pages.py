from __future__ import annotations

from html import unescape

from tests.integration.web.conftest import sign_in


async def test_regulator_browses_and_compares(client, demo):
    await sign_in(client, "regis")
    response = await client.get("/cadastre/")
    assert response.status_code == 200, response.text
    assert "Cadastre des partenariats" in response.text
    assert "/api/v1/cadastre/export/organisations" in response.text
    response = await client.get("/cadastre/comparaison", params={"annee": 2026})
    assert response.status_code == 200, response.text
    html = unescape(response.text)
    assert "<svg" in html and "Sorties positives observées / attendues" in html
    assert "Traceback" not in html
    # the definition in plain French with its version, never a raw dict
    assert "compte comme sortie positive si la personne a ensuite" in html and "Définition 2025-01/1" in html
    assert "{'version'" not in html and "'label':" not in html
    assert "/api/v1/cadastre/evaluation.csv?year=2026" in html


async def test_regulator_exports_csv(client, demo):
    await sign_in(client, "regis")
    response = await client.get("/api/v1/cadastre/export/organisations")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")


async def test_referent_may_browse_but_not_see_effectiveness_figures(client, demo):
    await sign_in(client, "sophie")
    assert (await client.get("/cadastre/")).status_code == 200
    response = await client.get("/cadastre/comparaison")
    assert response.status_code == 403
    assert "réservés aux régulateurs" in unescape(response.text)


async def test_beneficiary_has_no_cadastre(client, demo):
    await sign_in(client, "julie")
    response = await client.get("/cadastre/")
    assert response.status_code == 403
    assert "réservé aux professionnels" in unescape(response.text)


async def test_partner_page_with_chart(client, demo):
    await sign_in(client, "admin")
    created = await client.post(
        "/api/v1/cadastre/organisations",
        json={"name": "CISP Horizon", "partner_kind": "cisp", "bassin": "Namur", "description": "Formations"},
        # a write through the API with the session cookie carries the pages' CSRF token (issue 20)
        headers={"x-csrf-token": client.cookies.get("coordination_csrf")},
    )
    assert created.status_code == 201, created.text
    org_id = created.json()["id"]
    client.cookies.clear()
    await sign_in(client, "regis")
    listing = await client.get("/cadastre/", params={"q": "horizon"})
    assert f"/cadastre/partenaires/{org_id}" in listing.text
    response = await client.get(f"/cadastre/partenaires/{org_id}", params={"annee": 2026})
    assert response.status_code == 200, response.text
    html = unescape(response.text)
    assert "CISP Horizon" in html and "Indicateurs 2026" in html and "<svg" in html
    assert "compte comme sortie positive si la personne a ensuite" in html and "{'version'" not in html
