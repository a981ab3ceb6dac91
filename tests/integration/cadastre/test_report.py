"""The regulators' PDF evaluation report: French, the definition printed, suppressed cells still suppressed."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from coordination.directory.models import Role
from tests.integration.cadastre import dataset
from tests.integration.cadastre.conftest import direct_session

URL = "/api/v1/cadastre/evaluation.pdf"
JSON_URL = "/api/v1/cadastre/evaluation"


def _pages(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [page.extract_text() or "" for page in reader.pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


async def test_pdf_report_in_french_with_the_definition_and_suppression_kept(client, world, database):
    async with direct_session(database) as session:
        ids = await dataset.build(session, small_partner=True)
    response = await client.get(URL, params={"year": 2025}, headers=world.regulator)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/pdf")
    assert "cadastre-evaluation-2025.pdf" in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF")
    pages = _pages(response.content)
    text = "\n".join(pages)
    flat = _flat(text)
    for heading in (
        "Évaluation de l'efficacité des partenariats — année 2025",
        "Définition de la sortie positive",
        "Méthode",
        "Ensemble des partenaires",
        "Comparaison des partenaires",
        "Par partenaire",
        "Par convention",
        "Par bassin",
        "Par trimestre d'entrée",
    ):
        assert heading in flat, heading
    # the definition used, wording and version, on the first page and in the footer of every page
    assert "Emploi d'au moins 3 mois commencé dans les 6 mois" in _flat(pages[0])
    assert all("Sortie positive : définition 2025-01/1" in _flat(page) for page in pages)

    body = (await client.get(JSON_URL, params={"year": 2025}, headers=world.regulator)).json()
    small = next(r for r in body["partners"] if r["key"] == str(ids["d"]))
    assert small["entries"] is None  # suppressed in the JSON answer…
    hidden = [r for r in body["partners"] if r["entries"] is None]
    assert len(hidden) >= 2  # …with its complement
    for row in hidden:
        # …and in the PDF: the row shows « masqué » in every count column, never a number
        assert f"{row['label']} " + " ".join(["masqué"] * 8) in flat, row["label"]
        assert not re.search(re.escape(row["label"]) + r" \d", flat), row["label"]
    shown = [r for r in body["partners"] if r["entries"] is not None]
    assert shown
    for row in shown:
        assert (
            f"{row['label']} {row['people']} {row['entries']} {row['ended']} {row['positive_exits']}" in flat
        )
    # the chart says « masqué » for the hidden partners too
    assert "masqué (moins de 5 personnes)" in flat

    # no personal data
    for marker in ("Prénom", "Nom1", "00000000001", "Régulatrice"):
        assert marker not in text


async def test_pdf_report_has_the_json_evaluations_role_rules(client, world, database):
    async with direct_session(database) as session:
        planted = await dataset.build(session)
    assert (await client.get(URL, params={"year": 2025})).status_code == 401
    manager = world.manager(planted["b"])
    assert (await client.get(URL, params={"year": 2025}, headers=manager)).status_code == 403
    referent = world.headers(Role.FOREM_REFERENT, world.forem)
    assert (await client.get(URL, params={"year": 2025}, headers=referent)).status_code == 403
    assert (await client.get(URL, params={"year": 1999}, headers=world.regulator)).status_code == 400
    assert (await client.get(URL, headers=world.regulator)).status_code == 400
    keeper = await client.get(URL, params={"year": 2025}, headers=world.keeper)
    assert keeper.status_code == 200 and keeper.content.startswith(b"%PDF")


async def test_pdf_report_for_a_year_without_data(client, world):
    response = await client.get(URL, params={"year": 2031}, headers=world.regulator)
    assert response.status_code == 200
    assert "Aucune étape de parcours commencée en 2031" in _flat("\n".join(_pages(response.content)))
