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


async def test_evaluation_opens_on_the_latest_year_with_figures_and_keeps_it(client, demo):
    import re

    from coordination.clock import today

    year = today().year
    await sign_in(client, "regis")
    html = unescape((await client.get("/cadastre/comparaison")).text)
    assert f"Comparer les partenaires — {year}" in html
    # figures, bars and intervals show; the small partner is masked
    assert re.search(r"<td class=\"num\">0,\d\d</td>", html), "no observed/expected ratio published"
    assert "masqué" in html and "masqué (moins de 5 personnes)" in html
    # referral outcomes under the same rules, by month at the finest
    assert f"Orientations reçues par les partenaires en {year}" in html
    assert "publiées par mois au plus fin" in html
    # a long name wraps in the chart, whole, never cut
    assert "Boulangerie artisanale" in html and "de la Sambre" in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids"
    # the list keeps the year for « Comparer la sélection », and the bassin filter ignores case
    listing = unescape((await client.get("/cadastre/", params={"bassin": "CHARLEROI"})).text)
    assert "CISP L'Envol" in listing and "Duo Mentorat Wallonie" not in listing
    assert f'name="annee" min="2000" max="2100" value="{year}"' in listing


async def test_partner_imports_steps_through_the_page(client, demo):
    await sign_in(client, "paul")
    form = await client.get("/cadastre/import-etapes")
    assert form.status_code == 200 and "Télécharger le modèle" in unescape(form.text)
    token = client.cookies.get("coordination_csrf")
    bad = b"niss;type;debut;statut\r\n85071412330;stage;31/02/2025;en cours\r\n"
    response = await client.post(
        "/cadastre/import-etapes",
        data={"csrf_token": token},
        files={"fichier": ("etapes.csv", bad, "text/csv")},
    )
    assert response.status_code == 422, response.text
    html = unescape(response.text)
    assert "Aucune ligne importée" in html and "Ligne 2, type : Valeur « stage » non reconnue" in html
    template = await client.get("/cadastre/import-etapes/modele.csv")
    assert template.status_code == 200 and template.text.startswith("\ufeffNISS;Étape;Type;")
    client.cookies.clear()
    await sign_in(client, "regis")
    assert (await client.get("/cadastre/import-etapes")).status_code == 403


async def test_an_expired_agreement_is_closed_on_the_page_and_in_the_api_without_a_write(
    client, demo, database
):
    """Expiry is computed on read, the same way by the page and the API (one service): neither GET
    writes the closure, which the daily task records."""
    from datetime import timedelta
    from uuid import UUID

    from sqlalchemy import select

    from coordination import clock
    from coordination.cadastre.models import Agreement
    from coordination.directory.models import Organisation, OrganisationKind
    from tests.integration.cadastre.conftest import direct_session

    async with direct_session(database) as session:
        forem_id = await session.scalar(
            select(Organisation.id).where(Organisation.kind == OrganisationKind.FOREM).limit(1)
        )
    await sign_in(client, "admin")
    csrf = {"x-csrf-token": client.cookies.get("coordination_csrf")}
    org = await client.post(
        "/api/v1/cadastre/organisations", json={"name": "CISP Échu", "partner_kind": "cisp"}, headers=csrf
    )
    assert org.status_code == 201, org.text
    today = clock.today()
    agreement = await client.post(
        "/api/v1/cadastre/agreements",
        json={
            "reference": "ECHUE-1",
            "title": "Préformation",
            "organisation_id": org.json()["id"],
            "funder_id": str(forem_id),
            "kind": "partnership",
            "start_date": str(today - timedelta(days=300)),
            "end_date": str(today - timedelta(days=1)),
        },
        headers=csrf,
    )
    assert agreement.status_code == 201, agreement.text
    assert agreement.json()["status"] == "closed"
    client.cookies.clear()

    await sign_in(client, "regis")
    page = await client.get(f"/cadastre/partenaires/{org.json()['id']}")
    assert page.status_code == 200, page.text
    row = next(line for line in unescape(page.text).splitlines() if "ECHUE-1" in line)
    assert "clôturée" in row and "n'accepte plus d'étapes" in row
    api = await client.get(f"/api/v1/cadastre/agreements/{agreement.json()['id']}")
    assert api.json()["status"] == "closed" and api.json()["closed_reason"] == "expired"

    async with direct_session(database) as session:
        stored = await session.get(Agreement, UUID(agreement.json()["id"]))
        assert (stored.status, stored.closed_on, stored.version) == ("active", None, 1)
