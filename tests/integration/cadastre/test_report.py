"""The regulators' PDF evaluation report: French, the definition printed, suppressed cells still suppressed."""

from __future__ import annotations

import csv
import io
import re

from pypdf import PdfReader

from coordination.directory.models import Role
from coordination.factories import TrajectoryStepFactory
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
    assert "compte comme sortie positive si la personne a ensuite un emploi d'au moins 3 mois" in _flat(
        pages[0]
    )
    assert all("Sortie positive : définition 2025-01/1" in _flat(page) for page in pages)

    body = (await client.get(JSON_URL, params={"year": 2025}, headers=world.regulator)).json()
    small = next(r for r in body["partners"] if r["key"] == str(ids["d"]))
    assert small["entries"] is None  # suppressed in the JSON answer…
    hidden = [r for r in body["partners"] if r["entries"] is None]
    assert len(hidden) >= 2  # …with its complement
    for row in hidden:
        # …and in the PDF: « masqué » wherever the JSON has nothing (a zero forced by a zero total is shown)
        counts = [row[m] for m in ("people", "entries", "ended", "positive_exits")]
        assert f"{row['label']} " + " ".join("masqué" if v is None else str(v) for v in counts) in flat
        assert None in counts
    shown = [r for r in body["partners"] if r["entries"] is not None]
    assert shown
    for row in shown:
        counts = [row[m] for m in ("people", "entries", "ended", "positive_exits")]
        assert f"{row['label']} " + " ".join("masqué" if v is None else str(v) for v in counts) in flat
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


async def test_evaluation_csv_is_the_protected_json_and_says_masque(client, world, database):
    async with direct_session(database) as session:
        ids = await dataset.build(session, small_partner=True)
    response = await client.get(
        "/api/v1/cadastre/evaluation.csv", params={"year": 2025}, headers=world.regulator
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "cadastre-evaluation-2025.csv" in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert lines[0][:2] == ["Définition", "2025-01/1"]
    assert "compte comme sortie positive si la personne a ensuite" in lines[0][2]
    rows = [dict(zip(lines[1], line, strict=True)) for line in lines[2:]]
    body = (await client.get(JSON_URL, params={"year": 2025}, headers=world.regulator)).json()
    counts = {"people": "Personnes", "entries": "Entrées", "completed": "Achevées", "dropped_out": "Abandons",
              "ended": "Terminées", "positive_exits": "Sorties positives"}  # fmt: skip
    for table, label in (("partners", "partenaire"), ("services", "service"), ("partner_periods", None)):
        for row in body[table]:
            key = row["key"]["period"] if isinstance(row["key"], dict) else row["key"]
            partner = row.get("partner_id") or ""
            line = next(
                r for r in rows
                if r["Clé"] == (key or "") and r["Partenaire (identifiant)"] == partner
                and (label is None or r["Tableau"] == label)
            )  # fmt: skip
            for count, header in counts.items():
                assert line[header] == ("masqué" if row[count] is None else str(row[count])), (table, count)
            assert line["Sorties positives attendues"] == (
                "masqué"
                if row["expected_positive_exits"] is None
                else str(row["expected_positive_exits"]).replace(".", ",")
            )
    small = next(r for r in rows if r["Tableau"] == "partenaire" and r["Clé"] == str(ids["d"]))
    assert small["Entrées"] == "masqué" and small["Observé / attendu"] == "masqué"
    comma = await client.get(
        "/api/v1/cadastre/evaluation.csv", params={"year": 2025, "sep": ","}, headers=world.regulator
    )
    assert comma.text.startswith("\ufeffDéfinition,2025-01/1,")
    for marker in ("Prénom", "Nom1", "00000000001"):
        assert marker not in response.text
    manager = world.manager(ids["b"])
    assert (
        await client.get("/api/v1/cadastre/evaluation.csv", params={"year": 2025}, headers=manager)
    ).status_code == 403


async def test_pdf_is_rendered_once_and_again_only_when_the_figures_change(
    client, world, database, monkeypatch
):
    from coordination.cadastre import report

    rendered = []
    real = report.render_report

    async def counting(evaluation, policy):
        rendered.append(evaluation["year"])
        return await real(evaluation, policy)

    monkeypatch.setattr(report, "render_report", counting)
    async with direct_session(database) as session:
        ids = await dataset.build(session)
    first = await client.get(URL, params={"year": 2025}, headers=world.regulator)
    second = await client.get(URL, params={"year": 2025}, headers=world.regulator)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and rendered == [2025]  # stored, served again
    async with direct_session(database) as session:  # the figures change: one more step at partner A
        person = dataset._person(1, "Charleroi")
        session.add(person)
        await session.flush()
        session.add(TrajectoryStepFactory.build(person_id=person.id, organisation_id=ids["a"], kind="training",
                                                title=None, status="ongoing", start_date=dataset.date(2025, 5, 5)))  # fmt: skip
        await session.commit()
    third = await client.get(URL, params={"year": 2025}, headers=world.regulator)
    assert third.status_code == 200 and rendered == [2025, 2025]
    assert (await client.get(URL, params={"year": 2025}, headers=world.regulator)).content == third.content
    assert rendered == [2025, 2025]
