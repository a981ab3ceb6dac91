"""Bulk import of a partner's steps and outcomes: all or nothing, a French report line by line, the API's
rules on every line (the step's service and agreement are its organisation's, the agreement covers its
dates), every person through the gate, journaled."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from coordination.access.models import AccessJournalEntry
from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import TrajectoryStep
from coordination.factories import AgreementFactory, PartnerProfileFactory, ServiceFactory
from tests.integration.cadastre.conftest import direct_session
from tests.integration.dossier.conftest import OTHER_NISS, VALID_NISS, niss_for

URL = "/api/v1/cadastre/steps/import"
THIRD_NISS = niss_for("880101", "123")
UNKNOWN_NISS = niss_for("770202", "456")


async def _setup(client, world, database) -> dict:
    """Two partners of the registry with their services, an agreement funding ``own``, a Forem referent who
    opens three files and an operator of ``own`` to whom two of the three people consented."""
    await world.add_organisations(
        {
            "own": ("CISP L'Envol", OrganisationKind.PARTNER),
            "other": ("MIRE Centre", OrganisationKind.PARTNER),
        },
        bassin=None,
    )
    own, other = world.orgs["own"], world.orgs["other"]
    other_service = ServiceFactory.build(organisation_id=other.id, name="Jobcoaching")
    await world.add(
        *[PartnerProfileFactory.build(organisation_id=o.id, partner_kind="cisp") for o in (own, other)],
        ServiceFactory.build(organisation_id=own.id, name="Préformation logistique"),
        other_service,
        AgreementFactory.build(reference="AG-1", title="Préformation", organisation_id=own.id,
                               funder_id=world.forem.id, kind="call_for_projects", start_date=date(2025, 1, 1),
                               end_date=date(2027, 12, 31)),
    )  # fmt: skip
    await world.add_users(
        {
            "ref": ("Référente", Role.FOREM_REFERENT, "forem"),
            "op": ("Opératrice", Role.PARTNER_OPERATOR, "own"),
        },
        subject_prefix="",
    )
    people = {}
    for niss in (VALID_NISS, OTHER_NISS, THIRD_NISS):
        response = await client.post(
            "/api/v1/persons",
            json={"niss": niss, "first_name": "Julie", "last_name": "Martin", "forem_registered": True},
            headers=world.headers("ref"),
        )
        assert response.status_code == 201, response.text
        people[niss] = response.json()["id"]
    for niss in (VALID_NISS, OTHER_NISS):  # the third person gave no consent to the partner
        await world.add_consent(people[niss], "own", ["trajectory"], recorded_by="ref")
    return {
        "operator": world.headers("op"),
        "people": people,
        "own": own.id,
        "other_service": other_service.id,
    }


async def _steps(database) -> list[TrajectoryStep]:
    async with direct_session(database) as session:
        return list((await session.scalars(select(TrajectoryStep).order_by(TrajectoryStep.start_date))).all())


def _csv(*lines: str) -> bytes:
    header = "niss;etape;type;service;convention;titre;debut;fin;statut;date_sortie;contrat;duree_mois;formation_qualifiante"
    return ("\ufeff" + "\r\n".join([header, *lines]) + "\r\n").encode()


async def test_a_valid_file_creates_then_updates_steps(client, world, database):
    ctx = await _setup(client, world, database)
    headers = {**ctx["operator"], "Content-Type": "text/csv"}
    content = _csv(
        f"{VALID_NISS};;formation;Préformation logistique;AG-1;Logistique;06/01/2025;28/03/2025;terminée;;;;oui",
        f"{OTHER_NISS};;mentorat;;;;2025-02-03;;en cours;;;;",
    )
    response = await client.post(URL, content=content, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["imported"] is True and response.json()["lines"] == 2
    steps = await _steps(database)
    assert [(s.kind, s.status, s.organisation_id) for s in steps] == [
        ("training", "completed", ctx["own"]),
        ("mentoring", "ongoing", ctx["own"]),
    ]
    assert steps[0].agreement_id is not None and steps[0].service_id is not None
    # the outcome of the second step, reported later: dropped out on 14 March
    update = _csv(f"{OTHER_NISS};{steps[1].id};;;;;;14/03/2025;abandon;14/03/2025;;;")
    response = await client.post(URL, content=update, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["report"][0]["action"] == "updated"
    steps = await _steps(database)
    assert (steps[1].status, steps[1].exit_date) == ("dropped_out", date(2025, 3, 14))


async def test_a_file_with_errors_writes_nothing_and_reports_each_line_in_french(client, world, database):
    ctx = await _setup(client, world, database)
    headers = {**ctx["operator"], "Content-Type": "text/csv"}
    content = _csv(
        f"{VALID_NISS};;formation;;;;06/01/2025;28/03/2025;terminée;;;;",  # good
        f"{VALID_NISS};;formation;;AG-1;;06/01/2024;28/03/2024;terminée;;;;",  # agreement does not cover 2024
        f"{OTHER_NISS};;mentorat;{ctx['other_service']};;;2025-02-03;;en cours;;;;",  # another's service
        f"{UNKNOWN_NISS};;mentorat;;;;2025-02-03;;en cours;;;;",  # no such file
        f"{THIRD_NISS};;mentorat;;;;2025-02-03;;en cours;;;;",  # no consent: the gate refuses
        f"{OTHER_NISS};;stage;;;;31/02/2025;;en cours;;;;",  # unknown kind, impossible date
        f"{OTHER_NISS};;mentorat;;;;2025-02-03;;en cours;;;;",  # good
    )
    journal_before = await _journal_count(database)
    response = await client.post(URL, content=content, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"] == "Aucune ligne importée : 5 ligne(s) à corriger sur 7."
    by_line = {line["line"]: line for line in problem["report"]}
    assert by_line[2]["ok"] and by_line[8]["ok"]
    assert (
        "AG-1" in by_line[3]["errors"][0]["message"] and "ne couvre pas" in by_line[3]["errors"][0]["message"]
    )
    assert by_line[3]["errors"][0]["field"] == "convention"
    assert "n'est pas proposé par l'organisation" in by_line[4]["errors"][0]["message"]
    # an unknown NISS and a refused file read the same: the import does not tell which NISS exist
    assert by_line[5]["errors"] == by_line[6]["errors"]
    assert by_line[5]["errors"][0]["field"] == "niss"
    assert {e["field"] for e in by_line[7]["errors"]} == {"type", "debut"}
    assert any(text.startswith("Ligne 3, convention : La convention AG-1") for text in problem["lines"])
    assert await _steps(database) == []  # all or nothing
    # every person reached went through the gate, journaled (the refusal too), though nothing was written
    async with direct_session(database) as session:
        rows = (await session.execute(
            select(AccessJournalEntry.decision, AccessJournalEntry.section)
            .order_by(AccessJournalEntry.at)
            .offset(journal_before)
        )).all()  # fmt: skip
    assert sorted(rows) == [("allow", "trajectory"), ("allow", "trajectory"), ("deny", "trajectory")]


async def _journal_count(database) -> int:
    async with direct_session(database) as session:
        return int(await session.scalar(select(func.count()).select_from(AccessJournalEntry)))


async def test_bad_files_and_roles_get_a_clear_answer(client, world, database):
    ctx = await _setup(client, world, database)
    headers = {**ctx["operator"], "Content-Type": "text/csv"}
    bad_header = await client.post(URL, content=b"nom;prenom\r\nx;y\r\n", headers=headers)
    assert bad_header.status_code == 422
    assert "Colonne inconnue « nom »" in str(bad_header.json()["report"])
    latin1 = await client.post(URL, content=_csv(f"{VALID_NISS};;formation;;;é;;;;;;;").decode().lstrip("\ufeff").encode("latin-1"),
                               headers=headers)  # fmt: skip
    assert latin1.status_code == 422 and "UTF-8" in str(latin1.json()["report"])
    assert (await client.post(URL, content=_csv(), headers=headers)).status_code == 422
    regulator = {**world.regulator, "Content-Type": "text/csv"}
    assert (await client.post(URL, content=_csv(), headers=regulator)).status_code == 403
    template = await client.get("/api/v1/cadastre/steps/import-template", headers=ctx["operator"])
    assert template.status_code == 200 and template.text.startswith(
        "\ufeffNISS;Étape;Type;Service;Convention;Titre;Début;Fin;Statut;Date de sortie"
    )
