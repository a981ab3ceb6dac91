from __future__ import annotations

import re
from html import unescape
from uuid import UUID

from tests.integration.web.conftest import csrf_from, person_ids, sign_in

ABUSIVE = {
    "kind": "fixed_term",
    "start_date": "2026-12-01",
    "end_date": "2027-05-31",
    "employer_name": "Nettoyage Express SRL",
    "joint_committee": "121",
    "function": "Technicien de surface",
    "worker_category": "manual",
    "weekly_hours": "10",
    "full_time_weekly_hours": "38",
    "gross_hourly": "9,50",
    "unpaid_test_days": "3",
    "written_before_start": "true",
    "clauses_read": "1",
    "trial": "1",
    "trial_days": "10",
}


async def test_instant_checklist_explains_each_failure_with_its_reference(client, demo):
    await sign_in(client, "nadia")
    token = csrf_from((await client.get("/visa/")).text)
    response = await client.post("/visa/controle", data={"csrf_token": token, **ABUSIVE})
    assert response.status_code == 200, response.text
    html = unescape(response.text)
    assert "Non conforme" in html
    assert "Référence légale" in html


async def test_checklist_fragment_for_htmx(client, demo):
    await sign_in(client, "nadia")
    token = csrf_from((await client.get("/visa/")).text)
    response = await client.post(
        "/visa/controle", data={"csrf_token": token, **ABUSIVE}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="checklist"' in response.text


async def test_submit_decide_and_download_certificate(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/visa/nouveau?personne={julie}")).text)
    fair = {
        **ABUSIVE,
        "weekly_hours": "38",
        "gross_monthly": "2200",
        "gross_hourly": "",
        "unpaid_test_days": "",
    }
    response = await client.post(
        "/visa/demandes", data={"csrf_token": token, "person_id": str(julie), **fair}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    visa_url = response.headers["location"].split("?")[0]
    page = await client.get(visa_url)
    assert "une autre personne habilitée doit la décider" in unescape(page.text)
    client.cookies.clear()
    await sign_in(client, "karim")
    html = (await client.get(visa_url)).text
    assert 'name="decision"' in html
    response = await client.post(
        visa_url + "/decision",
        data={"csrf_token": csrf_from(html), "decision": "refused", "reason": "Clause d'essai interdite"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    html = unescape((await client.get(visa_url)).text)
    assert "Visa refusé" in html
    pdf_link = re.search(r'href="(/api/v1/visas/[0-9a-f-]{36}/certificate\.pdf)"', html).group(1)
    pdf = await client.get(pdf_link)
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
    # deciding on the page files the signed certificate in the person's file, as the API does
    from sqlalchemy import select

    from coordination.dossier.models import Document
    from coordination.visa.models import VisaRequest

    async with database.sessionmaker() as session:
        visa = await session.get(VisaRequest, UUID(visa_url.rsplit("/", 1)[-1]))
        filed = (await session.scalars(select(Document).where(Document.person_id == visa.person_id))).all()
    assert any(doc.category == "contract" for doc in filed)


async def test_visa_of_another_file_is_refused_for_a_partner(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/visa/nouveau?personne={julie}")).text)
    response = await client.post(
        "/visa/demandes",
        data={"csrf_token": token, "person_id": str(julie), **ABUSIVE},
        follow_redirects=False,
    )
    visa_url = response.headers["location"].split("?")[0]
    client.cookies.clear()
    await sign_in(client, "ines")
    page = await client.get(visa_url)
    assert page.status_code == 403
    assert "Accès refusé" in unescape(page.text)


async def test_the_form_offers_every_field_and_shows_typed_values_again_on_error(client, demo, database):
    """Issue 18: shifts, pay frequency, article 60, PIIS, signature date, sector minimum and its source are
    on the page; a wrong value gives the form back, filled as typed, with a French error, and stores nothing."""
    from sqlalchemy import func, select

    from coordination.visa.models import VisaRequest

    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    html = unescape((await client.get(f"/visa/nouveau?personne={julie}")).text)
    for label in (
        "Début (prestation 1)",
        "Périodicité du paiement",
        "Jours de travail prévus",
        "PIIS conclu le",
        "Date de signature prévue",
        "Source du minimum sectoriel (adresse web ou référence de la CCT)",
    ):
        assert label in html, label
    async with database.sessionmaker() as s:
        before = await s.scalar(select(func.count()).select_from(VisaRequest))
    typed = {
        **ABUSIVE,
        "employer_name": "Boulangerie Lenoir",
        "pay.sector_minimum.monthly_full_time": "2250",
        "pay.sector_minimum.source": "",
        "schedule.shifts.0.weekday": "2",
        "schedule.shifts.0.start": "07:30",
    }
    token = csrf_from(html)
    for url in ("/visa/controle", "/visa/demandes"):
        response = await client.post(url, data={"csrf_token": token, "person_id": str(julie), **typed})
        assert response.status_code == 400, response.text
        page = unescape(response.text)
        assert "minimum sectoriel" in page and "source" in page and 'role="alert"' in page
        assert 'value="Boulangerie Lenoir"' in page and 'value="2250"' in page and 'value="07:30"' in page
    async with database.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(VisaRequest)) == before


async def test_approving_on_the_page_needs_an_answer_to_each_open_item(client, demo, database):
    """Issue 18, point 8: an « à compléter » visa cannot be approved with one click and no word; the
    answers are shown with the decision."""
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/visa/nouveau?personne={julie}")).text)
    fair = {
        **ABUSIVE,
        "weekly_hours": "38",
        "gross_monthly": "2300",
        "gross_hourly": "",
        "unpaid_test_days": "0",
    }
    fair.pop("trial"), fair.pop("trial_days")
    response = await client.post(
        "/visa/demandes", data={"csrf_token": token, "person_id": str(julie), **fair}, follow_redirects=False
    )
    visa_url = response.headers["location"].split("?")[0]
    client.cookies.clear()
    await sign_in(client, "karim")
    html = (await client.get(visa_url)).text
    open_ids = re.findall(r'name="checked_([A-Z0-9_]+)"', html)
    assert open_ids and "Points ouverts" in unescape(html)
    one_click = await client.post(
        visa_url + "/decision",
        data={"csrf_token": csrf_from(html), "decision": "approved"},
        follow_redirects=False,
    )
    assert one_click.status_code == 422
    assert "vérifiez vous-même chaque point ouvert" in unescape(one_click.text)
    first = open_ids[0]
    partial = await client.post(
        visa_url + "/decision",
        data={
            "csrf_token": csrf_from(html),
            "decision": "approved",
            f"checked_{first}": "1",
            f"note_{first}": "Noté à la main, à ne pas perdre",
        },
        follow_redirects=False,
    )
    assert len(open_ids) > 1  # so one answer is not enough: the page comes back with what was typed
    assert partial.status_code == 422
    again = unescape(partial.text)
    assert "Noté à la main, à ne pas perdre" in again and 'role="alert"' in again
    assert f'name="checked_{first}" value="1" checked' in again
    answers = {}
    for cid in open_ids:
        answers[f"checked_{cid}"] = "1"
        answers[f"note_{cid}"] = f"Vérifié sur pièce ({cid})."
    decided = await client.post(
        visa_url + "/decision",
        data={"csrf_token": csrf_from(html), "decision": "approved", **answers},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    page = unescape((await client.get(visa_url)).text)
    assert "Visa accordé" in page and "Points ouverts vérifiés" in page
    assert all(f"Vérifié sur pièce ({cid})." in page for cid in open_ids)
    # after approval, hours worked are recorded per week and compared with the hours the contract pays
    recorded = await client.post(
        visa_url + "/presences",
        data={
            "csrf_token": csrf_from(html),
            "period_start": "2026-12-07",
            "period_end": "2026-12-13",
            "hours_worked": "45",
        },
        follow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text
    page = unescape((await client.get(visa_url)).text)
    assert "Heures prestées et heures payées" in page and "du 7 décembre 2026 au 13 décembre 2026" in page
    assert "7\u00a0h non payées ?" in page and "Présences enregistrées" in page
    outside = await client.post(
        visa_url + "/presences",
        data={
            "csrf_token": csrf_from(html),
            "period_start": "2026-11-23",
            "period_end": "2026-11-29",
            "hours_worked": "38",
        },
        follow_redirects=False,
    )
    assert outside.status_code == 422 and "sort des dates du contrat" in unescape(outside.text)
    # the refused period comes back as typed, the message under the field it concerns
    again = unescape(outside.text)
    assert 'value="2026-11-23"' in again and 'value="38"' in again
    assert (
        'id="err-period_start"' in again
        and 'aria-invalid="true" aria-describedby="err-period_start"' in again
    )
    bad_hours = await client.post(
        visa_url + "/presences",
        data={"csrf_token": csrf_from(html), "period_start": "2026-12-14", "hours_worked": "beaucoup"},
        follow_redirects=False,
    )
    assert bad_hours.status_code == 422
    again = unescape(bad_hours.text)
    assert 'id="err-hours_worked"' in again and 'value="beaucoup"' in again and "<h1>Demande de visa" in again
