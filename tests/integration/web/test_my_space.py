from __future__ import annotations

import re
from html import unescape

from tests.integration.web.conftest import csrf_from, sign_in


async def test_beneficiary_sees_own_space_in_plain_words(client, demo):
    await sign_in(client, "julie")
    response = await client.get("/mon-espace/")
    assert response.status_code == 200, response.text
    html = response.text
    assert "Bonjour Julie" in html
    assert "Votre référent" in html
    assert "Ce que vous partagez" in html
    assert "Qui a consulté votre dossier récemment" in html
    assert "Traceback" not in html


async def test_give_then_withdraw_a_consent_in_one_click_each(client, demo):
    await sign_in(client, "julie")
    html = (await client.get("/mon-espace/")).text
    token = csrf_from(html)
    orgs = re.findall(r'name="recipient_organisation_id" value="([0-9a-f-]{36})"', html)
    assert orgs, "a one-click consent is offered for a partner of the pathway"
    forms = re.findall(r'<form method="post" action="/mon-espace/consentements">(.*?)</form>', html, re.S)
    one_click = forms[0]
    fields = dict(re.findall(r'name="(recipient_organisation_id|purpose|duree)" value="([^"]*)"', one_click))
    sections = re.findall(r'name="sections" value="([a-z]+)"', one_click)
    response = await client.post(
        "/mon-espace/consentements",
        data={"csrf_token": token, **fields, "sections": sections},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    html = (await client.get("/mon-espace/?ok=donne")).text
    assert "Consentement enregistré" in html
    withdraw = re.search(r'action="(/mon-espace/consentements/[0-9a-f-]{36}/retrait)"', html)
    assert withdraw
    response = await client.post(withdraw.group(1), data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    html = (await client.get("/mon-espace/?ok=retire")).text
    assert "Consentement retiré" in html
    assert "retiré" in html


async def test_withdraw_without_csrf_is_refused(client, demo):
    await sign_in(client, "julie")
    html = (await client.get("/mon-espace/")).text
    assert csrf_from(html)
    response = await client.post(
        "/mon-espace/consentements/0190a0a0-0000-7000-8000-000000000000/retrait", data={}
    )
    assert response.status_code == 403
    assert "formulaire a expiré" in response.text


async def test_worker_has_no_own_space(client, demo):
    await sign_in(client, "sophie")
    response = await client.get("/mon-espace/")
    assert response.status_code == 404
    assert "espace est celui des personnes accompagnées" in response.text


async def test_signed_out_visitor_is_sent_to_sign_in(client, demo):
    response = await client.get("/mon-espace/journal", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suivant=/mon-espace/journal"


async def test_journal_page_lists_other_readers(client, demo, database):
    from tests.integration.web.conftest import person_ids

    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    assert (await client.get(f"/api/v1/persons/{julie}/plan")).status_code in (200, 403)
    client.cookies.clear()
    await sign_in(client, "julie")
    html = (await client.get("/mon-espace/journal")).text
    assert "Sophie Lambert" in html


async def test_the_person_sees_who_asserted_a_legal_mandate_on_her_file(client, demo):
    """Issue 15: mandate facts are attributed assertions the person sees (who, which organisation, when,
    on which ground)."""
    await sign_in(client, "julie")
    page = unescape((await client.get("/mon-espace")).text)
    assert "Qui suit votre dossier au titre de la loi" in page
    assert "inscrit·e comme demandeur·euse d'emploi au Forem" in page
    assert "a déclaré le" in page and "Inscription comme demandeur·euse d'emploi" in page


async def test_the_person_sees_her_referent_phone_and_email_and_her_export_links(client, demo):
    """Issue 17: how to reach her referent, and her data in one click (PDF and JSON)."""
    await sign_in(client, "julie")
    page = unescape((await client.get("/mon-espace")).text)
    referent = page.split('id="titre-referent"', 1)[1].split("</section>", 1)[0]
    assert "Téléphone" in referent and 'href="tel:' in referent
    assert "Courriel" in referent and 'href="mailto:' in referent
    assert 'href="/mon-espace/export?format=pdf"' in page and 'href="/mon-espace/export?format=json"' in page
    pdf = await client.get("/mon-espace/export", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    raw = await client.get("/mon-espace/export", params={"format": "json"})
    assert raw.status_code == 200 and raw.json()["identity"]["first_name"] == "Julie"
    assert raw.json()["access_visits"], "the journal grouped in visits is in the export"
