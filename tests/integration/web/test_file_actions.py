"""File actions on the pages: a partner's ICF assessment on its own step, document versions and deletion
(reason, retention rule shown and recorded), a consent recorded from the signed form uploaded with it and
withdrawn by the person in one click from her inbox, a withdrawal recorded with the signed request, the DPO's
journal of all files, a visa returned for correction then resubmitted, the cadastre's PDF report note."""

from __future__ import annotations

import re
from html import unescape
from uuid import UUID

from sqlalchemy import select

from coordination.access.models import Consent
from coordination.dossier.models import Assessment, Document
from coordination.inbox.models import Notification
from tests.integration.web.conftest import csrf_from, person_ids, sign_in
from tests.integration.web.test_file_pages import _consent, _partner_file
from tests.integration.web.test_visa_pages import ABUSIVE

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_partner_assesses_its_own_step_with_icf_items(client, demo, database):
    user, step, other = await _partner_file(client, database, "paul")
    await _consent(database, step.person_id, user.organisation_id, user.id)
    await sign_in(client, "paul")
    html = (await client.get(f"/dossiers/{step.person_id}")).text
    assert f"/etapes/{step.id}/evaluations" in html and 'value="confiance"' in html
    token = csrf_from(html)
    empty = await client.post(
        f"/dossiers/{step.person_id}/etapes/{step.id}/evaluations", data={"csrf_token": token}
    )
    assert empty.status_code == 400 and "au moins un item" in unescape(empty.text)
    response = await client.post(
        f"/dossiers/{step.person_id}/etapes/{step.id}/evaluations",
        data={
            "csrf_token": token,
            "item_0": "confiance",
            "qualifier_0": "2",
            "comment_0": "Prend la parole en groupe",
            "item_1": "motivation",
            "qualifier_1": "1",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = unescape((await client.get(response.headers["location"])).text)
    assert "Évaluation enregistrée" in page and "Prend la parole en groupe" in page
    async with database.sessionmaker() as session:
        rows = (await session.scalars(select(Assessment).where(Assessment.step_id == step.id))).all()
        assert {a.item_code for a in rows} >= {"confiance", "motivation"}
    if other is not None:
        refused = await client.post(
            f"/dossiers/{step.person_id}/etapes/{other.id}/evaluations",
            data={"csrf_token": token, "item_0": "confiance", "qualifier_0": "1"},
        )
        assert refused.status_code == 403


async def _upload(client, database, julie, token, title: str, category: str = "certificate") -> str:
    response = await client.post(
        f"/dossiers/{julie}/documents",
        data={"csrf_token": token, "category": category, "title": title},
        files={"file": ("piece.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    async with database.sessionmaker() as session:
        return str(await session.scalar(select(Document.id).where(Document.title == title)))


async def test_document_new_version_then_deletion_with_reason_and_retention_rule(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/dossiers/{julie}")).text)
    doc_id = await _upload(client, database, julie, token, "Attestation Forem")
    html = unescape((await client.get(f"/dossiers/{julie}")).text)
    assert "Déposer la version 2" in html
    assert re.search(
        r"Règle de conservation : <strong>[^<]+</strong>, à conserver en principe jusqu'au", html
    )
    version = re.search(rf'documents/{doc_id}/versions".*?name="version" value="(\d+)"', html, re.S).group(1)
    response = await client.post(
        f"/dossiers/{julie}/documents/{doc_id}/versions",
        data={"csrf_token": token, "version": version},
        files={"file": ("piece-v2.pdf", PDF + b"v2", "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    html = unescape((await client.get(f"/dossiers/{julie}")).text)
    assert "Télécharger piece-v2.pdf" in html and "2 versions" in html
    assert "?version=1" in html
    # stale form: 409, nothing deleted
    stale = await client.post(
        f"/dossiers/{julie}/documents/{doc_id}/suppression",
        data={"csrf_token": token, "version": version, "reason": "Doublon"},
    )
    assert stale.status_code == 409
    current = re.search(rf'documents/{doc_id}/suppression".*?name="version" value="(\d+)"', html, re.S).group(
        1
    )
    no_reason = await client.post(
        f"/dossiers/{julie}/documents/{doc_id}/suppression",
        data={"csrf_token": token, "version": current, "reason": ""},
    )
    assert no_reason.status_code == 400
    deleted = await client.post(
        f"/dossiers/{julie}/documents/{doc_id}/suppression",
        data={"csrf_token": token, "version": current, "reason": "Doublon déposé par erreur"},
        follow_redirects=False,
    )
    assert deleted.status_code == 303, deleted.text
    html = unescape((await client.get(deleted.headers["location"])).text)
    assert "Document supprimé" in html and "Motif : Doublon déposé par erreur" in html
    async with database.sessionmaker() as session:
        doc = await session.get(Document, UUID(doc_id))
        assert doc.deleted_at is not None and doc.deletion_rule == doc.retention_rule


async def test_partner_cannot_delete_a_document(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/dossiers/{julie}")).text)
    doc_id = await _upload(client, database, julie, token, "CV Julie", "cv")
    await sign_in(client, "ines")
    token = csrf_from((await client.get("/notifications")).text)
    response = await client.post(
        f"/dossiers/{julie}/documents/{doc_id}/suppression",
        data={"csrf_token": token, "version": "1", "reason": "essai"},
    )
    assert response.status_code == 403


def _objects(settings) -> list:
    from pathlib import Path

    root = Path(settings.documents_dir)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def _rows(database) -> tuple[int, int, int]:
    from sqlalchemy import func

    from coordination.access.models import ConsentEvent

    async with database.sessionmaker() as session:
        return tuple(
            [
                int(await session.scalar(select(func.count()).select_from(m)))
                for m in (Consent, ConsentEvent, Document)
            ]
        )


async def test_worker_records_a_paper_consent_with_its_evidence(client, demo, database, settings):
    """The page takes the signed form itself (multipart), never a document already in the file; a refused
    form is shown again in French and writes nothing; the person withdraws it in one click from her inbox."""
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/dossiers/{julie}")).text)
    cv = await _upload(client, database, julie, token, "CV Julie", "cv")
    page = await client.get(f"/dossiers/{julie}/consentements")
    assert page.status_code == 200
    html = unescape(page.text)
    assert "Enregistrer un accord signé sur papier" in html and 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and 'name="evidence_document_id"' not in html
    duo = re.search(r'<option value="([0-9a-f-]{36})">Duo Mentorat', html).group(1)
    assert not re.search(r"<option[^>]*>Le Forem", html), "never one's own organisation"
    assert 'value="health"' not in html and 'value="social"' not in html
    forem = await _org_id(database, "forem")
    fields = {
        "csrf_token": token,
        "recipient_organisation_id": duo,
        "sections": ["plan", "progress"],
        "purpose": "Mentorat vers l'emploi",
        "channel": "paper",
        "duree": "6",
    }
    form = {"file": ("formulaire-signe.pdf", PDF, "application/pdf")}
    before, objects = await _rows(database), _objects(settings)
    refused = [
        ({}, None, 400, "formulaire signé"),  # no file
        ({"evidence_document_id": cv}, None, 400, "formulaire signé"),  # a CV as evidence
        ({"evidence_document_id": cv}, form, 400, "document existant"),
        ({"recipient_organisation_id": forem}, form, 403, "propre organisme"),
        ({"sections": ["plan", "health"]}, form, 403, "délégué à la protection des données"),
    ]
    for extra, files, status, words in refused:
        response = await client.post(
            f"/dossiers/{julie}/consentements", data={**fields, **extra}, files=files
        )
        assert response.status_code == status, (extra, response.text)
        html = unescape(response.text)
        assert words in html and "Rien n'a été enregistré" in html, extra
        assert "Enregistrer un accord signé sur papier" in html, "the form is shown again"
    assert await _rows(database) == before and _objects(settings) == objects

    response = await client.post(
        f"/dossiers/{julie}/consentements", data=fields, files=form, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    html = unescape((await client.get(response.headers["location"])).text)
    assert "Consentement enregistré" in html and "Mentorat vers l'emploi" in html
    async with database.sessionmaker() as session:
        consent = await session.scalar(select(Consent).where(Consent.purpose == "Mentorat vers l'emploi"))
        evidence = await session.get(Document, consent.evidence_document_id)
        assert evidence.category == "consent_form" and evidence.person_id == julie
        assert consent.channel.value == "paper"
        told = await session.scalar(
            select(Notification).where(
                Notification.recipient_person_id == julie, Notification.subject_id == consent.id
            )
        )
        assert told is not None, "the person is told a consent was recorded on her behalf"
    assert len(_objects(settings)) == len(objects) + 1

    # the person: the notice carries a one-click withdrawal, which ends the access at once
    await sign_in(client, "julie")
    assert "Duo Mentorat Wallonie" in unescape((await client.get("/mon-espace")).text)
    inbox = (await client.get("/notifications")).text
    action = f"/notifications/{told.id}/retirer-accord"
    assert action in inbox
    withdrawn = await client.post(action, data={"csrf_token": csrf_from(inbox)}, follow_redirects=False)
    assert withdrawn.status_code == 303, withdrawn.text
    assert "accord-retire" in withdrawn.headers["location"]
    async with database.sessionmaker() as session:
        from coordination.access.services import consent_status, load_consent
        from coordination.db.base import utcnow

        status = consent_status(*(await load_consent(session, julie, consent.id)), utcnow())
    assert status == "withdrawn"
    assert "Accord retiré" in unescape((await client.get(withdrawn.headers["location"])).text)
    # a second click changes nothing and says so; without the CSRF token, refused
    again = await client.post(action, data={"csrf_token": csrf_from(inbox)})
    assert again.status_code == 200 and "déjà plus en vigueur" in unescape(again.text)
    assert (await client.post(action, data={})).status_code == 403


async def test_worker_records_a_withdrawal_with_the_signed_request_and_a_reason(
    client, demo, database, settings
):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "julie")
    space = (await client.get("/mon-espace")).text
    duo = await _org_id(database, "duo-mentorat")
    given = await client.post(
        "/mon-espace/consentements",
        data={
            "csrf_token": csrf_from(space),
            "recipient_organisation_id": duo,
            "sections": ["plan"],
            "purpose": "Mentorat",
            "duree": "6",
        },
        follow_redirects=False,
    )
    assert given.status_code == 303, given.text
    async with database.sessionmaker() as session:
        consent = await session.scalar(select(Consent).where(Consent.purpose == "Mentorat"))
    await sign_in(client, "sophie")
    page = (await client.get(f"/dossiers/{julie}/consentements")).text
    action = f"/dossiers/{julie}/consentements/{consent.id}/retrait"
    assert action in page
    token = csrf_from(page)
    form = {"file": ("demande-retrait.pdf", PDF, "application/pdf")}
    before, objects = await _rows(database), _objects(settings)
    no_reason = await client.post(action, data={"csrf_token": token, "reason": ""}, files=form)
    assert no_reason.status_code == 400 and "motif" in unescape(no_reason.text)
    no_file = await client.post(action, data={"csrf_token": token, "reason": "Lettre signée"})
    assert no_file.status_code == 400 and "formulaire signé" in unescape(no_file.text)
    assert await _rows(database) == before and _objects(settings) == objects
    done = await client.post(
        action,
        data={"csrf_token": token, "reason": "Lettre signée du 3 mars"},
        files=form,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    html = unescape((await client.get(done.headers["location"])).text)
    assert "Retrait enregistré" in html and "retiré" in html


async def _org_id(database, slug: str) -> str:
    from coordination.directory.models import Organisation

    async with database.sessionmaker() as session:
        orgs = (await session.scalars(select(Organisation))).all()
    names = {"forem": "Forem", "duo-mentorat": "Duo Mentorat Wallonie"}
    return str(next(o.id for o in orgs if names[slug] in o.name))


async def test_dpo_reads_the_journal_of_all_files_and_nobody_else(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    await client.get(f"/dossiers/{julie}")
    assert (await client.get("/journal")).status_code == 403
    await sign_in(client, "dpo")
    response = await client.get("/journal")
    assert response.status_code == 200
    html = unescape(response.text)
    assert "Journal des accès à tous les dossiers" in html and "Sophie Lambert" in html
    assert "autorisée" in html
    main = html.split("<main", 1)[1]
    assert "Aide-soignante" not in main and "Rue de la Station" not in main, "never the file's content"


async def test_visa_returned_for_correction_is_corrected_and_resubmitted(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/visa/nouveau?personne={julie}")).text)
    response = await client.post(
        "/visa/demandes",
        data={"csrf_token": token, "person_id": str(julie), **ABUSIVE},
        follow_redirects=False,
    )
    visa_url = response.headers["location"].split("?")[0]
    await sign_in(client, "karim")
    html = (await client.get(visa_url)).text
    returned = await client.post(
        visa_url + "/decision",
        data={"csrf_token": csrf_from(html), "decision": "returned", "reason": "Retirer les jours d'essai"},
        follow_redirects=False,
    )
    assert returned.status_code == 303, returned.text
    await sign_in(client, "sophie")
    page = unescape((await client.get(visa_url)).text)
    assert "Renvoyé pour correction" in page and "Retirer les jours d'essai" in page
    form = await client.get(visa_url + "/correction")
    text = unescape(form.text)
    assert form.status_code == 200 and "Renvoyer le contrat corrigé pour décision" in text
    assert 'value="3"' in text or 'name="unpaid_test_days" value="' in text
    version = re.search(r'name="visa_version" value="(\d+)"', text).group(1)
    corrected = {**ABUSIVE, "unpaid_test_days": "", "weekly_hours": "38", "gross_monthly": "2200"}
    resubmitted = await client.post(
        visa_url + "/contrat",
        data={"csrf_token": csrf_from(form.text), "visa_version": version, **corrected},
        follow_redirects=False,
    )
    assert resubmitted.status_code == 303, resubmitted.text
    page = unescape((await client.get(visa_url)).text)
    assert "Renvoyé pour correction" not in page
    stale = await client.post(
        visa_url + "/contrat",
        data={"csrf_token": csrf_from(form.text), "visa_version": version, **corrected},
    )
    assert stale.status_code == 409


async def test_cadastre_comparison_links_the_pdf_report_or_says_it_is_coming(client, demo, app):
    from coordination.web.cadastre_pages import EVALUATION_PDF

    await sign_in(client, "regis")
    html = unescape((await client.get("/cadastre/comparaison")).text)
    assert "Exporter le cadastre en CSV" in html
    if any(getattr(r, "path", None) == EVALUATION_PDF for r in app.routes):
        assert f"{EVALUATION_PDF}?year=" in html
    else:
        assert "Le rapport d'évaluation en PDF arrive bientôt" in html
